import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildApp, SESSION_COOKIE } from '../../src/http/app.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { AUTH_SETTINGS, bearer } from '../api/helpers.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, practitioner } from '../fixtures.ts';

/**
 * Issue 16, defect 11: an administrator never sets or learns another person's password. Creating
 * a login gives a one-time link, shown once, for its owner to choose their own password; it works
 * once, until it expires, and a newer link replaces it.
 */

const CHOSEN = 'ember-lantern-quietly-oak-79';
const LATER = 'harbour-tulip-granite-sings';

describe('a new login gets a one-time set-password link; administrators never set or see passwords', () => {
  const t = useTestDb();

  async function setUp() {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = { db: t.db(), clock };
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const school = await agency(s, p, 'school', 'Riverside Primary School');
    const admin = await practitioner(s, csc, ['administrator'], 'Olu Adebayo');
    const schoolAdmin = await practitioner(s, school, ['administrator'], 'Sam Office');
    const worker = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const logs: string[] = [];
    const app = await buildApp({ services: s, auth: AUTH_SETTINGS, logLevel: 'info', logStream: { write: (line) => void logs.push(line) } });
    onTestFinished(() => app.close());
    const adminAuth = await bearer(admin);
    const adminHeaders = { ...adminAuth, 'content-type': 'application/json' };
    const add = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/api/v1/practitioners', headers: adminHeaders, payload: { agencyId: csc, roles: ['social_worker'], ...payload } });
    return { s, clock, app, csc, admin, schoolAdmin, worker, adminHeaders, adminAuth, add, logs };
  }

  const pathOf = (url: string): string => new URL(url).pathname;

  /** Opens the link's page and submits the form, as the practitioner's browser would. */
  async function choose(app: FastifyInstance, url: string, password: string, confirm = password) {
    const page = await app.inject({ method: 'GET', url: pathOf(url), headers: { accept: 'text/html' } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    if (!csrf) return { page, res: page };
    const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await app.inject({
      method: 'POST', url: pathOf(url), headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: new URLSearchParams({ _csrf: csrf, username: '', password, confirmPassword: confirm }).toString(),
    });
    return { page, res };
  }

  const signIn = (app: FastifyInstance, email: string, password: string) => app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password } });

  it('an administrator who sends a password is refused (422 naming the field), and no login is made', async () => {
    const w = await setUp();
    const res = await w.add({ name: 'Priya Raman', email: 'priya@csc.example', password: CHOSEN });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().errors).toEqual([{ pointer: '/', detail: 'Unknown field(s): password' }]);
    expect((await w.s.db.query("SELECT 1 FROM practitioner WHERE email = 'priya@csc.example'")).rowCount).toBe(0);
    expect(await signIn(w.app, 'priya@csc.example', CHOSEN).then((r) => r.statusCode)).toBe(401);
  });

  it('the link in the answer lets the practitioner choose a password once; they sign in with it; the administrator never sees it', async () => {
    const w = await setUp();
    const res = await w.add({ name: 'Priya Raman', email: 'priya@csc.example' });
    expect(res.statusCode).toBe(201);
    const { setPasswordLink, id } = res.json<{ id: string; setPasswordLink: { url: string; expiresAt: string } }>();
    expect(setPasswordLink.url).toMatch(/^http:\/\/localhost:3000\/set-password\/jsp_[A-Za-z0-9_-]{43}$/);
    expect(setPasswordLink.expiresAt).toBe('2026-03-05T09:00:00.000Z');
    // Until the link is used the login has no password at all.
    expect((await w.s.db.query<{ password_hash: string | null }>('SELECT password_hash FROM practitioner WHERE id = $1', [id])).rows[0]!.password_hash).toBeNull();

    const { page, res: done } = await choose(w.app, setPasswordLink.url, CHOSEN);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Choose your password');
    expect(page.body).toContain('priya@csc.example');
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Your password has been set');
    expect(done.body).not.toContain(CHOSEN);
    expect((await signIn(w.app, 'priya@csc.example', CHOSEN)).statusCode).toBe(201);

    // Used once, the link says so and changes nothing.
    const again = await choose(w.app, setPasswordLink.url, LATER);
    expect(again.page.statusCode).toBe(410);
    expect(again.page.body).toContain('This link has already been used');
    expect((await signIn(w.app, 'priya@csc.example', LATER)).statusCode).toBe(401);
    expect((await signIn(w.app, 'priya@csc.example', CHOSEN)).statusCode).toBe(201);

    // The administrator's views hold no password; the database holds only hashes.
    const listed = await w.app.inject({ url: '/api/v1/practitioners', headers: w.adminHeaders });
    expect(listed.body).not.toContain(CHOSEN);
    expect(listed.body).not.toContain('password');
    const stored = JSON.stringify((await w.s.db.query('SELECT * FROM set_password_link')).rows) + JSON.stringify((await w.s.db.query('SELECT * FROM audit_event')).rows);
    expect(stored).not.toContain(CHOSEN);
    expect(stored).not.toContain(pathOf(setPasswordLink.url).split('/').pop());
    const audited = (await w.s.db.query<{ action: string; outcome: string; entity_id: string }>(
      "SELECT action, outcome, entity_id FROM audit_event WHERE action = 'auth.set-password' OR (action = 'practitioner.create' AND entity_id = $1) ORDER BY seq", [id])).rows;
    expect(audited).toEqual([
      { action: 'practitioner.create', outcome: 'success', entity_id: id },
      { action: 'auth.set-password', outcome: 'success', entity_id: id },
    ]);
    // Each opening of the link is audited, the second (refused) one too: it may mean the link was intercepted.
    expect((await w.s.db.query<{ outcome: string }>("SELECT outcome FROM audit_event WHERE action = 'auth.set-password-open' ORDER BY seq")).rows.map((r) => r.outcome))
      .toEqual(['success', 'success', 'denied']);
    // The request log names the route pattern, never the link's secret.
    const token = pathOf(setPasswordLink.url).split('/').pop()!;
    expect(w.logs.join('\n')).toContain('/set-password/:token');
    expect(w.logs.join('\n')).not.toContain(token);
  });

  it('the same link submitted twice at once sets one password', async () => {
    const w = await setUp();
    const { setPasswordLink } = (await w.add({ name: 'Priya Raman', email: 'priya@csc.example' })).json<{ setPasswordLink: { url: string } }>();
    const [a, b] = await Promise.all([choose(w.app, setPasswordLink.url, CHOSEN), choose(w.app, setPasswordLink.url, LATER)]);
    expect([a.res.statusCode, b.res.statusCode].sort()).toEqual([200, 410]);
    const won = a.res.statusCode === 200 ? CHOSEN : LATER;
    expect((await signIn(w.app, 'priya@csc.example', won)).statusCode).toBe(201);
    expect((await signIn(w.app, 'priya@csc.example', won === CHOSEN ? LATER : CHOSEN)).statusCode).toBe(401);
  });

  it('an expired link, a replaced link and a made-up link do not work, and say why', async () => {
    const w = await setUp();
    const first = (await w.add({ name: 'Priya Raman', email: 'priya@csc.example' })).json<{ id: string; setPasswordLink: { url: string } }>();
    w.clock.set('2026-03-05T09:00:00Z');
    const expired = await choose(w.app, first.setPasswordLink.url, CHOSEN);
    expect(expired.page.statusCode).toBe(410);
    expect(expired.page.body).toContain('This link has expired');

    // The administrator issues a new link: the old one is replaced, the new one works.
    const reissued = await w.app.inject({ method: 'POST', url: `/api/v1/practitioners/${first.id}/set-password-link`, headers: w.adminAuth });
    expect(reissued.statusCode).toBe(201);
    const second = reissued.json<{ url: string; expiresAt: string }>();
    expect(second.expiresAt).toBe('2026-03-08T09:00:00.000Z');
    const third = (await w.app.inject({ method: 'POST', url: `/api/v1/practitioners/${first.id}/set-password-link`, headers: w.adminAuth })).json<{ url: string }>();
    const replaced = await choose(w.app, second.url, CHOSEN);
    expect(replaced.page.statusCode).toBe(410);
    expect(replaced.page.body).toContain('This link has been replaced');
    expect((await choose(w.app, third.url, CHOSEN)).res.statusCode).toBe(200);
    expect((await signIn(w.app, 'priya@csc.example', CHOSEN)).statusCode).toBe(201);

    const madeUp = await choose(w.app, `http://localhost:3000/set-password/jsp_${'A'.repeat(43)}`, CHOSEN);
    expect(madeUp.page.statusCode).toBe(404);
    expect(madeUp.page.body).toContain('This link does not work');
    expect((await w.app.inject({ url: '/set-password/nonsense', headers: { accept: 'text/html' } })).statusCode).toBe(404);
  });

  it('a weak password, or two that differ, shows the error summary and leaves the link usable', async () => {
    const w = await setUp();
    const { setPasswordLink } = (await w.add({ name: 'Priya Raman', email: 'priya@csc.example' })).json<{ setPasswordLink: { url: string } }>();
    const weak = await choose(w.app, setPasswordLink.url, 'password1234');
    expect(weak.res.statusCode).toBe(422);
    expect(weak.res.body).toContain('govuk-error-summary');
    expect(weak.res.body).toContain('Choose a password that is harder to guess');
    expect(weak.res.body).not.toContain('password1234');
    const differ = await choose(w.app, setPasswordLink.url, CHOSEN, LATER);
    expect(differ.res.statusCode).toBe(422);
    expect(differ.res.body).toContain('Enter the same password twice');
    expect((await choose(w.app, setPasswordLink.url, CHOSEN)).res.statusCode).toBe(200);
  });

  it('only an administrator of the practitioner’s own agency issues a link; anyone else is told there is no such practitioner', async () => {
    const w = await setUp();
    for (const ctx of [w.schoolAdmin, w.worker]) {
      const res = await w.app.inject({ method: 'POST', url: `/api/v1/practitioners/${w.worker.actor.practitionerId}/set-password-link`, headers: await bearer(ctx) });
      expect(res.statusCode).toBe(404);
    }
    const none = await w.app.inject({ method: 'POST', url: '/api/v1/practitioners/00000000-0000-4000-8000-000000000000/set-password-link', headers: w.adminAuth });
    expect(none.statusCode).toBe(404);
  });

  it('using the link ends any session open for the account', async () => {
    const w = await setUp();
    const created = (await w.add({ name: 'Priya Raman', email: 'priya@csc.example' })).json<{ id: string; setPasswordLink: { url: string } }>();
    await choose(w.app, created.setPasswordLink.url, CHOSEN);
    const session = await signIn(w.app, 'priya@csc.example', CHOSEN);
    const cookie = session.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    expect((await w.app.inject({ url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(200);
    const reissued = (await w.app.inject({ method: 'POST', url: `/api/v1/practitioners/${created.id}/set-password-link`, headers: w.adminAuth })).json<{ url: string }>();
    // Issuing a link changes nothing yet: the password and the session still work.
    expect((await w.app.inject({ url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(200);
    expect((await choose(w.app, reissued.url, LATER)).res.statusCode).toBe(200);
    expect((await w.app.inject({ url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('on the administration pages: adding a practitioner shows their link once, a new link can be issued, and both forms need their CSRF token', async () => {
    const w = await setUp();
    const token = `jss_${randomBytes(32).toString('base64url')}`;
    await w.s.db.query('INSERT INTO web_session (token_hash, practitioner_id, created_at, last_seen_at, expires_at) VALUES ($1,$2,$3,$3,$4)',
      [createHash('sha256').update(token).digest('hex'), w.admin.actor.practitionerId, '2026-03-02T09:00:00Z', '2026-03-02T20:00:00Z']);
    const page = await w.app.inject({ url: '/admin/practitioners', headers: { cookie: `${SESSION_COOKIE}=${token}` } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Administrators never set or see a practitioner’s password');
    expect(page.body).not.toContain('type="password"');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookie = [`${SESSION_COOKIE}=${token}`, ...page.cookies.map((c) => `${c.name}=${c.value}`)].join('; ');
    const form = (fields: Record<string, string>) => ({ cookie, 'content-type': 'application/x-www-form-urlencoded', body: new URLSearchParams(fields).toString() });
    const post = (url: string, fields: Record<string, string>) => {
      const f = form(fields);
      return w.app.inject({ method: 'POST', url, headers: { cookie: f.cookie, 'content-type': f['content-type'] }, payload: f.body });
    };

    expect((await post('/admin/practitioners', { name: 'Priya Raman', email: 'priya@csc.example', roles: 'social_worker' })).statusCode).toBe(403);
    const added = await post('/admin/practitioners', { _csrf: csrf, name: 'Priya Raman', email: 'priya@csc.example', roles: 'social_worker' });
    expect(added.statusCode).toBe(200);
    const link = /(http:\/\/localhost:3000\/set-password\/jsp_[A-Za-z0-9_-]{43})/.exec(added.body)?.[1];
    expect(link).toBeDefined();
    expect(added.body).toContain('Give Priya Raman this link to choose their password');
    // Shown once: the list page never shows it again.
    expect((await w.app.inject({ url: '/admin/practitioners', headers: { cookie } })).body).not.toContain('/set-password/jsp_');

    const { rows } = await w.s.db.query<{ id: string }>("SELECT id FROM practitioner WHERE email = 'priya@csc.example'");
    expect((await post(`/admin/practitioners/${rows[0]!.id}/set-password-link`, {})).statusCode).toBe(403);
    const reissued = await post(`/admin/practitioners/${rows[0]!.id}/set-password-link`, { _csrf: csrf });
    expect(reissued.statusCode).toBe(200);
    const second = /(http:\/\/localhost:3000\/set-password\/jsp_[A-Za-z0-9_-]{43})/.exec(reissued.body)?.[1];
    expect(second).toBeDefined();
    expect(second).not.toBe(link);
    expect((await choose(w.app, link!, CHOSEN)).page.statusCode).toBe(410);
    expect((await choose(w.app, second!, CHOSEN)).res.statusCode).toBe(200);
  });
});
