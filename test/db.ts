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

// Any constant will do: it only has to be the same for every worker of a run.
const TEMPLATE_LOCK_KEY = 7_345_002;
const templates = new Map<string, Promise<string>>();

/**
 * A migrated database on the server to copy from, made once per run (the first worker to need it
 * makes it under an advisory lock; the others wait and find it). The run's teardown drops it with
 * the rest: it has the run's prefix.
 */
async function migratedTemplate(base: string): Promise<string> {
  const name = `jigsaw_test_${process.env.JIGSAW_TEST_RUN_ID ?? 'adhoc'}_template`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await admin.query(`CREATE DATABASE "${name}"`);
      const url = new URL(base);
      url.pathname = `/${name}`;
      const db = openPostgres(url.toString(), { max: 1 });
      try {
        await migrate(db);
      } catch (err) {
        await db.close();
        // Half migrated, it must not be copied by the next test that asks.
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        throw err;
      }
      await db.close();
    }
    await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]);
    return name;
  } finally {
    await admin.end();
  }
}

/**
 * Like createServerDatabase, with every migration already applied: a copy of a template migrated
 * once per run (CREATE DATABASE … TEMPLATE), so a test that needs a database of its own does not
 * run all the migrations again. For tests of something else than migrating.
 */
export async function createMigratedServerDatabase(base: string = process.env.JIGSAW_TEST_DATABASE_URL!): Promise<string> {
  let template = templates.get(base);
  if (!template) templates.set(base, (template = migratedTemplate(base)));
  const name = `jigsaw_test_${process.env.JIGSAW_TEST_RUN_ID ?? 'adhoc'}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${await template}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function open(): Promise<Database> {
  const db = onPostgresServer() ? openPostgres(await createServerDatabase(), { max: 4 }) : await openPGlite(undefined);
  await migrate(db);
  // The worker's database outlives each test file (isolate:false, vitest.config.ts): a file that
  // closes it, directly or through something built over it, must not close it for the next file.
  // It goes when the worker does (the run's teardown drops a server's databases).
  return { ...db, close: () => Promise.resolve() };
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
