import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { beforeEach } from 'vitest';
import { openPGlite, openPostgres, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';

/**
 * One migrated database per test worker, emptied before each test. PGlite in memory by
 * default; a fresh database on the PostgreSQL server named by JIGSAW_TEST_DATABASE_URL otherwise.
 */
let shared: Promise<Database> | undefined;

export const onPostgresServer = (): boolean => Boolean(process.env.JIGSAW_TEST_DATABASE_URL);

/** The suite's PostgreSQL server, or the one on this machine when the suite runs on PGlite. */
export const SERVER = process.env.JIGSAW_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether a PostgreSQL server is there for the tests that need one even on a PGlite run (roles,
 * concurrent connections): the suite's own, or one answering on this machine.
 */
export async function aPostgresServerAnswers(): Promise<boolean> {
  if (onPostgresServer()) return true;
  const c = new pg.Client({ connectionString: SERVER, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** Creates an empty database on the test server (or the one named), named so the run's teardown drops it. */
export async function createServerDatabase(base: string = process.env.JIGSAW_TEST_DATABASE_URL!): Promise<string> {
  const name = `jigsaw_test_${process.env.JIGSAW_TEST_RUN_ID ?? 'adhoc'}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function open(): Promise<Database> {
  const db = onPostgresServer() ? openPostgres(await createServerDatabase(), { max: 4 }) : await openPGlite(undefined);
  await migrate(db);
  return db;
}

export function testDb(): Promise<Database> {
  return (shared ??= open());
}

/** Empties every table (the audit trail included) without dropping the schema. */
export async function resetDb(db: Database): Promise<void> {
  const { rows } = await db.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migration'",
  );
  await db.transaction(async (tx) => {
    // replica mode skips the audit trail's append-only triggers: only tests ever do this.
    await tx.query('SET LOCAL session_replication_role = replica');
    await tx.query(`TRUNCATE ${rows.map((r) => `"${r.tablename}"`).join(', ')} CASCADE`);
  });
}

/** Use in a test file: gives the worker's database, emptied before each test. */
export function useTestDb(): { db: () => Database } {
  let current: Database | undefined;
  beforeEach(async () => {
    current = await testDb();
    await resetDb(current);
  });
  return {
    db: () => {
      if (!current) throw new Error('database not ready: call inside a test');
      return current;
    },
  };
}
