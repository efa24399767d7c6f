import type { Tx } from '../shared/context.ts';
import { newId } from '../shared/ids.ts';

export interface Notice {
  kind: string;
  entityType: string;
  entityId: string;
  /** Says what happened, never who it is about: the link leads to the detail. */
  message: string;
}

export async function notifyPractitioners(tx: Tx, practitionerIds: readonly string[], notice: Notice, at: Date): Promise<void> {
  for (const id of new Set(practitionerIds)) {
    await tx.query('INSERT INTO notification (id, practitioner_id, kind, entity_type, entity_id, message, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)', [
      newId(), id, notice.kind, notice.entityType, notice.entityId, notice.message, at.toISOString(),
    ]);
  }
}

/** An agency is told through its safeguarding leads (every agency has one). */
export async function notifyAgency(tx: Tx, agencyId: string, notice: Notice, at: Date): Promise<void> {
  const { rows } = await tx.query<{ id: string }>(
    `SELECT p.id FROM practitioner p JOIN practitioner_role r ON r.practitioner_id = p.id
      WHERE p.agency_id = $1 AND p.active AND r.role = 'safeguarding_lead'`,
    [agencyId],
  );
  await notifyPractitioners(tx, rows.map((r) => r.id), notice, at);
}
