import type { Queryable } from '../db/database.ts';

// An agency's type is fixed when it is made (administration changes its name and codes, never its
// type), so each process keeps what it has read: no invalidation is needed, in one process or many.
// Every service that asks "is the caller children's social care?" asks here, so a page that calls a
// dozen of them reads it at most once (issue 21).
const AGENCY_TYPES = new Map<string, string>();

/** The agency's type ('childrens_social_care', 'health', …), or 'other' for an id that names no agency. */
export async function agencyTypeOf(tx: Queryable, agencyId: string): Promise<string> {
  const known = AGENCY_TYPES.get(agencyId);
  if (known) return known;
  const type = (await tx.query<{ type: string }>('SELECT type FROM agency WHERE id = $1', [agencyId])).rows[0]?.type;
  if (!type) return 'other';
  if (AGENCY_TYPES.size > 10_000) AGENCY_TYPES.clear();
  AGENCY_TYPES.set(agencyId, type);
  return type;
}
