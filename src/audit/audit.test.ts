import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import type { Database } from '../db/database.ts';
import { getPerson, searchPeople } from '../people/people.ts';
import { addRecord, correctRecord, getRecord, getRecordAccessHistory, getRecordHistory, listPersonRecords, setRestriction } from '../records/records.ts';
import type { Services } from '../shared/context.ts';
import { newId } from '../shared/ids.ts';
import { AUDIT_COLUMNS, hashEntry, toAuditEntry, verifyAuditChain } from './audit.ts';
import { sealHead } from './checkpoint.ts';
import { auditKeyringFrom, useAuditKey } from './key.ts';

/** A morning's work in two agencies: creations, reads, corrections, refusals and a missing id. */
async function aMorningsWork(s: Services): Promise<{ recordId: string }> {
  const p = await partnershipWith(s);
  const school = await agency(s, p, 'school');
  const teacher = await practitioner(s, school);
  const dsl = await practitioner(s, school, ['safeguarding_lead']);
  const auditor = await practitioner(s, school, ['auditor']);
  const hv = await practitioner(s, await agency(s, p, 'health_visiting'));
  const jack = await person(teacher);
  const rec = await addRecord(teacher, jack.id, concern());
  await addRecord(teacher, jack.id, concern({ summary: 'Bruise on the arm', categories: ['physical_abuse'] }));
  await getRecord(dsl, rec.id);
  await correctRecord(teacher, rec.id, { baseVersion: 1, correctionReason: 'Wrong day', occurredAt: '2026-02-27T10:00:00Z' });
  await getRecordHistory(dsl, rec.id);
  await listPersonRecords(dsl, jack.id);
  await setRestriction(dsl, rec.id, { restricted: true, namedPractitionerIds: [] });
  await getRecordAccessHistory(auditor, rec.id);
  await getRecord(hv, rec.id).catch(() => undefined);
  await getRecord(teacher, newId()).catch(() => undefined);
  return { recordId: rec.id };
}

/** Changes the trail the way an intruder with database access would: with the guard triggers off. */
async function behindTheApplicationsBack(db: Database, sql: string, params: unknown[] = []): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    await tx.query(sql, params);
  });
}

const count = async (db: Database): Promise<number> => Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_event')).rows[0]!.n);

describe('the audit trail hash chain', () => {
  const t = useTestDb();

  it('an empty trail verifies, with no head', async () => {
    expect(await verifyAuditChain(t.db())).toEqual({ ok: true, entries: 0, head: null, chains: [], problems: [] });
  });

  it('verifies after a morning of creations, reads, corrections and refusals, whatever batch size it is read in', async () => {
    const s = services(t.db());
    await aMorningsWork(s);
    const n = await count(t.db());
    expect(n).toBeGreaterThan(15);
    const result = await verifyAuditChain(t.db());
    expect(result).toMatchObject({ ok: true, entries: n, head: { seq: n } });
    expect(result.firstBroken).toBeUndefined();
    for (const batch of [1, 2, 7, n - 1, n]) expect(await verifyAuditChain(t.db(), batch)).toEqual(result);
  });

  it('many practitioners acting at the same moment still leave one unbroken, gap-free chain', async () => {
    const s = services(t.db());
    const { recordId } = await aMorningsWork(s);
    const school = (await t.db().query<{ agency_id: string }>('SELECT agency_id FROM agency_record WHERE id = $1', [recordId])).rows[0]!.agency_id;
    const leads = await Promise.all([1, 2, 3, 4].map(() => practitioner(s, school, ['safeguarding_lead'])));
    await Promise.all(leads.flatMap((lead) => [getRecord(lead, recordId), getRecordHistory(lead, recordId), getRecord(lead, newId()).catch(() => undefined)]));
    const n = await count(t.db());
    const { rows } = await t.db().query<{ seq: number }>('SELECT seq FROM audit_event ORDER BY seq');
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(await verifyAuditChain(t.db())).toMatchObject({ ok: true, entries: n });
  });

  describe('tampering behind the application’s back is found, every break of it', () => {
    const alterations: [string, string][] = [
      ['its action', "UPDATE audit_event SET action = 'record.list' WHERE seq = $1"],
      ['its outcome', "UPDATE audit_event SET outcome = CASE WHEN outcome = 'success' THEN 'denied' ELSE 'success' END WHERE seq = $1"],
      ['who acted', 'UPDATE audit_event SET actor_practitioner_id = NULL, actor_agency_id = NULL WHERE seq = $1'],
      ['when it happened', "UPDATE audit_event SET at = at - interval '1 second' WHERE seq = $1"],
      ['its detail', `UPDATE audit_event SET detail = '{"note": "nothing to see"}'::jsonb WHERE seq = $1`],
      ['which record it was about', 'UPDATE audit_event SET entity_id = gen_random_uuid() WHERE seq = $1'],
    ];

    it.each(alterations)('changing %s makes that entry "has been altered"', async (_what, sql) => {
      await aMorningsWork(services(t.db()));
      const before = await verifyAuditChain(t.db());
      const k = 9;
      await behindTheApplicationsBack(t.db(), sql, [k]);
      expect(await verifyAuditChain(t.db())).toEqual({
        ok: false,
        entries: before.entries,
        head: before.head,
        chains: before.chains,
        firstBroken: { seq: k, problem: `entry ${k} has been altered` },
        problems: [{ seq: k, kind: 'altered', problem: `entry ${k} has been altered` }],
      });
      expect(before.ok).toBe(true);
    });

    it('deleting an entry makes it "is missing"', async () => {
      await aMorningsWork(services(t.db()));
      await behindTheApplicationsBack(t.db(), 'DELETE FROM audit_event WHERE seq = 6');
      expect(await verifyAuditChain(t.db())).toMatchObject({ ok: false, problems: [{ seq: 6, kind: 'missing', problem: 'entry 6 is missing (next present is 7)' }] });
    });

    it('deleting the first entry is found too', async () => {
      await aMorningsWork(services(t.db()));
      await behindTheApplicationsBack(t.db(), 'DELETE FROM audit_event WHERE seq = 1');
      expect(await verifyAuditChain(t.db())).toMatchObject({ ok: false, firstBroken: { seq: 1, problem: 'entry 1 is missing (next present is 2)' }, problems: [{ seq: 1, kind: 'missing' }] });
    });

    it('deleting an entry and renumbering the rest leaves the next entry not linking to its new predecessor', async () => {
      await aMorningsWork(services(t.db()));
      const n = await count(t.db());
      await behindTheApplicationsBack(t.db(), 'DELETE FROM audit_event WHERE seq = 6');
      // Its number and its position in the chain both closed up.
      await behindTheApplicationsBack(t.db(), 'UPDATE audit_event SET seq = seq - 1, pos = pos - 1 WHERE seq > 6');
      expect(await verifyAuditChain(t.db())).toMatchObject({
        ok: false,
        problems: [
          { seq: 6, kind: 'link', problem: 'entry 6 does not link to entry 5' },
          // Each entry's number is in its hash: renumbered, they read as altered.
          { seq: 6, kind: 'altered', problem: `entries 6 to ${n - 1} have been altered` },
          { seq: n, kind: 'head', problem: `entry ${n} is missing from the end of the trail` },
        ],
      });
    });

    it('rewriting an entry\'s prev_hash makes it "does not link"', async () => {
      await aMorningsWork(services(t.db()));
      await behindTheApplicationsBack(t.db(), "UPDATE audit_event SET prev_hash = repeat('f', 64) WHERE seq = 12");
      expect(await verifyAuditChain(t.db())).toMatchObject({ ok: false, problems: [{ seq: 12, kind: 'link', problem: 'entry 12 does not link to entry 11' }] });
    });

    it('an intruder who alters an entry and recomputes its hash is caught at the next entry, which no longer links', async () => {
      await aMorningsWork(services(t.db()));
      const k = 10;
      const row = (await t.db().query<Parameters<typeof toAuditEntry>[0]>(`SELECT ${AUDIT_COLUMNS} FROM audit_event WHERE seq = $1`, [k])).rows[0]!;
      const { hash: originalHash, prevHash, ...fields } = toAuditEntry(row);
      const forged = { ...fields, outcome: fields.outcome === 'success' ? ('denied' as const) : ('success' as const) };
      const forgedHash = hashEntry(prevHash, forged);
      expect(forgedHash).not.toBe(originalHash);
      await behindTheApplicationsBack(t.db(), 'UPDATE audit_event SET outcome = $2, hash = $3 WHERE seq = $1', [k, forged.outcome, forgedHash]);
      expect(await verifyAuditChain(t.db())).toMatchObject({ ok: false, problems: [{ seq: k + 1, kind: 'link', problem: `entry ${k + 1} does not link to entry ${k}` }] });
    });

    it('an entry slipped in at the end with a made-up hash is reported as altered', async () => {
      await aMorningsWork(services(t.db()));
      const { head: found, chains } = await verifyAuditChain(t.db());
      const head = found!;
      await behindTheApplicationsBack(
        t.db(),
        `INSERT INTO audit_event (seq, chain, pos, id, at, action, outcome, detail, prev_hash, hash)
         VALUES ($1, 0, $3, gen_random_uuid(), now(), 'record.read', 'success', '{}'::jsonb, $2, repeat('a', 64))`,
        [head.seq + 1, head.hash, chains[0]!.pos + 1],
      );
      expect(await verifyAuditChain(t.db())).toMatchObject({
        ok: false,
        entries: head.seq + 1,
        problems: [
          { seq: head.seq + 1, kind: 'altered', problem: `entry ${head.seq + 1} has been altered` },
          { kind: 'head', problem: `the trail's newest entry (${head.seq + 1}) does not match the recorded head (${head.seq})` },
        ],
      });
    });

    it('when several entries are tampered with, every one is reported, in order, and the rest of the trail is still checked', async () => {
      await aMorningsWork(services(t.db()));
      await behindTheApplicationsBack(t.db(), 'DELETE FROM audit_event WHERE seq = 14');
      await behindTheApplicationsBack(t.db(), "UPDATE audit_event SET action = 'x' WHERE seq = 8");
      await behindTheApplicationsBack(t.db(), "UPDATE audit_event SET prev_hash = repeat('0', 64) WHERE seq = 11");
      expect(await verifyAuditChain(t.db())).toMatchObject({
        ok: false,
        firstBroken: { seq: 8, problem: 'entry 8 has been altered' },
        problems: [
          { seq: 8, kind: 'altered', problem: 'entry 8 has been altered' },
          { seq: 11, kind: 'link', problem: 'entry 11 does not link to entry 10' },
          { seq: 14, kind: 'missing', problem: 'entry 14 is missing (next present is 15)' },
        ],
      });
    });
  });

  it('with the audit key, on the embedded database too (whose holder is its DBA): a rewrite with every hash recomputed is found by the seals', async () => {
    const keys = auditKeyringFrom({ JIGSAW_AUDIT_KEY: 'embedded-test-key-0123456789abcdef012345' })!;
    useAuditKey(keys.current);
    try {
      await aMorningsWork(services(t.db()));
    } finally {
      useAuditKey(undefined);
    }
    await sealHead(t.db(), keys.current, new Date('2026-03-02T09:30:00Z'));
    expect(await verifyAuditChain(t.db(), { keys })).toMatchObject({ ok: true, problems: [], sealed: { tail: 0 } });
    // The holder of the data directory changes an outcome and recomputes that hash and every one after it.
    const entries = (await t.db().query<Parameters<typeof toAuditEntry>[0]>(`SELECT ${AUDIT_COLUMNS} FROM audit_event ORDER BY seq`)).rows.map(toAuditEntry);
    let prev = entries[0]!.prevHash;
    for (const e of entries) {
      const { hash: _h, prevHash: _p, ...fields } = e;
      void _h; void _p;
      const changed = e.seq === 4 ? { ...fields, outcome: 'denied' as const } : fields;
      const hash = hashEntry(prev, changed);
      await behindTheApplicationsBack(t.db(), 'UPDATE audit_event SET outcome = $2, prev_hash = $3, hash = $4 WHERE seq = $1', [e.seq, changed.outcome, prev, hash]);
      prev = hash;
    }
    await behindTheApplicationsBack(t.db(), 'UPDATE audit_head SET hash = $1', [prev]);
    // The chain itself is whole again: without the key only the (forgeable) seal rows disagree.
    expect((await verifyAuditChain(t.db())).problems.map((p) => p.kind)).toEqual(['seal']);
    const r = await verifyAuditChain(t.db(), { keys });
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.kind)).toEqual(['unsealed', 'entry-seal', 'seal']);
    expect(r.problems[1]).toMatchObject({ seq: 4, problem: 'entry 4 carries a seal that does not verify with the audit key: it was written or changed other than through Jigsaw' });
  });

  describe('the application’s own connection cannot change the trail', () => {
    const statements: [string, string][] = [
      ['UPDATE', "UPDATE audit_event SET action = 'nothing'"],
      ['DELETE', 'DELETE FROM audit_event WHERE seq = 1'],
      ['TRUNCATE', 'TRUNCATE audit_event'],
    ];

    it.each(statements)('the database refuses %s on audit_event', async (op, sql) => {
      await aMorningsWork(services(t.db()));
      const before = await verifyAuditChain(t.db());
      await expect(t.db().query(sql)).rejects.toThrow(`audit_event is append-only: ${op} is not allowed`);
      await expect(t.db().transaction((tx) => tx.query(sql))).rejects.toThrow(/append-only/);
      expect(await verifyAuditChain(t.db())).toEqual(before);
      expect(before.ok).toBe(true);
    });
  });

  it('holds identifiers only: nothing about Natasha — her name, address or what was recorded — reaches the trail', async () => {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school');
    const teacher = await practitioner(s, school, ['practitioner'], 'Mrs Natasha Teacher');
    const dsl = await practitioner(s, school, ['safeguarding_lead']);
    const hv = await practitioner(s, await agency(s, p, 'health_visiting'));
    const natasha = await person(teacher, {
      names: [{ givenNames: 'Natasha', familyName: 'Example' }, { use: 'alias', givenNames: 'Tash', familyName: 'Natashova' }],
      addresses: [{ line1: '1 Natasha Close', town: 'Northtown', postcode: 'NT1 1AA' }],
      nhsNumber: '9434765919',
    });
    const rec = await addRecord(
      teacher,
      natasha.id,
      concern({ summary: 'Natasha came in hungry', details: 'Natasha said her stepfather shouts', childsWords: 'Natasha: "I was scared"', source: { type: 'member_of_public', description: 'Natasha\'s neighbour', identityProtected: true } }),
    );
    await correctRecord(teacher, rec.id, { baseVersion: 1, correctionReason: 'Natasha spelled wrongly', summary: 'Natasha came in very hungry' });
    await getPerson(dsl, natasha.id);
    await searchPeople(dsl, { name: 'Natasha Example' });
    await listPersonRecords(dsl, natasha.id);
    await getRecord(dsl, rec.id);
    await getRecordHistory(dsl, rec.id);
    await getRecord(hv, rec.id).catch(() => undefined);
    await getPerson(hv, natasha.id).catch(() => undefined);

    const n = await count(t.db());
    expect(n).toBeGreaterThan(10);
    const leaks = await t.db().query<{ row: string }>(
      `SELECT e::text AS row FROM audit_event e
        WHERE e::text ILIKE ANY (ARRAY['%natasha%', '%tash%', '%hungry%', '%stepfather%', '%scared%', '%NT1%', '%9434765919%', '%neighbour%'])`,
    );
    expect(leaks.rows).toEqual([]);
  });
});
