import type { FastifyReply, FastifyRequest } from 'fastify';
import { ACTION_CHOICES, actionWords, OUTCOME_WORDS } from '../../audit/actions.ts';
import { personAccessCsv, trailCsv } from '../../audit/trail-csv.ts';
import { agencyPractitionerChoices, findAgencyPeople, OUTCOMES, searchAgencyTrail, TrailQuery } from '../../audit/trail.ts';
import { chainState, checkChainNow, type ChainState } from '../../audit/verification.ts';
import { personAccess } from '../../audit/who-looked.ts';
import { fieldProblems, invalid, Problem } from '../../shared/errors.ts';
import { Text } from '../../shared/schemas.ts';
import { calendarDate, dateParts, FormErrors, formOf, str, type DateParts, type FormBody } from '../forms.ts';
import type { Web } from '../web.ts';

/**
 * The auditors' pages: the agency's audit trail with its search, who looked at a child, and the
 * state of the whole chain. Filters travel in the address as identifiers, codes and dates only;
 * a name typed to find a child is posted, never put in an address.
 */

interface TrailForm {
  values: { practitionerId: string; personId: string; action: string; outcome: string; from: DateParts; to: DateParts };
  query?: TrailQuery;
  errors: FormErrors;
}

const FIELD_OF: Record<string, string> = { '/practitionerId': 'practitionerId', '/personId': 'personId', '/action': 'action', '/outcome': 'outcome', '/from': 'from-day', '/to': 'to-day', '/before': 'before' };

/** The search as typed (GOV.UK date inputs, selects), checked the way the API checks it. */
function readTrailForm(q: FormBody): TrailForm {
  const values = { practitionerId: str(q, 'practitionerId'), personId: str(q, 'personId'), action: str(q, 'action'), outcome: str(q, 'outcome'), from: dateParts(q, 'from'), to: dateParts(q, 'to') };
  const errors = new FormErrors();
  const from = calendarDate(values.from, 'The first day');
  const to = calendarDate(values.to, 'The last day');
  if (from.error) errors.add('from-day', from.error);
  if (to.error) errors.add('to-day', to.error);
  const given = (v: string): string | undefined => (v === '' ? undefined : v);
  const parsed = TrailQuery.safeParse({
    practitionerId: given(values.practitionerId), personId: given(values.personId), action: given(values.action), outcome: given(values.outcome),
    from: from.value, to: to.value, before: given(str(q, 'before')),
  });
  if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), FIELD_OF, 'action');
  return { values, errors, ...(parsed.success && !errors.any ? { query: parsed.data } : {}) };
}

/** The search as an address (identifiers, codes and dates only), for the next page and the CSV. */
function searchOf(q: TrailQuery, extra: Record<string, string | number> = {}): string {
  const p = new URLSearchParams();
  if (q.practitionerId) p.set('practitionerId', q.practitionerId);
  if (q.personId) p.set('personId', q.personId);
  if (q.action) p.set('action', q.action);
  if (q.outcome) p.set('outcome', q.outcome);
  for (const [name, date] of [['from', q.from], ['to', q.to]] as const) {
    if (!date) continue;
    const [y, m, d] = date.split('-');
    p.set(`${name}-day`, String(Number(d)));
    p.set(`${name}-month`, String(Number(m)));
    p.set(`${name}-year`, y!);
  }
  for (const [k, v] of Object.entries(extra)) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The chain's state in a sentence or two, for /audit and /audit/chain. */
export function chainSummary(state: ChainState): { intact: boolean | null; headline: string } {
  const v = state.latest;
  if (!v) return { intact: null, headline: 'The audit trail has not been checked yet.' };
  if (v.intact) return { intact: true, headline: `The audit trail is intact up to entry ${v.lastSeq}` };
  return { intact: false, headline: v.firstBrokenSeq ? `The audit trail is broken at entry ${v.firstBrokenSeq}` : 'The audit trail has problems' };
}

export function registerAuditPages(web: Web): void {
  const { app } = web;

  const trailPage = async (request: FastifyRequest, reply: FastifyReply, found?: { text: string; people?: Awaited<ReturnType<typeof findAgencyPeople>>; error?: string }): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const form = readTrailForm(formOf(request.query));
    // A refused search (not an auditor) is answered as "Page not found" before anything else is read.
    let page: Awaited<ReturnType<typeof searchAgencyTrail>> | undefined;
    if (form.query) {
      try {
        page = await searchAgencyTrail(ctx, form.query);
      } catch (err) {
        // A person who is not in the agency's index: a field error, like a bad date.
        if (!(err instanceof Problem && err.status === 422)) throw err;
        form.errors.addProblems(err.errors.map((e) => ({ ...e, pointer: e.pointer.replace(/^\/query/, '') })), FIELD_OF, 'personId');
      }
    }
    // Also refuses anyone but the agency's auditors when the search was not run.
    const state = await chainState(ctx, false);
    const practitioners = await agencyPractitionerChoices(ctx);
    const select = (items: { value: string; text: string }[], chosen: string, any: string): { value: string; text: string; selected: boolean }[] =>
      [{ value: '', text: any }, ...items].map((i) => ({ ...i, selected: i.value === chosen }));
    const actionItems = ACTION_CHOICES.some((a) => a.value === form.values.action) || !form.values.action
      ? [...ACTION_CHOICES] : [...ACTION_CHOICES, { value: form.values.action, text: actionWords(form.values.action) }];
    const personFilter = form.query?.personId ? page?.items.find((e) => e.about.personId === form.query!.personId)?.about.name : undefined;
    const data = {
      pageTitle: 'Audit trail',
      values: form.values,
      items: page?.items ?? [],
      searched: Boolean(page),
      nextHref: page?.nextBefore && form.query ? `/audit${searchOf(form.query, { before: page.nextBefore })}` : undefined,
      firstHref: form.query?.before ? `/audit${searchOf({ ...form.query, before: undefined })}` : undefined,
      csvHref: form.query ? `/audit.csv${searchOf(form.query, form.query.before ? { before: form.query.before } : {})}` : undefined,
      personFilter: form.query?.personId ? { id: form.query.personId, name: personFilter } : undefined,
      practitioners: select(practitioners.map((p) => ({ value: p.id, text: p.active ? p.name : `${p.name} (left)` })), form.values.practitionerId, 'Anyone'),
      actions: select(actionItems, form.values.action, 'Any action'),
      outcomes: select(OUTCOMES.map((o) => ({ value: o, text: OUTCOME_WORDS[o]! })), form.values.outcome, 'Any outcome'),
      chain: { ...state, ...chainSummary(state) },
      found,
    };
    return form.errors.any ? web.renderErrors(request, reply, 'audit/trail.njk', form.errors, data) : web.render(request, reply, 'audit/trail.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get('/audit', async (request, reply) => trailPage(request, reply));

  // The page's rows as CSV: the same search and the same page of entries.
  app.get('/audit.csv', async (request, reply) => {
    const form = readTrailForm(formOf(request.query));
    if (!form.query) throw invalid('Go back and check the search.', form.errors.list.map((e) => ({ pointer: `/query/${e.href.slice(1)}`, detail: e.text })));
    const page = await searchAgencyTrail(web.ctx(request), form.query, 'export');
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="audit-trail.csv"').send(trailCsv(page.items));
  });

  // The person picker: posted, so the name or NHS number typed is never in an address or a log.
  app.post('/audit/find-person', async (request, reply) => {
    const typed = str(formOf(request.body), 'person');
    const checked = Text.max(200, 'Enter at most 200 characters').safeParse(typed);
    if (!typed || !checked.success) {
      return trailPage(request, reply, { text: typed.slice(0, 200), error: typed ? (checked.error?.issues[0]?.message ?? 'Enter a name or an NHS number') : 'Enter a name or an NHS number' });
    }
    return trailPage(request, reply, { text: typed, people: await findAgencyPeople(web.ctx(request), typed) });
  });

  app.get<{ Params: { id: string } }>('/audit/people/:id', async (request, reply) => {
    const a = await personAccess(web.ctx(request), request.params.id);
    return web.render(request, reply, 'audit/person.njk', {
      pageTitle: `Who looked at ${a.person.name}`, access: a, backLink: '/audit', trailHref: `/audit?personId=${a.person.id}`, csvHref: `/audit/people/${a.person.id}/access.csv`,
    });
  });

  app.get<{ Params: { id: string } }>('/audit/people/:id/access.csv', async (request, reply) => {
    const a = await personAccess(web.ctx(request), request.params.id, 'export');
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="who-looked-${a.person.id}.csv"`).send(personAccessCsv(a));
  });

  const chainPage = async (request: FastifyRequest, reply: FastifyReply, refused?: string): Promise<FastifyReply> => {
    const state = await chainState(web.ctx(request), true);
    return web.render(request, reply, 'audit/chain.njk', { pageTitle: 'The audit trail’s chain', chain: { ...state, ...chainSummary(state) }, refused, backLink: '/audit' }, refused ? 409 : 200);
  };

  app.get('/audit/chain', async (request, reply) => chainPage(request, reply));

  app.post('/audit/chain/check', async (request, reply) => {
    try {
      await checkChainNow(web.ctx(request), 'page');
    } catch (err) {
      if (err instanceof Problem && err.status === 409) return chainPage(request, reply, err.detail);
      throw err;
    }
    return reply.redirect('/audit/chain?done=chain-checked', 303);
  });
}
