import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadActor } from '../../src/auth/auth.ts';
import { createAgency, createPartnership } from '../../src/partnership/partnership.ts';
import { createPerson } from '../../src/people/people.ts';
import { NewPerson } from '../../src/people/schemas.ts';
import { openEpisode } from '../../src/process/episodes.ts';
import { systemClock } from '../../src/shared/clock.ts';
import type { Services } from '../../src/shared/context.ts';
import { ukDate } from '../../src/web/view.ts';
import { useTestDb } from '../db.ts';
import { Journey, launchChromium, staff, startApp, type Running } from './harness.ts';

/**
 * Issue 18, item 1 in Chromium: children's social care arranges a core group inviting the school's
 * designated safeguarding lead and the health visitor by name; the school's lead sees the
 * invitation on My tasks with the child's name and the date, opens the meeting; the meeting is
 * recorded with an action she owns, and she marks it done on the meeting page. axe on every page.
 */
describe('meetings across agencies, in Chromium', () => {
  const t = useTestDb();
  let browser: Browser;
  let running: Running | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await running?.app.close();
  });

  it("the school's lead is invited to a core group, sees it on her tasks with the child and the date, and marks her action done", async () => {
    const s: Services = { db: t.db(), clock: systemClock };
    const p0 = (await createPartnership(s, { name: 'Northshire Safeguarding Children Partnership', nation: 'england-and-wales' })).id;
    const csc = (await createAgency(s, { name: "Northshire Children's Social Care", type: 'childrens_social_care', partnershipIds: [p0] })).id;
    const school = (await createAgency(s, { name: 'Riverside Primary School', type: 'school', partnershipIds: [p0] })).id;
    const health = (await createAgency(s, { name: 'Northshire Health Visiting Service', type: 'health_visiting', partnershipIds: [p0] })).id;
    const worker = await staff(s, csc, 'Rachel Dunn', ['social_worker']);
    const lead = await staff(s, school, 'Sam Okoye', ['practitioner', 'safeguarding_lead']);
    await staff(s, health, 'Joanne Pike', ['practitioner']);
    const workerCtx = { ...s, actor: (await loadActor(s.db, worker.id))! };
    const lily = await createPerson(workerCtx, NewPerson.parse({ kind: 'child', names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2019-11-20', sex: 'female' }));
    const episode = await openEpisode(workerCtx, { idempotencyKey: 'e2e-core-group', childPersonId: lily.id, receivedAt: new Date(Date.now() - 86_400_000).toISOString(), channel: 'written', allocatedWorkerId: worker.id });
    running = await startApp(s);

    const context = await browser.newContext({ baseURL: running.url });
    const j = new Journey(await context.newPage(), running.url);
    const p = j.page;
    const group = (name: string) => p.getByRole('group', { name });
    const banner = async (): Promise<string> => p.locator('.govuk-notification-banner--success').innerText();

    // Children's social care arranges the core group, inviting the school's lead and the health visitor by name.
    await j.signIn(worker.email);
    await j.goto(`/episodes/${episode.id}`);
    await j.click('Arrange a meeting', 'link');
    await group('What kind of meeting?').getByLabel('A core group meeting', { exact: true }).check();
    await p.getByLabel('Title').fill('First core group');
    const when = new Date(Date.now() + 7 * 86_400_000);
    const on = group('When is it, or when was it?');
    await on.getByLabel('Day').fill(String(when.getUTCDate()));
    await on.getByLabel('Month').fill(String(when.getUTCMonth() + 1));
    await on.getByLabel('Year').fill(String(when.getUTCFullYear()));
    await p.getByLabel('Time').fill('10:30');
    await p.getByLabel('Where (optional)').fill('Riverside Primary School, meeting room');
    await group('Who is invited?').getByLabel('Sam Okoye, Riverside Primary School', { exact: true }).check();
    await group('Who is invited?').getByLabel('Joanne Pike, Northshire Health Visiting Service', { exact: true }).check();
    await p.getByLabel('What is asked of them (optional)').fill('A short report on attendance and how she presents');
    await j.click('Arrange the meeting');
    expect(await banner()).toContain('The meeting has been arranged');
    const meetingUrl = new URL(p.url()).pathname;
    expect(await p.locator('main').innerText()).toContain('Sam Okoye, Riverside Primary School');
    await j.signOut();

    // The school's lead sees the invitation on My tasks: the child's name, the date, time and place.
    await j.signIn(lead.email);
    await j.goto('/tasks');
    const invitation = p.locator('tr', { hasText: 'You are invited to a core group meeting' });
    const row = await invitation.innerText();
    expect(row).toContain('Lily Fletcher');
    expect(row).toContain(ukDate(when.toISOString().slice(0, 10)));
    expect(row).toContain('10:30');
    expect(row).toContain('Riverside Primary School, meeting room');
    await j.navigate(() => invitation.getByRole('link', { name: /You are invited/ }).click());
    expect(new URL(p.url()).pathname).toBe(meetingUrl);
    const page1 = await p.locator('main').innerText();
    expect(page1).toContain('Lily Fletcher');
    expect(page1).toContain('A short report on attendance and how she presents');
    expect(page1).toContain('Your report');
    await j.signOut();

    // The meeting is held and recorded with an action owned by the school's lead.
    await j.signIn(worker.email);
    await j.goto(meetingUrl);
    await j.click('Record what happened', 'link');
    await group('Which invited agencies attended?').getByLabel('Riverside Primary School', { exact: true }).check();
    const first = group('Action 1 (optional)');
    await first.getByLabel('What is to be done').fill('Check in with Lily each morning and record how she presents');
    const owner = first.getByLabel('Who owns it');
    await owner.selectOption((await owner.locator('option', { hasText: 'Sam Okoye' }).getAttribute('value')));
    const due = new Date(Date.now() + 14 * 86_400_000);
    await first.getByLabel('Day').fill(String(due.getUTCDate()));
    await first.getByLabel('Month').fill(String(due.getUTCMonth() + 1));
    await first.getByLabel('Year').fill(String(due.getUTCFullYear()));
    await p.getByLabel('Minutes').fill('The core group agreed the plan.');
    await p.getByLabel('What the family will be told, by whom and when').fill('Rachel tells the mother tomorrow');
    await j.click('Record what happened');
    expect(await banner()).toContain('What happened at the meeting has been recorded');
    await j.signOut();

    // She finds her action on My tasks, naming the child, opens the meeting and marks it done.
    await j.signIn(lead.email);
    await j.goto('/tasks');
    const action = p.locator('li', { hasText: 'Check in with Lily each morning' });
    expect(await action.innerText()).toContain('Lily Fletcher');
    await j.navigate(() => action.getByRole('link', { name: /the meeting/ }).click());
    const main = await p.locator('main').innerText();
    expect(main).toContain('Your actions');
    expect(main).not.toContain('The core group agreed the plan.');
    await j.click(/^Mark as done/);
    expect(await banner()).toContain('The action has been marked as done');
    expect(await p.locator('table', { hasText: 'Check in with Lily' }).innerText()).toContain('Done');
    expect(j.consoleErrors).toEqual([]);
    await context.close();
  });
});
