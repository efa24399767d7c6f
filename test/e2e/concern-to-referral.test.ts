import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { loadActor } from '../../src/auth/auth.ts';
import { updateFlagSettings } from '../../src/flags/flags.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { nowTime, todayParts } from '../../src/web/forms.ts';
import { ukDateTime } from '../../src/web/view.ts';
import { resetDb, testDb } from '../db.ts';
import { caseThreeCast } from './cast.ts';
import { Journey, launchChromium, startApp, type Running } from './harness.ts';
import { journeySteps } from './steps.ts';

/**
 * Issue 17, items 7 and 8 in the browser: Jack's teacher records a concern and tells her
 * designated safeguarding lead; the lead sees it on My tasks with Jack's name, decides to share
 * through the usual journey, then refers from the concern — the form already holds its text —
 * as an immediate risk, seeing the authority's numbers and the 999 guidance, with the clock set
 * at her phone call. axe-core checks every page, and the revealed phone guidance too.
 */
describe('from a teacher’s concern to the lead’s referral, in Chromium', () => {
  let browser: Browser;
  let running: Running | undefined;
  let j: Journey;
  let p: Page;
  let cast: Awaited<ReturnType<typeof caseThreeCast>>;
  let decisionsAboutJack: () => Promise<number>;
  const step = journeySteps();
  const CONCERN = 'Jack has a bruise on his cheek and says his mum’s boyfriend hit him';

  beforeAll(async () => {
    browser = await launchChromium();
    const db = await testDb();
    await resetDb(db);
    const s = { db, clock: systemClock };
    cast = await caseThreeCast(s);
    decisionsAboutJack = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM share_decision WHERE person_id = $1', [cast.jack])).rows[0]!.n;
    // Children's social care publishes its numbers (the same ones health settings see with a flag).
    const admin = { ...s, actor: (await loadActor(db, cast.administrator.id))! };
    await updateFlagSettings(admin, { officeHoursPhone: '01632 960 100', outOfHoursPhone: '01632 960 999' });
    running = await startApp(s);
    const context = await browser.newContext({ baseURL: running.url });
    j = new Journey(await context.newPage(), running.url);
    p = j.page;
  });
  afterAll(async () => {
    await j?.page.context().close();
    await running?.app.close();
    await browser?.close();
  });

  const choose = async (group: string | RegExp, option: string): Promise<void> => {
    await p.getByRole('group', { name: group }).getByLabel(option, { exact: true }).check();
  };

  step('the teacher records a concern about Jack and ticks “Tell my safeguarding lead”', async () => {
    await j.signIn(cast.teacher.email);
    await j.goto(`/people/${cast.jack}`);
    await j.click('Record a concern or other record', 'link');
    await choose('What are you recording?', 'A concern');
    await p.getByLabel('Summary').fill(CONCERN);
    await p.getByLabel('Details (optional)').fill('Seen at morning registration. He flinched when I asked about it.');
    await choose('What is it about?', 'Physical abuse');
    await choose('Is this fact or opinion?', 'Fact');
    await choose('Did you see it, or were you told?', 'I saw it (witnessed)');
    await choose('Where did the information come from?', 'Me or a colleague');
    await choose('Is the information confidential?', 'Yes');
    await choose('Does your designated safeguarding lead need to know?', 'Tell my safeguarding lead');
    await j.click('Save record');
    expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('your safeguarding lead has been told');
    await j.signOut();
  });

  step('the lead sees it on My tasks: Jack’s name, the concern and who recorded it; no decision has been recorded', async () => {
    await j.signIn(cast.lead.email);
    await j.click('My tasks', 'link');
    const section = p.locator('#lead-alerts + table');
    const row = await section.innerText();
    expect(row).toContain('Jack Carver, born');
    expect(row).toContain(CONCERN);
    expect(row).toContain('Amira Shah');
    // Telling the lead is not a sharing decision (it used to be a "seek advice" with no lawful basis).
    expect(await decisionsAboutJack()).toBe(0);
  });

  step('she decides to share with children’s social care through the usual journey, the concern already chosen', async () => {
    await j.goto('/tasks');
    await j.click(/^Decide whether to share/, 'link');
    expect(await j.heading()).toBe('Why do you want to share?');
    await choose('What is the purpose of sharing?', 'Child protection (significant harm)');
    await p.getByLabel('Describe the purpose in your own words').fill('A referral to children’s social care: Jack says he was hit');
    await choose(/within your agency’s functions/, 'Yes');
    await j.click('Continue');
    await choose('Does one apply?', 'No');
    await j.click('Continue');
    await choose(/identify a living person/, 'Yes');
    await j.click('Continue');
    await choose(/private or sensitive/, 'Yes');
    await j.click('Continue');
    await choose('Consent', 'No, consent should not be sought');
    await choose('Why not?', 'Asking would increase the risk of harm to the child or someone else');
    await p.getByLabel('Explain', { exact: true }).fill('Telling his mother could put Jack at risk from her partner');
    await j.click('Continue');
    await choose('What do you have evidence or reasonable cause to believe?', 'A child is suffering, or is at risk of, significant harm');
    await p.getByLabel('Why would sharing be necessary and proportionate, or not?').fill('Children’s social care must know today; this record is the evidence');
    await choose(/adult with capacity/, 'No');
    await j.click('Continue');
    await choose('Will you share?', 'Yes, share');
    await j.click('Continue');
    const records = p.getByRole('group', { name: 'Which records?' });
    expect(await records.getByLabel(new RegExp(CONCERN.slice(0, 30))).isChecked()).toBe(true);
    await choose('Who with?', "Northshire Children's Social Care");
    await j.click('Continue');
    await choose('Have they been told?', 'No');
    await p.getByLabel('Why not?').fill('Children’s social care will agree with us when to tell his mother');
    await j.click('Continue');
    await p.getByLabel('Record the reasons for your decision').fill('Reasonable cause to suspect significant harm');
    await j.click('Continue');
    await j.click('Record the decision');
    expect(await j.heading()).toBe('Decision to share');
    expect(await decisionsAboutJack()).toBe(1);
  });

  step('she refers from the concern: its text is already in the form; immediate risk shows the numbers and 999, and the call sets the clock', async () => {
    await j.goto('/tasks');
    await j.click(/^Refer \(concern 1\)$/, 'link');
    expect(await j.heading()).toBe('Make a referral');
    expect(await p.locator('.govuk-inset-text').innerText()).toContain(CONCERN);
    const concerns = await p.getByLabel('Your concerns').inputValue();
    expect(concerns).toContain(CONCERN);
    expect(concerns).toContain('He flinched when I asked about it.');
    expect(concerns).toContain('Recorded by Amira Shah');
    await choose('Who are you referring to?', "Northshire Children's Social Care");
    expect(await p.getByRole('group', { name: 'Which decision to share does it rest on?' }).getByRole('radio').first().isChecked()).toBe(true);

    await choose('Could the child be at immediate risk?', 'Yes');
    const guidance = p.locator('#authority-phone-numbers');
    await guidance.waitFor({ state: 'visible' });
    expect(await guidance.innerText()).toContain("Northshire Children's Social Care: 01632 960 100 (office hours), 01632 960 999 (out of hours: the emergency duty team)");
    expect(await p.locator('main').innerText()).toContain('Call 999 if a child is in immediate danger.');
    await j.axe();
    const called = new Date(Date.now() - 10 * 60_000);
    const day = todayParts(called);
    const when = p.getByRole('group', { name: 'When did you phone them?' });
    await when.getByLabel('Day').fill(day.day);
    await when.getByLabel('Month').fill(day.month);
    await when.getByLabel('Year').fill(day.year);

    await p.getByLabel('The child’s developmental needs').fill('Not known beyond school');
    await p.getByLabel('The parents’ or carers’ capacity to respond to them').fill('Mother’s new partner may be a risk');
    await p.getByLabel('The wider family and environment').fill('Not known');
    await p.getByLabel('The child’s wishes and feelings').fill('Jack says he does not want to go home');
    await choose(/Were the child and parents told/, 'Not told');
    await p.getByLabel('Why were they not told?').fill('Telling his mother could increase the risk to Jack');
    await p.getByLabel('What they will be told').fill('Agreed with the social worker');
    await p.getByLabel('By whom').fill('The social worker');
    await p.getByLabel('When', { exact: true }).fill('After the strategy discussion');
    // Without the time of the call the clock has no start: the form says so and keeps everything typed.
    await j.click('Continue');
    expect(await p.locator('.govuk-error-summary').innerText()).toContain('Enter the time you phoned them');
    expect(await p.getByLabel('Your concerns').inputValue()).toContain(CONCERN);
    await p.getByLabel('Time you phoned').fill(nowTime(called));
    await j.click('Continue');
    expect(await j.heading()).toBe('Check your referral before sending it');
    const check = await p.locator('main').innerText();
    expect(check).toMatch(/By phone, .*: the clock starts at the call/);
    expect(check).toContain(CONCERN);
    await j.click('Confirm and send');
    expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('Your referral has been sent');
    const referral = await p.locator('main').innerText();
    // Made when she phoned, not when she typed the form.
    expect(referral).toContain(`${ukDateTime(new Date(Math.floor(called.getTime() / 60_000) * 60_000).toISOString())} (by phone: the clock starts at the call)`);
    expect(await p.locator('#started-from + ul').innerText()).toContain(CONCERN);
  });

  step('she marks the concern dealt with, and no page logged an error', async () => {
    await j.goto('/tasks');
    await j.click(/^Mark as dealt with/, 'link');
    await j.click('Mark as dealt with');
    expect(await p.locator('.govuk-error-summary').innerText()).toContain('Say what you did about it');
    await p.getByLabel('What did you do about it?').fill('Shared with and referred to children’s social care by phone');
    await j.click('Mark as dealt with');
    expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('marked as dealt with');
    expect(await p.locator('#lead-alerts + p').innerText()).toContain('No colleague has brought a concern to you.');
    expect(j.consoleErrors).toEqual([]);
  });
});
