import { z } from 'zod';
import { Instant, Uuid, Text } from '../shared/schemas.ts';
import { PurposeCode } from './purposes.ts';

export const LEGAL_BASES = ['statutory_duty', 'court_order', 'anonymised', 'not_confidential', 'consent', 'public_interest', 'none'] as const;
export const LegalBasis = z.enum(LEGAL_BASES);
export type LegalBasis = z.infer<typeof LegalBasis>;

export const HARM_LEVELS = ['child_significant_harm', 'adult_serious_harm', 'serious_crime', 'lower'] as const;

export const CONSENT_NOT_SOUGHT_REASONS = ['increase_risk_of_harm', 'prejudice_serious_crime_investigation', 'unjustified_delay_in_enquiries'] as const;

/**
 * The answers to the key questions (protocol 3.2), in order. Every field is optional in the
 * schema so that a journey can be assessed part-way; what a confirmed decision needs is checked
 * by decisionProblems() in decision-rules.ts, which names each missing answer.
 */
export const Answers = z
  .strictObject({
    // Question 1: a clear and legitimate purpose, within the agency's functions; or a legal obligation.
    purposeCode: PurposeCode.optional(),
    purpose: Text.trim().max(2000).optional(),
    withinAgencyFunctions: z.boolean().optional(),
    legalObligation: z.enum(['none', 'statutory_duty', 'court_order']).optional(),
    legalObligationReference: Text.trim().max(500).optional().meta({ description: 'The statute or order, e.g. "Crime and Disorder Act 1998 s115".' }),
    // Question 2: does it identify a living person?
    identifiable: z.boolean().optional(),
    // Question 3: is it confidential?
    confidential: z.boolean().optional(),
    // Question 4: consent.
    consent: z
      .discriminatedUnion('status', [
        z.strictObject({ status: z.literal('given'), consentId: Uuid }),
        z.strictObject({ status: z.literal('refused'), consentId: Uuid.optional(), details: Text.trim().max(2000).optional() }),
        z.strictObject({ status: z.literal('not_sought'), reason: z.enum(CONSENT_NOT_SOUGHT_REASONS), explanation: Text.trim().min(1, 'Explain why consent was not sought').max(2000) }),
        z.strictObject({ status: z.literal('not_yet_asked') }),
      ])
      .optional(),
    // Question 5: public interest, when there is no consent.
    publicInterest: z
      .strictObject({
        harm: z.enum(HARM_LEVELS).optional().meta({ description: 'Evidence or reasonable cause to believe: a child is suffering or at risk of significant harm; an adult of serious harm; serious crime (3.43).' }),
        evidence: Text.trim().max(5000).optional(),
        necessityAndProportionality: Text.trim().max(5000).optional().meta({ description: 'In your words: why sharing is necessary and proportionate (3.41).' }),
        adultWithCapacityRiskingOnlyThemself: z.boolean().optional().meta({ description: 'The 3.44 exception.' }),
      })
      .optional(),
  })
  .meta({ id: 'SharingAnswers' });
export type Answers = z.output<typeof Answers>;

export const RECORD_PARTS = ['summary', 'details', 'childs_words', 'source'] as const;
export const RecordPart = z.enum(RECORD_PARTS);
export type RecordPart = z.infer<typeof RecordPart>;

export const Informed = z.discriminatedUnion('informed', [
  z.strictObject({ informed: z.literal(true), at: Instant, by: Text.trim().min(1, 'Say who told them').max(300) }),
  z.strictObject({ informed: z.literal(false), reason: Text.trim().min(1, 'Say why they were not told').max(2000) }),
]);

export const ShareSpec = z
  .strictObject({
    recipients: z.array(z.strictObject({ agencyId: Uuid, practitionerId: Uuid.optional() })).max(50).default([]),
    items: z.array(z.strictObject({ recordId: Uuid, parts: z.array(RecordPart).min(1).default([...RECORD_PARTS]) })).max(10_000).default([]),
    validUntil: Instant.optional(),
    onwardSharing: z.enum(['not_permitted', 'permitted', 'permitted_with_conditions']).default('not_permitted'),
    onwardConditions: Text.trim().max(2000).optional(),
    includeAddress: z.boolean().default(false),
  })
  .meta({ id: 'ShareSpec', description: 'Exactly what goes to whom, until when, and whether they may pass it on (3.49).' });
export type ShareSpec = z.output<typeof ShareSpec>;

export const AdviceAsk = z.strictObject({
  adviserRole: z.enum(['safeguarding_lead', 'caldicott_guardian', 'manager']),
  adviserId: Uuid.optional(),
  question: Text.trim().min(1, 'Write your question for the adviser').max(5000),
  revealIdentity: z.boolean().default(false).meta({ description: 'Golden rule 3: by default the adviser does not learn who the person is.' }),
});

export const NewShareDecision = z
  .strictObject({
    personId: Uuid,
    answers: Answers.default({}),
    outcome: z.enum(['share', 'do_not_share', 'seek_advice']),
    reasons: Text.trim().max(5000).optional(),
    share: ShareSpec.optional(),
    subjectInformed: Informed.optional(),
    sourceInformed: Informed.optional(),
    acknowledgedWarnings: z.array(Text.max(100)).max(20).default([]),
    urgent: z.boolean().default(false).meta({ description: 'A child at immediate risk: share now, complete the decision within 1 working day.' }),
    advice: AdviceAsk.optional(),
    followsDecisionId: Uuid.optional().meta({ description: 'The earlier decision (e.g. "seek advice first") this one follows.' }),
    informationRequestId: Uuid.optional().meta({ description: 'The request for information this decision answers.' }),
  })
  .meta({ id: 'NewShareDecision' });
export type NewShareDecision = z.output<typeof NewShareDecision>;

export const CompleteUrgentDecision = z
  .strictObject({
    answers: Answers,
    reasons: Text.trim().max(5000).optional(),
    subjectInformed: Informed.optional(),
    sourceInformed: Informed.optional(),
    acknowledgedWarnings: z.array(Text.max(100)).max(20).default([]),
  })
  .meta({ id: 'CompleteUrgentDecision' });
export type CompleteUrgentDecision = z.output<typeof CompleteUrgentDecision>;

export const Revocation = z.strictObject({ reason: Text.trim().min(1, 'Say why the share is being revoked').max(2000) }).meta({ id: 'Revocation' });

export const Assessment = z
  .object({
    legalBasis: LegalBasis,
    supportsSharing: z.boolean(),
    guidance: z.array(z.string()),
    consentShouldNotBeSought: z.boolean(),
  })
  .meta({ id: 'SharingAssessment' });
export type Assessment = z.infer<typeof Assessment>;

export const Warning = z.object({ code: z.string(), message: z.string(), recordIds: z.array(Uuid) }).meta({ id: 'SharingWarning' });
export type Warning = z.infer<typeof Warning>;

export const ShareDecision = z
  .object({
    id: Uuid,
    personId: Uuid,
    agencyId: Uuid,
    decidedBy: Uuid,
    decidedByName: z.string(),
    decidedAt: z.string(),
    outcome: z.enum(['share', 'do_not_share', 'seek_advice']),
    legalBasis: LegalBasis,
    purposeCode: PurposeCode,
    purpose: z.string(),
    answers: Answers,
    assessment: Assessment,
    reasons: z.string(),
    consentId: Uuid.nullable(),
    urgent: z.boolean(),
    completeBy: z.string().nullable(),
    completedAt: z.string().nullable(),
    followsDecisionId: Uuid.nullable(),
    informationRequestId: Uuid.nullable(),
    recipients: z.array(z.object({ agencyId: Uuid, agencyName: z.string(), practitionerId: Uuid.nullable() })),
    items: z.array(z.object({ recordId: Uuid, parts: z.array(RecordPart) })),
    validUntil: z.string().nullable(),
    onwardSharing: z.enum(['not_permitted', 'permitted', 'permitted_with_conditions']),
    onwardConditions: z.string().nullable(),
    includeAddress: z.boolean(),
    // Stored as the decision gave them; z.unknown() already admits null (nullable() would add an empty anyOf branch).
    subjectInformed: z.unknown().meta({ description: 'Whether and how the person was told, as recorded with the decision (the subjectInformed of the request); null when not recorded.' }),
    sourceInformed: z.unknown().meta({ description: 'Whether and how the source was told, as recorded with the decision; null when not recorded.' }),
    acknowledgedWarnings: z.array(z.string()),
    revokedAt: z.string().nullable(),
    revocationReason: z.string().nullable(),
    advice: z.array(z.object({ id: Uuid, adviserRole: z.string(), question: z.string(), advice: z.string().nullable(), advisedBy: Uuid.nullable(), advisedAt: z.string().nullable() })),
  })
  .meta({ id: 'ShareDecision' });
export type ShareDecision = z.infer<typeof ShareDecision>;

/** An adviser's answer to a request for advice (the API and the advice page). */
export const Advice = z.strictObject({ advice: Text.trim().min(1, 'Write your advice').max(5000) }).meta({ id: 'Advice' });
