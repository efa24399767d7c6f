import { ifGiven } from '../db/filters.ts';
import { plainDate } from '../calendar/uk-time.ts';
import { z } from 'zod';
import { Text } from '../shared/schemas.ts';
import { audit, auditArguments, command, refuse, type AuditInput } from '../audit/audit.ts';
import { addDays, londonDate } from '../calendar/working-days.ts';
import type { ActorContext, Services, Tx } from '../shared/context.ts';
import { conflict } from '../shared/errors.ts';
import { notifyPractitioners } from '../sharing/notify.ts';
import { ChildSummary, childrenOfIn, refKey } from '../people/child-summary.ts';
import type { Action, ActionFacts, ProcessSettings } from './engine.ts';
import { checkOverseer, processSettingsFor, replayEpisode } from './timescales.ts';

/**
 * Managers' oversight of the statutory process (what-to-do-if-worried 10–80).
 *
 * When a statutory step of an open episode (a row of the episode_step projection that is not a
 * prompt for the referrer) passes its due date, the authority's managers are alerted: one alert
 * per (episode, step, due date), raised by a sweep that any number of processes may run at once
 * and as often as they like, and also refreshed whenever a manager opens the list, so an alert
 * is visible as soon as the step is overdue. A manager acknowledges each alert (who, when, a
 * note). When the step is done, rescheduled or its episode closes, the alert stays as history,
 * marked resolved. Notifications say only that a step is overdue, never whose.
 */

/** More new alerts than this for one authority in one sweep are notified as one digest per manager. */
export const DIGEST_THRESHOLD = 20;

// Advisory locks: the whole sweep takes SWEEP_LOCK exclusively; refreshing one authority takes it
// shared and its own (SWEEP_LOCK, hash of the agency) exclusively, so authorities refresh in parallel.
const SWEEP_LOCK = 7_345_006;

export interface SweepResult {
  raised: number;
  resolved: number;
}

interface RaisedRow {
  id: string;
  agency_id: string;
  episode_id: string;
  child_person_id: string;
  step_key: string;
  label: string;
  due_date: string;
}

/**
 * Appends many audit entries in one call: the same entries, chained the same way, as one
 * appendAudit each, but the chain's head row is updated once (jigsaw_append_audit_many, migration 006).
 */
async function auditMany(tx: Tx, at: Date, inputs: readonly AuditInput[]): Promise<void> {
  for (let i = 0; i < inputs.length; i += 5000) {
    const entries = inputs.slice(i, i + 5000).map((input) => auditArguments({ at }, input));
    await tx.query('SELECT jigsaw_append_audit_many($1::jsonb)', [JSON.stringify(entries)]);
  }
}

/**
 * Raises the alerts now due and resolves those that no longer stand, for one authority or (null)
 * all of them, in the caller's transaction. Idempotent: the unique (episode, step, due date) and
 * the advisory locks mean a second run, concurrent or not, raises nothing twice.
 */
async function refreshAlerts(tx: Tx, now: Date, agencyId: string | null): Promise<SweepResult> {
  if (agencyId === null) await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [SWEEP_LOCK]);
  else {
    await tx.query('SELECT pg_advisory_xact_lock_shared($1::bigint)', [SWEEP_LOCK]);
    await tx.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))', [SWEEP_LOCK, agencyId]);
  }
  const today = londonDate(now);
  const at = now.toISOString();
  // Overdue exactly as listDueSteps and isOverdue say: the day after the due date (London), or
  // past the instant for a step due within hours.
  const raised = (await tx.query<RaisedRow>(
    `WITH due AS (
       SELECT e.agency_id, s.episode_id, e.child_person_id, s.key, s.label, s.paragraph, s.due_date, s.due_at
         FROM episode_step s JOIN episode e ON e.id = s.episode_id
        WHERE NOT s.prompt AND e.closed_at IS NULL AND ${ifGiven(agencyId, 'e.agency_id = $1', '$1::uuid')}
          AND (s.due_date < $2::date OR (s.due_at IS NOT NULL AND s.due_at < $3::timestamptz))
          AND NOT EXISTS (SELECT 1 FROM overdue_alert a WHERE a.episode_id = s.episode_id AND a.step_key = s.key AND a.due_date = s.due_date)
        ORDER BY s.episode_id, s.key),
     ins AS (
       INSERT INTO overdue_alert (id, agency_id, episode_id, step_key, label, paragraph, due_date, due_at, raised_at)
       SELECT gen_random_uuid(), agency_id, episode_id, key, label, paragraph, due_date, due_at, $3::timestamptz FROM due
       ON CONFLICT (episode_id, step_key, due_date) DO NOTHING
       RETURNING id, agency_id, episode_id, step_key, label, due_date)
     SELECT ins.*, due.child_person_id FROM ins JOIN due ON due.episode_id = ins.episode_id AND due.key = ins.step_key
      ORDER BY ins.agency_id, ins.due_date, ins.episode_id, ins.step_key`,
    [agencyId, today, at])).rows;
  const resolved = await resolveAlerts(tx, at, agencyId);
  if (raised.length) await notifyManagers(tx, raised, now);
  await auditMany(tx, now, [
    ...raised.map((r): AuditInput => ({ action: 'alert.raise', outcome: 'success', entityType: 'overdue_alert', entityId: r.id, personId: r.child_person_id, detail: { episodeId: r.episode_id, stepKey: r.step_key, dueDate: r.due_date } })),
    ...resolved.map((r): AuditInput => ({ action: 'alert.resolve', outcome: 'success', entityType: 'overdue_alert', entityId: r.id, personId: r.child_person_id, detail: { episodeId: r.episode_id, resolution: r.resolution } })),
  ]);
  return { raised: raised.length, resolved: resolved.length };
}

type Resolution = 'step_completed' | 'rescheduled' | 'episode_closed';

/**
 * Marks resolved the alerts that no longer stand: the step left the projection (or its due date
 * moved), or the episode closed. Why is read from the episode's actions through the engine: the
 * step was done (and when) if an action fulfilled it while it was due on that date.
 */
async function resolveAlerts(tx: Tx, at: string, agencyId: string | null): Promise<{ id: string; episode_id: string; child_person_id: string; resolution: Resolution }[]> {
  const gone = (await tx.query<{ id: string; agency_id: string; episode_id: string; child_person_id: string; step_key: string; due_date: string; closed: boolean }>(
    `SELECT a.id, a.agency_id, a.episode_id, e.child_person_id, a.step_key, a.due_date, (e.closed_at IS NOT NULL) AS closed
       FROM overdue_alert a JOIN episode e ON e.id = a.episode_id
      WHERE a.resolved_at IS NULL AND ${ifGiven(agencyId, 'a.agency_id = $1', '$1::uuid')}
        AND (e.closed_at IS NOT NULL OR NOT EXISTS (
              SELECT 1 FROM episode_step s WHERE s.episode_id = a.episode_id AND s.key = a.step_key AND s.due_date = a.due_date))
      ORDER BY a.id`, [agencyId])).rows;
  if (!gone.length) return [];
  const actions = new Map<string, Action[]>();
  for (const r of (await tx.query<{ episode_id: string; seq: number; occurred_at: string; facts: ActionFacts | string }>(
    'SELECT episode_id, seq, occurred_at, facts FROM episode_action WHERE episode_id = ANY($1::uuid[]) ORDER BY episode_id, seq',
    [[...new Set(gone.map((g) => g.episode_id))]])).rows) {
    const list = actions.get(r.episode_id) ?? [];
    list.push({ seq: r.seq, at: r.occurred_at, facts: typeof r.facts === 'string' ? (JSON.parse(r.facts) as ActionFacts) : r.facts });
    actions.set(r.episode_id, list);
  }
  const settings = new Map<string, ProcessSettings>();
  const replays = new Map<string, ReturnType<typeof replayEpisode>>();
  const out: { id: string; episode_id: string; child_person_id: string; resolution: Resolution; completed_at: string | null }[] = [];
  for (const g of gone) {
    if (!settings.has(g.agency_id)) settings.set(g.agency_id, await processSettingsFor(tx, g.agency_id));
    if (!replays.has(g.episode_id)) replays.set(g.episode_id, replayEpisode(actions.get(g.episode_id) ?? [], settings.get(g.agency_id)!));
    const done = replays.get(g.episode_id)!.completed
      .find((c) => c.key === g.step_key && (c.due.includes('T') ? londonDate(new Date(c.due)) : c.due) === g.due_date);
    out.push({ ...g, resolution: done ? 'step_completed' : g.closed ? 'episode_closed' : 'rescheduled', completed_at: done?.completedAt ?? null });
  }
  await tx.query(
    `UPDATE overdue_alert a SET resolved_at = $1::timestamptz, resolution = x.resolution, completed_at = x.completed_at
       FROM unnest($2::uuid[], $3::text[], $4::timestamptz[]) AS x(id, resolution, completed_at)
      WHERE a.id = x.id AND a.resolved_at IS NULL`,
    [at, out.map((o) => o.id), out.map((o) => o.resolution), out.map((o) => o.completed_at)]);
  return out;
}

/** Each authority's active managers hear of its new alerts: one notice each, or one digest for many. */
async function notifyManagers(tx: Tx, raised: readonly RaisedRow[], now: Date): Promise<void> {
  const byAgency = new Map<string, RaisedRow[]>();
  for (const r of raised) {
    const list = byAgency.get(r.agency_id) ?? [];
    list.push(r);
    byAgency.set(r.agency_id, list);
  }
  const { rows } = await tx.query<{ id: string; agency_id: string }>(
    `SELECT DISTINCT p.id, p.agency_id FROM practitioner p JOIN practitioner_role r ON r.practitioner_id = p.id
      WHERE p.agency_id = ANY($1::uuid[]) AND p.active AND r.role = 'manager' ORDER BY p.agency_id, p.id`, [[...byAgency.keys()]]);
  for (const [agencyId, alerts] of byAgency) {
    const managers = rows.filter((m) => m.agency_id === agencyId).map((m) => m.id);
    if (!managers.length) continue;
    if (alerts.length > DIGEST_THRESHOLD) {
      await notifyPractitioners(tx, managers, {
        kind: 'alert.overdue-digest', entityType: 'agency', entityId: agencyId,
        message: `${alerts.length} statutory steps have become overdue. Review and acknowledge them in the oversight alerts.`,
      }, now);
      continue;
    }
    for (const a of alerts) {
      await notifyPractitioners(tx, managers, {
        kind: 'alert.overdue', entityType: 'overdue_alert', entityId: a.id,
        message: `A statutory step is overdue: ${a.label} (due ${plainDate(a.due_date)}). Review and acknowledge the alert.`,
      }, now);
    }
  }
}

/**
 * The sweep: raises every authority's new alerts and resolves those that no longer stand, in one
 * transaction. Safe to run concurrently and repeatedly (the server runs it every few minutes).
 */
export async function raiseOverdueAlerts(services: Services, now: Date = services.clock.now()): Promise<SweepResult> {
  return services.db.transaction((tx) => refreshAlerts(tx, now, null));
}

export const AlertStatus = z.enum(['open', 'all']).meta({ description: 'open: awaiting acknowledgement (resolved or not); all: the history too.' });
export type AlertStatus = z.infer<typeof AlertStatus>;

export const AlertQuery = z.strictObject({ status: AlertStatus.default('open') });

export const Acknowledgement = z
  .strictObject({ note: Text.trim().min(1, 'Leave the note out, or write something').max(5000).optional() })
  .meta({ id: 'AlertAcknowledgement', description: 'Optionally, what the manager has done about it.' });
export type Acknowledgement = z.output<typeof Acknowledgement>;

export const OverdueAlert = z
  .object({
    id: z.uuid(),
    episodeId: z.uuid(),
    childPersonId: z.uuid(),
    allocatedWorkerId: z.uuid().nullable(),
    team: z.string().nullable(),
    stepKey: z.string(),
    label: z.string(),
    paragraph: z.string(),
    dueDate: z.string(),
    dueAt: z.string().nullable(),
    raisedAt: z.string(),
    status: z.enum(['open', 'acknowledged']),
    resolved: z.object({
      at: z.string().meta({ description: 'When Jigsaw noticed the alert no longer stands.' }),
      reason: z.enum(['step_completed', 'rescheduled', 'episode_closed']),
      stepCompletedAt: z.string().nullable().meta({ description: 'When the step was done, as recorded (step_completed only).' }),
    }).nullable(),
    acknowledged: z.object({ at: z.string(), byPractitionerId: z.uuid(), byName: z.string(), note: z.string().nullable() }).nullable(),
    child: ChildSummary.nullable().meta({ description: 'Which child: null when you may not read their entry.' }),
  })
  .meta({ id: 'OverdueAlert', description: 'A statutory step that passed its due date, for the authority\'s managers to acknowledge.' });
export type OverdueAlert = z.infer<typeof OverdueAlert>;

interface AlertRow {
  id: string;
  agency_id: string;
  episode_id: string;
  child_person_id: string;
  allocated_worker_id: string | null;
  team: string | null;
  step_key: string;
  label: string;
  paragraph: string;
  due_date: string;
  due_at: string | null;
  raised_at: string;
  resolved_at: string | null;
  resolution: 'step_completed' | 'rescheduled' | 'episode_closed' | null;
  completed_at: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  acknowledged_by_name: string | null;
  acknowledgement_note: string | null;
}

/** The alerts chosen by `page` (a query over overdue_alert), with their episode and who acknowledged them. */
const selectAlerts = (page: string, order: string): string => `
  SELECT a.id, a.agency_id, a.episode_id, e.child_person_id, e.allocated_worker_id, e.team, a.step_key, a.label, a.paragraph, a.due_date, a.due_at,
         a.raised_at, a.resolved_at, a.resolution, a.completed_at, a.acknowledged_at, a.acknowledged_by, p.name AS acknowledged_by_name, a.acknowledgement_note
    FROM (${page}) a JOIN episode e ON e.id = a.episode_id LEFT JOIN practitioner p ON p.id = a.acknowledged_by
   ORDER BY ${order}`;

// The page is chosen from overdue_alert alone, then joined: 1,000 lookups, whatever the authority's history.
const OPEN_ORDER = 'a.due_date, a.raised_at, a.episode_id, a.step_key';
const ALL_ORDER = 'a.raised_at DESC, a.due_date, a.episode_id, a.step_key';

const toAlert = (r: AlertRow, child: ChildSummary | null): OverdueAlert => ({
  child,
  id: r.id, episodeId: r.episode_id, childPersonId: r.child_person_id, allocatedWorkerId: r.allocated_worker_id, team: r.team,
  stepKey: r.step_key, label: r.label, paragraph: r.paragraph, dueDate: r.due_date, dueAt: r.due_at, raisedAt: r.raised_at,
  status: r.acknowledged_at ? 'acknowledged' : 'open',
  resolved: r.resolved_at && r.resolution ? { at: r.resolved_at, reason: r.resolution, stepCompletedAt: r.completed_at } : null,
  acknowledged: r.acknowledged_at && r.acknowledged_by
    ? { at: r.acknowledged_at, byPractitionerId: r.acknowledged_by, byName: r.acknowledged_by_name ?? '', note: r.acknowledgement_note }
    : null,
});

/** The alerts with the child each is about, named only to a reader who may read that child (issue 17). */
async function named(ctx: ActorContext, tx: Tx, rows: readonly AlertRow[]): Promise<OverdueAlert[]> {
  const about = await childrenOfIn(ctx, tx, rows.map((r) => ({ type: 'person', id: r.child_person_id })));
  return rows.map((r) => toAlert(r, about.get(refKey('person', r.child_person_id))?.children[0] ?? null));
}

/** The most alerts one list returns. */
export const ALERT_LIST_LIMIT = 1000;

/**
 * The authority's alerts for its managers (not its auditors: each alert names a child): those awaiting acknowledgement, most
 * overdue first, or the whole history, newest first. Refreshes the authority's alerts first, so a
 * step overdue since the last sweep is already there.
 */
export async function listAlerts(ctx: ActorContext, status: AlertStatus = 'open'): Promise<OverdueAlert[]> {
  return command(ctx, async (tx) => {
    await checkOverseer(ctx, tx, 'alert.list', 'overdue-alerts');
    await refreshAlerts(tx, ctx.clock.now(), ctx.actor.agencyId);
    const { rows } = await tx.query<AlertRow>(
      status === 'open'
        ? selectAlerts(`SELECT * FROM overdue_alert a WHERE a.agency_id = $1 AND a.acknowledged_at IS NULL ORDER BY ${OPEN_ORDER} LIMIT ${ALERT_LIST_LIMIT}`, OPEN_ORDER)
        : selectAlerts(`SELECT * FROM overdue_alert a WHERE a.agency_id = $1 ORDER BY ${ALL_ORDER} LIMIT ${ALERT_LIST_LIMIT}`, ALL_ORDER),
      [ctx.actor.agencyId]);
    await audit(ctx, tx, { action: 'alert.list', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { status, count: rows.length } });
    return named(ctx, tx, rows);
  });
}

/**
 * A manager of the authority acknowledges an alert: who and when are recorded, with an optional
 * note. Anyone else is answered as for an alert that does not exist; a second acknowledgement is
 * refused (409) and the first stands.
 */
export async function acknowledgeAlert(ctx: ActorContext, id: string, note?: string): Promise<OverdueAlert> {
  return command(ctx, async (tx) => {
    const found = (await tx.query<{ agency_id: string; acknowledged_at: string | null; child_person_id: string; episode_id: string }>(
      `SELECT a.agency_id, a.acknowledged_at, e.child_person_id, a.episode_id
         FROM overdue_alert a JOIN episode e ON e.id = a.episode_id WHERE a.id = $1 FOR UPDATE OF a`, [id])).rows[0];
    if (!found) throw refuse('alert', { action: 'alert.acknowledge', entityType: 'overdue_alert', entityId: id, outcome: 'not_found' });
    if (found.agency_id !== ctx.actor.agencyId || !ctx.actor.roles.includes('manager')) {
      throw refuse('alert', { action: 'alert.acknowledge', entityType: 'overdue_alert', entityId: id, personId: found.child_person_id });
    }
    if (found.acknowledged_at) throw conflict(`This alert was already acknowledged on ${plainDate(new Date(found.acknowledged_at).toISOString())}.`);
    await tx.query('UPDATE overdue_alert SET acknowledged_at = $2, acknowledged_by = $3, acknowledgement_note = $4 WHERE id = $1',
      [id, ctx.clock.now().toISOString(), ctx.actor.practitionerId, note ?? null]);
    await audit(ctx, tx, { action: 'alert.acknowledge', outcome: 'success', entityType: 'overdue_alert', entityId: id, personId: found.child_person_id, detail: { episodeId: found.episode_id, note: note !== undefined } });
    return (await named(ctx, tx, (await tx.query<AlertRow>(selectAlerts('SELECT * FROM overdue_alert a WHERE a.id = $1', 'a.id'), [id])).rows))[0]!;
  });
}

const Count = z.number().int().min(0);
const DueCounts = z.object({
  overdue: Count.meta({ description: 'Past the due date (or instant) and not done.' }),
  dueToday: Count.meta({ description: 'Due today and not yet overdue.' }),
  dueThisWeek: Count.meta({ description: 'Due from today to Sunday and not yet overdue (includes dueToday).' }),
  open: Count.meta({ description: 'Every statutory step waiting, whenever due.' }),
});
export type DueCounts = z.infer<typeof DueCounts>;

export const DueSummary = z
  .object({
    agencyId: z.uuid(),
    asAt: z.string(),
    today: z.string().meta({ description: 'Today in London: what "due today" means.' }),
    weekEnds: z.string().meta({ description: 'The Sunday that ends this week.' }),
    authority: DueCounts,
    byTeam: z.array(DueCounts.extend({ team: z.string().nullable() })),
    byWorker: z.array(DueCounts.extend({ workerId: z.uuid().nullable(), workerName: z.string().nullable() })),
  })
  .meta({ id: 'DueSummary', description: 'Statutory steps of open episodes due today, this week and overdue: the authority, each team and each allocated worker (null: unallocated).' });
export type DueSummary = z.infer<typeof DueSummary>;

/**
 * The aggregate over the projection that the due summary runs (also run bare by the benchmark).
 * $1 agency, $2 today (London), $3 now, $4 the Sunday ending this week.
 */
export const DUE_SUMMARY_SQL = `
  WITH steps AS (
    SELECT e.team, e.allocated_worker_id, s.due_date,
           (s.due_date < $2::date OR (s.due_at IS NOT NULL AND s.due_at < $3::timestamptz)) AS overdue
      FROM episode_step s JOIN episode e ON e.id = s.episode_id
     WHERE e.agency_id = $1 AND e.closed_at IS NULL AND NOT s.prompt),
  g AS (
    SELECT GROUPING(team) AS by_team, GROUPING(allocated_worker_id) AS by_worker, team, allocated_worker_id,
           count(*) FILTER (WHERE overdue)::int AS overdue,
           count(*) FILTER (WHERE NOT overdue AND due_date = $2::date)::int AS due_today,
           count(*) FILTER (WHERE NOT overdue AND due_date <= $4::date)::int AS due_this_week,
           count(*)::int AS open
      FROM steps GROUP BY GROUPING SETS ((team), (allocated_worker_id), ()))
  SELECT g.*, p.name AS worker_name FROM g LEFT JOIN practitioner p ON p.id = g.allocated_worker_id`;

/** The Sunday ending the week of a date (the date itself if it is a Sunday). */
export const weekEnding = (date: string): string => addDays(date, (7 - new Date(`${date}T00:00:00Z`).getUTCDay()) % 7);

/** Counts of due and overdue statutory steps for the caller's authority, by team and by worker. */
export async function dueSummary(ctx: ActorContext): Promise<DueSummary> {
  return command(ctx, async (tx) => {
    await checkOverseer(ctx, tx, 'oversight.due-summary', 'due-summary');
    const now = ctx.clock.now();
    const today = londonDate(now);
    const weekEnds = weekEnding(today);
    const { rows } = await tx.query<{ by_team: number; by_worker: number; team: string | null; allocated_worker_id: string | null; worker_name: string | null; overdue: number; due_today: number; due_this_week: number; open: number }>(
      DUE_SUMMARY_SQL, [ctx.actor.agencyId, today, now.toISOString(), weekEnds]);
    const counts = (r: { overdue: number; due_today: number; due_this_week: number; open: number } | undefined): DueCounts =>
      ({ overdue: r?.overdue ?? 0, dueToday: r?.due_today ?? 0, dueThisWeek: r?.due_this_week ?? 0, open: r?.open ?? 0 });
    // GROUPING() is 1 for a column rolled up: (team) has by_worker = 1, (worker) has by_team = 1.
    const byTeam = rows.filter((r) => Number(r.by_team) === 0).map((r) => ({ team: r.team, ...counts(r) }))
      .sort((a, b) => (a.team === null ? 1 : b.team === null ? -1 : a.team.localeCompare(b.team)));
    const byWorker = rows.filter((r) => Number(r.by_worker) === 0).map((r) => ({ workerId: r.allocated_worker_id, workerName: r.worker_name, ...counts(r) }))
      .sort((a, b) => (a.workerId === null ? 1 : b.workerId === null ? -1 : (a.workerName ?? '').localeCompare(b.workerName ?? '') || a.workerId.localeCompare(b.workerId)));
    await audit(ctx, tx, { action: 'oversight.due-summary', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { teams: byTeam.length, workers: byWorker.length } });
    return {
      agencyId: ctx.actor.agencyId, asAt: now.toISOString(), today, weekEnds,
      authority: counts(rows.find((r) => Number(r.by_team) === 1 && Number(r.by_worker) === 1)),
      byTeam, byWorker,
    };
  });
}
