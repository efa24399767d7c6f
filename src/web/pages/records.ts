import type { FastifyReply, FastifyRequest } from 'fastify';
import { getPerson } from '../../people/people.ts';
import { getLeadAlertSettings } from '../../records/lead-alerts.ts';
import { addRecord, correctRecord, getRecord, getRecordAccessHistory, getRecordHistory } from '../../records/records.ts';
import { CATEGORIES, Correction, NewRecord, OUTCOMES_BY_KIND, RECORD_KINDS, SENSITIVE_CATEGORIES } from '../../records/schemas.ts';
import { fieldProblems, notFound, Problem } from '../../shared/errors.ts';
import { calendarDate, dateParts, FormErrors, formOf, list, londonInstant, nowTime, opt, parseForm, str, todayParts, validationProblem, yesNo, type FormBody } from '../forms.ts';
import { personName } from '../view.ts';
import { safely, type Web } from '../web.ts';

type IdParams = { id: string };

const RECORD_FIELDS: Record<string, string> = {
  '/kind': 'kind', '/occurredAt': 'occurred-day', '/categories': 'categories', '/factOrOpinion': 'factOrOpinion',
  '/reportedOrWitnessed': 'reportedOrWitnessed', '/source/type': 'sourceType', '/source/description': 'sourceDescription', '/source': 'sourceType',
  '/confidential': 'confidential', '/sensitiveCategories': 'sensitiveCategories', '/summary': 'summary', '/details': 'details',
  '/childsWords': 'childsWords', '/outcome': 'kind', '/restricted': 'restricted', '/tellLead': 'tellLead',
};

/** The choices the record form offers, with the words practitioners use. */
const choices = {
  kinds: RECORD_KINDS.map((k) => ({ value: k, text: { concern: 'A concern', observation: 'An observation', contact: 'A contact or conversation', home_visit: 'A home visit', appointment: 'An appointment', hospital_attendance: 'A hospital attendance', incident: 'An incident' }[k] })),
  categories: CATEGORIES.map((c) => ({ value: c, text: c.replace(/_/g, ' ').replace(/^./, (x) => x.toUpperCase()) })),
  sensitive: SENSITIVE_CATEGORIES.map((c) => ({ value: c, text: c.replace(/_/g, ' ').replace(/^./, (x) => x.toUpperCase()) })),
  homeVisitOutcomes: (OUTCOMES_BY_KIND.home_visit ?? []).map((o) => ({ value: o, text: { seen: 'Child seen', seen_child_not_seen: 'Family seen, child not seen', no_access: 'No access' }[o] ?? o })),
  appointmentOutcomes: (OUTCOMES_BY_KIND.appointment ?? []).map((o) => ({ value: o, text: { attended: 'Attended', not_brought: 'Not brought', cancelled_by_family: 'Cancelled by the family', cancelled_by_agency: 'Cancelled by us' }[o] ?? o })),
  sources: [
    { value: 'practitioner', text: 'Me or a colleague' }, { value: 'child', text: 'The child' }, { value: 'parent_or_carer', text: 'A parent or carer' },
    { value: 'family_member', text: 'Another family member' }, { value: 'other_professional', text: 'Another professional' },
    { value: 'member_of_public', text: 'A member of the public' }, { value: 'anonymous', text: 'Anonymous' }, { value: 'other', text: 'Someone else' },
  ],
};

function recordValues(f: FormBody): Record<string, unknown> {
  return {
    ...f,
    occurred: dateParts(f, 'occurred'),
    categories: list(f, 'categories'),
    sensitiveCategories: list(f, 'sensitiveCategories'),
    identityProtected: list(f, 'identityProtected'),
    restricted: list(f, 'restricted'),
    tellLead: list(f, 'tellLead'),
  };
}

/** "Your agency always tells the lead of …": the agency's own setting, in words, for the form's hint. */
async function leadAlwaysText(web: Web, request: FastifyRequest): Promise<string> {
  const ctx = web.ctx(request);
  const s = await safely(() => getLeadAlertSettings(ctx, ctx.actor.agencyId));
  const what = [...(s?.kinds ?? []).map((k) => choices.kinds.find((c) => c.value === k)?.text.toLowerCase() ?? k), ...(s?.categories ?? []).map((c) => `anything about ${c.replace(/_/g, ' ')}`)];
  return what.length ? `Your agency always tells the lead of ${what.join(', ')}.` : '';
}

/** Record a concern or other record, read one, and see who has viewed it. */
export function registerRecordPages(web: Web): void {
  const { app } = web;

  app.get<{ Params: IdParams }>('/people/:id/records/new', async (request, reply) => {
    const ctx = web.ctx(request);
    const person = await getPerson(ctx, request.params.id);
    const now = ctx.clock.now();
    return web.render(request, reply, 'records/new.njk', {
      pageTitle: 'Record a concern or other record', person, name: personName(person), choices, errors: {}, errorList: [], backLink: `/people/${person.id}`,
      values: { kind: 'concern', occurred: todayParts(now), occurredTime: nowTime(now), categories: [], sensitiveCategories: [], tellLead: [] }, leadAlwaysText: await leadAlwaysText(web, request),
    });
  });

  app.post<{ Params: IdParams }>('/people/:id/records/new', async (request, reply) => {
    const ctx = web.ctx(request);
    // The person is read only to show the form again: adding the record checks that they are in reach
    // (addRecord refuses anyone out of reach as not found, as reading them would), and a record that
    // is added goes straight to the chronology (issue 21: a fifth of the partnership's requests).
    const personId = request.params.id;
    const f = formOf(request.body);
    const errors = new FormErrors();
    const kind = opt(f, 'kind');
    const day = calendarDate(dateParts(f, 'occurred'), 'The date it happened');
    let occurredAt: string | undefined;
    if (!day.value && !day.error) errors.add('occurred-day', 'Enter the date it happened');
    else if (day.error) errors.add('occurred-day', day.error);
    else {
      const at = londonInstant(day.value!, str(f, 'occurredTime') || '12:00');
      if (at.error) errors.add('occurredTime', at.error);
      else if (new Date(at.value!).getTime() > ctx.clock.now().getTime() + 5 * 60_000) errors.add('occurred-day', 'The date it happened must be today or in the past');
      else occurredAt = at.value;
    }
    const confidential = yesNo(f, 'confidential');
    const input = {
      kind,
      occurredAt: occurredAt ?? '',
      categories: list(f, 'categories'),
      factOrOpinion: opt(f, 'factOrOpinion'),
      reportedOrWitnessed: opt(f, 'reportedOrWitnessed'),
      source: { type: opt(f, 'sourceType'), description: opt(f, 'sourceDescription'), identityProtected: list(f, 'identityProtected').includes('yes') },
      confidential,
      sensitiveCategories: list(f, 'sensitiveCategories'),
      summary: str(f, 'summary'),
      details: opt(f, 'details'),
      childsWords: opt(f, 'childsWords'),
      outcome: kind === 'home_visit' ? opt(f, 'outcomeHomeVisit') : kind === 'appointment' ? opt(f, 'outcomeAppointment') : undefined,
      restricted: list(f, 'restricted').includes('yes'),
      tellLead: list(f, 'tellLead').includes('yes'),
    };
    const parsed = NewRecord.safeParse(input);
    if (!parsed.success) {
      const problems = fieldProblems(parsed.error).filter((p) => !(p.pointer === '/occurredAt' && errors.byField['occurred-day']));
      errors.addProblems(problems.map((p) => (p.pointer === '/confidential' ? { ...p, detail: 'Say whether the information is confidential' }
        : p.pointer === '/factOrOpinion' ? { ...p, detail: 'Say whether this is fact or opinion' }
        : p.pointer === '/reportedOrWitnessed' ? { ...p, detail: 'Say whether you saw it or were told it' }
        : p.pointer === '/kind' ? { ...p, detail: 'Choose what kind of record this is' }
        : p.pointer.startsWith('/source/type') ? { ...p, detail: 'Say where the information came from' }
        : p.pointer === '/occurredAt' ? { ...p, detail: 'Enter the date it happened' } : p)), RECORD_FIELDS, 'summary');
    }
    if (!errors.any && parsed.success) {
      try {
        const added = await addRecord(ctx, personId, parsed.data);
        return reply.redirect(`/people/${added.personId}/chronology?done=${added.leadAlerted ? 'record-added-lead-told' : 'record-added'}`, 303);
      } catch (err) {
        const p = validationProblem(err);
        if (!p) throw err;
        errors.addProblems(p.errors, RECORD_FIELDS, 'summary');
      }
    }
    const person = await getPerson(ctx, personId);
    return web.renderErrors(request, reply, 'records/new.njk', errors, {
      pageTitle: 'Record a concern or other record', person, name: personName(person), choices, values: recordValues(f), backLink: `/people/${person.id}`,
      leadAlwaysText: await leadAlwaysText(web, request),
    });
  });

  app.get<{ Params: IdParams }>('/records/:id', async (request, reply) => {
    const ctx = web.ctx(request);
    const record = await getRecord(ctx, request.params.id);
    const own = record.agencyId === ctx.actor.agencyId;
    const versions = own ? await safely(() => getRecordHistory(ctx, record.id)) : undefined;
    const corrected = (request.query as { done?: string } | undefined)?.done === 'record-corrected';
    return web.render(request, reply, 'records/record.njk', {
      pageTitle: 'A record', record, own, versions, backLink: `/people/${record.personId}/chronology`,
      successBanner: corrected ? `The record has been corrected. This is version ${record.version}; the earlier versions are kept below.` : undefined,
    });
  });

  // Correcting: only the agency that wrote the record may (correctRecord decides); to anyone else the form does not exist.
  const correctionPage = async (request: FastifyRequest, reply: FastifyReply, values?: Record<string, unknown>, errors?: FormErrors, changedSince = false): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const record = await getRecord(ctx, (request.params as IdParams).id);
    if (record.agencyId !== ctx.actor.agencyId) throw notFound('record');
    const person = await safely(() => getPerson(ctx, record.personId));
    const at = new Date(record.occurredAt);
    const data = {
      pageTitle: 'Correct this record', record, name: person ? personName(person) : '', choices, backLink: `/records/${record.id}`, changedSince,
      // After a clash the form corrects the version now current: what was typed is kept, and the clash said.
      baseVersion: record.version,
      values: values ?? {
        summary: record.summary, occurred: todayParts(at), occurredTime: nowTime(at), details: record.details ?? '', childsWords: record.childsWords ?? '',
        categories: record.categories, factOrOpinion: record.factOrOpinion, reportedOrWitnessed: record.reportedOrWitnessed,
      },
    };
    return errors?.any ? web.renderErrors(request, reply, 'records/correct.njk', errors, data) : web.render(request, reply, 'records/correct.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: IdParams }>('/records/:id/correct', async (request, reply) => correctionPage(request, reply));

  app.post<{ Params: IdParams }>('/records/:id/correct', async (request, reply) => {
    const ctx = web.ctx(request);
    const f = formOf(request.body);
    const values = {
      summary: str(f, 'summary'), occurred: dateParts(f, 'occurred'), occurredTime: str(f, 'occurredTime'), details: str(f, 'details'), childsWords: str(f, 'childsWords'),
      categories: list(f, 'categories'), factOrOpinion: opt(f, 'factOrOpinion'), reportedOrWitnessed: opt(f, 'reportedOrWitnessed'), correctionReason: str(f, 'correctionReason'),
    };
    const errors = new FormErrors();
    const day = calendarDate(values.occurred, 'The date it happened');
    let occurredAt: string | undefined;
    if (!day.value && !day.error) errors.add('occurred-day', 'Enter the date it happened');
    else if (day.error) errors.add('occurred-day', day.error);
    else {
      const at = londonInstant(day.value!, values.occurredTime || '12:00');
      if (at.error) errors.add('occurredTime', at.error);
      else if (new Date(at.value!).getTime() > ctx.clock.now().getTime() + 5 * 60_000) errors.add('occurred-day', 'The date it happened must be today or in the past');
      else occurredAt = at.value;
    }
    try {
      const input = parseForm(Correction, {
        baseVersion: Number(str(f, 'baseVersion')) || 0, correctionReason: values.correctionReason, summary: values.summary,
        ...(occurredAt ? { occurredAt } : {}), categories: values.categories, factOrOpinion: values.factOrOpinion, reportedOrWitnessed: values.reportedOrWitnessed,
        ...(values.details ? { details: values.details } : {}), ...(values.childsWords ? { childsWords: values.childsWords } : {}),
      });
      if (!errors.any) {
        await correctRecord(ctx, request.params.id, input);
        return reply.redirect(`/records/${request.params.id}?done=record-corrected`, 303);
      }
    } catch (err) {
      if (err instanceof Problem && err.status === 409) {
        errors.add('baseVersion', 'Someone corrected this record while you were writing. Check what it says now, then save your correction again.', '#now-says');
        return correctionPage(request, reply, values, errors, true);
      }
      const p = validationProblem(err);
      if (!p) throw err;
      errors.addProblems(p.errors.map((x) => (x.pointer === '/factOrOpinion' ? { ...x, detail: 'Say whether this is fact or opinion' }
        : x.pointer === '/reportedOrWitnessed' ? { ...x, detail: 'Say whether you saw it or were told it' } : x)), { ...RECORD_FIELDS, '/correctionReason': 'correctionReason', '/baseVersion': 'summary' }, 'summary');
    }
    return correctionPage(request, reply, values, errors);
  });

  app.get<{ Params: IdParams }>('/records/:id/access-history', async (request, reply) => {
    const ctx = web.ctx(request);
    const history = await getRecordAccessHistory(ctx, request.params.id);
    return web.render(request, reply, 'records/access-history.njk', { pageTitle: 'Who has viewed this record', history, recordId: request.params.id, backLink: `/records/${request.params.id}` });
  });
}
