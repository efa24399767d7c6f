import type { Queryable } from '../db/database.ts';
import { canonicalJson } from './canonical.ts';
import { checkpointVerifies, type Checkpoint } from './checkpoint.ts';
import { AUDIT_COLUMNS, GENESIS_HASH, hashEntry, toAuditEntry, type AuditEntry, type AuditRow, type HashedFields } from './entry.ts';
import { stampVerifies, type AuditKeyring } from './key.ts';

export type ProblemKind =
  | 'altered' | 'id-case' | 'link' | 'missing' | 'order' | 'time' | 'entry-seal' | 'unsealed' | 'seal' | 'truncated' | 'head' | 'checkpoint';

/** One break in the trail. Numbers and hashes only: never the entry's content. */
export interface AuditProblem {
  seq: number;
  /** The last entry of a run of consecutive entries with the same problem (say, all renumbered). */
  to?: number;
  kind: ProblemKind;
  problem: string;
  /** An upper-case-id break a person reviewed and accepted in a sealed checkpoint: reported, not failed on. */
  accepted?: boolean;
}

export interface VerifyResult {
  /** True when there is no problem, or only accepted ones. */
  ok: boolean;
  /** Entries read. */
  entries: number;
  /** The newest entry read. */
  head: { seq: number; hash: string } | null;
  /** The earliest problem that counts (the one `jigsaw restore` names). */
  firstBroken?: { seq: number; problem: string };
  /** Every problem found, in the order of the trail. */
  problems: AuditProblem[];
  /** Checked against a key: the newest entry a valid seal covers (0 for none), and the entries after it. */
  sealed?: { through: number; tail: number };
}

export interface VerifyOptions {
  batchSize?: number;
  /** The audit key(s). Without them only the hash chain is checked, which anyone who can write the tables can recompute. */
  keys?: AuditKeyring | undefined;
  /** Checkpoints exported earlier (`jigsaw audit checkpoint`), each of which must still be in the chain. */
  checkpoints?: readonly Checkpoint[];
  /** How far an entry may be dated before the one it follows (concurrent transactions take the lock in any order). */
  clockToleranceMs?: number;
  /**
   * With a key: entries written longer ago than this and covered by no seal of the chain are a break
   * (the server seals every few seconds, and at stop; a command seals what it wrote). Default 15 minutes.
   */
  sealGraceMs?: number;
  /** Now, for the grace above (tests). */
  now?: Date;
}

const UUID_FIELDS = ['id', 'actorPractitionerId', 'actorAgencyId', 'entityId', 'personId'] as const;

/**
 * Before issue 16 an id typed in upper case was hashed as typed while its uuid column kept it in
 * lower case. Such an entry's hash matches once some of its ids are upper-cased again: tried here
 * for entries that fail, every combination (at most 31). Returns the canonical JSON that matched.
 */
function idCaseCandidate(prevHash: string, fields: HashedFields, hash: string): string | undefined {
  const present = UUID_FIELDS.filter((f) => typeof fields[f] === 'string' && fields[f] !== fields[f].toUpperCase());
  for (let mask = 1; mask < 1 << present.length; mask++) {
    const candidate: HashedFields = { ...fields };
    present.forEach((f, i) => {
      if (mask & (1 << i)) candidate[f] = fields[f]!.toUpperCase();
    });
    if (hashEntry(prevHash, candidate) === hash) {
      const { seq: _seq, ...rest } = candidate;
      void _seq;
      return canonicalJson(rest);
    }
  }
  return undefined;
}

interface SealRow { seq: number; hash: string; at: string; accepted: number[] | string; mac: string }

/**
 * Walks the whole trail in order, in batches, and reports every break rather than the first:
 * edited entries (hash or entry seal), broken links, gaps and reordering, dates going backwards,
 * entries the application did not seal, seals and exported checkpoints the chain no longer holds,
 * and a head row that does not match the newest entry.
 */
export async function verifyAuditChain(db: Queryable, opts: VerifyOptions | number = {}): Promise<VerifyResult> {
  const o: VerifyOptions = typeof opts === 'number' ? { batchSize: opts } : opts;
  const batchSize = o.batchSize ?? 5000;
  const keys = o.keys;
  const tolerance = o.clockToleranceMs ?? 5 * 60_000;
  const problems: AuditProblem[] = [];
  const add = (seq: number, kind: ProblemKind, problem: string): void => void problems.push({ seq, kind, problem });

  const checkpoints = new Map<number, Checkpoint[]>();
  for (const c of o.checkpoints ?? []) {
    if (keys && !checkpointVerifies(keys, c)) {
      add(c.seq, 'checkpoint', `the checkpoint of entry ${c.seq} made ${c.at} does not verify with the audit key: it was not made with it, or was changed`);
      continue;
    }
    checkpoints.set(c.seq, [...(checkpoints.get(c.seq) ?? []), c]);
  }
  const accepted = new Set<number>();
  let sealedThrough = 0;
  let firstKeyed: number | undefined;
  // Entries written before any key was configured come first (they are all before the first sealed one).
  let lastUnkeyed = 0;

  let lastAltered: AuditProblem | undefined;
  let prevHash = GENESIS_HASH;
  let prevSeq = 0;
  let prevAt: number | undefined;
  let count = 0;
  let head: VerifyResult['head'] = null;
  const checkSeals = (seals: SealRow[], hashAt: (seq: number) => string | undefined): void => {
    for (const s of seals) {
      const seal: Checkpoint = { seq: s.seq, hash: s.hash, at: s.at, accepted: typeof s.accepted === 'string' ? (JSON.parse(s.accepted) as number[]) : s.accepted, mac: s.mac };
      if (keys && !checkpointVerifies(keys, seal)) {
        add(s.seq, 'seal', `the seal of entry ${s.seq} made ${s.at} does not verify with the audit key: it was written other than by Jigsaw`);
        continue;
      }
      const at = hashAt(s.seq);
      if (at === undefined) continue; // beyond the head, or a missing entry: reported where found
      if (at !== s.hash) {
        add(s.seq, 'seal', `entry ${s.seq} no longer has the hash sealed ${s.at}: the trail up to it was rewritten`);
        continue;
      }
      if (keys) {
        sealedThrough = Math.max(sealedThrough, s.seq);
        for (const n of seal.accepted) accepted.add(n);
      }
    }
  };

  for (;;) {
    const { rows } = await db.query<AuditRow & { mac: string | null }>(
      `SELECT ${AUDIT_COLUMNS}, mac FROM audit_event WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [prevSeq, batchSize],
    );
    if (rows.length === 0) break;
    const hashes = new Map<number, string>();
    const batchFrom = prevSeq;
    for (const row of rows) {
      const e: AuditEntry = toAuditEntry(row);
      if (e.seq > prevSeq + 1) {
        add(prevSeq + 1, 'missing', e.seq === prevSeq + 2 ? `entry ${prevSeq + 1} is missing (next present is ${e.seq})` : `entries ${prevSeq + 1} to ${e.seq - 1} are missing (next present is ${e.seq})`);
      } else if (e.prevHash !== prevHash) {
        add(e.seq, 'link', `entry ${e.seq} does not link to entry ${prevSeq}`);
      }
      const { hash, prevHash: stored, ...fields } = e;
      // Judged on its own stored link, so one bad entry is reported once and the next is judged fairly.
      let canonical: string | undefined;
      if (hashEntry(stored, fields) === hash) {
        const { seq: _s, ...rest } = fields;
        void _s;
        canonical = canonicalJson(rest);
      } else {
        canonical = idCaseCandidate(stored, fields, hash);
        if (canonical) add(e.seq, 'id-case', `entry ${e.seq} was hashed with an id in upper case: the known defect fixed in issue 16, not tampering`);
        else if (e.prevHash !== prevHash && hashEntry(prevHash, fields) === hash) {
          // Only its prev_hash column was changed: the link problem above says so.
          canonical = canonicalJson({ ...fields, seq: undefined });
        } else {
          const last = lastAltered;
          if (last && (last.to ?? last.seq) === e.seq - 1) {
            last.to = e.seq;
            last.problem = `entries ${last.seq} to ${e.seq} have been altered`;
          } else {
            add(e.seq, 'altered', `entry ${e.seq} has been altered`);
            lastAltered = problems[problems.length - 1];
          }
        }
      }
      if (keys) {
        if (row.mac) {
          firstKeyed ??= e.seq;
          if (canonical !== undefined && !stampVerifies(keys, 'entry', canonical, row.mac)) {
            add(e.seq, 'entry-seal', `entry ${e.seq} carries a seal that does not verify with the audit key: it was written or changed other than through Jigsaw`);
          }
        } else if (firstKeyed !== undefined) {
          add(e.seq, 'entry-seal', `entry ${e.seq} carries no seal though entries before it do: it was written other than through Jigsaw`);
        } else {
          lastUnkeyed = e.seq;
        }
      }
      const at = Date.parse(e.at);
      if (prevAt !== undefined && at < prevAt - tolerance) add(e.seq, 'time', `entry ${e.seq} is dated ${e.at}, before the entry it follows`);
      prevAt = Math.max(prevAt ?? at, at);
      for (const c of checkpoints.get(e.seq) ?? []) {
        if (c.hash !== hash) add(e.seq, 'checkpoint', `entry ${e.seq} no longer has the hash of the checkpoint made ${c.at}: the trail up to it was rewritten`);
        else if (keys) for (const n of c.accepted) accepted.add(n);
      }
      checkpoints.delete(e.seq);
      hashes.set(e.seq, hash);
      prevHash = hash;
      prevSeq = e.seq;
      head = { seq: e.seq, hash };
      count += 1;
    }
    const seals = (await db.query<SealRow>('SELECT seq, hash, at, accepted, mac FROM audit_seal WHERE seq > $1 AND seq <= $2 ORDER BY seq', [batchFrom, prevSeq])).rows;
    checkSeals(seals, (seq) => hashes.get(seq));
  }
  const headSeq = head?.seq ?? 0;
  // Seals and checkpoints beyond the newest entry: entries were cut from the end.
  const beyond = (await db.query<SealRow>('SELECT seq, hash, at, accepted, mac FROM audit_seal WHERE seq > $1 ORDER BY seq', [headSeq])).rows;
  const validBeyond = keys ? beyond.filter((s) => checkpointVerifies(keys, { ...s, accepted: typeof s.accepted === 'string' ? (JSON.parse(s.accepted) as number[]) : s.accepted })) : beyond;
  checkSeals(beyond.filter((s) => !validBeyond.includes(s)), () => undefined);
  const lost = Math.max(0, ...validBeyond.map((s) => s.seq), ...[...checkpoints.keys()]);
  if (lost > headSeq) {
    add(headSeq + 1, 'truncated', `${lost === headSeq + 1 ? `entry ${lost} is` : `entries ${headSeq + 1} to ${lost} are`} missing from the end of the trail: a seal or checkpoint covers ${lost === headSeq + 1 ? 'it' : 'them'}`);
  }

  // The head row records the newest entry: entries cut from the end leave the chain short of it.
  const recorded = (await db.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1')).rows[0];
  if (recorded && recorded.seq > 0 && (recorded.seq !== headSeq || recorded.hash !== head?.hash)) {
    add(headSeq + 1, 'head', recorded.seq > headSeq
      ? (recorded.seq === headSeq + 1 ? `entry ${recorded.seq} is missing from the end of the trail` : `entries ${headSeq + 1} to ${recorded.seq} are missing from the end of the trail`)
      : `the trail's newest entry (${headSeq}) does not match the recorded head (${recorded.seq})`);
  }

  let sealed: VerifyResult['sealed'];
  if (keys) {
    // Entries made before a key was configured are vouched for only by a seal made after them.
    if (lastUnkeyed > sealedThrough) {
      add(sealedThrough + 1, 'unsealed', `entries ${sealedThrough + 1} to ${lastUnkeyed} were written without the audit key and no seal of the chain covers them (if the key is new, start the server once with it: its first seal vouches for what came before)`);
    } else if (headSeq > sealedThrough) {
      const first = (await db.query<{ seq: number; at: string }>('SELECT seq, at FROM audit_event WHERE seq > $1 ORDER BY seq LIMIT 1', [sealedThrough])).rows[0];
      const grace = o.sealGraceMs ?? 15 * 60_000;
      if (first && Date.parse(first.at) < (o.now ?? new Date()).getTime() - grace) {
        add(first.seq, 'unsealed', `entries ${first.seq} to ${headSeq}, the first written ${first.at}, are covered by no seal of the chain: seals were removed, or the trail was rewritten`);
      }
    }
    sealed = { through: sealedThrough, tail: headSeq - sealedThrough };
  }
  for (const p of problems) if (p.kind === 'id-case' && accepted.has(p.seq)) p.accepted = true;
  problems.sort((a, b) => a.seq - b.seq);
  const failing = problems.filter((p) => !p.accepted);
  return {
    ok: failing.length === 0,
    entries: count,
    head,
    ...(failing[0] ? { firstBroken: { seq: failing[0].seq, problem: failing[0].problem } } : {}),
    problems,
    ...(sealed ? { sealed } : {}),
  };
}
