import { z } from 'zod';
import { addPractitioner, listAgencies, listAgencyPractitioners } from '../../partnership/partnership.ts';
import { Agency, NewPractitioner, Practitioner } from '../../partnership/schemas.ts';
import type { Api } from '../route.ts';

export function registerPartnershipRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/agencies', tag: 'Partnership', summary: 'Agencies in the partnerships your agency belongs to.',
    response: z.array(Agency),
    handler: ({ ctx }) => listAgencies(ctx),
  });
  api.route({
    method: 'GET', url: '/practitioners', tag: 'Partnership', summary: 'Practitioners of your own agency.',
    response: z.array(Practitioner),
    handler: ({ ctx }) => listAgencyPractitioners(ctx),
  });
  api.route({
    method: 'POST', url: '/practitioners', tag: 'Partnership', summary: 'An administrator adds a practitioner to their agency.',
    body: NewPractitioner, response: Practitioner,
    handler: ({ ctx, body }) => addPractitioner(ctx, body),
  });
}
