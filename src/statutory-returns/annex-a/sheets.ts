import { CLOSURE_REASON_CODES, PRIMARY_NEED_CODES, codeDescription } from '../cin/codes.ts';
import { derivedChildId } from '../cin/census-from-episodes.ts';

/**
 * Ofsted's Annex A workbook as its template (test/reference/annex-a/Annex_A_2024_Jan.xlsx) lays it
 * out: the sheet names and column headers exactly as the template spells them (so "Age" where the
 * guidance says "Age of Child (Years)", and List 8's "(Y/N))"), and the values in the forms the
 * template and Annex_A_schema.yml use ("a) Male", "a) WBRI", "q) 6: Police", "b) No").
 */

/** A calendar date (YYYY-MM-DD, London): written to the workbook as a date, not as text. */
export interface DateCell { date: string }
export type Cell = string | number | DateCell | null;
export const day = (d: string | null | undefined): DateCell | null => (d ? { date: d } : null);

const CHILD = ['Child Unique ID', 'Gender', 'Ethnicity', 'Date of Birth', 'Age'];
const CHILD_D = [...CHILD, 'Does the Child have a Disability'];
const ALLOCATED = ['Allocated Team', 'Allocated Worker'];

export const SHEETS = {
  list1: { name: 'List 1', title: 'Contacts', headers: [...CHILD, 'Date of Contact', 'Contact Source'] },
  list2: { name: 'List 2', title: 'Early help assessments', headers: [...CHILD, 'Assessment start date', 'Assessment completion date', 'Organisation completing assessment'] },
  list3: { name: 'List 3', title: 'Referrals', headers: [...CHILD, 'Date of Referral', 'Referral Source', 'Referral NFA?', 'Number of Referrals in Last 12 Months', ...ALLOCATED] },
  list4: {
    name: 'List 4', title: 'Assessments',
    headers: [...CHILD_D, 'Continuous Assessment Start Date', 'Child Seen During Continuous Assessment', 'Continuous Assessment Date of Authorisation',
      "Was the child assessed as requiring LA children's social care support?", ...ALLOCATED],
  },
  list5: {
    name: 'List 5', title: 'Section 47 enquiries',
    headers: [...CHILD_D, 'Strategy discussion initiating Section 47 Enquiry Start Date', 'Was an Initial Child Protection Conference deemed unnecessary?',
      'Date of Initial Child Protection Conference', 'Did the Initial Child Protection Conference Result in a Child Protection Plan',
      'Number of Section 47 Enquiries in the last 12 months', 'Number of ICPCs in the last 12 months', ...ALLOCATED],
  },
  list6: {
    name: 'List 6', title: 'Children in need',
    headers: [...CHILD_D, 'CIN Start Date', 'Primary Need Code', 'Date Child Was Last Seen', 'CIN Closure Date', 'Reason for Closure', 'Case Status', ...ALLOCATED],
  },
  list7: {
    name: 'List 7', title: 'Child protection plans',
    headers: [...CHILD_D, 'Child Protection Plan Start Date', 'Initial Category of Abuse', 'Latest Category of Abuse', 'Date of the Last Statutory Visit',
      'Was the Child Seen Alone?', 'Date of latest review conference', 'Child Protection Plan End Date',
      'Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)', 'Number of Previous Child Protection Plans', ...ALLOCATED],
  },
  list8: {
    name: 'List 8', title: 'Children looked after',
    headers: [...CHILD, 'Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N))', 'Does the Child have a Disability', 'Date Started to be Looked After',
      "Child's Category of Need", 'Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)', 'Start date of current legal status',
      "Child's Legal Status", 'Date of Latest Statutory Review', 'Date of Last Social Work Visit', 'What is the permanence plan for this child?',
      'Date of Last IRO Visit / Contact to the Child', 'Date of Last Health Assessment', 'Date of Last Dental Check', 'Number of Placements in the Last 12 months',
      'Date Ceased to be Looked After', 'Reason Ceased to be Looked After', 'Start Date of Most Recent Placement', 'Placement Type', 'Placement Provider',
      'Placement postcode', 'URN of Placement', 'Placement Location', 'LA of Placement',
      'Number of Episodes the Child has been ‘Missing’ from their Placement in the last 12 months',
      'Number of Episodes the Child has been ‘Absent’ from their Placement in the last 12 months',
      'Was the child offered a Return Interview after their last missing episode (Y/N)?', 'Did the child accept a Return Interview after their last missing episode (Y/N)?', ...ALLOCATED],
  },
  list9: {
    name: 'List 9', title: 'Care leavers',
    headers: [...CHILD, 'Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)', 'Does the Child have a Disability', ...ALLOCATED,
      'Allocated Personal Advisor', 'Eligibility Category', 'Latest Pathway Plan Review Date', 'LA in Touch', 'Latest Date of Contact', 'Type of Accommodation',
      'Suitability of Accommodation', 'Activity Status'],
  },
  list10: {
    name: 'List 10', title: 'Adoption (children)',
    headers: ['Child Unique ID', 'Family identifier', 'Gender', 'Ethnicity', 'Date of Birth', 'Age of Child (Years)', 'Does the Child have a Disability',
      'Date the Child Entered Care', 'Date of Decision that Child Should be Placed for Adoption', 'Date of Placement Order',
      'Date of Matching Child and Prospective Adopters', 'Date Placed for Adoption', 'Date of Adoption Order',
      'Date of Decision that Child Should No Longer be Placed for Adoption', 'Reason Why Child No Longer Placed for Adoption',
      'Date the child was placed for fostering in FFA or concurrent planning placement'],
  },
  list11: {
    name: 'List 11', title: 'Adopters',
    headers: ['Individual adopter identifier', 'Family identifier', 'Gender', 'Ethnicity', 'Disability', 'Is the (prospective) adopter fostering for adoption?',
      'Date enquiry received', 'Date Stage 1 started', 'Date Stage 1 ended', 'Date Stage 2 started', 'Date Stage 2 ended', 'Date application submitted',
      'Date application approved', 'Date adopter matched with child(ren)', 'Date child/children placed with adopter(s)', 'No. of children placed',
      'Date of Adoption Order', 'Date of leaving adoption process', 'Reason for leaving adoption process'],
  },
} as const;
export type ListKey = keyof typeof SHEETS;
export const LIST_KEYS = Object.keys(SHEETS) as ListKey[];

// ---------------------------------------------------------------------------------------------
// Values in the template's forms

const GENDER: Record<string, string> = { male: 'a) Male', female: 'b) Female' };
export const gender = (sex: string | null | undefined): string => GENDER[sex ?? ''] ?? 'c) Not stated/recorded';

// The template's lettered ethnicity list, in the DfE's order; REFU and NOBT share "s)".
const ETHNICITY_ORDER = ['WBRI', 'WIRI', 'WIRT', 'WOTH', 'WROM', 'MWBC', 'MWBA', 'MWAS', 'MOTH', 'AIND', 'APKN', 'ABAN', 'AOTH', 'BCRB', 'BAFR', 'BOTH', 'CHNE', 'OOTH'];
const letter = (i: number): string => String.fromCharCode(97 + i);
/** "a) WBRI"; not recorded is "information not yet obtained", the census's own word for it. */
export function ethnicity(code: string | null | undefined): string {
  const i = ETHNICITY_ORDER.indexOf(code ?? '');
  if (i >= 0) return `${letter(i)}) ${code}`;
  return code === 'REFU' ? 's) REFU' : 's) NOBT';
}

// The template's lettered referral sources: "q) 6: Police". 5D (early help), newer than the
// template's list, is "p1)" as the schema accepts it.
const SOURCE_ORDER: readonly [string, string][] = [
  ['1A', 'Individual'], ['1B', 'Individual'], ['1C', 'Individual'], ['1D', 'Individual'], ['2A', 'Schools'], ['2B', 'Education services'],
  ['3A', 'Health services'], ['3B', 'Health services'], ['3C', 'Health services'], ['3D', 'Health services'], ['3E', 'Health services'], ['3F', 'Health services'],
  ['4', 'Housing'], ['5A', 'LA services'], ['5B', 'LA services'], ['5C', 'LA services'], ['6', 'Police'], ['7', 'Other legal agency'], ['8', 'Other'],
  ['9', 'Anonymous'], ['10', 'Unknown'],
];
export function referralSource(code: string | null | undefined): string {
  if (code === '5D') return 'p1) 5D: LA services';
  const i = SOURCE_ORDER.findIndex(([c]) => c === code);
  const [c, words] = SOURCE_ORDER[i >= 0 ? i : SOURCE_ORDER.length - 1]!;
  return `${letter(i >= 0 ? i : SOURCE_ORDER.length - 1)}) ${c}: ${words}`;
}

/** "a) Yes" / "b) No" as the template writes disability, seen alone and protection orders. */
export const lettered = (yes: boolean | null | undefined): string | null => (yes === null || yes === undefined ? null : yes ? 'a) Yes' : 'b) No');
/** "Yes" / "No" as the template writes the referral, assessment and section 47 answers. */
export const yesNo = (yes: boolean | null | undefined): string | null => (yes === null || yes === undefined ? null : yes ? 'Yes' : 'No');

/** NONE is "No"; any other code "Yes"; nothing recorded (or refused, not yet obtained) "c) Unknown". */
export function disability(codes: readonly string[] | null | undefined): string {
  const real = (codes ?? []).filter((c) => c !== 'REFU' && c !== 'NOBT');
  if (real.length === 0) return 'c) Unknown';
  return real.every((c) => c === 'NONE') ? 'b) No' : 'a) Yes';
}

/** "N1 - Abuse, neglect and exploitation"; not recorded is N0, "Not stated". */
export const primaryNeed = (code: string | null | undefined): string => `${code ?? 'N0'} - ${codeDescription(PRIMARY_NEED_CODES, code ?? 'N0')}`;
export const closureReason = (code: string | null | undefined): string | null => (code ? `${code} - ${codeDescription(CLOSURE_REASON_CODES, code)}` : null);

const CATEGORY: Record<string, string> = {
  neglect: 'Neglect', physical_abuse: 'Physical abuse', sexual_abuse: 'Sexual abuse', emotional_abuse: 'Emotional abuse', multiple: 'Multiple',
};
export const category = (c: string | null | undefined): string | null => (c ? CATEGORY[c] ?? c : null);

export const CASE_STATUS = {
  cp: 'b) Child Protection plan', cin: 'c) Child in need plan', assessment: 'd) Open assessment', closed: 'e) Closed episode',
} as const;

/** Whole years on a day (both YYYY-MM-DD); null without a date of birth or before birth. */
export function ageOn(dob: string | null | undefined, on: string): number | null {
  if (!dob) return null;
  const [y, m, d] = dob.split('-').map(Number) as [number, number, number];
  const [oy, om, od] = on.split('-').map(Number) as [number, number, number];
  const age = oy - y - (om < m || (om === m && od < d) ? 1 : 0);
  return age >= 0 ? age : null;
}

/**
 * The child's identifier: the authority's own (la_child_id, the census's LAchildID) when recorded,
 * else one Jigsaw derives from its entry — stable, 20 letters and digits as the census allows, and
 * no personal data.
 */
/** The census's identifier for the child, so the lists and the census name a child alike. */
export const childId = (laChildId: string | null | undefined, entryId: string): string => laChildId ?? derivedChildId(entryId);
