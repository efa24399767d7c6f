import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { referencePath } from '../../../../test/reference.ts';
import { readCensusXml } from '../census-xml-read.ts';
import { RULE_CATALOGUE, validateCensus, type CensusRule } from './engine.ts';
import { CENSUS_RULES } from './rules/index.ts';

/**
 * The judge of the rules: for each fake census file of test/reference/cin/fake_data, the report
 * that the open-source validator (data-to-insight's csc-validator-be-cin, rules for 2025–26) made
 * of it is beside it in golden_reports; Jigsaw must flag the same children under the same rules.
 */
const FILES = readdirSync(referencePath('cin/fake_data')).filter((f) => f.endsWith('.xml')).sort();

/** The (child, rule) pairs of a golden report, for one rule: `nan` is the census-level line (no child). */
function goldenPairs(file: string, code: string): string[] {
  const rows = parse<Record<string, string>>(readFileSync(referencePath(`cin/golden_reports/${file.replace(/\.xml$/, '.user_report.csv')}`), 'utf8'), { columns: true });
  return [...new Set(rows.filter((r) => r.rule_code === code).map((r) => r.LAchildID ?? 'nan'))].sort();
}

function ourPairs(file: string, rule: CensusRule): string[] {
  const census = readCensusXml(readFileSync(referencePath(`cin/fake_data/${file}`), 'utf8'));
  // Findings about the whole return are listed apart, never in the validator's user_report.csv.
  return [...new Set(validateCensus(census, { rules: [rule] }).filter((l) => !l.authorityLevel).map((l) => l.LAchildID ?? 'nan'))].sort();
}

describe('the census validation rules agree with the open-source validator on the fake census files', () => {
  it('has every rule of the DfE catalogue, once', () => {
    const codes = CENSUS_RULES.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect([...codes].sort()).toEqual(Object.keys(RULE_CATALOGUE).sort());
  });

  describe.each(CENSUS_RULES.map((r) => [r.code, r] as const))('rule %s', (code, rule) => {
    it.each(FILES)('flags the same children in %s', (file) => {
      expect(ourPairs(file, rule)).toEqual(goldenPairs(file, code));
    });
  });
});
