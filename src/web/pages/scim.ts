import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../../access/policy.ts';
import { scimBaseUrl } from '../../scim/plugin.ts';
import { SCIM_ROLES } from '../../scim/roles.ts';
import { createScimToken, DEFAULT_SCIM_TOKEN_DAYS, listScimTokens, revokeScimToken, type IssuedScimToken } from '../../scim/tokens.ts';
import { FormErrors, formOf, list, str, validationProblem } from '../forms.ts';
import type { Web } from '../web.ts';

const asWords = (r: string): string => r.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

/**
 * The administrator's page for SCIM provisioning (/admin/scim): the tokens with which the
 * agency's identity provider creates, changes and deactivates its practitioners. A new token is
 * shown in the one answer that makes it (never in an address, never again), with the tenant URL
 * to paste beside it.
 */
export function registerScimPages(web: Web): void {
  const { app } = web;
  const roleItems = SCIM_ROLES.map((r) => ({ value: r, text: asWords(r) }));

  const page = async (request: FastifyRequest, reply: FastifyReply, extra: { values?: Record<string, unknown>; errors?: FormErrors; issued?: IssuedScimToken; banner?: string } = {}): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const now = ctx.clock.now().getTime();
    const tokens = (await listScimTokens(ctx, ctx.actor.agencyId)).map((t) => ({
      ...t,
      roles: t.defaultRoles.map(asWords).join(', '),
      state: t.revokedAt ? 'Revoked' : new Date(t.expiresAt).getTime() <= now ? 'Expired' : 'In use',
      revocable: !t.revokedAt && new Date(t.expiresAt).getTime() > now,
    }));
    const data = {
      pageTitle: 'Provisioning from your identity provider (SCIM)', backLink: '/admin', tokens, roles: roleItems, baseUrl: scimBaseUrl(),
      defaultDays: DEFAULT_SCIM_TOKEN_DAYS, values: extra.values ?? { roles: ['practitioner'] }, issued: extra.issued, successBanner: extra.banner,
    };
    return extra.errors?.any ? web.renderErrors(request, reply, 'admin/scim.njk', extra.errors, data) : web.render(request, reply, 'admin/scim.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get('/admin/scim', async (request, reply) => {
    const revoked = (request.query as Record<string, unknown> | undefined)?.done === 'scim-token-revoked';
    return page(request, reply, revoked ? { banner: 'Token revoked. The identity provider can no longer use it.' } : {});
  });

  app.post('/admin/scim', async (request, reply) => {
    const ctx = web.ctx(request);
    const f = formOf(request.body);
    const values = { name: str(f, 'name'), days: str(f, 'days'), roles: list(f, 'roles') };
    const errors = new FormErrors();
    const days = values.days.trim() === '' ? undefined : Number(values.days.trim());
    if (!values.name.trim()) errors.add('name', 'Enter a name for the token, such as “Entra ID provisioning”');
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 3660)) errors.add('days', 'Enter a whole number of days from 1 to 3660');
    if (values.roles.length === 0) errors.add('roles', 'Choose at least one role');
    if (!errors.any) {
      try {
        const issued = await createScimToken(ctx, { agencyId: ctx.actor.agencyId, name: values.name, days, defaultRoles: values.roles as Role[] });
        // Not a redirect: the token is shown in this answer only.
        return page(request, reply, { issued });
      } catch (err) {
        const p = validationProblem(err);
        if (!p) throw err;
        errors.addProblems(p.errors, { '/name': 'name', '/days': 'days', '/defaultRoles': 'roles' }, 'name');
      }
    }
    return page(request, reply, { values, errors });
  });

  app.post<{ Params: { id: string } }>('/admin/scim/:id/revoke', async (request, reply) => {
    await revokeScimToken(web.ctx(request), request.params.id);
    return reply.redirect('/admin/scim?done=scim-token-revoked', 303);
  });
}
