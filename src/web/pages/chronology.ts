import type { FastifyRequest } from 'fastify';
import { getChronologyCsv, getChronologyPage, getChronologyPrint } from '../../chronology/chronology.ts';
import { chronologyEntriesHtml } from './chronology-entries.ts';
import { ChronologyQuery } from '../../chronology/schemas.ts';
import { CATEGORIES } from '../../records/schemas.ts';
import { fieldProblems } from '../../shared/errors.ts';
import { calendarDate, FormErrors, type FormBody } from '../forms.ts';
import { personName } from '../view.ts';
import type { Web } from '../web.ts';

type IdParams = { id: string };

/**
 * The chronology's filters come in the address (a category, an agency, dates: no personal data),
 * so that a filtered view can be printed or downloaded as it is seen.
 */
function filters(request: FastifyRequest): { query: ChronologyQuery; values: Record<string, unknown>; errors: FormErrors; search: string } {
  const q = (request.query ?? {}) as FormBody;
  const get = (k: string): string => (typeof q[k] === 'string' ? q[k].trim() : '');
  const errors = new FormErrors();
  const from = calendarDate({ day: get('from-day'), month: get('from-month'), year: get('from-year') }, 'The start date');
  const to = calendarDate({ day: get('to-day'), month: get('to-month'), year: get('to-year') }, 'The end date');
  if (from.error) errors.add('from-day', from.error);
  if (to.error) errors.add('to-day', to.error);
  const raw = {
    category: get('category') || undefined, agencyId: get('agencyId') || undefined, from: from.value, to: to.value,
    household: get('household') === 'true' ? 'true' : 'false',
  };
  const parsed = ChronologyQuery.safeParse(raw);
  if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), { '/category': 'category', '/agencyId': 'agencyId', '/from': 'from-day', '/to': 'to-day' }, 'category');
  const query: ChronologyQuery = parsed.success && !errors.any ? parsed.data : { household: false };
  const search = new URLSearchParams(Object.entries(raw).filter(([, v]) => v !== undefined && v !== 'false') as [string, string][]).toString();
  return {
    query, errors, search: search ? `?${search}` : '',
    values: { category: raw.category, agencyId: raw.agencyId, household: raw.household === 'true' ? ['true'] : [],
      from: { day: get('from-day'), month: get('from-month'), year: get('from-year') }, to: { day: get('to-day'), month: get('to-month'), year: get('to-year') } },
  };
}

/** The multi-agency chronology: filters, contradictions highlighted, print view and CSV. */
export function registerChronologyPages(web: Web): void {
  const { app } = web;

  app.get<{ Params: IdParams }>('/people/:id/chronology', async (request, reply) => {
    const ctx = web.ctx(request);
    const f = filters(request);
    // Whom it is about (the heading shows their name, nothing else of them) and the chronology, in one read.
    const { subject: person, chronology } = await getChronologyPage(ctx, request.params.id, f.query);
    const agencies = [...new Map(chronology.entries.map((e) => [e.agencyId, e.agencyName])).entries()].map(([value, text]) => ({ value, text }));
    const contradicted = new Set(chronology.contradictions.flatMap((c) => (c.mark ? [c.mark.recordId, c.mark.contradictsRecordId] : [])));
    const data = {
      pageTitle: 'Chronology', person, name: person.name ?? personName(null), chronology, values: f.values, search: f.search,
      entriesHtml: chronologyEntriesHtml(chronology.entries, contradicted),
      categories: [{ value: '', text: 'All categories' }, ...CATEGORIES.map((c) => ({ value: c, text: c.replace(/_/g, ' ').replace(/^./, (x) => x.toUpperCase()), selected: f.values.category === c }))],
      agencies: [{ value: '', text: 'All agencies' }, ...agencies.map((a) => ({ ...a, selected: f.values.agencyId === a.value }))],
      backLink: `/people/${person.id}`,
    };
    return f.errors.any ? web.renderErrors(request, reply, 'chronology.njk', f.errors, data) : web.render(request, reply, 'chronology.njk', { ...data, errors: {}, errorList: [] });
  });

  app.get<{ Params: IdParams }>('/people/:id/chronology/print', async (request, reply) => {
    const html = await getChronologyPrint(web.ctx(request), request.params.id, filters(request).query);
    return reply.type('text/html; charset=utf-8').send(html);
  });

  app.get<{ Params: IdParams }>('/people/:id/chronology.csv', async (request, reply) => {
    const ctx = web.ctx(request);
    const csv = await getChronologyCsv(ctx, request.params.id, filters(request).query);
    // No names in the file name: downloads folders and e-mail subjects are not secure places.
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="chronology-${ctx.clock.now().toISOString().slice(0, 10)}.csv"`).send(csv);
  });
}
