/**
 * Background work runs once for the deployment, not once per server process: two processes
 * waking together run a sweep once (runOnce), and only one process at a time holds the background
 * work (holdLease), another taking over when it goes. PostgreSQL only: the embedded database is one
 * process's, and there every call simply runs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../src/db/database.ts';
import { holdLease, runOnce, type Lease } from '../src/operations/run-once.ts';
import { createServerDatabase, onPostgresServer, testDb } from './db.ts';

const opened: Database[] = [];
const leases: Lease[] = [];
afterAll(async () => {
  for (const l of leases) await l.release();
  for (const db of opened) await db.close();
});

/** A promise with its resolve, to hold a body open until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('runOnce', () => {
  it.skipIf(onPostgresServer())('on the embedded database, simply runs the work', async () => {
    const db = await testDb();
    expect(await runOnce(db, 'embedded-work', () => Promise.resolve(42))).toEqual({ ran: true, value: 42 });
  });

  it.runIf(onPostgresServer())('two processes waking together: one runs the work, the other skips it; later the work runs again', async () => {
    const url = await createServerDatabase();
    // Two pools, as two server processes would have.
    const first = openPostgres(url, { max: 3 });
    const second = openPostgres(url, { max: 3 });
    opened.push(first, second);
    let runs = 0;
    const held = gate();
    const started = gate();
    const body = async (): Promise<string> => {
      runs++;
      started.open();
      await held.promise;
      return 'swept';
    };
    const a = runOnce(first, 'sweep', body);
    await started.promise;
    // While the first run is under way, the other process's attempt is skipped, not queued.
    expect(await runOnce(second, 'sweep', body)).toEqual({ ran: false });
    // A different piece of work is not held back by it.
    expect(await runOnce(second, 'another sweep', () => Promise.resolve('other'))).toEqual({ ran: true, value: 'other' });
    held.open();
    expect(await a).toEqual({ ran: true, value: 'swept' });
    expect(runs).toBe(1);
    // The lock went with the run's transaction: the next run, from either process, goes ahead.
    expect(await runOnce(second, 'sweep', () => Promise.resolve('again'))).toEqual({ ran: true, value: 'again' });
    // And no lock is left on a pooled connection for whoever uses it next.
    const { rows } = await first.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    expect(rows[0]?.n).toBe(0);
  });
});

describe.runIf(onPostgresServer())('holdLease', () => {
  it('one process holds the background work; when it goes, another takes it over', async () => {
    const url = await createServerDatabase();
    const running: string[] = [];
    const work = (who: string) => (): (() => Promise<void>) => {
      running.push(who);
      return () => {
        running.splice(running.indexOf(who), 1);
        return Promise.resolve();
      };
    };
    const first = await holdLease(url, 'background', work('first'), { retrySeconds: 0.2 });
    leases.push(first);
    const second = await holdLease(url, 'background', work('second'), { retrySeconds: 0.2 });
    leases.push(second);
    expect(first.held()).toBe(true);
    expect(second.held()).toBe(false);
    expect(running).toEqual(['first']);

    await first.release();
    expect(first.held()).toBe(false);
    for (let i = 0; i < 100 && !second.held(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(second.held()).toBe(true);
    expect(running).toEqual(['second']);
    await second.release();
    expect(running).toEqual([]);
  });
});
