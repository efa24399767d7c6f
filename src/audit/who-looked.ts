import { z } from 'zod';
import type { ActorContext } from '../shared/context.ts';
import { Uuid } from '../shared/schemas.ts';
import { audit, command, refuse } from './audit.ts';
import { ENTRY_SELECT, mustReadAudit, NAME_OF, toTrailEntry, TrailEntry, type EntryRow } from './trail.ts';

/**
 * Who looked at a child: every entry about the agency's own entry for the child and its records
 * (their reading, changing and sharing, by anyone, in any agency), grouped by practitioner.
 */

/** The newest entries listed under the groups; the groups count every entry. */
export const WHO_LOOKED_LIST = 500;

export const PersonAccessGroup = z.object({
  practitionerId: Uuid.nullable(),
  practitionerName: z.string().nullable(),
  agencyId: Uuid.nullable(),
  agencyName: z.string().nullable(),
  count: z.number().int(),
  first: z.string(),
  last: z.string(),
});

export const PersonAccess = z
  .object({
    person: z.object({ id: Uuid, name: z.string(), dateOfBirth: z.string().nullable(), kind: z.string() }),
    total: z.number().int().meta({ description: 'Every entry about this person and their records.' }),
    groups: z.array(PersonAccessGroup).meta({ description: 'By practitioner and agency, most entries first.' }),
    entries: z.array(TrailEntry).meta({ description: `The newest ${WHO_LOOKED_LIST} entries, newest first.` }),
  })
  .meta({ id: 'AuditPersonAccess' });
export type PersonAccess = z.infer<typeof PersonAccess>;

// $1 the agency, $2 the person.
const ABOUT_PERSON = `(e.person_id = $2 OR (e.entity_type = 'record' AND e.entity_id IN (SELECT id FROM agency_record WHERE person_id = $2 AND agency_id = $1)))`;

export async function personAccess(ctx: ActorContext, personId: string, use: 'read' | 'export' = 'read'): Promise<PersonAccess> {
  const action = use === 'read' ? 'audit.person-access' : 'audit.person-access-export';
  return command(ctx, async (tx) => {
    mustReadAudit(ctx, action, { personId });
    const person = (await tx.query<{ id: string; name: string | null; dateOfBirth: string | null; kind: string }>(
      `SELECT p.id, ${NAME_OF('p.id')} AS name, p.date_of_birth::text AS "dateOfBirth", p.kind FROM person p WHERE p.id = $1 AND p.agency_id = $2`,
      [personId, ctx.actor.agencyId],
    )).rows[0];
    // Another agency's person looks exactly like no person.
    if (!person) throw refuse('person', { action, entityType: 'person', entityId: personId, outcome: 'not_found' });
    const args = [ctx.actor.agencyId, personId];
    const groups = (await tx.query<{ practitioner_id: string | null; practitioner_name: string | null; agency_id: string | null; agency_name: string | null; count: number; first: Date | string; last: Date | string }>(
      `SELECT e.actor_practitioner_id AS practitioner_id, pr.name AS practitioner_name, e.actor_agency_id AS agency_id, ag.name AS agency_name,
              count(*)::int AS count, min(e.at) AS first, max(e.at) AS last
         FROM audit_event e
         LEFT JOIN practitioner pr ON pr.id = e.actor_practitioner_id
         LEFT JOIN agency ag ON ag.id = e.actor_agency_id
        WHERE ${ABOUT_PERSON}
        GROUP BY e.actor_practitioner_id, pr.name, e.actor_agency_id, ag.name
        ORDER BY count(*) DESC, max(e.at) DESC`, args)).rows;
    const entries = (await tx.query<EntryRow>(`${ENTRY_SELECT} WHERE ${ABOUT_PERSON} ORDER BY e.seq DESC LIMIT ${WHO_LOOKED_LIST}`, args)).rows.map(toTrailEntry);
    const iso = (v: Date | string): string => (v instanceof Date ? v : new Date(v)).toISOString();
    const total = groups.reduce((n, g) => n + g.count, 0);
    await audit(ctx, tx, { action, outcome: 'success', entityType: 'person', entityId: personId, personId, detail: { entries: total } });
    return {
      person: { ...person, name: person.name || 'Unnamed person' },
      total,
      groups: groups.map((g) => ({
        practitionerId: g.practitioner_id, practitionerName: g.practitioner_name, agencyId: g.agency_id, agencyName: g.agency_name, count: g.count, first: iso(g.first), last: iso(g.last),
      })),
      entries,
    };
  });
}
