import { z } from 'zod';
import { addContribution, closeAction, getMeeting, listMeetings, myActions, recordOutcome, scheduleMeeting } from '../../meetings/meetings.ts';
import { ChildSummary } from '../../people/child-summary.ts';
import { ActionClosure, Contribution, MeetingOutcome, NewMeeting } from '../../meetings/schemas.ts';
import { IdParams, type Api } from '../route.ts';

const Action = z.object({ id: z.uuid(), meetingId: z.uuid(), ownerId: z.uuid(), ownerName: z.string(), description: z.string(), dueOn: z.string(), status: z.enum(['open', 'done', 'dropped']), overdue: z.boolean(), reviewedAtMeetingId: z.uuid().nullable() }).meta({ id: 'MeetingAction' });
const MyAction = Action.extend({
  child: ChildSummary.nullable().meta({ description: "Which child the action's meeting is about: null when you may not read their entry." }),
}).meta({ id: 'MyMeetingAction' });
const Meeting = z.object({
  id: z.uuid(), conveningAgencyId: z.uuid(), kind: z.string(), title: z.string(), series: z.string().nullable(), episodeId: z.uuid().nullable(), scheduledAt: z.string(), place: z.string().nullable(),
  chairId: z.uuid().nullable(), status: z.string(), heldAt: z.string().nullable(),
  view: z.enum(['convening', 'invited']).meta({ description: "invited: another agency's invitee or action owner sees when, where, the agenda, the invitations, her agency's contributions and her own actions; not the minutes, decisions or others' actions." }),
  subjects: z.array(z.object({ personId: z.uuid(), names: z.string(), dateOfBirth: z.string().nullable(), ownPersonId: z.uuid().nullable().meta({ description: "Your agency's own entry for the child, where a live same-person link joins them." }) })),
  invitees: z.array(z.object({ agencyId: z.uuid(), agencyName: z.string(), practitionerId: z.uuid().nullable(), practitionerName: z.string().nullable(), asked: z.string().nullable(), attended: z.boolean().nullable(), apologies: z.string().nullable() })),
  contributions: z.array(z.object({ agencyId: z.uuid(), shareDecisionId: z.uuid(), addedAt: z.string() })),
  decisions: z.array(z.string()), actions: z.array(Action), actionsToReview: z.array(Action), minutes: z.string().nullable(), familyTold: z.string().nullable(),
}).meta({ id: 'Meeting' });

/** Multi-agency meetings and the actions they give practitioners. */
export function registerMeetingRoutes(api: Api): void {
  api.route({ method: 'POST', url: '/meetings', tag: 'Meetings', operationId: 'scheduleMeeting', summary: 'Schedule a meeting',
    description: "Schedule a strategy discussion, conference, core group or standing panel; invitees are told. The children or families on the agenda must be in your agency's index; each invitee must be an agency of your partnership (`/invitees/{i}/agencyId`), or an active practitioner of that agency (`/invitees/{i}/practitionerId`); each is told the date, UK time, place and what is asked of them; `episodeId`, if given, must be an episode of your agency (each a 422 naming the field). The title appears in lists: no names.", body: NewMeeting, response: Meeting, handler: ({ ctx, body }) => scheduleMeeting(ctx, body) });
  api.route({
    method: 'GET', url: '/meetings', tag: 'Meetings', operationId: 'listMeetings', summary: 'List meetings',
    description: 'Meetings your agency convenes or is invited to.',
    response: z.array(z.object({ id: z.uuid(), title: z.string(), kind: z.string(), scheduledAt: z.string(), status: z.string(), convening: z.boolean() })),
    handler: ({ ctx }) => listMeetings(ctx),
  });
  api.route({ method: 'GET', url: '/meetings/{id}', tag: 'Meetings', operationId: 'getMeeting', summary: 'Get a meeting',
    description: "A meeting: agenda, invitees and attendance, contributions, decisions, actions and the earlier actions to review. For the convening and invited agencies' casework staff; anyone else is answered 404.", params: IdParams, response: Meeting, handler: ({ ctx, params }) => getMeeting(ctx, params.id) });
  api.route({ method: 'POST', url: '/meetings/{id}/contributions', tag: 'Meetings', status: 200, operationId: 'addMeetingContribution', summary: 'Bring a contribution',
    description: "Bring your agency's contribution: a share decision with the convening agency among its recipients. The decision must be a live share decision of your agency with the convening agency among its recipients (422 naming `shareDecisionId`).", params: IdParams, body: Contribution, response: Meeting, handler: ({ ctx, params, body }) => addContribution(ctx, params.id, body.shareDecisionId) });
  api.route({ method: 'POST', url: '/meetings/{id}/outcome', tag: 'Meetings', status: 200, operationId: 'recordMeetingOutcome', summary: 'Record a meeting outcome',
    description: "Record attendance, decisions, actions, the review of earlier actions, minutes and what the family is told. The convening agency only, once (409 once recorded). `heldAt` may not be in the future; attendance only for invited agencies; each action's owner must be an active practitioner of an agency of the partnership (she is told, and sees the meeting and her action); reviewed actions must be open actions of an earlier meeting in the same series (each a 422 naming the field).", params: IdParams, body: MeetingOutcome, response: Meeting, handler: ({ ctx, params, body }) => recordOutcome(ctx, params.id, body) });
  api.route({ method: 'GET', url: '/my-actions', tag: 'Meetings', operationId: 'listMyMeetingActions', summary: 'List your meeting actions',
    description: 'Actions meetings have given you. Open ones first, then by due date, with those overdue flagged. Each names the child its meeting is about, when you may read their entry.', response: z.array(MyAction), handler: ({ ctx }) => myActions(ctx) });
  api.route({ method: 'POST', url: '/meeting-actions/{id}/closure', tag: 'Meetings', status: 200, operationId: 'closeMeetingAction', summary: 'Close a meeting action',
    description: "Mark your action done or dropped. Only the action's owner (404 for anyone else); an action is closed once (409).", params: IdParams, body: ActionClosure, response: Action, handler: ({ ctx, params, body }) => closeAction(ctx, params.id, body.status, body.note) });
}
