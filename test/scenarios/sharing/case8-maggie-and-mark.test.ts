import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../db.ts';
import { castOf, created, entry, listedFor, ok, readableBy, seesNothingOf } from './helpers.ts';

/**
 * Case example 8, as it should have gone: Maggie tells her probation officer she is pregnant and
 * names the father. Probation's own records, years old, show that Mark has been violent and
 * abusive and that two of his children were on the child protection register. The probation
 * officer shares that history with children's social care in the public interest — without asking
 * Mark or telling him, because that could put Maggie and the baby at greater risk — and later
 * tells them when Maggie and Mark are back together. The social worker assessing the unborn baby
 * now sees Mark's history; nobody who was not a recipient does.
 */
describe("case example 8: probation's history reaches children's social care", () => {
  const t = useTestDb();

  it("the social worker sees Mark's history and the later report; the police and the health visitor, not recipients, see nothing", async () => {
    // The agencies have used Jigsaw for years before Maggie's pregnancy.
    const w = await castOf(t.db(), '2020-03-10T09:00:00Z', {
      probation: ['probation', 'Northshire Probation Delivery Unit'],
      socialCare: ['childrens_social_care', "Northshire Children's Social Care"],
      police: ['police', 'Northshire Police'],
      healthVisiting: ['health_visiting', 'Northshire Health Visiting Service'],
    }, {
      probationOfficer: ['probation', ['practitioner'], 'Emma Sinclair'],
      socialWorker: ['socialCare', ['social_worker'], 'Rachel Dunn'],
      teamManager: ['socialCare', ['manager'], 'Grace Okafor'],
      headOfSafeguarding: ['socialCare', ['safeguarding_lead'], 'Priya Raman'],
      officer: ['police', ['practitioner', 'safeguarding_lead'], 'DS Martin Cole'],
      healthVisitor: ['healthVisiting', ['practitioner', 'safeguarding_lead'], 'Claire Ashby'],
    });
    const { probationOfficer, socialWorker, teamManager, headOfSafeguarding, officer, healthVisitor } = w.who;

    // Years ago probation recorded Mark's violence, at the time.
    w.clock.set('2020-03-10T16:00:00Z');
    const mark = await created(probationOfficer.post('/people', { kind: 'adult', names: [{ givenNames: 'Mark', familyName: 'Tulley' }], dateOfBirth: '1993-01-02', sex: 'male' }));
    const history = await created(probationOfficer.post(`/people/${mark.id}/records`, entry({
      kind: 'concern', occurredAt: '2020-03-10T10:00:00Z', categories: ['domestic_abuse', 'physical_abuse'], sensitiveCategories: ['offences_and_proceedings'],
      summary: 'Violent and abusive towards partners; two of his children have been on the child protection register; their mothers restrict his access',
    })));
    const employment = await created(probationOfficer.post(`/people/${mark.id}/records`, entry({
      occurredAt: '2020-03-10T11:00:00Z', categories: ['other'], summary: 'Working nights at a distribution warehouse',
    })));

    // Five years later Maggie tells her probation officer she is pregnant, and names Mark as the father.
    w.clock.set('2025-05-12T11:30:00Z');
    const maggie = await created(probationOfficer.post('/people', { kind: 'adult', names: [{ givenNames: 'Maggie', familyName: 'Fletcher' }], dateOfBirth: '2001-10-02', sex: 'female' }));
    const pregnancy = await created(probationOfficer.post(`/people/${maggie.id}/records`, entry({
      occurredAt: '2025-05-12T10:00:00Z', categories: ['other'], reportedOrWitnessed: 'reported', source: { type: 'other', description: 'Maggie' },
      summary: 'Maggie says she is pregnant; she names Mark Tulley as the father',
    })));

    // The officer checks probation's records, recognises Mark, and shares his history with children's social care.
    const withoutAsking = {
      purposeCode: 'child_protection_enquiry', purpose: "Referral about Maggie Fletcher's unborn baby: the father's history of violence",
      withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true,
      consent: { status: 'not_sought', reason: 'increase_risk_of_harm', explanation: 'Asking Mark, or telling him, could put Maggie and the unborn baby at greater risk' },
      publicInterest: {
        harm: 'child_significant_harm',
        evidence: 'Probation records show violence and abuse towards partners, and two of his children on the child protection register',
        necessityAndProportionality: 'Social care cannot assess the risk to the baby without knowing the father’s history; only the history is shared, not the rest of his file',
        adultWithCapacityRiskingOnlyThemself: false,
      },
    };
    const notTold = { informed: false, reason: 'Telling Mark could put Maggie and the unborn baby at increased risk of harm (3.36)' };
    const referral = await created(probationOfficer.post('/share-decisions', {
      personId: mark.id, outcome: 'share', answers: withoutAsking,
      reasons: 'An unborn baby whose father has a history of violence to partners and whose children have needed protection',
      share: { recipients: [{ agencyId: w.agency.socialCare }], items: [{ recordId: history.id }], onwardSharing: 'permitted_with_conditions', onwardConditions: 'To the police for a section 47 strategy discussion only' },
      subjectInformed: notTold, acknowledgedWarnings: ['sensitive_information'],
    }));
    expect(await ok(probationOfficer.get(`/share-decisions/${referral.id}`))).toMatchObject({
      legalBasis: 'public_interest', consentId: null,
      answers: { consent: { status: 'not_sought', reason: 'increase_risk_of_harm' }, publicInterest: { harm: 'child_significant_harm' } },
      assessment: { supportsSharing: true },
      subjectInformed: notTold, items: [{ recordId: history.id, parts: ['summary', 'details', 'childs_words', 'source'] }],
    });

    // The social worker allocated to the unborn baby now finds Mark's history — recorded five years earlier, by another agency.
    w.clock.set('2025-05-19T10:00:00Z');
    for (const m of [socialWorker, teamManager, headOfSafeguarding]) {
      expect(await readableBy(m, [history.id, employment.id, pregnancy.id])).toEqual([history.id]);
    }
    expect(await ok(socialWorker.get(`/records/${history.id}`))).toMatchObject({
      summary: expect.stringContaining('two of his children have been on the child protection register'),
      occurredAt: '2020-03-10T10:00:00.000Z', authorName: 'Emma Sinclair', sensitiveCategories: ['offences_and_proceedings'],
      share: {
        decisionId: referral.id, sharedByAgencyName: 'Northshire Probation Delivery Unit', sharedByName: 'Emma Sinclair', legalBasis: 'public_interest',
        onwardSharing: 'permitted_with_conditions', onwardConditions: 'To the police for a section 47 strategy discussion only',
      },
    });
    expect(await ok(socialWorker.get(`/people/${mark.id}`))).toMatchObject({ access: 'shared', names: [{ givenNames: 'Mark', familyName: 'Tulley' }], relationships: [] });
    expect((await ok(headOfSafeguarding.get('/notifications'))).items).toContainEqual(expect.objectContaining({ kind: 'share.received', entityId: referral.id }));

    // Later the officer learns Maggie and Mark are back together, records it, and reports it the same way.
    w.clock.set('2025-08-04T15:00:00Z');
    const resumed = await created(probationOfficer.post(`/people/${mark.id}/records`, entry({
      occurredAt: '2025-08-04T11:00:00Z', categories: ['domestic_abuse'], reportedOrWitnessed: 'reported', source: { type: 'other', description: 'Maggie, at supervision' },
      summary: 'Maggie says she and Mark have resumed their relationship',
    })));
    const report = await created(probationOfficer.post('/share-decisions', {
      personId: mark.id, outcome: 'share', followsDecisionId: referral.id, answers: { ...withoutAsking, purpose: 'Maggie and Mark have resumed their relationship' },
      reasons: 'The assessment concluded on the basis that they had separated',
      share: { recipients: [{ agencyId: w.agency.socialCare }], items: [{ recordId: resumed.id }], onwardSharing: 'not_permitted' },
      subjectInformed: notTold, acknowledgedWarnings: ['third_party'],
    }));
    expect(report).toMatchObject({ legalBasis: 'public_interest', followsDecisionId: referral.id });
    // Mark's chronology in social care now holds both, in the order they happened.
    expect(await listedFor(socialWorker, mark.id)).toEqual([history.id, resumed.id]);

    // The police were not a recipient: Mark, Maggie and every probation record do not exist for them. Nor for the health visitor.
    const probationRecords = [history.id, employment.id, pregnancy.id, resumed.id];
    for (const m of [officer, healthVisitor]) await seesNothingOf(m, { records: probationRecords, people: [mark.id, maggie.id] });
    // Maggie's own record was not part of either share: social care does not see her through probation.
    await seesNothingOf(socialWorker, { records: [pregnancy.id, employment.id], people: [maggie.id] });
  });
});
