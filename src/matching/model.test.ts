import { describe, expect, it } from 'vitest';
import { confidenceOf, shippedModel } from './candidates.ts';
import { dedupe } from './engine.ts';
import { expectationMaximisation, PatternCounts, seededRandom } from './train.ts';
import { COMPARISONS } from './comparisons.ts';
import { defaultModel, Scorer, type TermFrequencies } from './model.ts';
import { prepare, type MatchInput } from './record.ts';

const NF = COMPARISONS.length;

describe('expectation–maximisation', () => {
  it('recovers known m and λ from unlabelled comparison patterns drawn from a known mixture', () => {
    // Three binary-ish fields (levels 1 = agree, 2 = disagree); the rest missing.
    const trueM = [0.95, 0.9, 0.8];
    const trueU = [0.05, 0.1, 0.2];
    const lambda = 0.3;
    const rnd = seededRandom(1);
    const data = new PatternCounts();
    const levels = new Uint8Array(NF);
    for (let k = 0; k < 200_000; k++) {
      const match = rnd() < lambda;
      levels.fill(0);
      for (let f = 0; f < 3; f++) levels[f] = rnd() < (match ? trueM[f]! : trueU[f]!) ? 1 : 2;
      data.add(levels);
    }
    const u = COMPARISONS.map((c, f) => (f < 3 ? [0, trueU[f]!, 1 - trueU[f]!] : c.levels.map(() => 0.5)));
    const mStart = COMPARISONS.map((c, f) => (f < 3 ? [0, 0.6, 0.4] : c.levels.map(() => 0.5)));
    const estimate = COMPARISONS.map((_, f) => f < 3);
    const r = expectationMaximisation(data, u, mStart, estimate);
    expect(r.converged).toBe(true);
    expect(r.lambda).toBeCloseTo(lambda, 2);
    trueM.forEach((m, f) => expect(r.m[f]![1]).toBeCloseTo(m, 2));
  });

  it('trains a whole model without labels and finds planted duplicates', () => {
    const rnd = seededRandom(3);
    const firsts = ['oliver', 'amelia', 'jack', 'isla', 'harry', 'ava', 'george', 'mia', 'noah', 'emily', 'leo', 'grace'];
    const lasts = ['smith', 'jones', 'taylor', 'brown', 'patel', 'wilson', 'evans', 'khan', 'walker', 'wright', 'green', 'hall', 'wood', 'clarke'];
    const people: MatchInput[] = [];
    const cluster: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const p: MatchInput = {
        firstName: firsts[Math.floor(rnd() * firsts.length)], lastName: lasts[Math.floor(rnd() * lasts.length)],
        dateOfBirth: `20${10 + Math.floor(rnd() * 10)}-0${1 + Math.floor(rnd() * 9)}-1${Math.floor(rnd() * 9)}`,
        postcode: `LS${1 + Math.floor(rnd() * 20)} ${Math.floor(rnd() * 9)}AB`, sex: rnd() < 0.5 ? 'female' : 'male',
      };
      people.push(p);
      cluster.push(i);
      if (rnd() < 0.3) {
        people.push({ ...p, lastName: rnd() < 0.3 ? `${p.lastName}e` : p.lastName, postcode: rnd() < 0.3 ? 'YO1 7HH' : p.postcode });
        cluster.push(i);
      }
    }
    const r = dedupe(people, { minProbability: 0.5, seed: 5 });
    expect(r.model.training.sessions.every((s) => s.converged)).toBe(true);
    let tp = 0;
    for (let k = 0; k < r.pairs.length; k++) if (cluster[r.pairs.left[k]!] === cluster[r.pairs.right[k]!]) tp++;
    const truePairs = people.length - new Set(cluster).size;
    expect(tp / truePairs).toBeGreaterThan(0.9);
    expect(tp / r.pairs.length).toBeGreaterThan(0.95);
    // The model is plain JSON, saved and loaded unchanged.
    expect(JSON.parse(JSON.stringify(r.model))).toEqual(r.model);
  });
});

describe('scores, explanations and the guard against merging two children', () => {
  /** Term frequencies of a population of a million with very common "Jack" and "Smith". */
  const commonNames: TermFrequencies = { total: 1_000_000, first: new Map([['jack', 20_000]]), last: new Map([['smith', 12_000]]) };
  const model = shippedModel();
  const scorer = new Scorer(model, commonNames, model.duplicatesPerRecord / 1_000_000);

  const jack = (extra: Partial<MatchInput>): MatchInput => ({ firstName: 'Jack', lastName: 'Smith', dateOfBirth: '2021-05-04', sex: 'male', ...extra });

  it('explains a pair in words, field by field, without quoting either record', () => {
    const s = scorer.explain(prepare(jack({ postcode: 'LS6 2AB' })), prepare({ firstName: 'Jack', lastName: 'Smyth', dateOfBirth: '2021-05-04', postcode: 'YO1 7HH' }));
    expect(s.explanation).toBe('same first name (a common name); surname nearly the same (one letter different), sounds the same; same date of birth; different postcode');
    expect(s.contributions.map((c) => c.field)).toEqual(['first_name', 'last_name', 'date_of_birth', 'postcode']);
    expect(s.explanation).not.toMatch(/smith|smyth|LS6|YO1|2021/i);
  });

  it('two different children with the same common name and date of birth but different parents are not a confident match', () => {
    const a = prepare(jack({ parents: ['Dawn Smith', 'Mark Smith'], address: '12 Mill Lane', postcode: 'LS6 2AB' }));
    const b = prepare(jack({ parents: ['Sarah Smith'], address: '4 Oak Close', postcode: 'LS11 5QT' }));
    const s = scorer.explain(a, b);
    expect(s.conflicts).toContain('recorded parents all different');
    expect(confidenceOf(s)).not.toBe('confident');
    expect(s.probability).toBeLessThan(0.5);
  });

  it('nor are two children with the same common name and date of birth and different NHS numbers', () => {
    const s = scorer.explain(prepare(jack({ nhsNumber: '9434765919' })), prepare(jack({ nhsNumber: '4010232137' })));
    expect(confidenceOf(s)).not.toBe('confident');
    expect(s.probability).toBeLessThan(0.5);
  });

  it('while the same child recorded by two agencies with a parent in common is', () => {
    const a = prepare(jack({ parents: ['Dawn Smith'], postcode: 'LS6 2AB' }));
    const b = prepare(jack({ firstName: 'Jak', parents: ['Dawn Smith', 'Mark Smith'], postcode: 'LS6 2AB' }));
    expect(confidenceOf(scorer.explain(a, b))).toBe('confident');
  });

  it('a shared rare surname counts for more than a shared common one', () => {
    const rare = scorer.explain(prepare(jack({ lastName: 'Wojciechowska' })), prepare(jack({ lastName: 'Wojciechowska', dateOfBirth: '2019-01-01' })));
    const common = scorer.explain(prepare(jack({})), prepare(jack({ dateOfBirth: '2019-01-01' })));
    expect(rare.matchWeight).toBeGreaterThan(common.matchWeight + 3);
  });

  it('works with the untrained defaults too', () => {
    const s = new Scorer(defaultModel(), null).explain(prepare(jack({})), prepare(jack({})));
    expect(s.probability).toBeGreaterThan(0.5);
  });
});
