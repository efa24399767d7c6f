import type { Config } from '../config/config.ts';
import { latestMigrationVersion } from '../db/migrate.ts';
import { backupEmbedded, restoreEmbedded } from './embedded.ts';
import { Refusal, readHeader, type BackupHeader } from './format.ts';
import { backupServer, restoreServer } from './server.ts';
import type { RestoreResult } from './verify.ts';

export { Refusal, type BackupHeader } from './format.ts';
export type { RestoreResult } from './verify.ts';

/** Backs up the database the configuration names (DATABASE_URL, else the embedded one) to `out`. */
export function backup(config: Pick<Config, 'databaseUrl' | 'dataDir'>, out: string, opts: { now?: Date; env?: NodeJS.ProcessEnv } = {}): Promise<BackupHeader> {
  const now = opts.now ?? new Date();
  return config.databaseUrl ? backupServer(config.databaseUrl, out, now, opts.env ?? {}) : backupEmbedded(config.dataDir, out, now);
}

/**
 * Restores a backup into the database the configuration names, which must be empty: a new data
 * directory for the embedded database, a new database on a server. The restored audit trail is
 * verified before this returns.
 */
export async function restore(config: Pick<Config, 'databaseUrl' | 'dataDir'>, file: string, opts: { env?: NodeJS.ProcessEnv } = {}): Promise<RestoreResult> {
  const { header, payloadOffset } = await readHeader(file);
  const known = await latestMigrationVersion();
  if (header.schemaVersion > known) {
    throw new Refusal(`${file} was made by a newer version of Jigsaw (database schema ${header.schemaVersion}; this version knows up to ${known}). Restore it with that version or a later one.`);
  }
  if (header.kind === 'pglite') {
    if (config.databaseUrl) {
      throw new Refusal(`${file} is a backup of an embedded (PGlite) database; it cannot be restored into a PostgreSQL server. Unset DATABASE_URL and set JIGSAW_DATA_DIR to a new, empty directory to restore it.`);
    }
    return restoreEmbedded(file, header, payloadOffset, config.dataDir);
  }
  if (!config.databaseUrl) {
    throw new Refusal(`${file} is a backup of a PostgreSQL server database; it cannot be restored into the embedded database. Set DATABASE_URL to a new, empty database on a PostgreSQL server to restore it.`);
  }
  return restoreServer(file, header, payloadOffset, config.databaseUrl, opts.env ?? {});
}
