/**
 * An answer in SCIM's error form (RFC 7644 §3.12): the plugin sends it as
 * {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409", "scimType": …, "detail": …}.
 * Details name the attribute at fault, never the value sent (it may be someone's name or address).
 */
export type ScimType = 'uniqueness' | 'invalidValue' | 'invalidFilter' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'mutability' | 'tooMany';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export class ScimError extends Error {
  constructor(readonly status: number, readonly detail: string, readonly scimType?: ScimType) {
    super(detail);
  }

  body(): Record<string, unknown> {
    return { schemas: [SCIM_ERROR_SCHEMA], status: String(this.status), ...(this.scimType ? { scimType: this.scimType } : {}), detail: this.detail };
  }
}

export const scimInvalid = (detail: string, scimType: ScimType = 'invalidValue'): ScimError => new ScimError(400, detail, scimType);
export const scimNotFound = (): ScimError => new ScimError(404, 'There is no such user.');
