import { afterEach, describe, expect, it, vi } from 'vitest';
import { candidatesFor, searchCandidates } from '../src/matching/candidates.ts';
import { Scorer } from '../src/matching/model.ts';
import { addAddress } from '../src/people/people.ts';
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
