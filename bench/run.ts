/**
 * npm run bench — the foundation benchmark on PGlite (on-disk, like production) and on a
 * PostgreSQL server (a fresh database, dropped at the end). Writes bench/results/*.json and
 * the table in docs/performance.md.
 *
 * Environment:
 *   JIGSAW_BENCH_DATABASE_URL  server to create the throw-away database on
 *                              (default: JIGSAW_TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test)
 *   JIGSAW_BENCH_ONLY          pglite | postgres: run one backend only
 *   JIGSAW_BENCH_QUICK=1       tiny sizes, to check the benchmark itself; writes no results
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pgliteBackend, postgresBackend, type Backend } from './lib/backends.ts';
import { DEFAULT_OPTIONS, runFoundation, type FoundationOptions, type FoundationResult } from './foundation.ts';
import { machine, markdownSection, updateDoc, writeResults, type FoundationReport } from './lib/report.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.env.JIGSAW_BENCH_QUICK === '1';
const only = process.env.JIGSAW_BENCH_ONLY;
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
for (const b of backends) {
  if (only && only !== b.kind) continue;
  console.log(`\n${b.kind}`);
  try {
    current = await b.open();
  } catch (err) {
    const reason = `could not open: ${(err as Error).message}`;
    console.log(`  skipped: ${reason}`);
    skipped.push({ kind: b.kind, reason });
    continue;
  }
  try {
    results.push(await runFoundation(current, options));
  } finally {
    await current.dispose();
    current = undefined;
  }
}

const report: FoundationReport = {
  benchmark: 'foundation',
  startedAt: startedAt.toISOString(),
  durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
  machine: machine(),
  options,
  results,
  skipped,
};

console.log('');
for (const r of results) {
  console.log(`${r.backend.kind.padEnd(9)} writes: bare ${r.writes.baseline.median}/s, service ${r.writes.service.median}/s, ratio ${r.writes.ratio} (target ≥ ${r.writes.target}: ${r.writes.meetsTarget ? 'met' : 'MISSED'})`);
  console.log(`${''.padEnd(9)} reads of ${r.reads.records}: bare ${r.reads.baselineMs.median} ms, service ${r.reads.serviceMs.median} ms, time ratio ${r.reads.timeRatio} (target ≤ ${r.reads.targetMaxTimeRatio}: ${r.reads.meetsTarget ? 'met' : 'MISSED'})`);
}
if (quick) {
  console.log('\nQuick run: no results written.');
} else {
  const jsonPath = await writeResults(ROOT, report);
  await updateDoc(join(ROOT, 'docs', 'performance.md'), markdownSection(report, jsonPath));
  console.log(`\nWrote ${jsonPath}, bench/results/latest-foundation.json and docs/performance.md (${report.durationSeconds} s).`);
}
