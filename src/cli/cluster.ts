import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/config.ts';
import { serveClusterMetrics } from '../operations/cluster-metrics.ts';

const JIGSAW_BIN = fileURLToPath(new URL('../../bin/jigsaw.mjs', import.meta.url));

/** A worker that dies within this long of the previous death counts towards a crash loop. */
const CRASH_WINDOW_MS = 60_000;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * The primary's own log: pino JSON lines like the workers' (the same logger Fastify builds), so a
 * log pipeline reads every line alike.
 */
function primaryLog(config: Config): FastifyBaseLogger {
  return Fastify({ logger: config.logLevel !== 'silent' ? { level: config.logLevel } : false }).log;
}

/**
 * The node options a worker starts with: the primary's own (the TypeScript loader), with the young
 * generation's semi-space set (JIGSAW_WORKER_SEMI_SPACE_MB) in place of any given before.
 */
export function workerExecArgv(primary: readonly string[], semiSpaceMb: number): string[] {
  return [...primary.filter((a) => !a.startsWith('--max-semi-space-size')), `--max-semi-space-size=${semiSpaceMb}`];
}

const addressText = (host: string, port: number): string =>
  `http://${host === '127.0.0.1' ? 'localhost' : host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * `serve --workers N` with N > 1: this process (the primary) does once what must happen once
 * (`prepare`: migrate, the demo, the stylesheet, the warnings), then forks N workers that each open
 * the database and listen on the same port (node:cluster hands connections out round-robin). It
 * serves nothing itself. A worker that dies unexpectedly is replaced, after a delay that doubles
 * with each death in quick succession (1 s up to 30 s) so a crash loop does not spin. SIGTERM or
 * SIGINT is passed on to every worker; when all have stopped gracefully the primary returns. A
 * second signal ends the workers at once (SIGKILL).
 */
export async function serveCluster(config: Config, opts: { demo: boolean; workers: number }, prepare: (config: Config, log: FastifyBaseLogger, opts: { demo: boolean }) => Promise<{ role?: string | undefined }>): Promise<void> {
  const log = primaryLog(config);
  const { role } = await prepare(config, log, { demo: opts.demo });
  // The workers run this same command with the primary's settings (the environment is inherited),
  // told how many they are so each takes its share of the per-address limits; never --demo (done).
  cluster.setupPrimary({
    exec: JIGSAW_BIN,
    args: ['serve', '--workers', String(opts.workers), '--port', String(config.port), '--host', config.host],
    execArgv: workerExecArgv(process.execArgv, config.workerSemiSpaceMb),
    silent: false,
  });
  const stopMetrics = serveClusterMetrics();

  let stopping = false;
  let announced = false;
  let listening = 0;
  let crashes: number[] = [];
  const live = new Set<Worker>();

  const fork = (): void => {
    const worker = cluster.fork();
    live.add(worker);
    worker.once('listening', (address: AddressInfo | { address: string; port: number }) => {
      listening++;
      if (!announced && listening >= opts.workers) {
        announced = true;
        const at = addressText(address.address || config.host, address.port);
        log.info({ address: at, workers: opts.workers, database: 'postgres', ...(role ? { databaseRole: role } : {}), auditSealed: Boolean(config.auditKeys) },
          `Jigsaw is running at ${at} with ${opts.workers} workers (database: PostgreSQL server)`);
      }
    });
    worker.once('exit', (code, signal) => {
      live.delete(worker);
      if (stopping) return;
      // Each death is told with how it ended (never what it was doing: its own log has that).
      const now = Date.now();
      crashes = [...crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
      const delayMs = Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** (crashes.length - 1));
      log.error({ worker: worker.id, pid: worker.process.pid, code, signal, restartInSeconds: delayMs / 1000 }, `Worker ${worker.id} stopped unexpectedly (${signal ?? `exit code ${String(code)}`}); a new one starts in ${delayMs / 1000} s`);
      setTimeout(() => {
        if (!stopping) fork();
      }, delayMs);
    });
  };
  for (let i = 0; i < opts.workers; i++) fork();

  await new Promise<void>((resolve) => {
    const allGone = (): void => {
      if (live.size === 0) resolve();
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log.warn({ signal }, `Received ${signal} again: ending the workers now`);
        for (const w of live) w.process.kill('SIGKILL');
        return;
      }
      stopping = true;
      log.info({ signal, workers: live.size }, `Received ${signal}: stopping the workers gracefully`);
      for (const w of live) {
        w.once('exit', allGone);
        w.process.kill(signal);
      }
      allGone();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  stopMetrics();
  log.info('All workers have stopped');
}
