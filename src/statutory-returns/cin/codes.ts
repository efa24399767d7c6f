import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { AgencyType } from '../../partnership/schemas.ts';

/**
 * The DfE's code sets for the Children in Need census (reference/codesets.json, taken from the
 * census's XSDs): ethnicity, disability, referral source, primary need, assessment factors, reason
 * for closure, category of abuse, reasons a UPN is unknown. One list per concept, used by the
 * pages' choices, the API's schemas, the export and the validation.
 */
interface Code { code: string; description: string }
const SETS = (JSON.parse(readFileSync(new URL('./reference/codesets.json', import.meta.url), 'utf8')) as { codesets: Record<string, Record<string, Code[]>> }).codesets;
const latest = SETS['2026']!;
const set = (name: string): readonly Code[] => latest[name] ?? [];

export const ETHNICITY_CODES = set('ethnicitytype');
export const DISABILITY_CODES = set('disabilitytype');
export const REFERRAL_SOURCE_CODES = set('referralsourcetype');
export const PRIMARY_NEED_CODES = set('primaryneedcodetype');
export const ASSESSMENT_FACTOR_CODES = set('assessmentfactorstype');
export const CLOSURE_REASON_CODES = set('reasonforclosuretype');
export const CATEGORY_OF_ABUSE_CODES = set('categoryofabusetype');
export const UPN_UNKNOWN_CODES = set('unknownupntype');

const codes = (s: readonly Code[]): [string, ...string[]] => s.map((c) => c.code) as [string, ...string[]];
const enumOf = (s: readonly Code[], what: string) => z.enum(codes(s), { error: `Choose ${what} from the DfE's list` });

export const EthnicityCode = enumOf(ETHNICITY_CODES, 'an ethnicity').meta({ description: "The DfE ethnicity code (REFU: refused; NOBT: not yet obtained)." });
export const DisabilityCode = enumOf(DISABILITY_CODES, 'a disability').meta({ description: 'The DfE disability code (NONE: no disability).' });
export const ReferralSourceCode = enumOf(REFERRAL_SOURCE_CODES, 'a referral source').meta({ description: 'The DfE referral source code (1A … 10).' });
export const PrimaryNeedCode = enumOf(PRIMARY_NEED_CODES, 'a primary need').meta({ description: 'The DfE primary need code (N0–N9).' });
export const AssessmentFactorCode = enumOf(ASSESSMENT_FACTOR_CODES, 'a factor').meta({ description: 'The DfE factor identified at assessment (1A … 24A).' });
export const ClosureReasonCode = enumOf(CLOSURE_REASON_CODES, 'a reason for closure').meta({ description: 'The DfE reason for closure (RC1–RC9).' });
export const UpnUnknownCode = enumOf(UPN_UNKNOWN_CODES, 'a reason the UPN is unknown').meta({ description: 'Why the child has no UPN (UN1–UN7).' });

/** A code's words, for a page: "WBRI" → "White British". Unknown codes are shown as they are. */
export function codeDescription(list: readonly Code[], code: string | null | undefined): string | undefined {
  if (!code) return undefined;
  return list.find((c) => c.code === code)?.description || code;
}

/**
 * The referral source a referral from a partner agency counts as, from the agency's type. A
 * hospital's referral is "other health services" (3F) unless the practitioner says it came from
 * the emergency department (3E); public referrals and episodes opened directly are chosen.
 */
export const REFERRAL_SOURCE_BY_AGENCY_TYPE: Readonly<Record<AgencyType, string>> = {
  school: '2A',
  early_years: '8',
  gp: '3A',
  health_visiting: '3B',
  midwifery: '3D',
  hospital: '3F',
  sexual_health_clinic: '3D',
  mental_health: '3F',
  substance_misuse: '3F',
  police: '6',
  probation: '7',
  youth_offending: '5B',
  housing: '4',
  childrens_social_care: '5C',
  adult_social_care: '5A',
  voluntary_sector: '8',
  other: '10',
};
