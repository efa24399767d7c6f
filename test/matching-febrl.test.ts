import { describe, expect, it } from 'vitest';
import { accuracy, loadFebrl } from '../bench/lib/linkage.ts';
import { dedupe } from '../src/matching/engine.ts';
import { referencePath } from './reference.ts';

const path = referencePath('linkage/febrl3.csv');

describe('FEBRL3 deduplication without the national ID (soc_sec_id)', () => {
  it('reaches recall ≥ 0.95 at precision ≥ 0.99, training without labels', () => {
    const set = loadFebrl(path, 'febrl3', false);
    const r = dedupe(set.records, { minProbability: 0.01 });
    const a = accuracy(r.pairs, set.cluster);
    expect(a.recallAtPrecision99).toBeGreaterThanOrEqual(0.95);
    expect(a.precision).toBeGreaterThanOrEqual(0.99);
  });
});
