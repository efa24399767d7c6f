import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Database } from '../db/database.ts';

/**
 * Health for a load balancer or an orchestrator:
 *   /health/live   200 while the process runs (restart it only when this fails);
 *   /health/ready  200 when the database answers; 503 while shutting down or when it does not
 *                  (send no traffic here for now);
 *   /health        the same as ready: linked from the pages' footer and used before this split.
 * Neither says anything about people; both need no sign-in.
 */

declare module 'fastify' {
  interface FastifyInstance {
    /** Ready turns 503 from now on: called on SIGTERM/SIGINT before the server drains and closes. */
    markShuttingDown(): void;
  }
}

/** A database that does not answer within this is as good as down for a probe (which has its own, similar, timeout). */
const DATABASE_TIMEOUT_MS = 5_000;

export const HEALTH_ROUTES = ['/health', '/health/live', '/health/ready'];

export function registerHealth(app: FastifyInstance, db: Database): void {
  let shuttingDown = false;
  app.decorate('markShuttingDown', () => {
    shuttingDown = true;
  });

  const ready = async (_req: unknown, reply: FastifyReply): Promise<unknown> => {
    // While draining, a balancer must stop sending new requests even though the database answers.
    if (shuttingDown) return reply.code(503).send({ status: 'shutting-down' });
    try {
      const timeout = new AbortController();
      await Promise.race([
        db.query('SELECT 1').finally(() => timeout.abort()),
        delay(DATABASE_TIMEOUT_MS, undefined, { signal: timeout.signal }).then(() => Promise.reject(new Error('database timeout'))),
      ]);
      return { status: 'ok', database: db.kind };
    } catch {
      // The error's text can name the host or the user: the kind of database is enough here.
      return reply.code(503).send({ status: 'unavailable', database: db.kind });
    }
  };
  // Probes call these every few seconds: their own log lines only when something is wrong.
  app.get('/health/live', { logLevel: 'warn' }, () => Promise.resolve({ status: 'ok' }));
  app.get('/health/ready', { logLevel: 'warn' }, ready);
  app.get('/health', { logLevel: 'warn' }, ready);
}
