import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.ts';

export type AuditOutcome = 'success' | 'denied' | 'not_found' | 'failure';

export interface AuditEntry {
  /** The global order (display, export): rises along each chain, may have gaps (migration 035). */
  seq: number;
  /** Which chain the entry is linked in, and its gap-free position there. */
  chain: number;
  pos: number;
  id: string;
  at: string;
  actorPractitionerId: string | null;
  actorAgencyId: string | null;
  action: string;
  entityType: string | null;
  entityId: string | null;
  personId: string | null;
  purpose: string | null;
  outcome: AuditOutcome;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** What the hash covers. Without chain and pos: chain 0 at position seq, as every entry before migration 035. */
export type HashedFields = Omit<AuditEntry, 'hash' | 'prevHash' | 'chain' | 'pos'> & { chain?: number; pos?: number };

/**
 * SHA-256(prev_hash ‖ seq ‖ [":" chain ":" pos] ‖ canonical JSON of the other fields), as
 * jigsaw_append_audit computes it in SQL. The bracketed part is left out at chain 0 when the
 * position is the number (it would add nothing): entries from before there were several chains keep
 * their hashes.
 */
export function hashEntry(prevHash: string, entry: HashedFields): string {
  const { seq, chain = 0, pos = seq, ...rest } = entry;
  const place = chain === 0 && pos === seq ? '' : `:${chain}:${pos}`;
  return createHash('sha256').update(prevHash).update(String(seq)).update(place).update(canonicalJson(rest)).digest('hex');
}

/** The canonical JSON an entry's MAC covers: every hashed field but its place (number, chain, position). */
export function entryCanonical(entry: HashedFields): string {
  const { seq: _s, chain: _c, pos: _p, ...rest } = entry;
  void _s; void _c; void _p;
  return canonicalJson(rest);
}

export interface AuditRow {
  seq: number;
  chain: number;
  pos: number;
  id: string;
  at: string;
  actor_practitioner_id: string | null;
  actor_agency_id: string | null;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  person_id: string | null;
  purpose: string | null;
  outcome: AuditOutcome;
  detail: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export const AUDIT_COLUMNS = 'seq, chain, pos, id, at, actor_practitioner_id, actor_agency_id, action, entity_type, entity_id, person_id, purpose, outcome, detail, prev_hash, hash';

export function toAuditEntry(r: AuditRow): AuditEntry {
  return {
    seq: Number(r.seq),
    chain: Number(r.chain),
    pos: Number(r.pos),
    id: r.id,
    at: r.at,
    actorPractitionerId: r.actor_practitioner_id,
    actorAgencyId: r.actor_agency_id,
    action: r.action,
    entityType: r.entity_type,
    entityId: r.entity_id,
    personId: r.person_id,
    purpose: r.purpose,
    outcome: r.outcome,
    detail: typeof r.detail === 'string' ? (JSON.parse(r.detail) as Record<string, unknown>) : r.detail,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

