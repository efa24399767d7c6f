import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CensusCinPlan, CensusProtectionPlan, CinDetails } from '../../census.ts';
import { validateCensus } from '../engine.ts';
import { census, child, cinDetails, cinPlan, flagged, linesOf, protectionPlan, ruleOf } from '../test-census.ts';
import { cinPlanDatesRules } from './cin-plan-dates.ts';
import { censusArb } from './fuzz-census.ts';

/** What the data team sees: the children a CIN plan rule flags in a small 2025–26 census. */
const rule = (code: string) => ruleOf(cinPlanDatesRules, code);
const one = (id: string, episodes: CinDetails[]) => child({ identifiers: { LAchildID: id }, CINdetails: episodes });
const withPlans = (id: string, plans: Partial<CensusCinPlan>[], cpps: Partial<CensusProtectionPlan>[] = [], d: Partial<CinDetails> = {}) =>
  one(id, [cinDetails({ CINPlanDates: plans.map(cinPlan), ChildProtectionPlans: cpps.map(protectionPlan), ...d })]);

describe('CIN plan rules', () => {
  it('a tidy census breaks none of them', () => {
    // A plan that ended in June, then the open one from 1 July.
    const c = census([withPlans('PLAN', [{ CINPlanStartDate: '2025-06-05', CINPlanEndDate: '2025-06-30' }, {}]), child()]);
    expect(validateCensus(c, { rules: cinPlanDatesRules })).toEqual([]);
  });

  it('4000: a CIN plan on a referral with no further action is flagged', () => {
    const c = census([withPlans('NFA', [{}], [], { ReferralNFA: 'true' }), withPlans('ACTION', [{}])]);
    expect(flagged(rule('4000'), c)).toEqual(['NFA']);
  });

  it('4001: an open CIN plan beside an open protection plan in the episode is flagged', () => {
    const c = census([
      withPlans('BOTHOPEN', [{ CINPlanStartDate: '2025-06-10' }], [{ CPPstartDate: '2025-06-20' }]),
      withPlans('CPPENDED', [{ CINPlanStartDate: '2025-09-01' }], [{ CPPstartDate: '2025-06-20', CPPendDate: '2025-09-01' }]),
    ]);
    expect(flagged(rule('4001'), c)).toEqual(['BOTHOPEN']);
  });

  it('4004: two open CIN plans in one episode are flagged, each of the episode’s plans', () => {
    const c = census([withPlans('TWO', [{ CINPlanStartDate: '2025-06-05', CINPlanEndDate: '2025-06-06' }, {}, { CINPlanStartDate: '2025-08-01' }]), withPlans('ONE', [{}])]);
    expect(flagged(rule('4004'), c)).toEqual(['TWO']);
    expect(linesOf(rule('4004'), c).map((l) => l.ROW_ID)).toEqual([0, 1, 2]);
  });

  it('4010: a plan with no start, or starting after the reference date, is flagged; on the reference date is fine', () => {
    const c = census([withPlans('NOSTART', [{ CINPlanStartDate: null }]), withPlans('LATE', [{ CINPlanStartDate: '2026-04-01' }]), withPlans('LASTDAY', [{ CINPlanStartDate: '2026-03-31' }])]);
    expect(flagged(rule('4010'), c)).toEqual(['LATE', 'NOSTART']);
  });

  it('4011 and 4012Q: an end before the start is flagged; a plan starting and ending on one day is queried', () => {
    const c = census([withPlans('BACKWARDS', [{ CINPlanEndDate: '2025-06-30' }]), withPlans('ONEDAY', [{ CINPlanEndDate: '2025-07-01' }])]);
    expect(flagged(rule('4011'), c)).toEqual(['BACKWARDS']);
    expect(flagged(rule('4012Q'), c)).toEqual(['ONEDAY']);
  });

  it('4013: an end date outside the collection year is flagged; its first and last days are inside', () => {
    const c = census([
      withPlans('BEFORE', [{ CINPlanStartDate: '2025-03-01', CINPlanEndDate: '2025-03-30' }], [], { CINreferralDate: '2025-02-01' }),
      // The validator's year opens on the previous 31 March (see engine.ts).
      withPlans('FIRST', [{ CINPlanStartDate: '2025-03-01', CINPlanEndDate: '2025-03-31' }], [], { CINreferralDate: '2025-02-01' }),
      withPlans('LAST', [{ CINPlanEndDate: '2026-03-31' }]),
      withPlans('AFTER', [{ CINPlanEndDate: '2026-04-01' }]),
    ]);
    expect(flagged(rule('4013'), c)).toEqual(['AFTER', 'BEFORE']);
  });

  it('4014: a plan starting while another of the child’s plans runs is flagged, even on its last day', () => {
    const c = census([
      withPlans('OVERLAP', [{ CINPlanStartDate: '2025-07-01', CINPlanEndDate: '2025-08-01' }, { CINPlanStartDate: '2025-08-01' }]),
      withPlans('APART', [{ CINPlanStartDate: '2025-07-01', CINPlanEndDate: '2025-08-01' }, { CINPlanStartDate: '2025-08-02' }]),
    ]);
    expect(flagged(rule('4014'), c)).toEqual(['OVERLAP']);
  });

  it('4015: a plan starting before the referral is flagged', () => {
    const c = census([withPlans('EARLY', [{ CINPlanStartDate: '2025-05-31' }]), withPlans('SAMEDAY', [{ CINPlanStartDate: '2025-06-01' }])]);
    expect(flagged(rule('4015'), c)).toEqual(['EARLY']);
  });

  it('4016: a CIN plan starting during a protection plan is flagged; starting the day it ends is fine', () => {
    const c = census([
      withPlans('DURING', [{ CINPlanStartDate: '2025-07-01', CINPlanEndDate: '2025-07-02' }], [{ CPPstartDate: '2025-06-20', CPPendDate: '2025-08-01' }]),
      withPlans('OPENCPP', [{ CINPlanStartDate: '2025-07-01', CINPlanEndDate: '2025-07-02' }], [{ CPPstartDate: '2025-06-20' }]),
      withPlans('AFTERCPP', [{ CINPlanStartDate: '2025-08-01' }], [{ CPPstartDate: '2025-06-20', CPPendDate: '2025-08-01' }]),
    ]);
    expect(flagged(rule('4016'), c)).toEqual(['DURING', 'OPENCPP']);
  });

  it('4017: a protection plan starting during a CIN plan is flagged; starting the day the CIN plan ends is fine', () => {
    const c = census([
      withPlans('DURING', [{ CINPlanStartDate: '2025-06-10', CINPlanEndDate: '2025-07-01' }], [{ CPPstartDate: '2025-06-20', CPPendDate: '2025-06-25' }]),
      withPlans('HANDOVER', [{ CINPlanStartDate: '2025-06-10', CINPlanEndDate: '2025-06-20' }], [{ CPPstartDate: '2025-06-20', CPPendDate: '2025-06-25' }]),
    ]);
    expect(flagged(rule('4017'), c)).toEqual(['DURING']);
  });

  it('with no usable reference date, an open plan is not compared with it, but a missing start is still flagged', () => {
    const c = census([withPlans('NOSTART', [{ CINPlanStartDate: null }]), withPlans('OPEN', [{ CINPlanStartDate: '2025-07-01' }], [{ CPPstartDate: '2025-06-20' }])], { ReferenceDate: null });
    expect(flagged(rule('4010'), c)).toEqual(['NOSTART']);
    expect(flagged(rule('4016'), c)).toEqual([]);
    expect(flagged(rule('4013'), c)).toEqual([]);
  });

  it('never throws on any census the reader can produce', () => {
    fc.assert(fc.property(censusArb, (c) => {
      validateCensus(c, { rules: cinPlanDatesRules });
    }), { numRuns: 300 });
  });
});
