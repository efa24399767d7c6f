/**
 * Where each practitioner page spends its time (issue 21, item 2): builds the app over a fresh
 * database holding one child's world (test/web/page-world.ts), signs a social worker in, and
 * requests each page of the workload mix many times through app.inject. Per page: statements per
 * request, median server time, and that time split into statements, rendering (nunjucks) and the
 * rest (Fastify, session and policy checks, shaping, audit hashing in JavaScript).
 *
 *   node bin/run-ts.mjs bench/pages-profile.ts [--pglite] [--requests 200] [--records 2000]
 *        [--agencies 8] [--meetings 50] [--siblings 3] [--json out.json] [--trace "person page"]
 *        [--only "chronology page"]
 *
 * PostgreSQL (default): JIGSAW_BENCH_DATABASE_URL, else JIGSAW_TEST_DATABASE_URL, else
 * postgres://postgres@127.0.0.1:5432/test; a throw-away database is created and dropped.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/http/app.ts';
import { systemClock } from '../src/shared/clock.ts';
import { renderClock } from '../src/web/view.ts';
import { Browser, pageWorld, recordForm, type PageWorld } from '../test/web/page-world.ts';
import { pgliteBackend, postgresBackend } from './lib/backends.ts';
import { profiled } from './lib/profile.ts';
import { median, now, round } from './lib/stats.ts';

const { values: args } = parseArgs({
  options: {
    pglite: { type: 'boolean', default: false },
    requests: { type: 'string', default: '200' },
    records: { type: 'string', default: '2000' },
    agencies: { type: 'string', default: '8' },
    meetings: { type: 'string', default: '50' },
    siblings: { type: 'string', default: '3' },
    json: { type: 'string' },
    /** Print every statement of one request of this page (e.g. "person page"), in order, and stop. */
    trace: { type: 'string' },
    /** Profile only this page (e.g. "chronology page"): quicker when working on one page. */
    only: { type: 'string' },
  },
});
const requests = Number(args.requests);
const serverUrl = process.env.JIGSAW_BENCH_DATABASE_URL ?? process.env.JIGSAW_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** One page of the mix: how to ask for it once (a GET, or a form's POST after its GET). */
interface PageCase {
  page: string;
  run: (b: Browser, w: PageWorld, i: number) => Promise<number>;
}

const CASES: PageCase[] = [
  { page: 'person page', run: async (b, w) => (await b.get(`/people/${w.childId}`)).status },
  { page: 'chronology page', run: async (b, w) => (await b.get(`/people/${w.childId}/chronology`)).status },
  { page: 'people search (POST)', run: async (b, w) => (await b.post('/people/find', { name: `Ava ${w.familyName}`, nhsNumber: '', 'dob-day': '', 'dob-month': '', 'dob-year': '' })).status },
  { page: 'record form (GET)', run: async (b, w) => (await b.get(`/people/${w.childId}/records/new`)).status },
  { page: 'record written (POST)', run: async (b, w, i) => (await b.post(`/people/${w.childId}/records/new`, recordForm(systemClock, `Profiled record ${i}`))).status },
  { page: 'episode page', run: async (b, w) => (await b.get(`/episodes/${w.episodeId}`)).status },
];

interface PageProfile {
  page: string;
  requests: number;
  statementsPerRequest: number;
  medianMs: number;
  /** Means per request, milliseconds. */
  inStatementsMs: number;
  renderingMs: number;
  restMs: number;
  /** This process's CPU time per request (mean): the JavaScript's work, less swayed than wall time by others sharing the machine. */
  cpuMs: number;
  topStatements: { statement: string; callsPerRequest: number; msPerRequest: number }[];
}

async function main(): Promise<void> {
  const backend = args.pglite ? await pgliteBackend() : await postgresBackend(serverUrl);
  try {
    const t0 = now();
    const world = await pageWorld(backend.db, systemClock, {
      records: Number(args.records), agencies: Number(args.agencies), meetings: Number(args.meetings), siblings: Number(args.siblings),
    });
    console.log(`${backend.label}: world set up in ${((now() - t0) / 1000).toFixed(1)} s (${args.records} records, ${args.agencies} agencies, ${args.meetings} meetings, ${args.siblings} siblings)`);
    const p = profiled(backend.db);
    const app = await buildApp({ services: { db: p.db, clock: systemClock }, auth: { sessionIdleMinutes: 30, sessionMaxHours: 12, signInMaxFailures: 5, signInWindowMinutes: 15 } });
    const b = new Browser(app);
    await b.signIn(world.worker);
    await b.get('/tasks');
    const results: PageProfile[] = [];
    if (args.trace) {
      const c = CASES.find((x) => x.page === args.trace);
      if (!c) throw new Error(`no page called ${args.trace}: ${CASES.map((x) => x.page).join(', ')}`);
      if (c.page.includes('POST')) await b.get(c.page.startsWith('record') ? `/people/${world.childId}/records/new` : '/people/find');
      await c.run(b, world, 0);
      p.reset();
      await c.run(b, world, 1);
      for (const s of p.timings()) console.log(`${String(s.calls).padStart(4)} × ${s.totalMs.toFixed(2).padStart(7)} ms  ${s.statement}`);
      await app.close();
      return;
    }
    for (const c of CASES.filter((x) => !args.only || x.page === args.only)) {
      // A form's POST needs the CSRF token of its page; a warm-up also compiles the templates.
      if (c.page.includes('POST')) await b.get(c.page.startsWith('record') ? `/people/${world.childId}/records/new` : '/people/find');
      for (let i = 0; i < 5; i++) await c.run(b, world, -i);
      p.reset();
      renderClock.ms = 0;
      const times: number[] = [];
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < requests; i++) {
        const t = now();
        const status = await c.run(b, world, i);
        times.push(now() - t);
        if (status >= 400) throw new Error(`${c.page}: ${status}`);
      }
      const cpu = process.cpuUsage(cpu0);
      const total = times.reduce((x, y) => x + y, 0);
      const statements = p.timings();
      const inStatements = statements.reduce((x, s) => x + s.totalMs, 0);
      results.push({
        page: c.page, requests,
        statementsPerRequest: round(statements.reduce((x, s) => x + s.calls, 0) / requests, 1),
        medianMs: round(median(times), 2),
        inStatementsMs: round(inStatements / requests, 2),
        renderingMs: round(renderClock.ms / requests, 2),
        restMs: round((total - inStatements - renderClock.ms) / requests, 2),
        cpuMs: round((cpu.user + cpu.system) / 1000 / requests, 2),
        topStatements: statements.slice(0, 8).map((s) => ({ statement: s.statement, callsPerRequest: round(s.calls / requests, 2), msPerRequest: round(s.totalMs / requests, 3) })),
      });
      const r = results.at(-1)!;
      console.log(`${r.page.padEnd(24)} ${String(r.statementsPerRequest).padStart(6)} statements  median ${r.medianMs.toFixed(2).padStart(7)} ms  (statements ${r.inStatementsMs} ms, rendering ${r.renderingMs} ms, rest ${r.restMs} ms; CPU ${r.cpuMs} ms)`);
      for (const s of r.topStatements) console.log(`    ${String(s.callsPerRequest).padStart(6)} × ${s.msPerRequest.toFixed(3).padStart(7)} ms  ${s.statement}`);
    }
    await app.close();
    if (args.json) await writeFile(args.json, `${JSON.stringify({ backend: backend.label, details: backend.details, options: args, results }, null, 2)}\n`);
  } finally {
    await backend.dispose();
  }
}

await main();
