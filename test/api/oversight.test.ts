import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DueSummary, OverdueAlert, raiseOverdueAlerts } from '../../src/process/alerts.ts';
import { openEpisode, recordEpisodeAction } from '../../src/process/episodes.ts';
import { RecordAction } from '../../src/process/schemas.ts';
import { TIMESCALE_CSV_HEADER, TimescaleReport } from '../../src/process/timescales.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, person, practitioner, services } from '../fixtures.ts';
import { bearer, testApp } from './helpers.ts';

const act = (key: string, occurredAt: string, action: Record<string, unknown>): RecordAction => RecordAction.parse({ idempotencyKey: key, occurredAt, action });

describe("managers' oversight of the process over HTTP", () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** An initial conference due on Tuesday 5 January 2027, still not held on the 6th. */
  async function setUp() {
    // Circulating the strategy record is the sending (issue 18), recorded at the time sent: the clock starts there.
    const clock = fixedClock('2026-12-11T12:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const worker = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const manager = await practitioner(s, csc, ['manager'], 'Grace Okafor');
    const auditor = await practitioner(s, csc, ['auditor']);
    const child = await person(worker, { names: [{ givenNames: 'Kai', familyName: 'Smith' }] });
    const e = await openEpisode(worker, { idempotencyKey: 'ref', childPersonId: child.id, receivedAt: '2026-12-01T09:00:00Z', channel: 'written', allocatedWorkerId: worker.actor.practitionerId, team: 'Assessment' });
    await recordEpisodeAction(worker, e.id, act('ack', '2026-12-01T10:00:00Z', { type: 'referral_acknowledged' }));
    await recordEpisodeAction(manager, e.id, act('decide', '2026-12-01T14:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'Injury' }));
    await recordEpisodeAction(worker, e.id, act('sd', '2026-12-10T12:00:00Z', { type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: csc }], policeInvestigation: false, immediateSafety: 'x', familyToBeTold: 'y' }));
    await recordEpisodeAction(worker, e.id, act('circ', '2026-12-11T12:00:00Z', { type: 'strategy_record_circulated' }));
    clock.set('2026-12-18T16:00:00Z');
    await recordEpisodeAction(worker, e.id, act('s47', '2026-12-18T12:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'z' }));
    clock.set('2027-01-06T09:00:00Z');
    app = await testApp(s);
    return { app, s, clock, csc, worker, manager, auditor, child, episodeId: e.id };
  }

  const get = async (a: FastifyInstance, ctx: ActorContext, url: string) => a.inject({ method: 'GET', url: `/api/v1${url}`, headers: await bearer(ctx) });
  const acknowledge = async (a: FastifyInstance, ctx: ActorContext, id: string, payload: unknown) =>
    a.inject({ method: 'POST', url: `/api/v1/oversight/alerts/${id}/acknowledgement`, headers: { ...(await bearer(ctx)), 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

  it('the sweep raises the alert, it appears in GET /oversight/alerts, and a manager acknowledges it: who and when are recorded', async () => {
    const w = await setUp();
    expect(await raiseOverdueAlerts(w.s)).toEqual({ raised: 1, resolved: 0 });
    const res = await get(w.app, w.manager, '/oversight/alerts');
    expect(res.statusCode).toBe(200);
    const alerts = res.json().map((a: unknown) => OverdueAlert.parse(a));
    expect(alerts).toEqual([expect.objectContaining({ episodeId: w.episodeId, childPersonId: w.child.id, stepKey: 'initial_conference', dueDate: '2027-01-05', status: 'open', acknowledged: null })]);

    w.clock.set('2027-01-06T11:30:00Z');
    const ack = await acknowledge(w.app, w.manager, alerts[0].id, { note: 'Conference on 8 January' });
    expect(ack.statusCode).toBe(200);
    expect(ack.json().acknowledged).toEqual({ at: '2027-01-06T11:30:00.000Z', byPractitionerId: w.manager.actor.practitionerId, byName: 'Grace Okafor', note: 'Conference on 8 January' });
    expect((await get(w.app, w.manager, '/oversight/alerts')).json()).toEqual([]);
    expect((await get(w.app, w.manager, '/oversight/alerts?status=all')).json()).toEqual([ack.json()]);
    // An auditor sees the figures, not the alerts: each names a child (issue 16).
    expect((await get(w.app, w.auditor, '/oversight/alerts?status=all')).statusCode).toBe(403);
    expect((await get(w.app, w.auditor, '/oversight/due-summary')).statusCode).toBe(200);
    expect((await acknowledge(w.app, w.manager, alerts[0].id, {})).statusCode).toBe(409);
  });

  it('a social worker cannot acknowledge (answered as for no such alert) nor list the alerts (403)', async () => {
    const w = await setUp();
    await raiseOverdueAlerts(w.s);
    const [alert] = (await get(w.app, w.manager, '/oversight/alerts')).json<OverdueAlert[]>();
    const res = await acknowledge(w.app, w.worker, alert!.id, {});
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ type: 'https://jigsaw.example/problems/not-found', title: 'Not found', status: 404, detail: 'No alert with that identifier was found.' });
    expect((await acknowledge(w.app, w.worker, '00000000-0000-4000-8000-000000000000', {})).json()).toEqual(res.json());
    const list = await get(w.app, w.worker, '/oversight/alerts');
    expect(list.statusCode).toBe(403);
    expect(list.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await get(w.app, w.manager, '/oversight/alerts')).json()[0]).toMatchObject({ status: 'open', acknowledged: null });
  });

  it('GET /oversight/due-summary counts what is due and overdue for the authority, by team and by worker', async () => {
    const w = await setUp();
    const res = await get(w.app, w.manager, '/oversight/due-summary');
    expect(res.statusCode).toBe(200);
    const summary = DueSummary.parse(res.json());
    expect(summary).toMatchObject({ today: '2027-01-06', weekEnds: '2027-01-10', authority: { overdue: 1, dueToday: 0, dueThisWeek: 0, open: 1 } });
    expect(summary.byTeam).toEqual([{ team: 'Assessment', overdue: 1, dueToday: 0, dueThisWeek: 0, open: 1 }]);
    expect(summary.byWorker).toEqual([{ workerId: w.worker.actor.practitionerId, workerName: 'Rachel Dunn', overdue: 1, dueToday: 0, dueThisWeek: 0, open: 1 }]);
    expect((await get(w.app, w.worker, '/oversight/due-summary')).statusCode).toBe(403);
  });

  it('GET /oversight/timescales gives the figures as JSON and as CSV', async () => {
    const w = await setUp();
    const json = await get(w.app, w.auditor, '/oversight/timescales?from=2026-12-01&to=2026-12-31');
    expect(json.statusCode).toBe(200);
    const report = TimescaleReport.parse(json.json());
    expect(report.steps.find((s) => s.key === 'strategy_discussion')).toMatchObject({ completed: 1, onTime: 0, late: 1, medianWorkingDaysLate: 7, maxWorkingDaysLate: 7 });
    expect(report.total).toMatchObject({ completed: 4, onTime: 3, late: 1, overdueAtEnd: 0 });

    const csv = await get(w.app, w.manager, '/oversight/timescales.csv?from=2026-12-01&to=2026-12-31');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="timescales-2026-12-01-to-2026-12-31.csv"');
    const lines = csv.body.split('\r\n');
    expect(lines[0]).toBe(TIMESCALE_CSV_HEADER.join(','));
    expect(lines).toContain('Strategy discussion held (after urgent action or decision),"23.1, 26",1,0,1,7,7,0');
    expect(lines.at(-2)).toBe('All statutory steps,,4,3,1,7,7,0');
  });

  it('refuses an impossible period and unknown parameters, naming the field', async () => {
    const w = await setUp();
    const backwards = await get(w.app, w.manager, '/oversight/timescales?from=2027-01-31&to=2027-01-01');
    expect(backwards.statusCode).toBe(422);
    expect(backwards.json().errors).toEqual([{ pointer: '/query/from', detail: 'The period must start on or before its last day (to)' }]);
    const bad = await get(w.app, w.manager, '/oversight/timescales.csv?from=2027-02-31&to=2027-03-01&agency=x');
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors).toEqual(expect.arrayContaining([{ pointer: '/query/from', detail: 'This date does not exist' }]));
    expect((await get(w.app, w.manager, '/oversight/alerts?status=closed')).statusCode).toBe(422);
    expect((await get(w.app, w.manager, '/oversight/due-summary?team=x')).statusCode).toBe(422);
  });
});
