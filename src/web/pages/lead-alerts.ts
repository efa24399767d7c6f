import type { FastifyReply, FastifyRequest } from 'fastify';
import { dealWithLeadAlert, getLeadAlert } from '../../records/lead-alerts.ts';
import { DealWithLeadAlert } from '../../records/lead-alert-schemas.ts';
import { fieldProblems } from '../../shared/errors.ts';
import { withChildren } from '../children.ts';
import { FormErrors, formOf, str } from '../forms.ts';
import type { Web } from '../web.ts';

type IdParams = { id: string };

/** Where a concern brought to the lead is worked: decide whether to share, refer, or mark it dealt with. */
export function registerLeadAlertPages(web: Web): void {
  const { app } = web;

  const alertPage = async (request: FastifyRequest<{ Params: IdParams }>, reply: FastifyReply, values: Record<string, unknown> = {}, errors?: FormErrors): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const [alert] = (await withChildren(ctx, [await getLeadAlert(ctx, request.params.id)], (a) => ({ type: 'person', id: a.personId })))!;
    const data = { pageTitle: 'A concern brought to you', alert, values, backLink: '/tasks' };
    return errors?.any ? web.renderErrors(request, reply, 'lead-alerts/alert.njk', errors, data) : web.render(request, reply, 'lead-alerts/alert.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: IdParams }>('/lead-alerts/:id', async (request, reply) => alertPage(request, reply));

  app.post<{ Params: IdParams }>('/lead-alerts/:id/dealt-with', async (request, reply) => {
    const f = formOf(request.body);
    const parsed = DealWithLeadAlert.safeParse({ note: str(f, 'note') });
    if (!parsed.success) {
      const errors = new FormErrors();
      errors.addProblems(fieldProblems(parsed.error), { '/note': 'note' }, 'note');
      return alertPage(request, reply, { note: str(f, 'note') }, errors);
    }
    await dealWithLeadAlert(web.ctx(request), request.params.id, parsed.data);
    return reply.redirect('/tasks?done=lead-alert-dealt-with', 303);
  });
}
