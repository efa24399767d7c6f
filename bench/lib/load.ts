/**
 * HTTP load for the benchmarks: `clients` keep-alive connections on 127.0.0.1, each sending its
 * next request as soon as the last is answered (a closed loop), or `thinkMs` after it, cycling
 * through `paths`.
 *
 * wrk (Debian's package) is used when it is installed: a separate process written in C, it takes
 * a fraction of the CPU a JavaScript generator needs, which matters when the generator, the server
 * and PostgreSQL share two cores. Without it, a worker thread in this process does the same job
 * (and takes CPU from the server it measures); the result says which one ran.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { round } from './stats.ts';

export interface Load {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Answers by status; wrk tells only 2xx/3xx apart from the rest ("other"). */
  statuses: Record<string, number>;
}

export interface LoadSpec {
  port: number;
  paths: string[];
  headers: Record<string, string>;
  clients: number;
  seconds: number;
  /** Each client's pause after an answer before its next request (default 0: a closed loop at full speed). */
  thinkMs?: number;
}

export const WRK = process.env.JIGSAW_WRK ?? '/usr/bin/wrk';
export const loadGenerator = (): 'wrk' | 'node worker' => (existsSync(WRK) ? 'wrk' : 'node worker');

export function drive(spec: LoadSpec): Promise<Load> {
  return loadGenerator() === 'wrk' ? driveWrk(spec) : driveWorker(spec);
}

// wrk's Lua: each connection starts at its own place in the list; done() prints one JSON line.
const WRK_SCRIPT = `
local paths = {}
for line in io.lines(os.getenv("JIGSAW_LOAD_PATHS")) do paths[#paths + 1] = line end
local headers = {}
for line in io.lines(os.getenv("JIGSAW_LOAD_HEADERS")) do
  local k, v = line:match("^([^:]+):%s*(.*)$")
  if k then headers[k] = v end
end
local counter = 0
setup = function(thread) end
init = function(args) end
local think = tonumber(os.getenv("JIGSAW_LOAD_THINK_MS") or "0")
if think > 0 then delay = function() return think end end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('JIGSAW_LOAD {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end
`;

async function driveWrk(spec: LoadSpec): Promise<Load> {
  const dir = await mkdtemp(join(tmpdir(), 'jigsaw-load-'));
  try {
    await writeFile(join(dir, 'load.lua'), WRK_SCRIPT);
    await writeFile(join(dir, 'paths.txt'), `${spec.paths.join('\n')}\n`);
    await writeFile(join(dir, 'headers.txt'), Object.entries(spec.headers).map(([k, v]) => `${k}: ${v}\n`).join(''));
    const out = await new Promise<string>((resolve, reject) => {
      execFile(WRK, ['-t1', `-c${spec.clients}`, `-d${spec.seconds}s`, '--timeout', '10s', '-s', join(dir, 'load.lua'), `http://127.0.0.1:${spec.port}`],
        { env: { ...process.env, JIGSAW_LOAD_PATHS: join(dir, 'paths.txt'), JIGSAW_LOAD_HEADERS: join(dir, 'headers.txt'), JIGSAW_LOAD_THINK_MS: String(spec.thinkMs ?? 0) } },
        (err, stdout, stderr) => (err ? reject(new Error(`wrk failed: ${stderr || err.message}`)) : resolve(stdout)));
    });
    const line = out.split('\n').find((l) => l.startsWith('JIGSAW_LOAD '));
    if (!line) throw new Error(`wrk gave no summary: ${out}`);
    const r = JSON.parse(line.slice('JIGSAW_LOAD '.length)) as { requests: number; durationUs: number; p50Us: number; p99Us: number; connect: number; read: number; write: number; status: number; timeout: number };
    return {
      requestsPerSecond: round(r.requests / (r.durationUs / 1e6)),
      p50Ms: round(r.p50Us / 1000, 2),
      p99Ms: round(r.p99Us / 1000, 2),
      requests: r.requests,
      errors: r.connect + r.read + r.write + r.timeout,
      statuses: r.status > 0 ? { ok: r.requests - r.status, other: r.status } : { ok: r.requests },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The fallback: plain JavaScript in a worker thread, keep-alive agent, `clients` requests in flight.
const LOAD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { port, paths, headers, clients, durationMs, thinkMs } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const latencies = []; let errors = 0; const statuses = {};
const end = Date.now() + durationMs;
const one = (path) => new Promise((resolve) => {
  const t0 = process.hrtime.bigint();
  const req = http.request({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
    res.resume();
    res.on('end', () => {
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const k = res.statusCode < 400 ? 'ok' : 'other';
      statuses[k] = (statuses[k] || 0) + 1;
      resolve();
    });
  });
  req.on('error', () => { errors++; resolve(); });
  req.end();
});
const pause = () => new Promise((resolve) => setTimeout(resolve, thinkMs));
const loop = async (k) => { for (let i = k; Date.now() < end; i += clients) { await one(paths[i % paths.length]); if (thinkMs > 0) await pause(); } };
Promise.all(Array.from({ length: clients }, (_, k) => loop(k))).then(() => { agent.destroy(); parentPort.postMessage({ latencies, errors, statuses }); });
`;

function driveWorker(spec: LoadSpec): Promise<Load> {
  return new Promise((resolve, reject) => {
    const w = new Worker(LOAD_WORKER, { eval: true, workerData: { port: spec.port, paths: spec.paths, headers: spec.headers, clients: spec.clients, durationMs: spec.seconds * 1000, thinkMs: spec.thinkMs ?? 0 } });
    w.once('error', reject);
    w.once('message', (m: { latencies: number[]; errors: number; statuses: Record<string, number> }) => {
      const sorted = m.latencies.sort((a, b) => a - b);
      const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
      void w.terminate();
      resolve({ requestsPerSecond: round(sorted.length / spec.seconds), p50Ms: round(at(0.5), 2), p99Ms: round(at(0.99), 2), requests: sorted.length, errors: m.errors, statuses: m.statuses });
    });
  });
}
