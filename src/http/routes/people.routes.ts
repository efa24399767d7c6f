import { addAddress, addName, addRelationship, createPerson, getPerson, searchPeoplePage, setLeadWorker } from '../../people/people.ts';
import { LeadWorker, NewAddress, NewLeadWorker, NewName, NewPerson, NewRelationship, Person, PersonSearchPage, Relationship } from '../../people/schemas.ts';
import { page, pageRequest } from '../../shared/pagination.ts';
import { IdParams, type Api } from '../route.ts';

export function registerPeopleRoutes(api: Api): void {
  api.route({
    method: 'POST', url: '/people', tag: 'People', operationId: 'createPerson',
    summary: 'Add a person',
    description: "Add a child, an adult or an unborn child to your agency's index (casework roles only). Rules between fields: an unborn child needs `expectedDateOfDelivery` "
      + 'and has no `dateOfBirth`; only an unborn child has an expected date of delivery; each name needs a given name or a family name; an address may not end before it starts.',
    body: NewPerson, response: Person,
    handler: ({ ctx, body }) => createPerson(ctx, body),
  });
  // A search is a POST so that names and dates of birth never appear in a URL or a log line.
  api.route({
    method: 'POST', url: '/people/search', tag: 'People', status: 200, operationId: 'searchPeople',
    summary: 'Search people',
    description: "Find people in your agency's index by name (every word must appear in one of their names, or the name must sound the same: \"Connor Madox\" or \"Madox\" finds Conor Maddox), date of birth or NHS number, in the order they were added. "
      + 'Give at least one of `name`, `dateOfBirth` and `nhsNumber`. A search is a POST so that nothing about the person reaches an address or a log; for the same reason `limit` and `cursor` go in the body too.',
    body: PersonSearchPage, response: page(Person),
    handler: ({ ctx, body }) => {
      const { limit, cursor, ...search } = body;
      return searchPeoplePage(ctx, search, pageRequest({ limit, cursor }));
    },
  });
  api.route({
    method: 'GET', url: '/people/{id}', tag: 'People', operationId: 'getPerson',
    summary: 'Get a person',
    description: "A person, with names, addresses, relationships and lead workers. Your agency's own entries; another agency's entry only while a live share about them names you (`access: shared`). Anyone else is answered 404, as if they did not exist.",
    params: IdParams, response: Person,
    handler: ({ ctx, params }) => getPerson(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/people/{id}/names', tag: 'People', operationId: 'addPersonName',
    summary: 'Add a name',
    description: 'Add an alias or a previous name, or change the usual name (the old one is kept as previous). A name needs a given name or a family name.',
    params: IdParams, body: NewName, response: Person,
    handler: ({ ctx, params, body }) => addName(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/people/{id}/addresses', tag: 'People', operationId: 'addPersonAddress',
    summary: 'Add an address',
    description: 'Add an address; earlier open-ended addresses end the day before it starts. `validTo` may not be before `validFrom`.',
    params: IdParams, body: NewAddress, response: Person,
    handler: ({ ctx, params, body }) => addAddress(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/people/{id}/relationships', tag: 'People', operationId: 'addRelationship',
    summary: 'Add a relationship',
    description: "Record who someone is to this person. The related person must be in your agency's index and cannot be the person themself (422 naming `relatedPersonId`); `validTo` may not be before `validFrom`.",
    params: IdParams, body: NewRelationship, response: Relationship,
    handler: ({ ctx, params, body }) => addRelationship(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/people/{id}/lead-worker', tag: 'People', operationId: 'setLeadWorker',
    summary: 'Name the lead worker',
    description: "Name your agency's lead worker for this person; the previous lead worker's period ends the day before. The lead worker must be an active practitioner of your agency (422 naming `practitionerId`).",
    params: IdParams, body: NewLeadWorker, response: LeadWorker,
    handler: ({ ctx, params, body }) => setLeadWorker(ctx, params.id, body),
  });
}
