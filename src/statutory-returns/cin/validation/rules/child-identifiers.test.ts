import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Census, ChildIdentifiers } from '../../census.ts';
import { ruleContext, validateCensus } from '../engine.ts';
import { censusTables } from '../tables.ts';
import { census, child, cinDetails, cinPlan, flagged, linesOf, ruleOf } from '../test-census.ts';
import { addMonths, childIdentifiersRules } from './child-identifiers.ts';

const rule = (code: string) => ruleOf(childIdentifiersRules, code);
/** A child with these identifiers (and the test census's one open episode unless given). */
const kid = (id: string, i: Partial<ChildIdentifiers>, CINdetails?: ReturnType<typeof cinDetails>[]) =>
  child({ identifiers: { LAchildID: id, ...i }, CINdetails });
const cells = (code: string, c: Census) => linesOf(rule(code), c).map((l) => `${l.tables_affected}.${l.columns_affected}`).sort();

describe('child identifier rules', () => {
  describe('UPN format (1510, 1530, 1540, 1550)', () => {
    it('a UPN with the wrong check letter is flagged, the right one is not', () => {
      const c = census([kid('RIGHT', { UPN: 'M931000000002' }), kid('WRONG', { UPN: 'A931000000002' }), kid('NONE', { UPN: null })]);
      expect(flagged(rule('1510'), c)).toEqual(['WRONG']);
    });
    it('a UPN whose digits give a remainder with no check letter (21 or 22) is always flagged', () => {
      expect(flagged(rule('1510'), census([kid('NOLETTER', { UPN: 'A931000000001' })]))).toEqual(['NOLETTER']);
    });
    it('a UPN that is not 13 characters, or not digits after its first, is left to the other UPN rules', () => {
      expect(flagged(rule('1510'), census([kid('SHORT', { UPN: 'A93100' }), kid('LETTERS', { UPN: 'A93100000000X' })]))).toEqual([]);
    });
    it('an unrecognised LA code in characters 2–4 is flagged; 931 and the pseudo-LA 001 are not', () => {
      const c = census([kid('LA999', { UPN: 'C999000000001' }), kid('LA931', { UPN: 'M931000000002' }), kid('LA001', { UPN: 'A001000000000' })]);
      expect(flagged(rule('1530'), c)).toEqual(['LA999']);
    });
    it('a letter among characters 5–12 is flagged', () => {
      const c = census([kid('LETTER', { UPN: 'M9310000X0002' }), kid('DIGITS', { UPN: 'M931000000002' })]);
      expect(flagged(rule('1540'), c)).toEqual(['LETTER']);
    });
    it('a 13th character of I, O or S is flagged; a digit or another letter is not', () => {
      const c = census([kid('ENDS_I', { UPN: 'M93100000000I' }), kid('ENDS_A', { UPN: 'M93100000000A' }), kid('ENDS_2', { UPN: 'M931000000002' })]);
      expect(flagged(rule('1550'), c)).toEqual(['ENDS_I']);
    });
    it('more than one child with the same UPN is a query on the whole return, not a line for a child', () => {
      const c = census([kid('ONE', { UPN: 'M931000000002' }), kid('TWO', { UPN: 'M931000000002' })]);
      expect(flagged(rule('1520'), c)).toEqual([]);
      expect(rule('1520').check(ruleContext(censusTables(c)))).toEqual([{ locations: [], errorId: 'LA level: 1520', authorityLevel: true }]);
      expect(rule('1520').check(ruleContext(censusTables(census([kid('ONE', { UPN: 'M931000000002' })]))))).toEqual([]);
    });
  });

  it('1560Q: a former UPN not a letter and twelve digits is queried', () => {
    const c = census([kid('TEMPORARY', { FormerUPN: 'X98765432123B' }), kid('SHORT', { FormerUPN: 'X987' }), kid('GOOD', { FormerUPN: 'X987654321231' })]);
    expect(flagged(rule('1560Q'), c)).toEqual(['SHORT', 'TEMPORARY']);
  });

  it('1570: an LA child id of 21 characters is flagged, of 20 it is not', () => {
    const c = census([kid('A'.repeat(21), {}), kid('B'.repeat(20), {})]);
    expect(flagged(rule('1570'), c)).toEqual(['A'.repeat(21)]);
  });

  it('1580: an LA child id with anything but letters and digits is flagged', () => {
    expect(flagged(rule('1580'), census([kid('child_1', {}), kid('child-2', {}), kid('Child3', {})]))).toEqual(['child-2', 'child_1']);
  });

  it('2886Q: more than 2% of children with no sex and no expected birth date is a query on the return, not a child', () => {
    const c = census([kid('UNKNOWN', { Sex: 'U' }), kid('KNOWN', { Sex: 'F' })]);
    expect(flagged(rule('2886Q'), c)).toEqual([]);
    expect(rule('2886Q').check(ruleContext(censusTables(c)))).toHaveLength(1);
    expect(rule('2886Q').check(ruleContext(censusTables(census([kid('KNOWN', { Sex: 'F' })]))))).toEqual([]);
  });

  describe('date of death and CIN plans (4008, 4009Q)', () => {
    const died = (id: string, death: string, plan: Partial<ReturnType<typeof cinPlan>>) =>
      kid(id, { PersonDeathDate: death }, [cinDetails({ CINPlanDates: [cinPlan(plan)] })]);
    it('a CIN plan starting the day after the death is flagged, on the day of death it is not', () => {
      const c = census([died('AFTER', '2025-08-01', { CINPlanStartDate: '2025-08-02' }), died('SAME', '2025-08-01', { CINPlanStartDate: '2025-08-01' })]);
      expect(flagged(rule('4008'), c)).toEqual(['AFTER']);
      expect(cells('4008', c)).toEqual(['CINplanDates.CINPlanStartDate', 'ChildIdentifiers.PersonDeathDate']);
    });
    it('a CIN plan ending after the death is queried, ending on it is not', () => {
      const c = census([died('AFTER', '2025-08-01', { CINPlanEndDate: '2025-08-02' }), died('SAME', '2025-08-01', { CINPlanEndDate: '2025-08-01' })]);
      expect(flagged(rule('4009Q'), c)).toEqual(['AFTER']);
    });
  });

  it('4180: a missing sex or one that is not M, F or U is flagged', () => {
    const c = census([kid('MISSING', { Sex: null }), kid('OLDCODE', { Sex: '1' }), kid('M', { Sex: 'M' }), kid('U', { Sex: 'U' })]);
    expect(flagged(rule('4180'), c)).toEqual(['MISSING', 'OLDCODE']);
  });

  it('8500: a child with no LA child id is flagged', () => {
    const lines = linesOf(rule('8500'), census([kid('HAS', {}), child({ identifiers: { LAchildID: null } })]));
    expect(lines.map((l) => [l.LAchildID, l.columns_affected, l.ROW_ID])).toEqual([[null, 'LAchildID', 1]]);
  });

  it('8510: every child sharing an LA child id is flagged', () => {
    const c = census([kid('TWIN', {}), kid('OTHER', {}), kid('TWIN', {})]);
    expect(linesOf(rule('8510'), c).map((l) => l.ROW_ID)).toEqual([0, 2]);
  });

  it('8520: a date of birth after the reference date is flagged, on it is not', () => {
    const c = census([kid('LATE', { PersonBirthDate: '2026-04-01' }), kid('ON', { PersonBirthDate: '2026-03-31' })]);
    expect(flagged(rule('8520'), c)).toEqual(['LATE']);
  });

  it('8525Q: both a date of birth and an expected one, or neither, is queried', () => {
    const c = census([
      kid('BOTH', { ExpectedPersonBirthDate: '2026-05-01' }), kid('NEITHER', { PersonBirthDate: null }),
      kid('BORN', {}), kid('UNBORN', { PersonBirthDate: null, ExpectedPersonBirthDate: '2026-05-01' }),
      kid('NOTADATE', { PersonBirthDate: '2025-02-30' }),
    ]);
    expect(flagged(rule('8525Q'), c)).toEqual(['BOTH', 'NEITHER', 'NOTADATE']);
  });

  it('8530Q: an expected birth 30 days before the reference date or 9 months after it is queried; a day inside is not', () => {
    const unborn = (id: string, d: string) => kid(id, { PersonBirthDate: null, ExpectedPersonBirthDate: d, Sex: 'U' });
    const c = census([unborn('EARLY', '2026-03-01'), unborn('FIRST', '2026-03-02'), unborn('LAST', '2026-12-30'), unborn('LATE', '2026-12-31')]);
    expect(flagged(rule('8530Q'), c)).toEqual(['EARLY', 'LATE']);
  });

  it('8535Q: a death before the birth, or with no birth date, is queried', () => {
    const c = census([
      kid('BEFORE', { PersonBirthDate: '2019-05-04', PersonDeathDate: '2019-05-03' }), kid('SAMEDAY', { PersonBirthDate: '2019-05-04', PersonDeathDate: '2019-05-04' }),
      kid('NOBIRTH', { PersonBirthDate: null, PersonDeathDate: '2025-06-01' }),
    ]);
    expect(flagged(rule('8535Q'), c)).toEqual(['BEFORE', 'NOBIRTH']);
  });

  it("8545Q: every recorded death is queried, since the validator's census period (from the header's Year) is empty", () => {
    const c = census([kid('DIED', { PersonDeathDate: '2025-06-01' }), kid('ALIVE', {}), kid('JUNK', { PersonDeathDate: 'yesterday' })]);
    expect(flagged(rule('8545Q'), c)).toEqual(['DIED']);
  });
  it('8545Q: a header Year written as a date gives the validator a census year, and a death inside it passes', () => {
    const c = census([kid('INSIDE', { PersonDeathDate: '2025-06-01' }), kid('OUTSIDE', { PersonDeathDate: '2024-06-01' })], { Year: '2026/03/31' });
    expect(flagged(rule('8545Q'), c)).toEqual(['OUTSIDE']);
  });

  it('8590: a child with no CIN episode is flagged', () => {
    const c = census([kid('NONE', {}, []), kid('ONE', {})]);
    expect(flagged(rule('8590'), c)).toEqual(['NONE']);
    expect(linesOf(rule('8590'), c).map((l) => l.ERROR_ID)).toEqual(["('NONE',)"]);
  });

  it('8750: an unborn child whose sex is not U is flagged, with sex and both birth dates', () => {
    const c = census([kid('UNBORN_F', { PersonBirthDate: null, ExpectedPersonBirthDate: '2026-05-01', Sex: 'F' }), kid('UNBORN_U', { PersonBirthDate: null, ExpectedPersonBirthDate: '2026-05-01', Sex: 'U' })]);
    expect(flagged(rule('8750'), c)).toEqual(['UNBORN_F']);
    expect(cells('8750', c)).toEqual(['ChildIdentifiers.ExpectedPersonBirthDate', 'ChildIdentifiers.PersonBirthDate', 'ChildIdentifiers.Sex']);
  });

  describe('8770Q: a school-age child (born on or before 31 August 2020 for the 2026 census) with no UPN or reason', () => {
    it('is queried when born on the last day, not the day after', () => {
      const c = census([kid('AUG31', { PersonBirthDate: '2020-08-31' }), kid('SEP1', { PersonBirthDate: '2020-09-01' })]);
      expect(flagged(rule('8770Q'), c)).toEqual(['AUG31']);
    });
    it('is not queried with a UPN, a reason UN2–UN7, or only referrals with no further action', () => {
      const c = census([
        kid('UPN', { PersonBirthDate: '2015-01-01', UPN: 'M931000000002' }), kid('UN2', { PersonBirthDate: '2015-01-01', UPNunknown: 'un2' }),
        kid('NFA', { PersonBirthDate: '2015-01-01' }, [cinDetails({ ReferralNFA: '1' })]), kid('FALSE', { PersonBirthDate: '2015-01-01' }, [cinDetails({ ReferralNFA: 'false' })]),
      ]);
      expect(flagged(rule('8770Q'), c)).toEqual(['FALSE']);
    });
  });

  it('8772: UN7 with a referral going on to further action is flagged, with every referral only NFA it is not', () => {
    const c = census([
      kid('FURTHER', { UPNunknown: 'UN7' }, [cinDetails({ ReferralNFA: '1' }), cinDetails({ ReferralNFA: '0' })]),
      kid('NFA', { UPNunknown: 'UN7' }, [cinDetails({ ReferralNFA: 'true' })]),
    ]);
    expect(flagged(rule('8772'), c)).toEqual(['FURTHER']);
    expect(cells('8772', c)).toEqual(['CINdetails.ReferralNFA', 'ChildIdentifiers.UPNunknown']);
    expect(linesOf(rule('8772'), c).map((l) => l.ERROR_ID)).toEqual(["('FURTHER', 'UN7', '0')", "('FURTHER', 'UN7', '0')"]);
  });

  it('8775Q: a child over 25 with an open episode, or one closed after the 25th birthday, is queried', () => {
    const c = census([
      kid('OPEN', { PersonBirthDate: '2000-01-01' }),
      kid('CLOSEDLATE', { PersonBirthDate: '2000-01-01' }, [cinDetails({ CINclosureDate: '2025-01-02', ReasonForClosure: 'RC1' })]),
      kid('CLOSEDONTIME', { PersonBirthDate: '2000-01-01' }, [cinDetails({ CINclosureDate: '2025-01-01', ReasonForClosure: 'RC1' })]),
      kid('YOUNG', { PersonBirthDate: '2001-04-01' }),
    ]);
    expect(flagged(rule('8775Q'), c)).toEqual(['CLOSEDLATE', 'OPEN']);
  });

  it("dates pandas cannot hold (before 1677) count as absent, as in the validator's reading", () => {
    expect(flagged(rule('8525Q'), census([kid('MEDIEVAL', { ExpectedPersonBirthDate: '1066-04-13' })]))).toEqual([]);
  });

  it('adds months as pandas does, keeping the day or the end of a shorter month', () => {
    expect([addMonths('2026-03-31', 9), addMonths('2025-08-31', 6), addMonths('2024-02-29', -12)]).toEqual(['2026-12-31', '2026-02-28', '2023-02-28']);
  });
});

describe('the identifier rules on any census the reader can produce', () => {
  const value = fc.oneof(
    fc.constant(null),
    fc.constantFrom('2025-06-01', '2026-03-31', '2025-02-30', 'yesterday', '31/03/2026', '1066-01-01', '0', '1', 'true', 'false', 'UN7', 'U', 'M', 'M931000000002', 'X98765432123B', 'CHILD1'),
    fc.string({ maxLength: 16 }),
  );
  const fields = <K extends string>(keys: readonly K[]): fc.Arbitrary<Record<K, string | null>> =>
    fc.record(Object.fromEntries(keys.map((k) => [k, value])));
  const ids = fields(['LAchildID', 'UPN', 'FormerUPN', 'UPNunknown', 'PersonBirthDate', 'ExpectedPersonBirthDate', 'GenderCurrent', 'Sex', 'PersonDeathDate'] as const);
  const episode = fc.record({ details: fields(['CINreferralDate', 'ReferralNFA', 'CINclosureDate'] as const), plans: fc.array(fields(['CINPlanStartDate', 'CINPlanEndDate'] as const), { maxLength: 2 }) });
  const censuses = fc.record({
    header: fields(['Year', 'ReferenceDate'] as const),
    children: fc.array(fc.record({ ids, episodes: fc.array(episode, { maxLength: 3 }) }), { maxLength: 6 }),
  }).map(({ header, children }) => census(children.map((c) => child({
    identifiers: c.ids,
    CINdetails: c.episodes.map((e) => cinDetails({ ...e.details, CINPlanDates: e.plans })),
  })), header));

  it('never throws', () => {
    fc.assert(fc.property(censuses, (c) => {
      expect(() => validateCensus(c, { rules: childIdentifiersRules })).not.toThrow();
    }), { numRuns: 300 });
  });
});
