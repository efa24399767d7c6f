import { REFERRAL_SOURCE_BY_AGENCY_TYPE } from '../cin/codes.ts';
import type { AgencyType } from '../../partnership/schemas.ts';
import type { Tx } from '../../shared/context.ts';
import {
  CASE_STATUS, SHEETS, ageOn, category, childId, closureReason, day, disability, ethnicity, gender, lettered, primaryNeed, referralSource, yesNo,
  type Cell, type ListKey,
} from './sheets.ts';

/**
 * Ofsted's Annex A lists 1–7 from children's social care's own data: its referrals (contacts), its
 * episodes and their append-only actions (referrals, assessments, section 47 enquiries,
 * conferences), its plans, its own home-visit records (when the child was seen) and the census
 * items of migration 033. One query per list. Lists 2 and 8–11 hold what Jigsaw does not.
 *
 * The period is from/to inclusive, London calendar days. "As at" answers (case status, the plan's
 * latest category) are as at the end of the period. Age is in whole years on the period's last day.
 */

export interface AnnexAList {
  key: ListKey;
  sheet: string;
  headers: readonly string[];
  rows: Cell[][];
  /** Said in the sheet below its headers when Jigsaw holds nothing for the list. */
  note?: string;
  /** The agency's entries for the children listed (for the audit trail). */
  entries: string[];
}

export interface AnnexA {
  from: string;
  to: string;
  lists: AnnexAList[];
}

const LD = (x: string): string => `to_char((${x}) AT TIME ZONE 'Europe/London', 'YYYY-MM-DD')`;
const CHILD_COLS = `p.id AS entry_id, p.la_child_id, p.sex, p.ethnicity, to_char(p.date_of_birth, 'YYYY-MM-DD') AS dob, p.disabilities`;
const ALLOCATION = `e.team, w.name AS worker`;
/** Children's social care's own record of a home visit at which the child was seen (its latest version). */
const SEEN = `FROM agency_record hr JOIN agency_record_version hv ON hv.record_id = hr.id AND hv.version = hr.current_version
  WHERE hr.person_id = e.child_person_id AND hr.agency_id = e.agency_id AND hv.kind = 'home_visit' AND hv.outcome = 'seen'`;
/** The accepted referral that opened an episode, if it came through Jigsaw's referrals. */
const OPENING_REFERRAL = `LEFT JOIN LATERAL (SELECT r.from_public, fa.type AS from_type FROM referral r LEFT JOIN agency fa ON fa.id = r.from_agency_id
  WHERE r.episode_id = e.id AND r.handling = 'accepted' ORDER BY r.made_at LIMIT 1) ref ON true`;

interface ChildRow { entry_id: string; la_child_id: string | null; sex: string | null; ethnicity: string | null; dob: string | null; disabilities: string[] | null }
interface Allocated { team: string | null; worker: string | null }

function childCells(r: ChildRow, to: string, withDisability: boolean): Cell[] {
  const cells: Cell[] = [childId(r.la_child_id, r.entry_id), gender(r.sex), ethnicity(r.ethnicity), day(r.dob), ageOn(r.dob, to)];
  return withDisability ? [...cells, disability(r.disabilities)] : cells;
}
// The template's columns may not be blank: an unallocated case says so rather than leaving a gap.
const allocation = (r: Allocated): Cell[] => [r.team ?? 'Not recorded', r.worker ?? 'Not allocated'];

/** The DfE source: as recorded on the episode, else from the referring agency's type; a member of the public is an individual. */
function sourceCode(recorded: string | null, fromPublic: boolean | null, fromType: string | null): string {
  if (recorded) return recorded;
  if (fromPublic) return '1D';
  return fromType ? REFERRAL_SOURCE_BY_AGENCY_TYPE[fromType as AgencyType] ?? '10' : '10';
}

/** The period as instants: London midnight at its start to London midnight after its last day. */
async function period(tx: Tx, from: string, to: string): Promise<{ starts: string; ends: string }> {
  return (await tx.query<{ starts: string; ends: string }>(
    `SELECT ($1::date::timestamp AT TIME ZONE 'Europe/London') AS starts, (($2::date + 1)::timestamp AT TIME ZONE 'Europe/London') AS ends`, [from, to])).rows[0]!;
}

const list = (key: ListKey, rows: Cell[][], entries: readonly { entry_id: string | null }[] = [], note?: string): AnnexAList => ({
  key, sheet: SHEETS[key].name, headers: SHEETS[key].headers, rows, entries: entries.flatMap((e) => (e.entry_id ? [e.entry_id] : [])), ...(note ? { note } : {}),
});

/** List 1: every contact received — each referral made to the agency, and each episode opened without one. */
async function contacts(tx: Tx, args: unknown[], to: string): Promise<AnnexAList> {
  const { rows } = await tx.query<ChildRow & { row_id: string; contact_on: string; source: string | null; from_public: boolean | null; from_type: string | null }>(
    `SELECT c.* FROM (
       SELECT r.made_at AS at, r.id::text AS row_id, p.id AS entry_id, p.la_child_id, COALESCE(p.sex, s.subj->>'sex') AS sex, p.ethnicity,
              COALESCE(to_char(p.date_of_birth, 'YYYY-MM-DD'), s.subj->>'dateOfBirth') AS dob, p.disabilities,
              ${LD('r.made_at')} AS contact_on, e.referral_source AS source, r.from_public, fa.type AS from_type
         FROM referral r
         CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(r.subject) = 'string' THEN (r.subject #>> '{}')::jsonb ELSE r.subject END AS subj) s
         LEFT JOIN person p ON p.id = r.received_person_id
         LEFT JOIN episode e ON e.id = r.episode_id AND r.handling = 'accepted'
         LEFT JOIN agency fa ON fa.id = r.from_agency_id
        WHERE r.to_agency_id = $1 AND r.made_at >= $2 AND r.made_at < $3
       UNION ALL
       SELECT e.opened_at, e.id::text, p.id, p.la_child_id, p.sex, p.ethnicity, to_char(p.date_of_birth, 'YYYY-MM-DD'), p.disabilities,
              ${LD('e.opened_at')}, e.referral_source, NULL::boolean, NULL::text
         FROM episode e JOIN person p ON p.id = e.child_person_id
         JOIN episode_action a ON a.episode_id = e.id AND a.seq = 1 AND a.type = 'referral_received'
        WHERE e.agency_id = $1 AND e.opened_at >= $2 AND e.opened_at < $3
          AND NOT EXISTS (SELECT 1 FROM referral r WHERE r.episode_id = e.id AND r.handling = 'accepted')
     ) c ORDER BY c.at, c.row_id`, args);
  // A referral still waiting in the queue has no entry of the agency's own yet: its identifier is the referral's.
  return list('list1', rows.map((r) => [...childCells({ ...r, entry_id: r.entry_id ?? r.row_id }, to, false), day(r.contact_on), referralSource(sourceCode(r.source, r.from_public, r.from_type))]), rows);
}

/** List 3: every episode opened by a referral in the period. */
async function referrals(tx: Tx, args: unknown[], to: string): Promise<AnnexAList> {
  const { rows } = await tx.query<ChildRow & Allocated & { referral_on: string; source: string | null; from_public: boolean | null; from_type: string | null; decision: string | null; earlier: number }>(
    `SELECT ${CHILD_COLS}, ${ALLOCATION}, ${LD('e.opened_at')} AS referral_on, e.referral_source AS source, ref.from_public, ref.from_type,
            (SELECT x.facts->>'outcome' FROM episode_action x WHERE x.episode_id = e.id AND x.type = 'referral_decided' ORDER BY x.seq LIMIT 1) AS decision,
            (SELECT count(*) FROM episode o JOIN episode_action oa ON oa.episode_id = o.id AND oa.seq = 1 AND oa.type = 'referral_received'
              WHERE o.child_person_id = e.child_person_id AND o.id <> e.id AND o.opened_at < e.opened_at AND o.opened_at >= e.opened_at - interval '12 months')::int AS earlier
       FROM episode e JOIN person p ON p.id = e.child_person_id
       JOIN episode_action a ON a.episode_id = e.id AND a.seq = 1 AND a.type = 'referral_received'
       ${OPENING_REFERRAL}
       LEFT JOIN practitioner w ON w.id = e.allocated_worker_id
      WHERE e.agency_id = $1 AND e.opened_at >= $2 AND e.opened_at < $3
      ORDER BY e.opened_at, e.id`, args);
  // Advice, another agency or no further action: the referral ended there.
  const nfa = (d: string | null): boolean | null => (d === null ? null : ['no_further_action', 'advice', 'other_agency'].includes(d));
  return list('list3', rows.map((r) => [...childCells(r, to, false), day(r.referral_on), referralSource(sourceCode(r.source, r.from_public, r.from_type)),
    yesNo(nfa(r.decision)), r.earlier, ...allocation(r)]), rows);
}

/** List 4: every assessment in progress at some time in the period (started by its end, not completed before its start). */
async function assessments(tx: Tx, args: unknown[], to: string): Promise<AnnexAList> {
  const { rows } = await tx.query<ChildRow & Allocated & { started_on: string; completed_on: string | null; outcome: string | null; seen: boolean }>(
    `SELECT ${CHILD_COLS}, ${ALLOCATION}, ${LD('s.occurred_at')} AS started_on, ${LD('c.occurred_at')} AS completed_on, c.facts->>'outcome' AS outcome,
            EXISTS (SELECT 1 ${SEEN} AND hv.occurred_at >= s.occurred_at AND hv.occurred_at <= COALESCE(c.occurred_at, $3)) AS seen
       FROM episode e JOIN person p ON p.id = e.child_person_id
       JOIN episode_action s ON s.episode_id = e.id AND s.type = 'assessment_started'
       LEFT JOIN LATERAL (SELECT x.occurred_at, x.facts FROM episode_action x WHERE x.episode_id = e.id AND x.seq > s.seq AND x.type = 'assessment_completed'
                           AND x.facts->>'kind' = s.facts->>'kind' ORDER BY x.seq LIMIT 1) c ON true
       LEFT JOIN practitioner w ON w.id = e.allocated_worker_id
      WHERE e.agency_id = $1 AND s.occurred_at < $3
        AND (c.occurred_at >= $2 OR (c.occurred_at IS NULL AND (e.closed_at IS NULL OR e.closed_at >= $2)))
      ORDER BY s.occurred_at, e.id, s.seq`, args);
  return list('list4', rows.map((r) => [...childCells(r, to, true), day(r.started_on),
    // Jigsaw knows the child was seen from a home visit recorded as "seen"; without one it cannot say the child was not.
    r.seen ? 'Yes' : 'Unknown', day(r.completed_on), yesNo(r.outcome === null ? null : r.outcome !== 'no_further_action'), ...allocation(r)]), rows);
}

/** List 5: every section 47 enquiry open at some time in the period. */
async function enquiries(tx: Tx, args: unknown[], to: string): Promise<AnnexAList> {
  const { rows } = await tx.query<ChildRow & Allocated & { started_on: string; concluded: string | null; icpc_on: string | null; icpc_plan: boolean | null; earlier_s47: number; earlier_icpc: number }>(
    `SELECT ${CHILD_COLS}, ${ALLOCATION}, ${LD('s.occurred_at')} AS started_on, q.facts->>'outcome' AS concluded,
            ${LD('icpc.occurred_at')} AS icpc_on, (icpc.facts->>'plan')::boolean AS icpc_plan,
            (SELECT count(*) FROM episode o JOIN episode_action x ON x.episode_id = o.id
              WHERE o.child_person_id = e.child_person_id AND x.type = 'strategy_discussion_held' AND (x.facts->>'s47')::boolean
                AND x.occurred_at < s.occurred_at AND x.occurred_at >= s.occurred_at - interval '12 months')::int AS earlier_s47,
            (SELECT count(*) FROM episode o JOIN episode_action x ON x.episode_id = o.id
              WHERE o.child_person_id = e.child_person_id AND x.type = 'conference_held' AND x.facts->>'kind' IN ('initial', 'pre_birth')
                AND x.occurred_at < s.occurred_at AND x.occurred_at >= s.occurred_at - interval '12 months')::int AS earlier_icpc
       FROM episode e JOIN person p ON p.id = e.child_person_id
       JOIN episode_action s ON s.episode_id = e.id AND s.type = 'strategy_discussion_held' AND (s.facts->>'s47')::boolean
       LEFT JOIN LATERAL (SELECT x.occurred_at, x.facts FROM episode_action x WHERE x.episode_id = e.id AND x.seq > s.seq AND x.type = 's47_concluded' ORDER BY x.seq LIMIT 1) q ON true
       LEFT JOIN LATERAL (SELECT x.occurred_at, x.facts FROM episode_action x WHERE x.episode_id = e.id AND x.seq > s.seq AND x.type = 'conference_held'
                           AND x.facts->>'kind' IN ('initial', 'pre_birth') ORDER BY x.seq LIMIT 1) icpc ON true
       LEFT JOIN practitioner w ON w.id = e.allocated_worker_id
      WHERE e.agency_id = $1 AND s.occurred_at < $3
        AND COALESCE(icpc.occurred_at, CASE WHEN q.facts->>'outcome' <> 'continuing_risk' THEN q.occurred_at END, e.closed_at, 'infinity'::timestamptz) >= $2
      ORDER BY s.occurred_at, e.id, s.seq`, args);
  // Concluded without continuing risk: no conference was needed. Continuing risk, or a conference held: it was.
  const unnecessary = (r: { concluded: string | null; icpc_on: string | null }): boolean | null =>
    r.icpc_on ? false : r.concluded === null ? null : r.concluded !== 'continuing_risk';
  return list('list5', rows.map((r) => [...childCells(r, to, true), day(r.started_on), yesNo(unnecessary(r)), day(r.icpc_on), yesNo(r.icpc_plan),
    r.earlier_s47, r.earlier_icpc, ...allocation(r)]), rows);
}

/** List 6: every episode open at some time in the period: the children in need. */
async function childrenInNeed(tx: Tx, args: unknown[], to: string): Promise<AnnexAList> {
  const { rows } = await tx.query<ChildRow & Allocated & { started_on: string; primary_need: string | null; last_seen: string | null; closed_on: string | null; closure_reason: string | null; on_cp: boolean; on_cin: boolean }>(
    `SELECT ${CHILD_COLS}, ${ALLOCATION}, ${LD('e.opened_at')} AS started_on, e.primary_need,
            (SELECT ${LD('max(hv.occurred_at)')} ${SEEN} AND hv.occurred_at < $3) AS last_seen,
            CASE WHEN e.closed_at < $3 THEN ${LD('e.closed_at')} END AS closed_on, CASE WHEN e.closed_at < $3 THEN e.closure_reason END AS closure_reason,
            EXISTS (SELECT 1 FROM episode_action made ${PLAN_END} WHERE made.episode_id = e.id AND ${MAKES_PLAN('made')} AND made.occurred_at < $3
                AND (ended.occurred_at IS NULL OR ended.occurred_at >= $3)) AS on_cp,
            -- The child in need plan as a document; history loaded from a census has none, and says where it stands by its stage.
            (EXISTS (SELECT 1 FROM plan pl WHERE pl.episode_id = e.id AND pl.kind = 'child_in_need' AND pl.made_at < $3 AND (pl.ended_at IS NULL OR pl.ended_at >= $3))
              OR (e.imported_from IS NOT NULL AND e.stage = 'child_in_need_plan')) AS on_cin
       FROM episode e JOIN person p ON p.id = e.child_person_id
       LEFT JOIN practitioner w ON w.id = e.allocated_worker_id
      WHERE e.agency_id = $1 AND e.opened_at < $3 AND (e.closed_at IS NULL OR e.closed_at >= $2)
      ORDER BY e.opened_at, e.id`, args);
  const status = (r: { closed_on: string | null; on_cp: boolean; on_cin: boolean }): string =>
    r.closed_on ? CASE_STATUS.closed : r.on_cp ? CASE_STATUS.cp : r.on_cin ? CASE_STATUS.cin : CASE_STATUS.assessment;
  return list('list6', rows.map((r) => [...childCells(r, to, true), day(r.started_on), primaryNeed(r.primary_need), day(r.last_seen), day(r.closed_on),
    r.closed_on ? closureReason(r.closure_reason) ?? 'i) Not Stated' : null, status(r), ...allocation(r)]), rows);
}

/**
 * A child protection plan, from the episode's actions (so that history loaded from an earlier census,
 * which has the actions but no plan documents, counts too): made by an initial, pre-birth or
 * transfer-in conference deciding on a plan; ended by the plan's end, a review deciding on no plan,
 * or the case's closure.
 */
const MAKES_PLAN = (x: string): string => `${x}.type = 'conference_held' AND (${x}.facts->>'plan')::boolean AND ${x}.facts->>'kind' IN ('initial', 'pre_birth', 'transfer_in')`;
const PLAN_END = `LEFT JOIN LATERAL (SELECT x.seq, x.occurred_at FROM episode_action x WHERE x.episode_id = made.episode_id AND x.seq > made.seq
    AND (x.type IN ('plan_ended', 'case_closed') OR (x.type = 'conference_held' AND x.facts->>'kind' = 'review' AND NOT (x.facts->>'plan')::boolean))
    ORDER BY x.seq LIMIT 1) ended ON true`;

/** List 7: every child protection plan in force at some time in the period. */
async function protectionPlans(tx: Tx, args: unknown[], to: string): Promise<AnnexAList> {
  const { rows } = await tx.query<ChildRow & Allocated & { started_on: string; ended_on: string | null; initial: string | null; latest: string | null; review_on: string | null; visit_on: string | null; protected_lately: boolean; previous: number }>(
    `SELECT ${CHILD_COLS}, ${ALLOCATION}, ${LD('made.occurred_at')} AS started_on, CASE WHEN ended.occurred_at < $3 THEN ${LD('ended.occurred_at')} END AS ended_on,
            made.details->'planDetails'->>'category' AS initial,
            (SELECT x.details->'planDetails'->>'category' FROM episode_action x WHERE x.episode_id = e.id AND x.seq >= made.seq AND x.occurred_at < $3
                AND (ended.seq IS NULL OR x.seq < ended.seq) AND x.type = 'conference_held' AND x.details->'planDetails' IS NOT NULL ORDER BY x.seq DESC LIMIT 1) AS latest,
            (SELECT ${LD('max(x.occurred_at)')} FROM episode_action x WHERE x.episode_id = e.id AND x.seq > made.seq AND x.occurred_at < $3
                AND x.type = 'conference_held' AND x.facts->>'kind' = 'review' AND (ended.seq IS NULL OR x.seq <= ended.seq)) AS review_on,
            (SELECT ${LD('max(hv.occurred_at)')} ${SEEN} AND hv.occurred_at >= made.occurred_at AND hv.occurred_at < LEAST(COALESCE(ended.occurred_at, 'infinity'::timestamptz), $3)) AS visit_on,
            EXISTS (SELECT 1 FROM episode o JOIN episode_action x ON x.episode_id = o.id WHERE o.child_person_id = e.child_person_id AND x.type = 'urgent_protective_action'
                AND x.facts->>'kind' IN ('emergency_protection_order', 'police_protection') AND x.occurred_at < $3 AND x.occurred_at >= $3 - interval '6 months') AS protected_lately,
            (SELECT count(*) FROM episode o JOIN episode_action x ON x.episode_id = o.id
              WHERE o.child_person_id = e.child_person_id AND ${MAKES_PLAN('x')} AND x.occurred_at < made.occurred_at)::int AS previous
       FROM episode e JOIN person p ON p.id = e.child_person_id
       JOIN episode_action made ON made.episode_id = e.id AND ${MAKES_PLAN('made')}
       ${PLAN_END}
       LEFT JOIN practitioner w ON w.id = e.allocated_worker_id
      WHERE e.agency_id = $1 AND made.occurred_at < $3 AND (ended.occurred_at IS NULL OR ended.occurred_at >= $2)
      ORDER BY made.occurred_at, e.id, made.seq`, args);
  return list('list7', rows.map((r) => [...childCells(r, to, true), day(r.started_on), category(r.initial), category(r.latest ?? r.initial), day(r.visit_on),
    // Jigsaw's visit records do not say whether the child was seen alone: left blank, as the template allows.
    null, day(r.review_on), day(r.ended_on), lettered(r.protected_lately), r.previous, ...allocation(r)]), rows);
}

const NOT_HELD = 'Not held by Jigsaw';

/** The lists 1–11 for one agency over a period (from/to inclusive, YYYY-MM-DD). No access check: see annexAFor. */
export async function annexA(tx: Tx, agencyId: string, from: string, to: string): Promise<AnnexA> {
  const p = await period(tx, from, to);
  const args = [agencyId, p.starts, p.ends];
  const lists = [
    await contacts(tx, args, to),
    list('list2', [], [], `${NOT_HELD}: early help assessments are recorded outside Jigsaw. Add the early help service's list here.`),
    await referrals(tx, args, to),
    await assessments(tx, args, to),
    await enquiries(tx, args, to),
    await childrenInNeed(tx, args, to),
    await protectionPlans(tx, args, to),
    list('list8', [], [], `${NOT_HELD}: Jigsaw does not record children looked after.`),
    list('list9', [], [], `${NOT_HELD}: Jigsaw does not record care leavers.`),
    list('list10', [], [], `${NOT_HELD}: Jigsaw does not record children placed for adoption.`),
    list('list11', [], [], `${NOT_HELD}: Jigsaw does not record adopters.`),
  ];
  return { from, to, lists };
}
