import { createHash } from 'node:crypto';
import { TWO_FACTOR_ROLES } from '../../access/policy.ts';
import type { Queryable } from '../../db/database.ts';
import { Problem } from '../../shared/errors.ts';

/**
 * Who must use a second factor, and whether a session still owes one. Administrators, auditors and
 * partnership administrators always must; everyone else when a partnership their agency belongs to
 * says so. The setting JIGSAW_TWO_FACTOR (`required`, the server's default; `off`) turns the whole
 * requirement on or off; enrolling and being asked for a code at sign-in work either way.
 */

export type { TwoFactorSetting } from '../../config/config.ts';

const MUST_SQL = `(EXISTS (SELECT 1 FROM practitioner_role r WHERE r.practitioner_id = $1 AND r.role = ANY($2::text[]))
  OR EXISTS (SELECT 1 FROM practitioner p JOIN partnership_agency pa ON pa.agency_id = p.agency_id
               JOIN partnership pp ON pp.id = pa.partnership_id WHERE p.id = $1 AND pp.require_two_factor))`;

/** Must this practitioner use a second factor (whatever the setting)? */
export async function mustUseTwoFactor(db: Queryable, practitionerId: string): Promise<boolean> {
  const { rows } = await db.query<{ must: boolean }>(`SELECT ${MUST_SQL} AS must`, [practitionerId, TWO_FACTOR_ROLES]);
  return rows[0]?.must === true;
}

/**
 * Does this web session still owe a second factor: opened with a password alone, by someone who
 * must use one? Single sign-on sessions never do (the identity provider's own policy applies).
 */
export async function sessionOwesSecondFactor(db: Queryable, sessionToken: string, practitionerId: string): Promise<boolean> {
  const hash = createHash('sha256').update(sessionToken).digest('hex');
  const { rows } = await db.query<{ owes: boolean }>(
    `SELECT (ws.method = 'password' AND ${MUST_SQL}) AS owes FROM web_session ws WHERE ws.token_hash = $3 AND ws.practitioner_id = $1`,
    [practitionerId, TWO_FACTOR_ROLES, hash],
  );
  return rows[0]?.owes === true;
}

/** A session opened with a password becomes a two-factor one when its practitioner sets up a second factor in it. */
export async function upgradeSession(db: Queryable, sessionToken: string): Promise<void> {
  const hash = createHash('sha256').update(sessionToken).digest('hex');
  await db.query("UPDATE web_session SET method = 'password_totp' WHERE token_hash = $1 AND method = 'password' AND ended_at IS NULL", [hash]);
}

export const twoFactorRequired = (): Problem => new Problem(
  403, 'https://jigsaw.example/problems/two-factor-required', 'Two-factor authentication required',
  'Your account must use two-factor authentication. Set it up at /account/two-factor, then sign in again with a code.',
);
