/**
 * The mix against a loaded partnership, without the rest of `npm run bench:partnership`: for
 * working on one page's cost and seeing what it does to throughput (issue 21). Load a partnership
 * once (load-cli.ts), then as often as needed:
 *
 *   node bin/run-ts.mjs bench/partnership/saturation-cli.ts --database-url postgres://…/jigsaw_p15 \
 *     --manifest p15.json [--seconds 20] [--workers 2] [--rate 100] [--only person] [--cpu-prof dir]
 *
 * Without --rate: closed loop to saturation (32 connections); with it: open loop at that rate.
 * --cpu-prof writes each server process's V8 CPU profile to the directory. Writes nothing else.
 */
import { readdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { openPostgres } from '../../src/db/database.ts';
import { startServerProcess } from '../lib/server-process.ts';
import { runLoad } from '../load/run-load.ts';
import { refreshSessions, type PartnershipManifest } from './manifest.ts';
import { MIX_WEIGHTS, templatesFor, type MixLabel } from './mix.ts';
import { asRequests } from './requests.ts';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    manifest: { type: 'string' },
    seconds: { type: 'string', default: '20' },
    workers: { type: 'string', default: String(availableParallelism()) },
    rate: { type: 'string' },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
    /** Extra node options for the server processes, e.g. --node-args=--max-semi-space-size=64 */
    'node-args': { type: 'string' },
  },
});
/**
 * CPU seconds used so far by a process and its children (the server's workers), and by the
 * PostgreSQL backends serving the database, from /proc (Linux): CPU per request is steadier than throughput on a shared machine.
 */
async function cpuSeconds(rootPid: number, database: string): Promise<{ server: number; postgres: number }> {
  let server = 0;
  let postgres = 0;
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const m = /^(\d+) \((.*)\) \S+ (\d+)(?: \S+){9} (\d+) (\d+)/.exec(stat);
    if (!m) continue;
    const ticks = Number(m[4]) + Number(m[5]);
    if (Number(m[1]) === rootPid || Number(m[3]) === rootPid) server += ticks;
    // A backend's title names its database ("postgres: user db 127.0.0.1(port) idle"): only this one's.
    else if (m[2] === 'postgres' && (await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).includes(` ${database} `)) postgres += ticks;
  }
  return { server: server / 100, postgres: postgres / 100 };
}

const url = values['database-url'];
if (!url || !values.manifest) throw new Error('--database-url and --manifest are needed');
const m = JSON.parse(await readFile(values.manifest, 'utf8')) as PartnershipManifest;
const db = openPostgres(url, { max: 1 });
await refreshSessions(db, m);
await db.close();
const prof = values['cpu-prof'];
const server = await startServerProcess(url, { workers: Number(values.workers), env: { JIGSAW_SESSION_IDLE_MINUTES: '1440' }, nodeArgs: [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), ...(values['node-args']?.split(' ').filter(Boolean) ?? [])] });
try {
  const labels = (Object.keys(MIX_WEIGHTS) as MixLabel[]).filter((l) => !values.only || l === values.only);
  const templates = m.users.flatMap((_, i) => { const t = templatesFor(m, i); return labels.flatMap((l) => t[l]); });
  const requests = await asRequests(server.baseUrl, m, templates);
  const seconds = Number(values.seconds);
  const cpu0 = await cpuSeconds(server.pid, new URL(url).pathname.slice(1));
  const result = values.rate
    ? await runLoad({ baseUrl: server.baseUrl, mode: 'open', rate: Number(values.rate), arrivals: 'poisson', warmupSeconds: 5, durationSeconds: seconds, seed: 21, requests })
    : await runLoad({ baseUrl: server.baseUrl, mode: 'closed', connections: 32, warmupSeconds: 5, durationSeconds: seconds, seed: 22, requests });
  const cpu1 = await cpuSeconds(server.pid, new URL(url).pathname.slice(1));
  // Warm-up and measured requests alike used the CPU: divide by all of them (the rate held throughout).
  const sent = result.overall.achievedRate * (seconds + 5);
  console.log(`CPU per request: server ${((cpu1.server - cpu0.server) * 1000 / sent).toFixed(2)} ms, PostgreSQL ${((cpu1.postgres - cpu0.postgres) * 1000 / sent).toFixed(2)} ms (backends that exited are not counted)`);
  console.log(`overall ${result.overall.achievedRate}/s  errors ${result.overall.errors}  p50 ${result.overall.latencyMs?.p50} p99 ${result.overall.latencyMs?.p99} ms`);
  for (const l of result.labels) console.log(`  ${l.label.padEnd(11)} ${String(l.achievedRate).padStart(7)}/s  errors ${l.errors}  latency p50 ${l.latencyMs?.p50} p99 ${l.latencyMs?.p99}  server p50 ${l.serverMs?.p50} p99 ${l.serverMs?.p99}`);
} finally {
  await server.stop();
}
