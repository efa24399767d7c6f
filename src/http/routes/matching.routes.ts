import { candidatesFor, searchCandidates } from '../../matching/candidates.ts';
import { confirmSamePerson, recordNotSamePerson, undoNotSamePerson } from '../../matching/decisions.ts';
import { acceptLinkRequest, declineLinkRequest, listLinkRequests } from '../../matching/link-requests.ts';
import {
  CandidateParams, CandidateQuery, Candidates, CandidateSearch, LinkRequest, LinkRequests, MatchDecisionReason, NotSamePerson, SamePersonConfirmation, SamePersonOutcome,
} from '../../matching/schemas.ts';
import { IdParams, type Api } from '../route.ts';

const WHO_LEARNS = "Your own agency's entries are always offered, with their ids. Another agency's are offered only to safeguarding leads, Caldicott guardians and children's social care, by name — or as \"another service\" when that service is sensitive (sexual health, mental health, substance misuse, or marked so) — and never with that agency's id for the entry: each has a `ref` made for you, valid for 24 hours. Anyone else is told nothing of other agencies, not even that a match exists; `notice` always says whom to ask. Every other agency's candidate shown is audited.";

/** Finding the same person across agencies: candidates with probability and explanation, and the practitioners' decisions. */
export function registerMatchingRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/people/{id}/candidates', tag: 'Matching',
    operationId: 'listMatchCandidates', summary: 'List possible same-person matches',
    description: `Entries that may be the same person as this one of yours, with the probability and why — never the other entry's details. ${WHO_LEARNS} Linked entries and those recorded as not the same person are left out. \`minProbability\` sets how likely a candidate must be to be shown.`,
    params: IdParams, query: CandidateQuery, response: Candidates,
    handler: ({ ctx, params, query }) => candidatesFor(ctx, params.id, query.minProbability),
  });
  // A search is a POST so that names and dates of birth never appear in a URL or a log line.
  api.route({
    method: 'POST', url: '/people/candidates', tag: 'Matching', status: 200,
    operationId: 'searchMatchCandidates', summary: 'Search for possible matches',
    description: `Typo-tolerant search by details (before adding a person, say). ${WHO_LEARNS} Give at least one of a name, a date of birth or an NHS number (422 naming \`familyName\`). A search is a POST so that names and dates of birth never reach an address or a log.`,
    body: CandidateSearch, response: Candidates,
    handler: ({ ctx, body }) => searchCandidates(ctx, body),
  });
  api.route({
    method: 'POST', url: '/people/{id}/candidates/{otherId}/same-person', tag: 'Matching',
    operationId: 'confirmSamePerson', summary: 'Confirm the same person',
    description: "Confirm a suggested candidate (`otherId`: its `ref`) as the same person. Your own agency's entry is linked at once (`outcome: linked`). Another agency's is not: that agency is asked (`outcome: requested`) and nothing is linked or visible until its safeguarding lead, Caldicott guardian or children's social care accepts (see /person-link-requests) — unless you are in children's social care and record a `lawfulBasis`, which links at once (never a sensitive service's entry: 422 naming `/lawfulBasis`). A link makes the agencies visible to each other; it shares no records. Say why (`reason`). A reference that was not offered to you, or has expired, is a 404; one not (or no longer) a candidate for this person is a 422 naming `/params/otherId`; entries recorded as not the same person must have that decision undone first, and entries already linked or already asked about are a 409.",
    params: CandidateParams, body: SamePersonConfirmation, response: SamePersonOutcome,
    handler: ({ ctx, params, body }) => confirmSamePerson(ctx, params.id, params.otherId, body),
  });
  api.route({
    method: 'POST', url: '/people/{id}/candidates/{otherId}/not-same-person', tag: 'Matching',
    operationId: 'recordNotSamePerson', summary: 'Record not the same person',
    description: "Record that a suggested candidate (`otherId`: its `ref`) is not the same person; it is no longer suggested, to either agency. Say why (`reason`). Another agency's id for its entry is never shown in the answer (null). Not for this entry itself (422 naming `/params/otherId`); a reference not offered to you is a 404; a pair already decided or already linked as the same person is a 409 (undo the link instead).",
    params: CandidateParams, body: MatchDecisionReason, response: NotSamePerson,
    handler: ({ ctx, params, body }) => recordNotSamePerson(ctx, params.id, params.otherId, body.reason),
  });
  api.route({
    method: 'POST', url: '/not-same-person/{id}/undo', tag: 'Matching', status: 200,
    operationId: 'undoNotSamePerson', summary: 'Undo a not-the-same-person decision',
    description: 'Undo a "not the same person" decision; it is kept, marked undone, and the suggestion may come back. Say why (`reason`); a decision is undone once (409).',
    params: IdParams, body: MatchDecisionReason, response: NotSamePerson,
    handler: ({ ctx, params, body }) => undoNotSamePerson(ctx, params.id, body.reason),
  });
  api.route({
    method: 'GET', url: '/person-link-requests', tag: 'Matching',
    operationId: 'listLinkRequests', summary: 'List same-person link requests',
    description: "Requests to record that an entry of another agency's is the same person as one of yours: made to your agency (`incoming`: the asking agency is named, with your own entry) and by it (`outgoing`: the agency asked, unnamed if it is a sensitive service). Only for safeguarding leads, Caldicott guardians and children's social care; anyone else gets an empty list.",
    response: LinkRequests,
    handler: async ({ ctx }) => ({ requests: await listLinkRequests(ctx) }),
  });
  api.route({
    method: 'POST', url: '/person-link-requests/{id}/accept', tag: 'Matching', status: 200,
    operationId: 'acceptLinkRequest', summary: 'Accept a same-person link request',
    description: "Your agency agrees that its entry is the same person as the asking agency's: the link is recorded, and the agencies become visible to each other (no records are shared). Say why (`reason`). Only a safeguarding lead, Caldicott guardian or children's social care of the agency asked (otherwise 404); a request is answered once (409).",
    params: IdParams, body: MatchDecisionReason, response: LinkRequest,
    handler: ({ ctx, params, body }) => acceptLinkRequest(ctx, params.id, body.reason),
  });
  api.route({
    method: 'POST', url: '/person-link-requests/{id}/decline', tag: 'Matching', status: 200,
    operationId: 'declineLinkRequest', summary: 'Decline a same-person link request',
    description: 'Your agency declines: nothing is linked, and the asking agency sees only that it was declined (not your reason). Say why (`reason`). Same roles as accepting (otherwise 404); a request is answered once (409).',
    params: IdParams, body: MatchDecisionReason, response: LinkRequest,
    handler: ({ ctx, params, body }) => declineLinkRequest(ctx, params.id, body.reason),
  });
}
