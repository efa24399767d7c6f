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
    summary: "The child's multi-agency chronology as you may see it: your agency's records and what was shared with you, across linked entries (and the household if asked), in the order things happened, with contradictions.",
    params: IdParams, query: ChronologyQuery, response: Chronology,
    handler: ({ ctx, params, query }) => getChronology(ctx, params.id, query),
  });
  api.route({
    method: 'GET', url: '/people/{id}/chronology.csv', tag: 'Chronology',
    summary: 'The same chronology as CSV (text/csv, UTF-8 with a byte order mark for Excel): a header, then one row per entry.',
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
    summary: 'The same chronology as a printable page for a conference (text/html, no scripts).',
    params: IdParams, query: ChronologyQuery, response: z.string().meta({ description: 'An HTML page.' }), produces: 'text/html',
    handler: async ({ ctx, params, query, reply }) => {
      const html = await getChronologyPrint(ctx, params.id, query);
      void reply.type('text/html; charset=utf-8');
      return html;
    },
  });
  api.route({
    method: 'GET', url: '/chronology/print.css', tag: 'Chronology', auth: false,
    summary: 'The stylesheet of the printable chronology (no personal data).',
    response: z.string().meta({ description: 'CSS.' }), produces: 'text/css',
    handler: ({ reply }) => {
      void reply.type('text/css; charset=utf-8');
      return Promise.resolve(PRINT_CSS);
    },
  });
  api.route({
    method: 'GET', url: '/people/{id}/agencies-involved', tag: 'Chronology',
    summary: 'Who else is involved with this person and how to reach them: agencies holding linked entries or sharing records with you, their contacts and lead worker — none of their records.',
    params: IdParams, response: AgenciesInvolved,
    handler: ({ ctx, params }) => getAgenciesInvolved(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/people/{id}/links', tag: 'Chronology',
    summary: "Record that another entry (usually another agency's) is the same person. You must be able to see both; no records are shared by it.",
    params: IdParams, body: NewPersonLink, response: PersonLink,
    handler: ({ ctx, params, body }) => linkPeople(ctx, params.id, body.otherPersonId, body.reason),
  });
  api.route({
    method: 'POST', url: '/person-links/{id}/unlink', tag: 'Chronology', status: 200,
    summary: 'Undo a wrong same-person link; the link is kept with who undid it, when and why.',
    params: IdParams, body: Unlink, response: PersonLink,
    handler: ({ ctx, params, body }) => unlinkPeople(ctx, params.id, body.reason),
  });
  api.route({
    method: 'POST', url: '/records/{id}/contradictions', tag: 'Chronology',
    summary: 'Mark this record as contradicting another, for the conference chair (45.3). You must be able to read both.',
    params: IdParams, body: NewContradictionMark, response: ContradictionMark,
    handler: ({ ctx, params, body }) => markContradiction(ctx, params.id, body.contradictsRecordId, body.note),
  });
}
