import { createHash, randomBytes } from 'node:crypto';
import { auditSystem } from '../audit/audit.ts';
import type { HealthSettingType } from '../flags/schemas.ts';
import { Batcher, batchesInFlight, perDatabase } from '../db/batching.ts';
import type { Queryable } from '../db/database.ts';
import type { Services, Tx } from '../shared/context.ts';
import { newId } from '../shared/ids.ts';

/**
 * System-to-system tokens for the FHIR interface. A token names a health setting (an emergency
 * department, a walk-in centre …), not a practitioner, and lives in its own table: /api/v1 resolves
 * only practitioners' tokens, so a setting's token can never open a record there.
 */

export interface FhirCaller {
  healthSettingId: string;
  settingName: string;
  settingType: HealthSettingType;
}

export interface IssuedFhirToken {
  id: string;
  token: string;
  healthSettingId: string;
  expiresAt: string | null;
}

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

export interface NewFhirTokenInput { settingName: string; settingType: HealthSettingType; odsCode?: string | undefined; days?: number | undefined }

/** Creates the setting if it is new (same name and type: the same setting) and a token for it, shown once. */
export async function createFhirToken(s: Services, input: NewFhirTokenInput): Promise<IssuedFhirToken> {
  return s.db.transaction(async (tx) => {
    const issued = await issueFhirTokenInTx(s, tx, input, null);
    await auditSystem(s, tx, { action: 'fhir.token-create', outcome: 'success', entityType: 'health_setting', entityId: issued.healthSettingId, detail: { tokenId: issued.id } });
    return issued;
  });
}

/** The token's rows, made by a partnership administrator (`createdBy`) or the command line (null); the caller audits. */
export async function issueFhirTokenInTx(s: Services, tx: Tx, input: NewFhirTokenInput, createdBy: string | null): Promise<IssuedFhirToken> {
  const token = `jsf_${randomBytes(32).toString('base64url')}`;
  const now = s.clock.now();
  const expiresAt = input.days ? new Date(now.getTime() + input.days * 86_400_000).toISOString() : null;
  let settingId = (await tx.query<{ id: string }>('SELECT id FROM health_setting WHERE name = $1 AND type = $2 ORDER BY created_at LIMIT 1', [input.settingName, input.settingType])).rows[0]?.id;
  if (!settingId) {
    settingId = newId();
    await tx.query('INSERT INTO health_setting (id, name, type, ods_code, created_at) VALUES ($1,$2,$3,$4,$5)', [settingId, input.settingName, input.settingType, input.odsCode ?? null, now.toISOString()]);
  }
  const id = newId();
  await tx.query('INSERT INTO fhir_system_token (id, health_setting_id, token_hash, created_at, expires_at, created_by) VALUES ($1,$2,$3,$4,$5,$6)',
    [id, settingId, sha256(token), now.toISOString(), expiresAt, createdBy]);
  return { id, token, healthSettingId: settingId, expiresAt };
}

export interface FhirTokenSummary {
  id: string;
  settingName: string;
  settingType: HealthSettingType;
  odsCode: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  /** The agency of the partnership administrator who made it; null when made on the command line. */
  createdByAgency: string | null;
}

/** Every token issued, newest first — what an administrator needs to find the one to revoke; never the token itself. */
export async function listFhirTokens(s: Services | { db: Queryable }): Promise<FhirTokenSummary[]> {
  const iso = (v: string | Date | null): string | null => (v === null ? null : new Date(v).toISOString());
  const { rows } = await s.db.query<{ id: string; name: string; type: HealthSettingType; ods_code: string | null; created_at: string | Date; expires_at: string | Date | null; revoked_at: string | Date | null; agency: string | null }>(
    `SELECT t.id, h.name, h.type, h.ods_code, t.created_at, t.expires_at, t.revoked_at, a.name AS agency
       FROM fhir_system_token t JOIN health_setting h ON h.id = t.health_setting_id
       LEFT JOIN practitioner p ON p.id = t.created_by LEFT JOIN agency a ON a.id = p.agency_id
      ORDER BY t.created_at DESC, t.id`);
  return rows.map((r) => ({
    id: r.id, settingName: r.name, settingType: r.type, odsCode: r.ods_code, createdAt: iso(r.created_at)!, expiresAt: iso(r.expires_at), revokedAt: iso(r.revoked_at), createdByAgency: r.agency,
  }));
}

/**
 * Revokes the token: its next request is refused, in this process and every other, because every
 * request reads the token's row (resolveFhirToken keeps no cache). False when there is no such
 * unrevoked token.
 */
export async function revokeFhirToken(s: Services, id: string): Promise<boolean> {
  return s.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ health_setting_id: string }>('UPDATE fhir_system_token SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING health_setting_id', [id, s.clock.now().toISOString()]);
    if (rows[0]) await auditSystem(s, tx, { action: 'fhir.token-revoke', outcome: 'success', entityType: 'health_setting', entityId: rows[0].health_setting_id, detail: { tokenId: id } });
    return rows.length > 0;
  });
}

interface TokenRow { token_hash: string; id: string; name: string; type: HealthSettingType; expires_at: string | null; revoked_at: string | null }

/**
 * Token checks arriving together are read by one statement (Batcher, src/db/batching.ts): at fifty
 * concurrent lookups from an emergency department's systems, one read of a few token rows instead
 * of one round trip each. Every check still reads the row after its request arrived (a request
 * waiting for a batch goes in the next one, never an earlier one), so a revocation is still
 * honoured by the next request, in every process. Two batches on their way at once on a server
 * (batchesInFlight): a check does not wait for another's read before its own is sent.
 */
const tokenReader = perDatabase((db: Queryable) => new Batcher<string, TokenRow | undefined>(async (hashes) => {
  const { rows } = await db.query<TokenRow>(
    `SELECT t.token_hash, h.id, h.name, h.type, t.expires_at, t.revoked_at
       FROM fhir_system_token t JOIN health_setting h ON h.id = t.health_setting_id WHERE t.token_hash = ANY($1::text[])`,
    [[...new Set(hashes)]]);
  const byHash = new Map(rows.map((r) => [r.token_hash, r]));
  return hashes.map((h) => byHash.get(h));
}, batchesInFlight(db, 2)));

/**
 * The caller a token names, read from the database on every request. A cache here once saved a
 * round trip (an indexed primary-key read, small beside the lookup itself) but let a revoked token
 * keep working for ten seconds in any process other than the one that revoked it; a token that a
 * hospital reports lost must stop at once.
 */
export async function resolveFhirToken(s: Services, token: string): Promise<FhirCaller | undefined> {
  // Only tokens made for this interface can match: a practitioner's API token has another prefix and table.
  if (!token.startsWith('jsf_')) return undefined;
  const t = await tokenReader(s.db).submit(sha256(token));
  if (!t || t.revoked_at) return undefined;
  if (t.expires_at && new Date(t.expires_at).getTime() <= s.clock.now().getTime()) return undefined;
  return { healthSettingId: t.id, settingName: t.name, settingType: t.type };
}
