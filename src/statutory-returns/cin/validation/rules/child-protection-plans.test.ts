import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Census } from '../../census.ts';
import { validateCensus } from '../engine.ts';
import { aboutTheReturn, assessment, census, child, cinDetails, cinPlan, flagged, linesOf, protectionPlan, ruleOf, section47 } from '../test-census.ts';
import { childProtectionPlansRules } from './child-protection-plans.ts';

const rule = (code: string) => ruleOf(childProtectionPlansRules, code);
/** One child (CHILD1, or the id given) with one episode referred on 1 June 2025 carrying these plans. */
const withPlans = (plans: ReturnType<typeof protectionPlan>[], episode: Parameters<typeof cinDetails>[0] = {}, id = 'CHILD1') =>
  child({ identifiers: { LAchildID: id }, CINdetails: [cinDetails({ Section47: [section47()], ChildProtectionPlans: plans, ...episode })] });

describe('child protection plan rules', () => {
  it('1105: a plan starting before its referral is flagged, one starting on the referral day is not', () => {
    expect(flagged(rule('1105'), census([withPlans([protectionPlan({ CPPstartDate: '2025-05-31' })], {}, 'EARLY'), withPlans([protectionPlan({ CPPstartDate: '2025-06-01' })], {}, 'SAMEDAY')]))).toEqual(['EARLY']);
  });

  it('2883: more plans starting in the year than initial conferences is a finding about the whole return, not a child', () => {
    const noConference = child({ CINdetails: [cinDetails({ ChildProtectionPlans: [protectionPlan()] })] });
    expect(aboutTheReturn(rule('2883'), census([noConference]))).toEqual(['2883']);
    expect(flagged(rule('2883'), census([noConference]))).toEqual([]);
    expect(aboutTheReturn(rule('2883'), census([withPlans([protectionPlan()])]))).toEqual([]);
  });

  describe('2885: a plan starting in the year starts on the day of its initial conference', () => {
    it('a plan starting a day after its section 47 conference is flagged', () => {
      expect(flagged(rule('2885'), census([withPlans([protectionPlan({ CPPstartDate: '2025-06-21' })])]))).toEqual(['CHILD1']);
    });
    it('a second plan in the episode starting on another day is flagged though the first matches', () => {
      const c = census([withPlans([protectionPlan({ CPPendDate: '2025-07-01' }), protectionPlan({ CPPstartDate: '2025-08-01' })])]);
      expect(linesOf(rule('2885'), c).map((l) => `${l.tables_affected}.${l.columns_affected}.${l.ROW_ID}`)).toEqual(['ChildProtectionPlans.CPPstartDate.1']);
    });
    it('a plan starting on its section 47 conference day is not', () => {
      expect(flagged(rule('2885'), census([withPlans([protectionPlan()])]))).toEqual([]);
    });
    it("without a section 47, the episode's own conference date counts", () => {
      const ok = child({ CINdetails: [cinDetails({ DateOfInitialCPC: '2025-06-20', ChildProtectionPlans: [protectionPlan()] })] });
      const off = child({ identifiers: { LAchildID: 'OFF' }, CINdetails: [cinDetails({ DateOfInitialCPC: '2025-06-19', ChildProtectionPlans: [protectionPlan()] })] });
      expect(flagged(rule('2885'), census([ok, off]))).toEqual(['OFF']);
    });
    it('a plan that started before the census year is not checked', () => {
      const old = withPlans([protectionPlan({ CPPstartDate: '2025-03-01' })], { CINreferralDate: '2025-02-01' });
      expect(flagged(rule('2885'), census([old]))).toEqual([]);
    });
  });

  describe('8565: nothing happens in an episode after it closed', () => {
    const closed = (d: Parameters<typeof cinDetails>[0]) => cinDetails({ CINclosureDate: '2025-07-01', ReasonForClosure: 'RC1', ...d });
    it('an assessment authorised the day after the episode closed is flagged', () => {
      const late = child({ identifiers: { LAchildID: 'LATE' }, CINdetails: [closed({ Assessments: [assessment({ AssessmentAuthorisationDate: '2025-07-02' })] })] });
      const onTime = child({ CINdetails: [closed({ Assessments: [assessment({ AssessmentAuthorisationDate: '2025-07-01' })] })] });
      expect(flagged(rule('8565'), census([late, onTime]))).toEqual(['LATE']);
    });
    it("a plan ending after the episode closed is not flagged (the validator never compares plans' end dates)", () => {
      const c = child({ CINdetails: [closed({ Section47: [section47()], ChildProtectionPlans: [protectionPlan({ CPPendDate: '2025-08-01' })] })] });
      expect(flagged(rule('8565'), census([c]))).toEqual([]);
    });
    it('reports nothing for the census when CIN plans and section 47s break it in different numbers, as the validator does', () => {
      const plans = child({ identifiers: { LAchildID: 'PLAN' }, CINdetails: [closed({ CINPlanDates: [cinPlan({ CINPlanStartDate: '2025-07-05' })] })] });
      const late = child({ identifiers: { LAchildID: 'LATE' }, CINdetails: [closed({ Assessments: [assessment({ AssessmentAuthorisationDate: '2025-07-02' })] })] });
      expect(flagged(rule('8565'), census([plans, late]))).toEqual([]);
      const s47 = child({ identifiers: { LAchildID: 'S47' }, CINdetails: [closed({ Section47: [section47({ S47ActualStartDate: '2025-07-03' })] })] });
      expect(flagged(rule('8565'), census([plans, late, s47]))).toEqual(['LATE', 'PLAN', 'S47']);
    });
  });

  it('8720: a plan with no start date or starting after the reference date is flagged; one starting on it is not', () => {
    const c = census([
      withPlans([protectionPlan({ CPPstartDate: null })], {}, 'MISSING'),
      withPlans([protectionPlan({ CPPstartDate: '2026-04-01' })], {}, 'AFTER'),
      withPlans([protectionPlan({ CPPstartDate: '2026-03-31' })], {}, 'ONDAY'),
    ]);
    expect(flagged(rule('8720'), c)).toEqual(['AFTER', 'MISSING']);
  });

  describe('8730: the number of previous plans is given and not negative', () => {
    it('a missing or negative number is flagged, nought is not', () => {
      const c = census([withPlans([protectionPlan({ NumberOfPreviousCPP: null })], {}, 'MISSING'), withPlans([protectionPlan({ NumberOfPreviousCPP: '-1' })], {}, 'NEGATIVE'), withPlans([protectionPlan()], {}, 'NOUGHT')]);
      expect(flagged(rule('8730'), c)).toEqual(['MISSING', 'NEGATIVE']);
    });
    it('reads numbers as Python does, spaces and underscores between digits included', () => {
      const c = census([withPlans([protectionPlan({ NumberOfPreviousCPP: ' -1_0 ' })], {}, 'NEGATIVE'), withPlans([protectionPlan({ NumberOfPreviousCPP: '1_0' })], {}, 'TEN')]);
      expect(flagged(rule('8730'), c)).toEqual(['NEGATIVE']);
    });
    it('reports nothing when any plan gives something that is not a whole number, as the validator does', () => {
      const c = census([withPlans([protectionPlan({ NumberOfPreviousCPP: null })], {}, 'MISSING'), withPlans([protectionPlan({ NumberOfPreviousCPP: 'two' })], {}, 'WORDS')]);
      expect(flagged(rule('8730'), c)).toEqual([]);
    });
  });

  describe('8832: no plan on a referral with no further action', () => {
    it('a plan on an episode closed with no further action is flagged; one on an ordinary episode is not', () => {
      expect(flagged(rule('8832'), census([withPlans([protectionPlan()], { ReferralNFA: '1' }, 'NFA')]))).toEqual(['NFA']);
      expect(flagged(rule('8832'), census([withPlans([protectionPlan()], { ReferralNFA: 'true' }, 'NFA')]))).toEqual(['NFA']);
      expect(flagged(rule('8832'), census([withPlans([protectionPlan()], { ReferralNFA: '0' })]))).toEqual([]);
    });
    it("points at the rows the validator points at: the plan with the episode's row number and the episode with the plan's", () => {
      // The breach is episode row 1 with plan row 0; plan row 1 does not exist and episode row 0 is not no-further-action.
      const c = census([child({ identifiers: { LAchildID: 'A' } }), withPlans([protectionPlan()], { ReferralNFA: '1' }, 'B')]);
      expect(flagged(rule('8832'), c)).toEqual([]);
    });
  });

  it('8840: a plan starting and ending on the same day is flagged', () => {
    const c = census([withPlans([protectionPlan({ CPPendDate: '2025-06-20' })], {}, 'SAME'), withPlans([protectionPlan({ CPPendDate: '2025-06-21' })], {}, 'NEXT')]);
    expect(flagged(rule('8840'), c)).toEqual(['SAME']);
  });

  it('8841: a review on or before the day its plan started is flagged; one the day after is not', () => {
    const c = census([
      withPlans([protectionPlan({ Reviews: ['2025-06-20'] })], {}, 'SAMEDAY'),
      withPlans([protectionPlan({ Reviews: ['2025-06-01'] })], {}, 'BEFORE'),
      withPlans([protectionPlan({ Reviews: ['2025-06-21'] })], {}, 'AFTER'),
    ]);
    expect(flagged(rule('8841'), c)).toEqual(['BEFORE', 'SAMEDAY']);
  });

  it.each([['8905', 'InitialCategoryOfAbuse'], ['8910', 'LatestCategoryOfAbuse']] as const)('%s: a missing or unknown category of abuse is flagged', (code, column) => {
    const c = census([withPlans([protectionPlan({ [column]: null })], {}, 'MISSING'), withPlans([protectionPlan({ [column]: 'XYZ' })], {}, 'UNKNOWN'), withPlans([protectionPlan({ [column]: 'PHY' })], {}, 'KNOWN')]);
    expect(flagged(rule(code), c)).toEqual(['MISSING', 'UNKNOWN']);
  });

  it.each([['8915', 'CPPstartDate', '2025-06-20'], ['8920', 'CPPendDate', '2025-08-01']] as const)('%s: a plan date after the child died is flagged, one on the day is not', (code, column, date) => {
    const died = (id: string, death: string) => child({ identifiers: { LAchildID: id, PersonDeathDate: death }, CINdetails: [cinDetails({ Section47: [section47()], ChildProtectionPlans: [protectionPlan({ [column]: date })] })] });
    expect(flagged(rule(code), census([died('BEFORE', '2025-06-19'), died('ONDAY', date)]))).toEqual(['BEFORE']);
  });

  it('8925: a plan ending before it started is flagged', () => {
    const c = census([withPlans([protectionPlan({ CPPendDate: '2025-06-19' })], {}, 'BACKWARDS'), withPlans([protectionPlan({ CPPendDate: '2025-06-20' })], {}, 'SAME')]);
    expect(flagged(rule('8925'), c)).toEqual(['BACKWARDS']);
  });

  it('8930: a plan end outside the census year is flagged; 1 April and the reference date are in it', () => {
    // 31 March 2025 is left out: which year it belongs to is the engine's collection start (see the report on make_census_period).
    const ends = { EARLY: '2025-03-30', FIRST: '2025-04-01', LAST: '2026-03-31', LATE: '2026-04-01' };
    const c = census(Object.entries(ends).map(([id, end]) => withPlans([protectionPlan({ CPPstartDate: '2025-01-10', CPPendDate: end })], { CINreferralDate: '2025-01-01' }, id)));
    expect(flagged(rule('8930'), c)).toEqual(['EARLY', 'LATE']);
  });

  describe('8935: no more than one open plan', () => {
    it("two episodes each with an open first plan are flagged", () => {
      const c = census([child({ CINdetails: [cinDetails({ ChildProtectionPlans: [protectionPlan()] }), cinDetails({ CINreferralDate: '2025-07-01', ChildProtectionPlans: [protectionPlan({ CPPstartDate: '2025-07-10' })] })] })]);
      expect(flagged(rule('8935'), c)).toEqual(['CHILD1']);
    });
    it('two open plans in one episode are not, as the validator tells plans apart by their place in the episode', () => {
      expect(flagged(rule('8935'), census([withPlans([protectionPlan(), protectionPlan({ CPPstartDate: '2025-07-10' })])]))).toEqual([]);
    });
    it('one open plan and one ended plan are not', () => {
      const c = census([child({ CINdetails: [cinDetails({ ChildProtectionPlans: [protectionPlan({ CPPendDate: '2025-06-30' })] }), cinDetails({ CINreferralDate: '2025-07-01', ChildProtectionPlans: [protectionPlan({ CPPstartDate: '2025-07-10' })] })] })]);
      expect(flagged(rule('8935'), c)).toEqual([]);
    });
  });

  describe('8940: plans do not overlap', () => {
    it('a plan starting while an earlier one is open is flagged', () => {
      expect(flagged(rule('8940'), census([withPlans([protectionPlan(), protectionPlan({ CPPstartDate: '2025-08-01' })])]))).toEqual(['CHILD1']);
    });
    it('a plan starting on the day the earlier one ended is flagged, the day after is not', () => {
      const ended = protectionPlan({ CPPendDate: '2025-07-31' });
      expect(flagged(rule('8940'), census([withPlans([ended, protectionPlan({ CPPstartDate: '2025-07-31' })], {}, 'ONDAY'), withPlans([ended, protectionPlan({ CPPstartDate: '2025-08-01' })], {}, 'NEXT')]))).toEqual(['ONDAY']);
    });
  });
});

/** Anything the census reader could hand over: absent values, dates that are not dates, junk. */
const value = fc.oneof(
  fc.constant(null),
  fc.constantFrom('2025-06-20', '2026-03-31', '2025-02-30', '31/03/2026', 'yesterday', '', '0', '1', '-1', 'true', 'NEG', 'two'),
  fc.integer({ min: 0, max: 900 }).map((d) => new Date(Date.UTC(2024, 10, 1 + d)).toISOString().slice(0, 10)),
  fc.string({ maxLength: 6 }),
);
const plan = fc.record({ CPPstartDate: value, CPPendDate: value, InitialCategoryOfAbuse: value, LatestCategoryOfAbuse: value, NumberOfPreviousCPP: value, Reviews: fc.array(value, { maxLength: 3 }) });
const episode = fc.record({
  CINreferralDate: value, ReferralSource: value, PrimaryNeedCode: value, CINclosureDate: value, ReasonForClosure: value, DateOfInitialCPC: value, ReferralNFA: value,
  Assessments: fc.array(fc.record({ AssessmentActualStartDate: value, AssessmentInternalReviewDate: value, AssessmentAuthorisationDate: value, AssessmentFactors: fc.option(fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 })) }), { maxLength: 2 }),
  CINPlanDates: fc.array(fc.record({ CINPlanStartDate: value, CINPlanEndDate: value }), { maxLength: 2 }),
  Section47: fc.array(fc.record({ S47ActualStartDate: value, InitialCPCtarget: value, DateOfInitialCPC: value, ICPCnotRequired: value }), { maxLength: 2 }),
  ChildProtectionPlans: fc.array(plan, { maxLength: 3 }),
});
const identifiers = fc.record({
  LAchildID: fc.oneof(fc.constant(null), fc.constantFrom('A', 'B', '')), UPN: value, FormerUPN: value, UPNunknown: value, PersonBirthDate: value,
  ExpectedPersonBirthDate: value, GenderCurrent: value, Sex: value, PersonDeathDate: value,
});
const header = fc.record({ Collection: value, Year: value, ReferenceDate: value, SourceLevel: value, LEA: value, SoftwareCode: value, Release: value, SerialNo: value, DateTime: value });
const anyCensus: fc.Arbitrary<Census> = fc.record({
  Header: header,
  Children: fc.array(fc.record({ ChildIdentifiers: identifiers, Ethnicity: value, Disabilities: fc.option(fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 })), CINdetails: fc.array(episode, { maxLength: 3 }) }), { maxLength: 4 }),
});

it('no census the reader can produce makes these rules fail', () => {
  fc.assert(fc.property(anyCensus, (c) => {
    expect(() => validateCensus(c, { rules: childProtectionPlansRules })).not.toThrow();
  }), { numRuns: 300 });
});
