import { checkView } from '../access/views.ts';
import { appendAudit, audit, command, refuse } from '../audit/audit.ts';
import { plainDate } from '../calendar/uk-time.ts';
import { londonDate } from '../calendar/working-days.ts';
import { childrenOfIn, refKey } from '../people/child-summary.ts';
import type { ActorContext, Services } from '../shared/context.ts';
import { conflict } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { notifyPractitioners, type Notice } from '../sharing/notify.ts';
import {
  arrangementInReach, childEntryIn, childSummaryOf, nextCheckDue, roleIn, safeguardingLeads, SELECT_ALERT, SELECT_ARRANGEMENT, toAlert,
  type AlertRow, type ArrangementRole, type ArrangementRow,
} from './monitoring.ts';
import type { MissedCheckReason, MonitoringAlert } from './monitoring.schemas.ts';

/**
 * Missed monitoring checks (case example 8's lesson): the sweep raises one for each check that
 * was due and not recorded, and tells the practitioner who makes the checks, their agency's
 * safeguarding leads and the social worker who set the arrangement up (for a closure, the one
 * who closed the case). A missed check is cleared only by recording the check (monitoring.ts,
 * recordCheck) or by the responsible agency giving a reason: never by a click alone.
 */

/**
 * The sweep: raises one alert for each check that was due and not made. Idempotent: one alert per
 * arrangement and due date however often it runs (and whichever process runs it at the same time).
 */
export async function raiseMissedCheckAlerts(services: Services, now: Date): Promise<{ raised: number; alertIds: string[] }> {
  const today = londonDate(now);
  return services.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string; every_days: number; starts_on: string; ends_on: string; responsible_agency_id: string; responsible_practitioner_id: string; responsible_person_id: string; created_by: string; last_done: string | null }>(
      `SELECT a.id, a.every_days, a.starts_on, a.ends_on, a.responsible_agency_id, a.responsible_practitioner_id, a.responsible_person_id, a.created_by,
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
      // Names nothing personal: the link leads to the arrangement, which names the child to those allowed.
      const notice: Notice = { kind: 'monitoring.check-missed', entityType: 'monitoring_alert', entityId: inserted.id, message: `A monitoring check was due on ${plainDate(due)} and has not been recorded.` };
      await notifyPractitioners(tx, [a.responsible_practitioner_id, ...(await safeguardingLeads(tx, a.responsible_agency_id)), a.created_by], notice, now);
      await appendAudit(tx, { at: now }, { action: 'monitoring.alert.raise', outcome: 'success', entityType: 'monitoring_alert', entityId: inserted.id, personId: a.responsible_person_id, detail: { arrangementId: a.id, dueOn: due } });
    }
    return { raised: alertIds.length, alertIds };
  });
}

/**
 * Alerts on the arrangements the caller's agency is part of, each naming its child; open ones (not
 * yet cleared) by default. `concerning: 'me'` (My tasks): those the caller is told of, as the sweep
 * tells them: they make the checks, they set the arrangement up (closed the case), or they are a
 * safeguarding lead of the agency that makes the checks.
 */
export async function listAlerts(ctx: ActorContext, filter: { status?: 'open' | 'all' | undefined; concerning?: 'me' | undefined } = {}): Promise<MonitoringAlert[]> {
  return command(ctx, async (tx) => {
    checkView(ctx, 'monitoring', 'monitoring.alert.list');
    const { rows } = await tx.query<ArrangementRow>(
      `${SELECT_ARRANGEMENT}
        WHERE (a.recording_agency_id = $1 OR a.responsible_agency_id = $1 OR $1 = ANY(a.agreed_agency_ids)
               OR EXISTS (SELECT 1 FROM closure_notice n WHERE n.arrangement_id = a.id AND n.agency_id = $1))
          AND EXISTS (SELECT 1 FROM monitoring_alert l WHERE l.arrangement_id = a.id AND ($2::boolean OR l.acknowledged_at IS NULL))`,
      [ctx.actor.agencyId, filter.status === 'all']);
    const roles = new Map<string, ArrangementRole>();
    const entries = new Map<string, string | null>();
    for (const r of rows) {
      const role = roleIn(ctx.actor, r);
      if (!role) continue;
      const me = ctx.actor.practitionerId;
      if (filter.concerning === 'me' && r.responsible_practitioner_id !== me && r.created_by !== me && !(role === 'responsible' && ctx.actor.roles.includes('safeguarding_lead'))) continue;
      roles.set(r.id, role);
      entries.set(r.id, await childEntryIn(ctx, tx, r, role));
    }
    const about = await childrenOfIn(ctx, tx, [...new Set(entries.values())].flatMap((id) => (id ? [{ type: 'person', id }] : [])));
    const alerts = roles.size === 0 ? [] : (await tx.query<AlertRow>(
      `${SELECT_ALERT} WHERE l.arrangement_id = ANY($1::uuid[]) AND ($2::boolean OR l.acknowledged_at IS NULL) ORDER BY l.due_on, l.raised_at, l.id`,
      [[...roles.keys()], filter.status === 'all'])).rows;
    await audit(ctx, tx, { action: 'monitoring.alert.list', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { count: alerts.length } });
    return alerts.map((a) => {
      const entry = entries.get(a.arrangement_id);
      return toAlert(a, roles.get(a.arrangement_id)!, entry ? about.get(refKey('person', entry))?.children[0] ?? null : null);
    });
  });
}

/** Which arrangement a missed check belongs to, for a party to it (a notification's link); not found to anyone else. */
export async function alertArrangement(ctx: ActorContext, id: string): Promise<string> {
  return command(ctx, async (tx) => {
    const alert = (await tx.query<{ arrangement_id: string }>('SELECT arrangement_id FROM monitoring_alert WHERE id = $1', [id])).rows[0];
    if (!alert) throw refuse('monitoring alert', { action: 'monitoring.alert.read', entityType: 'monitoring_alert', entityId: id, outcome: 'not_found' });
    const { row } = await arrangementInReach(ctx, tx, alert.arrangement_id, 'monitoring.alert.read');
    await audit(ctx, tx, { action: 'monitoring.alert.read', outcome: 'success', entityType: 'monitoring_alert', entityId: id, personId: row.child_person_id });
    return alert.arrangement_id;
  });
}

/**
 * The responsible agency clears a missed check without recording it, giving a reason (required:
 * the schema refuses an empty one). Who, when and the reason are kept; a cleared alert stays cleared.
 */
export async function clearMissedCheck(ctx: ActorContext, id: string, input: MissedCheckReason): Promise<MonitoringAlert> {
  return command(ctx, async (tx) => {
    const alert = (await tx.query<AlertRow>(`${SELECT_ALERT} WHERE l.id = $1`, [id])).rows[0];
    if (!alert) throw refuse('monitoring alert', { action: 'monitoring.alert.acknowledge', entityType: 'monitoring_alert', entityId: id, outcome: 'not_found' });
    const { row } = await arrangementInReach(ctx, tx, alert.arrangement_id, 'monitoring.alert.acknowledge', 'responsible', true);
    const done = (await tx.query(
      'UPDATE monitoring_alert SET acknowledged_by = $2, acknowledged_at = $3, acknowledgement_note = $4 WHERE id = $1 AND acknowledged_at IS NULL RETURNING id',
      [id, ctx.actor.practitionerId, ctx.clock.now().toISOString(), input.reason])).rows.length;
    if (!done) throw conflict('This missed check has already been cleared.');
    await audit(ctx, tx, { action: 'monitoring.alert.acknowledge', outcome: 'success', entityType: 'monitoring_alert', entityId: id, personId: row.responsible_person_id });
    const child = await childSummaryOf(ctx, tx, row.responsible_person_id);
    return toAlert((await tx.query<AlertRow>(`${SELECT_ALERT} WHERE l.id = $1`, [id])).rows[0]!, 'responsible', child);
  });
}
