import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Queryable } from '../db/database.ts';
import { newId } from '../shared/ids.ts';
import { canonicalJson } from './canonical.ts';
import { stamp, stampVerifies, type AuditKey, type AuditKeyring } from './key.ts';

/** One chain's newest entry: its position in the chain, its number and its hash. */
export interface ChainHead {
  chain: number;
  pos: number;
  seq: number;
  hash: string;
}

/**
 * A seal of the chains' heads at `at`. Each head's hash covers every entry before it in its chain,
 * so a seal that verifies fixes every chain's entries up to it, their order and their number.
 * `seq` and `hash` are the newest of the heads, for display. `accepted` lists entries broken only
 * by the old upper-case-id defect that a person reviewed (`jigsaw audit checkpoint
 * --accept-known-id-case-breaks`). The same record is kept in audit_seal and, exported, elsewhere.
 *
 * Seals from before there were several chains (migration 035) have no `heads`: they seal entry
 * `seq` of chain 0, which was at position `seq`, and still verify as they were made.
 */
export interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
  accepted: number[];
  heads?: ChainHead[] | undefined;
  /** "keyid:hex", HMAC-SHA256 under the audit key of the other fields. */
  mac: string;
}

const sealText = (c: Omit<Checkpoint, 'mac'>): string => c.heads
  ? canonicalJson({ heads: c.heads.map((h) => ({ chain: h.chain, pos: h.pos, seq: h.seq, hash: h.hash })), at: c.at, accepted: c.accepted })
  : canonicalJson({ seq: c.seq, hash: c.hash, at: c.at, accepted: c.accepted });

/** The heads a checkpoint seals: a single-chain one's is chain 0 at position seq. */
export const sealedHeads = (c: Checkpoint): ChainHead[] => c.heads ?? [{ chain: 0, pos: c.seq, seq: c.seq, hash: c.hash }];

export function makeCheckpoint(key: AuditKey, heads: readonly ChainHead[], at: Date, accepted: number[] = []): Checkpoint {
  const sorted = heads.filter((h) => h.pos > 0).map((h) => ({ chain: h.chain, pos: h.pos, seq: h.seq, hash: h.hash })).sort((a, b) => a.chain - b.chain);
  const newest = sorted.reduce<ChainHead | undefined>((n, h) => (!n || h.seq > n.seq ? h : n), undefined);
  const body = { seq: newest?.seq ?? 0, hash: newest?.hash ?? '0'.repeat(64), at: at.toISOString(), accepted: [...accepted].sort((a, b) => a - b), heads: sorted };
  return { ...body, mac: stamp(key, 'seal', sealText(body)) };
}

export const checkpointVerifies = (ring: AuditKeyring, c: Checkpoint): boolean => stampVerifies(ring, 'seal', sealText(c), c.mac);

/** The file format: one JSON object, marked so it is recognised among other JSON (say, in a log). */
export const checkpointJson = (c: Checkpoint): string => JSON.stringify({ jigsawAuditCheckpoint: c.heads ? 2 : 1, ...c });

const isHead = (h: unknown): h is ChainHead => {
  const o = h as Record<string, unknown> | null;
  return !!o && Number.isInteger(o.chain) && Number.isInteger(o.pos) && Number.isInteger(o.seq) && typeof o.hash === 'string';
};

function asCheckpoint(v: unknown): Checkpoint | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  // A server's log line carries it under "checkpoint" (JIGSAW_AUDIT_CHECKPOINT_MINUTES).
  if (o.checkpoint && typeof o.checkpoint === 'object') return asCheckpoint(o.checkpoint);
  if (o.jigsawAuditCheckpoint !== 1 && o.jigsawAuditCheckpoint !== 2) return undefined;
  if (!Number.isInteger(o.seq) || typeof o.hash !== 'string' || typeof o.at !== 'string' || typeof o.mac !== 'string') return undefined;
  const accepted = Array.isArray(o.accepted) && o.accepted.every((n) => Number.isInteger(n)) ? (o.accepted as number[]) : [];
  if (o.jigsawAuditCheckpoint === 1) return { seq: o.seq as number, hash: o.hash, at: o.at, accepted, mac: o.mac };
  if (!Array.isArray(o.heads) || !o.heads.every(isHead)) return undefined;
  return { seq: o.seq as number, hash: o.hash, at: o.at, accepted, heads: o.heads, mac: o.mac };
}

/** Checkpoints in a file (one JSON document, or JSON lines such as a server log) or in every file of a directory. */
export async function readCheckpoints(path: string): Promise<Checkpoint[]> {
  if ((await stat(path)).isDirectory()) {
    const files = (await readdir(path)).sort();
    return (await Promise.all(files.map((f) => readCheckpoints(join(path, f)).catch(() => [])))).flat();
  }
  const text = await readFile(path, 'utf8');
  const parse = (t: string): unknown => {
    try {
      return JSON.parse(t);
    } catch {
      return undefined;
    }
  };
  const whole = asCheckpoint(parse(text));
  if (whole) return [whole];
  return text.split('\n').map((l) => asCheckpoint(parse(l.trim()))).filter((c): c is Checkpoint => c !== undefined);
}

/** Each chain's newest entry now, as written (not as audit_head claims); empty chains left out. */
export async function chainHeads(db: Queryable): Promise<ChainHead[]> {
  return (await db.query<ChainHead>(
    `SELECT e.chain, e.pos, e.seq, e.hash FROM generate_series(0, 15) g
       CROSS JOIN LATERAL (SELECT chain, pos, seq, hash FROM audit_event WHERE chain = g ORDER BY pos DESC LIMIT 1) e
      ORDER BY e.chain`)).rows.map((h) => ({ chain: Number(h.chain), pos: Number(h.pos), seq: Number(h.seq), hash: h.hash }));
}

/** Seals every chain's newest entry in audit_seal (insert-only for the application's role). */
export async function sealHead(db: Queryable, key: AuditKey, at: Date, accepted: number[] = []): Promise<Checkpoint | undefined> {
  const heads = await chainHeads(db);
  if (heads.length === 0) return undefined;
  const c = makeCheckpoint(key, heads, at, accepted);
  await storeSeal(db, c);
  return c;
}

export async function storeSeal(db: Queryable, c: Checkpoint): Promise<void> {
  await db.query('INSERT INTO audit_seal (id, seq, hash, at, accepted, mac, heads) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [newId(), c.seq, c.hash, c.at, JSON.stringify(c.accepted), c.mac, c.heads ? JSON.stringify(c.heads) : null]);
}
