import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { recordConsent, withdrawConsent } from '../consent/consent.ts';
import { NewConsent } from '../consent/schemas.ts';
import { addRelationship, getPerson } from '../people/people.ts';
import { addRecord, getRecord, getRecordHistory, listPersonRecords } from '../records/records.ts';
import { fixedClock } from '../shared/clock.ts';
import type { ActorContext } from '../shared/context.ts';
import { getAdviceRequest, giveAdvice, listAdviceQueue } from './advice.ts';
import { NewShareDecision } from './schemas.ts';
import { completeUrgentDecision, getDecision, listIncompleteUrgent, makeDecision, previewDecision, revokeDecision } from './sharing.ts';

const problemOf = (p: Promise<unknown>): Promise<{ status: number; errors: { pointer: string; detail: string }[] }> =>
  p.then(() => { throw new Error('expected a problem'); }, (e: { status: number; errors: { pointer: string; detail: string }[] }) => e);

describe('sharing information through a recorded decision', () => {
  const t = useTestDb();

  /** Case example 3's cast: Jack's school (teacher, child protection lead), the health visitor, and a third agency. */
  async function cast(now = '2026-03-02T09:00:00Z') {
    const clock = fixedClock(now);
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', 'Riverside Primary');
    const hvService = await agency(s, p, 'health_visiting', 'Health visiting');
    const police = await agency(s, p, 'police', 'Police');
    const teacher = await practitioner(s, school, ['practitioner'], 'Teacher');
    const lead = await practitioner(s, school, ['practitioner', 'safeguarding_lead'], 'Child protection lead');
    const hv = await practitioner(s, hvService, ['practitioner', 'safeguarding_lead'], 'Health visitor');
    const officer = await practitioner(s, police, ['practitioner', 'safeguarding_lead'], 'Officer');
    const jack = await person(teacher, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2022-04-22', addresses: [{ line1: '5 Ashdown Road', postcode: 'NS1 6EJ' }] });
    const mother = await person(teacher, { kind: 'adult', names: [{ givenNames: 'Dawn', familyName: 'Carver' }], dateOfBirth: '1994-02-01' });
    await addRelationship(teacher, jack.id, { relatedPersonId: mother.id, type: 'parental_responsibility' });
    const hungry = await addRecord(teacher, jack.id, concern({ summary: 'Often hungry', details: 'Takes food from lunchboxes', childsWords: 'I had no breakfast' }));
    const asleep = await addRecord(teacher, jack.id, concern({ summary: 'Fell asleep in class', occurredAt: '2026-02-27T13:00:00Z' }));
    return { clock, s, school, hvService, police, teacher, lead, hv, officer, jack, mother, hungry, asleep };
  }

  const consentFromMother = (c: Awaited<ReturnType<typeof cast>>, over: Partial<Record<string, unknown>> = {}) =>
    recordConsent(c.lead, c.jack.id, NewConsent.parse({
      purposeCode: 'welfare_monitoring', purpose: "To check with the health visitor about Jack's weight and tiredness",
      recipientAgencyIds: [c.hvService], decision: 'given', form: 'explicit_verbal',
      givenBy: { capacity: 'parental_responsibility', personId: c.mother.id }, obtainedAt: '2026-03-02T08:30:00Z', ...over,
    }));

  const shareWithConsent = (c: Awaited<ReturnType<typeof cast>>, consentId: string, over: Partial<NewShareDecision> = {}): NewShareDecision => NewShareDecision.parse({
    personId: c.jack.id,
    answers: {
      purposeCode: 'welfare_monitoring', purpose: 'Ask the health visitor whether she shares our concerns', withinAgencyFunctions: true, legalObligation: 'none',
      identifiable: true, confidential: true, consent: { status: 'given', consentId },
    },
    outcome: 'share',
    reasons: 'Mother agreed; the health visitor may hold information that explains the concerns',
    share: { recipients: [{ agencyId: c.hvService }], items: [{ recordId: c.hungry.id, parts: ['summary', 'details'] }] },
    subjectInformed: { informed: true, at: '2026-03-02T08:30:00Z', by: 'Child protection lead' },
    ...over,
  });

  it('with consent, the health visitor sees exactly the shared parts of the shared record, who shared it and why — and nothing else', async () => {
    const c = await cast();
    const consent = await consentFromMother(c);
    const decision = await makeDecision(c.lead, shareWithConsent(c, consent.id));
    expect(decision).toMatchObject({ outcome: 'share', legalBasis: 'consent', consentId: consent.id, decidedByName: 'Child protection lead' });

    const seen = await getRecord(c.hv, c.hungry.id);
    expect(seen).toMatchObject({ summary: 'Often hungry', details: 'Takes food from lunchboxes', childsWords: null, sharedParts: ['summary', 'details'] });
    expect(seen.share).toMatchObject({ decisionId: decision.id, sharedByAgencyName: 'Riverside Primary', sharedByName: 'Child protection lead', legalBasis: 'consent', onwardSharing: 'not_permitted' });
    expect((await listPersonRecords(c.hv, c.jack.id)).map((r) => r.id)).toEqual([c.hungry.id]);
    await expect(getRecord(c.hv, c.asleep.id)).rejects.toMatchObject({ status: 404 });
    // She can see who Jack is, but not his address (not included) or his mother (a third party).
    const jackAsSeen = await getPerson(c.hv, c.jack.id);
    expect(jackAsSeen).toMatchObject({ access: 'shared', addresses: [], relationships: [] });
    // The police were not a recipient: the record, and Jack, do not exist for them.
    await expect(getRecord(c.officer, c.hungry.id)).rejects.toMatchObject({ status: 404 });
    await expect(getPerson(c.officer, c.jack.id)).rejects.toMatchObject({ status: 404 });
  });

  it('a recipient sees the record as it is now, not its earlier versions', async () => {
    const c = await cast();
    const consent = await consentFromMother(c);
    await makeDecision(c.lead, shareWithConsent(c, consent.id));
    expect(await getRecordHistory(c.hv, c.hungry.id)).toHaveLength(1);
  });

  it('revoking the share takes access away from that moment; the decision keeps the history', async () => {
    const c = await cast();
    const consent = await consentFromMother(c);
    const d = await makeDecision(c.lead, shareWithConsent(c, consent.id));
    c.clock.advanceMinutes(60);
    const revoked = await revokeDecision(c.lead, d.id, 'Shared the wrong entry');
    expect(revoked.revokedAt).toBe('2026-03-02T10:00:00.000Z');
    await expect(getRecord(c.hv, c.hungry.id)).rejects.toMatchObject({ status: 404 });
    await expect(getPerson(c.hv, c.jack.id)).rejects.toMatchObject({ status: 404 });
    await expect(revokeDecision(c.lead, d.id, 'again')).rejects.toMatchObject({ status: 409 });
    expect((await getDecision(c.lead, d.id)).items).toEqual([{ recordId: c.hungry.id, parts: ['summary', 'details'] }]);
  });

  it('withdrawn consent ends the shares that relied on it, and the consent shows where it was relied on', async () => {
    const c = await cast();
    const consent = await consentFromMother(c);
    const d = await makeDecision(c.lead, shareWithConsent(c, consent.id));
    c.clock.advanceMinutes(30);
    const withdrawn = await withdrawConsent(c.lead, consent.id, { reason: 'Mother phoned to withdraw' });
    expect(withdrawn).toMatchObject({ status: 'withdrawn', reliedOnBy: [{ decisionId: d.id, revokedAt: '2026-03-02T09:30:00.000Z' }] });
    await expect(getRecord(c.hv, c.hungry.id)).rejects.toMatchObject({ status: 404 });
    // Relying on it again is refused.
    const again = await problemOf(makeDecision(c.lead, shareWithConsent(c, consent.id)));
    expect(again.errors).toContainEqual({ pointer: '/answers/consent/consentId', detail: 'This consent has been withdrawn' });
  });

  it('consent for one purpose is not reused for another (case example 2)', async () => {
    const c = await cast();
    const consent = await consentFromMother(c, { purposeCode: 'education_attendance', purpose: 'Move to a closer nursery' });
    const p = await problemOf(makeDecision(c.lead, shareWithConsent(c, consent.id)));
    expect(p.status).toBe(422);
    expect(p.errors).toContainEqual({ pointer: '/answers/consent/consentId', detail: 'This consent is for a different purpose or different recipients: a new purpose needs new consent (3.21)' });
    expect(await listPersonRecords(c.hv, c.jack.id).catch(() => [])).toEqual([]);
  });

  it('consent from someone without parental responsibility is refused and nothing is recorded', async () => {
    const c = await cast();
    const neighbour = await person(c.teacher, { kind: 'adult', names: [{ givenNames: 'Neighbour' }], dateOfBirth: '1970-01-01' });
    const p = await problemOf(consentFromMother(c, { givenBy: { capacity: 'parental_responsibility', personId: neighbour.id } }));
    expect(p.errors).toEqual([{ pointer: '/givenBy/personId', detail: 'This person does not have parental responsibility for the child on record' }]);
    expect((await t.db().query('SELECT 1 FROM consent')).rowCount).toBe(0);
  });

  it('a 14-year-old consents for herself only after the 3.24 assessment shows sufficient understanding', async () => {
    const c = await cast();
    const natasha = await person(c.teacher, { names: [{ givenNames: 'Natasha' }], dateOfBirth: '2011-10-01', sex: 'female' });
    const base = { purposeCode: 'health_assessment_or_treatment', purpose: 'Sexual health advice', recipientAgencyIds: [c.hvService], decision: 'given', form: 'explicit_verbal', obtainedAt: '2026-03-02T08:00:00Z' };
    const none = await problemOf(recordConsent(c.lead, natasha.id, NewConsent.parse({ ...base, givenBy: { capacity: 'self' } })));
    expect(none.errors).toEqual([{ pointer: '/givenBy/competence', detail: 'Record the competence assessment' }]);
    const assessment = { understandsTheQuestion: true, understandsWhatWhyAndImplications: true, weighsTheAlternatives: true, expressesOwnClearView: true, isReasonablyConsistent: false, fraserGuidelinesApplied: true, notes: 'Changes her mind' };
    const unmet = await problemOf(recordConsent(c.lead, natasha.id, NewConsent.parse({ ...base, givenBy: { capacity: 'self', competence: assessment } })));
    expect(unmet.errors).toEqual([{ pointer: '/givenBy/competence/isReasonablyConsistent', detail: 'Not met' }]);
    const ok = await recordConsent(c.lead, natasha.id, NewConsent.parse({ ...base, givenBy: { capacity: 'self', competence: { ...assessment, isReasonablyConsistent: true } } }));
    expect(ok).toMatchObject({ givenByCapacity: 'self', competence: { fraserGuidelinesApplied: true }, status: 'given' });
  });

  it('sharing without consent needs the harm level and, in the practitioner’s words, why it is necessary and proportionate', async () => {
    const c = await cast();
    const input = shareWithConsent(c, '00000000-0000-4000-8000-000000000000', {
      answers: { purposeCode: 'child_protection_enquiry', purpose: 'Concerns of neglect', withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true, consent: { status: 'refused', details: 'Mother refused' } },
      share: { recipients: [{ agencyId: c.hvService }], items: [{ recordId: c.hungry.id, parts: ['summary'] }], onwardSharing: 'not_permitted', includeAddress: false },
    });
    const p = await problemOf(makeDecision(c.lead, input));
    expect(p.errors).toEqual(expect.arrayContaining([
      { pointer: '/answers/publicInterest/harm', detail: 'Without consent, state the level of harm (3.43)' },
      { pointer: '/answers/publicInterest/necessityAndProportionality', detail: 'Without consent, say why sharing is necessary and proportionate (3.41)' },
    ]));
    const preview = await previewDecision(c.lead, { ...input, answers: { ...input.answers, publicInterest: { harm: 'child_significant_harm', necessityAndProportionality: 'Hunger and exhaustion', adultWithCapacityRiskingOnlyThemself: false } } });
    expect(preview.assessment).toMatchObject({ legalBasis: 'public_interest', supportsSharing: true });
    expect(preview.assessment.guidance.join(' ')).toMatch(/normally justified in the public interest .*3\.43/);
    expect(preview.problems).toEqual([]);
  });

  it('a decision NOT to share is recorded with the same care (golden rule 7) and shares nothing', async () => {
    const c = await cast();
    const d = await makeDecision(c.hv, NewShareDecision.parse({
      personId: (await person(c.hv, { kind: 'adult', names: [{ givenNames: 'Dawn' }], dateOfBirth: '1994-02-01' })).id,
      answers: { purposeCode: 'welfare_monitoring', purpose: "School asks about the mother's health", withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true, consent: { status: 'refused', details: 'Mother refused' }, publicInterest: { harm: 'lower', necessityAndProportionality: 'Little benefit to the children', adultWithCapacityRiskingOnlyThemself: false } },
      outcome: 'do_not_share', reasons: 'The benefit to the children would be small; the mother accepts services',
    }));
    expect(d).toMatchObject({ outcome: 'do_not_share', legalBasis: 'public_interest', recipients: [], items: [] });
    expect(d.assessment.supportsSharing).toBe(false);
  });

  it('sensitive information and protected sources must be acknowledged before the decision is confirmed', async () => {
    const c = await cast();
    const health = await addRecord(c.teacher, c.jack.id, concern({ summary: 'Mother says she is depressed', sensitiveCategories: ['physical_or_mental_health'], source: { type: 'member_of_public', description: 'Neighbour at no. 7', identityProtected: true } }));
    const consent = await consentFromMother(c);
    const input = shareWithConsent(c, consent.id, { share: { recipients: [{ agencyId: c.hvService }], items: [{ recordId: health.id, parts: ['summary', 'source'] }], onwardSharing: 'not_permitted', includeAddress: false } });
    const p = await problemOf(makeDecision(c.lead, input));
    expect(p.errors.map((e) => e.detail.split(' — ')[0])).toEqual([
      'Confirm you have considered: sensitive_information', 'Confirm you have considered: protected_source', 'Confirm you have considered: third_party',
    ]);
    await makeDecision(c.lead, { ...input, acknowledgedWarnings: ['sensitive_information', 'protected_source', 'third_party'] });
    expect((await getRecord(c.hv, health.id)).source).toEqual({ type: 'member_of_public', description: null, identityProtected: true });
  });

  it('a recipient cannot pass on what was shared without permission to pass it on (3.49)', async () => {
    const c = await cast();
    const consent = await consentFromMother(c);
    await makeDecision(c.lead, shareWithConsent(c, consent.id));
    const onward = shareWithConsent(c, consent.id, {
      answers: { purposeCode: 'child_protection_enquiry', purpose: 'Tell the police', withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true, consent: { status: 'not_sought', reason: 'increase_risk_of_harm', explanation: 'x' }, publicInterest: { harm: 'child_significant_harm', necessityAndProportionality: 'y', adultWithCapacityRiskingOnlyThemself: false } },
      share: { recipients: [{ agencyId: c.police }], items: [{ recordId: c.hungry.id, parts: ['summary'] }], onwardSharing: 'not_permitted', includeAddress: false },
    });
    const p = await problemOf(makeDecision(c.hv, onward));
    expect(p.errors).toContainEqual({ pointer: '/share/items/0/recordId', detail: 'This record was shared with you without permission to pass it on (3.49)' });
  });

  it('an urgent share is made at once, must be completed within 1 working day, and is listed until it is', async () => {
    // Friday 3 April 2026 is Good Friday and Monday 6 April Easter Monday: due Tuesday 7 April.
    const c = await cast('2026-04-02T16:00:00Z');
    const urgent = await makeDecision(c.lead, NewShareDecision.parse({
      personId: c.jack.id, urgent: true, outcome: 'share',
      answers: { purposeCode: 'child_protection_enquiry', purpose: 'Jack disclosed being hit', publicInterest: { harm: 'child_significant_harm' } },
      reasons: 'Immediate risk', share: { recipients: [{ agencyId: c.police }], items: [{ recordId: c.hungry.id }] },
    }));
    expect(urgent).toMatchObject({ urgent: true, completeBy: '2026-04-07', completedAt: null });
    expect((await getRecord(c.officer, c.hungry.id)).summary).toBe('Often hungry');
    expect(await listIncompleteUrgent(c.lead)).toEqual([expect.objectContaining({ decisionId: urgent.id, completeBy: '2026-04-07', overdue: false })]);
    c.clock.set('2026-04-07T10:00:00Z');
    const done = await completeUrgentDecision(c.lead, urgent.id, {
      answers: { withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true, consent: { status: 'not_sought', reason: 'unjustified_delay_in_enquiries', explanation: 'Police attending now' }, publicInterest: { harm: 'child_significant_harm', necessityAndProportionality: 'Disclosure of being hit', adultWithCapacityRiskingOnlyThemself: false } },
      subjectInformed: { informed: false, reason: 'Police enquiries under way (3.36)' }, acknowledgedWarnings: [],
    });
    expect(done.completedAt).toBe('2026-04-07T10:00:00.000Z');
    expect(await listIncompleteUrgent(c.lead)).toEqual([]);
  });

  it('seeking advice hides who the person is from the adviser unless the asker reveals it, and the advice is kept against the decision', async () => {
    const c = await cast();
    const ask = await makeDecision(c.teacher, NewShareDecision.parse({
      personId: c.jack.id, outcome: 'seek_advice', reasons: 'Unsure whether this is enough to share',
      answers: { purposeCode: 'welfare_monitoring', purpose: 'Check with the health visitor' },
      advice: { adviserRole: 'safeguarding_lead', question: 'A 4-year-old often hungry and tired; mother low. Should I contact the health visitor?' },
    }));
    const queue = await listAdviceQueue(c.lead);
    expect(queue).toHaveLength(1);
    expect(queue[0]).toMatchObject({ decisionId: ask.id, personId: null, askedByName: 'Teacher' });
    expect(await listAdviceQueue(c.teacher)).toEqual([]);
    await giveAdvice(c.lead, queue[0]!.id, 'Yes: ask the mother first; if she refuses, come back to me.');
    expect((await getAdviceRequest(c.teacher, queue[0]!.id)).advice).toMatch(/ask the mother first/);
    expect((await getDecision(c.teacher, ask.id)).advice[0]).toMatchObject({ advisedBy: c.lead.actor.practitionerId });
    await expect(getAdviceRequest(c.hv, queue[0]!.id)).rejects.toMatchObject({ status: 404 });
  });

  it('a share must say who it goes to and which records: a share without recipients is refused', async () => {
    const c = await cast();
    const consent = await consentFromMother(c);
    const p = await problemOf(makeDecision(c.lead, shareWithConsent(c, consent.id, { share: { recipients: [], items: [{ recordId: c.hungry.id, parts: ['summary'] }], onwardSharing: 'not_permitted', includeAddress: false } })));
    expect(p.errors).toContainEqual({ pointer: '/share/recipients', detail: 'Choose who the information is shared with' });
    const noPurpose = await problemOf(makeDecision(c.lead, { ...shareWithConsent(c, consent.id), answers: { ...shareWithConsent(c, consent.id).answers, purpose: undefined, purposeCode: undefined } }));
    expect(noPurpose.errors).toEqual(expect.arrayContaining([{ pointer: '/answers/purposeCode', detail: 'Choose the purpose of sharing' }]));
  });

  it('only the deciding agency can read or revoke its decision', async () => {
    const c: { lead: ActorContext; hv: ActorContext } & Awaited<ReturnType<typeof cast>> = await cast();
    const consent = await consentFromMother(c);
    const d = await makeDecision(c.lead, shareWithConsent(c, consent.id));
    await expect(getDecision(c.hv, d.id)).rejects.toMatchObject({ status: 404 });
    await expect(revokeDecision(c.hv, d.id, 'no')).rejects.toMatchObject({ status: 404 });
  });
});
