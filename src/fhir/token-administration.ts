import { z } from 'zod';
import { decideSetup } from '../access/policy.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import { HealthSettingType } from '../flags/schemas.ts';
import { OdsCode } from '../partnership/schemas.ts';
import type { ActorContext } from '../shared/context.ts';
import { conflict, forbidden } from '../shared/errors.ts';
import { Text, Uuid } from '../shared/schemas.ts';
import { issueFhirTokenInTx, listFhirTokens, type FhirTokenSummary as TokenSummary } from './tokens.ts';

/**
 * FHIR tokens for health settings, made and revoked by partnership administrators on their pages
 * and through the API (the command line still works, as the system). A token is deployment-wide:
 * a setting looks up every authority's flags, whichever partnership made its token. So every
 * partnership administrator of the deployment sees and may revoke every token, and each row says
 * which agency's administrator made it.
 */

export const NewFhirToken = z
  .strictObject({
    settingName: Text.trim().min(1, 'Enter the name of the setting, like Northshire General emergency department').max(200),
    settingType: HealthSettingType,
    odsCode: OdsCode.optional(),
    days: z.number({ error: 'Enter how many days the token works, from 1 to 730' }).int('Enter a whole number of days').min(1, 'Enter how many days the token works, from 1 to 730').max(730, 'A token works for at most 730 days')
      .optional().meta({ description: 'How many days the token works (default 365, at most 730).' }),
  })
  .meta({ id: 'NewFhirToken' });
export type NewFhirToken = z.infer<typeof NewFhirToken>;

export const DEFAULT_FHIR_TOKEN_DAYS = 365;

export const IssuedFhirToken = z
  .object({
    id: Uuid, healthSettingId: Uuid, expiresAt: z.string().nullable(),
    token: z.string().meta({ description: 'Shown only in this answer: Jigsaw keeps its hash. The setting sends it as `Authorization: Bearer …` to /fhir/r4.' }),
  })
  .meta({ id: 'IssuedFhirToken' });

export const FhirTokenSummary = z
  .object({
    id: Uuid, settingName: z.string(), settingType: HealthSettingType, odsCode: z.string().nullable(),
    createdAt: z.string(), expiresAt: z.string().nullable(), revokedAt: z.string().nullable(),
    createdByAgency: z.string().nullable().meta({ description: 'The agency of the partnership administrator who made it; null when made on the command line.' }),
  })
  .meta({ id: 'FhirTokenSummary' });

const onlyPartnershipAdministrators = forbidden("Only a partnership administrator manages the health settings' FHIR tokens.");

function requireRole(ctx: ActorContext, action: string): void {
  if (!decideSetup(ctx.actor, 'manage-fhir-tokens').allowed) throw refuse('FHIR token', { action, entityType: 'agency', entityId: ctx.actor.agencyId }, onlyPartnershipAdministrators);
}

export async function createFhirTokenAs(ctx: ActorContext, input: NewFhirToken): Promise<{ id: string; token: string; healthSettingId: string; expiresAt: string | null }> {
  return command(ctx, async (tx) => {
    requireRole(ctx, 'fhir.token-create');
    const issued = await issueFhirTokenInTx(ctx, tx, { ...input, days: input.days ?? DEFAULT_FHIR_TOKEN_DAYS }, ctx.actor.practitionerId);
    await audit(ctx, tx, { action: 'fhir.token-create', outcome: 'success', entityType: 'health_setting', entityId: issued.healthSettingId, detail: { tokenId: issued.id } });
    return issued;
  });
}

/** Every token of the deployment, newest first; never the token itself. */
export async function listFhirTokensAs(ctx: ActorContext): Promise<TokenSummary[]> {
  return command(ctx, async (tx) => {
    requireRole(ctx, 'fhir.token-list');
    const tokens = await listFhirTokens({ db: tx });
    await audit(ctx, tx, { action: 'fhir.token-list', outcome: 'success', detail: { count: tokens.length } });
    return tokens;
  });
}

export async function getFhirTokenAs(ctx: ActorContext, id: string): Promise<TokenSummary> {
  const found = (await listFhirTokensAs(ctx)).find((t) => t.id === id);
  if (!found) throw refuse('FHIR token', { action: 'fhir.token-read', entityType: 'fhir_system_token', entityId: id, outcome: 'not_found' });
  return found;
}

/** The token stops working at its next request (resolveFhirToken reads its row every time). Once only (409). */
export async function revokeFhirTokenAs(ctx: ActorContext, id: string): Promise<TokenSummary> {
  return command(ctx, async (tx) => {
    requireRole(ctx, 'fhir.token-revoke');
    const row = (await tx.query<{ health_setting_id: string; revoked_at: string | null }>('SELECT health_setting_id, revoked_at FROM fhir_system_token WHERE id = $1 FOR UPDATE', [id])).rows[0];
    if (!row) throw refuse('FHIR token', { action: 'fhir.token-revoke', entityType: 'fhir_system_token', entityId: id, outcome: 'not_found' });
    if (row.revoked_at) throw conflict('This token has already been revoked.');
    await tx.query('UPDATE fhir_system_token SET revoked_at = $2, revoked_by = $3 WHERE id = $1', [id, ctx.clock.now().toISOString(), ctx.actor.practitionerId]);
    await audit(ctx, tx, { action: 'fhir.token-revoke', outcome: 'success', entityType: 'health_setting', entityId: row.health_setting_id, detail: { tokenId: id } });
    return (await listFhirTokens({ db: tx })).find((t) => t.id === id)!;
  });
}
