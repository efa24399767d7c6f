import type { FastifyReply, FastifyRequest } from 'fastify';
import { listAgencyPractitioners } from '../../partnership/partnership.ts';
import { getPerson } from '../../people/people.ts';
import { allocateEpisode } from '../../process/allocation.ts';
import { getEpisode } from '../../process/episodes.ts';
import { AllocateEpisode } from '../../process/schemas.ts';
import { FormErrors, formOf, opt, parseForm, validationProblem } from '../forms.ts';
import { personName } from '../view.ts';
import { safely, type Web } from '../web.ts';

type IdParams = { id: string };

/**
 * Allocating a child's episode to a social worker (issue 17): whoever is allocated, and the team
 * managers, are told of earlier child protection plans around the child.
 */
export function registerAllocationPages(web: Web): void {
  const { app } = web;

  const form = async (request: FastifyRequest<{ Params: IdParams }>, reply: FastifyReply, values: Record<string, unknown>, errors?: FormErrors): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const episode = await getEpisode(ctx, request.params.id);
    const child = await safely(() => getPerson(ctx, episode.childPersonId));
    const workers = ((await safely(() => listAgencyPractitioners(ctx))) ?? []).filter((p) => p.active && p.roles.includes('social_worker')).map((p) => ({ value: p.id, text: p.name }));
    const data = {
      pageTitle: 'Allocate the child’s episode', episode, name: child ? personName(child) : 'The child', backLink: `/episodes/${episode.id}`,
      workerItems: [{ value: '', text: 'Choose a social worker' }, ...workers], values: { allocatedWorkerId: episode.allocatedWorkerId ?? '', team: episode.team ?? '', ...values },
    };
    return errors?.any ? web.renderErrors(request, reply, 'process/allocation.njk', errors, data) : web.render(request, reply, 'process/allocation.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: IdParams }>('/episodes/:id/allocation', async (request, reply) => form(request, reply, {}));

  app.post<{ Params: IdParams }>('/episodes/:id/allocation', async (request, reply) => {
    const f = formOf(request.body);
    const values = { allocatedWorkerId: opt(f, 'allocatedWorkerId'), team: opt(f, 'team') };
    try {
      await allocateEpisode(web.ctx(request), request.params.id, parseForm(AllocateEpisode, values));
      return reply.redirect(`/episodes/${request.params.id}?done=episode-allocated`, 303);
    } catch (err) {
      const p = validationProblem(err);
      if (!p) throw err;
      const errors = new FormErrors();
      errors.addProblems(p.errors, { '/allocatedWorkerId': 'allocatedWorkerId', '/team': 'team' }, 'allocatedWorkerId');
      if (!errors.any) errors.add('allocatedWorkerId', p.detail ?? 'Choose a social worker');
      return form(request, reply, values, errors);
    }
  });
}
