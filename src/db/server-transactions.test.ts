import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aPostgresServerAnswers, createServerDatabase, SERVER } from '../../test/db.ts';
import { openPostgres, PreparedNames, readsOnly, type Database } from './database.ts';

/**
 * The server's transactions begin at the first statement that needs them and its statements are
 * prepared once per connection (issue 21): neither may change what a command does. These run
 * against the PostgreSQL server on both passes (PGlite has neither).
 */
describe('which statements only read (and may run before BEGIN)', () => {
  it('plain reads do; writes, row locks, advisory locks, sequences and Jigsaw’s functions do not', () => {
    expect(readsOnly('SELECT id FROM person WHERE id = $1')).toBe(true);
    expect(readsOnly('  with c AS (SELECT 1) SELECT * FROM c')).toBe(true);
    expect(readsOnly('SELECT updated_at, last_update_by FROM x')).toBe(true);
    for (const sql of [
      'INSERT INTO person (id) VALUES ($1)',
      'UPDATE person SET kind = $2 WHERE id = $1',
      'WITH gone AS (DELETE FROM draft RETURNING id) SELECT count(*) FROM gone',
      'SELECT id FROM referral WHERE id = $1 FOR UPDATE',
      'SELECT id FROM referral WHERE id = $1 for no key update skip locked',
      'SELECT 1 FROM episode FOR SHARE',
      'SELECT pg_advisory_xact_lock($1)',
      "SELECT nextval('audit_event_seq')",
      'SELECT jigsaw_append_audit($1,$2)',
      'SELECT * INTO copy FROM person',
      "SELECT set_config('role', 'x', true)",
      'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ',
      'LOCK TABLE person',
    ]) expect(readsOnly(sql), sql).toBe(false);
  });

  it('names each statement text once, the same name every time, and no more than its cap', () => {
    const names = new PreparedNames(2);
    const a = names.nameFor('SELECT 1 WHERE $1');
    expect(a).toBeDefined();
    expect(names.nameFor('SELECT 1 WHERE $1')).toBe(a);
    const b = names.nameFor('SELECT 2 WHERE $1');
    expect(b).not.toBe(a);
    expect(names.nameFor('SELECT 3 WHERE $1')).toBeUndefined();
    expect(names.nameFor('SELECT 2 WHERE $1')).toBe(b);
  });
});

const server = await aPostgresServerAnswers();

describe.skipIf(!server)('transactions on the PostgreSQL server', () => {
  let url: string;
  let db: Database;
  let other: pg.Client;

  beforeAll(async () => {
    url = await createServerDatabase(SERVER);
    db = openPostgres(url, { max: 2 });
    await db.exec('CREATE TABLE thing (id int PRIMARY KEY, label text NOT NULL)');
    await db.query('INSERT INTO thing VALUES (1, $1)', ['first']);
    other = new pg.Client({ connectionString: url });
    await other.connect();
  });

  afterAll(async () => {
    await other?.end();
    await db?.close();
    const admin = new pg.Client({ connectionString: SERVER });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
    await admin.end();
  });

  it('a command that reads and then writes and fails leaves nothing written', async () => {
    await expect(db.transaction(async (tx) => {
      expect((await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM thing')).rows[0]!.n).toBe(1);
      await tx.query('INSERT INTO thing VALUES ($1, $2)', [2, 'second']);
      throw new Error('refused after writing');
    })).rejects.toThrow('refused after writing');
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM thing')).rows[0]!.n).toBe(1);
  });

  it('rows a command locks stay locked until it ends, however many reads came first', async () => {
    let lockedMeanwhile = false;
    await db.transaction(async (tx) => {
      await tx.query('SELECT label FROM thing WHERE id = $1', [1]);
      await tx.query('SELECT id FROM thing WHERE id = $1 FOR UPDATE', [1]);
      await tx.query('SELECT label FROM thing WHERE id = $1', [1]);
      lockedMeanwhile = await other.query('SELECT id FROM thing WHERE id = 1 FOR UPDATE NOWAIT').then(() => false, (err: { code?: string }) => err.code === '55P03');
    });
    expect(lockedMeanwhile).toBe(true);
    // And released at its end.
    await other.query('SELECT id FROM thing WHERE id = 1 FOR UPDATE NOWAIT');
  });

  it('what a command writes is seen by no one else until it commits, and then by everyone', async () => {
    let seenMeanwhile = -1;
    await db.transaction(async (tx) => {
      await tx.query('SELECT 1 FROM thing WHERE id = $1', [1]);
      await tx.query('UPDATE thing SET label = $2 WHERE id = $1', [1, 'changed']);
      seenMeanwhile = (await other.query<{ n: number }>("SELECT count(*)::int AS n FROM thing WHERE label = 'changed'")).rows[0]!.n;
    });
    expect(seenMeanwhile).toBe(0);
    expect((await other.query<{ label: string }>('SELECT label FROM thing WHERE id = 1')).rows[0]!.label).toBe('changed');
  });

  it('a table changed by a newer version’s migration is still read by a statement this process prepared before', async () => {
    const sql = 'SELECT * FROM thing WHERE id = $1';
    // Prepared on every connection of the pool (two).
    await Promise.all([db.query(sql, [1]), db.query(sql, [1]), db.query(sql, [1])]);
    await other.query('ALTER TABLE thing ADD COLUMN note text');
    for (let i = 0; i < 3; i++) {
      const row = (await db.query<{ id: number; note: string | null }>(sql, [1])).rows[0]!;
      expect(row).toMatchObject({ id: 1, note: null });
    }
  });

  it('behind a pooler that cannot keep prepared statements (JIGSAW_DB_PREPARED_STATEMENTS=false) the same statements answer alike, naming none', async () => {
    const plain = openPostgres(url, { max: 1, prepare: false });
    try {
      for (let i = 0; i < 3; i++) expect((await plain.query<{ next: number }>('SELECT $1::int + 1 AS next', [i])).rows[0]!.next).toBe(i + 1);
      const named = await plain.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements');
      expect(named.rows[0]!.n).toBe(0);
    } finally {
      await plain.close();
    }
  });

  it('prepared statements run with generic plans unless JIGSAW_DB_GENERIC_PLANS=false, and answer alike either way', async () => {
    const mode = async (d: Database): Promise<string> => (await d.query<{ m: string }>("SELECT current_setting('plan_cache_mode') AS m", [])).rows[0]!.m;
    const custom = openPostgres(url, { max: 1, genericPlans: false });
    const generic = openPostgres(url, { max: 1 });
    try {
      expect(await mode(generic)).toBe(process.env.JIGSAW_DB_GENERIC_PLANS === 'false' ? 'auto' : 'force_generic_plan');
      expect(await mode(custom)).toBe('auto');
      for (let i = 0; i < 8; i++) {
        const sql = 'SELECT $1::int + 1 AS next';
        expect((await generic.query<{ next: number }>(sql, [i])).rows[0]!.next).toBe(i + 1);
        expect((await custom.query<{ next: number }>(sql, [i])).rows[0]!.next).toBe(i + 1);
      }
    } finally {
      await custom.close();
      await generic.close();
    }
  });

  it('a prepared statement answers with each call’s own values, in and out of transactions', async () => {
    for (let i = 0; i < 8; i++) {
      const sql = 'SELECT $1::int + 1 AS next';
      const out = i % 2 ? await db.query<{ next: number }>(sql, [i]) : await db.transaction((tx) => tx.query<{ next: number }>(sql, [i]));
      expect(out.rows[0]!.next).toBe(i + 1);
    }
  });
});
