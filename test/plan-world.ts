import { randomUUID } from 'node:crypto';
import type { Database } from '../src/db/database.ts';
import { openEpisode, recordEpisodeAction, type EpisodeView } from '../src/process/episodes.ts';
import { RecordAction } from '../src/process/schemas.ts';
import { fixedClock } from '../src/shared/clock.ts';
import type { ActorContext } from '../src/shared/context.ts';
import { agency, partnershipWith, person, practitioner, services } from './fixtures.ts';

/**
 * Ava Reed's plan (issue 18): children's social care, her school, the health visiting service and
 * the police, each with its own entry for Ava, linked as the same child; an episode brought to the
 * initial conference. Used by the plan's service, API, page and browser tests.
 */
export async function planWorld(db: Database, now = '2026-11-02T09:00:00Z') {
  const clock = fixedClock(now);
  const s = services(db, clock);
  const p = await partnershipWith(s);
  const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
  const school = await agency(s, p, 'school', 'Northshire Primary School');
  const hv = await agency(s, p, 'health_visiting', 'Northshire Health Visiting');
  const police = await agency(s, p, 'police', 'Northshire Police');
  const elsewhere = await agency(s, await partnershipWith(s, 'Southshire Partnership'), 'school', 'Southshire School');
  const worker = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
  const manager = await practitioner(s, csc, ['manager'], 'Grace Okafor');
  const dsl = await practitioner(s, school, ['safeguarding_lead'], 'Sarah Khan');
  const teacher = await practitioner(s, school, ['practitioner'], 'Tom Price');
  const visitor = await practitioner(s, hv, ['practitioner', 'safeguarding_lead'], 'Priya Shah');
  const officer = await practitioner(s, police, ['safeguarding_lead'], 'DC Lee');
  const stranger = await practitioner(s, elsewhere, ['safeguarding_lead'], 'Southshire lead');
  const child = { names: [{ givenNames: 'Ava', familyName: 'Reed' }], dateOfBirth: '2020-03-04' };
  const ava = await person(worker, child);
  const avaAtSchool = await person(dsl, child);
  const avaWithHv = await person(visitor, child);
  const link = (a: string, b: string) => db.query('INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at, reason) VALUES ($1,$2,$3,$4,$5,$6)',
    [randomUUID(), a, b, worker.actor.practitionerId, clock.now().toISOString(), 'Same name, date of birth and address']);
  await link(ava.id, avaAtSchool.id);
  await link(ava.id, avaWithHv.id);

  let n = 0;
  const act = async (who: ActorContext, e: { id: string }, occurredAt: string, action: Record<string, unknown>): Promise<EpisodeView> => {
    clock.set(occurredAt);
    return recordEpisodeAction(who, e.id, RecordAction.parse({ idempotencyKey: `k${++n}`, occurredAt, action }));
  };
  const e = await openEpisode(worker, { idempotencyKey: 'ava-ref', childPersonId: ava.id, receivedAt: now, channel: 'written', allocatedWorkerId: worker.actor.practitionerId });
  await act(worker, e, '2026-11-02T10:00:00Z', { type: 'referral_acknowledged' });
  await act(manager, e, '2026-11-02T11:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'Bruising seen at school' });
  await act(worker, e, '2026-11-03T10:00:00Z', {
    type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: csc }, { agencyId: police }, { agencyId: school, practitionerId: dsl.actor.practitionerId }],
    policeInvestigation: false, immediateSafety: 'Ava stays at home with a safety plan', familyToBeTold: 'Social worker tells the mother today',
  });
  await act(worker, e, '2026-11-12T15:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'Continuing risk of physical harm' });

  const planDetails = (coreGroup: ActorContext[], extra: Record<string, unknown> = {}) => ({
    category: 'physical_abuse', leadAgencyId: csc, keyWorkerId: worker.actor.practitionerId,
    coreGroup: [worker, ...coreGroup].map((c) => c.actor.practitionerId),
    outlinePlan: 'Ava is safe at home: no unexplained injuries; her mother takes her to every health appointment.',
    outlineItems: [
      { agencyId: school, what: 'Check Ava every morning and tell the social worker of any injury the same day', byWhen: '2026-12-18' },
      { agencyId: hv, what: 'Visit fortnightly and weigh Ava', byWhen: '2027-01-29' },
    ],
    contingencyPlan: 'A strategy discussion the same day if an injury is seen again.',
    ...extra,
  });
  /** A conference: initial (making the plan) or review (changing, keeping or ending it). */
  const conference = (at: string, kind: 'initial' | 'review', invited: string[], details?: ReturnType<typeof planDetails>) =>
    act(manager, e, at, { type: 'conference_held', kind, plan: details !== undefined, invitedAgencyIds: invited, attendedAgencyIds: invited, parentsParticipation: 'Mother attended', ...(details ? { planDetails: details } : {}) });
  const planOf = async (): Promise<string> => (await db.query<{ id: string }>('SELECT id FROM plan WHERE episode_id = $1', [e.id])).rows[0]!.id;
  const noticesFor = async (who: ActorContext, kind?: string) => (await db.query<{ kind: string; entity_type: string; entity_id: string; message: string }>(
    'SELECT kind, entity_type, entity_id, message FROM notification WHERE practitioner_id = $1 AND ($2::text IS NULL OR kind = $2) ORDER BY created_at', [who.actor.practitionerId, kind ?? null])).rows;
  return { clock, s, p, csc, school, hv, police, elsewhere, worker, manager, dsl, teacher, visitor, officer, stranger, ava, avaAtSchool, avaWithHv, episode: e, act, conference, planDetails, planOf, noticesFor };
}
export type PlanWorld = Awaited<ReturnType<typeof planWorld>>;
