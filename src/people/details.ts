import { audit, command, refuse } from '../audit/audit.ts';
import { indexAndSuggest } from '../matching/suggestions.ts';
import type { ActorContext } from '../shared/context.ts';
import { conflict, invalid } from '../shared/errors.ts';
import { personInReach } from './people.ts';
import type { EndPeriod, HeldAddress } from './schemas.ts';

/**
 * Changing a person's details over time: an address or a relationship is ended on a day, never
 * deleted, so the history keeps where the child lived and with whom. Only the agency holding the
 * entry may (personInReach 'update'); anything else looks like it does not exist.
 */

/** The entry's addresses with their identifiers, oldest first: what the page ends one by. */
export async function listAddresses(ctx: ActorContext, personId: string): Promise<HeldAddress[]> {
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'update', 'person.addresses');
    const rows = (await tx.query<{ id: string; line1: string; line2: string | null; town: string | null; postcode: string | null; valid_from: string | null; valid_to: string | null }>(
      'SELECT id, line1, line2, town, postcode, valid_from, valid_to FROM person_address WHERE person_id = $1 ORDER BY position', [personId])).rows;
    await audit(ctx, tx, { action: 'person.addresses', outcome: 'success', entityType: 'person', entityId: personId, personId, detail: { count: rows.length } });
    return rows.map((a) => ({ id: a.id, line1: a.line1, line2: a.line2, town: a.town, postcode: a.postcode, validFrom: a.valid_from, validTo: a.valid_to }));
  });
}

async function endPeriod(ctx: ActorContext, personId: string, id: string, input: EndPeriod, what: { table: 'person_address' | 'relationship'; action: string; entityType: string; noun: string }): Promise<void> {
  await command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'update', what.action);
    const row = (await tx.query<{ valid_from: string | null; valid_to: string | null }>(
      `SELECT valid_from::text AS valid_from, valid_to::text AS valid_to FROM ${what.table} WHERE id = $1 AND person_id = $2 FOR UPDATE`, [id, personId])).rows[0];
    if (!row) throw refuse(what.noun, { action: what.action, entityType: what.entityType, entityId: id, personId, outcome: 'not_found' });
    if (row.valid_to) throw conflict(`This ${what.noun} has already ended.`);
    if (row.valid_from && input.validTo < row.valid_from) throw invalid(`The ${what.noun} cannot end before it started.`, [{ pointer: '/validTo', detail: 'The end date must not be before the start date' }]);
    await tx.query(`UPDATE ${what.table} SET valid_to = $2 WHERE id = $1`, [id, input.validTo]);
    await indexAndSuggest(tx, personId, ctx.clock.now());
    await audit(ctx, tx, { action: what.action, outcome: 'success', entityType: what.entityType, entityId: id, personId });
  });
}

export const endAddress = (ctx: ActorContext, personId: string, addressId: string, input: EndPeriod): Promise<void> =>
  endPeriod(ctx, personId, addressId, input, { table: 'person_address', action: 'person.end-address', entityType: 'person_address', noun: 'address' });

export const endRelationship = (ctx: ActorContext, personId: string, relationshipId: string, input: EndPeriod): Promise<void> =>
  endPeriod(ctx, personId, relationshipId, input, { table: 'relationship', action: 'relationship.end', entityType: 'relationship', noun: 'relationship' });
