import { SCIM_ROLES } from './roles.ts';
import type { ScimUserRecord } from './users.ts';

/** The SCIM documents Jigsaw answers with (RFC 7643): a User, a ListResponse, and the discovery documents. */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export function userResource(base: string, u: ScimUserRecord): Record<string, unknown> {
  const name: Record<string, string> = { formatted: u.name };
  if (u.givenName) name.givenName = u.givenName;
  if (u.familyName) name.familyName = u.familyName;
  return {
    schemas: [USER_SCHEMA],
    id: u.id,
    ...(u.externalId ? { externalId: u.externalId } : {}),
    userName: u.email.toLowerCase(),
    name,
    displayName: u.name,
    ...(u.jobTitle ? { title: u.jobTitle } : {}),
    active: u.active,
    emails: [{ value: u.email.toLowerCase(), type: 'work', primary: true }],
    roles: u.roles.map((r) => ({ value: r, display: r.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()), primary: false })),
    meta: { resourceType: 'User', created: u.createdAt, location: `${base}/Users/${u.id}` },
  };
}

export const listResponse = (resources: unknown[], total: number, startIndex: number): Record<string, unknown> => ({
  schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources,
});

export const serviceProviderConfig = (base: string): Record<string, unknown> => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
  patch: { supported: true },
  bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
  filter: { supported: true, maxResults: 200 },
  changePassword: { supported: false },
  sort: { supported: false },
  etag: { supported: false },
  authenticationSchemes: [{ type: 'oauthbearertoken', name: 'Bearer token', description: 'A token made for one agency on the administrator’s page /admin/scim (or with jigsaw scim token create).', primary: true }],
  meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
});

export const userResourceType = (base: string): Record<string, unknown> => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
  id: 'User', name: 'User', endpoint: '/Users', description: 'A practitioner of the token’s agency', schema: USER_SCHEMA,
  meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
});

const attr = (name: string, type: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name, type, multiValued: false, required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none', ...extra,
});

/** The User schema as Jigsaw keeps it: only the attributes it stores. */
export const userSchema = (base: string): Record<string, unknown> => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
  id: USER_SCHEMA, name: 'User', description: 'A practitioner',
  attributes: [
    attr('id', 'string', { mutability: 'readOnly', returned: 'always', uniqueness: 'server', caseExact: true }),
    attr('userName', 'string', { required: true, uniqueness: 'server', description: 'The practitioner’s e-mail address' }),
    attr('externalId', 'string', { caseExact: true, description: 'The identity provider’s identifier for the account; unique within the agency' }),
    attr('name', 'complex', { subAttributes: [attr('formatted', 'string'), attr('givenName', 'string'), attr('familyName', 'string')] }),
    attr('displayName', 'string'),
    attr('title', 'string', { description: 'Job title' }),
    attr('active', 'boolean', { description: 'false ends the practitioner’s sessions and API tokens at once' }),
    attr('emails', 'complex', { multiValued: true, mutability: 'readOnly', description: 'The userName, as the work address', subAttributes: [attr('value', 'string'), attr('type', 'string'), attr('primary', 'boolean')] }),
    attr('roles', 'complex', {
      multiValued: true, description: `Jigsaw roles: ${SCIM_ROLES.join(', ')}`,
      subAttributes: [attr('value', 'string', { canonicalValues: [...SCIM_ROLES] }), attr('display', 'string', { mutability: 'readOnly' }), attr('primary', 'boolean')],
    }),
  ],
  meta: { resourceType: 'Schema', location: `${base}/Schemas/${USER_SCHEMA}` },
});
