import { prepare, type MatchInput, type Prepared } from './record.ts';

/**
 * The matcher's copy of a person, normalised once per process rather than once per search. A
 * search for a common surname reads up to a few thousand entries; parsing and normalising each
 * (names' sounds, nicknames, address tokens: ~50 µs) was most of the search's time, and the same
 * entries come back search after search. An entry is reused only while its stored features are
 * the very text it was prepared from, so a changed person is prepared afresh (and nothing stale is
 * ever scored). Prepared entries are never changed by the scorer, so sharing them is safe.
 */

/**
 * Room for the entries of several of the commonest surnames of a large partnership (a search reads
 * at most 3,000), bounded for memory: ~0.8 kB prepared plus ~0.4 kB of text each, so ~25 MB full.
 */
export const PREPARED_CACHE_SIZE = 20_000;

interface Cached {
  features: string;
  prepared: Prepared;
  /** Prepared from the names alone (namesOnly below): enough for a query of names alone, not for any other. */
  namesOnly: boolean;
}

/*
 * Two generations rather than a least-recently-used list: entries are added to the young one and
 * a hit in the old one is moved up; when the young one is full it becomes the old one, and the old
 * one is dropped. The most recently used entries stay, as before, at the cost of a Map set per
 * entry. (The list kept before moved each hit to the end with a delete and a set, and evicted the
 * first key: a Map keeps deleted slots until it is rebuilt, so finding the first key skipped the
 * thousands of slots deleted before it, for every entry added once full; at 150,000 people, where a
 * search's entries rarely fit, that was most of the search's JavaScript time.)
 */
const GENERATION = PREPARED_CACHE_SIZE / 2;
let young = new Map<string, Cached>();
let old = new Map<string, Cached>();

function remember(personId: string, entry: Cached): void {
  young.set(personId, entry);
  if (young.size >= GENERATION) {
    old = young;
    young = new Map();
  }
}

/**
 * The prepared entry for a person's stored features (jsonb as text, or already parsed). With
 * namesOnly, the entry may be prepared from its names alone (first, middle and last names, other
 * names): all that a query holding nothing but names compares, since every other comparison is
 * "missing" when the query has no value for it. A search by name reads thousands of entries sharing
 * a surname's sound and sets nearly all of them aside on their names; preparing their addresses,
 * postcodes and dates too was half the work. Such an entry is never given to a caller asking
 * without namesOnly: that one is prepared in full.
 */
export function preparedEntry(personId: string, features: string | MatchInput, namesOnly = false): Prepared {
  if (typeof features !== 'string') return prepare(namesOnly ? namesOf(features) : features);
  const recent = young.get(personId);
  const found = recent ?? old.get(personId);
  if (found && found.features === features && (namesOnly || !found.namesOnly)) {
    if (!recent) remember(personId, found);
    return found.prepared;
  }
  const input = JSON.parse(features) as MatchInput;
  const prepared = prepare(namesOnly ? namesOf(input) : input);
  remember(personId, { features, prepared, namesOnly });
  return prepared;
}

const namesOf = (input: MatchInput): MatchInput => ({ firstName: input.firstName, middleNames: input.middleNames, lastName: input.lastName, otherNames: input.otherNames });

/** Whether a prepared query holds nothing but names (see preparedEntry's namesOnly). */
export function holdsOnlyNames(q: Prepared): boolean {
  return !q.dob && !q.edd && q.sex === 0 && !q.nhs && !q.addr && !q.pc && !q.town && q.parents === null;
}

/** How many entries are held, at most PREPARED_CACHE_SIZE (for tests). */
export function preparedCacheSize(): number {
  let n = young.size;
  for (const id of old.keys()) if (!young.has(id)) n++;
  return n;
}
