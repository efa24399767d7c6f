import type { FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, type AuthSettings } from '../src/auth/auth.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { buildApp, SESSION_COOKIE } from '../src/http/app.ts';
import { addPractitionerAsSystem } from '../src/partnership/partnership.ts';
import { fixedClock } from '../src/shared/clock.ts';
import type { Services } from '../src/shared/context.ts';
import { useTestDb } from './db.ts';
import { agency, partnershipWith } from './fixtures.ts';

const settings: AuthSettings = { sessionIdleMinutes: 30, sessionMaxHours: 12, signInMaxFailures: 5, signInWindowMinutes: 15 };
const PASSWORD = 'Tuesday-morning-register';
const EMAIL = 'ann.teacher@school.example';
const START = '2026-03-02T09:00:00Z';

// argon2 is deliberately slow: hash once here; the first test still hashes through the service.
let sharedHash: string;
beforeAll(async () => {
  sharedHash = await hashPassword(PASSWORD);
});

describe('signing in and out through the HTTP API', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  type Clock = ReturnType<typeof fixedClock>;
  async function setup(opts: { hashNow?: boolean; secureCookies?: boolean } = {}): Promise<{ app: FastifyInstance; s: Services & { clock: Clock }; ann: string }> {
    const s = { db: t.db(), clock: fixedClock(START) };
    const school = await agency(s, await partnershipWith(s), 'school');
    const ann = await addPractitionerAsSystem(
      s,
      { agencyId: school, name: 'Ann Teacher', email: EMAIL, roles: ['practitioner', 'safeguarding_lead'], password: PASSWORD },
      opts.hashNow ? {} : { passwordHash: sharedHash },
    );
    app = await buildApp({ services: s, auth: settings, secureCookies: opts.secureCookies ?? false, logLevel: 'silent' });
    return { app, s, ann: ann.id };
  }

  const signIn = (a: FastifyInstance, email: string, password: string) => a.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password } });
  const me = (a: FastifyInstance, headers: Record<string, string> = {}) => a.inject({ method: 'GET', url: '/api/v1/me', headers });
  const sessionCookie = (res: Awaited<ReturnType<typeof signIn>>): string => {
    const c = res.cookies.find((x) => x.name === SESSION_COOKIE);
    if (!c) throw new Error('no session cookie was set');
    return `${SESSION_COOKIE}=${c.value}`;
  };
  const signInAudit = async (s: Services) =>
    (await s.db.query<{ outcome: string; entity_id: string | null; actor_practitioner_id: string | null }>(
      "SELECT outcome, entity_id, actor_practitioner_id FROM audit_event WHERE action = 'auth.sign-in' ORDER BY seq",
    )).rows;

  it('the right password sets an HttpOnly, SameSite=Strict session cookie and /me answers with it', async () => {
    const { app, ann } = await setup({ hashNow: true });
    const res = await signIn(app, EMAIL, PASSWORD);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ practitionerId: ann, expiresAt: '2026-03-02T21:00:00.000Z' });
    const raw = String(res.headers['set-cookie']);
    expect(raw).toMatch(new RegExp(`^${SESSION_COOKIE}=jss_`));
    expect(raw).toMatch(/;\s*HttpOnly/i);
    expect(raw).toMatch(/;\s*SameSite=Strict/i);
    expect(raw).toMatch(/;\s*Path=\//i);
    expect(raw).not.toMatch(/;\s*Secure/i);
    expect(res.headers['cache-control']).toBe('no-store');

    const who = await me(app, { cookie: sessionCookie(res) });
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ id: ann, email: EMAIL, name: 'Ann Teacher', roles: ['practitioner', 'safeguarding_lead'], active: true });
  });

  it('behind TLS the session cookie is also marked Secure', async () => {
    const { app } = await setup({ secureCookies: true });
    const res = await signIn(app, EMAIL, PASSWORD);
    expect(String(res.headers['set-cookie'])).toMatch(/;\s*Secure/i);
  });

  it('without a session or token /me answers 401 problem+json', async () => {
    const { app } = await setup();
    const res = await me(app);
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 401, type: 'https://jigsaw.example/problems/unauthenticated', title: 'Not signed in' });
    expect((await me(app, { cookie: `${SESSION_COOKIE}=jss_made-up` })).statusCode).toBe(401);
  });

  it('a wrong password gets 401 problem+json, sets no cookie and is audited as a failure against the account', async () => {
    const { app, s, ann } = await setup();
    const res = await signIn(app, EMAIL, 'Wednesday-morning-register');
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 401, type: 'https://jigsaw.example/problems/unauthenticated', detail: 'The e-mail address or password is not right.' });
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await signInAudit(s)).toEqual([{ outcome: 'failure', entity_id: ann, actor_practitioner_id: null }]);
  });

  it('an unknown e-mail address gets exactly the same answer as a wrong password', async () => {
    const { app } = await setup();
    const wrong = await signIn(app, EMAIL, 'Wednesday-morning-register');
    const unknown = await signIn(app, 'nobody@school.example', PASSWORD);
    expect(unknown.statusCode).toBe(wrong.statusCode);
    expect(unknown.json()).toEqual(wrong.json());
  });

  it('a sign-in with a missing password is a 422 naming the field, and counts for nothing', async () => {
    const { app, s } = await setup();
    const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: EMAIL } });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([expect.objectContaining({ pointer: '/password' })]);
    expect(await signInAudit(s)).toEqual([]);
  });

  it('after five failures from one network the next attempt waits: 429 with Retry-After at once, even with the right password, and never a lock', async () => {
    const { app, s } = await setup();
    for (let i = 0; i < 5; i++) expect((await signIn(app, EMAIL, `wrong-password-${i}`)).statusCode).toBe(401);
    const waiting = await signIn(app, EMAIL, PASSWORD);
    expect(waiting.statusCode).toBe(429);
    expect(waiting.headers['retry-after']).toBe('2');
    expect(waiting.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(waiting.json()).toMatchObject({ status: 429, type: 'https://jigsaw.example/problems/too-many-requests', retryAfterSeconds: 2, detail: 'Too many failed attempts to sign in. Wait 2 seconds and try again.' });
    expect(waiting.headers['set-cookie']).toBeUndefined();

    s.clock.set('2026-03-02T09:00:02Z');
    const open = await signIn(app, EMAIL, PASSWORD);
    expect(open.statusCode).toBe(201);
    expect((await me(app, { cookie: sessionCookie(open) })).statusCode).toBe(200);
  });

  it('an unknown e-mail address is throttled the same way', async () => {
    const { app } = await setup();
    for (let i = 0; i < 5; i++) expect((await signIn(app, 'nobody@school.example', `guess-${i}`)).statusCode).toBe(401);
    const waiting = await signIn(app, 'nobody@school.example', 'guess-5');
    expect(waiting.statusCode).toBe(429);
    expect(waiting.headers['retry-after']).toBe('2');
    // The real account is not affected by guesses at another address.
    expect((await signIn(app, EMAIL, PASSWORD)).statusCode).toBe(201);
  });

  it("someone else's failures from another network never keep the owner out", async () => {
    const { app, ann } = await setup();
    for (let i = 0; i < 8; i++) await app.inject({ method: 'POST', url: '/api/v1/session', remoteAddress: '203.0.113.9', payload: { email: EMAIL, password: `guess-${i}` } });
    expect((await app.inject({ method: 'POST', url: '/api/v1/session', remoteAddress: '203.0.113.9', payload: { email: EMAIL, password: PASSWORD } })).statusCode).toBe(429);
    const owner = await signIn(app, EMAIL, PASSWORD);
    expect(owner.statusCode).toBe(201);
    expect(owner.json()).toMatchObject({ practitionerId: ann });
  });

  it('every sign-in success and failure is in the audit trail', async () => {
    const { app, s, ann } = await setup();
    await signIn(app, EMAIL, PASSWORD);
    await signIn(app, EMAIL, 'not-the-password');
    await signIn(app, 'nobody@school.example', PASSWORD);
    await signIn(app, EMAIL, PASSWORD);
    for (let i = 0; i < 5; i++) await signIn(app, EMAIL, `wrong-${i}`);
    await signIn(app, EMAIL, PASSWORD);
    expect(await signInAudit(s)).toEqual([
      { outcome: 'success', entity_id: ann, actor_practitioner_id: ann },
      { outcome: 'failure', entity_id: ann, actor_practitioner_id: null },
      { outcome: 'failure', entity_id: null, actor_practitioner_id: null },
      { outcome: 'success', entity_id: ann, actor_practitioner_id: ann },
      ...Array.from({ length: 5 }, () => ({ outcome: 'failure', entity_id: ann, actor_practitioner_id: null })),
      { outcome: 'denied', entity_id: null, actor_practitioner_id: null },
    ]);
  });

  it('the session ends after thirty idle minutes', async () => {
    const { app, s } = await setup();
    const cookie = sessionCookie(await signIn(app, EMAIL, PASSWORD));
    s.clock.advanceMinutes(29);
    expect((await me(app, { cookie })).statusCode).toBe(200);
    s.clock.advanceMinutes(29);
    expect((await me(app, { cookie })).statusCode).toBe(200);
    s.clock.advanceMinutes(30);
    expect((await me(app, { cookie })).statusCode).toBe(401);
  });

  it('the session ends twelve hours after sign-in even when in constant use', async () => {
    const { app, s } = await setup();
    const cookie = sessionCookie(await signIn(app, EMAIL, PASSWORD));
    for (let i = 0; i < 35; i++) {
      s.clock.advanceMinutes(20);
      expect((await me(app, { cookie })).statusCode).toBe(200);
    }
    s.clock.set('2026-03-02T20:59:00Z');
    expect((await me(app, { cookie })).statusCode).toBe(200);
    s.clock.set('2026-03-02T21:00:00Z');
    expect((await me(app, { cookie })).statusCode).toBe(401);
  });

  it('signing out ends the session, clears the cookie and is audited', async () => {
    const { app, s, ann } = await setup();
    const cookie = sessionCookie(await signIn(app, EMAIL, PASSWORD));
    const out = await app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie } });
    expect(out.statusCode).toBe(200);
    expect(out.json()).toEqual({ signedOut: true });
    expect(String(out.headers['set-cookie'])).toMatch(new RegExp(`^${SESSION_COOKIE}=;.*Expires=Thu, 01 Jan 1970`, 'i'));
    expect((await me(app, { cookie })).statusCode).toBe(401);
    const { rows } = await s.db.query("SELECT outcome, entity_id FROM audit_event WHERE action = 'auth.sign-out'");
    expect(rows).toEqual([{ outcome: 'success', entity_id: ann }]);
  });

  it('signing out without a session still answers and clears the cookie', async () => {
    const { app } = await setup();
    const out = await app.inject({ method: 'DELETE', url: '/api/v1/session' });
    expect(out.statusCode).toBe(200);
    expect(out.json()).toEqual({ signedOut: true });
  });

  it('a bearer token from createApiToken works until it expires', async () => {
    const { app, s, ann } = await setup();
    const { token } = await createApiToken(s, ann, 'case management system', 1);
    const ok = await me(app, { authorization: `Bearer ${token}` });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ id: ann });
    s.clock.advanceMinutes(24 * 60 - 1);
    expect((await me(app, { authorization: `Bearer ${token}` })).statusCode).toBe(200);
    s.clock.advanceMinutes(1);
    const expired = await me(app, { authorization: `Bearer ${token}` });
    expect(expired.statusCode).toBe(401);
    expect(expired.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('an unknown, malformed or revoked bearer token gets 401', async () => {
    const { app, s, ann } = await setup();
    const { id, token } = await createApiToken(s, ann, 'cli');
    expect((await me(app, { authorization: 'Bearer jst_made-up' })).statusCode).toBe(401);
    expect((await me(app, { authorization: `Bearer ${token}extra` })).statusCode).toBe(401);
    expect((await me(app, { authorization: `Basic ${Buffer.from(`${EMAIL}:${PASSWORD}`).toString('base64')}` })).statusCode).toBe(401);
    expect((await me(app, { authorization: `Bearer ${token}` })).statusCode).toBe(200);
    await s.db.query('UPDATE api_token SET revoked_at = $2 WHERE id = $1', [id, '2026-03-02T08:59:00Z']);
    expect((await me(app, { authorization: `Bearer ${token}` })).statusCode).toBe(401);
  });
});
