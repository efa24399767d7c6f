import { z } from 'zod';
import { Text, Uuid } from '../shared/schemas.ts';

/** Plain http only to this machine (a provider started by a test, a developer's own): https everywhere else. */
export const isLoopbackHost = (host: string): boolean => ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host.toLowerCase());

/** An issuer as OpenID Connect Discovery takes it: an absolute https URL, no query or fragment. */
export const Issuer = Text.trim().min(1, 'Enter the issuer URL').max(500, 'The issuer URL must have at most 500 characters')
  .refine((v) => URL.canParse(v), { message: 'Enter the issuer URL, such as https://login.microsoftonline.com/your-tenant-id/v2.0', abort: true })
  .refine((v) => {
    const u = new URL(v);
    return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname));
  }, { message: 'The issuer URL must start with https://', abort: true })
  .refine((v) => !v.includes('?') && !v.includes('#'), { message: 'The issuer URL must not have a query or fragment' })
  .meta({ description: 'The provider\'s issuer (its discovery document is at {issuer}/.well-known/openid-configuration). https, or http to 127.0.0.1 / localhost only.' });

const ScopeList = Text.trim().max(500, 'The scopes must have at most 500 characters')
  .refine((v) => v.split(/\s+/).filter(Boolean).every((s) => /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)), { message: 'Scopes are words separated by spaces', abort: true })
  .refine((v) => v.split(/\s+/).includes('openid'), { message: 'The scopes must include openid' });

const ClaimName = z.string().trim().max(64).regex(/^[A-Za-z0-9_:.-]+$/, 'A claim name is letters, digits, _ : . or -');

/** What an administrator sets about a provider; the owner (agency or partnership) is set once, when it is added. */
export const IdentityProviderSettings = z.object({
  name: Text.trim().min(1, 'Enter the name shown on the sign-in button').max(120, 'The name must have at most 120 characters')
    .meta({ description: 'Shown on the sign-in page as "Sign in with <name>", e.g. "Northshire County Council (Microsoft)".' }),
  issuer: Issuer,
  clientId: Text.trim().min(1, 'Enter the client ID').max(300, 'The client ID must have at most 300 characters'),
  clientSecret: Text.max(2000, 'The client secret must have at most 2000 characters').optional()
    .meta({ description: 'Write-only. Absent or empty on an update: the stored secret is kept.' }),
  scopes: ScopeList.default('openid email profile'),
  emailClaim: ClaimName.nullable().default('email')
    .meta({ description: 'The ID token claim to match a practitioner\'s e-mail address against (email, preferred_username …); null: only accounts already linked sign in.' }),
  emailMustBeVerified: z.boolean().default(true)
    .meta({ description: 'Match by e-mail only when the token has email_verified: true. Microsoft Entra ID sends no email_verified.' }),
  requireMfa: z.boolean().default(false),
  mfaAcrValues: z.array(Text.trim().min(1).max(200)).max(20).default([])
    .meta({ description: 'acr values that count as multi-factor (e.g. AAL3 for NHS CIS2).' }),
});
export type IdentityProviderSettings = z.infer<typeof IdentityProviderSettings>;

export const NewIdentityProvider = IdentityProviderSettings.extend({
  agencyId: Uuid.optional(),
  partnershipId: Uuid.optional(),
}).refine((v) => (v.agencyId === undefined) !== (v.partnershipId === undefined), { message: 'Choose whose practitioners it signs in: an agency or a partnership', path: ['agencyId'] });
export type NewIdentityProvider = z.infer<typeof NewIdentityProvider>;

export const IdentityProvider = z.object({
  id: Uuid,
  agencyId: Uuid.nullable(),
  partnershipId: Uuid.nullable(),
  fromEnvironment: z.boolean(),
  name: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  hasClientSecret: z.boolean(),
  scopes: z.string(),
  emailClaim: z.string().nullable(),
  emailMustBeVerified: z.boolean(),
  requireMfa: z.boolean(),
  mfaAcrValues: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  disabledAt: z.string().nullable(),
}).meta({ id: 'IdentityProvider' });
export type IdentityProvider = z.infer<typeof IdentityProvider>;
