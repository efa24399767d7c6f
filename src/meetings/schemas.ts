import { z } from 'zod';
import { Instant, Uuid, CalendarDate, Text } from '../shared/schemas.ts';

export const MeetingKind = z.enum(['strategy_discussion', 'conference', 'core_group', 'standing_panel']);

export const NewMeeting = z
  .strictObject({
    kind: MeetingKind,
    title: Text.trim().min(1, 'Give the meeting a title (no names: it appears in lists)').max(200),
    series: Text.trim().max(200).optional().meta({ description: 'e.g. "North JAG" or a core group: meetings in a series review each other\'s actions.' }),
    episodeId: Uuid.optional(),
    scheduledAt: Instant,
    place: Text.trim().max(500).optional().meta({ description: 'Where it is held (a room, an address, "video call"): told to each invitee. No names.' }),
    chairId: Uuid.optional(),
    subjectPersonIds: z.array(Uuid).min(1, 'Put at least one child or family on the agenda').max(50),
    invitees: z.array(z.strictObject({
      agencyId: Uuid,
      practitionerId: Uuid.optional().meta({ description: 'A practitioner of that agency (any agency of the partnership); without one the agency is invited and its safeguarding leads are told.' }),
      asked: Text.trim().max(2000).optional().meta({ description: 'What this invitee is asked to bring or do, told in the invitation. No names.' }),
    })).min(1, 'Invite at least one agency').max(100),
  })
  .meta({ id: 'NewMeeting' });
export type NewMeeting = z.output<typeof NewMeeting>;

export const MeetingOutcome = z
  .strictObject({
    heldAt: Instant,
    attendance: z.array(z.strictObject({ agencyId: Uuid, practitionerId: Uuid.optional(), attended: z.boolean(), apologies: Text.trim().max(500).optional() })).max(100),
    decisions: z.array(Text.trim().min(1).max(5000)).max(100).default([]),
    actions: z.array(z.strictObject({ ownerId: Uuid, description: Text.trim().min(1, 'Describe the action').max(2000), dueOn: CalendarDate })).max(200).default([]),
    reviewedActions: z.array(z.strictObject({ actionId: Uuid, status: z.enum(['done', 'dropped', 'carried_forward']), note: Text.trim().max(2000).optional() })).max(200).default([]),
    minutes: Text.trim().min(1, 'Record the minutes').max(100_000),
    familyTold: Text.trim().min(1, 'Record what the family will be told, by whom and when').max(5000),
  })
  .meta({ id: 'MeetingOutcome' });
export type MeetingOutcome = z.output<typeof MeetingOutcome>;

export const Contribution = z.strictObject({ shareDecisionId: Uuid }).meta({ id: 'MeetingContribution' });

export const ActionClosure = z.strictObject({ status: z.enum(['done', 'dropped']), note: Text.trim().max(2000).optional() }).meta({ id: 'MeetingActionClosure' });
