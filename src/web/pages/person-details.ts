import type { FastifyReply, FastifyRequest } from 'fastify';
import { endAddress, endRelationship, listAddresses } from '../../people/details.ts';
import { addAddress, addName, addRelationship, getPerson, peopleNames, searchPeople } from '../../people/people.ts';
import { EndPeriod, NewAddress, NewName, NewRelationship, PersonSearch, RELATIONSHIP_TYPES } from '../../people/schemas.ts';
import { notFound, Problem } from '../../shared/errors.ts';
import { calendarDate, dateParts, emptyDate, FormErrors, formOf, opt, parseForm, str, todayParts, validationProblem, type DateParts } from '../forms.ts';
import { personName } from '../view.ts';
import { safely, type Web } from '../web.ts';

type IdParams = { id: string };

const NAME_USES = [
  { value: 'usual', text: 'Their usual name from now on', hint: { text: 'The name used now is kept as a previous name' } },
  { value: 'preferred', text: 'A name they prefer to be called' },
  { value: 'alias', text: 'Another name they are known by' },
  { value: 'previous', text: 'A name they used to have' },
];

const BANNERS: Record<string, string> = {
  'name-added': 'The name has been added. Earlier names are kept.',
  'address-added': 'The address has been added. An earlier address still open has ended the day before the move.',
  'address-ended': 'The address has ended. It stays in the history.',
  'relationship-ended': 'The relationship has ended. It stays in the history.',
  'relationship-added': 'The relationship has been added.',
};

/** A GOV.UK date input as a calendar date, or its error on the form. */
function dayOf(errors: FormErrors, parts: DateParts, field: string, what: string, required: boolean): string | undefined {
  const d = calendarDate(parts, what);
  if (d.error) errors.add(`${field}-day`, d.error);
  else if (!d.value && required) errors.add(`${field}-day`, `Enter ${what.toLowerCase()}`);
  return d.value;
}

/**
 * Changing a person's details: names, addresses and relationships, with the history kept (an
 * address or relationship ends on a day; a new usual name keeps the old one as previous). Only the
 * agency holding the entry: getPerson's 'shared' entries and listAddresses refuse the rest (404).
 */
export function registerPersonDetailPages(web: Web): void {
  const { app } = web;

  const detailsPage = async (request: FastifyRequest, reply: FastifyReply, values: Record<string, unknown> = {}, errors?: FormErrors): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const personId = (request.params as IdParams).id;
    const person = await getPerson(ctx, personId);
    if (person.access !== 'own') throw notFound('person');
    const addresses = await listAddresses(ctx, personId);
    const names = await peopleNames(ctx, person.relationships.map((r) => r.relatedPersonId));
    const related = person.relationships.map((r) => {
      const other = names.get(r.relatedPersonId);
      return { ...r, name: other ? personName(other) : 'Someone you cannot see' };
    });
    const done = (request.query as { done?: string } | undefined)?.done;
    const data = {
      pageTitle: 'Change a person’s details', person, name: personName(person), addresses, related, nameUses: NAME_USES, backLink: `/people/${personId}`,
      values: { movedIn: { day: '', month: '', year: '' }, relatedSince: { day: '', month: '', year: '' }, ...values }, successBanner: done ? BANNERS[done] : undefined,
      relationshipTypes: RELATIONSHIP_TYPES.map((t) => ({ value: t, text: t.replace(/_/g, ' ').replace(/^./, (x) => x.toUpperCase()) })),
    };
    return errors?.any ? web.renderErrors(request, reply, 'people/details.njk', errors, data) : web.render(request, reply, 'people/details.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: IdParams }>('/people/:id/details', async (request, reply) => detailsPage(request, reply));

  /** Runs a change; a 409 or a 422 goes back to the form, with the service's words on the field. */
  const attempt = async (errors: FormErrors, fields: Record<string, string>, fallback: string, run: () => Promise<void>): Promise<boolean> => {
    try {
      await run();
      return !errors.any;
    } catch (err) {
      if (err instanceof Problem && err.status === 409) errors.add(fallback, err.detail ?? 'This has already been done');
      else {
        const p = validationProblem(err);
        if (!p) throw err;
        errors.addProblems(p.errors, fields, fallback);
      }
      return false;
    }
  };

  app.post<{ Params: IdParams }>('/people/:id/names', async (request, reply) => {
    const f = formOf(request.body);
    const values = { nameUse: opt(f, 'nameUse'), givenNames: str(f, 'givenNames'), familyName: str(f, 'familyName') };
    const errors = new FormErrors();
    if (!values.nameUse) errors.add('nameUse', 'Select what kind of name this is');
    const ok = await attempt(errors, { '/use': 'nameUse', '/givenNames': 'givenNames', '/familyName': 'familyName' }, 'givenNames', async () => {
      const input = parseForm(NewName, { use: values.nameUse ?? 'usual', givenNames: values.givenNames, familyName: values.familyName });
      if (!errors.any) await addName(web.ctx(request), request.params.id, input);
    });
    if (ok) return reply.redirect(`/people/${request.params.id}/details?done=name-added`, 303);
    return detailsPage(request, reply, values, errors);
  });

  app.post<{ Params: IdParams }>('/people/:id/addresses', async (request, reply) => {
    const f = formOf(request.body);
    const values = { line1: str(f, 'line1'), line2: str(f, 'line2'), town: str(f, 'town'), postcode: str(f, 'postcode'), movedIn: dateParts(f, 'movedIn') };
    const errors = new FormErrors();
    const validFrom = emptyDate(values.movedIn) ? undefined : dayOf(errors, values.movedIn, 'movedIn', 'The date they moved in', false);
    const fields = { '/line1': 'line1', '/line2': 'line2', '/town': 'town', '/postcode': 'postcode', '/validFrom': 'movedIn-day' };
    const ok = await attempt(errors, fields, 'line1', async () => {
      const input = parseForm(NewAddress, {
        line1: values.line1, ...(values.line2 ? { line2: values.line2 } : {}), ...(values.town ? { town: values.town } : {}), ...(values.postcode ? { postcode: values.postcode } : {}),
        ...(validFrom ? { validFrom } : {}),
      });
      if (!errors.any) await addAddress(web.ctx(request), request.params.id, input);
    });
    if (ok) return reply.redirect(`/people/${request.params.id}/details?done=address-added`, 303);
    return detailsPage(request, reply, values, errors);
  });

  // Adding a relationship: the other person is found by name in the agency's own index (a POST, so
  // no name reaches an address), then chosen, with what they are to this person.
  const matchesFor = async (request: FastifyRequest, name: string): Promise<{ value: string; text: string }[]> => {
    const found = await searchPeople(web.ctx(request), PersonSearch.parse({ name }), { limit: 20 });
    return found.filter((x) => x.id !== (request.params as IdParams).id).map((x) => ({ value: x.id, text: personName(x) }));
  };

  app.post<{ Params: IdParams }>('/people/:id/relationships/find', async (request, reply) => {
    const relatedName = str(formOf(request.body), 'relatedName');
    const errors = new FormErrors();
    if (!relatedName) errors.add('relatedName', 'Enter the name of the person they are related to');
    const matches = relatedName ? await matchesFor(request, relatedName) : [];
    if (relatedName && !matches.length) errors.add('relatedName', 'No one in your agency’s index has that name: add them first');
    return detailsPage(request, reply, { relatedName, matches }, errors);
  });

  app.post<{ Params: IdParams }>('/people/:id/relationships', async (request, reply) => {
    const f = formOf(request.body);
    const values = { relatedName: str(f, 'relatedName'), relatedPersonId: opt(f, 'relatedPersonId'), relationshipType: opt(f, 'relationshipType'), relatedSince: dateParts(f, 'relatedSince') };
    const errors = new FormErrors();
    if (!values.relatedPersonId) errors.add('relatedPersonId', 'Select the person');
    if (!values.relationshipType) errors.add('relationshipType', 'Select what they are to this person');
    const validFrom = emptyDate(values.relatedSince) ? undefined : dayOf(errors, values.relatedSince, 'relatedSince', 'The date it started', false);
    const ok = await attempt(errors, { '/relatedPersonId': 'relatedPersonId', '/type': 'relationshipType', '/validFrom': 'relatedSince-day' }, 'relatedPersonId', async () => {
      if (errors.any) return;
      const input = parseForm(NewRelationship, { relatedPersonId: values.relatedPersonId, type: values.relationshipType, ...(validFrom ? { validFrom } : {}) });
      await addRelationship(web.ctx(request), request.params.id, input);
    });
    if (ok) return reply.redirect(`/people/${request.params.id}/details?done=relationship-added`, 303);
    return detailsPage(request, reply, { ...values, matches: values.relatedName ? await matchesFor(request, values.relatedName) : [] }, errors);
  });

  // Ending an address or a relationship: its own short page, with the day it ended.
  type EndParams = IdParams & { itemId: string };
  const kinds = {
    addresses: { title: 'End this address', question: 'When did they stop living here?', done: 'address-ended', end: endAddress },
    relationships: { title: 'End this relationship', question: 'When did it end?', done: 'relationship-ended', end: endRelationship },
  } as const;

  const endPage = async (request: FastifyRequest, reply: FastifyReply, kind: keyof typeof kinds, values?: { ended: DateParts }, errors?: FormErrors): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const { id: personId, itemId } = request.params as EndParams;
    const person = await getPerson(ctx, personId);
    if (person.access !== 'own') throw notFound('person');
    let what: string | undefined;
    if (kind === 'addresses') {
      const a = (await listAddresses(ctx, personId)).find((x) => x.id === itemId && !x.validTo);
      what = a && [a.line1, a.line2, a.town, a.postcode].filter(Boolean).join(', ');
    } else {
      const r = person.relationships.find((x) => x.id === itemId && !x.validTo);
      const other = r && (await safely(() => getPerson(ctx, r.relatedPersonId)));
      what = r && `${other ? personName(other) : 'Someone you cannot see'}: ${r.type.replace(/_/g, ' ')}`;
    }
    // Another person's item, an ended one or none at all: not found.
    if (!what) throw notFound(kind === 'addresses' ? 'address' : 'relationship');
    const data = {
      pageTitle: kinds[kind].title, title: kinds[kind].title, question: kinds[kind].question, what, name: personName(person), backLink: `/people/${personId}/details`,
      action: `/people/${personId}/${kind}/${itemId}/end`, values: values ?? { ended: todayParts(ctx.clock.now()) },
    };
    return errors?.any ? web.renderErrors(request, reply, 'people/end-period.njk', errors, data) : web.render(request, reply, 'people/end-period.njk', { ...data, errors: {}, errorList: [] });
  };

  for (const kind of Object.keys(kinds) as (keyof typeof kinds)[]) {
    app.get<{ Params: EndParams }>(`/people/:id/${kind}/:itemId/end`, async (request, reply) => endPage(request, reply, kind));
    app.post<{ Params: EndParams }>(`/people/:id/${kind}/:itemId/end`, async (request, reply) => {
      const values = { ended: dateParts(formOf(request.body), 'ended') };
      const errors = new FormErrors();
      const validTo = dayOf(errors, values.ended, 'ended', 'The date it ended', true);
      const ok = await attempt(errors, { '/validTo': 'ended-day' }, 'ended-day', async () => {
        if (errors.any) return;
        await kinds[kind].end(web.ctx(request), request.params.id, request.params.itemId, parseForm(EndPeriod, { validTo }));
      });
      if (ok) return reply.redirect(`/people/${request.params.id}/details?done=${kinds[kind].done}`, 303);
      return endPage(request, reply, kind, values, errors);
    });
  }
}
