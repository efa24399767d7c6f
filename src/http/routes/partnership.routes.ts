import { z } from 'zod';
import { addPractitioner, issueSetPasswordLink, listAgencies, listAgencyPractitioners, setAgencySensitivity } from '../../partnership/partnership.ts';
import { AddedPractitioner, Agency, AgencySensitivity, NewPractitioner, Practitioner, SetPasswordLink } from '../../partnership/schemas.ts';
import { IdParams, type Api } from '../route.ts';

export function registerPartnershipRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/agencies', tag: 'Partnership', operationId: 'listAgencies',
    summary: 'List agencies',
    description: 'Agencies in the partnerships your agency belongs to: the recipients you can choose for a share, a referral or a request for information.',
    response: z.array(Agency),
    handler: ({ ctx }) => listAgencies(ctx),
  });
  api.route({
    method: 'PUT', url: '/agencies/{id}/sensitive', tag: 'Partnership', operationId: 'setAgencySensitivity', status: 200,
    summary: 'Mark an agency sensitive',
    description: "An administrator marks their own agency as sensitive (or not): a sensitive agency is never named to another agency as holding a possible same-person match — it is \"another service\". Sexual health, mental health and substance misuse services are sensitive whatever this says. Say why (`reason`). Another agency's, or without the administrator role: 404.",
    params: IdParams, body: AgencySensitivity, response: Agency,
    handler: ({ ctx, params, body }) => setAgencySensitivity(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/practitioners', tag: 'Partnership', operationId: 'listPractitioners',
    summary: 'List practitioners',
    description: 'Practitioners of your own agency, with their roles.',
    response: z.array(Practitioner),
    handler: ({ ctx }) => listAgencyPractitioners(ctx),
  });
  api.route({
    method: 'POST', url: '/practitioners', tag: 'Partnership', operationId: 'addPractitioner',
    summary: 'Add a practitioner',
    description: "An administrator adds a practitioner to their own agency. The e-mail address must not belong to another practitioner already (409); the agency must exist (422 naming `agencyId`). There is no password field (a body with one is refused, 422): administrators never set or learn another person's password. The answer carries `setPasswordLink`, a one-time link for the practitioner to choose their own password, shown only in this answer; hand it to them in person or by a channel you trust.",
    body: NewPractitioner, response: AddedPractitioner,
    handler: ({ ctx, body }) => addPractitioner(ctx, body),
  });
  api.route({
    method: 'POST', url: '/practitioners/{id}/set-password-link', tag: 'Partnership', operationId: 'issueSetPasswordLink',
    summary: "Issue a practitioner's set-password link",
    description: "An administrator issues a new one-time link for a practitioner of their own agency to choose a password (a forgotten password, an expired link). It replaces any unused link; the current password keeps working until the link is used. The link is shown only in this answer. Anyone else, and any practitioner of another agency, is answered 404 as for one that does not exist.",
    params: IdParams, response: SetPasswordLink,
    handler: ({ ctx, params }) => issueSetPasswordLink(ctx, params.id),
  });
}
