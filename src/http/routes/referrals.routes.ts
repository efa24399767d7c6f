import { z } from 'zod';
import {
  acceptReferral, acknowledgeReferral, confirmInWriting, decideReferral, getReferral, listIncomingReferrals, listOutgoingReferrals, makeReferral,
} from '../../process/referrals.ts';
import { AcceptReferral, AcknowledgeReferral, DecideReferral, NewReferral, Referral, ReferralQueueQuery, WrittenConfirmation } from '../../process/referral-schemas.ts';
import { IdParams, type Api } from '../route.ts';

/** Referrals to children's social care or the police, and the receiving authority's queue. */
export function registerReferralRoutes(api: Api): void {
  api.route({
    method: 'POST', url: '/referrals', tag: 'Referrals',
    summary: "Refer a child in your agency's index to children's social care or the police, on a decision to share (10.6–11.5); or record a member of the public's referral (12.5).",
    body: NewReferral, response: Referral,
    handler: ({ ctx, body }) => makeReferral(ctx, body),
  });
  api.route({
    method: 'GET', url: '/referrals/incoming', tag: 'Referrals',
    summary: "Your agency's referral queue: soonest due first, with overdue steps flagged.",
    query: ReferralQueueQuery, response: z.array(Referral),
    handler: ({ ctx, query }) => listIncomingReferrals(ctx, { status: query.status, overdueOnly: query.overdueOnly === 'true' }),
  });
  api.route({
    method: 'GET', url: '/referrals/outgoing', tag: 'Referrals',
    summary: 'Referrals your agency has made: their progress, the feedback, and what you still have to do (confirm in writing, chase).',
    response: z.array(Referral),
    handler: ({ ctx }) => listOutgoingReferrals(ctx),
  });
  api.route({
    method: 'GET', url: '/referrals/{id}', tag: 'Referrals', summary: 'One referral, as your side of it sees it.',
    params: IdParams, response: Referral,
    handler: ({ ctx, params }) => getReferral(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/referrals/{id}/written-confirmation', tag: 'Referrals', status: 200,
    summary: 'The referrer confirms a phone referral in writing (within 48 hours, 11.5).',
    params: IdParams, body: WrittenConfirmation, response: Referral,
    handler: ({ ctx, params, body }) => confirmInWriting(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/referrals/{id}/acceptance', tag: 'Referrals', status: 200,
    summary: "Children's social care places the child in its own index and opens an episode; a child already open goes to the allocated worker (11.2).",
    params: IdParams, body: AcceptReferral, response: Referral,
    handler: ({ ctx, params, body }) => acceptReferral(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/referrals/{id}/acknowledgement', tag: 'Referrals', status: 200,
    summary: 'Acknowledge the referral (within 1 working day, 11.5); the referrer is told.',
    params: IdParams, body: AcknowledgeReferral, response: Referral,
    handler: ({ ctx, params, body }) => acknowledgeReferral(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/referrals/{id}/decision', tag: 'Referrals', status: 200,
    summary: 'Decide the next course of action (within 1 working day, 12.1); the referrer is told the outcome and the reasons (12.2).',
    params: IdParams, body: DecideReferral, response: Referral,
    handler: ({ ctx, params, body }) => decideReferral(ctx, params.id, body),
  });
}
