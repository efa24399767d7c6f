import { randomUUID } from 'node:crypto';
import type { Database } from '../src/db/database.ts';
import { openEpisode } from '../src/process/episodes.ts';
import type { ActorContext } from '../src/shared/context.ts';
import { person } from './fixtures.ts';
import { planWorld } from './plan-world.ts';

/**
 * Leo Hart's child in need plan (issue 18): the plan world's agencies, a second child with entries
 * at children's social care, the school and health visiting, linked as the same child, and an
 * episode brought to its assessment (started Friday 13 November 2026).
 */
export async function cinWorld(db: Database) {
  const w = await planWorld(db);
  const child = { names: [{ givenNames: 'Leo', familyName: 'Hart' }], dateOfBirth: '2019-07-01' };
  const leo = await person(w.worker, child);
  const leoAtSchool = await person(w.dsl, child);
  const leoWithHv = await person(w.visitor, child);
  for (const other of [leoAtSchool, leoWithHv]) {
    await db.query('INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at, reason) VALUES ($1,$2,$3,$4,$5,$6)',
      [randomUUID(), leo.id, other.id, w.worker.actor.practitionerId, w.clock.now().toISOString(), 'Same name, date of birth and address']);
  }
  w.clock.set('2026-11-13T09:00:00Z');
  const episode = await openEpisode(w.worker, { idempotencyKey: 'leo-ref', childPersonId: leo.id, receivedAt: '2026-11-13T09:00:00Z', channel: 'written', allocatedWorkerId: w.worker.actor.practitionerId });
  await w.act(w.worker, episode, '2026-11-13T10:00:00Z', { type: 'referral_acknowledged' });
  await w.act(w.manager, episode, '2026-11-13T11:00:00Z', { type: 'referral_decided', outcome: 'assessment', reasons: 'Leo is often late and hungry at school' });
  await w.act(w.worker, episode, '2026-11-13T12:00:00Z', { type: 'assessment_started', kind: 'single' });
  const cinPlan = (members: ActorContext[], extra: Record<string, unknown> = {}) => ({
    outlinePlan: 'Leo arrives at school on time and fed; his father has help with the mornings.',
    outlineItems: [{ agencyId: w.school, what: 'Offer Leo breakfast club every day', byWhen: '2026-12-18' }],
    contingencyPlan: 'A review at once if Leo misses school two days running.',
    leadWorkerId: w.worker.actor.practitionerId,
    members: [w.worker, ...members].map((c) => c.actor.practitionerId),
    ...extra,
  });
  /** The assessment decides on a child in need plan (Monday 30 November 2026). */
  const assessed = (plan?: ReturnType<typeof cinPlan>) => w.act(w.worker, episode, '2026-11-30T10:00:00Z', {
    type: 'assessment_completed', kind: 'single', outcome: 'child_in_need_plan', summary: 'Leo needs support with mornings at home', ...(plan ? { cinPlan: plan } : {}),
  });
  const cinPlanOf = async (): Promise<string> => (await db.query<{ id: string }>("SELECT id FROM plan WHERE episode_id = $1 AND kind = 'child_in_need'", [episode.id])).rows[0]!.id;
  return { ...w, leo, leoAtSchool, leoWithHv, leoEpisode: episode, cinPlan, assessed, cinPlanOf };
}
