import { audit, command } from '../audit/audit.ts';
import type { ActorContext } from '../shared/context.ts';
import { conflict, forbidden, invalid } from '../shared/errors.ts';
import { tellCaseHoldersOfHistory } from './previous-history.ts';
import { episodeOfAuthority } from './safe-closure.ts';
import type { AllocateEpisode, EpisodeSummary } from './schemas.ts';
import { agencyTypeOf } from '../shared/agency-types.ts';

/**
 * Allocating an open episode to a social worker (and a team). A new allocated worker, and the
 * agency's team managers, are told of earlier child protection plans of the child or the adults
 * around them (issue 17): the history reaches whoever holds the case, not only the head of
 * safeguarding.
 */
export async function allocateEpisode(ctx: ActorContext, episodeId: string, input: AllocateEpisode): Promise<EpisodeSummary> {
  return command(ctx, async (tx) => {
    const action = 'episode.allocate';
    const own = { type: await agencyTypeOf(tx, ctx.actor.agencyId) };
    if (own?.type !== 'childrens_social_care') throw forbidden("Only children's social care allocates episodes.");
    const e = await episodeOfAuthority(ctx, tx, episodeId, action);
    if (e.closed_at) throw conflict('This episode has closed: it is no longer allocated.');
    const worker = (await tx.query('SELECT 1 FROM practitioner WHERE id = $1 AND agency_id = $2 AND active', [input.allocatedWorkerId, ctx.actor.agencyId])).rowCount;
    if (!worker) throw invalid('The episode cannot be allocated.', [{ pointer: '/allocatedWorkerId', detail: 'No active practitioner in your agency with that identifier' }]);
    const before = (await tx.query<{ allocated_worker_id: string | null }>('SELECT allocated_worker_id FROM episode WHERE id = $1 FOR UPDATE', [episodeId])).rows[0]!;
    await tx.query('UPDATE episode SET allocated_worker_id = $2, team = coalesce($3, team) WHERE id = $1', [episodeId, input.allocatedWorkerId, input.team ?? null]);
    const changed = before.allocated_worker_id !== input.allocatedWorkerId;
    const earlierPlans = changed ? await tellCaseHoldersOfHistory(tx, ctx.actor.agencyId, e.child_person_id, input.allocatedWorkerId, ctx.clock.now()) : 0;
    await audit(ctx, tx, { action, outcome: 'success', entityType: 'episode', entityId: episodeId, personId: e.child_person_id, detail: { changed, earlierPlans } });
    const r = (await tx.query<{ id: string; child_person_id: string; allocated_worker_id: string | null; team: string | null; opened_at: string; closed_at: string | null; stage: string }>(
      'SELECT id, child_person_id, allocated_worker_id, team, opened_at, closed_at, stage FROM episode WHERE id = $1', [episodeId])).rows[0]!;
    return { id: r.id, childPersonId: r.child_person_id, allocatedWorkerId: r.allocated_worker_id, team: r.team, openedAt: r.opened_at, closedAt: r.closed_at, stage: r.stage, open: r.closed_at === null };
  });
}
