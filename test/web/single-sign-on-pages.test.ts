import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createProvider, type SingleSignOnSettings } from '../../src/single-sign-on/providers.ts';
import type { ActorContext, Services } from '../../src/shared/context.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, services } from '../fixtures.ts';
import { signInAtProvider, startTestProvider, type TestProvider } from '../oidc/test-provider.ts';
import { useWebApp } from './no-js-browser.ts';

const PASSWORD = 'a long enough password for the tests';
const PUBLIC_URL = 'http://jigsaw.test';
const { db } = useTestDb();
const web = useWebApp(PASSWORD);

let idp: TestProvider;
beforeAll(async () => {
  idp = await startTestProvider({
    redirectUri: `${PUBLIC_URL}/sign-in/sso/callback`, postLogoutRedirectUri: `${PUBLIC_URL}/sign-in?signedOut=1`,
    accounts: [
      { sub: 'sue', email: 'sue@council.example', email_verified: true, amr: ['pwd', 'otp'] },
      { sub: 'nobody', email: 'nobody@council.example', email_verified: true },
      { sub: 'pc-paul', email: 'paul@police.example', email_verified: true },
    ],
  });
});
afterAll(() => idp.close());

/** A browser that has not signed in: keeps its cookies, follows nothing. */
function anonymous(app: FastifyInstance) {
  const cookies: Record<string, string> = {};
  return {
    cookies,
    get: async (url: string) => {
      const res = await app.inject({ url, headers: { accept: 'text/html' }, cookies });
      for (const c of res.cookies) {
        if (c.value === '') delete cookies[c.name];
        else cookies[c.name] = c.value;
      }
      return res;
    },
  };
}

interface World { s: Services; council: string; police: string; admin: ActorContext & { email: string }; policeAdmin: ActorContext & { email: string }; providerId: string; settings: SingleSignOnSettings }

async function world(settings: SingleSignOnSettings = { publicUrl: PUBLIC_URL }): Promise<World> {
  const s = services(db());
  const p = await partnershipWith(s);
  const council = await agency(s, p, 'childrens_social_care', 'Northshire County Council');
  const police = await agency(s, p, 'police', 'Northshire Police');
  await web.open(s, { singleSignOn: settings });
  const admin = await web.signedUp(s, council, ['administrator'], 'Ada Admin');
  const policeAdmin = await web.signedUp(s, police, ['administrator'], 'Pat Admin');
  const sue = await web.signedUp(s, council, ['social_worker'], 'Sue Social');
  await s.db.query("UPDATE practitioner SET email = 'sue@council.example' WHERE id = $1", [sue.actor.practitionerId]);
  const paul = await web.signedUp(s, police, ['practitioner'], 'Paul Police');
  await s.db.query("UPDATE practitioner SET email = 'paul@police.example' WHERE id = $1", [paul.actor.practitionerId]);
  const provider = await createProvider(admin, {
    agencyId: council, name: 'Northshire County Council (Microsoft)', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret,
    scopes: 'openid email profile', emailClaim: 'email', emailMustBeVerified: true, requireMfa: false, mfaAcrValues: [],
  });
  return { s, council, police, admin, policeAdmin, providerId: provider.id, settings };
}

/** Clicks "Sign in with …", signs in at the provider as `account`, and comes back: the callback's answer. */
async function ssoAs(browser: ReturnType<typeof anonymous>, providerId: string, account: string) {
  const start = await browser.get(`/sign-in/sso/${providerId}`);
  expect(start.statusCode).toBe(303);
  const back = new URL(await signInAtProvider(start.headers.location!, account));
  return browser.get(back.pathname + back.search);
}

describe('signing in with an identity provider (pages without JavaScript)', () => {
  it('the sign-in page offers each enabled provider as a link; the link goes to the provider with PKCE', async () => {
    const w = await world();
    const browser = anonymous(web.app);
    const page = await browser.get('/sign-in');
    expect(page.body).toContain(`href="/sign-in/sso/${w.providerId}"`);
    expect(page.body).toContain('Sign in with Northshire County Council (Microsoft)');
    expect(page.body).toContain('name="password"');
    const start = await browser.get(`/sign-in/sso/${w.providerId}`);
    const to = new URL(start.headers.location!);
    expect(to.origin).toBe(idp.issuer);
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/sign-in/sso/callback`);
    expect(browser.cookies.jigsaw_sso).toBeTruthy();
  });

  it('a registered practitioner lands signed in, on My tasks, naming her; signing out offers the provider’s sign-out', async () => {
    const w = await world();
    const browser = anonymous(web.app);
    const done = await ssoAs(browser, w.providerId, 'sue');
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('<meta http-equiv="refresh" content="0;url=/tasks">');
    expect(browser.cookies.jigsaw_sso).toBeUndefined();
    const tasks = await browser.get('/tasks');
    expect(tasks.statusCode).toBe(200);
    expect(tasks.body).toContain('Sue Social');
    const token = /name="_csrf" value="([^"]+)"/.exec(tasks.body)![1]!;
    const out = await web.app.inject({ method: 'POST', url: '/sign-out', cookies: browser.cookies, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(token)}` });
    expect(out.headers.location).toBe(`/sign-in?signedOut=1&provider=${w.providerId}`);
    const signedOut = await browser.get(out.headers.location!);
    expect(signedOut.body).toContain('Sign out of Northshire County Council (Microsoft) too');
    const away = await browser.get(`/sign-in/sso/${w.providerId}/sign-out`);
    expect(away.headers.location).toMatch(new RegExp(`^${idp.issuer}/session/end\\?`));
  });

  it('an unregistered person, and a practitioner of another agency, get the refusal page and no session', async () => {
    const w = await world();
    for (const account of ['nobody', 'pc-paul']) {
      const browser = anonymous(web.app);
      const refused = await ssoAs(browser, w.providerId, account);
      expect(refused.statusCode).toBe(403);
      expect(refused.body).toContain('You cannot sign in to Jigsaw with this account');
      expect(refused.body).not.toContain('@');
      expect(browser.cookies.jigsaw_session).toBeUndefined();
    }
  });

  it('a replayed callback, an unknown provider and a disabled provider are plain pages, never a 5xx', async () => {
    const w = await world();
    const browser = anonymous(web.app);
    const start = await browser.get(`/sign-in/sso/${w.providerId}`);
    const back = new URL(await signInAtProvider(start.headers.location!, 'sue'));
    expect((await browser.get(back.pathname + back.search)).statusCode).toBe(200);
    const again = await browser.get(back.pathname + back.search);
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('This sign-in has already been used');
    expect((await browser.get('/sign-in/sso/callback?state=%00%ff&code=' + 'x'.repeat(5000))).statusCode).toBe(400);
    expect((await browser.get('/sign-in/sso/callback?error=access_denied')).statusCode).toBe(400);
    expect((await browser.get('/sign-in/sso/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await browser.get('/sign-in/sso/not-a-uuid')).statusCode).toBe(404);
    await w.s.db.query('UPDATE identity_provider SET disabled_at = now()');
    expect((await browser.get(`/sign-in/sso/${w.providerId}`)).statusCode).toBe(404);
    expect((await browser.get('/sign-in')).body).not.toContain('/sign-in/sso/');
  });

  it('whatever comes back to the callback or the start link, the answer is a page, never a 5xx, and nobody is signed in', async () => {
    const w = await world();
    const browser = anonymous(web.app);
    const text = fc.string({ unit: 'binary', maxLength: 300 });
    await fc.assert(fc.asyncProperty(fc.record({ state: text, code: text, error: fc.option(text), iss: fc.option(text) }), text, async (q, id) => {
      const query = new URLSearchParams({ state: q.state, code: q.code, ...(q.error === null ? {} : { error: q.error }), ...(q.iss === null ? {} : { iss: q.iss }) });
      const back = await browser.get(`/sign-in/sso/callback?${query.toString()}`);
      expect(back.statusCode).toBeLessThan(500);
      const start = await browser.get(`/sign-in/sso/${encodeURIComponent(id)}`);
      expect(start.statusCode).toBeLessThan(500);
    }), { numRuns: 60 });
    expect((await w.s.db.query('SELECT 1 FROM web_session')).rows).toHaveLength(0);
  });

  it('the environment’s provider (JIGSAW_OIDC_*) signs in a registered practitioner of any agency', async () => {
    const w = await world({
      publicUrl: PUBLIC_URL,
      environmentProvider: { name: 'Northshire Directory', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, scopes: 'openid email', emailClaim: 'email', emailMustBeVerified: true, requireMfa: false, mfaAcrValues: [] },
    });
    const browser = anonymous(web.app);
    const page = await browser.get('/sign-in');
    expect(page.body).toContain('Sign in with Northshire Directory');
    const envId = (await w.s.db.query<{ id: string }>('SELECT id FROM identity_provider WHERE from_environment')).rows[0]!.id;
    expect((await ssoAs(browser, envId, 'pc-paul')).statusCode).toBe(200);
    expect((await browser.get('/tasks')).body).toContain('Paul Police');
  });
});

describe('the administrators’ identity provider pages', () => {
  it('an agency administrator adds, changes (secret kept when blank) and switches off the agency’s provider', async () => {
    const w = await world();
    const admin = await web.browser(w.admin);
    const list = await admin.get('/admin/identity-providers');
    expect(list).toContain('Sign in with Northshire County Council (Microsoft)');
    expect(list).toContain(`${PUBLIC_URL}/sign-in/sso/callback`);
    await admin.get('/admin/identity-providers/new');
    const bad = await admin.post('/admin/identity-providers', { owner: `agency:${w.council}`, name: '', issuer: 'http://login.example.com/tenant', clientId: 'x', scopes: 'email' });
    expect(bad.status).toBe(422);
    expect(bad.body).toContain('Enter the name shown on the sign-in button');
    expect(bad.body).toContain('The issuer URL must start with https://');
    expect(bad.body).toContain('The scopes must include openid');
    const added = await admin.post('/admin/identity-providers', {
      owner: `agency:${w.council}`, name: 'Council staff (Entra ID)', issuer: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0',
      clientId: 'client-123', clientSecret: 'top-secret-value', scopes: 'openid email profile', emailClaim: 'preferred_username', options: ['requireMfa'], mfaAcrValues: '',
    });
    expect(added.location).toBe('/admin/identity-providers?done=added');
    const row = (await w.s.db.query<{ id: string; client_secret_sealed: string; email_must_be_verified: boolean; require_mfa: boolean }>(
      "SELECT id, client_secret_sealed, email_must_be_verified, require_mfa FROM identity_provider WHERE client_id = 'client-123'")).rows[0]!;
    expect(row).toMatchObject({ email_must_be_verified: false, require_mfa: true });
    const edit = await admin.get(`/admin/identity-providers/${row.id}`);
    expect(edit).toContain('Leave blank to keep the current secret');
    expect(edit).not.toContain('top-secret-value');
    const changed = await admin.post(`/admin/identity-providers/${row.id}`, {
      name: 'Council staff', issuer: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0', clientId: 'client-123', clientSecret: '', scopes: 'openid email profile', emailClaim: 'preferred_username', options: [],
    });
    expect(changed.location).toBe('/admin/identity-providers?done=changed');
    const after = (await w.s.db.query<{ name: string; client_secret_sealed: string }>('SELECT name, client_secret_sealed FROM identity_provider WHERE id = $1', [row.id])).rows[0]!;
    expect(after).toEqual({ name: 'Council staff', client_secret_sealed: row.client_secret_sealed });
    await admin.get('/admin/identity-providers');
    expect((await admin.post(`/admin/identity-providers/${row.id}/disable`, {})).location).toBe('/admin/identity-providers?done=disabled');
    expect((await w.s.db.query('SELECT 1 FROM identity_provider WHERE id = $1 AND disabled_at IS NOT NULL', [row.id])).rows).toHaveLength(1);
    const trail = JSON.stringify((await w.s.db.query("SELECT action, detail FROM audit_event WHERE action LIKE 'sso.provider-%'")).rows);
    expect(trail).toContain('sso.provider-create');
    expect(trail).toContain('sso.provider-disable');
    expect(trail).not.toContain('top-secret-value');
  });

  it('another agency’s administrator finds no such provider; a practitioner finds no such pages', async () => {
    const w = await world();
    const other = await web.browser(w.policeAdmin);
    expect(await other.get('/admin/identity-providers')).not.toContain('Northshire County Council (Microsoft)');
    await other.get(`/admin/identity-providers/${w.providerId}`, 404);
    expect((await other.post(`/admin/identity-providers/${w.providerId}/disable`, {})).status).toBe(404);
    const worker = await web.browser(await web.signedUp(w.s, w.council, ['social_worker'], 'Wendy Worker'));
    await worker.get('/admin/identity-providers', 404);
    await worker.get('/admin/identity-providers/new', 404);
  });

  it('an administrator sees a practitioner’s linked account and unlinks it; another agency’s cannot', async () => {
    const w = await world();
    await ssoAs(anonymous(web.app), w.providerId, 'sue');
    const sue = (await w.s.db.query<{ id: string }>("SELECT id FROM practitioner WHERE email = 'sue@council.example'")).rows[0]!.id;
    const other = await web.browser(w.policeAdmin);
    await other.get(`/admin/practitioners/${sue}/identities`, 404);
    const admin = await web.browser(w.admin);
    const page = await admin.get(`/admin/practitioners/${sue}/identities`);
    expect(page).toContain('Northshire County Council (Microsoft)');
    expect(page).toContain('<code>sue</code>');
    const unlinked = await admin.post(`/admin/practitioners/${sue}/identities/unlink`, { providerId: w.providerId, subject: 'sue' });
    expect(unlinked.location).toBe(`/admin/practitioners/${sue}/identities?done=unlinked`);
    expect((await w.s.db.query('SELECT 1 FROM practitioner_identity')).rows).toHaveLength(0);
  });
});
