import type { Database } from '../db/database.ts';
import { MATCH_INDEX_VERSION } from './store.ts';
import { indexAndSuggest } from './suggestions.ts';

// Any constant will do; it only has to be the same for every Jigsaw process (two servers starting
// together must not both reindex the same entries).
const REINDEX_LOCK_KEY = 7_345_023;

export interface ReindexResult {
  /** Entries reindexed by this call. */
  reindexed: number;
  /** False when another process held the lock: it is doing the work. */
  ran: boolean;
}

/**
 * Reindexes the person entries indexed under an older version of the matcher's keys (see
 * MATCH_INDEX_VERSION), and those never looked at for possible same-person entries, in batches of `batch`, one transaction each, so a large index is not held in
 * one long transaction and a stop part-way loses nothing: the next run continues where it stopped.
 * Index maintenance only: the entries' facts do not change, nobody reads them, so nothing is audited.
 */
export async function reindexStaleEntries(db: Database, at: () => Date, opts: { batch?: number; signal?: AbortSignal; suggestions?: boolean } = {}): Promise<ReindexResult> {
  // Entries never looked at for possible same-person entries (before migration 043, or loaded in
  // bulk) are taken too unless told otherwise: reindexing an entry looks for them (indexAndSuggest).
  const neverSuggested = opts.suggestions ?? true;
  const batch = opts.batch ?? 500;
  // A session-level lock on one connection would not follow the batches' transactions on a pool,
  // so each batch takes a transaction-level try-lock: a second process skips batches while the first runs.
  let reindexed = 0;
  for (;;) {
    // Stopping the server stops between batches: what is done stays done.
    if (opts.signal?.aborted) return { reindexed, ran: true };
    const done = await db.transaction(async (tx) => {
      const locked = (await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [REINDEX_LOCK_KEY])).rows[0]?.ok;
      if (!locked) return -1;
      const ids = (await tx.query<{ person_id: string }>(
        'SELECT person_id FROM person_match WHERE index_version < $1 OR ($3 AND suggested_at IS NULL) ORDER BY person_id LIMIT $2 FOR UPDATE SKIP LOCKED',
        [MATCH_INDEX_VERSION, batch, neverSuggested])).rows;
      for (const { person_id } of ids) await indexAndSuggest(tx, person_id, at());
      return ids.length;
    });
    if (done < 0) return { reindexed, ran: reindexed > 0 };
    reindexed += done;
    if (done < batch) return { reindexed, ran: true };
  }
}

/** How many entries wait to be reindexed (or looked at for possible same-person entries). */
export async function staleEntries(db: Database): Promise<number> {
  return Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM person_match WHERE index_version < $1 OR suggested_at IS NULL', [MATCH_INDEX_VERSION])).rows[0]?.n ?? 0);
}
