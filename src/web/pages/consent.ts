import type { FastifyReply, FastifyRequest } from 'fastify';
import { getConsent, recordConsent, withdrawConsent } from '../../consent/consent.ts';
import { NewConsent } from '../../consent/schemas.ts';
import { listAgencies } from '../../partnership/partnership.ts';
import { getPerson } from '../../people/people.ts';
import { fieldProblems } from '../../shared/errors.ts';
import { PURPOSE_LABELS } from '../../sharing/purposes.ts';
import { calendarDate, dateParts, FormErrors, formOf, list, londonInstant, nowTime, opt, str, todayParts, validationProblem, type FormBody } from '../forms.ts';
import { personName } from '../view.ts';
import { safely, type Web } from '../web.ts';
import { LABELS } from './share-model.ts';

type IdParams = { id: string };

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

  app.get<{ Params: IdParams }>('/people/:id/consents/new', async (request, reply) => {
    const now = web.ctx(request).clock.now();
    return renderForm(request, reply, request.params.id, { obtained: todayParts(now), obtainedTime: nowTime(now), recipientAgencyIds: [], competence: [] });
  });

  app.post<{ Params: IdParams }>('/people/:id/consents/new', async (request, reply) => {
    const ctx = web.ctx(request);
    const f = formOf(request.body);
    const errors = new FormErrors();
    const day = calendarDate(dateParts(f, 'obtained'), 'The date');
    let obtainedAt: string | undefined;
    if (!day.value && !day.error) errors.add('obtained-day', 'Enter the date consent was given or refused');
    else if (day.error) errors.add('obtained-day', day.error);
    else {
      const at = londonInstant(day.value!, str(f, 'obtainedTime') || '12:00');
      if (at.error) errors.add('obtainedTime', at.error);
      else if (new Date(at.value!).getTime() > ctx.clock.now().getTime() + 5 * 60_000) errors.add('obtained-day', 'The date must be today or in the past');
      else obtainedAt = at.value;
    }
    const parsed = NewConsent.safeParse(consentInput(f, obtainedAt));
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error).filter((p) => !(p.pointer === '/obtainedAt' && errors.byField['obtained-day'])), CONSENT_FIELDS, 'purpose');
    if (!errors.any && parsed.success) {
      try {
        await recordConsent(ctx, request.params.id, parsed.data);
        return reply.redirect(`/people/${request.params.id}?done=consent-recorded`, 303);
      } catch (err) {
        const p = validationProblem(err);
        if (!p) throw err;
        errors.addProblems(p.errors, CONSENT_FIELDS, 'capacity');
      }
    }
    return renderForm(request, reply, request.params.id, { ...f, obtained: dateParts(f, 'obtained'), recipientAgencyIds: list(f, 'recipientAgencyIds'), competence: list(f, 'competence') }, errors);
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
    if (!reason) errors.add('reason', 'Record what the person said');
    else {
      const c = await withdrawConsent(web.ctx(request), request.params.id, { reason });
      return reply.redirect(`/people/${c.personId}?done=consent-withdrawn`, 303);
    }
    return consentPage(request, reply, request.params.id, errors, { reason });
  });
}
