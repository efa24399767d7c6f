import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/access/policy.ts';
import { loadActor } from '../../src/auth/auth.ts';
import { buildApp } from '../../src/http/app.ts';
import { recordOutcome, scheduleMeeting } from '../../src/meetings/meetings.ts';
import { MeetingOutcome } from '../../src/meetings/schemas.ts';
import { addPractitionerAsSystem } from '../../src/partnership/partnership.ts';
import { addRelationship } from '../../src/people/people.ts';
import { openEpisode } from '../../src/process/episodes.ts';
import type { Role } from '../../src/access/policy.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { NewShareDecision } from '../../src/sharing/schemas.ts';
import { makeDecision } from '../../src/sharing/sharing.ts';
import type { ActorContext, Services } from '../../src/shared/context.ts';
import { AUTH_SETTINGS } from '../api/helpers.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, person, services } from '../fixtures.ts';

/** Issue 17, item 1: every worklist says which child, to those allowed to see that child, and only to them. */

const PASSWORD = 'lists-name-the-child-password';
const HTML = { accept: 'text/html' };

describe('every list names the child', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  let seq = 0;
  async function signedUp(s: Services, agencyId: string, roles: Role[], name: string): Promise<ActorContext & { email: string }> {
    const email = `lists${++seq}@example.org`;
    const p = await addPractitionerAsSystem(s, { agencyId, name, email, roles, password: PASSWORD });
    return { ...s, actor: (await loadActor(s.db, p.id)) as Actor, email };
  }

  async function page(who: { email: string }, url: string): Promise<string> {
    const signedIn = await app!.inject({ method: 'POST', url: '/api/v1/session', payload: { email: who.email, password: PASSWORD } });
    expect(signedIn.statusCode, signedIn.body).toBeLessThan(300);
    const res = await app!.inject({ url, headers: HTML, cookies: { jigsaw_session: signedIn.cookies.find((c) => c.name === 'jigsaw_session')!.value } });
    expect(res.statusCode, res.body).toBe(200);
    return res.body;
  }

  /** The rows of the section under a heading: table rows of its table, or items of its list. */
  function rows(html: string, heading: string): string[] {
    const start = html.indexOf(`>${heading}</h2>`);
    expect(start, `no "${heading}" section`).toBeGreaterThan(-1);
    const section = html.slice(start, html.indexOf('<h2', start + 1) === -1 ? undefined : html.indexOf('<h2', start + 1));
    const body = section.includes('<tbody') ? section.slice(section.indexOf('<tbody')) : section;
    return [...body.matchAll(/<(tr|li)[\s>][\s\S]*?<\/\1>/g)].map((m) => m[0]);
  }

  async function world() {
    const clock = fixedClock('2026-12-01T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const school = await agency(s, p, 'school', "St Mary's Primary School");
    const worker = await signedUp(s, csc, ['social_worker'], 'Rachel Dunn');
    const manager = await signedUp(s, csc, ['manager'], 'Grace Okafor');
    const teacher = await signedUp(s, school, ['practitioner', 'safeguarding_lead'], 'Tom Teacher');
    const lead = await signedUp(s, csc, ['safeguarding_lead'], 'Lena Lead');
    const ava = await person(worker, { names: [{ givenNames: 'Ava', familyName: "O'Neill" }], dateOfBirth: '2022-04-04' });
    const natasha = await person(worker, { kind: 'adult', sex: 'female', names: [{ givenNames: 'Natasha', familyName: 'Reed' }], dateOfBirth: '1999-05-06' });
    const baby = await person(worker, { kind: 'unborn', names: [{ familyName: 'Baby of Natasha' }], dateOfBirth: undefined, expectedDateOfDelivery: '2027-02-20' });
    await addRelationship(worker, baby.id, { relatedPersonId: natasha.id, type: 'parent' });
    for (const [i, child] of [ava, baby].entries()) {
      await openEpisode(worker, { idempotencyKey: `open-${i}`, childPersonId: child.id, receivedAt: '2026-12-01T09:00:00Z', channel: 'phone', allocatedWorkerId: worker.actor.practitionerId, team: 'Assessment' });
    }
    // Two first review conferences: the old /process list showed "First review conference (Scheduled)" twice, naming no one.
    for (const child of [ava, baby]) {
      await scheduleMeeting(worker, { kind: 'conference', title: 'First review conference', scheduledAt: '2026-12-20T12:00:00Z', subjectPersonIds: [child.id], invitees: [{ agencyId: school }] });
    }
    const m = await scheduleMeeting(worker, { kind: 'core_group', title: 'Core group', scheduledAt: '2026-12-02T10:00:00Z', subjectPersonIds: [ava.id], invitees: [{ agencyId: school }] });
    clock.set('2026-12-02T12:00:00Z');
    await recordOutcome(worker, m.id, MeetingOutcome.parse({
      heldAt: '2026-12-02T10:00:00Z', attendance: [{ agencyId: school, attended: true }], decisions: ['Keep going'],
      actions: [
        { ownerId: worker.actor.practitionerId, description: 'Visit the home', dueOn: '2026-12-09' },
        { ownerId: teacher.actor.practitionerId, description: 'Report attendance weekly', dueOn: '2026-12-09' },
      ],
      minutes: 'Discussed.', familyTold: 'The social worker tells the mother today',
    }));
    // The worker asks her lead for advice without revealing who it is about.
    await makeDecision(worker, NewShareDecision.parse({
      personId: ava.id, outcome: 'seek_advice', reasons: 'Unsure whether to share', answers: { purposeCode: 'child_protection_enquiry', purpose: 'Protecting the child' },
      advice: { adviserRole: 'safeguarding_lead', adviserId: lead.actor.practitionerId, question: 'Should I share this?' },
    }));
    // A week on, the referral steps are overdue: the managers are alerted.
    clock.set('2026-12-09T09:00:00Z');
    app = await buildApp({ services: s, auth: AUTH_SETTINGS, logLevel: 'silent' });
    return { worker, manager, teacher, lead, meetingId: m.id };
  }

  const AVA = 'Ava O&#39;Neill, born 4 April 2022';
  const BABY = 'Unborn baby of Natasha Reed, due 20 February 2027';

  it('my tasks, /process and the overdue alerts say which child, with plain dates, linking to the child; a reader who cannot see the child is not told', async () => {
    const w = await world();

    const tasks = await page(w.worker, '/tasks');
    const due = rows(tasks, 'Statutory steps due');
    expect(due.length).toBeGreaterThan(1);
    for (const r of due) expect(r.includes(AVA) || r.includes(BABY), r).toBe(true);
    expect(due.some((r) => r.includes(BABY))).toBe(true);
    expect(tasks).toMatch(/<a class="govuk-link" href="\/people\/[0-9a-f-]+">Ava O&#39;Neill, born 4 April 2022<\/a>/);
    const actions = rows(tasks, 'Actions from meetings');
    expect(actions).toHaveLength(1);
    expect(actions[0]).toContain(AVA);
    expect(actions[0]).toContain('Visit the home');
    // The notification of that action names the child too, and its message has a plain date.
    const notes = rows(tasks, 'Notifications').filter((r) => r.includes('gave you an action'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(AVA);
    expect(notes[0]).toContain('due 9 December 2026');

    // The API's due steps name the child the same way (schema DueStep.child).
    const session = (await app!.inject({ method: 'POST', url: '/api/v1/session', payload: { email: w.worker.email, password: PASSWORD } })).cookies.find((c) => c.name === 'jigsaw_session')!.value;
    const api = (await app!.inject({ url: '/api/v1/due-steps?worker=me', cookies: { jigsaw_session: session } })).json<{ items: { child: { name: string; unborn: boolean; motherName: string | null } | null }[] }>();
    expect(new Set(api.items.map((i) => i.child?.unborn ? `unborn of ${i.child.motherName}` : i.child?.name))).toEqual(new Set(["Ava O'Neill", 'unborn of Natasha Reed']));

    const process = await page(w.manager, '/process');
    for (const r of rows(process, 'Statutory steps due across the authority')) expect(r.includes(AVA) || r.includes(BABY), r).toBe(true);
    const meetings = rows(process, 'Meetings').filter((r) => r.includes('First review conference'));
    expect(meetings).toHaveLength(2);
    expect(meetings.some((r) => r.includes(AVA)) && meetings.some((r) => r.includes(BABY))).toBe(true);
    // Noon is "midday", never "0:00pm".
    expect(meetings[0]).toContain('20 December 2026 at midday');
    const alerts = rows(process, 'Overdue steps not yet acknowledged');
    expect(alerts.length).toBeGreaterThan(0);
    for (const r of alerts) expect(r.includes(AVA) || r.includes(BABY), r).toBe(true);

    const managerTasks = await page(w.manager, '/tasks');
    const overdue = rows(managerTasks, 'Overdue statutory steps to acknowledge');
    expect(overdue.length).toBeGreaterThan(0);
    for (const r of overdue) expect(r.includes(AVA) || r.includes(BABY), r).toBe(true);
    for (const r of rows(managerTasks, 'Notifications')) expect(r.includes(AVA) || r.includes(BABY), r).toBe(true);
    expect(managerTasks).not.toMatch(/\b20\d\d-\d\d-\d\d\b/);

    // The teacher may not read the authority's entry for Ava, but her school was invited to Ava's meetings and she owns
    // an action from one (issue 18): the invitation is the disclosure, so her action names the child.
    const teacherTasks = await page(w.teacher, '/tasks');
    const teacherActions = rows(teacherTasks, 'Actions from meetings');
    expect(teacherActions).toHaveLength(1);
    expect(teacherActions[0]).toContain(AVA);

    // The adviser is told a colleague asks for advice, never who it is about (golden rule 3), though she could read Ava's entry.
    const leadTasks = await page(w.lead, '/tasks');
    expect(rows(leadTasks, 'Notifications').filter((r) => r.includes('asking for advice'))).toHaveLength(1);
    expect(leadTasks).not.toContain('Ava');
  });

  it("an agency's name with an apostrophe is escaped once on the meeting page", async () => {
    const w = await world();
    const html = await page(w.worker, `/meetings/${w.meetingId}`);
    expect(html).toContain('St Mary&#39;s Primary School');
    expect(html).not.toContain('&amp;#39;');
    expect(html).toContain('Ava O&#39;Neill');
  });
});
