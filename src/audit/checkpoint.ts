import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Queryable } from '../db/database.ts';
import { newId } from '../shared/ids.ts';
import { canonicalJson } from './canonical.ts';
import { stamp, stampVerifies, type AuditKey, type AuditKeyring } from './key.ts';

/**
 * A seal of the chain's head: entry `seq` had hash `hash` at `at`. The hash covers every entry
 * before it, so a seal that verifies fixes entries 1..seq and their order. `accepted` lists entries
 * broken only by the old upper-case-id defect that a person reviewed (`jigsaw audit checkpoint
 * --accept-known-id-case-breaks`). The same record is kept in audit_seal and, exported, elsewhere.
 */
export interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
  accepted: number[];
  /** "keyid:hex", HMAC-SHA256 under the audit key of the other four fields. */
  mac: string;
}

const sealText = (c: Omit<Checkpoint, 'mac'>): string => canonicalJson({ seq: c.seq, hash: c.hash, at: c.at, accepted: c.accepted });

export function makeCheckpoint(key: AuditKey, head: { seq: number; hash: string }, at: Date, accepted: number[] = []): Checkpoint {
  const body = { seq: head.seq, hash: head.hash, at: at.toISOString(), accepted: [...accepted].sort((a, b) => a - b) };
  return { ...body, mac: stamp(key, 'seal', sealText(body)) };
}

export const checkpointVerifies = (ring: AuditKeyring, c: Checkpoint): boolean => stampVerifies(ring, 'seal', sealText(c), c.mac);

/** The file format: one JSON object, marked so it is recognised among other JSON (say, in a log). */
export const checkpointJson = (c: Checkpoint): string => JSON.stringify({ jigsawAuditCheckpoint: 1, ...c });

function asCheckpoint(v: unknown): Checkpoint | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  // A server's log line carries it under "checkpoint" (JIGSAW_AUDIT_CHECKPOINT_MINUTES).
  if (o.checkpoint && typeof o.checkpoint === 'object') return asCheckpoint(o.checkpoint);
  if (o.jigsawAuditCheckpoint !== 1) return undefined;
  if (!Number.isInteger(o.seq) || typeof o.hash !== 'string' || typeof o.at !== 'string' || typeof o.mac !== 'string') return undefined;
  const accepted = Array.isArray(o.accepted) && o.accepted.every((n) => Number.isInteger(n)) ? (o.accepted as number[]) : [];
  return { seq: o.seq as number, hash: o.hash, at: o.at, accepted, mac: o.mac };
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

/** The newest entry now, as written (not as audit_head claims). */
export async function chainHead(db: Queryable): Promise<{ seq: number; hash: string } | undefined> {
  return (await db.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1')).rows[0];
}

/** Seals the chain's newest entry in audit_seal (insert-only for the application's role). */
export async function sealHead(db: Queryable, key: AuditKey, at: Date, accepted: number[] = []): Promise<Checkpoint | undefined> {
  const head = await chainHead(db);
  if (!head) return undefined;
  const c = makeCheckpoint(key, head, at, accepted);
  await storeSeal(db, c);
  return c;
}

export async function storeSeal(db: Queryable, c: Checkpoint): Promise<void> {
  await db.query('INSERT INTO audit_seal (id, seq, hash, at, accepted, mac) VALUES ($1, $2, $3, $4, $5, $6)',
    [newId(), c.seq, c.hash, c.at, JSON.stringify(c.accepted), c.mac]);
}
