import { z } from 'zod';
import { Instant, Uuid, Text } from '../shared/schemas.ts';
import { PurposeCode } from '../sharing/purposes.ts';

/** The 3.24 criteria for a child's sufficient understanding, each answered by the assessor. */
export const CompetenceAssessment = z
  .strictObject({
    understandsTheQuestion: z.boolean(),
    understandsWhatWhyAndImplications: z.boolean(),
    weighsTheAlternatives: z.boolean(),
    expressesOwnClearView: z.boolean(),
    isReasonablyConsistent: z.boolean(),
    fraserGuidelinesApplied: z.boolean().default(false),
    notes: Text.trim().min(1, 'Say how you assessed the child’s understanding').max(5000),
  })
  .meta({ id: 'CompetenceAssessment', description: 'Protocol 3.24; Fraser guidelines where they apply (3.25).' });
export type CompetenceAssessment = z.output<typeof CompetenceAssessment>;

export const BestInterests = z
  .strictObject({
    capacityAssessment: Text.trim().min(1, 'Record the capacity assessment').max(5000),
    decisionMaker: Text.trim().min(1, 'Name who made the best-interests decision').max(300),
    reasons: Text.trim().min(1, 'Give the reasons').max(5000),
  })
  .meta({ id: 'BestInterests', description: 'Mental Capacity Act best-interests decision (3.31–3.35).' });

export const NewConsent = z
  .strictObject({
    purposeCode: PurposeCode,
    purpose: Text.trim().min(1, 'Describe the purpose in your own words').max(2000),
    recipientAgencyIds: z.array(Uuid).max(50).default([]),
    recipientPractitionerIds: z.array(Uuid).max(50).default([]),
    decision: z.enum(['given', 'refused']).meta({ description: 'There is no "assumed": consent is never inferred from silence (3.20).' }),
    form: z.enum(['explicit_verbal', 'explicit_written', 'implicit']),
    documentReference: Text.trim().max(500).optional().meta({ description: 'Where the signed form is kept (explicit written consent).' }),
    impliedBy: Text.trim().max(2000).optional().meta({ description: 'The context that implies consent (implicit consent).' }),
    givenBy: z.discriminatedUnion('capacity', [
      z.strictObject({ capacity: z.literal('self'), competence: CompetenceAssessment.optional() }),
      z.strictObject({ capacity: z.literal('parental_responsibility'), personId: Uuid.meta({ description: 'The person with parental responsibility, in your index.' }) }),
      z.strictObject({ capacity: z.literal('local_authority'), careOrder: Text.trim().min(1, 'Give the care order reference').max(300) }),
      z.strictObject({ capacity: z.literal('best_interests'), bestInterests: BestInterests }),
    ]),
    obtainedAt: Instant,
  })
  .superRefine((c, ctx) => {
    if (c.recipientAgencyIds.length + c.recipientPractitionerIds.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['recipientAgencyIds'], message: 'Name who the information may be shared with: consent is for specified recipients' });
    }
    if (c.form === 'explicit_written' && !c.documentReference) ctx.addIssue({ code: 'custom', path: ['documentReference'], message: 'Say where the written consent is kept' });
    if (c.form === 'implicit' && !c.impliedBy) ctx.addIssue({ code: 'custom', path: ['impliedBy'], message: 'Describe the context that implies consent' });
  })
  .meta({ id: 'NewConsent' });
export type NewConsent = z.output<typeof NewConsent>;

export const Withdrawal = z
  .strictObject({
    reason: Text.trim().min(1, 'Record what the person said').max(2000),
    withdrawnAt: Instant.optional().meta({
      description: 'When the person says they withdrew, if earlier than now: kept as what they said. Shares end when the withdrawal is recorded, never earlier. A date in the future is refused.',
    }),
  })
  .meta({ id: 'Withdrawal' });
export type Withdrawal = z.output<typeof Withdrawal>;

export const Consent = z
  .object({
    id: Uuid,
    personId: Uuid,
    agencyId: Uuid,
    purposeCode: PurposeCode,
    purpose: z.string(),
    recipientAgencyIds: z.array(Uuid),
    recipientPractitionerIds: z.array(Uuid),
    decision: z.enum(['given', 'refused']),
    form: z.enum(['explicit_verbal', 'explicit_written', 'implicit']),
    documentReference: z.string().nullable(),
    impliedBy: z.string().nullable(),
    givenByCapacity: z.enum(['self', 'parental_responsibility', 'local_authority', 'best_interests']),
    givenByPersonId: Uuid.nullable(),
    givenByDescription: z.string().nullable(),
    competence: CompetenceAssessment.nullable(),
    obtainedAt: z.string(),
    recordedBy: Uuid,
    recordedAt: z.string(),
    status: z.enum(['given', 'refused', 'withdrawn']),
    withdrawnAt: z.string().nullable().meta({ description: 'When the person withdrew consent, as they said; the time it was recorded if they gave no date.' }),
    withdrawalRecordedAt: z.string().nullable().meta({ description: 'When the withdrawal was recorded: the shares that relied on this consent ended then.' }),
    withdrawalReason: z.string().nullable(),
    reliedOnBy: z.array(z.object({ decisionId: Uuid, decidedAt: z.string(), revokedAt: z.string().nullable() })).meta({ description: 'Decisions that relied on this consent; after withdrawal their shares have ended.' }),
  })
  .meta({ id: 'Consent' });
export type Consent = z.infer<typeof Consent>;
