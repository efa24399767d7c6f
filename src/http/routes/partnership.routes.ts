import { z } from 'zod';
import { addPractitioner, listAgencies, listAgencyPractitioners, setAgencySensitivity } from '../../partnership/partnership.ts';
import { Agency, AgencySensitivity, NewPractitioner, Practitioner } from '../../partnership/schemas.ts';
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
    description: "An administrator adds a practitioner to their own agency. The e-mail address must not belong to another practitioner already (409); the agency must exist (422 naming `agencyId`).",
    body: NewPractitioner, response: Practitioner,
    handler: ({ ctx, body }) => addPractitioner(ctx, body),
  });
}
