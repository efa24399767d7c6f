import { z } from 'zod';
import { Instant, Uuid, Text } from '../shared/schemas.ts';

export const RECORD_KINDS = ['concern', 'observation', 'contact', 'home_visit', 'appointment', 'hospital_attendance', 'incident'] as const;
export const RecordKind = z.enum(RECORD_KINDS);
export type RecordKind = z.infer<typeof RecordKind>;

export const CATEGORIES = [
  'physical_abuse', 'emotional_abuse', 'sexual_abuse', 'neglect', 'domestic_abuse', 'mental_health', 'substance_misuse',
  'exploitation', 'development', 'attendance', 'housing', 'offending', 'other',
] as const;
export const Category = z.enum(CATEGORIES);

/** The Data Protection Act's sensitive personal data (protocol, Appendix 2). */
export const SENSITIVE_CATEGORIES = [
  'racial_or_ethnic_origin', 'political_opinions', 'religious_beliefs', 'trade_union_membership',
  'physical_or_mental_health', 'sexual_life', 'offences_and_proceedings',
] as const;
export const SensitiveCategory = z.enum(SENSITIVE_CATEGORIES);

/** What happened at a visit or an appointment. "not_brought": a child is not brought; they do not "fail to attend". */
export const OUTCOMES_BY_KIND: Partial<Record<RecordKind, readonly string[]>> = {
  home_visit: ['seen', 'seen_child_not_seen', 'no_access'],
  appointment: ['attended', 'not_brought', 'cancelled_by_family', 'cancelled_by_agency'],
};

export const SourceType = z.enum(['practitioner', 'child', 'parent_or_carer', 'family_member', 'other_professional', 'member_of_public', 'anonymous', 'other']);

export const Source = z
  .strictObject({
    type: SourceType,
    description: Text.trim().max(500).optional().meta({ description: 'Who, in words. Hidden from other readers when identityProtected.' }),
    identityProtected: z.boolean().default(false).meta({ description: 'A member of the public whose identity is disclosed only with their consent (12.5).' }),
  })
  .meta({ id: 'Source' });

const content = {
  kind: RecordKind,
  occurredAt: Instant.meta({ description: 'When it happened. May be earlier than when it is recorded.' }),
  categories: z.array(Category).min(1, 'Choose at least one category').max(CATEGORIES.length),
  factOrOpinion: z.enum(['fact', 'opinion']),
  reportedOrWitnessed: z.enum(['reported', 'witnessed']).meta({ description: 'Reported to the author, or seen by them (33.5).' }),
  source: Source,
  confidential: z.boolean(),
  sensitiveCategories: z.array(SensitiveCategory).default([]),
  summary: Text.trim().min(1, 'Enter a summary').max(500),
  details: Text.max(20_000).optional(),
  childsWords: Text.max(5_000).optional().meta({ description: "The child's own words, as said." }),
  outcome: Text.max(50).optional(),
};

function checkOutcome(r: { kind?: RecordKind | undefined; outcome?: string | undefined }, ctx: z.RefinementCtx): void {
  if (!r.kind) return;
  const allowed = OUTCOMES_BY_KIND[r.kind];
  if (allowed && !r.outcome) ctx.addIssue({ code: 'custom', path: ['outcome'], message: `Say what happened: one of ${allowed.join(', ')}` });
  if (r.outcome && !allowed) ctx.addIssue({ code: 'custom', path: ['outcome'], message: `A ${r.kind.replace('_', ' ')} has no outcome` });
  if (r.outcome && allowed && !allowed.includes(r.outcome)) ctx.addIssue({ code: 'custom', path: ['outcome'], message: `Must be one of ${allowed.join(', ')}` });
}

export const NewRecord = z
  .strictObject({
    ...content,
    restricted: z.boolean().default(false),
    namedPractitionerIds: z.array(Uuid).max(50).default([]).meta({ description: 'Who else may see a restricted record.' }),
    tellLead: z.boolean({ error: () => 'Must be true or false' }).default(false)
      .meta({ description: "Bring the record to your agency's designated safeguarding lead (their task list shows it). Your agency may also do this for every record of some kinds or categories." }),
  })
  .superRefine(checkOutcome)
  .meta({ id: 'NewRecord' });
export type NewRecord = z.output<typeof NewRecord>;

export const Correction = z
  .strictObject({
    baseVersion: z.number().int().min(1).meta({ description: 'The version being corrected; a stale one is refused (409).' }),
    correctionReason: Text.trim().min(1, 'Say why the record is being corrected').max(2000),
    kind: RecordKind.optional(),
    occurredAt: content.occurredAt.optional(),
    categories: content.categories.optional(),
    factOrOpinion: content.factOrOpinion.optional(),
    reportedOrWitnessed: content.reportedOrWitnessed.optional(),
    source: Source.optional(),
    confidential: z.boolean().optional(),
    sensitiveCategories: z.array(SensitiveCategory).optional(),
    summary: content.summary.optional(),
    details: content.details,
    childsWords: content.childsWords,
    outcome: content.outcome,
  })
  .meta({ id: 'Correction' });
export type Correction = z.output<typeof Correction>;

export const Restriction = z
  .strictObject({ restricted: z.boolean(), namedPractitionerIds: z.array(Uuid).max(50).default([]) })
  .meta({ id: 'Restriction' });
export type Restriction = z.output<typeof Restriction>;

export const AgencyRecord = z
  .object({
    id: Uuid,
    personId: Uuid,
    agencyId: Uuid,
    version: z.number().int(),
    restricted: z.boolean(),
    kind: RecordKind,
    occurredAt: z.string(),
    recordedAt: z.string(),
    backdated: z.boolean().meta({ description: 'Recorded more than 24 hours after it happened.' }),
    authorId: Uuid,
    authorName: z.string(),
    categories: z.array(Category),
    factOrOpinion: z.enum(['fact', 'opinion']),
    reportedOrWitnessed: z.enum(['reported', 'witnessed']),
    source: z.object({ type: SourceType, description: z.string().nullable(), identityProtected: z.boolean() }),
    confidential: z.boolean(),
    sensitiveCategories: z.array(SensitiveCategory),
    summary: z.string(),
    details: z.string().nullable(),
    childsWords: z.string().nullable(),
    outcome: z.string().nullable(),
    correctionReason: z.string().nullable(),
    firstRecordedAt: z.string(),
    sharedParts: z.array(z.enum(['summary', 'details', 'childs_words', 'source'])).meta({ description: 'Which parts you can see: all of them for your own agency\'s records; what a share covered otherwise.' }),
    share: z
      .object({
        decisionId: Uuid,
        sharedByAgencyId: Uuid,
        sharedByAgencyName: z.string(),
        sharedByName: z.string(),
        sharedAt: z.string(),
        purpose: z.string(),
        legalBasis: z.string(),
        onwardSharing: z.enum(['not_permitted', 'permitted', 'permitted_with_conditions']),
        onwardConditions: z.string().nullable(),
        validUntil: z.string().nullable(),
      })
      .nullable()
      .meta({ description: 'For a record another agency shared with you: who shared it, when, why, on what basis, and whether you may pass it on.' }),
    leadAlerted: z.boolean().optional().meta({ description: 'Only in the answer to adding a record: whether it was brought to your safeguarding lead (asked for, or by your agency\'s setting).' }),
  })
  .meta({ id: 'AgencyRecord' });
export type AgencyRecord = z.infer<typeof AgencyRecord>;
