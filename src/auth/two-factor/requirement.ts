import { createHash } from 'node:crypto';
import { TWO_FACTOR_ROLES, type Role } from '../../access/policy.ts';
import type { Queryable } from '../../db/database.ts';
import { Problem } from '../../shared/errors.ts';

/**
 * Who must use a second factor, and whether a session still owes one. Administrators, auditors and
 * partnership administrators always must; everyone else when a partnership their agency belongs to
 * says so. The setting JIGSAW_TWO_FACTOR (`required`, the server's default; `off`) turns the whole
 * requirement on or off; enrolling and being asked for a code at sign-in work either way. Whether a
 * web session still owes one (opened with a password alone by someone who must use one; single
 * sign-on sessions never do) is resolved with the session itself (resolveWebSession, src/auth/auth.ts).
 */

export type { TwoFactorSetting } from '../../config/config.ts';

/** SQL: a partnership the agency (an SQL expression) belongs to requires a second factor of everyone in it. */
export const partnershipRequiresSql = (agencyId: string): string =>
  `EXISTS (SELECT 1 FROM partnership_agency pa JOIN partnership pp ON pp.id = pa.partnership_id WHERE pa.agency_id = ${agencyId} AND pp.require_two_factor)`;

/** A role that always needs a second factor, whatever the partnership says. */
export const roleRequiresTwoFactor = (roles: readonly Role[]): boolean => roles.some((r) => TWO_FACTOR_ROLES.includes(r));

const MUST_SQL = `(EXISTS (SELECT 1 FROM practitioner_role r WHERE r.practitioner_id = $1 AND r.role = ANY($2::text[]))
  OR EXISTS (SELECT 1 FROM practitioner p WHERE p.id = $1 AND ${partnershipRequiresSql('p.agency_id')}))`;

/** Must this practitioner use a second factor (whatever the setting)? */
export async function mustUseTwoFactor(db: Queryable, practitionerId: string): Promise<boolean> {
  const { rows } = await db.query<{ must: boolean }>(`SELECT ${MUST_SQL} AS must`, [practitionerId, TWO_FACTOR_ROLES]);
  return rows[0]?.must === true;
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
