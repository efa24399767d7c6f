import { z } from 'zod';
import { getPlan, listEpisodePlans } from '../../plans/plans.ts';
import { Plan, PlanQuery, PlanSummary } from '../../plans/schemas.ts';
import { IdParams, type Api } from '../route.ts';

/** The child protection plan as a document, for every agency reading it (issue 18). */
export function registerPlanRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/episodes/{id}/plans', tag: 'Process',
    operationId: 'listEpisodePlans', summary: "List an episode's plans",
    description: "The child protection plans the episode's conferences made, newest first: children's social care sees all of them; another agency only those it reads (its practitioners are in the core group, or it was invited to the conference). An episode you reach no plan of answers 404.",
    params: IdParams, response: z.array(PlanSummary),
    handler: ({ ctx, params }) => listEpisodePlans(ctx, params.id),
  });
  api.route({
    method: 'GET', url: '/plans/{id}', tag: 'Process',
    operationId: 'getPlan', summary: 'Get a child protection plan',
    description: "The plan as a document: the outline plan (what must change, what each agency will do and by when), the contingency plan, the lead agency and key worker, the core group, the categories, the review dates, and its versions (one for each conference that made or changed it; `?version=` reads an earlier one). Readable by children's social care and by the agencies in the core group or invited to the conference, through the share decision the conference's plan recorded (statutory duty); everyone else 404.",
    params: IdParams, query: PlanQuery, response: Plan,
    handler: ({ ctx, params, query }) => getPlan(ctx, params.id, query.version),
  });
}
