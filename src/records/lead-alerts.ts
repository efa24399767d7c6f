import { decideRecord } from '../access/policy.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { conflict, forbidden } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import type { DealWithLeadAlert, LeadAlert, LeadAlertQuery, LeadAlertSettings, LeadAlertSettingsView } from './lead-alert-schemas.ts';
import { facts, SELECT_RECORD, type RecordRow } from './records.ts';

/**
 * Bringing a record to the designated safeguarding lead (issue 17, item 7).
 *
 * Before this, a teacher who wanted her lead to look at a concern had to start a sharing decision
 * and seek advice, which recorded a "decision" with no lawful basis. An alert records only that the
 * lead was asked to look; only the holding agency's safeguarding leads see it, and whatever they
 * then decide (share, refer, nothing more) is recorded by those journeys and in the alert's note.
 */

const LEAD = 'safeguarding_lead';
const isLead = (ctx: ActorContext): boolean => ctx.actor.roles.includes(LEAD);

interface SettingRow { kinds: string[]; categories: string[]; updated_at: string | null }
/** What an agency asks to hear of: the kinds and categories of record that alert its lead. */
export type LeadAlertSetting = Pick<SettingRow, 'kinds' | 'categories'>;

/**
 * Called by addRecord in its transaction: raises an alert when the author asked for it or the
 * agency asks to hear of every record of this kind or category. Returns whether one was raised.
 * `s`: the agency's setting, as addRecord read it with the record in its one statement (null: none).
 */
export async function raiseLeadAlertInTx(ctx: ActorContext, tx: Tx, r: Pick<RecordRow, 'id' | 'person_id' | 'kind' | 'categories'>, asked: boolean, s: LeadAlertSetting | null): Promise<boolean> {
  const bySetting = !!s && (s.kinds.includes(r.kind) || r.categories.some((c) => s.categories.includes(c)));
  if (!asked && !bySetting) return false;
  const id = newId();
  const reason = asked ? 'asked' : 'agency_setting';
  await tx.query(
    'INSERT INTO lead_alert (id, record_id, person_id, agency_id, raised_by, raised_at, reason) VALUES ($1,$2,$3,$4,$5,$6,$7)',
    [id, r.id, r.person_id, ctx.actor.agencyId, ctx.actor.practitionerId, ctx.clock.now().toISOString(), reason]);
  await audit(ctx, tx, { action: 'lead-alert.raise', outcome: 'success', entityType: 'lead_alert', entityId: id, personId: r.person_id, detail: { recordId: r.id, reason } });
  return true;
}

interface AlertRow {
  id: string; record_id: string; person_id: string; reason: LeadAlert['reason']; raised_at: string; raised_by_name: string;
  dealt_with_at: string | null; dealt_with_note: string | null; dealt_with_by_name: string | null;
}

const SELECT_ALERT = `
  SELECT l.id, l.record_id, l.person_id, l.reason, l.raised_at, rb.name AS raised_by_name, l.dealt_with_at, l.dealt_with_note, db.name AS dealt_with_by_name
    FROM lead_alert l
    JOIN practitioner rb ON rb.id = l.raised_by
    LEFT JOIN practitioner db ON db.id = l.dealt_with_by`;

function leadsOnly(ctx: ActorContext, action: string): void {
  if (isLead(ctx)) return;
  throw refuse('agency', { action, entityType: 'agency', entityId: ctx.actor.agencyId },
    forbidden("Only your agency's designated safeguarding lead sees the concerns colleagues bring to them."));
}

/** The alerts with their records, as the lead may read them (the policy decides on each record). */
async function withRecords(ctx: ActorContext, tx: Tx, alerts: AlertRow[]): Promise<LeadAlert[]> {
  if (!alerts.length) return [];
  const { rows } = await tx.query<RecordRow>(`${SELECT_RECORD} WHERE r.id = ANY($1::uuid[]) AND v.version = r.current_version AND r.agency_id = $2`,
    [alerts.map((a) => a.record_id), ctx.actor.agencyId]);
  const now = ctx.clock.now();
  const byId = new Map(rows.filter((r) => decideRecord(ctx.actor, 'read', facts(r), now).allowed).map((r) => [r.id, r]));
  return alerts.flatMap((a) => {
    const r = byId.get(a.record_id);
    if (!r) return [];
    return [{
      id: a.id, recordId: a.record_id, personId: a.person_id, reason: a.reason, raisedAt: a.raised_at, raisedByName: a.raised_by_name,
      record: { kind: r.kind, occurredAt: r.occurred_at, categories: r.categories, summary: r.summary, authorName: r.author_name },
      dealtWith: a.dealt_with_at ? { at: a.dealt_with_at, byName: a.dealt_with_by_name ?? '', note: a.dealt_with_note ?? '' } : null,
    }];
  });
}

/** The lead's list: their own agency's alerts, oldest first (what has waited longest first). */
export async function listLeadAlerts(ctx: ActorContext, query: LeadAlertQuery = { status: 'open' }): Promise<LeadAlert[]> {
  return command(ctx, async (tx) => {
    const action = 'lead-alert.list';
    leadsOnly(ctx, action);
    const status = query.status === 'open' ? 'AND l.dealt_with_at IS NULL' : query.status === 'dealt_with' ? 'AND l.dealt_with_at IS NOT NULL' : '';
    const { rows } = await tx.query<AlertRow>(`${SELECT_ALERT} WHERE l.agency_id = $1 ${status} ORDER BY l.raised_at, l.id LIMIT 500`, [ctx.actor.agencyId]);
    const alerts = await withRecords(ctx, tx, rows);
    await audit(ctx, tx, { action, outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { status: query.status, count: alerts.length } });
    return alerts;
  });
}

/** One alert, for the lead of the holding agency; anyone else is answered as if it did not exist. */
export async function getLeadAlert(ctx: ActorContext, id: string): Promise<LeadAlert> {
  return command(ctx, async (tx) => {
    const action = 'lead-alert.read';
    const row = (await tx.query<AlertRow & { agency_id: string }>(`${SELECT_ALERT.replace('SELECT l.id', 'SELECT l.agency_id, l.id')} WHERE l.id = $1`, [id])).rows[0];
    if (!row) throw refuse('lead alert', { action, entityType: 'lead_alert', entityId: id, outcome: 'not_found' });
    if (row.agency_id !== ctx.actor.agencyId || !isLead(ctx)) throw refuse('lead alert', { action, entityType: 'lead_alert', entityId: id });
    const [alert] = await withRecords(ctx, tx, [row]);
    if (!alert) throw refuse('lead alert', { action, entityType: 'lead_alert', entityId: id, personId: row.person_id });
    await audit(ctx, tx, { action, outcome: 'success', entityType: 'lead_alert', entityId: id, personId: row.person_id });
    return alert;
  });
}

/** The lead records that the concern has been dealt with, and how. */
export async function dealWithLeadAlert(ctx: ActorContext, id: string, input: DealWithLeadAlert): Promise<LeadAlert> {
  return command(ctx, async (tx) => {
    const action = 'lead-alert.deal-with';
    const row = (await tx.query<AlertRow & { agency_id: string }>(`${SELECT_ALERT.replace('SELECT l.id', 'SELECT l.agency_id, l.id')} WHERE l.id = $1 FOR UPDATE OF l`, [id])).rows[0];
    // Another agency's alert, or anyone but a lead: as if it did not exist.
    if (!row) throw refuse('lead alert', { action, entityType: 'lead_alert', entityId: id, outcome: 'not_found' });
    if (row.agency_id !== ctx.actor.agencyId || !isLead(ctx)) throw refuse('lead alert', { action, entityType: 'lead_alert', entityId: id });
    if (row.dealt_with_at) throw conflict(`This concern was already dealt with by ${row.dealt_with_by_name ?? 'a colleague'}.`);
    const at = ctx.clock.now().toISOString();
    await tx.query('UPDATE lead_alert SET dealt_with_by = $2, dealt_with_at = $3, dealt_with_note = $4 WHERE id = $1', [id, ctx.actor.practitionerId, at, input.note]);
    await audit(ctx, tx, { action, outcome: 'success', entityType: 'lead_alert', entityId: id, personId: row.person_id, detail: { recordId: row.record_id } });
    const [alert] = await withRecords(ctx, tx, (await tx.query<AlertRow>(`${SELECT_ALERT} WHERE l.id = $1`, [id])).rows);
    return alert!;
  });
}

const toView = (agencyId: string, s: SettingRow | undefined): LeadAlertSettingsView => ({
  agencyId, kinds: (s?.kinds ?? []) as LeadAlertSettingsView['kinds'], categories: (s?.categories ?? []) as LeadAlertSettingsView['categories'], updatedAt: s?.updated_at ?? null,
});

/** Anyone in the agency may read which records go to the lead (the record form says so); no other agency. */
export async function getLeadAlertSettings(ctx: ActorContext, agencyId: string): Promise<LeadAlertSettingsView> {
  return command(ctx, async (tx) => {
    const action = 'lead-alert-settings.read';
    if (agencyId !== ctx.actor.agencyId) throw refuse('agency', { action, entityType: 'agency', entityId: agencyId });
    const s = (await tx.query<SettingRow>('SELECT kinds, categories, updated_at FROM lead_alert_setting WHERE agency_id = $1', [agencyId])).rows[0];
    await audit(ctx, tx, { action, outcome: 'success', entityType: 'agency', entityId: agencyId });
    return toView(agencyId, s);
  });
}

/** The agency's administrator chooses which records always go to the lead. */
export async function setLeadAlertSettings(ctx: ActorContext, agencyId: string, input: LeadAlertSettings): Promise<LeadAlertSettingsView> {
  return command(ctx, async (tx) => {
    const action = 'lead-alert-settings.update';
    if (agencyId !== ctx.actor.agencyId) throw refuse('agency', { action, entityType: 'agency', entityId: agencyId });
    if (!ctx.actor.roles.includes('administrator')) {
      throw refuse('agency', { action, entityType: 'agency', entityId: agencyId }, forbidden("Only your agency's administrator chooses which records go to the safeguarding lead."));
    }
    const at = ctx.clock.now().toISOString();
    const kinds = [...new Set(input.kinds)];
    const categories = [...new Set(input.categories)];
    await tx.query(
      `INSERT INTO lead_alert_setting (agency_id, kinds, categories, updated_by, updated_at) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (agency_id) DO UPDATE SET kinds = $2, categories = $3, updated_by = $4, updated_at = $5`,
      [agencyId, kinds, categories, ctx.actor.practitionerId, at]);
    await audit(ctx, tx, { action, outcome: 'success', entityType: 'agency', entityId: agencyId, detail: { kinds: kinds.join(','), categories: categories.join(',') } });
    return toView(agencyId, { kinds, categories, updated_at: at });
  });
}
