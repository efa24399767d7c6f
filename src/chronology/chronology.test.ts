import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { addRelationship, setLeadWorker } from '../people/people.ts';
import { addRecord } from '../records/records.ts';
import { fixedClock } from '../shared/clock.ts';
import type { ActorContext } from '../shared/context.ts';
import { NewShareDecision } from '../sharing/schemas.ts';
import { makeDecision, revokeDecision } from '../sharing/sharing.ts';
import { grantsFor } from '../sharing/grants.ts';
import { getAgenciesInvolved, getChronology, grantsAbout, markContradiction } from './chronology.ts';
import { RequestReads } from '../shared/request-reads.ts';
import { linkPeople, unlinkPeople } from './links.ts';
import { ChronologyQuery } from './schemas.ts';

const q = (over: Record<string, string> = {}): ChronologyQuery => ChronologyQuery.parse(over);

describe('the multi-agency chronology (what-to-do-if-worried 10.10, 45.3)', () => {
  const t = useTestDb();

  /**
   * Case example 3: Jack is known to his school and to the health visitor, each in its own index,
   * with different dates of birth. The school shares two of its three records with the health
   * visitor; she links her entry for Jack to the school's.
   */
  async function cast() {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', 'Riverside Primary');
    const hvService = await agency(s, p, 'health_visiting', 'Northshire Health Visiting');
    const police = await agency(s, p, 'police', 'Northshire Police');
    await t.db().query(`UPDATE agency SET contact_phone = '01632 960001', contact_email = 'safeguarding@riverside.example', out_of_hours_phone = '01632 960999' WHERE id = $1`, [school]);
    const teacher = await practitioner(s, school, ['practitioner'], 'Ms Teacher');
    const schoolLead = await practitioner(s, school, ['practitioner', 'safeguarding_lead'], 'Child protection lead');
    const hv = await practitioner(s, hvService, ['practitioner', 'safeguarding_lead'], 'Health visitor');
    const officer = await practitioner(s, police, ['practitioner', 'safeguarding_lead'], 'Officer');
    await t.db().query(`UPDATE practitioner SET phone = '07700 900123' WHERE id = $1`, [teacher.actor.practitionerId]);

    const jackAtSchool = await person(teacher, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2022-04-22', addresses: [{ line1: '5 Ashdown Road', postcode: 'NS1 6EJ' }] });
    const jackAtHv = await person(hv, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2022-04-12', addresses: [{ line1: '12 Mill Lane', postcode: 'NS2 1AA' }] });
    const mother = await person(teacher, { kind: 'adult', names: [{ givenNames: 'Dawn', familyName: 'Carver' }], dateOfBirth: '1994-02-01' });
    await addRelationship(teacher, jackAtSchool.id, { relatedPersonId: mother.id, type: 'parental_responsibility' });

    const hungry = await addRecord(teacher, jackAtSchool.id, concern({ summary: 'Often hungry', details: 'Takes food from other lunchboxes', occurredAt: '2026-02-20T10:00:00Z', categories: ['neglect'] }));
    const withdrawn = await addRecord(teacher, jackAtSchool.id, concern({ kind: 'observation', summary: 'Seems withdrawn and low', occurredAt: '2026-02-25T11:00:00Z', categories: ['mental_health'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed' }));
    const asleep = await addRecord(teacher, jackAtSchool.id, concern({ summary: 'Fell asleep in class — never shared', occurredAt: '2026-02-27T13:00:00Z', categories: ['neglect'] }));
    const weight = await addRecord(hv, jackAtHv.id, concern({ kind: 'observation', summary: 'Weight has dropped below the 2nd centile', occurredAt: '2026-02-10T09:30:00Z', categories: ['neglect', 'development'] }));
    const noAccess = await addRecord(hv, jackAtHv.id, concern({ kind: 'home_visit', outcome: 'no_access', summary: 'No access at planned visit', occurredAt: '2026-02-26T14:00:00Z', categories: ['neglect'], reportedOrWitnessed: 'witnessed' }));

    const share = (from: ActorContext, personId: string, to: string, items: { recordId: string; parts?: string[] }[], extra: Record<string, unknown> = {}) =>
      makeDecision(from, NewShareDecision.parse({
        personId, outcome: 'share', reasons: 'Section 47 enquiry: the agencies need each other\'s information',
        answers: { purposeCode: 'child_protection_enquiry', purpose: 'Child protection enquiry about Jack', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 1989 s47' },
        share: { recipients: [{ agencyId: to }], items, ...extra }, subjectInformed: { informed: false, reason: 'It would prejudice the enquiry' },
      }));
    await share(schoolLead, jackAtSchool.id, hvService, [{ recordId: hungry.id, parts: ['summary', 'details'] }, { recordId: withdrawn.id, parts: ['summary'] }]);
    const link = await linkPeople(hv, jackAtHv.id, jackAtSchool.id, 'Same name, address history and GP; confirmed with the school');
    return { clock, s, school, hvService, police, teacher, schoolLead, hv, officer, jackAtSchool, jackAtHv, mother, hungry, withdrawn, asleep, weight, noAccess, link, share };
  }

  it('the health visitor sees her own records and exactly what the school shared, in date order, with the school\'s author and fact/opinion labels', async () => {
    const c = await cast();
    const chron = await getChronology(c.hv, c.jackAtHv.id, q());
    expect(chron.entries.map((e) => e.id)).toEqual([c.weight.id, c.hungry.id, c.withdrawn.id, c.noAccess.id]);
    const [, hungry, withdrawn] = chron.entries;
    expect(hungry).toMatchObject({
      agencyName: 'Riverside Primary', authorName: 'Ms Teacher', factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', backdated: true,
      summary: 'Often hungry', details: 'Takes food from other lunchboxes', sharedParts: ['summary', 'details'],
      about: { personId: c.jackAtSchool.id, name: 'Jack Carver', relation: 'subject' },
      share: { sharedByAgencyName: 'Riverside Primary', sharedByName: 'Child protection lead', legalBasis: 'statutory_duty' },
    });
    // Only the summary of the second one was shared: its details stay with the school.
    expect(withdrawn).toMatchObject({ factOrOpinion: 'opinion', summary: 'Seems withdrawn and low', details: null, sharedParts: ['summary'] });
    expect(chron.entries[0]).toMatchObject({ agencyName: 'Northshire Health Visiting', share: null, about: { personId: c.jackAtHv.id, relation: 'subject' } });
    expect(JSON.stringify(chron)).not.toContain('never shared');
    // The same chronology whichever of the linked entries she asks about.
    expect((await getChronology(c.hv, c.jackAtSchool.id, q())).entries.map((e) => e.id)).toEqual(chron.entries.map((e) => e.id));
  });

  it('the school sees only its own records until the health visitor shares back, then her shared record too', async () => {
    const c = await cast();
    expect((await getChronology(c.teacher, c.jackAtSchool.id, q())).entries.map((e) => e.id)).toEqual([c.hungry.id, c.withdrawn.id, c.asleep.id]);
    // The health visitor's entry is not yet something the school may see at all.
    await expect(getChronology(c.teacher, c.jackAtHv.id, q())).rejects.toMatchObject({ status: 404 });

    await c.share(c.hv, c.jackAtHv.id, c.school, [{ recordId: c.weight.id, parts: ['summary'] }]);
    const after = await getChronology(c.teacher, c.jackAtSchool.id, q());
    expect(after.entries.map((e) => e.id)).toEqual([c.weight.id, c.hungry.id, c.withdrawn.id, c.asleep.id]);
    expect(after.entries[0]).toMatchObject({ agencyName: 'Northshire Health Visiting', summary: 'Weight has dropped below the 2nd centile', details: null, share: { sharedByAgencyName: 'Northshire Health Visiting' } });
  });

  it('a third agency that was shared nothing gets "not found" for either entry, and the refusal is audited', async () => {
    const c = await cast();
    await expect(getChronology(c.officer, c.jackAtSchool.id, q())).rejects.toMatchObject({ status: 404 });
    await expect(getChronology(c.officer, c.jackAtHv.id, q())).rejects.toMatchObject({ status: 404 });
    await expect(getAgenciesInvolved(c.officer, c.jackAtHv.id)).rejects.toMatchObject({ status: 404 });
    const { rows } = await t.db().query<{ outcome: string }>("SELECT outcome FROM audit_event WHERE action = 'chronology.read' AND actor_practitioner_id = $1", [c.officer.actor.practitionerId]);
    expect(rows.map((r) => r.outcome)).toEqual(['denied', 'denied']);
  });

  it('with household=true the records about the people in Jack\'s household appear, labelled with who they are to him', async () => {
    const c = await cast();
    const motherRecord = await addRecord(c.teacher, c.mother.id, concern({ summary: 'Mother says she is struggling to cope', occurredAt: '2026-02-24T08:45:00Z', categories: ['mental_health'] }));
    const without = await getChronology(c.teacher, c.jackAtSchool.id, q());
    expect(without.entries.map((e) => e.id)).not.toContain(motherRecord.id);
    const withHousehold = await getChronology(c.teacher, c.jackAtSchool.id, q({ household: 'true' }));
    expect(withHousehold.entries.map((e) => e.id)).toEqual([c.hungry.id, motherRecord.id, c.withdrawn.id, c.asleep.id]);
    expect(withHousehold.entries[1]!.about).toEqual({ personId: c.mother.id, name: 'Dawn Carver', relation: 'parental_responsibility' });
    // The mother is in the school's index, not the health visitor's: household=true adds nothing for her.
    expect((await getChronology(c.hv, c.jackAtHv.id, q({ household: 'true' }))).entries).toHaveLength(4);
  });

  it('a relationship that has ended takes the person out of the household', async () => {
    const c = await cast();
    const exPartner = await person(c.teacher, { kind: 'adult', names: [{ givenNames: 'Gary', familyName: 'Lee' }] });
    await addRelationship(c.teacher, c.jackAtSchool.id, { relatedPersonId: exPartner.id, type: 'household_member', validFrom: '2024-01-01', validTo: '2025-06-30' });
    const record = await addRecord(c.teacher, exPartner.id, concern({ summary: 'Seen at the gate', occurredAt: '2025-05-01T08:45:00Z' }));
    expect((await getChronology(c.teacher, c.jackAtSchool.id, q({ household: 'true' }))).entries.map((e) => e.id)).not.toContain(record.id);
  });

  it('filters by category, by agency and by dates (UK days, inclusive)', async () => {
    const c = await cast();
    const ids = async (over: Record<string, string>) => (await getChronology(c.hv, c.jackAtHv.id, q(over))).entries.map((e) => e.id);
    expect(await ids({ category: 'mental_health' })).toEqual([c.withdrawn.id]);
    expect(await ids({ category: 'development' })).toEqual([c.weight.id]);
    expect(await ids({ agencyId: c.school })).toEqual([c.hungry.id, c.withdrawn.id]);
    expect(await ids({ agencyId: c.hvService })).toEqual([c.weight.id, c.noAccess.id]);
    expect(await ids({ from: '2026-02-20', to: '2026-02-25' })).toEqual([c.hungry.id, c.withdrawn.id]);
    expect(await ids({ from: '2026-02-26' })).toEqual([c.noAccess.id]);
    expect(await ids({ to: '2026-02-10' })).toEqual([c.weight.id]);
    expect(() => q({ from: '2026-03-01', to: '2026-02-01' })).toThrow();
  });

  it('a date of birth that differs between the school\'s and her own entry is reported to the health visitor, with which agency holds which', async () => {
    const c = await cast();
    const chron = await getChronology(c.hv, c.jackAtHv.id, q());
    const dob = chron.contradictions.find((x) => x.kind === 'date_of_birth');
    expect(dob).toMatchObject({
      personId: c.jackAtHv.id,
      values: [
        { value: '2022-04-12', heldBy: [{ agencyName: 'Northshire Health Visiting', personId: c.jackAtHv.id }] },
        { value: '2022-04-22', heldBy: [{ agencyName: 'Riverside Primary', personId: c.jackAtSchool.id }] },
      ],
    });
    // The school shared no address, so the health visitor cannot compare addresses.
    expect(chron.contradictions.map((x) => x.kind)).not.toContain('current_address');
    // The school cannot see the health visitor's entry, so for the school there is nothing to compare yet.
    expect((await getChronology(c.teacher, c.jackAtSchool.id, q())).contradictions).toEqual([]);
  });

  it('a different current postcode is reported only where a share included the address', async () => {
    const c = await cast();
    const another = await addRecord(c.teacher, c.jackAtSchool.id, concern({ summary: 'Came in without a coat', occurredAt: '2026-02-28T08:50:00Z' }));
    await c.share(c.schoolLead, c.jackAtSchool.id, c.hvService, [{ recordId: another.id, parts: ['summary'] }], { includeAddress: true });
    const address = (await getChronology(c.hv, c.jackAtHv.id, q())).contradictions.find((x) => x.kind === 'current_address');
    expect(address?.values).toEqual([
      { value: 'NS1 6EJ'.replace(' ', ''), heldBy: [{ agencyId: c.school, agencyName: 'Riverside Primary', personId: c.jackAtSchool.id }] },
      { value: 'NS21AA', heldBy: [{ agencyId: c.hvService, agencyName: 'Northshire Health Visiting', personId: c.jackAtHv.id }] },
    ]);
  });

  it('two of the school\'s own entries naming different people with parental responsibility are reported to the school only', async () => {
    const c = await cast();
    const duplicate = await person(c.schoolLead, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2022-04-22' });
    const father = await person(c.schoolLead, { kind: 'adult', names: [{ givenNames: 'Gary', familyName: 'Carver' }] });
    await addRelationship(c.schoolLead, duplicate.id, { relatedPersonId: father.id, type: 'parental_responsibility' });
    await linkPeople(c.schoolLead, duplicate.id, c.jackAtSchool.id, 'Duplicate entry made at admission');
    const school = await getChronology(c.teacher, c.jackAtSchool.id, q());
    expect(school.contradictions.find((x) => x.kind === 'relationship')).toMatchObject({
      relationshipType: 'parental_responsibility',
      values: [{ value: 'dawn carver', heldBy: [{ personId: c.jackAtSchool.id }] }, { value: 'gary carver', heldBy: [{ personId: duplicate.id }] }],
    });
    // The health visitor cannot see the school's relationships, so she is told nothing about them.
    expect((await getChronology(c.hv, c.jackAtHv.id, q())).contradictions.map((x) => x.kind)).toEqual(['date_of_birth']);
  });

  it('a record marked as contradicting another appears in the chronology; the note stays with the marking agency', async () => {
    const c = await cast();
    const mark = await markContradiction(c.hv, c.weight.id, c.hungry.id, 'Mother told me he eats well at home; school says he is always hungry');
    expect(mark).toMatchObject({ recordId: c.weight.id, contradictsRecordId: c.hungry.id, markedByAgencyName: 'Northshire Health Visiting', markedByName: 'Health visitor' });
    const chron = await getChronology(c.hv, c.jackAtHv.id, q());
    expect(chron.contradictions.find((x) => x.kind === 'marked')).toMatchObject({ id: mark.id, mark: { note: 'Mother told me he eats well at home; school says he is always hungry' } });
    expect(chron.entries.filter((e) => e.contradictionIds.includes(mark.id)).map((e) => e.id)).toEqual([c.weight.id, c.hungry.id]);

    // The school cannot see the health visitor's record: the mark is not shown to it …
    expect((await getChronology(c.teacher, c.jackAtSchool.id, q())).contradictions.filter((x) => x.kind === 'marked')).toEqual([]);
    // … until she shares it; then the school sees the mark and whom to ask, not her note.
    await c.share(c.hv, c.jackAtHv.id, c.school, [{ recordId: c.weight.id, parts: ['summary'] }]);
    const school = await getChronology(c.teacher, c.jackAtSchool.id, q());
    expect(school.contradictions.find((x) => x.kind === 'marked')?.mark).toMatchObject({ note: null, markedByName: null, markedByAgencyName: 'Northshire Health Visiting' });
    expect(JSON.stringify(school)).not.toContain('eats well');
  });

  it('marking is refused for a record the practitioner cannot read, for the same record twice, and for a record against itself', async () => {
    const c = await cast();
    await expect(markContradiction(c.hv, c.weight.id, c.asleep.id, 'Cannot see it')).rejects.toMatchObject({ status: 404 });
    await expect(markContradiction(c.hv, c.weight.id, c.weight.id, 'Itself')).rejects.toMatchObject({ status: 422 });
    await markContradiction(c.hv, c.weight.id, c.hungry.id, 'Eats well at home');
    await expect(markContradiction(c.hv, c.hungry.id, c.weight.id, 'Again, the other way round')).rejects.toMatchObject({ status: 409 });
    expect((await t.db().query('SELECT 1 FROM record_contradiction')).rowCount).toBe(1);
  });

  it('agencies involved: each agency with its contacts and lead worker, none of their records; unlinking takes the school away again', async () => {
    const c = await cast();
    await setLeadWorker(c.schoolLead, c.jackAtSchool.id, { practitionerId: c.teacher.actor.practitionerId, validFrom: '2026-01-05' });
    const involved = await getAgenciesInvolved(c.hv, c.jackAtHv.id);
    expect(involved.agencies).toEqual([
      { agencyId: c.hvService, name: 'Northshire Health Visiting', type: 'health_visiting', contactPhone: null, contactEmail: null, outOfHoursPhone: null, leadWorker: null, yourAgency: true, holdsEntry: true, recordsSharedWithYou: 0 },
      {
        agencyId: c.school, name: 'Riverside Primary', type: 'school', contactPhone: '01632 960001', contactEmail: 'safeguarding@riverside.example', outOfHoursPhone: '01632 960999',
        leadWorker: { practitionerId: c.teacher.actor.practitionerId, name: 'Ms Teacher', phone: '07700 900123', email: expect.stringContaining('@example.org') },
        yourAgency: false, holdsEntry: true, recordsSharedWithYou: 2,
      },
    ]);
    // The link exactly as it was made (its time as the driver gives a timestamp), the school's entry not named to her.
    expect(involved.links).toEqual([{
      id: c.link.id, personId: c.link.personId === c.jackAtHv.id ? c.jackAtHv.id : null, otherPersonId: c.link.otherPersonId === c.jackAtHv.id ? c.jackAtHv.id : null,
      personAgencyId: c.link.personId === c.jackAtHv.id ? c.hvService : c.school, otherPersonAgencyId: c.link.otherPersonId === c.jackAtHv.id ? c.hvService : c.school,
      decidedAt: c.link.decidedAt, decidedByAgencyId: expect.any(String),
    }]);
    // For a page, the walk of the links is the request's (other services follow it too): the same answer.
    expect(await getAgenciesInvolved({ ...c.hv, reads: new RequestReads() }, c.jackAtHv.id)).toEqual(involved);
    // The link alone shows the school the health visitor is involved; it shows none of her records.
    const forSchool = await getAgenciesInvolved(c.teacher, c.jackAtSchool.id);
    expect(forSchool.agencies.map((a) => [a.name, a.holdsEntry, a.recordsSharedWithYou])).toEqual([['Riverside Primary', true, 0], ['Northshire Health Visiting', true, 0]]);
    expect((await getChronology(c.teacher, c.jackAtSchool.id, q())).entries.every((e) => e.agencyId === c.school)).toBe(true);

    c.clock.advanceMinutes(10);
    const undone = await unlinkPeople(c.teacher, c.link.id, 'Different child: the dates of birth differ');
    expect(undone).toMatchObject({ unlinkedAt: '2026-03-02T09:10:00.000Z', unlinkedBy: c.teacher.actor.practitionerId, reason: 'Same name, address history and GP; confirmed with the school', unlinkReason: 'Different child: the dates of birth differ' });
    expect((await getAgenciesInvolved(c.hv, c.jackAtHv.id)).agencies.map((a) => a.name)).toEqual(['Northshire Health Visiting']);
    expect(await getAgenciesInvolved({ ...c.hv, reads: new RequestReads() }, c.jackAtHv.id)).toMatchObject({ agencies: [{ name: 'Northshire Health Visiting' }], links: [] });
    expect((await getAgenciesInvolved(c.teacher, c.jackAtSchool.id)).agencies.map((a) => a.name)).toEqual(['Riverside Primary']);
    // Her chronology for her own entry is back to her own records; the school's shares still show under the school's entry.
    expect((await getChronology(c.hv, c.jackAtHv.id, q())).entries.map((e) => e.id)).toEqual([c.weight.id, c.noAccess.id]);
    expect((await getChronology(c.hv, c.jackAtSchool.id, q())).entries.map((e) => e.id)).toEqual([c.hungry.id, c.withdrawn.id]);
    // The link is kept, ended, never deleted.
    expect((await t.db().query('SELECT unlinked_at FROM person_link')).rows).toHaveLength(1);
  });

  it('linking is refused for an entry the practitioner cannot see, for an entry and itself, and for entries already joined (directly or through another link)', async () => {
    const c = await cast();
    const policeEntry = await person(c.officer, { names: [{ givenNames: 'Jack', familyName: 'Carver' }] });
    await expect(linkPeople(c.hv, c.jackAtHv.id, policeEntry.id, 'Looks the same')).rejects.toMatchObject({ status: 404 });
    await expect(linkPeople(c.hv, c.jackAtHv.id, c.jackAtHv.id, 'Itself')).rejects.toMatchObject({ status: 422 });
    await expect(linkPeople(c.hv, c.jackAtSchool.id, c.jackAtHv.id, 'Again')).rejects.toMatchObject({ status: 409 });
    await expect(linkPeople(c.hv, c.jackAtHv.id, c.jackAtSchool.id, '   ')).rejects.toMatchObject({ status: 422 });
    const duplicate = await person(c.teacher, { names: [{ givenNames: 'Jack', familyName: 'Carver' }] });
    await linkPeople(c.teacher, c.jackAtSchool.id, duplicate.id, 'Duplicate at the school');
    await expect(linkPeople(c.teacher, duplicate.id, c.jackAtSchool.id, 'Once more')).rejects.toMatchObject({ status: 409 });
    // The police can neither see the link nor undo it; undoing twice is refused.
    await expect(unlinkPeople(c.officer, c.link.id, 'Not mine')).rejects.toMatchObject({ status: 404 });
    await unlinkPeople(c.hv, c.link.id, 'Wrong child');
    await expect(unlinkPeople(c.hv, c.link.id, 'Again')).rejects.toMatchObject({ status: 409 });
    // Unlinked, the entries can be linked again as a new, recorded decision.
    await linkPeople(c.hv, c.jackAtHv.id, c.jackAtSchool.id, 'It was him after all');
    expect((await t.db().query('SELECT 1 FROM person_link WHERE unlinked_at IS NULL')).rowCount).toBe(2);
  });

  it('the chronology loads grants faster but gets exactly what grantsFor gives, revoked ones included', async () => {
    const c = await cast();
    const revoked = await c.share(c.schoolLead, c.jackAtSchool.id, c.hvService, [{ recordId: c.asleep.id, parts: ['summary'] }]);
    c.clock.advanceMinutes(5);
    await revokeDecision(c.schoolLead, revoked.id, 'Shared the wrong record');
    const later = await addRecord(c.teacher, c.jackAtSchool.id, concern({ summary: 'Later', occurredAt: '2026-03-01T08:00:00Z' }));
    await c.share(c.schoolLead, c.jackAtSchool.id, c.hvService, [{ recordId: later.id, parts: ['summary', 'childs_words'] }], { validUntil: '2026-04-01T00:00:00Z', onwardSharing: 'permitted_with_conditions', onwardConditions: 'Only to the conference', includeAddress: true });
    const byRecord = (a: { recordId: string }, b: { recordId: string }) => a.recordId.localeCompare(b.recordId);
    const people = [c.jackAtSchool.id, c.jackAtHv.id];
    const expected = (await grantsFor(t.db(), c.hv.actor, { personIds: people })).sort(byRecord);
    expect(expected).toHaveLength(4);
    expect(expected.filter((g) => g.revokedAt)).toHaveLength(1);
    expect((await grantsAbout(t.db(), c.hv.actor, people)).sort(byRecord)).toEqual(expected);
  });

  it('every read is audited with identifiers and counts only', async () => {
    const c = await cast();
    await getChronology(c.hv, c.jackAtHv.id, q({ category: 'neglect' }));
    await getAgenciesInvolved(c.hv, c.jackAtHv.id);
    const { rows } = await t.db().query<{ action: string; person_id: string; detail: unknown }>(
      "SELECT action, person_id, detail FROM audit_event WHERE action IN ('chronology.read', 'person.agencies-involved', 'person.link') ORDER BY seq");
    expect(rows.map((r) => [r.action, r.person_id])).toEqual([['person.link', c.jackAtHv.id], ['chronology.read', c.jackAtHv.id], ['person.agencies-involved', c.jackAtHv.id]]);
    expect(rows[1]!.detail).toEqual({ format: 'json', household: false, filtered: true, entries: 3, visible: 4, contradictions: 1 });
    const all = JSON.stringify((await t.db().query('SELECT detail FROM audit_event')).rows);
    for (const text of ['Jack', 'Carver', 'hungry', 'Riverside', '2022-04']) expect(all).not.toContain(text);
  });
});
