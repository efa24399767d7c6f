import { describe, expect, it } from 'vitest';
import { createPerson } from '../../src/people/people.ts';
import { NewPerson } from '../../src/people/schemas.ts';
import { addRecord, listPersonRecords } from '../../src/records/records.ts';
import { NewRecord } from '../../src/records/schemas.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, practitioner, services } from '../fixtures.ts';
import { NEVER_USED_ID, NO_SUCH_PERSON, NO_SUCH_RECORD, scenarioApp, signedIn } from './helpers.ts';

/**
 * Case example 3: Jack's teacher is worried about him; the health visitor knows the family and
 * holds confidential information about the mother's mental health. The mother refuses consent
 * to share it; the health visitor does not override that; school and health visitor agree who
 * monitors what, and when they confer.
 */
describe("case example 3: respecting a parent's refusal of consent to share confidential information", () => {
  const t = useTestDb();

  async function riversideAndTheHealthVisitor() {
    // The school year starts; everyone already works where they work.
    const clock = fixedClock('2025-09-01T08:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', 'Riverside Primary School');
    const health = await agency(s, p, 'health_visiting', 'Northshire Health Visiting Service');
    const staff = {
      jacksTeacher: await practitioner(s, school, ['practitioner'], 'Amira Shah'),
      jennysTeacher: await practitioner(s, school, ['practitioner'], 'Peter Lowe'),
      schoolNurse: await practitioner(s, school, ['practitioner'], 'Gillian Marsh'),
      childProtectionLead: await practitioner(s, school, ['safeguarding_lead'], 'Karen Doyle'),
      healthVisitor: await practitioner(s, health, ['practitioner'], 'Joanne Pike'),
      namedNurse: await practitioner(s, health, ['safeguarding_lead'], 'Ruth Adeyemi'),
    };
    const app = await scenarioApp(s);
    return { clock, s, app, school, health, ...staff };
  }

  const child = (givenNames: string, dateOfBirth: string) => ({ kind: 'child', names: [{ givenNames, familyName: 'Carver' }], dateOfBirth, addresses: [{ line1: '5 Ashdown Road', postcode: 'NS1 6EJ' }] });
  const mother = { kind: 'adult', names: [{ givenNames: 'Donna', familyName: 'Carver' }], addresses: [{ line1: '5 Ashdown Road', postcode: 'NS1 6EJ' }] };

  it('the teacher and the health visitor each record what they know about Jack, and each sees only their own agency\'s records', async () => {
    const w = await riversideAndTheHealthVisitor();
    w.clock.set('2026-02-02T15:45:00Z');
    const teacher = await signedIn(w.app, w.jacksTeacher);
    const healthVisitor = await signedIn(w.app, w.healthVisitor);

    // The teacher adds Jack and Jenny to the school's index, with their mother.
    const jack = await teacher.post('/people', child('Jack', '2021-08-02'));
    const jenny = await teacher.post('/people', child('Jenny', '2019-10-02'));
    const donna = await teacher.post('/people', mother);
    expect([jack.status, jenny.status, donna.status]).toEqual([201, 201, 201]);
    expect((await teacher.post(`/people/${jack.body.id}/relationships`, { relatedPersonId: donna.body.id, type: 'parent' })).status).toBe(201);

    // She records what she sees: the lateness as fact, her impression of his size as opinion.
    const late = await teacher.post(`/people/${jack.body.id}/records`, {
      kind: 'observation', occurredAt: '2026-02-02T15:30:00Z', categories: ['attendance', 'neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: false, summary: 'Late 7 times in 4 weeks; usually the last to be collected',
    });
    expect(late.status).toBe(201);
    expect(late.body).toMatchObject({ authorName: 'Amira Shah', factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', backdated: false, version: 1 });
    await teacher.post(`/people/${jack.body.id}/records`, {
      kind: 'observation', occurredAt: '2026-02-02T15:35:00Z', categories: ['neglect'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: false, summary: 'Looks a bit grubby; seems small and thin for his age',
    });
    // Two days later other children complain about their lunchboxes: reported to her, not seen.
    w.clock.set('2026-02-04T12:50:00Z');
    const lunchboxes = await teacher.post(`/people/${jack.body.id}/records`, {
      kind: 'concern', occurredAt: '2026-02-04T12:40:00Z', categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported',
      source: { type: 'child', description: 'Two children in Jack\'s class' }, confidential: false, summary: 'Other children say Jack takes food from their lunchboxes',
    });
    expect(lunchboxes.body).toMatchObject({ reportedOrWitnessed: 'reported', source: { type: 'child', description: "Two children in Jack's class", identityProtected: false } });

    // Jenny's teacher has no particular concerns about Jenny.
    w.clock.set('2026-02-04T16:10:00Z');
    await addRecord(w.jennysTeacher, jenny.body.id, NewRecord.parse({
      kind: 'observation', occurredAt: '2026-02-04T16:00:00Z', categories: ['attendance'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: false, summary: 'Sometimes late, not always well dressed, but doing well and happy: no particular concerns',
    }));

    // The health visitor has her own entry for Jack, and her own record of the CAF she did with his
    // mother in January, written up only now: it shows as back-dated.
    const hvJack = await createPerson(w.healthVisitor, NewPerson.parse(child('Jack', '2021-08-02')));
    const caf = await addRecord(w.healthVisitor, hvJack.id, NewRecord.parse({
      kind: 'observation', occurredAt: '2026-01-12T10:00:00Z', categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: true, summary: "CAF with Jack's mother: strengths and needs",
    }));
    expect(caf.backdated).toBe(true);

    // The teacher sees the school's three records about Jack, in the order things happened.
    const schoolView = await teacher.get(`/people/${jack.body.id}/records`);
    expect(schoolView.status).toBe(200);
    expect(schoolView.body.map((r: { summary: string; factOrOpinion: string; reportedOrWitnessed: string }) => [r.factOrOpinion, r.reportedOrWitnessed, r.summary])).toEqual([
      ['fact', 'witnessed', 'Late 7 times in 4 weeks; usually the last to be collected'],
      ['opinion', 'witnessed', 'Looks a bit grubby; seems small and thin for his age'],
      ['fact', 'reported', 'Other children say Jack takes food from their lunchboxes'],
    ]);

    // The health visitor cannot see the school's Jack or anything the school wrote: it looks as if it does not exist.
    expect(await healthVisitor.get(`/people/${jack.body.id}/records`)).toEqual({ status: 404, body: NO_SUCH_PERSON });
    expect(await healthVisitor.get(`/records/${late.body.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
    expect(await healthVisitor.get(`/records/${NEVER_USED_ID}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
    // Searching finds only her own agency's Jack; the teacher's search finds only the school's.
    const hvSearch = await healthVisitor.post('/people/search', { name: 'Jack Carver' });
    expect(hvSearch.body.items.map((p: { id: string; agencyId: string }) => [p.id, p.agencyId])).toEqual([[hvJack.id, w.health]]);
    const schoolSearch = await teacher.post('/people/search', { name: 'Jack Carver' });
    expect(schoolSearch.body.items.map((p: { id: string }) => p.id)).toEqual([jack.body.id]);
    // And the school cannot read the CAF.
    expect(await teacher.get(`/records/${caf.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
    expect((await listPersonRecords(w.healthVisitor, hvJack.id)).map((r) => r.summary)).toEqual(["CAF with Jack's mother: strengths and needs"]);
  });

  it("the mother's confidential mental-health record stays in health when she refuses consent to share it", async () => {
    const w = await riversideAndTheHealthVisitor();
    // The health visitor's own entry for the mother, and what the mother told her in confidence.
    w.clock.set('2025-11-10T14:30:00Z');
    const hvDonna = await createPerson(w.healthVisitor, NewPerson.parse(mother));
    const mentalHealth = await addRecord(w.healthVisitor, hvDonna.id, NewRecord.parse({
      kind: 'home_visit', outcome: 'seen', occurredAt: '2025-11-10T13:30:00Z', categories: ['mental_health'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported',
      source: { type: 'parent_or_carer', description: 'Donna' }, confidential: true, sensitiveCategories: ['physical_or_mental_health'],
      summary: 'Donna disclosed low mood since the baby was born; her GP has diagnosed postnatal depression',
    }));
    // The school's own entry for the mother.
    const schoolDonna = await createPerson(w.childProtectionLead, NewPerson.parse(mother));

    // Weeks later the school asks; at her next visit the health visitor asks the mother, who refuses.
    w.clock.set('2026-02-13T14:30:00Z');
    const healthVisitor = await signedIn(w.app, w.healthVisitor);
    const refusal = await healthVisitor.post(`/people/${hvDonna.id}/records`, {
      kind: 'home_visit', outcome: 'seen', occurredAt: '2026-02-13T14:00:00Z', categories: ['mental_health'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported',
      source: { type: 'parent_or_carer', description: 'Donna' }, confidential: true, sensitiveCategories: ['physical_or_mental_health'],
      summary: 'Asked Donna for consent to share her mental health information with the school: she refused',
    });
    expect(refusal.status).toBe(201);
    const decision = await healthVisitor.post(`/people/${hvDonna.id}/records`, {
      kind: 'observation', occurredAt: '2026-02-13T14:20:00Z', categories: ['mental_health', 'neglect'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: true,
      summary: 'Decision: not to override her refusal; the benefit to the children of telling the school would be small',
    });
    expect(decision.body).toMatchObject({ factOrOpinion: 'opinion', confidential: true });

    // The health visiting service's safeguarding lead can read the confidential record, sensitive category and all.
    const namedNurse = await signedIn(w.app, w.namedNurse);
    const read = await namedNurse.get(`/records/${mentalHealth.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ confidential: true, sensitiveCategories: ['physical_or_mental_health'], authorName: 'Joanne Pike' });

    // Nobody at the school can, not even the child protection lead: the answer is the same as for no record at all.
    for (const ctx of [w.childProtectionLead, w.jacksTeacher, w.schoolNurse]) {
      const school = await signedIn(w.app, ctx);
      for (const id of [mentalHealth.id, refusal.body.id, decision.body.id]) expect(await school.get(`/records/${id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
      expect(await school.get(`/people/${hvDonna.id}`)).toEqual({ status: 404, body: NO_SUCH_PERSON });
    }
    // The school's own entry for the mother holds nothing from health.
    expect(await listPersonRecords(w.childProtectionLead, schoolDonna.id)).toEqual([]);
  });

  it('the monitoring arrangement is written down in both agencies: who does what, and when they confer', async () => {
    const w = await riversideAndTheHealthVisitor();
    const schoolJack = await createPerson(w.childProtectionLead, NewPerson.parse(child('Jack', '2021-08-02')));
    const hvJack = await createPerson(w.healthVisitor, NewPerson.parse(child('Jack', '2021-08-02')));

    // The child protection lead writes the arrangement down, naming who does what and when.
    w.clock.set('2026-02-16T16:00:00Z');
    const lead = await signedIn(w.app, w.childProtectionLead);
    const arrangement = [
      "1. Jack's class teacher (Amira Shah) notes each day whether Jack and Jenny are late, collected late, hungry or tired.",
      '2. The health visitor (Joanne Pike) continues home visits and support for the mother.',
      '3. Karen Doyle and Joanne Pike confer by telephone every fortnight, first on Monday 2 March; Karen Doyle makes the call.',
      "4. If the children's care does not improve: early action together, including a possible referral to children's social care.",
    ].join('\n');
    const schoolCopy = await lead.post(`/people/${schoolJack.id}/records`, {
      kind: 'contact', occurredAt: '2026-02-16T15:30:00Z', categories: ['neglect', 'attendance'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: false,
      summary: "Monitoring arrangement agreed with the health visitor: confer fortnightly; early action if the children's care does not improve",
      details: arrangement,
    });
    expect(schoolCopy.status).toBe(201);
    // The health visitor records the same arrangement in health.
    const healthCopy = await addRecord(w.healthVisitor, hvJack.id, NewRecord.parse({
      kind: 'contact', occurredAt: '2026-02-16T15:30:00Z', categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: false,
      summary: "Told the school my decision; agreed to confer fortnightly with the child protection lead", details: arrangement,
    }));

    // Jack's teacher reads it and knows what she has to do.
    const teacher = await signedIn(w.app, w.jacksTeacher);
    const forTeacher = await teacher.get(`/records/${schoolCopy.body.id}`);
    expect(forTeacher.status).toBe(200);
    expect(forTeacher.body.details).toContain("Jack's class teacher (Amira Shah) notes each day");
    expect(forTeacher.body.details).toContain('every fortnight, first on Monday 2 March');

    // Each agency sees its own copy only.
    const healthVisitor = await signedIn(w.app, w.healthVisitor);
    expect(await healthVisitor.get(`/records/${schoolCopy.body.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
    expect(await teacher.get(`/records/${healthCopy.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });

    // A fortnight later they confer, and each records it.
    w.clock.set('2026-03-02T15:45:00Z');
    const call = await lead.post(`/people/${schoolJack.id}/records`, {
      kind: 'contact', occurredAt: '2026-03-02T15:30:00Z', categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported',
      source: { type: 'other_professional', description: 'Joanne Pike, health visitor' }, confidential: false,
      summary: 'First fortnightly call: Jack on time 8 days out of 10 and seems less hungry',
    });
    expect(call.status).toBe(201);
    expect((await teacher.get(`/people/${schoolJack.id}/records`)).body.map((r: { summary: string }) => r.summary)).toEqual([
      "Monitoring arrangement agreed with the health visitor: confer fortnightly; early action if the children's care does not improve",
      'First fortnightly call: Jack on time 8 days out of 10 and seems less hungry',
    ]);

    // Who has viewed the arrangement: the school sees its child protection lead writing it and the teacher reading it …
    const history = await lead.get(`/records/${schoolCopy.body.id}/access-history`);
    expect(history.status).toBe(200);
    expect(history.body.items.map((e: { action: string; outcome: string; practitionerName: string }) => [e.practitionerName, e.action, e.outcome])).toEqual([
      ['Karen Doyle', 'record.create', 'success'],
      ['Amira Shah', 'record.read', 'success'],
      ['Joanne Pike', 'record.read', 'denied'],
    ]);
    // … and the health visitor cannot even ask.
    expect(await healthVisitor.get(`/records/${schoolCopy.body.id}/access-history`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
  });
});
