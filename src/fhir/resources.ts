import { PLAN_TYPE, isActive } from '../flags/derive.ts';
import type { AccessRowOut, FoundFlag } from '../flags/lookup.ts';
import { newId } from '../shared/ids.ts';

/**
 * FHIR R4 resources in the shape of NHS England's CP-IS API (shared/data/standards/nhs-cpis-fhir):
 * CareTeam for a flag, the same as Flag, AuditEvent for the access history, OperationOutcome for
 * errors. Pure functions: the tests validate every one against the FHIR R4 JSON schema.
 */

export type Resource = Record<string, unknown> & { resourceType: string };

export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const SNOMED = 'http://snomed.info/sct';
const SPINE_ERRORS = 'https://fhir.nhs.uk/CodeSystem/England-SpineErrorOrWarningCode';
const ROLE_CLASS = 'http://terminology.hl7.org/CodeSystem/v3-RoleClass';
const ACCESS_KIND_SYSTEM = 'https://jigsaw.example/fhir/CodeSystem/care-access';

export const SETTING_LABEL: Record<string, string> = {
  emergency_department: 'emergency department', urgent_care: 'urgent care', walk_in_centre: 'walk-in centre', maternity: 'maternity',
  out_of_hours_gp: 'out-of-hours GP', ambulance: 'ambulance service',
};

export type SpineCode = 'ACCESS_DENIED' | 'INVALID_PARAMETER' | 'INVALID_IDENTIFIER_SYSTEM' | 'INVALID_IDENTIFIER_VALUE' | 'MISSING_IDENTIFIER_VALUE' | 'RESOURCE_NOT_FOUND' | 'BAD_REQUEST' | 'INTERNAL_SERVER_ERROR';
const SPINE_DISPLAY: Record<SpineCode, string> = {
  ACCESS_DENIED: 'Access has been denied to process this request',
  INVALID_PARAMETER: 'Invalid parameter',
  INVALID_IDENTIFIER_SYSTEM: 'Invalid identifier system',
  INVALID_IDENTIFIER_VALUE: 'Invalid identifier value',
  MISSING_IDENTIFIER_VALUE: 'Missing identifier value',
  RESOURCE_NOT_FOUND: 'Resource not found',
  BAD_REQUEST: 'Bad request',
  INTERNAL_SERVER_ERROR: 'Unexpected internal server error',
};

/** One issue, with NHS Spine's error code as in cpis-opoutcome-01.json and words a developer can act on. */
export function operationOutcome(code: 'invalid' | 'value' | 'required' | 'login' | 'forbidden' | 'not-found' | 'not-supported' | 'exception' | 'structure', spine: SpineCode, diagnostics: string, expression?: string): Resource {
  return {
    resourceType: 'OperationOutcome',
    id: newId(),
    issue: [{
      severity: 'error',
      code,
      details: { coding: [{ system: SPINE_ERRORS, code: spine, display: SPINE_DISPLAY[spine] }] },
      diagnostics,
      ...(expression ? { expression: [expression] } : {}),
    }],
  };
}

/**
 * Too many requests (429): FHIR's own issue type "throttled". Spine's error code list has no code
 * for this that we could confirm, so the details are plain text rather than a made-up code.
 */
export function throttledOutcome(diagnostics: string): Resource {
  return {
    resourceType: 'OperationOutcome',
    id: newId(),
    issue: [{ severity: 'error', code: 'throttled', details: { text: 'Too many requests' }, diagnostics }],
  };
}

const subjectOf = (f: FoundFlag): Record<string, unknown> => ({
  identifier: { system: NHS_NUMBER_SYSTEM, value: f.subject_nhs_number },
  ...(f.subject_display ? { display: f.subject_display } : {}),
});

const periodOf = (f: FoundFlag): Record<string, string> => ({ start: f.period_start, ...(f.period_end ? { end: f.period_end } : {}) });

/** A flag as CP-IS shows it: plan type, responsible authority, its office-hours (work) and out-of-hours (mobile) numbers, the period. */
export function careTeam(f: FoundFlag, now: Date): Resource {
  const plan = PLAN_TYPE[f.kind];
  const telecom = [
    ...(f.office_hours_phone ? [{ system: 'phone', value: f.office_hours_phone, use: 'work' }] : []),
    ...(f.out_of_hours_phone ? [{ system: 'phone', value: f.out_of_hours_phone, use: 'mobile' }] : []),
  ];
  return {
    resourceType: 'CareTeam',
    id: f.id,
    // As in NHS England's England-CareTeam-Flag example: an ended plan stays visible for a year, marked inactive.
    status: isActive({ start: f.period_start, end: f.period_end }, now) ? 'active' : 'inactive',
    category: [{ coding: [{ system: SNOMED, code: plan.code, display: plan.display }] }],
    name: f.authority_name,
    subject: subjectOf(f),
    ...(telecom.length ? { telecom } : {}),
    period: periodOf(f),
  };
}

export function flagResource(f: FoundFlag, now: Date): Resource {
  const plan = PLAN_TYPE[f.kind];
  return {
    resourceType: 'Flag',
    id: f.id,
    status: isActive({ start: f.period_start, end: f.period_end }, now) ? 'active' : 'inactive',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: 'safety', display: 'Safety' }] }],
    code: {
      coding: [
        { system: 'https://fhir.nhs.uk/England/CodeSystem/England-FlagCategoryPatient', code: 'child-protection-information-system-flag', display: 'Child Protection Information System Flag' },
        { system: SNOMED, code: plan.code, display: plan.display },
      ],
    },
    subject: subjectOf(f),
    period: periodOf(f),
    author: { display: f.authority_name },
  };
}

/**
 * One access to a flagged child's information. Unlike cpis-auditevent-bundle-01.json (where
 * `requestor` is the string "false", and `type` has no code: not valid R4), requestor is a boolean.
 */
export function auditEvent(a: AccessRowOut & { subject_nhs_number: string }): Resource {
  const setting = `${a.setting_name} (${SETTING_LABEL[a.setting_type] ?? a.setting_type})`;
  return {
    resourceType: 'AuditEvent',
    id: a.id,
    type: { system: 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle', code: 'access', display: 'Access/View Record Lifecycle Event' },
    subtype: [{ system: ACCESS_KIND_SYSTEM, code: a.unscheduled ? 'unscheduled' : 'scheduled', display: a.unscheduled ? 'Unscheduled care attendance' : 'Scheduled care' }],
    recorded: a.accessed_at,
    agent: [
      { type: { coding: [{ system: ROLE_CLASS, code: 'PAT', display: 'patient' }] }, who: { identifier: { system: NHS_NUMBER_SYSTEM, value: a.subject_nhs_number } }, requestor: false },
      { type: { coding: [{ system: ROLE_CLASS, code: 'ASSIGNED', display: 'assigned entity' }] }, who: { display: setting }, requestor: true },
    ],
    source: { observer: { display: setting } },
  };
}

export function searchBundle(selfUrl: string, base: string, resources: readonly Resource[]): Resource {
  return {
    resourceType: 'Bundle',
    id: newId(),
    type: 'searchset',
    total: resources.length,
    link: [{ relation: 'self', url: selfUrl }],
    ...(resources.length
      ? { entry: resources.map((r) => ({ fullUrl: `${base}/${r.resourceType}/${String(r.id)}`, resource: r, search: { mode: 'match' } })) }
      : {}),
  };
}

const searchParam = { name: 'patient', type: 'reference', documentation: `Search as patient:identifier=${NHS_NUMBER_SYSTEM}|{NHS number}. No other parameter is accepted.` };

export function capabilityStatement(base: string, date: string): Resource {
  const resource = (type: string, documentation: string): Record<string, unknown> => ({
    type, profile: `http://hl7.org/fhir/StructureDefinition/${type}`, documentation, interaction: [{ code: 'search-type' }], searchParam: [searchParam],
  });
  return {
    resourceType: 'CapabilityStatement',
    id: 'jigsaw-cpis',
    url: `${base}/metadata`,
    version: '1.0.0',
    name: 'JigsawCPISFHIRAPIProducer',
    title: 'Jigsaw child-protection flags (CP-IS shape)',
    status: 'active',
    experimental: false,
    date,
    publisher: 'Jigsaw',
    description: 'Child protection plan, looked-after and unborn-child flags for unscheduled and scheduled NHS care, shaped like NHS England\'s CP-IS FHIR API.',
    kind: 'instance',
    implementation: { description: 'Jigsaw FHIR R4 interface', url: base },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [{
      mode: 'server',
      security: {
        cors: false,
        service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'OAuth', display: 'OAuth' }] }],
        description: 'System-to-system bearer tokens issued to a health setting (`jigsaw fhir token create`). Header IsUnscheduledAccessEvent: true (default) | false: an unscheduled access of a flagged child notifies the responsible local authority.',
      },
      resource: [
        resource('CareTeam', 'One CareTeam per flag: plan type (category), responsible authority (name), office-hours (work) and out-of-hours (mobile) telephone, period.'),
        resource('Flag', 'The same flags as Flag resources (status active/inactive).'),
        resource('AuditEvent', 'Who looked at the child\'s flags, from which setting, when, and whether the attendance was unscheduled.'),
      ],
    }],
  };
}
