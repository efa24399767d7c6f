import { describe, expect, it } from 'vitest';
import { createPerson } from '../../src/people/people.ts';
import { NewPerson } from '../../src/people/schemas.ts';
import { addRecord, getRecord, listPersonRecords } from '../../src/records/records.ts';
import { NewRecord } from '../../src/records/schemas.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, practitioner, services } from '../fixtures.ts';
import { NEVER_USED_ID, NO_SUCH_RECORD, scenarioApp, signedIn } from './helpers.ts';

/**
 * Case example 7: Natasha, who says she is 14, attends the sexual health clinic. What she tells
 * the health practitioner is restricted: the child protection nurse is named on it, the clinic's
 * safeguarding lead may read it, and nobody else — not a colleague in the same clinic, not another
 * agency — can tell that it exists.
 */
describe('case example 7: confidential information in a case of underage sex', () => {
  const t = useTestDb();

  async function theClinic() {
    // Natasha first comes to the clinic in November.
    const clock = fixedClock('2025-11-03T16:10:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const clinic = await agency(s, p, 'sexual_health_clinic', 'Northshire Sexual Health Clinic');
    const socialCare = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const staff = {
      healthPractitioner: await practitioner(s, clinic, ['practitioner'], 'Zoe Marshall'),
      childProtectionNurse: await practitioner(s, clinic, ['practitioner'], 'Bridget Nolan'),
      colleague: await practitioner(s, clinic, ['practitioner'], 'Owen Jenkins'),
      clinicLead: await practitioner(s, clinic, ['safeguarding_lead'], 'Mary Achebe'),
      socialWorker: await practitioner(s, socialCare, ['social_worker', 'safeguarding_lead'], 'Tom Haskins'),
    };
    const app = await scenarioApp(s);
    const natasha = await createPerson(staff.healthPractitioner, NewPerson.parse({
      kind: 'child', names: [{ givenNames: 'Natasha', familyName: 'Reid' }], dateOfBirth: '2011-12-02', sex: 'female',
      addresses: [{ line1: 'Flat 3, 18 Harbour Street', postcode: 'NS6 3RA' }],
    }));
    return { clock, s, app, clinic, natasha, ...staff };
  }

  const secondVisit = {
    kind: 'appointment', outcome: 'attended', occurredAt: '2026-02-09T15:40:00Z', categories: ['physical_abuse', 'sexual_abuse'],
    factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: { type: 'child', description: 'Natasha' }, confidential: true,
    sensitiveCategories: ['sexual_life', 'physical_or_mental_health'],
    summary: 'Pregnant, a different STI, weight loss, and faded bruises to the left side of her face',
    childsWords: 'I walked into a door.',
    restricted: true,
  };

  it('the record is restricted to the child protection nurse: a colleague in the clinic cannot see it, the safeguarding lead can, and the API answers 404 exactly as for a record that does not exist', async () => {
    const w = await theClinic();
    // The health practitioner records the consultation, restricted, naming the child protection nurse.
    w.clock.set('2026-02-09T17:00:00Z');
    const practitioner = await signedIn(w.app, w.healthPractitioner);
    const created = await practitioner.post(`/people/${w.natasha.id}/records`, { ...secondVisit, namedPractitionerIds: [w.childProtectionNurse.actor.practitionerId] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ restricted: true, confidential: true, sensitiveCategories: ['sexual_life', 'physical_or_mental_health'], childsWords: 'I walked into a door.' });
    // An ordinary booking note for the same visit is not restricted.
    const booking = await addRecord(w.healthPractitioner, w.natasha.id, NewRecord.parse({
      kind: 'contact', occurredAt: '2026-02-09T15:30:00Z', categories: ['other'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: false, summary: 'Walk-in appointment booked; further appointment offered in a few days',
    }));

    // The child protection nurse is named: she reads it, her words and all.
    const nurse = await signedIn(w.app, w.childProtectionNurse);
    const forNurse = await nurse.get(`/records/${created.body.id}`);
    expect(forNurse.status).toBe(200);
    expect(forNurse.body).toMatchObject({ childsWords: 'I walked into a door.', authorName: 'Zoe Marshall' });
    // The clinic's safeguarding lead reads it too.
    const lead = await signedIn(w.app, w.clinicLead);
    expect((await lead.get(`/records/${created.body.id}`)).status).toBe(200);

    // A colleague in the same clinic gets exactly the answer for a record that was never written.
    const colleague = await signedIn(w.app, w.colleague);
    const refused = await colleague.get(`/records/${created.body.id}`);
    const nonexistent = await colleague.get(`/records/${NEVER_USED_ID}`);
    expect(refused).toEqual(nonexistent);
    expect(refused).toEqual({ status: 404, body: NO_SUCH_RECORD });
    // In Natasha's chronology the colleague sees the booking note, and no sign of the restricted record.
    const colleaguesView = await colleague.get(`/people/${w.natasha.id}/records`);
    expect(colleaguesView.status).toBe(200);
    expect(colleaguesView.body.map((r: { id: string }) => r.id)).toEqual([booking.id]);
    // The same through the service layer; and children's social care cannot see it at all.
    await expect(getRecord(w.colleague, created.body.id)).rejects.toMatchObject({ status: 404, detail: 'No record with that identifier was found.' });
    await expect(getRecord(w.socialWorker, created.body.id)).rejects.toMatchObject({ status: 404, detail: 'No record with that identifier was found.' });
    expect((await listPersonRecords(w.childProtectionNurse, w.natasha.id)).map((r) => r.restricted)).toEqual([false, true]);
  });

  it('naming the child protection nurse on an earlier restricted record lets her read it', async () => {
    const w = await theClinic();
    // The first visit, months earlier, restricted without naming anyone.
    w.clock.set('2025-11-03T17:15:00Z');
    const firstVisit = await addRecord(w.healthPractitioner, w.natasha.id, NewRecord.parse({
      kind: 'appointment', outcome: 'attended', occurredAt: '2025-11-03T16:20:00Z', categories: ['other'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed',
      source: { type: 'child', description: 'Natasha' }, confidential: true, sensitiveCategories: ['sexual_life'], restricted: true,
      summary: 'Symptoms of an STI; says she is 14 but looks younger; Fraser guidelines applied: capable of consenting to treatment',
    }));
    w.clock.set('2026-02-10T09:00:00Z');
    const nurse = await signedIn(w.app, w.childProtectionNurse);
    expect(await nurse.get(`/records/${firstVisit.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });

    // When the practitioner brings her in, she names her on the earlier record too.
    const practitioner = await signedIn(w.app, w.healthPractitioner);
    const restriction = await practitioner.put(`/records/${firstVisit.id}/restriction`, { restricted: true, namedPractitionerIds: [w.childProtectionNurse.actor.practitionerId] });
    expect(restriction.status).toBe(200);
    expect(restriction.body.restricted).toBe(true);
    expect((await nurse.get(`/records/${firstVisit.id}`)).body).toMatchObject({ summary: expect.stringContaining('Fraser guidelines applied') });
    // Still nobody else.
    const colleague = await signedIn(w.app, w.colleague);
    expect(await colleague.get(`/records/${firstVisit.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
    // The colleague cannot widen the restriction either.
    expect(await colleague.put(`/records/${firstVisit.id}/restriction`, { restricted: false })).toEqual({ status: 404, body: NO_SUCH_RECORD });
  });

  it("who has viewed Natasha's record: the clinic sees every reader and every refused attempt; anyone else gets 404", async () => {
    const w = await theClinic();
    w.clock.set('2026-02-09T17:00:00Z');
    const record = await addRecord(w.healthPractitioner, w.natasha.id, NewRecord.parse({ ...secondVisit, namedPractitionerIds: [w.childProtectionNurse.actor.practitionerId] }));

    // The nurse reads it the next morning, the safeguarding lead after her; the colleague tries and is refused.
    w.clock.set('2026-02-10T09:05:00Z');
    const nurse = await signedIn(w.app, w.childProtectionNurse);
    await nurse.get(`/records/${record.id}`);
    w.clock.set('2026-02-10T11:30:00Z');
    const lead = await signedIn(w.app, w.clinicLead);
    await lead.get(`/records/${record.id}`);
    const colleague = await signedIn(w.app, w.colleague);
    await colleague.get(`/records/${record.id}`);

    // The author asks who has viewed it.
    const practitioner = await signedIn(w.app, w.healthPractitioner);
    const history = await practitioner.get(`/records/${record.id}/access-history`);
    expect(history.status).toBe(200);
    expect(history.body.items.map((e: { at: string; practitionerName: string; action: string; outcome: string; agencyId: string }) =>
      [e.at, e.practitionerName, e.action, e.outcome, e.agencyId])).toEqual([
      ['2026-02-09T17:00:00.000Z', 'Zoe Marshall', 'record.create', 'success', w.clinic],
      ['2026-02-10T09:05:00.000Z', 'Bridget Nolan', 'record.read', 'success', w.clinic],
      ['2026-02-10T11:30:00.000Z', 'Mary Achebe', 'record.read', 'success', w.clinic],
      ['2026-02-10T11:30:00.000Z', 'Owen Jenkins', 'record.read', 'denied', w.clinic],
    ]);
    // The named nurse may ask too; the colleague and children's social care get 404, as if there were no record.
    expect((await nurse.get(`/records/${record.id}/access-history`)).status).toBe(200);
    expect(await colleague.get(`/records/${record.id}/access-history`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
    const socialWorker = await signedIn(w.app, w.socialWorker);
    expect(await socialWorker.get(`/records/${record.id}/access-history`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
    expect(await socialWorker.get(`/records/${NEVER_USED_ID}/access-history`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
  });
});
