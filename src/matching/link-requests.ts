import { decideLinkRequest, hasMatchingBasis } from '../access/policy.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import { clustersOf } from '../chronology/links.ts';
import type { Queryable } from '../db/database.ts';
import { isSensitiveAgency } from '../partnership/schemas.ts';
import type { ActorContext } from '../shared/context.ts';
import { conflict } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { agencyTypeOf } from './disclosure.ts';
import type { LinkRequest } from './schemas.ts';

/**
 * A cross-agency "same person" is agreed by both agencies: the asking agency's request waits for
 * the other agency's safeguarding lead, Caldicott guardian or (in children's social care) a
 * caseworker to accept or decline it. Until it is accepted nothing is linked, so neither agency's
 * "agencies involved" shows the other. The asked agency sees the asking agency's name (it chose to
 * ask) and its own entry; the asking agency never sees the other agency's id for its entry.
 */

export interface PendingRow {
  id: string;
  person_id: string;
  other_person_id: string;
  reason: string;
  probability: number;
}

export async function pendingRequestBetween(tx: Queryable, a: string, b: string): Promise<PendingRow | undefined> {
  return (await tx.query<PendingRow>(
    `SELECT id, person_id, other_person_id, reason, probability FROM person_link_request
      WHERE least(person_id, other_person_id) = least($1::uuid, $2::uuid) AND greatest(person_id, other_person_id) = greatest($1::uuid, $2::uuid)
        AND status = 'pending' FOR UPDATE`, [a, b])).rows[0];
}

/** Records a same-person link and audits it; `detail` holds ids only. */
export async function insertLink(
  ctx: ActorContext, tx: Queryable,
  l: { personId: string; otherId: string; reason: string; lawfulBasis?: string; viaRequestId?: string; detail: Record<string, string | number | boolean | null> },
): Promise<string> {
  const id = newId();
  await tx.query('INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at, reason, lawful_basis, via_request_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)',
    [id, l.personId, l.otherId, ctx.actor.practitionerId, ctx.clock.now().toISOString(), l.reason, l.lawfulBasis ?? null, l.viaRequestId ?? null]);
  await audit(ctx, tx, { action: 'person.link', outcome: 'success', entityType: 'person_link', entityId: id, personId: l.personId, detail: l.detail });
  return id;
}

/** The asked agency agrees: the link is recorded (by the one who accepted) and the request closed. */
export async function acceptPending(ctx: ActorContext, tx: Queryable, r: PendingRow, actorAgencyType: string, why: string): Promise<string> {
  const owner = (await tx.query<{ agency_id: string }>('SELECT agency_id FROM person WHERE id = $1', [r.other_person_id])).rows[0];
  if (!owner || !decideLinkRequest(ctx.actor, actorAgencyType, owner.agency_id).allowed) {
    throw refuse('request', { action: 'person.link-request.accept', entityType: 'person_link_request', entityId: r.id, outcome: 'not_found' });
  }
  if ((await clustersOf(tx, [r.person_id])).some((m) => m.id === r.other_person_id)) throw conflict('These entries are already recorded as the same person.');
  const linkId = await insertLink(ctx, tx, {
    personId: r.person_id, otherId: r.other_person_id, reason: r.reason, viaRequestId: r.id,
    detail: { otherPersonId: r.other_person_id, via: 'link-request', requestId: r.id, probability: r.probability },
  });
  await tx.query("UPDATE person_link_request SET status = 'accepted', decided_by = $2, decided_at = $3, decision_reason = $4, link_id = $5 WHERE id = $1",
    [r.id, ctx.actor.practitionerId, ctx.clock.now().toISOString(), why, linkId]);
  await audit(ctx, tx, { action: 'person.link-request.accept', outcome: 'success', entityType: 'person_link_request', entityId: r.id, personId: r.other_person_id, detail: { linkId } });
  return linkId;
}

interface RequestRow {
  id: string;
  person_id: string;
  other_person_id: string;
  person_agency_id: string;
  other_agency_id: string;
  person_agency_name: string;
  other_agency_name: string;
  other_agency_type: string;
  other_agency_sensitive: boolean;
  requested_at: string | Date;
  reason: string;
  probability: number;
  status: LinkRequest['status'];
  decided_at: string | Date | null;
  decision_reason: string | null;
}

const SELECT_REQUEST = `SELECT r.id, r.person_id, r.other_person_id, p.agency_id AS person_agency_id, o.agency_id AS other_agency_id,
       pa.name AS person_agency_name, oa.name AS other_agency_name, oa.type AS other_agency_type, oa.sensitive AS other_agency_sensitive,
       r.requested_at, r.reason, r.probability, r.status, r.decided_at, r.decision_reason
  FROM person_link_request r JOIN person p ON p.id = r.person_id JOIN person o ON o.id = r.other_person_id
  JOIN agency pa ON pa.id = p.agency_id JOIN agency oa ON oa.id = o.agency_id`;

const iso = (v: string | Date | null): string | null => (v === null ? null : new Date(v).toISOString());

/** Shaped for the caller's agency: its own entry's id, the other agency (unnamed if it is a sensitive service that was asked). */
function toRequest(ctx: ActorContext, r: RequestRow): LinkRequest {
  const incoming = r.other_agency_id === ctx.actor.agencyId;
  const hidden = !incoming && isSensitiveAgency(r.other_agency_type, r.other_agency_sensitive);
  return {
    id: r.id,
    direction: incoming ? 'incoming' : 'outgoing',
    personId: incoming ? r.other_person_id : r.person_id,
    otherAgencyId: incoming ? r.person_agency_id : hidden ? null : r.other_agency_id,
    otherAgencyName: incoming ? r.person_agency_name : hidden ? null : r.other_agency_name,
    requestedAt: iso(r.requested_at)!, reason: r.reason, probability: Number(r.probability), status: r.status,
    // The asked agency's reason for its answer stays with it.
    decidedAt: iso(r.decided_at), decisionReason: incoming ? r.decision_reason : null,
  };
}

/**
 * Link requests made to and by the caller's agency, newest first; only for the roles that may
 * answer them (anyone else gets an empty list, as if there were none).
 */
export async function listLinkRequests(ctx: ActorContext): Promise<LinkRequest[]> {
  return command(ctx, async (tx) => {
    if (!hasMatchingBasis(ctx.actor, await agencyTypeOf(tx, ctx.actor.agencyId))) {
      await audit(ctx, tx, { action: 'person.link-request.list', outcome: 'success', detail: { count: 0 } });
      return [];
    }
    const { rows } = await tx.query<RequestRow>(`${SELECT_REQUEST} WHERE p.agency_id = $1 OR o.agency_id = $1 ORDER BY r.requested_at DESC, r.id LIMIT 200`, [ctx.actor.agencyId]);
    await audit(ctx, tx, { action: 'person.link-request.list', outcome: 'success', detail: { count: rows.length } });
    return rows.map((r) => toRequest(ctx, r));
  });
}

async function loadForAnswer(ctx: ActorContext, tx: Queryable, id: string, action: string): Promise<RequestRow> {
  const r = (await tx.query<RequestRow>(`${SELECT_REQUEST} WHERE r.id = $1 FOR UPDATE OF r`, [id])).rows[0];
  if (!r) throw refuse('request', { action, entityType: 'person_link_request', entityId: id, outcome: 'not_found' });
  if (!decideLinkRequest(ctx.actor, await agencyTypeOf(tx, ctx.actor.agencyId), r.other_agency_id).allowed) {
    throw refuse('request', { action, entityType: 'person_link_request', entityId: id, personId: r.other_person_id });
  }
  if (r.status !== 'pending') throw conflict('This request has already been answered.');
  return r;
}

export async function acceptLinkRequest(ctx: ActorContext, id: string, reason: string): Promise<LinkRequest> {
  return command(ctx, async (tx) => {
    const r = await loadForAnswer(ctx, tx, id, 'person.link-request.accept');
    await acceptPending(ctx, tx, r, await agencyTypeOf(tx, ctx.actor.agencyId), reason);
    return toRequest(ctx, (await tx.query<RequestRow>(`${SELECT_REQUEST} WHERE r.id = $1`, [id])).rows[0]!);
  });
}

/** The asked agency declines: nothing is linked, and the asking agency learns only "declined". */
export async function declineLinkRequest(ctx: ActorContext, id: string, reason: string): Promise<LinkRequest> {
  return command(ctx, async (tx) => {
    const r = await loadForAnswer(ctx, tx, id, 'person.link-request.decline');
    await tx.query("UPDATE person_link_request SET status = 'declined', decided_by = $2, decided_at = $3, decision_reason = $4 WHERE id = $1",
      [r.id, ctx.actor.practitionerId, ctx.clock.now().toISOString(), reason]);
    await audit(ctx, tx, { action: 'person.link-request.decline', outcome: 'success', entityType: 'person_link_request', entityId: id, personId: r.other_person_id });
    return toRequest(ctx, (await tx.query<RequestRow>(`${SELECT_REQUEST} WHERE r.id = $1`, [id])).rows[0]!);
  });
}
