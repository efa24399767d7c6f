import { childPlans } from '../../plans/plans.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { childSafetyCounts } from '../../process/safe-closure.ts';
import { getAgenciesInvolved } from '../../chronology/chronology.ts';
import { listConsents } from '../../consent/consent.ts';
import { createPerson, getPerson, peopleNames, searchPeople } from '../../people/people.ts';
import { NewPerson, PersonSearch, type Person } from '../../people/schemas.ts';
import { referralsAbout } from '../../process/referrals.ts';
import { listDueSteps } from '../../process/episodes.ts';
import { previousProtectionHistory } from '../../process/previous-history.ts';
import { listDecisions } from '../../sharing/sharing.ts';
import { childFlags } from '../../flags/flags.ts';
import { candidatesFor, searchCandidates } from '../../matching/candidates.ts';
import { confirmSamePerson, recordNotSamePerson } from '../../matching/decisions.ts';
import { ASK_YOUR_LEAD } from '../../matching/disclosure.ts';
import { MatchDecisionReason } from '../../matching/schemas.ts';
import { suggestionsFor } from '../../matching/suggestions.ts';
import { fieldProblems, notFound, Problem } from '../../shared/errors.ts';
import { calendarDate, dateParts, FormErrors, formOf, opt, parseForm, str, validationProblem, type FormBody } from '../forms.ts';
import { answerRow, type FormDraft } from '../drafts.ts';
import { peopleSharedWith } from '../session-info.ts';
import { earlierPlanRows } from '../earlier-plans.ts';
import { personName, ukDate } from '../view.ts';
import { registerPersonDetailPages } from './person-details.ts';
import { safely, type Web } from '../web.ts';
import { censusSummary } from './census-items.ts';

type IdParams = { id: string };

/**
 * A part of a page served by another area's service (matching, flags): if it is not available
 * (refused, or failing), the page is shown without it rather than not at all.
 */
async function optional<T>(request: FastifyRequest, load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (err) {
    if (!(err instanceof Problem)) request.log.warn({ err: { name: (err as Error).name } }, 'optional page section failed');
    return undefined;
  }
}

const PERSON_FIELDS: Record<string, string> = {
  '/kind': 'kind', '/names': 'givenNames', '/names/0/givenNames': 'givenNames', '/names/0/familyName': 'familyName',
  '/dateOfBirth': 'dob-day', '/expectedDateOfDelivery': 'edd-day', '/sex': 'sex', '/nhsNumber': 'nhsNumber',
  '/addresses/0/line1': 'line1', '/addresses/0/line2': 'line2', '/addresses/0/town': 'town', '/addresses/0/postcode': 'postcode', '/addresses': 'line1',
  '/preferredLanguage': 'preferredLanguage', '/communicationNeeds': 'communicationNeeds',
};

const PERSON_KINDS: Record<string, string> = { child: 'A child', adult: 'An adult', unborn: 'An unborn child' };
const SEXES: Record<string, string> = { female: 'Female', male: 'Male', unknown: 'Not known', not_specified: 'Not specified' };

/** Reads the "add a person" form; returns the input for NewPerson and the errors of the dates. */
function personInput(f: FormBody, now: Date, errors: FormErrors): Record<string, unknown> {
  const dob = calendarDate(dateParts(f, 'dob'), 'Date of birth');
  if (dob.error) errors.add('dob-day', dob.error);
  else if (dob.value && dob.value > now.toISOString().slice(0, 10)) errors.add('dob-day', 'Date of birth must be today or in the past');
  const edd = calendarDate(dateParts(f, 'edd'), 'Expected date of delivery');
  if (edd.error) errors.add('edd-day', edd.error);
  const line1 = opt(f, 'line1');
  return {
    kind: opt(f, 'kind'),
    names: [{ use: 'usual', givenNames: str(f, 'givenNames'), familyName: str(f, 'familyName') }],
    dateOfBirth: dob.value,
    expectedDateOfDelivery: opt(f, 'kind') === 'unborn' ? edd.value : undefined,
    sex: opt(f, 'sex') ?? 'unknown',
    nhsNumber: opt(f, 'nhsNumber'),
    addresses: line1 || opt(f, 'postcode') || opt(f, 'town') ? [{ line1: line1 ?? '', line2: opt(f, 'line2'), town: opt(f, 'town'), postcode: opt(f, 'postcode') }] : [],
    preferredLanguage: opt(f, 'preferredLanguage'),
    communicationNeeds: opt(f, 'communicationNeeds'),
  };
}

/** Find a person, add a person, a person's page, and who has shared with me. */
export function registerPeoplePages(web: Web): void {
  registerPersonDetailPages(web);
  const { app } = web;

  const findPage = (request: FastifyRequest, reply: FastifyReply, data: Record<string, unknown>, errors?: FormErrors): Promise<FastifyReply> =>
    errors?.any
      ? web.renderErrors(request, reply, 'people/find.njk', errors, { pageTitle: 'Find a person', ...data })
      : web.render(request, reply, 'people/find.njk', { pageTitle: 'Find a person', errors: {}, errorList: [], ...data });

  app.get('/people/find', async (request, reply) => findPage(request, reply, { values: {} }));

  // A search is a POST: names and dates of birth never appear in an address, a log line or browser history.
  app.post('/people/find', async (request, reply) => {
    const f = formOf(request.body);
    const values = { name: str(f, 'name'), nhsNumber: str(f, 'nhsNumber'), dob: dateParts(f, 'dob') };
    const errors = new FormErrors();
    const dob = calendarDate(values.dob, 'Date of birth');
    if (dob.error) errors.add('dob-day', dob.error);
    const parsed = PersonSearch.safeParse({ name: opt(f, 'name'), dateOfBirth: dob.value, nhsNumber: opt(f, 'nhsNumber') });
    if (!parsed.success && !errors.any) errors.addProblems(fieldProblems(parsed.error), { '/name': 'name', '/nhsNumber': 'nhsNumber', '/dateOfBirth': 'dob-day' }, 'name');
    if (errors.any || !parsed.success) return findPage(request, reply, { values }, errors);
    const ctx = web.ctx(request);
    const results = await searchPeople(ctx, parsed.data);
    // Possible same person: typo-tolerant candidates with their explanations (src/matching). Other
    // agencies' entries only for the roles with a basis, never openable from here; the notice
    // (whom to ask) is shown whatever was found.
    const words = parsed.data.name?.split(/\s+/).filter(Boolean) ?? [];
    const found = await optional(request, () => searchCandidates(ctx, {
      givenNames: words.length > 1 ? words.slice(0, -1).join(' ') : undefined, familyName: words.at(-1),
      dateOfBirth: parsed.data.dateOfBirth, nhsNumber: parsed.data.nhsNumber, minProbability: 0.2,
    }));
    const candidates = found?.candidates.filter((c) => !results.some((r) => r.id === c.personId)) ?? [];
    return findPage(request, reply, { values, results, searched: true, candidates, matchNotice: found?.notice ?? ASK_YOUR_LEAD });
  });

  const newPersonForm = (request: FastifyRequest, reply: FastifyReply, values: Record<string, unknown>, errors?: FormErrors): Promise<FastifyReply> => {
    const data = { pageTitle: 'Add a person', values, backLink: '/people/find' };
    return errors?.any ? web.renderErrors(request, reply, 'people/new.njk', errors, data) : web.render(request, reply, 'people/new.njk', { ...data, errors: {}, errorList: [] });
  };
  const formValues = (f: FormBody, draftId?: string): Record<string, unknown> => ({ ...f, dob: dateParts(f, 'dob'), edd: dateParts(f, 'edd'), draft: draftId });

  // "Change" on the check page comes back here with the answers kept in the draft.
  app.get<{ Querystring: { draft?: string } }>('/people/new', async (request, reply) => {
    const d = await web.drafts.findForm(request.query.draft, web.ctx(request).actor.practitionerId, 'person', 'new');
    if (d?.result) return reply.redirect(d.result, 303);
    return newPersonForm(request, reply, d ? formValues(d.values, d.id) : { kind: 'child' });
  });

  app.post('/people/new', async (request, reply) => {
    const ctx = web.ctx(request);
    const f = formOf(request.body);
    const errors = new FormErrors();
    const parsed = NewPerson.safeParse(personInput(f, ctx.clock.now(), errors));
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), PERSON_FIELDS, 'givenNames');
    const known = await web.drafts.findForm(str(f, 'draft'), ctx.actor.practitionerId, 'person', 'new');
    if (errors.any) return newPersonForm(request, reply, formValues(f, known?.id), errors);
    const d = await web.drafts.keepForm(known, ctx.actor.practitionerId, 'person', 'new', { ...f, _csrf: undefined, draft: undefined });
    return reply.redirect(`/people/new/${d.id}`, 303);
  });

  const personCheck = (request: FastifyRequest, reply: FastifyReply, d: FormDraft, errors?: FormErrors): Promise<FastifyReply> => {
    const f = d.values;
    const change = (field: string): string => `/people/new?draft=${d.id}#${field}`;
    const dob = calendarDate(dateParts(f, 'dob'), 'Date of birth').value;
    const edd = calendarDate(dateParts(f, 'edd'), 'Expected date of delivery').value;
    const unborn = str(f, 'kind') === 'unborn';
    const rows = [
      answerRow('Who', PERSON_KINDS[str(f, 'kind')] ?? str(f, 'kind'), change('kind')),
      answerRow('Given names', str(f, 'givenNames'), change('givenNames')),
      answerRow('Family name', str(f, 'familyName'), change('familyName')),
      ...(unborn ? [answerRow('Expected date of delivery', edd ? ukDate(edd) : '', change('edd-day'))] : []),
      answerRow('Date of birth', dob ? ukDate(dob) : 'Not known', change('dob-day')),
      answerRow('Sex', SEXES[str(f, 'sex') || 'unknown'] ?? str(f, 'sex'), change('sex')),
      answerRow('NHS number', str(f, 'nhsNumber') || 'Not known', change('nhsNumber')),
      answerRow('Address', ['line1', 'line2', 'town', 'postcode'].map((k) => str(f, k)).filter(Boolean).join('\n') || 'Not recorded', change('line1')),
      answerRow('Preferred language', str(f, 'preferredLanguage') || 'Not recorded', change('preferredLanguage')),
      answerRow('Communication needs', str(f, 'communicationNeeds') || 'None recorded', change('communicationNeeds')),
    ];
    const data = { pageTitle: 'Check the details before adding the person', draft: d, rows, backLink: change('kind') };
    return errors?.any ? web.renderErrors(request, reply, 'people/check.njk', errors, data) : web.render(request, reply, 'people/check.njk', { ...data, errors: {}, errorList: [] });
  };

  const personDraft = async (request: FastifyRequest, id: string): Promise<FormDraft> => {
    const d = await web.drafts.findForm(id, web.ctx(request).actor.practitionerId, 'person', 'new');
    if (!d) throw notFound('draft');
    return d;
  };

  app.get<{ Params: { draft: string } }>('/people/new/:draft', async (request, reply) => {
    const d = await personDraft(request, request.params.draft);
    if (d.result) return reply.redirect(d.result, 303);
    return personCheck(request, reply, d);
  });

  app.post<{ Params: { draft: string } }>('/people/new/:draft', async (request, reply) => {
    const ctx = web.ctx(request);
    const d = await personDraft(request, request.params.draft);
    if (d.result) return reply.redirect(d.result, 303);
    const errors = new FormErrors();
    const parsed = NewPerson.safeParse(personInput(d.values, ctx.clock.now(), errors));
    // The answers were checked before this page; anything wrong now goes back to the form.
    if (errors.any || !parsed.success) return reply.redirect(`/people/new?draft=${d.id}`, 303);
    try {
      const href = await web.drafts.submitOnce(d, async () => `/people/${(await createPerson(ctx, parsed.data)).id}?done=person-added`);
      return reply.redirect(href, 303);
    } catch (err) {
      const p = validationProblem(err);
      if (!p) throw err;
      for (const x of p.errors) {
        const field = PERSON_FIELDS[x.pointer] ?? 'givenNames';
        errors.add(field, x.detail, `/people/new?draft=${d.id}#${field}`);
      }
      if (!errors.any) errors.add('givenNames', p.detail ?? 'The person could not be added', `/people/new?draft=${d.id}#givenNames`);
      return personCheck(request, reply, d, errors);
    }
  });

  app.get<{ Params: IdParams }>('/people/:id', async (request, reply) => {
    // A page changes nothing: the dozen services below share what each has read (the person, their links).
    const ctx = web.ctx(request);
    const person = await getPerson(ctx, request.params.id, { forPersonPage: true });
    const own = person.access === 'own';
    const names = await peopleNames(ctx, person.relationships.map((r) => r.relatedPersonId));
    const related = person.relationships.map((r) => {
      const other = names.get(r.relatedPersonId);
      return { id: r.relatedPersonId, type: r.type, name: other ? personName(other) : 'Someone you cannot see', validFrom: r.validFrom, validTo: r.validTo };
    });
    const involved = await safely(() => getAgenciesInvolved(ctx, person.id));
    const consents = own ? await safely(() => listConsents(ctx, person.id)) : undefined;
    const decisions = own ? await safely(() => listDecisions(ctx, person.id)) : undefined;
    // This person's referrals and due steps only: never the agency's whole queues, filtered here.
    const referrals = own ? await safely(() => referralsAbout(ctx, person.id)) : undefined;
    const outgoing = referrals?.outgoing;
    const incoming = referrals?.incoming;
    const steps = own ? await safely(() => listDueSteps(ctx, { childPersonId: person.id })) : undefined;
    const episodes = [...new Set([...(steps ?? []).map((s) => s.episodeId), ...(incoming ?? []).flatMap((r) => (r.episodeId ? [r.episodeId] : []))])];
    const flags = (await optional(request, () => childFlags(ctx, person.id, { accessHistory: false })))?.flags.filter((f) => f.status === 'active');
    // Issue 18: a plan this agency reads, through this entry or one linked to it as the same child.
    const plans = own && person.kind !== 'adult' ? await safely(() => childPlans(ctx, person.id)) : undefined;
    // Issue 21: how many possible same-person entries were found when this or another entry was last
    // written (suggestions.ts), not the matcher run on every view; the list is on the candidates page.
    const suggestions = own ? await optional(request, () => suggestionsFor(ctx, person.id)) : undefined;
    const safety = own && person.kind !== 'adult' ? await safely(() => childSafetyCounts(ctx, person.id)) : undefined;
    // Issue 17: earlier child protection plans, for children's social care's casework staff.
    const me = await web.me(request);
    const earlier = own && me?.agencyType === 'childrens_social_care' ? await earlierPlanRows(ctx, await safely(() => previousProtectionHistory(ctx, person.id)), me.agencyName) : undefined;
    // Issue 20: the child's census items, for children's social care (the card links to where they are changed).
    const census = own && me?.agencyType === 'childrens_social_care' && person.kind !== 'adult' ? await censusSummary(ctx, person.id) : undefined;
    return web.render(request, reply, 'people/person.njk', {
      pageTitle: 'A person’s page', person, own, name: personName(person), related, involved, consents, decisions, referrals: [...(outgoing ?? []), ...(incoming ?? [])], episodes,
      flags, plans, safety, earlier, census, suggestions, matchesFound: suggestions ? suggestions.yourAgency + (suggestions.otherAgencies ?? 0) : 0,
      // Someone told nothing of other agencies' entries is told whom to ask, as on the candidates page.
      matchNotice: suggestions && suggestions.otherAgencies === undefined ? ASK_YOUR_LEAD : undefined, errors: {}, errorList: [],
    });
  });

  // A possible same person: confirmed (a same-person link) or recorded as not the same, with the reason.
  app.post<{ Params: { id: string; otherId: string; verdict: string } }>('/people/:id/candidates/:otherId/:verdict', async (request, reply) => {
    const ctx = web.ctx(request);
    const given = str(formOf(request.body), 'reason') || (request.params.verdict === 'same' ? 'Confirmed from the match explanation' : 'Recorded as not the same person');
    // The API's schema for the reason; a refusal is shown on the error page with the field's message.
    const { reason } = parseForm(MatchDecisionReason, { reason: given });
    // `otherId` is the candidate's reference: another agency's entry is never named by its id here.
    let done = 'match-recorded';
    if (request.params.verdict === 'same') {
      if ((await confirmSamePerson(ctx, request.params.id, request.params.otherId, { reason })).outcome === 'requested') done = 'match-requested';
    } else if (request.params.verdict === 'not-same') await recordNotSamePerson(ctx, request.params.id, request.params.otherId, reason);
    else throw notFound('page');
    return reply.redirect(`/people/${request.params.id}/candidates?done=${done}`, 303);
  });

  // The possible same-person entries themselves, worked out now (the person page gives their count):
  // each with its explanation, what may be said of the agency holding it, and the decisions.
  app.get<{ Params: IdParams }>('/people/:id/candidates', async (request, reply) => {
    const ctx = web.ctx(request);
    const person = await getPerson(ctx, request.params.id);
    if (person.access !== 'own') throw notFound('person');
    const found = await candidatesFor(ctx, person.id);
    return web.render(request, reply, 'people/candidates.njk', {
      pageTitle: 'Possible same person', person, name: personName(person), candidates: found.candidates, matchNotice: found.notice, backLink: `/people/${person.id}`,
    });
  });

  app.get('/shared-with-me', async (request, reply) => {
    const ctx = web.ctx(request);
    const shared = await peopleSharedWith(ctx.db, ctx.actor.agencyId, ctx.actor.practitionerId, ctx.clock.now());
    const people: { person: Person; name: string; sharedAt: string; sharedByAgencyName: string }[] = [];
    for (const s of shared) {
      const person = await safely(() => getPerson(ctx, s.personId));
      if (person) people.push({ person, name: personName(person), sharedAt: s.sharedAt, sharedByAgencyName: s.sharedByAgencyName });
    }
    return web.render(request, reply, 'people/shared.njk', { pageTitle: 'Shared with you', people });
  });
}
