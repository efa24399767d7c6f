import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candidatesFor, confidenceOf, productPrior, shippedModel } from '../src/matching/candidates.ts';
import { FIRST_NAME, DATE_OF_BIRTH } from '../src/matching/comparisons.ts';
import { dedupe } from '../src/matching/engine.ts';
import { Scorer, termFrequencies } from '../src/matching/model.ts';
import { prepare, type MatchInput } from '../src/matching/record.ts';
import type { Candidate } from '../src/matching/schemas.ts';
import { addRelationship } from '../src/people/people.ts';
import { useTestDb } from './db.ts';
import { agency, partnershipWith, person, practitioner, services } from './fixtures.ts';

/**
 * "Never merge two children by mistake": brothers, sisters and twins share a home, a surname, a
 * postcode and a mother, and must still not come out as the same child.
 */
describe('a family recorded by two agencies', () => {
  const t = useTestDb();

  it('offers the boy\'s own entry at the other agency, and never his sister or his twin brother', async () => {
    const s = services(t.db());
    const p = await partnershipWith(s);
    // Safeguarding leads: the roles shown another agency's candidates (by an opaque reference).
    const school = await practitioner(s, await agency(s, p, 'school', 'Riverside Primary'), ['safeguarding_lead']);
    const hv = await practitioner(s, await agency(s, p, 'health_visiting', 'Northshire Health Visiting'), ['safeguarding_lead']);
    // Which entry each offered reference stands for: read from the offers, as only the service can.
    const entries = async (found: { candidates: Candidate[] }): Promise<(Candidate & { entry: string })[]> => {
      const { rows } = await t.db().query<{ id: string; candidate_person_id: string }>('SELECT id, candidate_person_id FROM match_offer');
      const of = new Map(rows.map((r) => [r.id, r.candidate_person_id]));
      return found.candidates.map((c) => ({ ...c, entry: c.personId ?? of.get(c.ref)! }));
    };
    const home = { line1: '5 Ashdown Road', town: 'Northshire', postcode: 'NS1 6EJ' };
    const mum = await person(school, { kind: 'adult', names: [{ givenNames: 'Donna', familyName: 'Carver' }], dateOfBirth: '1994-07-29', sex: 'female', addresses: [home] });
    const child = (givenNames: string, dateOfBirth: string, sex: 'male' | 'female') =>
      person(school, { names: [{ givenNames, familyName: 'Carver' }], dateOfBirth, sex, addresses: [home] });
    const jack = await child('Jack', '2022-04-22', 'male');
    const jenny = await child('Jenny', '2020-05-06', 'female');
    const harry = await child('Harry', '2022-04-22', 'male');
    for (const c of [jack, jenny, harry]) await addRelationship(school, c.id, { relatedPersonId: mum.id, type: 'parent' });
    // The health visitor's Jack: same child, postcode mistyped.
    const jackAtHv = await person(hv, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2022-04-22', sex: 'male', addresses: [{ ...home, postcode: 'NS1 6FJ' }] });
    const jackNoPostcode = await person(hv, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2022-04-22', sex: 'male', addresses: [{ line1: home.line1, town: home.town }] });

    for (const [ctx, id, self] of [[hv, jackAtHv.id, jack.id], [hv, jackNoPostcode.id, jack.id], [school, jack.id, jackAtHv.id]] as const) {
      const found = await entries(await candidatesFor(ctx, id, 0));
      const byId = new Map(found.map((c) => [c.entry, c]));
      expect(byId.get(self)).toMatchObject({ confidence: 'confident' });
      expect(byId.get(self)!.probability).toBeGreaterThan(0.95);
      for (const other of [jenny.id, harry.id, mum.id]) {
        const c = byId.get(other);
        if (c) {
          expect(c.confidence).toBe('unlikely');
          expect(c.probability).toBeLessThan(0.5);
        }
      }
    }
    // From the school's side, the twin and the sister are not offered at the usual threshold, or only as unlikely.
    const offered = await entries(await candidatesFor(school, jack.id));
    expect(offered.filter((c) => c.confidence !== 'unlikely').map((c) => c.entry).sort()).toEqual([jackAtHv.id, jackNoPostcode.id].sort());
    const twin = (await candidatesFor(school, harry.id, 0)).candidates.find((c) => c.personId === jack.id);
    expect(twin?.probability ?? 0).toBeLessThan(0.5);
    expect(twin?.confidence ?? 'unlikely').toBe('unlikely');
  });
});

describe('different first name and date of birth', () => {
  const model = shippedModel();
  // Each pair below differs on first name at the comparison's "different" level (no nickname, no likeness).
  const firsts = ['Jack', 'Jenny', 'Harry', 'Mia', 'Oliver', 'Amelia', 'Noah', 'Isla', 'George', 'Ava', 'Leo', 'Grace', 'Donna', 'Mark'];
  const date = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2025-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const household = fc.record({
    lastName: maybe(fc.constantFrom('Carver', 'Smith', 'Wojciechowska')),
    sex: maybe(fc.constantFrom('male', 'female')),
    address: maybe(fc.constantFrom('5 Ashdown Road', '12 Mill Lane')),
    postcode: maybe(fc.constantFrom('NS1 6EJ', 'NS1 6FJ', 'LS6 2AB')),
    town: maybe(fc.constantFrom('Northshire', 'Leeds')),
    parents: maybe(fc.constantFrom(['Donna Carver'], ['Donna Carver', 'Mark Carver'], ['Sarah Okafor'])),
  });

  it('is never a confident match, whatever the household details and the size of the database', () => {
    fc.assert(
      fc.property(fc.constantFrom(...firsts), fc.constantFrom(...firsts), date, date, household, household, fc.constantFrom(10, 1_000, 1_000_000), (f1, f2, d1, d2, h1, h2, population) => {
        const a: MatchInput = { firstName: f1, dateOfBirth: d1, ...h1 };
        const b: MatchInput = { firstName: f2, dateOfBirth: d2, ...h2 };
        const pa = prepare(a);
        const pb = prepare(b);
        fc.pre(FIRST_NAME.compare(pa, pb) === FIRST_NAME.levels.indexOf('different'));
        fc.pre(DATE_OF_BIRTH.compare(pa, pb) === DATE_OF_BIRTH.levels.indexOf('different'));
        const tf = termFrequencies([pa, pb]);
        tf.total = population;
        const score = new Scorer(model, tf, productPrior(model, population)).explain(pa, pb);
        expect(score.conflicts).toContain('different first name and date of birth');
        expect(confidenceOf(score)).not.toBe('confident');
      }),
      { numRuns: 500 },
    );
  });

  it('the fast score agrees with the explained one, families or not', () => {
    const people: MatchInput[] = [
      { firstName: 'Jack', lastName: 'Carver', dateOfBirth: '2022-04-22', sex: 'male', address: '5 Ashdown Road', postcode: 'NS1 6EJ', town: 'Northshire', parents: ['Donna Carver'] },
      { firstName: 'Jenny', lastName: 'Carver', dateOfBirth: '2020-05-06', sex: 'female', address: '5 Ashdown Road', postcode: 'NS1 6EJ', town: 'Northshire', parents: ['Donna Carver'] },
      { firstName: 'Harry', lastName: 'Carver', dateOfBirth: '2022-04-22', sex: 'male', address: '5 Ashdown Road', postcode: 'NS1 6EJ', town: 'Northshire' },
      { firstName: 'Jak', lastName: 'Carver', dateOfBirth: '2022-04-22', sex: 'male', address: '14 Kirkstall Road', postcode: 'LS3 1HS', town: 'Leeds' },
      { firstName: 'Jack', lastName: 'Carvre', dateOfBirth: '2022-04-22', address: '5 Ashdon Road', postcode: 'NS1 6FJ', town: 'Northshire' },
    ];
    const prepared = people.map((p) => prepare(p));
    for (const m of [model, { ...model, household: undefined }]) {
      const scorer = new Scorer(m, termFrequencies(prepared), productPrior(m, 1_000));
      for (const a of prepared) for (const b of prepared) expect(scorer.weight(a, b)).toBeCloseTo(scorer.explain(a, b).matchWeight, 1);
    }
  });

  it('a file of a family is recognised as one when a model is trained on it', () => {
    const family: MatchInput[] = [];
    for (let i = 0; i < 60; i++) {
      const home = { address: `${i + 1} Ashdown Road`, postcode: `NS${1 + (i % 9)} 6EJ`, town: 'Northshire' };
      const last = ['Carver', 'Patel', 'Smith', 'Okafor', 'Nowak', 'Hughes'][i % 6]! + String.fromCharCode(97 + (i % 26));
      family.push({ firstName: 'Donna', lastName: last, dateOfBirth: `19${70 + (i % 25)}-07-2${i % 9}`, sex: 'female', ...home });
      family.push({ firstName: 'Jenny', lastName: last, dateOfBirth: `20${10 + (i % 12)}-05-0${1 + (i % 9)}`, sex: 'female', ...home });
      family.push({ firstName: 'Jack', lastName: last, dateOfBirth: `20${10 + (i % 12)}-11-1${i % 9}`, sex: 'male', ...home });
    }
    expect(dedupe(family, { seed: 1 }).model.household).toBeDefined();
  });
});
