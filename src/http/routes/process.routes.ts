import { z } from 'zod';
import { getEpisode, listDueSteps, openEpisode, openTransferredEpisode, recordEpisodeAction } from '../../process/episodes.ts';
import { OpenEpisode, RecordAction } from '../../process/schemas.ts';
import { Instant, Uuid } from '../../shared/schemas.ts';
import { IdParams, type Api } from '../route.ts';

const Step = z.object({ key: z.string(), label: z.string(), due: z.string(), paragraph: z.string(), prompt: z.boolean().optional(), overdue: z.boolean() });
const Episode = z
  .object({
    id: z.uuid(), agencyId: z.uuid(), childPersonId: z.uuid(), allocatedWorkerId: z.uuid().nullable(), team: z.string().nullable(), openedAt: z.string(),
    state: z.object({
      stage: z.string(), open: z.boolean(), steps: z.array(Step), allowed: z.array(z.string()).meta({ description: 'The actions the process allows now.' }),
      lastStrategyDiscussion: z.string().nullable(), initialConference: z.string().nullable(), lastConference: z.string().nullable(),
      referralOutcome: z.string().nullable(), acknowledged: z.boolean(), onPlan: z.boolean(),
    }),
    actions: z.array(z.object({ seq: z.number(), type: z.string(), occurredAt: z.string(), recordedAt: z.string(), recordedBy: z.uuid(), details: z.unknown() })),
  })
  .meta({ id: 'Episode' });
const DueStep = z.object({
  episodeId: z.uuid(), childPersonId: z.uuid(), allocatedWorkerId: z.uuid().nullable(), team: z.string().nullable(), key: z.string(), label: z.string(),
  dueDate: z.string(), dueAt: z.string().nullable(), paragraph: z.string(), overdue: z.boolean(),
}).meta({ id: 'DueStep' });

const TransferIn = z
  .strictObject({
    idempotencyKey: z.string().trim().min(1).max(200).meta({ description: 'Retrying with the same key never opens a second episode.' }),
    childPersonId: Uuid,
    transferredAt: Instant,
    fromAuthority: z.string().trim().min(1, 'Name the authority the child moved from').max(200),
    allocatedWorkerId: Uuid.optional(),
  })
  .meta({ id: 'TransferInEpisode' });

/** The child protection process: episodes, their actions, and what is due. */
export function registerProcessRoutes(api: Api): void {
  api.route({
    method: 'POST', url: '/episodes', tag: 'Process', summary: "Open a child's episode with children's social care from a referral received.",
    body: OpenEpisode, response: Episode,
    handler: ({ ctx, body }) => openEpisode(ctx, body),
  });
  api.route({
    method: 'POST', url: '/episodes/transfers-in', tag: 'Process',
    summary: 'Open the episode of a child with a child protection plan who has moved in from another authority; the transfer-in conference is due within 15 working days.',
    body: TransferIn, response: Episode,
    handler: ({ ctx, body }) => openTransferredEpisode(ctx, body),
  });
  api.route({
    method: 'GET', url: '/episodes/{id}', tag: 'Process', summary: 'An episode: its stage, what is due and when, what is allowed next, and every action.',
    params: IdParams, response: Episode,
    handler: ({ ctx, params }) => getEpisode(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/episodes/{id}/actions', tag: 'Process', status: 200,
    summary: 'Record an action. Refused, naming what is allowed now, when the process does not allow it; a retry with the same idempotency key records nothing new.',
    params: IdParams, body: RecordAction, response: Episode,
    handler: ({ ctx, params, body }) => recordEpisodeAction(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/due-steps', tag: 'Process', summary: 'Statutory steps due and overdue: yours, a team\'s, or the authority\'s.',
    query: z.strictObject({ worker: z.enum(['me']).optional(), team: z.string().max(200).optional(), overdueOnly: z.enum(['true', 'false']).optional() }),
    response: z.array(DueStep),
    handler: ({ ctx, query }) => listDueSteps(ctx, { worker: query.worker, team: query.team, overdueOnly: query.overdueOnly === 'true' }),
  });
}
