import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import type { ActorContext } from '../shared/context.ts';
import { fixedClock } from '../shared/clock.ts';
import { openEpisode, openTransferredEpisode, recordEpisodeAction, type EpisodeView } from './episodes.ts';
import { RecordAction } from './schemas.ts';

/**
 * The statutory process walked through the case examples (what-to-do-if-worried 10–80), with every
 * due date worked out by hand in the comments. England and Wales bank holidays in these walks:
 * 4 May 2026 (early May), 25 May 2026 (spring), 31 August 2026 (summer), 25 and 28 December 2026
 * (Christmas, Boxing Day substitute), 1 January 2027.
 */
describe('the statutory process, case by case', () => {
  const t = useTestDb();

  async function authority(now: string) {
    const clock = fixedClock(now);
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const police = await agency(s, p, 'police', 'Northshire Police');
    const worker = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const manager = await practitioner(s, csc, ['manager'], 'Grace Okafor');
    const cscLead = await practitioner(s, csc, ['safeguarding_lead'], 'CSC safeguarding lead');
    const policeLead = await practitioner(s, police, ['safeguarding_lead'], 'Police safeguarding lead');
    return { clock, s, p, csc, police, worker, manager, cscLead, policeLead };
  }

  /** Records an action as `who`, with the clock at the moment it happened (actions are recorded as they happen). */
  async function act(c: { clock: { set: (iso: string) => void } }, who: ActorContext, e: EpisodeView, key: string, occurredAt: string, action: Record<string, unknown>): Promise<EpisodeView> {
    c.clock.set(occurredAt);
    return recordEpisodeAction(who, e.id, RecordAction.parse({ idempotencyKey: key, occurredAt, action }));
  }

  const due = (e: EpisodeView) => e.state.steps.map((s) => [s.key, s.due]);
  const noticesOf = async (kind: string) =>
    (await t.db().query<{ practitioner_id: string; entity_id: string; message: string }>('SELECT practitioner_id, entity_id, message FROM notification WHERE kind = $1 ORDER BY practitioner_id', [kind])).rows;

  it("case example 6: Helen's bruising, referred by her consultant, is not substantiated (callipers); an assessment leads to a child in need plan reviewed every 6 months", async () => {
    const c = await authority('2026-04-29T13:00:00Z');
    const hospital = await agency(c.s, c.p, 'hospital', "Northshire Children's Hospital");
    const helen = await person(c.worker, { names: [{ givenNames: 'Helen', familyName: 'Ward' }], dateOfBirth: '2019-01-10' });

    // The consultant paediatrician overrides the mother's refusal and refers in writing on Wednesday 29 April 2026.
    let e = await openEpisode(c.worker, { idempotencyKey: 'helen-ref', childPersonId: helen.id, receivedAt: '2026-04-29T13:00:00Z', channel: 'written', allocatedWorkerId: c.worker.actor.practitionerId });
    // Acknowledge and decide within 1 working day: Thursday 30 April. The consultant chases after 3 working days:
    // Thu 30 Apr (1), Fri 1 May (2), Mon 4 May is the early May bank holiday, Tue 5 May (3).
    expect(due(e)).toEqual([['acknowledgement', '2026-04-30'], ['referrer_chase', '2026-05-05'], ['referral_decision', '2026-04-30']]);

    await act(c, c.worker, e, 'helen-ack', '2026-04-30T08:00:00Z', { type: 'referral_acknowledged' });
    e = await act(c, c.manager, e, 'helen-decide', '2026-04-30T09:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'Unexplained bruising to a disabled child with little verbal communication' });
    expect(e.state.steps).toEqual([expect.objectContaining({ key: 'strategy_discussion', due: '2026-04-30' })]);

    // Children's social care, the police and the consultant hold the strategy discussion the same afternoon, keeping an open mind.
    e = await act(c, c.worker, e, 'helen-sd', '2026-04-30T14:00:00Z', {
      type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: c.csc }, { agencyId: c.police }, { agencyId: hospital, name: 'Consultant paediatrician' }],
      policeInvestigation: false, immediateSafety: 'Helen stays on the ward; no return to respite care until enquiries are made', familyToBeTold: 'Social worker tells the mother on 1 May',
    });
    expect(e.state.stage).toBe('s47_enquiry');
    // The record goes to everyone within 1 working day: Friday 1 May.
    expect(due(e)).toEqual([['strategy_record', '2026-05-01']]);
    await act(c, c.worker, e, 'helen-circ', '2026-05-01T10:00:00Z', { type: 'strategy_record_circulated' });

    // The assessment starts on Tuesday 5 May (after the bank holiday); it is due 45 working days from the referral:
    // 29 April + 45 working days, skipping 4 May and 25 May, is Friday 3 July (1 July without the two bank holidays).
    e = await act(c, c.worker, e, 'helen-assess', '2026-05-05T09:00:00Z', { type: 'assessment_started', kind: 'single' });
    expect(due(e)).toEqual([['assessment', '2026-07-03']]);

    // Friday 15 May: the s47 enquiry finds the bruising consistent with her callipers: not substantiated.
    e = await act(c, c.worker, e, 'helen-s47', '2026-05-15T15:00:00Z', { type: 's47_concluded', outcome: 'not_substantiated', summary: 'Bruising consistent with ill-fitting callipers; orthotics refitted' });
    expect(e.state).toMatchObject({ stage: 'assessment', onPlan: false });
    expect(e.state.allowed).not.toContain('conference_held');
    expect(due(e)).toEqual([['assessment', '2026-07-03']]);

    // Tuesday 2 June: the assessment ends in a child in need plan (respite support for the family), reviewed at least every 6 months: by 2 December 2026.
    e = await act(c, c.worker, e, 'helen-done', '2026-06-02T11:00:00Z', { type: 'assessment_completed', kind: 'single', outcome: 'child_in_need_plan', summary: 'Support to keep respite care safe for Helen' });
    expect(e.state.stage).toBe('child_in_need_plan');
    expect(due(e)).toEqual([['cin_plan_review', '2026-12-02']]);
    // Reviewed on Tuesday 1 December: the next review is due 6 months after that one, 1 June 2027.
    e = await act(c, c.worker, e, 'helen-cin-1', '2026-12-01T10:00:00Z', { type: 'cin_plan_reviewed', summary: 'Respite continuing; callipers checked at each handover' });
    expect(due(e)).toEqual([['cin_plan_review', '2027-06-01']]);
    // No plan was made or ended, so nobody was told of one ending.
    expect(await noticesOf('episode.plan-ended')).toEqual([]);
  });

  it("case example 7: Natasha, referred by the sexual-health clinic, becomes the subject of a plan; when a review ends it, every agency invited to the initial conference is told", async () => {
    const c = await authority('2026-08-17T09:00:00Z');
    const clinic = await agency(c.s, c.p, 'sexual_health_clinic', 'Northshire Sexual Health');
    const school = await agency(c.s, c.p, 'school', 'Northshire Academy');
    const housing = await agency(c.s, c.p, 'housing', 'Northshire Housing');
    const nurse = await practitioner(c.s, clinic, ['safeguarding_lead'], 'Child protection nurse');
    const clinicLead2 = await practitioner(c.s, clinic, ['safeguarding_lead'], 'Clinic lead');
    const schoolLead = await practitioner(c.s, school, ['safeguarding_lead'], 'Designated teacher');
    const housingLead = await practitioner(c.s, housing, ['safeguarding_lead'], 'Housing lead');
    const natasha = await person(c.worker, { names: [{ givenNames: 'Natasha', familyName: 'Cole' }], dateOfBirth: '2012-06-01' });

    // The health worker and the child protection nurse refer in writing on Monday 17 August 2026.
    let e = await openEpisode(c.worker, { idempotencyKey: 'nat-ref', childPersonId: natasha.id, receivedAt: '2026-08-17T09:00:00Z', channel: 'written', allocatedWorkerId: c.worker.actor.practitionerId });
    // 1 working day: Tuesday 18 August; the clinic chases after 3: Thursday 20 August.
    expect(due(e)).toEqual([['acknowledgement', '2026-08-18'], ['referrer_chase', '2026-08-20'], ['referral_decision', '2026-08-18']]);
    await act(c, c.worker, e, 'nat-ack', '2026-08-17T11:00:00Z', { type: 'referral_acknowledged' });
    await act(c, c.manager, e, 'nat-decide', '2026-08-17T12:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'Underage sex with an older partner; bruising; possible coercion' });

    // Wednesday 19 August: strategy discussion with the police, who start a criminal investigation into the boyfriend.
    e = await act(c, c.worker, e, 'nat-sd', '2026-08-19T10:00:00Z', {
      type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: c.csc }, { agencyId: c.police }, { agencyId: clinic, practitionerId: nurse.actor.practitionerId }],
      policeInvestigation: true, immediateSafety: 'Clinic appointment kept; police to identify the boyfriend', familyToBeTold: 'Not yet: agreed with police to avoid alerting the boyfriend',
    });
    // Record circulated within 1 working day: Thursday 20 August.
    expect(due(e)).toEqual([['strategy_record', '2026-08-20']]);
    await act(c, c.worker, e, 'nat-circ', '2026-08-19T16:00:00Z', { type: 'strategy_record_circulated' });

    // Thursday 3 September: s47 finds continuing risk of significant harm.
    e = await act(c, c.worker, e, 'nat-s47', '2026-09-03T15:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'Sexual exploitation by an adult; continuing risk' });
    // Initial conference within 15 working days of 19 August: Thu 20 (1), Fri 21 (2), 24–28 Aug (3–7), Mon 31 Aug is the
    // summer bank holiday, 1–4 Sep (8–11), 7–9 Sep (12–14), Thursday 10 September (15). Without the bank holiday: 9 September.
    expect(e.state.steps).toEqual([expect.objectContaining({ key: 'initial_conference', due: '2026-09-10', overdue: false })]);

    // Thursday 10 September: the initial conference, to which children's social care, the police, the clinic and the school were invited.
    const plan = { category: 'sexual_abuse', leadAgencyId: c.csc, keyWorkerId: c.worker.actor.practitionerId, coreGroup: [c.worker.actor.practitionerId, nurse.actor.practitionerId, schoolLead.actor.practitionerId], outlinePlan: 'Weekly contact; sexual health follow-up; school attendance monitored', contingencyPlan: 'Strategy discussion if she is seen with him again' };
    e = await act(c, c.manager, e, 'nat-icpc', '2026-09-10T10:00:00Z', {
      type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: [c.csc, c.police, clinic, school], attendedAgencyIds: [c.csc, c.police, clinic], parentsParticipation: 'Mother attended; Natasha gave her views through the nurse', planDetails: plan,
    });
    expect(e.state).toMatchObject({ stage: 'child_protection_plan', onPlan: true, initialConference: '2026-09-10' });
    // First core group within 10 working days: 11 Sep (1), 14–18 (2–6), 21–24 (7–10): Thursday 24 September.
    // First review within 3 months of the initial conference: 10 December 2026.
    expect(due(e)).toEqual([['first_core_group', '2026-09-24'], ['review_conference', '2026-12-10']]);
    e = await act(c, c.worker, e, 'nat-cg', '2026-09-22T14:00:00Z', { type: 'core_group_met', attendees: plan.coreGroup });
    expect(due(e)).toEqual([['review_conference', '2026-12-10']]);

    // Thursday 10 December: the first review keeps the plan (housing is invited this time); the next is at most 6 months on, 10 June 2027.
    e = await act(c, c.manager, e, 'nat-rv1', '2026-12-10T10:00:00Z', {
      type: 'conference_held', kind: 'review', plan: true, invitedAgencyIds: [c.csc, c.police, clinic, school, housing], parentsParticipation: 'Mother attended', planDetails: plan,
    });
    expect(due(e)).toEqual([['review_conference', '2027-06-10']]);
    expect(await noticesOf('episode.plan-ended')).toEqual([]);

    // Thursday 10 June 2027: the review decides the plan ends; a child in need plan follows, reviewed by 10 December 2027.
    e = await act(c, c.manager, e, 'nat-end', '2027-06-10T12:00:00Z', { type: 'plan_ended', reason: 'review_decision', childInNeedPlan: true });
    expect(e.state).toMatchObject({ stage: 'child_in_need_plan', onPlan: false });
    expect(due(e)).toEqual([['cin_plan_review', '2027-12-10']]);

    // 68.4: every agency invited to the initial conference is told, through its safeguarding leads (both of the clinic's);
    // housing, invited to the review that kept the plan, reads the plan and is told too (issue 18). The message names no one;
    // it points at the plan.
    const notices = await noticesOf('episode.plan-ended');
    const expected = [c.cscLead, c.policeLead, nurse, clinicLead2, schoolLead, housingLead].map((p) => p.actor.practitionerId).sort();
    expect(notices.map((n) => n.practitioner_id)).toEqual(expected);
    const planId = (await t.db().query<{ id: string }>('SELECT id FROM plan WHERE episode_id = $1', [e.id])).rows[0]!.id;
    for (const n of notices) {
      expect(n.entity_id).toBe(planId);
      expect(n.message).toBe('A child protection plan has ended by decision of a review conference. Your agency was invited to the conference that made the plan, or is in its core group.');
      expect(n.message).not.toMatch(/Natasha|Cole/);
    }
  });

  it('urgent action: police protection at night, a strategy discussion due the same day with siblings considered, then s47; and a transfer in whose conference is due in 15 working days', async () => {
    const c = await authority('2026-11-20T22:30:00Z');
    const leo = await person(c.worker, { names: [{ givenNames: 'Leo', familyName: 'Hart' }], dateOfBirth: '2020-02-02' });

    // Friday 20 November 2026, 22:30 (GMT, so the London date is the 20th): the police phone the emergency duty team.
    let e = await openEpisode(c.worker, { idempotencyKey: 'leo-ref', childPersonId: leo.id, receivedAt: '2026-11-20T22:30:00Z', channel: 'phone' });
    // 22:40: the duty worker acknowledges the call (the engine allows acknowledgement only at the referral stage).
    await act(c, c.worker, e, 'leo-ack', '2026-11-20T22:40:00Z', { type: 'referral_acknowledged' });
    // 23:10: Leo is taken into police protection. The siblings must be considered (23.4): the schema refuses it without.
    expect(RecordAction.safeParse({ idempotencyKey: 'x', occurredAt: '2026-11-20T23:10:00Z', action: { type: 'urgent_protective_action', kind: 'police_protection' } }).success).toBe(false);
    e = await act(c, c.worker, e, 'leo-pp', '2026-11-20T23:10:00Z', {
      type: 'urgent_protective_action', kind: 'police_protection', otherChildrenConsidered: 'Two younger siblings in the home: placed with their grandmother tonight under a safety plan',
    });
    expect(e.state.stage).toBe('strategy');
    expect(e.actions.at(-1)?.details).toMatchObject({ otherChildrenConsidered: expect.stringContaining('younger siblings') });
    // A strategy discussion follows at once (23.1): due the same day, 20 November, not the next working day (Monday 23rd).
    expect(e.state.steps.filter((s) => !s.prompt).map((s) => [s.key, s.due])).toEqual([['strategy_discussion', '2026-11-20']]);
    expect(e.state.steps).toContainEqual(expect.objectContaining({ key: 'strategy_discussion', due: '2026-11-20', overdue: false }));

    // 23:45 the same night: strategy discussion by phone with the police, initiating s47 enquiries for Leo.
    e = await act(c, c.worker, e, 'leo-sd', '2026-11-20T23:45:00Z', {
      type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: c.csc }, { agencyId: c.police }], policeInvestigation: true,
      immediateSafety: 'Leo in foster care; siblings with grandmother', familyToBeTold: 'Parents told by the police officer tonight',
    });
    expect(e.state.stage).toBe('s47_enquiry');
    // Record within 1 working day of Friday: Monday 23 November.
    expect(e.state.steps.find((s) => s.key === 'strategy_record')?.due).toBe('2026-11-23');
    // Saturday 21 November, 09:00: the police confirm their phone referral in writing, inside the 48 hours (to 22:30 on the 22nd).
    await act(c, c.worker, e, 'leo-confirm', '2026-11-21T09:00:00Z', { type: 'referral_confirmed_in_writing' });
    await act(c, c.worker, e, 'leo-circ', '2026-11-23T10:00:00Z', { type: 'strategy_record_circulated' });
    e = await act(c, c.worker, e, 'leo-s47', '2026-12-03T15:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'Continuing risk of physical harm' });
    // Initial conference within 15 working days of 20 November: 23–27 Nov (1–5), 30 Nov–4 Dec (6–10; St Andrew's Day is a holiday
    // only in Scotland), 7–11 Dec (11–15): Friday 11 December.
    expect(e.state.steps.filter((s) => !s.prompt).map((s) => [s.key, s.due])).toEqual([['initial_conference', '2026-12-11']]);

    // Friday 11 December: the initial conference (children's social care, the police and Leo's school invited) makes a plan.
    const school = await agency(c.s, c.p, 'school', 'Northshire Primary');
    const schoolLead = await practitioner(c.s, school, ['safeguarding_lead'], 'Designated teacher');
    const hv = await agency(c.s, c.p, 'health_visiting', 'Health visiting');
    const hvLead = await practitioner(c.s, hv, ['safeguarding_lead'], 'Health visiting lead');
    const leoPlan = { category: 'physical_abuse', leadAgencyId: c.csc, keyWorkerId: c.worker.actor.practitionerId, coreGroup: [c.worker.actor.practitionerId, schoolLead.actor.practitionerId], outlinePlan: 'Visits twice weekly', contingencyPlan: 'Strategy discussion' };
    e = await act(c, c.manager, e, 'leo-icpc', '2026-12-11T10:00:00Z', { type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: [c.csc, c.police, school], parentsParticipation: 'Both parents attended', planDetails: leoPlan });
    // First core group within 10 working days: 14–18 Dec (1–5), 21–24 Dec (6–9), Christmas Day and Monday 28th skipped,
    // Tuesday 29 December (10). First review within 3 months: 11 March 2027.
    expect(due(e)).toEqual([['first_core_group', '2026-12-29'], ['review_conference', '2027-03-11']]);
    // Thursday 11 March 2027: the review conference decides Leo no longer needs a plan. That ends the plan as surely as a
    // plan_ended action: the agencies invited to the initial conference are told; health visiting, invited only to the review, is not.
    e = await act(c, c.manager, e, 'leo-rv', '2027-03-11T10:00:00Z', { type: 'conference_held', kind: 'review', plan: false, invitedAgencyIds: [c.csc, school, hv], parentsParticipation: 'Both parents attended' });
    expect(e.state).toMatchObject({ stage: 'child_in_need_plan', onPlan: false });
    const notices = await noticesOf('episode.plan-ended');
    expect(notices.map((n) => n.practitioner_id)).toEqual([c.cscLead, c.policeLead, schoolLead].map((p) => p.actor.practitionerId).sort());
    expect(notices.map((n) => n.practitioner_id)).not.toContain(hvLead.actor.practitionerId);
    const leoPlan1 = (await t.db().query<{ id: string }>('SELECT id FROM plan WHERE episode_id = $1', [e.id])).rows[0]!.id;
    expect(notices.every((n) => n.entity_id === leoPlan1 && !/Leo|Hart/.test(n.message))).toBe(true);

    // Tuesday 15 December 2026: Mia, on a plan in Southshire, moves into the area; her case transfers in.
    const mia = await person(c.worker, { names: [{ givenNames: 'Mia', familyName: 'Lowe' }], dateOfBirth: '2018-09-09' });
    c.clock.set('2026-12-15T11:00:00Z');
    const transfer = { idempotencyKey: 'mia-in', childPersonId: mia.id, transferredAt: '2026-12-15T10:00:00Z', fromAuthority: 'Southshire County Council', allocatedWorkerId: c.worker.actor.practitionerId };
    let m = await openTransferredEpisode(c.worker, transfer);
    expect(m.state).toMatchObject({ stage: 'awaiting_conference', open: true });
    expect(m.actions).toEqual([expect.objectContaining({ seq: 1, type: 'transferred_in', details: { fromAuthority: 'Southshire County Council' } })]);
    // Transfer-in conference within 15 working days (80): 16–18 Dec (1–3), 21–24 Dec (4–7), Christmas Day and Monday 28th
    // (Boxing Day substitute) skipped, 29–31 Dec (8–10), New Year's Day skipped, 4–8 Jan (11–15): Friday 8 January 2027.
    expect(due(m)).toEqual([['transfer_in_conference', '2027-01-08']]);
    expect((await openTransferredEpisode(c.worker, transfer)).id).toBe(m.id);
    const police = await practitioner(c.s, c.police, ['practitioner']);
    await expect(openTransferredEpisode(police, { ...transfer, idempotencyKey: 'p' })).rejects.toMatchObject({ status: 403 });

    // Friday 8 January 2027: the transfer-in conference keeps her on a plan; core group within 10 working days
    // (11–15 Jan, 18–22 Jan: Friday 22 January), first review within 3 months (8 April 2027).
    const plan = { category: 'neglect', leadAgencyId: c.csc, keyWorkerId: c.worker.actor.practitionerId, coreGroup: [c.worker.actor.practitionerId, schoolLead.actor.practitionerId], outlinePlan: 'Daily school check', contingencyPlan: 'Strategy discussion' };
    m = await act(c, c.manager, m, 'mia-conf', '2027-01-08T10:00:00Z', { type: 'conference_held', kind: 'transfer_in', plan: true, invitedAgencyIds: [c.csc, school], parentsParticipation: 'Mother attended', planDetails: plan });
    expect(due(m)).toEqual([['first_core_group', '2027-01-22'], ['review_conference', '2027-04-08']]);
    // The transferred episode carries on like any other: the core group meets on Monday 18 January.
    m = await act(c, c.worker, m, 'mia-cg', '2027-01-18T10:00:00Z', { type: 'core_group_met', attendees: [c.worker.actor.practitionerId] });
    expect(due(m)).toEqual([['review_conference', '2027-04-08']]);
  });
});
