import { z } from 'zod';
import { addRecord, correctRecord, getRecord, getRecordAccessHistoryPage, getRecordHistory, listPersonRecords, RecordAccessKey, setRestriction } from '../../records/records.ts';
import { AgencyRecord, Correction, NewRecord, Restriction } from '../../records/schemas.ts';
import { page, pageQuery, pageRequest } from '../../shared/pagination.ts';
import { IdParams, type Api } from '../route.ts';

const RecordAccess = z.object({
  at: z.string(), practitionerId: z.uuid().nullable(), practitionerName: z.string().nullable(), agencyId: z.uuid().nullable(),
  action: z.string(), outcome: z.string(), purpose: z.string().nullable(),
}).meta({ id: 'RecordAccess' });

const OUTCOME_RULE = 'A home visit needs an `outcome` (seen, seen_child_not_seen or no_access) and so does an appointment (attended, not_brought, cancelled_by_family or cancelled_by_agency); other kinds of record have none.';

export function registerRecordRoutes(api: Api): void {
  api.route({
    method: 'POST', url: '/people/{id}/records', tag: 'Records', operationId: 'addRecord',
    summary: 'Add a record',
    description: `Record a concern, observation, contact, visit, appointment, attendance or incident about a person in your agency's index. ${OUTCOME_RULE} `
      + '`occurredAt` may not be in the future. A restricted record may name only practitioners of your own agency (422 naming `namedPractitionerIds`).',
    params: IdParams, body: NewRecord, response: AgencyRecord,
    handler: ({ ctx, params, body }) => addRecord(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/people/{id}/records', tag: 'Records', operationId: 'listPersonRecords',
    summary: "List a person's records",
    description: "The person's records you may see, oldest first: your agency's (restricted ones only if you may see them) and those shared with you by a recorded decision, showing only the parts shared.",
    params: IdParams, response: z.array(AgencyRecord),
    handler: ({ ctx, params }) => listPersonRecords(ctx, params.id),
  });
  api.route({
    method: 'GET', url: '/records/{id}', tag: 'Records', operationId: 'getRecord',
    summary: 'Get a record',
    description: 'The current version of a record. A record you may not see is answered 404, exactly as one that does not exist.',
    params: IdParams, response: AgencyRecord,
    handler: ({ ctx, params }) => getRecord(ctx, params.id),
  });
  api.route({
    method: 'GET', url: '/records/{id}/versions', tag: 'Records', operationId: 'listRecordVersions',
    summary: "List a record's versions",
    description: 'Every version of a record, oldest first: what it said, when and who changed it, and why.',
    params: IdParams, response: z.array(AgencyRecord),
    handler: ({ ctx, params }) => getRecordHistory(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/records/{id}/corrections', tag: 'Records', operationId: 'correctRecord',
    summary: 'Correct a record',
    description: `Correct a record: adds a version, keeps the earlier ones. Name the version you corrected in \`baseVersion\`: if the record changed since, the correction is refused with a 409 (read it again). ${OUTCOME_RULE}`,
    params: IdParams, body: Correction, response: AgencyRecord,
    handler: ({ ctx, params, body }) => correctRecord(ctx, params.id, body),
  });
  api.route({
    method: 'PUT', url: '/records/{id}/restriction', tag: 'Records', operationId: 'setRecordRestriction',
    summary: 'Restrict a record',
    description: 'Restrict a record to named practitioners (and the safeguarding lead), or lift the restriction. Only practitioners of your own agency can be named (422 naming each one that is not).',
    params: IdParams, body: Restriction, response: AgencyRecord,
    handler: ({ ctx, params, body }) => setRestriction(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/records/{id}/access-history', tag: 'Records', operationId: 'listRecordAccessHistory',
    summary: "List a record's access history",
    description: "Who has viewed or changed this record, from the audit trail, oldest first: for the record's own agency: those of it who may read the record, and its auditors. "
      + 'Reading this history is itself audited, so your own reading appears at the end of later pages. This is the audit trail as the API exposes it: there is no list of the whole agency\'s audit entries (`jigsaw audit verify` checks the chain).',
    params: IdParams, query: z.strictObject(pageQuery('records.access-history', RecordAccessKey)), response: page(RecordAccess),
    handler: ({ ctx, params, query }) => getRecordAccessHistoryPage(ctx, params.id, pageRequest(query)),
  });
}
