/**
 * Where one page's server time goes, one request at a time, against a loaded partnership (issue 21):
 * the app in this process over the partnership's database, each statement timed, for the GET pages
 * of the mix (person, chronology, episode) as the manifest's users. Per page: the median request,
 * and per statement its calls and mean time per request; rendering and the rest beside them.
 *
 *   node bin/run-ts.mjs bench/partnership/page-trace-cli.ts --database-url postgres://…/jigsaw_p150 \
 *     --manifest p150.json [--only person] [--cases 60] [--repeat 1]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { buildApp } from '../../src/http/app.ts';
import { openPostgres } from '../../src/db/database.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { renderClock } from '../../src/web/view.ts';
import { profiled } from '../lib/profile.ts';
import { median, now, round } from '../lib/stats.ts';
import { refreshSessions, type PartnershipManifest } from './manifest.ts';
import { episodeTemplates, templatesFor, type RequestTemplate } from './mix.ts';

const { values } = parseArgs({ options: { 'database-url': { type: 'string' }, manifest: { type: 'string' }, only: { type: 'string' }, cases: { type: 'string', default: '60' }, repeat: { type: 'string', default: '1' } } });
const url = values['database-url'];
if (!url || !values.manifest) throw new Error('--database-url and --manifest are needed');
const m = JSON.parse(await readFile(values.manifest, 'utf8')) as PartnershipManifest;
const base = openPostgres(url);
await refreshSessions(base, m);
const p = profiled(base);
const app = await buildApp({ services: { db: p.db, clock: systemClock }, auth: { sessionIdleMinutes: 1440, sessionMaxHours: 24 * 365, signInMaxFailures: 5, signInWindowMinutes: 15 } });
const byLabel: Record<string, RequestTemplate[]> = { person: [], chronology: [], episode: episodeTemplates(m) };
m.users.forEach((_, i) => {
  const t = templatesFor(m, i);
  byLabel.person!.push(...t.person);
  byLabel.chronology!.push(...t.chronology);
});
const n = Number(values.cases);
for (const [label, all] of Object.entries(byLabel)) {
  if (values.only && values.only !== label) continue;
  const step = Math.max(1, Math.floor(all.length / n));
  const cases = all.filter((_, i) => i % step === 0).slice(0, n);
  const get = (t: RequestTemplate) => app.inject({ method: 'GET', url: t.path, headers: { cookie: `${m.sessionCookie}=${m.users[t.userIndex]!.sessionToken}`, accept: 'text/html' } });
  for (const t of cases.slice(0, 5)) await get(t);
  p.reset();
  renderClock.ms = 0;
  const times: number[] = [];
  for (const t of Array.from({ length: Number(values.repeat) }, () => cases).flat()) {
    const t0 = now();
    const res = await get(t);
    times.push(now() - t0);
    if (res.statusCode >= 400) throw new Error(`${label} ${res.statusCode}`);
  }
  const st = p.timings();
  const total = times.reduce((a, b) => a + b, 0);
  const inSt = st.reduce((a, s) => a + s.totalMs, 0);
  console.log(`${label}: median ${round(median(times), 2)} ms; mean ${round(total / times.length, 2)} ms = statements ${round(inSt / times.length, 2)} (${round(st.reduce((a, s) => a + s.calls, 0) / times.length, 1)} a request) + rendering ${round(renderClock.ms / times.length, 2)} + rest ${round((total - inSt - renderClock.ms) / times.length, 2)}`);
  for (const s of st) console.log(`  ${(s.calls / times.length).toFixed(2).padStart(5)} × ${(s.totalMs / times.length).toFixed(3).padStart(7)} ms  ${s.statement}`);
}
await app.close();
await base.close();
