import { getPlan } from '../../plans/plans.ts';
import { PlanQuery } from '../../plans/schemas.ts';
import { renderView } from '../view.ts';
import { parseForm } from '../forms.ts';
import type { Web } from '../web.ts';

type IdParams = { id: string };

/**
 * The child protection plan as a document, for every agency reading it: its page (any version)
 * and a clean printable copy (no navigation, print CSS), like the chronology's.
 */
export function registerPlanPages(web: Web): void {
  const { app } = web;

  app.get<{ Params: IdParams }>('/plans/:id', async (request, reply) => {
    const { version } = parseForm(PlanQuery, request.query ?? {});
    const plan = await getPlan(web.ctx(request), request.params.id, version);
    return web.render(request, reply, 'plans/plan.njk', { pageTitle: plan.kind === 'child_in_need' ? 'Child in need plan' : 'Child protection plan', plan, latest: plan.versions.length, errors: {}, errorList: [] });
  });

  app.get<{ Params: IdParams }>('/plans/:id/print', async (request, reply) => {
    const { version } = parseForm(PlanQuery, request.query ?? {});
    const ctx = web.ctx(request);
    const plan = await getPlan(ctx, request.params.id, version);
    const html = renderView('plans/print.njk', { plan, cssHref: '/api/v1/chronology/print.css', generated: ctx.clock.now().toISOString() });
    return reply.type('text/html; charset=utf-8').send(html);
  });
}
