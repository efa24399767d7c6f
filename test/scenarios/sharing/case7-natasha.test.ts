import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../db.ts';
import { castOf, created, entry, listedFor, ok, readableBy, seesNothingOf, sharingRows, told } from './helpers.ts';

/**
 * Case example 7: Natasha, 14, attends the sexual health clinic. Following the Fraser guidelines
 * the health practitioner judges her competent to consent to treatment, and respects her refusal
 * to let her parents know. Months later she returns pregnant, with a new infection and bruises to
 * her face; her boyfriend is probably much older, coercive and may be violent. When she still
 * cannot be persuaded, the health worker and the child protection nurse refer to children's social
 * care and the police without her consent, and tell her. Her family's side learns nothing.
 */
describe('case example 7: a Fraser-competent 14-year-old whose confidentiality is later overridden', () => {
  const t = useTestDb();

  const fraser = (notes: string) => ({
    understandsTheQuestion: true, understandsWhatWhyAndImplications: true, weighsTheAlternatives: true,
    expressesOwnClearView: true, isReasonablyConsistent: true, fraserGuidelinesApplied: true, notes,
  });

  it('her refusal stands for her parents, the public-interest referral reaches social care and the police with her told, and the family GP never sees anything', async () => {
    // Natasha first comes to the clinic in November.
    const w = await castOf(t.db(), '2025-11-03T16:00:00Z', {
      clinic: ['sexual_health_clinic', 'Northshire Sexual Health Clinic'],
      socialCare: ['childrens_social_care', "Northshire Children's Social Care"],
      police: ['police', 'Northshire Police'],
      familyGp: ['gp', 'Harbour Street Surgery'],
    }, {
      healthPractitioner: ['clinic', ['practitioner'], 'Zoe Marshall'],
      childProtectionNurse: ['clinic', ['practitioner'], 'Bridget Nolan'],
      colleague: ['clinic', ['practitioner'], 'Owen Jenkins'],
      clinicLead: ['clinic', ['safeguarding_lead'], 'Mary Achebe'],
      socialWorker: ['socialCare', ['social_worker', 'safeguarding_lead'], 'Tom Haskins'],
      officer: ['police', ['practitioner', 'safeguarding_lead'], 'DC Lee Ward'],
      gp: ['familyGp', ['practitioner', 'safeguarding_lead'], 'Dr Alan Reid'],
    });
    const { healthPractitioner, childProtectionNurse, colleague, clinicLead, socialWorker, officer, gp } = w.who;

    // The health practitioner adds Natasha and records the visit, restricted to herself.
    w.clock.set('2025-11-03T17:15:00Z');
    const natasha = await created(healthPractitioner.post('/people', {
      kind: 'child', names: [{ givenNames: 'Natasha', familyName: 'Reid' }], dateOfBirth: '2011-06-15', sex: 'female',
      addresses: [{ line1: 'Flat 3, 18 Harbour Street', postcode: 'NS6 3RA' }],
    }));
    const firstVisit = await created(healthPractitioner.post(`/people/${natasha.id}/records`, entry({
      kind: 'appointment', outcome: 'attended', occurredAt: '2025-11-03T16:20:00Z', categories: ['other'], source: { type: 'child', description: 'Natasha' },
      sensitiveCategories: ['sexual_life'], restricted: true,
      summary: 'Symptoms of an STI; sexual relationship with her boyfriend for three months; says she is 14 but looks younger',
      details: 'Fraser guidelines applied: capable of consenting to treatment. Treated; advice on sexual health and contraception. Agreed to tell her boyfriend.',
    })));

    // She does not want her parents — or her family GP — to know anything. A 14-year-old's refusal is recorded only with the 3.24 assessment …
    const refusal = {
      purposeCode: 'health_assessment_or_treatment', purpose: 'Tell her parents, through her family GP, about her attendance and treatment',
      recipientAgencyIds: [w.agency.familyGp], decision: 'refused', form: 'explicit_verbal', obtainedAt: '2025-11-03T16:40:00Z',
    };
    const unassessed = await healthPractitioner.post(`/people/${natasha.id}/consents`, { ...refusal, givenBy: { capacity: 'self' } });
    expect(unassessed.status).toBe(422);
    expect(unassessed.body.errors).toEqual([{ pointer: '/givenBy/competence', detail: 'Record the competence assessment' }]);
    // … and with it, her decision is hers to make, even though her parents would disagree (3.28).
    const notHerParents = await created(healthPractitioner.post(`/people/${natasha.id}/consents`, {
      ...refusal, givenBy: { capacity: 'self', competence: fraser('Understands the treatment and the advice; clear and consistent that her parents must not know') },
    }));
    expect(notHerParents).toMatchObject({ status: 'refused', givenByCapacity: 'self', givenByPersonId: natasha.id, competence: { fraserGuidelinesApplied: true, isReasonablyConsistent: true } });

    // Months later she returns: pregnant, a different STI, weight loss, faded bruises. Restricted, with the child protection nurse named.
    w.clock.set('2026-02-09T17:00:00Z');
    const secondVisit = await created(healthPractitioner.post(`/people/${natasha.id}/records`, entry({
      kind: 'appointment', outcome: 'attended', occurredAt: '2026-02-09T15:40:00Z', categories: ['physical_abuse', 'sexual_abuse'],
      source: { type: 'child', description: 'Natasha' }, sensitiveCategories: ['sexual_life', 'physical_or_mental_health'],
      restricted: true, namedPractitionerIds: [childProtectionNurse.id],
      summary: 'Pregnant, a different STI, weight loss, and faded bruises to the left side of her face',
      details: 'Boyfriend works and drives, has other girlfriends, and has tried to persuade her to have group sex with his friends.',
      childsWords: 'I walked into a door.',
    })));
    // A few days later she still cannot be persuaded to involve her parents or another adult, or agree to a referral.
    w.clock.set('2026-02-12T16:30:00Z');
    const thirdVisit = await created(childProtectionNurse.post(`/people/${natasha.id}/records`, entry({
      kind: 'appointment', outcome: 'attended', occurredAt: '2026-02-12T15:30:00Z', categories: ['sexual_abuse'], source: { type: 'child', description: 'Natasha' },
      sensitiveCategories: ['sexual_life'], restricted: true, namedPractitionerIds: [healthPractitioner.id],
      summary: 'Will not involve her parents or another trusted adult; does not agree to social care or the police being told',
    })));
    const noReferral = await created(childProtectionNurse.post(`/people/${natasha.id}/consents`, {
      purposeCode: 'child_protection_enquiry', purpose: 'Refer our concerns to children’s social care and the police',
      recipientAgencyIds: [w.agency.socialCare, w.agency.police], decision: 'refused', form: 'explicit_verbal',
      givenBy: { capacity: 'self', competence: fraser('Understands what a referral would mean and why; weighs it; consistently refuses') }, obtainedAt: '2026-02-12T15:45:00Z',
    }));

    // They weigh her right to privacy against the harm, and decide they must refer. They tell Natasha.
    const referral = await created(healthPractitioner.post('/share-decisions', {
      personId: natasha.id, outcome: 'share',
      answers: {
        purposeCode: 'child_protection_enquiry', purpose: 'Referral: a 14-year-old at risk of significant harm from an older, possibly violent boyfriend',
        withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true,
        consent: { status: 'refused', consentId: noReferral.id, details: 'Natasha will not agree to anyone being told' },
        publicInterest: {
          harm: 'child_significant_harm',
          evidence: 'Pregnant at 14; bruising to her face she explains as walking into a door; a boyfriend who works and drives and is pressing her into group sex',
          necessityAndProportionality: 'She may be being abused, and he may be abusing other children; only social care and the police can act on it. We share the last two visits, not her earlier treatment.',
          adultWithCapacityRiskingOnlyThemself: false,
        },
      },
      reasons: 'The risk of significant harm outweighs Natasha’s right to privacy; the boyfriend may be committing offences against a child her age',
      share: {
        recipients: [{ agencyId: w.agency.socialCare }, { agencyId: w.agency.police }],
        items: [{ recordId: secondVisit.id }, { recordId: thirdVisit.id }],
        // Her age and address may be false: the recipients need the address she gave to check.
        includeAddress: true,
        // Social care and the police both receive it; neither may pass it on — least of all to her family.
        onwardSharing: 'not_permitted',
      },
      subjectInformed: told('2026-02-12T16:00:00Z', 'Zoe Marshall'),
      acknowledgedWarnings: ['sensitive_information'],
    }));
    expect(await ok(healthPractitioner.get(`/share-decisions/${referral.id}`))).toMatchObject({
      legalBasis: 'public_interest', consentId: noReferral.id,
      answers: { consent: { status: 'refused', consentId: noReferral.id }, publicInterest: { harm: 'child_significant_harm', adultWithCapacityRiskingOnlyThemself: false } },
      subjectInformed: { informed: true, at: '2026-02-12T16:00:00Z', by: 'Zoe Marshall' },
      includeAddress: true, onwardSharing: 'not_permitted',
    });

    // Children's social care and the police see the two visits, her own words, and her address — not her first, treatment-only visit.
    const clinicRecords = [firstVisit.id, secondVisit.id, thirdVisit.id];
    for (const m of [socialWorker, officer]) {
      expect(await readableBy(m, clinicRecords)).toEqual([secondVisit.id, thirdVisit.id]);
      expect(await listedFor(m, natasha.id)).toEqual([secondVisit.id, thirdVisit.id]);
      expect(await ok(m.get(`/records/${secondVisit.id}`))).toMatchObject({
        childsWords: 'I walked into a door.',
        share: {
          decisionId: referral.id, sharedByAgencyName: 'Northshire Sexual Health Clinic', sharedByName: 'Zoe Marshall', legalBasis: 'public_interest',
          onwardSharing: 'not_permitted', onwardConditions: null,
        },
      });
      expect(await ok(m.get(`/people/${natasha.id}`))).toMatchObject({ access: 'shared', addresses: [expect.objectContaining({ line1: 'Flat 3, 18 Harbour Street' })] });
    }

    // The family's side — her family GP — never sees anything, then or now.
    await seesNothingOf(gp, { records: clinicRecords, people: [natasha.id] });
    // Her refusal about her parents still stands untouched: no decision ever relied on it.
    const register = await ok(healthPractitioner.get(`/people/${natasha.id}/consents`));
    expect(register.map((c: { id: string; status: string; competence: { fraserGuidelinesApplied: boolean }; reliedOnBy: { decisionId: string }[] }) =>
      [c.id, c.status, c.competence.fraserGuidelinesApplied, c.reliedOnBy.map((r) => r.decisionId)])).toEqual([
      [notHerParents.id, 'refused', true, []],
      [noReferral.id, 'refused', true, [referral.id]],
    ]);

    // Inside the clinic nothing changed: a colleague still cannot see the restricted visits; the named nurse and the lead can.
    expect(await readableBy(colleague, clinicRecords)).toEqual([]);
    expect(await readableBy(childProtectionNurse, clinicRecords)).toEqual([secondVisit.id, thirdVisit.id]);
    expect(await readableBy(clinicLead, clinicRecords)).toEqual(clinicRecords);

    // Even a fully argued decision by the police to tell her family GP is refused: the clinic did not permit passing it on.
    const before = await sharingRows(t.db());
    const toTheGp = await officer.post('/share-decisions', {
      personId: natasha.id, outcome: 'share',
      answers: {
        purposeCode: 'child_protection_enquiry', purpose: 'Tell the family GP', withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true,
        consent: { status: 'not_sought', reason: 'unjustified_delay_in_enquiries', explanation: 'Enquiries are urgent' },
        publicInterest: { harm: 'child_significant_harm', necessityAndProportionality: 'The GP may know the family', adultWithCapacityRiskingOnlyThemself: false },
      },
      reasons: 'The GP may hold relevant information', share: { recipients: [{ agencyId: w.agency.familyGp }], items: [{ recordId: secondVisit.id }] },
      subjectInformed: { informed: false, reason: 'Enquiries under way' }, acknowledgedWarnings: ['sensitive_information'],
    });
    expect(toTheGp.status).toBe(422);
    expect(toTheGp.body.errors).toEqual([{ pointer: '/share/items/0/recordId', detail: 'This record was shared with you without permission to pass it on (3.49)' }]);
    expect(await sharingRows(t.db())).toEqual(before);
    await seesNothingOf(gp, { records: clinicRecords, people: [natasha.id] });
  });
});
