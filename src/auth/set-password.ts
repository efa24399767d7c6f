import { createHash, randomBytes } from 'node:crypto';
import { auditSystem } from '../audit/audit.ts';
import type { Queryable } from '../db/database.ts';
import type { Services, Tx } from '../shared/context.ts';
import { Problem } from '../shared/errors.ts';
import { endAllSessions } from './auth.ts';
import { assertStrongPassword, hashPassword } from './passwords.ts';

/**
 * One-time set-password links (issue 16). Whoever creates a login — an administrator on the pages
 * or the API, the operator with `jigsaw user add` — gets a link to hand to its owner, shown once;
 * the owner opens it and chooses their own password. Nobody else ever sets or learns it.
 *
 * The link carries 32 random bytes (node:crypto); only their SHA-256 is kept, as for sessions and
 * API tokens, so the table cannot be used to set anyone's password. A link works once, until it
 * expires (JIGSAW_SET_PASSWORD_HOURS, 72 by default), and a newer link for the same person
 * replaces any older one still unused. The token is in the link's path, not its query or fragment:
 * the pages work without JavaScript, so the server must receive it. Jigsaw's own logs and metrics
 * record route patterns only (`/set-password/:token`), pages send no Referer, and nothing is cached;
 * a proxy in front of Jigsaw should not log paths under /set-password/ either (docs/security.md).
 */

export interface SetPasswordSettings {
  /** Where practitioners reach Jigsaw (JIGSAW_PUBLIC_URL): the links start with it. */
  publicUrl: string;
  /** How long a link works (JIGSAW_SET_PASSWORD_HOURS). */
  hours: number;
}

export const DEFAULT_SET_PASSWORD_HOURS = 72;

export function setPasswordSettings(env: NodeJS.ProcessEnv = process.env): SetPasswordSettings {
  const raw = env.JIGSAW_SET_PASSWORD_HOURS;
  const hours = raw === undefined || raw === '' ? DEFAULT_SET_PASSWORD_HOURS : Number(raw);
  // A week at most: an unused link is a way into an account for whoever finds it.
  if (!Number.isInteger(hours) || hours < 1 || hours > 168) throw new Error('JIGSAW_SET_PASSWORD_HOURS must be a whole number of hours from 1 to 168');
  return { publicUrl: (env.JIGSAW_PUBLIC_URL || 'http://localhost:3000').replace(/\/+$/, ''), hours };
}

/** What a link is for (issue 19): an invitation, or a reset the practitioner asked for (which may expire sooner); and whether it was e-mailed. */
export interface LinkPurpose {
  purpose?: 'invitation' | 'reset';
  /** Overrides the settings' hours (a reset link: JIGSAW_RESET_PASSWORD_MINUTES). */
  minutes?: number;
  emailed?: boolean;
}

export interface IssuedLink {
  /** The link to hand to the practitioner: shown once, never stored. */
  url: string;
  expiresAt: string;
}

const TOKEN_SHAPE = /^jsp_[A-Za-z0-9_-]{43}$/;
const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/**
 * Makes a new link for a practitioner in the caller's transaction, replacing any unused one. The
 * caller has decided that `issuedBy` may (an administrator of the practitioner's agency), or is
 * the system (null). Audited with identifiers only.
 */
export async function issueLinkInTx(s: Services, tx: Tx, practitionerId: string, issuedBy: string | null, settings: SetPasswordSettings, how: LinkPurpose = {}): Promise<IssuedLink> {
  const now = s.clock.now();
  const token = `jsp_${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(now.getTime() + (how.minutes ?? settings.hours * 60) * 60_000).toISOString();
  await tx.query('UPDATE set_password_link SET superseded_at = $2 WHERE practitioner_id = $1 AND used_at IS NULL AND superseded_at IS NULL', [practitionerId, now.toISOString()]);
  await tx.query('INSERT INTO set_password_link (token_hash, practitioner_id, issued_by, created_at, expires_at, purpose, sent_to_email) VALUES ($1,$2,$3,$4,$5,$6,$7)',
    [sha256(token), practitionerId, issuedBy, now.toISOString(), expiresAt, how.purpose ?? 'invitation', how.emailed ?? false]);
  return { url: `${settings.publicUrl}/set-password/${token}`, expiresAt };
}

export type LinkState =
  | { state: 'valid'; practitionerId: string; name: string; email: string; expiresAt: string }
  | { state: 'used' | 'expired' | 'replaced' | 'unknown' };

interface LinkRow { practitioner_id: string; name: string; email: string; active: boolean; expires_at: string; used_at: string | null; superseded_at: string | null }

async function findLink(db: Queryable, token: string, lock = false): Promise<LinkRow | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  return (await db.query<LinkRow>(
    `SELECT l.practitioner_id, p.name, p.email, p.active, l.expires_at, l.used_at, l.superseded_at
       FROM set_password_link l JOIN practitioner p ON p.id = l.practitioner_id WHERE l.token_hash = $1${lock ? ' FOR UPDATE OF l' : ''}`,
    [sha256(token)])).rows[0];
}

function stateOf(row: LinkRow | undefined, now: Date): LinkState {
  if (!row || !row.active) return { state: 'unknown' };
  if (row.used_at) return { state: 'used' };
  if (row.superseded_at) return { state: 'replaced' };
  if (new Date(row.expires_at).getTime() <= now.getTime()) return { state: 'expired' };
  return { state: 'valid', practitionerId: row.practitioner_id, name: row.name, email: row.email, expiresAt: new Date(row.expires_at).toISOString() };
}

/**
 * What a link is now: the page shows the form for a valid one and says plainly why any other does
 * not work. Opening it is audited (`audited`): a used or replaced link opened again may mean it was
 * intercepted, and the audit trail should show when.
 */
export async function inspectLink(s: Services, token: string, audited = false): Promise<LinkState> {
  const state = stateOf(await findLink(s.db, token), s.clock.now());
  if (audited) {
    await s.db.transaction((tx) => auditSystem(s, tx, state.state === 'valid'
      ? { action: 'auth.set-password-open', outcome: 'success', entityType: 'practitioner', entityId: state.practitionerId }
      : { action: 'auth.set-password-open', outcome: state.state === 'unknown' ? 'not_found' : 'denied', detail: { link: state.state } }));
  }
  return state;
}

/** Words for a link that does not work, for the page and for problem+json alike. */
export const LINK_TROUBLE: Record<Exclude<LinkState['state'], 'valid'>, string> = {
  used: 'This link has already been used to set a password. Sign in with that password, or ask your administrator for a new link.',
  expired: 'This link has expired. Ask your administrator for a new one.',
  replaced: 'A newer link has been issued in place of this one. Use the newest link you were given, or ask your administrator for a new one.',
  unknown: 'This link does not work. Check you copied all of it, or ask your administrator for a new one.',
};

/**
 * The practitioner chooses their password: the same strength rule as everywhere (422 naming
 * `pointer`), then the link is spent — under a row lock, so two uses at once set it once — and the
 * practitioner's open web sessions end, since whoever had them did not know this password.
 */
export async function setPasswordWithLink(s: Services, token: string, password: string, pointer = '/password'): Promise<{ practitionerId: string }> {
  const now = s.clock.now();
  const before = stateOf(await findLink(s.db, token), now);
  if (before.state !== 'valid') return refuseLink(s, before.state);
  assertStrongPassword(password, { email: before.email, name: before.name }, pointer);
  // argon2 is slow by design: hash outside the lock, then check again under it.
  const hash = await hashPassword(password);
  const outcome = await s.db.transaction(async (tx) => {
    const state = stateOf(await findLink(tx, token, true), s.clock.now());
    if (state.state !== 'valid') return state.state;
    await tx.query('UPDATE set_password_link SET used_at = $2 WHERE token_hash = $1', [sha256(token), now.toISOString()]);
    await tx.query('UPDATE practitioner SET password_hash = $2 WHERE id = $1', [state.practitionerId, hash]);
    await endAllSessions(s, tx, state.practitionerId);
    await auditSystem(s, tx, { action: 'auth.set-password', outcome: 'success', entityType: 'practitioner', entityId: state.practitionerId });
    return state.practitionerId;
  });
  if (outcome === 'used' || outcome === 'expired' || outcome === 'replaced' || outcome === 'unknown') return refuseLink(s, outcome);
  return { practitionerId: outcome };
}

async function refuseLink(s: Services, state: Exclude<LinkState['state'], 'valid'>): Promise<never> {
  await s.db.transaction((tx) => auditSystem(s, tx, { action: 'auth.set-password', outcome: state === 'unknown' ? 'not_found' : 'denied', detail: { link: state } }));
  // 404 for a link that never was; 410 Gone for one that was, and no longer works.
  throw new Problem(state === 'unknown' ? 404 : 410, `https://jigsaw.example/problems/set-password-link-${state}`, 'The link does not work', LINK_TROUBLE[state]);
}
