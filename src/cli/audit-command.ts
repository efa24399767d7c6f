import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { checkpointJson, makeCheckpoint, readCheckpoints, storeSeal, type Checkpoint } from '../audit/checkpoint.ts';
import { recordVerification } from '../audit/verification.ts';
import { verifyAuditChain, type AuditProblem, type ProblemKind, type VerifyResult } from '../audit/verify-chain.ts';
import { openExistingDatabase } from '../backup/existing.ts';
import type { Config } from '../config/config.ts';
import { systemClock } from '../shared/clock.ts';
import type { Command, Io } from './main.ts';

const LABEL: Record<ProblemKind, string> = {
  altered: 'altered',
  'id-case': 'id case (known defect, not tampering)',
  link: 'broken link',
  missing: 'missing',
  order: 'out of order',
  time: 'dated backwards',
  'entry-seal': 'not written by Jigsaw',
  unsealed: 'unsealed',
  seal: 'seal broken',
  truncated: 'truncated',
  head: 'head mismatch',
  checkpoint: 'checkpoint not in the trail',
};

// Numbers, hashes and dates only: an entry's content (which names no one, but is still casework) is never printed.
const line = (p: AuditProblem): string => `  #${p.seq} ${LABEL[p.kind]}${p.accepted ? ', reviewed and accepted in a checkpoint' : ''}: ${p.problem}.`;

function report(r: VerifyResult, config: Config, io: Io): number {
  const headText = r.head ? ` Head: #${r.head.seq} ${r.head.hash}` : '';
  if (r.ok) {
    io.out(`Audit trail intact: ${r.entries} entries.${headText}`);
    for (const p of r.problems) io.out(line(p));
  } else {
    const failing = r.problems.filter((p) => !p.accepted).length;
    io.err(`Audit trail BROKEN: ${failing} problem${failing === 1 ? '' : 's'} in ${r.entries} entries.${headText}`);
    for (const p of r.problems) io.err(line(p));
  }
  const say = (l: string): void => (r.ok ? io.out(l) : io.err(l));
  if (!config.auditKeys) {
    say('Not checked against the audit key (JIGSAW_AUDIT_KEY or JIGSAW_AUDIT_KEY_FILE): this shows only that the hash chain is whole, which anyone able to write the database could recompute.');
  } else if (r.ok && r.sealed && r.entries > 0) {
    say(`Sealed with the audit key through #${r.sealed.through}${r.sealed.tail ? `; ${r.sealed.tail} newer entr${r.sealed.tail === 1 ? 'y is' : 'ies are'} each sealed but await the next seal of the chain` : ''}.`);
  }
  return r.ok ? 0 : 1;
}

async function checkpointsFrom(args: Record<string, string | boolean | string[] | undefined>): Promise<Checkpoint[]> {
  const paths = Array.isArray(args.checkpoint) ? args.checkpoint : [];
  return (await Promise.all(paths.map((p) => readCheckpoints(resolve(p))))).flat();
}

export const auditVerifyCommand: Command = {
  name: 'audit verify',
  summary: 'Check the audit trail (hash chain, and with the audit key its seals); reports every break.',
  usage: 'jigsaw audit verify [--checkpoint FILE_OR_DIRECTORY]…\n  With JIGSAW_AUDIT_KEY or JIGSAW_AUDIT_KEY_FILE set, entries and seals are checked against the key. Each --checkpoint (a file from `jigsaw audit checkpoint`, a log with checkpoint lines, or a directory of them) must still be in the trail.',
  options: { checkpoint: { type: 'string', multiple: true } },
  async run(args, config, io) {
    const checkpoints = await checkpointsFrom(args);
    // Read only: a check must neither create a database where there is none nor migrate one.
    const db = await openExistingDatabase(config);
    try {
      const startedAt = systemClock.now();
      const r = await verifyAuditChain(db, { keys: config.auditKeys, checkpoints });
      const code = report(r, config, io);
      // Kept for the auditors' pages ("intact up to entry N, checked at …"). The one write a check
      // makes; a database from before migration 032 has nowhere to keep it, which changes nothing else.
      try {
        await recordVerification(db, r, { source: 'cli', startedAt, finishedAt: systemClock.now(), keyed: Boolean(config.auditKeys) });
      } catch {
        io.err('(The result was not stored for the auditors’ pages: start the server once to bring the database up to date.)');
      }
      return code;
    } finally {
      await db.close();
    }
  },
};

export const auditCheckpointCommand: Command = {
  name: 'audit checkpoint',
  summary: 'Verify the audit trail and print a checkpoint of its head, sealed with the audit key, to keep elsewhere.',
  usage: 'jigsaw audit checkpoint [--out FILE] [--accept-known-id-case-breaks]\n  Needs JIGSAW_AUDIT_KEY or JIGSAW_AUDIT_KEY_FILE. --accept-known-id-case-breaks records that entries broken only by the old upper-case-id defect were reviewed, so later verifies report them without failing.',
  options: { out: { type: 'string' }, 'accept-known-id-case-breaks': { type: 'boolean' } },
  async run(args, config, io) {
    if (!config.auditKeys) {
      io.err('A checkpoint is sealed with the audit key: set JIGSAW_AUDIT_KEY or JIGSAW_AUDIT_KEY_FILE.');
      return 2;
    }
    const db = await openExistingDatabase(config);
    try {
      const r = await verifyAuditChain(db, { keys: config.auditKeys });
      const accepting = args['accept-known-id-case-breaks'] === true;
      const blocking = r.problems.filter((p) => !p.accepted && !(accepting && p.kind === 'id-case'));
      if (blocking.length) {
        report(r, config, io);
        io.err(blocking.every((p) => p.kind === 'id-case')
          ? 'No checkpoint made. Those entries were hashed with upper-case ids (a known defect, not tampering): after review, run again with --accept-known-id-case-breaks.'
          : 'No checkpoint made: the trail has problems that a checkpoint must not paper over.');
        return 1;
      }
      if (!r.head) {
        io.err('No checkpoint made: the audit trail is empty.');
        return 1;
      }
      const accepted = r.problems.filter((p) => p.kind === 'id-case').map((p) => p.seq);
      const c = makeCheckpoint(config.auditKeys.current, r.chains, systemClock.now(), accepted);
      await storeSeal(db, c);
      if (typeof args.out === 'string') {
        await writeFile(resolve(args.out), `${checkpointJson(c)}\n`, { flag: 'wx' });
        io.err(`Checkpoint of entry #${c.seq} written to ${resolve(args.out)}${accepted.length ? `, accepting ${accepted.length} upper-case-id break${accepted.length === 1 ? '' : 's'}` : ''}. Keep it somewhere the database's administrators cannot change.`);
      } else {
        io.out(checkpointJson(c));
      }
      return 0;
    } finally {
      await db.close();
    }
  },
};
