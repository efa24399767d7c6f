import { checkView } from '../access/views.ts';
import { CASEWORK_ROLES, decidePerson, decideRecord, type Actor } from '../access/policy.ts';
import { appendAudit, audit, command, refuse, AccessRefused } from '../audit/audit.ts';
import { addDays, londonDate } from '../calendar/working-days.ts';
import type { Queryable } from '../db/database.ts';
import { personInReach } from '../people/people.ts';
import type { ActorContext, Services, Tx } from '../shared/context.ts';
import { conflict, forbidden, invalid, type FieldProblem } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { grantsFor, withGrants } from '../sharing/grants.ts';
import { notifyAgency, notifyPractitioners, type Notice } from '../sharing/notify.ts';
import type {
  Acknowledgement, ClosureMonitoring, ClosureNotice, EndArrangement, EpisodeSafetySummary, MonitoringAlert, MonitoringArrangement, MonitoringCheck,
  NewMonitoringArrangement, NewMonitoringCheck, PreviousProtection, RecordPointer,
} from './monitoring.schemas.ts';
import type { EpisodeActionInput } from './schemas.ts';

/**
 * Monitoring, and the lessons of case example 8 (DOMAIN.md, "Lessons the system must make hard
 * to repeat"):
 * - monitoring arrangements name who checks what, how often and until when (case example 3's
 *   fortnightly monitoring); each check is recorded, and a missed one raises an alert with the
 *   responsible practitioner and their safeguarding lead;
 * - a case is not closed after visits with no access, or with concerns recorded during the
 *   episode, without naming the agency that will monitor; every involved agency is told and
 *   acknowledges;
 * - the child-protection history of the adults around a child is found, not forgotten.
 *
 * Nothing here carries another agency's records across: counts and pointers are computed from
 * what the viewer may read (the access policy decides on every row), and a check's note stays
 * with the agency that wrote it.
 */

// ---------------------------------------------------------------------------------------------
// Same-person links and dates

/** Every entry joined to this one by live same-person links (in any agency, transitively), itself excluded. */
export async function linkedEntries(tx: Queryable, personId: string): Promise<{ personId: string; agencyId: string }[]> {
  const { rows } = await tx.query<{ id: string; agency_id: string }>(
    `WITH RECURSIVE linked(id) AS (
       SELECT $1::uuid
       UNION
       SELECT CASE WHEN l.person_id = k.id THEN l.other_person_id ELSE l.person_id END
         FROM person_link l JOIN linked k ON l.person_id = k.id OR l.other_person_id = k.id
        WHERE l.unlinked_at IS NULL)
     SELECT p.id, p.agency_id FROM linked k JOIN person p ON p.id = k.id WHERE p.id <> $1::uuid ORDER BY p.agency_id, p.id`,
    [personId],
  );
  return rows.map((r) => ({ personId: r.id, agencyId: r.agency_id }));
}

async function entryInAgency(tx: Queryable, personId: string, personAgencyId: string, agencyId: string): Promise<string | undefined> {
  if (personAgencyId === agencyId) return personId;
  return (await linkedEntries(tx, personId)).find((e) => e.agencyId === agencyId)?.personId;
}

/** When the next check is due: every N days after the last completed check (or the start), while the arrangement runs. */
export function nextCheckDue(a: { startsOn: string; endsOn: string; everyDays: number; ended: boolean }, lastDoneOn: string | null): string | null {
  if (a.ended) return null;
  const due = addDays(lastDoneOn && lastDoneOn > a.startsOn ? lastDoneOn : a.startsOn, a.everyDays);
  return due <= a.endsOn ? due : null;
}

const doesCasework = (actor: Actor): boolean => actor.roles.some((r) => CASEWORK_ROLES.includes(r));

// ---------------------------------------------------------------------------------------------
// Who sees an arrangement

export type ArrangementRole = 'responsible' | 'recording' | 'party';

/**
 * The caller's part in an arrangement: the responsible agency (makes and records the checks),
 * the recording agency (set it up), or a party (agreed it, or was told of the closure behind it).
 * Anyone else, and anyone without a casework role, has none: the arrangement is not found.
 */
export function arrangementRole(actor: Actor, a: { recordingAgencyId: string; responsibleAgencyId: string; agreedAgencyIds: readonly string[]; noticeAgencyIds: readonly string[] }): ArrangementRole | undefined {
  if (!doesCasework(actor)) return undefined;
  if (a.responsibleAgencyId === actor.agencyId) return 'responsible';
  if (a.recordingAgencyId === actor.agencyId) return 'recording';
  if (a.agreedAgencyIds.includes(actor.agencyId) || a.noticeAgencyIds.includes(actor.agencyId)) return 'party';
  return undefined;
}

interface ArrangementRow {
  id: string;
  recording_agency_id: string;
  recording_agency_name: string;
  child_person_id: string;
  responsible_agency_id: string;
  responsible_agency_name: string;
  responsible_practitioner_id: string;
  responsible_practitioner_name: string;
  responsible_person_id: string;
  checks: string;
  every_days: number;
  starts_on: string;
  ends_on: string;
  agreed_agency_ids: string[];
  escalation: string | null;
  episode_id: string | null;
  created_by: string;
  created_at: string;
  ended_at: string | null;
  end_reason: string | null;
  notices: { agency_id: string; person_id: string | null }[] | null;
}

const SELECT_ARRANGEMENT = `
  SELECT a.id, a.recording_agency_id, ra.name AS recording_agency_name, a.child_person_id, a.responsible_agency_id, sa.name AS responsible_agency_name,
         a.responsible_practitioner_id, sp.name AS responsible_practitioner_name, a.responsible_person_id, a.checks, a.every_days, a.starts_on, a.ends_on,
         a.agreed_agency_ids, a.escalation, a.episode_id, a.created_by, a.created_at, a.ended_at, a.end_reason,
         (SELECT json_agg(json_build_object('agency_id', n.agency_id, 'person_id', n.person_id)) FROM closure_notice n WHERE n.arrangement_id = a.id) AS notices
    FROM monitoring_arrangement a
    JOIN agency ra ON ra.id = a.recording_agency_id
    JOIN agency sa ON sa.id = a.responsible_agency_id
    JOIN practitioner sp ON sp.id = a.responsible_practitioner_id`;

const noticesOf = (r: ArrangementRow): { agency_id: string; person_id: string | null }[] =>
  (typeof r.notices === 'string' ? (JSON.parse(r.notices) as ArrangementRow['notices']) : r.notices) ?? [];

const roleIn = (actor: Actor, r: ArrangementRow): ArrangementRole | undefined =>
  arrangementRole(actor, { recordingAgencyId: r.recording_agency_id, responsibleAgencyId: r.responsible_agency_id, agreedAgencyIds: r.agreed_agency_ids, noticeAgencyIds: noticesOf(r).map((n) => n.agency_id) });

interface AlertRow {
  id: string;
  arrangement_id: string;
  kind: 'missed_check';
  due_on: string;
  raised_at: string;
  responsible_agency_id: string;
  responsible_practitioner_id: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  acknowledged_by_name: string | null;
  acknowledgement_note: string | null;
}

const SELECT_ALERT = `
  SELECT l.id, l.arrangement_id, l.kind, l.due_on, l.raised_at, a.responsible_agency_id, a.responsible_practitioner_id,
         l.acknowledged_at, l.acknowledged_by, p.name AS acknowledged_by_name, l.acknowledgement_note
    FROM monitoring_alert l JOIN monitoring_arrangement a ON a.id = l.arrangement_id LEFT JOIN practitioner p ON p.id = l.acknowledged_by`;

const toAlert = (r: AlertRow, role: ArrangementRole): MonitoringAlert => ({
  id: r.id, arrangementId: r.arrangement_id, kind: r.kind, dueOn: r.due_on, raisedAt: r.raised_at,
  responsibleAgencyId: r.responsible_agency_id, responsiblePractitionerId: r.responsible_practitioner_id,
  acknowledgedAt: r.acknowledged_at, acknowledgedById: r.acknowledged_by, acknowledgedByName: r.acknowledged_by_name,
  // The responsible agency's own words stay with it.
  note: role === 'responsible' ? r.acknowledgement_note : null,
});

/** The arrangement as the caller's agency sees it: its own entry for the child, and check notes only if it wrote them. */
async function shapeArrangement(ctx: ActorContext, tx: Tx, r: ArrangementRow, role: ArrangementRole): Promise<MonitoringArrangement> {
  const checks = (await tx.query<{ id: string; outcome: 'done' | 'no_access'; checked_at: string; note: string; recorded_by: string; recorded_by_name: string; recorded_at: string }>(
    `SELECT c.id, c.outcome, c.checked_at, c.note, c.recorded_by, p.name AS recorded_by_name, c.recorded_at
       FROM monitoring_check c JOIN practitioner p ON p.id = c.recorded_by WHERE c.arrangement_id = $1 ORDER BY c.checked_at, c.recorded_at`, [r.id])).rows;
  const alerts = (await tx.query<AlertRow>(`${SELECT_ALERT} WHERE l.arrangement_id = $1 ORDER BY l.due_on`, [r.id])).rows;
  const today = londonDate(ctx.clock.now());
  const lastDone = checks.filter((c) => c.outcome === 'done').at(-1);
  const nextDueOn = nextCheckDue({ startsOn: r.starts_on, endsOn: r.ends_on, everyDays: r.every_days, ended: r.ended_at !== null }, lastDone ? londonDate(new Date(lastDone.checked_at)) : null);
  let childPersonId: string | null;
  if (role === 'responsible') childPersonId = r.responsible_person_id;
  else if (role === 'recording') childPersonId = r.child_person_id;
  else {
    childPersonId = noticesOf(r).find((n) => n.agency_id === ctx.actor.agencyId)?.person_id
      ?? (await linkedEntries(tx, r.child_person_id)).find((e) => e.agencyId === ctx.actor.agencyId)?.personId ?? null;
  }
  const last = checks.at(-1);
  return {
    id: r.id,
    recordingAgencyId: r.recording_agency_id,
    recordingAgencyName: r.recording_agency_name,
    childPersonId,
    responsibleAgencyId: r.responsible_agency_id,
    responsibleAgencyName: r.responsible_agency_name,
    responsiblePractitionerId: r.responsible_practitioner_id,
    responsiblePractitionerName: r.responsible_practitioner_name,
    checks: r.checks,
    everyDays: r.every_days,
    startsOn: r.starts_on,
    endsOn: r.ends_on,
    escalation: r.escalation,
    agreedAgencyIds: r.agreed_agency_ids,
    episodeId: r.episode_id,
    createdAt: r.created_at,
    createdById: r.created_by,
    status: r.ended_at ? 'ended' : today > r.ends_on ? 'finished' : 'active',
    endedAt: r.ended_at,
    endReason: r.end_reason,
    lastCheck: last ? { outcome: last.outcome, checkedAt: last.checked_at } : null,
    nextDueOn,
    overdue: nextDueOn !== null && today > nextDueOn,
    openAlerts: alerts.filter((a) => !a.acknowledged_at).length,
    checksMade: checks.map((c): MonitoringCheck => ({
      id: c.id, outcome: c.outcome, checkedAt: c.checked_at, note: role === 'responsible' ? c.note : null,
      recordedById: c.recorded_by, recordedByName: c.recorded_by_name, recordedAt: c.recorded_at,
    })),
    alerts: alerts.map((a) => toAlert(a, role)),
  };
}

async function arrangementInReach(ctx: ActorContext, tx: Tx, id: string, action: string, need?: 'responsible' | 'responsible_or_recording', lock = false): Promise<{ row: ArrangementRow; role: ArrangementRole }> {
  if (lock) await tx.query('SELECT 1 FROM monitoring_arrangement WHERE id = $1 FOR UPDATE', [id]);
  const row = (await tx.query<ArrangementRow>(`${SELECT_ARRANGEMENT} WHERE a.id = $1`, [id])).rows[0];
  if (!row) throw refuse('monitoring arrangement', { action, entityType: 'monitoring_arrangement', entityId: id, outcome: 'not_found' });
  const role = roleIn(ctx.actor, row);
  const allowed = role && (need === undefined || role === 'responsible' || (need === 'responsible_or_recording' && role === 'recording'));
  if (!role || !allowed) {
    // A party may know of the arrangement; it is still refused (not hidden) when it may not act on it.
    throw refuse('monitoring arrangement', { action, entityType: 'monitoring_arrangement', entityId: id, personId: row.child_person_id },
      role ? forbidden(need === 'responsible' ? 'Only the responsible agency records checks and acknowledges alerts.' : 'Only the responsible or recording agency can end the arrangement.') : undefined);
  }
  return { row, role };
}

// ---------------------------------------------------------------------------------------------
// Naming who monitors

interface Monitor {
  agencyId: string;
  agencyName: string;
  practitionerId: string;
  /** The child in the monitoring agency's index. */
  personId: string;
}

/**
 * Checks the agency and practitioner named to monitor: the agency must hold the child (its own
 * entry, or one linked to the recorder's), and the practitioner must be an active caseworker
 * there. Without a named practitioner, the agency's current lead worker for the child is used.
 */
async function resolveMonitor(
  ctx: ActorContext, tx: Tx, child: { id: string; agencyId: string },
  agencyId: string, practitionerId: string | undefined, pointers: { agency: string; practitioner: string },
): Promise<{ monitor?: Monitor; errors: FieldProblem[] }> {
  const errors: FieldProblem[] = [];
  const agency = (await tx.query<{ id: string; name: string }>('SELECT id, name FROM agency WHERE id = $1', [agencyId])).rows[0];
  if (!agency) return { errors: [{ pointer: pointers.agency, detail: 'No agency with that identifier' }] };
  const personId = await entryInAgency(tx, child.id, child.agencyId, agency.id);
  if (!personId) {
    return { errors: [{ pointer: pointers.agency, detail: `${agency.name} holds no entry for this child linked to yours: record the same-person link first, so that it knows which child to monitor` }] };
  }
  let chosen = practitionerId;
  if (!chosen) {
    const today = londonDate(ctx.clock.now());
    chosen = (await tx.query<{ practitioner_id: string }>(
      `SELECT l.practitioner_id FROM lead_worker l WHERE l.person_id = $1 AND l.valid_from <= $2::date AND (l.valid_to IS NULL OR l.valid_to >= $2::date)
        ORDER BY l.valid_from DESC, l.created_at DESC LIMIT 1`, [personId, today])).rows[0]?.practitioner_id;
    if (!chosen) errors.push({ pointer: pointers.practitioner, detail: `Name the practitioner who will make the checks: ${agency.name} has no lead worker recorded for this child` });
  }
  if (chosen) {
    const p = (await tx.query<{ roles: string[] | null }>(
      'SELECT (SELECT array_agg(role) FROM practitioner_role r WHERE r.practitioner_id = p.id) AS roles FROM practitioner p WHERE p.id = $1 AND p.agency_id = $2 AND p.active',
      [chosen, agency.id])).rows[0];
    if (!p) errors.push({ pointer: pointers.practitioner, detail: `No active practitioner with that identifier in ${agency.name}` });
    else if (!(p.roles ?? []).some((r) => (CASEWORK_ROLES as readonly string[]).includes(r))) errors.push({ pointer: pointers.practitioner, detail: 'The practitioner must do casework' });
  }
  return errors.length ? { errors } : { monitor: { agencyId: agency.id, agencyName: agency.name, practitionerId: chosen!, personId }, errors };
}

async function insertArrangement(
  ctx: ActorContext, tx: Tx,
  a: { childPersonId: string; monitor: Monitor; checks: string; everyDays: number; startsOn: string; endsOn: string; escalation?: string | undefined; agreedAgencyIds: string[]; episodeId: string | null },
): Promise<string> {
  const id = newId();
  await tx.query(
    `INSERT INTO monitoring_arrangement (id, recording_agency_id, child_person_id, responsible_agency_id, responsible_practitioner_id, responsible_person_id,
       checks, every_days, starts_on, ends_on, agreed_agency_ids, escalation, episode_id, created_by, created_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`,
    [id, ctx.actor.agencyId, a.childPersonId, a.monitor.agencyId, a.monitor.practitionerId, a.monitor.personId, a.checks, a.everyDays, a.startsOn, a.endsOn,
      [...new Set(a.agreedAgencyIds)], a.escalation ?? null, a.episodeId, ctx.actor.practitionerId, ctx.clock.now().toISOString()],
  );
  await audit(ctx, tx, { action: 'monitoring.arrangement.create', outcome: 'success', entityType: 'monitoring_arrangement', entityId: id, personId: a.childPersonId, detail: { responsibleAgencyId: a.monitor.agencyId, episodeId: a.episodeId } });
  if (a.monitor.practitionerId !== ctx.actor.practitionerId) {
    await notifyPractitioners(tx, [a.monitor.practitionerId], {
      kind: 'monitoring.assigned', entityType: 'monitoring_arrangement', entityId: id,
      message: `You have been named to monitor a child: a check is due every ${a.everyDays} days from ${a.startsOn} until ${a.endsOn}.`,
    }, ctx.clock.now());
  }
  return id;
}

async function safeguardingLeads(tx: Tx, agencyId: string): Promise<string[]> {
  return (await tx.query<{ id: string }>(
    `SELECT p.id FROM practitioner p JOIN practitioner_role r ON r.practitioner_id = p.id WHERE p.agency_id = $1 AND p.active AND r.role = 'safeguarding_lead'`,
    [agencyId])).rows.map((r) => r.id);
}

// ---------------------------------------------------------------------------------------------
// Arrangements, checks and alerts

/**
 * Records an agreed monitoring arrangement for a child in the caller's index: who (agency and
 * practitioner) checks what, every how many days, from when until when, and which agencies agreed.
 */
export async function createArrangement(ctx: ActorContext, input: NewMonitoringArrangement): Promise<MonitoringArrangement> {
  return command(ctx, async (tx) => {
    const child = (await tx.query<{ id: string; agency_id: string }>('SELECT id, agency_id FROM person WHERE id = $1', [input.childPersonId])).rows[0];
    const missing = invalid("The child must be someone your agency holds.", [{ pointer: '/childPersonId', detail: "No person in your agency's index with that identifier" }]);
    if (!child) throw refuse('person', { action: 'monitoring.arrangement.create', entityType: 'person', entityId: input.childPersonId, outcome: 'not_found' }, missing);
    if (!decidePerson(ctx.actor, 'update', { id: child.id, agencyId: child.agency_id }).allowed) {
      throw refuse('person', { action: 'monitoring.arrangement.create', entityType: 'person', entityId: child.id, personId: child.id }, missing);
    }
    const { monitor, errors } = await resolveMonitor(ctx, tx, { id: child.id, agencyId: child.agency_id }, input.responsibleAgencyId, input.responsiblePractitionerId,
      { agency: '/responsibleAgencyId', practitioner: '/responsiblePractitionerId' });
    const known = (await tx.query<{ id: string }>('SELECT id FROM agency WHERE id = ANY($1::uuid[])', [input.agreedAgencyIds])).rows.map((r) => r.id);
    input.agreedAgencyIds.forEach((id, i) => { if (!known.includes(id)) errors.push({ pointer: `/agreedAgencyIds/${i}`, detail: 'No agency with that identifier' }); });
    if (!input.agreedAgencyIds.includes(input.responsibleAgencyId)) errors.push({ pointer: '/agreedAgencyIds', detail: 'The responsible agency must be among the agencies that agreed' });
    if (errors.length || !monitor) throw invalid('The monitoring arrangement is not complete.', errors);
    const id = await insertArrangement(ctx, tx, { ...input, childPersonId: child.id, monitor, episodeId: null });
    const { row, role } = await arrangementInReach(ctx, tx, id, 'monitoring.arrangement.create');
    return shapeArrangement(ctx, tx, row, role);
  });
}

export async function getArrangement(ctx: ActorContext, id: string): Promise<MonitoringArrangement> {
  return command(ctx, async (tx) => {
    const { row, role } = await arrangementInReach(ctx, tx, id, 'monitoring.arrangement.read');
    await audit(ctx, tx, { action: 'monitoring.arrangement.read', outcome: 'success', entityType: 'monitoring_arrangement', entityId: id, personId: row.child_person_id });
    return shapeArrangement(ctx, tx, row, role);
  });
}

/**
 * The arrangements the caller's agency is part of, soonest due first. A check past its due date
 * shows as overdue here at once, whether or not the sweep has raised its alert yet.
 */
export async function listArrangements(ctx: ActorContext, filter: { responsible?: 'me' | undefined; overdueOnly?: boolean | undefined; status?: 'active' | 'all' | undefined } = {}): Promise<MonitoringArrangement[]> {
  return command(ctx, async (tx) => {
    checkView(ctx, 'monitoring', 'monitoring.arrangement.list');
    const { rows } = await tx.query<ArrangementRow>(
      `${SELECT_ARRANGEMENT}
        WHERE (a.recording_agency_id = $1 OR a.responsible_agency_id = $1 OR $1 = ANY(a.agreed_agency_ids)
               OR EXISTS (SELECT 1 FROM closure_notice n WHERE n.arrangement_id = a.id AND n.agency_id = $1))
          AND ($2::uuid IS NULL OR a.responsible_practitioner_id = $2)
          AND ($3::boolean OR (a.ended_at IS NULL AND a.ends_on >= $4::date))
        ORDER BY a.created_at, a.id LIMIT 1000`,
      [ctx.actor.agencyId, filter.responsible === 'me' ? ctx.actor.practitionerId : null, filter.status === 'all', londonDate(ctx.clock.now())],
    );
    const out: MonitoringArrangement[] = [];
    for (const r of rows) {
      const role = roleIn(ctx.actor, r);
      if (!role) continue;
      const a = await shapeArrangement(ctx, tx, r, role);
      if (!filter.overdueOnly || a.overdue) out.push(a);
    }
    out.sort((x, y) => (x.nextDueOn ?? '9999').localeCompare(y.nextDueOn ?? '9999'));
    await audit(ctx, tx, { action: 'monitoring.arrangement.list', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { count: out.length } });
    return out;
  });
}

/**
 * The responsible agency records a check. Only a check that was made moves the next due date on;
 * one with no access leaves it due and tells the agency that set the arrangement up at once
 * (case example 8: the health visitor could not get access, and nobody else knew).
 */
export async function recordCheck(ctx: ActorContext, id: string, input: NewMonitoringCheck): Promise<MonitoringArrangement> {
  if (new Date(input.checkedAt).getTime() > ctx.clock.now().getTime() + 5 * 60_000) {
    throw invalid('A check is recorded after it is made.', [{ pointer: '/checkedAt', detail: 'This date is in the future' }]);
  }
  return command(ctx, async (tx) => {
    const { row } = await arrangementInReach(ctx, tx, id, 'monitoring.check.record', 'responsible', true);
    if (row.ended_at) throw conflict('This monitoring arrangement has ended: set up a new one to go on monitoring.');
    if (londonDate(new Date(input.checkedAt)) < row.starts_on) {
      throw invalid('The check is before the arrangement started.', [{ pointer: '/checkedAt', detail: `The arrangement started on ${row.starts_on}` }]);
    }
    const checkId = newId();
    await tx.query('INSERT INTO monitoring_check (id, arrangement_id, outcome, checked_at, note, recorded_by, recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7)',
      [checkId, id, input.outcome, input.checkedAt, input.note, ctx.actor.practitionerId, ctx.clock.now().toISOString()]);
    await audit(ctx, tx, { action: 'monitoring.check.record', outcome: 'success', entityType: 'monitoring_arrangement', entityId: id, personId: row.responsible_person_id, detail: { checkId, outcome: input.outcome } });
    if (input.outcome === 'no_access' && row.recording_agency_id !== row.responsible_agency_id) {
      await notifyPractitioners(tx, [row.created_by, ...(await safeguardingLeads(tx, row.recording_agency_id))], {
        kind: 'monitoring.no-access', entityType: 'monitoring_arrangement', entityId: id,
        message: `A monitoring check by ${row.responsible_agency_name} could not be made: no access on ${londonDate(new Date(input.checkedAt))}.`,
      }, ctx.clock.now());
    }
    const fresh = await arrangementInReach(ctx, tx, id, 'monitoring.check.record');
    return shapeArrangement(ctx, tx, fresh.row, fresh.role);
  });
}

export async function endArrangement(ctx: ActorContext, id: string, input: EndArrangement): Promise<MonitoringArrangement> {
  return command(ctx, async (tx) => {
    const { row } = await arrangementInReach(ctx, tx, id, 'monitoring.arrangement.end', 'responsible_or_recording', true);
    if (row.ended_at) throw conflict('This monitoring arrangement has already ended.');
    await tx.query('UPDATE monitoring_arrangement SET ended_at = $2, ended_by = $3, end_reason = $4 WHERE id = $1', [id, ctx.clock.now().toISOString(), ctx.actor.practitionerId, input.reason]);
    await audit(ctx, tx, { action: 'monitoring.arrangement.end', outcome: 'success', entityType: 'monitoring_arrangement', entityId: id, personId: row.child_person_id });
    const other = ctx.actor.agencyId === row.responsible_agency_id ? row.created_by : row.responsible_practitioner_id;
    await notifyPractitioners(tx, [other], { kind: 'monitoring.ended', entityType: 'monitoring_arrangement', entityId: id, message: 'A monitoring arrangement you are part of has ended.' }, ctx.clock.now());
    const fresh = await arrangementInReach(ctx, tx, id, 'monitoring.arrangement.end');
    return shapeArrangement(ctx, tx, fresh.row, fresh.role);
  });
}

/**
 * The sweep: raises one alert for each check that was due and not made, and tells the responsible
 * practitioner and their agency's safeguarding leads. Idempotent: one alert per arrangement and
 * due date however often it runs (and whichever process runs it at the same time).
 */
export async function raiseMissedCheckAlerts(services: Services, now: Date): Promise<{ raised: number; alertIds: string[] }> {
  const today = londonDate(now);
  return services.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string; every_days: number; starts_on: string; ends_on: string; responsible_agency_id: string; responsible_practitioner_id: string; responsible_person_id: string; last_done: string | null }>(
      `SELECT a.id, a.every_days, a.starts_on, a.ends_on, a.responsible_agency_id, a.responsible_practitioner_id, a.responsible_person_id,
              (SELECT max(c.checked_at) FROM monitoring_check c WHERE c.arrangement_id = a.id AND c.outcome = 'done') AS last_done
         FROM monitoring_arrangement a WHERE a.ended_at IS NULL AND a.starts_on < $1::date ORDER BY a.created_at, a.id`,
      [today]);
    const alertIds: string[] = [];
    for (const a of rows) {
      const due = nextCheckDue({ startsOn: a.starts_on, endsOn: a.ends_on, everyDays: a.every_days, ended: false }, a.last_done ? londonDate(new Date(a.last_done)) : null);
      if (!due || due >= today) continue;
      const inserted = (await tx.query<{ id: string }>(
        `INSERT INTO monitoring_alert (id, arrangement_id, kind, due_on, raised_at) VALUES ($1,$2,'missed_check',$3,$4)
         ON CONFLICT (arrangement_id, kind, due_on) DO NOTHING RETURNING id`, [newId(), a.id, due, now.toISOString()])).rows[0];
      if (!inserted) continue;
      alertIds.push(inserted.id);
      const notice: Notice = { kind: 'monitoring.check-missed', entityType: 'monitoring_alert', entityId: inserted.id, message: `A monitoring check was due on ${due} and has not been recorded.` };
      await notifyPractitioners(tx, [a.responsible_practitioner_id, ...(await safeguardingLeads(tx, a.responsible_agency_id))], notice, now);
      await appendAudit(tx, { at: now }, { action: 'monitoring.alert.raise', outcome: 'success', entityType: 'monitoring_alert', entityId: inserted.id, personId: a.responsible_person_id, detail: { arrangementId: a.id, dueOn: due } });
    }
    return { raised: alertIds.length, alertIds };
  });
}

/** Alerts on the arrangements the caller's agency is part of; open ones (not yet acknowledged) by default. */
export async function listAlerts(ctx: ActorContext, filter: { status?: 'open' | 'all' | undefined } = {}): Promise<MonitoringAlert[]> {
  return command(ctx, async (tx) => {
    checkView(ctx, 'monitoring', 'monitoring.alert.list');
    const { rows } = await tx.query<ArrangementRow>(
      `${SELECT_ARRANGEMENT}
        WHERE (a.recording_agency_id = $1 OR a.responsible_agency_id = $1 OR $1 = ANY(a.agreed_agency_ids)
               OR EXISTS (SELECT 1 FROM closure_notice n WHERE n.arrangement_id = a.id AND n.agency_id = $1))
          AND EXISTS (SELECT 1 FROM monitoring_alert l WHERE l.arrangement_id = a.id AND ($2::boolean OR l.acknowledged_at IS NULL))`,
      [ctx.actor.agencyId, filter.status === 'all']);
    const roles = new Map(rows.flatMap((r) => { const role = roleIn(ctx.actor, r); return role ? [[r.id, role] as const] : []; }));
    const alerts = roles.size === 0 ? [] : (await tx.query<AlertRow>(
      `${SELECT_ALERT} WHERE l.arrangement_id = ANY($1::uuid[]) AND ($2::boolean OR l.acknowledged_at IS NULL) ORDER BY l.due_on, l.raised_at, l.id`,
      [[...roles.keys()], filter.status === 'all'])).rows;
    await audit(ctx, tx, { action: 'monitoring.alert.list', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { count: alerts.length } });
    return alerts.map((a) => toAlert(a, roles.get(a.arrangement_id)!));
  });
}

/** The responsible agency acknowledges an alert: who and when; acknowledging again keeps the first. */
export async function acknowledgeAlert(ctx: ActorContext, id: string, input: Acknowledgement): Promise<MonitoringAlert> {
  return command(ctx, async (tx) => {
    const alert = (await tx.query<AlertRow>(`${SELECT_ALERT} WHERE l.id = $1`, [id])).rows[0];
    if (!alert) throw refuse('monitoring alert', { action: 'monitoring.alert.acknowledge', entityType: 'monitoring_alert', entityId: id, outcome: 'not_found' });
    const { row } = await arrangementInReach(ctx, tx, alert.arrangement_id, 'monitoring.alert.acknowledge', 'responsible');
    await tx.query(
      `UPDATE monitoring_alert SET acknowledged_by = coalesce(acknowledged_by, $2), acknowledgement_note = CASE WHEN acknowledged_at IS NULL THEN $4 ELSE acknowledgement_note END,
              acknowledged_at = coalesce(acknowledged_at, $3) WHERE id = $1`,
      [id, ctx.actor.practitionerId, ctx.clock.now().toISOString(), input.note ?? null]);
    await audit(ctx, tx, { action: 'monitoring.alert.acknowledge', outcome: 'success', entityType: 'monitoring_alert', entityId: id, personId: row.responsible_person_id });
    return toAlert((await tx.query<AlertRow>(`${SELECT_ALERT} WHERE l.id = $1`, [id])).rows[0]!, 'responsible');
  });
}

// ---------------------------------------------------------------------------------------------
// No-access visits and concerns during an episode

interface SafetyRecords {
  noAccess: RecordPointer[];
  concerns: RecordPointer[];
}

/**
 * Home visits with no access, and concerns, about the child since the episode opened: the
 * authority's own records about the child, and other agencies' records about their linked
 * entries only where the access policy lets the viewer read them (a share). What the viewer may
 * not read is not counted.
 */
export async function childSafetyRecords(ctx: ActorContext, tx: Tx, childPersonId: string, since: string): Promise<SafetyRecords> {
  const entries = [childPersonId, ...(await linkedEntries(tx, childPersonId)).map((e) => e.personId)];
  const { rows } = await tx.query<{ id: string; person_id: string; agency_id: string; restricted: boolean; created_by: string; named: string[] | null; kind: string; outcome: string | null; occurred_at: string }>(
    `SELECT r.id, r.person_id, r.agency_id, r.restricted, r.created_by,
            CASE WHEN r.restricted THEN (SELECT array_agg(n.practitioner_id) FROM record_named_practitioner n WHERE n.record_id = r.id) END AS named,
            v.kind, v.outcome, v.occurred_at
       FROM agency_record r JOIN agency_record_version v ON v.record_id = r.id AND v.version = r.current_version
      WHERE r.person_id = ANY($1::uuid[]) AND v.occurred_at >= $2::timestamptz
        AND (v.kind = 'concern' OR (v.kind = 'home_visit' AND v.outcome = 'no_access'))
      ORDER BY v.occurred_at, r.id`,
    [entries, since]);
  const others = rows.filter((r) => r.agency_id !== ctx.actor.agencyId).map((r) => r.id);
  const actor = withGrants(ctx.actor, await grantsFor(tx, ctx.actor, { recordIds: others }));
  const now = ctx.clock.now();
  const visible = rows.filter((r) => decideRecord(actor, 'read', { id: r.id, agencyId: r.agency_id, restricted: r.restricted, createdBy: r.created_by, namedPractitionerIds: r.named ?? [] }, now).allowed);
  const pointer = (r: (typeof rows)[number]): RecordPointer => ({ recordId: r.id, personId: r.person_id, agencyId: r.agency_id, occurredAt: r.occurred_at });
  return { noAccess: visible.filter((r) => r.kind === 'home_visit').map(pointer), concerns: visible.filter((r) => r.kind === 'concern').map(pointer) };
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** Why closing needs a monitoring agency, in words with the counts; undefined when it does not. */
function reasonsToMonitor(found: SafetyRecords): string | undefined {
  const parts = [];
  if (found.noAccess.length) parts.push(`${plural(found.noAccess.length, 'home visit', 'home visits')} with no access`);
  if (found.concerns.length) parts.push(`${plural(found.concerns.length, 'concern', 'concerns')} recorded since the episode opened`);
  return parts.length ? parts.join(' and ') : undefined;
}

// ---------------------------------------------------------------------------------------------
// Safe closure (case example 8)

export interface ClosingEpisode {
  id: string;
  agencyId: string;
  childPersonId: string;
  openedAt: string;
}

type CaseClosed = Extract<EpisodeActionInput, { type: 'case_closed' }>;

interface Involved {
  reasons: Set<string>;
  personId: string | null;
}

/** Every agency involved with the child in this episode, and why: the closing agency itself excluded. */
async function involvedAgencies(tx: Tx, episode: ClosingEpisode, monitor: Monitor, named: readonly string[]): Promise<Map<string, Involved>> {
  const linked = await linkedEntries(tx, episode.childPersonId);
  const involved = new Map<string, Involved>();
  const add = (agencyId: unknown, reason: string): void => {
    if (typeof agencyId !== 'string' || agencyId === episode.agencyId) return;
    const entry = involved.get(agencyId) ?? { reasons: new Set<string>(), personId: linked.find((e) => e.agencyId === agencyId)?.personId ?? null };
    entry.reasons.add(reason);
    involved.set(agencyId, entry);
  };
  for (const e of linked) add(e.agencyId, 'linked_entry');
  const actions = (await tx.query<{ type: string; details: Record<string, unknown> | string }>(
    `SELECT type, details FROM episode_action WHERE episode_id = $1 AND type IN ('referral_received', 'strategy_discussion_held', 'conference_held') ORDER BY seq`, [episode.id])).rows;
  for (const a of actions) {
    const d = (typeof a.details === 'string' ? JSON.parse(a.details) : a.details) as Record<string, unknown>;
    if (a.type === 'conference_held' && Array.isArray(d.invitedAgencyIds)) for (const id of d.invitedAgencyIds) add(id, 'conference');
    if (a.type === 'strategy_discussion_held' && Array.isArray(d.participants)) for (const p of d.participants as { agencyId?: unknown }[]) add(p.agencyId, 'strategy_discussion');
    if (a.type === 'referral_received') {
      add(d.referrerAgencyId, 'referrer');
      if (d.referrer && typeof d.referrer === 'object') add((d.referrer as { agencyId?: unknown }).agencyId, 'referrer');
    }
  }
  // Meetings held for the episode, where the meetings module is installed.
  if ((await tx.query<{ present: boolean }>("SELECT to_regclass('meeting_invitee') IS NOT NULL AS present")).rows[0]?.present) {
    const invited = (await tx.query<{ agency_id: string; kind: string }>(
      `SELECT DISTINCT i.agency_id, m.kind FROM meeting_invitee i JOIN meeting m ON m.id = i.meeting_id
        WHERE m.episode_id = $1 AND m.kind IN ('conference', 'strategy_discussion') AND m.status <> 'cancelled'`, [episode.id])).rows;
    for (const i of invited) add(i.agency_id, i.kind);
  }
  add(monitor.agencyId, 'monitoring');
  const monitoring = involved.get(monitor.agencyId);
  if (monitoring) monitoring.personId ??= monitor.personId;
  for (const id of named) add(id, 'named');
  // Only agencies that exist (a conference record may name one that does not).
  const known = new Set((await tx.query<{ id: string }>('SELECT id FROM agency WHERE id = ANY($1::uuid[])', [[...involved.keys()]])).rows.map((r) => r.id));
  for (const id of [...involved.keys()]) if (!known.has(id)) involved.delete(id);
  return involved;
}

/**
 * The closure rule, called by recordEpisodeAction before a case_closed action is recorded.
 *
 * After any home visit with no access, or with concerns recorded during the episode (as far as
 * the closing practitioner can see them), the case closes only when it names the agency (and
 * practitioner) that will monitor and what they will check; otherwise it is refused with a 422
 * naming the field and saying why, with the counts. When an agency is named, this sets up the
 * monitoring arrangement and sends a closure notice to every involved agency (linked entries of
 * the child, conference and strategy discussion invitees, the referrer, the monitoring agency,
 * any named), each of which must acknowledge. All in the caller's transaction: a refusal later
 * on writes nothing.
 */
export async function checkSafeClosure(ctx: ActorContext, tx: Tx, episode: ClosingEpisode, action: CaseClosed, occurredAt: string): Promise<void> {
  const found = await childSafetyRecords(ctx, tx, episode.childPersonId, episode.openedAt);
  const why = reasonsToMonitor(found);
  if (!action.monitoringAgencyId) {
    if (why) {
      throw invalid(`This case cannot be closed without naming the agency that will monitor the child: ${why}.`, [
        { pointer: '/action/monitoringAgencyId', detail: `Name the agency that will monitor the child, and what it will check: ${why} (case example 8)` },
      ]);
    }
    if (action.monitoringPractitionerId || action.arrangement) {
      throw invalid('Name the agency that will monitor the child.', [{ pointer: '/action/monitoringAgencyId', detail: 'A monitoring practitioner or arrangement needs the agency that will monitor' }]);
    }
    return;
  }
  const { monitor, errors } = await resolveMonitor(ctx, tx, { id: episode.childPersonId, agencyId: episode.agencyId }, action.monitoringAgencyId, action.monitoringPractitionerId,
    { agency: '/action/monitoringAgencyId', practitioner: '/action/monitoringPractitionerId' });
  const arrangement: ClosureMonitoring | undefined = action.arrangement;
  if (!arrangement) errors.push({ pointer: '/action/arrangement', detail: 'Say what the monitoring agency will check, every how many days, and until when' });
  const startsOn = arrangement?.startsOn ?? londonDate(new Date(occurredAt));
  if (arrangement && arrangement.endsOn < startsOn) errors.push({ pointer: '/action/arrangement/endsOn', detail: `The end must not be before the start (${startsOn})` });
  const named = [...new Set(action.alsoNotifyAgencyIds ?? [])];
  const known = (await tx.query<{ id: string }>('SELECT id FROM agency WHERE id = ANY($1::uuid[])', [named])).rows.map((r) => r.id);
  (action.alsoNotifyAgencyIds ?? []).forEach((id, i) => { if (!known.includes(id)) errors.push({ pointer: `/action/alsoNotifyAgencyIds/${i}`, detail: 'No agency with that identifier' }); });
  if (errors.length || !monitor || !arrangement) throw invalid('The monitoring after closure is not complete.', errors);

  const arrangementId = await insertArrangement(ctx, tx, {
    childPersonId: episode.childPersonId, monitor, checks: arrangement.checks, everyDays: arrangement.everyDays, startsOn, endsOn: arrangement.endsOn,
    escalation: arrangement.escalation, agreedAgencyIds: [episode.agencyId], episodeId: episode.id,
  });
  const involved = await involvedAgencies(tx, episode, monitor, named);
  const now = ctx.clock.now();
  const message = `A case has been closed${why ? ` after ${why}` : ''}. ${monitor.agencyName} will monitor the child every ${arrangement.everyDays} days until ${arrangement.endsOn}. Please acknowledge.`;
  for (const [agencyId, entry] of involved) {
    const noticeId = newId();
    await tx.query(
      `INSERT INTO closure_notice (id, episode_id, arrangement_id, closing_agency_id, agency_id, person_id, involved_because, no_access_visits, open_concerns, closed_at, notified_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
      [noticeId, episode.id, arrangementId, episode.agencyId, agencyId, entry.personId, [...entry.reasons], found.noAccess.length, found.concerns.length, occurredAt, now.toISOString()]);
    const recipients = await safeguardingLeads(tx, agencyId);
    if (agencyId === monitor.agencyId) recipients.push(monitor.practitionerId);
    await notifyPractitioners(tx, recipients, { kind: 'episode.closure-notice', entityType: 'closure_notice', entityId: noticeId, message }, now);
  }
  await audit(ctx, tx, {
    action: 'episode.closure-notices', outcome: 'success', entityType: 'episode', entityId: episode.id, personId: episode.childPersonId,
    detail: { arrangementId, notices: involved.size, noAccessVisits: found.noAccess.length, openConcerns: found.concerns.length },
  });
}

interface NoticeRow {
  id: string;
  episode_id: string;
  closing_agency_id: string;
  closing_agency_name: string;
  agency_id: string;
  agency_name: string;
  person_id: string | null;
  child_person_id: string;
  involved_because: string[];
  no_access_visits: number;
  open_concerns: number;
  closed_at: string;
  arrangement_id: string;
  responsible_agency_id: string;
  monitoring_agency_name: string;
  responsible_practitioner_id: string;
  monitoring_practitioner_name: string;
  every_days: number;
  starts_on: string;
  ends_on: string;
  notified_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  acknowledged_by_name: string | null;
  note: string | null;
}

const SELECT_NOTICE = `
  SELECT n.id, n.episode_id, n.closing_agency_id, ca.name AS closing_agency_name, n.agency_id, ra.name AS agency_name, n.person_id, e.child_person_id,
         n.involved_because, n.no_access_visits, n.open_concerns, n.closed_at, n.arrangement_id, a.responsible_agency_id, sa.name AS monitoring_agency_name,
         a.responsible_practitioner_id, sp.name AS monitoring_practitioner_name, a.every_days, a.starts_on, a.ends_on, n.notified_at,
         n.acknowledged_at, n.acknowledged_by, ap.name AS acknowledged_by_name, n.note
    FROM closure_notice n
    JOIN episode e ON e.id = n.episode_id
    JOIN agency ca ON ca.id = n.closing_agency_id
    JOIN agency ra ON ra.id = n.agency_id
    JOIN monitoring_arrangement a ON a.id = n.arrangement_id
    JOIN agency sa ON sa.id = a.responsible_agency_id
    JOIN practitioner sp ON sp.id = a.responsible_practitioner_id
    LEFT JOIN practitioner ap ON ap.id = n.acknowledged_by`;

function toNotice(actor: Actor, r: NoticeRow): ClosureNotice {
  const received = r.agency_id === actor.agencyId;
  return {
    id: r.id, direction: received ? 'received' : 'sent', episodeId: r.episode_id, closingAgencyId: r.closing_agency_id, closingAgencyName: r.closing_agency_name,
    agencyId: r.agency_id, agencyName: r.agency_name,
    // Each agency sees the child as its own index holds them.
    childPersonId: received ? r.person_id : r.child_person_id,
    involvedBecause: r.involved_because, noAccessVisits: r.no_access_visits, openConcerns: r.open_concerns, closedAt: r.closed_at,
    arrangementId: r.arrangement_id, monitoringAgencyId: r.responsible_agency_id, monitoringAgencyName: r.monitoring_agency_name,
    monitoringPractitionerId: r.responsible_practitioner_id, monitoringPractitionerName: r.monitoring_practitioner_name,
    everyDays: r.every_days, startsOn: r.starts_on, endsOn: r.ends_on, notifiedAt: r.notified_at,
    acknowledgedAt: r.acknowledged_at, acknowledgedById: r.acknowledged_by, acknowledgedByName: r.acknowledged_by_name, note: r.note,
  };
}

/**
 * Closure notices the caller's agency received, and those it sent (so the closing authority sees
 * which agencies have not yet acknowledged). Unacknowledged only by default.
 */
export async function listClosureNotices(ctx: ActorContext, filter: { status?: 'unacknowledged' | 'all' | undefined } = {}): Promise<ClosureNotice[]> {
  return command(ctx, async (tx) => {
    checkView(ctx, 'closure-notices', 'closure-notice.list', 'not-found');
    const { rows } = await tx.query<NoticeRow>(
      `${SELECT_NOTICE} WHERE (n.agency_id = $1 OR n.closing_agency_id = $1) AND ($2::boolean OR n.acknowledged_at IS NULL) ORDER BY n.notified_at, ra.name, n.id LIMIT 1000`,
      [ctx.actor.agencyId, filter.status === 'all']);
    await audit(ctx, tx, { action: 'closure-notice.list', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { count: rows.length } });
    return rows.map((r) => toNotice(ctx.actor, r));
  });
}

/**
 * An involved agency acknowledges a closure notice: who, when, and an optional reply. The
 * monitoring agency's acknowledgement is its agreement to the arrangement.
 */
export async function acknowledgeClosureNotice(ctx: ActorContext, id: string, input: Acknowledgement): Promise<ClosureNotice> {
  return command(ctx, async (tx) => {
    const row = (await tx.query<NoticeRow>(`${SELECT_NOTICE} WHERE n.id = $1 FOR UPDATE OF n`, [id])).rows[0];
    if (!row) throw refuse('closure notice', { action: 'closure-notice.acknowledge', entityType: 'closure_notice', entityId: id, outcome: 'not_found' });
    if (row.agency_id !== ctx.actor.agencyId || !doesCasework(ctx.actor)) {
      throw refuse('closure notice', { action: 'closure-notice.acknowledge', entityType: 'closure_notice', entityId: id },
        row.closing_agency_id === ctx.actor.agencyId && doesCasework(ctx.actor) ? forbidden('Only the agency the notice was sent to acknowledges it.') : undefined);
    }
    if (!row.acknowledged_at) {
      await tx.query('UPDATE closure_notice SET acknowledged_at = $2, acknowledged_by = $3, note = $4 WHERE id = $1', [id, ctx.clock.now().toISOString(), ctx.actor.practitionerId, input.note ?? null]);
      if (row.responsible_agency_id === ctx.actor.agencyId) {
        await tx.query('UPDATE monitoring_arrangement SET agreed_agency_ids = array_append(agreed_agency_ids, $2) WHERE id = $1 AND NOT ($2 = ANY(agreed_agency_ids))', [row.arrangement_id, ctx.actor.agencyId]);
      }
    }
    await audit(ctx, tx, { action: 'closure-notice.acknowledge', outcome: 'success', entityType: 'closure_notice', entityId: id, personId: row.person_id ?? undefined });
    return toNotice(ctx.actor, (await tx.query<NoticeRow>(`${SELECT_NOTICE} WHERE n.id = $1`, [id])).rows[0]!);
  });
}

// ---------------------------------------------------------------------------------------------
// An episode's safety summary

interface EpisodeFacts {
  id: string;
  agency_id: string;
  child_person_id: string;
  opened_at: string;
  closed_at: string | null;
}

/** An episode of the caller's own authority, or refused as not found (as episodes.ts does). */
async function episodeOfAuthority(ctx: ActorContext, tx: Tx, id: string, action: string): Promise<EpisodeFacts> {
  const e = (await tx.query<EpisodeFacts>('SELECT id, agency_id, child_person_id, opened_at, closed_at FROM episode WHERE id = $1', [id])).rows[0];
  if (!e) throw refuse('episode', { action, entityType: 'episode', entityId: id, outcome: 'not_found' });
  const denied = refuse('episode', { action, entityType: 'episode', entityId: id, personId: e.child_person_id });
  if (e.agency_id !== ctx.actor.agencyId) throw denied;
  try {
    await personInReach(ctx, tx, e.child_person_id, 'update', action);
  } catch (err) {
    if (err instanceof AccessRefused) throw denied;
    throw err;
  }
  return e;
}

/**
 * What an episode needs before it closes: the no-access visits and concerns about the child the
 * caller may see, whether closing needs a monitoring agency, the arrangements for the child, and
 * the closure notices sent with who has acknowledged them.
 */
export async function episodeSafetySummary(ctx: ActorContext, episodeId: string): Promise<EpisodeSafetySummary> {
  return command(ctx, async (tx) => {
    const e = await episodeOfAuthority(ctx, tx, episodeId, 'episode.safety-summary');
    const found = await childSafetyRecords(ctx, tx, e.child_person_id, e.opened_at);
    const rows = (await tx.query<ArrangementRow>(`${SELECT_ARRANGEMENT} WHERE a.episode_id = $1 OR a.child_person_id = $2 OR a.responsible_person_id = $2 ORDER BY a.created_at, a.id`,
      [e.id, e.child_person_id])).rows;
    const arrangements: MonitoringArrangement[] = [];
    for (const r of rows) {
      const role = roleIn(ctx.actor, r);
      if (role) arrangements.push(await shapeArrangement(ctx, tx, r, role));
    }
    const notices = (await tx.query<NoticeRow>(`${SELECT_NOTICE} WHERE n.episode_id = $1 AND n.closing_agency_id = $2 ORDER BY ra.name, n.id`, [e.id, ctx.actor.agencyId])).rows;
    await audit(ctx, tx, {
      action: 'episode.safety-summary', outcome: 'success', entityType: 'episode', entityId: e.id, personId: e.child_person_id,
      detail: { noAccessVisits: found.noAccess.length, openConcerns: found.concerns.length },
    });
    return {
      episodeId: e.id, childPersonId: e.child_person_id, openedAt: e.opened_at, open: e.closed_at === null,
      noAccessVisits: { count: found.noAccess.length, visits: found.noAccess },
      openConcerns: { count: found.concerns.length, records: found.concerns },
      closureNeedsMonitoring: reasonsToMonitor(found) !== undefined,
      arrangements,
      closureNotices: notices.map((n) => toNotice(ctx.actor, n)),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Previous child-protection history of the adults around a child

/** What the related person is to the child, for an adult "around" them. */
export const ADULT_RELATIONSHIPS = ['parent', 'partner', 'household_member', 'primary_carer', 'parental_responsibility'] as const;
/** Relationships that hold both ways: recorded on either person, they count for both. */
const SYMMETRIC = ['partner', 'household_member'] as const;

interface Edge {
  from: string;
  to: string;
  type: string;
}

/** Relationships in the agency's own index from these entries, of these types (symmetric ones both ways). */
async function relationsFrom(tx: Tx, agencyId: string, ids: readonly string[], types: readonly string[]): Promise<Edge[]> {
  if (ids.length === 0) return [];
  const { rows } = await tx.query<{ from_id: string; to_id: string; type: string }>(
    `SELECT r.person_id AS from_id, r.related_person_id AS to_id, r.type, r.created_at
       FROM relationship r JOIN person a ON a.id = r.person_id JOIN person b ON b.id = r.related_person_id
      WHERE r.person_id = ANY($1::uuid[]) AND r.type = ANY($2::text[]) AND a.agency_id = $3 AND b.agency_id = $3
     UNION ALL
     SELECT r.related_person_id, r.person_id, r.type, r.created_at
       FROM relationship r JOIN person a ON a.id = r.person_id JOIN person b ON b.id = r.related_person_id
      WHERE r.related_person_id = ANY($1::uuid[]) AND r.type = ANY($2::text[]) AND r.type = ANY($4::text[]) AND a.agency_id = $3 AND b.agency_id = $3
     ORDER BY created_at, from_id, to_id`,
    [ids, types, agencyId, SYMMETRIC]);
  return rows.map((r) => ({ from: r.from_id, to: r.to_id, type: r.type }));
}

/**
 * Finds, in the caller's own agency, the adults around a child — parents, carers, those with
 * parental responsibility, household members and partners, and the partners and household
 * members of those — and any previous child-protection episode of another child they are
 * related to (a conference that made that child the subject of a plan). For an adult (a share
 * about a partner known for violence, say) it starts from the adult themself. Entries joined by
 * same-person links count as one person (so an old duplicate entry for the father is found).
 * Only the agency's own index is read: relationships other agencies hold stay with them. Returns
 * pointers, not content.
 */
export async function findPreviousProtection(ctx: ActorContext, tx: Tx, personId: string): Promise<PreviousProtection[]> {
  const now = ctx.clock.now();
  const { found } = await protectionHistoryIn(tx, ctx.actor.agencyId, personId);
  return found.filter((f) => decidePerson(ctx.actor, 'read', { id: f.earlierChildPersonId, agencyId: ctx.actor.agencyId }, now).allowed);
}

const THEMSELF = 'the person themself';

/**
 * The search behind findPreviousProtection, in one agency's index, for whoever the agency is:
 * used as the agency itself when a referral arrives or another agency shares about someone, so
 * that the agency's social workers are pointed to the history (nothing goes back to the sender).
 */
export async function protectionHistoryIn(tx: Tx, own: string, personId: string): Promise<{ subjectEntries: string[]; found: PreviousProtection[] }> {
  const ownLinked = async (id: string): Promise<string[]> => (await linkedEntries(tx, id)).filter((e) => e.agencyId === own).map((e) => e.personId);
  const person = (await tx.query<{ agency_id: string; kind: string }>('SELECT agency_id, kind FROM person WHERE id = $1', [personId])).rows[0];
  const subject = new Set([...(person?.agency_id === own ? [personId] : []), ...(await ownLinked(personId))]);
  if (!person || subject.size === 0) return { subjectEntries: [], found: [] };

  // The adults around the child, and how: 'parent', then 'partner of parent'. An adult is their own starting point.
  const adults = new Map<string, string>();
  if (person.kind === 'adult') for (const id of subject) adults.set(id, THEMSELF);
  else {
    for (const r of await relationsFrom(tx, own, [...subject], ADULT_RELATIONSHIPS)) {
      if (!subject.has(r.to) && !adults.has(r.to)) adults.set(r.to, r.type);
    }
  }
  for (const r of await relationsFrom(tx, own, [...adults.keys()], SYMMETRIC)) {
    const via = adults.get(r.from)!;
    if (!subject.has(r.to) && !adults.has(r.to)) adults.set(r.to, via === THEMSELF ? r.type : `${r.type.replace(/_/g, ' ')} of ${via.replace(/_/g, ' ')}`);
  }
  // Each adult with the entries linked to them in the same index.
  const matched = new Map<string, string>();
  for (const adult of adults.keys()) {
    matched.set(adult, adult);
    for (const e of await ownLinked(adult)) if (!matched.has(e) && (person.kind === 'adult' || !subject.has(e))) matched.set(e, adult);
  }
  // Other children those entries are related to.
  const earlier = (await relationsFrom(tx, own, [...matched.keys()], ADULT_RELATIONSHIPS.filter((t) => (SYMMETRIC as readonly string[]).includes(t))))
    .map((r) => ({ child: r.to, entry: r.from, type: r.type }));
  const { rows: parentOf } = await tx.query<{ child: string; entry: string; type: string }>(
    `SELECT r.person_id AS child, r.related_person_id AS entry, r.type FROM relationship r JOIN person c ON c.id = r.person_id
      WHERE r.related_person_id = ANY($1::uuid[]) AND r.type = ANY($2::text[]) AND c.agency_id = $3 ORDER BY r.created_at, r.id`,
    [[...matched.keys()], ADULT_RELATIONSHIPS, own]);
  earlier.push(...parentOf);
  const candidates = earlier.filter((e) => !subject.has(e.child) && !matched.has(e.child));
  if (candidates.length === 0) return { subjectEntries: [...subject], found: [] };

  const { rows: episodes } = await tx.query<{ id: string; child_person_id: string; opened_at: string; closed_at: string | null; plan_started_at: string | null; plan_category: string | null; plan_ended_at: string | null }>(
    `SELECT e.id, e.child_person_id, e.opened_at, e.closed_at,
            (SELECT x.occurred_at FROM episode_action x WHERE x.episode_id = e.id AND x.type = 'conference_held' AND (x.facts->>'plan')::boolean ORDER BY x.seq LIMIT 1) AS plan_started_at,
            (SELECT x.details->'planDetails'->>'category' FROM episode_action x WHERE x.episode_id = e.id AND x.type = 'conference_held' AND (x.facts->>'plan')::boolean ORDER BY x.seq LIMIT 1) AS plan_category,
            (SELECT max(x.occurred_at) FROM episode_action x WHERE x.episode_id = e.id AND x.type = 'plan_ended') AS plan_ended_at
       FROM episode e WHERE e.agency_id = $1 AND e.child_person_id = ANY($2::uuid[]) ORDER BY e.opened_at, e.id`,
    [own, [...new Set(candidates.map((c) => c.child))]]);
  const out: PreviousProtection[] = [];
  const seen = new Set<string>();
  for (const e of episodes) {
    if (!e.plan_started_at) continue;
    for (const c of candidates.filter((x) => x.child === e.child_person_id)) {
      const adult = matched.get(c.entry)!;
      const key = `${adult}/${e.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        adultPersonId: adult, connection: adults.get(adult)!.replace(/_/g, ' '), matchedPersonId: c.entry,
        earlierChildPersonId: e.child_person_id, relationshipToEarlierChild: c.type,
        episodeId: e.id, episodeOpenedAt: e.opened_at, episodeClosedAt: e.closed_at,
        planStartedAt: e.plan_started_at, planCategory: e.plan_category, planEndedAt: e.plan_ended_at,
      });
    }
  }
  return { subjectEntries: [...subject], found: out.sort((x, y) => x.planStartedAt.localeCompare(y.planStartedAt) || x.episodeId.localeCompare(y.episodeId)) };
}

/**
 * Points an agency's social workers to the previous history found around someone a referral or
 * a share has just brought to them (what-to-do-if-worried, case example 8: the father's history
 * was known and nobody joined it up). Says only that there is history and where to look.
 */
export async function pointToPreviousHistory(tx: Tx, agencyId: string, personId: string, to: { practitionerIds: readonly string[] } | 'agency', at: Date): Promise<number> {
  const { subjectEntries, found } = await protectionHistoryIn(tx, agencyId, personId);
  if (found.length === 0) return 0;
  const notice = {
    kind: 'person.previous-history', entityType: 'person', entityId: subjectEntries[0]!,
    message: found.length === 1
      ? 'Someone around this person is linked to an earlier child protection plan in your agency: see their previous history.'
      : `People around this person are linked to ${found.length} earlier child protection plans in your agency: see their previous history.`,
  };
  if (to === 'agency' || to.practitionerIds.length === 0) await notifyAgency(tx, agencyId, notice, at);
  else await notifyPractitioners(tx, to.practitionerIds, notice, at);
  return found.length;
}

/** The previous child-protection history of the adults around a child (for a referral or an episode). */
export async function previousProtectionHistory(ctx: ActorContext, personId: string): Promise<PreviousProtection[]> {
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'read', 'person.previous-history');
    const found = await findPreviousProtection(ctx, tx, personId);
    await audit(ctx, tx, { action: 'person.previous-history', outcome: 'success', entityType: 'person', entityId: personId, personId, detail: { count: found.length } });
    return found;
  });
}

/** The same, for the child of an episode of the caller's authority. */
export async function episodePreviousHistory(ctx: ActorContext, episodeId: string): Promise<PreviousProtection[]> {
  return command(ctx, async (tx) => {
    const e = await episodeOfAuthority(ctx, tx, episodeId, 'episode.previous-history');
    const found = await findPreviousProtection(ctx, tx, e.child_person_id);
    await audit(ctx, tx, { action: 'episode.previous-history', outcome: 'success', entityType: 'episode', entityId: e.id, personId: e.child_person_id, detail: { count: found.length } });
    return found;
  });
}
