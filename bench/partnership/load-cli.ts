/**
 * Loads a generated partnership into a database and writes the manifest:
 *
 *   node bin/run-ts.mjs bench/partnership/load-cli.ts --people 15000 --seed 1 \
 *     --database-url postgres://postgres@127.0.0.1:5432/jigsaw_bench --manifest partnership.json
 *
 * The database is migrated first and must hold no people yet (a new, empty database). Without
 * --database-url an in-memory PGlite is used (a dry run: the data is gone when it ends). The
 * manifest holds session tokens for the loaded database: keep it out of the repository.
 */
import { parseArgs } from 'node:util';
import { openPGlite, openPostgres, type Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { loadPartnership } from './load.ts';
import { writeManifest } from './manifest.ts';

const { values } = parseArgs({
  options: {
    people: { type: 'string', default: '150000' },
    seed: { type: 'string', default: '1' },
    agencies: { type: 'string', default: '60' },
    users: { type: 'string', default: '300' },
    'database-url': { type: 'string' },
    manifest: { type: 'string' },
  },
});

const people = Number(values.people);
const seed = Number(values.seed);
if (!Number.isInteger(people) || people < 50 || !Number.isInteger(seed)) throw new Error('--people must be a whole number ≥ 50 and --seed a whole number');

const url = values['database-url'];
const db: Database = url ? openPostgres(url, { max: 2 }) : await openPGlite(undefined);
try {
  await migrate(db);
  const existing = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM person')).rows[0]!.n;
  if (existing > 0) throw new Error(`The database already holds ${existing} people: load into a new, empty database`);
  const started = performance.now();
  const manifest = await loadPartnership(db, {
    people, seed, agencies: Number(values.agencies), users: Number(values.users),
    onProgress: (step, detail) => console.log(`  ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s  ${step}${detail ? `: ${detail}` : ''}`),
  });
  console.log(JSON.stringify({ loadSeconds: manifest.loadSeconds, counts: manifest.counts }, null, 2));
  if (values.manifest) {
    await writeManifest(values.manifest, manifest);
    console.log(`manifest: ${values.manifest} (${manifest.users.length} users, ${manifest.episodes.length} episodes)`);
  }
} finally {
  await db.close();
}
