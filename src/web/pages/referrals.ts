import type { FastifyReply, FastifyRequest } from 'fastify';
import { listAgencies, listAgencyPractitioners } from '../../partnership/partnership.ts';
import { getPerson } from '../../people/people.ts';
import { previousProtectionHistory } from '../../process/previous-history.ts';
import { acceptReferral, referralCandidates } from '../../process/referral-acceptance.ts';
import { AcceptReferral } from '../../process/referral-acceptance.schemas.ts';
import {
  acknowledgeReferral, confirmInWriting, decideReferral, getReferral, listIncomingReferrals, listOutgoingReferrals, makeReferral,
} from '../../process/referrals.ts';
import { DecideReferral, NewReferral, REFERRAL_OUTCOMES, WrittenConfirmation } from '../../process/referral-schemas.ts';
import { fieldProblems, notFound } from '../../shared/errors.ts';
import { listDecisions } from '../../sharing/sharing.ts';
import { answerRow, findFormDraft, startFormDraft, submitOnce, type FormDraft } from '../drafts.ts';
import { calendarDate, dateParts, FormErrors, formOf, opt, parseForm, str, validationProblem, yesNo, type FormBody } from '../forms.ts';
import { earlierPlanRows } from '../earlier-plans.ts';
import { childLabel, personName } from '../view.ts';
import { safely, type Web } from '../web.ts';

type IdParams = { id: string };
type DraftParams = { id: string; draft: string };

const CHANNELS: Record<string, string> = { online: 'Online (this form)', written: 'In writing', phone: 'By phone' };

const REFERRAL_FIELDS: Record<string, string> = {
  '/toAgencyId': 'toAgencyId', '/shareDecisionId': 'shareDecisionId', '/shareDecision': 'shareDecisionId', '/channel': 'channel', '/urgent': 'urgent',
  '/concerns': 'concerns', '/domains/developmentalNeeds': 'developmentalNeeds', '/domains/parentingCapacity': 'parentingCapacity',
  '/domains/familyAndEnvironment': 'familyAndEnvironment', '/domains': 'developmentalNeeds', '/childsWishesAndFeelings': 'childsWishesAndFeelings',
  '/familyAgreement/details': 'familyAgreementDetails', '/familyAgreement/reason': 'familyNotToldReason', '/familyAgreement': 'familyAgreement',
  '/familyToBeTold/what': 'toldWhat', '/familyToBeTold/byWhom': 'toldByWhom', '/familyToBeTold/when': 'toldWhen', '/familyToBeTold': 'toldWhat',
  '/childPersonId': 'concerns', '/madeAt': 'channel',
};

const CONFIDENCE_TEXT: Record<string, string> = { confident: 'very likely the same child', possible: 'possibly the same child', unlikely: 'unlikely to be the same child' };

export const OUTCOME_TEXT: Record<string, string> = {
  assessment: 'An assessment of the child’s needs', other_agency: 'Referral to another agency', advice: 'Advice or information',
  no_further_action: 'No further action at this stage', strategy_discussion: 'A strategy discussion', criminal_investigation: 'A criminal investigation',
};

function referralInput(f: FormBody, personId: string): Record<string, unknown> {
  const agreement = opt(f, 'familyAgreement');
  return {
    referrerIsMemberOfPublic: false,
    channel: opt(f, 'channel'),
    urgent: yesNo(f, 'urgent') ?? false,
    concerns: str(f, 'concerns'),
    childPersonId: personId,
    toAgencyId: opt(f, 'toAgencyId'),
    shareDecisionId: opt(f, 'shareDecisionId'),
    domains: { developmentalNeeds: str(f, 'developmentalNeeds'), parentingCapacity: str(f, 'parentingCapacity'), familyAndEnvironment: str(f, 'familyAndEnvironment') },
    childsWishesAndFeelings: str(f, 'childsWishesAndFeelings'),
    familyAgreement: agreement === 'agreed' ? { status: 'agreed', ...(opt(f, 'familyAgreementDetails') ? { details: opt(f, 'familyAgreementDetails') } : {}) }
      : agreement === 'did_not_agree' ? { status: 'did_not_agree', details: str(f, 'familyAgreementDetails2') }
      : agreement === 'not_told' ? { status: 'not_told', reason: str(f, 'familyNotToldReason') } : undefined,
    familyToBeTold: { what: str(f, 'toldWhat'), byWhom: str(f, 'toldByWhom'), when: str(f, 'toldWhen') },
  };
}

/** Referral form, the receiving authority's queue with its working-day clocks, and the referral's page. */
export function registerReferralPages(web: Web): void {
  const { app } = web;

  const formData = async (request: FastifyRequest, personId: string): Promise<Record<string, unknown>> => {
    const ctx = web.ctx(request);
    const person = await getPerson(ctx, personId);
    const agencies = (await listAgencies(ctx)).filter((a) => a.type === 'childrens_social_care' || a.type === 'police');
    const decisions = ((await safely(() => listDecisions(ctx, personId))) ?? [])
      .filter((d) => d.outcome === 'share' && !d.revokedAt && d.recipients.some((r) => agencies.some((a) => a.id === r.agencyId)));
    return {
      pageTitle: 'Make a referral', person, name: personName(person), backLink: `/people/${personId}`,
      agencies: agencies.map((a) => ({ value: a.id, text: a.name })),
      decisions: decisions.map((d) => ({ value: d.id, text: `${d.purpose} (${d.decidedByName})`, hint: { text: `Shares with ${d.recipients.map((r) => r.agencyName).join(', ')}` } })),
    };
  };

  const renderForm = async (request: FastifyRequest, reply: FastifyReply, personId: string, values: Record<string, unknown>, errors?: FormErrors): Promise<FastifyReply> => {
    const data = { ...(await formData(request, personId)), values };
    return errors?.any ? web.renderErrors(request, reply, 'referrals/new.njk', errors, data) : web.render(request, reply, 'referrals/new.njk', { ...data, errors: {}, errorList: [] });
  };

  // "Change" on the check page comes back here with the answers kept in the draft.
  app.get<{ Params: IdParams; Querystring: { decision?: string; to?: string; draft?: string } }>('/people/:id/referrals/new', async (request, reply) => {
    const d = findFormDraft(request.query.draft, web.ctx(request).actor.practitionerId, 'referral', request.params.id);
    if (d?.submitted) return reply.redirect(await d.submitted, 303);
    return renderForm(request, reply, request.params.id, d ? { ...d.values, draft: d.id } : { shareDecisionId: request.query.decision, toAgencyId: request.query.to, channel: 'online', urgent: 'no' });
  });

  app.post<{ Params: IdParams }>('/people/:id/referrals/new', async (request, reply) => {
    const ctx = web.ctx(request);
    const f = formOf(request.body);
    const errors = new FormErrors();
    const parsed = NewReferral.safeParse(referralInput(f, request.params.id));
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), REFERRAL_FIELDS, 'concerns');
    const known = findFormDraft(str(f, 'draft'), ctx.actor.practitionerId, 'referral', request.params.id);
    if (errors.any) return renderForm(request, reply, request.params.id, { ...f, draft: known?.id }, errors);
    const d = known && !known.submitted ? known : startFormDraft(ctx.actor.practitionerId, 'referral', request.params.id);
    d.values = { ...f, _csrf: undefined, draft: undefined };
    return reply.redirect(`/people/${request.params.id}/referrals/new/${d.id}`, 303);
  });

  const referralDraft = (request: FastifyRequest<{ Params: DraftParams }>): FormDraft => {
    const d = findFormDraft(request.params.draft, web.ctx(request).actor.practitionerId, 'referral', request.params.id);
    if (!d) throw notFound('draft');
    return d;
  };

  const checkPage = async (request: FastifyRequest<{ Params: DraftParams }>, reply: FastifyReply, d: FormDraft, errors?: FormErrors): Promise<FastifyReply> => {
    const personId = request.params.id;
    const form = await formData(request, personId);
    const f = d.values;
    const change = (field: string): string => `/people/${personId}/referrals/new?draft=${d.id}#${field}`;
    const textOf = (items: unknown, value: string): string => (items as { value: string; text: string }[]).find((i) => i.value === value)?.text ?? '';
    const agreement = str(f, 'familyAgreement');
    const agreementText = agreement === 'agreed' ? `Told, and they agreed${opt(f, 'familyAgreementDetails') ? `\n${str(f, 'familyAgreementDetails')}` : ''}`
      : agreement === 'did_not_agree' ? `Told, and they did not agree\n${str(f, 'familyAgreementDetails2')}`
      : agreement === 'not_told' ? `Not told\n${str(f, 'familyNotToldReason')}` : '';
    const rows = [
      answerRow('Referring to', textOf(form.agencies, str(f, 'toAgencyId')), change('toAgencyId')),
      answerRow('The decision to share it rests on', textOf(form.decisions, str(f, 'shareDecisionId')), change('shareDecisionId')),
      answerRow('How', CHANNELS[str(f, 'channel')] ?? str(f, 'channel'), change('channel')),
      answerRow('Could the child be at immediate risk?', str(f, 'urgent') === 'yes' ? 'Yes' : 'No', change('urgent')),
      answerRow('Your concerns', str(f, 'concerns'), change('concerns')),
      answerRow('The child’s developmental needs', str(f, 'developmentalNeeds'), change('developmentalNeeds')),
      answerRow('The parents’ or carers’ capacity to respond to them', str(f, 'parentingCapacity'), change('parentingCapacity')),
      answerRow('The wider family and environment', str(f, 'familyAndEnvironment'), change('familyAndEnvironment')),
      answerRow('The child’s wishes and feelings', str(f, 'childsWishesAndFeelings'), change('childsWishesAndFeelings')),
      answerRow('Were the child and parents told?', agreementText, change('familyAgreement')),
      answerRow('What they will be told', str(f, 'toldWhat'), change('toldWhat')),
      answerRow('By whom', str(f, 'toldByWhom'), change('toldByWhom')),
      answerRow('When', str(f, 'toldWhen'), change('toldWhen')),
    ];
    const data = { ...form, pageTitle: 'Check your referral before sending it', draft: d, rows, backLink: change('toAgencyId') };
    return errors?.any ? web.renderErrors(request, reply, 'referrals/check.njk', errors, data) : web.render(request, reply, 'referrals/check.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: DraftParams }>('/people/:id/referrals/new/:draft', async (request, reply) => {
    const d = referralDraft(request);
    if (d.submitted) return reply.redirect(await d.submitted, 303);
    return checkPage(request, reply, d);
  });

  app.post<{ Params: DraftParams }>('/people/:id/referrals/new/:draft', async (request, reply) => {
    const ctx = web.ctx(request);
    const d = referralDraft(request);
    if (d.submitted) return reply.redirect(await d.submitted, 303);
    const parsed = NewReferral.safeParse({ ...referralInput(d.values, request.params.id), idempotencyKey: d.idempotencyKey });
    if (!parsed.success) return reply.redirect(`/people/${request.params.id}/referrals/new?draft=${d.id}`, 303);
    try {
      const href = await submitOnce(d, async () => `/referrals/${(await makeReferral(ctx, parsed.data)).id}?done=referral-made`);
      return reply.redirect(href, 303);
    } catch (err) {
      const p = validationProblem(err);
      if (!p) throw err;
      const e = new FormErrors();
      e.addProblems(p.errors, REFERRAL_FIELDS, 'concerns');
      const linked = new FormErrors();
      for (const x of e.list) linked.add(x.href.slice(1), x.text, `/people/${request.params.id}/referrals/new?draft=${d.id}${x.href}`);
      if (!linked.any) linked.add('concerns', p.detail ?? 'The referral could not be sent', `/people/${request.params.id}/referrals/new?draft=${d.id}#concerns`);
      return checkPage(request, reply, d, linked);
    }
  });

  app.get('/referrals', async (request, reply) => {
    const ctx = web.ctx(request);
    const incoming = await safely(() => listIncomingReferrals(ctx, { status: 'all' }));
    const outgoing = await safely(() => listOutgoingReferrals(ctx));
    return web.render(request, reply, 'referrals/list.njk', {
      pageTitle: 'Referrals', incomingOpen: incoming?.filter((r) => r.progress !== 'decided'), incomingDecided: incoming?.filter((r) => r.progress === 'decided'), outgoing, outcomes: OUTCOME_TEXT,
    });
  });

  const referralPage = async (request: FastifyRequest, reply: FastifyReply, id: string, errors?: FormErrors, values: Record<string, unknown> = {}): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const referral = await getReferral(ctx, id);
    const me = await web.me(request);
    let workers: { value: string; text: string }[] = [];
    const receiving = referral.direction === 'incoming';
    const needsAccept = receiving && referral.handling === 'received' && me?.agencyType === 'childrens_social_care';
    // Issue 17: the entries the authority already holds that may be the child, each explained, before anything new is made.
    const found = needsAccept ? (await safely(() => referralCandidates(ctx, id)))?.candidates ?? [] : [];
    if (needsAccept) {
      workers = ((await safely(() => listAgencyPractitioners(ctx))) ?? []).filter((p) => p.active && p.roles.includes('social_worker')).map((p) => ({ value: p.id, text: p.name }));
    }
    const placeItems = [
      ...found.map((c) => ({
        value: c.personId, text: `${childLabel(c.child)}: ${CONFIDENCE_TEXT[c.confidence]}, ${Math.round(c.probability * 100)}%`,
        hint: { text: c.linked ? 'Already recorded as the same child as the referrer’s entry.' : `Why: ${c.explanation}.` },
      })),
      ...(found.length ? [{ divider: 'or' }] : []),
      { value: 'new', text: found.length ? 'None of these: add a new entry from the referral' : 'Add a new entry from the referral', hint: { text: 'With the address and the parents or carers the referral names.' } },
    ];
    // Earlier plans of the child or the adults around them, once the child is placed in the authority's index.
    const placed = receiving && referral.receivedPersonId && me?.agencyType === 'childrens_social_care' ? referral.receivedPersonId : undefined;
    const earlier = placed ? await earlierPlanRows(ctx, await safely(() => previousProtectionHistory(ctx, placed)), me?.agencyName ?? '') : undefined;
    const monitorItems = receiving && referral.episodeId && !referral.decision
      ? [{ value: '', text: 'No agency will monitor the child' }, ...(((await safely(() => listAgencies(ctx))) ?? []).map((a) => ({ value: a.id, text: a.name })))]
      : [];
    const data = {
      pageTitle: 'A referral', referral, receiving, needsAccept, placeItems, candidateCount: found.length, earlier,
      placedHref: placed ? `/people/${placed}` : undefined,
      workerItems: [{ value: '', text: 'Not yet allocated' }, ...workers], outcomes: REFERRAL_OUTCOMES.map((o) => ({ value: o, text: OUTCOME_TEXT[o] ?? o })), outcomeText: OUTCOME_TEXT,
      subjectName: personName(referral.subject), values, backLink: '/referrals', monitorItems,
    };
    return errors?.any ? web.renderErrors(request, reply, 'referrals/referral.njk', errors, data) : web.render(request, reply, 'referrals/referral.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: IdParams }>('/referrals/:id', async (request, reply) => referralPage(request, reply, request.params.id));

  // Each form on a referral's page goes through the API's schema for the same step (parseForm); its
  // field problems become the page's error summary.
  const onReferralPage = async (request: FastifyRequest<{ Params: IdParams }>, reply: FastifyReply, map: Record<string, string>, fallback: string,
    values: Record<string, unknown>, act: () => Promise<string>): Promise<FastifyReply> => {
    try {
      return reply.redirect(await act(), 303);
    } catch (err) {
      const p = validationProblem(err);
      if (!p) throw err;
      const errors = new FormErrors();
      errors.addProblems(p.errors, map, fallback);
      if (!errors.any) errors.add(fallback, p.detail ?? 'Check what you entered');
      return referralPage(request, reply, request.params.id, errors, values);
    }
  };

  app.post<{ Params: IdParams }>('/referrals/:id/accept', async (request, reply) => {
    const f = formOf(request.body);
    const personId = opt(f, 'personId');
    const values = { personId, allocatedWorkerId: opt(f, 'allocatedWorkerId'), team: opt(f, 'team') };
    return onReferralPage(request, reply, { '/personId': 'personId', '/allocatedWorkerId': 'allocatedWorkerId', '/team': 'team' }, 'personId', values, async () => {
      const input = parseForm(AcceptReferral, values);
      await acceptReferral(web.ctx(request), request.params.id, input);
      return `/referrals/${request.params.id}?done=referral-accepted`;
    });
  });

  app.post<{ Params: IdParams }>('/referrals/:id/acknowledge', async (request, reply) => {
    await acknowledgeReferral(web.ctx(request), request.params.id, {});
    return reply.redirect(`/referrals/${request.params.id}?done=referral-acknowledged`, 303);
  });

  app.post<{ Params: IdParams }>('/referrals/:id/confirm-in-writing', async (request, reply) => {
    const note = opt(formOf(request.body), 'note');
    return onReferralPage(request, reply, { '/note': 'note' }, 'note', { note }, async () => {
      await confirmInWriting(web.ctx(request), request.params.id, parseForm(WrittenConfirmation, { note }));
      return `/referrals/${request.params.id}`;
    });
  });

  app.post<{ Params: IdParams }>('/referrals/:id/decide', async (request, reply) => {
    const f = formOf(request.body);
    const values = { outcome: opt(f, 'outcome'), reasons: str(f, 'reasons') };
    // Monitoring after closure (case example 8), asked only when an agency is chosen to monitor.
    const monitor = opt(f, 'monitoringAgencyId');
    const endsOn = calendarDate(dateParts(f, 'endsOn'), 'The end');
    const shown = { ...values, monitoringAgencyId: monitor, checks: str(f, 'checks'), everyDays: str(f, 'everyDays'), endsOnParts: dateParts(f, 'endsOn') };
    const map = {
      '/outcome': 'outcome', '/reasons': 'reasons', '/monitoringAgencyId': 'monitoringAgencyId', '/monitoringPractitionerId': 'monitoringAgencyId',
      '/arrangement/checks': 'checks', '/arrangement/everyDays': 'everyDays', '/arrangement/endsOn': 'endsOn-day', '/arrangement': 'checks',
    };
    return onReferralPage(request, reply, map, 'outcome', shown, async () => {
      const monitoring = monitor ? {
        monitoringAgencyId: monitor,
        arrangement: { checks: str(f, 'checks'), everyDays: /^\d+$/.test(str(f, 'everyDays')) ? Number(str(f, 'everyDays')) : undefined, endsOn: endsOn.value },
      } : {};
      await decideReferral(web.ctx(request), request.params.id, parseForm(DecideReferral, { ...values, ...monitoring }));
      return `/referrals/${request.params.id}?done=referral-decided`;
    });
  });
}
