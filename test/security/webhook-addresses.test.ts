import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { updateFlagSettings } from '../../src/flags/flags.ts';
import { flagsByNhsNumber } from '../../src/flags/lookup.ts';
import { childOnPlan } from '../../src/flags/testing.ts';
import { createFhirToken } from '../../src/fhir/tokens.ts';
import { deliverSeenNotifications, listSeenNotifications, seenSettings, signWebhook } from '../../src/notifications/seen.ts';
import type { ResolveHost } from '../../src/notifications/webhook-address.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { AUTH_SETTINGS, bearer } from '../api/helpers.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, person, practitioner, services } from '../fixtures.ts';

/** A real receiver on 127.0.0.1 that accepts everything and keeps what it was sent. */
async function receiver(): Promise<{ port: number; received: { headers: IncomingHttpHeaders; body: string }[] }> {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => { body += d.toString('utf8'); });
    req.on('end', () => { received.push({ headers: req.headers, body }); res.writeHead(204).end(); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, received };
}

/** Addresses inside a network, each as a manager might type it. */
const INSIDE = [
  'http://127.0.0.1:5432/', 'https://127.0.0.1/hook', 'https://169.254.169.254/latest/meta-data/', 'https://10.0.0.7/hook', 'https://172.16.4.2/',
  'https://192.168.1.1/', 'https://100.64.0.1/', 'http://[::1]/', 'https://[::1]/', 'https://[fd00::1]/', 'https://[fe80::1]/', 'https://[::ffff:127.0.0.1]/',
  'http://0.0.0.0/', 'https://0.0.0.0/', 'https://[::]/', 'http://2130706433/', 'https://2130706433/', 'https://0x7f.1/', 'https://224.0.0.1/',
];

describe('webhook addresses cannot reach inside the network', () => {
  const t = useTestDb();

  async function authority() {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const worker = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const manager = await practitioner(s, csc, ['manager'], 'Grace Okafor');
    return { clock, s, csc, worker, manager };
  }

  /** A flagged child seen at an emergency department: one "child was seen" delivery waits. */
  async function childSeen(c: Awaited<ReturnType<typeof authority>>): Promise<void> {
    const child = await person(c.worker, { names: [{ givenNames: 'Natasha', familyName: 'Reid' }], nhsNumber: '9990000018' });
    await childOnPlan(c.worker, c.clock, child.id, { cscId: c.csc });
    const ed = await createFhirToken(c.s, { settingName: 'Northshire General ED', settingType: 'emergency_department' });
    await flagsByNhsNumber(c.s, { kind: 'system', healthSettingId: ed.healthSettingId, settingName: ed.healthSettingId, settingType: 'emergency_department' }, '9990000018', { unscheduled: true, via: 'fhir', resource: 'CareTeam' });
  }

  it('a manager setting an address inside the network, plain http, or one with a password in it gets a 422 naming the webhook field', async () => {
    const c = await authority();
    const app = await buildApp({ services: c.s, auth: AUTH_SETTINGS });
    onTestFinished(() => app.close());
    const headers = { ...(await bearer(c.manager)), 'content-type': 'application/json' };
    for (const webhookUrl of [...INSIDE, 'http://hooks.northshire.example/seen', 'https://jigsaw:secret@hooks.northshire.example/seen']) {
      const res = await app.inject({ method: 'PUT', url: '/api/v1/flag-settings', headers, payload: { webhookUrl } });
      expect(res.statusCode, webhookUrl).toBe(422);
      const problem = res.json<{ errors: { pointer: string; detail: string }[] }>();
      expect(problem.errors.map((e) => e.pointer), webhookUrl).toEqual(['/webhookUrl']);
    }
    // Nothing was kept: the authority still has no webhook.
    const kept = await app.inject({ method: 'GET', url: '/api/v1/flag-settings', headers });
    expect(kept.json()).toMatchObject({ webhookUrl: null, webhookSecretSet: false });
    // An https address on the internet is accepted as before.
    const ok = await app.inject({ method: 'PUT', url: '/api/v1/flag-settings', headers, payload: { webhookUrl: 'https://hooks.northshire.example/seen' } });
    expect(ok.statusCode).toBe(200);
  });

  it("the operator's own receiver, listed in JIGSAW_WEBHOOK_HTTP_HOSTS, may be plain http on 127.0.0.1, and gets the signed notification", async () => {
    const c = await authority();
    const hook = await receiver();
    const app = await buildApp({ services: c.s, auth: AUTH_SETTINGS, webhookHttpHosts: ['127.0.0.1'] });
    onTestFinished(() => app.close());
    const res = await app.inject({ method: 'PUT', url: '/api/v1/flag-settings', headers: { ...(await bearer(c.manager)), 'content-type': 'application/json' }, payload: { webhookUrl: `http://127.0.0.1:${hook.port}/seen` } });
    expect(res.statusCode).toBe(200);
    const secret = res.json<{ webhookSecret: string }>().webhookSecret;
    await childSeen(c);
    expect(await deliverSeenNotifications(c.s, { settings: seenSettings({ JIGSAW_WEBHOOK_HTTP_HOSTS: '127.0.0.1' }) })).toMatchObject({ attempted: 1, delivered: 1 });
    expect(hook.received).toHaveLength(1);
    const { headers, body } = hook.received[0]!;
    expect(headers['x-jigsaw-signature']).toBe(signWebhook(secret, String(headers['x-jigsaw-timestamp']), body));
  });

  it('the connection goes to the address that was checked: a listed name is resolved once and that very address is used (no second lookup to rebind)', async () => {
    const c = await authority();
    const hook = await receiver();
    // receiver.internal exists in no DNS: the delivery can only arrive if it connects to the address the check resolved.
    await updateFlagSettings(c.manager, { webhookUrl: `http://receiver.internal:${hook.port}/seen` }, { webhookHttpHosts: ['receiver.internal'] });
    await childSeen(c);
    let lookups = 0;
    const resolve: ResolveHost = () => { lookups += 1; return Promise.resolve([{ address: '127.0.0.1', family: 4 }]); };
    expect(await deliverSeenNotifications(c.s, { settings: seenSettings({ JIGSAW_WEBHOOK_HTTP_HOSTS: 'receiver.internal' }), resolve })).toMatchObject({ attempted: 1, delivered: 1 });
    expect(lookups).toBe(1);
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]!.headers.host).toBe(`receiver.internal:${hook.port}`);
  });

  it('a delivery to an address no longer allowed is refused: nothing is sent, and the status says only that the address is not allowed', async () => {
    const c = await authority();
    const hook = await receiver();
    // Set while the operator listed 127.0.0.1; the list has since been emptied.
    await updateFlagSettings(c.manager, { webhookUrl: `http://127.0.0.1:${hook.port}/seen` }, { webhookHttpHosts: ['127.0.0.1'] });
    await childSeen(c);
    expect(await deliverSeenNotifications(c.s, { settings: seenSettings({}) })).toMatchObject({ attempted: 1, delivered: 0 });
    expect(hook.received).toHaveLength(0);
    const [waiting] = await listSeenNotifications(c.worker, { status: 'open' });
    expect(waiting!.deliveries).toEqual([expect.objectContaining({ channel: 'webhook', deliveredAt: null, lastError: 'address_not_allowed' })]);
  });

  it.each([
    ['loopback', [{ address: '127.0.0.1', family: 4 }]],
    ['one public and one private', [{ address: '93.184.215.14', family: 4 }, { address: '10.1.2.3', family: 4 }]],
    ['the metadata address written as IPv6', [{ address: '::ffff:169.254.169.254', family: 6 }]],
  ])('an https name that resolves to a private address (%s) is refused at delivery, and never connected to', async (_what, answer) => {
    const c = await authority();
    const hook = await receiver();
    await updateFlagSettings(c.manager, { webhookUrl: `https://receiver.northshire.example:${hook.port}/seen` });
    await childSeen(c);
    const asked: string[] = [];
    const resolve: ResolveHost = (name) => { asked.push(name); return Promise.resolve(answer); };
    expect(await deliverSeenNotifications(c.s, { settings: seenSettings({}), resolve })).toMatchObject({ attempted: 1, delivered: 0 });
    expect(asked).toEqual(['receiver.northshire.example']);
    expect(hook.received).toHaveLength(0);
    const [waiting] = await listSeenNotifications(c.worker, { status: 'open' });
    expect(waiting!.deliveries[0]!.lastError).toBe('address_not_allowed');
  });

  it('addresses inside the network typed as numbers are refused at delivery too, even if stored before the check existed', async () => {
    const c = await authority();
    await updateFlagSettings(c.manager, { webhookUrl: 'https://hooks.northshire.example/seen' });
    await childSeen(c);
    const resolve: ResolveHost = () => Promise.reject(new Error('a number is not looked up'));
    for (const target of INSIDE) {
      await c.s.db.query("UPDATE seen_delivery SET target = $1, next_attempt_at = '2000-01-01T00:00:00Z' WHERE channel = 'webhook'", [target]);
      expect(await deliverSeenNotifications(c.s, { settings: seenSettings({}), resolve }), target).toMatchObject({ attempted: 1, delivered: 0 });
      const [waiting] = await listSeenNotifications(c.worker, { status: 'open' });
      expect(waiting!.deliveries[0]!.lastError, target).toBe('address_not_allowed');
    }
  });

  it('a receiver that is down, refuses, or redirects elsewhere reads the same to the manager: "not accepted", with no network detail', async () => {
    const c = await authority();
    // Nothing listens on this port: today's status said "refused", which maps a network's ports.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await updateFlagSettings(c.manager, { webhookUrl: `http://127.0.0.1:${closedPort}/seen` }, { webhookHttpHosts: ['127.0.0.1'] });
    await childSeen(c);
    const settings = seenSettings({ JIGSAW_WEBHOOK_HTTP_HOSTS: '127.0.0.1' });
    expect(await deliverSeenNotifications(c.s, { settings })).toMatchObject({ attempted: 1, delivered: 0 });
    const [waiting] = await listSeenNotifications(c.worker, { status: 'open' });
    expect(waiting!.deliveries[0]!.lastError).toBe('not_accepted');

    // A redirect to the metadata address is not followed.
    const followed: string[] = [];
    const redirecting = createServer((req, res) => { followed.push(req.url ?? ''); res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end(); });
    await new Promise<void>((resolve) => redirecting.listen(closedPort, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => redirecting.close(() => resolve())));
    c.clock.advanceMinutes(5);
    expect(await deliverSeenNotifications(c.s, { settings })).toMatchObject({ attempted: 1, delivered: 0 });
    expect(followed).toEqual(['/seen']);
    const [after] = await listSeenNotifications(c.worker, { status: 'open' });
    expect(after!.deliveries[0]!.lastError).toBe('not_accepted');
  });
});
