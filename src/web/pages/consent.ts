import type { FastifyReply, FastifyRequest } from 'fastify';
import { getConsent, recordConsent, withdrawConsent } from '../../consent/consent.ts';
import { NewConsent, Withdrawal } from '../../consent/schemas.ts';
import { listAgencies } from '../../partnership/partnership.ts';
import { getPerson } from '../../people/people.ts';
import { fieldProblems, notFound } from '../../shared/errors.ts';
import { PURPOSE_LABELS } from '../../sharing/purposes.ts';
import { calendarDate, dateParts, FormErrors, formOf, list, londonInstant, nowTime, opt, str, todayParts, validationProblem, type FormBody } from '../forms.ts';
import { answerRow, type FormDraft } from '../drafts.ts';
import { personName, ukDateTime } from '../view.ts';
import { safely, type Web } from '../web.ts';
import { LABELS } from './share-model.ts';

type IdParams = { id: string };
type DraftParams = { id: string; draft: string };

const CONSENT_FIELDS: Record<string, string> = {
  '/purposeCode': 'purposeCode', '/purpose': 'purpose', '/recipientAgencyIds': 'recipientAgencyIds', '/recipientPractitionerIds': 'recipientAgencyIds',
  '/decision': 'decision', '/form': 'form', '/documentReference': 'documentReference', '/impliedBy': 'impliedBy',
  '/givenBy/personId': 'parentId', '/givenBy/careOrder': 'careOrder', '/givenBy/bestInterests/capacityAssessment': 'capacityAssessment',
  '/givenBy/bestInterests/decisionMaker': 'decisionMaker', '/givenBy/bestInterests/reasons': 'bestInterestsReasons', '/givenBy/competence/notes': 'competenceNotes',
  '/givenBy/competence': 'competence', '/givenBy': 'capacity', '/obtainedAt': 'obtained-day',
};

const CRITERIA = [
  { value: 'understandsTheQuestion', text: 'Understands the question being asked' },
  { value: 'understandsWhatWhyAndImplications', text: 'Understands what will be shared, why, and what may follow' },
  { value: 'weighsTheAlternatives', text: 'Can weigh the alternatives' },
  { value: 'expressesOwnClearView', text: 'Can express a clear view of their own' },
  { value: 'isReasonablyConsistent', text: 'Is reasonably consistent in their view' },
];

function consentInput(f: FormBody, obtainedAt: string | undefined): Record<string, unknown> {
  const capacity = opt(f, 'capacity');
  const criteria = list(f, 'competence');
  const givenBy = capacity === 'self'
    ? { capacity, ...(criteria.length || opt(f, 'competenceNotes') ? { competence: { ...Object.fromEntries(CRITERIA.map((c) => [c.value, criteria.includes(c.value)])), fraserGuidelinesApplied: criteria.includes('fraser'), notes: str(f, 'competenceNotes') } } : {}) }
    : capacity === 'parental_responsibility' ? { capacity, personId: opt(f, 'parentId') }
    : capacity === 'local_authority' ? { capacity, careOrder: str(f, 'careOrder') }
    : capacity === 'best_interests' ? { capacity, bestInterests: { capacityAssessment: str(f, 'capacityAssessment'), decisionMaker: str(f, 'decisionMaker'), reasons: str(f, 'bestInterestsReasons') } }
    : undefined;
  return {
    purposeCode: opt(f, 'purposeCode'), purpose: str(f, 'purpose'), recipientAgencyIds: list(f, 'recipientAgencyIds'), recipientPractitionerIds: [],
    decision: opt(f, 'decision'), form: opt(f, 'form'), documentReference: opt(f, 'documentReference'), impliedBy: opt(f, 'impliedBy'),
    givenBy, obtainedAt: obtainedAt ?? '',
  };
}

const CAPACITIES: Record<string, string> = {
  self: 'The person themself', parental_responsibility: 'Someone with parental responsibility',
  local_authority: 'The local authority, under a care order', best_interests: 'A best-interests decision (adult lacking capacity)',
};
const FORMS: Record<string, string> = { explicit_verbal: 'Explicitly, in words', explicit_written: 'Explicitly, in writing', implicit: 'Implicitly' };

/** Reads the consent form: the errors found here, and the input the service takes when there are none. */
function readConsent(f: FormBody, now: Date): { errors: FormErrors; parsed?: ReturnType<typeof NewConsent.safeParse>; obtainedAt?: string | undefined } {
  const errors = new FormErrors();
  const day = calendarDate(dateParts(f, 'obtained'), 'The date');
  let obtainedAt: string | undefined;
  if (!day.value && !day.error) errors.add('obtained-day', 'Enter the date consent was given or refused');
  else if (day.error) errors.add('obtained-day', day.error);
  else {
    const at = londonInstant(day.value!, str(f, 'obtainedTime') || '12:00');
    if (at.error) errors.add('obtainedTime', at.error);
    else if (new Date(at.value!).getTime() > now.getTime() + 5 * 60_000) errors.add('obtained-day', 'The date must be today or in the past');
    else obtainedAt = at.value;
  }
  const parsed = NewConsent.safeParse(consentInput(f, obtainedAt));
  if (!parsed.success) errors.addProblems(fieldProblems(parsed.error).filter((p) => !(p.pointer === '/obtainedAt' && errors.byField['obtained-day'])), CONSENT_FIELDS, 'purpose');
  return { errors, parsed, obtainedAt };
}

/** Consent: record it (given or refused), view it, withdraw it. */
export function registerConsentPages(web: Web): void {
  const { app } = web;

  const renderForm = async (request: FastifyRequest, reply: FastifyReply, personId: string, values: Record<string, unknown>, errors?: FormErrors): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const person = await getPerson(ctx, personId);
    const agencies = (await listAgencies(ctx)).filter((a) => a.id !== ctx.actor.agencyId).map((a) => ({ value: a.id, text: a.name }));
    const parents: { value: string; text: string }[] = [];
    for (const r of person.relationships.filter((x) => x.type === 'parental_responsibility')) {
      const p = await safely(() => getPerson(ctx, r.relatedPersonId));
      if (p) parents.push({ value: p.id, text: personName(p) });
    }
    const data = { pageTitle: 'Record consent', person, name: personName(person), agencies, parents, criteria: [...CRITERIA, { value: 'fraser', text: 'Fraser guidelines applied' }], labels: LABELS, values, backLink: `/people/${personId}` };
    return errors?.any ? web.renderErrors(request, reply, 'consent/new.njk', errors, data) : web.render(request, reply, 'consent/new.njk', { ...data, errors: {}, errorList: [] });
  };

  const formValues = (f: FormBody, draftId?: string): Record<string, unknown> =>
    ({ ...f, obtained: dateParts(f, 'obtained'), recipientAgencyIds: list(f, 'recipientAgencyIds'), competence: list(f, 'competence'), draft: draftId });

  // "Change" on the check page comes back here with the answers kept in the draft.
  app.get<{ Params: IdParams; Querystring: { draft?: string } }>('/people/:id/consents/new', async (request, reply) => {
    const ctx = web.ctx(request);
    const d = await web.drafts.findForm(request.query.draft, ctx.actor.practitionerId, 'consent', request.params.id);
    if (d?.result) return reply.redirect(d.result, 303);
    const now = ctx.clock.now();
    return renderForm(request, reply, request.params.id, d ? formValues(d.values, d.id) : { obtained: todayParts(now), obtainedTime: nowTime(now), recipientAgencyIds: [], competence: [] });
  });

  app.post<{ Params: IdParams }>('/people/:id/consents/new', async (request, reply) => {
    const ctx = web.ctx(request);
    const f = formOf(request.body);
    const { errors } = readConsent(f, ctx.clock.now());
    const known = await web.drafts.findForm(str(f, 'draft'), ctx.actor.practitionerId, 'consent', request.params.id);
    if (errors.any) return renderForm(request, reply, request.params.id, formValues(f, known?.id), errors);
    const d = await web.drafts.keepForm(known, ctx.actor.practitionerId, 'consent', request.params.id, { ...f, _csrf: undefined, draft: undefined });
    return reply.redirect(`/people/${request.params.id}/consents/new/${d.id}`, 303);
  });

  const consentDraft = async (request: FastifyRequest<{ Params: DraftParams }>): Promise<FormDraft> => {
    const d = await web.drafts.findForm(request.params.draft, web.ctx(request).actor.practitionerId, 'consent', request.params.id);
    if (!d) throw notFound('draft');
    return d;
  };

  const checkPage = async (request: FastifyRequest<{ Params: DraftParams }>, reply: FastifyReply, d: FormDraft, errors?: FormErrors): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const personId = request.params.id;
    const f = d.values;
    const person = await getPerson(ctx, personId);
    const change = (field: string): string => `/people/${personId}/consents/new?draft=${d.id}#${field}`;
    const agencies = await listAgencies(ctx);
    const recipients = list(f, 'recipientAgencyIds').map((id) => agencies.find((a) => a.id === id)?.name ?? id);
    const capacity = str(f, 'capacity');
    let who = CAPACITIES[capacity] ?? capacity;
    if (capacity === 'parental_responsibility') {
      const parent = opt(f, 'parentId') ? await safely(() => getPerson(ctx, opt(f, 'parentId')!)) : undefined;
      if (parent) who += `: ${personName(parent)}`;
    } else if (capacity === 'local_authority') who += `: care order ${str(f, 'careOrder')}`;
    else if (capacity === 'best_interests') who += `\nCapacity assessment: ${str(f, 'capacityAssessment')}\nDecided by: ${str(f, 'decisionMaker')}\nReasons: ${str(f, 'bestInterestsReasons')}`;
    else if (capacity === 'self' && (list(f, 'competence').length || opt(f, 'competenceNotes'))) {
      const all = [...CRITERIA, { value: 'fraser', text: 'Fraser guidelines applied' }];
      who += `\n${list(f, 'competence').map((c) => all.find((x) => x.value === c)?.text ?? c).join('\n')}${opt(f, 'competenceNotes') ? `\n${str(f, 'competenceNotes')}` : ''}`;
    }
    const form = str(f, 'form');
    const how = (FORMS[form] ?? form) + (form === 'explicit_written' ? `: kept at ${str(f, 'documentReference')}` : form === 'implicit' ? `: ${str(f, 'impliedBy')}` : '');
    const { obtainedAt } = readConsent(f, ctx.clock.now());
    const rows = [
      answerRow('Given or refused', str(f, 'decision') === 'given' ? 'Given' : 'Refused', change('decision')),
      answerRow('Purpose', PURPOSE_LABELS[str(f, 'purposeCode') as keyof typeof PURPOSE_LABELS] ?? str(f, 'purposeCode'), change('purposeCode')),
      answerRow('The purpose, as explained to them', str(f, 'purpose'), change('purpose')),
      answerRow('With whom it may be shared', recipients.length ? recipients : 'No one named', change('recipientAgencyIds')),
      answerRow('How', how, change('form')),
      answerRow('Who gave or refused it', who, change('capacity')),
      answerRow('When', obtainedAt ? ukDateTime(obtainedAt) : '', change('obtained-day')),
    ];
    const data = { pageTitle: 'Check the consent before recording it', person, name: personName(person), draft: d, rows, backLink: change('decision') };
    return errors?.any ? web.renderErrors(request, reply, 'consent/check.njk', errors, data) : web.render(request, reply, 'consent/check.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: DraftParams }>('/people/:id/consents/new/:draft', async (request, reply) => {
    const d = await consentDraft(request);
    if (d.result) return reply.redirect(d.result, 303);
    return checkPage(request, reply, d);
  });

  app.post<{ Params: DraftParams }>('/people/:id/consents/new/:draft', async (request, reply) => {
    const ctx = web.ctx(request);
    const d = await consentDraft(request);
    if (d.result) return reply.redirect(d.result, 303);
    const { errors, parsed } = readConsent(d.values, ctx.clock.now());
    // Checked before this page; anything wrong now (time has passed) goes back to the form.
    if (errors.any || !parsed?.success) return reply.redirect(`/people/${request.params.id}/consents/new?draft=${d.id}`, 303);
    try {
      const href = await web.drafts.submitOnce(d, async () => {
        await recordConsent(ctx, request.params.id, parsed.data);
        return `/people/${request.params.id}?done=consent-recorded`;
      });
      return reply.redirect(href, 303);
    } catch (err) {
      const p = validationProblem(err);
      if (!p) throw err;
      const e = new FormErrors();
      e.addProblems(p.errors, CONSENT_FIELDS, 'capacity');
      const linked = new FormErrors();
      for (const x of e.list) linked.add(x.href.slice(1), x.text, `/people/${request.params.id}/consents/new?draft=${d.id}${x.href}`);
      if (!linked.any) linked.add('capacity', p.detail ?? 'The consent could not be recorded', `/people/${request.params.id}/consents/new?draft=${d.id}#capacity`);
      return checkPage(request, reply, d, linked);
    }
  });

  const consentPage = async (request: FastifyRequest, reply: FastifyReply, id: string, errors?: FormErrors, values: Record<string, unknown> = {}): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const consent = await getConsent(ctx, id);
    const agencies = await listAgencies(ctx);
    const data = {
      pageTitle: 'Consent', consent, purposeLabel: PURPOSE_LABELS[consent.purposeCode], values, backLink: `/people/${consent.personId}`,
      recipients: agencies.filter((a) => consent.recipientAgencyIds.includes(a.id)).map((a) => a.name).join(', '),
    };
    return errors?.any ? web.renderErrors(request, reply, 'consent/consent.njk', errors, data) : web.render(request, reply, 'consent/consent.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: IdParams }>('/consents/:id', async (request, reply) => consentPage(request, reply, request.params.id));

  app.post<{ Params: IdParams }>('/consents/:id/withdraw', async (request, reply) => {
    const f = formOf(request.body);
    const reason = str(f, 'reason');
    const errors = new FormErrors();
    // The API's schema (empty reason, control characters), then the error summary.
    const parsed = Withdrawal.safeParse({ reason });
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), { '/reason': 'reason' }, 'reason');
    else {
      const c = await withdrawConsent(web.ctx(request), request.params.id, parsed.data);
      return reply.redirect(`/people/${c.personId}?done=consent-withdrawn`, 303);
    }
    return consentPage(request, reply, request.params.id, errors, { reason });
  });
}
