import { acceptReferral, referralCandidates } from '../../process/referral-acceptance.ts';
import { AcceptReferral, ReferralCandidates } from '../../process/referral-acceptance.schemas.ts';
import {
  acknowledgeReferral, confirmInWriting, decideReferral, getReferral, listIncomingReferralsPage, listOutgoingReferralsPage, makeReferral,
} from '../../process/referrals.ts';
import {
  AcknowledgeReferral, DecideReferral, NewReferral, OutgoingReferralQuery, Referral, ReferralQueueQuery, WrittenConfirmation,
} from '../../process/referral-schemas.ts';
import { page, pageRequest } from '../../shared/pagination.ts';
import { IdParams, type Api } from '../route.ts';

const WHEN_RULE = 'A time given may not be in the future, nor before the referral was made (422 naming the field).';

/** Referrals to children's social care or the police, and the receiving authority's queue. */
export function registerReferralRoutes(api: Api): void {
  api.route({
    method: 'POST', url: '/referrals', tag: 'Referrals', operationId: 'makeReferral',
    summary: 'Make a referral',
    description: "Refer a child in your agency's index to children's social care or the police, on a decision to share (10.6–11.5); or record a member of the public's referral (12.5). "
      + 'Rules between fields, each refused with a 422 naming the field: a practitioner\'s referral rests on a decision to share — name one (`shareDecisionId`) or record one with it '
      + "(`shareDecision`), not both; that decision must be to share and include the agency referred to among its recipients. Refer to another agency, and only to children's "
      + "social care or the police (`toAgencyId`). The child and any other children named must not be recorded as adults. A member of the public's referral is recorded "
      + "only by the children's social care or police agency that receives it (403 otherwise).",
    body: NewReferral, response: Referral,
    handler: ({ ctx, body }) => makeReferral(ctx, body),
  });
  api.route({
    method: 'GET', url: '/referrals/incoming', tag: 'Referrals', operationId: 'listReferralQueue',
    summary: 'List the referral queue',
    description: "Your agency's referral queue: soonest next step due first (urgent first on the same day, then oldest), with overdue steps flagged. Casework roles only. "
      + 'The order comes from the steps due, which move as steps are done and days pass: a referral whose next step changed between your pages can appear again or be passed over, so start again for a fresh view. '
      + 'The queue holds at most the 1000 most recent referrals of the status asked for.',
    query: ReferralQueueQuery, response: page(Referral),
    handler: ({ ctx, query }) => listIncomingReferralsPage(ctx, { status: query.status, overdueOnly: query.overdueOnly === 'true' }, pageRequest(query)),
  });
  api.route({
    method: 'GET', url: '/referrals/outgoing', tag: 'Referrals', operationId: 'listMyReferrals',
    summary: 'List referrals your agency made',
    description: 'Referrals your agency has made, newest first: their progress, the feedback, and what you still have to do (confirm in writing, chase). Casework roles only.',
    query: OutgoingReferralQuery, response: page(Referral),
    handler: ({ ctx, query }) => listOutgoingReferralsPage(ctx, pageRequest(query)),
  });
  api.route({
    method: 'GET', url: '/referrals/{id}', tag: 'Referrals', operationId: 'getReferral',
    summary: 'Get a referral',
    description: 'One referral, as your side of it sees it (the referrer or the agency referred to). Anyone else is answered 404.',
    params: IdParams, response: Referral,
    handler: ({ ctx, params }) => getReferral(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/referrals/{id}/written-confirmation', tag: 'Referrals', status: 200, operationId: 'confirmReferralInWriting',
    summary: 'Confirm a phone referral in writing',
    description: `The referrer confirms a phone referral in writing (within 48 hours, 11.5). Only the referrer does (403); only a phone referral, and only once (409). ${WHEN_RULE}`,
    params: IdParams, body: WrittenConfirmation, response: Referral,
    handler: ({ ctx, params, body }) => confirmInWriting(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/referrals/{id}/candidates', tag: 'Referrals', operationId: 'listReferralCandidates',
    summary: "List the entries that may be a referral's child",
    description: "Before accepting: the entries in your own agency's index that may be the referred child (never another agency's), most likely first, each with the "
      + "matcher's explanation in words and its confidence; an unborn entry is found by the mother and the expected date of delivery, and an entry already linked to the "
      + "referrer's as the same child comes first. Empty once the referral is placed (`placed` names the entry). Only children's social care the referral was made to (403 for the referrer; 409 for the police).",
    params: IdParams, response: ReferralCandidates,
    handler: ({ ctx, params }) => referralCandidates(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/referrals/{id}/acceptance', tag: 'Referrals', status: 200, operationId: 'acceptReferral',
    summary: 'Accept a referral',
    description: "Children's social care places the child in its own index and opens an episode: `personId` is the entry chosen from GET /referrals/{id}/candidates "
      + "(a child or unborn child in your index — not an adult; another agency's entry is answered as missing), or `new` when none of them is the child: a new entry is made "
      + 'with the address and the parents or carers the referral carries (found in your index when the matcher is confident, otherwise added). A born baby may be placed with the '
      + 'pre-birth (unborn) entry; the birth itself is recorded with POST /births. The allocated worker becomes the lead worker when the child has none; they and the team managers are told of earlier child '
      + 'protection plans of the child or the adults around them. A child already open goes to the allocated worker (11.2). Only the agency referred to (403); not a referral '
      + 'to the police, and not one already placed with another entry (409). `allocatedWorkerId` must be an active practitioner of your agency.',
    params: IdParams, body: AcceptReferral, response: Referral,
    handler: ({ ctx, params, body }) => acceptReferral(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/referrals/{id}/acknowledgement', tag: 'Referrals', status: 200, operationId: 'acknowledgeReferral',
    summary: 'Acknowledge a referral',
    description: "Acknowledge the referral (within 1 working day, 11.5); the referrer is told. Only the agency referred to; once only (409). Children's social care accepts the "
      + `referral first (this action is allowed only after the acceptance, where it is recorded on the child's episode). ${WHEN_RULE}`,
    params: IdParams, body: AcknowledgeReferral, response: Referral,
    handler: ({ ctx, params, body }) => acknowledgeReferral(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/referrals/{id}/decision', tag: 'Referrals', status: 200, operationId: 'decideReferral',
    summary: 'Decide on a referral',
    description: 'Decide the next course of action (within 1 working day, 12.1); the referrer is told the outcome and the reasons (12.2). Only the agency referred to; once only (409). '
      + "`criminal_investigation` is the police's outcome and `assessment` children's social care's (422 naming `outcome`). Children's social care accepts the referral first. "
      + WHEN_RULE,
    params: IdParams, body: DecideReferral, response: Referral,
    handler: ({ ctx, params, body }) => decideReferral(ctx, params.id, body),
  });
}
