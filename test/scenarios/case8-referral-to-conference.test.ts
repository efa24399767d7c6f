import { describe, expect, it } from 'vitest';
import { recordConsent } from '../../src/consent/consent.ts';
import { NewConsent } from '../../src/consent/schemas.ts';
import { addRelationship } from '../../src/people/people.ts';
import { addRecord } from '../../src/records/records.ts';
import { openEpisode, recordEpisodeAction } from '../../src/process/episodes.ts';
import { RecordAction } from '../../src/process/schemas.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { useTestDb } from '../db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../fixtures.ts';
import { scenarioApp, signedIn, type Answer } from './helpers.ts';

/**
 * Case example 8 as Jigsaw would carry it, through the API from the midwife's referral to the
 * initial child protection conference. In the case example the history of Maggie's partner Mark
 * was known to agencies but never joined up. Here children's social care already holds an entry
 * for baby Lily (from pre-birth involvement) with Maggie and Mark around her, and an older episode
 * in which Mark's son Kian had a child protection plan: accepting the referral points the
 * allocated social worker to that history at once. Working days are England and Wales, with
 * Good Friday (26 March 2027) and Easter Monday (29 March 2027) in the way of the core group.
 */
describe('case example 8: from the midwife’s referral to the initial conference', () => {
  const t = useTestDb();

  it('the referral is accepted onto the existing entry, the social worker is pointed to Mark’s history, and the midwife hears every decision', async () => {
    const clock = fixedClock('2027-02-24T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const midwifery = await agency(s, p, 'midwifery', 'Northshire Community Midwifery');
    const probation = await agency(s, p, 'probation', 'Northshire Probation');
    const duty = await practitioner(s, csc, ['social_worker'], 'Dev Patel');
    const rachel = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const manager = await practitioner(s, csc, ['manager', 'safeguarding_lead'], 'Grace Okafor');
    const midwife = await practitioner(s, midwifery, ['practitioner', 'safeguarding_lead'], 'Sue Hart');
    await practitioner(s, probation, ['safeguarding_lead'], 'Probation lead');

    // Children's social care's own index: Lily, her mother Maggie and Maggie's partner Mark; and from
    // 2020, Mark's son Kian, who had a child protection plan for physical abuse.
    const lily = await person(rachel, { names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2027-02-20' });
    const maggie = await person(rachel, { kind: 'adult', names: [{ givenNames: 'Maggie', familyName: 'Fletcher' }], dateOfBirth: '2003-05-01' });
    const mark = await person(rachel, { kind: 'adult', names: [{ givenNames: 'Mark', familyName: 'Tulley' }], dateOfBirth: '1994-02-01' });
    await addRelationship(rachel, lily.id, { relatedPersonId: maggie.id, type: 'parent' });
    await addRelationship(rachel, maggie.id, { relatedPersonId: mark.id, type: 'partner' });
    const kian = await person(rachel, { names: [{ givenNames: 'Kian', familyName: 'Barker' }], dateOfBirth: '2017-06-01' });
    await addRelationship(rachel, kian.id, { relatedPersonId: mark.id, type: 'parent' });
    const kians = await openEpisode(rachel, { idempotencyKey: 'kian', childPersonId: kian.id, receivedAt: '2020-05-01T09:00:00Z', channel: 'written' });
    const earlier: [string, string, Record<string, unknown>][] = [
      ['kian-d', '2020-05-01T10:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'Fractured arm, unexplained' }],
      ['kian-sd', '2020-05-01T14:00:00Z', { type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: csc }], policeInvestigation: true, immediateSafety: 'Kian stays with his grandmother', familyToBeTold: 'Today' }],
      ['kian-s47', '2020-05-12T11:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'Injuries inflicted by his father' }],
      ['kian-c', '2020-05-20T10:00:00Z', { type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: [csc], parentsParticipation: 'Mother attended; father excluded',
        planDetails: { category: 'physical_abuse', leadAgencyId: csc, keyWorkerId: rachel.actor.practitionerId, coreGroup: [rachel.actor.practitionerId], outlinePlan: 'Kian lives with his mother', contingencyPlan: 'Care proceedings' } }],
    ];
    for (const [key, at, action] of earlier) await recordEpisodeAction(rachel, kians.id, RecordAction.parse({ idempotencyKey: key, occurredAt: at, action }));

    // The midwife's own entries, and her concern after the new-birth visit; Maggie agrees to the referral.
    const mwLily = await person(midwife, { names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2027-02-20' });
    const mwMaggie = await person(midwife, { kind: 'adult', names: [{ givenNames: 'Maggie', familyName: 'Fletcher' }], dateOfBirth: '2003-05-01' });
    await addRelationship(midwife, mwLily.id, { relatedPersonId: mwMaggie.id, type: 'parental_responsibility' });
    const worry = await addRecord(midwife, mwLily.id, concern({ occurredAt: '2027-02-23T15:00:00Z', summary: 'Bruise on Maggie’s face; Mark answered every question for her', categories: ['domestic_abuse'] }));
    const consent = await recordConsent(midwife, mwLily.id, NewConsent.parse({
      purposeCode: 'child_in_need_assessment', purpose: 'Refer Lily for support at home', recipientAgencyIds: [csc], decision: 'given', form: 'explicit_verbal',
      givenBy: { capacity: 'parental_responsibility', personId: mwMaggie.id }, obtainedAt: '2027-02-24T08:30:00Z',
    }));

    const app = await scenarioApp(s);
    const asMidwife = await signedIn(app, midwife);
    const asDuty = await signedIn(app, duty);
    const asRachel = await signedIn(app, rachel);
    const asManager = await signedIn(app, manager);

    // Wednesday 24 February 2027, 09:00: the midwife refers Lily in writing.
    const made = await asMidwife.post('/referrals', {
      childPersonId: mwLily.id, toAgencyId: csc, channel: 'written',
      concerns: 'Maggie had a bruise on her face at the new-birth visit and her partner Mark would not let her speak',
      domains: { developmentalNeeds: 'Four days old; feeding well', parentingCapacity: 'Maggie is 23 and frightened of Mark', familyAndEnvironment: 'Maggie, Lily and Mark at Carlton House' },
      childsWishesAndFeelings: 'Lily is a newborn: her wishes cannot be ascertained',
      familyAgreement: { status: 'agreed', details: 'Maggie agreed when Mark had left the room' },
      familyToBeTold: { what: 'That a social worker will visit', byWhom: 'Sue Hart, midwife', when: 'At the next visit, when Maggie is alone' },
      shareDecision: {
        answers: { purposeCode: 'child_in_need_assessment', purpose: 'Refer Lily for support at home', withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true, consent: { status: 'given', consentId: consent.id } },
        outcome: 'share', reasons: 'Maggie agreed; children’s social care must know what I saw',
        share: { recipients: [{ agencyId: csc }], items: [{ recordId: worry.id, parts: ['summary', 'details'] }] },
        subjectInformed: { informed: true, at: '2027-02-24T08:30:00Z', by: 'Sue Hart' },
      },
    });
    expect(made.status).toBe(201);
    const referralId = made.body.id as string;
    // Acknowledge and decide within 1 working day (Thursday 25 February); the midwife chases after 3 (Monday 1 March).
    expect(made.body.steps.map((x: { key: string; due: string }) => [x.key, x.due])).toEqual([['referrer_chase', '2027-03-01']]);

    // 11:00: the duty social worker places it with the authority's existing entry for Lily and allocates Rachel.
    clock.set('2027-02-24T11:00:00Z');
    const accepted = await asDuty.post(`/referrals/${referralId}/acceptance`, { personId: lily.id, allocatedWorkerId: rachel.actor.practitionerId, team: 'Assessment' });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ handling: 'accepted', receivedPersonId: lily.id });
    const episodeId = accepted.body.episodeId as string;

    // Rachel is pointed to the history around Lily at once — without Kian's or Mark's names in the message.
    const rachelsNotices = (await asRachel.get('/notifications')).body.items as { kind: string; entityId: string; message: string }[];
    expect(rachelsNotices.filter((n) => n.kind === 'person.previous-history')).toEqual([
      expect.objectContaining({ entityId: lily.id, message: 'Someone around this person is linked to an earlier child protection plan in your agency: see their previous history.' }),
    ]);
    const history = await asRachel.get(`/episodes/${episodeId}/previous-history`);
    expect(history.body).toEqual([expect.objectContaining({ adultPersonId: mark.id, connection: 'partner of parent', earlierChildPersonId: kian.id, episodeId: kians.id, planCategory: 'physical_abuse', planEndedAt: null })]);

    // 11:30 acknowledged; 15:00 the manager decides on a strategy discussion, with reasons.
    clock.set('2027-02-24T11:30:00Z');
    expect((await asDuty.post(`/referrals/${referralId}/acknowledgement`, {})).status).toBe(200);
    clock.set('2027-02-24T15:00:00Z');
    const reasons = 'A newborn in a household with domestic abuse, and the partner is the father of a child who had a plan for physical abuse';
    const decided = await asManager.post(`/referrals/${referralId}/decision`, { outcome: 'strategy_discussion', reasons });
    expect(decided.status).toBe(200);

    // The midwife hears both, and her referral shows the decision and the reasons (12.2): information does not flow one way.
    const midwifeHears = ((await asMidwife.get('/notifications')).body.items as { kind: string; message: string }[]).map((n) => [n.kind, n.message]);
    expect(midwifeHears).toEqual(expect.arrayContaining([
      ['referral.acknowledged', "Northshire Children's Social Care has acknowledged your referral."],
      ['referral.decided', expect.stringContaining("Northshire Children's Social Care has decided on your referral")],
    ]));
    expect((await asMidwife.get(`/referrals/${referralId}`)).body).toMatchObject({ progress: 'decided', decision: { outcome: 'strategy_discussion', reasons }, steps: [] });

    // The episode carries on from the referral: strategy discussion today (it was decided on today).
    let episode = (await asRachel.get(`/episodes/${episodeId}`)).body;
    expect(episode.state.steps.map((x: { key: string; due: string }) => [x.key, x.due])).toEqual([['strategy_discussion', '2027-02-24']]);
    const act = async (key: string, at: string, action: Record<string, unknown>, meetingId?: string): Promise<Answer['body']> => {
      clock.set(at);
      const res = await asRachel.post(`/episodes/${episodeId}/actions`, { idempotencyKey: key, occurredAt: at, action, ...(meetingId ? { meetingId } : {}) });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    };
    // Thursday 25 February: the strategy discussion, with the midwife and probation; record out by Friday 26 February.
    episode = await act('sd', '2027-02-25T10:00:00Z', {
      type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: csc }, { agencyId: midwifery }, { agencyId: probation }],
      policeInvestigation: false, immediateSafety: 'Midwife and health visitor see Lily daily until the conference', familyToBeTold: 'Rachel tells Maggie alone on 26 February',
    });
    expect(episode.state.steps.map((x: { key: string; due: string }) => [x.key, x.due])).toEqual([['strategy_record', '2027-02-26']]);
    await act('circ', '2027-02-25T16:00:00Z', { type: 'strategy_record_circulated' });
    // Monday 8 March: continuing risk. The initial conference is due 15 working days after 25 February:
    // 26 Feb (1), 1–5 Mar (2–6), 8–12 Mar (7–11), 15–18 Mar (12–15): Thursday 18 March.
    episode = await act('s47', '2027-03-08T15:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'Domestic abuse; Mark’s history of violence to a child' });
    expect(episode.state.steps.map((x: { key: string; due: string }) => [x.key, x.due])).toEqual([['initial_conference', '2027-03-18']]);

    // The conference is convened as a multi-agency meeting (invitees, minutes, actions in owners' lists).
    clock.set('2027-03-09T09:00:00Z');
    const meeting = await asRachel.post('/meetings', {
      kind: 'conference', title: 'Initial child protection conference', scheduledAt: '2027-03-16T10:00:00Z', subjectPersonIds: [lily.id],
      invitees: [{ agencyId: csc }, { agencyId: midwifery, practitionerId: midwife.actor.practitionerId }, { agencyId: probation }],
    });
    expect(meeting.status).toBe(201);
    clock.set('2027-03-16T12:00:00Z');
    const held = await asRachel.post(`/meetings/${meeting.body.id}/outcome`, {
      heldAt: '2027-03-16T10:00:00Z', attendance: [{ agencyId: csc, attended: true }, { agencyId: midwifery, attended: true }, { agencyId: probation, attended: true }],
      decisions: ['Lily to be the subject of a child protection plan'], actions: [{ ownerId: midwife.actor.practitionerId, description: 'Visit Lily daily for two weeks', dueOn: '2027-03-30' }],
      minutes: 'Minutes of the initial conference', familyTold: 'Rachel tells Maggie the outcome today',
    });
    expect(held.status).toBe(200);
    // Recording the conference from a meeting of the wrong kind is refused, naming the field; nothing is written.
    const wrong = await asRachel.post(`/episodes/${episodeId}/actions`, { idempotencyKey: 'sd-wrong', occurredAt: '2027-03-16T10:00:00Z', meetingId: meeting.body.id,
      action: { type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: csc }], policeInvestigation: false, immediateSafety: 'x', familyToBeTold: 'x' } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors).toEqual([{ pointer: '/meetingId', detail: 'That meeting is a conference, not a strategy discussion' }]);
    expect((await asRachel.get(`/episodes/${episodeId}`)).body.actions).toHaveLength(6);

    // Tuesday 16 March: the conference makes Lily the subject of a plan. The first core group is due 10 working
    // days later: 17–19 Mar (1–3), 22–25 Mar (4–7), Good Friday and Easter Monday skipped, 30 Mar (8), 31 Mar (9),
    // Thursday 1 April (10). The first review is due 3 months after the conference: 16 June 2027.
    episode = await act('icpc', '2027-03-16T10:00:00Z', {
      type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: [csc, midwifery, probation], parentsParticipation: 'Maggie attended with an advocate; Mark was excluded',
      planDetails: { category: 'physical_abuse', leadAgencyId: csc, keyWorkerId: rachel.actor.practitionerId, coreGroup: [rachel.actor.practitionerId, midwife.actor.practitionerId], outlinePlan: 'Mark to leave the household; daily visits', contingencyPlan: 'Legal planning meeting' },
    }, meeting.body.id as string);
    expect(episode.state).toMatchObject({ stage: 'child_protection_plan', onPlan: true });
    expect(episode.state.steps.map((x: { key: string; due: string }) => [x.key, x.due])).toEqual([['first_core_group', '2027-04-01'], ['review_conference', '2027-06-16']]);
    // The conference on the episode points to its meeting, and the meeting to the episode.
    expect(episode.actions.at(-1)).toMatchObject({ type: 'conference_held', details: { meetingId: meeting.body.id } });
    expect((await asRachel.get(`/meetings/${meeting.body.id}`)).body).toMatchObject({ episodeId, status: 'held' });
    // The midwife's action from the conference is in her list.
    expect((await asMidwife.get('/my-actions')).body).toEqual([expect.objectContaining({ description: 'Visit Lily daily for two weeks', dueOn: '2027-03-30' })]);
  });
});
