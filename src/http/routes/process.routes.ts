import { z } from 'zod';
import { ChildSummary } from '../../people/child-summary.ts';
import { getEpisode, listDueStepsPage, listEpisodesPage, openEpisode, openTransferredEpisode, recordEpisodeAction } from '../../process/episodes.ts';
import { allocateEpisode } from '../../process/allocation.ts';
import { AllocateEpisode, DueStepQuery, EpisodeListQuery, EpisodeSummary, OpenEpisode, RecordAction } from '../../process/schemas.ts';
import { page, pageRequest } from '../../shared/pagination.ts';
import { Instant, Text, Uuid } from '../../shared/schemas.ts';
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
  child: ChildSummary.nullable().meta({ description: 'Which child: null when you may not read their entry.' }),
}).meta({ id: 'DueStep' });

const TransferIn = z
  .strictObject({
    idempotencyKey: Text.trim().min(1).max(200).meta({ description: 'Retrying with the same key never opens a second episode.' }),
    childPersonId: Uuid,
    transferredAt: Instant,
    fromAuthority: Text.trim().min(1, 'Name the authority the child moved from').max(200),
    allocatedWorkerId: Uuid.optional(),
  })
  .meta({ id: 'TransferInEpisode' });

const ACTION_RULES = [
  "Which actions are allowed depends on the episode's stage, and `state.allowed` lists them at any moment; anything else is refused with a 422 on `/action/type` naming what is allowed now.",
  'In outline: a phone referral is confirmed in writing once; the referral is acknowledged once and decided once; an assessment starts only when none is in progress, of the kind the',
  'partnership uses (single, or initial and core), and is completed only while one of that kind is in progress; the strategy record is circulated only after a strategy discussion',
  'whose record is waiting; s47 enquiries conclude only during them; a conference is held only once awaiting one or during a plan: an initial or pre-birth conference only for a child',
  'without a plan, a review conference only for a child with one, a transfer-in conference only after a transfer in; core groups meet and a plan ends only while the child has a',
  'plan; a child in need plan is reviewed only during one; closing a case is allowed only from assessment, strategy or a child in need plan; nothing is recorded after closure.',
  'Other rules: `occurredAt` may not be in the future nor before the last recorded action; a conference deciding on a plan needs `planDetails` (lead agency, key worker — an active',
  'social worker — and core group members must exist); `meetingId` must be a meeting your agency convened, of the kind the action records, not linked to another episode; closing after no-access visits or concerns',
  'since the episode opened needs the agency that will monitor the child and what it will check (case example 8). A retry with the same `idempotencyKey` records nothing new.',
].join(' ');

/** The child protection process: episodes, their actions, and what is due. */
export function registerProcessRoutes(api: Api): void {
  api.route({
    method: 'POST', url: '/episodes', tag: 'Process', operationId: 'openEpisode',
    summary: 'Open an episode',
    description: "Open a child's episode with children's social care from a referral received, for a child in your agency's index. Only children's social care (403). A retry with the same idempotency key returns the episode already opened. "
      + "The allocated worker, if any, and your agency's team managers are told of earlier child protection plans of the child or the adults around them.",
    body: OpenEpisode, response: Episode,
    handler: ({ ctx, body }) => openEpisode(ctx, body),
  });
  api.route({
    method: 'PUT', url: '/episodes/{id}/allocation', tag: 'Process', operationId: 'allocateEpisode',
    summary: 'Allocate an episode',
    description: "Allocate an open episode to a social worker (and a team). When the allocated worker changes, they and your agency's team managers are told of earlier child "
      + 'protection plans of the child or the adults around them (a notification with nothing personal in it, linking to the child). Only children\'s social care (403); '
      + '`allocatedWorkerId` must be an active practitioner of your agency (422); a closed episode is not allocated (409).',
    params: IdParams, body: AllocateEpisode, response: EpisodeSummary,
    handler: ({ ctx, params, body }) => allocateEpisode(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/episodes', tag: 'Process', operationId: 'listEpisodes',
    summary: 'List episodes',
    description: "The episodes of children's social care you may see, most recently opened first: your agency's episodes whose child you may act on (the same decision as "
      + 'getting one episode). Filter by `status` (open or closed) and by `personId`. Only children\'s social care holds episodes: any other agency is answered 403.',
    query: EpisodeListQuery, response: page(EpisodeSummary),
    handler: ({ ctx, query }) => listEpisodesPage(ctx, { status: query.status, personId: query.personId }, pageRequest(query)),
  });
  api.route({
    method: 'POST', url: '/episodes/transfers-in', tag: 'Process', operationId: 'openTransferredEpisode',
    summary: 'Open a transferred-in episode',
    description: 'Open the episode of a child with a child protection plan who has moved in from another authority; the transfer-in conference is due within 15 working days. '
      + "Retrying with the same `idempotencyKey` never opens a second episode. The child must be in your agency's index; `transferredAt` may not be in the future.",
    body: TransferIn, response: Episode,
    handler: ({ ctx, body }) => openTransferredEpisode(ctx, body),
  });
  api.route({
    method: 'GET', url: '/episodes/{id}', tag: 'Process', operationId: 'getEpisode',
    summary: 'Get an episode',
    description: 'An episode: its stage, what is due and when, what is allowed next (`state.allowed`), and every action.',
    params: IdParams, response: Episode,
    handler: ({ ctx, params }) => getEpisode(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/episodes/{id}/actions', tag: 'Process', status: 200, operationId: 'recordEpisodeAction',
    summary: 'Record an episode action',
    description: `Record an action in the episode: the stage and the steps due follow from the actions. ${ACTION_RULES}`,
    params: IdParams, body: RecordAction, response: Episode,
    handler: ({ ctx, params, body }) => recordEpisodeAction(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/due-steps', tag: 'Process', operationId: 'listDueSteps',
    summary: 'List due steps',
    description: "Statutory steps due and overdue in open episodes, soonest first: yours (`worker=me`), a team's, or the authority's. Only children's social care (403).",
    query: DueStepQuery, response: page(DueStep),
    handler: ({ ctx, query }) => listDueStepsPage(ctx, { worker: query.worker, team: query.team, overdueOnly: query.overdueOnly === 'true' }, pageRequest(query)),
  });
}
