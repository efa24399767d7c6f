import type { SignedInPractitioner } from '../auth/auth.ts';
import type { Queryable } from '../db/database.ts';

/**
 * Small read-only look-ups the pages need and the services do not offer. None of them returns
 * personal data about service users: who is signed in and their agency's name, the people shared with them.
 */

/** Who is signed in: the same facts the session resolves with (src/auth/auth.ts). */
export type WhoAmI = SignedInPractitioner;

export async function whoAmI(db: Queryable, practitionerId: string): Promise<WhoAmI | undefined> {
  const row = (await db.query<{ id: string; name: string; job_title: string | null; agency_id: string; agency_name: string; agency_type: string }>(
    `SELECT p.id, p.name, p.job_title, a.id AS agency_id, a.name AS agency_name, a.type AS agency_type
       FROM practitioner p JOIN agency a ON a.id = p.agency_id WHERE p.id = $1`,
    [practitionerId],
  )).rows[0];
  return row && { practitionerId: row.id, name: row.name, jobTitle: row.job_title, agencyId: row.agency_id, agencyName: row.agency_name, agencyType: row.agency_type };
}

/**
 * The people other agencies have shared records about with this practitioner (or their agency),
 * while a share is live. Only identifiers: each person is then opened through getPerson, which
 * applies the access policy and audits the read.
 */
export async function peopleSharedWith(db: Queryable, agencyId: string, practitionerId: string, now: Date): Promise<{ personId: string; sharedAt: string; sharedByAgencyName: string }[]> {
  const { rows } = await db.query<{ person_id: string; shared_at: string; agency_name: string }>(
    `SELECT DISTINCT ON (g.person_id) g.person_id, d.decided_at AS shared_at, a.name AS agency_name
       FROM share_grant g JOIN share_decision d ON d.id = g.decision_id JOIN agency a ON a.id = d.agency_id
      WHERE g.grantee_agency_id = $1 AND (g.grantee_practitioner_id IS NULL OR g.grantee_practitioner_id = $2)
        AND g.valid_from <= $3 AND (g.valid_until IS NULL OR g.valid_until > $3) AND (g.revoked_at IS NULL OR g.revoked_at > $3)
      ORDER BY g.person_id, d.decided_at DESC
      LIMIT 200`,
    [agencyId, practitionerId, now.toISOString()],
  );
  return rows.map((r) => ({ personId: r.person_id, sharedAt: r.shared_at, sharedByAgencyName: r.agency_name }))
    .sort((a, b) => b.sharedAt.localeCompare(a.sharedAt));
}
