import { existsSync, readFileSync } from 'node:fs';
import { decideAgency, decidePerson } from '../access/policy.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import { clustersOf } from '../chronology/links.ts';
import type { PersonLink } from '../chronology/schemas.ts';
import type { Queryable } from '../db/database.ts';
import { personInReach } from '../people/people.ts';
import type { ActorContext } from '../shared/context.ts';
import { conflict, invalid } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { DEFAULT_HOUSEHOLD, defaultModel, Scorer, type MatchModel, type PairScore, type TermFrequencies } from './model.ts';
import { prepare, type MatchInput, type Prepared } from './record.ts';
import type { Candidate, CandidateSearch, NotSamePerson } from './schemas.ts';
import { loadMatchInput, matchKeys } from './store.ts';

/**
 * Candidates for "is this the same person?" among every agency's people in the caller's
 * partnerships. What a practitioner learns about another agency's entry is what the existing
 * policy already lets any practitioner know about another agency (its name, whom to ask): the
 * candidate's identifier, the agency, the probability and how the details compare — never the
 * other entry's names, dates, addresses or records. Confirming a candidate records a
 * same-person link (person_link), which makes the agencies visible to each other and shares nothing.
 */

const MODEL_FILE = new URL('./model.json', import.meta.url);
let productModel: MatchModel | undefined;

/**
 * The model shipped with the product (trained without labels on a synthetic population; see
 * docs/matching.md). The product records children with their families, so families are always
 * modelled, whatever the file says.
 */
export function shippedModel(): MatchModel {
  if (!productModel) {
    const model = existsSync(MODEL_FILE) ? (JSON.parse(readFileSync(MODEL_FILE, 'utf8')) as MatchModel) : defaultModel();
    productModel = { ...model, household: model.household ?? structuredClone(DEFAULT_HOUSEHOLD) };
  }
  return productModel;
}

/** Candidates at or above this are worth a practitioner's look; below it a confirmation is refused. */
export const OFFER_THRESHOLD = 0.2;
const CONFIDENT = 0.95;
const MAX_CANDIDATES = 20;
/** A query reads at most this many people sharing a key: enough for the rarest-name cases, bounded for the commonest. */
const MAX_ROWS = 3000;

/**
 * The population the prior is spread over is never taken as smaller than this. The model's u
 * (how often strangers share a postcode, a surname, a birthday) describes a population the size
 * of a local authority's; in a database that has just started, the few dozen entries are not a
 * population in which one pair in thirty is the same person, and a prior of duplicates ÷ entries
 * there would make any agreement look certain.
 */
export const MIN_PRIOR_POPULATION = 100_000;

/** λ for a query among `entries` indexed people: among N people, a person has about d duplicates. */
export function productPrior(model: MatchModel, entries: number): number {
  return Math.min(Math.max(model.duplicatesPerRecord / Math.max(entries, MIN_PRIOR_POPULATION), 1e-12), 0.5);
}

export function confidenceOf(score: PairScore): Candidate['confidence'] {
  // A conflict (different NHS numbers, parents, or first name and date of birth) is never waved through on score alone.
  if (score.probability >= CONFIDENT && score.conflicts.length === 0) return 'confident';
  return score.probability >= 0.5 ? 'possible' : 'unlikely';
}

interface Row {
  person_id: string;
  agency_id: string;
  agency_name: string;
  features: MatchInput | string;
}

async function termFrequenciesFor(tx: Queryable, q: Prepared): Promise<TermFrequencies> {
  const { rows } = await tx.query<{ field: string; value: string; n: number }>(
    `SELECT field, value, n FROM person_match_term WHERE (field = '*' AND value = '*') OR (field = 'first' AND value = $1) OR (field = 'last' AND value = $2)`,
    [q.first, q.last],
  );
  const tf: TermFrequencies = { total: 1, first: new Map(), last: new Map() };
  for (const r of rows) {
    if (r.field === '*') tf.total = Math.max(Number(r.n), 1);
    else (r.field === 'first' ? tf.first : tf.last).set(r.value, Number(r.n));
  }
  return tf;
}

/** Scores every person sharing a blocking key with the query, in the caller's partnerships. */
async function scoreCandidates(ctx: ActorContext, tx: Queryable, input: MatchInput, postcodes: readonly string[], exclude: readonly string[], minProbability: number): Promise<Candidate[]> {
  const keys = matchKeys(input, postcodes);
  if (keys.length === 0) return [];
  const q = prepare(input);
  const tf = await termFrequenciesFor(tx, q);
  const model = shippedModel();
  const scorer = new Scorer(model, tf, productPrior(model, tf.total));
  const { rows } = await tx.query<Row>(
    `SELECT m.person_id, m.agency_id, a.name AS agency_name, m.features
       FROM (SELECT DISTINCT person_id FROM person_match_key WHERE key = ANY($1::text[]) LIMIT ${MAX_ROWS}) k
       JOIN person_match m ON m.person_id = k.person_id
       JOIN agency a ON a.id = m.agency_id
      WHERE m.agency_id IN (SELECT pb.agency_id FROM partnership_agency pa JOIN partnership_agency pb ON pb.partnership_id = pa.partnership_id WHERE pa.agency_id = $2)
        AND m.person_id <> ALL($3::uuid[])`,
    [keys, ctx.actor.agencyId, exclude],
  );
  const out: Candidate[] = [];
  for (const r of rows) {
    const features = typeof r.features === 'string' ? (JSON.parse(r.features) as MatchInput) : r.features;
    const score = scorer.explain(q, prepare(features));
    if (score.probability < minProbability) continue;
    out.push({
      personId: r.person_id,
      agencyId: r.agency_id,
      agencyName: r.agency_name,
      yourAgency: r.agency_id === ctx.actor.agencyId,
      probability: Math.round(score.probability * 10000) / 10000,
      matchWeight: score.matchWeight,
      confidence: confidenceOf(score),
      explanation: score.explanation,
      contributions: score.contributions,
      conflicts: score.conflicts,
    });
  }
  return out.sort((a, b) => b.matchWeight - a.matchWeight || a.personId.localeCompare(b.personId)).slice(0, MAX_CANDIDATES);
}

async function notSameIds(tx: Queryable, personId: string): Promise<string[]> {
  const { rows } = await tx.query<{ other: string }>(
    `SELECT CASE WHEN person_id = $1 THEN other_person_id ELSE person_id END AS other
       FROM person_not_same WHERE (person_id = $1 OR other_person_id = $1) AND undone_at IS NULL`, [personId]);
  return rows.map((r) => r.other);
}

/**
 * Possible same-person entries for one of the caller's agency's people. Entries already linked
 * to it, and entries a practitioner has recorded as not the same person, are left out.
 */
export async function candidatesFor(ctx: ActorContext, personId: string, minProbability = OFFER_THRESHOLD): Promise<Candidate[]> {
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'update', 'person.candidates');
    const loaded = await loadMatchInput(tx, personId);
    const cluster = (await clustersOf(tx, [personId])).map((m) => m.id);
    const exclude = [...cluster, ...(await notSameIds(tx, personId))];
    const candidates = loaded ? await scoreCandidates(ctx, tx, loaded.input, loaded.postcodes, exclude, minProbability) : [];
    await audit(ctx, tx, { action: 'person.candidates', outcome: 'success', entityType: 'person', entityId: personId, personId, detail: { candidates: candidates.length } });
    return candidates;
  });
}

/** Typo-tolerant search by details (a POST: names and dates never go in a URL). */
export async function searchCandidates(ctx: ActorContext, q: CandidateSearch): Promise<Candidate[]> {
  return command(ctx, async (tx) => {
    if (!decideAgency(ctx.actor, 'create-person', ctx.actor.agencyId).allowed) {
      throw refuse('agency', { action: 'person.candidate-search', entityType: 'agency', entityId: ctx.actor.agencyId });
    }
    const input: MatchInput = {
      firstName: q.givenNames, lastName: q.familyName, dateOfBirth: q.dateOfBirth, sex: q.sex, nhsNumber: q.nhsNumber,
      address: q.address, postcode: q.postcode, town: q.town,
    };
    const candidates = await scoreCandidates(ctx, tx, input, [], [], q.minProbability);
    await audit(ctx, tx, { action: 'person.candidate-search', outcome: 'success', detail: { candidates: candidates.length } });
    return candidates;
  });
}

/** The other entry, if it is in one of the caller's partnerships; otherwise refused as not found. */
async function otherInPartnership(ctx: ActorContext, tx: Queryable, otherId: string, action: string, personId: string): Promise<{ agency_id: string }> {
  const other = (await tx.query<{ agency_id: string }>(
    `SELECT p.agency_id FROM person p WHERE p.id = $1 AND p.agency_id IN
       (SELECT pb.agency_id FROM partnership_agency pa JOIN partnership_agency pb ON pb.partnership_id = pa.partnership_id WHERE pa.agency_id = $2)`,
    [otherId, ctx.actor.agencyId])).rows[0];
  if (!other) throw refuse('person', { action, entityType: 'person', entityId: otherId, personId, outcome: 'not_found' });
  return other;
}

async function pairScore(tx: Queryable, personId: string, otherId: string): Promise<PairScore | undefined> {
  const [a, b] = [await loadMatchInput(tx, personId), await loadMatchInput(tx, otherId)];
  if (!a || !b) return undefined;
  const qa = prepare(a.input);
  const tf = await termFrequenciesFor(tx, qa);
  const model = shippedModel();
  return new Scorer(model, tf, productPrior(model, tf.total)).explain(qa, prepare(b.input));
}

const liveNotSame = async (tx: Queryable, a: string, b: string): Promise<boolean> =>
  (await tx.query('SELECT 1 FROM person_not_same WHERE least(person_id, other_person_id) = least($1::uuid, $2::uuid) AND greatest(person_id, other_person_id) = greatest($1::uuid, $2::uuid) AND undone_at IS NULL', [a, b])).rows.length > 0;

const reasonOf = (reason: string): string => {
  const r = reason.trim();
  if (!r || r.length > 2000) throw invalid('Say why.', [{ pointer: '/reason', detail: r ? 'At most 2000 characters' : 'Say why' }]);
  return r;
};

/**
 * Confirms a suggested candidate as the same person: a same-person link, as
 * POST /people/{id}/links records, but reachable for another agency's entry the caller cannot
 * read — because the matcher offered it for the caller's own entry. Undo it with
 * POST /person-links/{id}/unlink.
 */
export async function confirmSamePerson(ctx: ActorContext, personId: string, otherId: string, reason: string): Promise<PersonLink> {
  const why = reasonOf(reason);
  if (otherId === personId) throw invalid('An entry cannot be linked to itself.', [{ pointer: '/params/otherId', detail: 'Choose the other entry' }]);
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'update', 'person.link');
    await otherInPartnership(ctx, tx, otherId, 'person.link', personId);
    await tx.query('SELECT id FROM person WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [[personId, otherId]]);
    if (await liveNotSame(tx, personId, otherId)) throw conflict('These entries are recorded as not the same person; undo that decision first.');
    if ((await clustersOf(tx, [personId])).some((m) => m.id === otherId)) throw conflict('These entries are already recorded as the same person.');
    const score = await pairScore(tx, personId, otherId);
    if (!score || score.probability < OFFER_THRESHOLD) {
      throw invalid('That entry is not a suggested candidate for this person.', [{ pointer: '/params/otherId', detail: 'Choose one of the candidates offered' }]);
    }
    const id = newId();
    const now = ctx.clock.now().toISOString();
    await tx.query('INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at, reason) VALUES ($1,$2,$3,$4,$5,$6)',
      [id, personId, otherId, ctx.actor.practitionerId, now, why]);
    await audit(ctx, tx, { action: 'person.link', outcome: 'success', entityType: 'person_link', entityId: id, personId, detail: { otherPersonId: otherId, via: 'candidate', probability: Math.round(score.probability * 10000) / 10000 } });
    return { id, personId, otherPersonId: otherId, decidedBy: ctx.actor.practitionerId, decidedAt: now, reason: why, unlinkedAt: null, unlinkedBy: null, unlinkReason: null };
  });
}

interface NotSameRow {
  id: string;
  person_id: string;
  other_person_id: string;
  decided_by: string;
  decided_at: string | Date;
  reason: string;
  undone_at: string | Date | null;
  undone_by: string | null;
  undo_reason: string | null;
}

const iso = (v: string | Date | null): string | null => (v === null ? null : new Date(v).toISOString());
const toNotSame = (r: NotSameRow): NotSamePerson => ({
  id: r.id, personId: r.person_id, otherPersonId: r.other_person_id, decidedBy: r.decided_by, decidedAt: iso(r.decided_at)!, reason: r.reason,
  undoneAt: iso(r.undone_at), undoneBy: r.undone_by, undoReason: r.undo_reason,
});
const NOT_SAME_COLUMNS = 'id, person_id, other_person_id, decided_by, decided_at, reason, undone_at, undone_by, undo_reason';

/** Records that a suggested candidate is not the same person; the suggestion stops coming back. */
export async function recordNotSamePerson(ctx: ActorContext, personId: string, otherId: string, reason: string): Promise<NotSamePerson> {
  const why = reasonOf(reason);
  if (otherId === personId) throw invalid('An entry is always the same person as itself.', [{ pointer: '/params/otherId', detail: 'Choose the other entry' }]);
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'update', 'person.not-same');
    await otherInPartnership(ctx, tx, otherId, 'person.not-same', personId);
    await tx.query('SELECT id FROM person WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [[personId, otherId]]);
    if (await liveNotSame(tx, personId, otherId)) throw conflict('These entries are already recorded as not the same person.');
    if ((await clustersOf(tx, [personId])).some((m) => m.id === otherId)) {
      throw conflict('These entries are linked as the same person; undo the link instead.');
    }
    const { rows } = await tx.query<NotSameRow>(
      `INSERT INTO person_not_same (id, person_id, other_person_id, decided_by, decided_at, reason) VALUES ($1,$2,$3,$4,$5,$6) RETURNING ${NOT_SAME_COLUMNS}`,
      [newId(), personId, otherId, ctx.actor.practitionerId, ctx.clock.now().toISOString(), why]);
    const decision = toNotSame(rows[0]!);
    await audit(ctx, tx, { action: 'person.not-same', outcome: 'success', entityType: 'person_not_same', entityId: decision.id, personId, detail: { otherPersonId: otherId } });
    return decision;
  });
}

/** Undoes a "not the same person" decision: kept, marked undone; the suggestion may come back. */
export async function undoNotSamePerson(ctx: ActorContext, decisionId: string, reason: string): Promise<NotSamePerson> {
  const why = reasonOf(reason);
  return command(ctx, async (tx) => {
    const row = (await tx.query<NotSameRow & { person_agency_id: string; other_agency_id: string }>(
      `SELECT d.id, d.person_id, d.other_person_id, d.decided_by, d.decided_at, d.reason, d.undone_at, d.undone_by, d.undo_reason,
              p.agency_id AS person_agency_id, o.agency_id AS other_agency_id
         FROM person_not_same d JOIN person p ON p.id = d.person_id JOIN person o ON o.id = d.other_person_id WHERE d.id = $1 FOR UPDATE OF d`, [decisionId])).rows[0];
    if (!row) throw refuse('decision', { action: 'person.not-same.undo', entityType: 'person_not_same', entityId: decisionId, outcome: 'not_found' });
    const now = ctx.clock.now();
    const mayAct = decidePerson(ctx.actor, 'update', { id: row.person_id, agencyId: row.person_agency_id }, now).allowed ||
      decidePerson(ctx.actor, 'update', { id: row.other_person_id, agencyId: row.other_agency_id }, now).allowed;
    if (!mayAct) throw refuse('decision', { action: 'person.not-same.undo', entityType: 'person_not_same', entityId: decisionId, personId: row.person_id });
    if (row.undone_at) throw conflict('This decision has already been undone.');
    const { rows } = await tx.query<NotSameRow>(
      `UPDATE person_not_same SET undone_at = $2, undone_by = $3, undo_reason = $4 WHERE id = $1 RETURNING ${NOT_SAME_COLUMNS}`,
      [decisionId, now.toISOString(), ctx.actor.practitionerId, why]);
    await audit(ctx, tx, { action: 'person.not-same.undo', outcome: 'success', entityType: 'person_not_same', entityId: decisionId, personId: row.person_id, detail: { otherPersonId: row.other_person_id } });
    return toNotSame(rows[0]!);
  });
}
