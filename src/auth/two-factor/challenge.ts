import { auditSystem } from '../../audit/audit.ts';
import { DEFAULT_SIGN_IN_THROTTLE } from '../../config/config.ts';
import type { Services } from '../../shared/context.ts';
import { Problem, tooManyRequests, unauthenticated } from '../../shared/errors.ts';
import { checkPassword, finishWithSecondFactor, openWebSession, waitInWords, type AuthSettings, type SecondFactorAnswer, type SignedIn } from '../auth.ts';
import { admit, released } from '../throttle.ts';
import { challengeToken, hasSecondFactor, tokenHash } from './totp.ts';

/**
 * Signing in on the pages in two steps. After a right password, a practitioner with a second
 * factor gets no session yet but a challenge: a random token in a short-lived cookie (only its
 * hash is stored), good for a few minutes and a few wrong codes, then dead (the password must be
 * given again). Each code given is a sign-in attempt to the throttle, as a password is.
 */

export const CHALLENGE_MINUTES = 5;
export const CHALLENGE_MAX_WRONG = 5;

export type FirstStep = { signedIn: SignedIn } | { challenge: string; expiresAt: string };

export async function beginSignIn(s: Services, settings: AuthSettings, email: string, password: string, address = 'local'): Promise<FirstStep> {
  const account = await checkPassword(s, settings, email, password, address);
  const t = { ...DEFAULT_SIGN_IN_THROTTLE, ...settings };
  const now = s.clock.now();
  const twoStep = await hasSecondFactor(s.db, account.id);
  return s.db.transaction(async (tx) => {
    if (!twoStep) {
      await released(tx, t, email, address, { succeeded: true });
      return { signedIn: await openWebSession(s, tx, settings, account.id, { method: 'password' }) };
    }
    await released(tx, t, email, address, { succeeded: false });
    // Challenges are worth nothing a day after they expired: no table grows for ever.
    await tx.query('DELETE FROM sign_in_challenge WHERE expires_at < $1', [new Date(now.getTime() - 86_400_000).toISOString()]);
    const { token, hash } = challengeToken();
    const expiresAt = new Date(now.getTime() + CHALLENGE_MINUTES * 60_000).toISOString();
    await tx.query('INSERT INTO sign_in_challenge (token_hash, practitioner_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [hash, account.id, now.toISOString(), expiresAt]);
    await auditSystem(s, tx, { action: 'auth.sign-in', outcome: 'denied', entityType: 'practitioner', entityId: account.id, detail: { reason: 'second-factor-required' } });
    return { challenge: token, expiresAt };
  });
}

/** The challenge has expired, been used, or had too many wrong codes: start again from the password. */
export const challengeOver = (): Problem => new Problem(
  401, 'https://jigsaw.example/problems/sign-in-expired', 'Sign in again', 'Your sign-in has timed out or had too many wrong codes. Sign in again with your e-mail address and password.',
);

interface Pending { practitionerId: string; email: string }

async function pending(s: Services, token: string): Promise<Pending | undefined> {
  const row = (await s.db.query<{ practitioner_id: string; email: string; expires_at: Date | string; used_at: unknown; wrong_attempts: number; active: boolean }>(
    `SELECT c.practitioner_id, p.email, c.expires_at, c.used_at, c.wrong_attempts, p.active
       FROM sign_in_challenge c JOIN practitioner p ON p.id = c.practitioner_id WHERE c.token_hash = $1`,
    [tokenHash(token)],
  )).rows[0];
  if (!row || row.used_at || !row.active || row.wrong_attempts >= CHALLENGE_MAX_WRONG) return undefined;
  if (new Date(row.expires_at).getTime() <= s.clock.now().getTime()) return undefined;
  return { practitionerId: row.practitioner_id, email: row.email };
}

/** Is this challenge still waiting for a code? (The code page is shown only then.) */
export async function challengeOpen(s: Services, token: string | undefined): Promise<boolean> {
  return token ? (await pending(s, token)) !== undefined : false;
}

/** The second step: a right code or recovery code opens the session; a wrong one uses up one of the challenge's tries. */
export async function answerChallenge(s: Services, settings: AuthSettings, token: string, answer: SecondFactorAnswer, address = 'local'): Promise<SignedIn> {
  const found = await pending(s, token);
  if (!found) throw challengeOver();
  const t = { ...DEFAULT_SIGN_IN_THROTTLE, ...settings };
  const admission = await admit(s.db, t, found.email, address, s.clock.now());
  if (!admission.admitted) {
    await s.db.transaction((tx) => auditSystem(s, tx, { action: 'auth.sign-in', outcome: 'denied', entityType: 'practitioner', entityId: found.practitionerId, detail: { reason: 'throttled', limit: admission.kind } }));
    throw tooManyRequests(`Too many failed attempts to sign in. Wait ${waitInWords(admission.retryAfterSeconds)} and try again.`, admission.retryAfterSeconds);
  }
  // Claim the challenge first, so that two codes sent together cannot both open a session.
  const claimed = await s.db.query(
    'UPDATE sign_in_challenge SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND wrong_attempts < $3',
    [tokenHash(token), s.clock.now().toISOString(), CHALLENGE_MAX_WRONG],
  );
  if (!claimed.rowCount) {
    await s.db.transaction((tx) => released(tx, t, found.email, address, { succeeded: false }));
    throw challengeOver();
  }
  try {
    return await finishWithSecondFactor(s, settings, found.practitionerId, found.email, address, answer);
  } catch (err) {
    if (!(err instanceof Problem) || err.status !== 401) throw err;
    // Wrong: give the challenge back with one try fewer (dead after the last).
    const { rows } = await s.db.query<{ wrong_attempts: number }>(
      'UPDATE sign_in_challenge SET used_at = NULL, wrong_attempts = wrong_attempts + 1 WHERE token_hash = $1 RETURNING wrong_attempts',
      [tokenHash(token)],
    );
    if ((rows[0]?.wrong_attempts ?? CHALLENGE_MAX_WRONG) >= CHALLENGE_MAX_WRONG) throw challengeOver();
    throw unauthenticated(err.detail);
  }
}
