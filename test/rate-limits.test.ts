import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthSettings } from '../src/auth/auth.ts';
import { DEFAULT_RATE_LIMITS, loadConfig, type RateLimits } from '../src/config/config.ts';
import { buildApp } from '../src/http/app.ts';
import { useTestDb } from './db.ts';
import { services } from './fixtures.ts';

/**
 * Issue 16, defect 7: per-address request limits on the API, the pages and FHIR, each answering
 * a 429 with Retry-After in its own language. Small limits here; the defaults are generous.
 */

const AUTH: AuthSettings = { sessionIdleMinutes: 30, sessionMaxHours: 12, signInMaxFailures: 5, signInWindowMinutes: 15 };
const SMALL: RateLimits = { apiPerMinute: 3, fhirPerMinute: 2, signInPerMinute: 2 };

describe('per-address request limits', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  const start = async (extra: { rateLimits?: RateLimits; trustProxy?: string[] } = {}): Promise<FastifyInstance> =>
    (app = await buildApp({ services: services(t.db()), auth: AUTH, logLevel: 'silent', rateLimits: SMALL, ...extra }));

  it('the API answers 429 problem+json with Retry-After once an address has used its minute', async () => {
    const a = await start();
    for (let i = 0; i < 3; i++) expect((await a.inject({ url: '/api/v1/me', remoteAddress: '192.0.2.1' })).statusCode).toBe(401);
    const over = await a.inject({ url: '/api/v1/me', remoteAddress: '192.0.2.1' });
    expect(over.statusCode).toBe(429);
    expect(over.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(over.json()).toMatchObject({ status: 429, type: 'https://jigsaw.example/problems/too-many-requests', retryAfterSeconds: Number(over.headers['retry-after']) });
    // Another address has its own minute.
    expect((await a.inject({ url: '/api/v1/me', remoteAddress: '192.0.2.2' })).statusCode).toBe(401);
  });

  it('FHIR answers 429 with an OperationOutcome (throttled) and Retry-After', async () => {
    const a = await start();
    for (let i = 0; i < 2; i++) expect((await a.inject({ url: '/fhir/r4/metadata', remoteAddress: '192.0.2.3' })).statusCode).toBe(200);
    const over = await a.inject({ url: '/fhir/r4/metadata', remoteAddress: '192.0.2.3' });
    expect(over.statusCode).toBe(429);
    expect(over.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(over.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled' }] });
  });

  it('a browser gets the "Too many attempts" page, and the sign-in form its own small budget', async () => {
    const a = await start();
    const html = { accept: 'text/html' };
    for (let i = 0; i < 3; i++) expect((await a.inject({ url: '/sign-in', headers: html, remoteAddress: '192.0.2.4' })).statusCode).toBe(200);
    const page = await a.inject({ url: '/sign-in', headers: html, remoteAddress: '192.0.2.4' });
    expect(page.statusCode).toBe(429);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('Too many');
    expect(Number(page.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    // Sign-in attempts: two a minute here, counted apart from the rest, refused before any password is checked.
    const attempt = () => a.inject({ method: 'POST', url: '/api/v1/session', remoteAddress: '192.0.2.5', payload: { email: 'nobody@school.example', password: 'a guess at it' } });
    expect((await attempt()).statusCode).toBe(401);
    expect((await attempt()).statusCode).toBe(401);
    const third = await attempt();
    expect(third.statusCode).toBe(429);
    expect(third.json()).toMatchObject({ detail: expect.stringMatching(/^Too many attempts to sign in from your network/) as unknown });
    const { rows } = await t.db().query("SELECT outcome FROM audit_event WHERE action = 'auth.sign-in'");
    expect(rows).toEqual([{ outcome: 'failure' }, { outcome: 'failure' }]);
  });

  it('the sign-in page says how long to wait when the sign-in throttle holds an attempt (429, Retry-After)', async () => {
    const a = await start({ rateLimits: DEFAULT_RATE_LIMITS });
    const form = await a.inject({ url: '/sign-in' });
    const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const cookie = form.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const post = () => a.inject({
      method: 'POST', url: '/sign-in', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(token)}&email=nobody%40school.example&password=a+guess+at+it`,
    });
    for (let i = 0; i < 5; i++) expect((await post()).statusCode).toBe(422);
    const held = await post();
    expect(held.statusCode).toBe(429);
    expect(held.headers['retry-after']).toBe('2');
    expect(held.body).toContain('govuk-error-summary');
    expect(held.body).toContain('Too many failed attempts to sign in. Wait 2 seconds and try again');
  });

  it('health checks and the pages\' assets are never limited', async () => {
    const a = await start();
    for (let i = 0; i < 10; i++) {
      expect((await a.inject({ url: '/health/live', remoteAddress: '192.0.2.6' })).statusCode).toBe(200);
      expect((await a.inject({ url: '/static/favicon.svg', remoteAddress: '192.0.2.6' })).statusCode).toBe(200);
    }
  });

  it('X-Forwarded-For counts only when JIGSAW_TRUST_PROXY names the proxy: otherwise a caller cannot choose a fresh address', async () => {
    const a = await start();
    const from = (forwarded: string) => a.inject({ url: '/api/v1/me', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': forwarded } });
    for (let i = 0; i < 3; i++) await from(`198.51.100.${i}`);
    expect((await from('198.51.100.99')).statusCode).toBe(429);
    await a.close();

    const behindProxy = await start({ trustProxy: loadConfig({ JIGSAW_TRUST_PROXY: '10.0.0.1' }).trustProxy as string[] });
    const via = (forwarded: string) => behindProxy.inject({ url: '/api/v1/me', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': forwarded } });
    for (let i = 0; i < 3; i++) expect((await via('198.51.100.7')).statusCode).toBe(401);
    expect((await via('198.51.100.7')).statusCode).toBe(429);
    expect((await via('198.51.100.8')).statusCode).toBe(401);
  });

  it('the limits are read from the environment, with generous defaults and 0 for none', () => {
    expect(loadConfig({}).rateLimits).toEqual(DEFAULT_RATE_LIMITS);
    expect(loadConfig({ JIGSAW_RATE_LIMIT_PER_MINUTE: '0', JIGSAW_FHIR_RATE_LIMIT_PER_MINUTE: '100', JIGSAW_SIGNIN_RATE_LIMIT_PER_MINUTE: '10' }).rateLimits)
      .toEqual({ apiPerMinute: 0, fhirPerMinute: 100, signInPerMinute: 10 });
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ JIGSAW_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ JIGSAW_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ JIGSAW_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(() => loadConfig({ JIGSAW_TRUST_PROXY: 'proxy.example' })).toThrow(/JIGSAW_TRUST_PROXY/);
  });
});
