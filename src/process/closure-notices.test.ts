import { describe, expect, it } from 'vitest';
import { closedWithMonitoring } from '../../test/closure-cast.ts';
import { useTestDb } from '../../test/db.ts';
import { listNotifications } from '../sharing/notifications.ts';
import type { ActorContext } from '../shared/context.ts';
import { acknowledgeClosureNotice, chaseClosureNotices, getClosureNotice, listClosureNotices } from './closure-notices.ts';

const told = async (ctx: ActorContext, kind: string): Promise<string[]> => (await listNotifications(ctx)).filter((n) => n.kind === kind).map((n) => n.message);

describe('closure notices: read, acknowledged, chased and escalated', () => {
  const t = useTestDb();

  it('the notice names the child as each agency knows them, how and why the case closed, who monitors and when the next check is due; anyone else is answered not found', async () => {
    const c = await closedWithMonitoring(t.db());
    const [received] = await listClosureNotices(c.healthVisitor, { direction: 'received' });
    expect(received?.child).toEqual({ personId: c.hvLily.id, name: 'Lily Fletcher', unborn: false, dateOfBirth: '2027-02-20', expectedDate: null, motherName: null });
    const notice = await getClosureNotice(c.healthVisitor, received!.id);
    expect(notice).toMatchObject({
      direction: 'received', endedBy: 'The case was closed', noAccessVisits: 2, monitoringPractitionerName: 'Health visitor', monitoringAgencyName: 'Health visiting',
      checks: 'See Lily at home', everyDays: 14, startsOn: '2027-04-26', endsOn: '2027-07-31', nextDueOn: '2027-05-10', arrangementStatus: 'active',
    });
    // The closing authority sees the one it sent, about its own entry; the "received" list leaves it out.
    expect((await getClosureNotice(c.socialWorker, received!.id)).child?.personId).toBe(c.lily.id);
    expect((await listClosureNotices(c.socialWorker, { direction: 'received' }))).toEqual([]);
    await expect(getClosureNotice(c.teacher, received!.id)).rejects.toMatchObject({ status: 404 });
    await expect(getClosureNotice(c.probationOfficer, received!.id)).rejects.toMatchObject({ status: 404 });
  });

  it('one not acknowledged is chased after one working day (to the monitor, or to the leads who were told) and escalated to the leads after two, once each; an acknowledged one is left alone', async () => {
    const c = await closedWithMonitoring(t.db());
    // Monday 26 April 2027; the same day nothing happens.
    expect(await chaseClosureNotices(c.s, c.clock.now())).toEqual({ reminded: [], escalated: [] });
    const [toProbation] = await listClosureNotices(c.probationOfficer);
    await acknowledgeClosureNotice(c.probationOfficer, toProbation!.id, { note: 'Will tell the health visitor if Maggie misses supervision' });

    c.clock.set('2027-04-27T08:00:00Z');
    const first = await chaseClosureNotices(c.s, c.clock.now());
    expect(first.reminded).toHaveLength(1);
    expect(await chaseClosureNotices(c.s, c.clock.now())).toEqual({ reminded: [], escalated: [] });
    expect(await told(c.healthVisitor, 'closure-notice.reminder')).toEqual(['Reminder: a case closure notice sent on 26 April 2027 has not been acknowledged yet.']);
    expect(await told(c.hvLead, 'closure-notice.reminder')).toEqual([]);
    expect(await told(c.probationLead, 'closure-notice.reminder')).toEqual([]);

    c.clock.set('2027-04-28T08:00:00Z');
    const second = await chaseClosureNotices(c.s, c.clock.now());
    expect(second).toEqual({ reminded: [], escalated: first.reminded });
    expect(await chaseClosureNotices(c.s, c.clock.now())).toEqual({ reminded: [], escalated: [] });
    expect(await told(c.hvLead, 'closure-notice.escalated')).toEqual([
      'A case closure notice sent to your agency on 26 April 2027 has not been acknowledged after 2 working days. Please make sure it is acknowledged.',
    ]);
    expect(await told(c.healthVisitor, 'closure-notice.escalated')).toEqual([]);
    const [escalated] = await listClosureNotices(c.hvLead, { direction: 'received' });
    expect(escalated).toMatchObject({ remindedAt: '2027-04-27T08:00:00.000Z', escalatedAt: '2027-04-28T08:00:00.000Z', acknowledgedAt: null });
  });

  it('working days skip the weekend and bank holidays: closed on a Friday before a bank holiday Monday, the escalation waits until Wednesday', async () => {
    const c = await closedWithMonitoring(t.db());
    // Move the notice to Friday 30 April 2027 (Monday 3 May is the early May bank holiday).
    await t.db().query("UPDATE closure_notice SET notified_at = '2027-04-30T15:00:00Z'");
    for (const [at, reminded, escalated] of [['2027-05-03T12:00:00Z', 0, 0], ['2027-05-04T12:00:00Z', 2, 0], ['2027-05-05T12:00:00Z', 0, 2]] as const) {
      c.clock.set(at);
      const r = await chaseClosureNotices(c.s, c.clock.now());
      expect([r.reminded.length, r.escalated.length], at).toEqual([reminded, escalated]);
    }
  });
});
