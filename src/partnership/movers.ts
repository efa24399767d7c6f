import { z } from 'zod';
import { audit, command } from '../audit/audit.ts';
import { endAllSessions } from '../auth/auth.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { conflict, forbidden, invalid } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { Text, Uuid } from '../shared/schemas.ts';
import { managedPractitioner, practitionerRow, type ManagedRow } from './managed.ts';
import { Practitioner, Role } from './schemas.ts';

/**
 * Movers (issue 19): an administrator of the practitioner's agency changes their roles or job
 * title; a partnership administrator moves them to another agency of a partnership both belong to.
 * The reason is required and kept in practitioner_change; the audit entry carries that row's id and
 * the names of the fields changed, never the reason's words.
 */

export const Reason = Text.trim().min(1, 'Say why').max(2000);

/** Roles an agency gives for running Jigsaw rather than for casework: they do not travel with a mover. */
const ADMINISTRATIVE_ROLES: readonly string[] = ['administrator', 'auditor', 'partnership_administrator', 'data_officer'];

export const PractitionerChange = z
  .strictObject({
    roles: z.array(Role).min(1, 'Give at least one role').optional(),
    jobTitle: Text.trim().max(200).nullable().optional().meta({ description: 'The new job title; null or "" removes it.' }),
    agencyId: Uuid.optional().meta({ description: 'Moves the practitioner to this agency: only a partnership administrator, and only within a partnership both agencies belong to. Their sessions end and their API tokens are revoked; they keep their casework roles but not administrator, auditor or partnership administrator (unless `roles` is given).' }),
    reason: Reason.meta({ description: 'Why: kept with the change and shown to the agency\'s administrators; never in the audit trail.' }),
  })
  .refine((c) => c.roles !== undefined || c.jobTitle !== undefined || c.agencyId !== undefined, { message: 'Change the roles, the job title or the agency', path: ['roles'] })
  .meta({ id: 'PractitionerChange' });
export type PractitionerChange = z.infer<typeof PractitionerChange>;

export const ChangeRecord = z
  .object({
    id: Uuid,
    at: z.string(),
    kind: z.enum(['details', 'deactivation', 'reactivation']),
    fields: z.array(z.string()).meta({ description: 'What changed: roles, jobTitle, agencyId (for kind "details").' }),
    changedBy: Uuid.nullable(),
    changedByName: z.string().nullable(),
    reason: z.string(),
  })
  .meta({ id: 'PractitionerChangeRecord' });
export type ChangeRecord = z.infer<typeof ChangeRecord>;

export const InvitationState = z.enum(['none', 'pending', 'expired', 'used']).meta({
  description: 'The newest set-password link: none ever issued, pending (unused, still working), expired (unused, no longer working or withdrawn), used.',
});

export const PractitionerDetail = Practitioner.extend({
  agencyName: z.string(),
  hasPassword: z.boolean(),
  lastSignInAt: z.string().nullable(),
  invitation: z.object({ state: InvitationState, expiresAt: z.string().nullable(), emailed: z.boolean() }),
  changes: z.array(ChangeRecord),
}).meta({ id: 'PractitionerDetail' });
export type PractitionerDetail = z.infer<typeof PractitionerDetail>;

const iso = (v: string | Date | null): string | null => (v === null ? null : new Date(v).toISOString());

async function detailOf(ctx: ActorContext, tx: Tx, row: ManagedRow): Promise<PractitionerDetail> {
  const agency = (await tx.query<{ name: string }>('SELECT name FROM agency WHERE id = $1', [row.agency_id])).rows[0];
  const lastSignIn = (await tx.query<{ at: string | null }>('SELECT max(created_at) AS at FROM web_session WHERE practitioner_id = $1', [row.id])).rows[0]?.at ?? null;
  const link = (await tx.query<{ expires_at: string; used_at: string | null; superseded_at: string | null; sent_to_email: boolean }>(
    'SELECT expires_at, used_at, superseded_at, sent_to_email FROM set_password_link WHERE practitioner_id = $1 ORDER BY created_at DESC, (superseded_at IS NULL) DESC LIMIT 1', [row.id])).rows[0];
  const now = ctx.clock.now().getTime();
  const state = !link ? 'none' : link.used_at ? 'used' : link.superseded_at || new Date(link.expires_at).getTime() <= now ? 'expired' : 'pending';
  const changes = (await tx.query<{ id: string; changed_at: string; kind: ChangeRecord['kind']; changed_by: string | null; by_name: string | null; reason: string; roles_before: string[] | null; roles_after: string[] | null; job_title_before: string | null; job_title_after: string | null; agency_before: string | null; agency_after: string | null }>(
    `SELECT c.*, b.name AS by_name FROM practitioner_change c LEFT JOIN practitioner b ON b.id = c.changed_by
      WHERE c.practitioner_id = $1 ORDER BY c.seq DESC`, [row.id])).rows;
  return {
    id: row.id, agencyId: row.agency_id, name: row.name, email: row.email, jobTitle: row.job_title, roles: (row.roles ?? []) as PractitionerDetail['roles'], active: row.active,
    agencyName: agency?.name ?? '', hasPassword: row.password_hash !== null, lastSignInAt: iso(lastSignIn),
    invitation: { state, expiresAt: link ? iso(link.expires_at) : null, emailed: link?.sent_to_email ?? false },
    changes: changes.map((c) => ({
      id: c.id, at: iso(c.changed_at)!, kind: c.kind, changedBy: c.changed_by, changedByName: c.by_name, reason: c.reason,
      fields: c.kind !== 'details' ? [] : [
        ...(c.roles_after ? ['roles'] : []), ...(c.job_title_before !== c.job_title_after ? ['jobTitle'] : []), ...(c.agency_after && c.agency_after !== c.agency_before ? ['agencyId'] : []),
      ],
    })),
  };
}

/** A practitioner of the administrator's own agency, with their sign-in and invitation state and the changes made. */
export async function getPractitioner(ctx: ActorContext, id: string): Promise<PractitionerDetail> {
  return command(ctx, async (tx) => {
    const row = await managedPractitioner(ctx, tx, id, 'practitioner.read');
    await audit(ctx, tx, { action: 'practitioner.read', outcome: 'success', entityType: 'practitioner', entityId: id });
    return detailOf(ctx, tx, row);
  });
}

/** Whether an agency keeps at least one active administrator other than `leaving`. */
export async function assertAnotherAdministrator(tx: Tx, agencyId: string, leaving: string): Promise<void> {
  const { rowCount } = await tx.query(
    `SELECT 1 FROM practitioner p JOIN practitioner_role r ON r.practitioner_id = p.id
      WHERE p.agency_id = $1 AND p.active AND r.role = 'administrator' AND p.id <> $2 LIMIT 1`, [agencyId, leaving]);
  if (!rowCount) throw conflict('This is the agency\'s last active administrator. Give another practitioner the administrator role first, so the agency is not locked out.');
}

/** Whether the actor is a partnership administrator of a partnership both agencies belong to (with the actor's own). */
async function mayMoveBetween(ctx: ActorContext, tx: Tx, from: string, to: string): Promise<boolean> {
  if (!ctx.actor.roles.includes('partnership_administrator')) return false;
  const { rowCount } = await tx.query(
    `SELECT 1 FROM partnership_agency mine
       JOIN partnership_agency a ON a.partnership_id = mine.partnership_id AND a.agency_id = $2
       JOIN partnership_agency b ON b.partnership_id = mine.partnership_id AND b.agency_id = $3
      WHERE mine.agency_id = $1 LIMIT 1`, [ctx.actor.agencyId, from, to]);
  return Boolean(rowCount);
}

export async function changePractitioner(ctx: ActorContext, id: string, change: PractitionerChange): Promise<PractitionerDetail> {
  return command(ctx, async (tx) => {
    const moving = change.agencyId !== undefined;
    // Roles and job title: the practitioner's agency's administrator. A move alone: a partnership
    // administrator, who need not administer that agency — but who must see the practitioner's agency
    // in a partnership they administer, or is answered as for a practitioner that does not exist.
    const onlyMove = moving && change.roles === undefined && change.jobTitle === undefined;
    const found = onlyMove && ctx.actor.roles.includes('partnership_administrator') ? await practitionerRow(tx, id, true) : undefined;
    const row: ManagedRow = found && (await mayMoveBetween(ctx, tx, found.agency_id, found.agency_id))
      ? found
      : await managedPractitioner(ctx, tx, id, 'practitioner.change', true);
    const rolesBefore = row.roles ?? [];
    // A move keeps the casework roles but not the administrative ones: those were the old agency's to
    // give, and the new agency's administrator decides whether to give them again.
    const movingAway = change.agencyId !== undefined && change.agencyId !== row.agency_id;
    const kept = rolesBefore.filter((r) => !movingAway || !ADMINISTRATIVE_ROLES.includes(r));
    const rolesAfter = change.roles ? [...new Set(change.roles)].sort() : kept.length ? kept : ['practitioner'];
    const titleAfter = change.jobTitle === undefined ? row.job_title : change.jobTitle || null;
    const agencyAfter = change.agencyId ?? row.agency_id;
    const fields = [
      ...(rolesAfter.join(',') !== rolesBefore.join(',') ? ['roles'] : []),
      ...(titleAfter !== row.job_title ? ['jobTitle'] : []),
      ...(agencyAfter !== row.agency_id ? ['agencyId'] : []),
    ];
    if (!row.active) throw conflict('This practitioner has been deactivated. Reactivate them before changing their details.');
    if (fields.includes('agencyId')) {
      if (!ctx.actor.roles.includes('partnership_administrator')) throw forbidden('Only a partnership administrator moves a practitioner to another agency.');
      if (!(await mayMoveBetween(ctx, tx, row.agency_id, agencyAfter))) {
        throw invalid('The new agency must be in a partnership you administer, with the practitioner\'s current agency.', [{ pointer: '/agencyId', detail: 'No agency in your partnership with that identifier' }]);
      }
    }
    if (fields.length === 0) {
      throw invalid('Nothing would change.', [{ pointer: change.roles ? '/roles' : change.jobTitle !== undefined ? '/jobTitle' : '/agencyId', detail: 'Nothing has changed: choose different roles, or a different job title or agency' }]);
    }
    const losesAdmin = rolesBefore.includes('administrator') && (!rolesAfter.includes('administrator') || fields.includes('agencyId'));
    if (losesAdmin) await assertAnotherAdministrator(tx, row.agency_id, row.id);

    const changeId = newId();
    const now = ctx.clock.now().toISOString();
    await tx.query(
      `INSERT INTO practitioner_change (id, practitioner_id, changed_by, changed_at, kind, roles_before, roles_after, job_title_before, job_title_after, agency_before, agency_after, reason)
       VALUES ($1,$2,$3,$4,'details',$5,$6,$7,$8,$9,$10,$11)`,
      [changeId, id, ctx.actor.practitionerId, now, fields.includes('roles') ? rolesBefore : null, fields.includes('roles') ? rolesAfter : null,
        row.job_title, titleAfter, row.agency_id, agencyAfter, change.reason]);
    if (fields.includes('roles')) {
      await tx.query('DELETE FROM practitioner_role WHERE practitioner_id = $1', [id]);
      for (const role of rolesAfter) await tx.query('INSERT INTO practitioner_role (practitioner_id, role) VALUES ($1,$2)', [id, role]);
    }
    await tx.query('UPDATE practitioner SET job_title = $2, agency_id = $3 WHERE id = $1', [id, titleAfter, agencyAfter]);
    let sessionsEnded = 0;
    let tokensRevoked = 0;
    if (fields.includes('agencyId')) {
      // Their sessions and tokens carried the old agency's access: they sign in again, and make new tokens.
      sessionsEnded = await endAllSessions(ctx, tx, id);
      tokensRevoked = (await tx.query('UPDATE api_token SET revoked_at = $2 WHERE practitioner_id = $1 AND revoked_at IS NULL', [id, now])).rowCount ?? 0;
      // Their drafts hold answers about the old agency's people, which they no longer reach (src/web/drafts.ts).
      await tx.query('DELETE FROM web_draft WHERE practitioner_id = $1', [id]);
    }
    await audit(ctx, tx, {
      action: 'practitioner.change', outcome: 'success', entityType: 'practitioner', entityId: id,
      detail: { changeId, fields: fields.join(','), ...(fields.includes('agencyId') ? { fromAgency: row.agency_id, toAgency: agencyAfter, sessionsEnded, tokensRevoked } : {}) },
    });
    const after = { ...row, roles: rolesAfter, job_title: titleAfter, agency_id: agencyAfter };
    return detailOf(ctx, tx, after);
  });
}
