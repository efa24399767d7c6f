import type { FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/access/policy.ts';
import { createApiToken, loadActor } from '../../src/auth/auth.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { codeAt } from '../../src/auth/two-factor/totp.ts';
import { confirmSetUp, startSetUp } from '../../src/auth/two-factor/two-factor.ts';
import type { TwoFactorSetting } from '../../src/config/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { addPractitionerAsSystem } from '../../src/partnership/partnership.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { Services } from '../../src/shared/context.ts';
import { AUTH_SETTINGS } from '../api/helpers.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith } from '../fixtures.ts';

const PASSWORD = 'Tuesday-morning-register';
let hash: string;
beforeAll(async () => {
  hash = await hashPassword(PASSWORD);
});

/** A browser without JavaScript: its cookies, and the CSRF token of the page it last read. */
function browser(app: FastifyInstance) {
  const cookies: Record<string, string> = {};
  let csrf = '';
  const keep = (res: { cookies: { name: string; value: string }[] }) => {
    for (const c of res.cookies) {
      if (c.value) cookies[c.name] = c.value;
      else delete cookies[c.name];
    }
  };
  return {
    cookies,
    async get(url: string) {
      const res = await app.inject({ url, headers: { accept: 'text/html' }, cookies });
      keep(res);
      csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? csrf;
      return res;
    },
    async post(url: string, form: Record<string, string>) {
      const res = await app.inject({
        method: 'POST', url, cookies, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        payload: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
      });
      keep(res);
      csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? csrf;
      return res;
    },
    api(method: 'GET' | 'DELETE' | 'POST', url: string, payload?: object) {
      return app.inject({ method, url, cookies, ...(payload ? { payload } : {}) });
    },
  };
}

describe('two-factor authentication through the API and the pages', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  let seq = 0;
  async function setup(twoFactor?: TwoFactorSetting) {
    const s = { db: t.db(), clock: fixedClock('2026-03-02T09:00:10Z') };
    const partnershipId = await partnershipWith(s);
    const schoolId = await agency(s, partnershipId, 'school');
    app = await buildApp({ services: s, auth: { ...AUTH_SETTINGS, ...(twoFactor ? { twoFactor } : {}) }, logLevel: 'silent' });
    const person = async (roles: Role[], agencyId = schoolId) => {
      const email = `p${++seq}@school.example`;
      const p = await addPractitionerAsSystem(s, { agencyId, name: `Person ${seq}`, email, roles, password: PASSWORD }, { passwordHash: hash });
      return { id: p.id, email, ctx: { ...s, actor: (await loadActor(s.db, p.id))! } };
    };
    return { s, app, partnershipId, schoolId, person };
  }
  const enrol = async (who: { ctx: Parameters<typeof startSetUp>[0] }, s: Services) => {
    const { key } = await startSetUp(who.ctx);
    return { key, codes: await confirmSetUp(who.ctx, codeAt(key, s.clock.now())) };
  };
  const later = (s: { clock: ReturnType<typeof fixedClock> }) => s.clock.advanceMinutes(1);

  it('the API asks for the code after a right password, with a type of its own, and signs in with it', async () => {
    const { s, app, person } = await setup();
    const ann = await person(['practitioner']);
    const { key, codes } = await enrol(ann, s);
    later(s);
    const without = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: ann.email, password: PASSWORD } });
    expect(without.statusCode).toBe(401);
    expect(without.headers['content-type']).toContain('application/problem+json');
    expect(without.json().type).toMatch(/\/second-factor-required$/);
    expect(without.cookies).toHaveLength(0);

    const wrong = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: ann.email, password: PASSWORD, code: '000000' } });
    expect(wrong.statusCode).toBe(401);
    const malformed = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: ann.email, password: PASSWORD, code: '12ab\u0000' } });
    expect(malformed.statusCode).toBe(422);
    expect(malformed.json().errors[0].pointer).toBe('/code');

    const right = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: ann.email, password: PASSWORD, code: codeAt(key, s.clock.now()) } });
    expect(right.statusCode).toBe(201);
    const recovery = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: ann.email, password: PASSWORD, recoveryCode: codes[0] } });
    expect(recovery.statusCode).toBe(201);
    const again = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: ann.email, password: PASSWORD, recoveryCode: codes[0] } });
    expect(again.statusCode).toBe(401);
  });

  it('with the requirement on, an administrator signed in with a password alone is sent to set it up (pages) and refused the API until she does', async () => {
    const { s, app, person } = await setup('required');
    const admin = await person(['administrator']);
    const b = browser(app);
    await b.get('/sign-in');
    const signedIn = await b.post('/sign-in', { email: admin.email, password: PASSWORD });
    expect(signedIn.headers.location).toBe('/tasks');

    const api = await b.api('GET', '/api/v1/me');
    expect(api.statusCode).toBe(403);
    expect(api.json().type).toMatch(/\/two-factor-required$/);
    for (const page of ['/tasks', '/admin', '/people/find']) {
      const res = await b.get(page);
      expect(res.statusCode, page).toBe(303);
      expect(res.headers.location).toBe('/account/two-factor');
    }
    // The keep-alive, public pages, the API's description and signing in again still answer.
    expect((await b.get('/session/keep-alive')).statusCode).toBe(200);
    expect((await b.get('/accessibility')).statusCode).toBe(200);
    expect((await b.api('GET', '/api/v1/openapi.json')).statusCode).toBe(200);
    expect((await b.api('POST', '/api/v1/session', { email: admin.email, password: 'not it' })).statusCode).toBe(401);

    const setUpPage = await b.get('/account/two-factor');
    expect(setUpPage.statusCode).toBe(200);
    expect(setUpPage.body).toContain('Your account must use two-factor authentication');
    expect(setUpPage.body).toMatch(/<svg role="img" aria-label="QR code to scan with your authenticator app"/);
    expect(setUpPage.body).not.toMatch(/<img[^>]+src="data:/);
    const key = /id="totp-key">([A-Z2-7 ]+)</.exec(setUpPage.body)![1]!.replace(/ /g, '');

    const wrong = await b.post('/account/two-factor/set-up', { code: '000000' });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain('The code is not right');
    const done = await b.post('/account/two-factor/set-up', { code: codeAt(key, s.clock.now()) });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Save your recovery codes');
    expect(done.body.match(/<li><code>[a-z0-9]{5}-[a-z0-9]{5}<\/code><\/li>/g)).toHaveLength(10);

    // The same session now counts as two-factor: everything opens.
    expect((await b.get('/tasks')).statusCode).toBe(200);
    expect((await b.api('GET', '/api/v1/me')).statusCode).toBe(200);
    const account = await b.get('/account/two-factor?done=two-factor-on');
    expect(account.body).toContain('Two-factor authentication is on');
    expect(account.body).toContain('2 March 2026');
    expect(account.body).toContain('cannot turn it off');
  });

  it('without the setting (apps built by other tests) or with it off, nobody is held back; a practitioner who need not use it is never held back', async () => {
    const off = await setup();
    const admin = await off.person(['administrator']);
    const b = browser(off.app);
    await b.get('/sign-in');
    await b.post('/sign-in', { email: admin.email, password: PASSWORD });
    expect((await b.api('GET', '/api/v1/me')).statusCode).toBe(200);
    await off.app.close();

    const on = await setup('required');
    const ann = await on.person(['practitioner']);
    const c = browser(on.app);
    await c.get('/sign-in');
    await c.post('/sign-in', { email: ann.email, password: PASSWORD });
    expect((await c.api('GET', '/api/v1/me')).statusCode).toBe(200);
    expect((await c.get('/tasks')).statusCode).toBe(200);
  });

  it("a partnership administrator requires it of everyone; then a practitioner's password-only session is refused", async () => {
    const { s, app, partnershipId, person } = await setup('required');
    const pa = await person(['partnership_administrator']);
    const ann = await person(['practitioner']);
    const c = browser(app);
    await c.get('/sign-in');
    await c.post('/sign-in', { email: ann.email, password: PASSWORD });
    expect((await c.api('GET', '/api/v1/me')).statusCode).toBe(200);

    const token = await createApiToken(s, pa.id, 'test');
    const auth = { authorization: `Bearer ${token.token}` };
    const elsewhere = await partnershipWith(s, 'Another partnership');
    expect((await app.inject({ method: 'PUT', url: `/api/v1/partnerships/${elsewhere}/two-factor`, headers: auth, payload: { requireTwoFactor: true } })).statusCode).toBe(404);
    const set = await app.inject({ method: 'PUT', url: `/api/v1/partnerships/${partnershipId}/two-factor`, headers: auth, payload: { requireTwoFactor: true } });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({ requireTwoFactor: true, practitioners: 2, enrolled: 0 });
    const adminToken = await createApiToken(s, ann.id, 'test');
    expect((await app.inject({ method: 'PUT', url: `/api/v1/partnerships/${partnershipId}/two-factor`, headers: { authorization: `Bearer ${adminToken.token}` }, payload: { requireTwoFactor: false } })).statusCode).toBe(404);

    expect((await c.api('GET', '/api/v1/me')).statusCode).toBe(403);
    expect((await c.get('/tasks')).headers.location).toBe('/account/two-factor');
  });

  it('the pages sign in in two steps: a code, or a recovery code once', async () => {
    const { s, app, person } = await setup('required');
    const ann = await person(['practitioner']);
    const { key, codes } = await enrol(ann, s);
    later(s);
    const b = browser(app);
    await b.get('/sign-in');
    const first = await b.post('/sign-in', { email: ann.email, password: PASSWORD });
    expect(first.headers.location).toBe('/sign-in/code');
    expect(b.cookies.jigsaw_session).toBeUndefined();
    const page = await b.get('/sign-in/code');
    expect(page.body).toContain('Enter the 6-digit code from your authenticator app');
    expect(page.body).toContain('Use a recovery code instead');

    const empty = await b.post('/sign-in/code', { code: '' });
    expect(empty.statusCode).toBe(422);
    const wrong = await b.post('/sign-in/code', { code: '000000' });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain('The code is not right');
    const right = await b.post('/sign-in/code', { code: codeAt(key, s.clock.now()) });
    expect(right.headers.location).toBe('/tasks');
    expect((await b.get('/tasks')).statusCode).toBe(200);

    const c = browser(app);
    await c.get('/sign-in');
    await c.post('/sign-in', { email: ann.email, password: PASSWORD });
    await c.get('/sign-in/recovery-code');
    expect((await c.post('/sign-in/recovery-code', { recoveryCode: codes[3]! })).headers.location).toBe('/tasks');

    const d = browser(app);
    await d.get('/sign-in');
    await d.post('/sign-in', { email: ann.email, password: PASSWORD });
    await d.get('/sign-in/recovery-code');
    const reused = await d.post('/sign-in/recovery-code', { recoveryCode: codes[3]! });
    expect(reused.statusCode).toBe(422);
    expect(reused.body).toContain('The recovery code is not right, or has been used');
  });

  it("an administrator of the agency resets a practitioner's second factor on the page or by the API; her sessions end at once; another agency's gets page not found", async () => {
    const { s, app, partnershipId, schoolId, person } = await setup();
    const ann = await person(['practitioner']);
    const { key } = await enrol(ann, s);
    later(s);
    const b = browser(app);
    const signed = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: ann.email, password: PASSWORD, code: codeAt(key, s.clock.now()) } });
    b.cookies.jigsaw_session = signed.cookies.find((c) => c.name === 'jigsaw_session')!.value;
    expect((await b.api('GET', '/api/v1/me')).statusCode).toBe(200);

    const admin = await person(['administrator'], schoolId);
    const a = browser(app);
    await a.get('/sign-in');
    await a.post('/sign-in', { email: admin.email, password: PASSWORD });
    const page = await a.get(`/admin/practitioners/${ann.id}/two-factor`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Set up on 2 March 2026');
    expect(page.body).toContain('10 of 10');
    const noReason = await a.post(`/admin/practitioners/${ann.id}/two-factor`, { reason: '' });
    expect(noReason.statusCode).toBe(422);
    const reset = await a.post(`/admin/practitioners/${ann.id}/two-factor`, { reason: 'Lost phone, checked by telephone' });
    expect(reset.headers.location).toBe(`/admin/practitioners/${ann.id}/two-factor?done=two-factor-reset`);
    expect((await a.get(reset.headers.location!)).body).toContain('Not set up');
    expect((await b.api('GET', '/api/v1/me')).statusCode).toBe(401);

    const otherAgency = await agency(s, partnershipId, 'gp');
    const stranger = await person(['administrator'], otherAgency);
    const token = await createApiToken(s, stranger.id, 'test');
    const refused = await app.inject({ method: 'DELETE', url: `/api/v1/practitioners/${ann.id}/two-factor`, headers: { authorization: `Bearer ${token.token}` }, payload: { reason: 'x' } });
    expect(refused.statusCode).toBe(404);
    const st = browser(app);
    await st.get('/sign-in');
    await st.post('/sign-in', { email: stranger.email, password: PASSWORD });
    expect((await st.get(`/admin/practitioners/${ann.id}/two-factor`)).statusCode).toBe(404);

    const own = await createApiToken(s, admin.id, 'test');
    const byApi = await app.inject({ method: 'DELETE', url: `/api/v1/practitioners/${ann.id}/two-factor`, headers: { authorization: `Bearer ${own.token}` }, payload: { reason: 'again' } });
    expect(byApi.statusCode).toBe(200);
    expect(byApi.json()).toEqual({ hadSecondFactor: false, sessionsEnded: 0 });
  });
});
