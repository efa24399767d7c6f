import { z } from 'zod';
import { ChildSummary } from '../people/child-summary.ts';
import { CalendarDate, Instant, Uuid, Text } from '../shared/schemas.ts';

/** What is checked, every how many days, and until when: shared by an arrangement and a closure. */
const plan = {
  checks: Text.trim().min(1, 'Say what will be checked (e.g. see the baby and confer with the school)').max(2000),
  everyDays: z
    .number({ error: 'Say every how many days a check is due (14 for fortnightly)' })
    .int('A whole number of days')
    .min(1, 'At least every day')
    .max(366, 'At least once a year')
    .meta({ description: 'A check is due this many days after the last completed check, or after the start: 14 for fortnightly.' }),
  endsOn: CalendarDate.meta({ description: 'When the arrangement ends unless it is renewed: monitoring is not open-ended.' }),
  escalation: Text.trim().max(2000).optional().meta({ description: 'What happens if concerns continue or checks cannot be made (e.g. refer to children\'s social care).' }),
};

const endsAfterStart = (a: { startsOn?: string | undefined; endsOn: string }, ctx: z.RefinementCtx): void => {
  if (a.startsOn && a.endsOn < a.startsOn) ctx.addIssue({ code: 'custom', path: ['endsOn'], message: 'The end must not be before the start' });
};

/** The arrangement a closure sets up with the agency named to monitor (case example 8). */
export const ClosureMonitoring = z
  .strictObject({ ...plan, startsOn: CalendarDate.optional().meta({ description: 'Defaults to the day the case is closed.' }) })
  .superRefine(endsAfterStart)
  .meta({ id: 'ClosureMonitoring', description: 'What the monitoring agency checks, how often and until when.' });
export type ClosureMonitoring = z.output<typeof ClosureMonitoring>;

export const NewMonitoringArrangement = z
  .strictObject({
    childPersonId: Uuid.meta({ description: "The child in your agency's index. When another agency is responsible, its own entry for the child must be linked to yours." }),
    responsibleAgencyId: Uuid,
    responsiblePractitionerId: Uuid.optional().meta({ description: "The practitioner who makes the checks; missed checks are raised with them and their safeguarding lead. Defaults to the responsible agency's lead worker for the child." }),
    ...plan,
    startsOn: CalendarDate,
    agreedAgencyIds: z.array(Uuid).min(1, 'Record which agencies agreed the arrangement').max(50),
  })
  .superRefine(endsAfterStart)
  .meta({ id: 'NewMonitoringArrangement' });
export type NewMonitoringArrangement = z.output<typeof NewMonitoringArrangement>;

export const NewMonitoringCheck = z
  .strictObject({
    outcome: z.enum(['done', 'no_access']).meta({ description: "done: the check was made. no_access: nobody answered or the child was not seen; the next check stays due and the recording agency is told." }),
    checkedAt: Instant,
    place: Text.trim().max(200).optional().meta({ description: 'Where the check was made or tried (at home, at clinic).' }),
    note: Text.trim().min(1, 'Write a note of the check').max(5000),
  })
  .meta({ id: 'NewMonitoringCheck' });
export type NewMonitoringCheck = z.output<typeof NewMonitoringCheck>;

export const EndArrangement = z
  .strictObject({ reason: Text.trim().min(1, 'Say why the monitoring is ending').max(2000) })
  .meta({ id: 'EndMonitoringArrangement' });
export type EndArrangement = z.output<typeof EndArrangement>;

export const Acknowledgement = z
  .strictObject({ note: Text.trim().max(2000).optional() })
  .meta({ id: 'Acknowledgement' });
export type Acknowledgement = z.output<typeof Acknowledgement>;

/** Clearing a missed check without recording it: only with a reason (issue 17: no one-click acknowledgement). */
export const MissedCheckReason = z
  .strictObject({ reason: Text.trim().min(1, 'Say why the check was missed, and what is being done about it').max(2000) })
  .meta({ id: 'MissedCheckReason', description: 'Why the check was missed and what is being done. Recording the check clears the alert without one.' });
export type MissedCheckReason = z.output<typeof MissedCheckReason>;

export const MonitoringCheck = z
  .object({
    id: Uuid, outcome: z.enum(['done', 'no_access']), checkedAt: z.string(),
    place: z.string().nullable().meta({ description: 'Where, to the responsible agency only.' }),
    note: z.string().nullable().meta({ description: "The responsible agency's note; other agencies see that the check was made, not what it found." }),
    recordedById: Uuid, recordedByName: z.string(), recordedAt: z.string(),
  })
  .meta({ id: 'MonitoringCheck' });
export type MonitoringCheck = z.infer<typeof MonitoringCheck>;

export const MonitoringAlert = z
  .object({
    id: Uuid, arrangementId: Uuid, kind: z.literal('missed_check'), dueOn: z.string(), raisedAt: z.string(),
    responsibleAgencyId: Uuid, responsiblePractitionerId: Uuid,
    acknowledgedAt: z.string().nullable().meta({ description: 'When it was cleared: by the check being recorded, or with a reason.' }),
    acknowledgedById: Uuid.nullable(), acknowledgedByName: z.string().nullable(),
    clearedBy: z.enum(['check', 'reason']).nullable().meta({ description: 'check: the check was recorded (resolvedByCheckId); reason: a reason was given (note, to the responsible agency). Null while open.' }),
    resolvedByCheckId: Uuid.nullable(),
    note: z.string().nullable().meta({ description: "The reason given, to the responsible agency only." }),
    child: ChildSummary.nullable().meta({ description: 'The child as your agency knows them, when you may see them.' }),
  })
  .meta({ id: 'MonitoringAlert' });
export type MonitoringAlert = z.infer<typeof MonitoringAlert>;

export const MonitoringArrangement = z
  .object({
    id: Uuid,
    recordingAgencyId: Uuid,
    recordingAgencyName: z.string(),
    childPersonId: Uuid.nullable().meta({ description: "The child as your agency knows them: your own entry, or null if your agency holds none." }),
    child: ChildSummary.nullable().meta({ description: 'That child named, when you may see them.' }),
    responsibleAgencyId: Uuid,
    responsibleAgencyName: z.string(),
    responsiblePractitionerId: Uuid,
    responsiblePractitionerName: z.string(),
    checks: z.string(),
    everyDays: z.number().int(),
    startsOn: z.string(),
    endsOn: z.string(),
    escalation: z.string().nullable(),
    agreedAgencyIds: z.array(Uuid),
    episodeId: Uuid.nullable(),
    createdAt: z.string(),
    createdById: Uuid,
    status: z.enum(['active', 'finished', 'ended']).meta({ description: 'finished: past its end date; ended: ended early, with a reason.' }),
    endedAt: z.string().nullable(),
    endReason: z.string().nullable(),
    lastCheck: z.object({ outcome: z.enum(['done', 'no_access']), checkedAt: z.string() }).nullable(),
    nextDueOn: z.string().nullable(),
    overdue: z.boolean().meta({ description: 'The next check is past its due date: shown at once, before any alert is raised.' }),
    openAlerts: z.number().int(),
    checksMade: z.array(MonitoringCheck),
    alerts: z.array(MonitoringAlert),
  })
  .meta({ id: 'MonitoringArrangement' });
export type MonitoringArrangement = z.infer<typeof MonitoringArrangement>;

export const ClosureNotice = z
  .object({
    id: Uuid,
    direction: z.enum(['received', 'sent']),
    episodeId: Uuid,
    closingAgencyId: Uuid,
    closingAgencyName: z.string(),
    agencyId: Uuid,
    agencyName: z.string(),
    childPersonId: Uuid.nullable().meta({ description: "The child as your agency knows them, or null if your agency holds no linked entry." }),
    involvedBecause: z.array(z.string()),
    noAccessVisits: z.number().int(),
    openConcerns: z.number().int(),
    closedAt: z.string(),
    arrangementId: Uuid,
    monitoringAgencyId: Uuid,
    monitoringAgencyName: z.string(),
    monitoringPractitionerId: Uuid,
    monitoringPractitionerName: z.string(),
    everyDays: z.number().int(),
    startsOn: z.string(),
    endsOn: z.string(),
    notifiedAt: z.string(),
    remindedAt: z.string().nullable().meta({ description: 'When the named recipient was reminded (after one working day unacknowledged).' }),
    escalatedAt: z.string().nullable().meta({ description: "When it was escalated to the agency's safeguarding leads (after two working days unacknowledged)." }),
    acknowledgedAt: z.string().nullable(),
    acknowledgedById: Uuid.nullable(),
    acknowledgedByName: z.string().nullable(),
    note: z.string().nullable(),
    child: ChildSummary.nullable().meta({ description: 'The child as your agency knows them, when you may see them.' }),
  })
  .meta({ id: 'ClosureNotice' });
export type ClosureNotice = z.infer<typeof ClosureNotice>;

/** A closure notice with what its page shows: how the case ended, what is checked and when next. */
export const ClosureNoticeDetail = ClosureNotice.extend({
  endedBy: z.string().nullable(),
  checks: z.string(),
  escalation: z.string().nullable(),
  nextDueOn: z.string().nullable(),
  arrangementStatus: z.enum(['active', 'finished', 'ended']),
}).meta({ id: 'ClosureNoticeDetail' });
export type ClosureNoticeDetail = z.infer<typeof ClosureNoticeDetail>;

export const RecordPointer = z
  .object({ recordId: Uuid, personId: Uuid, agencyId: Uuid, occurredAt: z.string() })
  .meta({ id: 'RecordPointer', description: 'A record you may read; open it for its content.' });
export type RecordPointer = z.infer<typeof RecordPointer>;

export const EpisodeSafetySummary = z
  .object({
    episodeId: Uuid,
    childPersonId: Uuid,
    openedAt: z.string(),
    open: z.boolean(),
    noAccessVisits: z.object({ count: z.number().int(), visits: z.array(RecordPointer) }).meta({ description: "Home visits with outcome no_access in the child's chronology (before the episode too) that the same agency has not followed by seeing the child: your own records and other agencies' shared with you." }),
    notBroughtAppointments: z.object({ count: z.number().int(), appointments: z.array(RecordPointer) }).meta({ description: 'Appointments the child was not brought to, counted in the same way.' }),
    openConcerns: z.object({ count: z.number().int(), records: z.array(RecordPointer) }).meta({ description: 'Concerns about the child recorded since the episode opened.' }),
    closureNeedsMonitoring: z.boolean().meta({ description: 'Any action that ends the episode needs an agency named to monitor (case example 8).' }),
    arrangements: z.array(MonitoringArrangement),
    closureNotices: z.array(ClosureNotice),
  })
  .meta({ id: 'EpisodeSafetySummary' });
export type EpisodeSafetySummary = z.infer<typeof EpisodeSafetySummary>;

export const PreviousProtection = z
  .object({
    adultPersonId: Uuid.meta({ description: "The adult around this child, as your agency's index holds them." }),
    connection: z.string().meta({ description: "What the adult is to the child, e.g. 'parent' or 'partner of parent'." }),
    matchedPersonId: Uuid.meta({ description: 'The entry related to the earlier child: the adult, or an entry linked to them.' }),
    earlierChildPersonId: Uuid,
    relationshipToEarlierChild: z.string(),
    episodeId: Uuid,
    episodeOpenedAt: z.string(),
    episodeClosedAt: z.string().nullable(),
    planStartedAt: z.string().meta({ description: 'The conference that made the child the subject of a child protection plan.' }),
    planCategory: z.string().nullable(),
    planEndedAt: z.string().nullable(),
  })
  .meta({ id: 'PreviousProtection' });
export type PreviousProtection = z.infer<typeof PreviousProtection>;
