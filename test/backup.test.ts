import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, verifyAuditChain } from '../src/audit/audit.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { main, type Io } from '../src/cli/main.ts';
import { openPGlite, openPostgres, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { loadDemo } from '../src/demo/demo.ts';
import { fixedClock } from '../src/shared/clock.ts';
import { createServerDatabase, onPostgresServer } from './db.ts';
import { services } from './fixtures.ts';

function capture(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

async function withOpen<T>(open: () => Promise<Database>, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await open();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** What an operator would compare between the original and a restored copy. */
async function contents(db: Database): Promise<Record<string, unknown>> {
  const ids = async (sql: string): Promise<string[]> => (await db.query<{ id: string }>(sql)).rows.map((r) => r.id);
  const audit = await verifyAuditChain(db);
  return {
    people: await ids('SELECT id FROM person ORDER BY id'),
    names: await ids(`SELECT person_id || ':' || given_names || ' ' || family_name AS id FROM person_name ORDER BY 1`),
    practitioners: await ids('SELECT id FROM practitioner ORDER BY id'),
    records: await ids('SELECT id FROM agency_record ORDER BY id'),
    versions: await ids(`SELECT record_id || ':' || version || ':' || md5(v::text) AS id FROM agency_record_version v ORDER BY 1`),
    audit: await ids(`SELECT seq::text || ':' || hash AS id FROM audit_event ORDER BY seq`),
    auditIntact: audit.ok,
  };
}

let scratch: string;
let passwordHash: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'jigsaw-backup-'));
  // argon2 is deliberately slow: hash once for the whole file.
  passwordHash = await hashPassword('demo-password-for-tests');
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const loadTheDemo = async (db: Database): Promise<void> => {
  await migrate(db);
  await loadDemo(services(db, fixedClock('2026-03-02T09:00:00Z')), { passwordHash });
};

describe.runIf(!onPostgresServer())('backing up and restoring the embedded database', () => {
  it('a backup taken with the server stopped restores into a new directory with the same people, records and a verifying audit trail', async () => {
    const dataDir = await mkdtemp(join(scratch, 'data-'));
    const file = join(scratch, 'embedded.jigsaw-backup');
    const env = { JIGSAW_DATA_DIR: dataDir };

    const db = await openPGlite(dataDir);
    await loadTheDemo(db);
    const original = await contents(db);
    expect((original.people as string[]).length).toBeGreaterThan(50);
    expect((original.records as string[]).length).toBeGreaterThan(20);

    // While the server (here: this test) holds the data directory, a backup is refused.
    const whileRunning = capture();
    expect(await main(['backup', '--out', file], whileRunning, env)).toBe(1);
    expect(whileRunning.stderr.join('\n')).toContain('is in use by another Jigsaw process');
    expect(whileRunning.stderr.join('\n')).toContain('A backup of the embedded database is taken with the server stopped.');
    expect(existsSync(file)).toBe(false);
    await db.close();

    const made = capture();
    expect(await main(['backup', '--out', file], made, env)).toBe(0);
    expect(made.stdout.join('\n')).toMatch(/^Backed up the embedded database in .* to .*: schema \d+, audit trail head #\d+ [0-9a-f]{64}\./);

    // Into a directory that does not exist yet.
    const restoredDir = join(scratch, 'restored');
    const restored = capture();
    expect(await main(['restore', file], restored, { JIGSAW_DATA_DIR: restoredDir })).toBe(0);
    expect(restored.stderr).toEqual([]);
    const audit = original.audit as string[];
    expect(restored.stdout.at(-1)).toBe(`Audit trail intact: ${audit.length} entries. Head: #${audit.at(-1)!.replace(':', ' ')}, as when the backup was taken.`);

    expect(await withOpen(() => openPGlite(restoredDir), contents)).toEqual(original);
    const verified = capture();
    expect(await main(['audit', 'verify'], verified, { JIGSAW_DATA_DIR: restoredDir })).toBe(0);
    expect(verified.stdout).toEqual([`Audit trail intact: ${audit.length} entries. Head: #${audit.at(-1)!.replace(':', ' ')}`, expect.stringMatching(/^Not checked against the audit key/)]);

    // Never over an existing database, nor into a server, nor a file that is not a backup.
    const again = capture();
    expect(await main(['restore', file], again, { JIGSAW_DATA_DIR: restoredDir })).toBe(1);
    expect(again.stderr.join('\n')).toContain(`${restoredDir} already holds a database; restore never overwrites one.`);
    const intoServer = capture();
    expect(await main(['restore', file], intoServer, { DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' })).toBe(1);
    expect(intoServer.stderr.join('\n')).toContain('is a backup of an embedded (PGlite) database; it cannot be restored into a PostgreSQL server.');
    const notABackup = capture();
    expect(await main(['restore', join(dataDir, 'PG_VERSION')], notABackup, { JIGSAW_DATA_DIR: join(scratch, 'never') })).toBe(1);
    expect(notABackup.stderr.join('\n')).toContain('is not a Jigsaw backup');
    expect(existsSync(join(scratch, 'never'))).toBe(false);

    // A second backup to the same file name does not overwrite the first.
    const overwrite = capture();
    expect(await main(['backup', '--out', file], overwrite, env)).toBe(1);
    expect(overwrite.stderr.join('\n')).toContain('already exists. Backups are never overwritten');
  }, 600_000);

  it('a damaged backup is refused and leaves the target directory empty', async () => {
    const file = join(scratch, 'damaged.jigsaw-backup');
    const header = { 'jigsaw-backup': 1, kind: 'pglite', createdAt: '2026-03-02T09:00:00Z', schemaVersion: 1, postgresVersion: '17', auditHead: { seq: 0, hash: '0'.repeat(64) }, payload: 'pglite-datadir.tar.gz' };
    await writeFile(file, `${JSON.stringify(header)}\nnot a tarball at all`);
    const target = await mkdtemp(join(scratch, 'target-'));
    const io = capture();
    expect(await main(['restore', file], io, { JIGSAW_DATA_DIR: target })).toBe(1);
    expect(io.stderr.join('\n')).toContain('could not be restored');
    expect(await readdir(target)).toEqual([]);
  });
});

describe('jigsaw backup and restore, called wrongly', () => {
  it('without --out, or without exactly one file, exit 2 naming what is missing and touch nothing', async () => {
    const dataDir = join(scratch, 'untouched');
    const noOut = capture();
    expect(await main(['backup'], noOut, { JIGSAW_DATA_DIR: dataDir })).toBe(2);
    expect(noOut.stderr).toEqual(['--out is required: the file to write the backup to (it must not exist yet).']);
    const noFile = capture();
    expect(await main(['restore'], noFile, { JIGSAW_DATA_DIR: dataDir })).toBe(2);
    const twoFiles = capture();
    expect(await main(['restore', 'a', 'b'], twoFiles, { JIGSAW_DATA_DIR: dataDir })).toBe(2);
    expect([...noFile.stderr, ...twoFiles.stderr]).toEqual(['Give one backup file: jigsaw restore FILE', 'Give one backup file: jigsaw restore FILE']);
    const positional = capture();
    expect(await main(['backup', 'somewhere'], positional, { JIGSAW_DATA_DIR: dataDir })).toBe(2);
    expect(positional.stderr.join('\n')).toContain('Usage: jigsaw backup --out FILE');
    expect(existsSync(dataDir)).toBe(false);
  });
});

const havePgDump = spawnSync('pg_dump', ['--version']).status === 0;

describe.runIf(onPostgresServer())('backing up and restoring a database on a PostgreSQL server', () => {
  let source: string;
  let original: Record<string, unknown>;
  beforeAll(async () => {
    source = await createServerDatabase();
    original = await withOpen(() => Promise.resolve(openPostgres(source, { max: 2 })), async (db) => {
      await loadTheDemo(db);
      return contents(db);
    });
  });

  // Missing tools must not pass CI quietly: there the test runs, and fails.
  it.skipIf(!havePgDump && !process.env.CI)('pg_dump copies the server database; restored into a new database it has the same people, records and a verifying audit trail', async () => {
    const file = join(scratch, 'server.jigsaw-backup');
    const made = capture();
    expect(await main(['backup', '--out', file], made, { DATABASE_URL: source })).toBe(0);
    expect(made.stdout.join('\n')).toMatch(/^Backed up the PostgreSQL database 127\.0\.0\.1:5432\/jigsaw_test_\w+ to .*: schema \d+, audit trail head #\d+ [0-9a-f]{64}\./);
    expect(made.stdout.join('\n')).not.toContain('postgres@');

    const target = await createServerDatabase();
    const restored = capture();
    expect(await main(['restore', file], restored, { DATABASE_URL: target })).toBe(0);
    const audit = original.audit as string[];
    expect(restored.stdout.at(-1)).toBe(`Audit trail intact: ${audit.length} entries. Head: #${audit.at(-1)!.replace(':', ' ')}, as when the backup was taken.`);
    expect(await withOpen(() => Promise.resolve(openPostgres(target, { max: 2 })), contents)).toEqual(original);
    const verified = capture();
    expect(await main(['audit', 'verify'], verified, { DATABASE_URL: target })).toBe(0);

    const again = capture();
    expect(await main(['restore', file], again, { DATABASE_URL: target })).toBe(1);
    expect(again.stderr.join('\n')).toContain('already holds a Jigsaw database; restore never overwrites one.');
    const intoEmbedded = capture();
    expect(await main(['restore', file], intoEmbedded, { JIGSAW_DATA_DIR: join(scratch, 'never-embedded') })).toBe(1);
    expect(intoEmbedded.stderr.join('\n')).toContain('is a backup of a PostgreSQL server database; it cannot be restored into the embedded database.');
    expect(existsSync(join(scratch, 'never-embedded'))).toBe(false);
  });

  it.skipIf(!havePgDump && !process.env.CI)('a backup taken while Jigsaw writes holds whole transactions only: the restored trail verifies and ends where the snapshot did', async () => {
    const db = openPostgres(source, { max: 2 });
    try {
      const before = (original.audit as string[]).length;
      // Each transaction appends three entries: a copy that cut one in half would hold a remainder.
      let transactions = 0;
      let stop = false;
      const write = (): Promise<void> => db.transaction(async (tx) => {
        for (let k = 0; k < 3; k++) {
          await appendAudit(tx, { at: new Date() }, { action: 'test.write_during_backup', outcome: 'success', detail: { transaction: transactions, k } });
        }
        transactions += 1;
      });
      for (let i = 0; i < 5; i++) await write();
      const writing = (async () => {
        while (!stop && transactions < 2000) await write();
      })();
      const file = join(scratch, 'server-under-load.jigsaw-backup');
      const made = capture();
      const code = await main(['backup', '--out', file], made, { DATABASE_URL: source }).finally(() => {
        stop = true;
      });
      await writing;
      expect(code).toBe(0);

      const target = await createServerDatabase();
      const restored = capture();
      expect(await main(['restore', file], restored, { DATABASE_URL: target })).toBe(0);
      expect(restored.stdout.at(-1)).toMatch(/^Audit trail intact: \d+ entries\. Head: #\d+ [0-9a-f]{64}, as when the backup was taken\.$/);
      const copied = await withOpen(() => Promise.resolve(openPostgres(target, { max: 2 })), async (copy) => {
        expect((await verifyAuditChain(copy)).ok).toBe(true);
        return Number((await copy.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_event')).rows[0]!.n);
      });
      expect(copied).toBeGreaterThanOrEqual(before + 15);
      expect((copied - before) % 3).toBe(0);
      expect(copied).toBeLessThanOrEqual(before + 3 * transactions);
    } finally {
      await db.close();
    }
  });

  it('a pg_dump older than the server, or none at all, is named in a clear message and no file is written', async () => {
    const tools = await mkdtemp(join(scratch, 'old-tools-'));
    await writeFile(join(tools, 'pg_dump'), '#!/bin/sh\necho "pg_dump (PostgreSQL) 9.6.24"\n');
    await chmod(join(tools, 'pg_dump'), 0o755);
    const file = join(scratch, 'never.jigsaw-backup');
    const old = capture();
    expect(await main(['backup', '--out', file], old, { DATABASE_URL: source, PATH: `${tools}:${process.env.PATH ?? ''}` })).toBe(1);
    expect(old.stderr.join('\n')).toMatch(/^pg_dump is version 9, older than the PostgreSQL server \(version \d+\), so it cannot back it up\. Install PostgreSQL's client programs of version \d+ or newer/);

    const none = capture();
    expect(await main(['backup', '--out', file], none, { DATABASE_URL: source, PATH: await mkdtemp(join(scratch, 'no-tools-')) })).toBe(1);
    expect(none.stderr.join('\n')).toMatch(/^pg_dump was not found on PATH\. Install PostgreSQL's client programs/);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.partial`)).toBe(false);
  });
});
