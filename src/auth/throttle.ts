import { createHash } from 'node:crypto';
import type { Database, Queryable } from '../db/database.ts';

/**
 * Sign-in throttling as OWASP advises (Authentication Cheat Sheet, "Account lockout"): no hard
 * lock that an attacker can keep a victim in, but delays that grow with every failure, counted
 * under three keys at once and kept in the database, so they hold across restarts and processes:
 *
 * - **account from one address**: guessing one person's password from one place. Past
 *   `signInMaxFailures` each further attempt from there waits a delay that doubles every failure.
 * - **address**: password spraying, a few guesses at each of many accounts from one place. Past
 *   `signInAddressMaxFailures` the address waits, whatever account it names.
 * - **account**: guessing one person's password from many places. Past `signInAccountMaxFailures`
 *   every address that has itself failed recently waits; an address with no recent failures (the
 *   real owner at their desk) is never held by this key, so failures sent by someone else cannot
 *   keep a person out of their account.
 *
 * A throttled attempt is answered at once (429 with Retry-After) without checking the password;
 * nothing holds a connection open. Every attempt is counted when it starts, inside one transaction
 * that locks the key's row, so guesses sent together cannot all slip under a limit; a success is
 * then taken off again (and clears the account-from-this-address key).
 */

export interface ThrottleSettings {
  /** Failed sign-ins for one account from one address before each further attempt from there must wait (no lock-out). */
  signInMaxFailures: number;
  /** Minutes without a failure after which an account's or an address's failures are forgotten. */
  signInWindowMinutes: number;
  /** The first wait once a limit is reached; it doubles with every further failure … */
  signInDelaySeconds: number;
  /** … up to this. */
  signInMaxDelaySeconds: number;
  /** Failed sign-ins for one account from all addresses before addresses that have failed must wait too (a clean address never does). */
  signInAccountMaxFailures: number;
  /** Failed sign-ins from one address, whatever the accounts, before it must wait (password spraying). */
  signInAddressMaxFailures: number;
}

export type ThrottleKind = 'account-address' | 'account' | 'address';

interface Key {
  kind: ThrottleKind;
  hash: string;
  limit: number;
}

export type Admission =
  | { admitted: true; failures: number }
  | { admitted: false; retryAfterSeconds: number; kind: ThrottleKind };

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Only hashes are stored: the table never holds an e-mail address or an IP address in clear. */
function keysFor(settings: ThrottleSettings, email: string, address: string): { accountAddress: Key; account: Key; address: Key } {
  const account = email.trim().toLowerCase();
  return {
    accountAddress: { kind: 'account-address', hash: sha256(`account-address\n${account}\n${address}`), limit: settings.signInMaxFailures },
    account: { kind: 'account', hash: sha256(`account\n${account}`), limit: settings.signInAccountMaxFailures },
    address: { kind: 'address', hash: sha256(`address\n${address}`), limit: settings.signInAddressMaxFailures },
  };
}

/** The wait after the n-th failure under a key: none below its limit, then first, 2×first, 4×first … up to the cap. */
export function delaySeconds(settings: ThrottleSettings, failures: number, limit: number): number {
  if (limit <= 0 || failures < limit) return 0;
  return Math.min(settings.signInMaxDelaySeconds, settings.signInDelaySeconds * 2 ** Math.min(failures - limit, 30));
}

interface Row { failures: number; last_attempt_at: string; next_attempt_at: string | null }

class Throttled extends Error {
  constructor(readonly retryAfterSeconds: number, readonly kind: ThrottleKind) {
    super('throttled');
  }
}

/**
 * Counts one attempt under the key, unless the key must wait (then throws Throttled). A key whose
 * wait does not apply to this caller (`enforce` false) is still counted.
 */
async function count(tx: Queryable, settings: ThrottleSettings, key: Key, now: Date, enforce: boolean): Promise<number> {
  await tx.query('INSERT INTO sign_in_throttle (key_hash, failures, last_attempt_at, next_attempt_at) VALUES ($1, 0, $2, NULL) ON CONFLICT (key_hash) DO NOTHING', [key.hash, now.toISOString()]);
  const row = (await tx.query<Row>('SELECT failures, last_attempt_at, next_attempt_at FROM sign_in_throttle WHERE key_hash = $1 FOR UPDATE', [key.hash])).rows[0]!;
  if (enforce && row.next_attempt_at && new Date(row.next_attempt_at).getTime() > now.getTime()) {
    throw new Throttled(Math.max(1, Math.ceil((new Date(row.next_attempt_at).getTime() - now.getTime()) / 1000)), key.kind);
  }
  const recent = new Date(row.last_attempt_at).getTime() > now.getTime() - settings.signInWindowMinutes * 60_000;
  const failures = (recent ? row.failures : 0) + 1;
  const wait = delaySeconds(settings, failures, key.limit);
  await tx.query('UPDATE sign_in_throttle SET failures = $2, last_attempt_at = $3, next_attempt_at = $4 WHERE key_hash = $1', [
    key.hash, failures, now.toISOString(), wait > 0 ? new Date(now.getTime() + wait * 1000).toISOString() : null,
  ]);
  return failures;
}

/**
 * Decides whether this attempt may check a password, and counts it. `failures` is the count for
 * this account from this address, for the audit trail.
 */
export async function admit(db: Database, settings: ThrottleSettings, email: string, address: string, now: Date): Promise<Admission> {
  const keys = keysFor(settings, email, address);
  try {
    return await db.transaction(async (tx) => {
      // Forget keys that have been quiet for the window (the index on last_attempt_at keeps this cheap).
      await tx.query('DELETE FROM sign_in_throttle WHERE last_attempt_at < $1', [new Date(now.getTime() - settings.signInWindowMinutes * 60_000).toISOString()]);
      // "Clean": no attempt from this address is still counted (every success is taken off again).
      const fromHere = (await tx.query<{ failures: number }>('SELECT failures FROM sign_in_throttle WHERE key_hash = $1', [keys.address.hash])).rows[0];
      const clean = !fromHere || fromHere.failures === 0;
      // Always in this order (address, account from address, account), so concurrent attempts cannot deadlock.
      await count(tx, settings, keys.address, now, true);
      const failures = await count(tx, settings, keys.accountAddress, now, true);
      await count(tx, settings, keys.account, now, !clean);
      return { admitted: true as const, failures };
    });
  } catch (err) {
    // The transaction rolled back: a throttled attempt counts under no key.
    if (err instanceof Throttled) return { admitted: false, retryAfterSeconds: err.retryAfterSeconds, kind: err.kind };
    throw err;
  }
}

/**
 * The attempt admitted was not a failure: the password was right (`succeeded`), or it was never
 * checked (the server was busy). Each key has this attempt taken off; after a success the
 * account-from-this-address key starts again, but the address and account keys keep the failures
 * before it (a sprayer who owns one account cannot clear their address by signing in to it).
 */
export async function released(tx: Queryable, settings: ThrottleSettings, email: string, address: string, outcome: { succeeded: boolean }): Promise<void> {
  const keys = keysFor(settings, email, address);
  if (outcome.succeeded) await tx.query('DELETE FROM sign_in_throttle WHERE key_hash = $1', [keys.accountAddress.hash]);
  for (const key of outcome.succeeded ? [keys.address, keys.account] : [keys.address, keys.accountAddress, keys.account]) {
    await tx.query(
      `UPDATE sign_in_throttle SET failures = failures - 1, next_attempt_at = CASE WHEN failures - 1 >= $2 THEN next_attempt_at ELSE NULL END
        WHERE key_hash = $1 AND failures > 0`,
      [key.hash, key.limit > 0 ? key.limit : 2 ** 31 - 1],
    );
  }
}
