import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../db/database.ts';

/**
 * Background work (the alert sweep, audit sealing, reindexing) must happen once for the whole
 * deployment, not once per server process: several processes behind one port (`serve --workers N`)
 * or on several machines share one PostgreSQL database, and a PostgreSQL advisory lock decides.
 *
 * The embedded database (PGlite) is one process's alone, so there every call simply runs.
 */

/** The advisory lock's number for a name: any stable 63-bit number, the same in every process. */
export function lockKey(name: string): string {
  const digest = createHash('sha256').update(`jigsaw:${name}`).digest();
  // A bigint as text: pg passes it through exactly, where a JavaScript number would lose bits.
  return (digest.readBigInt64BE(0) & 0x7fff_ffff_ffff_ffffn).toString();
}

/**
 * Runs `body` unless another process is running the same named work right now, in which case
 * it skips (`ran: false`). The lock is transaction-level, held by a transaction kept open for the
 * run: it cannot outlive the run or leak to the next user of a pooled connection, as a
 * session-level lock would. The body does its own queries (and transactions) through `db`; the
 * open transaction only holds the lock, so it costs one pooled connection for the run.
 */
export async function runOnce<T>(db: Database, name: string, body: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  // PGlite runs one statement at a time: the body could not query while a transaction is open.
  if (db.kind === 'pglite') return { ran: true, value: await body() };
  return db.transaction(async (tx) => {
    const got = (await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1::bigint) AS ok', [lockKey(name)])).rows[0]?.ok;
    if (!got) return { ran: false as const };
    return { ran: true as const, value: await body() };
  });
}

export interface Lease {
  /** Whether this process holds the lease now. */
  held(): boolean;
  /** Stops trying, stops the work if this process was doing it (awaiting its stop), and lets the lease go. */
  release(): Promise<void>;
}

export interface LeaseOptions {
  /** Seconds between attempts while another process holds the lease (a dead holder is replaced within this). */
  retrySeconds?: number;
  /** Told when this process takes the lease, and when it loses it with the database connection. */
  onTaken?: () => void;
  onLost?: () => void;
}

/**
 * Whichever process holds the named lease does the work: `start` is called when this process takes
 * it and returns how to stop. The lease is a session-level advisory lock on a connection of its own
 * (never a pooled one, so it leaks to no other query), held as long as the process lives: work with
 * state across runs (the sealer remembers what it sealed; sweeps run on a timer) stays in one
 * process, instead of each process running it at its own moments. A holder that dies closes its
 * connection, the server drops the lock, and another process takes over at its next attempt.
 * Resolves once the first attempt is over, so the caller knows from the start whether the work is its own.
 */
export async function holdLease(connectionString: string, name: string, start: () => () => Promise<void>, opts: LeaseOptions = {}): Promise<Lease> {
  const retryMs = (opts.retrySeconds ?? 15) * 1000;
  let client: pg.Client | undefined;
  let stopWork: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let released = false;
  let attempt: Promise<void> = Promise.resolve();

  const lose = async (): Promise<void> => {
    const stop = stopWork;
    stopWork = undefined;
    const c = client;
    client = undefined;
    if (stop) await stop();
    // Ending the connection drops the lock with it (after the work has stopped, not before).
    await c?.end().catch(() => undefined);
  };

  const tryTake = async (): Promise<void> => {
    if (released || stopWork) return;
    const c = new pg.Client({ connectionString, keepAlive: true });
    // A lost connection must not crash the server: the lock went with it, so the work stops here too.
    c.on('error', () => undefined);
    try {
      await c.connect();
      const got = (await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [lockKey(name)])).rows[0]?.ok;
      if (!got || released) {
        await c.end();
        return;
      }
    } catch {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    c.once('end', () => {
      if (client !== c) return;
      opts.onLost?.();
      attempt = lose();
    });
    stopWork = start();
    opts.onTaken?.();
  };

  const schedule = (): void => {
    if (released) return;
    timer = setTimeout(() => {
      attempt = attempt.then(tryTake).finally(schedule);
    }, retryMs);
    // The attempts never keep the process alive on their own.
    timer.unref();
  };

  // The first attempt is awaited: at start the process knows whether the work is its own.
  attempt = tryTake();
  await attempt;
  schedule();
  return {
    held: () => stopWork !== undefined,
    async release() {
      released = true;
      clearTimeout(timer);
      await attempt;
      await lose();
    },
  };
}
