import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { recordConsent } from '../consent/consent.ts';
import { NewConsent } from '../consent/schemas.ts';
import { addRelationship, getPerson } from '../people/people.ts';
import { addRecord, getRecord, listPersonRecords } from '../records/records.ts';
import { fixedClock } from '../shared/clock.ts';
import type { ActorContext } from '../shared/context.ts';
import { listNotifications } from '../sharing/notifications.ts';
import { NewShareDecision } from '../sharing/schemas.ts';
import { makeDecision } from '../sharing/sharing.ts';
import { getEpisode } from './episodes.ts';
import { NewReferral } from './referral-schemas.ts';
import { acceptReferral } from './referral-acceptance.ts';
import { acknowledgeReferral, confirmInWriting, decideReferral, getReferral, listIncomingReferrals, listOutgoingReferrals, makeReferral } from './referrals.ts';

const problemOf = (p: Promise<unknown>): Promise<{ status: number; detail: string; errors: { pointer: string; detail: string }[] }> =>
  p.then(() => { throw new Error('expected a problem'); }, (e: { status: number; detail: string; errors: { pointer: string; detail: string }[] }) => e);

const keysAndDues = (steps: { key: string; due: string }[]): [string, string][] => steps.map((s) => [s.key, s.due]);

describe('referrals to children’s social care and the police', () => {
  const t = useTestDb();

  /** Jack's school, the local authority's children's social care, the police and the health visitors. */
  async function cast(now = '2026-04-02T09:00:00Z') {
    const clock = fixedClock(now);
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', 'Riverside Primary');
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const police = await agency(s, p, 'police', 'Northshire Police');
    const health = await agency(s, p, 'health_visiting', 'Northshire Health Visiting');
    const teacher = await practitioner(s, school, ['practitioner'], 'Amira Shah');
    const schoolLead = await practitioner(s, school, ['practitioner', 'safeguarding_lead'], 'Tom Reid');
    const duty = await practitioner(s, csc, ['social_worker'], 'Dev Patel');
    const allocated = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const manager = await practitioner(s, csc, ['manager', 'safeguarding_lead'], 'Grace Okafor');
    const officer = await practitioner(s, police, ['practitioner', 'safeguarding_lead'], 'PC Lyons');
    const hv = await practitioner(s, health, ['practitioner', 'safeguarding_lead'], 'Joanne Pike');
    const jack = await person(teacher, {
      names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2019-04-22', sex: 'male', nhsNumber: '9434765919', addresses: [{ line1: '5 Ashdown Road', postcode: 'NS1 6EJ' }],
    });
    const lily = await person(teacher, { names: [{ givenNames: 'Lily', familyName: 'Carver' }], dateOfBirth: '2021-01-10' });
    const mother = await person(teacher, { kind: 'adult', names: [{ givenNames: 'Dawn', familyName: 'Carver' }], dateOfBirth: '1994-02-01' });
    await addRelationship(teacher, jack.id, { relatedPersonId: mother.id, type: 'parental_responsibility' });
    const hungry = await addRecord(teacher, jack.id, concern({ occurredAt: '2026-03-30T10:00:00Z', summary: 'Often hungry', details: 'Takes food from lunchboxes', childsWords: 'I had no breakfast' }));
    const asleep = await addRecord(teacher, jack.id, concern({ occurredAt: '2026-03-31T13:00:00Z', summary: 'Fell asleep in class' }));
    return { clock, s, school, csc, police, health, teacher, schoolLead, duty, allocated, manager, officer, hv, jack, lily, mother, hungry, asleep };
  }
  type Cast = Awaited<ReturnType<typeof cast>>;

  /** Jack's mother agreed to the referral: consent for children's social care (or another recipient) to see it. */
  const consentFromMother = (c: Cast, to: string) =>
    recordConsent(c.teacher, c.jack.id, NewConsent.parse({
      purposeCode: 'child_in_need_assessment', purpose: 'Refer Jack so that his needs can be assessed', recipientAgencyIds: [to], decision: 'given', form: 'explicit_verbal',
      givenBy: { capacity: 'parental_responsibility', personId: c.mother.id }, obtainedAt: '2026-04-02T08:30:00Z',
    }));

  const decisionWithConsent = (c: Cast, consentId: string, to: string) => ({
    answers: {
      purposeCode: 'child_in_need_assessment', purpose: 'Refer Jack so that his needs can be assessed', withinAgencyFunctions: true, legalObligation: 'none',
      identifiable: true, confidential: true, consent: { status: 'given', consentId },
    },
    outcome: 'share',
    reasons: 'His mother agreed; they need to know what we have seen',
    share: { recipients: [{ agencyId: to }], items: [{ recordId: c.hungry.id, parts: ['summary', 'details'] }] },
    subjectInformed: { informed: true, at: '2026-04-02T08:30:00Z', by: 'Amira Shah' },
  });

  const referralBody = (c: Cast, over: Record<string, unknown> = {}): Record<string, unknown> => ({
    childPersonId: c.jack.id,
    toAgencyId: c.csc,
    channel: 'phone',
    concerns: 'Jack is often hungry and tired; he takes food from other children',
    domains: {
      developmentalNeeds: 'Underweight for his age; tired in class; learning is slipping',
      parentingCapacity: 'Mother is struggling since her partner left; breakfasts are missed',
      familyAndEnvironment: 'Lives with mother and his sister Lily; little family support nearby',
    },
    childsWishesAndFeelings: 'Jack says he wants "more food at home" and likes school',
    familyAgreement: { status: 'agreed', details: 'Spoke to his mother at the gate' },
    familyToBeTold: { what: 'That a social worker will call to talk about support', byWhom: 'Amira Shah, class teacher', when: 'At pick-up on 2 April' },
    ...over,
  });

  async function refer(c: Cast, over: Record<string, unknown> = {}, by: ActorContext = c.teacher) {
    const consent = await consentFromMother(c, (over.toAgencyId as string | undefined) ?? c.csc);
    return makeReferral(by, NewReferral.parse(referralBody(c, { shareDecision: decisionWithConsent(c, consent.id, (over.toAgencyId as string | undefined) ?? c.csc), ...over })));
  }

  it('a school refers Jack by phone on the Thursday before Easter; the duty social worker accepts, acknowledges and decides no further action; the teacher is told why, and children’s social care saw exactly what was shared', async () => {
    const c = await cast();
    // Thursday 2 April 2026, 10:00 in London: Amira phones children's social care about Jack.
    const sent = await refer(c);
    // Her task list: confirm in writing within 48 hours (by Saturday 10:00, hours not working days),
    // and chase if there is no acknowledgement within 3 working days: Good Friday and Easter Monday
    // do not count, so Tuesday 7, Wednesday 8, Thursday 9 April.
    expect(sent.direction).toBe('outgoing');
    expect(keysAndDues(sent.steps)).toEqual([['written_confirmation', '2026-04-04T09:00:00.000Z'], ['referrer_chase', '2026-04-09']]);
    expect(sent.steps.find((s) => s.key === 'referrer_chase')).toMatchObject({ prompt: true, overdue: false });

    // Children's social care's queue: acknowledge and decide within 1 working day, i.e. Tuesday 7 April.
    const [queued, ...rest] = await listIncomingReferrals(c.duty, { status: 'open' });
    expect(rest).toEqual([]);
    expect(queued).toMatchObject({
      id: sent.id, direction: 'incoming', fromAgencyName: 'Riverside Primary', referredBy: { name: 'Amira Shah' }, channel: 'phone', progress: 'awaiting_acknowledgement',
      handling: 'received', receivedPersonId: null, shareDecisionId: null, childPersonId: c.jack.id, sharedRecordIds: [c.hungry.id],
      subject: { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2019-04-22', nhsNumber: '9434765919', addresses: [] },
    });
    expect(keysAndDues(queued!.steps)).toEqual([['acknowledgement', '2026-04-07'], ['referral_decision', '2026-04-07']]);
    expect(queued!.content.domains).toMatchObject({ parentingCapacity: 'Mother is struggling since her partner left; breakfasts are missed' });
    // The safeguarding lead was told a referral has arrived, and information shared (without Jack's name).
    expect((await listNotifications(c.manager)).map((n) => [n.kind, n.message]).sort()).toEqual([
      ['referral.received', 'A referral has been made to your agency.'], ['share.received', 'Information has been shared with you.'],
    ]);

    // That afternoon Amira confirms in writing: the 48-hour task is done.
    c.clock.set('2026-04-02T14:00:00Z');
    const confirmed = await confirmInWriting(c.teacher, sent.id, { note: 'Emailed to the duty inbox' });
    expect(keysAndDues(confirmed.steps)).toEqual([['referrer_chase', '2026-04-09']]);

    // Tuesday 7 April, 09:00: the duty social worker accepts the referral, creating Jack's entry in their own index.
    c.clock.set('2026-04-07T08:00:00Z');
    const accepted = await acceptReferral(c.duty, sent.id, { personId: 'new' });
    expect(accepted).toMatchObject({ handling: 'accepted', progress: 'awaiting_acknowledgement' });
    const ownJack = await getPerson(c.duty, accepted.receivedPersonId!);
    expect(ownJack).toMatchObject({ agencyId: c.csc, access: 'own', names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2019-04-22', nhsNumber: '9434765919', sex: 'male' });
    // The episode opened with the referral's own time and channel, and the written confirmation.
    let episode = await getEpisode(c.duty, accepted.episodeId!);
    expect(episode.childPersonId).toBe(ownJack.id);
    expect(episode.actions.map((a) => [a.type, a.occurredAt])).toEqual([['referral_received', '2026-04-02T09:00:00.000Z'], ['referral_confirmed_in_writing', '2026-04-02T14:00:00.000Z']]);
    expect(keysAndDues(episode.state.steps)).toEqual([['acknowledgement', '2026-04-07'], ['referrer_chase', '2026-04-09'], ['referral_decision', '2026-04-07']]);
    // The school's entry and children's social care's are now recorded as the same child.
    expect((await t.db().query('SELECT 1 FROM person_link WHERE person_id = $1 AND other_person_id = $2', [ownJack.id, c.jack.id])).rowCount).toBe(1);

    // 09:30: acknowledged on the episode; Amira is told, and her chase prompt goes.
    c.clock.set('2026-04-07T08:30:00Z');
    const acknowledged = await acknowledgeReferral(c.duty, sent.id, {});
    expect(acknowledged).toMatchObject({ progress: 'acknowledged', acknowledgedAt: '2026-04-07T08:30:00.000Z' });
    expect((await getReferral(c.teacher, sent.id)).steps).toEqual([]);

    // The duty social worker reads what the school shared: exactly the record it chose, and only its chosen parts.
    const seen = await listPersonRecords(c.duty, queued!.childPersonId!);
    expect(seen.map((r) => [r.id, r.summary, r.details, r.childsWords])).toEqual([[c.hungry.id, 'Often hungry', 'Takes food from lunchboxes', null]]);
    await expect(getRecord(c.duty, c.asleep.id)).rejects.toMatchObject({ status: 404 });
    // The police were not sent it: neither the referral nor the record exists for them.
    await expect(getReferral(c.officer, sent.id)).rejects.toMatchObject({ status: 404 });
    await expect(getRecord(c.officer, c.hungry.id)).rejects.toMatchObject({ status: 404 });

    // 16:00: with the manager, no further action, with reasons.
    c.clock.set('2026-04-07T15:00:00Z');
    const reasons = 'The school nurse is arranging breakfast club and the family support worker is visiting: needs are being met without us';
    const decided = await decideReferral(c.manager, sent.id, { outcome: 'no_further_action', reasons });
    expect(decided).toMatchObject({ progress: 'decided', decision: { outcome: 'no_further_action', reasons, decidedByName: 'Grace Okafor' }, steps: [] });
    episode = await getEpisode(c.duty, accepted.episodeId!);
    expect(episode.actions.map((a) => a.type)).toEqual(['referral_received', 'referral_confirmed_in_writing', 'referral_acknowledged', 'referral_decided']);
    expect(episode.state).toMatchObject({ stage: 'closed', referralOutcome: 'no_further_action' });

    // Amira is told, and her referral shows the outcome and the reasons (12.2).
    expect((await listNotifications(c.teacher)).map((n) => [n.kind, n.message])).toEqual([
      ['referral.decided', "Northshire Children's Social Care has decided on your referral: no further action at this stage. The reasons are with the referral (12.2)."],
      ['referral.acknowledged', "Northshire Children's Social Care has acknowledged your referral."],
    ]);
    const [mine] = await listOutgoingReferrals(c.teacher);
    expect(mine).toMatchObject({ id: sent.id, progress: 'decided', decision: { outcome: 'no_further_action', reasons }, handling: null, episodeId: null, receivedPersonId: null });
    expect(await listIncomingReferrals(c.duty, { status: 'open' })).toEqual([]);
    expect((await listIncomingReferrals(c.duty, { status: 'decided' })).map((r) => r.id)).toEqual([sent.id]);
  });

  it('a second referral about a child already open goes to the allocated social worker and is recorded against that episode (11.2)', async () => {
    const c = await cast();
    const first = await refer(c, { channel: 'written' });
    c.clock.set('2026-04-02T12:00:00Z');
    const accepted = await acceptReferral(c.duty, first.id, { personId: 'new', allocatedWorkerId: c.allocated.actor.practitionerId, team: 'Assessment' });
    await acknowledgeReferral(c.allocated, first.id, {});
    await decideReferral(c.manager, first.id, { outcome: 'assessment', reasons: 'Jack may be a child in need' });
    const episodeId = accepted.episodeId!;
    expect((await getEpisode(c.allocated, episodeId)).state.stage).toBe('assessment');

    // A week later the school's safeguarding lead refers again: Jack has a bruise. The school's
    // Jack is linked to children's social care's, whose episode is open: it goes straight to Rachel.
    c.clock.set('2026-04-09T09:00:00Z');
    const consent = await consentFromMother(c, c.csc);
    const second = await makeReferral(c.schoolLead, NewReferral.parse(referralBody(c, {
      channel: 'online', urgent: true, concerns: 'A bruise on his cheek; he says he walked into a door', shareDecision: decisionWithConsent(c, consent.id, c.csc),
    })));
    // The school is not told that Jack is open to children's social care.
    expect(second).toMatchObject({ direction: 'outgoing', handling: null, episodeId: null, routedTo: null });
    const incoming = await getReferral(c.allocated, second.id);
    expect(incoming).toMatchObject({ handling: 'routed', episodeId, routedTo: c.allocated.actor.practitionerId, receivedPersonId: accepted.receivedPersonId });
    expect((await listNotifications(c.allocated)).map((n) => [n.kind, n.entityId, n.message])).toEqual([
      ['referral.routed', second.id, 'Urgent: a new referral has arrived about a child already open to you (11.2).'],
    ]);

    // The police also refer Jack, from their own index (not linked to anyone's). On accepting,
    // the duty social worker names their existing entry for Jack: it is open, so it goes to Rachel too.
    c.clock.set('2026-04-09T11:00:00Z');
    const policeJack = await person(c.officer, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2019-04-22' });
    const call = await addRecord(c.officer, policeJack.id, concern({ summary: 'Called to a domestic incident; Jack present', occurredAt: '2026-04-08T22:00:00Z' }));
    const fromPolice = await makeReferral(c.officer, NewReferral.parse(referralBody(c, {
      childPersonId: policeJack.id, channel: 'phone',
      familyAgreement: { status: 'not_told', reason: 'Telling the mother now could increase the risk from her partner' },
      shareDecision: {
        answers: {
          purposeCode: 'child_protection_enquiry', purpose: 'Jack was present at a domestic incident', withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true,
          consent: { status: 'not_sought', reason: 'increase_risk_of_harm', explanation: 'The partner may retaliate' },
          publicInterest: { harm: 'child_significant_harm', necessityAndProportionality: 'Only the incident log goes to children’s social care', adultWithCapacityRiskingOnlyThemself: false },
        },
        outcome: 'share', reasons: 'Reasonable cause to believe Jack is at risk of significant harm',
        share: { recipients: [{ agencyId: c.csc }], items: [{ recordId: call.id, parts: ['summary'] }] },
        subjectInformed: { informed: false, reason: 'It could increase the risk to Jack' },
      },
    })));
    expect((await getReferral(c.duty, fromPolice.id)).handling).toBe('received');
    const routed = await acceptReferral(c.duty, fromPolice.id, { personId: accepted.receivedPersonId! });
    expect(routed).toMatchObject({ handling: 'routed', episodeId, routedTo: c.allocated.actor.practitionerId });
    expect((await listNotifications(c.allocated)).map((n) => n.entityId)).toEqual([fromPolice.id, second.id]);

    // Rachel acknowledges and decides on the episode's referral (12.3): a strategy discussion. The
    // episode's own history is untouched; the referral holds the decision, and the police are told.
    await acknowledgeReferral(c.allocated, fromPolice.id, {});
    c.clock.set('2026-04-09T14:00:00Z');
    const decided = await decideReferral(c.allocated, fromPolice.id, { outcome: 'strategy_discussion', reasons: 'Jack is already being assessed; the incident needs a strategy discussion with the police' });
    expect(decided.decision?.outcome).toBe('strategy_discussion');
    expect((await getEpisode(c.allocated, episodeId)).actions.map((a) => a.type)).toEqual(['referral_received', 'referral_acknowledged', 'referral_decided']);
    expect((await listNotifications(c.officer)).map((n) => n.kind)).toEqual(['referral.decided', 'referral.acknowledged']);
  });

  it('a referral to the police is a queue item there too: acknowledged and decided, with no episode', async () => {
    const c = await cast();
    const sent = await refer(c, { toAgencyId: c.police, channel: 'written' });
    const [queued] = await listIncomingReferrals(c.officer, { status: 'open' });
    expect(queued).toMatchObject({ id: sent.id, toAgencyName: 'Northshire Police', handling: 'received', sharedRecordIds: [c.hungry.id] });
    expect(keysAndDues(queued!.steps)).toEqual([['acknowledgement', '2026-04-07'], ['referral_decision', '2026-04-07']]);
    await expect(acceptReferral(c.officer, sent.id, { personId: 'new' })).rejects.toMatchObject({ status: 409 });
    c.clock.set('2026-04-02T11:00:00Z');
    await acknowledgeReferral(c.officer, sent.id, {});
    const wrong = await problemOf(decideReferral(c.officer, sent.id, { outcome: 'assessment', reasons: 'x' }));
    expect(wrong.errors).toEqual([{ pointer: '/outcome', detail: "An assessment is children's social care's: refer to them (other_agency)" }]);
    const decided = await decideReferral(c.officer, sent.id, { outcome: 'criminal_investigation', reasons: 'We are investigating a possible offence of neglect' });
    expect(decided).toMatchObject({ progress: 'decided', episodeId: null });
    expect((await getReferral(c.teacher, sent.id)).decision).toMatchObject({ outcome: 'criminal_investigation', reasons: 'We are investigating a possible offence of neglect' });
    expect((await t.db().query('SELECT 1 FROM episode')).rowCount).toBe(0);
  });

  it('the queue puts the soonest due first and flags what is overdue; the referrer is prompted to chase after 3 working days', async () => {
    const c = await cast();
    const thursday = await refer(c, { channel: 'written' });
    c.clock.set('2026-04-07T10:00:00Z');
    const consent = await consentFromMother(c, c.csc);
    const tuesday = await makeReferral(c.schoolLead, NewReferral.parse(referralBody(c, { channel: 'online', urgent: true, shareDecision: decisionWithConsent(c, consent.id, c.csc) })));
    // Wednesday 8 April: Thursday's referral should have been acknowledged and decided yesterday.
    c.clock.set('2026-04-08T09:00:00Z');
    const queue = await listIncomingReferrals(c.duty, { status: 'open' });
    expect(queue.map((r) => [r.id, r.urgent, r.steps.map((s) => [s.key, s.due, s.overdue])])).toEqual([
      [thursday.id, false, [['acknowledgement', '2026-04-07', true], ['referral_decision', '2026-04-07', true]]],
      [tuesday.id, true, [['acknowledgement', '2026-04-08', false], ['referral_decision', '2026-04-08', false]]],
    ]);
    expect((await listIncomingReferrals(c.duty, { status: 'open', overdueOnly: true })).map((r) => r.id)).toEqual([thursday.id]);
    // Friday 10 April, still nothing: the teacher's chase prompt (due Thursday 9) is now live.
    c.clock.set('2026-04-10T09:00:00Z');
    const mine = (await listOutgoingReferrals(c.teacher)).find((r) => r.id === thursday.id)!;
    expect(mine.steps).toEqual([expect.objectContaining({ key: 'referrer_chase', due: '2026-04-09', prompt: true, overdue: true })]);
  });

  it('a member of the public’s referral is recorded by children’s social care with their identity protected: only the safeguarding lead and the manager see who they are, and they are told no more than the guidance allows (12.5)', async () => {
    const c = await cast();
    const recorded = await makeReferral(c.duty, NewReferral.parse({
      referrerIsMemberOfPublic: true, channel: 'phone',
      referrer: { name: 'Pat Neighbour', contact: '07700 900123', relationshipToChild: 'Lives next door', consentToDisclose: false },
      child: { kind: 'child', names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2019-04-22', addresses: [{ line1: '5 Ashdown Road' }] },
      otherChildren: [{ relationship: 'sibling', identity: { kind: 'child', names: [{ givenNames: 'Lily', familyName: 'Carver' }] } }],
      concerns: 'The children are left alone in the evenings',
    }));
    expect(recorded).toMatchObject({ fromMemberOfPublic: true, referredBy: null, fromAgencyId: null, referrer: null, referrerProtected: true, handling: 'received' });
    expect(recorded.otherChildren).toEqual([expect.objectContaining({ relationship: 'sibling', identity: expect.objectContaining({ names: [{ use: 'usual', givenNames: 'Lily', familyName: 'Carver' }] }) })]);
    expect((await getReferral(c.manager, recorded.id)).referrer).toEqual({ name: 'Pat Neighbour', contact: '07700 900123', relationshipToChild: 'Lives next door', consentToDisclose: false });
    expect((await getReferral(c.allocated, recorded.id)).referrer).toBeNull();
    // The queue (read for many referrals at once) shows the same: who they are to the manager alone.
    expect((await listIncomingReferrals(c.manager, { status: 'all' })).find((r) => r.id === recorded.id)).toMatchObject({
      referrer: { name: 'Pat Neighbour', contact: '07700 900123', relationshipToChild: 'Lives next door', consentToDisclose: false }, referrerProtected: false, sharedRecordIds: [],
    });
    expect((await listIncomingReferrals(c.allocated, { status: 'all' })).find((r) => r.id === recorded.id)).toMatchObject({ referrer: null, referrerProtected: true });
    // Anyone outside children's social care, including the school that knows Jack, cannot see it.
    await expect(getReferral(c.teacher, recorded.id)).rejects.toMatchObject({ status: 404 });

    const accepted = await acceptReferral(c.duty, recorded.id, { personId: 'new' });
    expect((await getPerson(c.duty, accepted.receivedPersonId!)).addresses).toEqual([expect.objectContaining({ line1: '5 Ashdown Road' })]);
    c.clock.set('2026-04-02T15:00:00Z');
    const decided = await decideReferral(c.manager, recorded.id, { outcome: 'assessment', reasons: 'Young children left alone: assess' });
    expect(decided.publicFeedback).toBe('Thank you for telling us. We looked carefully at what you told us and are taking the action we think is right. To respect the confidentiality of the child and family we cannot tell you more.');
    expect(decided.publicFeedback).not.toContain('assess');
  });

  it('refuses bad referrals, naming the field, and writes nothing', async () => {
    const c = await cast();
    const consent = await consentFromMother(c, c.csc);
    const inline = decisionWithConsent(c, consent.id, c.csc);

    // Missing 10.6 domains and the 11.3 answer: refused by the schema, each field named.
    const missing = NewReferral.safeParse(referralBody(c, { domains: { developmentalNeeds: 'Tired' }, familyAgreement: { status: 'not_told' }, shareDecision: inline }));
    expect(missing.success).toBe(false);
    expect(missing.error!.issues.map((i) => [i.path.join('/'), i.message])).toEqual([
      ['domains/parentingCapacity', "Describe what you know of the parents' or carers' capacity to respond to the child's needs (10.6)"],
      ['domains/familyAndEnvironment', 'Describe what you know of the wider family and environment (10.6)'],
      ['familyAgreement/reason', 'Say why the child and parents were not told: e.g. it would place the child at increased risk of significant harm (11.3)'],
    ]);
    const noShare = NewReferral.safeParse(referralBody(c));
    expect(noShare.error!.issues.map((i) => i.path.join('/'))).toEqual(['shareDecisionId']);

    // A child in another agency's index.
    const theirs = await person(c.hv, { names: [{ givenNames: 'Jack', familyName: 'Carver' }] });
    const notMine = await problemOf(makeReferral(c.teacher, NewReferral.parse(referralBody(c, { childPersonId: theirs.id, shareDecision: inline }))));
    expect(notMine).toMatchObject({ status: 422 });
    expect(notMine.errors).toEqual([{ pointer: '/childPersonId', detail: "No child with that identifier in your agency's index" }]);
    // A sibling who is not in the index either.
    const notMySibling = await problemOf(makeReferral(c.teacher, NewReferral.parse(referralBody(c, { otherChildren: [{ personId: c.lily.id, relationship: 'sibling' }, { personId: theirs.id, relationship: 'sibling' }], shareDecision: inline }))));
    expect(notMySibling.errors).toEqual([{ pointer: '/otherChildren/1/personId', detail: "No child with that identifier in your agency's index" }]);

    // The health visitors are not a receiving agency.
    const wrongAgency = await problemOf(makeReferral(c.teacher, NewReferral.parse(referralBody(c, { toAgencyId: c.health, shareDecision: { ...inline, share: { ...inline.share, recipients: [{ agencyId: c.health }] } } }))));
    expect(wrongAgency.errors).toEqual([{ pointer: '/toAgencyId', detail: "Refer to children's social care or the police (10.4): this agency is health visiting" }]);

    // A decision that does not share with children's social care: one already made, and one sent with the referral.
    const toHealth = await makeDecision(c.teacher, NewShareDecision.parse({ ...decisionWithConsent(c, (await consentFromMother(c, c.health)).id, c.health), personId: c.jack.id }));
    const notCovered = await problemOf(makeReferral(c.teacher, NewReferral.parse(referralBody(c, { shareDecisionId: toHealth.id }))));
    expect(notCovered.errors).toEqual([{ pointer: '/shareDecisionId', detail: 'This decision does not share with the agency you are referring to' }]);
    const inlineNotCovered = await problemOf(makeReferral(c.teacher, NewReferral.parse(referralBody(c, { shareDecision: { ...inline, share: { ...inline.share, recipients: [{ agencyId: c.police }] } } }))));
    expect(inlineNotCovered.errors).toEqual([{ pointer: '/shareDecision/share/recipients', detail: 'Include the agency you are referring to among the recipients' }]);
    // A decision sent with the referral that is incomplete: its own problems, under /shareDecision.
    const incomplete = await problemOf(makeReferral(c.teacher, NewReferral.parse(referralBody(c, { shareDecision: { ...inline, subjectInformed: undefined } }))));
    expect(incomplete.errors).toEqual([{ pointer: '/shareDecision/subjectInformed', detail: 'Record whether the person was told, when and by whom — or why not (3.48)' }]);

    // Nothing was written: no referral, and no decision but the one made on its own.
    expect((await t.db().query('SELECT 1 FROM referral')).rowCount).toBe(0);
    expect((await t.db().query('SELECT id FROM share_decision')).rows).toEqual([{ id: toHealth.id }]);
  });

  it('retrying with the same idempotency key makes one referral and one decision; only the receiving agency handles it, only the referrer confirms it', async () => {
    const c = await cast();
    const consent = await consentFromMother(c, c.csc);
    const body = NewReferral.parse(referralBody(c, { idempotencyKey: 'amira-1', shareDecision: decisionWithConsent(c, consent.id, c.csc) }));
    const once = await makeReferral(c.teacher, body);
    const twice = await makeReferral(c.teacher, body);
    expect(twice.id).toBe(once.id);
    expect((await t.db().query('SELECT 1 FROM share_decision')).rowCount).toBe(1);
    await expect(acknowledgeReferral(c.teacher, once.id, {})).rejects.toMatchObject({ status: 403 });
    await expect(confirmInWriting(c.duty, once.id, {})).rejects.toMatchObject({ status: 403 });
    // Children's social care acknowledges on the child's episode, so it accepts first.
    await expect(acknowledgeReferral(c.duty, once.id, {})).rejects.toMatchObject({ status: 409 });
    const a = await acceptReferral(c.duty, once.id, { personId: 'new' });
    const b = await acceptReferral(c.duty, once.id, { personId: 'new' });
    expect(b.episodeId).toBe(a.episodeId);
    expect((await t.db().query('SELECT 1 FROM episode')).rowCount).toBe(1);
    // One entry for Jack, and one for his mother, whom the referral names as holding parental responsibility.
    expect((await t.db().query("SELECT kind FROM person WHERE agency_id = $1 ORDER BY kind", [c.csc])).rows).toEqual([{ kind: 'adult' }, { kind: 'child' }]);
  });
});
