import { z } from 'zod';
import { createFhirTokenAs, FhirTokenSummary, IssuedFhirToken, listFhirTokensAs, NewFhirToken, revokeFhirTokenAs } from '../../fhir/token-administration.ts';
import { addAgencyAs, createPartnershipAs, joinPartnership, listOwnPartnerships, renamePartnership, updateAgency } from '../../partnership/administration.ts';
import { AgencyChange, AgencyJoin, PartnershipChange, PartnershipDetail } from '../../partnership/administration-schemas.ts';
import { Agency, NewAgency, NewPartnership } from '../../partnership/schemas.ts';
import { IdParams, type Api } from '../route.ts';

const ONLY = 'Partnership administrators only (403 for anyone else).';

/** Partnership administrators set up their partnerships, agencies and the health settings' FHIR tokens (issue 19, item 4). */
export function registerAdministrationRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/partnerships', tag: 'Partnership', operationId: 'listPartnerships',
    summary: 'List your partnerships',
    description: `The partnerships your agency belongs to, each with its agencies, their types and codes (ODS, local authority). ${ONLY}`,
    response: z.array(PartnershipDetail),
    handler: ({ ctx }) => listOwnPartnerships(ctx),
  });
  api.route({
    method: 'POST', url: '/partnerships', tag: 'Partnership', operationId: 'createPartnership',
    summary: 'Create a partnership',
    description: `A new partnership, with your agency as its first member; add its other agencies with POST /agencies. ${ONLY}`,
    body: NewPartnership.meta({ id: 'NewPartnership' }), response: PartnershipDetail,
    handler: ({ ctx, body }) => createPartnershipAs(ctx, body),
  });
  api.route({
    method: 'PATCH', url: '/partnerships/{id}', tag: 'Partnership', operationId: 'renamePartnership',
    summary: 'Rename a partnership',
    description: `Renames one of your agency's partnerships. Any other partnership is answered 404, as one that does not exist. ${ONLY}`,
    params: IdParams, body: PartnershipChange, response: PartnershipDetail,
    handler: ({ ctx, params, body }) => renamePartnership(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/partnerships/{id}/agencies', tag: 'Partnership', operationId: 'addAgencyToPartnership', status: 200,
    summary: 'Add an existing agency to a partnership',
    description: `An agency of another of your partnerships joins this one too (one police force serves several authorities). A partnership that is not yours is 404; an agency outside your partnerships is 422 naming \`agencyId\`; one already a member is 409. ${ONLY}`,
    params: IdParams, body: AgencyJoin, response: PartnershipDetail,
    handler: ({ ctx, params, body }) => joinPartnership(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/agencies', tag: 'Partnership', operationId: 'createAgency',
    summary: 'Add an agency',
    description: `A new agency in one or more of your partnerships (any other is 422 naming \`partnershipIds\`). \`odsCode\`: 3 to 10 letters and digits, kept in capitals. \`localAuthorityCode\`: children's social care only, three digits, never two agencies with the same one (422 naming the field). ${ONLY}`,
    body: NewAgency, response: Agency,
    handler: ({ ctx, body }) => addAgencyAs(ctx, body),
  });
  api.route({
    method: 'PATCH', url: '/agencies/{id}', tag: 'Partnership', operationId: 'updateAgency',
    summary: "Change an agency's name or codes",
    description: `Fields left out are unchanged; null clears a code. An agency outside your partnerships is 404. The same rules for the codes as when adding one (422 naming the field). ${ONLY}`,
    params: IdParams, body: AgencyChange, response: Agency,
    handler: ({ ctx, params, body }) => updateAgency(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/fhir-tokens', tag: 'Flags', operationId: 'listFhirTokens',
    summary: "List the health settings' FHIR tokens",
    description: `Every FHIR token of this deployment (a health setting's token reads every authority's flags), newest first, with its setting, when it expires or was revoked and which agency's administrator made it; never the token itself. ${ONLY}`,
    response: z.array(FhirTokenSummary),
    handler: ({ ctx }) => listFhirTokensAs(ctx),
  });
  api.route({
    method: 'POST', url: '/fhir-tokens', tag: 'Flags', operationId: 'createFhirToken',
    summary: 'Make a FHIR token for a health setting',
    description: `A token for a health setting's system to call /fhir/r4 with \`Authorization: Bearer …\`. It works for \`days\` (default 365, at most 730) and is shown only in this answer. The setting is created with the first token for its name and type. ${ONLY}`,
    body: NewFhirToken, response: IssuedFhirToken,
    handler: ({ ctx, body }) => createFhirTokenAs(ctx, body),
  });
  api.route({
    method: 'DELETE', url: '/fhir-tokens/{id}', tag: 'Flags', operationId: 'revokeFhirToken',
    summary: 'Revoke a FHIR token',
    description: `The token stops working at its next request. A token is revoked once (409); an unknown one is 404. ${ONLY}`,
    params: IdParams, response: FhirTokenSummary,
    handler: ({ ctx, params }) => revokeFhirTokenAs(ctx, params.id),
  });
}
