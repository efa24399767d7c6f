import { createHash, randomBytes } from 'node:crypto';
import { decideAgency, type Role } from '../access/policy.ts';
import { audit, auditSystem, command, refuse } from '../audit/audit.ts';
import type { ActorContext, Services, Tx } from '../shared/context.ts';
import { invalid } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { SCIM_ROLES } from './roles.ts';

/**
 * Bearer tokens for SCIM provisioning. A token belongs to one agency: its identity provider
 * creates, changes and deactivates that agency's practitioners and can neither see nor touch any
 * other agency's. Only the SHA-256 of a token is kept; the token is shown once, when it is made.
 */

export const SCIM_TOKEN_PREFIX = 'jsc_';
/** How long a token works unless told otherwise: a year and a day, so a yearly renewal can overlap. */
export const DEFAULT_SCIM_TOKEN_DAYS = 366;

export interface ScimCaller {
  tokenId: string;
  agencyId: string;
  defaultRoles: Role[];
}

export interface NewScimToken {
  agencyId: string;
  name: string;
  days?: number | undefined;
  defaultRoles?: readonly Role[] | undefined;
}

export interface IssuedScimToken {
  id: string;
  token: string;
  agencyId: string;
  name: string;
  expiresAt: string;
}

export interface ScimTokenSummary {
  id: string;
  name: string;
  defaultRoles: Role[];
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
const iso = (v: string | Date | null): string | null => (v === null ? null : new Date(v).toISOString());

function checked(input: NewScimToken): { name: string; days: number; roles: Role[] } {
  const name = input.name.trim();
  if (!name || name.length > 200) throw invalid('Give the token a name of up to 200 characters.', [{ pointer: '/name', detail: 'Enter a name for the token, such as “Entra ID provisioning”' }]);
  const days = input.days ?? DEFAULT_SCIM_TOKEN_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > 3660) throw invalid('A token works for 1 to 3660 days.', [{ pointer: '/days', detail: 'Enter a whole number of days from 1 to 3660' }]);
  const roles: Role[] = [...new Set<Role>(input.defaultRoles ?? ['practitioner'])];
  const unknown = roles.filter((r) => !(SCIM_ROLES as readonly string[]).includes(r));
  if (unknown.length) throw invalid('Default roles must be roles the identity provider may give.', [{ pointer: '/defaultRoles', detail: 'Choose roles from the list' }]);
  return { name, days, roles };
}

async function insertToken(s: Services, tx: Tx, input: NewScimToken, createdBy: string | null): Promise<IssuedScimToken> {
  const { name, days, roles } = checked(input);
  const agency = await tx.query('SELECT 1 FROM agency WHERE id = $1', [input.agencyId]);
  if (agency.rowCount === 0) throw invalid('The agency must exist.', [{ pointer: '/agencyId', detail: 'No agency with that identifier' }]);
  const token = `${SCIM_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const now = s.clock.now();
  const expiresAt = new Date(now.getTime() + days * 86_400_000).toISOString();
  const id = newId();
  await tx.query(
    'INSERT INTO scim_token (id, agency_id, name, token_hash, default_roles, created_by, created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)',
    [id, input.agencyId, name, sha256(token), roles, createdBy, now.toISOString(), expiresAt],
  );
  return { id, token, agencyId: input.agencyId, name, expiresAt };
}

/** An administrator makes a token for their own agency's identity provider. */
export async function createScimToken(ctx: ActorContext, input: NewScimToken): Promise<IssuedScimToken> {
  return command(ctx, async (tx) => {
    if (!decideAgency(ctx.actor, 'manage-practitioners', input.agencyId).allowed) {
      throw refuse('agency', { action: 'scim.token-create', entityType: 'agency', entityId: input.agencyId });
    }
    const issued = await insertToken(ctx, tx, input, ctx.actor.practitionerId);
    await audit(ctx, tx, { action: 'scim.token-create', outcome: 'success', entityType: 'agency', entityId: input.agencyId, detail: { scimTokenId: issued.id, expiresAt: issued.expiresAt } });
    return issued;
  });
}

/** The operator's command (`jigsaw scim token create`): audited as the system. */
export async function createScimTokenAsSystem(s: Services, input: NewScimToken): Promise<IssuedScimToken> {
  return s.db.transaction(async (tx) => {
    const issued = await insertToken(s, tx, input, null);
    await auditSystem(s, tx, { action: 'scim.token-create', outcome: 'success', entityType: 'agency', entityId: input.agencyId, detail: { scimTokenId: issued.id, expiresAt: issued.expiresAt } });
    return issued;
  });
}

interface SummaryRow { id: string; name: string; default_roles: Role[]; created_at: string | Date; expires_at: string | Date; revoked_at: string | Date | null; last_used_at: string | Date | null }

/** The agency's tokens, newest first, for its administrators: never the tokens themselves. */
export async function listScimTokens(ctx: ActorContext, agencyId: string): Promise<ScimTokenSummary[]> {
  return command(ctx, async (tx) => {
    if (!decideAgency(ctx.actor, 'manage-practitioners', agencyId).allowed) {
      throw refuse('agency', { action: 'scim.token-list', entityType: 'agency', entityId: agencyId });
    }
    const { rows } = await tx.query<SummaryRow>(
      'SELECT id, name, default_roles, created_at, expires_at, revoked_at, last_used_at FROM scim_token WHERE agency_id = $1 ORDER BY created_at DESC, id', [agencyId]);
    await audit(ctx, tx, { action: 'scim.token-list', outcome: 'success', entityType: 'agency', entityId: agencyId, detail: { count: rows.length } });
    return rows.map((r) => ({ id: r.id, name: r.name, defaultRoles: r.default_roles, createdAt: iso(r.created_at)!, expiresAt: iso(r.expires_at)!, revokedAt: iso(r.revoked_at), lastUsedAt: iso(r.last_used_at) }));
  });
}

/**
 * An administrator revokes one of their agency's tokens: its next request is refused (every
 * request reads the token's row). Another agency's token is answered as one that does not exist.
 */
export async function revokeScimToken(ctx: ActorContext, tokenId: string): Promise<void> {
  return command(ctx, async (tx) => {
    const row = (await tx.query<{ agency_id: string; revoked_at: string | null }>('SELECT agency_id, revoked_at FROM scim_token WHERE id = $1 FOR UPDATE', [tokenId])).rows[0];
    if (!row || !decideAgency(ctx.actor, 'manage-practitioners', row.agency_id).allowed) {
      throw refuse('scim token', { action: 'scim.token-revoke', entityType: 'scim_token', entityId: tokenId, outcome: row ? 'denied' : 'not_found' });
    }
    if (!row.revoked_at) await tx.query('UPDATE scim_token SET revoked_at = $2 WHERE id = $1', [tokenId, ctx.clock.now().toISOString()]);
    await audit(ctx, tx, { action: 'scim.token-revoke', outcome: 'success', entityType: 'agency', entityId: row.agency_id, detail: { scimTokenId: tokenId } });
  });
}

interface CallerRow { id: string; agency_id: string; default_roles: Role[]; expires_at: string | Date; revoked_at: string | Date | null }

/** The agency a SCIM token speaks for, read on every request (no cache: a revoked token stops at once); undefined when not valid. */
export async function resolveScimToken(s: Services, token: string): Promise<ScimCaller | undefined> {
  if (!token.startsWith(SCIM_TOKEN_PREFIX) || token.length > 200) return undefined;
  const row = (await s.db.query<CallerRow>('SELECT id, agency_id, default_roles, expires_at, revoked_at FROM scim_token WHERE token_hash = $1', [sha256(token)])).rows[0];
  if (!row || row.revoked_at) return undefined;
  const now = s.clock.now();
  if (new Date(row.expires_at).getTime() <= now.getTime()) return undefined;
  await s.db.query('UPDATE scim_token SET last_used_at = $2 WHERE id = $1', [row.id, now.toISOString()]);
  return { tokenId: row.id, agencyId: row.agency_id, defaultRoles: row.default_roles };
}

/** The operator's command (`jigsaw scim token revoke`): false when there is no such unrevoked token. */
export async function revokeScimTokenAsSystem(s: Services, tokenId: string): Promise<boolean> {
  return s.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ agency_id: string }>('UPDATE scim_token SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING agency_id', [tokenId, s.clock.now().toISOString()]);
    if (rows[0]) await auditSystem(s, tx, { action: 'scim.token-revoke', outcome: 'success', entityType: 'agency', entityId: rows[0].agency_id, detail: { scimTokenId: tokenId } });
    return rows.length > 0;
  });
}
