import { loadActor } from '../../src/auth/auth.ts';
import { createAgency, createPartnership } from '../../src/partnership/partnership.ts';
import { addRelationship, createPerson, setLeadWorker } from '../../src/people/people.ts';
import { NewPerson } from '../../src/people/schemas.ts';
import { addRecord } from '../../src/records/records.ts';
import { NewRecord } from '../../src/records/schemas.ts';
import type { ActorContext, Services } from '../../src/shared/context.ts';
import { staff } from './harness.ts';

/**
 * Case example 3's cast for the end-to-end journeys, built through the services: Riverside
 * Primary School (Jack's teacher and the designated safeguarding lead), the health visiting
 * service (Jack's health visitor) and children's social care (the duty social worker). The
 * school already holds some records about Jack that nobody will share.
 */
export async function caseThreeCast(s: Services): Promise<{
  teacher: { id: string; email: string; name: string };
  lead: { id: string; email: string; name: string };
  healthVisitor: { id: string; email: string; name: string };
  socialWorker: { id: string; email: string; name: string };
  administrator: { id: string; email: string; name: string };
  agencies: { school: string; health: string; socialCare: string };
  jack: string;
  notShared: string[];
  fellAsleep: string;
}> {
  const p = (await createPartnership(s, { name: 'Northshire Safeguarding Children Partnership', nation: 'england-and-wales' })).id;
  const school = (await createAgency(s, { name: 'Riverside Primary School', type: 'school', partnershipIds: [p] })).id;
  const health = (await createAgency(s, { name: 'Northshire Health Visiting Service', type: 'health_visiting', partnershipIds: [p] })).id;
  const socialCare = (await createAgency(s, { name: "Northshire Children's Social Care", type: 'childrens_social_care', partnershipIds: [p] })).id;
  const teacher = await staff(s, school, 'Amira Shah', ['practitioner']);
  const lead = await staff(s, school, 'Karen Doyle', ['safeguarding_lead']);
  const healthVisitor = await staff(s, health, 'Joanne Pike', ['practitioner']);
  const socialWorker = await staff(s, socialCare, 'Tom Haskins', ['social_worker']);
  const administrator = await staff(s, socialCare, 'Olu Adebayo', ['administrator', 'auditor']);

  const as = async (id: string): Promise<ActorContext> => ({ ...s, actor: (await loadActor(s.db, id))! });
  const leadCtx = await as(lead.id);
  const teacherCtx = await as(teacher.id);
  const hvCtx = await as(healthVisitor.id);
  const daysAgo = (n: number, hh = 10): string => {
    const d = new Date(s.clock.now().getTime() - n * 86_400_000);
    d.setUTCHours(hh, 0, 0, 0);
    return d.toISOString();
  };
  const born = (years: number): string => {
    const d = s.clock.now();
    return new Date(Date.UTC(d.getUTCFullYear() - years, 6, 4)).toISOString().slice(0, 10);
  };
  const home = { line1: '5 Ashdown Road', town: 'Northshire', postcode: 'NS1 6EJ' };
  const jack = await createPerson(leadCtx, NewPerson.parse({ kind: 'child', names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: born(7), sex: 'male', addresses: [home] }));
  const donna = await createPerson(leadCtx, NewPerson.parse({ kind: 'adult', names: [{ givenNames: 'Donna', familyName: 'Carver' }], dateOfBirth: born(29), sex: 'female', addresses: [home] }));
  await addRelationship(leadCtx, jack.id, { relatedPersonId: donna.id, type: 'parent' });
  await addRelationship(leadCtx, jack.id, { relatedPersonId: donna.id, type: 'parental_responsibility' });
  await setLeadWorker(leadCtx, jack.id, { practitionerId: lead.id });
  const note = (over: Record<string, unknown>): NewRecord => NewRecord.parse({
    kind: 'observation', categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: { type: 'practitioner' }, confidential: false, ...over,
  });
  const late = await addRecord(teacherCtx, jack.id, note({ occurredAt: daysAgo(30, 15), categories: ['attendance', 'neglect'], summary: 'Jack late 7 times in the last 4 weeks and usually the last child to be collected' }));
  const grubby = await addRecord(teacherCtx, jack.id, note({ occurredAt: daysAgo(29, 15), factOrOpinion: 'opinion', summary: 'Jack looks a bit grubby and seems small and thin for his age' }));
  const asleep = await addRecord(teacherCtx, jack.id, note({ occurredAt: daysAgo(20, 14), summary: 'Jack fell asleep in the classroom during the afternoon' }));
  const mother = await addRecord(teacherCtx, donna.id, note({ occurredAt: daysAgo(19, 15), factOrOpinion: 'opinion', categories: ['mental_health'], sensitiveCategories: ['physical_or_mental_health'], summary: 'Mother seemed a bit depressed; I am uneasy about her ability to cope' }));

  // The health visitor's own entry for Jack, with her own record: it stays hers.
  const hvJack = await createPerson(hvCtx, NewPerson.parse({ kind: 'child', names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: born(7), sex: 'male' }));
  await addRecord(hvCtx, hvJack.id, note({ occurredAt: daysAgo(60), categories: ['development'], confidential: true, summary: 'Health visitor review: Jack’s weight on the 2nd centile' }));

  return { teacher, lead, healthVisitor, socialWorker, administrator, agencies: { school, health, socialCare }, jack: jack.id, notShared: [late.summary, grubby.summary, mother.summary], fellAsleep: asleep.id };
}
