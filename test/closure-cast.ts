import { randomUUID } from 'node:crypto';
import { openEpisode, recordEpisodeAction } from '../src/process/episodes.ts';
import { RecordAction } from '../src/process/schemas.ts';
import { addRecord } from '../src/records/records.ts';
import { fixedClock } from '../src/shared/clock.ts';
import type { Database } from '../src/db/database.ts';
import type { ActorContext } from '../src/shared/context.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from './fixtures.ts';

/**
 * Case example 8 at its closure, for the monitoring follow-up tests: two home visits with no
 * access, and the case closed on Monday 26 April 2027 with the health visitor named to monitor
 * (a check every 14 days from that day). Probation holds a linked entry and is told too.
 */
export async function closedWithMonitoring(db: Database) {
  const clock = fixedClock('2027-02-24T09:00:00Z');
  const s = services(db, clock);
  const p = await partnershipWith(s);
  const csc = await agency(s, p, 'childrens_social_care', "Children's Social Care");
  const hv = await agency(s, p, 'health_visiting', 'Health visiting');
  const probation = await agency(s, p, 'probation', 'Probation');
  const school = await agency(s, p, 'school', 'Riverside Primary');
  const socialWorker = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
  const cscLead = await practitioner(s, csc, ['safeguarding_lead'], 'Grace Okafor');
  const healthVisitor = await practitioner(s, hv, ['practitioner'], 'Health visitor');
  const hvLead = await practitioner(s, hv, ['safeguarding_lead'], 'Named nurse');
  const otherHv = await practitioner(s, hv, ['practitioner'], 'Another health visitor');
  const probationOfficer = await practitioner(s, probation, ['practitioner'], 'Emma Sinclair');
  const probationLead = await practitioner(s, probation, ['safeguarding_lead'], 'Probation lead');
  const teacher = await practitioner(s, school, ['practitioner', 'safeguarding_lead'], 'Teacher');
  const lily = await person(socialWorker, { names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2027-02-20' });
  const hvLily = await person(healthVisitor, { names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2027-02-20' });
  const probationLily = await person(probationOfficer, { names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2027-02-20' });
  const link = (a: string, b: string, by: ActorContext) =>
    db.query('INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at) VALUES ($1,$2,$3,$4,$5)', [randomUUID(), a, b, by.actor.practitionerId, clock.now().toISOString()]);
  await link(lily.id, hvLily.id, socialWorker);
  await link(lily.id, probationLily.id, socialWorker);
  const e = await openEpisode(socialWorker, { idempotencyKey: 'r', childPersonId: lily.id, receivedAt: '2027-02-24T09:00:00Z', channel: 'written' });
  clock.set('2027-02-25T12:00:00Z');
  await recordEpisodeAction(socialWorker, e.id, RecordAction.parse({ idempotencyKey: 'd', occurredAt: '2027-02-24T12:00:00Z', action: { type: 'referral_decided', outcome: 'assessment', reasons: 'Midwife worried' } }));
  for (const at of ['2027-03-12T11:00:00Z', '2027-04-09T11:00:00Z']) {
    clock.set(at);
    await addRecord(socialWorker, lily.id, concern({ kind: 'home_visit', outcome: 'no_access', occurredAt: at, summary: 'No reply' }));
  }
  clock.set('2027-04-26T10:00:00Z');
  await recordEpisodeAction(socialWorker, e.id, RecordAction.parse({
    idempotencyKey: 'close', occurredAt: '2027-04-26T09:30:00Z',
    action: { type: 'case_closed', reasons: 'No further referrals', monitoringAgencyId: hv, monitoringPractitionerId: healthVisitor.actor.practitionerId, arrangement: { checks: 'See Lily at home', everyDays: 14, endsOn: '2027-07-31' } },
  }));
  const arrangementId = (await db.query<{ id: string }>('SELECT id FROM monitoring_arrangement WHERE episode_id = $1', [e.id])).rows[0]!.id;
  return { clock, s, csc, hv, probation, school, socialWorker, cscLead, healthVisitor, hvLead, otherHv, probationOfficer, probationLead, teacher, lily, hvLily, probationLily, episodeId: e.id, arrangementId };
}
