import { z } from 'zod';
import { addAddress, addName, addRelationship, createPerson, getPerson, searchPeople, setLeadWorker } from '../../people/people.ts';
import { LeadWorker, NewAddress, NewLeadWorker, NewName, NewPerson, NewRelationship, Person, PersonSearch, Relationship } from '../../people/schemas.ts';
import { IdParams, type Api } from '../route.ts';

export function registerPeopleRoutes(api: Api): void {
  api.route({
    method: 'POST', url: '/people', tag: 'People', summary: "Add a person to your agency's index.",
    body: NewPerson, response: Person,
    handler: ({ ctx, body }) => createPerson(ctx, body),
  });
  // A search is a POST so that names and dates of birth never appear in a URL or a log line.
  api.route({
    method: 'POST', url: '/people/search', tag: 'People', status: 200,
    summary: "Find people in your agency's index by name, date of birth or NHS number.",
    body: PersonSearch, response: z.array(Person),
    handler: ({ ctx, body }) => searchPeople(ctx, body),
  });
  api.route({
    method: 'GET', url: '/people/{id}', tag: 'People', summary: 'A person, with names, addresses, relationships and lead workers.',
    params: IdParams, response: Person,
    handler: ({ ctx, params }) => getPerson(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/people/{id}/names', tag: 'People', summary: 'Add an alias or a previous name, or change the usual name (the old one is kept).',
    params: IdParams, body: NewName, response: Person,
    handler: ({ ctx, params, body }) => addName(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/people/{id}/addresses', tag: 'People', summary: 'Add an address; earlier open-ended addresses end the day before it starts.',
    params: IdParams, body: NewAddress, response: Person,
    handler: ({ ctx, params, body }) => addAddress(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/people/{id}/relationships', tag: 'People', summary: 'Record who someone is to this person.',
    params: IdParams, body: NewRelationship, response: Relationship,
    handler: ({ ctx, params, body }) => addRelationship(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/people/{id}/lead-worker', tag: 'People', summary: "Name your agency's lead worker for this person.",
    params: IdParams, body: NewLeadWorker, response: LeadWorker,
    handler: ({ ctx, params, body }) => setLeadWorker(ctx, params.id, body),
  });
}
