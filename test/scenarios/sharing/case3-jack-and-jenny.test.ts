import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../db.ts';
import { castOf, created, entry, listedFor, ok, readableBy, seesNothingOf, told } from './helpers.ts';

/**
 * Case example 3: Jack's teacher is uneasy about him. With the school's child protection lead she
 * asks the health visitor, who knows the family and holds confidential information about the
 * mother's mental health. The mother refuses consent to share it with the school; the health
 * visitor decides the benefit to the children would be small and does not override her refusal.
 * Health and school agree to monitor, confer fortnightly, and act early if things do not improve.
 */
describe("case example 3: respecting a parent's refusal of consent to share confidential information", () => {
  const t = useTestDb();

  const home = { line1: '5 Ashdown Road', town: 'Northshire', postcode: 'NS1 6EJ' };
  const carver = (givenNames: string, kind: string, dateOfBirth: string) => ({ kind, names: [{ givenNames, familyName: 'Carver' }], dateOfBirth, addresses: [home] });

  it('the mother’s refusal is recorded and respected: no health information reaches the school, the school is told, and the monitoring arrangement is shared instead', async () => {
    const w = await castOf(t.db(), '2026-02-02T08:00:00Z', {
      school: ['school', 'Riverside Primary School'],
      healthVisiting: ['health_visiting', 'Northshire Health Visiting Service'],
      socialCare: ['childrens_social_care', "Northshire Children's Social Care"],
    }, {
      jacksTeacher: ['school', ['practitioner'], 'Amira Shah'],
      schoolNurse: ['school', ['practitioner'], 'Gillian Marsh'],
      childProtectionLead: ['school', ['safeguarding_lead'], 'Karen Doyle'],
      healthVisitor: ['healthVisiting', ['practitioner'], 'Joanne Pike'],
      namedNurse: ['healthVisiting', ['safeguarding_lead'], 'Ruth Adeyemi'],
      socialWorker: ['socialCare', ['social_worker', 'safeguarding_lead'], 'Tom Haskins'],
    });
    const { jacksTeacher, schoolNurse, childProtectionLead, healthVisitor, namedNurse, socialWorker } = w.who;

    // Jack's teacher records what worries her: often late, last to be collected, hungry, falling asleep.
    w.clock.set('2026-02-04T16:00:00Z');
    const schoolJack = await created(jacksTeacher.post('/people', carver('Jack', 'child', '2021-08-02')));
    const hungry = await created(jacksTeacher.post(`/people/${schoolJack.id}/records`, entry({
      kind: 'concern', occurredAt: '2026-02-04T12:40:00Z', categories: ['neglect'], confidential: false,
      summary: 'Often late and last to be collected; takes food from other children’s lunchboxes; fell asleep in class',
    })));

    // The health visitor's own records: the CAF with the family, and what the mother told her in confidence.
    const hvJack = await created(healthVisitor.post('/people', carver('Jack', 'child', '2021-08-02')));
    const hvDonna = await created(healthVisitor.post('/people', carver('Donna', 'adult', '1993-05-09')));
    await created(healthVisitor.post(`/people/${hvJack.id}/relationships`, { relatedPersonId: hvDonna.id, type: 'parental_responsibility' }));
    const caf = await created(healthVisitor.post(`/people/${hvJack.id}/records`, entry({
      kind: 'observation', occurredAt: '2026-01-12T10:00:00Z', categories: ['development', 'neglect'],
      summary: 'CAF with Jack’s mother: strengths and needs; extra support offered at home',
    })));
    const mentalHealth = await created(healthVisitor.post(`/people/${hvDonna.id}/records`, entry({
      kind: 'home_visit', outcome: 'seen', occurredAt: '2026-01-12T10:30:00Z', categories: ['mental_health'], reportedOrWitnessed: 'reported',
      source: { type: 'parent_or_carer', description: 'Donna' }, sensitiveCategories: ['physical_or_mental_health'],
      summary: 'Donna disclosed low mood since the baby was born; her GP has diagnosed postnatal depression',
    })));

    // The teacher and the school nurse take it to the child protection lead, who asks the health visitor.
    w.clock.set('2026-02-05T09:00:00Z');
    const request = await created(childProtectionLead.post('/information-requests', {
      personId: schoolJack.id, toAgencyId: w.agency.healthVisiting, purposeCode: 'welfare_monitoring',
      purpose: 'Jack is often late, hungry and tired, and his mother seems low. Do you have concerns about the family?',
    }));

    // At her next visit the health visitor asks Donna whether she may share her health information with the school. Donna refuses.
    w.clock.set('2026-02-13T14:30:00Z');
    const refusal = await created(healthVisitor.post(`/people/${hvDonna.id}/consents`, {
      purposeCode: 'welfare_monitoring', purpose: 'Share what Donna told me about her mental health with Jack’s school',
      recipientAgencyIds: [w.agency.school], decision: 'refused', form: 'explicit_verbal', givenBy: { capacity: 'self' }, obtainedAt: '2026-02-13T14:00:00Z',
    }));
    expect(refusal).toMatchObject({ decision: 'refused', status: 'refused', givenByCapacity: 'self', givenByPersonId: hvDonna.id });

    // She weighs the public interest: the benefit to the children would be small, and Donna is accepting support. She decides not to share.
    const notToShare = await created(healthVisitor.post('/share-decisions', {
      personId: hvDonna.id, outcome: 'do_not_share', informationRequestId: request.id,
      answers: {
        purposeCode: 'welfare_monitoring', purpose: 'The school asks whether health has concerns about the family',
        withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true,
        consent: { status: 'refused', consentId: refusal.id, details: 'Donna does not want the school to know about her health' },
        publicInterest: {
          harm: 'lower', evidence: 'Lateness, hunger and tiredness; no indication of significant harm',
          necessityAndProportionality: 'Little benefit to the children from the school knowing; Donna is accepting services out of school, which should improve things',
          adultWithCapacityRiskingOnlyThemself: false,
        },
      },
      reasons: 'Not overriding Donna’s refusal: the benefit to the children would be small and she is accepting support. Monitoring agreed with the school.',
    }));
    // The decision not to share is recorded with the same care as a share (golden rule 7), and shares nothing.
    expect(await ok(healthVisitor.get(`/share-decisions/${notToShare.id}`))).toMatchObject({
      outcome: 'do_not_share', consentId: refusal.id, recipients: [], items: [],
      // The basis weighed was the public interest, and the answers do not support sharing.
      legalBasis: 'public_interest', assessment: { supportsSharing: false },
      answers: { consent: { status: 'refused', consentId: refusal.id }, publicInterest: { harm: 'lower', adultWithCapacityRiskingOnlyThemself: false } },
      reasons: expect.stringContaining('Not overriding Donna’s refusal'), subjectInformed: null,
    });
    // The consent register shows the refusal and the decision that respected it.
    expect(await ok(healthVisitor.get(`/people/${hvDonna.id}/consents`))).toEqual([
      expect.objectContaining({ id: refusal.id, status: 'refused', reliedOnBy: [expect.objectContaining({ decisionId: notToShare.id, revokedAt: null })] }),
    ]);

    // The school is told the answer: the health visitor decided not to share.
    expect(await ok(childProtectionLead.get(`/information-requests/${request.id}`))).toMatchObject({
      status: 'refused', answeredByName: 'Joanne Pike', responseDecisionId: notToShare.id, sharedRecordIds: [],
    });
    expect((await ok(childProtectionLead.get('/notifications'))).items).toContainEqual(expect.objectContaining({
      kind: 'information-request.answered', entityId: request.id, message: 'Your request for information has been answered: the agency decided not to share.',
    }));

    // Health and school agree how to monitor. The health visitor writes the arrangement down — it is not confidential — and shares it.
    // (The monitoring endpoints are not built yet — monitoring.routes.ts registers none — so the arrangement is a shared record.)
    w.clock.set('2026-02-16T16:00:00Z');
    const arrangement = await created(healthVisitor.post(`/people/${hvJack.id}/records`, entry({
      occurredAt: '2026-02-16T15:30:00Z', categories: ['neglect'], confidential: false,
      summary: 'Monitoring agreed with Riverside Primary: confer fortnightly; early action, including a possible referral, if the children’s care does not improve',
      details: [
        "1. Jack's class teacher (Amira Shah) notes each day whether Jack and Jenny are late, collected late, hungry or tired.",
        '2. The health visitor (Joanne Pike) continues home visits and support for the mother.',
        '3. Karen Doyle and Joanne Pike confer by telephone every fortnight, first on Monday 2 March; Karen Doyle makes the call.',
      ].join('\n'),
    })));
    const monitoring = await created(healthVisitor.post('/share-decisions', {
      personId: hvJack.id, outcome: 'share',
      answers: { purposeCode: 'welfare_monitoring', purpose: 'Who monitors what, and when we confer', withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: false },
      reasons: 'Everyone must be clear who is responsible for the interim monitoring',
      share: { recipients: [{ agencyId: w.agency.school }], items: [{ recordId: arrangement.id, parts: ['summary', 'details'] }], onwardSharing: 'not_permitted' },
      subjectInformed: told('2026-02-13T14:20:00Z', 'Joanne Pike'),
    }));
    expect(monitoring).toMatchObject({ legalBasis: 'not_confidential', subjectInformed: { informed: true, by: 'Joanne Pike' } });

    // Afterwards: everyone at the school reads the arrangement, and nothing else health holds.
    const healthRecords = [caf.id, mentalHealth.id, arrangement.id];
    for (const m of [jacksTeacher, schoolNurse, childProtectionLead]) {
      expect(await readableBy(m, [...healthRecords, hungry.id])).toEqual([arrangement.id, hungry.id]);
      // The school learns who health's Jack is; the mother, whose information stays in health, does not exist for it.
      await seesNothingOf(m, { people: [hvDonna.id] });
      expect(await listedFor(m, hvJack.id)).toEqual([arrangement.id]);
    }
    expect(await ok(jacksTeacher.get(`/records/${arrangement.id}`))).toMatchObject({
      details: expect.stringContaining('every fortnight, first on Monday 2 March'),
      share: { sharedByName: 'Joanne Pike', legalBasis: 'not_confidential', onwardSharing: 'not_permitted' },
    });
    // In health, the named nurse reads everything, including the mother's confidential record.
    expect(await readableBy(namedNurse, healthRecords)).toEqual(healthRecords);
    // The health visitor cannot read the school's concern: nobody shared it with her.
    expect(await readableBy(healthVisitor, [hungry.id])).toEqual([]);
    // Children's social care has had no referral: it sees nothing of either agency's records.
    await seesNothingOf(socialWorker, { records: [...healthRecords, hungry.id], people: [hvJack.id, hvDonna.id, schoolJack.id] });
  });
});
