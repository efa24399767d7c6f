import { decideAgency } from '../access/policy.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import type { ActorContext, Tx } from '../shared/context.ts';

/** A provider's account linked to a practitioner, as their agency's administrator sees it. */
export interface LinkedIdentity {
  providerId: string;
  providerName: string;
  subject: string;
  linkedAt: string;
  lastSignInAt: string | null;
}

/** The practitioner must be of the administrator's own agency; anyone else is "not found". */
async function ownPractitioner(ctx: ActorContext, tx: Tx, practitionerId: string, action: string): Promise<void> {
  const row = (await tx.query<{ agency_id: string }>('SELECT agency_id FROM practitioner WHERE id = $1', [practitionerId])).rows[0];
  if (!row || row.agency_id !== ctx.actor.agencyId || !decideAgency(ctx.actor, 'manage-practitioners', row.agency_id).allowed) {
    throw refuse('practitioner', { action, entityType: 'practitioner', entityId: practitionerId });
  }
}

export async function listLinkedIdentities(ctx: ActorContext, practitionerId: string): Promise<{ name: string; identities: LinkedIdentity[] }> {
  return command(ctx, async (tx) => {
    await ownPractitioner(ctx, tx, practitionerId, 'sso.identity-list');
    const name = (await tx.query<{ name: string }>('SELECT name FROM practitioner WHERE id = $1', [practitionerId])).rows[0]!.name;
    const { rows } = await tx.query<{ provider_id: string; name: string; subject: string; linked_at: Date | string; last_sign_in_at: Date | string | null }>(
      `SELECT i.provider_id, ip.name, i.subject, i.linked_at, i.last_sign_in_at FROM practitioner_identity i JOIN identity_provider ip ON ip.id = i.provider_id
        WHERE i.practitioner_id = $1 ORDER BY ip.name, i.linked_at`, [practitionerId]);
    return {
      name,
      identities: rows.map((r) => ({
        providerId: r.provider_id, providerName: r.name, subject: r.subject, linkedAt: new Date(r.linked_at).toISOString(),
        lastSignInAt: r.last_sign_in_at ? new Date(r.last_sign_in_at).toISOString() : null,
      })),
    };
  });
}

/**
 * Removes a link: that account no longer signs this practitioner in (until matched by e-mail again,
 * when the provider allows it). Their open sessions are not ended here; deactivating does that.
 */
export async function unlinkIdentity(ctx: ActorContext, practitionerId: string, providerId: string, subject: string): Promise<void> {
  await command(ctx, async (tx) => {
    await ownPractitioner(ctx, tx, practitionerId, 'sso.identity-unlink');
    const { rowCount } = await tx.query('DELETE FROM practitioner_identity WHERE practitioner_id = $1 AND provider_id = $2 AND subject = $3', [practitionerId, providerId, subject]);
    if (!rowCount) throw refuse('linked account', { action: 'sso.identity-unlink', entityType: 'practitioner', entityId: practitionerId, outcome: 'not_found' });
    await audit(ctx, tx, { action: 'sso.identity-unlink', outcome: 'success', entityType: 'practitioner', entityId: practitionerId, detail: { providerId } });
  });
}
