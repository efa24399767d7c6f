import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { sendCalendarWarningsTo } from '../calendar/working-days.ts';
import type { Config } from '../config/config.ts';
import { openPGlite, openPostgres, type Database } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { roleToAssume } from '../db/roles.ts';
import { useAuditKey } from '../audit/key.ts';
import { secretsSealed, useSecretsKeyFrom } from '../shared/secret-box.ts';
import { buildApp } from '../http/app.ts';
import { rateLimitsPerWorker } from '../http/rate-limits.ts';
import { sealerSettings } from '../audit/sealer.ts';
import { alertSweepMinutes, startBackgroundWork } from './background-work.ts';
import { serveCluster } from './cluster.ts';
import { singleSignOnSettings } from '../single-sign-on/providers.ts';
import { govukStylesheet } from '../web/stylesheet.ts';
import type { Services } from '../shared/context.ts';
import { systemClock } from '../shared/clock.ts';
import { demoIsLoaded, printDemoSignIn, runDemo } from './demo-command.ts';
import type { Io } from './main.ts';

export interface Server {
  app: FastifyInstance;
  address: string;
  /** Not ready from now on (503), waits the grace period, stops the sweep, drains requests, closes the database. */
  stop(): Promise<void>;
}

/**
 * Whatever the server says while it runs is a JSON log line through the app's logger (pino), like
 * its request logs, so a log pipeline can read every line. Text meant for a person (the demo's
 * sign-in details) goes out one log line per line of text, as the message.
 */
function logLines(log: FastifyBaseLogger): Io {
  return {
    out: (text) => text.split('\n').forEach((line) => log.info(line)),
    err: (text) => text.split('\n').forEach((line) => log.error(line)),
  };
}

export interface StartOptions {
  demo: boolean;
  logStream?: { write(line: string): void };
  /**
   * Set in a worker of `serve --workers N` (src/cli/cluster.ts): the primary has migrated, loaded
   * the demo, compiled the stylesheet and given the warnings, so the worker only opens the database
   * and listens; its per-address limits are its share of the deployment's (rate-limits.ts).
   */
  worker?: { id: number; workers: number } | undefined;
  /** Workers asked for that this database cannot have (PGlite is one process's): said once in the log. */
  workersRefused?: number | undefined;
}

/** Opens the database, migrates, optionally loads the demo, and listens. */
export async function startServer(config: Config, opts: StartOptions): Promise<Server> {
  const sweepMinutes = alertSweepMinutes();
  const sealing = config.auditSealing ?? sealerSettings();
  const { db, privileged, role } = opts.worker ? await openAsApp(config) : await openForServing(config);
  // Every entry this process writes is sealed with the key (src/audit/key.ts); none when unset.
  useAuditKey(config.auditKeys?.current);
  // Client secrets and TOTP keys are sealed with JIGSAW_SECRETS_KEY (src/shared/secret-box.ts).
  useSecretsKeyFrom(process.env);
  const services = { db, clock: systemClock };
  const app = await buildApp({
    services, auth: config, secureCookies: config.secureCookies, logLevel: config.logLevel, logStream: opts.logStream, metricsToken: config.metricsToken, notices: config.notices, webhookHttpHosts: config.webhookHttpHosts,
    rateLimits: opts.worker ? rateLimitsPerWorker(config.rateLimits, opts.worker.workers) : config.rateLimits, trustProxy: config.trustProxy, singleSignOn: singleSignOnSettings(process.env),
  });
  if (opts.workersRefused) {
    app.log.warn({ code: 'JIGSAW_WORKERS_EMBEDDED', workersAsked: opts.workersRefused }, `${opts.workersRefused} workers asked for, but the embedded database (PGlite) belongs to one process: running one. Several workers need a PostgreSQL server (DATABASE_URL).`);
  }
  if (opts.worker) {
    // Read from the cache the primary wrote: no request waits on it.
    await govukStylesheet();
  } else {
    if (opts.demo) await loadDemoOnce(services, config, app.log);
    await beforeListening(config, app.log, privileged);
  }
  const address = await app.listen({ port: config.port, host: config.host });
  const background = await startBackgroundWork(services, config, app.log, { sweepMinutes, sealing });
  const database = db.kind === 'pglite' ? `embedded, ${config.dataDir}` : 'PostgreSQL server';
  if (opts.worker) app.log.info({ address, worker: opts.worker.id }, `Worker ${opts.worker.id} is serving`);
  else app.log.info({ address, database: db.kind, ...(role ? { databaseRole: role } : {}), auditSealed: Boolean(config.auditKeys) }, `Jigsaw is running at ${address.replace('127.0.0.1', 'localhost')} (database: ${database})`);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= (async () => {
    app.markShuttingDown();
    app.log.info({ graceSeconds: config.shutdownGraceSeconds }, 'Stopping: /health/ready answers 503 from now on; finishing the requests under way');
    await delay(config.shutdownGraceSeconds * 1000);
    await background.beforeClose();
    await app.close();
    // After the last request: the final seal covers everything this process wrote.
    await background.afterClose();
    await db.close();
  })());
  return { app, address, stop };
}

/** The demo, loaded once (or its sign-in printed again), told through the server's log. */
async function loadDemoOnce(services: Services, config: Config, log: FastifyBaseLogger): Promise<void> {
  // The demo's password is printed on purpose: it is random per data directory and signs in only fictional practitioners.
  if (await demoIsLoaded(services.db)) await printDemoSignIn(config, logLines(log));
  else await runDemo(services, config, logLines(log));
}

/** What happens once before any process listens: the stylesheet, and the warnings about the set-up. */
async function beforeListening(config: Config, log: FastifyBaseLogger, privileged: boolean): Promise<void> {
  // A due date beyond the bank-holidays feed is told once, as a JSON line in the server's log.
  sendCalendarWarningsTo((message) => log.warn({ code: 'JIGSAW_BANK_HOLIDAYS_STALE' }, message));
  // Compiled (or read from its cache) before listening: compiling blocks for seconds, and no request should wait on it.
  await govukStylesheet();
  if (!config.auditKeys) {
    log.warn({ code: 'JIGSAW_AUDIT_UNSEALED' }, 'No audit key (JIGSAW_AUDIT_KEY or JIGSAW_AUDIT_KEY_FILE): audit entries are hash-chained but not sealed, so anyone who can write the database could rewrite the trail undetected. Fine for a demo; set a key in production (docs/operations.md).');
  }
  if (!secretsSealed()) {
    log.warn({ code: 'JIGSAW_SECRETS_UNSEALED' }, 'No JIGSAW_SECRETS_KEY: identity providers\' client secrets and practitioners\' two-factor keys are stored unsealed, readable by anyone who can read the database or a backup. Fine for a demo; set a key in production (docs/operations.md).');
  }
  if (privileged) {
    log.warn({ code: 'JIGSAW_DB_ROLE_PRIVILEGED' }, 'The server connects as the owner of the audit tables and cannot take the jigsaw_app role: it could change the trail\'s tables (the audit key still reveals it). Connect with a login that is a member of jigsaw_app (docs/operations.md).');
  }
}

/**
 * The primary of `serve --workers N` does, once, what the workers must not each repeat: migrates
 * as the owner, loads the demo (or prints its sign-in), compiles the stylesheet into its cache and
 * gives the warnings. The workers then only open the database.
 */
export async function prepareForWorkers(config: Config, log: FastifyBaseLogger, opts: { demo: boolean }): Promise<{ role?: string | undefined }> {
  const { db, privileged, role } = await openForServing(config);
  try {
    useAuditKey(config.auditKeys?.current);
    useSecretsKeyFrom(process.env);
    if (opts.demo) await loadDemoOnce({ db, clock: systemClock }, config, log);
  } finally {
    await db.close();
  }
  await beforeListening(config, log, privileged);
  return { role };
}

/**
 * The embedded database, migrated; or a server's: migrated as the owner (JIGSAW_MIGRATION_DATABASE_URL,
 * else DATABASE_URL), then served through DATABASE_URL as the jigsaw_app role when that login is the
 * owner (src/db/roles.ts). `privileged`: the server's connections could still change the audit tables.
 */
async function openForServing(config: Config): Promise<{ db: Database; privileged: boolean; role?: string | undefined }> {
  if (!config.databaseUrl) {
    const db = await openPGlite(config.dataDir);
    await migrate(db);
    return { db, privileged: false };
  }
  const owner = openPostgres(config.migrationDatabaseUrl ?? config.databaseUrl, { max: 1 });
  try {
    await migrate(owner);
  } finally {
    await owner.close();
  }
  return openAsApp(config);
}

/** The server's database through DATABASE_URL, as jigsaw_app when the login may take it; no migration (a worker's). */
async function openAsApp(config: Config): Promise<{ db: Database; privileged: boolean; role?: string | undefined }> {
  if (!config.databaseUrl) throw new Error('Several workers need a PostgreSQL server (DATABASE_URL)');
  const probe = openPostgres(config.databaseUrl, { max: 1 });
  let found: Awaited<ReturnType<typeof roleToAssume>>;
  try {
    found = await roleToAssume(probe);
  } finally {
    await probe.close();
  }
  return { db: openPostgres(config.databaseUrl, { role: found.role, max: config.databasePoolSize }), privileged: found.privileged && !found.role, role: found.role };
}

/** How many server processes `serve` runs, and how many were asked for that cannot be had. */
export function workerCount(config: Config, asked: number | undefined): { workers: number; refused?: number } {
  const wanted = asked ?? config.workers;
  // The embedded database belongs to one process: a second would corrupt it (src/db/database.ts).
  if (!config.databaseUrl) return wanted !== undefined && wanted > 1 ? { workers: 1, refused: wanted } : { workers: 1 };
  return { workers: wanted ?? availableParallelism() };
}

/**
 * Serves until SIGINT/SIGTERM, then stops gracefully (see Server.stop). One worker: this process
 * serves, as it always has. Several: this process is the primary of a cluster (src/cli/cluster.ts),
 * and each worker it forks comes back here to serve.
 */
export async function serve(config: Config, opts: { demo: boolean; workers?: number | undefined }): Promise<void> {
  const { workers, refused } = workerCount(config, opts.workers);
  if (cluster.isWorker) return serveAsWorker(config, workers);
  if (workers > 1) return serveCluster(config, { demo: opts.demo, workers }, prepareForWorkers);
  const server = await startServer(config, { demo: opts.demo, workersRefused: refused });
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      server.app.log.info({ signal }, `Received ${signal}`);
      // The failure's kind only: a database message can quote values.
      void server.stop().catch((err: unknown) => server.app.log.error({ err: { name: err instanceof Error ? err.name : 'error' } }, 'Stopping failed')).finally(resolve);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

/**
 * A worker of the cluster: serves until the primary passes on a signal (or, from a terminal, the
 * signal reaches the whole process group: the second one is then ignored, not fatal), or until
 * the primary is gone; then stops gracefully and lets go of the primary so the process can end.
 */
async function serveAsWorker(config: Config, workers: number): Promise<void> {
  const id = cluster.worker?.id ?? 0;
  const server = await startServer(config, { demo: false, worker: { id, workers } });
  await new Promise<void>((resolve) => {
    const onStop = (why: string): void => {
      server.app.log.info({ signal: why, worker: id }, `Worker ${id} received ${why}`);
      void server.stop().catch((err: unknown) => server.app.log.error({ err: { name: err instanceof Error ? err.name : 'error' } }, 'Stopping failed')).finally(resolve);
    };
    process.on('SIGINT', () => onStop('SIGINT'));
    process.on('SIGTERM', () => onStop('SIGTERM'));
    // The primary died without telling us: nobody would restart or stop this worker.
    process.once('disconnect', () => onStop('disconnect'));
  });
  if (process.connected) process.disconnect();
}
