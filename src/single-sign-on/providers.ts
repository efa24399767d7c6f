import type { Actor } from '../access/policy.ts';
import { audit, auditSystem, command, refuse } from '../audit/audit.ts';
import type { Queryable } from '../db/database.ts';
import type { ActorContext, Services } from '../shared/context.ts';
import { newId } from '../shared/ids.ts';
import { openSecret, sealSecret } from '../shared/secret-box.ts';
import { IdentityProviderSettings, type IdentityProvider, type NewIdentityProvider } from './schemas.ts';

export const CLIENT_SECRET_PURPOSE = 'oidc-client-secret';

/**
 * Single sign-on's settings from the environment: where the provider sends people back
 * (JIGSAW_PUBLIC_URL) and, for a deployment with one provider for everyone, that provider
 * (JIGSAW_OIDC_*). It may sign in any registered practitioner of the deployment.
 */
export interface SingleSignOnSettings {
  publicUrl: string;
  environmentProvider?: (IdentityProviderSettings & { clientSecret?: string | undefined }) | undefined;
}

export function singleSignOnSettings(env: NodeJS.ProcessEnv = process.env): SingleSignOnSettings {
  const publicUrl = (env.JIGSAW_PUBLIC_URL || 'http://localhost:3000').replace(/\/+$/, '');
  const issuer = env.JIGSAW_OIDC_ISSUER?.trim();
  if (!issuer) return { publicUrl };
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if (raw !== 'true' && raw !== 'false') throw new Error(`${name} must be true or false`);
    return raw === 'true';
  };
  const claim = env.JIGSAW_OIDC_EMAIL_CLAIM?.trim();
  const parsed = IdentityProviderSettings.safeParse({
    name: env.JIGSAW_OIDC_NAME?.trim() || 'your organisation',
    issuer,
    clientId: env.JIGSAW_OIDC_CLIENT_ID?.trim() ?? '',
    clientSecret: env.JIGSAW_OIDC_CLIENT_SECRET || undefined,
    scopes: env.JIGSAW_OIDC_SCOPES?.trim() || undefined,
    emailClaim: claim === 'none' ? null : claim || 'email',
    emailMustBeVerified: flag('JIGSAW_OIDC_EMAIL_MUST_BE_VERIFIED', true),
    requireMfa: flag('JIGSAW_OIDC_REQUIRE_MFA', false),
    mfaAcrValues: (env.JIGSAW_OIDC_MFA_ACR_VALUES ?? '').split(/[\s,]+/).filter(Boolean),
  });
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    // Names the variable and the rule, never the value (the secret is one of them).
    throw new Error(`JIGSAW_OIDC_${String(first?.path[0] ?? 'issuer').replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}: ${first?.message ?? 'not valid'}`);
  }
  return { publicUrl, environmentProvider: parsed.data };
}

export const callbackUrl = (settings: SingleSignOnSettings): string => `${settings.publicUrl}/sign-in/sso/callback`;

interface ProviderRow {
  id: string; agency_id: string | null; partnership_id: string | null; from_environment: boolean; name: string; issuer: string; client_id: string;
  client_secret_sealed: string | null; scopes: string; email_claim: string | null; email_must_be_verified: boolean; require_mfa: boolean;
  mfa_acr_values: string[]; created_at: Date | string; updated_at: Date | string; disabled_at: Date | string | null;
}

const iso = (v: Date | string): string => new Date(v).toISOString();

export function toProvider(r: ProviderRow): IdentityProvider {
  return {
    id: r.id, agencyId: r.agency_id, partnershipId: r.partnership_id, fromEnvironment: r.from_environment, name: r.name, issuer: r.issuer,
    clientId: r.client_id, hasClientSecret: r.client_secret_sealed !== null, scopes: r.scopes, emailClaim: r.email_claim,
    emailMustBeVerified: r.email_must_be_verified, requireMfa: r.require_mfa, mfaAcrValues: r.mfa_acr_values ?? [],
    createdAt: iso(r.created_at), updatedAt: iso(r.updated_at), disabledAt: r.disabled_at ? iso(r.disabled_at) : null,
  };
}

/** A provider as the sign-in flow needs it: its settings and its client secret, opened. */
export interface ProviderForSignIn extends IdentityProvider {
  clientSecret: string | undefined;
}

export async function providerForSignIn(db: Queryable, id: string, settings: SingleSignOnSettings): Promise<ProviderForSignIn | undefined> {
  const row = (await db.query<ProviderRow>('SELECT * FROM identity_provider WHERE id = $1 AND disabled_at IS NULL', [id])).rows[0];
  if (!row) return undefined;
  const clientSecret = row.from_environment
    ? settings.environmentProvider?.clientSecret
    : row.client_secret_sealed ? openSecret(CLIENT_SECRET_PURPOSE, row.client_secret_sealed) : undefined;
  return { ...toProvider(row), clientSecret };
}

/** The enabled providers, for the sign-in page's "Sign in with …" links (environment's first, then by name). */
export async function enabledProviders(db: Queryable): Promise<{ id: string; name: string }[]> {
  return (await db.query<{ id: string; name: string }>(
    'SELECT id, name FROM identity_provider WHERE disabled_at IS NULL ORDER BY from_environment DESC, name, id')).rows;
}

/**
 * Makes the database's row for the environment's provider match JIGSAW_OIDC_* (added, changed, or
 * disabled when the variables are gone), so sign-ins in flight and linked accounts can refer to it.
 * Its client secret stays in the environment. Audited when anything changed.
 */
export async function syncEnvironmentProvider(s: Services, settings: SingleSignOnSettings): Promise<void> {
  const p = settings.environmentProvider;
  await s.db.transaction(async (tx) => {
    const now = s.clock.now().toISOString();
    const row = (await tx.query<ProviderRow>('SELECT * FROM identity_provider WHERE from_environment FOR UPDATE')).rows[0];
    if (!p) {
      if (row && !row.disabled_at) {
        await tx.query('UPDATE identity_provider SET disabled_at = $2, updated_at = $2 WHERE id = $1', [row.id, now]);
        await auditAs(s, tx, 'sso.provider-disable', row.id);
      }
      return;
    }
    const values = [p.name, p.issuer, p.clientId, p.scopes, p.emailClaim, p.emailMustBeVerified, p.requireMfa, p.mfaAcrValues];
    if (!row) {
      const id = newId();
      // Two server processes starting together: the second finds the first's row and leaves it.
      const { rowCount } = await tx.query(
        `INSERT INTO identity_provider (id, from_environment, name, issuer, client_id, scopes, email_claim, email_must_be_verified, require_mfa, mfa_acr_values, created_at, updated_at)
         VALUES ($1, true, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) ON CONFLICT (from_environment) WHERE from_environment DO NOTHING`, [id, ...values, now]);
      if (rowCount) await auditAs(s, tx, 'sso.provider-create', id);
      return;
    }
    const same = row.name === p.name && row.issuer === p.issuer && row.client_id === p.clientId && row.scopes === p.scopes && row.email_claim === p.emailClaim
      && row.email_must_be_verified === p.emailMustBeVerified && row.require_mfa === p.requireMfa
      && JSON.stringify(row.mfa_acr_values ?? []) === JSON.stringify(p.mfaAcrValues) && !row.disabled_at;
    if (same) return;
    await tx.query(
      `UPDATE identity_provider SET name = $2, issuer = $3, client_id = $4, scopes = $5, email_claim = $6, email_must_be_verified = $7, require_mfa = $8,
              mfa_acr_values = $9, updated_at = $10, disabled_at = NULL WHERE id = $1`, [row.id, ...values, now]);
    await auditAs(s, tx, 'sso.provider-update', row.id);
  });
}

const auditAs = (s: Services, tx: Queryable, action: string, id: string): Promise<void> =>
  auditSystem(s, tx, { action, outcome: 'success', entityType: 'identity_provider', entityId: id, detail: { source: 'environment' } });

// --- Administrators' management ------------------------------------------------------------

/** The partnerships the actor's agency belongs to: those a partnership administrator sets up. */
async function actorPartnerships(db: Queryable, actor: Actor): Promise<string[]> {
  if (!actor.roles.includes('partnership_administrator')) return [];
  return (await db.query<{ partnership_id: string }>('SELECT partnership_id FROM partnership_agency WHERE agency_id = $1', [actor.agencyId])).rows.map((r) => r.partnership_id);
}

/** An agency's administrator manages its provider; a partnership administrator, the partnership's. The environment's: nobody on the pages. */
async function mayManage(db: Queryable, actor: Actor, p: { agencyId: string | null; partnershipId: string | null; fromEnvironment: boolean }): Promise<boolean> {
  if (p.fromEnvironment) return false;
  if (p.agencyId) return p.agencyId === actor.agencyId && actor.roles.includes('administrator');
  return p.partnershipId !== null && (await actorPartnerships(db, actor)).includes(p.partnershipId);
}

export interface ProviderOwnerChoice { kind: 'agency' | 'partnership'; id: string; name: string }

/** Whose provider the actor may add: their agency's (an administrator), their partnerships' (a partnership administrator). */
export async function ownerChoices(ctx: ActorContext): Promise<ProviderOwnerChoice[]> {
  const choices: ProviderOwnerChoice[] = [];
  if (ctx.actor.roles.includes('administrator')) {
    const a = (await ctx.db.query<{ name: string }>('SELECT name FROM agency WHERE id = $1', [ctx.actor.agencyId])).rows[0];
    if (a) choices.push({ kind: 'agency', id: ctx.actor.agencyId, name: a.name });
  }
  const ids = await actorPartnerships(ctx.db, ctx.actor);
  if (ids.length) {
    const { rows } = await ctx.db.query<{ id: string; name: string }>('SELECT id, name FROM partnership WHERE id = ANY($1::uuid[]) ORDER BY name', [ids]);
    choices.push(...rows.map((r) => ({ kind: 'partnership' as const, id: r.id, name: r.name })));
  }
  return choices;
}

/** The providers the actor manages, enabled or not; each with whose it is. */
export async function listManagedProviders(ctx: ActorContext): Promise<(IdentityProvider & { ownerName: string })[]> {
  return command(ctx, async (tx) => {
    const partnerships = await actorPartnerships(tx, ctx.actor);
    const ownAgency = ctx.actor.roles.includes('administrator') ? ctx.actor.agencyId : null;
    if (!ownAgency && !partnerships.length) throw refuse('identity providers', { action: 'sso.provider-list', entityType: 'agency', entityId: ctx.actor.agencyId });
    const { rows } = await tx.query<ProviderRow & { owner_name: string }>(
      `SELECT ip.*, coalesce(a.name, p.name) AS owner_name FROM identity_provider ip
         LEFT JOIN agency a ON a.id = ip.agency_id LEFT JOIN partnership p ON p.id = ip.partnership_id
        WHERE NOT ip.from_environment AND (ip.agency_id = $1 OR ip.partnership_id = ANY($2::uuid[]))
        ORDER BY ip.disabled_at IS NOT NULL, ip.name, ip.id`, [ownAgency, partnerships]);
    return rows.map((r) => ({ ...toProvider(r), ownerName: r.owner_name }));
  });
}

/** One provider the actor manages; any other (another agency's, the environment's, none) is "not found". */
export async function getManagedProvider(ctx: ActorContext, id: string): Promise<IdentityProvider> {
  return command(ctx, async (tx) => loadManaged(ctx, tx, id, 'sso.provider-read'));
}

async function loadManaged(ctx: ActorContext, tx: Queryable, id: string, action: string): Promise<IdentityProvider> {
  const row = (await tx.query<ProviderRow>('SELECT * FROM identity_provider WHERE id = $1', [id])).rows[0];
  const p = row ? toProvider(row) : undefined;
  if (!p || !(await mayManage(tx, ctx.actor, p))) throw refuse('identity provider', { action, entityType: 'identity_provider', entityId: id });
  return p;
}

export async function createProvider(ctx: ActorContext, input: NewIdentityProvider): Promise<IdentityProvider> {
  return command(ctx, async (tx) => {
    const owner = { agencyId: input.agencyId ?? null, partnershipId: input.partnershipId ?? null, fromEnvironment: false };
    if (!(await mayManage(tx, ctx.actor, owner))) {
      throw refuse('agency or partnership', { action: 'sso.provider-create', entityType: owner.agencyId ? 'agency' : 'partnership', entityId: owner.agencyId ?? owner.partnershipId ?? undefined });
    }
    const id = newId();
    const now = ctx.clock.now().toISOString();
    await tx.query(
      `INSERT INTO identity_provider (id, agency_id, partnership_id, name, issuer, client_id, client_secret_sealed, scopes, email_claim, email_must_be_verified,
                                      require_mfa, mfa_acr_values, created_at, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13)`,
      [id, owner.agencyId, owner.partnershipId, input.name, input.issuer, input.clientId, input.clientSecret ? sealSecret(CLIENT_SECRET_PURPOSE, input.clientSecret) : null,
        input.scopes, input.emailClaim, input.emailMustBeVerified, input.requireMfa, input.mfaAcrValues, now]);
    await audit(ctx, tx, { action: 'sso.provider-create', outcome: 'success', entityType: 'identity_provider', entityId: id, detail: providerDetail(input) });
    return loadManaged(ctx, tx, id, 'sso.provider-create');
  });
}

/** Changes a provider's settings; an empty or absent client secret keeps the stored one. */
export async function updateProvider(ctx: ActorContext, id: string, input: IdentityProviderSettings): Promise<IdentityProvider> {
  return command(ctx, async (tx) => {
    await loadManaged(ctx, tx, id, 'sso.provider-update');
    const secret = input.clientSecret ? sealSecret(CLIENT_SECRET_PURPOSE, input.clientSecret) : null;
    await tx.query(
      `UPDATE identity_provider SET name = $2, issuer = $3, client_id = $4, client_secret_sealed = coalesce($5, client_secret_sealed), scopes = $6, email_claim = $7,
              email_must_be_verified = $8, require_mfa = $9, mfa_acr_values = $10, updated_at = $11 WHERE id = $1`,
      [id, input.name, input.issuer, input.clientId, secret, input.scopes, input.emailClaim, input.emailMustBeVerified, input.requireMfa, input.mfaAcrValues, ctx.clock.now().toISOString()]);
    await audit(ctx, tx, { action: 'sso.provider-update', outcome: 'success', entityType: 'identity_provider', entityId: id, detail: { ...providerDetail(input), secretChanged: secret !== null } });
    return loadManaged(ctx, tx, id, 'sso.provider-update');
  });
}

/** Disables (or enables again) a provider: its button goes, and sign-ins through it stop at once. */
export async function setProviderEnabled(ctx: ActorContext, id: string, enabled: boolean): Promise<IdentityProvider> {
  return command(ctx, async (tx) => {
    await loadManaged(ctx, tx, id, enabled ? 'sso.provider-enable' : 'sso.provider-disable');
    await tx.query('UPDATE identity_provider SET disabled_at = $2, updated_at = $3 WHERE id = $1', [id, enabled ? null : ctx.clock.now().toISOString(), ctx.clock.now().toISOString()]);
    await audit(ctx, tx, { action: enabled ? 'sso.provider-enable' : 'sso.provider-disable', outcome: 'success', entityType: 'identity_provider', entityId: id });
    return loadManaged(ctx, tx, id, 'sso.provider-read');
  });
}

/** What an audit entry says about a provider's settings: no secret, no names. */
function providerDetail(input: IdentityProviderSettings): Record<string, string | boolean> {
  return { requireMfa: input.requireMfa, matchByEmail: input.emailClaim !== null, emailMustBeVerified: input.emailMustBeVerified };
}

