import { createHash } from 'node:crypto';
import type { Queryable } from '../db/database.ts';

/** The provider a web session was opened through (single sign-on), if any: for offering to sign out there too. */
export async function sessionProvider(db: Queryable, token: string): Promise<string | undefined> {
  const row = (await db.query<{ identity_provider_id: string | null }>(
    'SELECT identity_provider_id FROM web_session WHERE token_hash = $1 AND ended_at IS NULL', [createHash('sha256').update(token).digest('hex')])).rows[0];
  return row?.identity_provider_id ?? undefined;
}
