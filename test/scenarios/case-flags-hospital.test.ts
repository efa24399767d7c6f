import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createFhirToken } from '../../src/fhir/tokens.ts';
import { fhirSchemaErrors } from '../../src/fhir/conformance.ts';
import { updateFlagSettings } from '../../src/flags/flags.ts';
import { childOnPlan, endPlan } from '../../src/flags/testing.ts';
import { deliverSeenNotifications, seenSettings, signWebhook } from '../../src/notifications/seen.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { bearer, testApp } from '../api/helpers.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, person, practitioner, services } from '../fixtures.ts';

interface Received { headers: IncomingHttpHeaders; body: string }

/** The authority's webhook receiver: a real HTTP server on 127.0.0.1 that is "down" (503) for its first answers. */
async function receiver(failFirst: number): Promise<{ url: string; received: Received[]; answered: number[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const answered: number[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      const status = answered.length < failFirst ? 503 : 200;
      answered.push(status);
      if (status === 200) received.push({ headers: req.headers, body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/jigsaw/child-was-seen`, received, answered, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('a child on a plan is seen at an emergency department in the next county', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await app?.close();
    await stop?.();
    app = undefined;
    stop = undefined;
  });

  it('the plan starts, the hospital sees the flag, the authority hears of it though its receiver was down twice, and after the plan ends the flag is no longer active', async () => {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const worker = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const manager = await practitioner(s, csc, ['manager'], 'Grace Okafor');
    const child = await person(worker, {
      names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2025-11-20', nhsNumber: '9990000018',
      addresses: [{ line1: 'Flat 9, Carlton House', town: 'Northshire', postcode: 'NS7 5JH' }],
    });
    const hook = await receiver(2);
    stop = hook.close;

    // The authority's manager gives its numbers and where notifications go; the signing secret is shown once.
    // The receiver here is on 127.0.0.1, which the operator lists in JIGSAW_WEBHOOK_HTTP_HOSTS (a real one is https on the internet).
    const settings = await updateFlagSettings(manager, { officeHoursPhone: '01632 960000', outOfHoursPhone: '07700 900999', webhookUrl: hook.url }, { webhookHttpHosts: ['127.0.0.1'] });
    expect(settings.webhookSecret).toMatch(/^jsw_/);
    // The hospital in the next county is given a system token for its emergency department.
    const ed = await createFhirToken(s, { settingName: 'Southdown General Hospital emergency department', settingType: 'emergency_department' });
    app = await testApp(s);
    const careTeams = async (): Promise<{ status: number; body: { total: number; entry?: { resource: Record<string, unknown> }[] } }> => {
      const res = await app!.inject({ method: 'GET', url: '/fhir/r4/CareTeam?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018', headers: { authorization: `Bearer ${ed.token}` } });
      expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
      const body = res.json<{ total: number; entry?: { resource: Record<string, unknown> }[] }>();
      expect(fhirSchemaErrors(body)).toEqual([]);
      return { status: res.statusCode, body };
    };

    // Before any plan the hospital sees nothing, and the authority is not told.
    expect((await careTeams()).body.total).toBe(0);

    // The social worker takes Lily through strategy discussion and s47 enquiry to an initial conference that makes a plan.
    const { episode, planStartedAt } = await childOnPlan(worker, clock, child.id, { cscId: csc });

    // Lily is brought to the emergency department: the flag, the authority and its numbers are shown, nothing of her records.
    clock.advanceMinutes(24 * 60);
    const seen = await careTeams();
    expect(seen.status).toBe(200);
    expect(seen.body.total).toBe(1);
    expect(seen.body.entry![0]!.resource).toMatchObject({
      resourceType: 'CareTeam', status: 'active', name: "Northshire Children's Social Care",
      category: [{ coding: [{ system: 'http://snomed.info/sct', code: '342191000000101', display: 'Subject to child protection plan' }] }],
      subject: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000018' }, display: 'Lily Fletcher' },
      telecom: [{ system: 'phone', value: '01632 960000', use: 'work' }, { system: 'phone', value: '07700 900999', use: 'mobile' }],
      period: { start: planStartedAt },
    });

    // The receiver is down: the first two deliveries are refused with 503 and retried with back-off.
    const deliveryOptions = { settings: { ...seenSettings({ JIGSAW_WEBHOOK_HTTP_HOSTS: '127.0.0.1' }), publicUrl: 'https://jigsaw.northshire.example' } };
    expect(await deliverSeenNotifications(s, deliveryOptions)).toMatchObject({ attempted: 1, delivered: 0 });
    expect(await deliverSeenNotifications(s, deliveryOptions)).toMatchObject({ attempted: 0 });
    clock.advanceMinutes(1);
    expect(await deliverSeenNotifications(s, deliveryOptions)).toMatchObject({ attempted: 1, delivered: 0 });
    clock.advanceMinutes(1);
    // Back-off doubles: nothing is due a minute later, everything two minutes after the second failure.
    expect(await deliverSeenNotifications(s, deliveryOptions)).toMatchObject({ attempted: 0 });
    clock.advanceMinutes(1);
    expect(await deliverSeenNotifications(s, deliveryOptions)).toMatchObject({ attempted: 1, delivered: 1 });
    expect(hook.answered).toEqual([503, 503, 200]);

    // What arrived: signed with the authority's secret, the setting, the time and the count of attendances, no name or NHS number.
    const [delivery] = hook.received;
    const timestamp = String(delivery!.headers['x-jigsaw-timestamp']);
    expect(delivery!.headers['x-jigsaw-signature']).toBe(signWebhook(settings.webhookSecret!, timestamp, delivery!.body));
    const payload = JSON.parse(delivery!.body) as Record<string, unknown>;
    expect(payload).toMatchObject({
      type: 'child-was-seen', authorityAgencyId: csc, childPersonId: child.id, attendancesLast12Months: 1, unscheduled: true,
      setting: { name: 'Southdown General Hospital emergency department', type: 'emergency_department' },
    });
    expect(payload.link).toMatch(/^https:\/\/jigsaw\.northshire\.example\/api\/v1\/seen-notifications\/[0-9a-f-]{36}$/);
    expect(delivery!.body).not.toMatch(/Lily|Fletcher|9990000018|2025-11-20/);
    expect(await deliverSeenNotifications(s, deliveryOptions)).toMatchObject({ attempted: 0 });

    // The social worker opens the link and acknowledges it.
    const auth = await bearer(worker);
    const opened = await app.inject({ method: 'GET', url: new URL(String(payload.link)).pathname, headers: auth });
    expect(opened.statusCode).toBe(200);
    expect(opened.json()).toMatchObject({ childPersonId: child.id, attendancesLast12Months: 1, deliveries: [{ channel: 'webhook', attempts: 3, lastError: null }] });
    const ack = await app.inject({ method: 'POST', url: `/api/v1/seen-notifications/${String(payload.notificationId)}/acknowledgement`, headers: { ...auth, 'content-type': 'application/json' }, payload: { note: 'Called the ED; follow-up visit tomorrow' } });
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({ acknowledgedBy: worker.actor.practitionerId });

    // The review conference ends the plan: at that same moment the flag ends.
    const endedAt = await endPlan(worker, clock, episode.id);
    const after = await careTeams();
    expect(after.body.entry!.map((e) => e.resource)).toEqual([expect.objectContaining({ status: 'inactive', period: { start: planStartedAt, end: endedAt } })]);
    expect(after.body.entry!.some((e) => e.resource.status === 'active')).toBe(false);
    // An attendance with no active flag tells the authority nothing.
    const queue = await app.inject({ method: 'GET', url: '/api/v1/seen-notifications?status=all', headers: auth });
    expect(queue.json<{ items: unknown[] }>().items).toHaveLength(1);

    // The access history shows both attendances while the plan ran and after, with the setting and whether unscheduled.
    const history = await app.inject({ method: 'GET', url: '/fhir/r4/AuditEvent?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018', headers: { authorization: `Bearer ${ed.token}` } });
    const events = history.json<{ total: number; entry: { resource: { subtype: { code: string }[] } }[] }>();
    expect(fhirSchemaErrors(events)).toEqual([]);
    expect(events.total).toBe(2);
    expect(events.entry.map((e) => e.resource.subtype[0]!.code)).toEqual(['unscheduled', 'unscheduled']);
  });
});
