import { z } from 'zod';
import { Text, Uuid } from '../shared/schemas.ts';
import { ROLES } from '../access/policy.ts';

export const AGENCY_TYPES = [
  'school',
  'early_years',
  'gp',
  'health_visiting',
  'midwifery',
  'hospital',
  'sexual_health_clinic',
  'mental_health',
  'substance_misuse',
  'police',
  'probation',
  'youth_offending',
  'housing',
  'childrens_social_care',
  'adult_social_care',
  'voluntary_sector',
  'other',
] as const;

export const AgencyType = z.enum(AGENCY_TYPES).meta({ description: 'What kind of agency this is.' });
export type AgencyType = z.infer<typeof AgencyType>;

/**
 * Services whose very knowing a child is special-category information: that a child is known to a
 * sexual health, mental health or drug and alcohol service says something about their health or
 * sex life. Such an agency is never named to another agency as holding a possible match, whatever
 * its `sensitive` flag says; the flag lets a partnership add others (a refuge, say).
 */
export const SENSITIVE_AGENCY_TYPES: readonly AgencyType[] = ['sexual_health_clinic', 'mental_health', 'substance_misuse'];

/** Whether an agency is never named to another agency as knowing a child. */
export const isSensitiveAgency = (type: string, flagged: boolean): boolean => flagged || (SENSITIVE_AGENCY_TYPES as readonly string[]).includes(type);

export const Nation = z.enum(['england-and-wales', 'scotland', 'northern-ireland']);
export type Nation = z.infer<typeof Nation>;

export const Role = z.enum(ROLES).meta({ description: 'A role a practitioner holds within their agency.' });

export const Partnership = z
  .object({ id: z.uuid(), name: z.string(), nation: Nation, agencyIds: z.array(Uuid) })
  .meta({ id: 'Partnership' });
export type Partnership = z.infer<typeof Partnership>;

/** An NHS ODS code (also a school's URN): letters and digits, 3 to 10 of them, kept in capitals. */
export const OdsCode = Text.trim().regex(/^[A-Za-z0-9]{3,10}$/, 'Enter an ODS code of 3 to 10 letters and digits, like RX1 or M85001').toUpperCase()
  .meta({ description: 'The NHS Organisation Data Service code (or a school\'s URN): 3 to 10 letters and digits, stored in capitals.' });

/** The Department for Education's three-digit local authority code (e.g. 931), for children's social care. */
export const LocalAuthorityCode = Text.trim().regex(/^[0-9]{3}$/, 'Enter the local authority code: three digits, like 931')
  .meta({ description: "Children's social care only: the DfE's three-digit local authority code (e.g. 931). No two agencies share one." });

export const Agency = z
  .object({
    id: z.uuid(), name: z.string(), type: AgencyType, odsCode: z.string().nullable(),
    localAuthorityCode: z.string().nullable().meta({ description: "Children's social care: the DfE's three-digit local authority code (e.g. 931)." }),
    partnershipIds: z.array(Uuid),
    sensitive: z.boolean().meta({ description: 'Never named to another agency as holding a possible same-person match: marked so, or a sexual health, mental health or substance misuse service.' }),
  })
  .meta({ id: 'Agency' });
export type Agency = z.infer<typeof Agency>;

export const Practitioner = z
  .object({
    id: Uuid,
    agencyId: Uuid,
    name: z.string(),
    email: z.string(),
    jobTitle: z.string().nullable(),
    roles: z.array(Role),
    active: z.boolean(),
  })
  .meta({ id: 'Practitioner' });
export type Practitioner = z.infer<typeof Practitioner>;

const name = Text.trim().min(1, 'Enter a name').max(200);

export const NewPartnership = z.strictObject({ name, nation: Nation });
export type NewPartnership = z.infer<typeof NewPartnership>;

export const NewAgency = z.strictObject({
  name,
  type: AgencyType,
  odsCode: OdsCode.optional(),
  localAuthorityCode: LocalAuthorityCode.optional(),
  partnershipIds: z.array(Uuid).min(1, 'An agency belongs to at least one partnership'),
  sensitive: z.boolean().optional(),
}).superRefine((a, ctx) => {
  if (a.localAuthorityCode !== undefined && a.type !== 'childrens_social_care') {
    ctx.addIssue({ code: 'custom', path: ['localAuthorityCode'], message: "Only children's social care has a local authority code" });
  }
}).meta({ id: 'NewAgency', description: 'A new agency in one or more of your partnerships.' });

export const AgencySensitivity = z
  .strictObject({ sensitive: z.boolean(), reason: Text.trim().min(1, 'Say why').max(2000) })
  .meta({ id: 'AgencySensitivity' });
export type AgencySensitivity = z.infer<typeof AgencySensitivity>;
export type NewAgency = z.infer<typeof NewAgency>;

export const NewPractitioner = z
  .strictObject({
    agencyId: Uuid,
    name,
    email: z.email('Enter an e-mail address like name@example.org').max(320),
    jobTitle: Text.trim().max(200).optional(),
    roles: z.array(Role).min(1, 'Give at least one role'),
  })
  .meta({ id: 'NewPractitioner', description: 'A new login. No password: its owner chooses one through the set-password link in the answer (an administrator never sets or learns it).' });
export type NewPractitioner = z.infer<typeof NewPractitioner>;

/**
 * The system's own way in (the demo's fictional accounts, tests): a password or none. Never
 * reachable over HTTP — the API and pages take NewPractitioner, which has no password.
 */
export type NewPractitionerAsSystem = NewPractitioner & { password?: string | undefined };

export const SetPasswordLink = z
  .object({
    url: z.string().meta({ description: 'The one-time link to hand to the practitioner (in person or by a channel you trust). Shown once: Jigsaw keeps only its hash.' }),
    expiresAt: z.string().meta({ description: 'When the link stops working (JIGSAW_SET_PASSWORD_HOURS after it was made).' }),
  })
  .meta({ id: 'SetPasswordLink' });
export type SetPasswordLink = z.infer<typeof SetPasswordLink>;

