/**
 * The writers benchmark (issue 21, item 4): 64 practitioners writing records at once, each on its own
 * connection, one transaction per record. The service path (addRecord: access check, the record, its
 * first version and its audit entry, sealed with the audit key) beside the same two bare INSERTs with
 * no check and no audit. Before migration 035 every audit append waited for one head row until the
 * previous writer's commit; the target is service throughput ≥ 0.5× bare, with the chain verifying
 * afterwards.
 *
 * PostgreSQL only: PGlite is one connection, so 64 writers there are one writer taking turns.
 */
import { randomBytes } from 'node:crypto';
import { sealHead } from '../src/audit/checkpoint.ts';
import { auditKey, useAuditKey, type AuditKeyring } from '../src/audit/key.ts';
import { verifyAuditChain } from '../src/audit/verify-chain.ts';
import { openPostgres, type Database } from '../src/db/database.ts';
import { addRecord } from '../src/records/records.ts';
import { NewRecord } from '../src/records/schemas.ts';
import { systemClock } from '../src/shared/clock.ts';
import type { ActorContext } from '../src/shared/context.ts';
import { newId } from '../src/shared/ids.ts';
import { agency, partnershipWith, person, practitioner, services } from '../test/fixtures.ts';
import type { Backend } from './lib/backends.ts';
import { updateSection, writeResultsFile, type Machine } from './lib/report.ts';
import { median, now, round } from './lib/stats.ts';

export interface WritersOptions {
  /** Concurrent writers, each with its own connection. */
  writers: number;
  /** Records each writer writes per measured round, by each path. */
  writesPerWriter: number;
  rounds: number;
  /** Unmeasured records per writer by each path first (JIT, caches, connections). */
  warmupPerWriter: number;
}

export const DEFAULT_WRITERS_OPTIONS: WritersOptions = { writers: 64, writesPerWriter: 40, rounds: 7, warmupPerWriter: 10 };
export const QUICK_WRITERS_OPTIONS: WritersOptions = { writers: 64, writesPerWriter: 3, rounds: 2, warmupPerWriter: 1 };

export interface WritersResult {
  backend: { kind: Backend['kind']; label: string; details: Record<string, string> };
  writers: number;
  recordsPerRound: number;
  rounds: number;
  /** Records per second, all writers together. */
  baseline: { perRound: number[]; median: number };
  service: { perRound: number[]; median: number };
  /** service ÷ baseline throughput, from the medians. */
  ratio: number;
  ratioPerRound: number[];
  target: number;
  meetsTarget: boolean;
  /** The audit trail afterwards: checked with the key, and how many chains the writers spread over. */
  audit: { ok: boolean; entries: number; chainsUsed: number; problems: number };
}

export interface WritersReport {
  benchmark: 'writers';
  startedAt: string;
  durationSeconds: number;
  machine: Machine;
  options: WritersOptions;
  results: WritersResult[];
  skipped: { kind: string; reason: string }[];
}

const INSERT_RECORD_SQL = 'INSERT INTO agency_record (id, person_id, agency_id, current_version, restricted, created_by, created_at) VALUES ($1,$2,$3,1,$4,$5,$6)';
const INSERT_VERSION_SQL = `INSERT INTO agency_record_version (record_id, version, kind, occurred_at, recorded_at, author_id, categories, fact_or_opinion,
       reported_or_witnessed, source, confidential, sensitive_categories, summary, details, childs_words, outcome, correction_reason)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`;

interface Writer { ctx: ActorContext; personId: string }

const log = (msg: string): void => console.log(`  ${msg}`);

/** The bare baseline: the two rows addRecord writes, in one transaction, with no checks and no audit. */
async function bareWrite(db: Database, w: Writer, agencyId: string, c: NewRecord): Promise<void> {
  await db.transaction(async (tx) => {
    const id = newId();
    const at = new Date().toISOString();
    await tx.query(INSERT_RECORD_SQL, [id, w.personId, agencyId, c.restricted, w.ctx.actor.practitionerId, at]);
    await tx.query(INSERT_VERSION_SQL, [id, 1, c.kind, c.occurredAt, at, w.ctx.actor.practitionerId, c.categories, c.factOrOpinion, c.reportedOrWitnessed,
      JSON.stringify(c.source), c.confidential, c.sensitiveCategories, c.summary, c.details ?? null, c.childsWords ?? null, c.outcome ?? null, null]);
  });
}

/** Every writer writes n records one after another, all writers at once; records per second overall. */
async function together(writers: readonly Writer[], n: number, one: (w: Writer) => Promise<void>): Promise<number> {
  const t0 = now();
  await Promise.all(writers.map(async (w) => {
    for (let i = 0; i < n; i++) await one(w);
  }));
  return (writers.length * n) / ((now() - t0) / 1000);
}

/**
 * Runs on the backend's database through a pool of `writers` connections of its own.
 * `serverUrl`: the server the backend's database is on (the pool connects to that database by name).
 */
export async function runWriters(backend: Backend, serverUrl: string, opts: WritersOptions = DEFAULT_WRITERS_OPTIONS): Promise<WritersResult> {
  const name = (await backend.db.query<{ name: string }>('SELECT current_database() AS name')).rows[0]!.name;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const pool = openPostgres(url.toString(), { max: opts.writers });
  const key = auditKey(`bench-writers-${randomBytes(24).toString('hex')}`);
  const keys: AuditKeyring = { current: key, byId: new Map([[key.id, key]]) };
  useAuditKey(key);
  try {
    const s = services(pool, systemClock);
    const partnership = await partnershipWith(s, 'Benchmark Safeguarding Partnership');
    const agencyId = await agency(s, partnership, 'school', 'Benchmark Primary School');
    const writers: Writer[] = [];
    for (let i = 0; i < opts.writers; i++) {
      const ctx = await practitioner(s, agencyId, ['practitioner'], `Bench Practitioner ${i + 1}`);
      writers.push({ ctx, personId: (await person(ctx)).id });
    }
    const input = NewRecord.parse({
      kind: 'concern', occurredAt: '2026-03-01T10:00:00Z', categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed',
      source: { type: 'practitioner' }, confidential: false, summary: 'Often late and hungry; asked for food at break time',
      details: 'Came in at 09:40 without a coat. Said there was no breakfast at home and that mum was still asleep. '.repeat(2),
    });
    // Open every connection before measuring.
    await Promise.all(writers.map(() => pool.query('SELECT 1')));
    const bare = (w: Writer): Promise<void> => bareWrite(pool, w, agencyId, input);
    const service = async (w: Writer): Promise<void> => void (await addRecord(w.ctx, w.personId, input));
    await together(writers, opts.warmupPerWriter, bare);
    await together(writers, opts.warmupPerWriter, service);

    // Alternate which path goes first so drift (growing tables, a checkpoint, a busy neighbour) hits both alike.
    const base: number[] = [];
    const svc: number[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      const order = r % 2 === 0 ? (['baseline', 'service'] as const) : (['service', 'baseline'] as const);
      for (const which of order) {
        if (which === 'baseline') base.push(await together(writers, opts.writesPerWriter, bare));
        else svc.push(await together(writers, opts.writesPerWriter, service));
      }
      log(`round ${r + 1}/${opts.rounds}, ${opts.writers} writers: baseline ${base.at(-1)!.toFixed(0)}/s, service ${svc.at(-1)!.toFixed(0)}/s`);
    }

    await sealHead(pool, key, systemClock.now());
    const v = await verifyAuditChain(backend.db, { keys });
    log(`audit trail: ${v.ok ? 'intact' : 'BROKEN'}, ${v.entries} entries over ${v.chains.length} chain(s)`);
    const ratio = median(svc) / median(base);
    return {
      backend: { kind: backend.kind, label: backend.label, details: backend.details },
      writers: opts.writers,
      recordsPerRound: opts.writers * opts.writesPerWriter,
      rounds: opts.rounds,
      baseline: { perRound: base.map((x) => round(x)), median: round(median(base)) },
      service: { perRound: svc.map((x) => round(x)), median: round(median(svc)) },
      ratio: round(ratio, 2),
      ratioPerRound: svc.map((x, i) => round(x / base[i]!, 2)),
      target: 0.5,
      meetsTarget: ratio >= 0.5 && v.ok,
      audit: { ok: v.ok, entries: v.entries, chainsUsed: v.chains.length, problems: v.problems.length },
    };
  } finally {
    useAuditKey(undefined);
    await pool.close();
  }
}

export const WRITERS_START = '<!-- bench:writers:start -->';
export const WRITERS_END = '<!-- bench:writers:end -->';
export const updateWritersDoc = (docPath: string, section: string): Promise<void> => updateSection(docPath, WRITERS_START, WRITERS_END, section);

export function writersMarkdown(report: WritersReport, jsonPath: string): string {
  const rows = report.results.map((r) =>
    `| ${r.backend.label} | ${r.writers} | ${r.baseline.median} | ${r.service.median} | **${r.ratio}** (${r.ratioPerRound.join(', ')}) | ≥ ${r.target} | ${r.audit.ok ? 'intact' : 'BROKEN'}, ${r.audit.entries} entries over ${r.audit.chainsUsed} chains | ${r.meetsTarget ? 'met' : 'MISSED'} |`);
  return [
    WRITERS_START,
    '<!-- Generated by `JIGSAW_BENCH_SUITE=writers npm run bench` (bench/writers.ts); edits between these markers are overwritten. -->',
    '',
    `${report.options.writers} practitioners write records at once, each on its own connection, one transaction per record: `
      + '`addRecord` (access check, record, first version, audit entry with its MAC) beside the same two bare INSERTs. '
      + `Records per second over all writers, median of ${report.options.rounds} alternating rounds of ${report.options.writesPerWriter} records per writer. `
      + 'The audit trail is sealed and verified with the key afterwards.',
    '',
    '| Database | Writers | Bare (records/s) | Service (records/s) | Ratio (per round) | Target | Audit trail after | |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    ...report.skipped.map((s) => `| ${s.kind} | — | — | — | — | — | — | skipped: ${s.reason} |`),
    '',
    `Machine: ${report.machine.cores} × ${report.machine.cpu}, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}. Results: \`${jsonPath}\`.`,
    WRITERS_END,
  ].join('\n');
}

export const writeWritersResults = (rootDir: string, report: WritersReport): Promise<string> => writeResultsFile(rootDir, 'writers', report);
