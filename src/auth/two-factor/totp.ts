import { createHash, randomBytes, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Queryable } from '../../db/database.ts';
import { openSecret, sealSecret } from '../../shared/secret-box.ts';

/**
 * The second factor itself: a TOTP key per practitioner (RFC 6238 with the parameters every
 * authenticator app understands: SHA-1, 6 digits, 30 seconds) and one-use recovery codes. Codes
 * are accepted one step either side of now (a phone's clock a little out), and never twice: a
 * code whose step is not later than the last one accepted is refused (RFC 6238 §5.2), so a code
 * read over someone's shoulder cannot be used again.
 */

export const TOTP_PURPOSE = 'totp';
const ISSUER = 'Jigsaw';
const PERIOD = 30;
const WINDOW = 1;
export const RECOVERY_CODES_PER_SET = 10;

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** A new random key (160 bits, as RFC 4226 recommends), in base32 as authenticator apps take it. */
export function newTotpKey(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(keyBase32: string, label = 'Jigsaw'): TOTP {
  return new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(keyBase32) });
}

/** The otpauth:// address a QR code carries; labelled with the account's e-mail so the app can tell accounts apart. */
export function totpUri(keyBase32: string, accountEmail: string): string {
  return totp(keyBase32, accountEmail).toString();
}

/** The key in groups of four, easier to type than to scan for some people. */
export function keyInGroups(keyBase32: string): string {
  return keyBase32.replace(/(.{4})(?=.)/g, '$1 ');
}

/** Only digits count; spaces and hyphens people type between them are ignored. */
export function normaliseCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}

/** The time step a code belongs to, if it is right at `now` within the window; undefined otherwise. */
export function stepOf(keyBase32: string, code: string, now: Date): number | undefined {
  const token = normaliseCode(code);
  if (!/^\d{6}$/.test(token)) return undefined;
  const t = totp(keyBase32);
  const delta = t.validate({ token, timestamp: now.getTime(), window: WINDOW });
  return delta === null ? undefined : t.counter({ timestamp: now.getTime() }) + delta;
}

/** The code for a moment (the tests, and nothing else, need to make codes). */
export function codeAt(keyBase32: string, at: Date): string {
  return totp(keyBase32).generate({ timestamp: at.getTime() });
}

export interface TotpState {
  key: string;
  createdAt: string;
  enrolledAt: string | null;
  lastUsedStep: number | null;
}

export async function totpState(db: Queryable, practitionerId: string, lock = false): Promise<TotpState | undefined> {
  const row = (await db.query<{ secret_sealed: string; created_at: Date | string; enrolled_at: Date | string | null; last_used_step: string | number | null }>(
    `SELECT secret_sealed, created_at, enrolled_at, last_used_step FROM practitioner_totp WHERE practitioner_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [practitionerId],
  )).rows[0];
  if (!row) return undefined;
  return {
    key: openSecret(TOTP_PURPOSE, row.secret_sealed),
    createdAt: new Date(row.created_at).toISOString(),
    enrolledAt: row.enrolled_at ? new Date(row.enrolled_at).toISOString() : null,
    lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
  };
}

/** Has this practitioner confirmed a key? Then every sign-in with a password asks for a code. */
export async function hasSecondFactor(db: Queryable, practitionerId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM practitioner_totp WHERE practitioner_id = $1 AND enrolled_at IS NOT NULL', [practitionerId]);
  return rows.length > 0;
}

/** A key to set up with (kept until confirmed, so reloading the page does not change what was scanned). */
export async function pendingKey(tx: Queryable, practitionerId: string, now: Date): Promise<string> {
  const existing = await totpState(tx, practitionerId, true);
  if (existing) return existing.key;
  const key = newTotpKey();
  await tx.query('INSERT INTO practitioner_totp (practitioner_id, secret_sealed, created_at) VALUES ($1, $2, $3)', [practitionerId, sealSecret(TOTP_PURPOSE, key), now.toISOString()]);
  return key;
}

/**
 * Checks a code against the practitioner's key (confirmed or, when `settingUp`, not yet) and, when
 * right, records its step so it cannot be used again. Call inside a transaction.
 */
export async function useTotpCode(tx: Queryable, practitionerId: string, code: string, now: Date, settingUp = false): Promise<boolean> {
  const state = await totpState(tx, practitionerId, true);
  if (!state || (state.enrolledAt === null) !== settingUp) return false;
  const step = stepOf(state.key, code, now);
  if (step === undefined || (state.lastUsedStep !== null && step <= state.lastUsedStep)) return false;
  await tx.query('UPDATE practitioner_totp SET last_used_step = $2 WHERE practitioner_id = $1', [practitionerId, step]);
  return true;
}

// Lower-case letters and digits without the ones people confuse (0/o, 1/l/i).
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A recovery code: 10 characters (about 49 bits) shown as two groups of five, e.g. "k7m2p-x9qrt". */
function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

const recoveryHash = (code: string): string => sha256(`recovery-code\n${code.toLowerCase().replace(/[^a-z0-9]/g, '')}`);

/** A new set of recovery codes, replacing every earlier one (used or not); answers the codes, to show once. */
export async function newRecoveryCodes(tx: Queryable, practitionerId: string, now: Date): Promise<string[]> {
  await tx.query('DELETE FROM recovery_code WHERE practitioner_id = $1', [practitionerId]);
  const codes = new Set<string>();
  while (codes.size < RECOVERY_CODES_PER_SET) codes.add(newRecoveryCode());
  for (const code of codes) {
    await tx.query('INSERT INTO recovery_code (practitioner_id, code_hash, created_at) VALUES ($1, $2, $3)', [practitionerId, recoveryHash(code), now.toISOString()]);
  }
  return [...codes];
}

/** Uses a recovery code: true once for each code of the current set, false ever after. */
export async function useRecoveryCode(tx: Queryable, practitionerId: string, code: string, now: Date): Promise<boolean> {
  if (code.length > 100) return false;
  const { rowCount } = await tx.query(
    'UPDATE recovery_code SET used_at = $3 WHERE practitioner_id = $1 AND code_hash = $2 AND used_at IS NULL',
    [practitionerId, recoveryHash(code), now.toISOString()],
  );
  return (rowCount ?? 0) > 0;
}

export async function recoveryCodesLeft(db: Queryable, practitionerId: string): Promise<number> {
  const { rows } = await db.query<{ n: number | string }>('SELECT count(*) AS n FROM recovery_code WHERE practitioner_id = $1 AND used_at IS NULL', [practitionerId]);
  return Number(rows[0]?.n ?? 0);
}

/** Removes the key and the recovery codes (turning off, or an administrator's reset). */
export async function removeSecondFactor(tx: Queryable, practitionerId: string): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM practitioner_totp WHERE practitioner_id = $1', [practitionerId]);
  await tx.query('DELETE FROM recovery_code WHERE practitioner_id = $1', [practitionerId]);
  return (rowCount ?? 0) > 0;
}

/** A random token for a sign-in challenge cookie, and the hash that is stored. */
export function challengeToken(): { token: string; hash: string } {
  const token = `jsc_${randomBytes(32).toString('base64url')}`;
  return { token, hash: sha256(token) };
}
export const tokenHash = sha256;
