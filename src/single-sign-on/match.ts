import { auditSystem } from '../audit/audit.ts';
import type { Services, Tx } from '../shared/context.ts';
import type { IdentityProvider } from './schemas.ts';

/** The ID token's claims, with the userinfo endpoint's when the token lacks the e-mail claim. */
export type Claims = { sub: string; amr?: unknown; acr?: unknown; email_verified?: unknown } & Record<string, unknown>;

/** Why a person the provider vouched for is not signed in (their own pages; audited by identifier). */
export type Refusal = 'not-registered' | 'deactivated' | 'outside-provider' | 'mfa-required' | 'email-not-verified';

/**
 * RFC 8176's methods by kind of factor. A sign-in is multi-factor when the provider says `mfa`, or
 * names methods of two kinds (a password and a one-time code; a smartcard and its PIN), or its acr
 * is one the provider's settings count as multi-factor (NHS CIS2's AAL3, say).
 */
const FACTOR_KIND: Record<string, 'know' | 'have' | 'are'> = {
  pwd: 'know', pin: 'know', kba: 'know',
  otp: 'have', hwk: 'have', swk: 'have', sc: 'have', sms: 'have', tel: 'have',
  fpt: 'are', face: 'are', iris: 'are', retina: 'are', vbm: 'are',
};

export function isMultiFactor(amr: readonly string[] | undefined, acr: string | undefined, mfaAcrValues: readonly string[]): boolean {
  if (acr !== undefined && mfaAcrValues.includes(acr)) return true;
  if (!amr) return false;
  if (amr.includes('mfa')) return true;
  return new Set(amr.map((m) => FACTOR_KIND[m]).filter(Boolean)).size >= 2;
}

interface Candidate { id: string; agency_id: string; active: boolean }

/** Whether the provider may sign in a practitioner of this agency: its own agency's, its partnership's, or (the environment's) anyone's. */
async function withinProvider(tx: Tx, provider: IdentityProvider, agencyId: string): Promise<boolean> {
  if (provider.fromEnvironment) return true;
  if (provider.agencyId) return provider.agencyId === agencyId;
  return (await tx.query('SELECT 1 FROM partnership_agency WHERE partnership_id = $1 AND agency_id = $2', [provider.partnershipId, agencyId])).rows.length > 0;
}

/** The e-mail address the provider vouches for, canonical (trimmed, lower case), or why there is none. */
export function vouchedEmail(provider: IdentityProvider, claims: Claims): { email: string } | { unverified: true } | undefined {
  if (!provider.emailClaim) return undefined;
  const value = claims[provider.emailClaim];
  if (typeof value !== 'string' || !value.includes('@') || value.length > 320) return undefined;
  if (provider.emailMustBeVerified && claims.email_verified !== true) return { unverified: true };
  return { email: value.trim().toLowerCase() };
}

/**
 * Who the provider's account is in Jigsaw. Nobody is created: an account already linked
 * (provider, sub) is that practitioner; otherwise, when the provider vouches for e-mail addresses,
 * the practitioner with that address, whose account is then linked (audited) so a later change of
 * address at the provider does not lose them. Either way the practitioner must be active and within
 * the provider's agency or partnership.
 */
export async function matchPractitioner(s: Services, tx: Tx, provider: IdentityProvider, claims: Claims): Promise<{ practitionerId: string } | { refusal: Refusal; practitionerId?: string }> {
  const linked = (await tx.query<Candidate>(
    `SELECT p.id, p.agency_id, p.active FROM practitioner_identity i JOIN practitioner p ON p.id = i.practitioner_id
      WHERE i.provider_id = $1 AND i.subject = $2`, [provider.id, claims.sub])).rows[0];
  let candidate = linked;
  if (!candidate) {
    const vouched = vouchedEmail(provider, claims);
    if (!vouched) return { refusal: 'not-registered' };
    if ('unverified' in vouched) return { refusal: 'email-not-verified' };
    candidate = (await tx.query<Candidate>('SELECT id, agency_id, active FROM practitioner WHERE lower(email) = $1', [vouched.email])).rows[0];
    if (!candidate) return { refusal: 'not-registered' };
  }
  if (!candidate.active) return { refusal: 'deactivated', practitionerId: candidate.id };
  if (!(await withinProvider(tx, provider, candidate.agency_id))) return { refusal: 'outside-provider', practitionerId: candidate.id };
  if (!linked) {
    await tx.query('INSERT INTO practitioner_identity (provider_id, subject, practitioner_id, linked_at) VALUES ($1,$2,$3,$4)',
      [provider.id, claims.sub, candidate.id, s.clock.now().toISOString()]);
    await auditSystem(s, tx, { action: 'sso.identity-link', outcome: 'success', entityType: 'practitioner', entityId: candidate.id, detail: { providerId: provider.id, matchedBy: 'email' } });
  }
  return { practitionerId: candidate.id };
}
