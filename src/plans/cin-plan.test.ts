import { describe, expect, it } from 'vitest';
import { cinWorld } from '../../test/cin-world.ts';
import { useTestDb } from '../../test/db.ts';
import { listNotifications } from '../sharing/notifications.ts';
import { childPlans, getPlan, listEpisodePlans } from './plans.ts';

describe('the child in need plan as a document', () => {
  const t = useTestDb();

  it('the assessment makes the plan the network’s agencies read through their own entry; a review makes a new version; closing the case ends it', async () => {
    const w = await cinWorld(t.db());
    await w.assessed(w.cinPlan([w.dsl]));
    const planId = await w.cinPlanOf();

    // The school's lead is told, the message naming nobody; her row names Leo through her own entry.
    const [n] = await w.noticesFor(w.dsl, 'plan.cin-member');
    expect(n?.message).toBe('You are in the network around a child with a child in need plan.');
    const [seen] = (await listNotifications(w.dsl)).filter((x) => x.kind === 'plan.cin-member');
    expect(seen?.child).toMatchObject({ personId: w.leoAtSchool.id, name: 'Leo Hart' });

    // Reviewed at most every 6 months (69.4): by 30 May 2027.
    const plan = await getPlan(w.dsl, planId);
    expect(plan).toMatchObject({
      kind: 'child_in_need', status: 'current', child: { personId: w.leoAtSchool.id }, nextReviewDate: '2027-05-30', firstCoreGroupDue: null,
      version: { version: 1, conferenceKind: 'assessment', categories: [], keyWorker: { name: 'Rachel Dunn' }, outlinePlan: expect.stringContaining('on time and fed'), contingencyPlan: expect.stringContaining('two days running') },
    });
    expect(plan.version.coreGroup.map((m) => `${m.name}, ${m.agencyName}`)).toEqual(["Rachel Dunn, Northshire Children's Social Care", 'Sarah Khan, Northshire Primary School']);
    expect(plan.version.outlineItems).toEqual([{ agencyId: w.school, agencyName: 'Northshire Primary School', what: 'Offer Leo breakfast club every day', byWhen: '2026-12-18' }]);
    expect(await childPlans(w.dsl, w.leoAtSchool.id)).toEqual([expect.objectContaining({ id: planId, kind: 'child_in_need', status: 'current', keyWorkerName: 'Rachel Dunn', nextReviewDate: '2027-05-30', version: 1 })]);

    // Health visiting has an entry for Leo but nobody in the network: as if there were no plan.
    await expect(getPlan(w.visitor, planId)).rejects.toMatchObject({ status: 404 });
    expect(await childPlans(w.visitor, w.leoWithHv.id)).toEqual([]);
    await expect(getPlan(w.stranger, planId)).rejects.toMatchObject({ status: 404 });
    await expect(listEpisodePlans(w.stranger, w.leoEpisode.id)).rejects.toMatchObject({ status: 404 });

    // The lawful basis: a share decision on the statutory duty (s17), for a child in need.
    const decision = (await t.db().query<{ legal_basis: string; purpose_code: string; answers: { legalObligationReference: string } }>(
      `SELECT d.legal_basis, d.purpose_code, d.answers FROM share_decision d JOIN plan_grant g ON g.decision_id = d.id WHERE g.plan_id = $1`, [planId])).rows;
    expect(decision).toEqual([expect.objectContaining({ legal_basis: 'statutory_duty', purpose_code: 'child_in_need_assessment', answers: expect.objectContaining({ legalObligationReference: expect.stringContaining('s17') }) })]);

    // The review (Monday 1 March 2027) adds the health visitor: version 2, she reads it and is told.
    await w.act(w.worker, w.leoEpisode, '2027-03-01T10:00:00Z', { type: 'cin_plan_reviewed', summary: 'Breakfast club helping', cinPlan: w.cinPlan([w.dsl, w.visitor], { outlinePlan: 'Leo is on time; the health visitor supports his father with routines.' }) });
    const v2 = await getPlan(w.visitor, planId);
    expect(v2).toMatchObject({ version: { version: 2, conferenceKind: 'cin_plan_review', outlinePlan: expect.stringContaining('routines') }, nextReviewDate: '2027-09-01', versions: [{ version: 1 }, { version: 2 }] });
    expect((await getPlan(w.dsl, planId, 1)).version.outlinePlan).toContain('on time and fed');
    expect((await w.noticesFor(w.visitor, 'plan.cin-member')).map((x) => x.message)).toEqual(['You have joined the network around a child with a child in need plan.']);
    expect(await w.noticesFor(w.dsl, 'plan.cin-member')).toHaveLength(1);

    // A review without the plan's content keeps the version as it was.
    await w.act(w.worker, w.leoEpisode, '2027-06-01T10:00:00Z', { type: 'cin_plan_reviewed', summary: 'No change' });
    expect((await getPlan(w.dsl, planId)).version.version).toBe(2);

    // The case closes: the plan ends, still readable, marked ended.
    await w.act(w.manager, w.leoEpisode, '2027-09-01T10:00:00Z', { type: 'case_closed', reasons: 'Mornings settled; support no longer needed' });
    expect(await getPlan(w.dsl, planId)).toMatchObject({ status: 'ended', endReason: 'case_closed', nextReviewDate: null });
  });

  it('without the plan’s content no document is made; content on an action that makes no plan, or naming someone outside the partnership, is a 422 naming the field', async () => {
    const w = await cinWorld(t.db());
    const outside = await w.assessed(w.cinPlan([w.stranger])).catch((e: unknown) => e);
    expect(outside).toMatchObject({ status: 422, errors: [expect.objectContaining({ pointer: '/action/cinPlan/members/1' })] });
    const lead = await w.assessed(w.cinPlan([w.dsl], { leadWorkerId: w.dsl.actor.practitionerId })).catch((e: unknown) => e);
    expect(lead).toMatchObject({ status: 422, errors: [expect.objectContaining({ pointer: '/action/cinPlan/leadWorkerId' })] });
    const nfa = await w.act(w.worker, w.leoEpisode, '2026-11-30T10:00:00Z', { type: 'assessment_completed', kind: 'single', outcome: 'no_further_action', summary: 'No needs', cinPlan: w.cinPlan([w.dsl]) }).catch((e: unknown) => e);
    expect(nfa).toMatchObject({ status: 422, errors: [expect.objectContaining({ pointer: '/action/cinPlan' })] });
    await w.assessed();
    expect((await t.db().query("SELECT 1 FROM plan WHERE kind = 'child_in_need'")).rowCount).toBe(0);
  });

  it('a review conference stepping down from a child protection plan makes the child in need plan; the child protection plan’s end is told as before', async () => {
    const w = await cinWorld(t.db());
    await w.conference('2026-11-19T10:00:00Z', 'initial', [w.csc, w.school, w.hv], w.planDetails([w.dsl, w.visitor]));
    const cpId = await w.planOf();
    await w.act(w.manager, w.episode, '2027-02-19T12:00:00Z', { type: 'plan_ended', reason: 'review_decision', childInNeedPlan: true, cinPlan: w.cinPlan([w.dsl], { outlinePlan: 'Ava stays safe at home with support from school.' }) });
    expect(await getPlan(w.dsl, cpId)).toMatchObject({ kind: 'child_protection', status: 'ended' });
    const [ended] = await w.noticesFor(w.visitor, 'episode.plan-ended');
    expect(ended).toMatchObject({ entity_type: 'plan', entity_id: cpId });
    const cin = (await childPlans(w.dsl, w.avaAtSchool.id)).find((p) => p.kind === 'child_in_need');
    expect(cin).toMatchObject({ status: 'current', version: 1, nextReviewDate: '2027-08-19' });
    expect((await getPlan(w.dsl, cin!.id)).version.conferenceKind).toBe('step_down');
    // The health visitor was in the core group but is not in the network: the child in need plan is out of her reach.
    await expect(getPlan(w.visitor, cin!.id)).rejects.toMatchObject({ status: 404 });
  });

  it('a child protection plan made for the child ends the child in need plan', async () => {
    const w = await cinWorld(t.db());
    await w.assessed(w.cinPlan([w.dsl]));
    const planId = await w.cinPlanOf();
    await w.act(w.worker, w.leoEpisode, '2026-12-07T10:00:00Z', {
      type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: w.csc }, { agencyId: w.school }], policeInvestigation: false, immediateSafety: 'Leo stays with his aunt', familyToBeTold: 'The social worker tells his father today',
    });
    await w.act(w.worker, w.leoEpisode, '2026-12-10T10:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'Continuing risk of neglect' });
    expect(await getPlan(w.dsl, planId)).toMatchObject({ status: 'current' });
    await w.act(w.manager, w.leoEpisode, '2026-12-17T10:00:00Z', {
      type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: [w.csc, w.school], attendedAgencyIds: [w.csc, w.school], parentsParticipation: 'Father attended',
      planDetails: { ...w.planDetails([w.dsl]), category: 'neglect' },
    });
    expect(await getPlan(w.dsl, planId)).toMatchObject({ status: 'ended', endReason: 'child_protection_plan', nextReviewDate: null });
    expect((await childPlans(w.dsl, w.leoAtSchool.id)).map((p) => `${p.kind} ${p.status}`)).toEqual(['child_protection current', 'child_in_need ended']);
  });
});
