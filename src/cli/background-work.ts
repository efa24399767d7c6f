import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/config.ts';
import { sealHead } from '../audit/checkpoint.ts';
import { startAuditSealer } from '../audit/sealer.ts';
import { reindexStaleEntries } from '../matching/reindex.ts';
import { raiseOverdueAlerts } from '../process/alerts.ts';
import { raiseMissedCheckAlerts } from '../process/missed-checks.ts';
import { chaseClosureNotices } from '../process/closure-notices.ts';
import { deliverSeenNotifications, seenSettings } from '../notifications/seen.ts';
import { holdLease, runOnce } from '../operations/run-once.ts';
import type { Services } from '../shared/context.ts';
import { systemClock } from '../shared/clock.ts';

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

/** The lease's name: one holder in the whole deployment does the background work below. */
const BACKGROUND_LEASE = 'background-work';

export interface BackgroundWork {
  /** Before the requests are drained: the sweep and the reindexing stop. */
  beforeClose(): Promise<void>;
  /** After the last request: the final seal, so it covers everything this process wrote. */
  afterClose(): Promise<void>;
}

/**
 * The alert sweep, audit sealing and the reindexing of stale search entries, in one process of the
 * deployment. On a PostgreSQL server the process holding the lease (src/operations/run-once.ts)
 * does them; the others take over if it dies. The embedded database is one process's: it does them.
 */
export async function startBackgroundWork(services: Services, config: Config, log: FastifyBaseLogger, opts: { sweepMinutes: number; sealing: { sealSeconds: number; checkpointMinutes: number } }): Promise<BackgroundWork> {
  let stopSealer: (() => Promise<void>) | undefined;
  let stopOthers: (() => Promise<void>) | undefined;
  const start = (): (() => Promise<void>) => {
    const stopSweep = startAlertSweep(services, opts.sweepMinutes, log, config.webhookHttpHosts);
    // Entries indexed by an older version of the matcher's keys are reindexed in the background: a
    // large index must not hold the server back from listening, and a search meanwhile still finds
    // them under the keys they have.
    const stopReindexing = new AbortController();
    const reindexing = reindexStaleEntries(services.db, () => systemClock.now(), { signal: stopReindexing.signal, suggestions: config.matchSuggestionsBackfill })
      .then((r) => { if (r.reindexed) log.info({ reindexed: r.reindexed }, `Reindexed ${r.reindexed} people entries for the current search keys and their possible same-person entries`); })
      .catch((err: unknown) => log.error({ err: { name: err instanceof Error ? err.name : 'error' } }, 'Reindexing people entries failed; `jigsaw match reindex` runs it again.'));
    const sealer = config.auditKeys ? startAuditSealer(services, config.auditKeys.current, log, opts.sealing) : () => Promise.resolve();
    stopSealer = sealer;
    stopOthers = async () => {
      await stopSweep();
      stopReindexing.abort();
      await reindexing;
    };
    return async () => {
      await stopOthers?.();
      stopOthers = undefined;
      await sealer();
      stopSealer = undefined;
    };
  };

  if (services.db.kind === 'pglite' || !config.databaseUrl) {
    const stop = start();
    return { beforeClose: () => stopOthers?.() ?? Promise.resolve(), afterClose: stop };
  }
  const lease = await holdLease(config.databaseUrl, BACKGROUND_LEASE, start, {
    onTaken: () => log.info({ backgroundWork: true }, 'This process does the background work (alert sweep, audit sealing, reindexing) for the deployment'),
    onLost: () => log.warn({ backgroundWork: false }, 'Lost the database connection that holds the background work; another process takes it over'),
  });
  return {
    beforeClose: async () => {
      await stopOthers?.();
      stopOthers = undefined;
    },
    afterClose: async () => {
      const sealing = stopSealer !== undefined;
      await lease.release();
      // A process without the lease still seals its own last writes as it stops (as a CLI command does).
      if (!sealing && config.auditKeys) {
        await sealHead(services.db, config.auditKeys.current, systemClock.now())
          .catch((err: unknown) => log.error({ err: { name: err instanceof Error ? err.name : 'error' } }, 'Sealing the audit trail at stop failed; the next start seals it.'));
      }
    },
  };
}

/**
 * Raises managers' alerts for overdue statutory steps, and alerts for missed monitoring checks,
 * now and then every few minutes (one transaction each; never two at once from this process, nor
 * from two processes: each run takes a lock for its duration, in case the lease changed hands while
 * a run was under way). The timer does not keep the process alive; the returned function stops it
 * and waits for a sweep under way.
 */
function startAlertSweep(services: Services, minutes: number, log: FastifyBaseLogger, webhookHttpHosts: readonly string[]): () => Promise<void> {
  if (minutes === 0) return () => Promise.resolve();
  let running: Promise<void> | undefined;
  const sweep = (): void => {
    if (running) return;
    running = runOnce(services.db, 'alert-sweep', () => raiseOverdueAlerts(services)
      // Overdue statutory steps for managers, then missed monitoring checks (case example 8's lesson).
      .then(() => raiseMissedCheckAlerts(services, services.clock.now()))
      // Closure notices not yet acknowledged: reminded, then escalated to the agency's safeguarding leads.
      .then(() => chaseClosureNotices(services, services.clock.now()))
      // "Child was seen" deliveries due for (re)try, and escalation of unacknowledged ones.
      .then(() => deliverSeenNotifications(services, { settings: { ...seenSettings(), webhookHttpHosts } })))
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
