import { describe, expect, it } from 'vitest';
import { nameSearchKeys } from '../src/matching/store.ts';
import { addAddress, addRelationship, getPerson, nameWordsSql, searchPeople, searchPeoplePage, searchTerms, setLeadWorker } from '../src/people/people.ts';
import { PersonSearchKey, type Person } from '../src/people/schemas.ts';
import { cursorOf } from '../src/shared/pagination.ts';
import type { ActorContext } from '../src/shared/context.ts';
import { useTestDb } from './db.ts';
import { agency, partnershipWith, person, practitioner, services } from './fixtures.ts';

/**
 * The people search answers from a trigram index (migration 037) rather than reading every name:
 * what a practitioner finds must be what reading every name found — any part of any one of a
 * person's names, however it is typed, a mistyped name by its sound, short words too, in the order
 * the people were added, and never another agency's people.
 */
describe('the people search, answered from the name index', () => {
  const t = useTestDb();

  async function setting(): Promise<{ hv: ActorContext; people: Record<'conor' | 'zoe' | 'siobhan' | 'jo' | 'lukasz' | 'aisha', Person>; elsewhere: Person }> {
    const s = services(t.db());
    const partnership = await partnershipWith(s);
    const hv = await practitioner(s, await agency(s, partnership, 'health_visiting'), ['safeguarding_lead']);
    const school = await practitioner(s, await agency(s, partnership, 'school'), ['safeguarding_lead']);
    const named = async (givenNames: string, familyName: string, more: { givenNames: string; familyName: string; use: 'alias' }[] = []) =>
      person(hv, { names: [{ givenNames, familyName }, ...more] });
    const people = {
      conor: await named('Conor', 'Maddox', [{ givenNames: 'Con', familyName: 'Bright', use: 'alias' }]),
      zoe: await named('Zoë', 'Ünal'),
      siobhan: await named('Siobhán', "O'Neill"),
      jo: await named('Jo', 'Li'),
      lukasz: await named('Łukasz', 'Wiśniewski'),
      aisha: await named('Aisha', 'Rahman'),
    };
    // The same name in another agency's index: never found by this agency's search.
    const elsewhere = await person(school, { names: [{ givenNames: 'Conor', familyName: 'Maddox' }] });
    return { hv, people, elsewhere };
  }

  const ids = (found: Person[]): string[] => found.map((p) => p.id);
  /** The order the search lists people in: when they were added, then id. */
  const inOrderAdded = (list: Person[]): string[] => [...list].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)).map((p) => p.id);

  it('finds any part of a name, in any case and word order, a mistyped name by its sound, and an alias', async () => {
    const { hv, people, elsewhere } = await setting();
    const expectations: [string, Person[]][] = [
      ['ddox', [people.conor]],
      ['MADDOX', [people.conor]],
      ['maddox conor', [people.conor]],
      ['Connor Madox', [people.conor]],
      ['con bright', [people.conor]],
      ['ZOË', [people.zoe]],
      ['siobhán', [people.siobhan]],
      ['wiśniewski', [people.lukasz]],
      ['rahman aisha', [people.aisha]],
    ];
    for (const [name, expected] of expectations) {
      const found = ids(await searchPeople(hv, { name }));
      expect(found, name).toEqual(expected.map((p) => p.id));
      expect(found, name).not.toContain(elsewhere.id);
    }
  });

  it('finds exactly whom reading every name finds (the search as it was before the index), for names typed every which way', async () => {
    const { hv } = await setting();
    // The search before migration 037: every name of the agency's people compared word by word.
    const everyName = async (name: string): Promise<string[]> => (await t.db().query<{ id: string }>(
      `SELECT p.id FROM person p WHERE p.agency_id = $1
          AND (EXISTS (SELECT 1 FROM person_name n WHERE n.person_id = p.id
                  AND (SELECT bool_and(lower(n.given_names || ' ' || n.family_name) LIKE '%' || w || '%') FROM unnest($2::text[]) w))
               OR EXISTS (SELECT 1 FROM person_match_key k WHERE k.person_id = p.id AND k.key = ANY($3::text[])))
        ORDER BY p.created_at, p.id`,
      [hv.actor.agencyId, name.toLowerCase().split(/\s+/).filter(Boolean), nameSearchKeys(name)])).rows.map((r) => r.id);
    const names = ["O'Neill", 'oneill', 'Neil', 'ÜNAL', 'unal', 'zoe', 'Łukasz', 'LUKASZ', 'con', 'Con Maddox', 'ma', 'x', 'i', 'a a', 'Maddox Maddox',
      'Ali Rahman', 'Li Jo', 'ah', 'ish', 'O', "'", '-', 'ñ', 'Jo  Li', 'siobhan', 'Wisniewski'];
    const compare = async (): Promise<void> => {
      for (const name of names) expect(ids(await searchPeople(hv, { name })), name).toEqual(await everyName(name));
    };
    await compare();
    // A handful of rows is read whole whatever the indexes, so the comparison above may not have
    // touched the trigram index. The embedded database (one session) is told to avoid reading whole
    // tables: the names holding each searched name's words then come from the index alone, and must
    // be the ones reading every name gives.
    if (t.db().kind === 'pglite') {
      const holding = async (name: string): Promise<string[]> => {
        const words = searchTerms(name);
        return (await t.db().query<{ id: string }>(`SELECT n.id FROM person_name n WHERE ${nameWordsSql(words, 1)}`, words)).rows.map((r) => r.id).sort();
      };
      const read = new Map<string, string[]>();
      for (const name of names) read.set(name, await holding(name));
      await t.db().query('SET enable_seqscan = off');
      try {
        const plan = (await t.db().query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT n.id FROM person_name n WHERE ${nameWordsSql(['maddox'], 1)}`, ['maddox'])).rows;
        expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('person_name_words_trgm');
        for (const name of names) expect(await holding(name), name).toEqual(read.get(name));
      } finally {
        await t.db().query('RESET enable_seqscan');
      }
    }
  });

  it('words of two different names of one person do not make a match, and no one is found for a name no one has', async () => {
    const { hv } = await setting();
    // "Conor" is in the usual name and "Bright" only in the alias: no one name holds both.
    expect(ids(await searchPeople(hv, { name: 'conor bright' }))).toEqual([]);
    for (const name of ['Smith', '🙂', 'zz', 'Ünal Zoë Smith']) expect(ids(await searchPeople(hv, { name })), name).toEqual([]);
  });

  it('a word of one or two letters still finds everyone whose name holds it, in the order they were added, page by page', async () => {
    const { hv, people } = await setting();
    expect(ids(await searchPeople(hv, { name: 'jo' }))).toEqual([people.jo.id]);
    // "a" is in Conor Maddox, Zoë Ünal, Łukasz Wiśniewski and Aisha Rahman.
    const withA = [people.conor, people.zoe, people.lukasz, people.aisha];
    expect(ids(await searchPeople(hv, { name: 'A' }))).toEqual(inOrderAdded(withA));
    const first = await searchPeoplePage(hv, { name: 'a' }, { limit: 3 });
    expect(first.nextCursor).not.toBeNull();
    const second = await searchPeoplePage(hv, { name: 'a' }, { limit: 3, after: cursorOf('people.search', PersonSearchKey).parse(first.nextCursor) });
    expect([...ids(first.items), ...ids(second.items)]).toEqual(inOrderAdded(withA));
    expect(second.nextCursor).toBeNull();
  });

  it('each person found is shown as opening them shows them: names, addresses, relationships and lead workers, each their own', async () => {
    const { hv, people } = await setting();
    await addAddress(hv, people.conor.id, { line1: '1 Mill Lane', postcode: 'NS1 1AA', validFrom: '2025-01-01' });
    await addAddress(hv, people.conor.id, { line1: '2 Hostel Road', postcode: 'NS1 2BB', validFrom: '2026-01-01' });
    await addAddress(hv, people.aisha.id, { line1: '3 Park View' });
    await addRelationship(hv, people.conor.id, { relatedPersonId: people.aisha.id, type: 'parent' });
    await setLeadWorker(hv, people.aisha.id, { practitionerId: hv.actor.practitionerId, validFrom: '2026-01-01' });
    // "a" finds Conor, Zoë, Łukasz and Aisha: one page of several people, read together.
    const found = await searchPeople(hv, { name: 'a' });
    expect(found).toHaveLength(4);
    for (const p of found) expect(p, p.names[0]!.givenNames).toEqual(await getPerson(hv, p.id));
    expect(found.find((p) => p.id === people.conor.id)!.addresses.map((a) => a.line1)).toEqual(['1 Mill Lane', '2 Hostel Road']);
  });

  it('a name with a date of birth finds only the person born that day', async () => {
    const s = services(t.db());
    const hv = await practitioner(s, await agency(s, await partnershipWith(s), 'health_visiting'), ['safeguarding_lead']);
    const older = await person(hv, { names: [{ givenNames: 'Ruby', familyName: 'Ashford' }], dateOfBirth: '2019-02-01' });
    const younger = await person(hv, { names: [{ givenNames: 'Ruby', familyName: 'Ashford' }], dateOfBirth: '2022-06-30' });
    expect(ids(await searchPeople(hv, { name: 'ruby ashford' }))).toEqual(inOrderAdded([older, younger]));
    expect(ids(await searchPeople(hv, { name: 'ashford', dateOfBirth: '2022-06-30' }))).toEqual([younger.id]);
    expect(ids(await searchPeople(hv, { dateOfBirth: '2019-02-01' }))).toEqual([older.id]);
  });
});
