import type { Actor } from '../access/policy.ts';
import type { Queryable } from '../db/database.ts';
import { notFound, type Problem } from '../shared/errors.ts';
import type { ActorContext, Services, Tx } from '../shared/context.ts';
import { isId, newId } from '../shared/ids.ts';
import { canonicalJson } from './canonical.ts';
import { signingKey, stamp } from './key.ts';
import { appendAuditArguments, ReadAudit } from './read-audit.ts';

export { AUDIT_COLUMNS, GENESIS_HASH, hashEntry, toAuditEntry, type AuditEntry, type AuditOutcome, type AuditRow } from './entry.ts';
export { verifyAuditChain, type VerifyResult } from './verify-chain.ts';
import type { AuditOutcome, HashedFields } from './entry.ts';

/** What happened. Identifiers and counts only: never names, addresses or record text. */
export interface AuditInput {
  action: string;
  outcome: AuditOutcome;
  entityType?: string | undefined;
  entityId?: string | undefined;
  personId?: string | undefined;
  detail?: Record<string, string | number | boolean | null> | undefined;
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
  await tx.query('SELECT jigsaw_append_audit($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)', auditArguments(who, input));
}

/**
 * PostgreSQL stores a uuid in lower case whatever case it was sent in; the hash must cover the
 * value as stored, or the entry reads as altered for ever after (issue 16, defect 3).
 */
const canonicalId = (v: string | null | undefined): string | null => (v == null ? null : isId(v) ? v.toLowerCase() : v);

/**
 * The 13 arguments of jigsaw_append_audit for this entry (also passed on by jigsaw_add_record and,
 * as JSON arrays, to jigsaw_append_audit_many). The last is the entry's MAC under the audit key,
 * made here so the database never sees the key; null when no key is configured.
 */
export function auditArguments(who: AuditWho, input: AuditInput): unknown[] {
  const fields: Omit<HashedFields, 'seq'> = {
    id: newId(),
    at: who.at.toISOString(),
    actorPractitionerId: canonicalId(who.actor?.practitionerId),
    actorAgencyId: canonicalId(who.actor?.agencyId),
    action: input.action,
    entityType: input.entityType ?? null,
    entityId: canonicalId(input.entityId),
    personId: canonicalId(input.personId),
    purpose: who.purpose ?? null,
    outcome: input.outcome,
    // In the detail rather than a column of its own: no migration, and the hash chain covers it.
    detail: who.requestId ? { ...input.detail, requestId: who.requestId } : input.detail ?? {},
  };
  const canonical = canonicalJson(fields);
  const key = signingKey();
  return [
    fields.id, fields.at, fields.actorPractitionerId, fields.actorAgencyId, fields.action, fields.entityType, fields.entityId,
    fields.personId, fields.purpose, fields.outcome, JSON.stringify(fields.detail), canonical, key ? stamp(key, 'entry', canonical) : null,
  ];
}

/** Records an action by the context's actor, in the caller's transaction. */
export function audit(ctx: ActorContext, tx: Tx, input: AuditInput): Promise<void> {
  const who: AuditWho = { actor: ctx.actor, purpose: ctx.purpose, requestId: ctx.requestId, at: ctx.clock.now() };
  // In a GET, a read's entry joins the request's one append before the answer is sent (read-audit.ts).
  if (ctx.readAudit && ReadAudit.isRead(input.action)) {
    ctx.readAudit.keep(auditArguments(who, input));
    return Promise.resolve();
  }
  return appendAudit(tx, who, input);
}

/**
 * Records many actions by the context's actor at once: the same entries, chained the same way, as
 * one audit() each, in one statement (jigsaw_append_audit_many), so a list that names a thousand
 * children writes their thousand entries without a thousand round trips.
 */
export async function auditAll(ctx: ActorContext, tx: Tx, inputs: readonly AuditInput[]): Promise<void> {
  const who: AuditWho = { actor: ctx.actor, purpose: ctx.purpose, requestId: ctx.requestId, at: ctx.clock.now() };
  const reads = ctx.readAudit;
  if (reads && inputs.every((input) => ReadAudit.isRead(input.action))) {
    for (const input of inputs) reads.keep(auditArguments(who, input));
    return;
  }
  await appendAuditArguments(tx, inputs.map((input) => auditArguments(who, input)));
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
  const reads = ctx.readAudit;
  try {
    // Reads kept for the request's one append are dropped if the command fails, as its own entries would be.
    return await (reads ? reads.within(() => ctx.db.transaction(fn)) : ctx.db.transaction(fn));
  } catch (err) {
    if (err instanceof AccessRefused) {
      if (reads && ReadAudit.isRead(err.entry.action)) await audit(ctx, ctx.db, err.entry);
      else await ctx.db.transaction((tx) => audit(ctx, tx, err.entry));
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

