import { decidePerson } from '../access/policy.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import type { Queryable } from '../db/database.ts';
import { personInReach } from '../people/people.ts';
import type { ActorContext } from '../shared/context.ts';
import { conflict, invalid } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { grantsFor, withGrants } from '../sharing/grants.ts';
import { NewPersonLink, Unlink, type PersonLink } from './schemas.ts';

/** One person entry reached through live same-person links from a seed. */
export interface ClusterMember {
  seed: string;
  id: string;
  agencyId: string;
  dateOfBirth: string | null;
}

/**
 * Every entry joined to each seed through live links, transitively, the seed included.
 * One recursive query however many seeds; UNION (not UNION ALL) stops at entries already reached.
 */
export async function clustersOf(tx: Queryable, seeds: readonly string[]): Promise<ClusterMember[]> {
  if (seeds.length === 0) return [];
  const { rows } = await tx.query<{ seed: string; id: string; agency_id: string; date_of_birth: string | null }>(
    `WITH RECURSIVE c(seed, id) AS (
       SELECT s.id, s.id FROM unnest($1::uuid[]) AS s(id)
       UNION
       SELECT c.seed, CASE WHEN l.person_id = c.id THEN l.other_person_id ELSE l.person_id END
         FROM c JOIN person_link l ON (l.person_id = c.id OR l.other_person_id = c.id) AND l.unlinked_at IS NULL
     )
     SELECT c.seed, p.id, p.agency_id, p.date_of_birth FROM c JOIN person p ON p.id = c.id
      WHERE p.id = ANY(ARRAY(SELECT id FROM c)) -- by id: else the planner hashes the whole person table (linked-entries.ts)
      ORDER BY c.seed, p.created_at, p.id`,
    [seeds],
  );
  return rows.map((r) => ({ seed: r.seed, id: r.id, agencyId: r.agency_id, dateOfBirth: r.date_of_birth }));
}

interface LinkRow {
  id: string;
  person_id: string;
  other_person_id: string;
  decided_by: string;
  decided_at: string;
  reason: string | null;
  unlinked_at: string | null;
  unlinked_by: string | null;
  unlink_reason: string | null;
}

function toLink(r: LinkRow): PersonLink {
  return {
    id: r.id,
    personId: r.person_id,
    otherPersonId: r.other_person_id,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    reason: r.reason,
    unlinkedAt: r.unlinked_at,
    unlinkedBy: r.unlinked_by,
    unlinkReason: r.unlink_reason,
  };
}

/**
 * Records that two entries (usually in two agencies' indexes) are the same person. The actor must
 * be able to read both: their own agency's entry, or one another agency has shared records about
 * with them. The link makes the agencies visible to each other; it shares no record content.
 */
export async function linkPeople(ctx: ActorContext, personId: string, otherPersonId: string, reason: string): Promise<PersonLink> {
  const why = NewPersonLink.shape.reason.safeParse(reason);
  if (!why.success) throw invalid('Say why these are the same person.', [{ pointer: '/reason', detail: why.error.issues[0]!.message }]);
  if (otherPersonId === personId) {
    throw invalid('An entry cannot be linked to itself.', [{ pointer: '/otherPersonId', detail: 'Choose the other agency\'s entry for this person' }]);
  }
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'read', 'person.link');
    await personInReach(ctx, tx, otherPersonId, 'read', 'person.link');
    // Serialise linking of these two entries so two practitioners cannot link them twice at once.
    await tx.query('SELECT id FROM person WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [[personId, otherPersonId]]);
    const cluster = await clustersOf(tx, [personId]);
    if (cluster.some((m) => m.id === otherPersonId)) {
      throw conflict('These entries are already recorded as the same person.');
    }
    const id = newId();
    const { rows } = await tx.query<LinkRow>(
      `INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at, reason) VALUES ($1,$2,$3,$4,$5,$6)
       RETURNING id, person_id, other_person_id, decided_by, decided_at, reason, unlinked_at, unlinked_by, unlink_reason`,
      [id, personId, otherPersonId, ctx.actor.practitionerId, ctx.clock.now().toISOString(), why.data],
    );
    await audit(ctx, tx, { action: 'person.link', outcome: 'success', entityType: 'person_link', entityId: id, personId, detail: { otherPersonId } });
    return toLink(rows[0]!);
  });
}

/**
 * Undoes a wrong link: the link is kept, marked as ended, with who ended it, when and why; the
 * entries are then exactly as separate as before it was made. Anyone who may read either entry
 * may undo it (undoing only ever narrows what is visible).
 */
export async function unlinkPeople(ctx: ActorContext, linkId: string, reason: string): Promise<PersonLink> {
  const why = Unlink.shape.reason.safeParse(reason);
  if (!why.success) throw invalid('Say why the link is wrong.', [{ pointer: '/reason', detail: why.error.issues[0]!.message }]);
  return command(ctx, async (tx) => {
    const link = (await tx.query<LinkRow & { person_agency_id: string; other_agency_id: string }>(
      `SELECT l.id, l.person_id, l.other_person_id, l.decided_by, l.decided_at, l.reason, l.unlinked_at, l.unlinked_by, l.unlink_reason,
              p.agency_id AS person_agency_id, o.agency_id AS other_agency_id
         FROM person_link l JOIN person p ON p.id = l.person_id JOIN person o ON o.id = l.other_person_id
        WHERE l.id = $1 FOR UPDATE OF l`, [linkId])).rows[0];
    if (!link) throw refuse('link', { action: 'person.unlink', entityType: 'person_link', entityId: linkId, outcome: 'not_found' });
    const now = ctx.clock.now();
    const grants = await grantsFor(tx, ctx.actor, { personIds: [link.person_id, link.other_person_id] });
    const actor = withGrants(ctx.actor, grants);
    const readable = decidePerson(actor, 'read', { id: link.person_id, agencyId: link.person_agency_id }, now).allowed ||
      decidePerson(actor, 'read', { id: link.other_person_id, agencyId: link.other_agency_id }, now).allowed;
    if (!readable) throw refuse('link', { action: 'person.unlink', entityType: 'person_link', entityId: linkId, personId: link.person_id });
    if (link.unlinked_at) throw conflict('This link has already been undone.');
    const { rows } = await tx.query<LinkRow>(
      `UPDATE person_link SET unlinked_at = $2, unlinked_by = $3, unlink_reason = $4 WHERE id = $1
       RETURNING id, person_id, other_person_id, decided_by, decided_at, reason, unlinked_at, unlinked_by, unlink_reason`,
      [linkId, now.toISOString(), ctx.actor.practitionerId, why.data],
    );
    await audit(ctx, tx, { action: 'person.unlink', outcome: 'success', entityType: 'person_link', entityId: linkId, personId: link.person_id, detail: { otherPersonId: link.other_person_id } });
    // Whoever undoes it, another agency's id for its entry is not given back (issue 16).
    const undone = toLink(rows[0]!);
    return {
      ...undone,
      personId: link.person_agency_id === ctx.actor.agencyId ? undone.personId : null,
      otherPersonId: link.other_agency_id === ctx.actor.agencyId ? undone.otherPersonId : null,
    };
  });
}
