import { sendCalendarWarningsTo } from '../calendar/working-days.ts';
import type { Config } from '../config/config.ts';
import { openDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { buildApp } from '../http/app.ts';
import { govukStylesheet } from '../web/stylesheet.ts';
import { raiseOverdueAlerts } from '../process/alerts.ts';
import { raiseMissedCheckAlerts } from '../process/monitoring.ts';
import { deliverSeenNotifications } from '../notifications/seen.ts';
import type { Services } from '../shared/context.ts';
import { systemClock } from '../shared/clock.ts';
import { demoIsLoaded, printDemoSignIn, runDemo } from './demo-command.ts';
import type { Io } from './main.ts';

/** Opens the database, migrates, optionally loads the demo, and serves until SIGINT/SIGTERM. */
export async function serve(config: Config, opts: { demo: boolean; io: Io }): Promise<void> {
  const sweepMinutes = alertSweepMinutes();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await migrate(db);
  const services = { db, clock: systemClock };
  if (opts.demo) {
    if (await demoIsLoaded(db)) await printDemoSignIn(config, opts.io);
    else await runDemo(services, config, opts.io);
  }
  const app = await buildApp({ services, auth: config, secureCookies: config.secureCookies, logLevel: config.logLevel, notices: config.notices });
  // A due date beyond the bank-holidays feed is told once, as a JSON line in the server's log.
  sendCalendarWarningsTo((message) => app.log.warn({ code: 'JIGSAW_BANK_HOLIDAYS_STALE' }, message));
  // Compiled (or read from its cache) before listening: compiling blocks for seconds, and no request should wait on it.
  await govukStylesheet();
  const address = await app.listen({ port: config.port, host: config.host });
  const stopSweep = startAlertSweep(services, sweepMinutes, opts.io);
  opts.io.out(`Jigsaw is running at ${address.replace('127.0.0.1', 'localhost')} (database: ${db.kind === 'pglite' ? `embedded, ${config.dataDir}` : 'PostgreSQL server'})`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      opts.io.out('Stopping…');
      void stopSweep().then(() => app.close()).then(() => db.close()).finally(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
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
function startAlertSweep(services: Services, minutes: number, io: Io): () => Promise<void> {
  if (minutes === 0) return () => Promise.resolve();
  let running: Promise<void> | undefined;
  const sweep = (): void => {
    if (running) return;
    // Overdue statutory steps for managers, then missed monitoring checks (case example 8's lesson).
    running = raiseOverdueAlerts(services)
      .then(() => raiseMissedCheckAlerts(services, services.clock.now()))
      // "Child was seen" deliveries due for (re)try, and escalation of unacknowledged ones.
      .then(() => deliverSeenNotifications(services))
      .then(() => undefined)
      // The error's kind only: a database message can quote values.
      .catch((err: unknown) => io.err(`Alert sweep failed (${err instanceof Error ? err.name : 'error'}); it will run again in ${minutes} min.`))
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
