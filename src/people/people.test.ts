import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { RequestReads } from '../shared/request-reads.ts';
import { childrenOf } from './child-summary.ts';
import { addAddress, addName, addRelationship, getPerson, peopleNames, searchPeople, setLeadWorker } from './people.ts';

describe('people in an agency index', () => {
  const t = useTestDb();

  async function homeStart() {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const hs = await agency(s, p, 'voluntary_sector', 'Home-Start Northshire');
    return { s, p, organiser: await practitioner(s, hs, ['practitioner', 'safeguarding_lead'], 'Organiser') };
  }

  it('Cathy moves from the B&B to the hostel: the old address ends the day before the new one starts', async () => {
    const { organiser } = await homeStart();
    const cathy = await person(organiser, { kind: 'adult', names: [{ givenNames: 'Cathy', familyName: 'Example' }], dateOfBirth: '2007-06-01', addresses: [{ line1: '3 Station Road B&B', postcode: 'NS1 1AA', validFrom: '2025-09-01' }] });
    const moved = await addAddress(organiser, cathy.id, { line1: 'Hostel, 12 Mill Lane', postcode: 'NS4 2BB', validFrom: '2026-01-15' });
    expect(moved.addresses).toEqual([
      expect.objectContaining({ line1: '3 Station Road B&B', validFrom: '2025-09-01', validTo: '2026-01-14' }),
      expect.objectContaining({ line1: 'Hostel, 12 Mill Lane', validFrom: '2026-01-15', validTo: null }),
    ]);
  });

  it('a change of usual name keeps the old one as a previous name, and aliases are found by search', async () => {
    const { organiser } = await homeStart();
    const ben = await person(organiser, { names: [{ givenNames: 'Ben', familyName: 'Example' }], dateOfBirth: '2023-01-10' });
    await addName(organiser, ben.id, { use: 'usual', givenNames: 'Ben', familyName: 'Newname' });
    const after = await addName(organiser, ben.id, { use: 'alias', givenNames: 'Benny', familyName: 'Newname' });
    expect(after.names.map((n) => `${n.use}:${n.givenNames} ${n.familyName}`)).toEqual(['previous:Ben Example', 'usual:Ben Newname', 'alias:Benny Newname']);
    expect((await searchPeople(organiser, { name: 'benny' })).map((p) => p.id)).toEqual([ben.id]);
    expect((await searchPeople(organiser, { name: 'ben example', dateOfBirth: '2023-01-10' })).map((p) => p.id)).toEqual([ben.id]);
  });

  it('relationships and the lead worker appear on the person, and a new lead worker ends the old one', async () => {
    const { s, organiser } = await homeStart();
    const volunteer = await practitioner(s, organiser.actor.agencyId, ['practitioner'], 'Volunteer');
    const cathy = await person(organiser, { kind: 'adult', names: [{ givenNames: 'Cathy' }], dateOfBirth: '2007-06-01' });
    const jake = await person(organiser, { names: [{ givenNames: 'Jake' }], dateOfBirth: '2025-09-01' });
    await addRelationship(organiser, jake.id, { relatedPersonId: cathy.id, type: 'parental_responsibility', validFrom: '2025-09-01' });
    await setLeadWorker(organiser, jake.id, { practitionerId: organiser.actor.practitionerId, validFrom: '2026-01-01' });
    await setLeadWorker(organiser, jake.id, { practitionerId: volunteer.actor.practitionerId, validFrom: '2026-02-01' });
    const seen = await getPerson(organiser, jake.id);
    expect(seen.relationships).toEqual([expect.objectContaining({ relatedPersonId: cathy.id, type: 'parental_responsibility' })]);
    expect(seen.leadWorkers.map((l) => [l.practitionerName, l.validFrom, l.validTo])).toEqual([['Organiser', '2026-01-01', '2026-01-31'], ['Volunteer', '2026-02-01', null]]);
  });

  // Issue 21: read for a page (the request's reads), the person comes in one statement with the rows
  // peopleNames and childrenOf read, instead of their own statements: each must be what they read.
  it('read for a page, a person, their relatives’ names and their summary are exactly as read on their own', async () => {
    const { s, p, organiser } = await homeStart();
    const volunteer = await practitioner(s, organiser.actor.agencyId, ['practitioner'], 'Volunteer');
    const nurse = await practitioner(s, await agency(s, p, 'health_visiting'));
    const bare = await person(organiser, { kind: 'adult', names: [{ givenNames: 'Bare', familyName: 'Nothing' }] });
    // The usual name is not the first: a summary names the child by it.
    const jake = await person(organiser, {
      names: [{ use: 'alias', givenNames: 'Jakey', familyName: 'Example' }, { use: 'usual', givenNames: 'Jake', familyName: 'Example' }],
      addresses: [{ line1: '3 Station Road', postcode: 'NS1 1AA', validFrom: '2025-09-01' }, { line1: '12 Mill Lane', town: 'Northtown' }],
    });
    const cathy = await person(organiser, { kind: 'adult', names: [{ givenNames: 'Cathy', familyName: 'Example' }, { use: 'alias', givenNames: 'Cat', familyName: 'Example' }] });
    const dan = await person(organiser, { kind: 'adult', names: [{ givenNames: 'Dan', familyName: 'Example' }] });
    await addRelationship(organiser, jake.id, { relatedPersonId: cathy.id, type: 'parental_responsibility', validFrom: '2025-09-01' });
    await addRelationship(organiser, jake.id, { relatedPersonId: dan.id, type: 'parent', validFrom: '2025-09-01', validTo: '2026-01-01' });
    await addRelationship(organiser, jake.id, { relatedPersonId: cathy.id, type: 'primary_carer' });
    await setLeadWorker(organiser, jake.id, { practitionerId: organiser.actor.practitionerId, validFrom: '2026-01-01' });
    await setLeadWorker(organiser, jake.id, { practitionerId: volunteer.actor.practitionerId, validFrom: '2026-02-01' });

    for (const who of [jake, bare]) {
      const page = { ...organiser, reads: new RequestReads() };
      const read = await getPerson(page, who.id, { forPersonPage: true });
      expect(read).toEqual(await getPerson(organiser, who.id));
      const related = read.relationships.map((r) => r.relatedPersonId);
      expect(await peopleNames(page, related)).toEqual(await peopleNames(organiser, related));
      const refs = [{ type: 'person', id: who.id }];
      expect(await childrenOf(page, refs)).toEqual(await childrenOf(organiser, refs));
    }
    const jakeRead = await getPerson({ ...organiser, reads: new RequestReads() }, jake.id, { forPersonPage: true });
    expect(jakeRead.addresses.map((a) => [a.line1, a.town, a.validFrom, a.validTo])).toEqual([['3 Station Road', null, '2025-09-01', null], ['12 Mill Lane', 'Northtown', null, null]]);
    // Added at the same time (the test's clock): in the order of their types, as before.
    expect(jakeRead.relationships.map((r) => [r.relatedPersonId, r.type, r.validTo])).toEqual([
      [dan.id, 'parent', '2026-01-01'], [cathy.id, 'parental_responsibility', null], [cathy.id, 'primary_carer', null],
    ]);
    expect(jakeRead.leadWorkers.map((l) => l.practitionerName)).toEqual(['Organiser', 'Volunteer']);
    const bareRead = await getPerson({ ...organiser, reads: new RequestReads() }, bare.id, { forPersonPage: true });
    expect([bareRead.addresses, bareRead.relationships, bareRead.leadWorkers]).toEqual([[], [], []]);
    // Another agency is refused as before, the page's reads or not.
    await expect(getPerson({ ...nurse, reads: new RequestReads() }, jake.id, { forPersonPage: true })).rejects.toMatchObject({ status: 404 });
    expect(await peopleNames({ ...nurse, reads: new RequestReads() }, [cathy.id])).toEqual(new Map());
  });

  it('another agency cannot find, read or change the person', async () => {
    const { s, p, organiser } = await homeStart();
    const nurse = await practitioner(s, await agency(s, p, 'health_visiting'));
    const cathy = await person(organiser, { kind: 'adult', names: [{ givenNames: 'Cathy' }], dateOfBirth: '2007-06-01' });
    expect(await searchPeople(nurse, { name: 'Cathy' })).toEqual([]);
    await expect(getPerson(nurse, cathy.id)).rejects.toMatchObject({ status: 404 });
    await expect(addAddress(nurse, cathy.id, { line1: 'x' })).rejects.toMatchObject({ status: 404 });
  });
});
