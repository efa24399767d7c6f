import { createHash } from 'node:crypto';
import { decideAgency, decidePartnershipSettings } from '../../access/policy.ts';
import { audit, auditSystem, command, refuse } from '../../audit/audit.ts';
import { DEFAULT_SIGN_IN_THROTTLE } from '../../config/config.ts';
import type { ActorContext, Services, Tx } from '../../shared/context.ts';
import { newId } from '../../shared/ids.ts';
import { conflict, forbidden, invalid, notFound, tooManyRequests } from '../../shared/errors.ts';
import { endAllSessions, waitInWords, type AuthSettings } from '../auth.ts';
import { admit, released } from '../throttle.ts';
import { mustUseTwoFactor, upgradeSession, type TwoFactorSetting } from './requirement.ts';
import { hasSecondFactor, newRecoveryCodes, pendingKey, recoveryCodesLeft, removeSecondFactor, totpState, useTotpCode } from './totp.ts';

/**
 * A practitioner's own second factor (set up, new recovery codes, turn off), an administrator's
 * reset of someone else's, and a partnership's requirement. Every change is audited, by
 * identifier only; keys and codes never reach the audit trail or the logs.
 */

export interface TwoFactorStatus {
  enrolledAt: string | null;
  recoveryCodesLeft: number;
  /** Must this practitioner use it (their role or partnership, and JIGSAW_TWO_FACTOR=required)? */
  required: boolean;
}

export async function twoFactorStatus(s: Services, practitionerId: string, setting: TwoFactorSetting | undefined): Promise<TwoFactorStatus> {
  const state = await totpState(s.db, practitionerId);
  return {
    enrolledAt: state?.enrolledAt ?? null,
    recoveryCodesLeft: state?.enrolledAt ? await recoveryCodesLeft(s.db, practitionerId) : 0,
    required: setting === 'required' && (await mustUseTwoFactor(s.db, practitionerId)),
  };
}

const wrongCode = (pointer = '/code') => invalid('The code is not right', [{ pointer, detail: 'The code is not right. Enter the 6-digit code your authenticator app shows now' }]);

/** The key to set up with: new, or the one already waiting for its confirming code. */
export async function startSetUp(ctx: ActorContext): Promise<{ key: string; email: string }> {
  return command(ctx, async (tx) => {
    if (await hasSecondFactor(tx, ctx.actor.practitionerId)) throw conflict('Two-factor authentication is already set up.');
    const key = await pendingKey(tx, ctx.actor.practitionerId, ctx.clock.now());
    const { rows } = await tx.query<{ email: string }>('SELECT email FROM practitioner WHERE id = $1', [ctx.actor.practitionerId]);
    return { key, email: rows[0]?.email ?? '' };
  });
}

/**
 * Confirms the key with a code from the app: from now on every password sign-in asks for a code.
 * Answers the first set of recovery codes, to be shown once; the session it was done in (if any)
 * now counts as a two-factor one.
 */
export async function confirmSetUp(ctx: ActorContext, code: string, sessionToken?: string): Promise<string[]> {
  const now = ctx.clock.now();
  return command(ctx, async (tx) => {
    if (await hasSecondFactor(tx, ctx.actor.practitionerId)) throw conflict('Two-factor authentication is already set up.');
    if (!(await useTotpCode(tx, ctx.actor.practitionerId, code, now, true))) throw wrongCode();
    await tx.query('UPDATE practitioner_totp SET enrolled_at = $2 WHERE practitioner_id = $1', [ctx.actor.practitionerId, now.toISOString()]);
    const codes = await newRecoveryCodes(tx, ctx.actor.practitionerId, now);
    if (sessionToken) await upgradeSession(tx, sessionToken);
    // Any other session opened with the password alone ends: from now on a sign-in needs the code too.
    await tx.query(
      "UPDATE web_session SET ended_at = $2 WHERE practitioner_id = $1 AND ended_at IS NULL AND method = 'password' AND token_hash <> $3",
      [ctx.actor.practitionerId, now.toISOString(), sessionToken ? createHash('sha256').update(sessionToken).digest('hex') : ''],
    );
    await audit(ctx, tx, { action: 'two-factor.enrol', outcome: 'success', entityType: 'practitioner', entityId: ctx.actor.practitionerId });
    return codes;
  });
}

/**
 * Where a code from the app is asked for outside sign-in (new recovery codes, turning off), a wrong
 * one counts as a failed sign-in for the account from that address (throttle.ts), so that a session
 * left open cannot be used to guess codes and take over the second factor.
 */
export interface CodeGuard {
  settings: AuthSettings;
  /** The request's source address (the pages pass it). */
  address: string;
}

async function withThrottledCode<T>(ctx: ActorContext, guard: CodeGuard, action: string, step: (tx: Tx) => Promise<T | undefined>): Promise<T> {
  const t = { ...DEFAULT_SIGN_IN_THROTTLE, ...guard.settings };
  const email = (await ctx.db.query<{ email: string }>('SELECT email FROM practitioner WHERE id = $1', [ctx.actor.practitionerId])).rows[0]?.email ?? '';
  const admission = await admit(ctx.db, t, email, guard.address, ctx.clock.now());
  if (!admission.admitted) throw tooManyRequests(`Too many wrong codes. Wait ${waitInWords(admission.retryAfterSeconds)} and try again.`, admission.retryAfterSeconds);
  const done = await command(ctx, async (tx) => {
    const result = await step(tx);
    if (result !== undefined) await released(tx, t, email, guard.address, { succeeded: true });
    return result;
  });
  if (done !== undefined) return done;
  await ctx.db.transaction((tx) => audit(ctx, tx, { action, outcome: 'failure', entityType: 'practitioner', entityId: ctx.actor.practitionerId, detail: { reason: 'wrong-code' } }));
  throw wrongCode();
}

/** A new set of recovery codes (the old ones stop working), given a current code from the app. */
export async function regenerateRecoveryCodes(ctx: ActorContext, code: string, guard: CodeGuard): Promise<string[]> {
  const now = ctx.clock.now();
  return withThrottledCode(ctx, guard, 'two-factor.recovery-codes', async (tx) => {
    if (!(await hasSecondFactor(tx, ctx.actor.practitionerId))) throw conflict('Two-factor authentication is not set up.');
    if (!(await useTotpCode(tx, ctx.actor.practitionerId, code, now))) return undefined;
    const fresh = await newRecoveryCodes(tx, ctx.actor.practitionerId, now);
    await audit(ctx, tx, { action: 'two-factor.recovery-codes', outcome: 'success', entityType: 'practitioner', entityId: ctx.actor.practitionerId });
    return fresh;
  });
}

/** Turns the second factor off, given a current code; refused to anyone who must use one. */
export async function turnOff(ctx: ActorContext, code: string, setting: TwoFactorSetting | undefined, guard: CodeGuard): Promise<void> {
  const now = ctx.clock.now();
  if (setting === 'required' && (await mustUseTwoFactor(ctx.db, ctx.actor.practitionerId))) {
    throw forbidden('Your account must use two-factor authentication, so it cannot be turned off.');
  }
  await withThrottledCode(ctx, guard, 'two-factor.turn-off', async (tx) => {
    if (!(await hasSecondFactor(tx, ctx.actor.practitionerId))) throw conflict('Two-factor authentication is not set up.');
    if (!(await useTotpCode(tx, ctx.actor.practitionerId, code, now))) return undefined;
    await removeSecondFactor(tx, ctx.actor.practitionerId);
    await audit(ctx, tx, { action: 'two-factor.turn-off', outcome: 'success', entityType: 'practitioner', entityId: ctx.actor.practitionerId });
    return true;
  });
}

export interface PractitionerTwoFactor {
  practitionerId: string;
  name: string;
  enrolledAt: string | null;
  recoveryCodesLeft: number;
}

/** An administrator of the practitioner's agency sees whether they have set up a second factor; anyone else is told "not found". */
export async function practitionerTwoFactor(ctx: ActorContext, practitionerId: string): Promise<PractitionerTwoFactor> {
  return command(ctx, async (tx) => {
    const who = (await tx.query<{ id: string; name: string; agency_id: string }>('SELECT id, name, agency_id FROM practitioner WHERE id = $1', [practitionerId])).rows[0];
    if (!who || !decideAgency(ctx.actor, 'manage-practitioners', who.agency_id).allowed) {
      throw refuse('practitioner', { action: 'two-factor.read', entityType: 'practitioner', entityId: practitionerId, outcome: who ? 'denied' : 'not_found' });
    }
    const state = await totpState(tx, practitionerId);
    const enrolledAt = state?.enrolledAt ?? null;
    return { practitionerId: who.id, name: who.name, enrolledAt, recoveryCodesLeft: enrolledAt ? await recoveryCodesLeft(tx, practitionerId) : 0 };
  });
}

export interface ResetDone {
  hadSecondFactor: boolean;
  sessionsEnded: number;
}

/**
 * An administrator of the practitioner's agency resets their second factor (a lost phone): the key
 * and recovery codes go, and every open session ends, so the next sign-in sets up a new one.
 */
export async function resetTwoFactor(ctx: ActorContext, practitionerId: string, reason: string): Promise<ResetDone> {
  return command(ctx, async (tx) => {
    const who = (await tx.query<{ agency_id: string }>('SELECT agency_id FROM practitioner WHERE id = $1', [practitionerId])).rows[0];
    if (!who || !decideAgency(ctx.actor, 'manage-practitioners', who.agency_id).allowed) {
      throw refuse('practitioner', { action: 'two-factor.reset', entityType: 'practitioner', entityId: practitionerId, outcome: who ? 'denied' : 'not_found' });
    }
    const hadSecondFactor = await removeSecondFactor(tx, practitionerId);
    const sessionsEnded = await endAllSessions(ctx, tx, practitionerId);
    // The reason is the administrator's words: kept in its own row, which the audit entry names (audit entries hold no free text).
    const resetId = newId();
    await tx.query('INSERT INTO two_factor_reset (id, practitioner_id, reset_by, reset_at, reason) VALUES ($1, $2, $3, $4, $5)', [
      resetId, practitionerId, ctx.actor.practitionerId, ctx.clock.now().toISOString(), reason.trim(),
    ]);
    await audit(ctx, tx, { action: 'two-factor.reset', outcome: 'success', entityType: 'practitioner', entityId: practitionerId, detail: { hadSecondFactor, sessionsEnded, resetId } });
    return { hadSecondFactor, sessionsEnded };
  });
}

/** The operator's reset (the CLI), for when the only administrator has lost her phone. */
export async function resetTwoFactorAsSystem(s: Services, email: string): Promise<ResetDone> {
  return s.db.transaction(async (tx) => {
    const who = (await tx.query<{ id: string }>('SELECT id FROM practitioner WHERE lower(email) = lower($1)', [email.trim()])).rows[0];
    if (!who) throw notFound('practitioner');
    const hadSecondFactor = await removeSecondFactor(tx, who.id);
    const sessionsEnded = await endAllSessions(s, tx, who.id);
    const resetId = newId();
    await tx.query('INSERT INTO two_factor_reset (id, practitioner_id, reset_by, reset_at, reason) VALUES ($1, $2, NULL, $3, NULL)', [resetId, who.id, s.clock.now().toISOString()]);
    await auditSystem(s, tx, { action: 'two-factor.reset', outcome: 'success', entityType: 'practitioner', entityId: who.id, detail: { hadSecondFactor, sessionsEnded, resetId, by: 'operator' } });
    return { hadSecondFactor, sessionsEnded };
  });
}

export interface PartnershipTwoFactor {
  partnershipId: string;
  name: string;
  requireTwoFactor: boolean;
  /** Active practitioners in the partnership's agencies, and how many of them have set up a second factor. */
  practitioners: number;
  enrolled: number;
}

const PARTNERSHIP_SELECT = `SELECT pp.id, pp.name, pp.require_two_factor,
    (SELECT count(*) FROM practitioner p JOIN partnership_agency a ON a.agency_id = p.agency_id WHERE a.partnership_id = pp.id AND p.active) AS practitioners,
    (SELECT count(*) FROM practitioner p JOIN partnership_agency a ON a.agency_id = p.agency_id
       JOIN practitioner_totp t ON t.practitioner_id = p.id AND t.enrolled_at IS NOT NULL WHERE a.partnership_id = pp.id AND p.active) AS enrolled
  FROM partnership pp`;

interface PartnershipRow { id: string; name: string; require_two_factor: boolean; practitioners: string | number; enrolled: string | number }
const toPartnership = (r: PartnershipRow): PartnershipTwoFactor => ({
  partnershipId: r.id, name: r.name, requireTwoFactor: r.require_two_factor, practitioners: Number(r.practitioners), enrolled: Number(r.enrolled),
});

/** The partnerships a partnership administrator's agency belongs to, with their requirement and how many have set it up. */
export async function listPartnershipTwoFactor(ctx: ActorContext): Promise<PartnershipTwoFactor[]> {
  return command(ctx, async (tx) => {
    if (!decidePartnershipSettings(ctx.actor, true).allowed) throw refuse('partnership', { action: 'two-factor.partnership-read', entityType: 'agency', entityId: ctx.actor.agencyId });
    const { rows } = await tx.query<PartnershipRow>(
      `${PARTNERSHIP_SELECT} WHERE pp.id IN (SELECT partnership_id FROM partnership_agency WHERE agency_id = $1) ORDER BY pp.name`, [ctx.actor.agencyId]);
    return rows.map(toPartnership);
  });
}

/** A partnership administrator decides whether everyone in the partnership must use two-factor authentication. */
export async function setPartnershipTwoFactor(ctx: ActorContext, partnershipId: string, required: boolean): Promise<PartnershipTwoFactor> {
  return command(ctx, async (tx) => {
    const member = (await tx.query('SELECT 1 FROM partnership_agency WHERE partnership_id = $1 AND agency_id = $2', [partnershipId, ctx.actor.agencyId])).rows.length > 0;
    if (!decidePartnershipSettings(ctx.actor, member).allowed) {
      throw refuse('partnership', { action: 'two-factor.partnership-set', entityType: 'partnership', entityId: partnershipId });
    }
    await tx.query('UPDATE partnership SET require_two_factor = $2 WHERE id = $1', [partnershipId, required]);
    await audit(ctx, tx, { action: 'two-factor.partnership-set', outcome: 'success', entityType: 'partnership', entityId: partnershipId, detail: { required } });
    const { rows } = await tx.query<PartnershipRow>(`${PARTNERSHIP_SELECT} WHERE pp.id = $1`, [partnershipId]);
    return toPartnership(rows[0]!);
  });
}
