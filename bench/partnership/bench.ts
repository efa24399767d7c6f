/**
 * npm run bench:partnership — issue 21's measurement of the pages under a realistic partnership.
 *
 * For each size (15,000 and 150,000 people by default) on a fresh PostgreSQL database: load the
 * generated partnership (load.ts), start `jigsaw serve --workers N` in its own process, and drive
 * it over HTTP as the manifest's signed-in practitioners from the load generator, itself in its
 * own process (bench/load):
 *
 * 1. **Server time per page, one user at a time**, from each answer's Server-Timing, beside the
 *    **bare baseline**: the same rows fetched by the minimal SQL (bare.ts), on the same cases.
 * 2. **The mix open-loop** at a fixed arrival rate (100 requests/s): p50/p95/p99 per page, errors.
 * 3. **The mix to saturation** (closed loop, many connections): throughput.
 * Then the growth of each page's p50 from the smallest size to the largest.
 *
 * Environment:
 *   JIGSAW_BENCH_DATABASE_URL      server to create the throw-away databases on (default
 *                                  JIGSAW_TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test)
 *   JIGSAW_PARTNERSHIP_SIZES       people per partnership, comma-separated (default 15000,150000)
 *   JIGSAW_PARTNERSHIP_SEED        the generator's seed (default 21)
 *   JIGSAW_PARTNERSHIP_WORKERS     server processes (default: the number of cores)
 *   JIGSAW_PARTNERSHIP_RATE        the open loop's arrivals per second (default 100)
 *   JIGSAW_PARTNERSHIP_SECONDS     the open loop's and the saturation's measured seconds (default 60 and 30)
 *   JIGSAW_BENCH_QUICK=1           one small partnership, short runs, writes nothing
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openPostgres } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { machine } from '../lib/report.ts';
import { median, round } from '../lib/stats.ts';
import { runLoad, type LoadResult } from '../load/run-load.ts';
import type { LoadRequest } from '../load/spec.ts';
import { barePage, type BareArgs } from './bare.ts';
import { loadPartnership } from './load.ts';
import { episodeTemplates, MIX_WEIGHTS, templatesFor, type MixLabel, type RequestTemplate } from './mix.ts';
import { asRequests } from './requests.ts';
import type { PartnershipManifest } from './manifest.ts';
import { partnershipMarkdown, updatePartnershipDoc, writePartnershipResults, type PageFigures, type PartnershipReport, type SizeResult } from './report.ts';
import { startServerProcess } from '../lib/server-process.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const env = process.env;
const quick = env.JIGSAW_BENCH_QUICK === '1';
const serverUrl = env.JIGSAW_BENCH_DATABASE_URL ?? env.JIGSAW_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const sizes = quick ? [1_500] : (env.JIGSAW_PARTNERSHIP_SIZES ?? '15000,150000').split(',').map(Number);
const seed = Number(env.JIGSAW_PARTNERSHIP_SEED ?? 21);
const workers = Number(env.JIGSAW_PARTNERSHIP_WORKERS ?? availableParallelism());
const rate = Number(env.JIGSAW_PARTNERSHIP_RATE ?? 100);
const openSeconds = quick ? 5 : Number(env.JIGSAW_PARTNERSHIP_SECONDS ?? 60);
const saturationSeconds = quick ? 5 : Math.max(20, Math.round(openSeconds / 2));
const singleUserCases = quick ? 10 : 60;
type Label = MixLabel | 'episode';
const LABELS: Label[] = ['person', 'chronology', 'search', 'record', 'episode'];

async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `jigsaw_bench_partnership_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => c.end());
    },
  };
}

/** What the bare baseline needs for a template: the viewer and the person, name or episode. */
function bareArgs(m: PartnershipManifest, t: RequestTemplate): BareArgs {
  const u = m.users[t.userIndex]!;
  const viewer = { practitionerId: u.practitionerId, agencyId: u.agencyId, isLead: u.roles.includes('safeguarding_lead') };
  const id = t.path.split('/')[2]!;
  switch (t.label) {
    case 'person': return { label: 'person', viewer, personId: id };
    case 'chronology': return { label: 'chronology', viewer, personId: id };
    case 'search': return { label: 'search', viewer, name: t.formFields!.name! };
    case 'record': return { label: 'record', viewer, personId: id, summary: t.formFields!.summary! };
    case 'episode': return { label: 'episode', viewer, episodeId: id };
  }
}

/** A spread of cases for one label: every k-th template, so many users and people are covered. */
function spread<T>(list: readonly T[], n: number): T[] {
  if (list.length <= n) return [...list];
  const step = list.length / n;
  return Array.from({ length: n }, (_, i) => list[Math.floor(i * step)]!);
}

/**
 * One request at a time (no queue, no contention): the server's own time per page from its
 * Server-Timing, and the bare SQL for the same case in this process, interleaved case by case.
 */
async function singleUser(baseUrl: string, m: PartnershipManifest, db: ReturnType<typeof openPostgres>, all: Record<Label, RequestTemplate[]>): Promise<PageFigures[]> {
  const figures: PageFigures[] = [];
  for (const label of LABELS) {
    const cases = spread(all[label], singleUserCases);
    if (!cases.length) continue;
    const requests = await asRequests(baseUrl, m, cases);
    // Warm-up: plans, caches and the JIT, on both paths.
    for (const [i, r] of requests.slice(0, 5).entries()) {
      await send(baseUrl, r);
      await barePage(db, label, bareArgs(m, cases[i]!));
    }
    const server: number[] = [];
    const client: number[] = [];
    const bare: number[] = [];
    let errors = 0;
    for (const [i, r] of requests.entries()) {
      const answer = await send(baseUrl, r);
      if (!answer.ok) errors++;
      if (answer.serverMs !== undefined) server.push(answer.serverMs);
      client.push(answer.ms);
      const t0 = performance.now();
      await barePage(db, label, bareArgs(m, cases[i]!));
      bare.push(performance.now() - t0);
    }
    const serverP50 = median(server);
    const bareP50 = median(bare);
    figures.push({ label, cases: requests.length, errors, serverP50: round(serverP50, 1), clientP50: round(median(client), 1), bareP50: round(bareP50, 1), ratio: round(serverP50 / bareP50, 2) });
  }
  return figures;
}

async function send(baseUrl: string, r: LoadRequest): Promise<{ ok: boolean; ms: number; serverMs?: number }> {
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}${r.path}`, { method: r.method, headers: r.headers, body: typeof r.body === 'string' ? r.body : undefined, redirect: 'manual' });
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  const dur = /app;dur=([0-9.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1];
  return { ok: res.status < 400, ms, ...(dur ? { serverMs: Number(dur) } : {}) };
}

/** Waits (up to five minutes) until a page is answered in under a second again. */
async function drained(baseUrl: string, probe: LoadRequest): Promise<void> {
  const until = Date.now() + 300_000;
  while (Date.now() < until) {
    if ((await send(baseUrl, probe)).ms < 1000) return;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

async function runSize(people: number): Promise<SizeResult> {
  const database = await createDatabase();
  const db = openPostgres(database.url, { max: 2 });
  try {
    await migrate(db);
    const t0 = performance.now();
    const m = await loadPartnership(db, { people, seed, onProgress: (step, detail) => console.log(`  [${people}] ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s ${step}${detail ? `: ${detail}` : ''}`) });
    const loadSeconds = round((performance.now() - t0) / 1000, 1);
    console.log(`  [${people}] loaded in ${loadSeconds} s: ${JSON.stringify(m.counts)}`);
    // The sessions were opened when the partnership was loaded, maybe longer ago than the idle limit.
    const server = await startServerProcess(database.url, { workers, env: { JIGSAW_SESSION_IDLE_MINUTES: '1440' } });
    try {
      const all: Record<Label, RequestTemplate[]> = { person: [], chronology: [], search: [], record: [], episode: episodeTemplates(m) };
      m.users.forEach((_, i) => {
        const t = templatesFor(m, i);
        for (const l of Object.keys(MIX_WEIGHTS) as MixLabel[]) all[l].push(...t[l]);
      });
      console.log(`  [${people}] one user at a time, beside the bare SQL…`);
      const pages = await singleUser(server.baseUrl, m, db, all);
      const mix = await asRequests(server.baseUrl, m, (Object.keys(MIX_WEIGHTS) as MixLabel[]).flatMap((l) => all[l]));
      console.log(`  [${people}] the mix open-loop at ${rate}/s for ${openSeconds} s…`);
      const open: LoadResult = await runLoad({ baseUrl: server.baseUrl, mode: 'open', rate, arrivals: 'poisson', warmupSeconds: quick ? 1 : 10, durationSeconds: openSeconds, seed, requests: mix });
      // An open loop beyond the server's capacity leaves it a queue of requests the generator has
      // given up on; the saturation run must start on a server that has worked through them.
      await drained(server.baseUrl, mix.find((r) => r.method === 'GET')!);
      console.log(`  [${people}] the mix to saturation…`);
      const saturation: LoadResult = await runLoad({ baseUrl: server.baseUrl, mode: 'closed', connections: 32, warmupSeconds: quick ? 1 : 5, durationSeconds: saturationSeconds, seed: seed + 1, requests: mix });
      return { people, counts: m.counts, loadSeconds, workers, pages, open, saturation };
    } finally {
      await server.stop();
    }
  } finally {
    await db.close();
    await database.drop();
  }
}

const startedAt = new Date();
const results: SizeResult[] = [];
for (const people of sizes) {
  console.log(`Partnership of ${people.toLocaleString('en-GB')} people (seed ${seed}, ${workers} server processes):`);
  results.push(await runSize(people));
}
const report: PartnershipReport = {
  benchmark: 'partnership', startedAt: startedAt.toISOString(), durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000), machine: machine(),
  options: { sizes, seed, workers, rate, openSeconds, saturationSeconds, singleUserCases }, results,
};
if (quick) {
  console.log(partnershipMarkdown(report, '(quick run: not written)'));
} else {
  const json = await writePartnershipResults(ROOT, report);
  await updatePartnershipDoc(join(ROOT, 'docs', 'performance.md'), partnershipMarkdown(report, json));
  console.log(`Written ${json} and docs/performance.md`);
}
