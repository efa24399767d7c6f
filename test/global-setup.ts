import pg from 'pg';
import { randomBytes } from 'node:crypto';

// Each run's server databases share a prefix so teardown can drop exactly what this run made.
export default function setup(): () => Promise<void> {
  const runId = randomBytes(4).toString('hex');
  process.env.JIGSAW_TEST_RUN_ID = runId;
  return async () => {
    // On a PGlite run too: the tests that need a server use the one on this machine (test/db.ts).
    const url = process.env.JIGSAW_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
    } catch {
      return; // no server: this run made nothing on one
    }
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`jigsaw_test_${runId}_%`]);
    for (const r of rows) await client.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
    await client.end();
  };
}
