import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../db.ts';
import { castOf, created, entry, listedFor, ok, readableBy, seesNothingOf, told } from './helpers.ts';

/**
 * Case example 6: Helen, seven, has cerebral palsy and very little verbal communication. On
 * admission for surgery she has bruising to her legs and thighs; she has just come back from
 * respite care. The consultant paediatrician asks the mother's consent to tell children's social
 * care; the mother refuses, fearing Helen would lose her respite care. The consultant overrides
 * the refusal in the public interest — Helen may be at risk of significant harm — and tells the
 * mother she is doing so.
 */
describe('case example 6: a consultant overrides a mother’s refusal in the public interest and tells her', () => {
  const t = useTestDb();

  it('the refusal is in the consent register, the override states the harm and why sharing is necessary and proportionate, and only children’s social care sees what was shared', async () => {
    const w = await castOf(t.db(), '2026-02-23T08:30:00Z', {
      hospital: ['hospital', 'Northshire General Hospital'],
      socialCare: ['childrens_social_care', "Northshire Children's Social Care"],
      police: ['police', 'Northshire Police'],
      respite: ['voluntary_sector', 'Brookside Respite Care'],
    }, {
      doctor: ['hospital', ['practitioner'], 'Dr Sam Okoye'],
      consultant: ['hospital', ['practitioner'], 'Dr Eleanor Hart'],
      namedDoctor: ['hospital', ['safeguarding_lead'], 'Dr James Whitaker'],
      socialWorker: ['socialCare', ['social_worker'], 'Tom Haskins'],
      dutyManager: ['socialCare', ['manager', 'safeguarding_lead'], 'Grace Okafor'],
      officer: ['police', ['practitioner', 'safeguarding_lead'], 'DC Lee Ward'],
      respiteWorker: ['respite', ['practitioner', 'safeguarding_lead'], 'Paula Jones'],
    });
    const { doctor, consultant, namedDoctor, socialWorker, dutyManager, officer, respiteWorker } = w.who;

    // On admission the doctor adds Helen and her mother, who has parental responsibility.
    w.clock.set('2026-02-23T09:40:00Z');
    const home = { line1: '31 Beech Avenue', town: 'Northshire', postcode: 'NS4 9TT' };
    const helen = await created(doctor.post('/people', {
      kind: 'child', names: [{ givenNames: 'Helen', familyName: 'Whitfield' }], dateOfBirth: '2018-11-02', sex: 'female', addresses: [home],
      communicationNeeds: 'Cerebral palsy; very little verbal communication.',
    }));
    const sandra = await created(doctor.post('/people', { kind: 'adult', names: [{ givenNames: 'Sandra', familyName: 'Whitfield' }], dateOfBirth: '1988-06-14', sex: 'female', addresses: [home] }));
    await created(doctor.post(`/people/${helen.id}/relationships`, { relatedPersonId: sandra.id, type: 'parent' }));
    await created(doctor.post(`/people/${helen.id}/relationships`, { relatedPersonId: sandra.id, type: 'parental_responsibility' }));

    // What the doctor saw, what the mother said, and the consultant's opinion — each for what it is.
    const bruising = await created(doctor.post(`/people/${helen.id}/records`, entry({
      kind: 'observation', occurredAt: '2026-02-23T09:10:00Z', categories: ['physical_abuse'], sensitiveCategories: ['physical_or_mental_health'],
      summary: 'Bruising to both lower legs and both thighs seen during the admission examination',
    })));
    const explanation = await created(doctor.post(`/people/${helen.id}/records`, entry({
      occurredAt: '2026-02-23T09:15:00Z', categories: ['physical_abuse'], reportedOrWitnessed: 'reported', source: { type: 'parent_or_carer', description: 'Sandra Whitfield, mother' },
      summary: "Mother thinks the bruising may be from Helen's callipers; Helen has just come back from respite care",
      details: 'Mother said: "She always comes back in a state." She is thinking of not sending her any more.',
    })));
    w.clock.set('2026-02-23T12:00:00Z');
    const opinion = await created(consultant.post(`/people/${helen.id}/records`, entry({
      kind: 'observation', occurredAt: '2026-02-23T11:30:00Z', categories: ['physical_abuse'], factOrOpinion: 'opinion', sensitiveCategories: ['physical_or_mental_health'],
      summary: 'The pattern of bruising is not typical of calliper rubbing; I am worried about how it was caused',
    })));
    // The surgical plan is Helen's medical record: nothing to do with the concern.
    const surgery = await created(consultant.post(`/people/${helen.id}/records`, entry({
      kind: 'appointment', outcome: 'attended', occurredAt: '2026-02-23T11:00:00Z', categories: ['other'], sensitiveCategories: ['physical_or_mental_health'],
      summary: 'Pre-operative assessment for bilateral hamstring release',
    })));

    // The consultant asks Sandra's consent to share her concerns with children's social care. Sandra refuses.
    const refusal = await created(consultant.post(`/people/${helen.id}/consents`, {
      purposeCode: 'child_protection_enquiry', purpose: 'Share my concerns about Helen’s bruising with children’s social care',
      recipientAgencyIds: [w.agency.socialCare], decision: 'refused', form: 'explicit_verbal',
      givenBy: { capacity: 'parental_responsibility', personId: sandra.id }, obtainedAt: '2026-02-23T11:50:00Z',
    }));
    expect(refusal).toMatchObject({ status: 'refused', givenByCapacity: 'parental_responsibility', givenByPersonId: sandra.id });

    // Without a public interest the refusal would stand: the check tells her what to consider (3.38).
    const answers = {
      purposeCode: 'child_protection_enquiry', purpose: 'Unexplained bruising to a disabled child just back from respite care',
      withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true,
      consent: { status: 'refused', consentId: refusal.id, details: 'Sandra fears Helen would lose her respite care' },
    };
    const share = {
      recipients: [{ agencyId: w.agency.socialCare }],
      items: [bruising.id, explanation.id, opinion.id].map((recordId) => ({ recordId })),
      onwardSharing: 'permitted_with_conditions', onwardConditions: 'To the police and within the strategy discussion only',
    };
    const check = await ok(consultant.post('/share-decisions/preview', { personId: helen.id, outcome: 'share', answers, reasons: 'x', share, subjectInformed: told('2026-02-23T12:10:00Z', 'Dr Eleanor Hart') }));
    expect(check.assessment).toMatchObject({ legalBasis: 'none', supportsSharing: false });
    expect(check.assessment.guidance).toContain('Consent was refused. Refusal does not always prevent sharing: consider whether there is a sufficient public interest (3.38).');
    expect(check.problems.map((p: { pointer: string }) => p.pointer)).toEqual(expect.arrayContaining(['/answers/publicInterest/harm', '/answers/publicInterest/necessityAndProportionality']));

    // She decides to override the refusal, in her own words, and tells Sandra she is sharing and why.
    const publicInterest = {
      harm: 'child_significant_harm',
      evidence: 'Bruising to the legs and thighs of a disabled child who cannot tell us how it happened; not typical of calliper rubbing',
      necessityAndProportionality: 'Helen cannot tell us what happened and is due back in respite care. Only children’s social care, with the police, can find out whether she is safe there. I am sharing the bruising, her mother’s explanation and my opinion — not her medical record.',
      adultWithCapacityRiskingOnlyThemself: false,
    };
    const override = await created(consultant.post('/share-decisions', {
      personId: helen.id, outcome: 'share', answers: { ...answers, publicInterest }, share,
      reasons: 'Helen may be at risk of significant harm when she is placed in respite care; that outweighs her mother’s refusal',
      subjectInformed: told('2026-02-23T12:10:00Z', 'Dr Eleanor Hart'),
      acknowledgedWarnings: ['sensitive_information'],
    }));

    // The decision, as the hospital keeps it: the refusal it overrode, the harm, the consultant's words, and that the mother was told.
    expect(await ok(consultant.get(`/share-decisions/${override.id}`))).toMatchObject({
      outcome: 'share', legalBasis: 'public_interest', consentId: refusal.id, decidedByName: 'Dr Eleanor Hart',
      answers: { consent: { status: 'refused', consentId: refusal.id }, publicInterest },
      assessment: { legalBasis: 'public_interest', supportsSharing: true },
      subjectInformed: { informed: true, at: '2026-02-23T12:10:00Z', by: 'Dr Eleanor Hart' },
      recipients: [{ agencyId: w.agency.socialCare, agencyName: "Northshire Children's Social Care", practitionerId: null }],
      onwardSharing: 'permitted_with_conditions', onwardConditions: 'To the police and within the strategy discussion only',
      acknowledgedWarnings: ['sensitive_information'],
    });
    // The register keeps the refusal, and shows the decision that overrode it.
    expect(await ok(namedDoctor.get(`/people/${helen.id}/consents`))).toEqual([
      expect.objectContaining({ id: refusal.id, status: 'refused', reliedOnBy: [expect.objectContaining({ decisionId: override.id })] }),
    ]);

    // Children's social care sees the three records, and on what basis, and that it may pass them only to the police and the strategy discussion.
    const hospitalRecords = [bruising.id, explanation.id, opinion.id, surgery.id];
    for (const m of [socialWorker, dutyManager]) {
      expect(await readableBy(m, hospitalRecords)).toEqual([bruising.id, explanation.id, opinion.id]);
      expect(await listedFor(m, helen.id)).toEqual([bruising.id, explanation.id, opinion.id]);
    }
    expect(await ok(socialWorker.get(`/records/${opinion.id}`))).toMatchObject({
      factOrOpinion: 'opinion', authorName: 'Dr Eleanor Hart',
      share: {
        decisionId: override.id, sharedByAgencyName: 'Northshire General Hospital', sharedByName: 'Dr Eleanor Hart', legalBasis: 'public_interest',
        purpose: 'Unexplained bruising to a disabled child just back from respite care', onwardSharing: 'permitted_with_conditions', onwardConditions: 'To the police and within the strategy discussion only',
      },
    });
    // Social care learns who Helen is and how to communicate with her — not her mother's details, which the hospital holds.
    expect(await ok(socialWorker.get(`/people/${helen.id}`))).toMatchObject({ access: 'shared', communicationNeeds: expect.stringContaining('very little verbal'), relationships: [], addresses: [] });
    await seesNothingOf(socialWorker, { people: [sandra.id] });
    expect((await ok(dutyManager.get('/notifications'))).items).toContainEqual(expect.objectContaining({ kind: 'share.received', entityId: override.id }));
    // Social care cannot read the decision itself, nor correct what the hospital wrote.
    expect((await socialWorker.get(`/share-decisions/${override.id}`)).status).toBe(404);
    expect((await socialWorker.post(`/records/${bruising.id}/corrections`, { baseVersion: 1, correctionReason: 'x', summary: 'Bruises' })).status).toBe(404);

    // The police were not recipients (social care may involve them); the respite provider certainly was not.
    for (const m of [officer, respiteWorker]) await seesNothingOf(m, { records: hospitalRecords, people: [helen.id, sandra.id] });
  });
});
