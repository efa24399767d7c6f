import { z } from 'zod';
import type { Actor } from '../access/policy.ts';
import type { Queryable } from '../db/database.ts';
import type { ActorContext } from '../shared/context.ts';
import { conflict } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { Uuid } from '../shared/schemas.ts';
import { audit, command } from './audit.ts';
import { auditKeyringFrom, type AuditKeyring } from './key.ts';
import { mustReadAudit } from './trail.ts';
import { verifyAuditChain, type VerifyResult } from './verify-chain.ts';

/**
 * Checks of the whole deployment's audit chain, kept in audit_verification so the auditors' pages
 * can say "intact up to entry N, checked at …" without walking the chain on every page.
 * Written by the pages and the API (checkChainNow) and by `jigsaw audit verify` (recordVerification).
 */

/** How many problems a stored result keeps: the first ones, in the order of the trail. */
const KEPT_PROBLEMS = 20;

export const Verification = z
  .object({
    id: Uuid,
    source: z.enum(['page', 'api', 'cli']).meta({ description: 'Who ran it: an auditor on the pages, the API, or `jigsaw audit verify`.' }),
    practitionerId: Uuid.nullable(),
    practitionerName: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string(),
    intact: z.boolean(),
    keyed: z.boolean().meta({ description: 'Checked against the audit key (entry and chain seals), not only the hash chain.' }),
    entries: z.number().int(),
    lastSeq: z.number().int().meta({ description: 'The newest entry checked.' }),
    firstBrokenSeq: z.number().int().nullable(),
    problemCount: z.number().int(),
    problems: z.array(z.object({ seq: z.number().int(), to: z.number().int().optional(), kind: z.string(), problem: z.string(), accepted: z.boolean().optional() }))
      .meta({ description: `The first ${KEPT_PROBLEMS} problems found: entry numbers and what is wrong, never an entry's content.` }),
    sealedThrough: z.number().int().nullable(),
  })
  .meta({ id: 'AuditVerification' });
export type Verification = z.infer<typeof Verification>;

export const ChainState = z
  .object({
    latest: Verification.nullable().meta({ description: 'The newest check of the chain; null when it was never checked.' }),
    newestSeal: z.object({ seq: z.number().int(), at: z.string() }).nullable().meta({ description: 'The newest seal of the chain (made with the audit key), if any.' }),
    head: z.number().int().meta({ description: 'The number of the newest entry now.' }),
  })
  .meta({ id: 'AuditChainState' });
export type ChainState = z.infer<typeof ChainState>;

/**
 * The most entries a check from the pages or the API walks (JIGSAW_AUDIT_CHECK_MAX_ENTRIES, default
 * 2,000,000): it runs inline, in the request. A longer trail is checked with `jigsaw audit verify`.
 */
export function inlineCheckLimit(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.JIGSAW_AUDIT_CHECK_MAX_ENTRIES;
  const n = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : 2_000_000;
}

/** The server's audit keys, from its environment as `jigsaw audit verify` reads them; none when unset or unreadable. */
function serverKeys(): AuditKeyring | undefined {
  try {
    return auditKeyringFrom(process.env);
  } catch {
    return undefined;
  }
}

export async function recordVerification(db: Queryable, r: VerifyResult, run: { source: 'page' | 'api' | 'cli'; actor?: Actor | undefined; startedAt: Date; finishedAt: Date; keyed: boolean }): Promise<string> {
  const id = newId();
  const failing = r.problems.filter((p) => !p.accepted);
  await db.query(
    `INSERT INTO audit_verification (id, source, practitioner_id, agency_id, started_at, finished_at, intact, keyed, entries, last_seq, first_broken_seq, problem_count, problems, sealed_through)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
    [id, run.source, run.actor?.practitionerId ?? null, run.actor?.agencyId ?? null, run.startedAt.toISOString(), run.finishedAt.toISOString(), r.ok, run.keyed, r.entries,
      r.head?.seq ?? 0, r.firstBroken?.seq ?? null, failing.length, JSON.stringify(r.problems.slice(0, KEPT_PROBLEMS)), r.sealed?.through ?? null],
  );
  return id;
}

let running: Promise<VerifyResult & { startedAt: Date; finishedAt: Date; keyed: boolean }> | undefined;

/**
 * Checks the chain now, in this request (one check at a time in a process: a second asker waits for
 * the same result), stores the result and audits the check. Refused above the inline limit.
 */
export async function checkChainNow(ctx: ActorContext, source: 'page' | 'api'): Promise<Verification> {
  await command(ctx, () => Promise.resolve(mustReadAudit(ctx, 'audit.verify')));
  const head = Number((await ctx.db.query<{ seq: string | number }>('SELECT coalesce(max(seq), 0) AS seq FROM audit_event')).rows[0]?.seq ?? 0);
  const limit = inlineCheckLimit();
  if (head > limit) {
    throw conflict(`The trail has ${head} entries, more than are checked from the pages at once (${limit}). Ask the service's operators to run jigsaw audit verify.`);
  }
  running ??= (async () => {
    const keys = serverKeys();
    const startedAt = ctx.clock.now();
    const r = await verifyAuditChain(ctx.db, { keys, now: startedAt });
    return { ...r, startedAt, finishedAt: ctx.clock.now(), keyed: Boolean(keys) };
  })().finally(() => {
    running = undefined;
  });
  const r = await running;
  const id = await command(ctx, async (tx) => {
    const stored = await recordVerification(tx, r, { source, actor: ctx.actor, startedAt: r.startedAt, finishedAt: r.finishedAt, keyed: r.keyed });
    await audit(ctx, tx, { action: 'audit.verify', outcome: 'success', entityType: 'audit_verification', entityId: stored, detail: { intact: r.ok, through: r.head?.seq ?? 0, problems: r.problems.filter((p) => !p.accepted).length } });
    return stored;
  });
  return (await readVerification(ctx.db, id))!;
}

interface VerificationRow {
  id: string; source: 'page' | 'api' | 'cli'; practitioner_id: string | null; practitioner_name: string | null; started_at: Date | string; finished_at: Date | string;
  intact: boolean; keyed: boolean; entries: string | number; last_seq: string | number; first_broken_seq: string | number | null; problem_count: number;
  problems: Verification['problems'] | string; sealed_through: string | number | null;
}

const iso = (v: Date | string): string => (v instanceof Date ? v : new Date(v)).toISOString();
const num = (v: string | number | null): number | null => (v === null ? null : Number(v));

async function readVerification(db: Queryable, id?: string): Promise<Verification | null> {
  const row = (await db.query<VerificationRow>(
    `SELECT v.id, v.source, v.practitioner_id, v.started_at, v.finished_at, v.intact, v.keyed, v.entries, v.last_seq, v.first_broken_seq, v.problem_count, v.problems, v.sealed_through, p.name AS practitioner_name FROM audit_verification v LEFT JOIN practitioner p ON p.id = v.practitioner_id
      ${id ? 'WHERE v.id = $1' : ''} ORDER BY v.n DESC LIMIT 1`, id ? [id] : [])).rows[0];
  if (!row) return null;
  return {
    id: row.id, source: row.source, practitionerId: row.practitioner_id, practitionerName: row.practitioner_name,
    startedAt: iso(row.started_at), finishedAt: iso(row.finished_at), intact: row.intact, keyed: row.keyed,
    entries: Number(row.entries), lastSeq: Number(row.last_seq), firstBrokenSeq: num(row.first_broken_seq), problemCount: row.problem_count,
    problems: typeof row.problems === 'string' ? (JSON.parse(row.problems) as Verification['problems']) : row.problems, sealedThrough: num(row.sealed_through),
  };
}

/** The chain's state as last checked, the newest seal and head; `audited`: the read is an entry of its own (the API's). */
export async function chainState(ctx: ActorContext, audited: boolean): Promise<ChainState> {
  return command(ctx, async (tx) => {
    mustReadAudit(ctx, 'audit.verification-read');
    const latest = await readVerification(tx);
    const seal = (await tx.query<{ seq: string | number; at: Date | string }>('SELECT seq, at FROM audit_seal ORDER BY seq DESC, at DESC LIMIT 1')).rows[0];
    const head = Number((await tx.query<{ seq: string | number }>('SELECT coalesce(max(seq), 0) AS seq FROM audit_event')).rows[0]?.seq ?? 0);
    if (audited) await audit(ctx, tx, { action: 'audit.verification-read', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { latest: latest?.id ?? null } });
    return { latest, newestSeal: seal ? { seq: Number(seal.seq), at: iso(seal.at) } : null, head };
  });
}
