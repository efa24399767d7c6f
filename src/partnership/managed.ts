import { decideAgency } from '../access/policy.ts';
import { refuse } from '../audit/audit.ts';
import type { ActorContext, Tx } from '../shared/context.ts';

/** A practitioner as an administrator manages them. */
export interface ManagedRow {
  id: string;
  agency_id: string;
  name: string;
  email: string;
  job_title: string | null;
  active: boolean;
  password_hash: string | null;
  roles: string[] | null;
}

/**
 * The practitioner an administrator acts on, locked for the change when `lock`: one of their own
 * agency's. Anyone else's — another agency's, or asked by someone who is not an administrator — is
 * answered exactly as a practitioner that does not exist (404), and the refusal is audited.
 */
export async function managedPractitioner(ctx: ActorContext, tx: Tx, id: string, action: string, lock = false): Promise<ManagedRow> {
  const row = await practitionerRow(tx, id, lock);
  if (!row) throw refuse('practitioner', { action, entityType: 'practitioner', entityId: id, outcome: 'not_found' });
  if (!decideAgency(ctx.actor, 'manage-practitioners', row.agency_id).allowed) throw refuse('practitioner', { action, entityType: 'practitioner', entityId: id });
  return row;
}

/** The practitioner's row and roles, whoever asks (the caller decides), locked for a change when `lock`. */
export async function practitionerRow(tx: Tx, id: string, lock = false): Promise<ManagedRow | undefined> {
  return (await tx.query<ManagedRow>(
    `SELECT p.id, p.agency_id, p.name, p.email, p.job_title, p.active, p.password_hash,
            (SELECT array_agg(role ORDER BY role) FROM practitioner_role r WHERE r.practitioner_id = p.id) AS roles
       FROM practitioner p WHERE p.id = $1${lock ? ' FOR UPDATE OF p' : ''}`, [id])).rows[0];
}
