import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';
import { grantApplicationRole } from './roles.ts';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
// Any constant will do; it only has to be the same for every Jigsaw process.
const MIGRATION_LOCK_KEY = 7_345_001;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

/** The newest migration this version of Jigsaw knows (a backup from a newer one cannot be restored by it). */
export async function latestMigrationVersion(): Promise<number> {
  const versions = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).map((f) => Number(f.slice(0, 3)));
  return Math.max(0, ...versions);
}

/**
 * Applies the numbered SQL files in db/migrations that this database has not seen yet.
 * Runs under an advisory lock so two servers starting together do not both migrate, and
 * each file commits with its bookkeeping row, so a failed file leaves nothing half-applied.
 */
export async function migrate(db: Database): Promise<MigrationResult> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migration (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM schema_migration')).rows.map((r) => r.version));
    const applied: string[] = [];
    for (const file of files) {
      const version = Number(file.slice(0, 3));
      if (done.has(version)) continue;
      const sql = await readFile(join(MIGRATIONS_DIR, file), 'utf8');
      await tx.exec(sql);
      await tx.query('INSERT INTO schema_migration (version, name) VALUES ($1, $2)', [version, file]);
      applied.push(file);
    }
    // The embedded database has one user, whoever holds its directory: roles would protect nothing there.
    if (db.kind === 'postgres') await grantApplicationRole(tx);
    return { applied, alreadyApplied: done.size };
  });
}

