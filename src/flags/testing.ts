import { openEpisode, recordEpisodeAction, type EpisodeView } from '../process/episodes.ts';
import { RecordAction } from '../process/schemas.ts';
import type { fixedClock } from '../shared/clock.ts';
import type { ActorContext } from '../shared/context.ts';

/**
 * Test helpers (not loaded by the server): an authority taking a child through the process to a
 * child protection plan and out of it, with the clock moved as a social worker would live it.
 */

type Clock = ReturnType<typeof fixedClock>;

const act = (key: string, occurredAt: string, action: Record<string, unknown>): RecordAction => RecordAction.parse({ idempotencyKey: key, occurredAt, action });

const later = (iso: string, minutes: number): string => new Date(new Date(iso).getTime() + minutes * 60_000).toISOString();

/**
 * Referral, strategy discussion, s47 enquiry and an initial (or pre-birth) conference that makes a
 * plan; returns the episode and when the plan started. Each action is recorded an hour after the last.
 */
export async function childOnPlan(
  worker: ActorContext, clock: Clock, childPersonId: string,
  opts: { cscId: string; invited?: string[]; kind?: 'initial' | 'pre_birth'; key?: string },
): Promise<{ episode: EpisodeView; planStartedAt: string }> {
  const k = opts.key ?? 'e';
  let t = clock.now().toISOString();
  const step = (): string => {
    t = later(t, 60);
    clock.set(later(t, 1));
    return t;
  };
  const episode = await openEpisode(worker, { idempotencyKey: `${k}-ref`, childPersonId, receivedAt: t, channel: 'written' });
  await recordEpisodeAction(worker, episode.id, act(`${k}-dec`, step(), { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'Injuries unexplained' }));
  await recordEpisodeAction(worker, episode.id, act(`${k}-sd`, step(), {
    type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: opts.cscId }], policeInvestigation: false, immediateSafety: 'Safe tonight with grandmother', familyToBeTold: 'Social worker tells mother today',
  }));
  await recordEpisodeAction(worker, episode.id, act(`${k}-s47`, step(), { type: 's47_concluded', outcome: 'continuing_risk', summary: 'Continuing risk of significant harm' }));
  const planStartedAt = step();
  const done = await recordEpisodeAction(worker, episode.id, act(`${k}-icpc`, planStartedAt, {
    type: 'conference_held', kind: opts.kind ?? 'initial', plan: true, invitedAgencyIds: [opts.cscId, ...(opts.invited ?? [])], parentsParticipation: 'Mother attended',
    planDetails: { category: 'physical_abuse', leadAgencyId: opts.cscId, keyWorkerId: worker.actor.practitionerId, coreGroup: [worker.actor.practitionerId], outlinePlan: 'Weekly visits', contingencyPlan: 'Strategy discussion at once' },
  }));
  return { episode: done, planStartedAt: new Date(planStartedAt).toISOString() };
}

/** A review conference ends the plan (or plan_ended with a reason); returns when. */
export async function endPlan(worker: ActorContext, clock: Clock, episodeId: string, key = 'end'): Promise<string> {
  const at = later(clock.now().toISOString(), 30);
  clock.set(later(at, 1));
  await recordEpisodeAction(worker, episodeId, act(key, at, { type: 'plan_ended', reason: 'review_decision', childInNeedPlan: true }));
  return new Date(at).toISOString();
}
