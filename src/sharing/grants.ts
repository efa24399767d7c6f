import type { Actor, ShareGrant } from '../access/policy.ts';
import type { Queryable } from '../db/database.ts';
import type { LegalBasis, RecordPart } from './schemas.ts';

/** A grant naming the actor (or their agency), with what the recipient is told about the decision behind it. */
export interface GrantInfo {
  recordId: string;
  personId: string;
  granteeAgencyId: string;
  granteePractitionerId: string | null;
  validFrom: string;
  validUntil: string | null;
  revokedAt: string | null;
  parts: RecordPart[];
  decisionId: string;
  sharedByAgencyId: string;
  sharedByAgencyName: string;
  sharedByName: string;
  sharedAt: string;
  purpose: string;
  legalBasis: LegalBasis;
  onwardSharing: 'not_permitted' | 'permitted' | 'permitted_with_conditions';
  onwardConditions: string | null;
  includeAddress: boolean;
}

export interface GrantRow {
  record_id: string;
  person_id: string;
  grantee_agency_id: string;
  grantee_practitioner_id: string | null;
  valid_from: string;
  valid_until: string | null;
  revoked_at: string | null;
  parts: RecordPart[];
  decision_id: string;
  agency_id: string;
  agency_name: string;
  decided_by_name: string;
  decided_at: string;
  purpose: string;
  legal_basis: LegalBasis;
  onward_sharing: GrantInfo['onwardSharing'];
  onward_conditions: string | null;
  include_address: boolean;
}

const SELECT = `
  SELECT g.record_id, g.person_id, g.grantee_agency_id, g.grantee_practitioner_id, g.valid_from, g.valid_until, g.revoked_at, g.parts,
         d.id AS decision_id, d.agency_id, a.name AS agency_name, p.name AS decided_by_name, d.decided_at, d.purpose, d.legal_basis,
         d.onward_sharing, d.onward_conditions, d.include_address
    FROM share_grant g
    JOIN share_decision d ON d.id = g.decision_id
    JOIN agency a ON a.id = d.agency_id
    JOIN practitioner p ON p.id = d.decided_by
   WHERE g.grantee_agency_id = $2 AND (g.grantee_practitioner_id IS NULL OR g.grantee_practitioner_id = $3)`;

/** A grant as the policy reads it, from its row's decision and grant columns and the record it names. */
export const grantInfoOf = (r: Omit<GrantRow, 'record_id' | 'person_id'>, recordId: string, personId: string): GrantInfo => ({
  recordId,
  personId,
  granteeAgencyId: r.grantee_agency_id,
  granteePractitionerId: r.grantee_practitioner_id,
  validFrom: r.valid_from,
  validUntil: r.valid_until,
  revokedAt: r.revoked_at,
  parts: r.parts,
  decisionId: r.decision_id,
  sharedByAgencyId: r.agency_id,
  sharedByAgencyName: r.agency_name,
  sharedByName: r.decided_by_name,
  sharedAt: r.decided_at,
  purpose: r.purpose,
  legalBasis: r.legal_basis,
  onwardSharing: r.onward_sharing,
  onwardConditions: r.onward_conditions,
  includeAddress: r.include_address,
});

const toInfo = (r: GrantRow): GrantInfo => grantInfoOf(r, r.record_id, r.person_id);

/**
 * Every grant (live or not: the policy decides which count) naming this actor or their agency,
 * for the given records or for records about the given people.
 */
export async function grantsFor(tx: Queryable, actor: Actor, where: { recordIds: readonly string[] } | { personIds: readonly string[] }): Promise<GrantInfo[]> {
  const byRecord = 'recordIds' in where;
  const ids = byRecord ? where.recordIds : where.personIds;
  if (ids.length === 0) return [];
  const { rows } = await tx.query<GrantRow>(`${SELECT} AND g.${byRecord ? 'record_id' : 'person_id'} = ANY($1::uuid[])`, [ids, actor.agencyId, actor.practitionerId]);
  return rows.map(toInfo);
}

export const asShareGrant = (g: GrantInfo): ShareGrant => ({
  recordId: g.recordId,
  personId: g.personId,
  granteeAgencyId: g.granteeAgencyId,
  granteePractitionerId: g.granteePractitionerId ?? undefined,
  validFrom: g.validFrom,
  validUntil: g.validUntil ?? undefined,
  revokedAt: g.revokedAt ?? undefined,
});

export const withGrants = (actor: Actor, grants: readonly GrantInfo[]): Actor =>
  grants.length === 0 ? actor : { ...actor, grants: [...actor.grants, ...grants.map(asShareGrant)] };

const live = (g: GrantInfo, t: number): boolean =>
  Date.parse(g.validFrom) <= t && (!g.validUntil || Date.parse(g.validUntil) > t) && (!g.revokedAt || Date.parse(g.revokedAt) > t);

/** The live grants among these, newest first. */
export function liveGrants(grants: readonly GrantInfo[], now: Date): GrantInfo[] {
  const t = now.getTime();
  const out = grants.filter((g) => live(g, t));
  // ISO timestamps sort as text; most records have a single grant.
  if (out.length > 1) out.sort((a, b) => (a.sharedAt < b.sharedAt ? 1 : a.sharedAt > b.sharedAt ? -1 : 0));
  return out;
}
