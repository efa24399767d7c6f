import pg from 'pg';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { appendAudit, auditArguments, AUDIT_COLUMNS, hashEntry, toAuditEntry, type AuditRow } from '../src/audit/audit.ts';
import { canonicalJson } from '../src/audit/canonical.ts';
import { sealHead } from '../src/audit/checkpoint.ts';
import { auditKey, useAuditKey } from '../src/audit/key.ts';
import { main, type Io } from '../src/cli/main.ts';
import { startServer } from '../src/cli/serve.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPostgres, type Database } from '../src/db/database.ts';
import { APP_ROLE } from '../src/db/roles.ts';
import { addRecord, getRecord, getRecordHistory } from '../src/records/records.ts';
import { newId } from '../src/shared/ids.ts';
import { aPostgresServerAnswers, createMigratedServerDatabase, createServerDatabase, SERVER } from './db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from './fixtures.ts';

/**
 * Issue 16, defect 4: the audit trail withstands its own database role and a DBA. Always on a
 * PostgreSQL server (roles exist only there): the suite's own, or the one on this machine when the
 * suite runs on PGlite. Every tampering is done as the superuser, the way a DBA would; the key is
 * only in the environment of `jigsaw audit verify`, never in the database.
 */
const onServer = await aPostgresServerAnswers();

const KEY = `audit-key-${randomBytes(24).toString('hex')}`;
const key = auditKey(KEY);
const made: string[] = [];
let scratch: string | undefined;

function capture(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

interface Trail {
  env: NodeJS.ProcessEnv;
  dba: Database;
  app: Database;
  checkpoint: string;
  /** The seal the server made after the first part of the day's work: a DBA's best place to cut back to. */
  firstSeal: number;
  head: number;
}

/**
 * A day's work written as the server writes it: through the jigsaw_app role with the key in the
 * process, sealed by the server's sealer, and a checkpoint exported for safe keeping.
 */
async function aSealedTrail(opts: { before?: (app: Database) => Promise<void>; checkpoint?: boolean } = {}): Promise<Trail> {
  const url = await createMigratedServerDatabase(SERVER);
  made.push(url);
  scratch ??= await mkdtemp(join(tmpdir(), 'jigsaw-tamper-'));
  const dba = openPostgres(url, { max: 2 });
  const app = openPostgres(url, { max: 3, role: APP_ROLE });
  await opts.before?.(app);
  useAuditKey(key);
  const s = services(app);
  const p = await partnershipWith(s);
  const school = await agency(s, p, 'school');
  const teacher = await practitioner(s, school);
  const dsl = await practitioner(s, school, ['safeguarding_lead']);
  const hv = await practitioner(s, await agency(s, p, 'health_visiting'));
  const jack = await person(teacher);
  const rec = await addRecord(teacher, jack.id, concern());
  await getRecord(dsl, rec.id);
  const firstSeal = (await sealHead(app, key, s.clock.now()))!.seq;
  await getRecordHistory(dsl, rec.id);
  await getRecord(hv, rec.id).catch(() => undefined);
  await getRecord(teacher, newId()).catch(() => undefined);
  await addRecord(teacher, jack.id, concern({ summary: 'Second worry' }));
  await getRecord(dsl, rec.id);
  const head = (await sealHead(app, key, s.clock.now()))!.seq;
  useAuditKey(undefined);
  const env = { DATABASE_URL: url, JIGSAW_AUDIT_KEY: KEY };
  const checkpoint = join(scratch, `${newId()}.json`);
  if (opts.checkpoint !== false) expect(await main(['audit', 'checkpoint', '--out', checkpoint], capture(), env)).toBe(0);
  expect(head).toBeGreaterThan(firstSeal + 4);
  return { env, dba, app, checkpoint, firstSeal, head };
}

/** As the DBA: the superuser, with the append-only triggers switched off for the change. */
async function asDba(t: Trail, ...statements: [string, unknown[]?][]): Promise<void> {
  await t.dba.transaction(async (tx) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    for (const [sql, params] of statements) await tx.query(sql, params ?? []);
  });
}

async function verify(t: Trail, ...checkpoints: string[]): Promise<{ code: number; text: string }> {
  const io = capture();
  const code = await main(['audit', 'verify', ...checkpoints.flatMap((c) => ['--checkpoint', c])], io, t.env);
  return { code, text: [...io.stdout, ...io.stderr].join('\n') };
}

const rows = async (db: Database): Promise<(AuditRow & { mac: string | null })[]> =>
  (await db.query<AuditRow & { mac: string | null }>(`SELECT ${AUDIT_COLUMNS}, mac FROM audit_event ORDER BY seq`)).rows;

afterEach(() => useAuditKey(undefined));
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
  if (!made.length) return;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  for (const url of made) await admin.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
  await admin.end();
});

describe.runIf(onServer)('the audit trail against a DBA (PostgreSQL)', () => {
  const trails: Trail[] = [];
  const trail = async (opts?: Parameters<typeof aSealedTrail>[0]): Promise<Trail> => {
    const t = await aSealedTrail(opts);
    trails.push(t);
    return t;
  };
  afterAll(async () => {
    for (const t of trails) await Promise.all([t.dba.close(), t.app.close()]);
  });

  it('an untouched trail verifies with the key and its checkpoint, sealed through its head', async () => {
    const t = await trail();
    const r = await verify(t, t.checkpoint);
    expect(r.code).toBe(0);
    expect(r.text).toMatch(new RegExp(`^Audit trail intact: ${t.head} entries\\. Head: #${t.head} [0-9a-f]{64}\\nSealed with the audit key through #${t.head}\\.$`));
  });

  it('1. an edited row is found', async () => {
    const t = await trail();
    await asDba(t, ["UPDATE audit_event SET outcome = 'denied' WHERE seq = 5"]);
    const r = await verify(t);
    expect(r.code).toBe(1);
    expect(r.text).toContain('#5 altered: entry 5 has been altered.');
  });

  it('2. a deleted row is found', async () => {
    const t = await trail();
    await asDba(t, ['DELETE FROM audit_event WHERE seq = 5']);
    const r = await verify(t);
    expect(r.code).toBe(1);
    expect(r.text).toContain('#5 missing: entry 5 is missing (next present is 6).');
  });

  it('3. reordered rows are found', async () => {
    const t = await trail();
    // Swapped in the global order and in their chain, so neither shows as a gap.
    await asDba(t, ['UPDATE audit_event SET seq = -1, pos = -1 WHERE seq = 5'], ['UPDATE audit_event SET seq = 5, pos = 5 WHERE seq = 6'], ['UPDATE audit_event SET seq = 6, pos = 6 WHERE seq = -1']);
    const r = await verify(t);
    expect(r.code).toBe(1);
    expect(r.text).toContain('#5 broken link: entry 5 does not link to entry 4.');
    expect(r.text).toContain('#5 altered: entries 5 to 6 have been altered.');
    expect(r.text).toContain('#7 broken link: entry 7 does not link to entry 6.');
  });

  it('4. an inserted row is found, even with its hash and the links around it made right', async () => {
    const t = await trail();
    const [fifth] = (await rows(t.dba)).filter((r) => r.seq === 5);
    const forged = { seq: 6, id: newId(), at: fifth!.at, actorPractitionerId: fifth!.actor_practitioner_id, actorAgencyId: fifth!.actor_agency_id, action: 'record.read', entityType: 'record', entityId: fifth!.entity_id, personId: fifth!.person_id, purpose: null, outcome: 'success' as const, detail: {} };
    await asDba(t,
      ['UPDATE audit_event SET seq = seq + 1000000, pos = pos + 1000000 WHERE seq > 5'],
      ['UPDATE audit_event SET seq = seq - 999999, pos = pos - 999999 WHERE seq > 1000000'],
      [`INSERT INTO audit_event (seq, chain, pos, id, at, actor_practitioner_id, actor_agency_id, action, entity_type, entity_id, person_id, purpose, outcome, detail, prev_hash, hash)
        VALUES (6, 0, 6, $1, $2, $3, $4, $5, $6, $7, $8, NULL, 'success', '{}', $9, $10)`,
      [forged.id, forged.at, forged.actorPractitionerId, forged.actorAgencyId, forged.action, forged.entityType, forged.entityId, forged.personId, fifth!.hash, hashEntry(fifth!.hash, forged)]]);
    const r = await verify(t);
    expect(r.code).toBe(1);
    expect(r.text).toContain('#6 not written by Jigsaw: entry 6 carries no seal though entries before it do: it was written other than through Jigsaw.');
  });

  it('5. a truncated tail with the head moved back to a sealed entry is found by the exported checkpoint', async () => {
    const t = await trail();
    const cut = t.firstSeal;
    const kept = (await rows(t.dba)).find((r) => r.seq === cut)!;
    await asDba(t,
      ['DELETE FROM audit_event WHERE seq > $1', [cut]],
      ['DELETE FROM audit_seal WHERE seq > $1', [cut]],
      ['UPDATE audit_head SET seq = $1, pos = $1, hash = $2 WHERE chain = 0', [cut, kept.hash]]);
    // Inside the database nothing is left to show it: what the DBA removed was all there was.
    expect((await verify(t)).code).toBe(0);
    // The checkpoint kept elsewhere still names the head that was cut away.
    const r = await verify(t, t.checkpoint);
    expect(r.code).toBe(1);
    expect(r.text).toContain(`#${cut + 1} truncated: entries ${cut + 1} to ${t.head} are missing from the end of the trail: a seal or checkpoint covers them.`);
  });

  it("6. a back-dated entry appended through the database's own function is found, even after the server seals the chain again", async () => {
    const t = await trail();
    // The DBA builds the arguments exactly as Jigsaw does, but has no key to seal the entry with.
    const args = auditArguments({ at: new Date('2026-01-05T10:00:00Z') }, { action: 'record.read', outcome: 'success', entityType: 'record', entityId: newId() });
    await t.dba.query('SELECT jigsaw_append_audit($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)', args);
    // And one with a made-up seal.
    const again = auditArguments({ at: new Date('2026-03-02T09:00:00Z') }, { action: 'record.read', outcome: 'success' });
    await t.dba.query('SELECT jigsaw_append_audit($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)', [...again.slice(0, 12), `${key.id}:${'ab'.repeat(32)}`]);
    await sealHead(t.app, key, new Date('2026-03-02T09:05:00Z'));
    const r = await verify(t);
    expect(r.code).toBe(1);
    expect(r.text).toContain(`#${t.head + 1} not written by Jigsaw: entry ${t.head + 1} carries no seal though entries before it do`);
    expect(r.text).toContain(`#${t.head + 1} dated backwards: entry ${t.head + 1} is dated 2026-01-05T10:00:00.000Z, before the entry it follows.`);
    expect(r.text).toContain(`#${t.head + 2} not written by Jigsaw: entry ${t.head + 2} carries a seal that does not verify with the audit key`);
  });

  it('7. a full rewrite of the chain with recomputed SHA-256 hashes is found by the seals, and with the seals deleted too by the checkpoint', async () => {
    const t = await trail();
    // The DBA removes entry 5 (a read they want forgotten), renumbers and rehashes everything after it.
    const all = (await rows(t.dba)).filter((r) => r.seq !== 5);
    let prev = '0'.repeat(64);
    const rewritten = all.map((r, i) => {
      const { hash: _h, prevHash: _p, ...fields } = toAuditEntry(r);
      void _h; void _p;
      const entry = { ...fields, seq: i + 1, pos: i + 1 };
      const hash = hashEntry(prev, entry);
      const out = { seq: i + 1, id: r.id, prev, hash };
      prev = hash;
      return out;
    });
    await asDba(t,
      ['DELETE FROM audit_event WHERE seq = 5'],
      ['UPDATE audit_event SET seq = seq + 1000000, pos = pos + 1000000'],
      ...rewritten.map((w): [string, unknown[]] => ['UPDATE audit_event SET seq = $1, pos = $1, prev_hash = $2, hash = $3 WHERE id = $4', [w.seq, w.prev, w.hash, w.id]]),
      ['UPDATE audit_head SET seq = $1, pos = $1, hash = $2 WHERE chain = 0', [rewritten.length, prev]]);
    const sealsKept = await verify(t);
    expect(sealsKept.code).toBe(1);
    // Every entry is as Jigsaw wrote it, each link is right: only the seals of the chain show the rewrite.
    expect(sealsKept.text).not.toMatch(/#\d+ (altered|broken link|missing|not written by Jigsaw):/);
    expect(sealsKept.text).toContain(`#${t.firstSeal} seal broken: entry ${t.firstSeal} no longer has the hash sealed 2026-03-02T09:00:00.000Z: the trail up to it was rewritten.`);
    expect(sealsKept.text).toContain(`#${t.head} truncated: entry ${t.head} is missing from the end of the trail: a seal or checkpoint covers it.`);

    await asDba(t, ['DELETE FROM audit_seal']);
    const sealsGone = await verify(t);
    expect(sealsGone.code).toBe(1);
    expect(sealsGone.text).toContain(`#1 unsealed: entries 1 to ${rewritten.length}, the first written 2026-03-02T09:00:00.000Z, are covered by no seal of the chain`);
    const withCheckpoint = await verify(t, t.checkpoint);
    expect(withCheckpoint.code).toBe(1);
    expect(withCheckpoint.text).toContain(`#${t.head} truncated: entry ${t.head} is missing from the end of the trail`);
  });

  it('several breaks are listed at once, in the order of the trail', async () => {
    const t = await trail();
    await asDba(t, ["UPDATE audit_event SET action = 'record.list' WHERE seq = 3"], ['DELETE FROM audit_event WHERE seq = 8']);
    await t.dba.query('SELECT jigsaw_append_audit($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)', auditArguments({ at: new Date() }, { action: 'x', outcome: 'success' }));
    const r = await verify(t);
    expect(r.code).toBe(1);
    const lines = r.text.split('\n');
    expect(lines[0]).toMatch(/^Audit trail BROKEN: 3 problems in \d+ entries\./);
    expect(lines.slice(1, 4)).toEqual([
      '  #3 altered: entry 3 has been altered.',
      '  #8 missing: entry 8 is missing (next present is 9).',
      `  #${t.head + 1} not written by Jigsaw: entry ${t.head + 1} carries no seal though entries before it do: it was written other than through Jigsaw.`,
    ]);
  });

  it('the key is nowhere in the database: not in any row, nor in a dump of it', async () => {
    const t = await trail();
    const tables = (await t.dba.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).rows;
    for (const { tablename } of tables) {
      const found = await t.dba.query(`SELECT 1 FROM "${tablename}" x WHERE x::text LIKE '%' || $1 || '%'`, [KEY]);
      expect(found.rowCount, tablename).toBe(0);
    }
    const dump = spawnSync('pg_dump', ['--no-password', t.env.DATABASE_URL!], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (dump.status === 0) {
      expect(dump.stdout).toContain('audit_seal');
      expect(dump.stdout).not.toContain(KEY);
    }
    expect(await readFile(t.checkpoint, 'utf8')).not.toContain(KEY);
  });

  it('the application role may read and add to the trail but not change, empty, unguard or drop it', async () => {
    const t = await trail();
    const refused: [string, RegExp][] = [
      ["UPDATE audit_event SET action = 'x' WHERE seq = 1", /permission denied/],
      ['DELETE FROM audit_event WHERE seq = 1', /permission denied/],
      ['TRUNCATE audit_event', /permission denied/],
      ['ALTER TABLE audit_event DISABLE TRIGGER ALL', /must be owner/],
      ['ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update', /must be owner/],
      ['DROP TRIGGER audit_event_no_update ON audit_event', /must be owner/],
      ['DROP TABLE audit_event', /must be owner/],
      ['UPDATE audit_head SET seq = 1', /permission denied/],
      ['DELETE FROM audit_seal', /permission denied/],
      ['UPDATE audit_seal SET seq = 1', /permission denied/],
      ["INSERT INTO audit_event (seq, id, at, action, outcome, prev_hash, hash) VALUES (999, gen_random_uuid(), now(), 'x', 'success', '', '')", /permission denied/],
      ['SET session_replication_role = replica', /permission denied/],
    ];
    for (const [sql, error] of refused) await expect(t.app.query(sql), sql).rejects.toThrow(error);
    expect((await t.app.query('SELECT current_user AS who')).rows[0]).toEqual({ who: APP_ROLE });
    expect((await verify(t, t.checkpoint)).code).toBe(0);
  });
});

describe.runIf(onServer)('entries broken by the old upper-case-id defect (PostgreSQL)', () => {
  it('are classified as the known defect, not tampering, and a reviewed checkpoint accepts them; real tampering still fails', async () => {
    const t = await aSealedTrail({
      checkpoint: false,
      // Before the key was configured, the old code hashed an id as typed and the uuid column kept it in lower case.
      before: async (app) => {
        const typed = newId().toUpperCase();
        const args = auditArguments({ at: new Date('2026-03-01T08:00:00Z') }, { action: 'person.read', outcome: 'not_found', entityType: 'person', entityId: typed });
        const fields = JSON.parse(args[11] as string) as Record<string, unknown>;
        await app.query('SELECT jigsaw_append_audit($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,NULL)', [...args.slice(0, 11), canonicalJson({ ...fields, entityId: typed })]);
      },
    });
    try {
      const before = await verify(t);
      expect(before.code).toBe(1);
      expect(before.text).toContain('#1 id case (known defect, not tampering): entry 1 was hashed with an id in upper case: the known defect fixed in issue 16, not tampering.');
      expect(before.text).not.toMatch(/altered/);

      const refused = capture();
      expect(await main(['audit', 'checkpoint'], refused, t.env)).toBe(1);
      expect(refused.stderr.join('\n')).toContain('after review, run again with --accept-known-id-case-breaks');

      const reviewed = join(scratch!, `${newId()}.json`);
      const io = capture();
      expect(await main(['audit', 'checkpoint', '--accept-known-id-case-breaks', '--out', reviewed], io, t.env)).toBe(0);
      expect(io.stderr.join('\n')).toContain('accepting 1 upper-case-id break');
      expect(JSON.parse(await readFile(reviewed, 'utf8'))).toMatchObject({ jigsawAuditCheckpoint: 2, seq: t.head, accepted: [1], mac: expect.stringMatching(new RegExp(`^${key.id}:[0-9a-f]{64}$`)) as unknown });

      const after = await verify(t, reviewed);
      expect(after.code).toBe(0);
      expect(after.text).toContain('#1 id case (known defect, not tampering), reviewed and accepted in a checkpoint');

      await asDba(t, ["UPDATE audit_event SET outcome = 'denied' WHERE seq = 4"]);
      const tampered = await verify(t, reviewed);
      expect(tampered.code).toBe(1);
      expect(tampered.text).toMatch(/^Audit trail BROKEN: 1 problem in/);
      expect(tampered.text).toContain('#4 altered: entry 4 has been altered.');
    } finally {
      await Promise.all([t.dba.close(), t.app.close()]);
    }
  });
});

describe.runIf(onServer)('ids typed in upper case (PostgreSQL)', () => {
  it('are hashed as the database stores them, so the trail stays intact', async () => {
    const url = await createMigratedServerDatabase(SERVER);
    made.push(url);
    const db = openPostgres(url, { max: 1 });
    try {
      await appendAudit(db, { at: new Date('2026-03-02T09:00:00Z') }, { action: 'person.read', outcome: 'not_found', entityType: 'person', entityId: newId().toUpperCase() });
      const io = capture();
      expect(await main(['audit', 'verify'], io, { DATABASE_URL: url })).toBe(0);
      expect(io.stdout[0]).toMatch(/^Audit trail intact: 1 entries\./);
    } finally {
      await db.close();
    }
  });
});

describe.runIf(onServer)('the server and the audit key (PostgreSQL)', () => {
  it('works as jigsaw_app, seals what it writes with the key (never logging it), and without a key warns once that the trail is unsealed', async () => {
    const url = await createServerDatabase(SERVER);
    made.push(url);
    const written: string[] = [];
    const env = { DATABASE_URL: url, PORT: '0', JIGSAW_AUDIT_KEY: KEY, JIGSAW_AUDIT_CHECKPOINT_MINUTES: '0.001' };
    const server = await startServer(loadConfig(env), { demo: true, logStream: { write: (l) => written.push(l) } });
    expect((await fetch(`${server.address}/health/ready`)).status).toBe(200);
    await server.stop();
    const log = written.join('');
    expect(log).not.toContain(KEY);
    const lines = log.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; databaseRole?: string; code?: string; checkpoint?: unknown });
    expect(lines.find((l) => l.msg.startsWith('Jigsaw is running'))?.databaseRole).toBe(APP_ROLE);
    expect(lines.filter((l) => l.code === 'JIGSAW_AUDIT_UNSEALED')).toEqual([]);
    // JIGSAW_AUDIT_CHECKPOINT_MINUTES: the log shipped elsewhere holds sealed checkpoints.
    expect(lines.filter((l) => l.checkpoint).at(-1)?.checkpoint).toMatchObject({ jigsawAuditCheckpoint: 2, mac: expect.stringMatching(new RegExp(`^${key.id}:`)) as unknown });

    const io = capture();
    const checkpointLog = join((scratch ??= await mkdtemp(join(tmpdir(), 'jigsaw-tamper-'))), `${newId()}.log`);
    await writeFile(checkpointLog, log);
    expect(await main(['audit', 'verify', '--checkpoint', checkpointLog], io, { DATABASE_URL: url, JIGSAW_AUDIT_KEY: KEY })).toBe(0);
    expect(io.stdout.join('\n')).toMatch(/^Audit trail intact: (\d+) entries\. Head: #(\d+) [0-9a-f]{64}\nSealed with the audit key through #\2\.$/);

    const keyless: string[] = [];
    const demo = await startServer(loadConfig({ DATABASE_URL: url, PORT: '0' }), { demo: false, logStream: { write: (l) => keyless.push(l) } });
    await demo.stop();
    expect(keyless.join('').split('\n').filter((l) => l.includes('"JIGSAW_AUDIT_UNSEALED"'))).toHaveLength(1);
  });
});
