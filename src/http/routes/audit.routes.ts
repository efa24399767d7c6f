import { z } from 'zod';
import { trailCsv, personAccessCsv } from '../../audit/trail-csv.ts';
import { searchAgencyTrail, TrailPage, TrailQuery } from '../../audit/trail.ts';
import { ChainState, chainState, checkChainNow, Verification } from '../../audit/verification.ts';
import { PersonAccess, personAccess } from '../../audit/who-looked.ts';
import type { Api } from '../route.ts';
import { IdParams } from '../route.ts';

const WHO = 'For the auditors (and administrators) of your own agency; anyone else gets 404.';

/** The auditors' API: the same services as the pages under /audit. */
export function registerAuditRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/audit/events', tag: 'Audit',
    operationId: 'searchAuditEvents', summary: "Search your agency's audit trail",
    description: `Entries made by your agency's practitioners and entries anyone made about your agency's own people and records, newest first, ${50} a page (keyset by entry number: pass \`nextBefore\` as \`before\`). Filters: practitioner, person (your agency's own entry: any other is a 422 on personId), action, outcome, and London days from/to (inclusive; \`to\` before \`from\` is a 422). About names a person only when the entry's person is your agency's own. ${WHO}`,
    query: TrailQuery, response: TrailPage,
    handler: ({ ctx, query }) => searchAgencyTrail(ctx, query),
  });
  api.route({
    method: 'GET', url: '/audit/events.csv', tag: 'Audit',
    operationId: 'exportAuditEventsCsv', summary: "Download a page of your agency's audit trail as CSV",
    description: `The same query and rows as searchAuditEvents, as CSV (text/csv, UTF-8 with a byte order mark): entry, when (UK time), who, agency, what, about, outcome, purpose. Cells that a spreadsheet would run as a formula start with an apostrophe. ${WHO}`,
    query: TrailQuery, response: z.string().meta({ description: 'CSV text, served as text/csv.' }), produces: 'text/csv',
    handler: async ({ ctx, query, reply }) => {
      const page = await searchAgencyTrail(ctx, query, 'export');
      void reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="audit-trail.csv"');
      return trailCsv(page.items);
    },
  });
  api.route({
    method: 'GET', url: '/audit/people/{id}/access', tag: 'Audit',
    operationId: 'getPersonAccess', summary: 'Who looked at a child',
    description: `Every entry about your agency's own entry for this person and its records, by anyone in any agency: grouped by practitioner and agency (how many times, first and last), and the newest entries. Another agency's person, or none, is 404. ${WHO}`,
    params: IdParams, response: PersonAccess,
    handler: ({ ctx, params }) => personAccess(ctx, params.id),
  });
  api.route({
    method: 'GET', url: '/audit/people/{id}/access.csv', tag: 'Audit',
    operationId: 'exportPersonAccessCsv', summary: 'Download who looked at a child as CSV',
    description: `The groups, a blank line, then the entries, as getPersonAccess (text/csv). ${WHO}`,
    params: IdParams, response: z.string().meta({ description: 'CSV text, served as text/csv.' }), produces: 'text/csv',
    handler: async ({ ctx, params, reply }) => {
      const a = await personAccess(ctx, params.id, 'export');
      void reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="who-looked-${params.id}.csv"`);
      return personAccessCsv(a);
    },
  });
  api.route({
    method: 'POST', url: '/audit/verification', tag: 'Audit',
    operationId: 'checkAuditChain', summary: "Check the whole audit chain now",
    description: `Walks the whole deployment's hash chain (and, when the server has the audit key, the entries' and chain's seals) in this request, stores the result and answers it. One check at a time: a second request waits for the same result. Above JIGSAW_AUDIT_CHECK_MAX_ENTRIES entries (default 2,000,000) it is refused with 409: use \`jigsaw audit verify\`. ${WHO}`,
    response: Verification,
    handler: ({ ctx }) => checkChainNow(ctx, 'api'),
  });
  api.route({
    method: 'GET', url: '/audit/verification', tag: 'Audit',
    operationId: 'getAuditChainState', summary: "The audit chain's state as last checked",
    description: `The newest stored check (from the pages, the API or \`jigsaw audit verify\`), the newest seal of the chain and the newest entry's number. ${WHO}`,
    response: ChainState,
    handler: ({ ctx }) => chainState(ctx, true),
  });
}
