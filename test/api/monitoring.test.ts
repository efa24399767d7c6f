import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { openEpisode, recordEpisodeAction } from '../../src/process/episodes.ts';
import { raiseMissedCheckAlerts } from '../../src/process/missed-checks.ts';
import { RecordAction } from '../../src/process/schemas.ts';
import { addRecord } from '../../src/records/records.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { useTestDb } from '../db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../fixtures.ts';
import { bearer, testApp } from './helpers.ts';

describe('monitoring over HTTP', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const link = (a: string, b: string, by: ActorContext) =>
    t.db().query('INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at) VALUES ($1,$2,$3,$4,$5)', [randomUUID(), a, b, by.actor.practitionerId, by.clock.now().toISOString()]);

  /** Case example 3: Jack's school, its child protection lead, and the health visitor who visits the youngest child. */
  async function caseThree() {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', 'Riverside Primary');
    const hv = await agency(s, p, 'health_visiting', 'Health visiting');
    const teacher = await practitioner(s, school, ['practitioner'], 'Jack\'s teacher');
    const schoolLead = await practitioner(s, school, ['practitioner', 'safeguarding_lead'], 'Child protection lead');
    const healthVisitor = await practitioner(s, hv, ['practitioner'], 'Health visitor');
    const hvLead = await practitioner(s, hv, ['safeguarding_lead'], 'Named nurse');
    const jack = await person(teacher, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2022-04-22' });
    const hvJack = await person(healthVisitor, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2022-04-22' });
    await link(jack.id, hvJack.id, schoolLead);
    app = await testApp(s);
    const as = async (ctx: ActorContext) => {
      const headers = await bearer(ctx);
      return (method: 'GET' | 'POST', url: string, payload?: unknown) => app!.inject({ method, url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
    };
    return { clock, s, school, hv, teacher, schoolLead, healthVisitor, hvLead, jack, hvJack, as };
  }

  it("case example 3: the school and the health visitor agree to confer fortnightly; the check is recorded, a missed one is raised and acknowledged, and each agency sees the child as its own", async () => {
    const c = await caseThree();
    const lead = await c.as(c.schoolLead);
    const hv = await c.as(c.healthVisitor);
    const nurse = await c.as(c.hvLead);
    const teacher = await c.as(c.teacher);

    // A vague arrangement is refused, each field named.
    const vague = await lead('POST', '/monitoring-arrangements', { childPersonId: c.jack.id, responsibleAgencyId: c.hv, checks: '', everyDays: 'fortnightly', startsOn: '2026-03-02', agreedAgencyIds: [], later: true });
    expect(vague.statusCode).toBe(422);
    expect(vague.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(vague.json().errors).toEqual(expect.arrayContaining([
      { pointer: '/checks', detail: 'Say what will be checked (e.g. see the baby and confer with the school)' },
      { pointer: '/everyDays', detail: 'Say every how many days a check is due (14 for fortnightly)' },
      { pointer: '/endsOn', detail: 'This field is required' },
      { pointer: '/agreedAgencyIds', detail: 'Record which agencies agreed the arrangement' },
      { pointer: '/', detail: 'Unknown field(s): later' },
    ]));

    // "This arrangement is fully documented so that everyone is clear who is responsible."
    const made = await lead('POST', '/monitoring-arrangements', {
      childPersonId: c.jack.id, responsibleAgencyId: c.hv, responsiblePractitionerId: c.healthVisitor.actor.practitionerId,
      checks: "Confer with the school on Jack's weight, tiredness and lateness; offer the mother support", everyDays: 14,
      startsOn: '2026-03-02', endsOn: '2026-06-01', agreedAgencyIds: [c.school, c.hv], escalation: "Refer to children's social care if the children's care does not improve",
    });
    expect(made.statusCode).toBe(201);
    const arrangement = made.json();
    expect(arrangement).toMatchObject({ childPersonId: c.jack.id, responsibleAgencyName: 'Health visiting', responsiblePractitionerName: 'Health visitor', nextDueOn: '2026-03-16', overdue: false, status: 'active' });

    // The health visitor sees it about her own entry for Jack.
    const mine = await hv('GET', '/monitoring-arrangements?responsible=me');
    expect(mine.json().map((a: { id: string; childPersonId: string }) => [a.id, a.childPersonId])).toEqual([[arrangement.id, c.hvJack.id]]);

    // She confers with the school on the 16th; her note (the mother's health) stays with her service.
    c.clock.set('2026-03-16T16:00:00Z');
    const checked = await hv('POST', `/monitoring-arrangements/${arrangement.id}/checks`, { outcome: 'done', checkedAt: '2026-03-16T15:00:00Z', note: 'Spoke to the lead; mother accepting support for her low mood' });
    expect(checked.statusCode).toBe(201);
    expect(checked.json()).toMatchObject({ nextDueOn: '2026-03-30', lastCheck: { outcome: 'done', checkedAt: '2026-03-16T15:00:00.000Z' } });
    const seenBySchool = (await teacher('GET', `/monitoring-arrangements/${arrangement.id}`)).json();
    expect(seenBySchool.checksMade).toEqual([expect.objectContaining({ outcome: 'done', note: null, recordedByName: 'Health visitor' })]);
    // The school does not record the health visitor's checks.
    const notTheirs = await teacher('POST', `/monitoring-arrangements/${arrangement.id}/checks`, { outcome: 'done', checkedAt: '2026-03-16T15:00:00Z', note: 'x' });
    expect(notTheirs.statusCode).toBe(403);

    // The fortnight passes with no check: overdue at once, then one alert after the sweep.
    c.clock.set('2026-03-31T08:00:00Z');
    expect((await lead('GET', '/monitoring-arrangements?overdueOnly=true')).json().map((a: { id: string }) => a.id)).toEqual([arrangement.id]);
    await raiseMissedCheckAlerts(c.s, c.clock.now());
    await raiseMissedCheckAlerts(c.s, c.clock.now());
    const alerts = (await nurse('GET', '/monitoring-alerts')).json();
    expect(alerts).toEqual([expect.objectContaining({ arrangementId: arrangement.id, dueOn: '2026-03-30', acknowledgedAt: null })]);
    // Each agency's list names the child as its own index holds them (ChildSummary, as due steps do).
    expect(alerts[0].child).toEqual({ personId: c.hvJack.id, name: 'Jack Carver', unborn: false, dateOfBirth: '2022-04-22', expectedDate: null, motherName: null });
    expect((await lead('GET', '/monitoring-alerts')).json()[0].child).toMatchObject({ personId: c.jack.id, name: 'Jack Carver' });
    const ack = await nurse('POST', `/monitoring-alerts/${alerts[0].id}/acknowledge`, { reason: 'Health visitor off sick; I will confer with the school today' });
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({ acknowledgedByName: 'Named nurse', acknowledgedAt: '2026-03-31T08:00:00.000Z', clearedBy: 'reason' });
    expect((await nurse('GET', '/monitoring-alerts')).json()).toEqual([]);
    expect((await lead('GET', '/monitoring-alerts?status=all')).json()).toEqual([expect.objectContaining({ acknowledgedByName: 'Named nurse', note: null, clearedBy: 'reason' })]);
    // Once cleared, it stays cleared: a second clearing is a conflict, not a new reason.
    expect((await nurse('POST', `/monitoring-alerts/${alerts[0].id}/acknowledge`, { reason: 'Again' })).statusCode).toBe(409);

    // Bad addresses and queries are refused, naming what is wrong.
    expect((await nurse('GET', '/monitoring-alerts?status=closed')).json().errors).toEqual([{ pointer: '/query/status', detail: "Use 'open' (the default) or 'all'" }]);
    expect((await nurse('POST', '/monitoring-alerts/not-an-id/acknowledge', { reason: 'x' })).json().errors).toEqual([{ pointer: '/params/id', detail: 'Not a valid identifier' }]);
    expect((await app!.inject({ method: 'GET', url: '/api/v1/monitoring-arrangements' })).statusCode).toBe(401);

    // Ending it needs a reason.
    const noReason = await lead('POST', `/monitoring-arrangements/${arrangement.id}/end`, { reason: ' ' });
    expect(noReason.json().errors).toEqual([{ pointer: '/reason', detail: 'Say why the monitoring is ending' }]);
    const ended = await lead('POST', `/monitoring-arrangements/${arrangement.id}/end`, { reason: 'Attendance and weight improved; agreed at the review' });
    expect(ended.json()).toMatchObject({ status: 'ended', nextDueOn: null, overdue: false });
  });

  it("case example 8: closing after no-access visits without a monitoring agency is a 422 naming the field and the count; the safety summary and previous history are served", async () => {
    const clock = fixedClock('2027-02-24T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Children's Social Care");
    const hv = await agency(s, p, 'health_visiting', 'Health visiting');
    const socialWorker = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const healthVisitor = await practitioner(s, hv, ['practitioner', 'safeguarding_lead'], 'Health visitor');
    const lily = await person(socialWorker, { names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2027-02-20' });
    const hvLily = await person(healthVisitor, { names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2027-02-20' });
    await link(lily.id, hvLily.id, socialWorker);
    const e = await openEpisode(socialWorker, { idempotencyKey: 'r', childPersonId: lily.id, receivedAt: '2027-02-24T09:00:00Z', channel: 'written' });
    clock.set('2027-02-25T12:00:00Z');
    await recordEpisodeAction(socialWorker, e.id, RecordAction.parse({ idempotencyKey: 'd', occurredAt: '2027-02-24T12:00:00Z', action: { type: 'referral_decided', outcome: 'assessment', reasons: 'Midwife worried' } }));
    for (const at of ['2027-03-12T11:00:00Z', '2027-04-09T11:00:00Z']) {
      clock.set(at);
      await addRecord(socialWorker, lily.id, concern({ kind: 'home_visit', outcome: 'no_access', occurredAt: at, summary: 'No reply' }));
    }
    clock.set('2027-04-26T10:00:00Z');
    app = await testApp(s);
    const headers = await bearer(socialWorker);

    const summary = await app.inject({ method: 'GET', url: `/api/v1/episodes/${e.id}/safety-summary`, headers });
    expect(summary.statusCode).toBe(200);
    expect(summary.json()).toMatchObject({ episodeId: e.id, noAccessVisits: { count: 2 }, closureNeedsMonitoring: true });

    const close = (action: Record<string, unknown>) => app!.inject({ method: 'POST', url: `/api/v1/episodes/${e.id}/actions`, headers, payload: { idempotencyKey: randomUUID(), occurredAt: '2027-04-26T09:30:00Z', action: { type: 'case_closed', reasons: 'No further referrals', ...action } } });
    const refused = await close({});
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({
      status: 422, detail: 'This case cannot be closed without naming the agency that will monitor the child: 2 home visits with no access.',
      errors: [{ pointer: '/action/monitoringAgencyId', detail: 'Name the agency that will monitor the child, and what it will check: 2 home visits with no access (case example 8)' }],
    });
    const badPlan = await close({ monitoringAgencyId: hv, monitoringPractitionerId: healthVisitor.actor.practitionerId, arrangement: { checks: 'See Lily', everyDays: 0, endsOn: '2027-07-31', often: true } });
    expect(badPlan.json().errors).toEqual(expect.arrayContaining([{ pointer: '/action/arrangement/everyDays', detail: 'At least every day' }, { pointer: '/action/arrangement', detail: 'Unknown field(s): often' }]));
    const closed = await close({ monitoringAgencyId: hv, monitoringPractitionerId: healthVisitor.actor.practitionerId, arrangement: { checks: 'See Lily', everyDays: 14, endsOn: '2027-07-31' } });
    expect(closed.statusCode).toBe(200);
    expect(closed.json().state.stage).toBe('closed');

    const hvHeaders = await bearer(healthVisitor);
    const notices = (await app.inject({ method: 'GET', url: '/api/v1/closure-notices', headers: hvHeaders })).json();
    expect(notices).toEqual([expect.objectContaining({ direction: 'received', childPersonId: hvLily.id, noAccessVisits: 2, involvedBecause: ['linked_entry', 'monitoring'] })]);
    expect(notices[0].child).toMatchObject({ personId: hvLily.id, name: 'Lily Fletcher', dateOfBirth: '2027-02-20' });
    const one = await app.inject({ method: 'GET', url: `/api/v1/closure-notices/${notices[0].id}`, headers: hvHeaders });
    expect(one.json()).toMatchObject({ endedBy: 'The case was closed', checks: 'See Lily', nextDueOn: '2027-05-10', monitoringPractitionerName: 'Health visitor' });
    const ack = await app.inject({ method: 'POST', url: `/api/v1/closure-notices/${notices[0].id}/acknowledge`, headers: hvHeaders, payload: {} });
    expect(ack.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/v1/closure-notices', headers })).json()).toEqual([]);

    const history = await app.inject({ method: 'GET', url: `/api/v1/episodes/${e.id}/previous-history`, headers });
    expect(history.statusCode).toBe(200);
    expect(history.json()).toEqual([]);
    // Another agency cannot reach the episode's summary or history.
    expect((await app.inject({ method: 'GET', url: `/api/v1/episodes/${e.id}/previous-history`, headers: hvHeaders })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/api/v1/episodes/${e.id}/safety-summary`, headers: hvHeaders })).statusCode).toBe(404);

    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(doc.paths['/api/v1/monitoring-arrangements'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/NewMonitoringArrangement');
    expect(doc.components.schemas.NewMonitoringArrangement.additionalProperties).toBe(false);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/episodes/{id}/safety-summary', '/api/v1/episodes/{id}/previous-history', '/api/v1/closure-notices']));
  });
  it('cannot clear a missed check without a check or a reason: an empty or missing reason is a 422 naming the field; recording the check clears it', async () => {
    const c = await caseThree();
    const lead = await c.as(c.schoolLead);
    const hv = await c.as(c.healthVisitor);
    const made = (await lead('POST', '/monitoring-arrangements', {
      childPersonId: c.jack.id, responsibleAgencyId: c.hv, responsiblePractitionerId: c.healthVisitor.actor.practitionerId,
      checks: 'Confer with the school', everyDays: 14, startsOn: '2026-03-02', endsOn: '2026-06-01', agreedAgencyIds: [c.school, c.hv],
    })).json();
    c.clock.set('2026-03-18T08:00:00Z');
    await raiseMissedCheckAlerts(c.s, c.clock.now());
    const [alert] = (await hv('GET', '/monitoring-alerts')).json();
    expect(alert).toMatchObject({ arrangementId: made.id, dueOn: '2026-03-16', clearedBy: null, child: { name: 'Jack Carver' } });

    for (const body of [{}, { reason: '' }, { reason: '   ' }, { note: 'The old way' }]) {
      const refused = await hv('POST', `/monitoring-alerts/${alert.id}/acknowledge`, body);
      expect(refused.statusCode).toBe(422);
      expect(refused.json().errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer: '/reason' })]));
    }
    expect((await hv('GET', '/monitoring-alerts')).json()).toHaveLength(1);

    // Recording the check is the other way to clear it, and needs no reason.
    const checked = await hv('POST', `/monitoring-arrangements/${made.id}/checks`, { outcome: 'done', checkedAt: '2026-03-17T15:00:00Z', place: 'At school', note: 'Conferred with the lead' });
    expect(checked.statusCode).toBe(201);
    expect((await hv('GET', '/monitoring-alerts')).json()).toEqual([]);
    const [cleared] = (await hv('GET', '/monitoring-alerts?status=all')).json();
    expect(cleared).toMatchObject({ clearedBy: 'check', resolvedByCheckId: checked.json().checksMade[0].id, acknowledgedByName: 'Health visitor' });
    expect(checked.json().checksMade[0]).toMatchObject({ place: 'At school' });
    expect((await hv('POST', `/monitoring-alerts/${alert.id}/acknowledge`, { reason: 'Too late' })).statusCode).toBe(409);
  });
});
