import fc from 'fast-check';
import type { Census } from '../../census.ts';

/**
 * Random censuses of the kind the reader can produce from a hostile or careless file: any field
 * missing, dates that are not dates ("2025-02-30", "yesterday", day-month-year), junk text, repeated
 * or missing LAchildIDs, empty lists. For fast-check properties: no rule may throw on any of them.
 */
const isoDate = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const junk = fc.constantFrom('2025-02-30', 'yesterday', '31/03/2026', '28-06-2025', '2026-03-31T00:00:00', '', ' ', '0', '1', 'false', 'true', '21', 'RC8', 'NaN', '-1');
const value = fc.option(fc.oneof(isoDate, junk, fc.string({ maxLength: 6 })), { nil: null });
const dateish = fc.option(fc.oneof({ weight: 4, arbitrary: isoDate }, { weight: 1, arbitrary: junk }), { nil: null });
const factors = fc.option(fc.array(fc.oneof(fc.constantFrom('21', '18A', '19a', '3A', '3A', 'RB', ''), fc.string({ maxLength: 3 })), { maxLength: 4 }), { nil: null });

const assessment = fc.record({ AssessmentActualStartDate: dateish, AssessmentInternalReviewDate: dateish, AssessmentAuthorisationDate: dateish, AssessmentFactors: factors });
const section47 = fc.record({ S47ActualStartDate: dateish, InitialCPCtarget: fc.option(fc.oneof(isoDate, junk), { nil: null }), DateOfInitialCPC: dateish, ICPCnotRequired: value });
const plan = fc.record({
  CPPstartDate: dateish, CPPendDate: dateish, InitialCategoryOfAbuse: value, LatestCategoryOfAbuse: value, NumberOfPreviousCPP: value, Reviews: fc.array(dateish, { maxLength: 2 }),
});
const episode = fc.record({
  CINreferralDate: dateish, ReferralSource: value, PrimaryNeedCode: value, CINclosureDate: dateish, ReasonForClosure: fc.option(fc.constantFrom('RC1', 'RC8', 'RC9', 'junk'), { nil: null }),
  DateOfInitialCPC: dateish, ReferralNFA: value,
  Assessments: fc.array(assessment, { maxLength: 3 }),
  CINPlanDates: fc.array(fc.record({ CINPlanStartDate: dateish, CINPlanEndDate: dateish }), { maxLength: 2 }),
  Section47: fc.array(section47, { maxLength: 3 }),
  ChildProtectionPlans: fc.array(plan, { maxLength: 2 }),
});
const child = fc.record({
  ChildIdentifiers: fc.record({
    LAchildID: fc.option(fc.constantFrom('A', 'B', 'C'), { nil: null }), UPN: value, FormerUPN: value, UPNunknown: value, PersonBirthDate: dateish,
    ExpectedPersonBirthDate: dateish, GenderCurrent: value, Sex: value, PersonDeathDate: dateish,
  }),
  Ethnicity: value,
  Disabilities: fc.option(fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }), { nil: null }),
  CINdetails: fc.array(episode, { maxLength: 3 }),
});

export const arbitraryCensus: fc.Arbitrary<Census> = fc.record({
  Header: fc.record({
    Collection: value, Year: value, ReferenceDate: fc.option(fc.oneof(fc.constant('2026-03-31'), isoDate, junk), { nil: null }), SourceLevel: value,
    LEA: value, SoftwareCode: value, Release: value, SerialNo: value, DateTime: value,
  }),
  Children: fc.array(child, { maxLength: 4 }),
});
