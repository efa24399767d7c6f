import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { verifyAuditChain } from '../audit/audit.ts';
import { fixedClock } from '../shared/clock.ts';
import type { ActorContext } from '../shared/context.ts';
import { acknowledgeAlert, dueSummary, listAlerts, raiseOverdueAlerts, weekEnding } from './alerts.ts';
import { openEpisode, recordEpisodeAction } from './episodes.ts';
import { RecordAction } from './schemas.ts';

const act = (key: string, occurredAt: string, action: Record<string, unknown>): RecordAction => RecordAction.parse({ idempotencyKey: key, occurredAt, action });

describe("managers' alerts for overdue statutory steps", () => {
  const t = useTestDb();

  async function authority() {
    const clock = fixedClock('2026-12-01T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const police = await agency(s, p, 'police', 'Northshire Police');
    const worker = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const manager = await practitioner(s, csc, ['manager'], 'Grace Okafor');
    const deputy = await practitioner(s, csc, ['manager', 'social_worker'], 'Tom Reyes');
    const auditor = await practitioner(s, csc, ['auditor'], 'Ann Audit');
    const policeManager = await practitioner(s, police, ['manager'], 'Inspector Lane');
    const baby = await person(worker, { kind: 'unborn', names: [{ familyName: 'Baby of Maggie' }], dateOfBirth: undefined, expectedDateOfDelivery: '2027-02-20' });
    return { clock, s, csc, police, worker, manager, deputy, auditor, policeManager, baby };
  }
  type Authority = Awaited<ReturnType<typeof authority>>;

  /** Case example 8 up to the end of the s47 enquiry: the initial conference is due on Tuesday 5 January 2027. */
  async function awaitingConference(c: Authority): Promise<string> {
    c.clock.set('2026-12-10T17:00:00Z');
    const e = await openEpisode(c.worker, { idempotencyKey: 'ref', childPersonId: c.baby.id, receivedAt: '2026-12-01T09:00:00Z', channel: 'written', allocatedWorkerId: c.worker.actor.practitionerId, team: 'Assessment' });
    await recordEpisodeAction(c.worker, e.id, act('ack', '2026-12-01T10:00:00Z', { type: 'referral_acknowledged' }));
    await recordEpisodeAction(c.manager, e.id, act('decide', '2026-12-01T14:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'History of violence' }));
    await recordEpisodeAction(c.worker, e.id, act('sd', '2026-12-10T12:00:00Z', {
      type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: c.csc }, { agencyId: c.police }], policeInvestigation: false, immediateSafety: 'None', familyToBeTold: 'Tomorrow',
    }));
    // Circulating is the sending (issue 18): recorded at the time sent (the clock stands at it).
    await recordEpisodeAction(c.worker, e.id, act('circ', '2026-12-10T17:00:00Z', { type: 'strategy_record_circulated' }));
    c.clock.set('2026-12-18T16:00:00Z');
    const view = await recordEpisodeAction(c.worker, e.id, act('s47', '2026-12-18T12:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'Risk continues' }));
    expect(view.state.steps.map((s) => [s.key, s.due])).toEqual([['initial_conference', '2027-01-05']]);
    return e.id;
  }

  const conference = (c: Authority, key: string, at: string): RecordAction => act(key, at, {
    type: 'conference_held', kind: 'pre_birth', plan: true, invitedAgencyIds: [c.csc, c.police], parentsParticipation: 'Maggie attended',
    planDetails: { category: 'physical_abuse', leadAgencyId: c.csc, keyWorkerId: c.worker.actor.practitionerId, coreGroup: [c.worker.actor.practitionerId], outlinePlan: 'Visits', contingencyPlan: 'Strategy discussion' },
  });

  const notices = async (ctx: ActorContext) => (await t.db().query<{ kind: string; entity_type: string; entity_id: string; message: string }>(
    'SELECT kind, entity_type, entity_id, message FROM notification WHERE practitioner_id = $1 ORDER BY created_at', [ctx.actor.practitionerId])).rows;

  it('an initial conference due on a date passes: the sweep raises one alert that each manager sees, once however often and however concurrently it runs, and tells the managers without naming the child', async () => {
    const c = await authority();
    const episodeId = await awaitingConference(c);
    // Due on the 5th: not overdue until the day is over.
    expect(await raiseOverdueAlerts(c.s, new Date('2027-01-05T23:30:00Z'))).toEqual({ raised: 0, resolved: 0 });
    c.clock.set('2027-01-06T09:00:00Z');
    // Two sweeps and a manager opening the list, all at once: exactly one of them raises it.
    const [first, second, listed] = await Promise.all([raiseOverdueAlerts(c.s), raiseOverdueAlerts(c.s), listAlerts(c.manager)]);
    expect(listed.map((a) => a.stepKey)).toEqual(['initial_conference']);
    expect(first.raised + second.raised).toBeLessThanOrEqual(1);
    const again = await Promise.all([raiseOverdueAlerts(c.s), raiseOverdueAlerts(c.s), raiseOverdueAlerts(c.s)]);
    expect(again).toEqual([{ raised: 0, resolved: 0 }, { raised: 0, resolved: 0 }, { raised: 0, resolved: 0 }]);
    expect((await t.db().query('SELECT 1 FROM overdue_alert')).rowCount).toBe(1);

    const seen: string[] = [];
    for (const m of [c.manager, c.deputy]) {
      const alerts = await listAlerts(m);
      seen.push(alerts[0]!.id);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({
        episodeId, childPersonId: c.baby.id, allocatedWorkerId: c.worker.actor.practitionerId, team: 'Assessment',
        stepKey: 'initial_conference', dueDate: '2027-01-05', dueAt: null, paragraph: '44.1', status: 'open', resolved: null, acknowledged: null,
      });
      const mine = await notices(m);
      expect(mine).toEqual([{ kind: 'alert.overdue', entity_type: 'overdue_alert', entity_id: alerts[0]!.id, message: expect.stringContaining('(due 5 January 2027)') }]);
      expect(mine[0]!.message).not.toMatch(/Maggie|Baby/);
    }
    // Only the authority's managers are told.
    expect(await notices(c.worker)).toEqual([]);
    expect(await notices(c.policeManager)).toEqual([]);
    const audited = (await t.db().query<{ action: string; entity_id: string; person_id: string | null; actor_practitioner_id: string | null }>(
      "SELECT action, entity_id, person_id, actor_practitioner_id FROM audit_event WHERE action LIKE 'alert.%' ORDER BY seq")).rows;
    expect(seen[0]).toBe(seen[1]);
    expect(audited[0]).toEqual({ action: 'alert.raise', entity_id: seen[0], person_id: c.baby.id, actor_practitioner_id: null });
    expect(audited.filter((a) => a.action === 'alert.raise')).toHaveLength(1);
    expect(audited.filter((a) => a.action === 'alert.list').map((a) => a.actor_practitioner_id)).toEqual([c.manager.actor.practitionerId, c.manager.actor.practitionerId, c.deputy.actor.practitionerId]);
    expect((await verifyAuditChain(t.db())).ok).toBe(true);
  });

  it('a step that became overdue since the last sweep is already in the list, and a prompt for the referrer never raises an alert', async () => {
    const c = await authority();
    await openEpisode(c.worker, { idempotencyKey: 'ref', childPersonId: c.baby.id, receivedAt: '2026-12-01T09:00:00Z', channel: 'written' });
    c.clock.set('2026-12-08T09:00:00Z');
    // No sweep has run: listing refreshes the authority's alerts first.
    const alerts = await listAlerts(c.manager);
    expect(alerts.map((a) => [a.stepKey, a.dueDate])).toEqual([['acknowledgement', '2026-12-02'], ['referral_decision', '2026-12-02']]);
    expect(await raiseOverdueAlerts(c.s)).toEqual({ raised: 0, resolved: 0 });
    expect((await notices(c.manager)).map((n) => n.kind)).toEqual(['alert.overdue', 'alert.overdue']);
  });

  it('acknowledging records who and when, once; the alert leaves the open list and stays in the history', async () => {
    const c = await authority();
    await awaitingConference(c);
    c.clock.set('2027-01-06T09:00:00Z');
    await raiseOverdueAlerts(c.s);
    const [alert] = await listAlerts(c.manager);
    c.clock.set('2027-01-06T10:15:00Z');
    const done = await acknowledgeAlert(c.deputy, alert!.id, 'Conference booked for 8 January; chair was ill');
    expect(done).toMatchObject({
      id: alert!.id, status: 'acknowledged',
      acknowledged: { at: '2027-01-06T10:15:00.000Z', byPractitionerId: c.deputy.actor.practitionerId, byName: 'Tom Reyes', note: 'Conference booked for 8 January; chair was ill' },
    });
    await expect(acknowledgeAlert(c.manager, alert!.id)).rejects.toMatchObject({ status: 409 });
    expect(await listAlerts(c.manager)).toEqual([]);
    expect(await listAlerts(c.manager, 'all')).toEqual([done]);
    const entry = (await t.db().query<{ actor_practitioner_id: string; person_id: string; detail: Record<string, unknown> }>(
      "SELECT actor_practitioner_id, person_id, detail FROM audit_event WHERE action = 'alert.acknowledge' AND outcome = 'success'")).rows;
    expect(entry).toEqual([{ actor_practitioner_id: c.deputy.actor.practitionerId, person_id: c.baby.id, detail: { episodeId: alert!.episodeId, note: true } }]);
  });

  it('a social worker, an auditor and another agency\'s manager cannot acknowledge: answered as for no such alert, and the refusal is audited', async () => {
    const c = await authority();
    await awaitingConference(c);
    c.clock.set('2027-01-06T09:00:00Z');
    await raiseOverdueAlerts(c.s);
    // The auditor may neither list the alerts (each names a child: issue 16) nor acknowledge one.
    await expect(listAlerts(c.auditor)).rejects.toMatchObject({ status: 403 });
    const [alert] = await listAlerts(c.manager);
    for (const ctx of [c.worker, c.auditor, c.policeManager]) {
      await expect(acknowledgeAlert(ctx, alert!.id)).rejects.toMatchObject({ status: 404, detail: 'No alert with that identifier was found.' });
    }
    await expect(acknowledgeAlert(c.manager, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ status: 404 });
    const refusals = (await t.db().query<{ actor_practitioner_id: string; outcome: string }>(
      "SELECT actor_practitioner_id, outcome FROM audit_event WHERE action = 'alert.acknowledge' ORDER BY seq")).rows;
    expect(refusals).toEqual([
      { actor_practitioner_id: c.worker.actor.practitionerId, outcome: 'denied' },
      { actor_practitioner_id: c.auditor.actor.practitionerId, outcome: 'denied' },
      { actor_practitioner_id: c.policeManager.actor.practitionerId, outcome: 'denied' },
      { actor_practitioner_id: c.manager.actor.practitionerId, outcome: 'not_found' },
    ]);
    expect((await listAlerts(c.manager))[0]).toMatchObject({ status: 'open', acknowledged: null });
    // Nor may a social worker or another agency's manager list them.
    for (const ctx of [c.worker, c.policeManager]) await expect(listAlerts(ctx)).rejects.toMatchObject({ status: 403 });
  });

  it('when the step is done the alert is resolved but kept, still awaiting acknowledgement, with when the step was done', async () => {
    const c = await authority();
    const episodeId = await awaitingConference(c);
    c.clock.set('2027-01-06T09:00:00Z');
    await raiseOverdueAlerts(c.s);
    c.clock.set('2027-01-08T16:00:00Z');
    await recordEpisodeAction(c.manager, episodeId, conference(c, 'icpc', '2027-01-08T10:00:00Z'));
    expect(await raiseOverdueAlerts(c.s)).toEqual({ raised: 0, resolved: 1 });
    const [alert] = await listAlerts(c.manager);
    expect(alert).toMatchObject({ stepKey: 'initial_conference', status: 'open', resolved: { at: '2027-01-08T16:00:00.000Z', reason: 'step_completed', stepCompletedAt: '2027-01-08T10:00:00.000Z' } });
    expect(await raiseOverdueAlerts(c.s)).toEqual({ raised: 0, resolved: 0 });
    expect((await verifyAuditChain(t.db())).ok).toBe(true);
  });

  it('a conference put back by a further strategy discussion resolves the old alert as rescheduled and raises one for the new date when that passes', async () => {
    const c = await authority();
    const episodeId = await awaitingConference(c);
    c.clock.set('2027-01-06T09:00:00Z');
    await raiseOverdueAlerts(c.s);
    await recordEpisodeAction(c.worker, episodeId, act('sd2', '2027-01-06T08:00:00Z', {
      type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: c.csc }], policeInvestigation: true, immediateSafety: 'New information', familyToBeTold: 'Today',
    }));
    expect(await raiseOverdueAlerts(c.s)).toEqual({ raised: 0, resolved: 1 });
    // The record of the new discussion is due the next working day; the conference 15 working days on.
    c.clock.set('2027-01-28T09:00:00Z');
    await raiseOverdueAlerts(c.s);
    const all = await listAlerts(c.manager, 'all');
    expect(all.map((a) => [a.stepKey, a.dueDate, a.resolved?.reason ?? null])).toEqual(expect.arrayContaining([
      ['initial_conference', '2027-01-05', 'rescheduled'], ['strategy_record', '2027-01-07', null], ['initial_conference', '2027-01-27', null],
    ]));
    expect(all).toHaveLength(3);
  });

  it('many new alerts at once are told to each manager as one digest', async () => {
    const c = await authority();
    for (let i = 0; i < 25; i++) {
      const child = await person(c.worker, { names: [{ givenNames: `Child ${i}`, familyName: 'Smith' }] });
      await openEpisode(c.worker, { idempotencyKey: `r${i}`, childPersonId: child.id, receivedAt: '2026-12-01T09:00:00Z', channel: 'written' });
    }
    c.clock.set('2026-12-08T09:00:00Z');
    expect(await raiseOverdueAlerts(c.s)).toEqual({ raised: 50, resolved: 0 });
    expect(await notices(c.manager)).toEqual([{ kind: 'alert.overdue-digest', entity_type: 'agency', entity_id: c.csc, message: '50 statutory steps have become overdue. Review and acknowledge them in the oversight alerts.' }]);
    expect((await verifyAuditChain(t.db())).ok).toBe(true);
    expect((await t.db().query("SELECT 1 FROM audit_event WHERE action = 'alert.raise'")).rowCount).toBe(50);
  });

  it('the due summary counts what is due today, this week and overdue for the authority, each team and each worker', async () => {
    const c = await authority();
    const other = await practitioner(c.s, c.csc, ['social_worker'], 'Ola Bello');
    // Thursday 3 December: two referrals from the 1st (acknowledgement and decision due on the 2nd:
    // overdue), one from the 2nd (due today) and one from today (due Friday the 4th).
    c.clock.set('2026-12-03T12:00:00Z');
    const open = async (who: ActorContext, key: string, receivedAt: string, team: string | undefined) => {
      const child = await person(c.worker, { names: [{ givenNames: key, familyName: 'Smith' }] });
      await openEpisode(c.worker, { idempotencyKey: key, childPersonId: child.id, receivedAt, channel: 'written', allocatedWorkerId: who.actor.practitionerId, team });
    };
    await open(c.worker, 'a', '2026-12-01T09:00:00Z', 'Assessment');
    await open(other, 'b', '2026-12-01T09:00:00Z', 'Assessment');
    await open(other, 'c', '2026-12-02T09:00:00Z', 'Children in need');
    await open(c.worker, 'd', '2026-12-03T09:00:00Z', undefined);
    expect(weekEnding('2026-12-03')).toBe('2026-12-06');
    const summary = await dueSummary(c.manager);
    expect(summary).toMatchObject({ agencyId: c.csc, today: '2026-12-03', weekEnds: '2026-12-06' });
    expect(summary.authority).toEqual({ overdue: 4, dueToday: 2, dueThisWeek: 4, open: 8 });
    expect(summary.byTeam).toEqual([
      { team: 'Assessment', overdue: 4, dueToday: 0, dueThisWeek: 0, open: 4 },
      { team: 'Children in need', overdue: 0, dueToday: 2, dueThisWeek: 2, open: 2 },
      { team: null, overdue: 0, dueToday: 0, dueThisWeek: 2, open: 2 },
    ]);
    expect(summary.byWorker).toEqual([
      { workerId: other.actor.practitionerId, workerName: 'Ola Bello', overdue: 2, dueToday: 2, dueThisWeek: 2, open: 4 },
      { workerId: c.worker.actor.practitionerId, workerName: 'Rachel Dunn', overdue: 2, dueToday: 0, dueThisWeek: 2, open: 4 },
    ]);
    await expect(dueSummary(c.worker)).rejects.toMatchObject({ status: 403 });
    expect((await t.db().query<{ outcome: string }>("SELECT outcome FROM audit_event WHERE action = 'oversight.due-summary' ORDER BY seq")).rows.map((r) => r.outcome)).toEqual(['success', 'denied']);
  });
});
