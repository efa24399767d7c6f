import { z } from 'zod';
import { audit, command } from '../audit/audit.ts';
import { endAccessInTx } from '../auth/end-access.ts';
import { issueLinkInTx } from '../auth/set-password.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { conflict, forbidden } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { sendOrWithdraw, invitationText, type InvitationOutcome } from './invitations.ts';
import { managedPractitioner } from './managed.ts';
import { assertAnotherAdministrator, getPractitioner, Reason, type PractitionerDetail } from './movers.ts';
import { peopleSettings, type PeopleSettings } from './people-settings.ts';

/**
 * Leavers (issue 19). Deactivation closes every way in at once (endAccessInTx): the account is
 * inactive, open sessions end, API tokens are revoked and any unused set-password link withdrawn;
 * the next page request lands on the sign-in page and the next API request gets 401. Reactivation
 * makes the account usable only through a new invitation: the old password is cleared and no old
 * session or token comes back.
 */

export const LeaverReason = z.strictObject({ reason: Reason }).meta({ id: 'LeaverReason' });
export type LeaverReason = z.infer<typeof LeaverReason>;

/** What a leaver still holds that someone must take over: counted from the casework tables, cheaply. */
export const Holdings = z
  .object({
    leadWorkerFor: z.number().int().meta({ description: 'Children they are the current lead worker for.' }),
    allocatedEpisodes: z.number().int().meta({ description: 'Open episodes allocated to them.' }),
    monitoringArrangements: z.number().int().meta({ description: 'Monitoring arrangements they are responsible for that have not ended.' }),
    openMeetingActions: z.number().int().meta({ description: 'Meeting actions they own that are still open.' }),
    activeApiTokens: z.number().int(),
  })
  .meta({ id: 'LeaverHoldings' });
export type Holdings = z.infer<typeof Holdings>;

async function holdingsOf(tx: Tx, id: string, today: string, now: string): Promise<Holdings> {
  const { rows } = await tx.query<Record<keyof Holdings, string>>(
    `SELECT (SELECT count(DISTINCT person_id) FROM lead_worker WHERE practitioner_id = $1 AND (valid_to IS NULL OR valid_to >= $2::date)) AS "leadWorkerFor",
            (SELECT count(*) FROM episode WHERE allocated_worker_id = $1 AND closed_at IS NULL) AS "allocatedEpisodes",
            (SELECT count(*) FROM monitoring_arrangement WHERE responsible_practitioner_id = $1 AND ended_at IS NULL) AS "monitoringArrangements",
            (SELECT count(*) FROM meeting_action WHERE owner_id = $1 AND status = 'open') AS "openMeetingActions",
            (SELECT count(*) FROM api_token WHERE practitioner_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $3)) AS "activeApiTokens"`,
    [id, today, now]);
  const r = rows[0]!;
  return { leadWorkerFor: Number(r.leadWorkerFor), allocatedEpisodes: Number(r.allocatedEpisodes), monitoringArrangements: Number(r.monitoringArrangements), openMeetingActions: Number(r.openMeetingActions), activeApiTokens: Number(r.activeApiTokens) };
}

/** For the confirmation page: what the leaver holds, before anyone presses "Deactivate". */
export async function leaverHoldings(ctx: ActorContext, id: string): Promise<{ practitioner: PractitionerDetail; holdings: Holdings }> {
  const practitioner = await getPractitioner(ctx, id);
  const holdings = await ctx.db.transaction((tx) => holdingsOf(tx, id, ctx.clock.now().toISOString().slice(0, 10), ctx.clock.now().toISOString()));
  return { practitioner, holdings };
}

export const Deactivation = z
  .object({ practitionerId: z.string(), sessionsEnded: z.number().int(), tokensRevoked: z.number().int(), holdings: Holdings })
  .meta({ id: 'Deactivation' });
export type Deactivation = z.infer<typeof Deactivation>;

export async function deactivatePractitioner(ctx: ActorContext, id: string, input: LeaverReason): Promise<Deactivation> {
  return command(ctx, async (tx) => {
    const row = await managedPractitioner(ctx, tx, id, 'practitioner.deactivate', true);
    if (id === ctx.actor.practitionerId) throw forbidden('You cannot deactivate your own account. Ask another administrator.');
    if (!row.active) throw conflict('This practitioner has already been deactivated.');
    if ((row.roles ?? []).includes('administrator')) await assertAnotherAdministrator(tx, row.agency_id, id);
    const now = ctx.clock.now().toISOString();
    const holdings = await holdingsOf(tx, id, now.slice(0, 10), now);
    const ended = await endAccessInTx(ctx, tx, id);
    const changeId = newId();
    await tx.query(`INSERT INTO practitioner_change (id, practitioner_id, changed_by, changed_at, kind, reason) VALUES ($1,$2,$3,$4,'deactivation',$5)`,
      [changeId, id, ctx.actor.practitionerId, now, input.reason]);
    await audit(ctx, tx, { action: 'practitioner.deactivate', outcome: 'success', entityType: 'practitioner', entityId: id, detail: { changeId, ...ended } });
    return { practitionerId: id, ...ended, holdings };
  });
}

/**
 * Makes a deactivated account usable again — only through a new invitation: the old password is
 * cleared, so nobody who knew it (or held an old session or token) gets back in.
 */
export async function reactivatePractitioner(ctx: ActorContext, id: string, input: LeaverReason, settings: PeopleSettings = peopleSettings()): Promise<InvitationOutcome> {
  const emailed = settings.mail.configured;
  const { who, link } = await command(ctx, async (tx) => {
    const row = await managedPractitioner(ctx, tx, id, 'practitioner.reactivate', true);
    if (row.active) throw conflict('This practitioner is already active.');
    const now = ctx.clock.now().toISOString();
    await tx.query('UPDATE practitioner SET active = true, password_hash = NULL, scim_deleted_at = NULL WHERE id = $1', [id]);
    const changeId = newId();
    await tx.query(`INSERT INTO practitioner_change (id, practitioner_id, changed_by, changed_at, kind, reason) VALUES ($1,$2,$3,$4,'reactivation',$5)`,
      [changeId, id, ctx.actor.practitionerId, now, input.reason]);
    const link = await issueLinkInTx(ctx, tx, id, ctx.actor.practitionerId, settings.link, { purpose: 'invitation', emailed });
    await audit(ctx, tx, { action: 'practitioner.reactivate', outcome: 'success', entityType: 'practitioner', entityId: id, detail: { changeId, setPasswordLinkExpiresAt: link.expiresAt, emailed } });
    return { who: row, link };
  });
  if (!emailed) return { setPasswordLink: link };
  await sendOrWithdraw(ctx, who, link, settings.mail, invitationText, 'Your Jigsaw account');
  return { invitation: { sentTo: who.email, expiresAt: link.expiresAt } };
}
