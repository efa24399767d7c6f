import { randomUUID } from 'node:crypto';
import type { Actor, Role } from '../src/access/policy.ts';
import { loadActor } from '../src/auth/auth.ts';
import type { Database } from '../src/db/database.ts';
import { addPractitionerAsSystem } from '../src/partnership/partnership.ts';
import { addRelationship, setLeadWorker } from '../src/people/people.ts';
import { openEpisode } from '../src/process/episodes.ts';
import { NewMonitoringArrangement } from '../src/process/monitoring.schemas.ts';
import { createArrangement } from '../src/process/monitoring.ts';
import { addRecord } from '../src/records/records.ts';
import { fixedClock } from '../src/shared/clock.ts';
import type { ActorContext, Services } from '../src/shared/context.ts';
import { NewShareDecision } from '../src/sharing/schemas.ts';
import { makeDecision } from '../src/sharing/sharing.ts';
import { agency, concern, partnershipWith, person, services } from './fixtures.ts';

/**
 * The caseloads of issue 17 ("My children"), on Wednesday 9 December 2026:
 * - Rachel Dunn, social worker: Ava O'Neill (allocated, the referral's steps overdue), the unborn
 *   baby of Natasha Reed (allocated, received yesterday: due today), Ben Carter (lead worker; the
 *   police have just shared something about him with her), Cara Jones and Adam Zane (lead worker,
 *   nothing due); she is also lead worker for Natasha herself, an adult, who is not on the list.
 * - Zoe Hill: children's social care's, with a concern recorded this week; on no one's own list.
 * - Lily Fletcher: monitored by the health visitor since 20 November, fortnightly; the check due
 *   on 4 December was not made.
 * - Grace Okafor, safeguarding lead of children's social care: the agency's children with a
 *   recent concern (Zoe) or monitoring (Lily).
 * - The police officer (a safeguarding lead too) holds Ben's police entry only.
 */
export const PASSWORD = 'caseload-test-password';

let seq = 0;

export async function caseloadWorld(db: Database) {
  const clock = fixedClock('2026-11-20T09:00:00Z');
  const s = services(db, clock);
  const p = await partnershipWith(s);
  const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
  const hv = await agency(s, p, 'health_visiting', 'Northshire Health Visiting');
  const police = await agency(s, p, 'police', 'Northshire Police');
  const signedUp = async (agencyId: string, roles: Role[], name: string): Promise<ActorContext & { email: string }> => {
    const email = `caseload${++seq}.${Date.now()}@example.org`;
    const made = await addPractitionerAsSystem(s, { agencyId, name, email, roles, password: PASSWORD });
    return { ...s, actor: (await loadActor(s.db, made.id)) as Actor, email };
  };
  const worker = await signedUp(csc, ['social_worker'], 'Rachel Dunn');
  const colleague = await signedUp(csc, ['social_worker'], 'Sam Colleague');
  const cscLead = await signedUp(csc, ['safeguarding_lead'], 'Grace Okafor');
  const manager = await signedUp(csc, ['manager'], 'Mo Manager');
  const admin = await signedUp(csc, ['administrator'], 'Ada Admin');
  const healthVisitor = await signedUp(hv, ['practitioner'], 'Holly Visitor');
  const hvLead = await signedUp(hv, ['safeguarding_lead'], 'Nina Nurse');
  const officer = await signedUp(police, ['practitioner', 'safeguarding_lead'], 'Pat Officer');
  const link = (a: string, b: string, by: ActorContext) => db.query('INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at, reason) VALUES ($1,$2,$3,$4,$5,$6)',
    [randomUUID(), a, b, by.actor.practitionerId, by.clock.now().toISOString(), 'Same name, date of birth and address']);

  const child = (ctx: ActorContext, given: string, family: string, dateOfBirth: string) => person(ctx, { names: [{ givenNames: given, familyName: family }], dateOfBirth });
  const ava = await child(worker, 'Ava', "O'Neill", '2022-04-04');
  const ben = await child(worker, 'Ben', 'Carter', '2019-07-15');
  const cara = await child(worker, 'Cara', 'Jones', '2020-01-30');
  const adam = await child(worker, 'Adam', 'Zane', '2018-11-02');
  const zoe = await child(colleague, 'Zoe', 'Hill', '2017-06-06');
  const lily = await child(worker, 'Lily', 'Fletcher', '2026-06-20');
  const natasha = await person(worker, { kind: 'adult', sex: 'female', names: [{ givenNames: 'Natasha', familyName: 'Reed' }], dateOfBirth: '1999-05-06' });
  const baby = await person(worker, { kind: 'unborn', names: [{ familyName: 'Baby of Natasha' }], dateOfBirth: undefined, expectedDateOfDelivery: '2027-02-20' });
  await addRelationship(worker, baby.id, { relatedPersonId: natasha.id, type: 'parent' });
  for (const id of [ben.id, cara.id, adam.id, natasha.id]) await setLeadWorker(worker, id, { practitionerId: worker.actor.practitionerId, validFrom: '2026-11-01' });

  // The health visitor monitors Lily, fortnightly from 20 November (her own entry, linked to the authority's).
  const hvLily = await child(healthVisitor, 'Lily', 'Fletcher', '2026-06-20');
  await link(lily.id, hvLily.id, cscLead);
  const lilyMonitoring = await createArrangement(worker, NewMonitoringArrangement.parse({
    childPersonId: lily.id, responsibleAgencyId: hv, responsiblePractitionerId: healthVisitor.actor.practitionerId,
    checks: 'See Lily at home and weigh her', everyDays: 14, startsOn: '2026-11-20', endsOn: '2027-02-20', agreedAgencyIds: [csc, hv],
  }));

  // Ava's referral came on 1 December: its acknowledgement and decision are long overdue by the 9th.
  clock.set('2026-12-01T09:00:00Z');
  await openEpisode(worker, { idempotencyKey: 'ava', childPersonId: ava.id, receivedAt: '2026-12-01T09:00:00Z', channel: 'written', allocatedWorkerId: worker.actor.practitionerId, team: 'Assessment' });
  // A colleague's episode for Zoe, and the concern that puts her on the lead's list.
  await openEpisode(colleague, { idempotencyKey: 'zoe', childPersonId: zoe.id, receivedAt: '2026-12-01T09:00:00Z', channel: 'written', allocatedWorkerId: colleague.actor.practitionerId });
  clock.set('2026-12-07T09:00:00Z');
  await addRecord(colleague, zoe.id, concern({ occurredAt: '2026-12-07T08:30:00Z', summary: 'Bruise on her arm' }));

  // The police share what they know about Ben with the social worker.
  const policeBen = await child(officer, 'Ben', 'Carter', '2019-07-15');
  await link(ben.id, policeBen.id, cscLead);
  const incident = await addRecord(officer, policeBen.id, concern({ kind: 'incident', occurredAt: '2026-12-06T22:00:00Z', summary: 'Police called to the home' }));
  clock.set('2026-12-08T09:00:00Z');
  await makeDecision(officer, NewShareDecision.parse({
    personId: policeBen.id, outcome: 'share', reasons: 'The social worker is lead worker for Ben',
    answers: { purposeCode: 'child_protection_enquiry', purpose: 'Ben', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 2004 s11' },
    share: { recipients: [{ agencyId: csc, practitionerId: worker.actor.practitionerId }], items: [{ recordId: incident.id, parts: ['summary'] }] },
    subjectInformed: { informed: false, reason: 'Telling the family could put Ben at risk' },
  }));
  // The baby's referral came yesterday: it is to be acknowledged and decided today.
  await openEpisode(worker, { idempotencyKey: 'baby', childPersonId: baby.id, receivedAt: '2026-12-08T09:00:00Z', channel: 'written', allocatedWorkerId: worker.actor.practitionerId });

  clock.set('2026-12-09T10:00:00Z');
  return { clock, s, csc, hv, police, worker, colleague, cscLead, manager, admin, healthVisitor, hvLead, officer, ava, ben, cara, adam, zoe, lily, hvLily, lilyMonitoring, baby, natasha, policeBen };
}

export type CaseloadWorld = Awaited<ReturnType<typeof caseloadWorld>>;
export type { Services };
