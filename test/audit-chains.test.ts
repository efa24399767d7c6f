import fc from 'fast-check';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { appendAudit, auditArguments, AUDIT_COLUMNS, hashEntry, toAuditEntry, type AuditRow } from '../src/audit/audit.ts';
import { canonicalJson } from '../src/audit/canonical.ts';
import { makeCheckpoint, readCheckpoints, sealHead, type Checkpoint } from '../src/audit/checkpoint.ts';
import { auditKey, stamp, useAuditKey, type AuditKeyring } from '../src/audit/key.ts';
import { verifyAuditChain, type VerifyResult } from '../src/audit/verify-chain.ts';
import { openPGlite, openPostgres, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { newId } from '../src/shared/ids.ts';
import { aPostgresServerAnswers, createMigratedServerDatabase, SERVER } from './db.ts';

/**
 * Issue 21, item 4: the trail in several chains (migration 035). Concurrent transactions append to
 * different chains; every tampering the single chain showed is still shown within each chain, and
 * a trail, seals and checkpoints from before the migration still verify.
 */
const onServer = await aPostgresServerAnswers();

const key = auditKey(`audit-key-${randomBytes(24).toString('hex')}`);
const keys: AuditKeyring = { current: key, byId: new Map([[key.id, key]]) };
const made: string[] = [];
const open: Database[] = [];
const SEALED_AT = new Date('2026-03-02T09:30:00Z');

afterEach(() => useAuditKey(undefined));
afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  if (!made.length) return;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  for (const url of made) await admin.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
  await admin.end();
});

const entry = (at = new Date('2026-03-02T09:00:00Z')): unknown[] =>
  auditArguments({ at }, { action: 'record.read', outcome: 'success', entityType: 'record', entityId: newId() });
const APPEND = 'SELECT jigsaw_append_audit($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)';

async function freshServerDatabase(): Promise<{ url: string; db: Database }> {
  const url = await createMigratedServerDatabase(SERVER);
  made.push(url);
  const db = openPostgres(url, { max: 2 });
  open.push(db);
  return { url, db };
}

/**
 * Three writers, four rounds: A, B and C each open a transaction and append (A twice), then commit
 * in the order C, A, B. A holds chain 0, so B takes chain 1 and C chain 2: chain 0 holds entries
 * 1, 4, 5, 8, …, chain 1 entries 2, 6, 10, 14 and chain 2 entries 3, 7, 11, 15. Sealed, and a
 * checkpoint of it returned for keeping elsewhere.
 */
async function threeChains(): Promise<{ db: Database; checkpoint: Checkpoint }> {
  const { url, db } = await freshServerDatabase();
  useAuditKey(key);
  const [a, b, c] = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
  await Promise.all([a, b, c].map((x) => x.connect()));
  try {
    for (let round = 0; round < 4; round++) {
      for (const x of [a, b, c]) await x.query('BEGIN');
      await a.query(APPEND, entry());
      await b.query(APPEND, entry());
      await c.query(APPEND, entry());
      await a.query(APPEND, entry());
      for (const x of [c, a, b]) await x.query('COMMIT');
    }
  } finally {
    await Promise.all([a, b, c].map((x) => x.end()));
    useAuditKey(undefined);
  }
  await sealHead(db, key, SEALED_AT);
  const r = await verifyAuditChain(db, { keys, now: SEALED_AT });
  expect(r.ok).toBe(true);
  expect(r.chains.map((h) => [h.chain, h.pos, h.seq])).toEqual([[0, 8, 16], [1, 4, 14], [2, 4, 15]]);
  return { db, checkpoint: makeCheckpoint(key, r.chains, SEALED_AT) };
}

/** As a DBA: the append-only triggers off for the change. */
async function asDba(db: Database, ...statements: [string, unknown[]?][]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    for (const [sql, params] of statements) await tx.query(sql, params ?? []);
  });
}

const check = (db: Database, checkpoints: Checkpoint[] = []): Promise<VerifyResult> => verifyAuditChain(db, { keys, checkpoints, now: SEALED_AT });
const kinds = (r: VerifyResult): string[] => r.problems.map((p) => p.kind);
const row = async (db: Database, chain: number, pos: number): Promise<AuditRow> =>
  (await db.query<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_event WHERE chain = $1 AND pos = $2`, [chain, pos])).rows[0]!;

describe.runIf(onServer)('an audit trail in several chains (PostgreSQL)', () => {
  it('concurrent writers on their own connections land on more than one chain, and the whole trail verifies with the key', async () => {
    const { db: dba, url } = await freshServerDatabase();
    const writers = openPostgres(url, { max: 12 });
    open.push(writers);
    useAuditKey(key);
    // Each holds its chain for a moment, as a transaction waiting on its commit does.
    await Promise.all(Array.from({ length: 12 }, () => writers.transaction(async (tx) => {
      await tx.query(APPEND, entry(new Date()));
      await tx.query('SELECT pg_sleep(0.05)');
      await tx.query(APPEND, entry(new Date()));
    })));
    await sealHead(dba, key, new Date());
    const r = await verifyAuditChain(dba, { keys });
    expect(r).toMatchObject({ ok: true, entries: 24, problems: [], sealed: { tail: 0 } });
    expect(r.chains.length).toBeGreaterThan(1);
  });

  it('an entry deleted in the middle of a chain other than the first is reported', async () => {
    const { db } = await threeChains();
    await asDba(db, ['DELETE FROM audit_event WHERE chain = 1 AND pos = 2']);
    const r = await check(db);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([{ seq: 3, kind: 'missing', problem: 'an entry of chain 1 between entry 2 and entry 10 is missing (position 2)' }]);
  });

  it('entries cut from the end of one chain are reported by the head row, by the seals, and with the seals gone by a checkpoint kept elsewhere', async () => {
    const { db, checkpoint } = await threeChains();
    await asDba(db, ['DELETE FROM audit_event WHERE chain = 2 AND pos = 4']);
    expect((await check(db)).problems).toContainEqual({ seq: 12, kind: 'head', problem: 'an entry of chain 2 after entry 11, up to entry 15, is missing from the end of the trail' });
    const kept = await row(db, 2, 3);
    await asDba(db, ['UPDATE audit_head SET seq = $1, pos = 3, hash = $2 WHERE chain = 2', [kept.seq, kept.hash]]);
    const bySeal = await check(db);
    // (Chain 2's entries before the cut are also reported unsealed: the seal's head they led to is gone.)
    expect(bySeal.problems).toContainEqual({ seq: 12, kind: 'truncated', problem: 'an entry of chain 2 after entry 11, up to entry 15, is missing from the end of the trail: a seal or checkpoint covers it' });
    await asDba(db, ['DELETE FROM audit_seal']);
    const byCheckpoint = await check(db, [checkpoint]);
    expect(byCheckpoint.ok).toBe(false);
    expect(byCheckpoint.problems).toContainEqual(expect.objectContaining({ seq: 12, kind: 'truncated' }));
  });

  it('entries reordered within a chain are reported, whether their numbers or their positions were swapped', async () => {
    const swapped = await threeChains();
    await asDba(swapped.db,
      ['UPDATE audit_event SET seq = -1, pos = -1 WHERE chain = 1 AND pos = 2'],
      ['UPDATE audit_event SET seq = 6, pos = 2 WHERE chain = 1 AND pos = 3'],
      ['UPDATE audit_event SET seq = 10, pos = 3 WHERE chain = 1 AND pos = -1']);
    const r = await check(swapped.db);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual(expect.arrayContaining([
      { seq: 6, kind: 'link', problem: 'entry 6 does not link to entry 2' },
      { seq: 10, kind: 'link', problem: 'entry 10 does not link to entry 6' },
      { seq: 14, kind: 'link', problem: 'entry 14 does not link to entry 10' },
    ]));
    expect(kinds(r)).toContain('altered');

    const renumbered = await threeChains();
    await asDba(renumbered.db, ['UPDATE audit_event SET seq = -1 WHERE seq = 6'], ['UPDATE audit_event SET seq = 6 WHERE seq = 10'], ['UPDATE audit_event SET seq = 10 WHERE seq = -1']);
    const o = await check(renumbered.db);
    expect(o.ok).toBe(false);
    expect(o.problems).toContainEqual({ seq: 10, kind: 'order', problem: 'entry 10 is out of order: it is at position 2 of chain 1, after entry 6 at position 3' });
  });

  it('an entry moved to another chain is reported, even with its hash recomputed for its new place', async () => {
    const moved = await threeChains();
    await asDba(moved.db, ['UPDATE audit_event SET chain = 3, pos = 1 WHERE chain = 1 AND pos = 4']);
    expect(kinds(await check(moved.db))).toEqual(expect.arrayContaining(['altered', 'truncated', 'head']));

    const rehashed = await threeChains();
    const e = toAuditEntry(await row(rehashed.db, 1, 4));
    const { hash: _h, prevHash: _p, ...fields } = e;
    void _h; void _p;
    const hash = hashEntry('0'.repeat(64), { ...fields, chain: 3, pos: 1 });
    await asDba(rehashed.db,
      ['UPDATE audit_event SET chain = 3, pos = 1, prev_hash = $1, hash = $2 WHERE chain = 1 AND pos = 4', ['0'.repeat(64), hash]],
      ['UPDATE audit_head SET seq = 10, pos = 3, hash = (SELECT hash FROM audit_event WHERE chain = 1 AND pos = 3) WHERE chain = 1'],
      ['UPDATE audit_head SET seq = $1, pos = 1, hash = $2 WHERE chain = 3', [e.seq, hash]]);
    const r = await check(rehashed.db);
    expect(r.ok).toBe(false);
    expect(r.problems).toContainEqual(expect.objectContaining({ seq: 11, kind: 'truncated' }));
  });

  it('random interleavings of transactions over several connections, committed or rolled back, always leave a trail that verifies', async () => {
    const { db, url } = await freshServerDatabase();
    const clients = [0, 1, 2, 3].map(() => new pg.Client({ connectionString: url }));
    await Promise.all(clients.map((c) => c.connect()));
    const inTx = clients.map(() => false);
    let committed = 0;
    const pending = clients.map(() => 0);
    useAuditKey(key);
    try {
      await fc.assert(fc.asyncProperty(
        fc.array(fc.record({ who: fc.integer({ min: 0, max: 3 }), op: fc.constantFrom('append', 'append', 'commit', 'rollback') }), { maxLength: 30 }),
        async (steps) => {
          for (const { who, op } of [...steps, ...clients.map((_, i) => ({ who: i, op: 'commit' }))]) {
            const c = clients[who]!;
            if (op === 'append') {
              if (!inTx[who]) await c.query('BEGIN');
              inTx[who] = true;
              await c.query(APPEND, entry(new Date()));
              pending[who]! += 1;
            } else if (inTx[who]) {
              await c.query(op === 'commit' ? 'COMMIT' : 'ROLLBACK');
              if (op === 'commit') committed += pending[who]!;
              pending[who] = 0;
              inTx[who] = false;
            }
          }
          const r = await verifyAuditChain(db);
          expect(r).toMatchObject({ ok: true, entries: committed });
          // Every chain numbered 1, 2, 3 … with no gap, whatever the numbers in between.
          const gaps = await db.query('SELECT chain FROM audit_event GROUP BY chain HAVING max(pos) <> count(*) OR min(pos) <> 1');
          expect(gaps.rows).toEqual([]);
        },
      ), { numRuns: 15 });
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
});

const MIGRATIONS = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'db', 'migrations');

describe('a trail from before there were several chains', () => {
  it('keeps verifying after migration 035, with its old seals and an old single-chain checkpoint, and new entries continue it', async () => {
    const db = await openPGlite(undefined);
    open.push(db);
    // The schema as it was before migration 035.
    await db.exec('CREATE TABLE schema_migration (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    for (const file of (await readdir(MIGRATIONS)).filter((f) => /^\d{3}_.+\.sql$/.test(f) && Number(f.slice(0, 3)) < 35).sort()) {
      await db.exec(await readFile(join(MIGRATIONS, file), 'utf8'));
      await db.query('INSERT INTO schema_migration (version, name) VALUES ($1, $2)', [Number(file.slice(0, 3)), file]);
    }
    useAuditKey(key);
    for (let i = 0; i < 5; i++) await appendAudit(db, { at: new Date('2026-03-01T09:00:00Z') }, { action: 'record.read', outcome: 'success', entityId: newId() });
    // A seal and an exported checkpoint as Jigsaw made them then: one chain, its head's number and hash.
    const head = (await db.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1')).rows[0]!;
    const body = { seq: head.seq, hash: head.hash, at: '2026-03-01T09:01:00.000Z', accepted: [] as number[] };
    const mac = stamp(key, 'seal', canonicalJson(body));
    await db.query('INSERT INTO audit_seal (id, seq, hash, at, accepted, mac) VALUES ($1, $2, $3, $4, $5, $6)', [newId(), body.seq, body.hash, body.at, '[]', mac]);
    const dir = await mkdtemp(join(tmpdir(), 'jigsaw-chains-'));
    try {
      const file = join(dir, 'old.json');
      await writeFile(file, `${JSON.stringify({ jigsawAuditCheckpoint: 1, ...body, mac })}\n`);
      const old = await readCheckpoints(file);
      expect(old).toEqual([{ ...body, mac }]);

      await migrate(db);
      expect(await verifyAuditChain(db, { keys, checkpoints: old, now: new Date('2026-03-01T09:02:00Z') })).toMatchObject({ ok: true, entries: 5, problems: [], sealed: { through: 5, tail: 0 } });
      for (let i = 0; i < 3; i++) await appendAudit(db, { at: new Date('2026-03-01T09:03:00Z') }, { action: 'record.read', outcome: 'success', entityId: newId() });
      await sealHead(db, key, new Date('2026-03-01T09:04:00Z'));
      const after = await verifyAuditChain(db, { keys, checkpoints: old, now: new Date('2026-03-01T09:05:00Z') });
      expect(after).toMatchObject({ ok: true, entries: 8, problems: [], sealed: { through: 8, tail: 0 }, chains: [{ chain: 0, pos: 8, seq: 8 }] });

      // The old checkpoint still catches a rewrite of what it covers.
      await asDba(db, ["UPDATE audit_event SET outcome = 'denied' WHERE seq = 2"]);
      expect(kinds(await verifyAuditChain(db, { keys, checkpoints: old, now: new Date('2026-03-01T09:05:00Z') }))).toContain('altered');
      const forged = { ...old[0]!, hash: 'f'.repeat(64) };
      expect(kinds(await verifyAuditChain(db, { keys, checkpoints: [forged], now: new Date('2026-03-01T09:05:00Z') }))).toContain('checkpoint');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
