import { checkView } from '../access/views.ts';
import { createHmac } from 'node:crypto';
import { mailer, mailSettings, type MailTransport } from './mailer.ts';
import type { Role } from '../access/policy.ts';
import { audit, auditSystem, command, refuse } from '../audit/audit.ts';
import type { ActorContext, Services, Tx } from '../shared/context.ts';
import { conflict, forbidden } from '../shared/errors.ts';
import { notifyPractitioners } from '../sharing/notify.ts';
import type { SeenNotification } from '../flags/schemas.ts';
import { z } from 'zod';
import { KeyId, KeyTime, keysetPage, sqlKeyTime, type Page, type PageRequest } from '../shared/pagination.ts';
import { webhookHttpHostsFrom } from '../config/config.ts';
import { postWebhook, type ResolveHost } from './webhook-address.ts';
import { agencyTypeOf } from '../shared/agency-types.ts';

/**
 * "Child was seen": each unscheduled lookup of a flagged child puts a notification in the
 * responsible authority's queue (src/flags/lookup.ts) and, through an outbox, delivers it to the
 * authority's webhook and/or e-mail address. A delivery that fails is retried with exponential
 * back-off for as long as it takes: nothing is dropped. The authority acknowledges each
 * notification; one left unacknowledged for JIGSAW_SEEN_ESCALATE_HOURS alerts its managers.
 */

export interface SeenSettings {
  /** The address practitioners reach Jigsaw at; links in webhooks and e-mails start with it. */
  publicUrl: string;
  smtpUrl: string | undefined;
  smtpFrom: string;
  escalateHours: number;
  /** JIGSAW_WEBHOOK_HTTP_HOSTS: receivers inside the operator's network (plain http, private addresses). */
  webhookHttpHosts: readonly string[];
}

export function seenSettings(env: NodeJS.ProcessEnv = process.env): SeenSettings {
  const hours = env.JIGSAW_SEEN_ESCALATE_HOURS ? Number(env.JIGSAW_SEEN_ESCALATE_HOURS) : 4;
  if (!Number.isFinite(hours) || hours <= 0) throw new Error('JIGSAW_SEEN_ESCALATE_HOURS must be a positive number of hours');
  return {
    publicUrl: (env.JIGSAW_PUBLIC_URL || 'http://localhost:3000').replace(/\/+$/, ''),
    ...mailSettings(env),
    escalateHours: hours,
    webhookHttpHosts: webhookHttpHostsFrom(env),
  };
}

const MINUTE = 60_000;
/** 1, 2, 4, 8 … minutes, then every 6 hours: a receiver that is down for days still gets everything. */
export const backoffMs = (attempts: number): number => Math.min(MINUTE * 2 ** Math.max(0, attempts - 1), 6 * 60 * MINUTE);
/** A claimed delivery is not picked up again for this long, so two workers never send it at once. */
const LEASE_MS = 2 * MINUTE;

export const notificationLink = (settings: SeenSettings, id: string): string => `${settings.publicUrl}/api/v1/seen-notifications/${id}`;

/** The signature a receiver checks: HMAC-SHA256 over "timestamp.body" with the authority's secret. */
export const signWebhook = (secret: string, timestamp: string, body: string): string => `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

interface DueRow {
  id: string; notification_id: string; channel: 'webhook' | 'email'; target: string; attempts: number;
  agency_id: string; person_id: string; seen_at: string; setting_name: string; setting_type: string; attendances_12_months: number; webhook_secret: string | null;
}

export interface DeliveryOptions {
  settings?: SeenSettings;
  /** How many deliveries one pass claims. */
  limit?: number;
  /** Replaces the SMTP transport (tests). */
  mailer?: MailTransport;
  /** Replaces the DNS lookup of webhook hosts (tests): the addresses it answers are checked and connected to. */
  resolve?: ResolveHost;
}

export interface DeliveryPass { attempted: number; delivered: number; failed: number; escalated: number }

/** The webhook body: what the authority needs to act, and no more (no name, no date of birth, no NHS number). */
export function webhookPayload(d: Pick<DueRow, 'notification_id' | 'agency_id' | 'person_id' | 'seen_at' | 'setting_name' | 'setting_type' | 'attendances_12_months'>, settings: SeenSettings): Record<string, unknown> {
  return {
    type: 'child-was-seen',
    notificationId: d.notification_id,
    authorityAgencyId: d.agency_id,
    childPersonId: d.person_id,
    seenAt: d.seen_at,
    setting: { name: d.setting_name, type: d.setting_type },
    unscheduled: true,
    attendancesLast12Months: d.attendances_12_months,
    link: notificationLink(settings, d.notification_id),
  };
}

async function send(d: DueRow, settings: SeenSettings, opts: DeliveryOptions): Promise<string | undefined> {
  if (d.channel === 'webhook') {
    if (!d.webhook_secret) return 'no_secret';
    const body = JSON.stringify(webhookPayload(d, settings));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const outcome = await postWebhook({
      url: d.target, body, httpHosts: settings.webhookHttpHosts, resolve: opts.resolve,
      headers: { 'content-type': 'application/json', 'x-jigsaw-delivery': d.id, 'x-jigsaw-timestamp': timestamp, 'x-jigsaw-signature': signWebhook(d.webhook_secret, timestamp, body) },
    });
    return outcome === 'delivered' ? undefined : outcome;
  }
  const mail = mailer(settings, opts.mailer);
  if (!mail.configured) return 'smtp_not_configured';
  try {
    await mail.send({
      to: d.target,
      subject: 'Jigsaw: a flagged child was seen in an unscheduled care setting',
      text: [
        'A child for whom your authority holds a child protection or looked-after flag has been seen in an unscheduled care setting.',
        '',
        `Open the notification in Jigsaw (sign in first): ${notificationLink(settings, d.notification_id)}`,
        '',
        'This e-mail deliberately holds no personal details.',
      ].join('\n'),
    });
    return undefined;
  } catch {
    return 'smtp_failed';
  }
}

/**
 * One delivery pass: claims what is due, sends it, records each outcome, then escalates what has
 * waited too long for acknowledgement. The server calls it periodically; tests call it directly.
 */
export async function deliverSeenNotifications(s: Services, opts: DeliveryOptions = {}): Promise<DeliveryPass> {
  const settings = opts.settings ?? seenSettings();
  const now = s.clock.now();
  const due = await s.db.transaction(async (tx) => {
    const { rows } = await tx.query<DueRow>(
      `SELECT d.id, d.notification_id, d.channel, d.target, d.attempts, n.agency_id, n.person_id, n.seen_at, n.setting_name, n.setting_type,
              n.attendances_12_months, st.webhook_secret
         FROM seen_delivery d JOIN seen_notification n ON n.id = d.notification_id
         LEFT JOIN flag_authority_settings st ON st.agency_id = n.agency_id
        WHERE d.delivered_at IS NULL AND d.next_attempt_at <= $1
        ORDER BY d.next_attempt_at LIMIT $2 FOR UPDATE OF d SKIP LOCKED`,
      [now.toISOString(), opts.limit ?? 100]);
    if (rows.length) {
      await tx.query('UPDATE seen_delivery SET attempts = attempts + 1, next_attempt_at = $2 WHERE id = ANY($1::uuid[])',
        [rows.map((r) => r.id), new Date(now.getTime() + LEASE_MS).toISOString()]);
    }
    return rows.map((r) => ({ ...r, attempts: r.attempts + 1 }));
  });
  const outcomes = await Promise.all(due.map(async (d) => ({ d, error: await send(d, settings, opts) })));
  let delivered = 0;
  for (const { d, error } of outcomes) {
    await s.db.transaction(async (tx) => {
      const at = s.clock.now();
      if (error === undefined) {
        delivered += 1;
        await tx.query('UPDATE seen_delivery SET delivered_at = $2, last_error = NULL WHERE id = $1', [d.id, at.toISOString()]);
      } else {
        await tx.query('UPDATE seen_delivery SET next_attempt_at = $2, last_error = $3 WHERE id = $1', [d.id, new Date(at.getTime() + backoffMs(d.attempts)).toISOString(), error]);
      }
      await auditSystem(s, tx, {
        action: 'seen-notification.deliver', outcome: error === undefined ? 'success' : 'failure', entityType: 'seen_notification', entityId: d.notification_id,
        personId: d.person_id, detail: { channel: d.channel, attempts: d.attempts, error: error ?? null },
      });
    });
  }
  const escalated = await escalateUnacknowledged(s, settings);
  return { attempted: due.length, delivered, failed: due.length - delivered, escalated };
}

/** Unacknowledged after the configured hours: the authority's managers are alerted, once per notification. */
async function escalateUnacknowledged(s: Services, settings: SeenSettings): Promise<number> {
  return s.db.transaction(async (tx) => {
    const now = s.clock.now();
    const { rows } = await tx.query<{ id: string; agency_id: string; person_id: string }>(
      `UPDATE seen_notification SET escalated_at = $1
        WHERE acknowledged_at IS NULL AND escalated_at IS NULL AND created_at <= $2
        RETURNING id, agency_id, person_id`,
      [now.toISOString(), new Date(now.getTime() - settings.escalateHours * 3_600_000).toISOString()]);
    for (const n of rows) {
      const managers = (await tx.query<{ id: string }>(
        `SELECT p.id FROM practitioner p JOIN practitioner_role r ON r.practitioner_id = p.id
          WHERE p.agency_id = $1 AND p.active AND r.role IN ('manager', 'safeguarding_lead') ORDER BY (r.role <> 'manager'), p.id`,
        [n.agency_id])).rows;
      await notifyPractitioners(tx, managers.map((m) => m.id), {
        kind: 'seen-notification.unacknowledged', entityType: 'seen_notification', entityId: n.id,
        message: `A flagged child was seen in an unscheduled care setting and nobody has acknowledged it after ${settings.escalateHours} hours.`,
      }, now);
      await auditSystem(s, tx, { action: 'seen-notification.escalate', outcome: 'success', entityType: 'seen_notification', entityId: n.id, personId: n.person_id, detail: { managers: managers.length } });
    }
    return rows.length;
  });
}

interface NotificationRow {
  id: string; agency_id: string; person_id: string; seen_at: string; setting_name: string; setting_type: string; attendances_12_months: number; created_at: string;
  acknowledged_at: string | null; acknowledged_by: string | null; acknowledgement_note: string | null; escalated_at: string | null;
  deliveries: { channel: 'webhook' | 'email'; attempts: number; next_attempt_at: string; delivered_at: string | null; last_error: string | null }[] | null;
}

const SELECT_NOTIFICATIONS = `
  SELECT n.id, n.agency_id, n.person_id, n.seen_at, n.setting_name, n.setting_type, n.attendances_12_months, n.created_at, n.acknowledged_at, n.acknowledged_by,
         n.acknowledgement_note, n.escalated_at,
         (SELECT json_agg(json_build_object('channel', d.channel, 'attempts', d.attempts, 'next_attempt_at', d.next_attempt_at, 'delivered_at', d.delivered_at, 'last_error', d.last_error) ORDER BY d.channel)
            FROM seen_delivery d WHERE d.notification_id = n.id) AS deliveries
    FROM seen_notification n`;

/**
 * What a delivery's status may say: a plain reason, never a network detail. Codes stored before
 * webhooks were checked (refused, timeout, http_503 …) read as "not accepted" too.
 */
export const DELIVERY_FAILURES = ['address_not_allowed', 'not_accepted', 'no_secret', 'smtp_not_configured', 'smtp_failed'] as const;
const publicFailure = (code: string | null): string | null => (code === null || (DELIVERY_FAILURES as readonly string[]).includes(code) ? code : 'not_accepted');

const iso = (v: string | null): string | null => (v === null ? null : new Date(v).toISOString());

const toNotification = (r: NotificationRow): SeenNotification => ({
  id: r.id, childPersonId: r.person_id, seenAt: r.seen_at, setting: { name: r.setting_name, type: r.setting_type }, attendancesLast12Months: r.attendances_12_months,
  createdAt: r.created_at, acknowledgedAt: r.acknowledged_at, acknowledgedBy: r.acknowledged_by, acknowledgementNote: r.acknowledgement_note, escalatedAt: r.escalated_at,
  deliveries: (r.deliveries ?? []).map((d) => ({ channel: d.channel, attempts: d.attempts, nextAttemptAt: iso(d.next_attempt_at)!, deliveredAt: iso(d.delivered_at), lastError: publicFailure(d.last_error) })),
});

/** Who reads the authority's queue, in children's social care. */
export const SEEN_QUEUE_ROLES: readonly Role[] = ['social_worker', 'manager', 'safeguarding_lead', 'practitioner'];

/** Whether a practitioner reads the "child was seen" queue: casework staff of children's social care. The pages ask it to offer the queue. */
export const readsSeenQueue = (agencyType: string, roles: readonly Role[]): boolean =>
  agencyType === 'childrens_social_care' && roles.some((r) => SEEN_QUEUE_ROLES.includes(r));

/** The authority's own queue: casework staff of children's social care only. */
async function checkQueueReader(ctx: ActorContext, action: string, tx: Tx): Promise<void> {
  const a = { type: await agencyTypeOf(tx, ctx.actor.agencyId) };
  if (a?.type !== 'childrens_social_care') throw forbidden('"Child was seen" notifications go to the responsible authority.');
  checkView(ctx, 'seen-notifications', action, 'not-found');
  if (!ctx.actor.roles.some((r) => SEEN_QUEUE_ROLES.includes(r))) {
    throw refuse('agency', { action, entityType: 'agency', entityId: ctx.actor.agencyId });
  }
}

export async function listSeenNotifications(ctx: ActorContext, q: { status?: 'open' | 'all' | undefined }): Promise<SeenNotification[]> {
  return (await listSeenNotificationsPage(ctx, q, { limit: 1000 })).items;
}

/** "Child was seen" keyset: newest first, by when the notification was made, then id. */
export const SeenNotificationKey = z.tuple([KeyTime, KeyId]);
export type SeenNotificationKey = z.infer<typeof SeenNotificationKey>;

export async function listSeenNotificationsPage(ctx: ActorContext, q: { status?: 'open' | 'all' | undefined }, req: PageRequest<SeenNotificationKey>): Promise<Page<SeenNotification>> {
  return command(ctx, async (tx) => {
    await checkQueueReader(ctx, 'seen-notification.list', tx);
    const { rows, nextCursor } = await keysetPage('seen-notifications', req, async (after, n) => (await tx.query<NotificationRow & { key_at: string }>(
      `SELECT k.*, ${sqlKeyTime('k.created_at')} AS key_at FROM (${SELECT_NOTIFICATIONS}
          WHERE n.agency_id = $1 AND ($2::boolean OR n.acknowledged_at IS NULL)
            AND ($3::timestamptz IS NULL OR (n.created_at, n.id) < ($3::timestamptz, $4::uuid))
          ORDER BY n.created_at DESC, n.id DESC LIMIT $5) k ORDER BY k.created_at DESC, k.id DESC`,
      [ctx.actor.agencyId, q.status === 'all', after?.[0] ?? null, after?.[1] ?? null, n])).rows, (r): SeenNotificationKey => [r.key_at, r.id]);
    await audit(ctx, tx, { action: 'seen-notification.list', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { count: rows.length } });
    return { items: rows.map(toNotification), nextCursor };
  });
}

async function notificationInReach(ctx: ActorContext, tx: Tx, id: string, action: string, lock = false): Promise<NotificationRow> {
  await checkQueueReader(ctx, action, tx);
  const row = (await tx.query<NotificationRow>(`${SELECT_NOTIFICATIONS} WHERE n.id = $1${lock ? ' FOR UPDATE OF n' : ''}`, [id])).rows[0];
  if (!row) throw refuse('notification', { action, entityType: 'seen_notification', entityId: id, outcome: 'not_found' });
  if (row.agency_id !== ctx.actor.agencyId) throw refuse('notification', { action, entityType: 'seen_notification', entityId: id, personId: row.person_id });
  return row;
}

export async function getSeenNotification(ctx: ActorContext, id: string): Promise<SeenNotification> {
  return command(ctx, async (tx) => {
    const row = await notificationInReach(ctx, tx, id, 'seen-notification.read');
    await audit(ctx, tx, { action: 'seen-notification.read', outcome: 'success', entityType: 'seen_notification', entityId: id, personId: row.person_id });
    return toNotification(row);
  });
}

export async function acknowledgeSeenNotification(ctx: ActorContext, id: string, input: { note?: string | undefined }): Promise<SeenNotification> {
  return command(ctx, async (tx) => {
    const row = await notificationInReach(ctx, tx, id, 'seen-notification.acknowledge', true);
    if (row.acknowledged_at) throw conflict('This notification has already been acknowledged.');
    const at = ctx.clock.now().toISOString();
    await tx.query('UPDATE seen_notification SET acknowledged_at = $2, acknowledged_by = $3, acknowledgement_note = $4 WHERE id = $1', [id, at, ctx.actor.practitionerId, input.note ?? null]);
    await audit(ctx, tx, { action: 'seen-notification.acknowledge', outcome: 'success', entityType: 'seen_notification', entityId: id, personId: row.person_id });
    return toNotification({ ...row, acknowledged_at: at, acknowledged_by: ctx.actor.practitionerId, acknowledgement_note: input.note ?? null });
  });
}
