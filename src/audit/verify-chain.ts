import type { Database, Queryable } from '../db/database.ts';
import { checkpointVerifies, sealedHeads, type ChainHead, type Checkpoint } from './checkpoint.ts';
import { AUDIT_COLUMNS, entryCanonical, GENESIS_HASH, hashEntry, toAuditEntry, type AuditEntry, type AuditRow, type HashedFields } from './entry.ts';
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
  /** Each chain's newest entry read (what `jigsaw audit checkpoint` seals); empty chains left out. */
  chains: ChainHead[];
  /** The earliest problem that counts (the one `jigsaw restore` names). */
  firstBroken?: { seq: number; problem: string };
  /** Every problem found, in the order of the trail. */
  problems: AuditProblem[];
  /** Checked against a key: the newest entry a valid seal covers (0 for none), and the entries after the seals in every chain. */
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
    if (hashEntry(prevHash, candidate) === hash) return entryCanonical(candidate);
  }
  return undefined;
}

interface SealRow { seq: number; hash: string; at: string; accepted: number[] | string; mac: string; heads: ChainHead[] | string | null }

const asSeal = (s: SealRow): Checkpoint => ({
  seq: Number(s.seq), hash: s.hash, at: s.at,
  accepted: typeof s.accepted === 'string' ? (JSON.parse(s.accepted) as number[]) : s.accepted,
  ...(s.heads ? { heads: typeof s.heads === 'string' ? (JSON.parse(s.heads) as ChainHead[]) : s.heads } : {}),
  mac: s.mac,
});

/** Where a chain's walk has got to: its newest entry read so far (position 0: none yet). */
interface Walked { pos: number; seq: number; hash: string }
const START: Walked = { pos: 0, seq: 0, hash: GENESIS_HASH };
const place = (chain: number, pos: number): string => `${chain}:${pos}`;

/**
 * Entries missing from a chain between `from` (read) and `to` (read, or claimed by a seal or the
 * head row), named by number when that is certain: the numbers rise along a chain, so when as many
 * numbers lie between the two as positions, the missing entries are exactly those numbers.
 */
function missingBetween(from: Walked, to: { pos: number; seq: number }): { first: number; last: number; exact: boolean; count: number } {
  const count = to.pos - from.pos - 1;
  return { first: from.seq + 1, last: to.seq - 1, exact: to.seq - from.seq - 1 === count, count };
}
const positions = (from: number, to: number): string => (from === to ? `position ${from}` : `positions ${from} to ${to}`);

/**
 * Walks the whole trail in order, in batches, and reports every break rather than the first:
 * edited entries (hash or entry seal), broken links, missing positions and reordering in each chain,
 * dates going backwards, entries the application did not seal, seals and exported checkpoints the
 * chains no longer hold, and head rows that do not match their chain's newest entry.
 *
 * On a PostgreSQL server it reads one snapshot (REPEATABLE READ): appends on other chains commit in
 * any order, and a walk that saw some of them but not others would report false gaps.
 */
export async function verifyAuditChain(db: Queryable, opts: VerifyOptions | number = {}): Promise<VerifyResult> {
  const o: VerifyOptions = typeof opts === 'number' ? { batchSize: opts } : opts;
  const d = db as Partial<Database>;
  if (d.kind === 'postgres' && typeof d.transaction === 'function') {
    return d.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return walk(tx, o);
    });
  }
  return walk(db, o);
}

async function walk(db: Queryable, o: VerifyOptions): Promise<VerifyResult> {
  const batchSize = o.batchSize ?? 5000;
  const keys = o.keys;
  const tolerance = o.clockToleranceMs ?? 5 * 60_000;
  const problems: AuditProblem[] = [];
  const add = (seq: number, kind: ProblemKind, problem: string): void => void problems.push({ seq, kind, problem });

  // Exported checkpoints: each head they seal must still be in its chain, with the same hash.
  const checkpointHeads = new Map<string, { head: ChainHead; c: Checkpoint }[]>();
  for (const c of o.checkpoints ?? []) {
    if (keys && !checkpointVerifies(keys, c)) {
      add(c.seq, 'checkpoint', `the checkpoint of entry ${c.seq} made ${c.at} does not verify with the audit key: it was not made with it, or was changed`);
      continue;
    }
    for (const head of sealedHeads(c)) checkpointHeads.set(place(head.chain, head.pos), [...(checkpointHeads.get(place(head.chain, head.pos)) ?? []), { head, c }]);
  }
  const accepted = new Set<number>();
  const chains = new Map<number, Walked>();
  const walked = (chain: number): Walked => chains.get(chain) ?? START;
  // What seals and checkpoints say each chain reached: beyond what is read, entries were cut from its end.
  const claimed = new Map<number, { pos: number; seq: number }>();
  const claim = (h: ChainHead): void => {
    if ((claimed.get(h.chain)?.pos ?? 0) < h.pos) claimed.set(h.chain, { pos: h.pos, seq: h.seq });
  };
  // With the key: how far valid seals cover each chain, and the newest entry they cover.
  const sealedPos = new Map<number, number>();
  let sealedThrough = 0;
  let firstKeyed: number | undefined;
  // Entries written before any key was configured come first (they are all before the first sealed one).
  const lastUnkeyed = new Map<number, { pos: number; seq: number }>();

  let lastAltered: AuditProblem | undefined;
  let prevAt: number | undefined;
  let count = 0;
  let head: VerifyResult['head'] = null;

  const checkSeals = async (seals: SealRow[], read: Map<string, string>): Promise<void> => {
    const parsed = seals.map(asSeal).filter((seal) => {
      if (keys && !checkpointVerifies(keys, seal)) {
        add(seal.seq, 'seal', `the seal of entry ${seal.seq} made ${seal.at} does not verify with the audit key: it was written other than by Jigsaw`);
        return false;
      }
      return true;
    });
    // Heads of quiet chains were read in earlier batches: looked up by their place, in one query.
    const wanted = [...new Set(parsed.flatMap((s) => sealedHeads(s)).filter((h) => !read.has(place(h.chain, h.pos))).map((h) => place(h.chain, h.pos)))];
    if (wanted.length) {
      const found = await db.query<{ chain: number; pos: number; hash: string }>(
        'SELECT e.chain, e.pos, e.hash FROM unnest($1::int[], $2::bigint[]) AS w(chain, pos) JOIN audit_event e ON e.chain = w.chain AND e.pos = w.pos',
        [wanted.map((w) => Number(w.split(':')[0])), wanted.map((w) => Number(w.split(':')[1]))]);
      for (const f of found.rows) read.set(place(Number(f.chain), Number(f.pos)), f.hash);
    }
    for (const seal of parsed) {
      let whole = true;
      for (const h of sealedHeads(seal)) {
        claim(h);
        const at = read.get(place(h.chain, h.pos));
        if (at === undefined) {
          whole = false; // beyond the chain's end, or a missing entry: reported where found
        } else if (at !== h.hash) {
          whole = false;
          add(h.seq, 'seal', `entry ${h.seq} no longer has the hash sealed ${seal.at}: the trail up to it was rewritten`);
        } else if (keys) {
          sealedPos.set(h.chain, Math.max(sealedPos.get(h.chain) ?? 0, h.pos));
        }
      }
      if (keys && whole) {
        sealedThrough = Math.max(sealedThrough, seal.seq);
        for (const n of seal.accepted) accepted.add(n);
      }
    }
  };

  let prevSeq = 0;
  for (;;) {
    const { rows } = await db.query<AuditRow & { mac: string | null }>(
      `SELECT ${AUDIT_COLUMNS}, mac FROM audit_event WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [prevSeq, batchSize],
    );
    if (rows.length === 0) break;
    const read = new Map<string, string>();
    const batchFrom = prevSeq;
    for (const row of rows) {
      const e: AuditEntry = toAuditEntry(row);
      const before = walked(e.chain);
      if (e.pos > before.pos + 1) {
        const m = missingBetween(before, e);
        add(m.first, 'missing', m.exact
          ? (m.last === m.first ? `entry ${m.first} is missing (next present is ${e.seq})` : `entries ${m.first} to ${m.last} are missing (next present is ${e.seq})`)
          : `${m.count === 1 ? 'an entry' : `${m.count} entries`} of chain ${e.chain} between entry ${before.seq} and entry ${e.seq} ${m.count === 1 ? 'is' : 'are'} missing (${positions(before.pos + 1, e.pos - 1)})`);
      } else if (e.pos <= before.pos) {
        add(e.seq, 'order', `entry ${e.seq} is out of order: it is at position ${e.pos} of chain ${e.chain}, after entry ${before.seq} at position ${before.pos}`);
      } else if (e.prevHash !== before.hash) {
        add(e.seq, 'link', `entry ${e.seq} does not link to entry ${before.seq}`);
      }
      const { hash, prevHash: stored, ...fields } = e;
      // Judged on its own stored link, so one bad entry is reported once and the next is judged fairly.
      let canonical: string | undefined;
      if (hashEntry(stored, fields) === hash) {
        canonical = entryCanonical(fields);
      } else {
        canonical = idCaseCandidate(stored, fields, hash);
        if (canonical) add(e.seq, 'id-case', `entry ${e.seq} was hashed with an id in upper case: the known defect fixed in issue 16, not tampering`);
        else if (e.prevHash !== before.hash && hashEntry(before.hash, fields) === hash) {
          // Only its prev_hash column was changed: the link problem above says so.
          canonical = entryCanonical(fields);
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
          lastUnkeyed.set(e.chain, { pos: e.pos, seq: e.seq });
        }
      }
      const at = Date.parse(e.at);
      if (prevAt !== undefined && at < prevAt - tolerance) add(e.seq, 'time', `entry ${e.seq} is dated ${e.at}, before the entry it follows`);
      prevAt = Math.max(prevAt ?? at, at);
      for (const { head: h, c } of checkpointHeads.get(place(e.chain, e.pos)) ?? []) {
        if (h.hash !== hash) add(e.seq, 'checkpoint', `entry ${e.seq} no longer has the hash of the checkpoint made ${c.at}: the trail up to it was rewritten`);
        else if (keys) for (const n of c.accepted) accepted.add(n);
      }
      checkpointHeads.delete(place(e.chain, e.pos));
      read.set(place(e.chain, e.pos), hash);
      // An entry out of order is reported, and its chain judged on from where it was.
      if (e.pos > before.pos) chains.set(e.chain, { pos: e.pos, seq: e.seq, hash });
      prevSeq = e.seq;
      head = { seq: e.seq, hash };
      count += 1;
    }
    await checkSeals((await db.query<SealRow>('SELECT seq, hash, at, accepted, mac, heads FROM audit_seal WHERE seq > $1 AND seq <= $2 ORDER BY seq', [batchFrom, prevSeq])).rows, read);
  }
  const headSeq = head?.seq ?? 0;
  // Seals made after the newest entry read: entries were cut from the end.
  await checkSeals((await db.query<SealRow>('SELECT seq, hash, at, accepted, mac, heads FROM audit_seal WHERE seq > $1 ORDER BY seq', [headSeq])).rows, new Map());
  for (const [, list] of checkpointHeads) for (const { head: h } of list) claim(h);

  const endOf = (chain: number, last: Walked, to: { pos: number; seq: number }, why: string): string => {
    const m = missingBetween(last, { pos: to.pos + 1, seq: to.seq + 1 });
    if (m.exact) return `${m.first === to.seq ? `entry ${to.seq} is` : `entries ${m.first} to ${to.seq} are`} missing from the end of the trail${why}`;
    return `${m.count === 1 ? 'an entry' : `${m.count} entries`} of chain ${chain} after entry ${last.seq}, up to entry ${to.seq}, ${m.count === 1 ? 'is' : 'are'} missing from the end of the trail${why}`;
  };
  for (const [chain, lost] of [...claimed].sort((a, b) => a[0] - b[0])) {
    const last = walked(chain);
    if (lost.pos > last.pos) add(last.seq + 1, 'truncated', endOf(chain, last, lost, `: a seal or checkpoint covers ${lost.pos - last.pos === 1 ? 'it' : 'them'}`));
  }

  // The head rows record each chain's newest entry: entries cut from the end leave a chain short of it.
  const recorded = (await db.query<{ chain: number; pos: number; seq: number; hash: string }>('SELECT chain, pos, seq, hash FROM audit_head WHERE pos > 0 ORDER BY chain')).rows;
  for (const r of recorded) {
    const chain = Number(r.chain);
    const last = walked(chain);
    const rec = { pos: Number(r.pos), seq: Number(r.seq) };
    if (rec.pos > last.pos) add(last.seq + 1, 'head', endOf(chain, last, rec, ''));
    else if (rec.pos !== last.pos || r.hash !== last.hash) {
      add(last.seq + 1, 'head', chain === 0
        ? `the trail's newest entry (${last.seq}) does not match the recorded head (${rec.seq})`
        : `the newest entry of chain ${chain} (${last.seq}) does not match its recorded head (${rec.seq})`);
    }
  }

  let sealed: VerifyResult['sealed'];
  if (keys) {
    // Per chain: entries made before a key was configured are vouched for only by a seal made after them.
    const firstAfter = async (chain: number, pos: number): Promise<{ seq: number; at: string } | undefined> =>
      (await db.query<{ seq: number; at: string }>('SELECT seq, at FROM audit_event WHERE chain = $1 AND pos > $2 ORDER BY pos LIMIT 1', [chain, pos])).rows[0];
    let tail = 0;
    for (const [chain, last] of [...chains].sort((a, b) => a[0] - b[0])) {
      const through = sealedPos.get(chain) ?? 0;
      tail += Math.max(0, last.pos - through);
      const unkeyed = lastUnkeyed.get(chain);
      if (unkeyed && unkeyed.pos > through) {
        const first = await firstAfter(chain, through);
        add(Number(first?.seq ?? unkeyed.seq), 'unsealed', `entries ${Number(first?.seq ?? unkeyed.seq)} to ${unkeyed.seq} were written without the audit key and no seal of the chain covers them (if the key is new, start the server once with it: its first seal vouches for what came before)`);
      } else if (last.pos > through) {
        const first = await firstAfter(chain, through);
        const grace = o.sealGraceMs ?? 15 * 60_000;
        if (first && Date.parse(first.at) < (o.now ?? new Date()).getTime() - grace) {
          add(Number(first.seq), 'unsealed', `entries ${Number(first.seq)} to ${last.seq}, the first written ${first.at}, are covered by no seal of the chain: seals were removed, or the trail was rewritten`);
        }
      }
    }
    sealed = { through: sealedThrough, tail };
  }
  for (const p of problems) if (p.kind === 'id-case' && accepted.has(p.seq)) p.accepted = true;
  problems.sort((a, b) => a.seq - b.seq);
  const failing = problems.filter((p) => !p.accepted);
  return {
    ok: failing.length === 0,
    entries: count,
    head,
    chains: [...chains].sort((a, b) => a[0] - b[0]).map(([chain, w]) => ({ chain, pos: w.pos, seq: w.seq, hash: w.hash })),
    ...(failing[0] ? { firstBroken: { seq: failing[0].seq, problem: failing[0].problem } } : {}),
    problems,
    ...(sealed ? { sealed } : {}),
  };
}
