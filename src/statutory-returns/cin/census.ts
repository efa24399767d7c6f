/**
 * The Children in Need census as the Department for Education's XML carries it: one child after
 * another, each with its identifiers, characteristics and CIN episodes ("CINdetails"), each episode
 * with its assessments, CIN plans, section 47 enquiries and child protection plans. Field names are
 * the XML's element names, so reading, writing and validating need no second vocabulary; values are
 * the text as written (null where the element is absent or empty), because the validator must see
 * what the file says, not what Jigsaw would have meant.
 */

export type Value = string | null;

export interface CensusHeader {
  Collection: Value;
  Year: Value;
  ReferenceDate: Value;
  SourceLevel: Value;
  LEA: Value;
  SoftwareCode: Value;
  Release: Value;
  SerialNo: Value;
  DateTime: Value;
}

export interface ChildIdentifiers {
  LAchildID: Value;
  UPN: Value;
  FormerUPN: Value;
  UPNunknown: Value;
  PersonBirthDate: Value;
  ExpectedPersonBirthDate: Value;
  /** Before 2023–24 the census said GenderCurrent (1 male, 2 female, 0/9 not known); now Sex (M, F, U). */
  GenderCurrent: Value;
  Sex: Value;
  PersonDeathDate: Value;
}

export interface CensusAssessment {
  AssessmentActualStartDate: Value;
  AssessmentInternalReviewDate: Value;
  AssessmentAuthorisationDate: Value;
  /** The factors identified at assessment; null when the element is absent or has no factor. */
  AssessmentFactors: string[] | null;
}

export interface CensusCinPlan {
  CINPlanStartDate: Value;
  CINPlanEndDate: Value;
}

export interface CensusSection47 {
  S47ActualStartDate: Value;
  InitialCPCtarget: Value;
  DateOfInitialCPC: Value;
  ICPCnotRequired: Value;
}

export interface CensusProtectionPlan {
  CPPstartDate: Value;
  CPPendDate: Value;
  InitialCategoryOfAbuse: Value;
  LatestCategoryOfAbuse: Value;
  NumberOfPreviousCPP: Value;
  /** The review conferences' dates: every CPPreviewDate of the plan (the XSD puts them all in one Reviews element). */
  Reviews: Value[];
  /**
   * As a file is read: the first CPPreviewDate of each Reviews element, which is all the DfE's
   * open-source validator reads of them (one row per Reviews element), so its rules see the same.
   * Absent on a census Jigsaw builds, where the validation sees every review.
   */
  ReviewsAsValidatorReads?: Value[];
}

export interface CinDetails {
  CINreferralDate: Value;
  ReferralSource: Value;
  PrimaryNeedCode: Value;
  CINclosureDate: Value;
  ReasonForClosure: Value;
  DateOfInitialCPC: Value;
  ReferralNFA: Value;
  Assessments: CensusAssessment[];
  CINPlanDates: CensusCinPlan[];
  Section47: CensusSection47[];
  ChildProtectionPlans: CensusProtectionPlan[];
}

export interface CensusChild {
  ChildIdentifiers: ChildIdentifiers;
  Ethnicity: Value;
  /** The Disability codes; null when the child has no Disabilities element. */
  Disabilities: string[] | null;
  CINdetails: CinDetails[];
}

export interface Census {
  Header: CensusHeader;
  Children: CensusChild[];
}

export const IDENTIFIER_FIELDS = ['LAchildID', 'UPN', 'FormerUPN', 'UPNunknown', 'PersonBirthDate', 'ExpectedPersonBirthDate', 'GenderCurrent', 'Sex', 'PersonDeathDate'] as const satisfies readonly (keyof ChildIdentifiers)[];
export const CIN_DETAILS_FIELDS = ['CINreferralDate', 'ReferralSource', 'PrimaryNeedCode', 'CINclosureDate', 'ReasonForClosure', 'DateOfInitialCPC', 'ReferralNFA'] as const satisfies readonly (keyof CinDetails)[];
export const ASSESSMENT_FIELDS = ['AssessmentActualStartDate', 'AssessmentInternalReviewDate', 'AssessmentAuthorisationDate'] as const satisfies readonly (keyof CensusAssessment)[];
export const CIN_PLAN_FIELDS = ['CINPlanStartDate', 'CINPlanEndDate'] as const satisfies readonly (keyof CensusCinPlan)[];
export const SECTION_47_FIELDS = ['S47ActualStartDate', 'InitialCPCtarget', 'DateOfInitialCPC', 'ICPCnotRequired'] as const satisfies readonly (keyof CensusSection47)[];
export const PROTECTION_PLAN_FIELDS = ['CPPstartDate', 'CPPendDate', 'InitialCategoryOfAbuse', 'LatestCategoryOfAbuse', 'NumberOfPreviousCPP'] as const satisfies readonly (keyof CensusProtectionPlan)[];

/** The census year's reference date: the 31 March that ends the collection year (2026 → 2026-03-31). */
export const referenceDateOf = (year: number): string => `${year}-03-31`;
