import type { FastifyReply, FastifyRequest } from 'fastify';
import { ROLES } from '../../access/policy.ts';
import { listPractitionerTokens, revokePractitionerToken } from '../../auth/api-tokens.ts';
import { sendNewInvitation, type InvitationOutcome } from '../../partnership/invitations.ts';
import { deactivatePractitioner, leaverHoldings, LeaverReason, reactivatePractitioner } from '../../partnership/leavers.ts';
import { changePractitioner, getPractitioner, PractitionerChange } from '../../partnership/movers.ts';
import { peopleSettings } from '../../partnership/people-settings.ts';
import { fieldProblems, Problem } from '../../shared/errors.ts';
import { FormErrors, formOf, list, str } from '../forms.ts';
import type { Web } from '../web.ts';
import { ROLE_TEXT } from './admin.ts';

type IdParams = { Params: { id: string } };

const FIELD_WORDS: Record<string, string> = { roles: 'roles', jobTitle: 'job title', agencyId: 'agency' };

/**
 * One practitioner, for their agency's administrator (issue 19): who they are, whether they can sign
 * in, the changes made to them and why; forms for a mover (roles, job title, with a reason), a new
 * invitation, a leaver (deactivation, with a confirmation page saying what they still hold) and
 * reactivation; their API tokens, each revocable.
 */
export function registerPractitionerPages(web: Web): void {
  const { app } = web;
  const roleItems = ROLES.map((r) => ({ value: r, text: r.replace(/_/g, ' ').replace(/^./, (x) => x.toUpperCase()), hint: { text: ROLE_TEXT[r] ?? '' } }));

  const page = async (request: FastifyRequest<IdParams>, reply: FastifyReply, extra: { values?: Record<string, unknown>; errors?: FormErrors; issued?: InvitationOutcome; form?: string } = {}): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const p = await getPractitioner(ctx, request.params.id);
    const tokens = await listPractitionerTokens(ctx, p.id);
    const settings = peopleSettings();
    const data = {
      pageTitle: p.name, backLink: '/admin/practitioners', p, tokens, isSelf: p.id === ctx.actor.practitionerId,
      roles: roleItems, values: extra.values ?? { roles: p.roles, jobTitle: p.jobTitle ?? '' },
      changes: p.changes.map((c) => ({ ...c, what: c.kind === 'deactivation' ? 'Deactivated' : c.kind === 'reactivation' ? 'Reactivated' : `Changed ${c.fields.map((f) => FIELD_WORDS[f] ?? f).join(' and ')}` })),
      issued: extra.issued, emailConfigured: settings.mail.configured, linkHours: settings.link.hours, form: extra.form,
    };
    return extra.errors?.any
      ? web.renderErrors(request, reply, 'admin/practitioner.njk', extra.errors, data)
      : web.render(request, reply, 'admin/practitioner.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<IdParams>('/admin/practitioners/:id', async (request, reply) => page(request, reply));

  // A mover: roles and job title, with the reason (kept with the change, never in the audit trail).
  app.post<IdParams>('/admin/practitioners/:id', async (request, reply) => {
    const f = formOf(request.body);
    const values = { roles: list(f, 'roles'), jobTitle: str(f, 'jobTitle'), reason: str(f, 'reason') };
    const errors = new FormErrors();
    const map = { '/roles': 'roles', '/jobTitle': 'jobTitle', '/reason': 'reason' };
    const parsed = PractitionerChange.safeParse({ roles: values.roles, jobTitle: values.jobTitle, reason: values.reason });
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), map, 'roles');
    else {
      try {
        await changePractitioner(web.ctx(request), request.params.id, parsed.data);
        return reply.redirect(`/admin/practitioners/${request.params.id}?done=practitioner-changed`, 303);
      } catch (err) {
        if (!(err instanceof Problem) || ![409, 422].includes(err.status)) throw err;
        if (err.status === 409) errors.add('roles', (err.detail ?? 'This cannot be changed now').replace(/\.$/, ''));
        else errors.addProblems(err.errors, map, 'roles');
      }
    }
    return page(request, reply, { values, errors, form: 'details' });
  });

  // A new invitation: e-mailed to the practitioner, or (no e-mail) shown here once.
  app.post<IdParams>('/admin/practitioners/:id/invitation', async (request, reply) => {
    const issued = await sendNewInvitation(web.ctx(request), request.params.id);
    return page(request, reply, { issued });
  });

  app.post<IdParams & { Params: { otherId: string } }>('/admin/practitioners/:id/tokens/:otherId/revoke', async (request, reply) => {
    await revokePractitionerToken(web.ctx(request), request.params.id, request.params.otherId);
    return reply.redirect(`/admin/practitioners/${request.params.id}?done=token-revoked`, 303);
  });

  // A leaver: first what they still hold, then the reason, then everything ends at once.
  const confirm = async (request: FastifyRequest<IdParams>, reply: FastifyReply, values: Record<string, unknown>, errors?: FormErrors): Promise<FastifyReply> => {
    const { practitioner, holdings } = await leaverHoldings(web.ctx(request), request.params.id);
    if (!practitioner.active || practitioner.id === web.ctx(request).actor.practitionerId) return reply.redirect(`/admin/practitioners/${practitioner.id}`, 303);
    const data = { pageTitle: `Deactivate ${practitioner.name}`, backLink: `/admin/practitioners/${practitioner.id}`, p: practitioner, holdings, values };
    return errors?.any ? web.renderErrors(request, reply, 'admin/deactivate.njk', errors, data) : web.render(request, reply, 'admin/deactivate.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<IdParams>('/admin/practitioners/:id/deactivate', async (request, reply) => confirm(request, reply, {}));

  app.post<IdParams>('/admin/practitioners/:id/deactivate', async (request, reply) => {
    const values = { reason: str(formOf(request.body), 'reason') };
    const errors = new FormErrors();
    const parsed = LeaverReason.safeParse(values);
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), { '/reason': 'reason' }, 'reason');
    else {
      try {
        await deactivatePractitioner(web.ctx(request), request.params.id, parsed.data);
        return reply.redirect(`/admin/practitioners/${request.params.id}?done=practitioner-deactivated`, 303);
      } catch (err) {
        if (!(err instanceof Problem) || ![403, 409].includes(err.status)) throw err;
        errors.add('reason', (err.detail ?? 'This practitioner cannot be deactivated now').replace(/\.$/, ''));
      }
    }
    return confirm(request, reply, values, errors);
  });

  app.post<IdParams>('/admin/practitioners/:id/reactivate', async (request, reply) => {
    const values = { reactivationReason: str(formOf(request.body), 'reactivationReason') };
    const errors = new FormErrors();
    const parsed = LeaverReason.safeParse({ reason: values.reactivationReason });
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), { '/reason': 'reactivationReason' }, 'reactivationReason');
    else {
      const issued = await reactivatePractitioner(web.ctx(request), request.params.id, parsed.data);
      return page(request, reply, { issued });
    }
    return page(request, reply, { errors, values: { ...values }, form: 'reactivate' });
  });
}
