import { resolve } from 'node:path';
import { backup, restore } from '../backup/backup.ts';
import { describeServer } from '../backup/pg-tools.ts';
import type { Config } from '../config/config.ts';
import type { Command } from './main.ts';

const where = (config: Config): string =>
  config.databaseUrl ? `the PostgreSQL database ${describeServer(config.databaseUrl)}` : `the embedded database in ${config.dataDir}`;

export const backupCommand: Command = {
  name: 'backup',
  summary: 'Back up the database to a file (a server database while Jigsaw runs; the embedded one with the server stopped).',
  usage: [
    'jigsaw backup --out FILE',
    '  With DATABASE_URL: pg_dump copies one consistent snapshot while Jigsaw keeps running (needs pg_dump',
    "  of the server's major version or newer). Embedded database: stop the server first; the backup is",
    '  refused while it holds the data directory. FILE must not exist yet; it is written readable by its owner',
    '  only. It holds personal data: keep it encrypted and access-restricted (docs/operations.md).',
  ].join('\n'),
  options: { out: { type: 'string' } },
  async run(args, config, io, { env }) {
    if (typeof args.out !== 'string' || args.out.trim() === '') {
      io.err('--out is required: the file to write the backup to (it must not exist yet).');
      return 2;
    }
    const out = resolve(args.out);
    const h = await backup(config, out, { env });
    io.out(`Backed up ${where(config)} to ${out}: schema ${h.schemaVersion}, audit trail head #${h.auditHead.seq} ${h.auditHead.hash}.`);
    io.out('The file holds personal data: keep it encrypted and access-restricted. Check a restore of it with `jigsaw audit verify`.');
    return 0;
  },
};

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'Restore a backup into a new, empty database, then verify its audit trail.',
  usage: [
    'jigsaw restore FILE',
    '  Restores into JIGSAW_DATA_DIR (a new or empty directory) for a backup of the embedded database, or into',
    '  the empty database named by DATABASE_URL for a backup of a server (needs pg_restore). An existing',
    '  database is never overwritten: restore elsewhere, or move the old one aside first.',
  ].join('\n'),
  options: {},
  allowPositionals: true,
  async run(_args, config, io, { positionals, env }) {
    if (positionals.length !== 1) {
      io.err('Give one backup file: jigsaw restore FILE');
      return 2;
    }
    const file = resolve(positionals[0]!);
    const r = await restore(config, file, { env });
    io.out(`Restored ${file} (${r.header.kind === 'pglite' ? 'embedded database' : 'PostgreSQL server database'} backed up ${r.header.createdAt}, schema ${r.header.schemaVersion}) into ${where(config)}.`);
    if (!r.audit.ok) {
      io.err(`The restored audit trail is BROKEN at entry #${r.audit.firstBroken!.seq}: ${r.audit.firstBroken!.problem}. Do not rely on this copy; try an earlier backup.`);
      return 1;
    }
    if (!r.endsWhereBackupDid) {
      io.err(`The restored audit trail verifies but ends at #${r.audit.head?.seq ?? 0}, not at #${r.header.auditHead.seq} where it ended when the backup was taken: the copy is incomplete.`);
      return 1;
    }
    io.out(`Audit trail intact: ${r.audit.entries} entries. Head: #${r.header.auditHead.seq} ${r.header.auditHead.hash}, as when the backup was taken.`);
    return 0;
  },
};
