import { checkView } from '../access/views.ts';
import { z } from 'zod';
import { audit, command, refuse } from '../audit/audit.ts';
import type { Queryable } from '../db/database.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { ChildSummary, childrenOfIn, notificationRef, refKey } from '../people/child-summary.ts';
import { Uuid } from '../shared/schemas.ts';
import { KeyId, KeyTime, keysetPage, sqlKeyTime, type Page, type PageRequest } from '../shared/pagination.ts';

/**
 * A practitioner's own notifications: what happened and a link to it. The stored message never
 * says who it is about (see notify.ts); the child is looked up as the list is read, and named only
 * to a reader who may read that child. Nobody reads or marks anyone else's.
 */

export const Notification = z
  .object({
    id: Uuid,
    kind: z.string().meta({ description: 'e.g. information-request.received, information-request.answered, share.revoked.' }),
    entityType: z.string(),
    entityId: Uuid,
    message: z.string(),
    createdAt: z.string(),
    readAt: z.string().nullable(),
    child: ChildSummary.nullable().meta({ description: 'Which child it is about: null when it is about no one child, or you may not read their entry (a request for advice never names one: golden rule 3).' }),
  })
  .meta({ id: 'Notification' });
export type Notification = z.infer<typeof Notification>;

interface NotificationRow {
  id: string;
  practitioner_id: string;
  kind: string;
  entity_type: string;
  entity_id: string;
  message: string;
  created_at: string;
  read_at: string | null;
}

const toNotification = (r: NotificationRow, child: ChildSummary | null): Notification => ({
  child, id: r.id, kind: r.kind, entityType: r.entity_type, entityId: r.entity_id, message: r.message, createdAt: r.created_at, readAt: r.read_at,
});

/** The notifications with the child each is about, as far as the reader may see them (issue 17). */
async function named(ctx: ActorContext, tx: Tx, rows: readonly NotificationRow[]): Promise<Notification[]> {
  const refs = rows.map((r) => notificationRef({ kind: r.kind, entityType: r.entity_type, entityId: r.entity_id }));
  const about = await childrenOfIn(ctx, tx, refs);
  return rows.map((r, i) => toNotification(r, about.get(refKey(refs[i]!.type, refs[i]!.id))?.children[0] ?? null));
}

const SELECT_NOTIFICATION = 'SELECT id, practitioner_id, kind, entity_type, entity_id, message, created_at, read_at FROM notification';
const SELECT_NOTIFICATION_KEYED = `SELECT id, practitioner_id, kind, entity_type, entity_id, message, created_at, read_at, ${sqlKeyTime('created_at')} AS key_at FROM notification`;

/** The caller's notifications, newest first (the first 500: the pages show them all at once). */
export async function listNotifications(ctx: ActorContext, options: { unreadOnly?: boolean } = {}): Promise<Notification[]> {
  return (await listNotificationsPage(ctx, options, { limit: 500 })).items;
}

/** Notifications keyset: newest first, by when they were made, then id. */
export const NotificationKey = z.tuple([KeyTime, KeyId]);
export type NotificationKey = z.infer<typeof NotificationKey>;

export async function listNotificationsPage(ctx: ActorContext, options: { unreadOnly?: boolean }, req: PageRequest<NotificationKey>): Promise<Page<Notification>> {
  const unreadOnly = options.unreadOnly ?? false;
  return command(ctx, async (tx) => {
    // Notifications point at casework (a meeting, a referral, a share): casework roles only.
    checkView(ctx, 'notifications', 'notification.list');
    const { rows, nextCursor } = await keysetPage('notifications', req, async (after, n) => (await tx.query<NotificationRow & { key_at: string }>(
      `${SELECT_NOTIFICATION_KEYED} WHERE practitioner_id = $1 AND (NOT $2::boolean OR read_at IS NULL)
          AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $5`,
      [ctx.actor.practitionerId, unreadOnly, after?.[0] ?? null, after?.[1] ?? null, n],
    )).rows, (r): NotificationKey => [r.key_at, r.id]);
    await audit(ctx, tx, { action: 'notification.list', outcome: 'success', entityType: 'practitioner', entityId: ctx.actor.practitionerId, detail: { count: rows.length, unreadOnly } });
    return { items: await named(ctx, tx, rows), nextCursor };
  });
}

async function loadNotification(tx: Queryable, id: string): Promise<NotificationRow | undefined> {
  return (await tx.query<NotificationRow>(`${SELECT_NOTIFICATION} WHERE id = $1`, [id])).rows[0];
}

/** Marks one of the caller's own notifications read; marking it again keeps the first time. */
export async function markRead(ctx: ActorContext, id: string): Promise<Notification> {
  return command(ctx, async (tx) => {
    const row = await loadNotification(tx, id);
    if (!row) throw refuse('notification', { action: 'notification.read', entityType: 'notification', entityId: id, outcome: 'not_found' });
    if (row.practitioner_id !== ctx.actor.practitionerId) throw refuse('notification', { action: 'notification.read', entityType: 'notification', entityId: id });
    await tx.query('UPDATE notification SET read_at = coalesce(read_at, $2) WHERE id = $1', [id, ctx.clock.now().toISOString()]);
    await audit(ctx, tx, { action: 'notification.read', outcome: 'success', entityType: 'notification', entityId: id });
    return (await named(ctx, tx, [(await loadNotification(tx, id))!]))[0]!;
  });
}
