import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../src/cli/main.ts';
import { openPGlite, openPostgres, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { addRecord, getRecord } from '../src/records/records.ts';
import { resolveFhirToken } from '../src/fhir/tokens.ts';
import { systemClock } from '../src/shared/clock.ts';
import { newId } from '../src/shared/ids.ts';
import { createServerDatabase, onPostgresServer } from './db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from './fixtures.ts';

/** Captures what the CLI prints. */
function capture(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'jigsaw-cli-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/**
 * A database of its own, as the CLI would find it: the embedded one in a data directory, or a
 * fresh database on the test server. Returns the environment that points the CLI at it.
 */
async function ownDatabase(): Promise<{ env: NodeJS.ProcessEnv; open: () => Promise<Database> }> {
  if (onPostgresServer()) {
    const url = await createServerDatabase();
    return { env: { DATABASE_URL: url }, open: () => Promise.resolve(openPostgres(url, { max: 2 })) };
  }
  const dir = await mkdtemp(join(scratch, 'data-'));
  return { env: { JIGSAW_DATA_DIR: dir }, open: () => openPGlite(dir) };
}

async function withOpen<T>(open: () => Promise<Database>, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await open();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Some ordinary activity, so the trail has entries to check. Returns how many there are. */
async function someActivity(db: Database): Promise<number> {
  await migrate(db);
  const s = services(db);
  const p = await partnershipWith(s);
  const school = await agency(s, p, 'school');
  const teacher = await practitioner(s, school);
  const hv = await practitioner(s, await agency(s, p, 'health_visiting'));
  const jack = await person(teacher);
  const rec = await addRecord(teacher, jack.id, concern());
  await getRecord(teacher, rec.id);
  await getRecord(hv, rec.id).catch(() => undefined);
  await getRecord(hv, newId()).catch(() => undefined);
  return Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_event')).rows[0]!.n);
}

describe('jigsaw audit verify', () => {
  it('where there is no Jigsaw database it says so, exits 1 and creates none; on a new, migrated one it reports an intact trail with no entries', async () => {
    const { env, open } = await ownDatabase();
    const refused = capture();
    expect(await main(['audit', 'verify'], refused, env)).toBe(1);
    expect(refused.stdout).toEqual([]);
    expect(refused.stderr).toHaveLength(1);
    expect(refused.stderr[0]).toMatch(env.DATABASE_URL
      ? /^No Jigsaw database at 127\.0\.0\.1:5432\/jigsaw_test_\w+\. Set JIGSAW_DATA_DIR .* or DATABASE_URL/
      : new RegExp(`^No Jigsaw database in ${env.JIGSAW_DATA_DIR}\\. Set JIGSAW_DATA_DIR`));
    if (env.JIGSAW_DATA_DIR) {
      expect(await readdir(env.JIGSAW_DATA_DIR)).toEqual([]);
    } else {
      const tables = await withOpen(open, async (db) => (await db.query(`SELECT 1 FROM pg_tables WHERE schemaname = 'public'`)).rowCount);
      expect(tables).toBe(0);
    }

    expect(await main(['migrate'], capture(), env)).toBe(0);
    const io = capture();
    expect(await main(['audit', 'verify'], io, env)).toBe(0);
    // Without the audit key it says what the check does not show.
    expect(io.stdout).toEqual(['Audit trail intact: 0 entries.', expect.stringMatching(/^Not checked against the audit key \(JIGSAW_AUDIT_KEY or JIGSAW_AUDIT_KEY_FILE\)/)]);
    expect(io.stderr).toEqual([]);
  });

  it('refuses a data directory that does not exist, and does not create it', async () => {
    const dataDir = join(scratch, 'no-such-directory');
    const io = capture();
    expect(await main(['audit', 'verify'], io, { JIGSAW_DATA_DIR: dataDir })).toBe(1);
    expect(io.stderr.join('\n')).toContain(`No Jigsaw database in ${dataDir}.`);
    expect(existsSync(dataDir)).toBe(false);
    // A backup of it is refused the same way.
    const backup = capture();
    expect(await main(['backup', '--out', join(scratch, 'nothing.jigsaw-backup')], backup, { JIGSAW_DATA_DIR: dataDir })).toBe(1);
    expect(backup.stderr.join('\n')).toContain(`No Jigsaw database in ${dataDir}.`);
    expect(existsSync(dataDir)).toBe(false);
    expect(existsSync(join(scratch, 'nothing.jigsaw-backup'))).toBe(false);
  });

  it('exits 0 on an intact trail and names its head; after an entry is altered it exits 1 naming that entry', async () => {
    const { env, open } = await ownDatabase();
    const n = await withOpen(open, someActivity);
    expect(n).toBeGreaterThan(8);

    const intact = capture();
    expect(await main(['audit', 'verify'], intact, env)).toBe(0);
    expect(intact.stderr).toEqual([]);
    expect(intact.stdout).toHaveLength(2);
    expect(intact.stdout[0]).toMatch(new RegExp(`^Audit trail intact: ${n} entries\\. Head: #${n} [0-9a-f]{64}$`));

    await withOpen(open, (db) =>
      db.transaction(async (tx) => {
        // An intruder with database access switches the append-only triggers off for their change.
        await tx.query('SET LOCAL session_replication_role = replica');
        await tx.query("UPDATE audit_event SET outcome = 'denied' WHERE seq = 7");
      }),
    );

    const broken = capture();
    expect(await main(['audit', 'verify'], broken, env)).toBe(1);
    expect(broken.stdout).toEqual([]);
    expect(broken.stderr).toEqual([
      expect.stringMatching(new RegExp(`^Audit trail BROKEN: 1 problem in ${n} entries\\. Head: #${n} [0-9a-f]{64}$`)),
      '  #7 altered: entry 7 has been altered.',
      expect.stringMatching(/^Not checked against the audit key/),
    ]);
  });

  it('exits 1 naming the missing entry when one is deleted', async () => {
    const { env, open } = await ownDatabase();
    await withOpen(open, async (db) => {
      await someActivity(db);
      await db.transaction(async (tx) => {
        await tx.query('SET LOCAL session_replication_role = replica');
        await tx.query('DELETE FROM audit_event WHERE seq = 4');
      });
    });
    const io = capture();
    expect(await main(['audit', 'verify'], io, env)).toBe(1);
    expect(io.stderr).toContain('  #4 missing: entry 4 is missing (next present is 5).');
  });
});

describe('jigsaw --help', () => {
  const commands: [string[], string][] = [
    [['serve'], 'jigsaw serve [--demo] [--port N] [--host H]'],
    [['migrate'], 'jigsaw migrate'],
    [['demo'], 'jigsaw demo [--password P]'],
    [['user', 'add'], 'jigsaw user add --agency AGENCY_ID --name "Name" --email EMAIL --role ROLE'],
    [['token', 'create'], 'jigsaw token create --email EMAIL [--name LABEL] [--days N]'],
    [['audit', 'verify'], 'jigsaw audit verify [--checkpoint FILE_OR_DIRECTORY]…'],
    [['audit', 'checkpoint'], 'jigsaw audit checkpoint [--out FILE] [--accept-known-id-case-breaks]'],
    [['fhir', 'token', 'revoke'], 'jigsaw fhir token revoke --id TOKEN_ID'],
    [['backup'], 'jigsaw backup --out FILE'],
    [['restore'], 'jigsaw restore FILE'],
    [['match', 'reindex'], 'jigsaw match reindex'],
  ];

  it.each(commands)('`jigsaw %j --help` prints what the command does and how to call it, and touches no database', async (words, usage) => {
    const dataDir = join(scratch, `help-${words.join('-')}`);
    for (const flag of ['--help', '-h']) {
      const io = capture();
      expect(await main([...words, flag], io, { JIGSAW_DATA_DIR: dataDir })).toBe(0);
      expect(io.stderr).toEqual([]);
      const text = io.stdout.join('\n');
      expect(text).toContain(`Usage: ${usage}`);
      expect(text).toContain('DATABASE_URL');
      expect(text.split('\n')[0]!.length).toBeGreaterThan(10);
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it('`jigsaw --help` lists every command', async () => {
    const io = capture();
    expect(await main(['--help'], io, {})).toBe(0);
    const text = io.stdout.join('\n');
    for (const [words] of commands) expect(text).toContain(`  ${words.join(' ')}`);
  });

  it('an unknown command prints the overview on standard error and exits 2', async () => {
    const io = capture();
    expect(await main(['audit', 'rewrite'], io, {})).toBe(2);
    expect(io.stderr.join('\n')).toContain('Unknown command: audit rewrite');
    expect(io.stderr.join('\n')).toContain('audit verify');
  });
});

describe('jigsaw user add', () => {
  it('with a bad e-mail address prints the field error and exits 2 without opening a database', async () => {
    const dataDir = join(scratch, 'user-add-bad-email');
    const io = capture();
    const code = await main(
      ['user', 'add', '--agency', newId(), '--name', 'Ann Teacher', '--email', 'ann-at-school', '--role', 'practitioner'],
      io,
      { JIGSAW_DATA_DIR: dataDir },
    );
    expect(code).toBe(2);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toEqual(['--email: Enter an e-mail address like name@example.org']);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('without a role names the --role option and exits 2', async () => {
    const io = capture();
    const code = await main(['user', 'add', '--agency', newId(), '--name', 'Ann Teacher', '--email', 'ann@school.example'], io, { JIGSAW_DATA_DIR: join(scratch, 'none') });
    expect(code).toBe(2);
    expect(io.stderr).toEqual(['--role: Give at least one role']);
  });

  it('with an option it does not know prints the usage and exits 2', async () => {
    const io = capture();
    expect(await main(['user', 'add', '--mail', 'ann@school.example'], io, { JIGSAW_DATA_DIR: join(scratch, 'none') })).toBe(2);
    expect(io.stderr.join('\n')).toContain('Usage: jigsaw user add');
  });
});

describe('jigsaw fhir token', () => {
  it("a hospital's token is created, listed without its secret, and revoked at once; a second revoke says there is nothing to revoke", async () => {
    const { env, open } = await ownDatabase();
    const made = capture();
    expect(await main(['fhir', 'token', 'create', '--setting', 'Northshire General ED', '--type', 'emergency_department', '--days', '30'], made, env)).toBe(0);
    const token = made.stdout.join('');
    expect(token).toMatch(/^jsf_/);
    const id = /Token id (\S+?),/.exec(made.stderr.join('\n'))?.[1];
    expect(id).toBeDefined();

    const listed = capture();
    expect(await main(['fhir', 'token', 'list'], listed, env)).toBe(0);
    expect(listed.stdout.join('\n')).toContain(`${id}  Northshire General ED (emergency_department)`);
    expect(listed.stdout.join('\n')).not.toContain(token);
    await withOpen(open, async (db) => expect(await resolveFhirToken({ db, clock: systemClock }, token)).toMatchObject({ settingName: 'Northshire General ED' }));

    const revoked = capture();
    expect(await main(['fhir', 'token', 'revoke', '--id', id!], revoked, env)).toBe(0);
    await withOpen(open, async (db) => expect(await resolveFhirToken({ db, clock: systemClock }, token)).toBeUndefined());
    const again = capture();
    expect(await main(['fhir', 'token', 'revoke', '--id', id!], again, env)).toBe(1);
    expect(again.stderr.join('\n')).toContain('No unrevoked FHIR token has that id');
    const after = capture();
    await main(['fhir', 'token', 'list'], after, env);
    expect(after.stdout.join('\n')).toMatch(new RegExp(`${id}.*revoked \\d{4}-`));
    // Seven commands and checks, each opening the embedded database afresh.
  }, 240_000);

  it('revoke without a well-formed id exits 2 and opens no database', async () => {
    const dataDir = join(scratch, 'fhir-revoke-bad');
    const io = capture();
    expect(await main(['fhir', 'token', 'revoke', '--id', 'not-an-id'], io, { JIGSAW_DATA_DIR: dataDir })).toBe(2);
    expect(io.stderr.join('\n')).toContain('--id is required');
    expect(existsSync(dataDir)).toBe(false);
  });
});
