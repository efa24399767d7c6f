import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../db.ts';
import { castOf, created, entry, listedFor, ok, readableBy, seesNothingOf, told } from './helpers.ts';

/**
 * Case example 4: two cars burn on the estate; witnesses name a family's children. The police
 * reprimand the two boys for stealing sweets and notify the youth offending service, which asks
 * the children's schools what they know. The schools share without consent under the Crime and
 * Disorder Act 1998 — consent is not sought where the law provides the gateway (3.9, 3.37) — and
 * tell the parents and the young people that they are doing so.
 */
describe('case example 4: schools share without consent under a statutory gateway and tell the family', () => {
  const t = useTestDb();

  const home = { line1: '14 Larch Walk', line2: 'Eastfield Estate', town: 'Northshire', postcode: 'NS3 2QD' };
  const maddox = (givenNames: string, dateOfBirth: string) => ({ kind: 'child', names: [{ givenNames, familyName: 'Maddox' }], dateOfBirth, addresses: [home] });
  const children = { jackie: maddox('Jackie', '2010-09-14'), brett: maddox('Brett', '2011-11-03'), connor: maddox('Connor', '2015-06-21') };
  const s115 = {
    purposeCode: 'crime_prevention', purpose: 'Assess the risks to the children and to others, and prevent their further involvement in crime',
    withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Crime and Disorder Act 1998 s115',
  };

  it('the youth offending service and the police see what the schools hold about each child, on the statutory basis, and nobody else does', async () => {
    const w = await castOf(t.db(), '2026-01-26T09:00:00Z', {
      police: ['police', 'Northshire Police'],
      yos: ['youth_offending', 'Northshire Youth Offending Service'],
      primary: ['school', 'Eastfield Primary School'],
      academy: ['school', 'Northgate Academy'],
      socialCare: ['childrens_social_care', "Northshire Children's Social Care"],
    }, {
      officer: ['police', ['practitioner'], 'PC Dan Hughes'],
      yosWorker: ['yos', ['practitioner'], 'Sam Reid'],
      yosLead: ['yos', ['safeguarding_lead'], 'Nadia Khan'],
      connorsTeacher: ['primary', ['practitioner'], 'Laura Lewis'],
      eastfieldHead: ['primary', ['safeguarding_lead'], 'Helen Price'],
      brettsMentor: ['academy', ['practitioner'], 'Jason Cole'],
      jackiesHeadOfYear: ['academy', ['practitioner'], 'Sana Ahmed'],
      northgateLead: ['academy', ['safeguarding_lead'], 'Tom Baker'],
      socialWorker: ['socialCare', ['social_worker', 'safeguarding_lead'], 'Rachel Dunn'],
    });
    const { officer, yosWorker, connorsTeacher, eastfieldHead, brettsMentor, jackiesHeadOfYear, northgateLead, socialWorker } = w.who;

    // The police pick up Connor and Brett for stealing sweets; they admit truanting, are taken home and reprimanded.
    w.clock.set('2026-01-27T17:00:00Z');
    const policeRecords: Record<string, { person: string; record: string }> = {};
    for (const boy of ['brett', 'connor'] as const) {
      const p = await created(officer.post('/people', children[boy]));
      const r = await created(officer.post(`/people/${p.id}/records`, entry({
        kind: 'incident', occurredAt: '2026-01-27T14:20:00Z', categories: ['offending', 'attendance'], sensitiveCategories: ['offences_and_proceedings'],
        summary: 'Picked up with his brother for stealing sweets; admitted truanting; taken home; reprimand issued',
        details: 'Both parents said they believed the boys were in school.',
      })));
      policeRecords[boy] = { person: p.id, record: r.id };
      // The police notify the youth offending service under the same Act, and tell the parents they are doing so.
      await created(officer.post('/share-decisions', {
        personId: p.id, outcome: 'share', answers: s115,
        reasons: 'Concerned about poor outcomes for all three children and the risk to others from their anti-social and offending behaviour',
        share: { recipients: [{ agencyId: w.agency.yos }], items: [{ recordId: r.id }], onwardSharing: 'not_permitted' },
        subjectInformed: told('2026-01-27T16:30:00Z', 'PC Dan Hughes'), acknowledgedWarnings: ['sensitive_information'],
      }));
    }

    // The youth offending service adds the three children and asks each school what it knows.
    w.clock.set('2026-01-29T10:00:00Z');
    const requests: Record<string, string> = {};
    for (const [child, school] of [['jackie', 'academy'], ['brett', 'academy'], ['connor', 'primary']] as const) {
      const p = await created(yosWorker.post('/people', children[child]));
      const req = await created(yosWorker.post('/information-requests', {
        personId: p.id, toAgencyId: w.agency[school], purposeCode: 'crime_prevention',
        purpose: 'Assess the risks to the children in relation to possible involvement in criminal behaviour; are they children in need, or at risk of significant harm?',
      }));
      requests[child] = req.id;
    }

    // What the schools know. Some of it is confidential, some is not; some is in the children's own words.
    w.clock.set('2026-01-30T15:00:00Z');
    const connor = await created(eastfieldHead.post('/people', children.connor));
    const connorsRecords = [
      await created(connorsTeacher.post(`/people/${connor.id}/records`, entry({
        kind: 'observation', occurredAt: '2026-01-28T15:45:00Z', categories: ['other'], factOrOpinion: 'opinion', confidential: false,
        summary: 'A bright boy, but aggressive towards other children',
      }))),
      await created(connorsTeacher.post(`/people/${connor.id}/records`, entry({
        kind: 'concern', occurredAt: '2026-01-29T12:15:00Z', categories: ['exploitation', 'offending'], reportedOrWitnessed: 'reported', source: { type: 'child', description: 'Connor' },
        summary: "Connor says he is being bullied into doing 'naughty' things, like breaking windows, by boys who go around with his older brother",
        childsWords: "They make me do naughty things, like breaking windows. They're the boys that go round with our Brett.",
      }))),
    ].map((r: { id: string }) => r.id);
    const brett = await created(northgateLead.post('/people', children.brett));
    const jackie = await created(northgateLead.post('/people', children.jackie));
    const brettsRecords = [
      await created(brettsMentor.post(`/people/${brett.id}/records`, entry({
        occurredAt: '2026-01-28T13:00:00Z', categories: ['offending'], reportedOrWitnessed: 'reported', source: { type: 'child', description: 'Brett' },
        summary: "Brett feels he must be head of the family because of his father's illness, and prove himself 'big' and 'hard'",
        childsWords: 'If that means breaking the law then so what. My family comes first.',
      }))),
    ].map((r: { id: string }) => r.id);
    const jackiesRecords = [
      await created(jackiesHeadOfYear.post(`/people/${jackie.id}/records`, entry({
        kind: 'observation', occurredAt: '2026-01-27T11:00:00Z', categories: ['exploitation', 'substance_misuse'], confidential: false,
        summary: 'Disruptive, walks out when challenged; smokes a lot and has recently lost a lot of weight',
      }))),
      await created(jackiesHeadOfYear.post(`/people/${jackie.id}/records`, entry({
        kind: 'concern', occurredAt: '2026-01-28T12:30:00Z', categories: ['exploitation', 'substance_misuse', 'sexual_abuse'], reportedOrWitnessed: 'reported',
        source: { type: 'child', description: 'Jackie, in confidence' }, sensitiveCategories: ['sexual_life'],
        summary: 'Jackie says an older crowd tried to introduce her to drugs; she is worried about their sexual advances',
        childsWords: "I don't know how to deal with them coming on to me.",
      }))),
    ].map((r: { id: string }) => r.id);

    // The schools judge that everything they hold should be shared, without consent, under the Act.
    // They tell the parents and the young people that they are sharing, why, and with whom.
    w.clock.set('2026-02-02T11:00:00Z');
    const onward = { onwardSharing: 'permitted_with_conditions', onwardConditions: 'Only within the multi-agency meeting that agrees the joint plan for the children' };
    const schoolDecision = async (lead: typeof eastfieldHead, personId: string, recordIds: string[], requestId: string, acknowledgedWarnings: string[] = []): Promise<{ id: string }> => {
      const decision: { id: string } = await created(lead.post('/share-decisions', {
        personId, outcome: 'share', informationRequestId: requestId, answers: s115,
        reasons: 'The children may be involved in criminal behaviour and at risk of significant harm; the youth offending service and the police need the full picture',
        share: { recipients: [{ agencyId: w.agency.yos }, { agencyId: w.agency.police }], items: recordIds.map((recordId) => ({ recordId })), ...onward },
        subjectInformed: told('2026-02-02T09:00:00Z', lead.name), acknowledgedWarnings,
      }));
      return decision;
    };
    const forConnor = await schoolDecision(eastfieldHead, connor.id, connorsRecords, requests.connor!);
    await schoolDecision(northgateLead, brett.id, brettsRecords, requests.brett!);
    await schoolDecision(northgateLead, jackie.id, jackiesRecords, requests.jackie!, ['sensitive_information']);

    // The decision records the statutory gateway: consent was not sought, and the family was told.
    const decision = await ok(eastfieldHead.get(`/share-decisions/${forConnor.id}`));
    expect(decision).toMatchObject({
      outcome: 'share', legalBasis: 'statutory_duty', consentId: null, purposeCode: 'crime_prevention',
      answers: { legalObligation: 'statutory_duty', legalObligationReference: 'Crime and Disorder Act 1998 s115' },
      assessment: { legalBasis: 'statutory_duty', supportsSharing: true, consentShouldNotBeSought: true },
      subjectInformed: { informed: true, at: '2026-02-02T09:00:00Z', by: 'Helen Price' },
      onwardSharing: 'permitted_with_conditions', onwardConditions: onward.onwardConditions,
    });
    expect(decision.answers.consent).toBeUndefined();
    expect(decision.assessment.guidance.join(' ')).toContain('Do not seek consent (3.9)');

    // Afterwards the youth offending service and the police see every record the schools hold about the three children.
    const schoolRecords = [...connorsRecords, ...brettsRecords, ...jackiesRecords];
    for (const m of [yosWorker, officer]) {
      expect(await readableBy(m, schoolRecords)).toEqual(schoolRecords);
      expect(await listedFor(m, jackie.id)).toEqual(jackiesRecords);
    }
    expect(await ok(yosWorker.get(`/records/${connorsRecords[1]}`))).toMatchObject({
      childsWords: expect.stringContaining('breaking windows'),
      share: { sharedByAgencyName: 'Eastfield Primary School', sharedByName: 'Helen Price', legalBasis: 'statutory_duty', purpose: s115.purpose, ...onward },
    });
    // Each request shows it was answered by a share.
    const { items: outgoing } = await ok(yosWorker.get('/information-requests/outgoing'));
    expect(outgoing.map((r: { id: string; status: string; sharedRecordIds: string[] }) => [r.id, r.status, r.sharedRecordIds.length]).sort()).toEqual([
      [requests.brett, 'shared', 1], [requests.connor, 'shared', 2], [requests.jackie, 'shared', 2],
    ].sort());
    // The police's own records reached the youth offending service, and not the schools.
    const policeIds = [policeRecords.brett!.record, policeRecords.connor!.record];
    expect(await readableBy(yosWorker, policeIds)).toEqual(policeIds);

    // Nothing leaked sideways: each school sees only its own pupils' records, not the other school's nor the police's.
    for (const m of [connorsTeacher, eastfieldHead]) await seesNothingOf(m, { records: [...brettsRecords, ...jackiesRecords, ...policeIds], people: [brett.id, jackie.id] });
    for (const m of [brettsMentor, jackiesHeadOfYear, northgateLead]) await seesNothingOf(m, { records: [...connorsRecords, ...policeIds], people: [connor.id] });
    // Children's social care was not a recipient: nothing about the family exists for it.
    await seesNothingOf(socialWorker, { records: [...schoolRecords, ...policeIds], people: [connor.id, brett.id, jackie.id, policeRecords.connor!.person] });
  });
});
