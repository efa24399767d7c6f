import type { Queryable } from '../db/database.ts';
import { readOnce, type RequestReads } from '../shared/request-reads.ts';

/**
 * Same-person links: which entries in other agencies' indexes are the same child or adult.
 * Monitoring, safe closure and previous history all follow them.
 */

/**
 * Every entry joined to this one by live same-person links (in any agency, transitively), itself
 * excluded. Given the request's reads (a page), the walk is made once however many services follow it.
 */
export function linkedEntries(tx: Queryable, personId: string, reads?: RequestReads): Promise<{ personId: string; agencyId: string }[]> {
  return readOnce(reads, `linked:${personId}`, () => walkLinks(tx, personId));
}

// The entries are looked up by id from an array of the walk's few ids: joined to the walk directly, the
// planner (guessing hundreds of rows from a recursive walk) hashed the whole person table on every walk.
async function walkLinks(tx: Queryable, personId: string): Promise<{ personId: string; agencyId: string }[]> {
  const { rows } = await tx.query<{ id: string; agency_id: string }>(
    `WITH RECURSIVE linked(id) AS (
       SELECT $1::uuid
       UNION
       SELECT CASE WHEN l.person_id = k.id THEN l.other_person_id ELSE l.person_id END
         FROM person_link l JOIN linked k ON l.person_id = k.id OR l.other_person_id = k.id
        WHERE l.unlinked_at IS NULL)
     SELECT p.id, p.agency_id FROM person p WHERE p.id = ANY(ARRAY(SELECT id FROM linked)) AND p.id <> $1::uuid ORDER BY p.agency_id, p.id`,
    [personId],
  );
  return rows.map((r) => ({ personId: r.id, agencyId: r.agency_id }));
}

export async function entryInAgency(tx: Queryable, personId: string, personAgencyId: string, agencyId: string, reads?: RequestReads): Promise<string | undefined> {
  if (personAgencyId === agencyId) return personId;
  return (await linkedEntries(tx, personId, reads)).find((e) => e.agencyId === agencyId)?.personId;
}

