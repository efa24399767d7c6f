import type { Queryable } from '../db/database.ts';
import { readOnce, type RequestReads } from '../shared/request-reads.ts';

/** An agency's own registers about one person: its consents and its sharing decisions, ids in each list's order. */
export interface OwnRegisters {
  /** Consents, in the order they were obtained (then recorded), with the agency that holds each for the policy. */
  consents: { id: string; agency_id: string }[];
  /** Sharing decisions, in the order they were made. */
  decisions: string[];
}

/**
 * Which consents and sharing decisions an agency holds about a person: facts for listConsents and
 * listDecisions, which still decide and audit each on its own. The person's page shows both, so
 * both lists come in one statement, read once per request given its reads (a round trip fewer,
 * issue 21); without them, every call reads afresh.
 */
export function ownRegisters(tx: Queryable, personId: string, agencyId: string, reads?: RequestReads): Promise<OwnRegisters> {
  return readOnce(reads, `registers:${personId}:${agencyId}`, async () => {
    const row = (await tx.query<{ consents: OwnRegisters['consents'] | null; decisions: string[] | null }>(
      `SELECT (SELECT json_agg(json_build_object('id', c.id, 'agency_id', c.agency_id) ORDER BY c.obtained_at, c.recorded_at)
                 FROM consent c WHERE c.person_id = $1 AND c.agency_id = $2) AS consents,
              (SELECT json_agg(d.id ORDER BY d.decided_at) FROM share_decision d WHERE d.person_id = $1 AND d.agency_id = $2) AS decisions`,
      [personId, agencyId])).rows[0];
    return { consents: row?.consents ?? [], decisions: row?.decisions ?? [] };
  });
}
