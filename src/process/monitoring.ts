import { ifGiven } from '../db/filters.ts';
import { checkView } from '../access/views.ts';
import { CASEWORK_ROLES, decidePerson, type Actor } from '../access/policy.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import { addDays, londonDate } from '../calendar/working-days.ts';
import { plainDate } from '../calendar/uk-time.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { conflict, forbidden, invalid, type FieldProblem } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { notifyPractitioners } from '../sharing/notify.ts';
import { childrenOfIn, refKey, type ChildSummary } from '../people/child-summary.ts';
import { entryInAgency, linkedEntries } from './linked-entries.ts';
import type {
  EndArrangement, MonitoringAlert, MonitoringArrangement, MonitoringCheck, NewMonitoringArrangement, NewMonitoringCheck,
} from './monitoring.schemas.ts';

/**
 * Monitoring arrangements (DOMAIN.md, "Lessons the system must make hard to repeat"): who checks
 * what, how often and until when (case example 3's fortnightly monitoring); each check is
 * recorded, and a missed one raises an alert with the responsible practitioner and their
 * safeguarding lead. Safe closure (safe-closure.ts) sets arrangements up when a case closes;
 * previous history (previous-history.ts) is the third lesson of case example 8.
 *
 * A check's note stays with the agency that wrote it.
 */

/** When the next check is due: every N days after the last completed check (or the start), while the arrangement runs. */
export function nextCheckDue(a: { startsOn: string; endsOn: string; everyDays: number; ended: boolean }, lastDoneOn: string | null): string | null {
  if (a.ended) return null;
  const due = addDays(lastDoneOn && lastDoneOn > a.startsOn ? lastDoneOn : a.startsOn, a.everyDays);
  return due <= a.endsOn ? due : null;
}

export const doesCasework = (actor: Actor): boolean => actor.roles.some((r) => CASEWORK_ROLES.includes(r));

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

export interface ArrangementRow {
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

export const SELECT_ARRANGEMENT = `
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

export const roleIn = (actor: Actor, r: ArrangementRow): ArrangementRole | undefined =>
  arrangementRole(actor, { recordingAgencyId: r.recording_agency_id, responsibleAgencyId: r.responsible_agency_id, agreedAgencyIds: r.agreed_agency_ids, noticeAgencyIds: noticesOf(r).map((n) => n.agency_id) });

export interface AlertRow {
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
  resolved_by_check_id: string | null;
}

export const SELECT_ALERT = `
  SELECT l.id, l.arrangement_id, l.kind, l.due_on, l.raised_at, a.responsible_agency_id, a.responsible_practitioner_id,
         l.acknowledged_at, l.acknowledged_by, p.name AS acknowledged_by_name, l.acknowledgement_note, l.resolved_by_check_id
    FROM monitoring_alert l JOIN monitoring_arrangement a ON a.id = l.arrangement_id LEFT JOIN practitioner p ON p.id = l.acknowledged_by`;

export const toAlert = (r: AlertRow, role: ArrangementRole, child: ChildSummary | null): MonitoringAlert => ({
  id: r.id, arrangementId: r.arrangement_id, kind: r.kind, dueOn: r.due_on, raisedAt: r.raised_at,
  responsibleAgencyId: r.responsible_agency_id, responsiblePractitionerId: r.responsible_practitioner_id,
  acknowledgedAt: r.acknowledged_at, acknowledgedById: r.acknowledged_by, acknowledgedByName: r.acknowledged_by_name,
  clearedBy: r.acknowledged_at ? (r.resolved_by_check_id ? 'check' : 'reason') : null, resolvedByCheckId: r.resolved_by_check_id,
  // The responsible agency's own words stay with it.
  note: role === 'responsible' ? r.acknowledgement_note : null,
  child,
});

/** The child as the caller's agency knows the arrangement's child: the responsible agency's entry, the recording agency's, or a party's own linked one. */
export async function childEntryIn(ctx: ActorContext, tx: Tx, r: ArrangementRow, role: ArrangementRole): Promise<string | null> {
  if (role === 'responsible') return r.responsible_person_id;
  if (role === 'recording') return r.child_person_id;
  return noticesOf(r).find((n) => n.agency_id === ctx.actor.agencyId)?.person_id
    ?? (await linkedEntries(tx, r.child_person_id)).find((e) => e.agencyId === ctx.actor.agencyId)?.personId ?? null;
}

/** The summary of that child (name, date of birth or "unborn baby of …"), when the caller may read them. */
export async function childSummaryOf(ctx: ActorContext, tx: Tx, personId: string | null): Promise<ChildSummary | null> {
  if (!personId) return null;
  return (await childrenOfIn(ctx, tx, [{ type: 'person', id: personId }])).get(refKey('person', personId))?.children[0] ?? null;
}

/** The arrangement as the caller's agency sees it: its own entry for the child, and check notes only if it wrote them. */
export async function shapeArrangement(ctx: ActorContext, tx: Tx, r: ArrangementRow, role: ArrangementRole): Promise<MonitoringArrangement> {
  const checks = (await tx.query<{ id: string; outcome: 'done' | 'no_access'; checked_at: string; place: string | null; note: string; recorded_by: string; recorded_by_name: string; recorded_at: string }>(
    `SELECT c.id, c.outcome, c.checked_at, c.place, c.note, c.recorded_by, p.name AS recorded_by_name, c.recorded_at
       FROM monitoring_check c JOIN practitioner p ON p.id = c.recorded_by WHERE c.arrangement_id = $1 ORDER BY c.checked_at, c.recorded_at`, [r.id])).rows;
  const alerts = (await tx.query<AlertRow>(`${SELECT_ALERT} WHERE l.arrangement_id = $1 ORDER BY l.due_on`, [r.id])).rows;
  const today = londonDate(ctx.clock.now());
  const lastDone = checks.filter((c) => c.outcome === 'done').at(-1);
  const nextDueOn = nextCheckDue({ startsOn: r.starts_on, endsOn: r.ends_on, everyDays: r.every_days, ended: r.ended_at !== null }, lastDone ? londonDate(new Date(lastDone.checked_at)) : null);
  const childPersonId = await childEntryIn(ctx, tx, r, role);
  const child = await childSummaryOf(ctx, tx, childPersonId);
  const last = checks.at(-1);
  return {
    id: r.id,
    recordingAgencyId: r.recording_agency_id,
    recordingAgencyName: r.recording_agency_name,
    childPersonId,
    child,
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
      id: c.id, outcome: c.outcome, checkedAt: c.checked_at, place: role === 'responsible' ? c.place : null, note: role === 'responsible' ? c.note : null,
      recordedById: c.recorded_by, recordedByName: c.recorded_by_name, recordedAt: c.recorded_at,
    })),
    alerts: alerts.map((a) => toAlert(a, role, child)),
  };
}

export async function arrangementInReach(ctx: ActorContext, tx: Tx, id: string, action: string, need?: 'responsible' | 'responsible_or_recording', lock = false): Promise<{ row: ArrangementRow; role: ArrangementRole }> {
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

export interface Monitor {
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
export async function resolveMonitor(
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

/**
 * Who may be named to monitor, for the forms that close a case: the active caseworkers of the
 * agencies in the caller's partnerships, by name and agency only (what an arrangement shows
 * anyway). resolveMonitor still checks the one chosen.
 */
export async function listMonitorCandidates(ctx: ActorContext): Promise<{ id: string; name: string; agencyId: string; agencyName: string }[]> {
  return command(ctx, async (tx) => {
    checkView(ctx, 'monitoring', 'monitoring.candidates.list');
    const rows = (await tx.query<{ id: string; name: string; agency_id: string; agency_name: string }>(
      `SELECT DISTINCT p.id, p.name, a.id AS agency_id, a.name AS agency_name
         FROM practitioner p JOIN agency a ON a.id = p.agency_id JOIN practitioner_role r ON r.practitioner_id = p.id
        WHERE p.active AND r.role = ANY($2::text[])
          AND p.agency_id IN (SELECT o.agency_id FROM partnership_agency o JOIN partnership_agency m ON m.partnership_id = o.partnership_id WHERE m.agency_id = $1)
        ORDER BY a.name, p.name, p.id LIMIT 2000`, [ctx.actor.agencyId, CASEWORK_ROLES])).rows;
    await audit(ctx, tx, { action: 'monitoring.candidates.list', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { count: rows.length } });
    return rows.map((r) => ({ id: r.id, name: r.name, agencyId: r.agency_id, agencyName: r.agency_name }));
  });
}

export async function insertArrangement(
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
      message: `You have been named to monitor a child: a check is due every ${a.everyDays} days from ${plainDate(a.startsOn)} until ${plainDate(a.endsOn)}.`,
    }, ctx.clock.now());
  }
  return id;
}

export async function safeguardingLeads(tx: Tx, agencyId: string): Promise<string[]> {
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
          AND ${ifGiven(filter.responsible === 'me', 'a.responsible_practitioner_id = $2', '$2::uuid')}
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
    await tx.query('INSERT INTO monitoring_check (id, arrangement_id, outcome, checked_at, place, note, recorded_by, recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)',
      [checkId, id, input.outcome, input.checkedAt, input.place ?? null, input.note, ctx.actor.practitionerId, ctx.clock.now().toISOString()]);
    await audit(ctx, tx, { action: 'monitoring.check.record', outcome: 'success', entityType: 'monitoring_arrangement', entityId: id, personId: row.responsible_person_id, detail: { checkId, outcome: input.outcome } });
    // Recording the check is what clears a missed one (issue 17): a check made (the child seen)
    // clears every open alert, as the next due date moves on from it. A visit with no access
    // clears none: the child is still unseen (case example 8), so the alert stays until the child
    // is seen or the monitoring agency gives a reason.
    const cleared = input.outcome !== 'done' ? [] : (await tx.query<{ id: string }>(
      `UPDATE monitoring_alert SET acknowledged_at = $2, acknowledged_by = $3, resolved_by_check_id = $4
        WHERE arrangement_id = $1 AND acknowledged_at IS NULL RETURNING id`,
      [id, ctx.clock.now().toISOString(), ctx.actor.practitionerId, checkId])).rows;
    for (const a of cleared) await audit(ctx, tx, { action: 'monitoring.alert.resolve', outcome: 'success', entityType: 'monitoring_alert', entityId: a.id, personId: row.responsible_person_id, detail: { checkId } });
    if (input.outcome === 'no_access' && row.recording_agency_id !== row.responsible_agency_id) {
      await notifyPractitioners(tx, [row.created_by, ...(await safeguardingLeads(tx, row.recording_agency_id))], {
        kind: 'monitoring.no-access', entityType: 'monitoring_arrangement', entityId: id,
        message: `A monitoring check by ${row.responsible_agency_name} could not be made: no access on ${plainDate(input.checkedAt)}.`,
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
