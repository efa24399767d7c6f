import { z } from 'zod';
import { NhsNumber } from '../people/schemas.ts';
import { CalendarDate, Instant, Uuid, Text } from '../shared/schemas.ts';
import { FLAG_KINDS } from './derive.ts';

export const HEALTH_SETTING_TYPES = ['emergency_department', 'urgent_care', 'walk_in_centre', 'maternity', 'out_of_hours_gp', 'ambulance'] as const;
export const HealthSettingType = z.enum(HEALTH_SETTING_TYPES).meta({ description: 'The kind of care setting looking the child up.' });
export type HealthSettingType = z.infer<typeof HealthSettingType>;

export const LEGAL_STATUSES = ['care_order', 'interim_care_order', 'section_20', 'placement_order', 'emergency_protection_order', 'police_protection', 'remand', 'other'] as const;

const Phone = Text.trim().regex(/^\+?[0-9][0-9 ()-]{5,24}$/, 'Enter a telephone number (digits, spaces, brackets or hyphens)');

export const FlagSettingsInput = z
  .strictObject({
    officeHoursPhone: Phone.nullable().optional().meta({ description: 'Shown to health settings with every flag (telecom use=work).' }),
    outOfHoursPhone: Phone.nullable().optional().meta({ description: 'The emergency duty team (telecom use=mobile).' }),
    webhookUrl: z.url({ protocol: /^https?$/, error: 'Enter an http(s) address' }).max(2000).nullable().optional()
      .meta({ description: '"Child was seen" notifications are POSTed here as JSON, signed with HMAC-SHA256 (header x-jigsaw-signature).' }),
    notifyEmail: z.email('Enter an e-mail address').max(320).nullable().optional().meta({ description: 'Receives a link for each notification, never personal details.' }),
  })
  .meta({ id: 'FlagSettingsInput' });
export type FlagSettingsInput = z.output<typeof FlagSettingsInput>;

export const FlagSettings = z
  .object({
    agencyId: Uuid,
    officeHoursPhone: z.string().nullable(),
    outOfHoursPhone: z.string().nullable(),
    webhookUrl: z.string().nullable(),
    notifyEmail: z.string().nullable(),
    webhookSecretSet: z.boolean(),
    webhookSecret: z.string().nullable().meta({ description: 'Shown once, when generated (the first webhook address, or a rotation); null otherwise.' }),
    updatedAt: z.string().nullable(),
  })
  .meta({ id: 'FlagSettings' });
export type FlagSettings = z.infer<typeof FlagSettings>;

export const NewLookedAfter = z
  .strictObject({
    childPersonId: Uuid,
    startedAt: Instant,
    legalStatus: z.enum(LEGAL_STATUSES),
  })
  .meta({ id: 'NewLookedAfter' });
export type NewLookedAfter = z.output<typeof NewLookedAfter>;

export const EndLookedAfter = z
  .strictObject({ endedAt: Instant, reason: Text.trim().min(1, 'Say why the child is no longer looked after').max(2000) })
  .meta({ id: 'EndLookedAfter' });
export type EndLookedAfter = z.output<typeof EndLookedAfter>;

export const LookedAfter = z
  .object({
    id: Uuid, childPersonId: Uuid, legalStatus: z.string(), startedAt: z.string(), endedAt: z.string().nullable(), endReason: z.string().nullable(),
  })
  .meta({ id: 'LookedAfter' });
export type LookedAfter = z.infer<typeof LookedAfter>;

export const NewBirth = z
  .strictObject({
    unbornPersonId: Uuid.meta({ description: "Your agency's entry for the unborn child." }),
    childPersonId: Uuid.meta({ description: "Your agency's entry for the child as born (kind child, with date of birth and NHS number)." }),
    bornAt: Instant,
  })
  .meta({ id: 'NewBirth' });
export type NewBirth = z.output<typeof NewBirth>;

export const Birth = z.object({ unbornPersonId: Uuid, childPersonId: Uuid, bornAt: z.string() }).meta({ id: 'Birth' });
export type Birth = z.infer<typeof Birth>;

export const Authority = z.object({ agencyId: Uuid, name: z.string(), officeHoursPhone: z.string().nullable(), outOfHoursPhone: z.string().nullable() });

export const FlagView = z
  .object({
    id: Uuid,
    kind: z.enum(FLAG_KINDS),
    planType: z.object({ system: z.literal('http://snomed.info/sct'), code: z.string(), display: z.string() }),
    status: z.enum(['active', 'inactive']),
    periodStart: z.string(),
    periodEnd: z.string().nullable(),
    authority: Authority,
  })
  .meta({ id: 'Flag' });
export type FlagView = z.infer<typeof FlagView>;

export const LookupSetting = z.strictObject({
  name: Text.trim().min(1, 'Name the setting, e.g. Northshire General emergency department').max(200),
  type: HealthSettingType,
});

export const FlagLookup = z
  .strictObject({
    setting: LookupSetting,
    unscheduled: z.boolean().meta({ description: 'An unscheduled attendance notifies the responsible authority ("child was seen").' }),
    nhsNumber: NhsNumber.optional(),
    demographics: z
      .strictObject({
        givenNames: Text.trim().min(1, 'Enter the given name').max(200),
        familyName: Text.trim().min(1, 'Enter the family name').max(200),
        dateOfBirth: CalendarDate,
        postcode: Text.trim().min(5, 'Enter the full postcode').max(10),
      })
      .optional()
      .meta({ description: 'When no NHS number is known: returns candidates, never a confirmed identity.' }),
  })
  .superRefine((q, ctx) => {
    if (!q.nhsNumber === !q.demographics) ctx.addIssue({ code: 'custom', path: ['nhsNumber'], message: 'Give either an NHS number or the name, date of birth and postcode' });
  })
  .meta({ id: 'FlagLookup' });
export type FlagLookup = z.output<typeof FlagLookup>;

export const Candidate = z.object({
  names: z.array(z.object({ givenNames: z.string(), familyName: z.string() })),
  dateOfBirth: z.string(),
  nameAgreement: z.enum(['exact', 'similar']).meta({ description: 'How closely the name given agrees with a name the authority holds.' }),
  flags: z.array(FlagView),
});

export const LookupResult = z
  .object({
    searchedBy: z.enum(['nhs_number', 'demographics']),
    flags: z.array(FlagView).meta({ description: 'For an NHS number: the flags of the child with that number (active ones, and ones ended in the last 12 months).' }),
    candidates: z.array(Candidate).meta({ description: 'For a name, date of birth and postcode: flagged children who might be this child. Confirm the identity (and look up by NHS number) before acting on them.' }),
    note: z.string(),
  })
  .meta({ id: 'FlagLookupResult' });
export type LookupResult = z.infer<typeof LookupResult>;

export const AccessEvent = z.object({
  at: z.string(), unscheduled: z.boolean(), via: z.enum(['fhir', 'api']), search: z.enum(['nhs_number', 'demographics']),
  settingName: z.string(), settingType: z.string(), practitionerId: Uuid.nullable(), healthSettingId: Uuid.nullable(),
});

export const ChildFlags = z
  .object({ personId: Uuid, flags: z.array(FlagView), accessHistory: z.array(AccessEvent) })
  .meta({ id: 'ChildFlags' });
export type ChildFlags = z.infer<typeof ChildFlags>;

export const SeenNotification = z
  .object({
    id: Uuid,
    childPersonId: Uuid,
    seenAt: z.string(),
    setting: z.object({ name: z.string(), type: z.string() }),
    attendancesLast12Months: z.number().int(),
    createdAt: z.string(),
    acknowledgedAt: z.string().nullable(),
    acknowledgedBy: Uuid.nullable(),
    acknowledgementNote: z.string().nullable(),
    escalatedAt: z.string().nullable(),
    deliveries: z.array(z.object({ channel: z.enum(['webhook', 'email']), attempts: z.number().int(), nextAttemptAt: z.string(), deliveredAt: z.string().nullable(), lastError: z.string().nullable() })),
  })
  .meta({ id: 'SeenNotification' });
export type SeenNotification = z.infer<typeof SeenNotification>;

export const AcknowledgeSeen = z.strictObject({ note: Text.trim().max(5000).optional() }).meta({ id: 'AcknowledgeSeenNotification' });
