import { checkView } from '../access/views.ts';
import type { Actor } from '../access/policy.ts';
import { appendAudit, audit, command, refuse } from '../audit/audit.ts';
import { plainDate } from '../calendar/uk-time.ts';
import { londonDate } from '../calendar/working-days.ts';
import { childrenOfIn, refKey, type ChildSummary } from '../people/child-summary.ts';
import type { ActorContext, Services, Tx } from '../shared/context.ts';
import { forbidden } from '../shared/errors.ts';
import { notifyPractitioners } from '../sharing/notify.ts';
import { doesCasework, roleIn, safeguardingLeads, SELECT_ARRANGEMENT, shapeArrangement, type ArrangementRow } from './monitoring.ts';
import type { Acknowledgement, ClosureNotice, ClosureNoticeDetail } from './monitoring.schemas.ts';
import { processSettingsFor } from './timescales.ts';

/**
 * Closure notices (case example 8): every agency involved with a child whose case closed after
 * no-access visits or concerns is told who will monitor, and acknowledges. One left
 * unacknowledged is chased: a reminder to the agency's named recipient after one working day,
 * and after two working days it is escalated to the agency's safeguarding leads.
 */

export interface NoticeRow {
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
  reminded_at: string | null;
  escalated_at: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  acknowledged_by_name: string | null;
  note: string | null;
}

export const SELECT_NOTICE = `
  SELECT n.id, n.episode_id, n.closing_agency_id, ca.name AS closing_agency_name, n.agency_id, ra.name AS agency_name, n.person_id, e.child_person_id,
         n.involved_because, n.no_access_visits, n.open_concerns, n.closed_at, n.arrangement_id, a.responsible_agency_id, sa.name AS monitoring_agency_name,
         a.responsible_practitioner_id, sp.name AS monitoring_practitioner_name, a.every_days, a.starts_on, a.ends_on, n.notified_at, n.reminded_at, n.escalated_at,
         n.acknowledged_at, n.acknowledged_by, ap.name AS acknowledged_by_name, n.note
    FROM closure_notice n
    JOIN episode e ON e.id = n.episode_id
    JOIN agency ca ON ca.id = n.closing_agency_id
    JOIN agency ra ON ra.id = n.agency_id
    JOIN monitoring_arrangement a ON a.id = n.arrangement_id
    JOIN agency sa ON sa.id = a.responsible_agency_id
    JOIN practitioner sp ON sp.id = a.responsible_practitioner_id
    LEFT JOIN practitioner ap ON ap.id = n.acknowledged_by`;

/** The child as the caller's agency knows them: its own entry (received) or the episode's child (sent). */
const childEntryOf = (actor: Actor, r: NoticeRow): string | null => (r.agency_id === actor.agencyId ? r.person_id : r.child_person_id);

export function toNotice(actor: Actor, r: NoticeRow, child: ChildSummary | null = null): ClosureNotice {
  const received = r.agency_id === actor.agencyId;
  return {
    id: r.id, direction: received ? 'received' : 'sent', episodeId: r.episode_id, closingAgencyId: r.closing_agency_id, closingAgencyName: r.closing_agency_name,
    agencyId: r.agency_id, agencyName: r.agency_name,
    // Each agency sees the child as its own index holds them.
    childPersonId: childEntryOf(actor, r), child,
    involvedBecause: r.involved_because, noAccessVisits: r.no_access_visits, openConcerns: r.open_concerns, closedAt: r.closed_at,
    arrangementId: r.arrangement_id, monitoringAgencyId: r.responsible_agency_id, monitoringAgencyName: r.monitoring_agency_name,
    monitoringPractitionerId: r.responsible_practitioner_id, monitoringPractitionerName: r.monitoring_practitioner_name,
    everyDays: r.every_days, startsOn: r.starts_on, endsOn: r.ends_on, notifiedAt: r.notified_at, remindedAt: r.reminded_at, escalatedAt: r.escalated_at,
    acknowledgedAt: r.acknowledged_at, acknowledgedById: r.acknowledged_by, acknowledgedByName: r.acknowledged_by_name, note: r.note,
  };
}

/** The notices with the child each is about, named only to a caller who may read that child (ChildSummary). */
async function withChild(ctx: ActorContext, tx: Tx, rows: readonly NoticeRow[]): Promise<ClosureNotice[]> {
  const refs = rows.flatMap((r) => { const id = childEntryOf(ctx.actor, r); return id ? [{ type: 'person', id }] : []; });
  const about = await childrenOfIn(ctx, tx, refs);
  return rows.map((r) => {
    const id = childEntryOf(ctx.actor, r);
    return toNotice(ctx.actor, r, id ? about.get(refKey('person', id))?.children[0] ?? null : null);
  });
}

/**
 * Closure notices the caller's agency received, and those it sent (so the closing authority sees
 * which agencies have not yet acknowledged). Unacknowledged only by default.
 */
export async function listClosureNotices(ctx: ActorContext, filter: { status?: 'unacknowledged' | 'all' | undefined; direction?: 'received' | undefined } = {}): Promise<ClosureNotice[]> {
  return command(ctx, async (tx) => {
    checkView(ctx, 'closure-notices', 'closure-notice.list', 'not-found');
    const { rows } = await tx.query<NoticeRow>(
      `${SELECT_NOTICE} WHERE (n.agency_id = $1 OR (n.closing_agency_id = $1 AND NOT $3::boolean)) AND ($2::boolean OR n.acknowledged_at IS NULL)
        ORDER BY n.notified_at, ra.name, n.id LIMIT 1000`,
      [ctx.actor.agencyId, filter.status === 'all', filter.direction === 'received']);
    await audit(ctx, tx, { action: 'closure-notice.list', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { count: rows.length } });
    return withChild(ctx, tx, rows);
  });
}

/** Words for how the episode ended, from the action that ended it. */
const ENDED_BY: Record<string, string> = {
  case_closed: 'The case was closed',
  referral_decided: 'The referral was decided without further involvement of children’s social care',
  assessment_completed: 'The assessment was completed: no further action',
  cin_plan_reviewed: 'The child in need plan was closed',
  plan_ended: 'The child protection plan ended and the case closed',
};

/** A notice the caller's agency received or sent, or refused as not found: anyone else must not learn it exists. */
async function noticeInReach(ctx: ActorContext, tx: Tx, id: string, action: string, lock = false): Promise<NoticeRow> {
  const row = (await tx.query<NoticeRow>(`${SELECT_NOTICE} WHERE n.id = $1${lock ? ' FOR UPDATE OF n' : ''}`, [id])).rows[0];
  if (!row) throw refuse('closure notice', { action, entityType: 'closure_notice', entityId: id, outcome: 'not_found' });
  if (!doesCasework(ctx.actor) || (row.agency_id !== ctx.actor.agencyId && row.closing_agency_id !== ctx.actor.agencyId)) {
    throw refuse('closure notice', { action, entityType: 'closure_notice', entityId: id });
  }
  return row;
}

/**
 * One closure notice, for its page: the child as the caller's agency knows them, how and why the
 * case closed, who monitors, what is checked and when the next check is due.
 */
export async function getClosureNotice(ctx: ActorContext, id: string): Promise<ClosureNoticeDetail> {
  return command(ctx, async (tx) => {
    const row = await noticeInReach(ctx, tx, id, 'closure-notice.read');
    const [notice] = await withChild(ctx, tx, [row]);
    const ending = (await tx.query<{ type: string }>(
      'SELECT type FROM episode_action WHERE episode_id = $1 AND occurred_at = $2 ORDER BY seq DESC LIMIT 1', [row.episode_id, row.closed_at])).rows[0];
    const a = (await tx.query<ArrangementRow>(`${SELECT_ARRANGEMENT} WHERE a.id = $1`, [row.arrangement_id])).rows[0]!;
    const role = roleIn(ctx.actor, a);
    const arrangement = role ? await shapeArrangement(ctx, tx, a, role) : undefined;
    await audit(ctx, tx, { action: 'closure-notice.read', outcome: 'success', entityType: 'closure_notice', entityId: id, personId: notice!.childPersonId ?? undefined });
    return {
      ...notice!,
      endedBy: ending ? ENDED_BY[ending.type] ?? null : null,
      checks: a.checks, escalation: a.escalation, nextDueOn: arrangement?.nextDueOn ?? null,
      arrangementStatus: arrangement?.status ?? (a.ended_at ? 'ended' : 'active'),
    };
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

/** The working days after the notice was sent before it is chased, and before it is escalated. */
export const REMIND_AFTER_WORKING_DAYS = 1;
export const ESCALATE_AFTER_WORKING_DAYS = 2;

/**
 * The sweep: chases every unacknowledged closure notice. After one working day its named
 * recipient is reminded (the monitoring practitioner, for the monitoring agency; otherwise the
 * agency's safeguarding leads, who were told); after two, the agency's safeguarding leads are
 * told it is overdue. Working days in the closing authority's nation. Idempotent: each happens
 * once per notice, however often the sweep runs and whichever process runs it at the same time.
 */
export async function chaseClosureNotices(services: Services, now: Date): Promise<{ reminded: string[]; escalated: string[] }> {
  const today = londonDate(now);
  return services.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string; agency_id: string; closing_agency_id: string; responsible_agency_id: string; responsible_practitioner_id: string; person_id: string | null; notified_at: string; reminded_at: string | null; escalated_at: string | null }>(
      `SELECT n.id, n.agency_id, n.closing_agency_id, a.responsible_agency_id, a.responsible_practitioner_id, n.person_id, n.notified_at, n.reminded_at, n.escalated_at
         FROM closure_notice n JOIN monitoring_arrangement a ON a.id = n.arrangement_id
        WHERE n.acknowledged_at IS NULL AND n.escalated_at IS NULL ORDER BY n.notified_at, n.id`);
    const settings = new Map<string, Awaited<ReturnType<typeof processSettingsFor>>>();
    const reminded: string[] = [];
    const escalated: string[] = [];
    for (const n of rows) {
      let s = settings.get(n.closing_agency_id);
      if (!s) settings.set(n.closing_agency_id, (s = await processSettingsFor(tx, n.closing_agency_id)));
      const sent = londonDate(new Date(n.notified_at));
      const days = s.calendar.workingDaysBetween(s.nation, sent, today);
      const leads = await safeguardingLeads(tx, n.agency_id);
      if (days >= ESCALATE_AFTER_WORKING_DAYS) {
        const done = (await tx.query('UPDATE closure_notice SET escalated_at = $2, reminded_at = coalesce(reminded_at, $2) WHERE id = $1 AND escalated_at IS NULL AND acknowledged_at IS NULL RETURNING id', [n.id, now.toISOString()])).rows.length;
        if (!done) continue;
        escalated.push(n.id);
        await notifyPractitioners(tx, leads, {
          kind: 'closure-notice.escalated', entityType: 'closure_notice', entityId: n.id,
          message: `A case closure notice sent to your agency on ${plainDate(sent)} has not been acknowledged after ${ESCALATE_AFTER_WORKING_DAYS} working days. Please make sure it is acknowledged.`,
        }, now);
        await appendAudit(tx, { at: now }, { action: 'closure-notice.escalate', outcome: 'success', entityType: 'closure_notice', entityId: n.id, personId: n.person_id ?? undefined });
      } else if (days >= REMIND_AFTER_WORKING_DAYS && !n.reminded_at) {
        const done = (await tx.query('UPDATE closure_notice SET reminded_at = $2 WHERE id = $1 AND reminded_at IS NULL AND acknowledged_at IS NULL RETURNING id', [n.id, now.toISOString()])).rows.length;
        if (!done) continue;
        reminded.push(n.id);
        const named = n.agency_id === n.responsible_agency_id ? [n.responsible_practitioner_id] : leads;
        await notifyPractitioners(tx, named, {
          kind: 'closure-notice.reminder', entityType: 'closure_notice', entityId: n.id,
          message: `Reminder: a case closure notice sent on ${plainDate(sent)} has not been acknowledged yet.`,
        }, now);
        await appendAudit(tx, { at: now }, { action: 'closure-notice.remind', outcome: 'success', entityType: 'closure_notice', entityId: n.id, personId: n.person_id ?? undefined });
      }
    }
    return { reminded, escalated };
  });
}
