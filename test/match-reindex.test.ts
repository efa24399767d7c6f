import { describe, expect, it } from 'vitest';
import { reindexStaleEntries, staleEntries } from '../src/matching/reindex.ts';
import { MATCH_INDEX_VERSION } from '../src/matching/store.ts';
import { searchPeople } from '../src/people/people.ts';
import { useTestDb } from './db.ts';
import { agency, partnershipWith, person, practitioner, services } from './fixtures.ts';

/**
 * A partnership upgrading from a version without the search keys: its people were indexed under
 * the blocking rules only, so a name-only search with a typo ("Madox") did not find them. The
 * server reindexes them when it starts (and `jigsaw match reindex` on demand); afterwards the
 * search finds them, and a second run has nothing to do.
 */
describe('reindexing entries indexed by an older matcher', () => {
  const t = useTestDb();

  it('an entry indexed before the search keys is found by a mistyped surname once reindexed', async () => {
    const s = services(t.db());
    const hv = await practitioner(s, await agency(s, await partnershipWith(s), 'health_visiting'), ['safeguarding_lead']);
    const conor = await person(hv, { names: [{ givenNames: 'Conor', familyName: 'Maddox' }], dateOfBirth: '2019-03-14', sex: 'male' });
    // As an older version left it: version 1, no search keys.
    await t.db().query("DELETE FROM person_match_key WHERE person_id = $1 AND (key LIKE 's:%' OR key LIKE 'p:%')", [conor.id]);
    await t.db().query('UPDATE person_match SET index_version = 1 WHERE person_id = $1', [conor.id]);
    expect((await searchPeople(hv, { name: 'Madox' })).map((p) => p.id)).not.toContain(conor.id);
    expect(await staleEntries(t.db())).toBe(1);

    const first = await reindexStaleEntries(t.db(), () => new Date('2026-12-06T12:00:00Z'), { batch: 1 });
    expect(first).toEqual({ reindexed: 1, ran: true });
    expect((await searchPeople(hv, { name: 'Madox' })).map((p) => p.id)).toContain(conor.id);
    const row = (await t.db().query<{ index_version: number }>('SELECT index_version FROM person_match WHERE person_id = $1', [conor.id])).rows[0];
    expect(row?.index_version).toBe(MATCH_INDEX_VERSION);
    expect(await reindexStaleEntries(t.db(), () => new Date())).toEqual({ reindexed: 0, ran: true });
  });
});
