import { open } from 'node:fs/promises';
import { z } from 'zod';

/**
 * A Jigsaw backup file is one line of JSON (the header) followed by the database's own dump:
 *
 *   {"jigsaw-backup":1,"kind":"pglite",…}\n<gzipped tarball of PGlite's data directory>
 *   {"jigsaw-backup":1,"kind":"postgres",…}\n<pg_dump --format=custom archive>
 *
 * The header lets `jigsaw restore` say what a file is before touching any database, refuse a
 * backup of the other kind of database, and check the restored audit trail ends where the
 * original did at the moment of the backup. `head -1 FILE` shows it.
 */
export const BACKUP_FORMAT_VERSION = 1;

export const BackupHeader = z.object({
  'jigsaw-backup': z.number().int(),
  kind: z.enum(['pglite', 'postgres']),
  createdAt: z.string(),
  /** The highest migration applied to the database that was backed up. */
  schemaVersion: z.number().int(),
  /** PostgreSQL's version string (PGlite runs a PostgreSQL too). */
  postgresVersion: z.string(),
  /** The audit trail's newest entry when the copy was taken (its snapshot, for a server). */
  auditHead: z.object({ seq: z.number().int(), hash: z.string() }),
  payload: z.enum(['pglite-datadir.tar.gz', 'pg_dump-custom']),
});
export type BackupHeader = z.infer<typeof BackupHeader>;

/** Something the operator has to act on: printed as it is, without a stack trace. */
export class Refusal extends Error {
  override readonly name = 'Refusal';
}

export const headerLine = (h: BackupHeader): Buffer => Buffer.from(`${JSON.stringify(h)}\n`, 'utf8');

// Generous: a header is a few hundred bytes.
const MAX_HEADER_BYTES = 16 * 1024;

/** Reads and checks the header; returns it and where the database's dump starts in the file. */
export async function readHeader(file: string): Promise<{ header: BackupHeader; payloadOffset: number }> {
  const handle = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new Refusal(err.code === 'ENOENT' ? `${file} does not exist.` : `${file} cannot be read (${err.code ?? err.message}).`);
  });
  try {
    const buf = Buffer.alloc(MAX_HEADER_BYTES);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const end = buf.subarray(0, bytesRead).indexOf(0x0a);
    const notOurs = new Refusal(`${file} is not a Jigsaw backup (it does not start with a Jigsaw backup header).`);
    if (end < 0) throw notOurs;
    let json: unknown;
    try {
      json = JSON.parse(buf.subarray(0, end).toString('utf8'));
    } catch {
      throw notOurs;
    }
    if (typeof json !== 'object' || json === null || !('jigsaw-backup' in json)) throw notOurs;
    if (json['jigsaw-backup'] !== BACKUP_FORMAT_VERSION) {
      throw new Refusal(`${file} is a Jigsaw backup in format ${String(json['jigsaw-backup'])}, which this version of Jigsaw does not read (it reads format ${BACKUP_FORMAT_VERSION}). Restore it with the version of Jigsaw that made it.`);
    }
    const header = BackupHeader.safeParse(json);
    if (!header.success) throw new Refusal(`${file} has a damaged Jigsaw backup header.`);
    return { header: header.data, payloadOffset: end + 1 };
  } finally {
    await handle.close();
  }
}
