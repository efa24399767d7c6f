import { z } from 'zod';
import { Uuid } from '../../shared/schemas.ts';
import { getConsent, listConsents, recordConsent, withdrawConsent } from '../../consent/consent.ts';
import { Consent, NewConsent, Withdrawal } from '../../consent/schemas.ts';
import { getAdviceRequest, giveAdvice, listAdviceQueue } from '../../sharing/advice.ts';
import { Advice, Answers, Assessment, CompleteUrgentDecision, NewShareDecision, Revocation, ShareDecision, Warning } from '../../sharing/schemas.ts';
import { completeUrgentDecision, getDecision, listDecisions, listIncompleteUrgent, makeDecision, previewDecision, revokeDecision } from '../../sharing/sharing.ts';
import { IdParams, type Api } from '../route.ts';

const FieldProblem = z.object({ pointer: z.string(), detail: z.string() });
const Preview = z.object({ assessment: Assessment, warnings: z.array(Warning), problems: z.array(FieldProblem) }).meta({ id: 'SharingPreview' });
const AdviceRequest = z
  .object({
    id: z.uuid(), decisionId: z.uuid(), askedBy: z.uuid(), askedByName: z.string(), askedAt: z.string(), adviserRole: z.string(), question: z.string(),
    answers: Answers, personId: Uuid.nullable().meta({ description: 'Only when the asker revealed who the person is (golden rule 3).' }),
    advice: z.string().nullable(), advisedBy: z.uuid().nullable(), advisedAt: z.string().nullable(),
  })
  .meta({ id: 'AdviceRequest' });

const CONSENT_RULES = 'Rules between fields: name at least one recipient (`recipientAgencyIds` or `recipientPractitionerIds`): consent is for specified recipients; '
  + 'explicit written consent needs `documentReference`, implicit consent needs `impliedBy`. Who may consent: an unborn child cannot; a child under 16 consents '
  + 'for themself only with a competence assessment showing sufficient understanding (`givenBy.competence`), otherwise a person with parental responsibility '
  + "(recorded as a parental_responsibility relationship of the child on that date) does; parental responsibility ends at 18; `local_authority` (a care order) only for a child and only by children's social care; "
  + '`best_interests` (Mental Capacity Act) only from 16. `obtainedAt` may not be in the future. Each of these is refused with a 422 naming the field.';

const DECISION_RULES = 'Rules between fields, each refused with a 422 naming the field: every decision needs `answers.purposeCode`, `answers.purpose` and `reasons`. '
  + 'To seek advice, say whose advice and what you ask (`advice`). A decision to share needs recipients (`share.recipients`, not your own agency, each an existing agency '
  + 'or an active practitioner of it) and records (`share.items`, about this person; a record shared with you only if you may pass it on, and only the parts you were given); '
  + '`onwardSharing: permitted_with_conditions` needs `share.onwardConditions`; `share.validUntil` must be in the future; and it needs `subjectInformed` '
  + '(whether the person was told, or why not, 3.48). Only a decision to share can be `urgent`; an urgent one needs `answers.publicInterest.harm` and is completed within '
  + '1 working day. Any other decision answers the key questions: `withinAgencyFunctions`, `legalObligation` (with `legalObligationReference` unless none), and — '
  + 'unless a duty or order applies — `identifiable`, `confidential` and `consent`; sharing without consent needs `answers.publicInterest` (harm, necessity and '
  + 'proportionality, and whether it is an adult with capacity risking only themself). A consent relied on must be given, not withdrawn, and for this purpose and these '
  + 'recipients. Answering a request for information (`informationRequestId`) must include the agency that asked. Warnings must be acknowledged in `acknowledgedWarnings`.';
const UrgentOutstanding = z.object({ decisionId: z.uuid(), personId: z.uuid(), decidedBy: z.uuid(), decidedAt: z.string(), completeBy: z.string(), overdue: z.boolean() });

/** Consent register, information-sharing decisions and advice. */
export function registerSharingRoutes(api: Api): void {
  api.route({
    method: 'POST', url: '/people/{id}/consents', tag: 'Consent', operationId: 'recordConsent',
    summary: 'Record consent',
    description: `Record consent given or refused, for a specified purpose and recipients, about a person in your agency's index. ${CONSENT_RULES}`,
    params: IdParams, body: NewConsent, response: Consent,
    handler: ({ ctx, params, body }) => recordConsent(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/people/{id}/consents', tag: 'Consent', operationId: 'listConsents',
    summary: "List a person's consents",
    description: "Your agency's consents for a person, with withdrawals and the decisions that relied on them. Another agency's consent register is never shown: "
      + 'a recipient of a share learns its basis and limits from the shared record (`share.legalBasis`, `share.onwardSharing`). Only casework roles of your agency see the list.',
    params: IdParams, response: z.array(Consent),
    handler: ({ ctx, params }) => listConsents(ctx, params.id),
  });
  api.route({
    method: 'GET', url: '/consents/{id}', tag: 'Consent', operationId: 'getConsent',
    summary: 'Get a consent',
    description: 'One consent, with its withdrawal and the decisions that relied on it. Only the casework roles of the agency that recorded it may read it; '
      + 'anyone else gets the 404 a consent that does not exist gets.',
    params: IdParams, response: Consent,
    handler: ({ ctx, params }) => getConsent(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/consents/{id}/withdrawal', tag: 'Consent', status: 200, operationId: 'withdrawConsent',
    summary: 'Withdraw consent',
    description: 'Withdraw consent: shares that relied on it end when the withdrawal is recorded, and their recipients are told. Only the casework roles of the agency '
      + 'that recorded it may withdraw it (anyone else gets 404, as for a consent that does not exist). Only consent that was given can be withdrawn, and only once (409). '
      + 'A `withdrawnAt` in the past is kept as when the person says they withdrew (`withdrawalRecordedAt` is when it was recorded); one in the future is refused (422).',
    params: IdParams, body: Withdrawal, response: Consent,
    handler: ({ ctx, params, body }) => withdrawConsent(ctx, params.id, body),
  });

  api.route({
    method: 'POST', url: '/share-decisions/preview', tag: 'Sharing', status: 200, operationId: 'previewShareDecision',
    summary: 'Check a share decision',
    description: 'Check a decision without recording it: the assessment against the key questions, the warnings to acknowledge, and what is missing (as `problems`, '
      + 'the same field problems that recording it would refuse with). Nothing is recorded.',
    body: NewShareDecision, response: Preview,
    handler: ({ ctx, body }) => previewDecision(ctx, body),
  });
  api.route({
    method: 'POST', url: '/share-decisions', tag: 'Sharing', operationId: 'recordShareDecision',
    summary: 'Record a share decision',
    description: `Record a decision to share, not to share, or to seek advice first. A share creates the grants that let the recipients see exactly the chosen records, and tells them. ${DECISION_RULES}`,
    body: NewShareDecision, response: ShareDecision,
    handler: ({ ctx, body }) => makeDecision(ctx, body),
  });
  api.route({
    method: 'GET', url: '/share-decisions/urgent-outstanding', tag: 'Sharing', operationId: 'listUrgentSharesOutstanding',
    summary: 'List urgent shares to complete',
    description: "Your agency's urgent shares still to be completed with the full answers (due within 1 working day), with those overdue flagged.",
    response: z.array(UrgentOutstanding),
    handler: ({ ctx }) => listIncompleteUrgent(ctx),
  });
  api.route({
    method: 'GET', url: '/share-decisions/{id}', tag: 'Sharing', operationId: 'getShareDecision',
    summary: 'Get a share decision',
    description: 'A decision with its answers, reasons, recipients, records, advice and revocation.',
    params: IdParams, response: ShareDecision,
    handler: ({ ctx, params }) => getDecision(ctx, params.id),
  });
  api.route({
    method: 'GET', url: '/people/{id}/share-decisions', tag: 'Sharing', operationId: 'listShareDecisions',
    summary: "List a person's share decisions",
    description: 'Every decision about sharing information about this person, shared or not.',
    params: IdParams, response: z.array(ShareDecision),
    handler: ({ ctx, params }) => listDecisions(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/share-decisions/{id}/completion', tag: 'Sharing', status: 200, operationId: 'completeUrgentShareDecision',
    summary: 'Complete an urgent share decision',
    description: 'Complete an urgent decision with the full answers to the key questions. Only an urgent decision not yet completed can be (409); the answers follow the same rules as a decision that is not urgent.',
    params: IdParams, body: CompleteUrgentDecision, response: ShareDecision,
    handler: ({ ctx, params, body }) => completeUrgentDecision(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/share-decisions/{id}/revocation', tag: 'Sharing', status: 200, operationId: 'revokeShareDecision',
    summary: 'Revoke a share',
    description: 'Revoke a share: the recipients lose access from this moment and are told. Only a decision to share can be revoked, and only once (409).',
    params: IdParams, body: Revocation, response: ShareDecision,
    handler: ({ ctx, params, body }) => revokeDecision(ctx, params.id, body.reason),
  });

  api.route({
    method: 'GET', url: '/advice-requests', tag: 'Advice', operationId: 'listAdviceRequests',
    summary: 'List requests for your advice',
    description: 'Requests for your advice (by name or by the role you hold) still to be answered.',
    response: z.array(AdviceRequest),
    handler: ({ ctx }) => listAdviceQueue(ctx),
  });
  api.route({
    method: 'GET', url: '/advice-requests/{id}', tag: 'Advice', operationId: 'getAdviceRequest',
    summary: 'Get a request for advice',
    description: 'One request for advice; the person is named only if the asker chose to reveal them (golden rule 3).',
    params: IdParams, response: AdviceRequest,
    handler: ({ ctx, params }) => getAdviceRequest(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/advice-requests/{id}/advice', tag: 'Advice', status: 200, operationId: 'giveAdvice',
    summary: 'Give advice',
    description: 'Give your advice; it is kept against the decision and the asker is told. Advice is given once (409 if already given).',
    params: IdParams, body: Advice, response: AdviceRequest,
    handler: ({ ctx, params, body }) => giveAdvice(ctx, params.id, body.advice),
  });
}
