import { z } from 'zod';
import { audit, command, refuse } from '../audit/audit.ts';
import { managedPractitioner } from '../partnership/managed.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { Text, Uuid } from '../shared/schemas.ts';
import { issueApiTokenInTx } from './auth.ts';
import { apiTokenDays, MAX_API_TOKEN_DAYS } from './token-days.ts';

export { apiTokenDays, DEFAULT_API_TOKEN_DAYS, MAX_API_TOKEN_DAYS } from './token-days.ts';

/**
 * API tokens (issue 19): every token expires (JIGSAW_API_TOKEN_DAYS, 90 days by default, at most
 * 366); its owner lists, makes and revokes their own, and their agency's administrators list and
 * revoke them. Someone else's token is answered as one that does not exist (404). The token itself
 * is shown once, when made; Jigsaw keeps only its hash.
 */

export const ApiToken = z
  .object({
    id: Uuid,
    name: z.string(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable().meta({ description: 'When it was last used, to the minute; null if never.' }),
    revokedAt: z.string().nullable(),
    state: z.enum(['active', 'expired', 'revoked']),
  })
  .meta({ id: 'ApiToken', description: 'An API token as its owner and administrators see it: never the token itself.' });
export type ApiToken = z.infer<typeof ApiToken>;

export const NewApiToken = z
  .strictObject({
    name: Text.trim().min(1, 'Give the token a name, such as the program that will use it').max(100),
    days: z.number().int('A whole number of days').min(1, 'At least 1 day').max(MAX_API_TOKEN_DAYS, `At most ${MAX_API_TOKEN_DAYS} days`).optional()
      .meta({ description: 'How long it works; JIGSAW_API_TOKEN_DAYS (90 by default) when not given.' }),
  })
  .meta({ id: 'NewApiToken' });
export type NewApiToken = z.infer<typeof NewApiToken>;

export const CreatedApiToken = ApiToken.extend({
  token: z.string().meta({ description: 'The bearer token (`Authorization: Bearer …`). Shown only in this answer: keep it safe.' }),
}).meta({ id: 'CreatedApiToken' });
export type CreatedApiToken = z.infer<typeof CreatedApiToken>;

interface TokenRow { id: string; name: string; created_at: string; expires_at: string | null; last_used_at: string | null; revoked_at: string | null }
const iso = (v: string | null): string | null => (v === null ? null : new Date(v).toISOString());

function toToken(r: TokenRow, now: Date): ApiToken {
  const state = r.revoked_at ? 'revoked' : r.expires_at && new Date(r.expires_at).getTime() <= now.getTime() ? 'expired' : 'active';
  return { id: r.id, name: r.name, createdAt: iso(r.created_at)!, expiresAt: iso(r.expires_at), lastUsedAt: iso(r.last_used_at), revokedAt: iso(r.revoked_at), state };
}

async function tokensOf(tx: Tx, practitionerId: string, now: Date): Promise<ApiToken[]> {
  const { rows } = await tx.query<TokenRow>(
    'SELECT id, name, created_at, expires_at, last_used_at, revoked_at FROM api_token WHERE practitioner_id = $1 ORDER BY created_at DESC, id LIMIT 200', [practitionerId]);
  return rows.map((r) => toToken(r, now));
}

export async function listOwnTokens(ctx: ActorContext): Promise<ApiToken[]> {
  return command(ctx, async (tx) => {
    const tokens = await tokensOf(tx, ctx.actor.practitionerId, ctx.clock.now());
    await audit(ctx, tx, { action: 'auth.token-list', outcome: 'success', entityType: 'practitioner', entityId: ctx.actor.practitionerId, detail: { count: tokens.length } });
    return tokens;
  });
}

export async function createOwnToken(ctx: ActorContext, input: NewApiToken, defaultDays: number = apiTokenDays()): Promise<CreatedApiToken> {
  return command(ctx, async (tx) => {
    const issued = await issueApiTokenInTx(ctx, tx, ctx.actor.practitionerId, input.name, input.days ?? defaultDays);
    await audit(ctx, tx, { action: 'auth.token-create', outcome: 'success', entityType: 'practitioner', entityId: ctx.actor.practitionerId, detail: { tokenId: issued.id, expiresAt: issued.expiresAt } });
    return { id: issued.id, name: input.name, createdAt: issued.createdAt, expiresAt: issued.expiresAt, lastUsedAt: null, revokedAt: null, state: 'active', token: issued.token };
  });
}

async function revokeIn(ctx: ActorContext, tx: Tx, practitionerId: string, tokenId: string, action: string): Promise<ApiToken> {
  const row = (await tx.query<TokenRow>(
    'SELECT id, name, created_at, expires_at, last_used_at, revoked_at FROM api_token WHERE id = $1 AND practitioner_id = $2 FOR UPDATE', [tokenId, practitionerId])).rows[0];
  if (!row) throw refuse('token', { action, entityType: 'api_token', entityId: tokenId, outcome: 'not_found' });
  const now = ctx.clock.now().toISOString();
  // Revoking twice answers the same: the token is revoked either way.
  if (!row.revoked_at) {
    await tx.query('UPDATE api_token SET revoked_at = $2 WHERE id = $1', [tokenId, now]);
    row.revoked_at = now;
  }
  await audit(ctx, tx, { action, outcome: 'success', entityType: 'practitioner', entityId: practitionerId, detail: { tokenId } });
  return toToken(row, ctx.clock.now());
}

/** The owner revokes one of their own tokens; anyone else's is answered as not found. */
export async function revokeOwnToken(ctx: ActorContext, tokenId: string): Promise<ApiToken> {
  return command(ctx, (tx) => revokeIn(ctx, tx, ctx.actor.practitionerId, tokenId, 'auth.token-revoke'));
}

/** An administrator lists the tokens of a practitioner of their own agency. */
export async function listPractitionerTokens(ctx: ActorContext, practitionerId: string): Promise<ApiToken[]> {
  return command(ctx, async (tx) => {
    await managedPractitioner(ctx, tx, practitionerId, 'practitioner.token-list');
    const tokens = await tokensOf(tx, practitionerId, ctx.clock.now());
    await audit(ctx, tx, { action: 'practitioner.token-list', outcome: 'success', entityType: 'practitioner', entityId: practitionerId, detail: { count: tokens.length } });
    return tokens;
  });
}

/** An administrator revokes a token of a practitioner of their own agency. */
export async function revokePractitionerToken(ctx: ActorContext, practitionerId: string, tokenId: string): Promise<ApiToken> {
  return command(ctx, async (tx) => {
    await managedPractitioner(ctx, tx, practitionerId, 'practitioner.token-revoke');
    return revokeIn(ctx, tx, practitionerId, tokenId, 'practitioner.token-revoke');
  });
}
