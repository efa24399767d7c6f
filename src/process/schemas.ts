import { z } from 'zod';
import { CalendarDate, Instant, Text, Uuid } from '../shared/schemas.ts';
import { KeyDate, KeyId, KeyTime, pageQuery } from '../shared/pagination.ts';
import { ClosureMonitoring } from './monitoring.schemas.ts';
import { ClosureReasonField, FactorsField, InternalReviewField, PrimaryNeedField, ReferralSourceField } from '../statutory-returns/cin/census-items.schemas.ts';

const kinds = z.enum(['single', 'initial', 'core']);

export const CP_CATEGORIES = ['neglect', 'physical_abuse', 'emotional_abuse', 'sexual_abuse', 'multiple'] as const;

export const PlanDetails = z
  .strictObject({
    category: z.enum(CP_CATEGORIES),
    leadAgencyId: Uuid,
    keyWorkerId: Uuid.meta({ description: 'The key worker (a social worker) who leads the core group (49, 51.1).' }),
    coreGroup: z.array(Uuid).min(1, 'Name the core group members').max(50).meta({ description: 'Active practitioners of any agency in the partnership (the school, the health visitor, the police as well as children\'s social care).' }),
    outlinePlan: Text.trim().min(1, 'Write the outline plan').max(20_000),
    contingencyPlan: Text.trim().min(1, 'Write the contingency plan').max(20_000),
    outlineItems: z.array(z.strictObject({
      agencyId: Uuid.meta({ description: 'The agency that will do it (an agency of the partnership).' }),
      what: Text.trim().min(1, 'Say what the agency will do').max(2000),
      byWhen: CalendarDate,
    })).max(200).optional().meta({ description: 'The outline plan item by item: what each agency will do, and by when (beside the free-text outline plan, which says what must change).' }),
    actions: z.array(z.strictObject({ ownerId: Uuid, action: Text.trim().min(1).max(2000), dueOn: CalendarDate })).max(200).default([]),
  })
  .meta({ id: 'ChildProtectionPlan' });

/**
 * The child in need plan (Children Act 1989 s17; what-to-do-if-worried 69): what must change, what
 * each agency will do by when, the lead social worker and the network around the child. Optional on
 * the actions that start or review the plan, so clients that record only the step keep working.
 */
export const CinPlanDetails = z
  .strictObject({
    outlinePlan: Text.trim().min(1, 'Write what must change').max(20_000),
    outlineItems: z.array(z.strictObject({
      agencyId: Uuid.meta({ description: 'The agency that will do it (an agency of the partnership).' }),
      what: Text.trim().min(1, 'Say what the agency will do').max(2000),
      byWhen: CalendarDate,
    })).max(200).default([]),
    contingencyPlan: Text.trim().max(20_000).optional(),
    leadWorkerId: Uuid.meta({ description: "The lead worker: an active practitioner of children's social care (the episode's agency)." }),
    members: z.array(Uuid).min(1, 'Name the practitioners in the network around the child').max(50).meta({ description: 'Active practitioners of any agency in the partnership: their agencies read the plan.' }),
  })
  .meta({ id: 'ChildInNeedPlan' });
export type CinPlanDetails = z.output<typeof CinPlanDetails>;
const cinPlan = CinPlanDetails.optional().meta({ description: 'The child in need plan as a document: made (or a new version) by this action when given; when left out no document is made.' });

/**
 * Case example 8: any action that ends an episode (the explicit close, a referral or assessment
 * decided as no further action, a child in need plan closed, a plan ended with no further plan)
 * after unresolved no-access visits, not-brought appointments or concerns during the episode
 * needs an agency named to monitor. The same fields on every such action.
 */
const closureFields = {
  monitoringAgencyId: Uuid.optional().meta({ description: "When the action ends the episode: the agency that will monitor the child. Required after home visits with no access or appointments the child was not brought to (in the child's chronology, not yet followed by the same agency seeing the child), or concerns recorded during the episode." }),
  monitoringPractitionerId: Uuid.optional().meta({ description: 'The practitioner in that agency who will make the checks.' }),
  arrangement: ClosureMonitoring.optional(),
  alsoNotifyAgencyIds: z.array(Uuid).max(50).optional().meta({ description: 'Other agencies to tell (e.g. the referrer): linked agencies, conference invitees and the monitoring agency are told anyway.' }),
};
export const ClosureFields = z.strictObject(closureFields);

/** The census's reason for closure (issue 20), asked on every action that can end the episode. */
const censusClosure = { closureReason: ClosureReasonField };
export type ClosureFields = z.output<typeof ClosureFields>;

/** One action in a child's episode; `type` decides what else it carries. */
export const EpisodeActionInput = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('referral_confirmed_in_writing') }),
    z.strictObject({ type: z.literal('referral_acknowledged') }),
    z.strictObject({ type: z.literal('referral_decided'), outcome: z.enum(['assessment', 'other_agency', 'advice', 'no_further_action', 'strategy_discussion']), reasons: Text.trim().min(1, 'Give the reasons for the decision').max(5000), primaryNeed: PrimaryNeedField, ...closureFields, ...censusClosure }),
    z.strictObject({ type: z.literal('assessment_started'), kind: kinds }),
    z.strictObject({ type: z.literal('assessment_completed'), kind: kinds, outcome: z.enum(['no_further_action', 'child_in_need_plan', 'strategy_discussion', 'core_assessment']), summary: Text.trim().min(1).max(20_000), cinPlan, factors: FactorsField, internalReviewOn: InternalReviewField, ...closureFields, ...censusClosure }),
    z.strictObject({ type: z.literal('urgent_protective_action'), kind: z.enum(['emergency_protection_order', 'police_protection', 'other']), otherChildrenConsidered: Text.trim().min(1, 'Say how siblings and other children in the household were considered (23.4)').max(5000) }),
    z.strictObject({
      type: z.literal('strategy_discussion_held'),
      s47: z.boolean().meta({ description: 'Whether to initiate s47 enquiries.' }),
      participants: z.array(z.strictObject({ agencyId: Uuid, practitionerId: Uuid.optional(), name: Text.trim().max(200).optional() })).min(1, 'Record who took part').max(50),
      policeInvestigation: z.boolean(),
      immediateSafety: Text.trim().min(1, 'Record the decisions on immediate safety').max(5000),
      familyToBeTold: Text.trim().min(1, 'Record what the family will be told, by whom and when').max(5000),
    }),
    z.strictObject({ type: z.literal('strategy_record_circulated') }),
    z.strictObject({ type: z.literal('s47_concluded'), outcome: z.enum(['not_substantiated', 'substantiated_no_continuing_risk', 'continuing_risk']), summary: Text.trim().min(1).max(20_000) }),
    z.strictObject({
      type: z.literal('conference_held'),
      kind: z.enum(['initial', 'pre_birth', 'review', 'transfer_in']),
      plan: z.boolean().meta({ description: 'Whether the child is (or remains) the subject of a child protection plan.' }),
      invitedAgencyIds: z.array(Uuid).min(1, 'Record which agencies were invited').max(50),
      attendedAgencyIds: z.array(Uuid).max(50).default([]),
      parentsParticipation: Text.trim().min(1, "Record the parents' participation (or why they were excluded)").max(5000),
      planDetails: PlanDetails.optional(),
    }).superRefine((c, ctx) => {
      if (c.plan && !c.planDetails) ctx.addIssue({ code: 'custom', path: ['planDetails'], message: 'A child protection plan needs its category, lead agency, key worker, core group, outline and contingency plans' });
    }),
    z.strictObject({ type: z.literal('core_group_met'), attendees: z.array(Uuid).min(1).max(50) }),
    z.strictObject({ type: z.literal('cin_plan_reviewed'), summary: Text.trim().min(1).max(20_000), cinPlan }),
    z.strictObject({ type: z.literal('plan_ended'), reason: z.enum(['review_decision', 'moved_authority', 'eighteenth_birthday', 'death', 'left_uk']), childInNeedPlan: z.boolean().default(false), cinPlan, ...closureFields, ...censusClosure }),
    z.strictObject({
      type: z.literal('case_closed'),
      reasons: Text.trim().min(1, 'Give the reasons for closing the case').max(5000),
      ...closureFields,
      ...censusClosure,
    }),
  ])
  .meta({ id: 'EpisodeAction' });
export type EpisodeActionInput = z.output<typeof EpisodeActionInput>;

export const RecordAction = z
  .strictObject({
    idempotencyKey: Text.trim().min(1).max(200).meta({ description: 'Retrying with the same key never records the action twice.' }),
    occurredAt: Instant,
    action: EpisodeActionInput,
    meetingId: Uuid.optional().meta({
      description: 'The multi-agency meeting (POST /meetings) at which a strategy discussion, conference or core group took place: links the two. A meeting of your agency, of the same kind, for this episode (or for none yet).',
    }),
  })
  .meta({ id: 'RecordEpisodeAction' });
export type RecordAction = z.output<typeof RecordAction>;

export const OpenEpisode = z
  .strictObject({
    idempotencyKey: Text.trim().min(1).max(200),
    childPersonId: Uuid,
    receivedAt: Instant,
    channel: z.enum(['phone', 'written', 'online']),
    allocatedWorkerId: Uuid.optional(),
    team: Text.trim().max(200).optional(),
    referralSource: ReferralSourceField,
  })
  .meta({ id: 'OpenEpisode' });
export type OpenEpisode = z.output<typeof OpenEpisode>;

/** An episode as a list shows it; GET /episodes/{id} has its actions and what is due. */
export const EpisodeSummary = z
  .object({
    id: z.uuid(), childPersonId: z.uuid(), allocatedWorkerId: z.uuid().nullable(), team: z.string().nullable(),
    openedAt: z.string(), closedAt: z.string().nullable(), stage: z.string(), open: z.boolean(),
  })
  .meta({ id: 'EpisodeSummary' });
export type EpisodeSummary = z.infer<typeof EpisodeSummary>;

/** The episodes list's keyset: most recently opened first, by when opened, then id. */
export const EpisodeKey = z.tuple([KeyTime, KeyId]);
export type EpisodeKey = z.infer<typeof EpisodeKey>;

export const EpisodeListQuery = z.strictObject({
  status: z.enum(['open', 'closed'], { error: "Use 'open' or 'closed', or leave it out for both" }).optional().meta({ description: 'open: not yet closed; closed: closed. Both when left out.' }),
  personId: Uuid.optional().meta({ description: "Only this child's episodes (a child in your agency's index)." }),
  ...pageQuery('episodes', EpisodeKey),
});

/** The due steps' keyset: soonest due date, then the step, then the episode. */
export const DueStepKey = z.tuple([KeyDate, Text.max(100), KeyId]);
export type DueStepKey = z.infer<typeof DueStepKey>;

export const DueStepQuery = z.strictObject({
  worker: z.enum(['me'], { error: "Use 'me' for the steps of the episodes allocated to you" }).optional().meta({ description: 'me: only episodes allocated to you.' }),
  team: Text.max(200).optional().meta({ description: "Only this team's episodes." }),
  overdueOnly: z.enum(['true', 'false'], { error: "Use 'true' or 'false'" }).optional(),
  ...pageQuery('due-steps', DueStepKey),
});

export const AllocateEpisode = z
  .strictObject({
    allocatedWorkerId: Uuid.meta({ description: 'An active practitioner of your agency: the social worker who holds the case.' }),
    team: Text.trim().max(200).optional().meta({ description: 'The team holding the case; left as it was when not given.' }),
  })
  .meta({ id: 'AllocateEpisode' });
export type AllocateEpisode = z.output<typeof AllocateEpisode>;
