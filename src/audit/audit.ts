import { createHash } from 'node:crypto';
import type { Actor } from '../access/policy.ts';
import type { Queryable } from '../db/database.ts';
import { notFound, type Problem } from '../shared/errors.ts';
import type { ActorContext, Services, Tx } from '../shared/context.ts';
import { newId } from '../shared/ids.ts';
import { canonicalJson } from './canonical.ts';

export type AuditOutcome = 'success' | 'denied' | 'not_found' | 'failure';

/** What happened. Identifiers and counts only: never names, addresses or record text. */
export interface AuditInput {
  action: string;
  outcome: AuditOutcome;
  entityType?: string | undefined;
  entityId?: string | undefined;
  personId?: string | undefined;
  detail?: Record<string, string | number | boolean | null> | undefined;
}

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

type HashedFields = Omit<AuditEntry, 'hash' | 'prevHash'>;

/** SHA-256(prev_hash ‖ seq ‖ canonical JSON of the other fields), as jigsaw_append_audit computes it in SQL. */
export function hashEntry(prevHash: string, entry: HashedFields): string {
  const { seq, ...rest } = entry;
  return createHash('sha256').update(prevHash).update(String(seq)).update(canonicalJson(rest)).digest('hex');
}

/** Who acted, when, why, and in which HTTP request (none for the CLI, the demo and the sweeps). */
export interface AuditWho {
  actor?: Actor | undefined;
  purpose?: string | undefined;
  /** The request's X-Request-ID: kept in the entry's detail, which the hash covers like every field. */
  requestId?: string | undefined;
  at: Date;
}

/**
 * Appends one entry in the caller's transaction. One round trip: the database function takes the
 * chain's lock, numbers the entry and links it (db/migrations/003_audit_append.sql).
 */
export async function appendAudit(
  tx: Queryable,
  who: AuditWho,
  input: AuditInput,
): Promise<void> {
  await tx.query('SELECT jigsaw_append_audit($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)', auditArguments(who, input));
}

/** The 12 arguments of jigsaw_append_audit for this entry (also passed on by jigsaw_add_record). */
export function auditArguments(who: AuditWho, input: AuditInput): unknown[] {
  const fields: Omit<HashedFields, 'seq'> = {
    id: newId(),
    at: who.at.toISOString(),
    actorPractitionerId: who.actor?.practitionerId ?? null,
    actorAgencyId: who.actor?.agencyId ?? null,
    action: input.action,
    entityType: input.entityType ?? null,
    entityId: input.entityId ?? null,
    personId: input.personId ?? null,
    purpose: who.purpose ?? null,
    outcome: input.outcome,
    // In the detail rather than a column of its own: no migration, and the hash chain covers it.
    detail: who.requestId ? { ...input.detail, requestId: who.requestId } : input.detail ?? {},
  };
  return [
    fields.id, fields.at, fields.actorPractitionerId, fields.actorAgencyId, fields.action, fields.entityType, fields.entityId,
    fields.personId, fields.purpose, fields.outcome, JSON.stringify(fields.detail), canonicalJson(fields),
  ];
}

/** Records an action by the context's actor, in the caller's transaction. */
export function audit(ctx: ActorContext, tx: Tx, input: AuditInput): Promise<void> {
  return appendAudit(tx, { actor: ctx.actor, purpose: ctx.purpose, requestId: ctx.requestId, at: ctx.clock.now() }, input);
}

/**
 * Thrown inside a command when the actor may not see or do something (or it does not exist).
 * The command's transaction rolls back; the refusal is then audited on its own and the caller
 * gets the same "not found" either way, so a record out of reach looks like no record at all.
 */
export class AccessRefused extends Error {
  constructor(
    readonly what: string,
    readonly entry: AuditInput,
    /** What the caller is told instead of "not found", e.g. a field error naming a missing related person. */
    readonly answer?: Problem,
  ) {
    super(`access refused: ${entry.action}`);
  }
}

export const refuse = (
  what: string,
  entry: Omit<AuditInput, 'outcome'> & { outcome?: 'denied' | 'not_found' },
  answer?: Problem,
): AccessRefused => new AccessRefused(what, { ...entry, outcome: entry.outcome ?? 'denied' }, answer);

/** Runs one command as one transaction; a refusal is audited and answered as "not found". */
export async function command<T>(ctx: ActorContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await ctx.db.transaction(fn);
  } catch (err) {
    if (err instanceof AccessRefused) {
      await ctx.db.transaction((tx) => audit(ctx, tx, err.entry));
      throw err.answer ?? notFound(err.what);
    }
    throw err;
  }
}

/**
 * For system actions with no practitioner (sign-in failures, start-up). Given a request's context
 * (the API's sign-in passes one), the entry carries its request ID.
 */
export function auditSystem(services: Services, tx: Tx, input: AuditInput, actor?: Actor): Promise<void> {
  return appendAudit(tx, { actor, requestId: services.requestId, at: services.clock.now() }, input);
}

interface AuditRow {
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

export interface VerifyResult {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string } | null;
  firstBroken?: { seq: number; problem: string };
}

/**
 * Walks the whole chain in order. An edited entry no longer matches its hash; a deleted one
 * leaves a gap in the numbers or a successor whose prev_hash points at nothing; entries cut from
 * the end leave the chain short of the head recorded in audit_head.
 */
export async function verifyAuditChain(db: Queryable, batchSize = 5000): Promise<VerifyResult> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  let head: VerifyResult['head'] = null;
  for (;;) {
    const { rows } = await db.query<AuditRow>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_event WHERE seq >= $1 ORDER BY seq LIMIT $2`,
      [expectedSeq, batchSize],
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      const e = toAuditEntry(row);
      if (e.seq !== expectedSeq) {
        return { ok: false, entries: count, head, firstBroken: { seq: expectedSeq, problem: `entry ${expectedSeq} is missing (next present is ${e.seq})` } };
      }
      if (e.prevHash !== prevHash) {
        return { ok: false, entries: count, head, firstBroken: { seq: e.seq, problem: `entry ${e.seq} does not link to entry ${e.seq - 1}` } };
      }
      const { hash, prevHash: _prev, ...fields } = e;
      void _prev;
      if (hashEntry(prevHash, fields) !== hash) {
        return { ok: false, entries: count, head, firstBroken: { seq: e.seq, problem: `entry ${e.seq} has been altered` } };
      }
      prevHash = hash;
      head = { seq: e.seq, hash };
      expectedSeq += 1;
      count += 1;
    }
  }
  // The head row records the newest entry: entries cut from the end leave the chain short of it.
  const recorded = (await db.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1')).rows[0];
  if (recorded && recorded.seq > 0 && (recorded.seq !== (head?.seq ?? 0) || recorded.hash !== head?.hash)) {
    const problem = recorded.seq > (head?.seq ?? 0)
      ? `entries ${(head?.seq ?? 0) + 1} to ${recorded.seq} are missing from the end of the trail`
      : `the trail's newest entry (${head?.seq ?? 0}) does not match the recorded head (${recorded.seq})`;
    return { ok: false, entries: count, head, firstBroken: { seq: (head?.seq ?? 0) + 1, problem } };
  }
  return { ok: true, entries: count, head };
}
