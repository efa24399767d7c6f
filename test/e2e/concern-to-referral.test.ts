import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { loadActor } from '../../src/auth/auth.ts';
import { updateFlagSettings } from '../../src/flags/flags.ts';
import { addRelationship, createPerson } from '../../src/people/people.ts';
import { NewPerson } from '../../src/people/schemas.ts';
import { openEpisode, recordEpisodeAction } from '../../src/process/episodes.ts';
import { RecordAction } from '../../src/process/schemas.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { nowTime, todayParts } from '../../src/web/forms.ts';
import { ukDate, ukDateTime } from '../../src/web/view.ts';
import { resetDb, testDb } from '../db.ts';
import { caseThreeCast } from './cast.ts';
import { Journey, launchChromium, startApp, type Running } from './harness.ts';
import { journeySteps } from './steps.ts';

/**
 * Issue 17, items 7 and 8 in the browser: Jack's teacher records a concern and tells her
 * designated safeguarding lead; the lead sees it on My tasks with Jack's name, decides to share
 * through the usual journey, then refers from the concern — the form already holds its text —
 * as an immediate risk, seeing the authority's numbers and the 999 guidance, with the clock set
 * at her phone call. The duty social worker then accepts the referral onto the Jack whom
 * children's social care already holds (his half-sister Kayla had a plan for neglect in 2019), and
 * is shown that earlier history at once. axe-core checks every page, and the revealed phone
 * guidance too.
 */
describe('from a teacher’s concern to the lead’s referral, in Chromium', () => {
  let browser: Browser;
  let running: Running | undefined;
  let j: Journey;
  let p: Page;
  let cast: Awaited<ReturnType<typeof caseThreeCast>>;
  let decisionsAboutJack: () => Promise<number>;
  let jacksHeldBySocialCare: () => Promise<number>;
  let jackBorn: string;
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
    // Children's social care already holds Jack and his mother: her first child, Kayla, had a plan for neglect in 2019.
    const sw = { ...s, actor: (await loadActor(db, cast.socialWorker.id))! };
    jackBorn = (await db.query<{ d: string }>('SELECT date_of_birth::text AS d FROM person WHERE id = $1', [cast.jack])).rows[0]!.d;
    const home = { line1: '5 Ashdown Road', town: 'Northshire', postcode: 'NS1 6EJ' };
    const make = (input: Record<string, unknown>) => createPerson(sw, NewPerson.parse(input));
    const donna = await make({ kind: 'adult', names: [{ givenNames: 'Donna', familyName: 'Carver' }], sex: 'female', addresses: [home] });
    const kayla = await make({ kind: 'child', names: [{ givenNames: 'Kayla', familyName: 'Carver' }], dateOfBirth: '2012-09-03', sex: 'female' });
    await addRelationship(sw, kayla.id, { relatedPersonId: donna.id, type: 'parent' });
    const ep = await openEpisode(sw, { idempotencyKey: 'kayla-2019', childPersonId: kayla.id, receivedAt: '2019-03-04T09:00:00Z', channel: 'written' });
    const act = (key: string, occurredAt: string, action: Record<string, unknown>) => recordEpisodeAction(sw, ep.id, RecordAction.parse({ idempotencyKey: key, occurredAt, action }));
    await act('d', '2019-03-04T10:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'Neglect' });
    await act('sd', '2019-03-04T11:00:00Z', { type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: cast.agencies.socialCare }], policeInvestigation: false, immediateSafety: 'Daily visits', familyToBeTold: 'Today' });
    await act('s47', '2019-03-11T11:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'Neglect substantiated' });
    await act('c', '2019-03-25T10:00:00Z', {
      type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: [cast.agencies.socialCare], parentsParticipation: 'Attended',
      planDetails: { category: 'neglect', leadAgencyId: cast.agencies.socialCare, keyWorkerId: cast.socialWorker.id, coreGroup: [cast.socialWorker.id], outlinePlan: 'Support', contingencyPlan: 'Review' },
    });
    const heldJack = await make({ kind: 'child', names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: jackBorn, sex: 'male', addresses: [home] });
    await addRelationship(sw, heldJack.id, { relatedPersonId: donna.id, type: 'parent' });
    jacksHeldBySocialCare = async () => (await db.query("SELECT 1 FROM person p JOIN person_name n ON n.person_id = p.id WHERE p.agency_id = $1 AND n.given_names = 'Jack'", [cast.agencies.socialCare])).rowCount;
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

  step('the duty social worker accepts the referral onto the Jack the authority already holds, and is shown the earlier history', async () => {
    await j.signOut();
    await j.signIn(cast.socialWorker.email);
    await j.click('Referrals', 'link');
    await j.click('Jack Carver', 'link');
    expect(await p.locator('main').innerText()).toContain('Your agency may already hold this child');
    const offered = p.getByRole('group', { name: 'Which entry is the child?' });
    expect(await offered.innerText()).toContain('None of these: add a new entry from the referral');
    await offered.getByLabel(new RegExp(`Jack Carver, born ${ukDate(jackBorn)}`)).check();
    await j.click('Accept and open an episode');
    expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('an episode opened');
    const history = await p.locator('#earlier-plans ~ table').first().innerText();
    expect(history).toContain('Kayla Carver, born 3 September 2012');
    expect(history).toContain('Neglect plan from 25 March 2019');
    // Accepted onto the entry the authority held: no second Jack.
    expect(await jacksHeldBySocialCare()).toBe(1);
    await j.signOut();
    await j.signIn(cast.lead.email);
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
