import type { Queryable } from '../db/database.ts';
import type { CaseloadAttention } from './schemas.ts';
import type { Reader } from './sources.ts';

/**
 * What needs attention about the children on a caseload, one query per kind over the whole list:
 * the agency's statutory steps and monitoring checks due today or overdue, the reader's own meeting
 * actions, and information shared with them they have not yet opened (unread share notices).
 * Each item names the child as the fact's own agency knows them (`personId`); the caller turns
 * those into the reader's own entries.
 */
export interface AttentionItem {
  personId: string;
  item: CaseloadAttention;
}

/** The agency's statutory steps for these children that are due today or overdue (open episodes, no prompts). */
async function steps(tx: Queryable, reader: Reader, now: Date, ownIds: readonly string[]): Promise<AttentionItem[]> {
  const { rows } = await tx.query<{ child_person_id: string; episode_id: string; label: string; due_date: string; due_at: string | null }>(
    `SELECT e.child_person_id, s.episode_id, s.label, s.due_date::text AS due_date, s.due_at
       FROM episode_step s JOIN episode e ON e.id = s.episode_id
      WHERE e.agency_id = $1 AND e.child_person_id = ANY($2::uuid[]) AND e.closed_at IS NULL AND NOT s.prompt
        AND (s.due_date <= $3::date OR (s.due_at IS NOT NULL AND s.due_at < $4::timestamptz))
      ORDER BY s.due_date, s.key`,
    [reader.agencyId, ownIds, reader.today, now.toISOString()]);
  return rows.map((r) => ({
    personId: r.child_person_id,
    item: {
      // Overdue exactly as the due-step list says: the day after the due date, or past the instant for a step due within hours.
      kind: r.due_date < reader.today || (r.due_at !== null && new Date(r.due_at) < now) ? 'overdue' : 'due_today',
      what: 'statutory_step', label: r.label, date: r.due_date, href: `/episodes/${r.episode_id}`,
    },
  }));
}

/**
 * Monitoring checks due today or missed, for arrangements the reader's agency makes the checks of
 * or recorded. A check is due `every_days` after the last check done (London date) or the start,
 * and none is due after the arrangement ends (as nextCheckDue in process/monitoring.ts).
 */
async function checks(tx: Queryable, reader: Reader, ownIds: readonly string[]): Promise<AttentionItem[]> {
  const { rows } = await tx.query<{ id: string; person_id: string; checks: string; due_on: string }>(
    `SELECT id, person_id, checks, due_on::text AS due_on FROM (
       SELECT a.id, CASE WHEN a.responsible_agency_id = $1 AND a.responsible_person_id = ANY($2::uuid[]) THEN a.responsible_person_id ELSE a.child_person_id END AS person_id,
              a.checks, a.ends_on,
              greatest(a.starts_on, coalesce(((SELECT max(c.checked_at) FROM monitoring_check c WHERE c.arrangement_id = a.id AND c.outcome = 'done') AT TIME ZONE 'Europe/London')::date, a.starts_on)) + a.every_days AS due_on
         FROM monitoring_arrangement a
        WHERE a.ended_at IS NULL
          AND ((a.responsible_agency_id = $1 AND a.responsible_person_id = ANY($2::uuid[])) OR (a.recording_agency_id = $1 AND a.child_person_id = ANY($2::uuid[])))) d
      WHERE d.due_on <= $3::date AND d.due_on <= d.ends_on
      ORDER BY d.due_on`,
    [reader.agencyId, ownIds, reader.today]);
  return rows.map((r) => ({
    personId: r.person_id,
    item: { kind: r.due_on < reader.today ? 'overdue' : 'due_today', what: 'monitoring_check', label: `Monitoring check: ${r.checks}`, date: r.due_on, href: `/monitoring/${r.id}` },
  }));
}

/** The reader's own open meeting actions due today or overdue, with each child their meeting is about. */
async function actions(tx: Queryable, reader: Reader): Promise<AttentionItem[]> {
  const { rows } = await tx.query<{ person_id: string; meeting_id: string; description: string; due_on: string }>(
    `SELECT s.person_id, a.meeting_id, a.description, a.due_on::text AS due_on
       FROM meeting_action a JOIN meeting_subject s ON s.meeting_id = a.meeting_id
      WHERE a.owner_id = $1 AND a.status = 'open' AND a.due_on <= $2::date
      ORDER BY a.due_on, a.id`,
    [reader.practitionerId, reader.today]);
  return rows.map((r) => ({
    personId: r.person_id,
    item: { kind: r.due_on < reader.today ? 'overdue' : 'due_today', what: 'meeting_action', label: r.description, date: r.due_on, href: `/meetings/${r.meeting_id}` },
  }));
}

/** Shares the reader was told of and has not opened yet (their unread share notices), still live. */
async function shared(tx: Queryable, reader: Reader): Promise<AttentionItem[]> {
  const { rows } = await tx.query<{ person_id: string; created_at: string }>(
    `SELECT d.person_id, n.created_at FROM notification n JOIN share_decision d ON d.id = n.entity_id
      WHERE n.practitioner_id = $1 AND n.read_at IS NULL AND n.kind = 'share.received' AND n.entity_type = 'share_decision' AND d.revoked_at IS NULL
      ORDER BY n.created_at DESC`,
    [reader.practitionerId]);
  return rows.map((r) => ({
    personId: r.person_id,
    item: { kind: 'new_information', what: 'shared_information', label: 'New information shared with you', date: new Date(r.created_at).toISOString(), href: '/shared-with-me' },
  }));
}

/** Everything that needs attention about these children (the reader's own entries). */
export async function attentionFor(tx: Queryable, reader: Reader, now: Date, ownIds: readonly string[]): Promise<AttentionItem[]> {
  if (ownIds.length === 0) return [];
  return [...await steps(tx, reader, now, ownIds), ...await checks(tx, reader, ownIds), ...await actions(tx, reader), ...await shared(tx, reader)];
}
