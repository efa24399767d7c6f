import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.ts';
import { openPGlite, openPostgres, type Database, type PGliteDatabase, type Queryable } from '../db/database.ts';
import { Refusal } from './format.ts';
import { describeServer } from './pg-tools.ts';

/**
 * Commands that read an existing Jigsaw database (`audit verify`, `backup`) open it through here:
 * opening PGlite on an empty directory, or migrating an empty server database, would quietly make
 * a new, empty Jigsaw database — and an audit check of that would say "intact: 0 entries".
 */

const hint = 'Set JIGSAW_DATA_DIR to the directory that holds the embedded database, or DATABASE_URL to the PostgreSQL database (`jigsaw migrate` makes a new one).';

export const noDatabaseHere = (config: Pick<Config, 'databaseUrl' | 'dataDir'>): Refusal =>
  new Refusal(config.databaseUrl
    ? `No Jigsaw database at ${describeServer(config.databaseUrl)}. ${hint}`
    : `No Jigsaw database in ${config.dataDir}. ${hint}`);

/** A PGlite cluster lives in a directory holding PG_VERSION. */
export const holdsEmbeddedCluster = (dataDir: string): boolean => existsSync(join(dataDir, 'PG_VERSION'));

/** Has Jigsaw's migrations table: the database was made by Jigsaw. */
export async function isJigsawDatabase(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ found: boolean }>(`SELECT to_regclass('schema_migration') IS NOT NULL AS found`);
  return rows[0]?.found === true;
}

export async function openExistingEmbedded(config: Pick<Config, 'dataDir'>, lockedHint = ''): Promise<PGliteDatabase> {
  if (!holdsEmbeddedCluster(config.dataDir)) throw noDatabaseHere({ databaseUrl: undefined, dataDir: config.dataDir });
  let db: PGliteDatabase;
  try {
    db = await openPGlite(config.dataDir);
  } catch (err) {
    if (/in use by another Jigsaw process/.test((err as Error).message)) throw new Refusal(`${(err as Error).message}${lockedHint}`);
    throw err;
  }
  return ensureJigsaw(db, { databaseUrl: undefined, dataDir: config.dataDir });
}

/** Opens the database the configuration names, refusing (not creating) one that is not Jigsaw's. */
export async function openExistingDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<Database> {
  if (!config.databaseUrl) return openExistingEmbedded(config);
  return ensureJigsaw(openPostgres(config.databaseUrl, { max: 2 }), config);
}

async function ensureJigsaw<T extends Database>(db: T, config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<T> {
  try {
    if (await isJigsawDatabase(db)) return db;
  } catch (err) {
    await db.close();
    throw err;
  }
  await db.close();
  throw noDatabaseHere(config);
}

/** The highest migration applied, and the audit trail's recorded head. */
export async function describeContents(db: Queryable): Promise<{ schemaVersion: number; auditHead: { seq: number; hash: string }; postgresVersion: string }> {
  const { rows } = await db.query<{ version: number; seq: number | null; hash: string | null; pg: string }>(
    `SELECT (SELECT coalesce(max(version), 0) FROM schema_migration) AS version,
            h.seq, h.hash, current_setting('server_version') AS pg
       FROM (SELECT 1) one LEFT JOIN (SELECT seq, hash FROM audit_head ORDER BY seq DESC LIMIT 1) h ON true`);
  const r = rows[0]!;
  return { schemaVersion: Number(r.version), auditHead: { seq: Number(r.seq ?? 0), hash: r.hash ?? '0'.repeat(64) }, postgresVersion: r.pg };
}
