import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { buildApp } from '../../src/http/app.ts';
import { fixedClock, type Clock } from '../../src/shared/clock.ts';
import { AUTH_SETTINGS } from '../api/helpers.ts';
import { useTestDb } from '../db.ts';

/**
 * A page test's database, clock and app: `start()` builds the app over the test's database (or one
 * wrapped around it, to count statements) and it is closed after each test. Kept apart from
 * page-world.ts, which the page profiler (a benchmark, outside vitest) also imports.
 */
export function usePageApp(clock: Clock = fixedClock('2026-12-01T09:00:00Z')): {
  t: ReturnType<typeof useTestDb>;
  clock: Clock;
  start: (db?: Database) => Promise<FastifyInstance>;
} {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  return { t, clock, start: async (db = t.db()) => (app = await buildApp({ services: { db, clock }, auth: AUTH_SETTINGS })) };
}
