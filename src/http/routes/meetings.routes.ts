import { z } from 'zod';
import { addContribution, closeAction, getMeeting, listMeetings, myActions, recordOutcome, scheduleMeeting } from '../../meetings/meetings.ts';
import { ActionClosure, Contribution, MeetingOutcome, NewMeeting } from '../../meetings/schemas.ts';
import { IdParams, type Api } from '../route.ts';

const Action = z.object({ id: z.uuid(), meetingId: z.uuid(), ownerId: z.uuid(), ownerName: z.string(), description: z.string(), dueOn: z.string(), status: z.enum(['open', 'done', 'dropped']), overdue: z.boolean(), reviewedAtMeetingId: z.uuid().nullable() }).meta({ id: 'MeetingAction' });
const Meeting = z.object({
  id: z.uuid(), conveningAgencyId: z.uuid(), kind: z.string(), title: z.string(), series: z.string().nullable(), episodeId: z.uuid().nullable(), scheduledAt: z.string(),
  chairId: z.uuid().nullable(), status: z.string(), heldAt: z.string().nullable(),
  subjects: z.array(z.object({ personId: z.uuid(), names: z.string(), dateOfBirth: z.string().nullable() })),
  invitees: z.array(z.object({ agencyId: z.uuid(), agencyName: z.string(), practitionerId: z.uuid().nullable(), attended: z.boolean().nullable(), apologies: z.string().nullable() })),
  contributions: z.array(z.object({ agencyId: z.uuid(), shareDecisionId: z.uuid(), addedAt: z.string() })),
  decisions: z.array(z.string()), actions: z.array(Action), actionsToReview: z.array(Action), minutes: z.string().nullable(), familyTold: z.string().nullable(),
}).meta({ id: 'Meeting' });

/** Multi-agency meetings and the actions they give practitioners. */
export function registerMeetingRoutes(api: Api): void {
  api.route({ method: 'POST', url: '/meetings', tag: 'Meetings', summary: 'Schedule a strategy discussion, conference, core group or standing panel; invitees are told.', body: NewMeeting, response: Meeting, handler: ({ ctx, body }) => scheduleMeeting(ctx, body) });
  api.route({
    method: 'GET', url: '/meetings', tag: 'Meetings', summary: 'Meetings your agency convenes or is invited to.',
    response: z.array(z.object({ id: z.uuid(), title: z.string(), kind: z.string(), scheduledAt: z.string(), status: z.string(), convening: z.boolean() })),
    handler: ({ ctx }) => listMeetings(ctx),
  });
  api.route({ method: 'GET', url: '/meetings/{id}', tag: 'Meetings', summary: 'A meeting: agenda, invitees and attendance, contributions, decisions, actions and the earlier actions to review.', params: IdParams, response: Meeting, handler: ({ ctx, params }) => getMeeting(ctx, params.id) });
  api.route({ method: 'POST', url: '/meetings/{id}/contributions', tag: 'Meetings', status: 200, summary: "Bring your agency's contribution: a share decision with the convening agency among its recipients.", params: IdParams, body: Contribution, response: Meeting, handler: ({ ctx, params, body }) => addContribution(ctx, params.id, body.shareDecisionId) });
  api.route({ method: 'POST', url: '/meetings/{id}/outcome', tag: 'Meetings', status: 200, summary: 'Record attendance, decisions, actions, the review of earlier actions, minutes and what the family is told.', params: IdParams, body: MeetingOutcome, response: Meeting, handler: ({ ctx, params, body }) => recordOutcome(ctx, params.id, body) });
  api.route({ method: 'GET', url: '/my-actions', tag: 'Meetings', summary: 'Actions meetings have given you.', response: z.array(Action), handler: ({ ctx }) => myActions(ctx) });
  api.route({ method: 'POST', url: '/meeting-actions/{id}/closure', tag: 'Meetings', status: 200, summary: 'Mark your action done or dropped.', params: IdParams, body: ActionClosure, response: Action, handler: ({ ctx, params, body }) => closeAction(ctx, params.id, body.status, body.note) });
}
