import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { getMeeting, recordOutcome } from '../../src/meetings/meetings.ts';
import { MeetingOutcome } from '../../src/meetings/schemas.ts';
import { addRecord } from '../../src/records/records.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { NewShareDecision } from '../../src/sharing/schemas.ts';
import { makeDecision } from '../../src/sharing/sharing.ts';
import { bearer } from '../api/helpers.ts';
import { useTestDb } from '../db.ts';
import { useWebApp } from './no-js-browser.ts';
import { agency, concern, partnershipWith, person, services } from '../fixtures.ts';

/** Issue 18, item 1: invitees and action owners of any agency, through the API and the pages. */

const PASSWORD = 'meetings-across-agencies-password';
const HTML = { accept: 'text/html' };

describe('meetings across agencies: the API and the rendered pages', () => {
  const t = useTestDb();
  const web = useWebApp(PASSWORD);

  const signedUp = web.signedUp;
  async function session(who: { email: string }): Promise<string> {
    const signedIn = await web.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: who.email, password: PASSWORD } });
    return signedIn.cookies.find((c) => c.name === 'jigsaw_session')!.value;
  }
  async function get(who: { email: string }, url: string): Promise<{ statusCode: number; body: string; cookie: string }> {
    const jar = await session(who);
    const res = await web.app.inject({ url, headers: HTML, cookies: { jigsaw_session: jar } });
    return { statusCode: res.statusCode, body: res.body, cookie: [`jigsaw_session=${jar}`, ...res.cookies.map((c) => `${c.name}=${c.value}`)].join('; ') };
  }

  it("the API refuses an invitee outside the partnership; the school's lead is told the child, date, time and place, reads her part of the meeting and attaches her report", async () => {
    const clock = fixedClock('2026-12-01T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const school = await agency(s, p, 'school', 'Riverside Primary School');
    const elsewhere = await agency(s, await partnershipWith(s, 'Southshire'), 'school', 'Southshire Academy');
    const worker = await signedUp(s, csc, ['social_worker'], 'Rachel Dunn');
    const lead = await signedUp(s, school, ['practitioner', 'safeguarding_lead'], 'Sam Okoye');
    const teacher = await signedUp(s, school, ['practitioner'], 'Pat Teacher');
    const outsider = await signedUp(s, elsewhere, ['practitioner', 'safeguarding_lead'], 'Olly Outsider');
    const ava = await person(worker, { names: [{ givenNames: 'Ava', familyName: 'Reed' }], dateOfBirth: '2021-03-04' });
    const app = await web.open(s);

    const body = { kind: 'core_group', title: 'Core group', scheduledAt: '2026-12-15T10:00:00Z', place: 'Room 2, Town Hall', subjectPersonIds: [ava.id] };
    const refused = await app.inject({ method: 'POST', url: '/api/v1/meetings', headers: await bearer(worker), payload: { ...body, invitees: [{ agencyId: elsewhere, practitionerId: outsider.actor.practitionerId }] } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().errors).toEqual([{ pointer: '/invitees/0/agencyId', detail: 'No agency with that identifier in your partnership' }]);
    const made = await app.inject({ method: 'POST', url: '/api/v1/meetings', headers: await bearer(worker),
      payload: { ...body, invitees: [{ agencyId: school, practitionerId: lead.actor.practitionerId, asked: 'A written report on attendance' }] } });
    expect(made.statusCode).toBe(201);
    const id = made.json<{ id: string }>().id;
    // Through the API the invitee reads her part; a colleague not invited gets 404.
    expect((await app.inject({ url: `/api/v1/meetings/${id}`, headers: await bearer(lead) })).json()).toMatchObject({ view: 'invited', place: 'Room 2, Town Hall', minutes: null });
    expect((await app.inject({ url: `/api/v1/meetings/${id}`, headers: await bearer(teacher) })).statusCode).toBe(404);

    // My tasks: the invitation names the child, the date, the UK time and the place, and links to the meeting.
    const tasks = (await get(lead, '/tasks')).body;
    const row = /<tr class="govuk-table__row">(?:(?!<\/tr>)[\s\S])*You are invited to a core group meeting[\s\S]*?<\/tr>/.exec(tasks)?.[0] ?? '';
    expect(row).toContain('on 15 December 2026 at 10:00, at Room 2, Town Hall');
    expect(row).toContain('Ava Reed, born 4 March 2021');
    expect(row).toContain(`href="/meetings/${id}"`);
    // The child is named, not linked: the entry is the authority's, which she may not open.
    expect(row).not.toContain(`/people/${ava.id}`);

    // Her agency's own entry for Ava, linked, and a share with the authority she can attach as her report.
    const ownAva = await person(lead, { names: [{ givenNames: 'Ava', familyName: 'Reed' }], dateOfBirth: '2021-03-04' });
    await s.db.query('INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at) VALUES ($1,$2,$3,$4,$5)', [randomUUID(), ava.id, ownAva.id, worker.actor.practitionerId, '2026-12-01T08:00:00Z']);
    const rec = await addRecord(lead, ownAva.id, concern({ summary: 'Attendance 71% this term', source: { type: 'practitioner' } }));
    const share = await makeDecision(lead, NewShareDecision.parse({
      personId: ownAva.id, outcome: 'share', reasons: 'For the core group', answers: { purposeCode: 'crime_prevention', purpose: 'Report to the core group', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 2004 s11' },
      share: { recipients: [{ agencyId: csc }], items: [{ recordId: rec.id, parts: ['summary'] }] },
      subjectInformed: { informed: true, at: '2026-12-01T08:00:00Z', by: 'Sam Okoye' },
    }));

    const meetingPage = await get(lead, `/meetings/${id}`);
    expect(meetingPage.statusCode).toBe(200);
    expect(meetingPage.body).toContain('Room 2, Town Hall');
    expect(meetingPage.body).toContain('A written report on attendance');
    expect(meetingPage.body).toContain(`<a class="govuk-link" href="/people/${ownAva.id}">Ava Reed</a>`);
    expect(meetingPage.body).toContain('Report to the core group');
    expect(meetingPage.body).toContain(`href="/people/${ownAva.id}/share"`);
    expect((await get(teacher, `/meetings/${id}`)).statusCode).toBe(404);
    expect((await get(outsider, `/meetings/${id}`)).statusCode).toBe(404);

    const csrf = /name="_csrf" value="([^"]+)"/.exec(meetingPage.body)![1]!;
    const attached = await app.inject({ method: 'POST', url: `/meetings/${id}/contributions`, headers: { ...HTML, cookie: meetingPage.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(csrf)}&shareDecisionId=${share.id}` });
    expect(attached.statusCode).toBe(303);
    expect((await getMeeting(worker, id)).contributions).toEqual([expect.objectContaining({ agencyId: school, shareDecisionId: share.id })]);

    // Recorded with an action for her: she sees her action, not the minutes.
    clock.set('2026-12-15T12:00:00Z');
    await recordOutcome(worker, id, MeetingOutcome.parse({ heldAt: '2026-12-15T10:00:00Z', attendance: [{ agencyId: school, attended: true }], decisions: ['Daily check-in'],
      actions: [{ ownerId: lead.actor.practitionerId, description: 'Check in with Ava each morning', dueOn: '2026-12-22' }], minutes: 'Private minutes of the core group', familyTold: 'Rachel tells the mother' }));
    const after = (await get(lead, `/meetings/${id}`)).body;
    expect(after).toContain('Check in with Ava each morning');
    expect(after).toContain('Mark as done');
    expect(after).not.toContain('Private minutes of the core group');
  });
});
