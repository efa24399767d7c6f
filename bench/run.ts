/**
 * npm run bench — the foundation and chronology benchmarks on PGlite (on-disk, like production) and on a
 * PostgreSQL server (a fresh database, dropped at the end). Writes bench/results/*.json and
 * the table in docs/performance.md.
 *
 * Environment:
 *   JIGSAW_BENCH_DATABASE_URL  server to create the throw-away database on
 *                              (default: JIGSAW_TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test)
 *   JIGSAW_BENCH_ONLY          pglite | postgres: run one backend only
 *   JIGSAW_BENCH_SUITE         foundation | chronology | process | flags | writers: run one benchmark only (each gets its own fresh database)
 *                              (writers: 64 concurrent writers, PostgreSQL only; prints its markdown instead of writing docs/performance.md)
 *   JIGSAW_BENCH_QUICK=1       tiny sizes, to check the benchmark itself; writes no results
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pgliteBackend, postgresBackend, type Backend } from './lib/backends.ts';
import { DEFAULT_OPTIONS, runFoundation, type FoundationOptions, type FoundationResult } from './foundation.ts';
import { machine, markdownSection, updateDoc, writeResults, type FoundationReport } from './lib/report.ts';
import { DEFAULT_PROCESS_OPTIONS, processMarkdown, QUICK_PROCESS_OPTIONS, runProcess, updateProcessDoc, writeProcessResults, type ProcessOptions, type ProcessReport, type ProcessResult } from './process.ts';
import {
  chronologySection, DEFAULT_CHRONOLOGY_OPTIONS, QUICK_CHRONOLOGY_OPTIONS, runChronology, updateChronologyDoc, writeChronologyResults,
  type ChronologyReport, type ChronologyResult,
} from './chronology.ts';
import { DEFAULT_WRITERS_OPTIONS, QUICK_WRITERS_OPTIONS, runWriters, updateWritersDoc, writersMarkdown, writeWritersResults, type WritersReport, type WritersResult } from './writers.ts';
import { DEFAULT_FLAGS_OPTIONS, flagsMarkdown, QUICK_FLAGS_OPTIONS, runFlags, updateFlagsDoc, writeFlagsResults, type FlagsReport, type FlagsResult } from './flags.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.env.JIGSAW_BENCH_QUICK === '1';
const only = process.env.JIGSAW_BENCH_ONLY;
const suite = process.env.JIGSAW_BENCH_SUITE;
const runFoundationSuite = !suite || suite === 'foundation';
const runChronologySuite = !suite || suite === 'chronology';
const runProcessSuite = !suite || suite === 'process';
const runFlagsSuite = !suite || suite === 'flags';
const runWritersSuite = !suite || suite === 'writers';
const chronologyOptions = quick ? QUICK_CHRONOLOGY_OPTIONS : DEFAULT_CHRONOLOGY_OPTIONS;
const serverUrl = process.env.JIGSAW_BENCH_DATABASE_URL ?? process.env.JIGSAW_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const options: FoundationOptions = quick
  ? { writesPerRound: 30, writeRounds: 2, warmupWrites: 5, readRecords: 1_000, readRounds: 2, profileWrites: 10, profileReads: 1 }
  : DEFAULT_OPTIONS;

const backends: { kind: Backend['kind']; open: () => Promise<Backend> }[] = [
  { kind: 'pglite', open: pgliteBackend },
  { kind: 'postgres', open: () => postgresBackend(serverUrl) },
];

// An interrupted run still drops its server database and removes its temporary directory.
let current: Backend | undefined;
process.once('SIGINT', () => {
  console.error('Interrupted; cleaning up…');
  void (current?.dispose() ?? Promise.resolve()).finally(() => process.exit(130));
});

const startedAt = new Date();
const results: FoundationResult[] = [];
const skipped: FoundationReport['skipped'] = [];
const chronologyResults: ChronologyResult[] = [];
const chronologySkipped: ChronologyReport['skipped'] = [];

/** Runs one benchmark on a fresh database of this backend; false if the backend could not be opened. */
async function onFresh(b: (typeof backends)[number], run: (backend: Backend) => Promise<void>, skip: { kind: string; reason: string }[]): Promise<boolean> {
  try {
    current = await b.open();
  } catch (err) {
    const reason = `could not open: ${(err as Error).message}`;
    console.log(`  skipped: ${reason}`);
    skip.push({ kind: b.kind, reason });
    return false;
  }
  try {
    await run(current);
  } finally {
    await current.dispose();
    current = undefined;
  }
  return true;
}

for (const b of backends) {
  if (only && only !== b.kind) continue;
  if (!runFoundationSuite && !runChronologySuite) continue;
  console.log(`\n${b.kind}`);
  let opened = true;
  if (runFoundationSuite) opened = await onFresh(b, async (backend) => { results.push(await runFoundation(backend, options)); }, skipped);
  if (!runChronologySuite) continue;
  if (opened) await onFresh(b, async (backend) => { chronologyResults.push(await runChronology(backend, chronologyOptions)); }, chronologySkipped);
  else chronologySkipped.push({ kind: b.kind, reason: skipped.at(-1)?.reason ?? 'could not open' });
}

const durationSeconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
const report: FoundationReport = {
  benchmark: 'foundation',
  startedAt: startedAt.toISOString(),
  durationSeconds,
  machine: machine(),
  options,
  results,
  skipped,
};
const chronologyReport: ChronologyReport = {
  benchmark: 'chronology',
  startedAt: startedAt.toISOString(),
  durationSeconds,
  machine: machine(),
  options: chronologyOptions,
  results: chronologyResults,
  skipped: chronologySkipped,
};

console.log('');
for (const r of results) {
  console.log(`${r.backend.kind.padEnd(9)} writes: bare ${r.writes.baseline.median}/s, service ${r.writes.service.median}/s, ratio ${r.writes.ratio} (target ≥ ${r.writes.target}: ${r.writes.meetsTarget ? 'met' : 'MISSED'})`);
  console.log(`${''.padEnd(9)} reads of ${r.reads.records}: bare ${r.reads.baselineMs.median} ms, service ${r.reads.serviceMs.median} ms, time ratio ${r.reads.timeRatio} (target ≤ ${r.reads.targetMaxTimeRatio}: ${r.reads.meetsTarget ? 'met' : 'MISSED'})`);
}
for (const r of chronologyResults) {
  console.log(`${r.backend.kind.padEnd(9)} chronology of ${r.visibleRecords}/${r.records}: bare ${r.baselineMs.median} ms, service ${r.serviceMs.median} ms, time ratio ${r.timeRatio} (target ≤ ${r.targetMaxTimeRatio}${r.targetMaxServiceMs ? ` and < ${r.targetMaxServiceMs} ms` : ''}: ${r.meetsTarget ? 'met' : 'MISSED'})`);
}
if (quick) {
  console.log('\nQuick run: no results written.');
} else if (runFoundationSuite || runChronologySuite) {
  const written: string[] = [];
  if (runFoundationSuite) {
    const jsonPath = await writeResults(ROOT, report);
    await updateDoc(join(ROOT, 'docs', 'performance.md'), markdownSection(report, jsonPath));
    written.push(jsonPath, 'bench/results/latest-foundation.json');
  }
  if (runChronologySuite) {
    const jsonPath = await writeChronologyResults(ROOT, chronologyReport);
    await updateChronologyDoc(join(ROOT, 'docs', 'performance.md'), chronologySection(chronologyReport, jsonPath));
    written.push(jsonPath, 'bench/results/latest-chronology.json');
  }
  console.log(`\nWrote ${written.join(', ')} and docs/performance.md (${durationSeconds} s).`);
}

/** What runSuite needs of one benchmark that gets its own fresh database per backend. */
interface Suite<O, R extends { backend: { kind: string } }, Rep> {
  name: 'process' | 'flags' | 'writers';
  options: O;
  run: (backend: Backend) => Promise<R>;
  /** Why a backend is left out (the writers' comparison means nothing on one connection). */
  skips?: (kind: Backend['kind']) => string | undefined;
  report: (base: { startedAt: string; durationSeconds: number; machine: ReturnType<typeof machine>; options: O; results: R[]; skipped: { kind: string; reason: string }[] }) => Rep;
  summary: (r: R) => string[];
  write: (root: string, report: Rep) => Promise<string>;
  updateDoc: (docPath: string, report: Rep, jsonPath: string) => Promise<void>;
}

/** Runs one benchmark on each backend asked for, prints its summary and (unless quick) writes its results and section. */
async function runSuite<O, R extends { backend: { kind: string } }, Rep>(suite: Suite<O, R, Rep>): Promise<void> {
  const startedAt = new Date();
  const suiteResults: R[] = [];
  const suiteSkipped: { kind: string; reason: string }[] = [];
  for (const b of backends) {
    if (only && only !== b.kind) continue;
    const reason = suite.skips?.(b.kind);
    if (reason) {
      suiteSkipped.push({ kind: b.kind, reason });
      continue;
    }
    console.log(`\n${suite.name}, ${b.kind}`);
    await onFresh(b, async (backend) => { suiteResults.push(await suite.run(backend)); }, suiteSkipped);
  }
  const suiteReport = suite.report({
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    machine: machine(),
    options: suite.options,
    results: suiteResults,
    skipped: suiteSkipped,
  });
  console.log('');
  for (const r of suiteResults) for (const line of suite.summary(r)) console.log(line);
  if (quick) {
    console.log(`\nQuick run: no ${suite.name} results written.`);
    return;
  }
  const jsonPath = await suite.write(ROOT, suiteReport);
  await suite.updateDoc(join(ROOT, 'docs', 'performance.md'), suiteReport, jsonPath);
  console.log(`\nWrote ${jsonPath}, bench/results/latest-${suite.name}.json and docs/performance.md (${Math.round((Date.now() - startedAt.getTime()) / 1000)} s).`);
}

// The process benchmark: due and overdue steps over 100,000 open episodes (bench/process.ts), on its own fresh databases.
if (runProcessSuite) {
  await runSuite<ProcessOptions, ProcessResult, ProcessReport>({
    name: 'process',
    options: quick ? QUICK_PROCESS_OPTIONS : DEFAULT_PROCESS_OPTIONS,
    run: (backend) => runProcess(backend, quick ? QUICK_PROCESS_OPTIONS : DEFAULT_PROCESS_OPTIONS),
    report: (base) => ({ benchmark: 'process', ...base }),
    summary: (r) => [`${r.backend.kind.padEnd(9)} ${r.size.episodes} open episodes: due summary bare ${r.dueSummary.baselineMs.median} ms, service ${r.dueSummary.serviceMs.median} ms (target < ${r.dueSummary.targetMs} ms: ${r.dueSummary.meetsTarget ? 'met' : 'MISSED'}); overdue list bare ${r.overdueList.baselineMs.median} ms, service ${r.overdueList.serviceMs.median} ms`],
    write: writeProcessResults,
    updateDoc: (doc, report, jsonPath) => updateProcessDoc(doc, processMarkdown(report, jsonPath)),
  });
}

// The flags benchmark: CareTeam lookups over HTTP with 1,000,000 children loaded (bench/flags.ts), on its own fresh databases.
if (runFlagsSuite) {
  const flagsOptions = quick ? QUICK_FLAGS_OPTIONS : DEFAULT_FLAGS_OPTIONS;
  await runSuite<typeof flagsOptions, FlagsResult, FlagsReport>({
    name: 'flags',
    options: flagsOptions,
    run: (backend) => runFlags(backend, flagsOptions),
    report: (base) => ({ benchmark: 'flags', ...base }),
    summary: (r) => {
      const open = r.openLoop.service;
      return [
        `${r.backend.kind.padEnd(9)} CareTeam lookups at saturation, ${r.clients} clients: bare ${r.baseline.requestsPerSecond}/s, service ${r.service.requestsPerSecond}/s, ratio ${r.ratio} (target ≥ ${r.targetRatio})`,
        `${''.padEnd(9)} at ${r.openLoop.options.rate}/s open loop: service p50 ${open.overall.latencyMs?.p50} ms, p99 ${open.overall.latencyMs?.p99} ms, ${open.overall.errors} failed${open.schedule?.fellBehind ? ' (the generator fell behind schedule)' : ''} (target p99 < ${r.targetP99Ms} ms, none failed${r.backend.kind === 'postgres' ? `; both targets: ${r.meetsTarget ? 'met' : 'MISSED'}` : ', applies on PostgreSQL'})`,
      ];
    },
    write: writeFlagsResults,
    updateDoc: (doc, report, jsonPath) => updateFlagsDoc(doc, flagsMarkdown(report, jsonPath)),
  });
}

// The writers benchmark: 64 concurrent writers, service beside bare INSERTs (bench/writers.ts), PostgreSQL only.
if (runWritersSuite) {
  const writersOptions = quick ? QUICK_WRITERS_OPTIONS : DEFAULT_WRITERS_OPTIONS;
  await runSuite<typeof writersOptions, WritersResult, WritersReport>({
    name: 'writers',
    options: writersOptions,
    run: (backend) => runWriters(backend, serverUrl, writersOptions),
    skips: (kind) => (kind === 'pglite' ? 'one connection: concurrent writers take turns, so the comparison means nothing there' : undefined),
    report: (base) => ({ benchmark: 'writers', ...base }),
    summary: (r) => [`${r.backend.kind.padEnd(9)} ${r.writers} writers: bare ${r.baseline.median}/s, service ${r.service.median}/s, ratio ${r.ratio}; audit trail ${r.audit.ok ? 'intact' : 'BROKEN'} over ${r.audit.chainsUsed} chains (target ≥ ${r.target}: ${r.meetsTarget ? 'met' : 'MISSED'})`],
    write: writeWritersResults,
    updateDoc: (doc, report, jsonPath) => updateWritersDoc(doc, writersMarkdown(report, jsonPath)),
  });
}
