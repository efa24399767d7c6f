import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jaro, jaroWinkler } from './jaro-winkler.ts';

describe('Jaro–Winkler', () => {
  it('gives the published values (Winkler 1990; Wikipedia worked examples)', () => {
    expect(jaro('martha', 'marhta')).toBeCloseTo(0.9444, 4);
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.9611, 4);
    expect(jaroWinkler('dwayne', 'duane')).toBeCloseTo(0.84, 4);
    expect(jaroWinkler('dixon', 'dicksonx')).toBeCloseTo(0.8133, 4);
    expect(jaro('crate', 'trace')).toBeCloseTo(0.7333, 4);
    expect(jaroWinkler('jellyfish', 'smellyfish')).toBeCloseTo(0.8963, 4);
  });

  it('is 1 for equal strings, 0 for nothing in common or an empty string', () => {
    expect(jaroWinkler('smith', 'smith')).toBe(1);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
    expect(jaroWinkler('', 'abc')).toBe(0);
    expect(jaroWinkler('', '')).toBe(0);
  });

  it('is symmetric and between 0 and 1 for any strings, including long ones that outgrow its buffers', () => {
    fc.assert(fc.property(fc.string({ maxLength: 150 }), fc.string({ maxLength: 150 }), (a, b) => {
      const x = jaroWinkler(a, b);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
      expect(jaroWinkler(b, a)).toBeCloseTo(x, 12);
    }));
  });
});
