import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/database.ts';
import { clusterMetricsText, shareWithCluster } from './cluster-metrics.ts';

/**
 * Prometheus metrics at /metrics, only when JIGSAW_METRICS_TOKEN is set and only for a scraper
 * that sends it as a bearer token; to anyone else the address does not exist (a 404 like any
 * unknown one). Labels are route patterns, methods, status codes and kinds: never identifiers,
 * names or query strings, so nothing about a person can reach the monitoring system.
 *
 * One Registry per app (not prom-client's global one): the tests build many apps in one process.
 * With several server processes (`serve --workers N`) the figures are the whole server's: the
 * answering worker gathers every worker's through the primary (cluster-metrics.ts), then adds the
 * figures read from the database, which are the same whoever reads them.
 */

type PoolStats = ReturnType<NonNullable<Database['poolStats']>>;

const SEEN_CHANNELS = ['webhook', 'email'] as const;

export function registerMetrics(app: FastifyInstance, opts: { token: string; db: Database }): void {
  const registry = new Registry();
  // Process metrics (CPU, memory, event loop lag, GC), once for this registry.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  // Read from the database at scrape time, by the process answering: never summed across processes.
  const fromDatabase = new Registry();
  const inCluster = shareWithCluster([registry]);

  const requests = new Counter({
    name: 'jigsaw_http_requests_total',
    help: 'HTTP requests answered, by route pattern (never the concrete address), method and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'jigsaw_http_request_duration_seconds',
    help: 'Time from receiving a request to sending the answer, by route pattern and method.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  app.addHook('onResponse', (request, reply, done) => {
    // The pattern ("/api/v1/people/:id"), so ids never become labels; unknown addresses share one.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });

  const db = opts.db;
  new Gauge({
    name: 'jigsaw_database_info',
    help: 'Which database this server uses: pglite (embedded, in this process, no pool) or postgres (a server, through a pool).',
    labelNames: ['kind'] as const,
    registers,
    // 1 however many processes report it.
    aggregator: 'max',
    collect() {
      this.set({ kind: db.kind }, 1);
    },
  });
  const poolStats = db.poolStats?.bind(db);
  if (poolStats) {
    const pool = (name: string, help: string, pick: (s: PoolStats) => number): Gauge => new Gauge({
      name, help, registers,
      collect() {
        this.set(pick(poolStats()));
      },
    });
    pool('jigsaw_database_pool_connections', 'Connections open to the PostgreSQL server.', (s) => s.total);
    pool('jigsaw_database_pool_idle_connections', 'Open connections not in use.', (s) => s.idle);
    pool('jigsaw_database_pool_waiting_requests', 'Queries waiting for a free connection (the pool is exhausted while this stays above 0).', (s) => s.waiting);
  }

  // Read from the database at scrape time: cheap (a one-row table and a partial index) and right
  // whichever process did the work.
  const up = new Gauge({ name: 'jigsaw_database_up', help: '1 when the scrape could read from the database, 0 when it could not.', registers: [fromDatabase] });
  const auditEntries = new Gauge({
    name: 'jigsaw_audit_entries',
    help: "Entries appended to the audit trail so far (the chain head's number): use rate() for appends per second.",
    registers: [fromDatabase],
  });
  const seenWaiting = new Gauge({
    name: 'jigsaw_seen_deliveries_waiting',
    help: '"Child was seen" deliveries not yet delivered, by channel.',
    labelNames: ['channel'] as const,
    registers: [fromDatabase],
  });
  const seenFailing = new Gauge({
    name: 'jigsaw_seen_deliveries_failing',
    help: '"Child was seen" deliveries not yet delivered whose last attempt failed, by channel.',
    labelNames: ['channel'] as const,
    registers: [fromDatabase],
  });

  async function readDatabase(): Promise<void> {
    try {
      // The head rows are the chains' ends: their positions add up to the number of entries without
      // counting them, and complete (every path appends through them: single entries, bulk appends,
      // records added in one call).
      const head = await db.query<{ seq: number }>('SELECT coalesce(sum(pos), 0)::bigint AS seq FROM audit_head');
      const deliveries = await db.query<{ channel: string; waiting: number; failing: number }>(
        `SELECT channel, count(*)::int AS waiting, count(*) FILTER (WHERE last_error IS NOT NULL)::int AS failing
           FROM seen_delivery WHERE delivered_at IS NULL GROUP BY channel`,
      );
      auditEntries.set(head.rows[0]?.seq ?? 0);
      for (const channel of SEEN_CHANNELS) {
        const row = deliveries.rows.find((r) => r.channel === channel);
        seenWaiting.set({ channel }, row?.waiting ?? 0);
        seenFailing.set({ channel }, row?.failing ?? 0);
      }
      up.set(1);
    } catch {
      // Say the figures are missing rather than show stale ones; the HTTP figures still come out.
      up.set(0);
      auditEntries.reset();
      seenWaiting.reset();
      seenFailing.reset();
    }
  }

  // Hashes of equal length, so the comparison takes the same time however the header differs.
  const expected = createHash('sha256').update(`Bearer ${opts.token}`).digest();
  app.get('/metrics', { logLevel: 'warn' }, async (request, reply) => {
    const given = createHash('sha256').update(request.headers.authorization ?? '').digest();
    if (!timingSafeEqual(given, expected)) return reply.callNotFound();
    await readDatabase();
    const own = inCluster ? await clusterMetricsText() : await registry.metrics();
    return reply.type(registry.contentType).send(own + await fromDatabase.metrics());
  });
}
