import fc from 'fast-check';
import type { Census } from '../../census.ts';

/**
 * Random censuses for the rules' "never throws" properties: every field may be absent, a real date,
 * an impossible one, a word, or one of the codes the rules look for; children share a few ids (and
 * may have none) so that rules that pair rows across episodes and children get pairs to compare.
 */

const value = fc.oneof(
  fc.constant(null),
  fc.constantFrom('2025-04-01', '2025-03-31', '2025-06-01', '2026-03-31', '2026-04-01', '2024-01-15', '1970-01-01', '01/06/2025'),
  fc.constantFrom('2025-02-30', 'yesterday', '', ' ', '0', '1', 'true', 'false', 'TRUE', 'RC2', 'RC8', 'RC9', 'N1', 'N10', '2A', '=1+1'),
  fc.string({ maxLength: 6 }),
);
const id = fc.constantFrom('A', 'B', null);

const assessment = fc.record({
  AssessmentActualStartDate: value, AssessmentInternalReviewDate: value, AssessmentAuthorisationDate: value,
  AssessmentFactors: fc.oneof(fc.constant(null), fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 })),
});
const episode = fc.record({
  CINreferralDate: value, ReferralSource: value, PrimaryNeedCode: value, CINclosureDate: value, ReasonForClosure: value,
  DateOfInitialCPC: value, ReferralNFA: value,
  Assessments: fc.array(assessment, { maxLength: 2 }),
  CINPlanDates: fc.array(fc.record({ CINPlanStartDate: value, CINPlanEndDate: value }), { maxLength: 3 }),
  Section47: fc.array(fc.record({ S47ActualStartDate: value, InitialCPCtarget: value, DateOfInitialCPC: value, ICPCnotRequired: value }), { maxLength: 3 }),
  ChildProtectionPlans: fc.array(fc.record({
    CPPstartDate: value, CPPendDate: value, InitialCategoryOfAbuse: value, LatestCategoryOfAbuse: value, NumberOfPreviousCPP: value,
    Reviews: fc.array(value, { maxLength: 2 }),
  }), { maxLength: 2 }),
});
const childArb = fc.record({
  ChildIdentifiers: fc.record({
    LAchildID: id, UPN: value, FormerUPN: value, UPNunknown: value, PersonBirthDate: value, ExpectedPersonBirthDate: value,
    GenderCurrent: value, Sex: value, PersonDeathDate: value,
  }),
  Ethnicity: value,
  Disabilities: fc.oneof(fc.constant(null), fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 })),
  CINdetails: fc.array(episode, { maxLength: 3 }),
});

export const censusArb: fc.Arbitrary<Census> = fc.record({
  Header: fc.record({
    Collection: value, Year: value, ReferenceDate: value, SourceLevel: value, LEA: value, SoftwareCode: value,
    Release: value, SerialNo: value, DateTime: value,
  }),
  Children: fc.array(childArb, { maxLength: 4 }),
});
