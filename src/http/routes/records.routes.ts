import { z } from 'zod';
import { addRecord, correctRecord, getRecord, getRecordAccessHistory, getRecordHistory, listPersonRecords, setRestriction } from '../../records/records.ts';
import { AgencyRecord, Correction, NewRecord, Restriction } from '../../records/schemas.ts';
import { IdParams, type Api } from '../route.ts';

const RecordAccess = z.object({
  at: z.string(), practitionerId: z.uuid().nullable(), practitionerName: z.string().nullable(), agencyId: z.uuid().nullable(),
  action: z.string(), outcome: z.string(), purpose: z.string().nullable(),
}).meta({ id: 'RecordAccess' });

export function registerRecordRoutes(api: Api): void {
  api.route({
    method: 'POST', url: '/people/{id}/records', tag: 'Records', summary: 'Record a concern, observation, contact, visit, appointment, attendance or incident.',
    params: IdParams, body: NewRecord, response: AgencyRecord,
    handler: ({ ctx, params, body }) => addRecord(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/people/{id}/records', tag: 'Records', summary: "The person's records you may see, oldest first.",
    params: IdParams, response: z.array(AgencyRecord),
    handler: ({ ctx, params }) => listPersonRecords(ctx, params.id),
  });
  api.route({
    method: 'GET', url: '/records/{id}', tag: 'Records', summary: 'The current version of a record.',
    params: IdParams, response: AgencyRecord,
    handler: ({ ctx, params }) => getRecord(ctx, params.id),
  });
  api.route({
    method: 'GET', url: '/records/{id}/versions', tag: 'Records', summary: 'Every version of a record, oldest first.',
    params: IdParams, response: z.array(AgencyRecord),
    handler: ({ ctx, params }) => getRecordHistory(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/records/{id}/corrections', tag: 'Records', summary: 'Correct a record: adds a version, keeps the earlier ones.',
    params: IdParams, body: Correction, response: AgencyRecord,
    handler: ({ ctx, params, body }) => correctRecord(ctx, params.id, body),
  });
  api.route({
    method: 'PUT', url: '/records/{id}/restriction', tag: 'Records', summary: 'Restrict a record to named practitioners (and the safeguarding lead), or lift the restriction.',
    params: IdParams, body: Restriction, response: AgencyRecord,
    handler: ({ ctx, params, body }) => setRestriction(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/records/{id}/access-history', tag: 'Records', summary: 'Who has viewed or changed this record (for its own agency).',
    params: IdParams, response: z.array(RecordAccess),
    handler: ({ ctx, params }) => getRecordAccessHistory(ctx, params.id),
  });
}
