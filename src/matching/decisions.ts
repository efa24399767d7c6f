import { decideLawfulLink, decidePerson } from '../access/policy.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import { clustersOf } from '../chronology/links.ts';
import type { Queryable } from '../db/database.ts';
import { personInReach } from '../people/people.ts';
import type { ActorContext } from '../shared/context.ts';
import { conflict, invalid } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { OFFER_THRESHOLD, productScorer, termFrequenciesFor } from './candidates.ts';
import { resolveCandidate } from './disclosure.ts';
import { acceptPending, insertLink, pendingRequestBetween } from './link-requests.ts';
import type { PairScore } from './model.ts';
import { prepare } from './record.ts';
import type { NotSamePerson, SamePersonConfirmation, SamePersonOutcome } from './schemas.ts';
import { loadMatchInput } from './store.ts';

/**
 * A practitioner's decisions on a suggested candidate: the same person, or not. A candidate is
 * named by the reference it was offered with (another agency's entry: an offer; see
 * disclosure.ts). Within one agency a confirmation links at once. Across agencies nothing is linked
 * — and so nothing becomes visible — until the other agency accepts a link request
 * (link-requests.ts), unless children's social care records a lawful basis (never for a sensitive
 * service, which always decides for itself).
 */

export async function pairScore(tx: Queryable, personId: string, otherId: string): Promise<PairScore | undefined> {
  const [a, b] = [await loadMatchInput(tx, personId), await loadMatchInput(tx, otherId)];
  if (!a || !b) return undefined;
  const qa = prepare(a.input);
  const tf = await termFrequenciesFor(tx, qa);
  return productScorer(tf).explain(qa, prepare(b.input));
}

const liveNotSame = async (tx: Queryable, a: string, b: string): Promise<boolean> =>
  (await tx.query('SELECT 1 FROM person_not_same WHERE least(person_id, other_person_id) = least($1::uuid, $2::uuid) AND greatest(person_id, other_person_id) = greatest($1::uuid, $2::uuid) AND undone_at IS NULL', [a, b])).rows.length > 0;

export const reasonOf = (reason: string): string => {
  const r = reason.trim();
  if (!r || r.length > 2000) throw invalid('Say why.', [{ pointer: '/reason', detail: r ? 'At most 2000 characters' : 'Say why' }]);
  return r;
};

const rounded = (p: number): number => Math.round(p * 10000) / 10000;

/**
 * Confirms a suggested candidate as the same person. Your own agency's entry: a same-person link
 * now. Another agency's: a link request that agency answers, or — children's social care only,
 * not for a sensitive service — a link now on the lawful basis given. Undo a link with
 * POST /person-links/{id}/unlink.
 */
export async function confirmSamePerson(ctx: ActorContext, personId: string, ref: string, input: SamePersonConfirmation): Promise<SamePersonOutcome> {
  const why = reasonOf(input.reason);
  if (ref === personId) throw invalid('An entry cannot be linked to itself.', [{ pointer: '/params/otherId', detail: 'Choose the other entry' }]);
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'update', 'person.link');
    const other = await resolveCandidate(ctx, tx, ref, 'person.link', personId);
    const otherId = other.personId;
    await tx.query('SELECT id FROM person WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [[personId, otherId]]);
    if (await liveNotSame(tx, personId, otherId)) throw conflict('These entries are recorded as not the same person; undo that decision first.');
    if ((await clustersOf(tx, [personId])).some((m) => m.id === otherId)) throw conflict('These entries are already recorded as the same person.');
    const score = await pairScore(tx, personId, otherId);
    if (!score || score.probability < OFFER_THRESHOLD) {
      throw invalid('That entry is not a suggested candidate for this person.', [{ pointer: '/params/otherId', detail: 'Choose one of the candidates offered' }]);
    }
    const probability = rounded(score.probability);
    if (!other.viaOffer) {
      const linkId = await insertLink(ctx, tx, { personId, otherId, reason: why, detail: { otherPersonId: otherId, via: 'candidate', probability } });
      return { outcome: 'linked', linkId, requestId: null };
    }
    const facts = { actorAgencyType: other.actorAgencyType, candidateAgencyId: other.agencyId, candidateAgencySensitive: other.sensitive };
    if (input.lawfulBasis) {
      if (!decideLawfulLink(ctx.actor, facts).allowed) {
        throw invalid('Only children\'s social care links another agency\'s entry on a lawful basis, and never a sensitive service\'s: ask the agency instead.', [
          { pointer: '/lawfulBasis', detail: 'Leave this out to ask the other agency to agree' },
        ]);
      }
      const linkId = await insertLink(ctx, tx, {
        personId, otherId, reason: why, lawfulBasis: input.lawfulBasis,
        detail: { otherPersonId: otherId, otherAgencyId: other.agencyId, via: 'lawful-basis', lawfulBasis: input.lawfulBasis, probability },
      });
      return { outcome: 'linked', linkId, requestId: null };
    }
    const pending = await pendingRequestBetween(tx, personId, otherId);
    if (pending && pending.other_person_id === personId) {
      // The other agency asked first: confirming from this side is agreeing.
      const linkId = await acceptPending(ctx, tx, pending, other.actorAgencyType, why);
      return { outcome: 'linked', linkId, requestId: pending.id };
    }
    if (pending) throw conflict('That agency has already been asked; it has not answered yet.');
    const requestId = newId();
    await tx.query(
      'INSERT INTO person_link_request (id, person_id, other_person_id, requested_by, requested_at, reason, probability) VALUES ($1,$2,$3,$4,$5,$6,$7)',
      [requestId, personId, otherId, ctx.actor.practitionerId, ctx.clock.now().toISOString(), why, probability]);
    await audit(ctx, tx, { action: 'person.link-request', outcome: 'success', entityType: 'person_link_request', entityId: requestId, personId, detail: { otherPersonId: otherId, toAgencyId: other.agencyId, probability } });
    return { outcome: 'requested', linkId: null, requestId };
  });
}

interface NotSameRow {
  id: string;
  person_id: string;
  other_person_id: string;
  person_agency_id: string;
  other_agency_id: string;
  decided_by: string;
  decided_at: string | Date;
  reason: string;
  undone_at: string | Date | null;
  undone_by: string | null;
  undo_reason: string | null;
}

const iso = (v: string | Date | null): string | null => (v === null ? null : new Date(v).toISOString());
/** Another agency's id for its entry is never shown, here either. */
const toNotSame = (ctx: ActorContext, r: NotSameRow): NotSamePerson => ({
  id: r.id,
  personId: r.person_agency_id === ctx.actor.agencyId ? r.person_id : null,
  otherPersonId: r.other_agency_id === ctx.actor.agencyId ? r.other_person_id : null,
  decidedBy: r.decided_by, decidedAt: iso(r.decided_at)!, reason: r.reason,
  undoneAt: iso(r.undone_at), undoneBy: r.undone_by, undoReason: r.undo_reason,
});
const SELECT_NOT_SAME = `SELECT d.id, d.person_id, d.other_person_id, d.decided_by, d.decided_at, d.reason, d.undone_at, d.undone_by, d.undo_reason,
       p.agency_id AS person_agency_id, o.agency_id AS other_agency_id
  FROM person_not_same d JOIN person p ON p.id = d.person_id JOIN person o ON o.id = d.other_person_id`;

/**
 * Records that a suggested candidate is not the same person; the suggestion stops coming back,
 * for both agencies. It only ever narrows what is suggested, so it needs no one else's agreement.
 */
export async function recordNotSamePerson(ctx: ActorContext, personId: string, ref: string, reason: string): Promise<NotSamePerson> {
  const why = reasonOf(reason);
  if (ref === personId) throw invalid('An entry is always the same person as itself.', [{ pointer: '/params/otherId', detail: 'Choose the other entry' }]);
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'update', 'person.not-same');
    const otherId = (await resolveCandidate(ctx, tx, ref, 'person.not-same', personId)).personId;
    await tx.query('SELECT id FROM person WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [[personId, otherId]]);
    if (await liveNotSame(tx, personId, otherId)) throw conflict('These entries are already recorded as not the same person.');
    if ((await clustersOf(tx, [personId])).some((m) => m.id === otherId)) {
      throw conflict('These entries are linked as the same person; undo the link instead.');
    }
    const id = newId();
    await tx.query('INSERT INTO person_not_same (id, person_id, other_person_id, decided_by, decided_at, reason) VALUES ($1,$2,$3,$4,$5,$6)',
      [id, personId, otherId, ctx.actor.practitionerId, ctx.clock.now().toISOString(), why]);
    const decision = toNotSame(ctx, (await tx.query<NotSameRow>(`${SELECT_NOT_SAME} WHERE d.id = $1`, [id])).rows[0]!);
    await audit(ctx, tx, { action: 'person.not-same', outcome: 'success', entityType: 'person_not_same', entityId: id, personId, detail: { otherPersonId: otherId } });
    return decision;
  });
}

/** Undoes a "not the same person" decision: kept, marked undone; the suggestion may come back. */
export async function undoNotSamePerson(ctx: ActorContext, decisionId: string, reason: string): Promise<NotSamePerson> {
  const why = reasonOf(reason);
  return command(ctx, async (tx) => {
    const row = (await tx.query<NotSameRow>(`${SELECT_NOT_SAME} WHERE d.id = $1 FOR UPDATE OF d`, [decisionId])).rows[0];
    if (!row) throw refuse('decision', { action: 'person.not-same.undo', entityType: 'person_not_same', entityId: decisionId, outcome: 'not_found' });
    const now = ctx.clock.now();
    const mayAct = decidePerson(ctx.actor, 'update', { id: row.person_id, agencyId: row.person_agency_id }, now).allowed ||
      decidePerson(ctx.actor, 'update', { id: row.other_person_id, agencyId: row.other_agency_id }, now).allowed;
    if (!mayAct) throw refuse('decision', { action: 'person.not-same.undo', entityType: 'person_not_same', entityId: decisionId, personId: row.person_id });
    if (row.undone_at) throw conflict('This decision has already been undone.');
    await tx.query('UPDATE person_not_same SET undone_at = $2, undone_by = $3, undo_reason = $4 WHERE id = $1', [decisionId, now.toISOString(), ctx.actor.practitionerId, why]);
    await audit(ctx, tx, { action: 'person.not-same.undo', outcome: 'success', entityType: 'person_not_same', entityId: decisionId, personId: row.person_id, detail: { otherPersonId: row.other_person_id } });
    return toNotSame(ctx, (await tx.query<NotSameRow>(`${SELECT_NOT_SAME} WHERE d.id = $1`, [decisionId])).rows[0]!);
  });
}
