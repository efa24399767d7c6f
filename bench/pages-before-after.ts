/**
 * The person, episode and chronology pages, two builds of the app side by side in one run (issue 21):
 * requests alternate between the build in this tree and another (`--before`, a directory holding
 * an earlier `src`, e.g. from `git archive <commit> src | tar -x -C .before`), over the same
 * database, so the machine's noise falls on both. Per page and build: statements per request and
 * the median time, and the statements run more than once per request.
 *
 * Over a page world (a fresh database, test/web/page-world.ts), or over a loaded partnership:
 *   node bin/run-ts.mjs bench/pages-before-after.ts --before .before [--requests 100]
 *   node bin/run-ts.mjs bench/pages-before-after.ts --before .before --database-url postgres://…/jigsaw_pages15 --manifest /tmp/pages-manifest.json
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { openPostgres, type Database } from '../src/db/database.ts';
import { systemClock } from '../src/shared/clock.ts';
import { Browser, pageWorld } from '../test/web/page-world.ts';
import { postgresBackend } from './lib/backends.ts';
import { profiled } from './lib/profile.ts';
import { median, now, round } from './lib/stats.ts';

const { values: args } = parseArgs({
  options: {
    before: { type: 'string' },
    requests: { type: 'string', default: '100' },
    'database-url': { type: 'string' },
    manifest: { type: 'string' },
  },
});
const requests = Number(args.requests);
const serverUrl = process.env.JIGSAW_BENCH_DATABASE_URL ?? process.env.JIGSAW_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const AUTH = { sessionIdleMinutes: 600, sessionMaxHours: 12, signInMaxFailures: 5, signInWindowMinutes: 15 };

type BuildApp = (opts: { services: { db: Database; clock: typeof systemClock }; auth: typeof AUTH }) => Promise<FastifyInstance>;
interface Build { label: string; app: FastifyInstance; p: ReturnType<typeof profiled>; browsers: Browser[] }

/** Who asks for which page: a page world's social worker, or a loaded partnership's users and their people. */
interface Visit { user: number; url: string; page: 'person page' | 'episode page' | 'chronology page' }

async function loadBuild(label: string, srcDir: string, db: Database): Promise<Omit<Build, 'browsers'>> {
  const { buildApp } = (await import(resolve(srcDir, 'http/app.ts'))) as { buildApp: BuildApp };
  const p = profiled(db);
  return { label, app: await buildApp({ services: { db: p.db, clock: systemClock }, auth: AUTH }), p };
}

async function main(): Promise<void> {
  const backend = args['database-url'] ? undefined : await postgresBackend(serverUrl);
  const db = backend?.db ?? openPostgres(args['database-url']!, { max: 4 });
  const sessions: { cookies?: Record<string, string>; signIn?: { email: string; password: string } }[] = [];
  const visits: Visit[] = [];
  if (args.manifest) {
    const m = JSON.parse(await readFile(args.manifest, 'utf8')) as {
      sessionCookie: string;
      users: { agencyType: string; sessionToken: string; people: { id: string }[]; chronologyChildren: { id: string }[] }[];
      episodes: { id: string; userIndex: number }[];
    };
    // Children's social care's users: they see every part of the person page (plans, census, history).
    const csc = m.users.map((u, i) => ({ u, i })).filter((x) => x.u.agencyType === 'childrens_social_care' && x.u.people.length).slice(0, 10);
    for (const x of m.users) sessions.push({ cookies: { [m.sessionCookie]: x.sessionToken } });
    for (const x of csc) for (const p of x.u.people.slice(0, 5)) visits.push({ user: x.i, url: `/people/${p.id}`, page: 'person page' });
    for (const e of m.episodes) visits.push({ user: e.userIndex, url: `/episodes/${e.id}`, page: 'episode page' });
    // The mix's chronologies: children with records shared by other agencies, as each user's agency sees them.
    m.users.forEach((u, i) => { for (const c of u.chronologyChildren.slice(0, 2)) visits.push({ user: i, url: `/people/${c.id}/chronology`, page: 'chronology page' }); });
  } else {
    const w = await pageWorld(db, systemClock, { records: 2000, agencies: 8, meetings: 50, siblings: 3 });
    sessions.push({ signIn: w.worker });
    visits.push({ user: 0, url: `/people/${w.childId}`, page: 'person page' }, { user: 0, url: `/episodes/${w.episodeId}`, page: 'episode page' }, { user: 0, url: `/people/${w.childId}/chronology`, page: 'chronology page' });
  }
  const builds: Build[] = [];
  const sources = [...(args.before ? [['before', resolve(args.before, 'src')] as const] : []), ['after', resolve(import.meta.dirname, '../src')] as const];
  for (const [label, dir] of sources) {
    const b = await loadBuild(label, dir, db);
    const browsers: Browser[] = [];
    for (const s of sessions) {
      const br = new Browser(b.app);
      if (s.signIn) await br.signIn(s.signIn);
      else Object.assign(br as unknown as { cookies: Record<string, string> }, { cookies: { ...s.cookies } });
      browsers.push(br);
    }
    builds.push({ ...b, browsers });
  }
  for (const page of ['person page', 'episode page', 'chronology page'] as const) {
    const mine = visits.filter((v) => v.page === page);
    const times = new Map(builds.map((b) => [b.label, [] as number[]]));
    const counts = new Map(builds.map((b) => [b.label, new Map<string, number>()]));
    for (const b of builds) for (const v of mine) await b.browsers[v.user]!.get(v.url); // warm-up
    for (const b of builds) b.p.reset();
    for (let i = 0; i < requests; i++) {
      const v = mine[i % mine.length]!;
      for (const b of i % 2 ? [...builds].reverse() : builds) {
        const t = now();
        const res = await b.browsers[v.user]!.get(v.url);
        times.get(b.label)!.push(now() - t);
        if (res.status >= 400) throw new Error(`${b.label} ${v.url}: ${res.status}`);
      }
    }
    for (const b of builds) {
      const timings = b.p.timings();
      for (const s of timings) counts.get(b.label)!.set(s.statement, s.calls / requests);
      const total = timings.reduce((x, s) => x + s.calls, 0) / requests;
      // Time inside statements (the round trips included) beside the whole: what is left is JavaScript.
      const inStatements = timings.reduce((x, s) => x + s.totalMs, 0) / requests;
      console.log(`${page.padEnd(13)} ${b.label.padEnd(6)} ${String(round(total, 1)).padStart(6)} statements  median ${round(median(times.get(b.label)!), 2).toFixed(2).padStart(7)} ms  (mean in statements ${inStatements.toFixed(2)} ms)`);
      for (const s of timings.filter((x) => x.calls / requests > 1.01)) console.log(`      ${round(s.calls / requests, 2)} × ${s.statement}`);
      // The slowest statements per request, whatever their count: what grows with the partnership.
      for (const s of [...timings].sort((x, y) => y.totalMs - x.totalMs).slice(0, 5)) console.log(`      slowest: ${(s.totalMs / requests).toFixed(2)} ms/request  ${s.statement}`);
    }
  }
  for (const b of builds) await b.app.close();
  if (backend) await backend.dispose();
  else await db.close();
}

await main();
