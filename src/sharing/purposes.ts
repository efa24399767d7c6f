import { z } from 'zod';

/**
 * Purposes for sharing. Consent is given for a *specified* purpose (protocol 2.8.1); a new purpose
 * needs new consent (case example 2), so purposes are a list the system can compare, with the
 * practitioner's own words beside them.
 */
export const PURPOSE_CODES = [
  'early_help_support',
  'parenting_support',
  'education_attendance',
  'health_assessment_or_treatment',
  'housing_support',
  'child_in_need_assessment',
  'child_protection_enquiry',
  'crime_prevention',
  'domestic_abuse_risk',
  'welfare_monitoring',
  'other',
] as const;
export const PurposeCode = z.enum(PURPOSE_CODES).meta({ description: 'The kind of purpose; compared when consent is relied on.' });
export type PurposeCode = z.infer<typeof PurposeCode>;

export const PURPOSE_LABELS: Record<PurposeCode, string> = {
  early_help_support: 'Early help and family support',
  parenting_support: "Supporting a parent's parenting capacity",
  education_attendance: 'School or nursery attendance',
  health_assessment_or_treatment: 'Health assessment or treatment',
  housing_support: 'Housing and repairs',
  child_in_need_assessment: 'Child in need assessment',
  child_protection_enquiry: 'Child protection (significant harm)',
  crime_prevention: 'Preventing crime and disorder',
  domestic_abuse_risk: 'Domestic abuse risk assessment',
  welfare_monitoring: "Monitoring a child's welfare",
  other: 'Other',
};
