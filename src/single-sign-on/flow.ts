import { createHash, randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { auditSystem } from '../audit/audit.ts';
import { openWebSession, type AuthSettings, type SignedIn } from '../auth/auth.ts';
import type { Services } from '../shared/context.ts';
import { SecretsKeyError } from '../shared/secret-box.ts';
import { isMultiFactor, matchPractitioner, type Claims, type Refusal } from './match.ts';
import { callbackUrl, providerForSignIn, type ProviderForSignIn, type SingleSignOnSettings } from './providers.ts';
import { isLoopbackHost } from './schemas.ts';

/**
 * The authorization code flow with PKCE (S256), through openid-client. A sign-in in flight is a
 * row of oidc_sign_in, not process memory, so any server process can finish it; it is claimed
 * once (the first callback wins), within ten minutes, and only in the browser that began it (a
 * random value in a cookie, of which the row keeps the hash): a callback link handed to someone
 * else signs nobody in.
 */

const SIGN_IN_MINUTES = 10;
const DISCOVERY_MINUTES = 60;
const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Why a sign-in could not be finished: each has its own plain-English page (src/web/pages/single-sign-on.ts). */
export type SignInTrouble = Refusal | 'unknown' | 'used' | 'expired' | 'other-browser' | 'cancelled' | 'provider-error' | 'unavailable';

export class SingleSignOnRefused extends Error {
  constructor(readonly trouble: SignInTrouble, readonly providerName?: string) {
    super(`single sign-on refused: ${trouble}`);
  }
}

const discovered = new Map<string, { config: Promise<oidc.Configuration>; until: number }>();

/** The provider's discovery document, kept for an hour per provider and its settings (an edit starts afresh). */
async function configurationOf(p: ProviderForSignIn): Promise<oidc.Configuration> {
  const key = `${p.id} ${p.updatedAt} ${p.issuer} ${p.clientId}`;
  const cached = discovered.get(key);
  if (cached && cached.until > Date.now()) return cached.config;
  const issuer = new URL(p.issuer);
  const insecure = issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname);
  const config = oidc.discovery(issuer, p.clientId, p.clientSecret, p.clientSecret ? oidc.ClientSecretPost(p.clientSecret) : oidc.None(), {
    timeout: 10,
    ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
  });
  discovered.set(key, { config, until: Date.now() + DISCOVERY_MINUTES * 60_000 });
  try {
    return await config;
  } catch (err) {
    discovered.delete(key);
    throw err;
  }
}

/** The provider, its client secret opened; a secret that cannot be opened (JIGSAW_SECRETS_KEY changed) makes single sign-on unavailable, not a 500. */
async function usableProvider(s: Services, settings: SingleSignOnSettings, id: string): Promise<ProviderForSignIn | undefined> {
  try {
    return await providerForSignIn(s.db, id, settings);
  } catch (err) {
    if (err instanceof SecretsKeyError) throw new SingleSignOnRefused('unavailable');
    throw err;
  }
}

export interface Begun {
  /** Where to send the browser: the provider's authorization endpoint. */
  url: string;
  /** The random value for the browser's cookie; only its hash is kept. */
  browserSecret: string;
}

export async function beginSignIn(s: Services, settings: SingleSignOnSettings, providerId: string): Promise<Begun> {
  const provider = await usableProvider(s, settings, providerId);
  if (!provider) throw new SingleSignOnRefused('unknown');
  let config: oidc.Configuration;
  try {
    config = await configurationOf(provider);
  } catch {
    throw new SingleSignOnRefused('unavailable', provider.name);
  }
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const verifier = oidc.randomPKCECodeVerifier();
  const browserSecret = randomBytes(32).toString('base64url');
  const now = s.clock.now();
  await s.db.transaction(async (tx) => {
    // Sign-ins begun and abandoned more than a day ago are of no further use.
    await tx.query('DELETE FROM oidc_sign_in WHERE expires_at < $1', [new Date(now.getTime() - 86_400_000).toISOString()]);
    await tx.query(
      'INSERT INTO oidc_sign_in (state_hash, provider_id, browser_hash, code_verifier, nonce, created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7)',
      [sha256(state), provider.id, sha256(browserSecret), verifier, nonce, now.toISOString(), new Date(now.getTime() + SIGN_IN_MINUTES * 60_000).toISOString()]);
  });
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: callbackUrl(settings),
    scope: provider.scopes,
    response_type: 'code',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { url: url.href, browserSecret };
}

interface InFlight { provider_id: string; browser_hash: string; code_verifier: string; nonce: string; expires_at: string; used_at: string | null }

/**
 * Finishes a sign-in from the provider's redirect: `query` is the callback's query string as
 * received. Claims the sign-in in flight (once), exchanges the code (PKCE, state, nonce and the
 * ID token's signature checked by openid-client), matches the person and opens the session.
 */
export async function finishSignIn(s: Services, settings: SingleSignOnSettings, auth: Pick<AuthSettings, 'sessionMaxHours'>, query: string, browserSecret: string | undefined): Promise<SignedIn> {
  const params = new URLSearchParams(query);
  const state = params.get('state');
  if (!state || state.length > 200) throw new SingleSignOnRefused('unknown');
  const now = s.clock.now();
  const claimed = await s.db.transaction(async (tx) => {
    const row = (await tx.query<InFlight>('SELECT provider_id, browser_hash, code_verifier, nonce, expires_at, used_at FROM oidc_sign_in WHERE state_hash = $1 FOR UPDATE', [sha256(state)])).rows[0];
    if (!row) return { trouble: 'unknown' as const };
    if (row.used_at) return { trouble: 'used' as const, row };
    // Claimed whatever happens next: a state is good for one answer from the provider.
    await tx.query('UPDATE oidc_sign_in SET used_at = $2 WHERE state_hash = $1', [sha256(state), now.toISOString()]);
    if (new Date(row.expires_at).getTime() <= now.getTime()) return { trouble: 'expired' as const, row };
    if (!browserSecret || sha256(browserSecret) !== row.browser_hash) return { trouble: 'other-browser' as const, row };
    return { row };
  });
  const denied = async (trouble: SignInTrouble, providerId?: string, practitionerId?: string, providerName?: string): Promise<never> => {
    await s.db.transaction((tx) => auditSystem(s, tx, {
      action: 'auth.sign-in', outcome: 'denied',
      entityType: practitionerId ? 'practitioner' : providerId ? 'identity_provider' : undefined, entityId: practitionerId ?? providerId,
      detail: { method: 'single_sign_on', reason: trouble, ...(providerId ? { providerId } : {}) },
    }));
    throw new SingleSignOnRefused(trouble, providerName);
  };
  if (claimed.trouble) return denied(claimed.trouble, claimed.row?.provider_id);
  const { row } = claimed;
  const provider = await usableProvider(s, settings, row.provider_id);
  if (!provider) return denied('unknown', row.provider_id);
  const error = params.get('error');
  if (error) return denied(error === 'access_denied' ? 'cancelled' : 'provider-error', provider.id, undefined, provider.name);

  let claims: Claims;
  try {
    const config = await configurationOf(provider);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(`${callbackUrl(settings)}?${params.toString()}`), {
      pkceCodeVerifier: row.code_verifier, expectedState: state, expectedNonce: row.nonce, idTokenExpected: true,
    });
    const c = tokens.claims();
    if (!c) throw new Error('no ID token');
    claims = c;
    // Providers that keep profile claims out of the ID token (as the OpenID Connect core profile
    // does for scope-requested claims) give them at the userinfo endpoint, for the same subject.
    if (provider.emailClaim && c[provider.emailClaim] === undefined && config.serverMetadata().userinfo_endpoint) {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, c.sub);
      claims = { ...info, ...c };
    }
  } catch {
    // A tampered or replayed code, a bad signature, an unreachable provider: the reason stays out of logs and pages.
    return denied('provider-error', provider.id, undefined, provider.name);
  }

  const amr = Array.isArray(claims.amr) ? claims.amr.filter((v): v is string => typeof v === 'string') : undefined;
  const acr = typeof claims.acr === 'string' ? claims.acr : undefined;
  if (provider.requireMfa && !isMultiFactor(amr, acr, provider.mfaAcrValues)) return denied('mfa-required', provider.id, undefined, provider.name);

  const outcome = await s.db.transaction(async (tx) => {
    const match = await matchPractitioner(s, tx, provider, claims);
    if ('refusal' in match) return match;
    const signedIn = await openWebSession(s, tx, auth, match.practitionerId, { method: 'single_sign_on', amr, acr });
    await tx.query('UPDATE web_session SET identity_provider_id = $2 WHERE token_hash = $1', [sha256(signedIn.sessionToken), provider.id]);
    await tx.query('UPDATE practitioner_identity SET last_sign_in_at = $3 WHERE provider_id = $1 AND subject = $2', [provider.id, claims.sub, now.toISOString()]);
    return { signedIn };
  });
  if ('refusal' in outcome) return denied(outcome.refusal, provider.id, outcome.practitionerId, provider.name);
  return outcome.signedIn;
}

/** Where to send a browser to sign out of the provider too, when it says how (RP-initiated logout); undefined otherwise. */
export async function providerSignOutUrl(s: Services, settings: SingleSignOnSettings, providerId: string): Promise<string | undefined> {
  const provider = await providerForSignIn(s.db, providerId, settings);
  if (!provider) return undefined;
  try {
    const config = await configurationOf(provider);
    if (!config.serverMetadata().end_session_endpoint) return undefined;
    return oidc.buildEndSessionUrl(config, { client_id: provider.clientId, post_logout_redirect_uri: `${settings.publicUrl}/sign-in?signedOut=1` }).href;
  } catch {
    return undefined;
  }
}
