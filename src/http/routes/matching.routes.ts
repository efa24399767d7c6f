import { PersonLink } from '../../chronology/schemas.ts';
import { candidatesFor, confirmSamePerson, recordNotSamePerson, searchCandidates, undoNotSamePerson } from '../../matching/candidates.ts';
import { CandidateParams, CandidateQuery, Candidates, CandidateSearch, MatchDecisionReason, NotSamePerson } from '../../matching/schemas.ts';
import { IdParams, type Api } from '../route.ts';

/** Finding the same person across agencies: candidates with probability and explanation, and the practitioner's decisions. */
export function registerMatchingRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/people/{id}/candidates', tag: 'Matching',
    operationId: 'listMatchCandidates', summary: 'List possible same-person matches',
    description: "Entries in any agency of your partnerships that may be the same person as this one of yours, with the probability and why — never the other entry's details. Linked entries and those recorded as not the same person are left out. `minProbability` sets how likely a candidate must be to be shown.",
    params: IdParams, query: CandidateQuery, response: Candidates,
    handler: async ({ ctx, params, query }) => ({ candidates: await candidatesFor(ctx, params.id, query.minProbability) }),
  });
  // A search is a POST so that names and dates of birth never appear in a URL or a log line.
  api.route({
    method: 'POST', url: '/people/candidates', tag: 'Matching', status: 200,
    operationId: 'searchMatchCandidates', summary: 'Search for possible matches',
    description: 'Typo-tolerant search by details across the agencies of your partnerships (before adding a person, say). Give at least one of a name, a date of birth or an NHS number (422 naming `familyName`). A search is a POST so that names and dates of birth never reach an address or a log.',
    body: CandidateSearch, response: Candidates,
    handler: async ({ ctx, body }) => ({ candidates: await searchCandidates(ctx, body) }),
  });
  api.route({
    method: 'POST', url: '/people/{id}/candidates/{otherId}/same-person', tag: 'Matching',
    operationId: 'confirmSamePerson', summary: 'Confirm the same person',
    description: 'Confirm a suggested candidate as the same person: records a same-person link (undo with POST /person-links/{id}/unlink). Makes the agencies visible to each other; shares no records. Say why (`reason`). `otherId` must be one of the candidates offered for this person and not this entry itself (422 naming `/params/otherId`); entries recorded as not the same person must have that decision undone first, and entries already linked are a 409.',
    params: CandidateParams, body: MatchDecisionReason, response: PersonLink,
    handler: ({ ctx, params, body }) => confirmSamePerson(ctx, params.id, params.otherId, body.reason),
  });
  api.route({
    method: 'POST', url: '/people/{id}/candidates/{otherId}/not-same-person', tag: 'Matching',
    operationId: 'recordNotSamePerson', summary: 'Record not the same person',
    description: 'Record that a suggested candidate is not the same person; it is no longer suggested. Say why (`reason`). Not for this entry itself (422 naming `/params/otherId`); a pair already decided or already linked as the same person is a 409 (undo the link instead).',
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
}
