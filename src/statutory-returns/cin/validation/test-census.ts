import type { Census, CensusAssessment, CensusChild, CensusCinPlan, CensusHeader, CensusProtectionPlan, CensusSection47, ChildIdentifiers, CinDetails } from '../census.ts';
import { validateCensus, type CensusRule, type ReportLine, type ValidateOptions } from './engine.ts';

/**
 * Small censuses for the rules' tests: a child that breaks nothing in the 2025–26 census unless a
 * test says otherwise, with the parts a test changes given as overrides.
 */

export const header = (h: Partial<CensusHeader> = {}): CensusHeader => ({
  Collection: 'CIN', Year: '2026', ReferenceDate: '2026-03-31', SourceLevel: 'L', LEA: '931',
  SoftwareCode: 'Jigsaw', Release: '1', SerialNo: '001', DateTime: '2026-04-10T09:00:00', ...h,
});

export const assessment = (a: Partial<CensusAssessment> = {}): CensusAssessment => ({
  AssessmentActualStartDate: '2025-06-02', AssessmentInternalReviewDate: null, AssessmentAuthorisationDate: '2025-07-01', AssessmentFactors: ['3A'], ...a,
});
export const cinPlan = (p: Partial<CensusCinPlan> = {}): CensusCinPlan => ({ CINPlanStartDate: '2025-07-01', CINPlanEndDate: null, ...p });
export const section47 = (s: Partial<CensusSection47> = {}): CensusSection47 => ({
  S47ActualStartDate: '2025-06-03', InitialCPCtarget: '2025-06-24', DateOfInitialCPC: '2025-06-20', ICPCnotRequired: '0', ...s,
});
export const protectionPlan = (p: Partial<CensusProtectionPlan> = {}): CensusProtectionPlan => ({
  CPPstartDate: '2025-06-20', CPPendDate: null, InitialCategoryOfAbuse: 'NEG', LatestCategoryOfAbuse: 'NEG', NumberOfPreviousCPP: '0', Reviews: ['2025-09-10'], ...p,
});
/** An open episode referred on 1 June 2025, no plan yet: add the parts a test needs. */
export const cinDetails = (d: Partial<CinDetails> = {}): CinDetails => ({
  CINreferralDate: '2025-06-01', ReferralSource: '2A', PrimaryNeedCode: 'N1', CINclosureDate: null, ReasonForClosure: null,
  DateOfInitialCPC: null, ReferralNFA: '0', Assessments: [], CINPlanDates: [], Section47: [], ChildProtectionPlans: [], ...d,
});
export const identifiers = (i: Partial<ChildIdentifiers> = {}): ChildIdentifiers => ({
  LAchildID: 'CHILD1', UPN: null, FormerUPN: null, UPNunknown: 'UN1', PersonBirthDate: '2019-05-04',
  ExpectedPersonBirthDate: null, GenderCurrent: null, Sex: 'F', PersonDeathDate: null, ...i,
});
export const child = (c: { identifiers?: Partial<ChildIdentifiers>; Ethnicity?: string | null; Disabilities?: string[] | null; CINdetails?: CinDetails[] } = {}): CensusChild => ({
  ChildIdentifiers: identifiers(c.identifiers),
  Ethnicity: c.Ethnicity === undefined ? 'WBRI' : c.Ethnicity,
  Disabilities: c.Disabilities === undefined ? ['NONE'] : c.Disabilities,
  CINdetails: c.CINdetails ?? [cinDetails()],
});
export const census = (children: CensusChild[], h: Partial<CensusHeader> = {}): Census => ({ Header: header(h), Children: children });

/** What one rule reports on a census. */
export const linesOf = (rule: CensusRule, c: Census, options: ValidateOptions = {}): ReportLine[] => validateCensus(c, { ...options, rules: [rule] });
/** The children one rule flags ('census' for a line on the header); findings about the whole return are not a child's. */
export const flagged = (rule: CensusRule, c: Census, options: ValidateOptions = {}): string[] =>
  [...new Set(linesOf(rule, c, options).filter((l) => !l.authorityLevel).map((l) => l.LAchildID ?? 'census'))].sort();
/** The rules' findings about the whole return (their codes), listed apart from the children's. */
export const aboutTheReturn = (rule: CensusRule, c: Census, options: ValidateOptions = {}): string[] =>
  linesOf(rule, c, options).filter((l) => l.authorityLevel).map((l) => l.rule_code);
/** The rule with that code from a list. */
export const ruleOf = (rules: readonly CensusRule[], code: string): CensusRule => {
  const r = rules.find((x) => x.code === code);
  if (!r) throw new Error(`No rule ${code}`);
  return r;
};
