import { describe, expect, it } from 'vitest';
import { createPerson } from '../../src/people/people.ts';
import { NewPerson } from '../../src/people/schemas.ts';
import { addRecord, correctRecord, getRecord, getRecordHistory } from '../../src/records/records.ts';
import { NewRecord } from '../../src/records/schemas.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, practitioner, services } from '../fixtures.ts';
import { NO_SUCH_RECORD, scenarioApp, signedIn } from './helpers.ts';

/**
 * Case example 6: Helen, seven, has cerebral palsy and very little verbal communication. On
 * admission for surgery the doctor sees bruising; the mother offers an explanation; the
 * consultant is worried. What was seen, what was said and what is thought are kept apart, and a
 * correction never erases what was first written.
 */
describe('case example 6: possible abuse of a disabled child', () => {
  const t = useTestDb();

  async function theChildrensWard() {
    const clock = fixedClock('2026-02-23T08:30:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const hospital = await agency(s, p, 'hospital', 'Northshire General Hospital');
    const socialCare = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const staff = {
      doctor: await practitioner(s, hospital, ['practitioner'], 'Dr Sam Okoye'),
      consultant: await practitioner(s, hospital, ['practitioner'], 'Dr Eleanor Hart'),
      namedDoctor: await practitioner(s, hospital, ['safeguarding_lead'], 'Dr James Whitaker'),
      socialWorker: await practitioner(s, socialCare, ['social_worker'], 'Tom Haskins'),
    };
    const app = await scenarioApp(s);
    return { clock, s, app, hospital, ...staff };
  }

  const helen = {
    kind: 'child', names: [{ givenNames: 'Helen', familyName: 'Whitfield' }], dateOfBirth: '2018-11-02', sex: 'female',
    communicationNeeds: 'Cerebral palsy; very little verbal communication. Ask her mother how Helen communicates best.',
  };

  it("the doctor records the bruising he saw as fact, the mother's explanation as reported in her words, and the consultant her opinion", async () => {
    const w = await theChildrensWard();
    const doctor = await signedIn(w.app, w.doctor);

    // On admission the doctor adds Helen, with how to communicate with her.
    const admitted = await doctor.post('/people', helen);
    expect(admitted.status).toBe(201);
    expect(admitted.body).toMatchObject({ agencyId: w.hospital, communicationNeeds: expect.stringContaining('very little verbal communication') });

    // What he saw.
    w.clock.set('2026-02-23T09:40:00Z');
    const seen = await doctor.post(`/people/${admitted.body.id}/records`, {
      kind: 'observation', occurredAt: '2026-02-23T09:10:00Z', categories: ['physical_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: true, sensitiveCategories: ['physical_or_mental_health'],
      summary: 'Bruising to both lower legs seen during the admission examination',
    });
    expect(seen.status).toBe(201);
    // What the mother said, in her words.
    const said = await doctor.post(`/people/${admitted.body.id}/records`, {
      kind: 'contact', occurredAt: '2026-02-23T09:15:00Z', categories: ['physical_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported',
      source: { type: 'parent_or_carer', description: 'Sandra Whitfield, mother' }, confidential: true,
      summary: "Mother thinks the bruising may be from Helen's callipers; Helen has just come back from respite care",
      details: 'Mother said: "She always comes back in a state." She is thinking of not sending her any more.',
    });
    // What he could not find out from Helen.
    await doctor.post(`/people/${admitted.body.id}/records`, {
      kind: 'observation', occurredAt: '2026-02-23T09:20:00Z', categories: ['physical_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: true,
      summary: 'Asked Helen how the bruises happened; we could not communicate well enough to tell whether the callipers caused them',
    });

    // The consultant's opinion, through the service layer.
    w.clock.set('2026-02-23T12:00:00Z');
    const opinion = await addRecord(w.consultant, admitted.body.id, NewRecord.parse({
      kind: 'observation', occurredAt: '2026-02-23T11:30:00Z', categories: ['physical_abuse'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: true, sensitiveCategories: ['physical_or_mental_health'],
      summary: 'The pattern of bruising is not typical of calliper rubbing; I am worried about how it was caused',
    }));
    expect(opinion).toMatchObject({ factOrOpinion: 'opinion', authorName: 'Dr Eleanor Hart' });
    // The mother refuses consent; the consultant tells her she will share anyway.
    await addRecord(w.consultant, admitted.body.id, NewRecord.parse({
      kind: 'contact', occurredAt: '2026-02-23T11:50:00Z', categories: ['physical_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed',
      source: { type: 'parent_or_carer', description: 'Sandra Whitfield, mother' }, confidential: true,
      summary: "Mother does not consent to children's social care being told; I told her I will share my concerns anyway, and why",
    }));

    // Helen's chronology in the hospital shows each entry for what it is, with who wrote it.
    const consultant = await signedIn(w.app, w.consultant);
    const chronology = await consultant.get(`/people/${admitted.body.id}/records`);
    expect(chronology.status).toBe(200);
    expect(chronology.body.map((r: { authorName: string; factOrOpinion: string; reportedOrWitnessed: string; source: { type: string } }) =>
      [r.authorName, r.factOrOpinion, r.reportedOrWitnessed, r.source.type])).toEqual([
      ['Dr Sam Okoye', 'fact', 'witnessed', 'practitioner'],
      ['Dr Sam Okoye', 'fact', 'reported', 'parent_or_carer'],
      ['Dr Sam Okoye', 'fact', 'witnessed', 'practitioner'],
      ['Dr Eleanor Hart', 'opinion', 'witnessed', 'practitioner'],
      ['Dr Eleanor Hart', 'fact', 'witnessed', 'parent_or_carer'],
    ]);
    expect(chronology.body[1]).toMatchObject({ id: said.body.id, details: expect.stringContaining('"She always comes back in a state."') });
    expect(chronology.body[0].recordedAt).toBe('2026-02-23T09:40:00.000Z');
    expect(chronology.body[0].occurredAt).toBe('2026-02-23T09:10:00.000Z');
  });

  it('a correction creates a new version and the history keeps what was first written', async () => {
    const w = await theChildrensWard();
    const person = await createPerson(w.doctor, NewPerson.parse(helen));
    w.clock.set('2026-02-23T09:40:00Z');
    const first = await addRecord(w.doctor, person.id, NewRecord.parse({
      kind: 'observation', occurredAt: '2026-02-23T09:10:00Z', categories: ['physical_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: true, summary: 'Bruising to both lower legs seen during the admission examination',
    }));

    // Later that morning the doctor corrects it: the thighs were bruised too.
    w.clock.set('2026-02-23T10:30:00Z');
    const doctor = await signedIn(w.app, w.doctor);
    const corrected = await doctor.post(`/records/${first.id}/corrections`, {
      baseVersion: 1, correctionReason: 'The bruising to the thighs was missing from the first entry; it is on the body map.',
      summary: 'Bruising to both lower legs and both thighs seen during the admission examination',
    });
    expect(corrected.status).toBe(201);
    expect(corrected.body).toMatchObject({
      id: first.id, version: 2, summary: 'Bruising to both lower legs and both thighs seen during the admission examination',
      correctionReason: 'The bruising to the thighs was missing from the first entry; it is on the body map.',
      occurredAt: '2026-02-23T09:10:00.000Z', recordedAt: '2026-02-23T10:30:00.000Z', firstRecordedAt: '2026-02-23T09:40:00.000Z', factOrOpinion: 'fact',
    });

    // Anyone reading it now sees the corrected version; the history shows both, oldest first.
    expect((await getRecord(w.consultant, first.id)).summary).toContain('both thighs');
    const versions = await doctor.get(`/records/${first.id}/versions`);
    expect(versions.body.map((v: { version: number; summary: string; correctionReason: string | null }) => [v.version, v.summary, v.correctionReason])).toEqual([
      [1, 'Bruising to both lower legs seen during the admission examination', null],
      [2, 'Bruising to both lower legs and both thighs seen during the admission examination', 'The bruising to the thighs was missing from the first entry; it is on the body map.'],
    ]);

    // A second correction based on the old version is refused: someone changed it first.
    const stale = await doctor.post(`/records/${first.id}/corrections`, { baseVersion: 1, correctionReason: 'again', summary: 'Bruising' });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ status: 409, title: 'Conflict', detail: expect.stringContaining('now at version 2') });
    // A colleague who did not write it cannot change it; the named doctor for safeguarding can.
    await expect(correctRecord(w.consultant, first.id, { baseVersion: 2, correctionReason: 'tidy', summary: 'Bruises' })).rejects.toMatchObject({ status: 404 });
    const byLead = await correctRecord(w.namedDoctor, first.id, { baseVersion: 2, correctionReason: 'Add the body map reference', details: 'Body map BM-1 completed on admission.' });
    expect(byLead).toMatchObject({ version: 3, authorName: 'Dr James Whitaker', summary: 'Bruising to both lower legs and both thighs seen during the admission examination' });
    expect((await getRecordHistory(w.doctor, first.id)).map((v) => v.authorName)).toEqual(['Dr Sam Okoye', 'Dr Sam Okoye', 'Dr James Whitaker']);
  });

  it("children's social care, told by telephone, keeps its own record of the referral and cannot read the hospital's", async () => {
    const w = await theChildrensWard();
    const inHospital = await createPerson(w.doctor, NewPerson.parse(helen));
    w.clock.set('2026-02-23T09:40:00Z');
    const bruising = await addRecord(w.doctor, inHospital.id, NewRecord.parse({
      kind: 'observation', occurredAt: '2026-02-23T09:10:00Z', categories: ['physical_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: true, summary: 'Bruising to both lower legs and both thighs',
    }));

    // The duty social worker takes the consultant's call and records it in children's social care.
    w.clock.set('2026-02-23T13:20:00Z');
    const socialWorker = await signedIn(w.app, w.socialWorker);
    const inSocialCare = await socialWorker.post('/people', helen);
    const referral = await socialWorker.post(`/people/${inSocialCare.body.id}/records`, {
      kind: 'contact', occurredAt: '2026-02-23T12:45:00Z', categories: ['physical_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported',
      source: { type: 'other_professional', description: 'Dr Eleanor Hart, consultant paediatrician' }, confidential: true,
      summary: 'Telephone referral: unexplained bruising to a disabled child just back from respite care; mother does not consent and has been told',
    });
    expect(referral.status).toBe(201);
    expect(referral.body).toMatchObject({ reportedOrWitnessed: 'reported', source: { type: 'other_professional', description: 'Dr Eleanor Hart, consultant paediatrician' } });

    // What the hospital wrote stays in the hospital until a sharing decision says otherwise.
    expect(await socialWorker.get(`/records/${bruising.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
    const consultant = await signedIn(w.app, w.consultant);
    expect(await consultant.get(`/records/${referral.body.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
  });
});
