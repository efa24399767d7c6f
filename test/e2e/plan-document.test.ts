import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.ts';
import { recordOutcome, scheduleMeeting } from '../../src/meetings/meetings.ts';
import { MeetingOutcome, NewMeeting } from '../../src/meetings/schemas.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import type { Database } from '../../src/db/database.ts';
import { resetDb, testDb } from '../db.ts';
import { planWorld, type PlanWorld } from '../plan-world.ts';
import { Journey, launchChromium, PASSWORD, startApp, type Running } from './harness.ts';
import { journeySteps } from './steps.ts';

/**
 * Issue 18, in Chromium with axe-core on every page: the conference makes Ava's plan with the
 * school's designated safeguarding lead and the health visitor in the core group; both are told
 * with Ava's name and the first core group's date; the school's lead sees the plan on her own
 * child's page and opens it; the first core group gives her an action, which she marks done; a
 * review changes it (version 2); it prints; it ends and both are told.
 */
describe('the child protection plan as a document, in Chromium', () => {
  // One database for the whole journey: its steps are separate tests (useTestDb would empty it before each).
  let db: Database;
  const step = journeySteps();
  let browser: Browser;
  let running: Running | undefined;
  let context: BrowserContext;
  let j: Journey;
  let w: PlanWorld;
  let planId: string;

  beforeAll(async () => {
    db = await testDb();
    await resetDb(db);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await running?.app.close();
  });

  const emailOf = async (who: ActorContext) => (await db.query<{ email: string }>('SELECT email FROM practitioner WHERE id = $1', [who.actor.practitionerId])).rows[0]!.email;
  const main = async () => (await j.page.locator('main').innerText()).replace(/\s+/g, ' ');
  const notificationRows = async () => (await j.page.locator('table:has(caption:text("Notifications not yet read")) tbody tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim());

  step('the initial conference makes the plan with the school’s lead and the health visitor in the core group; both are told with Ava’s name and the first core group’s date', async () => {
    w = await planWorld(db);
    await db.query('UPDATE practitioner SET password_hash = $1 WHERE id = ANY($2::uuid[])', [await hashPassword(PASSWORD), [w.dsl.actor.practitionerId, w.visitor.actor.practitionerId]]);
    // Thursday 19 November 2026: the first core group is due 10 working days on, Thursday 3 December.
    await w.conference('2026-11-19T10:00:00Z', 'initial', [w.csc, w.school, w.hv, w.police], w.planDetails([w.dsl, w.visitor]));
    planId = await w.planOf();
    // The browser drops a session cookie whose expiry has passed by its own clock: the pages are
    // browsed at today's time (the review and the end, later, are in the future anyway).
    w.clock.set(new Date().toISOString());
    running = await startApp(w.s);
    context = await browser.newContext({ baseURL: running.url });
    j = new Journey(await context.newPage(), running.url);

    for (const who of [w.visitor, w.dsl]) {
      await j.signIn(await emailOf(who));
      await j.goto('/tasks');
      const rows = await notificationRows();
      expect(rows).toContainEqual(expect.stringMatching(/^You are in the core group of a child protection plan\. The first core group meeting is due by 3 December 2026\. Ava Reed, born 4 March 2020/));
      if (who === w.visitor) await j.signOut();
    }
  });

  step('the school’s lead sees the plan’s summary on her own child’s page and opens the plan', async () => {
    await j.goto(`/people/${w.avaAtSchool.id}`);
    const page = await main();
    expect(page).toContain('On a child protection plan since 19 November 2026');
    expect(page).toContain('Rachel Dunn');
    expect(page).toContain('By 19 February 2027');
    await j.click('Read the child protection plan', 'link');
    expect(await j.heading()).toBe('Child protection plan');
    const plan = await main();
    expect(plan).toContain('Version 1 of 1, from the initial conference on 19 November 2026');
    expect(plan).toContain('Check Ava every morning and tell the social worker of any injury the same day — by 18 December 2026');
    expect(plan).toContain('Sarah Khan, Northshire Primary School');
    expect(plan).toContain('Priya Shah, Northshire Health Visiting');
    await j.signOut();
  });

  step('the first core group gives the school’s lead an action; she finds it on My tasks with Ava named and marks it done', async () => {
    const meeting = await scheduleMeeting(w.worker, NewMeeting.parse({
      kind: 'core_group', title: 'First core group', episodeId: w.episode.id, scheduledAt: '2026-12-03T10:00:00Z', place: 'Room 2, Northshire Family Centre',
      subjectPersonIds: [w.ava.id], invitees: [{ agencyId: w.school, practitionerId: w.dsl.actor.practitionerId }, { agencyId: w.hv, practitionerId: w.visitor.actor.practitionerId }],
    }));
    await recordOutcome(w.worker, meeting.id, MeetingOutcome.parse({
      heldAt: '2026-12-03T10:00:00Z', attendance: [{ agencyId: w.school, practitionerId: w.dsl.actor.practitionerId, attended: true }],
      decisions: ['The core group agreed how the plan is carried out.'],
      actions: [{ ownerId: w.dsl.actor.practitionerId, description: 'Check Ava in at the school gate each morning', dueOn: '2026-12-18' }],
      minutes: 'The core group met and agreed the actions.', familyTold: 'The social worker tells Ava’s mother the actions today.',
    }));
    await j.signIn(await emailOf(w.dsl));
    await j.goto('/tasks');
    const action = j.page.locator('li', { hasText: 'Check Ava in at the school gate each morning' });
    expect(await action.innerText()).toContain('Ava Reed');
    await j.navigate(() => action.getByRole('link', { name: /the meeting/ }).click());
    expect(await main()).toContain('Your actions');
    await j.click(/^Mark as done/);
    expect(await j.page.locator('.govuk-notification-banner--success').innerText()).toContain('The action has been marked as done');
    await j.signOut();
  });

  step('a review conference changes the plan: version 2, the first still readable', async () => {
    await w.conference('2027-02-19T10:00:00Z', 'review', [w.csc, w.school, w.hv], w.planDetails([w.dsl, w.visitor], { outlinePlan: 'Ava is safe at home; her mother attends the parenting course.' }));
    await j.signIn(await emailOf(w.dsl));
    await j.goto(`/plans/${planId}`);
    const plan = await main();
    expect(plan).toContain('Version 2 of 2, from the review conference on 19 February 2027');
    expect(plan).toContain('parenting course');
    expect(plan).toContain('By 19 August 2027');
    await j.click('Version 1', 'link');
    expect(await main()).toContain('This is an earlier version');
  });

  step('the plan prints as a clean document', async () => {
    await j.goto(`/plans/${planId}/print`);
    expect(await j.page.locator('header.govuk-header, nav, script').count()).toBe(0);
    expect(await j.page.locator('h1').innerText()).toBe('Child protection plan: Ava Reed, born 4 March 2020');
    expect(await j.page.locator('main').innerText()).toContain('Visit fortnightly and weigh Ava');
    const css = await j.page.locator('link[rel=stylesheet]').getAttribute('href');
    expect(css).toBe('/api/v1/chronology/print.css');
  });

  step('at 390 px wide the plan fits the phone', async () => {
    const phone = await browser.newContext({ baseURL: running!.url, viewport: { width: 390, height: 844 } });
    try {
      const m = new Journey(await phone.newPage(), running!.url);
      await m.signIn(await emailOf(w.dsl));
      await m.goto(`/plans/${planId}`);
      expect(await m.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      expect(m.consoleErrors).toEqual([]);
    } finally {
      await phone.close();
    }
  });

  step('the plan ends and both agencies are told, with Ava named', async () => {
    await j.goto('/tasks');
    await j.signOut();
    await w.act(w.manager, w.episode, '2027-08-19T12:00:00Z', { type: 'plan_ended', reason: 'review_decision', childInNeedPlan: true });
    for (const who of [w.dsl, w.visitor]) {
      await j.signIn(await emailOf(who));
      await j.goto('/tasks');
      expect(await notificationRows()).toContainEqual(expect.stringMatching(/^A child protection plan has ended by decision of a review conference\..* Ava Reed, born 4 March 2020/));
      await j.click(/A child protection plan has ended/, 'link');
      expect(await main()).toContain('Ended on 19 August 2027');
      await j.signOut();
    }
    expect(j.consoleErrors).toEqual([]);
  });
});
