import type { Queryable } from '../db/database.ts';
import type { CaseloadReason } from './schemas.ts';

/**
 * Who is on a practitioner's caseload, and why: one query per source, each over the whole set
 * (never one per child), so the list costs the same with ten children or thousands of episodes.
 * A source names the child as the agency holding the fact knows them; ownEntries then turns each
 * into the reader's own agency's entry where a same-person link joins them, so one child is one row.
 */

export interface Candidate {
  personId: string;
  reason: CaseloadReason;
}

export interface Reader {
  practitionerId: string;
  agencyId: string;
  /** Safeguarding leads and managers also see their agency's children with something open. */
  agencyWide: boolean;
  /** A safeguarding lead sees restricted records; a manager learns only of concerns they could read. */
  seesRestricted: boolean;
  /** Today in London. */
  today: string;
}

/** A concern counts as open on the lead's or manager's caseload this long after it happened. */
export const OPEN_CONCERN_DAYS = 90;

/** The plan stages of an episode that put a child on the agency's list. */
const PLAN_STAGES = ['child_protection_plan', 'child_in_need_plan'];

/** One source of the list: its query, and the reader's facts it takes, in order ($1, $2, …). */
interface Source {
  reason: CaseloadReason;
  sql: string;
  params: (r: Reader) => unknown[];
}

const mine = (r: Reader): unknown[] => [r.practitionerId];
const mineToday = (r: Reader): unknown[] => [r.practitionerId, r.today];
const agency = (r: Reader): unknown[] => [r.agencyId];
const agencyToday = (r: Reader): unknown[] => [r.agencyId, r.today];

/** The practitioner's own part: lead worker, allocated, named on the plan, at a meeting to come, monitoring. */
const PERSONAL: Source[] = [
  { reason: 'lead_worker', sql: `SELECT l.person_id FROM lead_worker l WHERE l.practitioner_id = $1 AND l.valid_from <= $2::date AND (l.valid_to IS NULL OR l.valid_to >= $2::date)`, params: mineToday },
  { reason: 'allocated', sql: `SELECT e.child_person_id AS person_id FROM episode e WHERE e.allocated_worker_id = $1 AND e.closed_at IS NULL`, params: mine },
  // The plan in force is the one the latest conference with a plan made; its key worker and core group are named on it.
  {
    reason: 'key_worker', sql: `SELECT e.child_person_id AS person_id FROM episode e JOIN LATERAL (
        SELECT a.details->'planDetails' AS plan FROM episode_action a
         WHERE a.episode_id = e.id AND a.type = 'conference_held' AND a.details ? 'planDetails' ORDER BY a.seq DESC LIMIT 1) p ON true
       WHERE e.closed_at IS NULL AND e.stage = 'child_protection_plan' AND p.plan->>'keyWorkerId' = $1::text`, params: mine,
  },
  {
    reason: 'core_group', sql: `SELECT e.child_person_id AS person_id FROM episode e JOIN LATERAL (
        SELECT a.details->'planDetails' AS plan FROM episode_action a
         WHERE a.episode_id = e.id AND a.type = 'conference_held' AND a.details ? 'planDetails' ORDER BY a.seq DESC LIMIT 1) p ON true
       WHERE e.closed_at IS NULL AND e.stage = 'child_protection_plan' AND p.plan->'coreGroup' ? $1::text`, params: mine,
  },
  {
    reason: 'meeting', sql: `SELECT s.person_id FROM meeting m JOIN meeting_subject s ON s.meeting_id = m.id
       WHERE (m.status = 'scheduled' AND (m.chair_id = $1 OR EXISTS (SELECT 1 FROM meeting_invitee i WHERE i.meeting_id = m.id AND i.practitioner_id = $1)))
          -- An open action from a meeting keeps its owner, of any agency, working with the child (issue 18).
          OR EXISTS (SELECT 1 FROM meeting_action a WHERE a.meeting_id = m.id AND a.owner_id = $1 AND a.status = 'open')`, params: mine,
  },
  { reason: 'monitoring', sql: `SELECT a.responsible_person_id AS person_id FROM monitoring_arrangement a WHERE a.responsible_practitioner_id = $1 AND a.ended_at IS NULL AND a.ends_on >= $2::date`, params: mineToday },
];

/** The agency's open work, for its safeguarding leads and managers. $1 agency, $2 today, $3 sees restricted records. */
const AGENCY_WIDE: Source[] = [
  {
    reason: 'agency_concern', sql: `SELECT r.person_id FROM agency_record r JOIN agency_record_version v ON v.record_id = r.id AND v.version = r.current_version
       WHERE r.agency_id = $1 AND v.kind = 'concern' AND v.occurred_at >= ($2::date - ${OPEN_CONCERN_DAYS}) AND (NOT r.restricted OR $3::boolean)`, params: (r) => [r.agencyId, r.today, r.seesRestricted],
  },
  // Referrals not yet decided: made by the agency (its own entry), or received and taken onto its own index.
  {
    reason: 'agency_referral', sql: `SELECT CASE WHEN f.from_agency_id = $1 THEN f.child_person_id ELSE f.received_person_id END AS person_id FROM referral f
       WHERE f.decided_at IS NULL AND ((f.from_agency_id = $1 AND f.child_person_id IS NOT NULL) OR (f.to_agency_id = $1 AND f.received_person_id IS NOT NULL))`, params: agency,
  },
  { reason: 'agency_plan', sql: `SELECT e.child_person_id AS person_id FROM episode e WHERE e.agency_id = $1 AND e.closed_at IS NULL AND e.stage = ANY($2::text[])`, params: (r) => [r.agencyId, PLAN_STAGES] },
  {
    reason: 'agency_monitoring', sql: `SELECT CASE WHEN a.responsible_agency_id = $1 THEN a.responsible_person_id ELSE a.child_person_id END AS person_id FROM monitoring_arrangement a
       WHERE a.ended_at IS NULL AND a.ends_on >= $2::date AND (a.responsible_agency_id = $1 OR a.recording_agency_id = $1)`, params: agencyToday,
  },
];

/** Every child on the reader's list, with why, as the agency holding each fact knows them. */
export async function candidates(tx: Queryable, reader: Reader): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const source of reader.agencyWide ? [...PERSONAL, ...AGENCY_WIDE] : PERSONAL) {
    for (const r of (await tx.query<{ person_id: string }>(source.sql, source.params(reader))).rows) out.push({ personId: r.person_id, reason: source.reason });
  }
  return out;
}

/**
 * Each entry as the reader's own agency knows the person, where a live same-person link joins them
 * directly (the meeting and the plan name the authority's entry; a health visitor works from her
 * own), with the kind of person it is. An entry of another agency with no link stays as it is:
 * the caller still decides whether the reader may see it.
 */
export async function ownEntries(tx: Queryable, agencyId: string, personIds: readonly string[]): Promise<Map<string, { id: string; kind: string }>> {
  const out = new Map<string, { id: string; kind: string }>();
  if (personIds.length === 0) return out;
  const { rows } = await tx.query<{ from_id: string; own_id: string; kind: string }>(
    `WITH ids AS (SELECT DISTINCT unnest($1::uuid[]) AS id)
     SELECT ids.id AS from_id, coalesce(linked.id, p.id) AS own_id, coalesce(linked.kind, p.kind) AS kind
       FROM ids JOIN person p ON p.id = ids.id
       LEFT JOIN LATERAL (
         SELECT o.id, o.kind FROM person_link l JOIN person o ON o.id = CASE WHEN l.person_id = p.id THEN l.other_person_id ELSE l.person_id END
          WHERE p.agency_id <> $2 AND (l.person_id = p.id OR l.other_person_id = p.id) AND l.unlinked_at IS NULL AND o.agency_id = $2
          ORDER BY l.decided_at, o.id LIMIT 1) linked ON true`,
    [personIds, agencyId]);
  for (const r of rows) out.set(r.from_id, { id: r.own_id, kind: r.kind });
  return out;
}
