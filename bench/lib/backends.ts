import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPGlite, openPostgres, type Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';

/** A migrated, empty database to benchmark on, and how to get rid of it afterwards. */
export interface Backend {
  kind: 'pglite' | 'postgres';
  label: string;
  /** Versions and settings that matter for the figures. */
  details: Record<string, string>;
  db: Database;
  /** The database's address, for a server started in its own process (PostgreSQL only: PGlite is embedded). */
  url?: string;
  dispose(): Promise<void>;
}

async function pgliteVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function setting(db: Database, name: string): Promise<string> {
  const { rows } = await db.query<Record<string, string>>(`SHOW ${name}`);
  return Object.values(rows[0] ?? {})[0] ?? '?';
}

/** PGlite with an on-disk data directory in a temporary folder, as in production. */
export async function pgliteBackend(): Promise<Backend> {
  const dir = await mkdtemp(join(tmpdir(), 'jigsaw-bench-'));
  const db = await openPGlite(dir);
  await migrate(db);
  return {
    kind: 'pglite',
    label: 'PGlite (embedded, on-disk data directory)',
    details: {
      pglite: await pgliteVersion(),
      server_version: await setting(db, 'server_version'),
      fsync: await setting(db, 'fsync'),
      synchronous_commit: await setting(db, 'synchronous_commit'),
    },
    db,
    async dispose() {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh database with a random name on the server at baseUrl, dropped by dispose(). */
export async function postgresBackend(baseUrl: string): Promise<Backend> {
  const name = `jigsaw_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const db = openPostgres(url.toString(), { max: 4 });
  const drop = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: baseUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await c.end();
    }
  };
  try {
    await migrate(db);
    return {
      kind: 'postgres',
      label: 'PostgreSQL server (local, fresh database)',
      details: {
        server_version: await setting(db, 'server_version'),
        fsync: await setting(db, 'fsync'),
        synchronous_commit: await setting(db, 'synchronous_commit'),
        wal_sync_method: await setting(db, 'wal_sync_method'),
        shared_buffers: await setting(db, 'shared_buffers'),
      },
      db,
      url: url.toString(),
      async dispose() {
        await db.close();
        await drop();
      },
    };
  } catch (err) {
    await db.close().catch(() => undefined);
    await drop();
    throw err;
  }
}
