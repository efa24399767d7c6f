import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../db.ts';
import { castOf, created, entry, listedFor, ok, readableBy, seesNothingOf, told } from './helpers.ts';

/**
 * Case example 1: Kate, a single mother with a three-year-old and a new baby, is struggling.
 * The health visitor arranges an outreach worker, Kelly. Kate agrees that Kelly may tell the
 * midwife and the health visitor about the visit, and ask the housing office to repair the damp
 * bedrooms. Each share is made with Kate's consent, for its own purpose, to its own recipients —
 * and nothing reaches anyone else.
 */
describe('case example 1: sharing information with consent to support a parent’s parenting capability', () => {
  const t = useTestDb();

  const home = { line1: '7 Mill Lane', town: 'Northshire', postcode: 'NS2 4LP' };

  async function kateAndThePeopleWhoHelpHer() {
    const c = await castOf(t.db(), '2026-01-12T09:00:00Z', {
      healthVisiting: ['health_visiting', 'Northshire Health Visiting Service'],
      centre: ['early_years', "Northshire Children's Centre"],
      midwifery: ['midwifery', 'Northshire Community Midwives'],
      housing: ['housing', 'Northshire Housing Office'],
      gp: ['gp', 'Eastfield Surgery'],
    }, {
      healthVisitor: ['healthVisiting', ['practitioner'], 'Joanne Pike'],
      kelly: ['centre', ['practitioner'], 'Kelly Marsh'],
      centreManager: ['centre', ['manager', 'safeguarding_lead'], 'Denise Ward'],
      midwife: ['midwifery', ['practitioner'], 'Sarah Quinn'],
      midwiferyLead: ['midwifery', ['safeguarding_lead'], 'Anne Fowler'],
      housingOfficer: ['housing', ['practitioner'], 'Mike Allen'],
      housingLead: ['housing', ['safeguarding_lead'], 'Ravi Patel'],
      gpDoctor: ['gp', ['practitioner', 'safeguarding_lead'], 'Dr Helen Shah'],
    });
    const { healthVisitor, kelly } = c.who;

    // The health visitor visits Kate and writes down what Kate told her, in health's own records.
    c.clock.set('2026-01-12T11:30:00Z');
    const hvKate = await created(healthVisitor.post('/people', { kind: 'adult', names: [{ givenNames: 'Kate', familyName: 'Morgan' }], dateOfBirth: '1995-04-18', sex: 'female', addresses: [home] }));
    const hvNote = await created(healthVisitor.post(`/people/${hvKate.id}/records`, entry({
      kind: 'home_visit', outcome: 'seen', occurredAt: '2026-01-12T10:00:00Z', categories: ['mental_health', 'housing'], reportedOrWitnessed: 'reported',
      source: { type: 'parent_or_carer', description: 'Kate' }, sensitiveCategories: ['physical_or_mental_health'],
      summary: 'Kate says she has been feeling really low; both bedrooms are damp and they all have chest infections',
      details: 'Not confident to go out with the children. Offered an outreach visit from the children’s centre: Kate accepted.',
    })));

    // Kelly, the outreach worker, adds Kate and the children to the children's centre's index.
    c.clock.set('2026-01-19T11:30:00Z');
    const kate = await created(kelly.post('/people', { kind: 'adult', names: [{ givenNames: 'Kate', familyName: 'Morgan' }], dateOfBirth: '1995-04-18', sex: 'female', addresses: [home] }));
    const alfie = await created(kelly.post('/people', { kind: 'child', names: [{ givenNames: 'Alfie', familyName: 'Morgan' }], dateOfBirth: '2022-10-03', addresses: [home] }));
    const rosie = await created(kelly.post('/people', { kind: 'child', names: [{ givenNames: 'Rosie', familyName: 'Morgan' }], dateOfBirth: '2025-12-01', addresses: [home] }));
    for (const child of [alfie, rosie]) {
      await created(kelly.post(`/people/${child.id}/relationships`, { relatedPersonId: kate.id, type: 'parental_responsibility' }));
    }
    // On her first visit Kelly listens and writes down what Kate tells her.
    const visit = await created(kelly.post(`/people/${kate.id}/records`, entry({
      kind: 'home_visit', outcome: 'seen', occurredAt: '2026-01-19T10:00:00Z', categories: ['mental_health', 'development'], reportedOrWitnessed: 'reported',
      source: { type: 'parent_or_carer', description: 'Kate' }, sensitiveCategories: ['physical_or_mental_health'],
      summary: 'First outreach visit: Kate is finding life hard as a single mother of a toddler and a new baby, and is very tired',
      details: 'No family support since she and her husband separated. Never any time for herself. Midwife due to visit in the next couple of days.',
    })));
    const damp = await created(kelly.post(`/people/${kate.id}/records`, entry({
      kind: 'observation', occurredAt: '2026-01-19T10:20:00Z', categories: ['housing'],
      summary: 'Both bedrooms are damp with mould on the walls; repairs needed; not yet reported to the housing office',
    })));
    const separation = await created(kelly.post(`/people/${kate.id}/records`, entry({
      kind: 'contact', occurredAt: '2026-01-19T10:40:00Z', categories: ['other'], reportedOrWitnessed: 'reported', source: { type: 'parent_or_carer', description: 'Kate' },
      summary: 'Kate talked about the separation from her husband and her worries about money',
    })));
    return { ...c, hvKate, hvNote, kate, alfie, rosie, visit, damp, separation };
  }

  it('with Kate’s consent the midwife and the health visitor see the visit, the housing office sees only the damp bedrooms, and nobody else sees anything', async () => {
    const w = await kateAndThePeopleWhoHelpHer();
    const { kelly, midwife, midwiferyLead, healthVisitor, housingOfficer, housingLead, gpDoctor, centreManager } = w.who;

    // Kelly offers to contact the midwife, and to tell the health visitor what they agreed; Kate agrees.
    // That is consent for one purpose, to two named recipients.
    const toMidwife = await created(kelly.post(`/people/${w.kate.id}/consents`, {
      purposeCode: 'parenting_support', purpose: 'Let the midwife and the health visitor know Kelly has visited and what was agreed, so Kate need not explain it all again',
      recipientAgencyIds: [w.agency.midwifery, w.agency.healthVisiting], decision: 'given', form: 'explicit_verbal',
      givenBy: { capacity: 'self' }, obtainedAt: '2026-01-19T10:45:00Z',
    }));
    // She also agrees that Kelly contacts the housing office about the damp: a different purpose, its own consent.
    const toHousing = await created(kelly.post(`/people/${w.kate.id}/consents`, {
      purposeCode: 'housing_support', purpose: 'Ask the housing office to repair the damp bedrooms',
      recipientAgencyIds: [w.agency.housing], decision: 'given', form: 'explicit_verbal', givenBy: { capacity: 'self' }, obtainedAt: '2026-01-19T10:50:00Z',
    }));
    expect(toMidwife).toMatchObject({ status: 'given', givenByCapacity: 'self', givenByPersonId: w.kate.id, recordedBy: kelly.id });

    // Back at the centre Kelly records her decisions, relying on each consent for what it covers.
    w.clock.set('2026-01-19T12:00:00Z');
    const withKatesConsent = (consentId: string, purposeCode: string, purpose: string) => ({
      purposeCode, purpose, withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true, consent: { status: 'given', consentId },
    });
    const forTheMidwife = await created(kelly.post('/share-decisions', {
      personId: w.kate.id, outcome: 'share',
      answers: withKatesConsent(toMidwife.id, 'parenting_support', 'Tell the midwife and the health visitor about the outreach visit'),
      reasons: 'Kate agreed: it saves her explaining everything to the midwife, and the health visitor arranged the outreach',
      share: { recipients: [{ agencyId: w.agency.midwifery }, { agencyId: w.agency.healthVisiting }], items: [{ recordId: w.visit.id, parts: ['summary', 'details'] }], onwardSharing: 'not_permitted' },
      subjectInformed: told('2026-01-19T10:45:00Z', 'Kelly Marsh'),
      // The visit notes Kate feeling low: sensitive information, considered before confirming (3.41).
      acknowledgedWarnings: ['sensitive_information'],
    }));
    const forHousing = await created(kelly.post('/share-decisions', {
      personId: w.kate.id, outcome: 'share',
      answers: withKatesConsent(toHousing.id, 'housing_support', 'Get the damp bedrooms repaired'),
      reasons: 'Kate agreed; the housing office needs to know about the damp to repair it',
      share: { recipients: [{ agencyId: w.agency.housing }], items: [{ recordId: w.damp.id, parts: ['summary'] }], onwardSharing: 'not_permitted', includeAddress: true },
      subjectInformed: told('2026-01-19T10:50:00Z', 'Kelly Marsh'),
    }));

    // The decision is Kelly's agency's record of what was shared, with whom, why and on what basis (3.51).
    expect(await ok(kelly.get(`/share-decisions/${forTheMidwife.id}`))).toMatchObject({
      outcome: 'share', legalBasis: 'consent', consentId: toMidwife.id, decidedByName: 'Kelly Marsh', purposeCode: 'parenting_support',
      answers: { consent: { status: 'given', consentId: toMidwife.id }, legalObligation: 'none', confidential: true },
      assessment: { legalBasis: 'consent', supportsSharing: true },
      subjectInformed: { informed: true, at: '2026-01-19T10:45:00Z', by: 'Kelly Marsh' },
      recipients: expect.arrayContaining([
        { agencyId: w.agency.midwifery, agencyName: 'Northshire Community Midwives', practitionerId: null },
        { agencyId: w.agency.healthVisiting, agencyName: 'Northshire Health Visiting Service', practitionerId: null },
      ]),
      items: [{ recordId: w.visit.id, parts: ['summary', 'details'] }],
      onwardSharing: 'not_permitted', includeAddress: false, acknowledgedWarnings: ['sensitive_information'], revokedAt: null,
    });
    expect(forHousing).toMatchObject({ legalBasis: 'consent', consentId: toHousing.id, items: [{ recordId: w.damp.id, parts: ['summary'] }], includeAddress: true });
    // The consent register shows which decision relied on which consent.
    const register = await ok(kelly.get(`/people/${w.kate.id}/consents`));
    expect(register.map((x: { purposeCode: string; status: string; reliedOnBy: { decisionId: string }[] }) => [x.purposeCode, x.status, x.reliedOnBy.map((r) => r.decisionId)])).toEqual([
      ['parenting_support', 'given', [forTheMidwife.id]],
      ['housing_support', 'given', [forHousing.id]],
    ]);

    const allOfKellys = [w.visit.id, w.damp.id, w.separation.id];
    // The midwife sees the visit — the parts shared, who shared it, why, and that she may not pass it on.
    expect(await readableBy(midwife, allOfKellys)).toEqual([w.visit.id]);
    expect(await ok(midwife.get(`/records/${w.visit.id}`))).toMatchObject({
      summary: expect.stringContaining('First outreach visit'), details: expect.stringContaining('No family support'), childsWords: null,
      sharedParts: ['summary', 'details'],
      share: {
        decisionId: forTheMidwife.id, sharedByAgencyName: "Northshire Children's Centre", sharedByName: 'Kelly Marsh',
        purpose: 'Tell the midwife and the health visitor about the outreach visit', legalBasis: 'consent', onwardSharing: 'not_permitted', onwardConditions: null, validUntil: null,
      },
    });
    expect(await listedFor(midwife, w.kate.id)).toEqual([w.visit.id]);
    // She knows who Kate is, but not her address (not included) nor her children (third parties).
    expect(await ok(midwife.get(`/people/${w.kate.id}`))).toMatchObject({ access: 'shared', names: [{ givenNames: 'Kate', familyName: 'Morgan' }], addresses: [], relationships: [] });
    await seesNothingOf(midwife, { people: [w.alfie.id, w.rosie.id] });
    // The health visitor, the other recipient, sees the same and no more.
    expect(await readableBy(healthVisitor, allOfKellys)).toEqual([w.visit.id]);

    // The housing office sees only the damp bedrooms — with Kate's address, so the repairs can be made.
    expect(await readableBy(housingOfficer, allOfKellys)).toEqual([w.damp.id]);
    expect(await ok(housingOfficer.get(`/records/${w.damp.id}`))).toMatchObject({
      summary: expect.stringContaining('Both bedrooms are damp'), sharedParts: ['summary'],
      share: { decisionId: forHousing.id, legalBasis: 'consent', purpose: 'Get the damp bedrooms repaired', onwardSharing: 'not_permitted' },
    });
    expect(await ok(housingOfficer.get(`/people/${w.kate.id}`))).toMatchObject({ access: 'shared', addresses: [expect.objectContaining({ line1: '7 Mill Lane', postcode: 'NS2 4LP' })] });
    expect(await listedFor(housingOfficer, w.kate.id)).toEqual([w.damp.id]);

    // What Kate said about her separation stays with the children's centre.
    expect(await readableBy(centreManager, allOfKellys)).toEqual(allOfKellys);
    // The GP was never a recipient: nothing about Kate or her children exists for the surgery.
    await seesNothingOf(gpDoctor, { records: allOfKellys, people: [w.kate.id, w.alfie.id, w.rosie.id] });
    // The health visitor's own note stays in health: neither Kelly nor the other recipients see it.
    for (const m of [kelly, midwife, housingOfficer]) await seesNothingOf(m, { records: [w.hvNote.id], people: [w.hvKate.id] });
    // A recipient never reads the deciding agency's decision itself.
    expect((await midwife.get(`/share-decisions/${forTheMidwife.id}`)).status).toBe(404);

    // Each receiving agency's safeguarding lead is told that something was shared — never about whom.
    const { items: midwiferyNotices } = await ok(midwiferyLead.get('/notifications'));
    expect(midwiferyNotices).toEqual([expect.objectContaining({ kind: 'share.received', entityId: forTheMidwife.id, message: 'Information has been shared with you.' })]);
    expect((await ok(housingLead.get('/notifications'))).items).toEqual([expect.objectContaining({ kind: 'share.received', entityId: forHousing.id })]);
  });

  it('the housing office answers Kelly’s request by sharing with her, by name, that the repairs are booked — and only that', async () => {
    const w = await kateAndThePeopleWhoHelpHer();
    const { kelly, housingOfficer, centreManager, midwife } = w.who;

    // Kelly contacts the housing office to ask what it knows and whether the repairs can be arranged.
    w.clock.set('2026-01-20T09:15:00Z');
    const request = await created(kelly.post('/information-requests', {
      personId: w.kate.id, toAgencyId: w.agency.housing, purposeCode: 'housing_support',
      purpose: 'Kate’s bedrooms are damp with mould; can repairs be arranged, and is there anything we should know?',
    }));
    // The housing office sees who the request is about, enough to find her in its own index, and nothing of Kelly's records.
    const { items: queue } = await ok(housingOfficer.get('/information-requests/incoming'));
    expect(queue).toEqual([expect.objectContaining({ id: request.id, status: 'open', personId: null, fromAgencyName: "Northshire Children's Centre" })]);
    expect(queue[0].subjectDescription.names).toEqual([{ use: 'usual', givenNames: 'Kate', familyName: 'Morgan' }]);

    // The housing office holds its own tenancy records about Kate. It considers what is confidential before sharing any of it.
    w.clock.set('2026-01-21T14:00:00Z');
    const tenant = await created(housingOfficer.post('/people', { kind: 'adult', names: [{ givenNames: 'Kate', familyName: 'Morgan' }], dateOfBirth: '1995-04-18', addresses: [home] }));
    const repairs = await created(housingOfficer.post(`/people/${tenant.id}/records`, entry({
      occurredAt: '2026-01-21T13:30:00Z', categories: ['housing'], confidential: false,
      summary: 'Damp-proofing and re-plastering of both bedrooms booked for Monday 26 January',
    })));
    const arrears = await created(housingOfficer.post(`/people/${tenant.id}/records`, entry({
      occurredAt: '2026-01-05T09:00:00Z', categories: ['housing'], summary: 'Rent arrears agreement: £10 a week',
    })));
    // Only the repairs are shared, with Kelly by name: not confidential, and Kate has been told the date.
    const answer = await created(housingOfficer.post('/share-decisions', {
      personId: tenant.id, outcome: 'share', informationRequestId: request.id,
      answers: { purposeCode: 'housing_support', purpose: 'Tell the outreach worker the repairs are booked', withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: false },
      reasons: 'The repair date is not confidential and helps Kelly support Kate; the arrears are not relevant to this purpose',
      share: { recipients: [{ agencyId: w.agency.centre, practitionerId: kelly.id }], items: [{ recordId: repairs.id, parts: ['summary'] }], onwardSharing: 'not_permitted' },
      subjectInformed: told('2026-01-21T13:30:00Z', 'Mike Allen'),
    }));
    expect(answer).toMatchObject({ legalBasis: 'not_confidential', recipients: [{ agencyId: w.agency.centre, practitionerId: kelly.id }] });

    // Kelly's request shows it was answered by that share, and she can read the repair date.
    expect(await ok(kelly.get(`/information-requests/${request.id}`))).toMatchObject({
      status: 'shared', answeredByName: 'Mike Allen', responseDecisionId: answer.id, sharedRecordIds: [repairs.id],
    });
    expect(await readableBy(kelly, [repairs.id, arrears.id])).toEqual([repairs.id]);
    expect(await ok(kelly.get(`/records/${repairs.id}`))).toMatchObject({
      share: { sharedByAgencyName: 'Northshire Housing Office', sharedByName: 'Mike Allen', legalBasis: 'not_confidential', onwardSharing: 'not_permitted' },
    });
    expect(await listedFor(kelly, tenant.id)).toEqual([repairs.id]);
    expect((await ok(kelly.get('/notifications'))).items).toContainEqual(expect.objectContaining({ kind: 'information-request.answered', entityId: request.id }));

    // The share names Kelly, not her agency: her manager at the centre does not see it, nor does the midwife.
    await seesNothingOf(centreManager, { records: [repairs.id, arrears.id], people: [tenant.id] });
    await seesNothingOf(midwife, { records: [repairs.id, arrears.id], people: [tenant.id] });
  });
});
