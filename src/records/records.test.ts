import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { addRecord, correctRecord, getRecord, getRecordHistory, listPersonRecords } from './records.ts';

describe('agency records', () => {
  const t = useTestDb();

  it('a teacher records a concern about Jack and her colleague in the same school can read it', async () => {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school');
    const teacher = await practitioner(s, school);
    const colleague = await practitioner(s, school);
    const jack = await person(teacher);
    const rec = await addRecord(teacher, jack.id, concern());
    expect((await getRecord(colleague, rec.id)).summary).toBe('Often late and hungry');
    expect(await listPersonRecords(colleague, jack.id)).toHaveLength(1);
  });

  it('the health visitor cannot read the school record: it looks exactly like a record that does not exist', async () => {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const teacher = await practitioner(s, await agency(s, p, 'school'));
    const hv = await practitioner(s, await agency(s, p, 'health_visiting'));
    const jack = await person(teacher);
    const rec = await addRecord(teacher, jack.id, concern());
    const outOfReach = await getRecord(hv, rec.id).catch((e: unknown) => e);
    const missing = await getRecord(hv, '00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
    expect(outOfReach).toMatchObject({ status: 404, detail: 'No record with that identifier was found.' });
    expect(missing).toMatchObject({ status: 404, detail: 'No record with that identifier was found.' });
  });

  it('a correction adds a version and the history keeps what the record said before', async () => {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const teacher = await practitioner(s, await agency(s, p, 'school'));
    const jack = await person(teacher);
    const rec = await addRecord(teacher, jack.id, concern());
    const corrected = await correctRecord(teacher, rec.id, { baseVersion: 1, correctionReason: 'Wrong day', occurredAt: '2026-02-27T10:00:00Z' });
    expect(corrected.version).toBe(2);
    expect(corrected.backdated).toBe(true);
    const history = await getRecordHistory(teacher, rec.id);
    expect(history.map((h) => h.occurredAt)).toEqual(['2026-03-01T10:00:00.000Z', '2026-02-27T10:00:00.000Z']);
    await expect(correctRecord(teacher, rec.id, { baseVersion: 1, correctionReason: 'again' })).rejects.toMatchObject({ status: 409 });
  });
});
