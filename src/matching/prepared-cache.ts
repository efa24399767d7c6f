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
}

const cache = new Map<string, Cached>();

/** The prepared entry for a person's stored features (jsonb as text, or already parsed). */
export function preparedEntry(personId: string, features: string | MatchInput): Prepared {
  if (typeof features !== 'string') return prepare(features);
  const hit = cache.get(personId);
  if (hit && hit.features === features) {
    // Least recently used first: a hit moves to the end.
    cache.delete(personId);
    cache.set(personId, hit);
    return hit.prepared;
  }
  const prepared = prepare(JSON.parse(features) as MatchInput);
  cache.delete(personId);
  cache.set(personId, { features, prepared });
  if (cache.size > PREPARED_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return prepared;
}

/** How many entries are held (for tests). */
export function preparedCacheSize(): number {
  return cache.size;
}
