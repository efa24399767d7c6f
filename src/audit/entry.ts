import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.ts';

export type AuditOutcome = 'success' | 'denied' | 'not_found' | 'failure';

export interface AuditEntry {
  seq: number;
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

export type HashedFields = Omit<AuditEntry, 'hash' | 'prevHash'>;

/** SHA-256(prev_hash ‖ seq ‖ canonical JSON of the other fields), as jigsaw_append_audit computes it in SQL. */
export function hashEntry(prevHash: string, entry: HashedFields): string {
  const { seq, ...rest } = entry;
  return createHash('sha256').update(prevHash).update(String(seq)).update(canonicalJson(rest)).digest('hex');
}

export interface AuditRow {
  seq: number;
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

export const AUDIT_COLUMNS = 'seq, id, at, actor_practitioner_id, actor_agency_id, action, entity_type, entity_id, person_id, purpose, outcome, detail, prev_hash, hash';

export function toAuditEntry(r: AuditRow): AuditEntry {
  return {
    seq: r.seq,
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

