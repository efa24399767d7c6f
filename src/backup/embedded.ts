import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openPGlite } from '../db/database.ts';
import { describeContents, holdsEmbeddedCluster, isJigsawDatabase, openExistingEmbedded } from './existing.ts';
import { BACKUP_FORMAT_VERSION, Refusal, type BackupHeader } from './format.ts';
import { writeBackupFile } from './files.ts';
import { checkRestored, type RestoreResult } from './verify.ts';

/**
 * The embedded database (PGlite) is backed up as PGlite's own copy of its data directory. PGlite
 * belongs to one process, so the copy is taken with the server stopped: the data directory's lock
 * (jigsaw.pid) refuses a backup while the server holds it.
 */
export async function backupEmbedded(dataDir: string, out: string, now: Date): Promise<BackupHeader> {
  const db = await openExistingEmbedded({ dataDir }, ' A backup of the embedded database is taken with the server stopped.');
  try {
    const header: BackupHeader = {
      'jigsaw-backup': BACKUP_FORMAT_VERSION, kind: 'pglite', createdAt: now.toISOString(),
      ...(await describeContents(db)), payload: 'pglite-datadir.tar.gz',
    };
    // Everything written so far goes into the data files, so the copy needs no WAL replay to be whole.
    await db.exec('CHECKPOINT');
    const tarball = Buffer.from(await (await db.dumpDataDir()).arrayBuffer());
    await writeBackupFile(out, header, (to) => new Promise<void>((resolve, reject) => to.write(tarball, (err) => (err ? reject(err) : resolve()))));
    return header;
  } finally {
    await db.close();
  }
}

/** Restores into an empty (or not yet existing) data directory; never over a database. */
export async function restoreEmbedded(file: string, header: BackupHeader, payloadOffset: number, dataDir: string): Promise<RestoreResult> {
  const existing = existsSync(dataDir) ? await readdir(dataDir) : [];
  if (holdsEmbeddedCluster(dataDir)) {
    throw new Refusal(`${dataDir} already holds a database; restore never overwrites one. Restore into a new directory (set JIGSAW_DATA_DIR to it), or stop Jigsaw and move this one aside first (for example: mv ${dataDir} ${dataDir}.old).`);
  }
  if (existing.length > 0) {
    throw new Refusal(`${dataDir} is not empty. Restore into a new or empty directory (set JIGSAW_DATA_DIR to it).`);
  }
  const tarball = new Blob([(await readFile(file)).subarray(payloadOffset)]);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  let db;
  try {
    db = await openPGlite(dataDir, { loadDataDir: tarball });
  } catch (err) {
    // The directory was empty before: leave it so, rather than half a database.
    for (const entry of await readdir(dataDir)) await rm(join(dataDir, entry), { recursive: true, force: true });
    throw new Refusal(`${file} could not be restored: PGlite did not start from it (${(err as Error).message}). The file may be damaged or truncated; ${dataDir} has been left empty.`);
  }
  try {
    if (!(await isJigsawDatabase(db))) throw new Refusal(`${file} restored a database that has no Jigsaw tables.`);
    return await checkRestored(db, header);
  } finally {
    await db.close();
  }
}
