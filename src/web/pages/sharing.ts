import type { FastifyReply, FastifyRequest } from 'fastify';
import { listConsents } from '../../consent/consent.ts';
import { listAgencies } from '../../partnership/partnership.ts';
import { getPerson } from '../../people/people.ts';
import { listPersonRecords } from '../../records/records.ts';
import type { ActorContext } from '../../shared/context.ts';
import { fieldProblems, notFound, Problem } from '../../shared/errors.ts';
import { getAdviceRequest, giveAdvice, listAdviceQueue } from '../../sharing/advice.ts';
import { Advice, Revocation } from '../../sharing/schemas.ts';
import { assess } from '../../sharing/decision-rules.ts';
import { PURPOSE_LABELS, type PurposeCode } from '../../sharing/purposes.ts';
import { getDecision, makeDecision, previewDecision, revokeDecision } from '../../sharing/sharing.ts';
import type { ShareDraft } from '../drafts.ts';
import { calendarDate, dateParts, FormErrors, formOf, list, opt, parseForm, str, validationProblem, yesNo, type FormBody } from '../forms.ts';
import { personName, ukDate } from '../view.ts';
import { safely, type Web } from '../web.ts';
import { answerRows, answersOf, decisionOf, isStep, LABELS, nextStep, pathOf, previousStep, STEP_TITLES, stepOfPointer, type Step } from './share-model.ts';

type DraftParams = { draft: string; step: string };

/** Saves what was typed on a question into the draft, whether or not it is complete. */
function save(d: ShareDraft, step: Step, f: FormBody): void {
  switch (step) {
    case 'purpose':
      d.purposeCode = opt(f, 'purposeCode'); d.purpose = opt(f, 'purpose'); d.withinAgencyFunctions = yesNo(f, 'withinAgencyFunctions');
      break;
    case 'legal':
      d.legalObligation = opt(f, 'legalObligation') as ShareDraft['legalObligation']; d.legalObligationReference = opt(f, 'legalObligationReference');
      break;
    case 'identifiable':
      d.identifiable = yesNo(f, 'identifiable');
      break;
    case 'confidential':
      d.confidential = yesNo(f, 'confidential');
      break;
    case 'consent':
      d.consentStatus = opt(f, 'consentStatus') as ShareDraft['consentStatus']; d.consentId = opt(f, 'consentId'); d.refusedConsentId = opt(f, 'refusedConsentId');
      d.refusalDetails = opt(f, 'refusalDetails'); d.notSoughtReason = opt(f, 'notSoughtReason'); d.notSoughtExplanation = opt(f, 'notSoughtExplanation');
      break;
    case 'public-interest':
      d.harm = opt(f, 'harm'); d.evidence = opt(f, 'evidence'); d.necessityAndProportionality = opt(f, 'necessityAndProportionality');
      d.adultWithCapacityRiskingOnlyThemself = yesNo(f, 'adultWithCapacityRiskingOnlyThemself');
      break;
    case 'outcome':
      d.outcome = opt(f, 'outcome') as ShareDraft['outcome'];
      break;
    case 'what':
      d.recordIds = list(f, 'recordIds'); d.parts = list(f, 'parts'); d.recipientAgencyIds = list(f, 'recipientAgencyIds');
      d.onwardSharing = opt(f, 'onwardSharing') as ShareDraft['onwardSharing']; d.onwardConditions = opt(f, 'onwardConditions');
      d.includeAddress = list(f, 'includeAddress').includes('yes');
      break;
    case 'informed':
      d.informed = yesNo(f, 'informed'); d.informedDate = dateParts(f, 'informedDate'); d.informedBy = opt(f, 'informedBy'); d.notInformedReason = opt(f, 'notInformedReason');
      break;
    case 'reasons':
      d.reasons = opt(f, 'reasons');
      break;
    case 'check':
      d.acknowledgedWarnings = list(f, 'acknowledgedWarnings');
      break;
    default: {
      const never: never = step;
      throw new Error(`unknown step ${String(never)}`);
    }
  }
}

/** What a question needs before the journey moves on. */
function check(d: ShareDraft, step: Step, now: Date): FormErrors {
  const e = new FormErrors();
  switch (step) {
    case 'purpose':
      if (!d.purposeCode) e.add('purposeCode', 'Choose the purpose of sharing');
      if (!d.purpose) e.add('purpose', 'Describe the purpose in your own words');
      if (d.withinAgencyFunctions === undefined) e.add('withinAgencyFunctions', 'Say whether sharing is within your agency’s functions');
      break;
    case 'legal':
      if (!d.legalObligation) e.add('legalObligation', 'Say whether a statutory duty or court order applies');
      else if (d.legalObligation !== 'none' && !d.legalObligationReference) e.add('legalObligationReference', 'Name the statute or order');
      break;
    case 'identifiable':
      if (d.identifiable === undefined) e.add('identifiable', 'Say whether the information identifies a living person');
      break;
    case 'confidential':
      if (d.confidential === undefined) e.add('confidential', 'Say whether the information is confidential');
      break;
    case 'consent':
      if (!d.consentStatus) e.add('consentStatus', 'Say whether you have consent');
      else if (d.consentStatus === 'given' && !d.consentId) e.add('consentStatus', 'Choose the consent you are relying on, or record it first');
      else if (d.consentStatus === 'not_sought') {
        if (!d.notSoughtReason) e.add('notSoughtReason', 'Say why consent was not sought');
        if (!d.notSoughtExplanation) e.add('notSoughtExplanation', 'Explain why consent was not sought');
      }
      break;
    case 'public-interest':
      if (!d.harm) e.add('harm', 'Choose the level of harm you have evidence or reasonable cause to believe in');
      if (!d.necessityAndProportionality) e.add('necessityAndProportionality', 'Say why sharing would, or would not, be necessary and proportionate');
      if (d.adultWithCapacityRiskingOnlyThemself === undefined) e.add('adultWithCapacityRiskingOnlyThemself', 'Say whether this is an adult with capacity who puts only themself at risk');
      break;
    case 'outcome':
      if (!d.outcome) e.add('outcome', 'Choose whether you will share');
      break;
    case 'what':
      if (d.recordIds.length === 0) e.add('recordIds', 'Choose which records to share');
      if (d.parts.length === 0) e.add('parts', 'Choose which parts of the records to share');
      if (d.recipientAgencyIds.length === 0) e.add('recipientAgencyIds', 'Choose who the information is shared with');
      if (!d.onwardSharing) e.add('onwardSharing', 'Say whether they may pass it on');
      else if (d.onwardSharing === 'permitted_with_conditions' && !d.onwardConditions) e.add('onwardConditions', 'State the conditions on passing it on');
      break;
    case 'informed':
      if (d.informed === undefined) e.add('informed', 'Say whether the person has been told you are sharing');
      else if (d.informed) {
        const day = d.informedDate ? calendarDate(d.informedDate, 'The date they were told') : {};
        if (!day.value && !day.error) e.add('informedDate-day', 'Enter the date they were told');
        else if (day.error) e.add('informedDate-day', day.error);
        else if (day.value! > now.toISOString().slice(0, 10)) e.add('informedDate-day', 'The date they were told must be today or in the past');
        if (!d.informedBy) e.add('informedBy', 'Say who told them');
      } else if (!d.notInformedReason) e.add('notInformedReason', 'Say why they have not been told');
      break;
    case 'reasons':
      if (!d.reasons) e.add('reasons', 'Record the reasons for your decision');
      break;
    case 'check':
      break;
    default: {
      const never: never = step;
      throw new Error(`unknown step ${String(never)}`);
    }
  }
  return e;
}

async function agenciesOtherThanMine(ctx: ActorContext): Promise<{ id: string; name: string; type: string }[]> {
  return (await listAgencies(ctx)).filter((a) => a.id !== ctx.actor.agencyId).map((a) => ({ id: a.id, name: a.name, type: a.type }));
}

/** The information-sharing decision journey, seeking advice, and the advice queue. */
export function registerSharingPages(web: Web): void {
  const { app } = web;

  // A draft already recorded leads to its decision: every later submit or "back" ends where the first did.
  const draftOf = async (request: FastifyRequest, id: string): Promise<ShareDraft> => {
    const d = await web.drafts.findShare(id, web.ctx(request).actor.practitionerId);
    if (!d) throw notFound('draft');
    return d;
  };

  const renderStep = async (request: FastifyRequest, reply: FastifyReply, d: ShareDraft, step: Step, errors?: FormErrors): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const data: Record<string, unknown> = {
      pageTitle: STEP_TITLES[step], title: STEP_TITLES[step], step, draft: d, values: d, labels: LABELS, personLabel: d.personLabel,
      path: pathOf(d), returnTo: (request.query as { change?: string }).change === '1' || formOf(request.body).returnTo === 'check' ? 'check' : '',
      backLink: previousStep(d, step) ? `/share/${d.id}/${previousStep(d, step)}` : `/people/${d.personId}`,
    };
    if (d.followsDecisionId) data.prior = await safely(() => getDecision(ctx, d.followsDecisionId!));
    if (step === 'consent') {
      const consents = (await safely(() => listConsents(ctx, d.personId))) ?? [];
      data.givenConsents = consents.filter((c) => c.status === 'given').map((c) => ({ value: c.id, text: `${PURPOSE_LABELS[c.purposeCode]}: ${c.purpose}`, hint: { text: `Obtained ${ukDate(c.obtainedAt)}` } }));
      data.refusedConsents = consents.filter((c) => c.status === 'refused').map((c) => ({ value: c.id, text: `${PURPOSE_LABELS[c.purposeCode]}: ${c.purpose}` }));
    }
    if (step === 'outcome') data.assessment = assess(answersOf(d), undefined);
    if (step === 'what' || step === 'check') {
      const records = (await safely(() => listPersonRecords(ctx, d.personId))) ?? [];
      const agencies = await agenciesOtherThanMine(ctx);
      data.records = records.map((r) => ({ value: r.id, text: `${ukDate(r.occurredAt)}: ${r.summary}`, hint: { text: `${r.kind.replace(/_/g, ' ')}, ${r.factOrOpinion}, ${r.reportedOrWitnessed}${r.sensitiveCategories.length ? ', sensitive' : ''}` } }));
      data.agencies = agencies.map((a) => ({ value: a.id, text: a.name }));
      data.chosenRecords = records.filter((r) => d.recordIds.includes(r.id));
      data.chosenAgencies = agencies.filter((a) => d.recipientAgencyIds.includes(a.id));
    }
    if (step === 'check') {
      const outcome = d.outcome ?? 'do_not_share';
      const built = decisionOf(d, outcome);
      const preview = built.input ? await previewDecision(ctx, built.input) : undefined;
      const problems = preview ? preview.problems : built.problems;
      data.preview = preview;
      data.assessment = preview?.assessment ?? assess(answersOf(d), undefined);
      data.purposeLabel = d.purposeCode ? PURPOSE_LABELS[d.purposeCode as PurposeCode] : '';
      data.summaryRows = answerRows(d).map((r) => ({
        key: { text: r.key }, value: { text: r.value },
        actions: { items: [{ href: `/share/${d.id}/${r.step}?change=1`, text: 'Change', visuallyHiddenText: r.key.toLowerCase() }] },
      }));
      data.warningItems = (preview?.warnings ?? []).map((w) => ({ value: w.code, text: w.message }));
      data.chosenAgencyNames = (data.chosenAgencies as { name: string }[]).map((a) => a.name).join(', ');
      data.partsText = d.parts.map((p) => LABELS.parts.find((x) => x.value === p)?.text ?? p).join(', ');
      const e = errors ?? new FormErrors();
      for (const p of problems) {
        const at = stepOfPointer(p.pointer);
        e.add(`${at.step}-${at.field}-${e.list.length}`, p.detail, at.step === 'check' ? '#acknowledgedWarnings' : `/share/${d.id}/${at.step}#${at.field}`);
      }
      return e.any ? web.renderErrors(request, reply, 'share/step.njk', e, data) : web.render(request, reply, 'share/step.njk', { ...data, errors: {}, errorList: [] });
    }
    return errors?.any ? web.renderErrors(request, reply, 'share/step.njk', errors, data) : web.render(request, reply, 'share/step.njk', { ...data, errors: {}, errorList: [] });
  };

  // Starting a decision: from the person's page, from advice given (follows), or to answer a request.
  app.get<{ Params: { id: string }; Querystring: { follows?: string; request?: string; record?: string } }>('/people/:id/share', async (request, reply) => {
    const ctx = web.ctx(request);
    const person = await getPerson(ctx, request.params.id);
    const follows = request.query.follows ? await safely(() => getDecision(ctx, request.query.follows!)) : undefined;
    // A decision that follows advice starts from the answers already given; the practitioner checks each one.
    const a = follows?.personId === person.id ? follows.answers : undefined;
    const d = await web.drafts.startShare(ctx.actor.practitionerId, person.id, {
      personLabel: personName(person),
      followsDecisionId: follows?.personId === person.id ? follows.id : undefined,
      informationRequestId: request.query.request,
      // From a concern brought to the lead: that record is ticked; the decision still checks every one chosen.
      ...(request.query.record && /^[0-9a-f-]{36}$/i.test(request.query.record) ? { recordIds: [request.query.record.toLowerCase()] } : {}),
      ...(a ? {
        purposeCode: a.purposeCode, purpose: a.purpose, withinAgencyFunctions: a.withinAgencyFunctions, legalObligation: a.legalObligation, legalObligationReference: a.legalObligationReference,
        identifiable: a.identifiable, confidential: a.confidential, consentStatus: a.consent?.status,
        consentId: a.consent?.status === 'given' ? a.consent.consentId : undefined,
        refusedConsentId: a.consent?.status === 'refused' ? a.consent.consentId : undefined,
        refusalDetails: a.consent?.status === 'refused' ? a.consent.details : undefined,
        notSoughtReason: a.consent?.status === 'not_sought' ? a.consent.reason : undefined,
        notSoughtExplanation: a.consent?.status === 'not_sought' ? a.consent.explanation : undefined,
        harm: a.publicInterest?.harm, evidence: a.publicInterest?.evidence, necessityAndProportionality: a.publicInterest?.necessityAndProportionality,
        adultWithCapacityRiskingOnlyThemself: a.publicInterest?.adultWithCapacityRiskingOnlyThemself,
      } : {}),
    });
    return reply.redirect(`/share/${d.id}/purpose`, 303);
  });

  app.get<{ Params: { draft: string } }>('/share/:draft/advice', async (request, reply) => {
    const d = await draftOf(request, request.params.draft);
    if (d.result) return reply.redirect(d.result, 303);
    return web.render(request, reply, 'share/advice.njk', { pageTitle: 'Seek advice', draft: d, values: d, labels: LABELS, personLabel: d.personLabel, errors: {}, errorList: [], backLink: `/share/${d.id}/purpose` });
  });

  app.post<{ Params: { draft: string } }>('/share/:draft/advice', async (request, reply) => {
    const ctx = web.ctx(request);
    const d = await draftOf(request, request.params.draft);
    if (d.result) return reply.redirect(d.result, 303);
    const f = formOf(request.body);
    d.adviserRole = opt(f, 'adviserRole'); d.adviceQuestion = opt(f, 'adviceQuestion'); d.revealIdentity = yesNo(f, 'revealIdentity'); d.adviceReasons = opt(f, 'adviceReasons');
    if (f.purposeCode !== undefined) d.purposeCode = opt(f, 'purposeCode');
    if (f.purpose !== undefined) d.purpose = opt(f, 'purpose');
    await web.drafts.saveShare(d);
    const errors = new FormErrors();
    if (!d.purposeCode) errors.add('purposeCode', 'Choose the purpose of sharing');
    if (!d.purpose) errors.add('purpose', 'Describe the purpose in your own words');
    if (!d.adviserRole) errors.add('adviserRole', 'Choose whose advice you are seeking');
    if (!d.adviceQuestion) errors.add('adviceQuestion', 'Write your question for the adviser');
    if (d.revealIdentity === undefined) errors.add('revealIdentity', 'Say whether the adviser may know who the person is');
    if (!d.adviceReasons) errors.add('adviceReasons', 'Say why you are seeking advice');
    if (!errors.any) {
      const built = decisionOf(d, 'seek_advice');
      try {
        const input = built.input;
        if (!input) throw Object.assign(new Error('invalid'), { problems: built.problems });
        return reply.redirect(await web.drafts.submitOnce(d, async () => `/share-decisions/${(await makeDecision(ctx, input)).id}?done=advice-requested`), 303);
      } catch (err) {
        const p = validationProblem(err);
        const problems = p?.errors ?? (err as { problems?: { pointer: string; detail: string }[] }).problems;
        if (!problems) throw err;
        errors.addProblems(problems, { '/answers/purposeCode': 'purposeCode', '/answers/purpose': 'purpose', '/advice/adviserRole': 'adviserRole', '/advice': 'adviceQuestion', '/reasons': 'adviceReasons' }, 'adviceQuestion');
      }
    }
    return web.renderErrors(request, reply, 'share/advice.njk', errors, { pageTitle: 'Seek advice', draft: d, values: d, labels: LABELS, personLabel: d.personLabel, backLink: `/share/${d.id}/purpose` });
  });

  app.get<{ Params: DraftParams }>('/share/:draft/:step', async (request, reply) => {
    const d = await draftOf(request, request.params.draft);
    if (d.result) return reply.redirect(d.result, 303);
    if (!isStep(request.params.step)) throw notFound('question');
    return renderStep(request, reply, d, request.params.step);
  });

  app.post<{ Params: DraftParams }>('/share/:draft/:step', async (request, reply) => {
    const ctx = web.ctx(request);
    const d = await draftOf(request, request.params.draft);
    if (d.result) return reply.redirect(d.result, 303);
    const step = request.params.step;
    if (!isStep(step)) throw notFound('question');
    const f = formOf(request.body);
    save(d, step, f);
    await web.drafts.saveShare(d);
    // "Seek advice" is a way out at every question: what was typed is kept with the draft.
    if (str(f, 'action') === 'advice') return reply.redirect(`/share/${d.id}/advice`, 303);
    const errors = check(d, step, ctx.clock.now());
    if (errors.any) return renderStep(request, reply, d, step, errors);
    if (step !== 'check') {
      // From "check your answers", a changed answer goes back there unless the path now needs more.
      const back = str(f, 'returnTo') === 'check' && pathOf(d).slice(0, -1).every((s) => s === 'check' || !check(d, s, ctx.clock.now()).any);
      return reply.redirect(`/share/${d.id}/${back ? 'check' : nextStep(d, step)}`, 303);
    }
    const input = decisionOf(d, d.outcome ?? 'do_not_share').input;
    if (!input) return renderStep(request, reply, d, 'check');
    try {
      // makeDecision takes no idempotency key: the draft makes a double submit record it once.
      return reply.redirect(await web.drafts.submitOnce(d, async () => `/share-decisions/${(await makeDecision(ctx, input)).id}?done=decision-recorded`), 303);
    } catch (err) {
      const p = validationProblem(err);
      if (!p) throw err;
      const e = new FormErrors();
      for (const x of p.errors) {
        const at = stepOfPointer(x.pointer);
        e.add(`${at.step}-${at.field}-${e.list.length}`, x.detail, at.step === 'check' ? '#acknowledgedWarnings' : `/share/${d.id}/${at.step}#${at.field}`);
      }
      return renderStep(request, reply, d, 'check', e);
    }
  });

  const decisionPage = async (request: FastifyRequest, reply: FastifyReply, values: Record<string, unknown> = {}, errors?: FormErrors): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const id = (request.params as { id: string }).id;
    const decision = await getDecision(ctx, id);
    const person = await safely(() => getPerson(ctx, decision.personId));
    const records = decision.items.length ? ((await safely(() => listPersonRecords(ctx, decision.personId))) ?? []).filter((r) => decision.items.some((i) => i.recordId === r.id)) : [];
    const agencies = await agenciesOtherThanMine(ctx);
    const referTo = decision.outcome === 'share' && !decision.revokedAt
      ? agencies.filter((a) => (a.type === 'childrens_social_care' || a.type === 'police') && decision.recipients.some((r) => r.agencyId === a.id))
      : [];
    const data = {
      pageTitle: 'A decision about sharing', decision, person, name: person ? personName(person) : '', records, referTo,
      purposeLabel: PURPOSE_LABELS[decision.purposeCode], labels: LABELS, backLink: `/people/${decision.personId}`, values,
      mayRevoke: decision.outcome === 'share' && !decision.revokedAt,
      successBanner: (request.query as { done?: string } | undefined)?.done === 'share-revoked' ? 'The share has been revoked. The agencies it was shared with can no longer see it and have been told.' : undefined,
    };
    return errors?.any ? web.renderErrors(request, reply, 'share/decision.njk', errors, data) : web.render(request, reply, 'share/decision.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: { id: string } }>('/share-decisions/:id', async (request, reply) => decisionPage(request, reply));

  // Revoking ends the recipients' access at once and tells them (revokeDecision); what they saw stays in the history.
  app.post<{ Params: { id: string } }>('/share-decisions/:id/revoke', async (request, reply) => {
    const reason = str(formOf(request.body), 'reason');
    const errors = new FormErrors();
    try {
      const input = parseForm(Revocation, { reason });
      await revokeDecision(web.ctx(request), request.params.id, input.reason);
      return reply.redirect(`/share-decisions/${request.params.id}?done=share-revoked`, 303);
    } catch (err) {
      if (err instanceof Problem && err.status === 409) errors.add('reason', err.detail ?? 'This share cannot be revoked');
      else {
        const p = validationProblem(err);
        if (!p) throw err;
        errors.addProblems(p.errors, { '/reason': 'reason' }, 'reason');
      }
    }
    return decisionPage(request, reply, { reason }, errors);
  });

  app.get('/advice', async (request, reply) => {
    const queue = await listAdviceQueue(web.ctx(request));
    return web.render(request, reply, 'share/advice-queue.njk', { pageTitle: 'Requests for your advice', queue });
  });

  const adviceView = async (request: FastifyRequest, id: string): Promise<Record<string, unknown>> => {
    const ctx = web.ctx(request);
    const advice = await getAdviceRequest(ctx, id);
    const person = advice.personId ? await safely(() => getPerson(ctx, advice.personId!)) : undefined;
    return { pageTitle: 'A request for advice', advice, name: person ? personName(person) : undefined, labels: LABELS, purposeLabel: advice.answers.purposeCode ? PURPOSE_LABELS[advice.answers.purposeCode] : '', backLink: '/advice' };
  };

  app.get<{ Params: { id: string } }>('/advice/:id', async (request, reply) =>
    web.render(request, reply, 'share/advice-request.njk', { ...(await adviceView(request, request.params.id)), values: {}, errors: {}, errorList: [] }));

  app.post<{ Params: { id: string } }>('/advice/:id', async (request, reply) => {
    const f = formOf(request.body);
    const text = str(f, 'advice');
    const errors = new FormErrors();
    const parsed = Advice.safeParse({ advice: text });
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), { '/advice': 'advice' }, 'advice');
    else {
      await giveAdvice(web.ctx(request), request.params.id, parsed.data.advice);
      return reply.redirect(`/advice/${request.params.id}?done=advice-given`, 303);
    }
    return web.renderErrors(request, reply, 'share/advice-request.njk', errors, { ...(await adviceView(request, request.params.id)), values: { advice: text } });
  });
}
