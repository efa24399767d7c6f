import { afterEach, describe, expect, it, vi } from 'vitest';
import { candidatesFor, searchCandidates } from '../src/matching/candidates.ts';
import { Scorer } from '../src/matching/model.ts';
import { addAddress, addName, addRelationship } from '../src/people/people.ts';
import { loadMatchInput } from '../src/matching/store.ts';
import { newId } from '../src/shared/ids.ts';
import { useTestDb } from './db.ts';
import { agency, partnershipWith, person, practitioner, services } from './fixtures.ts';

/**
 * Issue 21: the find page's possible-same-person search costs what its answer needs. Entries
 * sharing only a common surname with the name typed are set aside without being explained, and an
 * entry is normalised once per process, yet the practitioner is shown the same candidates, and
 * never on details an entry no longer holds.
 */

const GIVEN = ['Amelia', 'Oliver', 'Isla', 'Noah', 'Freya', 'Leo', 'Ava', 'Arlo', 'Ivy', 'Theo', 'Rosie', 'Finn'];

describe('a name-only search among many strangers with the same surname', () => {
  const t = useTestDb();
  afterEach(() => vi.restoreAllMocks());

  it('lists its own agency\'s agreeing entries, and explains none of the other agencies\' strangers', async () => {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const hv = await practitioner(s, await agency(s, p, 'health_visiting'), ['safeguarding_lead']);
    const school = await practitioner(s, await agency(s, p, 'school'), ['safeguarding_lead']);
    const own = await person(hv, { names: [{ givenNames: 'Conor', familyName: 'Maddox' }], dateOfBirth: '2019-03-14', sex: 'male' });
    const ownSlip = await person(hv, { names: [{ givenNames: 'Connor', familyName: 'Madox' }], dateOfBirth: '2018-07-02', sex: 'male' });
    const ownStranger = await person(hv, { names: [{ givenNames: 'Amelia', familyName: 'Maddox' }], dateOfBirth: '2017-01-09', sex: 'female' });
    for (const [i, given] of GIVEN.entries()) {
      await person(school, { names: [{ givenNames: given, familyName: 'Maddox' }], dateOfBirth: `201${i % 10}-0${(i % 9) + 1}-1${i % 10}`, sex: i % 2 ? 'male' : 'female' });
    }
    const explain = vi.spyOn(Scorer.prototype, 'explain');
    const found = (await searchCandidates(hv, { givenNames: 'Conor', familyName: 'Maddox', minProbability: 0.2 })).candidates;
    // What the practitioner sees: their agency's Conor Maddox first, then the mistyped Connor Madox; not Amelia.
    expect(found.map((c) => c.personId)).toEqual([own.id, ownSlip.id]);
    expect(found[0]!.explanation).toMatch(/same first name.*same surname/);
    // The cost: the other agency's twelve Maddoxes are set aside by the quick weight, never explained.
    expect(explain.mock.calls.length).toBeLessThanOrEqual(3);
    expect(found.map((c) => c.personId)).not.toContain(ownStranger.id);
  });
});

describe('an entry normalised once per process', () => {
  const t = useTestDb();

  it('is scored on its new details once they change, not on those it was first read with', async () => {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const school = await practitioner(s, await agency(s, p, 'school'), ['safeguarding_lead']);
    const hv = await practitioner(s, await agency(s, p, 'health_visiting'), ['safeguarding_lead']);
    const address = { line1: '5 Ashdown Road', town: 'Northshire', postcode: 'NS1 6EJ' };
    const atSchool = await person(school, { names: [{ givenNames: 'Conor', familyName: 'Maddox' }], dateOfBirth: '2019-03-14', sex: 'male', addresses: [address] });
    const atHv = await person(hv, { names: [{ givenNames: 'Conor', familyName: 'Maddox' }], dateOfBirth: '2019-03-14', sex: 'male' });
    const before = (await candidatesFor(school, atSchool.id, 0.01)).candidates;
    expect(before).toHaveLength(1);
    expect(before[0]!.explanation).not.toMatch(/postcode/);
    // The health visitor records the same address: the next search must weigh it.
    await addAddress(hv, atHv.id, address);
    const after = (await candidatesFor(school, atSchool.id, 0.01)).candidates;
    expect(after).toHaveLength(1);
    expect(after[0]!.explanation).toMatch(/postcode/);
    expect(after[0]!.probability).toBeGreaterThanOrEqual(before[0]!.probability);
  });
});

describe('the matcher\'s copy of a person, and the candidates, each read in one statement', () => {
  const t = useTestDb();

  it('reads every name, the current address, earlier postcodes and the recorded parents; and a person with none of them', async () => {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const hv = await practitioner(s, await agency(s, p, 'health_visiting'), ['safeguarding_lead']);
    const mother = await person(hv, { kind: 'adult', names: [{ givenNames: 'Maggie', familyName: 'Maddox' }], dateOfBirth: '1990-02-03' });
    const father = await person(hv, { kind: 'adult', names: [{ givenNames: 'Dan', familyName: 'Maddox' }], dateOfBirth: '1989-02-03' });
    const child = await person(hv, {
      names: [{ givenNames: 'Conor', familyName: 'Maddox' }], dateOfBirth: '2019-03-14', sex: 'male', nhsNumber: '9434765919',
      addresses: [{ line1: '5 Ashdown Road', town: 'Northshire', postcode: 'NS1 6EJ' }],
    });
    await addName(hv, child.id, { use: 'alias', givenNames: 'Con', familyName: 'Doyle' });
    await addAddress(hv, child.id, { line1: '9 Bell Lane', line2: 'Flat 2', town: 'Southby', postcode: 'SB2 1AA', validFrom: '2024-01-01' });
    // Both parents, one of them twice (two relationship types): each name once.
    await addRelationship(hv, child.id, { relatedPersonId: mother.id, type: 'parent' });
    await addRelationship(hv, child.id, { relatedPersonId: mother.id, type: 'parental_responsibility' });
    await addRelationship(hv, child.id, { relatedPersonId: father.id, type: 'parent' });
    const loaded = await loadMatchInput(t.db(), child.id);
    expect(loaded).toEqual({
      agencyId: hv.actor.agencyId,
      input: {
        firstName: 'Conor', lastName: 'Maddox', otherNames: [{ firstName: 'Con', lastName: 'Doyle' }], dateOfBirth: '2019-03-14', expectedDelivery: null,
        sex: 'male', nhsNumber: '9434765919', address: '9 Bell Lane Flat 2', postcode: 'SB2 1AA', town: 'Southby', parents: ['Dan Maddox', 'Maggie Maddox'],
      },
      // The earlier address's postcode is still searched under.
      postcodes: ['NS1 6EJ'],
    });
    const bare = await person(hv, { names: [{ givenNames: 'Amelia', familyName: 'Doyle' }] });
    await t.db().query('DELETE FROM person_name WHERE person_id = $1', [bare.id]);
    expect(await loadMatchInput(t.db(), bare.id)).toEqual({
      agencyId: hv.actor.agencyId,
      input: { firstName: null, lastName: null, otherNames: [], dateOfBirth: '2021-05-04', expectedDelivery: null, sex: 'unknown', nhsNumber: null, address: null, postcode: null, town: null, parents: [] },
      postcodes: [],
    });
    expect(await loadMatchInput(t.db(), '00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('leaves out only the entries recorded as not the same as this person, while the decision stands', async () => {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const hv = await practitioner(s, await agency(s, p, 'health_visiting'), ['safeguarding_lead']);
    const details = { names: [{ givenNames: 'Conor', familyName: 'Maddox' }], dateOfBirth: '2019-03-14', sex: 'male' as const };
    const [a, b, c] = [await person(hv, details), await person(hv, details), await person(hv, details)];
    const ids = async (id: string): Promise<string[]> => (await candidatesFor(hv, id, 0.01)).candidates.map((x) => x.personId!).sort();
    expect(await ids(a.id)).toEqual([b.id, c.id].sort());
    // b and c are not the same: a still sees both; b no longer sees c, nor c b.
    const decided = { id: newId(), decided_by: hv.actor.practitionerId, decided_at: '2026-01-01T00:00:00Z' };
    await t.db().query(`INSERT INTO person_not_same (id, person_id, other_person_id, decided_by, decided_at, reason) VALUES ($1, $2, $3, $4, $5, 'different mothers')`,
      [decided.id, b.id, c.id, decided.decided_by, decided.decided_at]);
    expect(await ids(a.id)).toEqual([b.id, c.id].sort());
    expect(await ids(b.id)).toEqual([a.id]);
    expect(await ids(c.id)).toEqual([a.id]);
    // Undone, the suggestion comes back.
    await t.db().query('UPDATE person_not_same SET undone_at = $2, undone_by = $3, undo_reason = $4 WHERE id = $1', [decided.id, '2026-01-02T00:00:00Z', decided.decided_by, 'same after all']);
    expect(await ids(b.id)).toEqual([a.id, c.id].sort());
  });
});
