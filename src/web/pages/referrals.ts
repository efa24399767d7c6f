import type { FastifyReply, FastifyRequest } from 'fastify';
import { listAgencies, listAgencyPractitioners } from '../../partnership/partnership.ts';
import { authorityContacts } from '../../flags/contacts.ts';
import { getPerson } from '../../people/people.ts';
import { previousProtectionHistory } from '../../process/previous-history.ts';
import { acceptReferral, referralCandidates } from '../../process/referral-acceptance.ts';
import { AcceptReferral } from '../../process/referral-acceptance.schemas.ts';
import { getRecord } from '../../records/records.ts';
import type { AgencyRecord } from '../../records/schemas.ts';
import {
  acknowledgeReferral, confirmInWriting, decideReferral, getReferral, listIncomingReferrals, listOutgoingReferrals, makeReferral,
} from '../../process/referrals.ts';
import { listMonitorCandidates } from '../../process/monitoring.ts';
import { DecideReferral, NewReferral, REFERRAL_OUTCOMES, WrittenConfirmation } from '../../process/referral-schemas.ts';
import { fieldProblems, invalid, notFound } from '../../shared/errors.ts';
import { listDecisions } from '../../sharing/sharing.ts';
import { answerRow, type FormDraft } from '../drafts.ts';
import { calendarDate, dateParts, FormErrors, formOf, list, londonInstant, opt, parseForm, str, todayParts, validationProblem, yesNo, type FormBody } from '../forms.ts';
import { earlierPlanRows } from '../earlier-plans.ts';
import { childLabel, personName, ukDateTime } from '../view.ts';
import { safely, type Web } from '../web.ts';
import { CENSUS_CHOICES } from './census-items.ts';

type IdParams = { id: string };
type DraftParams = { id: string; draft: string };

const CHANNELS: Record<string, string> = { online: 'Online (this form)', written: 'In writing', phone: 'By phone' };

const REFERRAL_FIELDS: Record<string, string> = {
  '/toAgencyId': 'toAgencyId', '/shareDecisionId': 'shareDecisionId', '/shareDecision': 'shareDecisionId', '/channel': 'channel', '/urgent': 'urgent',
  '/concerns': 'concerns', '/domains/developmentalNeeds': 'developmentalNeeds', '/domains/parentingCapacity': 'parentingCapacity',
  '/domains/familyAndEnvironment': 'familyAndEnvironment', '/domains': 'developmentalNeeds', '/childsWishesAndFeelings': 'childsWishesAndFeelings',
  '/familyAgreement/details': 'familyAgreementDetails', '/familyAgreement/reason': 'familyNotToldReason', '/familyAgreement': 'familyAgreement',
  '/familyToBeTold/what': 'toldWhat', '/familyToBeTold/byWhom': 'toldByWhom', '/familyToBeTold/when': 'toldWhen', '/familyToBeTold': 'toldWhat',
  '/childPersonId': 'concerns', '/madeAt': 'phoned-day', '/fromRecordIds': 'concerns',
};

const CONFIDENCE_TEXT: Record<string, string> = { confident: 'very likely the same child', possible: 'possibly the same child', unlikely: 'unlikely to be the same child' };

export const OUTCOME_TEXT: Record<string, string> = {
  assessment: 'An assessment of the child’s needs', other_agency: 'Referral to another agency', advice: 'Advice or information',
  no_further_action: 'No further action at this stage', strategy_discussion: 'A strategy discussion', criminal_investigation: 'A criminal investigation',
};

/**
 * When the referrer phoned. A child who may be at immediate risk is referred by phone first; the
 * form that follows records the call, and the statutory clock starts at the call, not at the typing.
 */
function phoneCall(f: FormBody, now: Date): { at?: string; field?: string; error?: string } {
  if (yesNo(f, 'urgent') !== true) return {};
  const day = calendarDate(dateParts(f, 'phoned'), 'The date you phoned');
  if (day.error) return { field: 'phoned-day', error: day.error };
  if (!day.value) return { field: 'phoned-day', error: 'Enter the date you phoned them' };
  if (!str(f, 'phonedTime')) return { field: 'phonedTime', error: 'Enter the time you phoned them' };
  const at = londonInstant(day.value, str(f, 'phonedTime'));
  if (at.error) return { field: 'phonedTime', error: at.error };
  if (new Date(at.value!).getTime() > now.getTime() + 5 * 60_000) return { field: 'phoned-day', error: 'The time you phoned must be now or in the past' };
  return { at: at.value };
}

/** The concerns a referral starts from, as the text of its concerns: nothing is retyped. */
function concernsText(records: readonly AgencyRecord[]): string {
  return records.map((r) => [
    `${ukDateTime(r.occurredAt)}: ${r.summary}`,
    ...(r.details ? [r.details] : []),
    ...(r.childsWords ? [`In the child’s words: “${r.childsWords}”`] : []),
    `(Recorded by ${r.authorName})`,
  ].join('\n')).join('\n\n');
}

function referralInput(f: FormBody, personId: string, now: Date): Record<string, unknown> {
  const agreement = opt(f, 'familyAgreement');
  const urgent = yesNo(f, 'urgent') ?? false;
  return {
    referrerIsMemberOfPublic: false,
    // An immediate-risk referral was made by the phone call, whatever the form was typed on.
    channel: urgent ? 'phone' : opt(f, 'channel'),
    madeAt: phoneCall(f, now).at,
    urgent,
    fromRecordIds: list(f, 'fromRecordIds'),
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

  /** The records a referral starts from, as this practitioner may read them: their own agency's, about this child. */
  const fromRecords = async (request: FastifyRequest, personId: string, ids: readonly string[]): Promise<AgencyRecord[]> => {
    const ctx = web.ctx(request);
    const found = await Promise.all([...new Set(ids)].filter((id) => /^[0-9a-f-]{36}$/i.test(id)).slice(0, 20).map((id) => safely(() => getRecord(ctx, id))));
    return found.filter((r): r is AgencyRecord => !!r && r.personId === personId && r.agencyId === ctx.actor.agencyId);
  };

  const formData = async (request: FastifyRequest, personId: string, fromIds: readonly string[] = []): Promise<Record<string, unknown>> => {
    const ctx = web.ctx(request);
    const person = await getPerson(ctx, personId);
    const agencies = (await listAgencies(ctx)).filter((a) => a.type === 'childrens_social_care' || a.type === 'police');
    const decisions = ((await safely(() => listDecisions(ctx, personId))) ?? [])
      .filter((d) => d.outcome === 'share' && !d.revokedAt && d.recipients.some((r) => agencies.some((a) => a.id === r.agencyId)));
    return {
      startedFrom: await fromRecords(request, personId, fromIds),
      contacts: await authorityContacts(ctx, agencies.map((a) => a.id)),
      pageTitle: 'Make a referral', person, name: personName(person), backLink: `/people/${personId}`,
      agencies: agencies.map((a) => ({ value: a.id, text: a.name })),
      decisions: decisions.map((d) => ({ value: d.id, text: `${d.purpose} (${d.decidedByName})`, hint: { text: `Shares with ${d.recipients.map((r) => r.agencyName).join(', ')}` } })),
    };
  };

  const renderForm = async (request: FastifyRequest, reply: FastifyReply, personId: string, values: Record<string, unknown>, errors?: FormErrors): Promise<FastifyReply> => {
    const data = { ...(await formData(request, personId, list(values as FormBody, 'fromRecordIds'))), values };
    return errors?.any ? web.renderErrors(request, reply, 'referrals/new.njk', errors, data) : web.render(request, reply, 'referrals/new.njk', { ...data, errors: {}, errorList: [] });
  };

  // "Change" on the check page comes back here with the answers kept in the draft.
  // `from`: the records (e.g. a concern brought to the lead) the referral starts from; their text fills the concerns.
  app.get<{ Params: IdParams; Querystring: { decision?: string; to?: string; draft?: string; from?: string | string[] } }>('/people/:id/referrals/new', async (request, reply) => {
    const ctx = web.ctx(request);
    const d = await web.drafts.findForm(request.query.draft, ctx.actor.practitionerId, 'referral', request.params.id);
    if (d?.result) return reply.redirect(d.result, 303);
    if (d) return renderForm(request, reply, request.params.id, { ...d.values, phoned: dateParts(d.values, 'phoned'), draft: d.id });
    const from = await fromRecords(request, request.params.id, ([] as string[]).concat(request.query.from ?? []));
    const now = ctx.clock.now();
    return renderForm(request, reply, request.params.id, {
      shareDecisionId: request.query.decision, toAgencyId: request.query.to, channel: 'online', urgent: 'no', phoned: todayParts(now),
      fromRecordIds: from.map((r) => r.id), concerns: from.length ? concernsText(from) : undefined,
    });
  });

  app.post<{ Params: IdParams }>('/people/:id/referrals/new', async (request, reply) => {
    const ctx = web.ctx(request);
    const f = formOf(request.body);
    const errors = new FormErrors();
    const call = phoneCall(f, ctx.clock.now());
    if (call.error) errors.add(call.field!, call.error);
    const parsed = NewReferral.safeParse(referralInput(f, request.params.id, ctx.clock.now()));
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error).filter((p) => !(call.error && p.pointer === '/madeAt')), REFERRAL_FIELDS, 'concerns');
    const known = await web.drafts.findForm(str(f, 'draft'), ctx.actor.practitionerId, 'referral', request.params.id);
    if (errors.any) return renderForm(request, reply, request.params.id, { ...f, phoned: dateParts(f, 'phoned'), draft: known?.id }, errors);
    const d = await web.drafts.keepForm(known, ctx.actor.practitionerId, 'referral', request.params.id, { ...f, _csrf: undefined, draft: undefined });
    return reply.redirect(`/people/${request.params.id}/referrals/new/${d.id}`, 303);
  });

  const referralDraft = async (request: FastifyRequest<{ Params: DraftParams }>): Promise<FormDraft> => {
    const d = await web.drafts.findForm(request.params.draft, web.ctx(request).actor.practitionerId, 'referral', request.params.id);
    if (!d) throw notFound('draft');
    return d;
  };

  const checkPage = async (request: FastifyRequest<{ Params: DraftParams }>, reply: FastifyReply, d: FormDraft, errors?: FormErrors): Promise<FastifyReply> => {
    const personId = request.params.id;
    const f = d.values;
    const form = await formData(request, personId, list(f, 'fromRecordIds'));
    const phoned = phoneCall(f, web.ctx(request).clock.now()).at;
    const change = (field: string): string => `/people/${personId}/referrals/new?draft=${d.id}#${field}`;
    const textOf = (items: unknown, value: string): string => (items as { value: string; text: string }[]).find((i) => i.value === value)?.text ?? '';
    const agreement = str(f, 'familyAgreement');
    const agreementText = agreement === 'agreed' ? `Told, and they agreed${opt(f, 'familyAgreementDetails') ? `\n${str(f, 'familyAgreementDetails')}` : ''}`
      : agreement === 'did_not_agree' ? `Told, and they did not agree\n${str(f, 'familyAgreementDetails2')}`
      : agreement === 'not_told' ? `Not told\n${str(f, 'familyNotToldReason')}` : '';
    const rows = [
      answerRow('Referring to', textOf(form.agencies, str(f, 'toAgencyId')), change('toAgencyId')),
      answerRow('The decision to share it rests on', textOf(form.decisions, str(f, 'shareDecisionId')), change('shareDecisionId')),
      answerRow('How', phoned ? `By phone, ${ukDateTime(phoned)}: the clock starts at the call` : CHANNELS[str(f, 'channel')] ?? str(f, 'channel'), change(phoned ? 'urgent' : 'channel')),
      answerRow('Could the child be at immediate risk?', str(f, 'urgent') === 'yes' ? 'Yes' : 'No', change('urgent')),
      ...((form.startedFrom as AgencyRecord[]).length ? [answerRow('Started from', (form.startedFrom as AgencyRecord[]).map((r) => r.summary).join('\n'), change('concerns'))] : []),
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
    const d = await referralDraft(request);
    if (d.result) return reply.redirect(d.result, 303);
    return checkPage(request, reply, d);
  });

  app.post<{ Params: DraftParams }>('/people/:id/referrals/new/:draft', async (request, reply) => {
    const ctx = web.ctx(request);
    const d = await referralDraft(request);
    if (d.result) return reply.redirect(d.result, 303);
    const parsed = NewReferral.safeParse({ ...referralInput(d.values, request.params.id, ctx.clock.now()), idempotencyKey: d.idempotencyKey });
    if (!parsed.success || phoneCall(d.values, ctx.clock.now()).error) return reply.redirect(`/people/${request.params.id}/referrals/new?draft=${d.id}`, 303);
    try {
      const href = await web.drafts.submitOnce(d, async () => `/referrals/${(await makeReferral(ctx, parsed.data)).id}?done=referral-made`);
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
    // The records the referral started from, as this reader may see them (each read is audited).
    const startedFrom = (await Promise.all(referral.fromRecordIds.map((rid) => safely(() => getRecord(ctx, rid))))).filter((r) => !!r);
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
    // Who will make the checks: a practitioner of the monitoring agency (else its lead worker for the child).
    const monitorPractitionerItems = monitorItems.length
      ? [{ value: '', text: 'The monitoring agency’s lead worker for the child' }, ...(((await safely(() => listMonitorCandidates(ctx))) ?? []).map((p) => ({ value: p.id, text: `${p.name}, ${p.agencyName}` })))]
      : [];
    const data = {
      pageTitle: 'A referral', referral, receiving, needsAccept, placeItems, candidateCount: found.length, earlier, monitorPractitionerItems,
      placedHref: placed ? `/people/${placed}` : undefined,
      workerItems: [{ value: '', text: 'Not yet allocated' }, ...workers], outcomes: REFERRAL_OUTCOMES.map((o) => ({ value: o, text: OUTCOME_TEXT[o] ?? o })), outcomeText: OUTCOME_TEXT,
      subjectName: personName(referral.subject), values, backLink: '/referrals', monitorItems, startedFrom, census: CENSUS_CHOICES,
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
    const values = { personId, allocatedWorkerId: opt(f, 'allocatedWorkerId'), team: opt(f, 'team'), referralSource: opt(f, 'referralSource') };
    return onReferralPage(request, reply, { '/personId': 'personId', '/allocatedWorkerId': 'allocatedWorkerId', '/team': 'team', '/referralSource': 'referralSource' }, 'personId', values, async () => {
      // Issue 20: a public referral's source is chosen (the form asks only then); a partner's counts by the referring agency's type.
      if (f.askedReferralSource && !values.referralSource) throw invalid('Say where the referral came from.', [{ pointer: '/referralSource', detail: 'Choose where the referral came from, for the Children in Need census' }]);
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
    const values = { outcome: opt(f, 'outcome'), reasons: str(f, 'reasons'), primaryNeed: opt(f, 'primaryNeed'), closureReason: opt(f, 'closureReason') };
    // Monitoring after closure (case example 8), asked only when an agency is chosen to monitor.
    const monitor = opt(f, 'monitoringAgencyId');
    const endsOn = calendarDate(dateParts(f, 'endsOn'), 'The end');
    const monitorPractitioner = opt(f, 'monitoringPractitionerId');
    const shown = { ...values, monitoringAgencyId: monitor, monitoringPractitionerId: monitorPractitioner, checks: str(f, 'checks'), everyDays: str(f, 'everyDays'), endsOnParts: dateParts(f, 'endsOn') };
    const map = {
      '/outcome': 'outcome', '/reasons': 'reasons', '/primaryNeed': 'primaryNeed', '/closureReason': 'closureReason', '/monitoringAgencyId': 'monitoringAgencyId', '/monitoringPractitionerId': 'monitoringPractitionerId',
      '/arrangement/checks': 'checks', '/arrangement/everyDays': 'everyDays', '/arrangement/endsOn': 'endsOn-day', '/arrangement': 'checks',
    };
    return onReferralPage(request, reply, map, 'outcome', shown, async () => {
      const monitoring = monitor ? {
        monitoringAgencyId: monitor,
        monitoringPractitionerId: monitorPractitioner,
        arrangement: { checks: str(f, 'checks'), everyDays: /^\d+$/.test(str(f, 'everyDays')) ? Number(str(f, 'everyDays')) : undefined, endsOn: endsOn.value },
      } : {};
      await decideReferral(web.ctx(request), request.params.id, parseForm(DecideReferral, { ...values, ...monitoring }));
      return `/referrals/${request.params.id}?done=referral-decided`;
    });
  });
}
