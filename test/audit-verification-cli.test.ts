import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chainState } from '../src/audit/verification.ts';
import { main, type Io } from '../src/cli/main.ts';
import { openPGlite, openPostgres, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { addRecord, getRecord } from '../src/records/records.ts';
import { createServerDatabase, onPostgresServer } from './db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from './fixtures.ts';

/** Issue 19, item 5: `jigsaw audit verify` keeps its result for the auditors' pages. */

const quiet = (): Io & { stdout: string[]; stderr: string[] } => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
};

let scratch: string | undefined;
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function ownDatabase(): Promise<{ env: NodeJS.ProcessEnv; open: () => Promise<Database> }> {
  if (onPostgresServer()) {
    const url = await createServerDatabase();
    return { env: { DATABASE_URL: url }, open: () => Promise.resolve(openPostgres(url, { max: 2 })) };
  }
  scratch ??= await mkdtemp(join(tmpdir(), 'jigsaw-verify-'));
  const dir = await mkdtemp(join(scratch, 'data-'));
  return { env: { JIGSAW_DATA_DIR: dir }, open: () => openPGlite(dir) };
}

describe('jigsaw audit verify, for the auditors’ pages', () => {
  it('stores its result, which the auditor’s chain state then shows as checked by the operators', async () => {
    const { env, open } = await ownDatabase();
    let db = await open();
    await migrate(db);
    const s = services(db);
    const school = await agency(s, await partnershipWith(s), 'school');
    const teacher = await practitioner(s, school);
    const rec = await addRecord(teacher, (await person(teacher)).id, concern());
    await getRecord(teacher, rec.id);
    const head = Number((await db.query<{ n: string }>('SELECT max(seq) AS n FROM audit_event')).rows[0]!.n);
    await db.close();

    const io = quiet();
    expect(await main(['audit', 'verify'], io, env)).toBe(0);
    expect(io.stderr).toEqual([]);

    db = await open();
    try {
      const auditor = await practitioner(services(db), school, ['auditor']);
      const state = await chainState(auditor, false);
      expect(state.latest).toMatchObject({ source: 'cli', intact: true, lastSeq: head, entries: head, practitionerId: null, keyed: false, problemCount: 0 });
    } finally {
      await db.close();
    }
  });
});
