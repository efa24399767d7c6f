import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { openPostgres, type Queryable } from '../db/database.ts';
import { describeContents, isJigsawDatabase, noDatabaseHere } from './existing.ts';
import { writeBackupFile } from './files.ts';
import { BACKUP_FORMAT_VERSION, Refusal, type BackupHeader } from './format.ts';
import { describeServer, libpqEnvironment, requireToolFor, startTool, toolMajorVersion } from './pg-tools.ts';
import { checkRestored, type RestoreResult } from './verify.ts';

/**
 * A PostgreSQL server database is backed up with pg_dump while Jigsaw keeps running: pg_dump reads
 * one snapshot, so the copy holds every transaction committed before it began and none after —
 * never half of one. Jigsaw exports that snapshot itself and hands it to pg_dump, so the header's
 * audit head is read from exactly the state that was copied.
 */
export async function backupServer(databaseUrl: string, out: string, now: Date, env: NodeJS.ProcessEnv): Promise<BackupHeader> {
  const toolEnv = { ...process.env, ...env, ...libpqEnvironment(databaseUrl) };
  const dumpMajor = await toolMajorVersion('pg_dump', toolEnv);
  const db = openPostgres(databaseUrl, { max: 1 });
  try {
    if (!(await isJigsawDatabase(db))) throw noDatabaseHere({ databaseUrl, dataDir: '' });
    requireToolFor('pg_dump', dumpMajor, await serverMajor(db));
    return await db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const snapshot = (await tx.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]!.id;
      const header: BackupHeader = {
        'jigsaw-backup': BACKUP_FORMAT_VERSION, kind: 'postgres', createdAt: now.toISOString(),
        ...(await describeContents(tx)), payload: 'pg_dump-custom',
      };
      await writeBackupFile(out, header, async (to) => {
        // The connection reaches pg_dump through its environment; only the snapshot's name is an argument.
        const dump = startTool('pg_dump', ['--format=custom', '--no-password', `--snapshot=${snapshot}`], toolEnv);
        dump.child.stdin.end();
        await Promise.all([pipeline(dump.child.stdout, to, { end: false }), dump.done]);
      });
      return header;
    });
  } finally {
    await db.close();
  }
}

/** Restores into an empty database on the server; never into one that holds tables already. */
export async function restoreServer(file: string, header: BackupHeader, payloadOffset: number, databaseUrl: string, env: NodeJS.ProcessEnv): Promise<RestoreResult> {
  const connection = libpqEnvironment(databaseUrl);
  const target = connection.PGDATABASE;
  if (!target) throw new Refusal('DATABASE_URL must name the database to restore into (postgres://…/DATABASE).');
  const toolEnv = { ...process.env, ...env, ...connection };
  const restoreMajor = await toolMajorVersion('pg_restore', toolEnv);
  const db = openPostgres(databaseUrl, { max: 1 });
  try {
    const where = describeServer(databaseUrl);
    if (await isJigsawDatabase(db)) {
      throw new Refusal(`${where} already holds a Jigsaw database; restore never overwrites one. Create a new, empty database (for example: createdb jigsaw_restored), point DATABASE_URL at it and run restore again.`);
    }
    if (await holdsObjects(db)) {
      throw new Refusal(`${where} is not empty. Restore into a new, empty database (for example: createdb jigsaw_restored) named by DATABASE_URL.`);
    }
    requireToolFor('pg_restore', restoreMajor, Math.max(await serverMajor(db), Number(/^\d+/.exec(header.postgresVersion)?.[0] ?? 0)));
    // --dbname is needed to restore into a database rather than print SQL; it carries the name only.
    const restore = startTool('pg_restore', [
      '--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', '--no-password',
      `--dbname=dbname='${target.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
    ], toolEnv);
    restore.child.stdout.resume();
    await Promise.all([
      // If pg_restore stops early the pipe breaks; its own error (in `done`) says why.
      pipeline(createReadStream(file, { start: payloadOffset }), restore.child.stdin).catch(() => undefined),
      restore.done,
    ]);
    return await checkRestored(db, header);
  } finally {
    await db.close();
  }
}

async function serverMajor(db: Queryable): Promise<number> {
  return Number((await db.query<{ n: number }>(`SELECT current_setting('server_version_num')::int / 10000 AS n`)).rows[0]!.n);
}

/** Any table, view, sequence or function outside PostgreSQL's own schemas. */
async function holdsObjects(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%')
          + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%') AS n`);
  return Number(rows[0]!.n) > 0;
}
