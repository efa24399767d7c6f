import { describe, expect, it } from 'vitest';
import { closedWithMonitoring } from '../../test/closure-cast.ts';
import { useTestDb } from '../../test/db.ts';
import { listNotifications } from '../sharing/notifications.ts';
import type { ActorContext } from '../shared/context.ts';
import { clearMissedCheck, listAlerts, raiseMissedCheckAlerts } from './missed-checks.ts';
import { getArrangement, recordCheck } from './monitoring.ts';
import { MissedCheckReason } from './monitoring.schemas.ts';

const told = async (ctx: ActorContext): Promise<{ message: string; entityType: string }[]> =>
  (await listNotifications(ctx)).filter((n) => n.kind === 'monitoring.check-missed').map((n) => ({ message: n.message, entityType: n.entityType }));

describe('missed monitoring checks', () => {
  const t = useTestDb();

  it('the sweep tells the monitor, her safeguarding lead and the social worker who closed the case, once, naming nothing personal; each list names the child as its agency knows them', async () => {
    const c = await closedWithMonitoring(t.db());
    c.clock.set('2027-05-12T09:00:00Z');
    expect((await raiseMissedCheckAlerts(c.s, c.clock.now())).raised).toBe(1);
    expect((await raiseMissedCheckAlerts(c.s, c.clock.now())).raised).toBe(0);
    const expected = [{ message: 'A monitoring check was due on 10 May 2027 and has not been recorded.', entityType: 'monitoring_alert' }];
    for (const who of [c.healthVisitor, c.hvLead, c.socialWorker]) expect(await told(who)).toEqual(expected);
    for (const who of [c.otherHv, c.cscLead, c.probationOfficer, c.teacher]) expect(await told(who)).toEqual([]);

    // "Concerning me": the monitor, the lead of her agency and the social worker who closed the case; not a colleague of either.
    const mine = async (ctx: ActorContext) => listAlerts(ctx, { concerning: 'me' });
    expect((await mine(c.healthVisitor))[0]?.child).toMatchObject({ personId: c.hvLily.id, name: 'Lily Fletcher', dateOfBirth: '2027-02-20' });
    expect((await mine(c.hvLead))[0]?.child?.personId).toBe(c.hvLily.id);
    expect((await mine(c.socialWorker))[0]?.child?.personId).toBe(c.lily.id);
    expect(await mine(c.otherHv)).toEqual([]);
    expect(await mine(c.cscLead)).toEqual([]);
    // Probation was told of the closure: it sees the alert, about its own entry, but clears nothing.
    expect((await listAlerts(c.probationOfficer))[0]?.child?.personId).toBe(c.probationLily.id);
    expect(await listAlerts(c.teacher)).toEqual([]);
  });

  it('is cleared only by recording the check or by a reason: no reason, no clearing; only the monitoring agency; once', async () => {
    const c = await closedWithMonitoring(t.db());
    c.clock.set('2027-05-12T09:00:00Z');
    const [alertId] = (await raiseMissedCheckAlerts(c.s, c.clock.now())).alertIds;

    for (const reason of [undefined, '', '   ']) expect(MissedCheckReason.safeParse({ reason }).success).toBe(false);
    expect(MissedCheckReason.safeParse({ note: 'Seen' }).success).toBe(false);
    await expect(clearMissedCheck(c.socialWorker, alertId!, { reason: 'Not hers to clear' })).rejects.toMatchObject({ status: 403 });
    await expect(clearMissedCheck(c.teacher, alertId!, { reason: 'x' })).rejects.toMatchObject({ status: 404 });
    const cleared = await clearMissedCheck(c.hvLead, alertId!, { reason: 'Health visitor off sick; I will visit today' });
    expect(cleared).toMatchObject({ clearedBy: 'reason', acknowledgedByName: 'Named nurse', note: 'Health visitor off sick; I will visit today', child: { personId: c.hvLily.id } });
    await expect(clearMissedCheck(c.healthVisitor, alertId!, { reason: 'Again' })).rejects.toMatchObject({ status: 409 });
    // The social worker sees who cleared it and when, not the health service's words.
    expect((await listAlerts(c.socialWorker, { status: 'all' }))[0]).toMatchObject({ clearedBy: 'reason', note: null });
  });

  it('a check made (the child seen) clears every open missed check; a visit with no access clears none', async () => {
    const c = await closedWithMonitoring(t.db());
    c.clock.set('2027-05-12T09:00:00Z');
    await raiseMissedCheckAlerts(c.s, c.clock.now());
    const noAccess = await recordCheck(c.healthVisitor, c.arrangementId, { outcome: 'no_access', checkedAt: '2027-05-09T10:00:00Z', place: 'At home', note: 'No reply' });
    expect(noAccess.alerts.map((a) => a.acknowledgedAt)).toEqual([null]);
    const again = await recordCheck(c.healthVisitor, c.arrangementId, { outcome: 'no_access', checkedAt: '2027-05-11T10:00:00Z', note: 'No reply again' });
    // Still not seen: the check stays due and the missed check stays open.
    expect(again.nextDueOn).toBe('2027-05-10');
    expect(again.alerts.map((a) => a.clearedBy)).toEqual([null]);
    expect((await listAlerts(c.healthVisitor)).map((a) => a.dueOn)).toEqual(['2027-05-10']);
    c.clock.set('2027-05-30T09:00:00Z');
    const seen = await recordCheck(c.healthVisitor, c.arrangementId, { outcome: 'done', checkedAt: '2027-05-29T10:00:00Z', note: 'Seen' });
    expect(seen.nextDueOn).toBe('2027-06-12');
    expect(seen.alerts).toEqual([expect.objectContaining({ clearedBy: 'check', resolvedByCheckId: seen.checksMade.at(-1)!.id })]);
    expect(await listAlerts(c.healthVisitor)).toEqual([]);
    expect((await getArrangement(c.socialWorker, c.arrangementId)).checksMade.map((x) => [x.outcome, x.place, x.note])).toEqual([['no_access', null, null], ['no_access', null, null], ['done', null, null]]);
  });
});
