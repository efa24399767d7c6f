import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../db.ts';
import { castOf, created, entry, listedFor, ok, readableBy, seesNothingOf, sharingRows, told } from './helpers.ts';

/**
 * Case example 5: a joint action group (JAG) — the local authority's social inclusion unit in the
 * chair, the police as deputy, probation, the housing trust, Connexions — exchanges information
 * about families causing concern under section 115 of the Crime and Disorder Act 1998. Each agency
 * decides what it can share and records it; families are told unless telling them would put
 * someone at risk. The education welfare service asks the children's schools for what the JAG needs.
 */
describe('case example 5: targeted action on anti-social and criminal behaviour through a joint action group', () => {
  const t = useTestDb();

  const s115 = {
    purposeCode: 'crime_prevention', purpose: 'Agree targeted support and action for families selected by the joint action group',
    withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Crime and Disorder Act 1998 s115',
  };

  async function theJointActionGroup() {
    return castOf(t.db(), '2026-03-02T09:00:00Z', {
      inclusion: ['other', 'Northshire Social Inclusion Unit'],
      police: ['police', 'Northshire Police'],
      probation: ['probation', 'Northshire Probation Delivery Unit'],
      housingTrust: ['housing', 'Eastfield Housing Trust'],
      connexions: ['voluntary_sector', 'Connexions Northshire'],
      educationWelfare: ['other', 'Education Welfare Service'],
      school: ['school', 'St Anne’s Primary School'],
      healthVisiting: ['health_visiting', 'Northshire Health Visiting Service'],
    }, {
      chair: ['inclusion', ['practitioner', 'safeguarding_lead'], 'Margaret Hale'],
      policeDeputy: ['police', ['practitioner'], 'Inspector Carl Evans'],
      probationOfficer: ['probation', ['practitioner'], 'Emma Sinclair'],
      housingOfficer: ['housingTrust', ['practitioner'], 'Phil Turner'],
      connexionsAdviser: ['connexions', ['practitioner', 'safeguarding_lead'], 'Amy Ward'],
      educationWelfareOfficer: ['educationWelfare', ['practitioner'], 'Brian Marsh'],
      schoolLead: ['school', ['safeguarding_lead'], 'Jaspreet Kaur'],
      healthVisitor: ['healthVisiting', ['practitioner'], 'Joanne Pike'],
    });
  }

  it('each agency shares what it holds about the selected families to the chair and the deputy, and no other member sees it', async () => {
    const w = await theJointActionGroup();
    const { chair, policeDeputy, probationOfficer, housingOfficer, connexionsAdviser, healthVisitor } = w.who;
    const toTheJag = [{ agencyId: w.agency.inclusion }, { agencyId: w.agency.police }];

    // Family 1: probation confirms the father is complying with his order.
    const gary = await created(probationOfficer.post('/people', { kind: 'adult', names: [{ givenNames: 'Gary', familyName: 'Price' }], dateOfBirth: '1981-07-30', sex: 'male' }));
    const compliance = await created(probationOfficer.post(`/people/${gary.id}/records`, entry({
      occurredAt: '2026-02-27T10:00:00Z', categories: ['offending', 'substance_misuse'], sensitiveCategories: ['offences_and_proceedings'],
      summary: 'On probation for drug-related offences; methadone programme; no known breaches of his conditions',
    })));
    const supervision = await created(probationOfficer.post(`/people/${gary.id}/records`, entry({
      occurredAt: '2026-02-20T10:00:00Z', categories: ['other'], summary: 'Supervision session: discussed his employment options',
    })));
    const fromProbation = await created(probationOfficer.post('/share-decisions', {
      personId: gary.id, outcome: 'share', answers: s115,
      reasons: 'The JAG is assessing the impact of the parents’ drug use on Louise and Tony; his compliance is relevant, his supervision notes are not',
      share: { recipients: toTheJag, items: [{ recordId: compliance.id }], onwardSharing: 'not_permitted' },
      subjectInformed: told('2026-02-27T10:30:00Z', 'Emma Sinclair'), acknowledgedWarnings: ['sensitive_information'],
    }));

    // Family 3: the housing trust has had anonymous calls about suspected domestic violence at the address.
    const sue = await created(housingOfficer.post('/people', { kind: 'adult', names: [{ givenNames: 'Sue', familyName: 'Kane' }], dateOfBirth: '1979-03-11', sex: 'female' }));
    const calls = await created(housingOfficer.post(`/people/${sue.id}/records`, entry({
      occurredAt: '2026-02-25T22:10:00Z', categories: ['domestic_abuse'], reportedOrWitnessed: 'reported',
      source: { type: 'anonymous', description: 'Three calls from a withheld number, a woman who says she lives next door' },
      summary: 'Anonymous calls reporting shouting and suspected domestic violence at the address',
    })));
    // The callers must not be identifiable; the family is not told, because that could put the mother at greater risk.
    const fromHousing = await created(housingOfficer.post('/share-decisions', {
      personId: sue.id, outcome: 'share', answers: s115,
      reasons: 'Suspected domestic violence in a household with children; the police and the JAG need to know so the family support unit can monitor',
      share: { recipients: toTheJag, items: [{ recordId: calls.id, parts: ['summary'] }], onwardSharing: 'not_permitted' },
      subjectInformed: { informed: false, reason: 'Telling the family about the reports could put the mother at greater risk of violence (3.36)' },
      acknowledgedWarnings: ['third_party'],
    }));
    expect(await ok(housingOfficer.get(`/share-decisions/${fromHousing.id}`))).toMatchObject({
      legalBasis: 'statutory_duty', answers: { legalObligationReference: 'Crime and Disorder Act 1998 s115' }, acknowledgedWarnings: ['third_party'],
      subjectInformed: { informed: false, reason: expect.stringContaining('greater risk of violence') },
    });
    expect(fromProbation).toMatchObject({ legalBasis: 'statutory_duty', subjectInformed: { informed: true, by: 'Emma Sinclair' } });

    // The chair and the deputy see both, with who shared them and on what basis; not the supervision notes; and not who called.
    for (const m of [chair, policeDeputy]) {
      expect(await readableBy(m, [compliance.id, supervision.id, calls.id])).toEqual([compliance.id, calls.id]);
      expect(await listedFor(m, gary.id)).toEqual([compliance.id]);
      expect(await ok(m.get(`/records/${calls.id}`))).toMatchObject({
        summary: expect.stringContaining('suspected domestic violence'), sharedParts: ['summary'],
        source: { type: 'anonymous', description: null },
        share: { sharedByAgencyName: 'Eastfield Housing Trust', legalBasis: 'statutory_duty', onwardSharing: 'not_permitted' },
      });
      expect(await ok(m.get(`/records/${compliance.id}`))).toMatchObject({ share: { sharedByName: 'Emma Sinclair', legalBasis: 'statutory_duty' } });
    }
    // Probation and housing do not see each other's records; Connexions, at the table but not a recipient, sees neither.
    await seesNothingOf(probationOfficer, { records: [calls.id], people: [sue.id] });
    await seesNothingOf(housingOfficer, { records: [compliance.id, supervision.id], people: [gary.id] });
    await seesNothingOf(connexionsAdviser, { records: [compliance.id, supervision.id, calls.id], people: [gary.id, sue.id] });
    // An agency outside the JAG sees nothing at all.
    await seesNothingOf(healthVisitor, { records: [compliance.id, supervision.id, calls.id], people: [gary.id, sue.id] });
  });

  it('the school shares with the education welfare service for the JAG, which passes on only what it may, and no further', async () => {
    const w = await theJointActionGroup();
    const { chair, policeDeputy, educationWelfareOfficer, schoolLead, housingOfficer } = w.who;

    // Family 2: the education welfare service asks the children's school for anything relevant, to feed back to the JAG.
    const ewsKyle = await created(educationWelfareOfficer.post('/people', { kind: 'child', names: [{ givenNames: 'Kyle', familyName: 'Rowe' }], dateOfBirth: '2015-01-19' }));
    const request = await created(educationWelfareOfficer.post('/information-requests', {
      personId: ewsKyle.id, toAgencyId: w.agency.school, purposeCode: 'crime_prevention', purpose: 'Relevant information about Kyle for the next joint action group meeting',
    }));

    // The school holds what it has seen, and what Kyle said.
    const kyle = await created(schoolLead.post('/people', { kind: 'child', names: [{ givenNames: 'Kyle', familyName: 'Rowe' }], dateOfBirth: '2015-01-19', addresses: [{ line1: '2 Quarry Close', postcode: 'NS3 8AB' }] }));
    const bullying = await created(schoolLead.post(`/people/${kyle.id}/records`, entry({
      kind: 'observation', occurredAt: '2026-02-26T12:30:00Z', categories: ['other'], confidential: false,
      summary: 'Bullying other children in the playground; absent most Mondays this term', details: 'Seven Mondays missed since January.',
    })));
    const inHisWords = await created(schoolLead.post(`/people/${kyle.id}/records`, entry({
      kind: 'contact', occurredAt: '2026-02-27T10:00:00Z', categories: ['emotional_abuse'], reportedOrWitnessed: 'reported', source: { type: 'child', description: 'Kyle' },
      summary: 'Kyle says his dad shouts at the neighbours and he copies him', childsWords: 'Dad says they deserve it.',
    })));
    // The school shares under the Act, without consent, and tells the parents; Kyle's own words stay in school.
    // The education welfare service may pass it on, but only to the JAG.
    const fromSchool = await created(schoolLead.post('/share-decisions', {
      personId: kyle.id, outcome: 'share', informationRequestId: request.id, answers: s115,
      reasons: 'The JAG is deciding what support and action the family needs; the school’s observations are relevant',
      share: {
        recipients: [{ agencyId: w.agency.educationWelfare }], items: [bullying.id, inHisWords.id].map((recordId) => ({ recordId, parts: ['summary', 'details'] })),
        onwardSharing: 'permitted_with_conditions', onwardConditions: 'Only to the joint action group, for its next meeting',
      },
      subjectInformed: told('2026-03-02T08:45:00Z', 'Jaspreet Kaur'),
    }));
    expect(fromSchool).toMatchObject({ legalBasis: 'statutory_duty', onwardSharing: 'permitted_with_conditions' });
    expect(await ok(educationWelfareOfficer.get(`/records/${inHisWords.id}`))).toMatchObject({
      summary: expect.stringContaining('shouts at the neighbours'), childsWords: null, sharedParts: ['summary', 'details'],
      share: { onwardSharing: 'permitted_with_conditions', onwardConditions: 'Only to the joint action group, for its next meeting' },
    });

    // The education welfare officer feeds back to the JAG's chair. Kyle's words were never shared with her, so she cannot pass them on.
    w.clock.set('2026-03-03T10:00:00Z');
    const passOn = (parts: string[]) => ({
      personId: kyle.id, outcome: 'share', answers: s115,
      reasons: 'Feedback from the school for the JAG meeting, as the school allowed',
      share: { recipients: [{ agencyId: w.agency.inclusion }], items: [bullying.id, inHisWords.id].map((recordId) => ({ recordId, parts })), onwardSharing: 'not_permitted' },
      subjectInformed: told('2026-03-02T08:45:00Z', 'Jaspreet Kaur'),
    });
    const before = await sharingRows(t.db());
    const tooMuch = await educationWelfareOfficer.post('/share-decisions', passOn(['summary', 'childs_words']));
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.errors).toEqual([
      { pointer: '/share/items/0/parts', detail: 'You can pass on only the parts that were shared with you' },
      { pointer: '/share/items/1/parts', detail: 'You can pass on only the parts that were shared with you' },
    ]);
    expect(await sharingRows(t.db())).toEqual(before);
    const toTheChair = await created(educationWelfareOfficer.post('/share-decisions', passOn(['summary'])));
    expect(toTheChair).toMatchObject({ legalBasis: 'statutory_duty', items: expect.arrayContaining([{ recordId: bullying.id, parts: ['summary'] }]) });

    // The chair sees the summaries, shared by the education welfare service, and may not pass them on.
    expect(await readableBy(chair, [bullying.id, inHisWords.id])).toEqual([bullying.id, inHisWords.id]);
    expect(await ok(chair.get(`/records/${bullying.id}`))).toMatchObject({
      summary: expect.stringContaining('Bullying other children'), details: null, childsWords: null, sharedParts: ['summary'],
      share: { decisionId: toTheChair.id, sharedByAgencyName: 'Education Welfare Service', sharedByName: 'Brian Marsh', legalBasis: 'statutory_duty', onwardSharing: 'not_permitted' },
    });
    expect(await ok(chair.get(`/people/${kyle.id}`))).toMatchObject({ access: 'shared', addresses: [] });
    // When the chair tries to pass it to the police, it is refused and nothing is written.
    const further = await chair.post('/share-decisions', { ...passOn(['summary']), share: { ...passOn(['summary']).share, recipients: [{ agencyId: w.agency.police }] } });
    expect(further.status).toBe(422);
    expect(further.body.errors).toContainEqual({ pointer: '/share/items/0/recordId', detail: 'This record was shared with you without permission to pass it on (3.49)' });
    expect(await sharingRows(t.db())).toEqual({ ...before, share_decision: before.share_decision! + 1, share_recipient: before.share_recipient! + 1, share_grant: before.share_grant! + 2, notification: before.notification! + 1 });

    // The police deputy and the housing trust never received it: nothing about Kyle exists for them.
    for (const m of [policeDeputy, housingOfficer]) await seesNothingOf(m, { records: [bullying.id, inHisWords.id], people: [kyle.id, ewsKyle.id] });
    // The school still holds everything, and is the only agency that sees Kyle's own words.
    expect(await ok(schoolLead.get(`/records/${inHisWords.id}`))).toMatchObject({ childsWords: 'Dad says they deserve it.' });
  });
});
