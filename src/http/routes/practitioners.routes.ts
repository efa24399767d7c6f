import { z } from 'zod';
import { ApiToken, listPractitionerTokens, revokePractitionerToken } from '../../auth/api-tokens.ts';
import { InvitationOutcome, sendNewInvitation } from '../../partnership/invitations.ts';
import { Deactivation, deactivatePractitioner, LeaverReason, reactivatePractitioner } from '../../partnership/leavers.ts';
import { changePractitioner, getPractitioner, PractitionerChange, PractitionerDetail } from '../../partnership/movers.ts';
import { Uuid } from '../../shared/schemas.ts';
import { IdParams, type Api } from '../route.ts';

const OTHERS = 'A practitioner of another agency, or asked by someone who is not its administrator, is answered 404 as for one that does not exist.';

/** Joiners, movers and leavers through the API (issue 19): one practitioner, their changes, deactivation and tokens. */
export function registerPractitionerRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/practitioners/{id}', tag: 'Partnership', operationId: 'getPractitioner',
    summary: 'Get a practitioner',
    description: `An administrator reads a practitioner of their own agency: roles, job title, whether active, when they last signed in, the state of their newest invitation, and the changes made to them with their reasons. ${OTHERS}`,
    params: IdParams, response: PractitionerDetail,
    handler: ({ ctx, params }) => getPractitioner(ctx, params.id),
  });
  api.route({
    method: 'PATCH', url: '/practitioners/{id}', tag: 'Partnership', operationId: 'changePractitioner',
    summary: "Change a practitioner's roles, job title or agency",
    description: 'A mover. An administrator of the practitioner\'s agency changes `roles` and `jobTitle`; only a partnership administrator moves them to another agency (`agencyId`) of a partnership both agencies belong to (403 for an agency administrator, 422 naming `agencyId` for an agency outside it), which ends their sessions and revokes their API tokens. '
      + '`reason` is required (422) and kept with the change; the audit entry names only the fields changed. Taking the administrator role from the agency\'s last active administrator, or moving them away, is refused (409). A deactivated practitioner: 409. ' + OTHERS,
    params: IdParams, body: PractitionerChange, response: PractitionerDetail,
    handler: ({ ctx, params, body }) => changePractitioner(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/practitioners/{id}/invitation', tag: 'Partnership', operationId: 'sendInvitation', status: 200,
    summary: 'Send a practitioner a new invitation',
    description: 'A new one-time set-password link for an active practitioner of your agency, replacing any unused one; their current password keeps working until it is used. E-mailed to them when Jigsaw sends e-mail (`invitation`), otherwise shown in this answer only (`setPasswordLink`). A deactivated practitioner: 409 (reactivate them). ' + OTHERS,
    params: IdParams, response: InvitationOutcome,
    handler: ({ ctx, params }) => sendNewInvitation(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/practitioners/{id}/deactivation', tag: 'Partnership', operationId: 'deactivatePractitioner', status: 200,
    summary: 'Deactivate a leaver',
    description: 'A leaver. Their account is made inactive and at once every open session ends, every API token is revoked and any unused set-password link is withdrawn: their next request gets 401. `reason` is required and kept. The answer counts what they still hold that someone must take over. You cannot deactivate yourself (403), nor the agency\'s last active administrator (409); already deactivated: 409. ' + OTHERS,
    params: IdParams, body: LeaverReason, response: Deactivation,
    handler: ({ ctx, params, body }) => deactivatePractitioner(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/practitioners/{id}/reactivation', tag: 'Partnership', operationId: 'reactivatePractitioner', status: 200,
    summary: 'Reactivate a practitioner',
    description: 'Makes a deactivated account usable again, only through a new invitation: their old password is cleared and no old session or token comes back. `reason` is required and kept. The invitation is e-mailed (`invitation`) or, without e-mail, shown in this answer only (`setPasswordLink`). Already active: 409. ' + OTHERS,
    params: IdParams, body: LeaverReason, response: InvitationOutcome,
    handler: ({ ctx, params, body }) => reactivatePractitioner(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/practitioners/{id}/tokens', tag: 'Partnership', operationId: 'listPractitionerTokens',
    summary: "List a practitioner's API tokens",
    description: `An administrator lists the API tokens of a practitioner of their own agency: names, when made, when they expire, when last used, whether revoked. Never the tokens themselves. ${OTHERS}`,
    params: IdParams, response: z.array(ApiToken),
    handler: ({ ctx, params }) => listPractitionerTokens(ctx, params.id),
  });
  api.route({
    method: 'DELETE', url: '/practitioners/{id}/tokens/{tokenId}', tag: 'Partnership', operationId: 'revokePractitionerToken',
    summary: "Revoke a practitioner's API token",
    description: `An administrator revokes one API token of a practitioner of their own agency; it stops working at once. A token that is not theirs: 404. ${OTHERS}`,
    params: z.strictObject({ id: Uuid, tokenId: Uuid }), response: ApiToken,
    handler: ({ ctx, params }) => revokePractitionerToken(ctx, params.id, params.tokenId),
  });
}
