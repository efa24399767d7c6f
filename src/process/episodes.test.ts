import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { fixedClock } from '../shared/clock.ts';
import { getEpisode, listDueSteps, openEpisode, recordEpisodeAction } from './episodes.ts';
import { RecordAction } from './schemas.ts';

const problemOf = (p: Promise<unknown>): Promise<{ status: number; detail: string; errors: { pointer: string; detail: string }[] }> =>
  p.then(() => { throw new Error('expected a problem'); }, (e: { status: number; detail: string; errors: { pointer: string; detail: string }[] }) => e);

describe("a child's episode with children's social care", () => {
  const t = useTestDb();

  async function authority(now = '2026-12-01T09:00:00Z') {
    const clock = fixedClock(now);
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const police = await agency(s, p, 'police', 'Northshire Police');
    const worker = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const manager = await practitioner(s, csc, ['manager'], 'Grace Okafor');
    const baby = await person(worker, { kind: 'unborn', names: [{ familyName: 'Baby of Maggie' }], dateOfBirth: undefined, expectedDateOfDelivery: '2027-02-20' });
    return { clock, s, csc, police, worker, manager, baby };
  }

  const act = (key: string, occurredAt: string, action: Record<string, unknown>) => RecordAction.parse({ idempotencyKey: key, occurredAt, action });

  it("case example 8 done right: referral, strategy discussion, s47, a pre-birth conference within 15 working days across Christmas, a plan and its core group", async () => {
    const c = await authority();
    // Probation's referral about Maggie's unborn baby arrives by phone on Tuesday 1 December 2026.
    let e = await openEpisode(c.worker, { idempotencyKey: 'ref-1', childPersonId: c.baby.id, receivedAt: '2026-12-01T09:00:00Z', channel: 'phone', allocatedWorkerId: c.worker.actor.practitionerId, team: 'Assessment' });
    expect(e.state.steps.map((s) => [s.key, s.due])).toEqual([
      ['written_confirmation', '2026-12-03T09:00:00.000Z'], ['acknowledgement', '2026-12-02'], ['referrer_chase', '2026-12-04'], ['referral_decision', '2026-12-02'],
    ]);
    c.clock.set('2026-12-01T15:00:00Z');
    await recordEpisodeAction(c.worker, e.id, act('ack', '2026-12-01T10:00:00Z', { type: 'referral_acknowledged' }));
    await recordEpisodeAction(c.worker, e.id, act('confirm', '2026-12-01T11:00:00Z', { type: 'referral_confirmed_in_writing' }));
    e = await recordEpisodeAction(c.manager, e.id, act('decide', '2026-12-01T14:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: "Mark's history of violence to his children" }));
    expect(e.state.stage).toBe('strategy');
    c.clock.set('2026-12-10T16:00:00Z');
    e = await recordEpisodeAction(c.worker, e.id, act('sd1', '2026-12-10T12:00:00Z', {
      type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: c.csc }, { agencyId: c.police }], policeInvestigation: false,
      immediateSafety: 'Maggie lives with her mother; no immediate action', familyToBeTold: 'Social worker tells Maggie on 11 December',
    }));
    expect(e.state.steps.find((s) => s.key === 'strategy_record')?.due).toBe('2026-12-11');
    // Circulating is the sending (issue 18): recorded at the time sent, within the working day.
    c.clock.set('2026-12-10T17:00:00Z');
    await recordEpisodeAction(c.worker, e.id, act('circ', '2026-12-10T17:00:00Z', { type: 'strategy_record_circulated' }));
    c.clock.set('2026-12-18T16:00:00Z');
    e = await recordEpisodeAction(c.worker, e.id, act('s47', '2026-12-18T12:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'Risk from Mark continues' }));
    // 15 working days from 10 December, skipping Christmas Day, Boxing Day (Monday 28th) and New Year's Day.
    expect(e.state.steps).toEqual([expect.objectContaining({ key: 'initial_conference', due: '2027-01-05', overdue: false })]);
    c.clock.set('2027-01-05T16:00:00Z');
    e = await recordEpisodeAction(c.manager, e.id, act('icpc', '2027-01-05T10:00:00Z', {
      type: 'conference_held', kind: 'pre_birth', plan: true, invitedAgencyIds: [c.csc, c.police], attendedAgencyIds: [c.csc], parentsParticipation: 'Maggie attended; Mark did not',
      planDetails: { category: 'physical_abuse', leadAgencyId: c.csc, keyWorkerId: c.worker.actor.practitionerId, coreGroup: [c.worker.actor.practitionerId], outlinePlan: 'Weekly visits', contingencyPlan: 'Strategy discussion if Mark returns' },
    }));
    expect(e.state).toMatchObject({ stage: 'child_protection_plan', onPlan: true });
    // Read for a page (the episode, its actions and settings in one statement, the times built in JSON), it is the episode the write returned.
    expect(await getEpisode(c.worker, e.id)).toEqual(e);
    expect(e.state.steps.map((s) => [s.key, s.due])).toEqual([['first_core_group', '2027-01-19'], ['review_conference', '2027-04-05']]);
    // What is due appears in the worker's list, and nothing is overdue yet.
    expect((await listDueSteps(c.worker, { worker: 'me' })).map((d) => d.key)).toEqual(['first_core_group', 'review_conference']);
    c.clock.set('2027-01-20T09:00:00Z');
    expect((await listDueSteps(c.manager, { overdueOnly: true })).map((d) => [d.key, d.overdue])).toEqual([['first_core_group', true]]);
  });

  it('retrying the same action with the same idempotency key never records it twice', async () => {
    const c = await authority();
    const e = await openEpisode(c.worker, { idempotencyKey: 'ref-1', childPersonId: c.baby.id, receivedAt: '2026-12-01T09:00:00Z', channel: 'written' });
    const again = await openEpisode(c.worker, { idempotencyKey: 'ref-1', childPersonId: c.baby.id, receivedAt: '2026-12-01T09:00:00Z', channel: 'written' });
    expect(again.id).toBe(e.id);
    c.clock.set('2026-12-01T10:00:00Z');
    await recordEpisodeAction(c.worker, e.id, act('ack', '2026-12-01T09:30:00Z', { type: 'referral_acknowledged' }));
    const twice = await recordEpisodeAction(c.worker, e.id, act('ack', '2026-12-01T09:30:00Z', { type: 'referral_acknowledged' }));
    expect(twice.actions.map((a) => a.type)).toEqual(['referral_received', 'referral_acknowledged']);
    expect((await t.db().query('SELECT 1 FROM episode')).rowCount).toBe(1);
  });

  it('refuses, clearly and without writing anything: a conference dated before the strategy discussion, a plan without a key worker, a review with no plan', async () => {
    const c = await authority();
    const e = await openEpisode(c.worker, { idempotencyKey: 'r', childPersonId: c.baby.id, receivedAt: '2026-12-01T09:00:00Z', channel: 'written' });
    c.clock.set('2026-12-20T09:00:00Z');
    await recordEpisodeAction(c.worker, e.id, act('d', '2026-12-01T12:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'x' }));
    await recordEpisodeAction(c.worker, e.id, act('sd', '2026-12-10T12:00:00Z', { type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: c.csc }], policeInvestigation: false, immediateSafety: 'none', familyToBeTold: 'x' }));
    const review = await problemOf(recordEpisodeAction(c.worker, e.id, act('rv', '2026-12-11T12:00:00Z', { type: 'conference_held', kind: 'review', plan: true, invitedAgencyIds: [c.csc], parentsParticipation: 'x', planDetails: { category: 'neglect', leadAgencyId: c.csc, keyWorkerId: c.worker.actor.practitionerId, coreGroup: [c.worker.actor.practitionerId], outlinePlan: 'x', contingencyPlan: 'y' } })));
    expect(review).toMatchObject({ status: 422, detail: 'Not allowed at the s47 enquiry stage.' });
    expect(review.errors[0]!.detail).toMatch(/^Allowed now: /);
    await recordEpisodeAction(c.worker, e.id, act('s47', '2026-12-15T12:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'x' }));
    const early = await problemOf(recordEpisodeAction(c.worker, e.id, act('icpc', '2026-12-09T12:00:00Z', { type: 'conference_held', kind: 'initial', plan: false, invitedAgencyIds: [c.csc], parentsParticipation: 'x' })));
    expect(early.errors).toEqual([{ pointer: '/occurredAt', detail: 'This is before the last recorded action (s47 concluded at 2026-12-15T12:00:00.000Z)' }]);
    const noKeyWorker = RecordAction.safeParse({ idempotencyKey: 'k', occurredAt: '2026-12-18T12:00:00Z', action: { type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: [c.csc], parentsParticipation: 'x' } });
    expect(noKeyWorker.success).toBe(false);
    const notASocialWorker = await problemOf(recordEpisodeAction(c.worker, e.id, act('icpc2', '2026-12-18T12:00:00Z', { type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: [c.csc], parentsParticipation: 'x', planDetails: { category: 'neglect', leadAgencyId: c.csc, keyWorkerId: c.manager.actor.practitionerId, coreGroup: [c.worker.actor.practitionerId], outlinePlan: 'x', contingencyPlan: 'y' } })));
    expect(notASocialWorker.errors).toEqual([{ pointer: '/action/planDetails/keyWorkerId', detail: 'The key worker must be a social worker' }]);
    expect((await getEpisode(c.worker, e.id)).actions).toHaveLength(4);
  });

  it("only children's social care holds episodes; another agency is refused", async () => {
    const c = await authority();
    const officer = await practitioner(c.s, c.police, ['practitioner']);
    const child = await person(officer);
    await expect(openEpisode(officer, { idempotencyKey: 'x', childPersonId: child.id, receivedAt: '2026-12-01T09:00:00Z', channel: 'written' })).rejects.toMatchObject({ status: 403 });
    const e = await openEpisode(c.worker, { idempotencyKey: 'r', childPersonId: c.baby.id, receivedAt: '2026-12-01T09:00:00Z', channel: 'written' });
    await expect(getEpisode(officer, e.id)).rejects.toMatchObject({ status: 404 });
  });
});
