import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Census, CensusAssessment, CensusSection47 } from '../../census.ts';
import { validateCensus } from '../engine.ts';
import { census, child, cinDetails, cinPlan, flagged, linesOf, protectionPlan, ruleOf, section47 } from '../test-census.ts';
import { reviewsRules } from './reviews.ts';

const rule = (code: string) => ruleOf(reviewsRules, code);

describe('review rules', () => {
  describe('4003: no protection plan review while a CIN plan is open', () => {
    /** A CIN plan from 1 July to 1 December 2025 and a protection plan ending 1 November, reviewed on `review`. */
    const reviewed = (id: string, review: string, plan: Partial<ReturnType<typeof cinPlan>> = {}, cppEnd: string | null = '2025-11-01') => child({
      identifiers: { LAchildID: id },
      CINdetails: [cinDetails({
        CINPlanDates: [cinPlan({ CINPlanStartDate: '2025-07-01', CINPlanEndDate: '2025-12-01', ...plan })],
        Section47: [section47()],
        ChildProtectionPlans: [protectionPlan({ CPPendDate: cppEnd, Reviews: [review] })],
      })],
    });

    it('a review during the CIN plan is flagged, with the review, the CIN plan and the protection plan', () => {
      const c = census([reviewed('DURING', '2025-09-10')]);
      expect(flagged(rule('4003'), c)).toEqual(['DURING']);
      expect(linesOf(rule('4003'), c).map((l) => `${l.tables_affected}.${l.columns_affected}`).sort())
        .toEqual(['CINplanDates.CINPlanStartDate', 'ChildProtectionPlans.CPPendDate', 'Reviews.CPPreviewDate']);
    });
    it("a review on the CIN plan's first day is flagged, on its last day it is not", () => {
      const c = census([reviewed('FIRST', '2025-07-01', {}, '2025-12-20'), reviewed('LAST', '2025-12-01', {}, '2025-12-20')]);
      expect(flagged(rule('4003'), c)).toEqual(['FIRST']);
    });
    it('a review before the CIN plan, or on the day the protection plan ended, is not flagged', () => {
      expect(flagged(rule('4003'), census([reviewed('BEFORE', '2025-06-25'), reviewed('ENDDAY', '2025-11-01')]))).toEqual([]);
    });
    it('is not flagged while the CIN plan or the protection plan is still open, as the validator only compares ended plans', () => {
      expect(flagged(rule('4003'), census([reviewed('OPENCIN', '2025-09-10', { CINPlanEndDate: null }), reviewed('OPENCPP', '2025-09-10', {}, null)]))).toEqual([]);
    });
  });

  it('8842Q: a review with no date, or one that is not a date, is queried; a dated review is not', () => {
    const withReview = (id: string, review: string | null) => child({ identifiers: { LAchildID: id }, CINdetails: [cinDetails({ Section47: [section47()], ChildProtectionPlans: [protectionPlan({ Reviews: [review] })] })] });
    const c = census([withReview('MISSING', null), withReview('NOTADATE', '2025-09-31'), withReview('WORDS', 'yesterday'), withReview('DATED', '2025-09-10')]);
    expect(flagged(rule('8842Q'), c)).toEqual(['MISSING', 'NOTADATE', 'WORDS']);
    expect(linesOf(rule('8842Q'), c)[0]?.rule_type).toBe('QUERY');
  });
});

/** Anything the census reader could hand over: absent values, dates that are not dates, junk. */
const value = fc.oneof(
  fc.constant(null),
  fc.constantFrom('2025-09-10', '2026-03-31', '2025-02-30', '10/09/2025', 'yesterday', '', '1'),
  fc.integer({ min: 0, max: 900 }).map((d) => new Date(Date.UTC(2024, 10, 1 + d)).toISOString().slice(0, 10)),
  fc.string({ maxLength: 6 }),
);
const episode = fc.record({
  CINreferralDate: value, ReferralSource: value, PrimaryNeedCode: value, CINclosureDate: value, ReasonForClosure: value, DateOfInitialCPC: value, ReferralNFA: value,
  Assessments: fc.constant<CensusAssessment[]>([]),
  CINPlanDates: fc.array(fc.record({ CINPlanStartDate: value, CINPlanEndDate: value }), { maxLength: 3 }),
  Section47: fc.constant<CensusSection47[]>([]),
  ChildProtectionPlans: fc.array(fc.record({ CPPstartDate: value, CPPendDate: value, InitialCategoryOfAbuse: value, LatestCategoryOfAbuse: value, NumberOfPreviousCPP: value, Reviews: fc.array(value, { maxLength: 4 }) }), { maxLength: 3 }),
});
const identifiers = fc.record({
  LAchildID: fc.oneof(fc.constant(null), fc.constantFrom('A', 'B')), UPN: value, FormerUPN: value, UPNunknown: value, PersonBirthDate: value,
  ExpectedPersonBirthDate: value, GenderCurrent: value, Sex: value, PersonDeathDate: value,
});
const anyCensus: fc.Arbitrary<Census> = fc.record({
  Header: fc.record({ Collection: value, Year: value, ReferenceDate: value, SourceLevel: value, LEA: value, SoftwareCode: value, Release: value, SerialNo: value, DateTime: value }),
  Children: fc.array(fc.record({ ChildIdentifiers: identifiers, Ethnicity: value, Disabilities: fc.option(fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 })), CINdetails: fc.array(episode, { maxLength: 3 }) }), { maxLength: 4 }),
});

it('no census the reader can produce makes these rules fail', () => {
  fc.assert(fc.property(anyCensus, (c) => {
    expect(() => validateCensus(c, { rules: reviewsRules })).not.toThrow();
  }), { numRuns: 300 });
});
