import type { Actor, Role } from '../src/access/policy.ts';
import { loadActor } from '../src/auth/auth.ts';
import type { Database } from '../src/db/database.ts';
import { addPractitionerAsSystem, createAgency, createPartnership } from '../src/partnership/partnership.ts';
import type { AgencyType } from '../src/partnership/schemas.ts';
import { createPerson } from '../src/people/people.ts';
import { NewPerson, type Person } from '../src/people/schemas.ts';
import { NewRecord } from '../src/records/schemas.ts';
import { fixedClock, type Clock } from '../src/shared/clock.ts';
import type { ActorContext, Services } from '../src/shared/context.ts';

export const services = (db: Database, clock: Clock = fixedClock('2026-03-02T09:00:00Z')): Services => ({ db, clock });

let seq = 0;

export async function partnershipWith(s: Services, name = 'Northshire Safeguarding Partnership'): Promise<string> {
  return (await createPartnership(s, { name, nation: 'england-and-wales' })).id;
}

export async function agency(s: Services, partnershipId: string, type: AgencyType, name = `${type} ${++seq}`): Promise<string> {
  return (await createAgency(s, { name, type, partnershipIds: [partnershipId] })).id;
}

/** A practitioner and the context they act in. No password: tests act through services or tokens. */
export async function practitioner(s: Services, agencyId: string, roles: Role[] = ['practitioner'], name = `Practitioner ${++seq}`): Promise<ActorContext> {
  // A number of its own for every practitioner: given a name, the counter above did not move, and
  // two made in the same millisecond (quick now that tests hash cheaply) shared an address.
  const p = await addPractitionerAsSystem(s, { agencyId, name, email: `p${++seq}.${process.pid}.${Date.now()}@example.org`, roles });
  const actor = (await loadActor(s.db, p.id)) as Actor;
  return { ...s, actor };
}

export async function person(ctx: ActorContext, input: Partial<NewPerson> = {}): Promise<Person> {
  return createPerson(ctx, NewPerson.parse({ kind: 'child', names: [{ givenNames: 'Jack', familyName: 'Smith' }], dateOfBirth: '2021-05-04', ...input }));
}

export const concern = (input: Partial<Record<string, unknown>> = {}): NewRecord =>
  NewRecord.parse({
    kind: 'concern',
    occurredAt: '2026-03-01T10:00:00Z',
    categories: ['neglect'],
    factOrOpinion: 'fact',
    reportedOrWitnessed: 'witnessed',
    source: { type: 'practitioner' },
    confidential: false,
    summary: 'Often late and hungry',
    ...input,
  });
