import { existsSync, readFileSync } from 'node:fs';
import { decideAgency } from '../access/policy.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import { linkedEntries } from '../process/linked-entries.ts';
import type { Queryable } from '../db/database.ts';
import { personInReach } from '../people/people.ts';
import type { ActorContext } from '../shared/context.ts';
import { DEFAULT_HOUSEHOLD, defaultModel, Scorer, weightOf, type MatchModel, type PairScore, type TermFrequencies } from './model.ts';
import { COMPARISONS, DATE_OF_BIRTH, FIELD_INDEX } from './comparisons.ts';
import { prepare, type MatchInput, type Prepared } from './record.ts';
import { holdsOnlyNames, preparedEntry } from './prepared-cache.ts';
import { callerHasBasis, disclose, noticeFor, type ScoredCandidate } from './disclosure.ts';
import type { Candidate, Candidates, CandidateSearch } from './schemas.ts';
import { loadMatchInput, queryKeys } from './store.ts';

/**
 * Candidates for "is this the same person?" among the people of the caller's partnerships. The
 * matcher scores; what the caller may learn of another agency's entry is decided in
 * disclosure.ts (by the pure policy): only roles with a basis hear of it, a sensitive service is
 * never named, and another agency's id for its entry is never given — only an opaque offer. Never
 * the other entry's names, dates, addresses or records. Decisions on a candidate are in decisions.ts.
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
const DOB_DIFFERENT = DATE_OF_BIRTH.levels.indexOf('different');
/** How far below the threshold (in bits of match weight) an entry's quick weight may fall and still be scored in full. */
const QUICK_WEIGHT_MARGIN = 0.5;
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

/** The product's scorer: an exact name never counts below a one-letter slip of it, so labels do not fall as agreement grows. */
export function productScorer(tf: TermFrequencies): Scorer {
  const model = shippedModel();
  return new Scorer(model, tf, productPrior(model, tf.total), undefined, true);
}

export function confidenceOf(score: PairScore): Candidate['confidence'] {
  // A conflict (different NHS numbers, parents, or first name and date of birth) is never waved through on score alone.
  if (score.probability >= CONFIDENT && score.conflicts.length === 0) return 'confident';
  return score.probability >= 0.5 ? 'possible' : 'unlikely';
}

interface Row {
  person_id: string;
  agency_id: string;
  /** As text: an entry seen before is reused without parsing it again (prepared-cache.ts). */
  features: MatchInput | string;
  /** On the first row only, as JSON text: the query's term frequencies (termsSql) and the rows' agencies. */
  meta: string | null;
}

interface Meta {
  terms: { field: string; value: string; n: number }[];
  /** Each agency of the rows once (not on every one of up to MAX_ROWS rows): its name, type and whether it is flagged sensitive. */
  agencies: Record<string, [name: string, type: string, sensitive: boolean]>;
}

/** How many entries bear the query's first name and surname, and how many there are ($first and $last: the query's names). */
const termsSql = (first: number, last: number): string =>
  `SELECT field, value, n FROM person_match_term WHERE (field = '*' AND value = '*') OR (field = 'first' AND value = $${first}) OR (field = 'last' AND value = $${last})`;

function termFrequenciesOf(rows: readonly { field: string; value: string; n: number | string }[]): TermFrequencies {
  const tf: TermFrequencies = { total: 1, first: new Map(), last: new Map() };
  for (const r of rows) {
    // The model's u describe a population of at least MIN_PRIOR_POPULATION (as the prior does): in a
    // database of a few dozen entries, three Conors are not a common name.
    if (r.field === '*') tf.total = Math.max(Number(r.n), MIN_PRIOR_POPULATION);
    else (r.field === 'first' ? tf.first : tf.last).set(r.value, Number(r.n));
  }
  return tf;
}

export async function termFrequenciesFor(tx: Queryable, q: Prepared): Promise<TermFrequencies> {
  return termFrequenciesOf((await tx.query<{ field: string; value: string; n: number }>(termsSql(1, 2), [q.first, q.last])).rows);
}

/**
 * A name's frequency is meant to say how many different people bear it. Entries agreeing with the
 * query on the name and (nearly) on the date of birth are most likely this very person recorded
 * by other agencies: counted as separate people, every agency recording "Mark Doyle" would make
 * the name look commoner and the probation service's "Marc Doyle" less likely to be him.
 */
export function countPeopleOnce(tf: TermFrequencies, q: Prepared, entries: readonly Prepared[]): void {
  if (!q.dob) return;
  for (const field of ['first', 'last'] as const) {
    const value = q[field];
    const count = tf[field].get(value);
    if (!value || count === undefined) continue;
    const same = entries.filter((e) => e[field] === value && e.dob && DATE_OF_BIRTH.compare(q, e) < DOB_DIFFERENT).length;
    if (same > 0) tf[field].set(value, Math.max(1, count - same));
  }
}

/**
 * Scores every person sharing a blocking key with the query, in the partnerships of `agencyId` (the
 * caller's, or the holder's for suggestions.ts) — or, for a caller with no basis to learn of other
 * agencies' entries, in their own agency only (so that neither the answer nor the time it takes depends on what other agencies hold).
 */
export async function scoreCandidates(agencyId: string, tx: Queryable, input: MatchInput, postcodes: readonly string[], exclude: readonly string[], minProbability: number, ownAgencyOnly: boolean, namesOnly = false, notSameAs?: string): Promise<ScoredCandidate[]> {
  const keys = queryKeys(input, postcodes);
  if (keys.length === 0) return [];
  const q = prepare(input);
  // One statement: the people sharing a key, and the query's term frequencies on the first row.
  // At most MAX_ROWS people are read, and always the same ones, those that matter most first: the
  // caller's own agency's entries (a search by name lists them whatever the probability), then
  // those sharing the most keys with the query (the likeliest to score), then by id. Only people
  // of the caller's partnerships (or own agency) and not excluded take a place: the entries left
  // out (the person's cluster, `exclude`) and those recorded as not the same as `notSameAs`.
  // (Before, the first MAX_ROWS people the plan happened to give were read, and then filtered: for
  // the commonest names which of the caller's own entries were scored varied between runs.)
  const { rows } = await tx.query<Row>(
    `WITH found AS (SELECT k.person_id, count(*) AS shared FROM person_match_key k WHERE k.key = ANY($1::text[]) GROUP BY k.person_id),
          ranked AS (
            -- Looked up by id from an array of the found ids, and the partnership's agencies as an array:
            -- joined directly, the planner (guessing too many rows) read the whole of person_match.
            SELECT m.person_id, m.agency_id, m.features FROM person_match m JOIN found f ON f.person_id = m.person_id
             WHERE m.person_id = ANY(ARRAY(SELECT person_id FROM found))
               AND ${ownAgencyOnly ? 'm.agency_id = $2' : 'm.agency_id = ANY(ARRAY(SELECT pb.agency_id FROM partnership_agency pa JOIN partnership_agency pb ON pb.partnership_id = pa.partnership_id WHERE pa.agency_id = $2))'}
               AND m.person_id <> ALL($3::uuid[] || ARRAY(
                     SELECT CASE WHEN ns.person_id = $6::uuid THEN ns.other_person_id ELSE ns.person_id END
                       FROM person_not_same ns WHERE (ns.person_id = $6::uuid OR ns.other_person_id = $6::uuid) AND ns.undone_at IS NULL))
             ORDER BY m.agency_id = $2 DESC, f.shared DESC, m.person_id
             LIMIT ${MAX_ROWS})
     SELECT r.person_id, r.agency_id, r.features::text AS features,
            CASE WHEN row_number() OVER () = 1 THEN json_build_object(
              'terms', (SELECT coalesce(json_agg(t), '[]') FROM (${termsSql(4, 5)}) t),
              'agencies', (SELECT json_object_agg(a.id, json_build_array(a.name, a.type, a.sensitive)) FROM agency a WHERE a.id IN (SELECT agency_id FROM ranked)))::text END AS meta
       FROM ranked r`,
    [keys, agencyId, exclude, q.first, q.last, notSameAs ?? null],
  );
  if (rows.length === 0) return [];
  const meta = JSON.parse(rows.find((r) => r.meta !== null)!.meta!) as Meta;
  const tf = termFrequenciesOf(meta.terms);
  // A query of names alone compares nothing else: its entries are prepared from their names (prepared-cache.ts).
  const byNames = holdsOnlyNames(q);
  const entries = rows.map((r) => preparedEntry(r.person_id, r.features, byNames));
  countPeopleOnce(tf, q, entries);
  const scorer = productScorer(tf);
  // Most entries sharing a key (a common surname's sound, a postcode) are strangers: the scorer's
  // quick weight, which gives up once a pair cannot reach the threshold, sets them aside without
  // the explanation. With a margin well beyond any rounding between the two, an entry the full
  // score would offer is never set aside: the same candidates, explained, at a fraction of the work.
  // A search by name alone also lists the caller's own agency's entries whose names agree, whatever
  // the probability (namesAgree): those are all scored in full; other agencies' entries still need
  // the probability asked for, so they are set aside as in any search.
  const setAsideBelow = weightOf(minProbability) - QUICK_WEIGHT_MARGIN;
  const out: ScoredCandidate[] = [];
  for (const [i, r] of rows.entries()) {
    const entry = entries[i]!;
    // Set aside below the quick weight, the full score cannot reach minProbability: only an own
    // entry of a search by name whose names agree is still listed, and two comparisons tell.
    if (scorer.weight(q, entry, setAsideBelow) < setAsideBelow && !(namesOnly && r.agency_id === agencyId && namesAgreeOf(q, entry))) continue;
    // Explained from the whole entry, whatever the query holds (the few entries that get this far).
    const score = scorer.explain(q, byNames ? preparedEntry(r.person_id, r.features) : entry);
    if (score.probability < minProbability && !(namesOnly && r.agency_id === agencyId && namesAgree(score))) continue;
    const [agencyName, agencyType, agencyFlaggedSensitive] = meta.agencies[r.agency_id]!;
    out.push({
      personId: r.person_id,
      agencyId: r.agency_id,
      agencyName,
      agencyType,
      agencyFlaggedSensitive,
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

/**
 * A search by name alone cannot reach a high probability (a population holds several Conor
 * Maddoxes), yet the practitioner is looking for one: their own agency's entries whose names
 * agree, typing slips and sound-alikes included, are listed whatever the probability, ranked and
 * labelled as usual. Another agency's entries still need the probability asked for: a name alone
 * does not widen what is disclosed about other agencies (disclosure.ts).
 */
function namesAgree(score: PairScore): boolean {
  const names = score.contributions.filter((c) => c.field === 'first_name' || c.field === 'last_name');
  return names.length > 0 && names.every((c) => c.level !== 'different');
}

const FIRST_NAME = COMPARISONS[FIELD_INDEX.first_name!]!;
const LAST_NAME = COMPARISONS[FIELD_INDEX.last_name!]!;
const FIRST_NAME_DIFFERENT = FIRST_NAME.levels.indexOf('different');
const LAST_NAME_DIFFERENT = LAST_NAME.levels.indexOf('different');

/** namesAgree of the pair's score, from the two name comparisons alone (level 0: missing, no contribution). */
function namesAgreeOf(q: Prepared, e: Prepared): boolean {
  const first = FIRST_NAME.compare(q, e);
  const last = LAST_NAME.compare(q, e);
  return (first !== 0 || last !== 0) && first !== FIRST_NAME_DIFFERENT && last !== LAST_NAME_DIFFERENT;
}

export async function notSameIds(tx: Queryable, personId: string): Promise<string[]> {
  const { rows } = await tx.query<{ other: string }>(
    `SELECT CASE WHEN person_id = $1 THEN other_person_id ELSE person_id END AS other
       FROM person_not_same WHERE (person_id = $1 OR other_person_id = $1) AND undone_at IS NULL`, [personId]);
  return rows.map((r) => r.other);
}

/**
 * Possible same-person entries for one of the caller's agency's people. Entries already linked
 * to it, and entries a practitioner has recorded as not the same person, are left out.
 */
export async function candidatesFor(ctx: ActorContext, personId: string, minProbability = OFFER_THRESHOLD): Promise<Candidates> {
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'update', 'person.candidates');
    const loaded = await loadMatchInput(tx, personId);
    // The person's same-person links, as the page's other sections walk them (read once per page);
    // the entries recorded as not the same person are left out by the candidates' own statement.
    const exclude = [personId, ...(await linkedEntries(tx, personId, ctx.reads)).map((e) => e.personId)];
    const basis = await callerHasBasis(ctx, tx);
    const scored = loaded ? await scoreCandidates(ctx.actor.agencyId, tx, loaded.input, loaded.postcodes, exclude, minProbability, !basis, false, personId) : [];
    const candidates = await disclose(ctx, tx, scored, personId);
    await audit(ctx, tx, { action: 'person.candidates', outcome: 'success', entityType: 'person', entityId: personId, personId, detail: { candidates: candidates.length } });
    return { candidates, notice: noticeFor(basis) };
  });
}

/** Typo-tolerant search by details (a POST: names and dates never go in a URL). */
export async function searchCandidates(ctx: ActorContext, q: CandidateSearch): Promise<Candidates> {
  return command(ctx, async (tx) => {
    if (!decideAgency(ctx.actor, 'create-person', ctx.actor.agencyId).allowed) {
      throw refuse('agency', { action: 'person.candidate-search', entityType: 'agency', entityId: ctx.actor.agencyId });
    }
    const input: MatchInput = {
      firstName: q.givenNames, lastName: q.familyName, dateOfBirth: q.dateOfBirth, sex: q.sex, nhsNumber: q.nhsNumber,
      address: q.address, postcode: q.postcode, town: q.town,
    };
    const basis = await callerHasBasis(ctx, tx);
    const namesOnly = !q.dateOfBirth && !q.nhsNumber;
    const candidates = await disclose(ctx, tx, await scoreCandidates(ctx.actor.agencyId, tx, input, [], [], q.minProbability, !basis, namesOnly));
    await audit(ctx, tx, { action: 'person.candidate-search', outcome: 'success', detail: { candidates: candidates.length } });
    return { candidates, notice: noticeFor(basis) };
  });
}
