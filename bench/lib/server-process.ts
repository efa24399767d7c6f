/**
 * A real Jigsaw server (`node bin/jigsaw.mjs serve`) in its own process, for benchmarks whose load
 * generator is in another process too: three processes, as in production, none taking the others'
 * event loop. It serves the benchmark's database (DATABASE_URL), so a PostgreSQL server only: an
 * embedded PGlite cannot be opened by two processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Generous: tsx, migrations (already applied) and the stylesheet on a busy 2-core machine. */
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;

export interface ServerProcess {
  baseUrl: string;
  /** What ran, for the report. */
  description: string;
  /** The server's process ID (the primary, when it runs workers). */
  pid: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function ready(baseUrl: string, child: ChildProcess, log: () => string): Promise<void> {
  const until = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`jigsaw serve exited (${child.exitCode ?? child.signalCode}): ${log()}`);
    const ok = await fetch(`${baseUrl}/health/ready`).then((r) => r.ok, () => false);
    if (ok) return;
    await delay(250);
  }
  throw new Error(`jigsaw serve was not ready within ${START_TIMEOUT_MS / 1000} s: ${log()}`);
}

/**
 * Starts `jigsaw serve` on databaseUrl with `workers` processes (JIGSAW_WORKERS; a server without
 * --workers ignores it and runs one), rate limits off (the load comes from one address at many
 * times the per-address limit: the benchmark measures the service, not the limiter), the alert
 * sweep off (it runs every few minutes in production, not once per lookup) and warnings only in
 * its log. Resolves once /health/ready answers.
 */
export async function startServerProcess(databaseUrl: string, opts: { workers: number; env?: Record<string, string>; nodeArgs?: string[] }): Promise<ServerProcess> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), join(ROOT, 'bin', 'jigsaw.mjs'), 'serve', '--port', String(port), '--host', '127.0.0.1'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      JIGSAW_MIGRATION_DATABASE_URL: '',
      JIGSAW_WORKERS: String(opts.workers),
      JIGSAW_RATE_LIMIT_PER_MINUTE: '0',
      JIGSAW_FHIR_RATE_LIMIT_PER_MINUTE: '0',
      JIGSAW_ALERT_SWEEP_MINUTES: '0',
      // A loaded partnership's entries were never looked at for possible same-person entries: the
      // backfill would score all of them in the background while the pages are measured.
      JIGSAW_MATCH_SUGGESTIONS_BACKFILL: 'false',
      JIGSAW_LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The last few kilobytes of its log, for the error if it does not start; nothing else is kept.
  let tail = '';
  const keep = (chunk: string): void => { tail = (tail + chunk).slice(-4000); };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), delay(STOP_TIMEOUT_MS).then(() => false)]);
    if (!stopped) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  try {
    await ready(baseUrl, child, () => tail);
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, description: `jigsaw serve in its own process, JIGSAW_WORKERS=${opts.workers}`, pid: child.pid!, stop };
}
