import { censusDate, type CensusRule, type Finding, type RuleContext } from '../engine.ts';

/** The DfE's validation rules on this part of the census (see ../engine.ts). */
export const headerRules: readonly CensusRule[] = [
  {
    // The reference date must be present and be 31 March of the header's own Year. The validator
    // compares it with the header's Year, not with the year being validated, and so do we: a
    // census whose Year is missing or not a year has no expected date, so any date is wrong.
    code: '100',
    check: ({ tables }: RuleContext): Finding[] => {
      const header = tables.Header[0];
      if (!header) return [];
      const year = header.Year?.trim() ?? '';
      const expected = /^\d{4}$/.test(year) ? censusDate(`${year}-03-31`) : null;
      const actual = censusDate(header.ReferenceDate);
      return actual !== null && actual === expected ? [] : [{ locations: [{ table: 'Header', column: 'ReferenceDate', row: 0 }] }];
    },
  },
];
