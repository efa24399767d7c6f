import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadActor, resolveSession } from '../auth/auth.ts';
import { endAccessInTx } from '../auth/end-access.ts';
import { fixedClock } from '../shared/clock.ts';
import type { ActorContext, Services } from '../shared/context.ts';
import { useTestDb } from '../../test/db.ts';
import { agency, partnershipWith, practitioner, services } from '../../test/fixtures.ts';
import { AUTH_SETTINGS } from '../../test/api/helpers.ts';
import { signInAtProvider, startTestProvider, type TestAccount, type TestProvider } from '../../test/oidc/test-provider.ts';
import { beginSignIn, finishSignIn, SingleSignOnRefused } from './flow.ts';
import { isMultiFactor } from './match.ts';
import { createProvider, singleSignOnSettings, updateProvider, type SingleSignOnSettings } from './providers.ts';
import type { IdentityProviderSettings } from './schemas.ts';

const SETTINGS: SingleSignOnSettings = { publicUrl: 'http://jigsaw.test' };
const { db } = useTestDb();

const ACCOUNTS: TestAccount[] = [
  { sub: 'alice-sub', email: 'Alice.Adams@Northshire.example', email_verified: true, amr: ['pwd'] },
  { sub: 'alice-mfa', email: 'alice.adams@northshire.example', email_verified: true, amr: ['pwd', 'otp'] },
  { sub: 'alice-unverified', email: 'alice.adams@northshire.example', email_verified: false },
  { sub: 'alice-upn', preferred_username: 'alice.adams@northshire.example' },
  { sub: 'alice-aal3', email: 'alice.adams@northshire.example', email_verified: true, acr: 'AAL3' },
  { sub: 'stranger', email: 'stranger@elsewhere.example', email_verified: true },
  { sub: 'bob-sub', email: 'bob@police.example', email_verified: true },
];

let idp: TestProvider;
beforeAll(async () => {
  idp = await startTestProvider({ redirectUri: `${SETTINGS.publicUrl}/sign-in/sso/callback`, accounts: ACCOUNTS });
});
afterAll(() => idp.close());

interface World { s: Services & { clock: ReturnType<typeof fixedClock> }; admin: ActorContext; alice: ActorContext; bob: ActorContext; providerId: string }

async function world(settings: Partial<IdentityProviderSettings> = {}): Promise<World> {
  const s = services(db(), fixedClock('2026-03-02T09:00:00Z')) as World['s'];
  const p = await partnershipWith(s);
  const council = await agency(s, p, 'childrens_social_care', 'Northshire County Council');
  const police = await agency(s, p, 'police', 'Northshire Police');
  const admin = await practitioner(s, council, ['administrator']);
  const alice = await practitioner(s, council, ['social_worker'], 'Alice Adams');
  await s.db.query("UPDATE practitioner SET email = 'alice.adams@northshire.example' WHERE id = $1", [alice.actor.practitionerId]);
  const bob = await practitioner(s, police, ['practitioner'], 'Bob');
  await s.db.query("UPDATE practitioner SET email = 'bob@police.example' WHERE id = $1", [bob.actor.practitionerId]);
  const provider = await createProvider(admin, {
    agencyId: council, name: 'Northshire County Council (test)', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret,
    scopes: 'openid email profile', emailClaim: 'email', emailMustBeVerified: true, requireMfa: false, mfaAcrValues: [], ...settings,
  });
  return { s, admin, alice, bob, providerId: provider.id };
}

/** Begins at Jigsaw, signs in at the provider as `account`, and answers the callback's query and the browser's cookie. */
async function toCallback(w: World, account: string): Promise<{ query: string; browser: string }> {
  const begun = await beginSignIn(w.s, SETTINGS, w.providerId);
  const back = new URL(await signInAtProvider(begun.url, account));
  expect(back.origin + back.pathname).toBe('http://jigsaw.test/sign-in/sso/callback');
  return { query: back.search.slice(1), browser: begun.browserSecret };
}

const refusal = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof SingleSignOnRefused) return err.trouble;
    throw err;
  }
  return 'signed in';
};

describe('single sign-on through an OpenID Connect provider', () => {
  it('signs in a registered practitioner matched by verified e-mail, links the account, and records amr', async () => {
    const w = await world();
    const { query, browser } = await toCallback(w, 'alice-sub');
    const signed = await finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, query, browser);
    expect(signed.practitionerId).toBe(w.alice.actor.practitionerId);
    expect((await resolveSession(w.s, AUTH_SETTINGS, signed.sessionToken))?.practitionerId).toBe(w.alice.actor.practitionerId);
    const session = (await w.s.db.query<{ method: string; amr: string[]; identity_provider_id: string }>('SELECT method, amr, identity_provider_id FROM web_session')).rows[0]!;
    expect(session).toEqual({ method: 'single_sign_on', amr: ['pwd'], identity_provider_id: w.providerId });
    const links = (await w.s.db.query('SELECT subject, practitioner_id FROM practitioner_identity')).rows;
    expect(links).toEqual([{ subject: 'alice-sub', practitioner_id: w.alice.actor.practitionerId }]);
    // The audit trail names identifiers only: never the e-mail address.
    const trail = JSON.stringify((await w.s.db.query('SELECT * FROM audit_event')).rows);
    expect(trail).not.toMatch(/alice\.adams/i);
    expect(trail).toContain('sso.identity-link');
  });

  it('a sign-in works once: the same callback again is refused', async () => {
    const w = await world();
    const { query, browser } = await toCallback(w, 'alice-sub');
    await finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, query, browser);
    expect(await refusal(finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, query, browser))).toBe('used');
  });

  it('refuses a sign-in finished after ten minutes, in another browser, with an unknown state, or with a tampered code', async () => {
    const w = await world();
    const late = await toCallback(w, 'alice-sub');
    w.s.clock.advanceMinutes(11);
    expect(await refusal(finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, late.query, late.browser))).toBe('expired');
    const other = await toCallback(w, 'alice-sub');
    expect(await refusal(finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, other.query, 'another-browser'))).toBe('other-browser');
    expect(await refusal(finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, other.query, undefined))).toBe('used');
    expect(await refusal(finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, 'state=made-up&code=x', 'b'))).toBe('unknown');
    expect(await refusal(finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, 'code=x', 'b'))).toBe('unknown');
    const tampered = await toCallback(w, 'alice-sub');
    const q = new URLSearchParams(tampered.query);
    q.set('code', `${q.get('code')}x`);
    expect(await refusal(finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, q.toString(), tampered.browser))).toBe('provider-error');
    expect((await w.s.db.query('SELECT 1 FROM web_session')).rows).toHaveLength(0);
  });

  it('an error from the provider (the person cancelled) is refused plainly', async () => {
    const w = await world();
    const begun = await beginSignIn(w.s, SETTINGS, w.providerId);
    const state = new URL(begun.url).searchParams.get('state')!;
    expect(await refusal(finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, `error=access_denied&state=${state}`, begun.browserSecret))).toBe('cancelled');
  });

  it('creates nobody: an unregistered account is refused and audited without its e-mail address', async () => {
    const w = await world();
    const { query, browser } = await toCallback(w, 'stranger');
    expect(await refusal(finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, query, browser))).toBe('not-registered');
    expect((await w.s.db.query('SELECT count(*)::int AS n FROM practitioner')).rows[0]).toEqual({ n: 3 });
    const denied = (await w.s.db.query<{ detail: Record<string, string> }>("SELECT detail FROM audit_event WHERE action = 'auth.sign-in' AND outcome = 'denied'")).rows;
    expect(denied.map((d) => d.detail.reason)).toEqual(['not-registered']);
    expect(JSON.stringify(denied)).not.toContain('stranger');
  });

  it('refuses a practitioner of another agency, and a deactivated one (whose open session also ends)', async () => {
    const w = await world();
    const bob = await toCallback(w, 'bob-sub');
    expect(await refusal(finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, bob.query, bob.browser))).toBe('outside-provider');
    const first = await toCallback(w, 'alice-sub');
    const session = await finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, first.query, first.browser);
    await w.s.db.transaction((tx) => endAccessInTx(w.s, tx, w.alice.actor.practitionerId));
    expect(await resolveSession(w.s, AUTH_SETTINGS, session.sessionToken)).toBeUndefined();
    const again = await toCallback(w, 'alice-sub');
    expect(await refusal(finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, again.query, again.browser))).toBe('deactivated');
    expect(await loadActor(w.s.db, w.alice.actor.practitionerId)).toBeUndefined();
  });

  it('matches by e-mail only when the provider says it is verified, unless its settings trust another claim', async () => {
    const w = await world();
    const unverified = await toCallback(w, 'alice-unverified');
    expect(await refusal(finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, unverified.query, unverified.browser))).toBe('email-not-verified');
    const upn = await toCallback(w, 'alice-upn');
    expect(await refusal(finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, upn.query, upn.browser))).toBe('not-registered');
    // Microsoft Entra ID: no email_verified; the organisation's own preferred_username is trusted instead.
    await updateProvider(w.admin, w.providerId, { ...entraLike(w) });
    const entra = await toCallback(w, 'alice-upn');
    expect((await finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, entra.query, entra.browser)).practitionerId).toBe(w.alice.actor.practitionerId);
  });

  it('a linked account keeps signing in by its subject when e-mail matching is turned off', async () => {
    const w = await world();
    const first = await toCallback(w, 'alice-sub');
    await finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, first.query, first.browser);
    await updateProvider(w.admin, w.providerId, { ...entraLike(w), emailClaim: null });
    const again = await toCallback(w, 'alice-sub');
    expect((await finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, again.query, again.browser)).practitionerId).toBe(w.alice.actor.practitionerId);
    const other = await toCallback(w, 'alice-mfa');
    expect(await refusal(finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, other.query, other.browser))).toBe('not-registered');
  });

  it('when the provider requires a second factor: refused with a password alone, admitted with pwd+otp or a multi-factor acr', async () => {
    const w = await world({ requireMfa: true, mfaAcrValues: ['AAL3'] });
    const pwd = await toCallback(w, 'alice-sub');
    expect(await refusal(finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, pwd.query, pwd.browser))).toBe('mfa-required');
    const otp = await toCallback(w, 'alice-mfa');
    await finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, otp.query, otp.browser);
    const aal3 = await toCallback(w, 'alice-aal3');
    await finishSignIn(w.s, SETTINGS, AUTH_SETTINGS, aal3.query, aal3.browser);
    const sessions = (await w.s.db.query<{ amr: string[] | null; acr: string | null }>('SELECT amr, acr FROM web_session ORDER BY created_at, acr NULLS FIRST')).rows;
    expect(sessions).toEqual([{ amr: ['pwd', 'otp'], acr: null }, { amr: null, acr: 'AAL3' }]);
  });

  it('counts factors as RFC 8176 names them', () => {
    expect(isMultiFactor(['pwd'], undefined, [])).toBe(false);
    expect(isMultiFactor(['pwd', 'pin'], undefined, [])).toBe(false);
    expect(isMultiFactor(['mfa'], undefined, [])).toBe(true);
    expect(isMultiFactor(['sc', 'pin'], undefined, [])).toBe(true);
    expect(isMultiFactor(['hwk', 'fpt'], undefined, [])).toBe(true);
    expect(isMultiFactor(undefined, 'AAL3', ['AAL3'])).toBe(true);
    expect(isMultiFactor(undefined, 'AAL1', ['AAL3'])).toBe(false);
  });
});

function entraLike(w: World): IdentityProviderSettings {
  void w;
  return { name: 'Northshire County Council (test)', issuer: idp.issuer, clientId: idp.clientId, scopes: 'openid email profile', emailClaim: 'preferred_username', emailMustBeVerified: false, requireMfa: false, mfaAcrValues: [] };
}

describe('the environment\'s provider (JIGSAW_OIDC_*)', () => {
  it('is read with defaults, and refused at start-up with the variable named (never its value)', () => {
    expect(singleSignOnSettings({})).toEqual({ publicUrl: 'http://localhost:3000' });
    const s = singleSignOnSettings({
      JIGSAW_PUBLIC_URL: 'https://jigsaw.example.org/', JIGSAW_OIDC_ISSUER: 'https://login.microsoftonline.com/tenant/v2.0', JIGSAW_OIDC_CLIENT_ID: 'app',
      JIGSAW_OIDC_CLIENT_SECRET: 's3cret', JIGSAW_OIDC_EMAIL_CLAIM: 'preferred_username', JIGSAW_OIDC_EMAIL_MUST_BE_VERIFIED: 'false', JIGSAW_OIDC_MFA_ACR_VALUES: 'AAL2, AAL3',
    });
    expect(s.publicUrl).toBe('https://jigsaw.example.org');
    expect(s.environmentProvider).toMatchObject({
      name: 'your organisation', clientId: 'app', clientSecret: 's3cret', scopes: 'openid email profile', emailClaim: 'preferred_username',
      emailMustBeVerified: false, requireMfa: false, mfaAcrValues: ['AAL2', 'AAL3'],
    });
    expect(singleSignOnSettings({ JIGSAW_OIDC_ISSUER: 'https://idp.example', JIGSAW_OIDC_CLIENT_ID: 'c', JIGSAW_OIDC_EMAIL_CLAIM: 'none' }).environmentProvider?.emailClaim).toBeNull();
    expect(() => singleSignOnSettings({ JIGSAW_OIDC_ISSUER: 'http://idp.example', JIGSAW_OIDC_CLIENT_ID: 'c', JIGSAW_OIDC_CLIENT_SECRET: 'hidden' })).toThrow(/^JIGSAW_OIDC_ISSUER: The issuer URL must start with https:\/\/$/);
    expect(() => singleSignOnSettings({ JIGSAW_OIDC_ISSUER: 'https://idp.example' })).toThrow(/^JIGSAW_OIDC_CLIENT_ID:/);
    expect(() => singleSignOnSettings({ JIGSAW_OIDC_ISSUER: 'https://idp.example', JIGSAW_OIDC_CLIENT_ID: 'c', JIGSAW_OIDC_REQUIRE_MFA: 'yes' })).toThrow(/JIGSAW_OIDC_REQUIRE_MFA must be true or false/);
  });
});
