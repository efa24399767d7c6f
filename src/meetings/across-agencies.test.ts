import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { myCaseload } from '../caseload/caseload.ts';
import { useTestDb } from '../../test/db.ts';
import { agency, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { listNotifications } from '../sharing/notifications.ts';
import { childrenOf, notificationRef, refKey } from '../people/child-summary.ts';
import { fixedClock } from '../shared/clock.ts';
import { closeAction, getMeeting, myActions, partnershipDirectory, recordOutcome, scheduleMeeting } from './meetings.ts';
import { MeetingOutcome, NewMeeting } from './schemas.ts';

describe('a core group across agencies (issue 18)', () => {
  const t = useTestDb();

  it("invites the school's lead and the health visitor by name, gives the lead an action she sees and closes, and refuses anyone outside the partnership", async () => {
    const clock = fixedClock('2026-12-01T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', 'Northshire children’s social care');
    const school = await agency(s, p, 'school', 'Northshire Primary');
    const health = await agency(s, p, 'health_visiting', 'Health visiting');
    const elsewhere = await agency(s, await partnershipWith(s, 'Southshire'), 'school', 'Southshire Academy');
    const rachel = await practitioner(s, csc, ['practitioner', 'social_worker'], 'Rachel Social Worker');
    const lead = await practitioner(s, school, ['practitioner', 'safeguarding_lead'], 'Sam School Lead');
    const colleague = await practitioner(s, school, ['practitioner'], 'Pat Teacher');
    const hv = await practitioner(s, health, ['practitioner'], 'Hana Health Visitor');
    const outsider = await practitioner(s, elsewhere, ['practitioner', 'safeguarding_lead'], 'Olly Outsider');
    const ava = await person(rachel, { names: [{ givenNames: 'Ava', familyName: 'Reed' }], dateOfBirth: '2021-03-04' });

    // The directory shows the partnership's practitioners, not those of another partnership.
    const directory = await partnershipDirectory(rachel);
    expect(directory.map((d) => d.name)).toEqual(expect.arrayContaining(['Sam School Lead', 'Hana Health Visitor']));
    expect(directory.map((d) => d.name)).not.toContain('Olly Outsider');
    expect(Object.keys(directory[0]!).sort()).toEqual(['agencyId', 'agencyName', 'id', 'jobTitle', 'name']);

    const base = { kind: 'core_group', title: 'Core group', scheduledAt: '2026-12-15T10:00:00Z', place: 'Room 2, Town Hall', subjectPersonIds: [ava.id] } as const;
    // Outside the partnership: refused, naming the field.
    await expect(scheduleMeeting(rachel, NewMeeting.parse({ ...base, invitees: [{ agencyId: elsewhere, practitionerId: outsider.actor.practitionerId }] })))
      .rejects.toMatchObject({ status: 422, errors: [{ pointer: '/invitees/0/agencyId' }] });
    await expect(scheduleMeeting(rachel, NewMeeting.parse({ ...base, invitees: [{ agencyId: school, practitionerId: hv.actor.practitionerId }] })))
      .rejects.toMatchObject({ status: 422, errors: [{ pointer: '/invitees/0/practitionerId' }] });

    const m = await scheduleMeeting(rachel, NewMeeting.parse({ ...base, invitees: [
      { agencyId: school, practitionerId: lead.actor.practitionerId, asked: 'A written report on attendance' },
      { agencyId: health, practitionerId: hv.actor.practitionerId },
    ] }));

    // Told the date, UK time, place and what is asked; the row names the child, the message nobody.
    const [note] = await listNotifications(lead, { unreadOnly: true });
    expect(note!.message).toBe('You are invited to a core group meeting on 15 December 2026 at 10:00, at Room 2, Town Hall. You are asked: A written report on attendance');
    expect(note!.message).not.toContain('Ava');
    const named = await childrenOf(lead, [notificationRef(note!)]);
    expect(named.get(refKey('meeting', m.id))!.children[0]).toMatchObject({ name: 'Ava Reed' });

    // The invitee sees the parts meant for her; a colleague not invited, and the outsider, get 404.
    const seen = await getMeeting(lead, m.id);
    expect(seen).toMatchObject({ view: 'invited', place: 'Room 2, Town Hall', subjects: [{ names: 'Ava Reed' }] });
    await expect(getMeeting(colleague, m.id)).rejects.toMatchObject({ status: 404 });
    await expect(getMeeting(outsider, m.id)).rejects.toMatchObject({ status: 404 });

    clock.set('2026-12-15T12:00:00Z');
    await expect(recordOutcome(rachel, m.id, MeetingOutcome.parse({ heldAt: '2026-12-15T10:00:00Z', attendance: [], minutes: 'x', familyTold: 'y',
      actions: [{ ownerId: outsider.actor.practitionerId, description: 'Out of reach', dueOn: '2026-12-22' }] })))
      .rejects.toMatchObject({ status: 422, errors: [{ pointer: '/actions/0/ownerId' }] });
    await recordOutcome(rachel, m.id, MeetingOutcome.parse({
      heldAt: '2026-12-15T10:00:00Z', attendance: [{ agencyId: school, attended: true }], decisions: ['Daily check-in at school'], minutes: 'Minutes of the core group',
      familyTold: 'Rachel visits tomorrow', actions: [
        { ownerId: lead.actor.practitionerId, description: 'Check Ava in each morning', dueOn: '2026-12-22' },
        { ownerId: hv.actor.practitionerId, description: 'Weigh Ava', dueOn: '2026-12-22' },
      ],
    }));
    // Her own action, not the minutes, decisions or others' actions.
    const after = await getMeeting(lead, m.id);
    expect(after).toMatchObject({ minutes: null, decisions: [], familyTold: null });
    expect(after.actions.map((a) => a.description)).toEqual(['Check Ava in each morning']);
    // Her caseload: the child as her school knows them, once the entries are linked; the open action keeps the child there after the meeting.
    expect((await myCaseload(lead)).children).toEqual([]);
    const ownAva = await person(lead, { names: [{ givenNames: 'Ava', familyName: 'Reed' }], dateOfBirth: '2021-03-04' });
    await t.db().query('INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at) VALUES ($1,$2,$3,$4,$5)', [randomUUID(), ava.id, ownAva.id, rachel.actor.practitionerId, '2026-12-15T11:00:00Z']);
    expect((await myCaseload(lead)).children).toEqual([expect.objectContaining({ child: expect.objectContaining({ personId: ownAva.id }), reasons: ['meeting'] })]);
    const [mine] = await myActions(lead);
    expect(mine).toMatchObject({ description: 'Check Ava in each morning', child: { name: 'Ava Reed' } });
    await closeAction(lead, mine!.id, 'done');
    expect((await getMeeting(rachel, m.id)).actions.find((a) => a.id === mine!.id)).toMatchObject({ status: 'done' });
  });
});
