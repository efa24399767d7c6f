import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { planWorld } from '../../test/plan-world.ts';
import { childPlans, getPlan, listEpisodePlans } from './plans.ts';
import { listNotifications } from '../sharing/notifications.ts';
import { sharingBoardReport } from '../reports/board.ts';

describe('the child protection plan as a document', () => {
  const t = useTestDb();

  it('the conference makes a plan the core group and the invited agencies read, each through its own entry; a review makes a new version; the end is told to each', async () => {
    const w = await planWorld(t.db());
    await w.conference('2026-11-19T10:00:00Z', 'initial', [w.csc, w.school, w.hv, w.police], w.planDetails([w.dsl, w.visitor]));
    const planId = await w.planOf();

    // The core group is told, naming nobody in the message; the row names the child through the reader's own entry.
    // First core group within 10 working days of Thursday 19 November: Thursday 3 December.
    for (const member of [w.dsl, w.visitor]) {
      const [n] = await w.noticesFor(member, 'plan.core-group');
      expect(n?.message).toBe('You are in the core group of a child protection plan. The first core group meeting is due by 3 December 2026.');
      expect(n?.message).not.toMatch(/Ava|Reed/);
    }
    const [seen] = (await listNotifications(w.dsl)).filter((n) => n.kind === 'plan.core-group');
    expect(seen?.child).toMatchObject({ personId: w.avaAtSchool.id, name: 'Ava Reed' });

    // The school's lead reads the plan: outline, what each agency does by when, contingency, the key worker and the review date.
    const plan = await getPlan(w.dsl, planId);
    expect(plan).toMatchObject({
      status: 'current', child: { personId: w.avaAtSchool.id }, nextReviewDate: '2027-02-19', firstCoreGroupDue: '2026-12-03',
      version: { version: 1, conferenceKind: 'initial', categories: ['physical_abuse'], leadAgency: { name: "Northshire Children's Social Care" }, keyWorker: { name: 'Rachel Dunn' }, contingencyPlan: expect.stringContaining('strategy discussion') },
    });
    expect(plan.version.coreGroup.map((m) => `${m.name}, ${m.agencyName}`)).toEqual(['Rachel Dunn, Northshire Children\'s Social Care', 'Sarah Khan, Northshire Primary School', 'Priya Shah, Northshire Health Visiting']);
    expect(plan.version.outlineItems).toEqual([
      { agencyId: w.school, agencyName: 'Northshire Primary School', what: expect.stringContaining('every morning'), byWhen: '2026-12-18' },
      { agencyId: w.hv, agencyName: 'Northshire Health Visiting', what: 'Visit fortnightly and weigh Ava', byWhen: '2027-01-29' },
    ]);
    // Through her own child's page: the plan's summary.
    expect(await childPlans(w.dsl, w.avaAtSchool.id)).toEqual([expect.objectContaining({ id: planId, status: 'current', keyWorkerName: 'Rachel Dunn', nextReviewDate: '2027-02-19', version: 1 })]);
    expect(await listEpisodePlans(w.visitor, w.episode.id)).toHaveLength(1);
    // The police were invited: they read it too. A school in another partnership does not: 404, as if there were no plan.
    await expect(getPlan(w.officer, planId)).resolves.toMatchObject({ id: planId });
    await expect(getPlan(w.stranger, planId)).rejects.toMatchObject({ status: 404 });
    await expect(listEpisodePlans(w.stranger, w.episode.id)).rejects.toMatchObject({ status: 404 });
    expect(await childPlans(w.stranger, w.avaAtSchool.id).catch(() => [])).toEqual([]);

    // The lawful basis: a share decision recorded by the process, statutory duty, counted like any other.
    const decisions = (await t.db().query<{ legal_basis: string; outcome: string; n: number }>(`SELECT legal_basis, outcome, count(*)::int AS n FROM share_decision GROUP BY 1, 2`)).rows;
    expect(decisions).toEqual([{ legal_basis: 'statutory_duty', outcome: 'share', n: 1 }]);
    const report = await sharingBoardReport(w.dsl, { partnershipId: w.p, from: '2026-11-01', to: '2026-11-30' });
    const cscFigures = report.agencies.find((a) => a.agencyId === w.csc)!.figures;
    expect(cscFigures.decisions).toMatchObject({ total: 1, byOutcome: { share: 1 }, byLegalBasis: { statutory_duty: 1 } });

    // The first review (Friday 19 February 2027) changes the plan and the police are no longer invited: version 2; the police lose it.
    await w.conference('2027-02-19T10:00:00Z', 'review', [w.csc, w.school, w.hv], w.planDetails([w.dsl, w.visitor], { outlinePlan: 'Ava is safe at home; her mother attends the parenting course.' }));
    const v2 = await getPlan(w.dsl, planId);
    expect(v2).toMatchObject({ version: { version: 2, conferenceKind: 'review', outlinePlan: expect.stringContaining('parenting course') }, nextReviewDate: '2027-08-19', reviewsHeld: ['2027-02-19T10:00:00.000Z'] });
    expect((await getPlan(w.dsl, planId, 1)).version.outlinePlan).toContain('health appointment');
    await expect(getPlan(w.officer, planId)).rejects.toMatchObject({ status: 404 });
    await expect(getPlan(w.dsl, planId, 3)).rejects.toMatchObject({ status: 422 });

    // The plan ends (68.4): the school and the health visitor are told; the plan stays readable, marked ended.
    await w.act(w.manager, w.episode, '2027-08-19T12:00:00Z', { type: 'plan_ended', reason: 'review_decision', childInNeedPlan: true });
    for (const member of [w.dsl, w.visitor]) {
      const [n] = await w.noticesFor(member, 'episode.plan-ended');
      expect(n).toMatchObject({ entity_type: 'plan', entity_id: planId });
      expect(n?.message).not.toMatch(/Ava|Reed/);
    }
    const ended = (await listNotifications(w.visitor)).find((n) => n.kind === 'episode.plan-ended');
    expect(ended?.child).toMatchObject({ personId: w.avaWithHv.id, name: 'Ava Reed' });
    expect(await getPlan(w.dsl, planId)).toMatchObject({ status: 'ended', nextReviewDate: null });
  });

  it('the core group may be of any agency in the partnership, and of no other (422 naming the member)', async () => {
    const w = await planWorld(t.db());
    const other = await w.conference('2026-11-19T10:00:00Z', 'initial', [w.csc, w.school], w.planDetails([w.stranger])).catch((e: unknown) => e);
    expect(other).toMatchObject({ status: 422, errors: [expect.objectContaining({ pointer: '/action/planDetails/coreGroup/1' })] });
    // Without structured items, the free-text outline plan alone is still a plan.
    const old = { ...w.planDetails([w.teacher]), outlineItems: undefined };
    await w.conference('2026-11-19T10:00:00Z', 'initial', [w.csc, w.school], old as unknown as ReturnType<typeof w.planDetails>);
    expect((await getPlan(w.teacher, await w.planOf())).version.outlineItems).toEqual([]);
  });
});
