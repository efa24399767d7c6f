import type { Census, Value } from '../census.ts';

/**
 * The census as the DfE's validator sees it: ten tables, one row per element, each row carrying
 * the child's LAchildID and the position of its CINdetails (1, 2, … within the child), its
 * assessment and its child protection plan. Row numbers (a row's index in its table, from 0) are
 * what a finding points at, as in the open-source validator's report (its ROW_ID).
 */
export interface CensusTables {
  Header: HeaderRow[];
  ChildIdentifiers: ChildIdentifiersRow[];
  ChildCharacteristics: ChildCharacteristicsRow[];
  Disabilities: DisabilityRow[];
  CINdetails: CinDetailsRow[];
  Assessments: AssessmentRow[];
  CINplanDates: CinPlanRow[];
  Section47: Section47Row[];
  ChildProtectionPlans: ProtectionPlanRow[];
  Reviews: ReviewRow[];
}
export type TableName = keyof CensusTables;

export type HeaderRow = Census['Header'];
export type ChildIdentifiersRow = Census['Children'][number]['ChildIdentifiers'];
export interface ChildCharacteristicsRow { LAchildID: Value; Ethnicity: Value }
export interface DisabilityRow { LAchildID: Value; Disability: Value }
interface InEpisode { LAchildID: Value; CINdetailsID: number }
export interface CinDetailsRow extends InEpisode {
  CINreferralDate: Value; ReferralSource: Value; PrimaryNeedCode: Value; CINclosureDate: Value;
  ReasonForClosure: Value; DateOfInitialCPC: Value; ReferralNFA: Value;
}
export interface AssessmentRow extends InEpisode {
  AssessmentID: number;
  AssessmentActualStartDate: Value; AssessmentInternalReviewDate: Value; AssessmentAuthorisationDate: Value;
  AssessmentFactors: string[] | null;
}
export interface CinPlanRow extends InEpisode { CINPlanStartDate: Value; CINPlanEndDate: Value }
export interface Section47Row extends InEpisode { S47ActualStartDate: Value; InitialCPCtarget: Value; DateOfInitialCPC: Value; ICPCnotRequired: Value }
export interface ProtectionPlanRow extends InEpisode {
  CPPID: number;
  CPPstartDate: Value; CPPendDate: Value; InitialCategoryOfAbuse: Value; LatestCategoryOfAbuse: Value; NumberOfPreviousCPP: Value;
}
export interface ReviewRow extends InEpisode { CPPID: number; CPPreviewDate: Value }

/** Flattens a census into the validator's tables, in document order. */
export function censusTables(census: Census): CensusTables {
  const t: CensusTables = { Header: [census.Header], ChildIdentifiers: [], ChildCharacteristics: [], Disabilities: [], CINdetails: [], Assessments: [], CINplanDates: [], Section47: [], ChildProtectionPlans: [], Reviews: [] };
  for (const child of census.Children) {
    const LAchildID = child.ChildIdentifiers.LAchildID;
    t.ChildIdentifiers.push(child.ChildIdentifiers);
    t.ChildCharacteristics.push({ LAchildID, Ethnicity: child.Ethnicity });
    for (const d of child.Disabilities ?? []) t.Disabilities.push({ LAchildID, Disability: d });
    child.CINdetails.forEach((cin, i) => {
      const CINdetailsID = i + 1;
      const { Assessments, CINPlanDates, Section47, ChildProtectionPlans, ...details } = cin;
      t.CINdetails.push({ LAchildID, CINdetailsID, ...details });
      Assessments.forEach((a, j) => t.Assessments.push({ LAchildID, CINdetailsID, AssessmentID: j + 1, ...a }));
      for (const p of CINPlanDates) t.CINplanDates.push({ LAchildID, CINdetailsID, ...p });
      for (const s of Section47) t.Section47.push({ LAchildID, CINdetailsID, ...s });
      ChildProtectionPlans.forEach((p, j) => {
        const { Reviews, ReviewsAsValidatorReads, ...plan } = p;
        t.ChildProtectionPlans.push({ LAchildID, CINdetailsID, CPPID: j + 1, ...plan });
        for (const r of ReviewsAsValidatorReads ?? Reviews) t.Reviews.push({ LAchildID, CINdetailsID, CPPID: j + 1, CPPreviewDate: r });
      });
    });
  }
  return t;
}
