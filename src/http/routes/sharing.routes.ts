import { z } from 'zod';
import { getConsent, listConsents, recordConsent, withdrawConsent } from '../../consent/consent.ts';
import { Consent, NewConsent, Withdrawal } from '../../consent/schemas.ts';
import { getAdviceRequest, giveAdvice, listAdviceQueue } from '../../sharing/advice.ts';
import { Answers, Assessment, CompleteUrgentDecision, NewShareDecision, Revocation, ShareDecision, Warning } from '../../sharing/schemas.ts';
import { completeUrgentDecision, getDecision, listDecisions, listIncompleteUrgent, makeDecision, previewDecision, revokeDecision } from '../../sharing/sharing.ts';
import { IdParams, type Api } from '../route.ts';

const FieldProblem = z.object({ pointer: z.string(), detail: z.string() });
const Preview = z.object({ assessment: Assessment, warnings: z.array(Warning), problems: z.array(FieldProblem) }).meta({ id: 'SharingPreview' });
const AdviceRequest = z
  .object({
    id: z.uuid(), decisionId: z.uuid(), askedBy: z.uuid(), askedByName: z.string(), askedAt: z.string(), adviserRole: z.string(), question: z.string(),
    answers: Answers, personId: z.uuid().nullable().meta({ description: 'Only when the asker revealed who the person is (golden rule 3).' }),
    advice: z.string().nullable(), advisedBy: z.uuid().nullable(), advisedAt: z.string().nullable(),
  })
  .meta({ id: 'AdviceRequest' });
const UrgentOutstanding = z.object({ decisionId: z.uuid(), personId: z.uuid(), decidedBy: z.uuid(), decidedAt: z.string(), completeBy: z.string(), overdue: z.boolean() });

/** Consent register, information-sharing decisions and advice. */
export function registerSharingRoutes(api: Api): void {
  api.route({
    method: 'POST', url: '/people/{id}/consents', tag: 'Consent', summary: 'Record consent given or refused, for a specified purpose and recipients.',
    params: IdParams, body: NewConsent, response: Consent,
    handler: ({ ctx, params, body }) => recordConsent(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/people/{id}/consents', tag: 'Consent', summary: 'Consent on record for a person, with withdrawals and the decisions that relied on it.',
    params: IdParams, response: z.array(Consent),
    handler: ({ ctx, params }) => listConsents(ctx, params.id),
  });
  api.route({
    method: 'GET', url: '/consents/{id}', tag: 'Consent', summary: 'One consent.',
    params: IdParams, response: Consent,
    handler: ({ ctx, params }) => getConsent(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/consents/{id}/withdrawal', tag: 'Consent', status: 200, summary: 'Withdraw consent: from this moment, shares that relied on it end and their recipients are told.',
    params: IdParams, body: Withdrawal, response: Consent,
    handler: ({ ctx, params, body }) => withdrawConsent(ctx, params.id, body),
  });

  api.route({
    method: 'POST', url: '/share-decisions/preview', tag: 'Sharing', status: 200,
    summary: 'Check a decision without recording it: the assessment against the key questions, what must be called out, and what is missing.',
    body: NewShareDecision, response: Preview,
    handler: ({ ctx, body }) => previewDecision(ctx, body),
  });
  api.route({
    method: 'POST', url: '/share-decisions', tag: 'Sharing',
    summary: 'Record a decision to share, not to share, or to seek advice first. A share creates the grants that let the recipients see exactly the chosen records.',
    body: NewShareDecision, response: ShareDecision,
    handler: ({ ctx, body }) => makeDecision(ctx, body),
  });
  api.route({
    method: 'GET', url: '/share-decisions/urgent-outstanding', tag: 'Sharing', summary: "Your agency's urgent shares still to be completed (due within 1 working day).",
    response: z.array(UrgentOutstanding),
    handler: ({ ctx }) => listIncompleteUrgent(ctx),
  });
  api.route({
    method: 'GET', url: '/share-decisions/{id}', tag: 'Sharing', summary: 'A decision with its answers, reasons, recipients, records, advice and revocation.',
    params: IdParams, response: ShareDecision,
    handler: ({ ctx, params }) => getDecision(ctx, params.id),
  });
  api.route({
    method: 'GET', url: '/people/{id}/share-decisions', tag: 'Sharing', summary: 'Every decision about sharing information about this person, shared or not.',
    params: IdParams, response: z.array(ShareDecision),
    handler: ({ ctx, params }) => listDecisions(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/share-decisions/{id}/completion', tag: 'Sharing', status: 200, summary: 'Complete an urgent decision with the full answers.',
    params: IdParams, body: CompleteUrgentDecision, response: ShareDecision,
    handler: ({ ctx, params, body }) => completeUrgentDecision(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/share-decisions/{id}/revocation', tag: 'Sharing', status: 200, summary: 'Revoke a share: the recipients lose access from this moment.',
    params: IdParams, body: Revocation, response: ShareDecision,
    handler: ({ ctx, params, body }) => revokeDecision(ctx, params.id, body.reason),
  });

  api.route({
    method: 'GET', url: '/advice-requests', tag: 'Advice', summary: 'Requests for your advice (by name or by the role you hold) still to be answered.',
    response: z.array(AdviceRequest),
    handler: ({ ctx }) => listAdviceQueue(ctx),
  });
  api.route({
    method: 'GET', url: '/advice-requests/{id}', tag: 'Advice', summary: 'One request for advice; the person is named only if the asker chose to reveal them.',
    params: IdParams, response: AdviceRequest,
    handler: ({ ctx, params }) => getAdviceRequest(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/advice-requests/{id}/advice', tag: 'Advice', status: 200, summary: 'Give your advice; it is kept against the decision and the asker is told.',
    params: IdParams, body: z.strictObject({ advice: z.string().trim().min(1, 'Write your advice').max(5000) }).meta({ id: 'Advice' }), response: AdviceRequest,
    handler: ({ ctx, params, body }) => giveAdvice(ctx, params.id, body.advice),
  });
}
