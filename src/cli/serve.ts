import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { sendCalendarWarningsTo } from '../calendar/working-days.ts';
import type { Config } from '../config/config.ts';
import { openPGlite, openPostgres, type Database } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { reindexStaleEntries } from '../matching/reindex.ts';
import { roleToAssume } from '../db/roles.ts';
import { useAuditKey } from '../audit/key.ts';
import { secretsSealed, useSecretsKeyFrom } from '../shared/secret-box.ts';
import { sealerSettings, startAuditSealer } from '../audit/sealer.ts';
import { buildApp } from '../http/app.ts';
import { singleSignOnSettings } from '../single-sign-on/providers.ts';
import { govukStylesheet } from '../web/stylesheet.ts';
import { raiseOverdueAlerts } from '../process/alerts.ts';
import { raiseMissedCheckAlerts } from '../process/missed-checks.ts';
import { chaseClosureNotices } from '../process/closure-notices.ts';
import { deliverSeenNotifications, seenSettings } from '../notifications/seen.ts';
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

/** Opens the database, migrates, optionally loads the demo, and listens. */
export async function startServer(config: Config, opts: { demo: boolean; logStream?: { write(line: string): void } }): Promise<Server> {
  const sweepMinutes = alertSweepMinutes();
  const sealing = config.auditSealing ?? sealerSettings();
  const { db, privileged, role } = await openForServing(config);
  // Every entry this process writes is sealed with the key (src/audit/key.ts); none when unset.
  useAuditKey(config.auditKeys?.current);
  // Client secrets and TOTP keys are sealed with JIGSAW_SECRETS_KEY (src/shared/secret-box.ts).
  useSecretsKeyFrom(process.env);
  const services = { db, clock: systemClock };
  const app = await buildApp({
    services, auth: config, secureCookies: config.secureCookies, logLevel: config.logLevel, logStream: opts.logStream, metricsToken: config.metricsToken, notices: config.notices, webhookHttpHosts: config.webhookHttpHosts,
    rateLimits: config.rateLimits, trustProxy: config.trustProxy, singleSignOn: singleSignOnSettings(process.env),
  });
  const log = logLines(app.log);
  if (opts.demo) {
    // The demo's password is printed on purpose: it is random per data directory and signs in only fictional practitioners.
    if (await demoIsLoaded(db)) await printDemoSignIn(config, log);
    else await runDemo(services, config, log);
  }
  // A due date beyond the bank-holidays feed is told once, as a JSON line in the server's log.
  sendCalendarWarningsTo((message) => app.log.warn({ code: 'JIGSAW_BANK_HOLIDAYS_STALE' }, message));
  // Compiled (or read from its cache) before listening: compiling blocks for seconds, and no request should wait on it.
  await govukStylesheet();
  if (!config.auditKeys) {
    app.log.warn({ code: 'JIGSAW_AUDIT_UNSEALED' }, 'No audit key (JIGSAW_AUDIT_KEY or JIGSAW_AUDIT_KEY_FILE): audit entries are hash-chained but not sealed, so anyone who can write the database could rewrite the trail undetected. Fine for a demo; set a key in production (docs/operations.md).');
  }
  if (!secretsSealed()) {
    app.log.warn({ code: 'JIGSAW_SECRETS_UNSEALED' }, 'No JIGSAW_SECRETS_KEY: identity providers\' client secrets and practitioners\' two-factor keys are stored unsealed, readable by anyone who can read the database or a backup. Fine for a demo; set a key in production (docs/operations.md).');
  }
  if (privileged) {
    app.log.warn({ code: 'JIGSAW_DB_ROLE_PRIVILEGED' }, 'The server connects as the owner of the audit tables and cannot take the jigsaw_app role: it could change the trail\'s tables (the audit key still reveals it). Connect with a login that is a member of jigsaw_app (docs/operations.md).');
  }
  const address = await app.listen({ port: config.port, host: config.host });
  const stopSweep = startAlertSweep(services, sweepMinutes, app.log, config.webhookHttpHosts);
  // Entries indexed by an older version of the matcher's keys are reindexed in the background: a
  // large index must not hold the server back from listening, and a search meanwhile still finds
  // them under the keys they have.
  const stopReindexing = new AbortController();
  const reindexing = reindexStaleEntries(db, () => systemClock.now(), { signal: stopReindexing.signal })
    .then((r) => { if (r.reindexed) app.log.info({ reindexed: r.reindexed }, `Reindexed ${r.reindexed} people entries for the current search keys`); })
    .catch((err: unknown) => app.log.error({ err: { name: err instanceof Error ? err.name : 'error' } }, 'Reindexing people entries failed; `jigsaw match reindex` runs it again.'));
  const stopSealer = config.auditKeys ? startAuditSealer(services, config.auditKeys.current, app.log, sealing) : () => Promise.resolve();
  const database = db.kind === 'pglite' ? `embedded, ${config.dataDir}` : 'PostgreSQL server';
  app.log.info({ address, database: db.kind, ...(role ? { databaseRole: role } : {}), auditSealed: Boolean(config.auditKeys) }, `Jigsaw is running at ${address.replace('127.0.0.1', 'localhost')} (database: ${database})`);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= (async () => {
    app.markShuttingDown();
    app.log.info({ graceSeconds: config.shutdownGraceSeconds }, 'Stopping: /health/ready answers 503 from now on; finishing the requests under way');
    await delay(config.shutdownGraceSeconds * 1000);
    await stopSweep();
    stopReindexing.abort();
    await reindexing;
    await app.close();
    // After the last request: the final seal covers everything this process wrote.
    await stopSealer();
    await db.close();
  })());
  return { app, address, stop };
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
  const probe = openPostgres(config.databaseUrl, { max: 1 });
  let found: Awaited<ReturnType<typeof roleToAssume>>;
  try {
    found = await roleToAssume(probe);
  } finally {
    await probe.close();
  }
  return { db: openPostgres(config.databaseUrl, { role: found.role }), privileged: found.privileged && !found.role, role: found.role };
}

/** Serves until SIGINT/SIGTERM, then stops gracefully (see Server.stop). */
export async function serve(config: Config, opts: { demo: boolean }): Promise<void> {
  const server = await startServer(config, opts);
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

/** Minutes between sweeps for overdue statutory steps: JIGSAW_ALERT_SWEEP_MINUTES (default 5; 0 turns it off). */
export function alertSweepMinutes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.JIGSAW_ALERT_SWEEP_MINUTES;
  if (raw === undefined || raw === '') return 5;
  const value = Number(raw);
  // setInterval takes at most 2^31 - 1 ms (about 24 days).
  if (!Number.isFinite(value) || value < 0 || value > 24 * 24 * 60 || (value > 0 && value < 0.1)) {
    throw new Error('JIGSAW_ALERT_SWEEP_MINUTES must be 0 (off) or a number of minutes from 0.1 to 34560');
  }
  return value;
}

/**
 * Raises managers' alerts for overdue statutory steps, and alerts for missed monitoring checks,
 * now and then every few minutes (one
 * transaction each; never two at once from this process). The timer does not keep the process
 * alive; the returned function stops it and waits for a sweep under way.
 */
function startAlertSweep(services: Services, minutes: number, log: FastifyBaseLogger, webhookHttpHosts: readonly string[]): () => Promise<void> {
  if (minutes === 0) return () => Promise.resolve();
  let running: Promise<void> | undefined;
  const sweep = (): void => {
    if (running) return;
    // Overdue statutory steps for managers, then missed monitoring checks (case example 8's lesson).
    running = raiseOverdueAlerts(services)
      .then(() => raiseMissedCheckAlerts(services, services.clock.now()))
      // Closure notices not yet acknowledged: reminded, then escalated to the agency's safeguarding leads.
      .then(() => chaseClosureNotices(services, services.clock.now()))
      // "Child was seen" deliveries due for (re)try, and escalation of unacknowledged ones.
      .then(() => deliverSeenNotifications(services, { settings: { ...seenSettings(), webhookHttpHosts } }))
      .then(() => undefined)
      // The error's kind only: a database message can quote values.
      .catch((err: unknown) => log.error({ err: { name: err instanceof Error ? err.name : 'error' } }, `Alert sweep failed; it will run again in ${minutes} min.`))
      .finally(() => { running = undefined; });
  };
  sweep();
  const timer = setInterval(sweep, minutes * 60_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
