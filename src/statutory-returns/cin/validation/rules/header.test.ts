import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateCensus } from '../engine.ts';
import { census, child, flagged, linesOf, ruleOf } from '../test-census.ts';
import { headerRules } from './header.ts';

const rule = ruleOf(headerRules, '100');

describe('100: the reference date is 31 March of the census year', () => {
  it('31 March of the header year passes', () => {
    expect(flagged(rule, census([child()]))).toEqual([]);
  });
  it('another day is flagged on the census, not on a child', () => {
    const lines = linesOf(rule, census([child()], { ReferenceDate: '2026-03-30' }));
    expect(lines.map((l) => [l.LAchildID, l.tables_affected, l.columns_affected, l.value_flagged])).toEqual([[null, 'Header', 'ReferenceDate', '2026-03-30']]);
  });
  it("a reference date of another year than the header's Year is flagged", () => {
    expect(flagged(rule, census([child()], { Year: '2023', ReferenceDate: '2024-03-31' }))).toEqual(['census']);
  });
  it("is judged against the header's Year, as the validator does, not the year being validated", () => {
    expect(flagged(rule, census([child()], { Year: '2023', ReferenceDate: '2023-03-31' }))).toEqual([]);
  });
  it('a missing reference date, a missing Year or a date that does not exist is flagged', () => {
    for (const h of [{ ReferenceDate: null }, { Year: null }, { Year: 'next', ReferenceDate: '2026-03-31' }, { ReferenceDate: '2026-02-30' }]) {
      expect(flagged(rule, census([child()], h))).toEqual(['census']);
    }
  });
  it('never throws on any header', () => {
    const value = fc.oneof(fc.constant(null), fc.constantFrom('2026', '2026-03-31', '31/03/2026', '2025-02-30', 'yesterday'), fc.string({ maxLength: 12 }));
    fc.assert(fc.property(value, value, (Year, ReferenceDate) => {
      expect(() => validateCensus(census([], { Year, ReferenceDate }), { rules: headerRules })).not.toThrow();
    }), { numRuns: 200 });
  });
});
