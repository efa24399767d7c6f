import { describe, expect, it, onTestFinished } from 'vitest';
import { apiTokenDays } from '../../src/auth/api-tokens.ts';
import { buildApp } from '../../src/http/app.ts';
import { addPractitionerAsSystem } from '../../src/partnership/partnership.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { AUTH_SETTINGS, bearer } from '../api/helpers.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, practitioner } from '../fixtures.ts';

/**
 * Issue 19: API tokens expire (90 days by default), their owners list, make and revoke their own,
 * administrators list and revoke their agency's, and anyone else's token is a 404.
 */

const PASSWORD = 'correct horse battery staple';

describe('API tokens expire, and their owners and administrators manage them', () => {
  const t = useTestDb();

  async function setUp() {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = { db: t.db(), clock };
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care');
    const school = await agency(s, p, 'school');
    const admin = await practitioner(s, csc, ['administrator']);
    const schoolAdmin = await practitioner(s, school, ['administrator']);
    const worker = await addPractitionerAsSystem(s, { agencyId: csc, name: 'Rachel Dunn', email: 'rachel@csc.example', roles: ['social_worker'], password: PASSWORD });
    const other = await practitioner(s, csc, ['social_worker']);
    const app = await buildApp({ services: s, auth: AUTH_SETTINGS });
    onTestFinished(() => app.close());
    const session = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'rachel@csc.example', password: PASSWORD } });
    const cookie = session.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    return { s, clock, app, admin, schoolAdmin, worker, other, cookie };
  }

  it('a token made by its owner works until 90 days have passed, then gets 401; its last use is kept', async () => {
    const w = await setUp();
    const made = await w.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie: w.cookie }, payload: { name: 'Case export' } });
    expect(made.statusCode).toBe(201);
    const token = made.json<{ id: string; token: string; expiresAt: string }>();
    expect(token.expiresAt).toBe('2026-05-31T09:00:00.000Z');
    const auth = { authorization: `Bearer ${token.token}` };
    expect((await w.app.inject({ url: '/api/v1/me', headers: auth })).statusCode).toBe(200);
    w.clock.set('2026-05-31T08:59:00Z');
    expect((await w.app.inject({ url: '/api/v1/me', headers: auth })).statusCode).toBe(200);
    // (The sign-in session ended long ago: the token lists itself.)
    const listed = await w.app.inject({ url: '/api/v1/tokens', headers: auth });
    expect(listed.json()).toEqual([expect.objectContaining({ id: token.id, name: 'Case export', state: 'active', lastUsedAt: '2026-05-31T08:59:00.000Z' })]);
    expect(listed.body).not.toContain(token.token);
    w.clock.set('2026-05-31T09:00:00Z');
    expect((await w.app.inject({ url: '/api/v1/me', headers: auth })).statusCode).toBe(401);
  });

  it('the number of days is the owner\'s choice up to 366; JIGSAW_API_TOKEN_DAYS sets the default', async () => {
    const w = await setUp();
    const tooLong = await w.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie: w.cookie }, payload: { name: 'x', days: 400 } });
    expect(tooLong.statusCode).toBe(422);
    expect(tooLong.json().errors).toEqual([{ pointer: '/days', detail: 'At most 366 days' }]);
    const week = await w.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie: w.cookie }, payload: { name: 'x', days: 7 } });
    expect(week.json().expiresAt).toBe('2026-03-09T09:00:00.000Z');
    expect(apiTokenDays({})).toBe(90);
    expect(apiTokenDays({ JIGSAW_API_TOKEN_DAYS: '30' })).toBe(30);
    expect(() => apiTokenDays({ JIGSAW_API_TOKEN_DAYS: '367' })).toThrow(/JIGSAW_API_TOKEN_DAYS/);
  });

  it('a token cannot make another (403): tokens are made when signed in', async () => {
    const w = await setUp();
    const made = (await w.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie: w.cookie }, payload: { name: 'x' } })).json<{ token: string }>();
    const res = await w.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { authorization: `Bearer ${made.token}` }, payload: { name: 'renewal' } });
    expect(res.statusCode).toBe(403);
  });

  it("an owner revokes their own token at once; someone else's token is a 404 to them", async () => {
    const w = await setUp();
    const mine = (await w.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie: w.cookie }, payload: { name: 'x' } })).json<{ id: string; token: string }>();
    const othersAuth = await bearer(w.other);
    const othersId = (await w.s.db.query<{ id: string }>('SELECT id FROM api_token WHERE practitioner_id = $1', [w.other.actor.practitionerId])).rows[0]!.id;
    expect((await w.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${othersId}`, headers: { cookie: w.cookie } })).statusCode).toBe(404);
    expect((await w.app.inject({ url: '/api/v1/me', headers: othersAuth })).statusCode).toBe(200);
    const revoked = await w.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${mine.id}`, headers: { cookie: w.cookie } });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ state: 'revoked' });
    expect((await w.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${mine.token}` } })).statusCode).toBe(401);
  });

  it("an administrator lists and revokes the tokens of her agency's practitioners; another agency's administrator gets 404", async () => {
    const w = await setUp();
    const made = (await w.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie: w.cookie }, payload: { name: 'Case export' } })).json<{ id: string; token: string }>();
    const adminAuth = await bearer(w.admin);
    const list = await w.app.inject({ url: `/api/v1/practitioners/${w.worker.id}/tokens`, headers: adminAuth });
    expect(list.json()).toEqual([expect.objectContaining({ id: made.id, name: 'Case export', state: 'active' })]);
    const schoolAuth = await bearer(w.schoolAdmin);
    expect((await w.app.inject({ url: `/api/v1/practitioners/${w.worker.id}/tokens`, headers: schoolAuth })).statusCode).toBe(404);
    expect((await w.app.inject({ method: 'DELETE', url: `/api/v1/practitioners/${w.worker.id}/tokens/${made.id}`, headers: schoolAuth })).statusCode).toBe(404);
    // A token id under the wrong practitioner: 404 too.
    expect((await w.app.inject({ method: 'DELETE', url: `/api/v1/practitioners/${w.other.actor.practitionerId}/tokens/${made.id}`, headers: adminAuth })).statusCode).toBe(404);
    expect((await w.app.inject({ method: 'DELETE', url: `/api/v1/practitioners/${w.worker.id}/tokens/${made.id}`, headers: adminAuth })).statusCode).toBe(200);
    expect((await w.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${made.token}` } })).statusCode).toBe(401);
  });

  it('on /account/tokens the owner makes a token, sees it once, and revokes it', async () => {
    const w = await setUp();
    const page = await w.app.inject({ url: '/account/tokens', headers: { cookie: w.cookie, accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('You have no API tokens.');
    const cookie = [w.cookie, ...page.cookies.map((c) => `${c.name}=${c.value}`)].join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const post = (url: string, form: Record<string, string>) => w.app.inject({
      method: 'POST', url, headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
    });
    const bad = await post('/account/tokens', { name: '', days: 'ninety' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Give the token a name');
    expect(bad.body).toContain('Enter a whole number of days from 1 to 366');
    const made = await post('/account/tokens', { name: 'Case export', days: '' });
    expect(made.statusCode).toBe(200);
    const token = /id="new-api-token"[^>]*>(jst_[^<]+)</.exec(made.body)![1]!;
    expect(made.body).toContain('31 May 2026 at 10am');
    expect((await w.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    const again = await w.app.inject({ url: '/account/tokens', headers: { cookie, accept: 'text/html' } });
    expect(again.body).not.toContain(token);
    const id = /action="\/account\/tokens\/([0-9a-f-]{36})\/revoke"/.exec(again.body)![1]!;
    const revoked = await post(`/account/tokens/${id}/revoke`, {});
    expect(revoked.statusCode).toBe(303);
    expect((await w.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
  });
});
