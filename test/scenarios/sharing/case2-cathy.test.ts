import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../db.ts';
import { castOf, created, entry, listedFor, ok, readableBy, seesNothingOf, sharingRows, told } from './helpers.ts';

/**
 * Case example 2: Cathy, a young mother who fled a violent relationship, is supported by a
 * Home-Start volunteer. Her informed consent lets Home-Start talk to Ben's nursery about his
 * attendance. Later the volunteer worries about Ben's hearing: that is a different purpose and a
 * different recipient, so the first consent cannot be reused — Cathy is asked again.
 */
describe('case example 2: consent for one purpose is not reused for another', () => {
  const t = useTestDb();

  const hostel = { line1: 'Room 4, Harbour House', town: 'Northshire', postcode: 'NS5 1HH' };

  async function cathyAndHomeStart() {
    const c = await castOf(t.db(), '2025-10-06T09:00:00Z', {
      homeStart: ['voluntary_sector', 'Home-Start Northshire'],
      nursery: ['early_years', 'Westfield School Nursery'],
      healthVisiting: ['health_visiting', 'Northshire Health Visiting Service'],
      hostel: ['housing', 'Harbour House Young Parents Hostel'],
    }, {
      organiser: ['homeStart', ['practitioner', 'safeguarding_lead'], 'Linda Grey'],
      volunteer: ['homeStart', ['practitioner'], 'Jo Bright'],
      nurseryTeacher: ['nursery', ['practitioner'], 'Mrs Okafor'],
      healthVisitor: ['healthVisiting', ['practitioner'], 'Joanne Pike'],
      hostelWorker: ['hostel', ['practitioner', 'safeguarding_lead'], 'Dev Sharma'],
    });
    const { organiser, volunteer } = c.who;

    // The organiser adds Cathy and her boys to Home-Start's index; Cathy has parental responsibility for both.
    const cathy = await created(organiser.post('/people', { kind: 'adult', names: [{ givenNames: 'Cathy', familyName: 'Dobson' }], dateOfBirth: '2006-02-14', sex: 'female', addresses: [hostel] }));
    const ben = await created(organiser.post('/people', { kind: 'child', names: [{ givenNames: 'Ben', familyName: 'Dobson' }], dateOfBirth: '2022-07-20', sex: 'male', addresses: [hostel] }));
    const jake = await created(organiser.post('/people', { kind: 'child', names: [{ givenNames: 'Jake', familyName: 'Dobson' }], dateOfBirth: '2025-04-02', sex: 'male', addresses: [hostel] }));
    for (const child of [ben, jake]) {
      await created(organiser.post(`/people/${child.id}/relationships`, { relatedPersonId: cathy.id, type: 'parent' }));
      await created(organiser.post(`/people/${child.id}/relationships`, { relatedPersonId: cathy.id, type: 'parental_responsibility' }));
    }
    // Why Ben misses nursery — and why Cathy does not want anyone to know where they live.
    c.clock.set('2025-10-06T15:00:00Z');
    const attendance = await created(organiser.post(`/people/${ben.id}/records`, entry({
      occurredAt: '2025-10-06T13:00:00Z', categories: ['attendance'], reportedOrWitnessed: 'reported', source: { type: 'parent_or_carer', description: 'Cathy' },
      summary: 'Ben misses nursery because it is a long walk from the hostel with no cross-town transport',
      details: 'Cathy fled a violent relationship and is anxious that nobody learns where they live.',
    })));
    // Weeks later the volunteer worries about Ben's hearing; the organiser completes a CAF with Cathy.
    c.clock.set('2025-11-17T16:00:00Z');
    const hearing = await created(volunteer.post(`/people/${ben.id}/records`, entry({
      kind: 'observation', occurredAt: '2025-11-17T11:00:00Z', categories: ['development'], factOrOpinion: 'opinion',
      sensitiveCategories: ['physical_or_mental_health'],
      summary: 'CAF: Ben may have hearing difficulties; he missed his developmental and hearing checks as a baby',
    })));
    return { ...c, cathy, ben, jake, attendance, hearing };
  }

  it('consent to talk to the nursery cannot be reused to tell the health visitor about Ben’s hearing; new consent is sought and each recipient sees only its own', async () => {
    const w = await cathyAndHomeStart();
    const { organiser, nurseryTeacher, healthVisitor, hostelWorker } = w.who;

    // The organiser explains why Home-Start needs to speak to the nursery; Cathy gives informed consent.
    w.clock.set('2025-10-07T10:00:00Z');
    const forNursery = await created(organiser.post(`/people/${w.ben.id}/consents`, {
      purposeCode: 'education_attendance', purpose: 'Talk to the nursery about Ben’s attendance and a place closer to where the family now lives',
      recipientAgencyIds: [w.agency.nursery], decision: 'given', form: 'explicit_written', documentReference: 'Home-Start consent form HS-2231',
      givenBy: { capacity: 'parental_responsibility', personId: w.cathy.id }, obtainedAt: '2025-10-07T09:30:00Z',
    }));
    expect(forNursery).toMatchObject({ givenByCapacity: 'parental_responsibility', givenByPersonId: w.cathy.id, status: 'given' });
    // Home-Start shares why Ben is missing nursery — the summary only, not why Cathy moved, and not where they live.
    const toNursery = await created(organiser.post('/share-decisions', {
      personId: w.ben.id, outcome: 'share',
      answers: { purposeCode: 'education_attendance', purpose: 'Resolve Ben’s attendance', withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true, consent: { status: 'given', consentId: forNursery.id } },
      reasons: 'Cathy consented; the nursery can help find Ben a closer place',
      share: { recipients: [{ agencyId: w.agency.nursery }], items: [{ recordId: w.attendance.id, parts: ['summary'] }], onwardSharing: 'not_permitted', includeAddress: false },
      subjectInformed: told('2025-10-07T09:30:00Z', 'Linda Grey'),
    }));
    expect(toNursery).toMatchObject({ legalBasis: 'consent', consentId: forNursery.id });

    // Six weeks later the organiser wants the health visitor to know about Ben's hearing, and reaches for the consent she has.
    w.clock.set('2025-11-18T10:00:00Z');
    const before = await sharingRows(t.db());
    const hearingShare = {
      personId: w.ben.id, outcome: 'share',
      answers: { purposeCode: 'health_assessment_or_treatment', purpose: 'Ask the health visitor to arrange Ben’s missed hearing checks', withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true, consent: { status: 'given', consentId: forNursery.id } },
      reasons: 'Cathy agreed to the CAF; Ben needs his hearing checked',
      share: { recipients: [{ agencyId: w.agency.healthVisiting }], items: [{ recordId: w.hearing.id }], onwardSharing: 'not_permitted' },
      subjectInformed: told('2025-11-17T11:00:00Z', 'Linda Grey'),
      acknowledgedWarnings: ['sensitive_information'],
    };
    // The check says what is wrong before anything is recorded …
    const preview = await ok(organiser.post('/share-decisions/preview', hearingShare));
    expect(preview.assessment).toMatchObject({ legalBasis: 'none', supportsSharing: false });
    expect(preview.assessment.guidance).toContain('The consent on record does not cover this purpose and these recipients: a new purpose needs new consent (3.21).');
    // … and the decision is refused, with nothing written and nothing shared.
    const reused = await organiser.post('/share-decisions', hearingShare);
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ type: 'https://jigsaw.example/problems/validation', status: 422, detail: 'The decision cannot be recorded yet.' });
    expect(reused.body.errors).toContainEqual({ pointer: '/answers/consent/consentId', detail: 'This consent is for a different purpose or different recipients: a new purpose needs new consent (3.21)' });
    expect(await sharingRows(t.db())).toEqual(before);
    await seesNothingOf(healthVisitor, { records: [w.hearing.id, w.attendance.id], people: [w.ben.id] });

    // So the organiser asks Cathy again, for this purpose and this recipient; Cathy agrees.
    w.clock.set('2025-11-18T14:00:00Z');
    const forHealthVisitor = await created(organiser.post(`/people/${w.ben.id}/consents`, {
      purposeCode: 'health_assessment_or_treatment', purpose: 'Tell the health visitor about the CAF so Ben’s hearing can be tested',
      recipientAgencyIds: [w.agency.healthVisiting], decision: 'given', form: 'explicit_verbal',
      givenBy: { capacity: 'parental_responsibility', personId: w.cathy.id }, obtainedAt: '2025-11-18T13:30:00Z',
    }));
    const toHealthVisitor = await created(organiser.post('/share-decisions', {
      ...hearingShare, answers: { ...hearingShare.answers, consent: { status: 'given', consentId: forHealthVisitor.id } },
      subjectInformed: told('2025-11-18T13:30:00Z', 'Linda Grey'),
    }));
    expect(await ok(organiser.get(`/share-decisions/${toHealthVisitor.id}`))).toMatchObject({
      legalBasis: 'consent', consentId: forHealthVisitor.id, purposeCode: 'health_assessment_or_treatment',
      answers: { consent: { status: 'given', consentId: forHealthVisitor.id } }, subjectInformed: { informed: true, by: 'Linda Grey' },
      recipients: [{ agencyId: w.agency.healthVisiting, agencyName: 'Northshire Health Visiting Service', practitionerId: null }],
    });
    // Each consent shows the one decision that relied on it.
    const register = await ok(organiser.get(`/people/${w.ben.id}/consents`));
    expect(register.map((x: { id: string; reliedOnBy: { decisionId: string }[] }) => [x.id, x.reliedOnBy.map((r) => r.decisionId)])).toEqual([
      [forNursery.id, [toNursery.id]],
      [forHealthVisitor.id, [toHealthVisitor.id]],
    ]);

    // The nursery sees why Ben misses nursery — the summary only — and nothing about his health or where the family lives.
    expect(await readableBy(nurseryTeacher, [w.attendance.id, w.hearing.id])).toEqual([w.attendance.id]);
    expect(await ok(nurseryTeacher.get(`/records/${w.attendance.id}`))).toMatchObject({
      summary: expect.stringContaining('long walk from the hostel'), details: null, sharedParts: ['summary'],
      share: { legalBasis: 'consent', purpose: 'Resolve Ben’s attendance', onwardSharing: 'not_permitted' },
    });
    expect(await ok(nurseryTeacher.get(`/people/${w.ben.id}`))).toMatchObject({ access: 'shared', addresses: [], relationships: [] });
    // The health visitor sees the CAF about Ben's hearing, and not the attendance record.
    expect(await readableBy(healthVisitor, [w.attendance.id, w.hearing.id])).toEqual([w.hearing.id]);
    expect(await listedFor(healthVisitor, w.ben.id)).toEqual([w.hearing.id]);
    expect(await ok(healthVisitor.get(`/records/${w.hearing.id}`))).toMatchObject({
      share: { decisionId: toHealthVisitor.id, legalBasis: 'consent', purpose: 'Ask the health visitor to arrange Ben’s missed hearing checks', onwardSharing: 'not_permitted' },
    });
    expect(await ok(healthVisitor.get(`/people/${w.ben.id}`))).toMatchObject({ access: 'shared', addresses: [] });
    // Neither recipient learns anything about Cathy or Jake; the hostel learns nothing at all.
    for (const m of [nurseryTeacher, healthVisitor]) await seesNothingOf(m, { people: [w.cathy.id, w.jake.id] });
    await seesNothingOf(hostelWorker, { records: [w.attendance.id, w.hearing.id], people: [w.ben.id, w.cathy.id, w.jake.id] });
  });
});
