import { z } from 'zod';
import { getAgenciesInvolved, getChronology, getChronologyCsv, getChronologyPrint, markContradiction } from '../../chronology/chronology.ts';
import { linkPeople, unlinkPeople } from '../../chronology/links.ts';
import { PRINT_CSS } from '../../chronology/render.ts';
import { AgenciesInvolved, Chronology, ChronologyQuery, ContradictionMark, NewContradictionMark, NewPersonLink, PersonLink, Unlink } from '../../chronology/schemas.ts';
import { IdParams, type Api } from '../route.ts';

/** The multi-agency chronology, contradictions, agencies involved and same-person links. */
export function registerChronologyRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/people/{id}/chronology', tag: 'Chronology',
    operationId: 'getChronology', summary: "Get a child's chronology",
    description: "The child's multi-agency chronology as you may see it: your agency's records and what was shared with you, across linked entries (and the household if asked), in the order things happened, with contradictions. Filter by category, agency and period: `to` may not be before `from` (422 naming `to`); `household=true` adds the records of the child's current household in your own index.",
    params: IdParams, query: ChronologyQuery, response: Chronology,
    handler: ({ ctx, params, query }) => getChronology(ctx, params.id, query),
  });
  api.route({
    method: 'GET', url: '/people/{id}/chronology.csv', tag: 'Chronology',
    operationId: 'getChronologyCsv', summary: 'Download the chronology as CSV',
    description: 'The same chronology as CSV (text/csv, UTF-8 with a byte order mark for Excel): a header, then one row per entry. The same filters and rules as getChronology; the file name carries no names.',
    params: IdParams, query: ChronologyQuery, response: z.string().meta({ description: 'CSV text, served as text/csv.' }), produces: 'text/csv',
    handler: async ({ ctx, params, query, reply }) => {
      const csv = await getChronologyCsv(ctx, params.id, query);
      // No names in the file name: downloads folders and e-mail subjects are not secure places.
      void reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="chronology-${ctx.clock.now().toISOString().slice(0, 10)}.csv"`);
      return csv;
    },
  });
  api.route({
    method: 'GET', url: '/people/{id}/chronology/print', tag: 'Chronology',
    operationId: 'getChronologyPrint', summary: 'Get the printable chronology',
    description: 'The same chronology as a printable page for a conference (text/html, no scripts). The same filters and rules as getChronology.',
    params: IdParams, query: ChronologyQuery, response: z.string().meta({ description: 'An HTML page.' }), produces: 'text/html',
    handler: async ({ ctx, params, query, reply }) => {
      const html = await getChronologyPrint(ctx, params.id, query);
      void reply.type('text/html; charset=utf-8');
      return html;
    },
  });
  api.route({
    method: 'GET', url: '/chronology/print.css', tag: 'Chronology', auth: false,
    operationId: 'getChronologyPrintStylesheet', summary: 'Get the printable chronology stylesheet',
    description: 'The stylesheet of the printable chronology (no personal data). Served without signing in.',
    response: z.string().meta({ description: 'CSS.' }), produces: 'text/css',
    handler: ({ reply }) => {
      void reply.type('text/css; charset=utf-8');
      return Promise.resolve(PRINT_CSS);
    },
  });
  api.route({
    method: 'GET', url: '/people/{id}/agencies-involved', tag: 'Chronology',
    operationId: 'listAgenciesInvolved', summary: 'List the agencies involved',
    description: 'Who else is involved with this person and how to reach them: agencies holding linked entries or sharing records with you, their contacts and lead worker — none of their records.',
    params: IdParams, response: AgenciesInvolved,
    handler: ({ ctx, params }) => getAgenciesInvolved(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/people/{id}/links', tag: 'Chronology',
    operationId: 'linkPeople', summary: 'Link the same person',
    description: "Record that another entry (usually another agency's) is the same person. You must be able to see both; no records are shared by it. Say why (`reason`). An entry cannot be linked to itself (422 naming `otherPersonId`); entries already linked are a 409.",
    params: IdParams, body: NewPersonLink, response: PersonLink,
    handler: ({ ctx, params, body }) => linkPeople(ctx, params.id, body.otherPersonId, body.reason),
  });
  api.route({
    method: 'POST', url: '/person-links/{id}/unlink', tag: 'Chronology', status: 200,
    operationId: 'unlinkPeople', summary: 'Undo a same-person link',
    description: 'Undo a wrong same-person link; the link is kept with who undid it, when and why. Say why (`reason`); a link is undone once (409).',
    params: IdParams, body: Unlink, response: PersonLink,
    handler: ({ ctx, params, body }) => unlinkPeople(ctx, params.id, body.reason),
  });
  api.route({
    method: 'POST', url: '/records/{id}/contradictions', tag: 'Chronology',
    operationId: 'markContradiction', summary: 'Mark a contradiction',
    description: 'Mark this record as contradicting another, for the conference chair (45.3). You must be able to read both. A record cannot contradict itself (422 naming `contradictsRecordId`); a pair is marked once (409). Say what contradicts what (`note`).',
    params: IdParams, body: NewContradictionMark, response: ContradictionMark,
    handler: ({ ctx, params, body }) => markContradiction(ctx, params.id, body.contradictsRecordId, body.note),
  });
}
