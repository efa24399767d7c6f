import { z } from 'zod';
import { ClosureFields } from './schemas.ts';
import { NewPerson } from '../people/schemas.ts';
import { Instant, requiredUuid, Text, textOf, Uuid } from '../shared/schemas.ts';
import { KeyDate, KeyId, KeyTime, pageQuery } from '../shared/pagination.ts';
import { NewShareDecision } from '../sharing/schemas.ts';
import { ClosureReasonField, PrimaryNeedField } from '../statutory-returns/cin/census-items.schemas.ts';

/**
 * Referrals (what-to-do-if-worried 10.6–12.5). Every field a referral must carry says, when it
 * is missing, what to write and which paragraph asks for it.
 */

const text = (missing: string, max = 10_000): z.ZodString =>
  textOf(z.string({ error: (iss) => (iss.input === undefined ? missing : 'Must be text') })).trim().min(1, missing).max(max, `Keep this to ${max} characters`);

const optionalText = (max = 10_000): z.ZodOptional<z.ZodString> => textOf(z.string({ error: () => 'Must be text' })).trim().max(max, `Keep this to ${max} characters`).optional();

const identifier = requiredUuid;

export const REFERRAL_CHANNELS = ['phone', 'written', 'online'] as const;
export const ReferralChannel = z
  .enum(REFERRAL_CHANNELS, { error: (iss) => (iss.input === undefined ? 'Say how the referral was made: phone, written or online' : `Must be one of ${REFERRAL_CHANNELS.join(', ')}`) })
  .meta({ description: 'A phone referral is confirmed in writing within 48 hours (11.5).' });

export const REFERRAL_OUTCOMES = ['assessment', 'other_agency', 'advice', 'no_further_action', 'strategy_discussion', 'criminal_investigation'] as const;
export const ReferralOutcome = z
  .enum(REFERRAL_OUTCOMES, { error: (iss) => (iss.input === undefined ? 'Choose the next course of action' : `Must be one of ${REFERRAL_OUTCOMES.join(', ')}`) })
  .meta({ description: "The next course of action (12.1). assessment is children's social care's; criminal_investigation is the police's." });
export type ReferralOutcome = z.infer<typeof ReferralOutcome>;

export const AssessmentDomains = z
  .strictObject(
    {
      developmentalNeeds: text("Describe what you know of the child's developmental needs, or say that you know nothing (10.6)"),
      parentingCapacity: text("Describe what you know of the parents' or carers' capacity to respond to the child's needs (10.6)"),
      familyAndEnvironment: text('Describe what you know of the wider family and environment (10.6)'),
    },
    { error: (iss) => (iss.input === undefined ? "Give what you know in each of the Assessment Framework's three domains (10.6)" : 'Must be an object') },
  )
  .meta({ id: 'ReferralAssessmentDomains', description: 'The three domains of the Assessment Framework (10.5–10.6).' });

export const FamilyAgreement = z
  .discriminatedUnion(
    'status',
    [
      z.strictObject({ status: z.literal('agreed'), details: optionalText(5000) }),
      z.strictObject({ status: z.literal('did_not_agree'), details: text('Say what the family said, and why you are referring without their agreement (11.3)', 5000) }),
      z.strictObject({ status: z.literal('not_told'), reason: text('Say why the child and parents were not told: e.g. it would place the child at increased risk of significant harm (11.3)', 5000) }),
    ],
    { error: (iss) => (iss.input === undefined ? 'Say whether the child and parents were told of the referral and agreed to it, or why not (11.3)' : 'status must be agreed, did_not_agree or not_told') },
  )
  .meta({ id: 'ReferralFamilyAgreement', description: 'Whether the referral was discussed with the child and parents and they agreed, or why not (11.3).' });

export const FamilyToBeTold = z
  .strictObject(
    {
      what: text('Say what the child and parents will be told (11.4)', 5000),
      byWhom: text('Say who will tell them (11.4)', 500),
      when: text('Say when they will be told (11.4)', 500),
    },
    { error: (iss) => (iss.input === undefined ? 'Agree what the child and parents will be told, by whom and when (11.4)' : 'Must be an object') },
  )
  .meta({ id: 'ReferralFamilyToBeTold', description: 'Agreed with the recipient: what the child and parents will be told, by whom and when (11.4).' });

export const OtherChildRelationship = z.enum(['sibling', 'household_member', 'other'], { error: () => 'Must be sibling, household_member or other' });

/** The decision to share that a referral records with itself: NewShareDecision, about the referred child. */
export const ReferralShareDecision = NewShareDecision.omit({ personId: true }).meta({
  id: 'ReferralShareDecision',
  description: 'An information-sharing decision about the referred child, recorded with the referral (the same answers as POST /share-decisions, without personId).',
});
export type ReferralShareDecision = z.output<typeof ReferralShareDecision>;

const common = {
  idempotencyKey: Text.trim().min(1).max(200).optional().meta({ description: 'Retrying with the same key returns the referral already made.' }),
  channel: ReferralChannel,
  urgent: z.boolean({ error: () => 'Must be true or false' }).default(false)
    .meta({ description: 'A child may be at immediate risk: the receiving agency sees it first. Such a referral is phoned first: record it with channel phone and madeAt the time of the call, so the clock starts at the call (the pages do this).' }),
  madeAt: Instant.optional().meta({ description: 'When the referral was made (e.g. the phone call), if earlier than now: the working-day clock starts here.' }),
  concerns: text('Describe your concerns: what you have seen or been told, and why you are worried', 20_000),
};

export const ProfessionalReferral = z
  .strictObject({
    referrerIsMemberOfPublic: z.literal(false, { error: () => 'Must be false for a practitioner\'s referral' }).optional(),
    ...common,
    childPersonId: identifier('Choose the child being referred').meta({ description: "The child's entry in your agency's index." }),
    otherChildren: z
      .array(z.strictObject({ personId: identifier('Choose the child'), relationship: OtherChildRelationship }))
      .max(20, 'Refer at most 20 other children with one referral')
      .default([])
      .meta({ description: "Siblings and other children in the household, from your agency's index (23.4)." }),
    toAgencyId: identifier("Choose the children's social care or police agency you are referring to"),
    domains: AssessmentDomains,
    childsWishesAndFeelings: text("Record the child's wishes and feelings, or why you could not ascertain them (10.7)", 10_000),
    familyAgreement: FamilyAgreement,
    familyToBeTold: FamilyToBeTold,
    shareDecisionId: Uuid.optional().meta({ description: "An information-sharing decision your agency has already made to share with the receiving agency about this child." }),
    shareDecision: ReferralShareDecision.optional(),
    fromRecordIds: z.array(Uuid).max(20, 'Start a referral from at most 20 records').default([])
      .meta({ description: "The records the referral starts from (your agency's, about this child), e.g. the concern brought to the safeguarding lead. Shown to the receiving agency only as far as the share decision shares them." }),
  })
  .superRefine((r, ctx) => {
    if (!r.shareDecisionId && !r.shareDecision) {
      ctx.addIssue({ code: 'custom', path: ['shareDecisionId'], message: 'A referral shares information: name the share decision it rests on (shareDecisionId) or record one with it (shareDecision)' });
    }
    if (r.shareDecisionId && r.shareDecision) ctx.addIssue({ code: 'custom', path: ['shareDecision'], message: 'Give either shareDecisionId or shareDecision, not both' });
  });

export const ProtectedReferrer = z
  .strictObject({
    name: optionalText(300),
    contact: optionalText(500).meta({ description: 'How to reach them.' }),
    relationshipToChild: optionalText(300).meta({ description: 'How they know the child, e.g. "neighbour".' }),
    consentToDisclose: z.boolean({ error: () => 'Must be true or false' }).default(false).meta({ description: 'Whether they agree to being identified to the family and other agencies (12.5).' }),
  })
  .meta({ id: 'ProtectedReferrer', description: 'Who the member of the public is: seen only by your safeguarding leads and managers (12.5).' });

export const PublicReferral = z.strictObject({
  referrerIsMemberOfPublic: z.literal(true),
  ...common,
  referrer: ProtectedReferrer.default({ consentToDisclose: false }),
  child: NewPerson.meta({ description: 'The child as the referrer described them.' }),
  otherChildren: z
    .array(z.strictObject({ identity: NewPerson, relationship: OtherChildRelationship }))
    .max(20, 'Refer at most 20 other children with one referral')
    .default([]),
  domains: AssessmentDomains.optional(),
  childsWishesAndFeelings: optionalText(10_000),
});

export const NewReferral = z
  .discriminatedUnion('referrerIsMemberOfPublic', [ProfessionalReferral, PublicReferral], {
    error: () => 'referrerIsMemberOfPublic must be true or false',
  })
  .meta({
    id: 'NewReferral',
    description: "A practitioner's referral of a child in their own index, with the share decision it rests on; or (referrerIsMemberOfPublic: true) a referral from a member of the public, recorded by the receiving agency.",
  });
export type NewReferral = z.output<typeof NewReferral>;
export type ProfessionalReferral = z.output<typeof ProfessionalReferral>;
export type PublicReferral = z.output<typeof PublicReferral>;

export const WrittenConfirmation = z
  .strictObject({
    confirmedAt: Instant.optional().meta({ description: 'When it was sent in writing; now if left out.' }),
    note: optionalText(5000).meta({ description: 'e.g. "Confirmed by email to the duty inbox".' }),
  })
  .meta({ id: 'ReferralWrittenConfirmation' });
export type WrittenConfirmation = z.output<typeof WrittenConfirmation>;

export const AcknowledgeReferral = z
  .strictObject({ occurredAt: Instant.optional().meta({ description: 'When the referrer was sent the acknowledgement; now if left out.' }) })
  .meta({ id: 'AcknowledgeReferral' });
export type AcknowledgeReferral = z.output<typeof AcknowledgeReferral>;

export const DecideReferral = z
  .strictObject({
    outcome: ReferralOutcome,
    reasons: text('Give the reasons for the decision: they are fed back to the referrer (12.2)', 5000),
    occurredAt: Instant.optional().meta({ description: 'When it was decided; now if left out.' }),
    // Case example 8: a decision that ends the child's episode (no further action, advice, another agency) is a closure like any other.
    ...ClosureFields.shape,
    // Issue 20: the census items found at the decision, recorded on the episode (children's social care only).
    primaryNeed: PrimaryNeedField,
    closureReason: ClosureReasonField,
  })
  .meta({ id: 'DecideReferral' });
export type DecideReferral = z.output<typeof DecideReferral>;

/** The queue's keyset: next step's due date, 0 if urgent else 1, when made, id (see listIncomingReferralsPage). */
export const IncomingReferralKey = z.tuple([KeyDate, z.number().int().min(0).max(1), Text.max(40), KeyId]);
export type IncomingReferralKey = z.infer<typeof IncomingReferralKey>;
/** "My referrals" keyset: newest first, by when made, then id. */
export const OutgoingReferralKey = z.tuple([KeyTime, KeyId]);
export type OutgoingReferralKey = z.infer<typeof OutgoingReferralKey>;

export const ReferralQueueQuery = z.strictObject({
  status: z.enum(['open', 'decided', 'all'], { error: () => 'Must be open, decided or all' }).default('open').meta({ description: 'open (the default): not yet decided.' }),
  overdueOnly: z.enum(['true', 'false'], { error: () => 'Must be true or false' }).optional(),
  ...pageQuery('referrals.incoming', IncomingReferralKey),
});
export const OutgoingReferralQuery = z.strictObject(pageQuery('referrals.outgoing', OutgoingReferralKey));

const Step = z.object({
  key: z.string(),
  label: z.string(),
  due: z.string().meta({ description: 'A London calendar date, or an instant for the 48-hour step.' }),
  paragraph: z.string(),
  prompt: z.boolean().meta({ description: "A prompt for the referrer (chase after 3 working days), not the receiving agency's duty." }),
  overdue: z.boolean(),
});

const IdentityAddress = z.object({ line1: z.string(), line2: z.string().nullable(), town: z.string().nullable(), postcode: z.string().nullable() });
const IdentityName = z.object({ use: z.string(), givenNames: z.string(), familyName: z.string() });

/** An adult the referrer's agency records around the child (10.10: who has parental responsibility, the primary carer). */
export const ReferralRelative = z.object({
  relationship: z.string().meta({ description: "What the adult is to the child: parent, parental_responsibility or primary_carer." }),
  names: z.array(IdentityName),
  dateOfBirth: z.string().nullable(),
  sex: z.string(),
  addresses: z.array(IdentityAddress).meta({ description: 'Only when the share decision included addresses.' }),
}).meta({ id: 'ReferralRelative' });
export type ReferralRelative = z.infer<typeof ReferralRelative>;

const Identity = z.object({
  kind: z.string(),
  names: z.array(IdentityName),
  dateOfBirth: z.string().nullable(),
  expectedDateOfDelivery: z.string().nullable(),
  sex: z.string(),
  nhsNumber: z.string().nullable(),
  addresses: z.array(IdentityAddress),
  relatives: z.array(ReferralRelative).optional().meta({ description: "The child's parents and carers as the referrer's agency records them: the receiving agency finds or adds them with the child." }),
}).meta({ id: 'ReferralSubject', description: 'The identity the referral carries: enough to find or create the child in the receiving index.' });
export type ReferralSubject = z.infer<typeof Identity>;

export const Referral = z
  .object({
    id: Uuid,
    direction: z.enum(['incoming', 'outgoing']).meta({ description: 'incoming: made to your agency; outgoing: made by your agency.' }),
    fromMemberOfPublic: z.boolean(),
    fromAgencyId: Uuid.nullable(),
    fromAgencyName: z.string().nullable(),
    referredBy: z.object({ id: Uuid, name: z.string(), phone: z.string().nullable(), email: z.string() }).nullable(),
    toAgencyId: Uuid,
    toAgencyName: z.string(),
    channel: z.enum(REFERRAL_CHANNELS),
    urgent: z.boolean(),
    madeAt: z.string(),
    recordedAt: z.string(),
    progress: z.enum(['awaiting_acknowledgement', 'acknowledged', 'decided']),
    confirmedInWritingAt: z.string().nullable(),
    acknowledgedAt: z.string().nullable(),
    decision: z
      .object({
        outcome: ReferralOutcome,
        reasons: z.string().nullable().meta({ description: 'Shown to a professional referrer and the receiving agency (12.2).' }),
        decidedAt: z.string(),
        decidedByName: z.string().nullable(),
      })
      .nullable(),
    steps: z.array(Step).meta({ description: 'What is due and when, for whoever is looking: the referrer sees written confirmation and the chase prompt; the receiving agency sees acknowledgement and the decision.' }),
    childPersonId: Uuid.nullable().meta({ description: "The referrer's entry for the child: the referring agency's own; for the receiving agency, the subject of the records shared with it." }),
    shareDecisionId: Uuid.nullable().meta({ description: 'Shown to the referring agency only.' }),
    fromRecordIds: z.array(Uuid).meta({ description: 'The records the referral started from: all of them for the referring agency; for the receiving agency, those the share decision shares with it.' }),
    sharedRecordIds: z.array(Uuid).meta({ description: 'The records the decision shared, as the viewer may still see them.' }),
    subject: Identity,
    otherChildren: z.array(z.object({ relationship: z.string(), personId: Uuid.nullable(), identity: Identity })),
    content: z.object({
      concerns: z.string(),
      domains: z.object({ developmentalNeeds: z.string(), parentingCapacity: z.string(), familyAndEnvironment: z.string() }).nullable(),
      childsWishesAndFeelings: z.string().nullable(),
      familyAgreement: z.unknown().meta({ description: "The family's agreement to the referral as the referrer recorded it (the familyAgreement of the request); null when not recorded." }),
      familyToBeTold: z.object({ what: z.string(), byWhom: z.string(), when: z.string() }).nullable(),
    }),
    handling: z.enum(['received', 'accepted', 'routed']).nullable().meta({ description: 'The receiving agency only: accepted into its index with a new episode, or routed to the allocated worker of an open one.' }),
    receivedPersonId: Uuid.nullable().meta({ description: "The receiving agency only: its own entry for the child." }),
    episodeId: Uuid.nullable().meta({ description: 'The receiving agency only.' }),
    routedTo: Uuid.nullable().meta({ description: 'The receiving agency only: the allocated worker told of it (11.2).' }),
    referrer: ProtectedReferrer.extend({ consentToDisclose: z.boolean() }).nullable().meta({ description: "A member of the public's details: only for the receiving agency's safeguarding leads and managers (12.5)." }),
    referrerProtected: z.boolean().meta({ description: 'True where a member of the public made the referral and their details are withheld from you.' }),
    publicFeedback: z.string().nullable().meta({ description: 'What may be told to a member of the public who referred, once decided: no more than respects the family\'s confidentiality (12.2, 12.5).' }),
  })
  .meta({ id: 'Referral' });
export type Referral = z.infer<typeof Referral>;
