import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Census } from '../../census.ts';
import { ruleContext, validateCensus } from '../engine.ts';
import { censusTables } from '../tables.ts';
import { census, child, cinDetails, flagged, linesOf, ruleOf } from '../test-census.ts';
import { childCharacteristicsRules } from './child-characteristics.ts';

const rule = (code: string) => ruleOf(childCharacteristicsRules, code);
const withDisabilities = (id: string, Disabilities: string[] | null, ReferralNFA = '0') =>
  child({ identifiers: { LAchildID: id }, Disabilities, CINdetails: [cinDetails({ ReferralNFA })] });
const cells = (code: string, c: Census) => linesOf(rule(code), c).map((l) => `${l.tables_affected}.${l.columns_affected}`).sort();
const findings = (code: string, c: Census) => rule(code).check(ruleContext(censusTables(c)));

describe('child characteristic rules', () => {
  it('4220: a missing or unknown ethnicity is flagged', () => {
    const c = census([child({ identifiers: { LAchildID: 'MISSING' }, Ethnicity: null }), child({ identifiers: { LAchildID: 'OLD' }, Ethnicity: 'ABAB' }), child({ identifiers: { LAchildID: 'OK' }, Ethnicity: 'WIRT' })]);
    expect(flagged(rule('4220'), c)).toEqual(['MISSING', 'OLD']);
  });

  describe('8540: a child referred on for further action needs valid disability codes', () => {
    it('a child with no disability recorded is flagged on the date of birth and the referral', () => {
      const c = census([withDisabilities('NONE_RECORDED', null)]);
      expect(flagged(rule('8540'), c)).toEqual(['NONE_RECORDED']);
      expect(cells('8540', c)).toEqual(['CINdetails.ReferralNFA', 'ChildIdentifiers.PersonBirthDate']);
    });
    it('an unknown code is flagged with the code itself; valid codes are not', () => {
      const c = census([withDisabilities('BAD', ['HAND', 'WINGS']), withDisabilities('GOOD', ['HAND', 'VIS'])]);
      expect(flagged(rule('8540'), c)).toEqual(['BAD']);
      expect(linesOf(rule('8540'), c).filter((l) => l.tables_affected === 'Disabilities').map((l) => l.value_flagged)).toEqual(['WINGS']);
    });
    it('a referral with no further action, or an unborn child, is not flagged', () => {
      const unborn = child({ identifiers: { LAchildID: 'UNBORN', PersonBirthDate: null, ExpectedPersonBirthDate: '2026-05-01' }, Disabilities: null });
      expect(flagged(rule('8540'), census([withDisabilities('NFA', null, '1'), unborn]))).toEqual([]);
    });
  });

  it("2887Q is a query on the whole return, not a line for a child (the validator counts the NONE codes: 7 or fewer raise it)", () => {
    const few = census([withDisabilities('A', ['NONE']), withDisabilities('B', ['HAND'])]);
    expect(flagged(rule('2887Q'), few)).toEqual([]);
    expect(findings('2887Q', few)).toEqual([{ locations: [], errorId: 'LA level: 2887Q', authorityLevel: true }]);
    const many = census(Array.from({ length: 8 }, (_, i) => withDisabilities(`N${i}`, ['NONE'])));
    expect(findings('2887Q', many)).toEqual([]);
  });

  it('2888Q is a query on the whole return, raised (as the validator does) when no child has NONE twice', () => {
    expect(findings('2888Q', census([withDisabilities('A', ['NONE']), withDisabilities('B', ['HAND', 'VIS'])]))).toHaveLength(1);
    expect(findings('2888Q', census([withDisabilities('A', ['NONE', 'NONE'])]))).toEqual([]);
    expect(findings('2888Q', census([withDisabilities('B', ['HAND'])]))).toEqual([]);
    expect(flagged(rule('2888Q'), census([withDisabilities('A', ['NONE'])]))).toEqual([]);
  });

  it('8790: NONE beside another code flags the other code', () => {
    const c = census([withDisabilities('MIXED', ['NONE', 'HAND']), withDisabilities('NONE_ONLY', ['NONE']), withDisabilities('CODES', ['HAND', 'VIS'])]);
    expect(flagged(rule('8790'), c)).toEqual(['MIXED']);
    expect(linesOf(rule('8790'), c).map((l) => l.value_flagged)).toEqual(['HAND']);
  });

  it('8794: the same code twice for a child flags both; the same code for two children does not', () => {
    const c = census([withDisabilities('TWICE', ['HAND', 'HAND', 'VIS']), withDisabilities('OTHER', ['HAND'])]);
    expect(flagged(rule('8794'), c)).toEqual(['TWICE']);
    expect(linesOf(rule('8794'), c).map((l) => l.ROW_ID)).toEqual([0, 1]);
  });
});

describe('the characteristic rules on any census the reader can produce', () => {
  const text = fc.oneof(fc.constantFrom('NONE', 'none', 'HAND', 'WBRI', '0', 'false', '1', '2019-05-04', '2025-02-30', 'yesterday'), fc.string({ maxLength: 8 }));
  const value = fc.option(text, { nil: null });
  const censuses = fc.array(fc.record({
    LAchildID: value, PersonBirthDate: value, Ethnicity: value,
    Disabilities: fc.option(fc.array(text, { minLength: 1, maxLength: 4 }), { nil: null }),
    referrals: fc.array(value, { maxLength: 3 }),
  }), { maxLength: 8 }).map((children) => census(children.map((c) => child({
    identifiers: { LAchildID: c.LAchildID, PersonBirthDate: c.PersonBirthDate }, Ethnicity: c.Ethnicity, Disabilities: c.Disabilities,
    CINdetails: c.referrals.map((ReferralNFA) => cinDetails({ ReferralNFA })),
  }))));

  it('never throws', () => {
    fc.assert(fc.property(censuses, (c) => {
      expect(() => validateCensus(c, { rules: childCharacteristicsRules })).not.toThrow();
    }), { numRuns: 300 });
  });
});
