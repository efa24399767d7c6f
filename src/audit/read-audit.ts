import { AsyncLocalStorage } from 'node:async_hooks';
import { Batcher, batchesInFlight, perDatabase } from '../db/batching.ts';
import type { Queryable } from '../db/database.ts';

/**
 * What a page or API answer read, audited once for the whole request (issue 21).
 *
 * A person page calls a dozen services, and each used to append its "viewed" entry in its own
 * transaction: a dozen appends, each committed (and flushed to disk) on its own, were a quarter of
 * the page's time. In a GET or HEAD request — which by HTTP's definition changes nothing — entries
 * for what was *read* are kept here, each made (numbered, timed, signed) when the service decides,
 * and appended together in one statement before the answer leaves the server: a page's renderer
 * calls begin() (the commit overlaps the rendering), the app's onSend hook calls flush(), and if the
 * trail cannot take them the practitioner gets an error, not the page.
 * So "every read is audited before it is disclosed" still holds. Entries for anything written stay
 * in the writing transaction, committed with the write or not at all.
 */
export class ReadAudit {
  private entries: unknown[][] = [];

  /** True for an action that only reads: its code ends in a reading verb ("person.read", "referral.list-incoming"). */
  static isRead(action: string): boolean {
    // "notification.read" marks a notification read: a write, for all its verb.
    return action !== 'notification.read' && READ_VERBS.has(action.slice(action.lastIndexOf('.') + 1));
  }

  /** Keeps an entry (its jigsaw_append_audit arguments, made by auditArguments) for the request's one append. */
  keep(entry: unknown[]): void {
    const command = commandReads.getStore();
    (command?.owner === this ? command.entries : this.entries).push(entry);
  }

  /**
   * Runs one command: the reads it keeps join the request's only if it succeeds, as its own entries
   * would have been rolled back with its transaction. A page may run commands side by side, so
   * each command's reads are held apart (AsyncLocalStorage) until it ends.
   */
  async within<T>(fn: () => Promise<T>): Promise<T> {
    const outer = commandReads.getStore();
    const mine: CommandReads = { owner: this, entries: [] };
    const result = await commandReads.run(mine, fn);
    (outer?.owner === this ? outer.entries : this.entries).push(...mine.entries);
    return result;
  }

  /**
   * Appends what the request read (with the reads of requests answered at the same moment:
   * readAppender), and waits for an append begun earlier. The entries are taken first, so an error
   * answer that follows a failed append is not held up by the same entries again.
   */
  async flush(db: Queryable): Promise<void> {
    const early = this.early;
    this.early = undefined;
    const entries = this.entries;
    this.entries = [];
    // What was begun is committed first, so the request's entries stay in the order they were read
    // (on a server two appends may be on their way at once, and the later could commit first).
    const earlyFailed = early ? await early.then(() => undefined, (error: unknown) => ({ error })) : undefined;
    if (entries.length > 0) {
      const refused = await readAppender(db).submit(entries);
      if (refused) throw refused.error;
    }
    if (earlyFailed) throw earlyFailed.error;
  }

  private early: Promise<void> | undefined;

  /**
   * Starts appending what has been read so far while the page is still being made (rendered), so
   * that the append's commit and the rendering overlap; flush() then waits for it (and appends
   * anything read since), so nothing leaves the server before its reads are in the trail. Resolves
   * once the append's statement has been sent: the rendering that follows runs while the database
   * commits. A failure is kept for flush() to throw.
   */
  async begin(db: Queryable): Promise<void> {
    if (this.early || this.entries.length === 0) return;
    const started = this.flush(db);
    this.early = started;
    // flush() answers for a failure (the page is then not sent): it is not unhandled meanwhile.
    started.catch(() => undefined);
    // The pool hands over its connection on the next tick: let the statement go before rendering takes the thread.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Entries in one combined append at most: appendAuditArguments' one statement. */
const ONE_STATEMENT = 5000;

/**
 * Group commit for the requests' reads (issue 21), as for flag lookups (flags/lookup.ts): pages
 * answered at the same moment append their reads together, one statement and one commit for
 * several requests, each request's entries in its own order and together; a request arriving
 * alone is appended at once. Each request still waits for its entries to be committed before its
 * answer is sent. If a combined append fails, each request's entries are tried alone, so that only
 * a request whose own entries the trail refuses fails (one statement each: nothing is appended
 * twice). Two appends on their way at once on a server.
 */
const readAppender = perDatabase((db: Queryable) => new Batcher<unknown[][], { error: unknown } | undefined>(async (requests) => {
  const alone = (entries: unknown[][]): Promise<{ error: unknown } | undefined> =>
    appendAuditArguments(db, entries).then(() => undefined, (error: unknown) => ({ error }));
  const all = requests.flat();
  if (requests.length === 1 || all.length > ONE_STATEMENT) return Promise.all(requests.map(alone));
  try {
    await appendAuditArguments(db, all);
    return requests.map(() => undefined);
  } catch {
    return Promise.all(requests.map(alone));
  }
}, batchesInFlight(db, 2)));

/**
 * Appends entries made by auditArguments, chained as one append each would chain them, in one
 * statement per 5,000 (jigsaw_append_audit_many): for a request's reads and for auditAll.
 */
export async function appendAuditArguments(q: Queryable, entries: readonly unknown[][]): Promise<void> {
  for (let i = 0; i < entries.length; i += ONE_STATEMENT) {
    await q.query('SELECT jigsaw_append_audit_many($1::jsonb)', [JSON.stringify(entries.slice(i, i + ONE_STATEMENT))]);
  }
}

/**
 * The last part of every action code that only reads (viewed, listed, searched, downloaded). Anything
 * else — and any action added later until it is named here — is appended in its own transaction as
 * before, which is always safe. "flags.lookup" is not here: a lookup also records who looked and tells
 * the child's social worker, in its transaction.
 */
const READ_VERBS: ReadonlySet<string> = new Set([
  'read', 'list', 'list-incoming', 'list-outgoing', 'summary', 'search', 'history', 'access-history', 'addresses',
  'agencies-involved', 'previous-history', 'safety-counts', 'safety-summary', 'candidates', 'suggestions', 'candidate-search',
  'closure-notices', 'due-list', 'due-summary', 'timescales', 'my-actions', 'directory', 'contribution-choices',
  'urgent-outstanding', 'preview', 'export', 'sharing', 'person-search', 'person-access', 'person-access-export',
  'partnership-read', 'provider-list', 'token-list', 'token-read', 'user-list', 'user-read', 'verification-read',
]);

interface CommandReads {
  owner: ReadAudit;
  entries: unknown[][];
}
const commandReads = new AsyncLocalStorage<CommandReads>();
