import { createHash, randomBytes } from 'node:crypto';
import type { Actor, Role } from '../access/policy.ts';
import { auditSystem } from '../audit/audit.ts';
import type { Queryable } from '../db/database.ts';
import { DEFAULT_SIGN_IN_THROTTLE, type Config } from '../config/config.ts';
import type { Services, Tx } from '../shared/context.ts';
import { Problem, tooManyRequests, unauthenticated } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { admit, released } from './throttle.ts';
import { apiTokenDays } from './token-days.ts';
import { verifyWithinBound } from './verifications.ts';
import { hasSecondFactor, useRecoveryCode, useTotpCode } from './two-factor/totp.ts';
import { partnershipRequiresSql, roleRequiresTwoFactor } from './two-factor/requirement.ts';

/**
 * The session lifetimes and the sign-in throttle; the throttle's finer settings default as in config.ts.
 * twoFactor (JIGSAW_TWO_FACTOR) left out means the two-factor requirement is off.
 */
export type AuthSettings = Pick<Config, 'sessionIdleMinutes' | 'sessionMaxHours' | 'signInMaxFailures' | 'signInWindowMinutes'>
  & Partial<Pick<Config, keyof typeof DEFAULT_SIGN_IN_THROTTLE | 'twoFactor'>>;

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
const secret = (prefix: string): string => `${prefix}_${randomBytes(32).toString('base64url')}`;

/** Grants arrive with the sharing issue; until then an actor sees only their own agency. */
export async function loadActor(db: Queryable, practitionerId: string): Promise<Actor | undefined> {
  const { rows } = await db.query<{ id: string; agency_id: string; active: boolean; roles: Role[] | null }>(
    `SELECT p.id, p.agency_id, p.active, (SELECT array_agg(role) FROM practitioner_role r WHERE r.practitioner_id = p.id) AS roles
       FROM practitioner p WHERE p.id = $1`,
    [practitionerId],
  );
  const row = rows[0];
  if (!row || !row.active) return undefined;
  return { practitionerId: row.id, agencyId: row.agency_id, roles: row.roles ?? [], grants: [] };
}

export interface SignedIn {
  sessionToken: string;
  practitionerId: string;
  expiresAt: string;
}

/** "2 seconds", "5 minutes": how long to wait, in words for the sign-in page. */
export function waitInWords(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** A second factor given with a password: a code from the authenticator app, or a recovery code. */
export interface SecondFactorAnswer {
  code?: string | undefined;
  recoveryCode?: string | undefined;
}

/** The password was right, and the practitioner has a second factor that must be given too. */
export const secondFactorRequired = (): Problem => new Problem(
  401, 'https://jigsaw.example/problems/second-factor-required', 'Second factor required',
  'Give the 6-digit code from your authenticator app (code), or one of your recovery codes (recoveryCode).',
);

/**
 * Checks an e-mail and password from a source address (the API and the pages pass the request's
 * address; in-process callers are "local"). Attempts are throttled with growing delays per account
 * and address, per address and per account (throttle.ts), never locked; password checks run within
 * a bound (verifications.ts); every attempt is audited, by identifier only.
 *
 * A practitioner with a second factor (two-factor/totp.ts) must give a code or a recovery code with
 * the password; a wrong one counts as a failed attempt, as a wrong password does.
 */
export async function signIn(s: Services, settings: AuthSettings, email: string, password: string, address = 'local', answer?: SecondFactorAnswer): Promise<SignedIn> {
  const account = await checkPassword(s, settings, email, password, address);
  const t = { ...DEFAULT_SIGN_IN_THROTTLE, ...settings };
  if (!(await hasSecondFactor(s.db, account.id))) {
    return s.db.transaction(async (tx) => {
      await released(tx, t, email, address, { succeeded: true });
      return openWebSession(s, tx, settings, account.id, { method: 'password' });
    });
  }
  if (!answer?.code && !answer?.recoveryCode) {
    // The password was right: not a failure, but not a sign-in either (the account-from-here count is kept).
    await s.db.transaction(async (tx) => {
      await released(tx, t, email, address, { succeeded: false });
      await auditSystem(s, tx, { action: 'auth.sign-in', outcome: 'denied', entityType: 'practitioner', entityId: account.id, detail: { reason: 'second-factor-required' } });
    });
    throw secondFactorRequired();
  }
  return finishWithSecondFactor(s, settings, account.id, email, address, answer);
}

/**
 * The first step of every sign-in with a password: throttled, bounded, audited when wrong. Answers
 * the account when the password is right; the attempt then stays counted until the caller releases
 * it (released(), throttle.ts), as a success or, when a second factor is still owed, as neither.
 */
export async function checkPassword(s: Services, settings: AuthSettings, email: string, password: string, address = 'local'): Promise<{ id: string }> {
  const now = s.clock.now();
  const t = { ...DEFAULT_SIGN_IN_THROTTLE, ...settings };
  const refused = async (detail: Record<string, string>, problem: Problem): Promise<never> => {
    await s.db.transaction((tx) => auditSystem(s, tx, { action: 'auth.sign-in', outcome: 'denied', detail }));
    throw problem;
  };
  const admission = await admit(s.db, t, email, address, now);
  if (!admission.admitted) {
    return refused(
      { reason: 'throttled', limit: admission.kind },
      tooManyRequests(`Too many failed attempts to sign in. Wait ${waitInWords(admission.retryAfterSeconds)} and try again.`, admission.retryAfterSeconds),
    );
  }
  const account = (await s.db.query<{ id: string; password_hash: string | null; active: boolean }>(
    'SELECT id, password_hash, active FROM practitioner WHERE lower(email) = lower($1)',
    [email.trim()],
  )).rows[0];
  const usable = account?.password_hash && account.active ? account.password_hash : undefined;
  let ok: boolean;
  try {
    ok = await verifyWithinBound(t.signInConcurrency, usable, password);
  } catch (err) {
    if (!(err instanceof Problem)) throw err;
    // Busy: the password was not checked, so the attempt is not held against anyone.
    await s.db.transaction((tx) => released(tx, t, email, address, { succeeded: false }));
    return refused({ reason: 'busy' }, err);
  }

  if (!ok || !account) {
    await s.db.transaction((tx) => auditSystem(s, tx, {
      action: 'auth.sign-in',
      outcome: 'failure',
      entityType: account ? 'practitioner' : undefined,
      entityId: account?.id,
      detail: { failures: admission.failures },
    }));
    throw unauthenticated('The e-mail address or password is not right.');
  }
  return { id: account.id };
}

/**
 * The second step, for an attempt already admitted by the throttle (and a password already right):
 * a right code (its time step then spent) or an unused recovery code (then spent) opens the session,
 * named by the factor used; a wrong one is audited and stays counted as a failed attempt.
 */
export async function finishWithSecondFactor(
  s: Services, settings: AuthSettings, practitionerId: string, email: string, address: string, answer: SecondFactorAnswer,
): Promise<SignedIn> {
  const t = { ...DEFAULT_SIGN_IN_THROTTLE, ...settings };
  const now = s.clock.now();
  const factor = answer.code ? 'totp' : 'recovery_code';
  const signedIn = await s.db.transaction(async (tx) => {
    const right = answer.code ? await useTotpCode(tx, practitionerId, answer.code, now) : await useRecoveryCode(tx, practitionerId, answer.recoveryCode ?? '', now);
    if (!right) return undefined;
    await released(tx, t, email, address, { succeeded: true });
    return openWebSession(s, tx, settings, practitionerId, { method: answer.code ? 'password_totp' : 'password_recovery_code' });
  });
  if (signedIn) return signedIn;
  await s.db.transaction((tx) => auditSystem(s, tx, {
    action: 'auth.sign-in', outcome: 'failure', entityType: 'practitioner', entityId: practitionerId, detail: { reason: 'wrong-second-factor', factor },
  }));
  throw unauthenticated(factor === 'totp' ? 'The code is not right. Check your authenticator app and try again.' : 'The recovery code is not right, or has been used.');
}

/** How a web session was opened (web_session.method); single sign-on also keeps the provider's amr and acr claims. */
export type SignInMethod = 'password' | 'password_totp' | 'password_recovery_code' | 'single_sign_on';
export interface HowSignedIn { method: SignInMethod; amr?: readonly string[] | undefined; acr?: string | undefined }

/**
 * The one place a web session is opened, in the caller's transaction, whichever way the person
 * proved who they are (password, password and second factor, single sign-on): a new random token of
 * which only the hash is kept, the session's limits, and the audited sign-in naming the method.
 */
export async function openWebSession(s: Services, tx: Tx, settings: Pick<AuthSettings, 'sessionMaxHours'>, practitionerId: string, how: HowSignedIn): Promise<SignedIn> {
  const now = s.clock.now();
  const token = secret('jss');
  const expiresAt = new Date(now.getTime() + settings.sessionMaxHours * 3_600_000).toISOString();
  await tx.query(
    'INSERT INTO web_session (token_hash, practitioner_id, created_at, last_seen_at, expires_at, method, amr, acr) VALUES ($1,$2,$3,$3,$4,$5,$6,$7)',
    [sha256(token), practitionerId, now.toISOString(), expiresAt, how.method, how.amr ? [...how.amr] : null, how.acr ?? null],
  );
  const actor = await loadActor(tx, practitionerId);
  await auditSystem(s, tx, {
    action: 'auth.sign-in', outcome: 'success', entityType: 'practitioner', entityId: practitionerId,
    ...(how.method === 'password' ? {} : { detail: { method: how.method, ...(how.amr ? { amr: how.amr.join(' ') } : {}), ...(how.acr ? { acr: how.acr } : {}) } }),
  }, actor);
  return { sessionToken: token, practitionerId, expiresAt };
}

/** Ends every open web session of a practitioner at once (a leaver, a new password, a second factor reset). */
export async function endAllSessions(s: Services, tx: Tx, practitionerId: string): Promise<number> {
  const { rowCount } = await tx.query('UPDATE web_session SET ended_at = $2 WHERE practitioner_id = $1 AND ended_at IS NULL', [practitionerId, s.clock.now().toISOString()]);
  return rowCount ?? 0;
}

/** Who is signed in, as the pages show it: name, job title and agency. No personal data about service users. */
export interface SignedInPractitioner {
  practitionerId: string;
  name: string;
  jobTitle: string | null;
  agencyId: string;
  agencyName: string;
  agencyType: string;
}

/** Everything a request with a live web session needs, resolved once (app.ts). */
export interface ResolvedSession {
  actor: Actor;
  practitioner: SignedInPractitioner;
  /**
   * Opened with a password alone by someone who must use a second factor (two-factor/requirement.ts):
   * whether JIGSAW_TWO_FACTOR enforces it is the caller's decision (two-factor/enforce.ts).
   */
  owesSecondFactor: boolean;
  /** When the session ends if unused from now on: the earlier of the idle limit and its hard end. */
  endsAt: Date;
  /** How the session was opened (web_session.method), for the account page. */
  method: SignInMethod;
}

/**
 * One statement for the session, the practitioner, their agency and roles, and whether the session
 * still owes a second factor: it runs on every signed-in request, where each further statement was
 * a round trip (five per page before issue 21). The second-factor rule is two-factor/requirement.ts's:
 * a role that always needs one, or a partnership of the agency that requires it.
 */
const RESOLVE_SESSION_SQL = `
  SELECT ws.practitioner_id, ws.last_seen_at, ws.expires_at, ws.ended_at, ws.method,
         p.agency_id, p.active, p.name, p.job_title, a.name AS agency_name, a.type AS agency_type,
         (SELECT array_agg(r.role) FROM practitioner_role r WHERE r.practitioner_id = p.id) AS roles,
         (ws.method = 'password' AND ${partnershipRequiresSql('p.agency_id')}) AS partnership_requires
    FROM web_session ws JOIN practitioner p ON p.id = ws.practitioner_id JOIN agency a ON a.id = p.agency_id
   WHERE ws.token_hash = $1`;

/**
 * A session ends after sessionIdleMinutes without use or sessionMaxHours after sign-in, when it is
 * signed out, or when its practitioner is deactivated.
 */
export async function resolveWebSession(s: Services, settings: AuthSettings, token: string): Promise<ResolvedSession | undefined> {
  const now = s.clock.now();
  const hash = sha256(token);
  const row = (await s.db.query<{
    practitioner_id: string; last_seen_at: string; expires_at: string; ended_at: string | null; method: SignInMethod;
    agency_id: string; active: boolean; name: string; job_title: string | null; agency_name: string; agency_type: string;
    roles: Role[] | null; partnership_requires: boolean;
  }>(RESOLVE_SESSION_SQL, [hash])).rows[0];
  if (!row || row.ended_at) return undefined;
  const lastSeen = new Date(row.last_seen_at).getTime();
  const expires = new Date(row.expires_at).getTime();
  if (now.getTime() >= expires || now.getTime() >= lastSeen + settings.sessionIdleMinutes * 60_000) return undefined;
  // Touch at most once a minute: a page full of requests should not write on every one.
  const touched = now.getTime() - lastSeen > 60_000;
  if (touched) await s.db.query('UPDATE web_session SET last_seen_at = $2 WHERE token_hash = $1', [hash, now.toISOString()]);
  if (!row.active) return undefined;
  const roles = row.roles ?? [];
  return {
    actor: { practitionerId: row.practitioner_id, agencyId: row.agency_id, roles, grants: [] },
    practitioner: { practitionerId: row.practitioner_id, name: row.name, jobTitle: row.job_title, agencyId: row.agency_id, agencyName: row.agency_name, agencyType: row.agency_type },
    owesSecondFactor: row.method === 'password' && (roleRequiresTwoFactor(roles) || row.partnership_requires),
    endsAt: new Date(Math.min((touched ? now.getTime() : lastSeen) + settings.sessionIdleMinutes * 60_000, expires)),
    method: row.method,
  };
}

/** The actor behind a web session (resolveWebSession, for callers that need no more). */
export async function resolveSession(s: Services, settings: AuthSettings, token: string): Promise<Actor | undefined> {
  return (await resolveWebSession(s, settings, token))?.actor;
}

export async function signOut(s: Services, token: string): Promise<void> {
  await s.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ practitioner_id: string }>(
      'UPDATE web_session SET ended_at = $2 WHERE token_hash = $1 AND ended_at IS NULL RETURNING practitioner_id',
      [sha256(token), s.clock.now().toISOString()],
    );
    if (rows[0]) await auditSystem(s, tx, { action: 'auth.sign-out', outcome: 'success', entityType: 'practitioner', entityId: rows[0].practitioner_id });
  });
}

export interface IssuedToken {
  id: string;
  token: string;
  createdAt: string;
  expiresAt: string;
}

/**
 * A bearer token for programs and the CLI. Only its hash is kept; the token is shown once. Every
 * token expires: after `days`, or JIGSAW_API_TOKEN_DAYS (90 by default).
 */
export async function createApiToken(s: Services, practitionerId: string, name: string, days: number = apiTokenDays()): Promise<IssuedToken> {
  return s.db.transaction(async (tx) => {
    const issued = await issueApiTokenInTx(s, tx, practitionerId, name, days);
    await auditSystem(s, tx, { action: 'auth.token-create', outcome: 'success', entityType: 'practitioner', entityId: practitionerId, detail: { tokenId: issued.id } });
    return issued;
  });
}

/** Makes a token in the caller's transaction; the caller has decided who may, and audits it. */
export async function issueApiTokenInTx(s: Services, tx: Tx, practitionerId: string, name: string, days: number): Promise<IssuedToken> {
  const id = newId();
  const token = secret('jst');
  const now = s.clock.now();
  const expiresAt = new Date(now.getTime() + days * 86_400_000).toISOString();
  await tx.query('INSERT INTO api_token (id, practitioner_id, token_hash, name, created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6)', [
    id, practitionerId, sha256(token), name, now.toISOString(), expiresAt,
  ]);
  return { id, token, createdAt: now.toISOString(), expiresAt };
}

/** The token, its practitioner and their roles in one statement: it runs on every request a program makes. */
export async function resolveApiToken(s: Services, token: string): Promise<Actor | undefined> {
  const row = (await s.db.query<{ id: string; practitioner_id: string; expires_at: string | null; revoked_at: string | null; last_used_at: string | null; agency_id: string; active: boolean; roles: Role[] | null }>(
    `SELECT t.id, t.practitioner_id, t.expires_at, t.revoked_at, t.last_used_at, p.agency_id, p.active,
            (SELECT array_agg(r.role) FROM practitioner_role r WHERE r.practitioner_id = p.id) AS roles
       FROM api_token t JOIN practitioner p ON p.id = t.practitioner_id WHERE t.token_hash = $1`,
    [sha256(token)],
  )).rows[0];
  const now = s.clock.now();
  if (!row || row.revoked_at || (row.expires_at && new Date(row.expires_at).getTime() <= now.getTime()) || !row.active) return undefined;
  // Touched at most once a minute, as sessions are: a busy integration should not write on every request.
  if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() > 60_000) {
    await s.db.query('UPDATE api_token SET last_used_at = $2 WHERE id = $1', [row.id, now.toISOString()]);
  }
  return { practitionerId: row.practitioner_id, agencyId: row.agency_id, roles: row.roles ?? [], grants: [] };
}
