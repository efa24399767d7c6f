import { describe, expect, it } from 'vitest';
import { addRelationship, createPerson } from '../../src/people/people.ts';
import { NewPerson } from '../../src/people/schemas.ts';
import { addRecord, getRecord, listPersonRecords } from '../../src/records/records.ts';
import { NewRecord } from '../../src/records/schemas.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, practitioner, services } from '../fixtures.ts';
import { NO_SUCH_PERSON, NO_SUCH_RECORD, scenarioApp, signedIn } from './helpers.ts';

/**
 * Case example 8: the failure to share. Probation knows Mark's history of violence; children's
 * social care, assessing Maggie's unborn baby, does not — and today cannot, because sharing is a
 * recorded decision that nobody has made yet. After the birth the social worker gets no access
 * three times and closes the case; the health visitor gets no access either. The records make
 * each of those facts impossible to miss.
 */
describe('case example 8: failure to share information in a child protection case', () => {
  const t = useTestDb();

  async function thePartnership() {
    // The agencies have used Jigsaw for years before Maggie's pregnancy.
    const clock = fixedClock('2020-03-10T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const probation = await agency(s, p, 'probation', 'Northshire Probation Delivery Unit');
    const socialCare = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const health = await agency(s, p, 'health_visiting', 'Northshire Health Visiting Service');
    const staff = {
      probationOfficer: await practitioner(s, probation, ['practitioner'], 'Emma Sinclair'),
      socialWorker: await practitioner(s, socialCare, ['social_worker'], 'Rachel Dunn'),
      teamManager: await practitioner(s, socialCare, ['manager'], 'Grace Okafor'),
      headOfSafeguarding: await practitioner(s, socialCare, ['safeguarding_lead'], 'Priya Raman'),
      healthVisitor: await practitioner(s, health, ['practitioner'], 'Claire Ashby'),
    };
    const app = await scenarioApp(s);
    return { clock, s, app, probation, socialCare, ...staff };
  }

  const maggie = { kind: 'adult', names: [{ givenNames: 'Maggie', familyName: 'Fletcher' }], dateOfBirth: '2001-10-02', sex: 'female', addresses: [{ line1: '23 Rowan Road', postcode: 'NS7 2DF' }] };
  const mark = { kind: 'adult', names: [{ givenNames: 'Mark', familyName: 'Tulley' }], dateOfBirth: '1993-01-02', sex: 'male' };

  it("probation records what it knows of Mark's history, and children's social care cannot see it yet", async () => {
    const w = await thePartnership();
    // Years ago probation recorded Mark's violence, at the time; the record is still there.
    const inProbation = await createPerson(w.probationOfficer, NewPerson.parse(mark));
    w.clock.set('2020-03-10T16:00:00Z');
    const history = await addRecord(w.probationOfficer, inProbation.id, NewRecord.parse({
      kind: 'concern', occurredAt: '2020-03-10T10:00:00Z', categories: ['domestic_abuse', 'physical_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: true, sensitiveCategories: ['offences_and_proceedings'],
      summary: 'Violent and abusive towards partners; two of his children have been on the child protection register; their mothers restrict his access',
    }));
    expect(history).toMatchObject({ backdated: false, recordedAt: '2020-03-10T16:00:00.000Z', sensitiveCategories: ['offences_and_proceedings'] });

    // Maggie tells her probation officer she is pregnant and names Mark. The officer adds the unborn baby.
    w.clock.set('2025-05-12T11:30:00Z');
    const officer = await signedIn(w.app, w.probationOfficer);
    const probationMaggie = await officer.post('/people', maggie);
    const unborn = await officer.post('/people', { kind: 'unborn', names: [{ givenNames: 'Baby', familyName: 'Fletcher' }], expectedDateOfDelivery: '2025-11-20' });
    expect(unborn.status).toBe(201);
    expect(unborn.body).toMatchObject({ kind: 'unborn', expectedDateOfDelivery: '2025-11-20', dateOfBirth: null });
    expect((await officer.post(`/people/${unborn.body.id}/relationships`, { relatedPersonId: probationMaggie.body.id, type: 'parent' })).status).toBe(201);
    expect((await officer.post(`/people/${unborn.body.id}/relationships`, { relatedPersonId: inProbation.id, type: 'parent' })).status).toBe(201);
    const concern = await officer.post(`/people/${unborn.body.id}/records`, {
      kind: 'concern', occurredAt: '2025-05-12T11:00:00Z', categories: ['domestic_abuse', 'neglect'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: true, sensitiveCategories: ['offences_and_proceedings'],
      summary: "The father is known to probation for violence; I am concerned about Maggie's ability to protect this baby",
    });
    expect(concern.status).toBe(201);
    // Five years on, the officer finds Mark's history: when it happened, who wrote it, and that it is about offences.
    const marksChronology = await officer.get(`/people/${inProbation.id}/records`);
    expect(marksChronology.body).toEqual([expect.objectContaining({
      id: history.id, occurredAt: '2020-03-10T10:00:00.000Z', authorName: 'Emma Sinclair', confidential: true, sensitiveCategories: ['offences_and_proceedings'],
    })]);

    // She telephones children's social care. The team manager records the referral in their own index.
    w.clock.set('2025-05-13T10:45:00Z');
    const manager = await signedIn(w.app, w.teamManager);
    const cscMaggie = await manager.post('/people', maggie);
    const referral = await manager.post(`/people/${cscMaggie.body.id}/records`, {
      kind: 'contact', occurredAt: '2025-05-13T10:30:00Z', categories: ['domestic_abuse', 'neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported',
      source: { type: 'other_professional', description: 'Emma Sinclair, probation officer' }, confidential: true,
      summary: "Telephone referral from probation about Maggie's unborn baby: father known to probation for violence",
    });
    expect(referral.status).toBe(201);

    // What children's social care cannot see yet: probation's records and probation's people.
    for (const ctx of [w.teamManager, w.socialWorker, w.headOfSafeguarding]) {
      const csc = await signedIn(w.app, ctx);
      expect(await csc.get(`/records/${history.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
      expect(await csc.get(`/records/${concern.body.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
      expect(await csc.get(`/people/${inProbation.id}`)).toEqual({ status: 404, body: NO_SUCH_PERSON });
      expect(await csc.get(`/people/${inProbation.id}/records`)).toEqual({ status: 404, body: NO_SUCH_PERSON });
      const search = await csc.post('/people/search', { name: 'Mark Tulley' });
      expect(search).toEqual({ status: 200, body: { items: [], nextCursor: null } });
    }
    await expect(getRecord(w.socialWorker, history.id)).rejects.toMatchObject({ status: 404 });
    // All the social worker has is what she was told on the telephone.
    expect((await listPersonRecords(w.socialWorker, cscMaggie.body.id)).map((r) => [r.summary, r.source.type])).toEqual([
      ["Telephone referral from probation about Maggie's unborn baby: father known to probation for violence", 'other_professional'],
    ]);
  });

  it('the social worker records each visit: seen once, then no access three times, then the case closed and the health visitor asked to monitor', async () => {
    const w = await thePartnership();
    const cscMaggie = await createPerson(w.socialWorker, NewPerson.parse(maggie));
    const cscMark = await createPerson(w.socialWorker, NewPerson.parse(mark));

    // The baby is born; the midwife's concern starts a second initial assessment.
    w.clock.set('2025-11-24T10:00:00Z');
    const socialWorker = await signedIn(w.app, w.socialWorker);
    const lily = await socialWorker.post('/people', { kind: 'child', names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2025-11-17', sex: 'female' });
    expect(lily.status).toBe(201);
    await addRelationship(w.socialWorker, lily.body.id, { relatedPersonId: cscMaggie.id, type: 'primary_carer' });
    await addRelationship(w.socialWorker, lily.body.id, { relatedPersonId: cscMark.id, type: 'household_member', validFrom: '2025-11-18' });

    // She visits and sees Maggie with the baby; a further visit is agreed for two weeks' time.
    w.clock.set('2025-12-01T12:30:00Z');
    const visit = (day: string, outcome: string, summary: string) => ({
      kind: 'home_visit', outcome, occurredAt: `${day}T11:00:00Z`, categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: false, summary,
    });
    expect((await socialWorker.post(`/people/${lily.body.id}/records`, visit('2025-12-01', 'seen', 'Maggie coping well; the baby appears well cared for'))).status).toBe(201);
    // The planned visit cannot be recorded before it happens.
    const tooEarly = await socialWorker.post(`/people/${lily.body.id}/records`, visit('2025-12-15', 'no_access', 'Visit as arranged'));
    expect(tooEarly.status).toBe(422);
    expect(tooEarly.body).toMatchObject({ detail: 'A record cannot describe something that has not happened yet.', errors: [{ pointer: '/occurredAt', detail: 'This date is in the future' }] });
    // A visit must say what happened, in the words the system knows.
    const noOutcome = await socialWorker.post(`/people/${lily.body.id}/records`, { ...visit('2025-12-01', 'seen', 'x'), outcome: undefined });
    expect(noOutcome.status).toBe(422);
    expect(noOutcome.body.errors).toEqual([{ pointer: '/outcome', detail: 'Say what happened: one of seen, seen_child_not_seen, no_access' }]);
    const wrongWord = await socialWorker.post(`/people/${lily.body.id}/records`, visit('2025-12-01', 'not_brought', 'x'));
    expect(wrongWord.body.errors).toEqual([{ pointer: '/outcome', detail: 'Must be one of seen, seen_child_not_seen, no_access' }]);

    // No reply, three times over two months.
    for (const day of ['2025-12-15', '2026-01-12', '2026-02-02']) {
      w.clock.set(`${day}T12:00:00Z`);
      const r = await socialWorker.post(`/people/${lily.body.id}/records`, visit(day, 'no_access', 'No reply'));
      expect(r.body).toMatchObject({ kind: 'home_visit', outcome: 'no_access', backdated: false });
    }
    // The case is closed, and a message left for the health visitor.
    w.clock.set('2026-02-04T15:30:00Z');
    await addRecord(w.socialWorker, lily.body.id, NewRecord.parse({
      kind: 'observation', occurredAt: '2026-02-04T15:00:00Z', categories: ['neglect'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: true, summary: 'Case closed: no further referrals from the health visitor',
    }));
    await addRecord(w.socialWorker, lily.body.id, NewRecord.parse({
      kind: 'contact', occurredAt: '2026-02-04T15:20:00Z', categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: false, summary: 'Left a message for the health visitor asking her to monitor the baby and refer again if necessary',
    }));

    // Lily's chronology in children's social care: anyone reading it sees the visits and what came of them.
    const manager = await signedIn(w.app, w.teamManager);
    const chronology = await manager.get(`/people/${lily.body.id}/records`);
    expect(chronology.body.map((r: { occurredAt: string; kind: string; outcome: string | null }) => [r.occurredAt.slice(0, 10), r.kind, r.outcome])).toEqual([
      ['2025-12-01', 'home_visit', 'seen'],
      ['2025-12-15', 'home_visit', 'no_access'],
      ['2026-01-12', 'home_visit', 'no_access'],
      ['2026-02-02', 'home_visit', 'no_access'],
      ['2026-02-04', 'observation', null],
      ['2026-02-04', 'contact', null],
    ]);
    const person = await manager.get(`/people/${lily.body.id}`);
    // (Both relationships were added at the same moment, so compare them without regard to order.)
    expect(person.body.relationships.map((r: { type: string; validFrom: string | null }) => `${r.type} from ${r.validFrom ?? 'birth'}`).sort())
      .toEqual(['household_member from 2025-11-18', 'primary_carer from birth']);

    // The health visitor cannot get access either; her records are hers, and the social worker's are the social worker's.
    const hvLily = await createPerson(w.healthVisitor, NewPerson.parse({ kind: 'child', names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2025-11-17' }));
    const hvVisits = [];
    for (const day of ['2026-02-09', '2026-02-20', '2026-03-03']) {
      w.clock.set(`${day}T11:30:00Z`);
      hvVisits.push(await addRecord(w.healthVisitor, hvLily.id, NewRecord.parse({ ...visit(day, 'no_access', 'Home visit: no access to Maggie and the baby') })));
    }
    expect(hvVisits.map((r) => r.outcome)).toEqual(['no_access', 'no_access', 'no_access']);
    expect(await socialWorker.get(`/records/${hvVisits[0]!.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
    const healthVisitor = await signedIn(w.app, w.healthVisitor);
    expect(await healthVisitor.get(`/people/${lily.body.id}/records`)).toEqual({ status: 404, body: NO_SUCH_PERSON });
    expect(await healthVisitor.get(`/records/${chronology.body[3].id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
  });
});
