import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadActor } from '../../src/auth/auth.ts';
import { updateFlagSettings } from '../../src/flags/flags.ts';
import { childOnPlan } from '../../src/flags/testing.ts';
import { createAgency, createPartnership } from '../../src/partnership/partnership.ts';
import { createPerson } from '../../src/people/people.ts';
import { NewPerson } from '../../src/people/schemas.ts';
import { addRecord } from '../../src/records/records.ts';
import { NewRecord } from '../../src/records/schemas.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { ActorContext, Services } from '../../src/shared/context.ts';
import { useTestDb } from '../db.ts';
import { Journey, launchChromium, staff, startApp, type Running } from './harness.ts';

/**
 * Flags for health settings in the browser: a child is on a child protection plan; a doctor in an
 * emergency department looks her up by NHS number (the flag and the authority's numbers, none of
 * her records), then by name, date of birth and postcode (candidates only); a mistyped NHS number
 * is caught; the authority's social worker sees that the child was seen and acknowledges it. An
 * unknown address gets the HTML "Page not found". axe-core checks every page on the way.
 */
describe('flags for health settings, in Chromium', () => {
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

  const choose = async (j: Journey, group: string | RegExp, option: string | RegExp): Promise<void> => {
    await j.page.getByRole('group', { name: group }).getByLabel(option, { exact: typeof option === 'string' }).check();
  };
  const focused = async (j: Journey): Promise<string> => j.page.evaluate(() => {
    const el = document.activeElement;
    return el ? `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.classList.contains('govuk-error-summary') ? '.govuk-error-summary' : ''}` : '';
  });

  it('a doctor looks a child on a plan up by NHS number and by name, date of birth and postcode; the authority acknowledges that she was seen and records that she is looked after; an unknown address is a GOV.UK 404', async () => {
    // The clock starts now (the pages' session warning runs on the browser's clock) and moves forward as the plan is made.
    const clock = fixedClock(new Date().toISOString());
    const s: Services = { db: t.db(), clock };
    const p0 = (await createPartnership(s, { name: 'Northshire Safeguarding Children Partnership', nation: 'england-and-wales' })).id;
    const csc = (await createAgency(s, { name: "Northshire Children's Social Care", type: 'childrens_social_care', partnershipIds: [p0] })).id;
    const hospital = (await createAgency(s, { name: 'Southdown General Hospital', type: 'hospital', partnershipIds: [p0] })).id;
    const school = (await createAgency(s, { name: 'Riverside Primary School', type: 'school', partnershipIds: [p0] })).id;
    const worker = await staff(s, csc, 'Rachel Dunn', ['social_worker']);
    const admin = await staff(s, csc, 'Olu Adebayo', ['administrator']);
    const doctor = await staff(s, hospital, 'Sam Okoye', ['practitioner']);
    const teacher = await staff(s, school, 'Amira Shah', ['practitioner']);
    const as = async (id: string): Promise<ActorContext> => ({ ...s, actor: (await loadActor(s.db, id))! });
    const workerCtx = await as(worker.id);
    await updateFlagSettings(await as(admin.id), { officeHoursPhone: '01632 960000', outOfHoursPhone: '07700 900999' });
    const lily = await createPerson(workerCtx, NewPerson.parse({
      kind: 'child', names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2021-11-20', sex: 'female', nhsNumber: '9990000018',
      addresses: [{ line1: 'Flat 9, Carlton House', town: 'Northshire', postcode: 'NS7 5JH' }],
    }));
    const secret = 'Bruising to the left arm seen on a home visit';
    await addRecord(workerCtx, lily.id, NewRecord.parse({
      kind: 'observation', occurredAt: clock.now().toISOString(), summary: secret, categories: ['neglect'], factOrOpinion: 'fact',
      reportedOrWitnessed: 'witnessed', source: { type: 'practitioner' }, confidential: true,
    }));
    await childOnPlan(workerCtx, clock, lily.id, { cscId: csc });

    running = await startApp(s);
    const context = await browser.newContext({ baseURL: running.url });
    const j = new Journey(await context.newPage(), running.url);
    const p = j.page;
    const main = (): Promise<string> => p.locator('main').innerText();
    try {
      // Only health practitioners are offered the lookup.
      await j.signIn(teacher.email);
      expect(await p.getByRole('link', { name: 'Flag lookup' }).count()).toBe(0);
      await j.signOut();

      await j.signIn(doctor.email);
      await j.click('Flag lookup', 'link');
      expect(await j.heading()).toBe('Look up a child’s flags');
      // The setting's name starts as the agency's; the doctor names the department.
      expect(await p.getByLabel('Your care setting').inputValue()).toBe('Southdown General Hospital');
      await p.getByLabel('Your care setting').fill('Southdown General Hospital emergency department');
      await choose(j, 'What kind of care setting is it?', 'Emergency department');
      await choose(j, 'Was the child’s attendance planned?', 'No, it is unscheduled');
      await choose(j, 'Do you have the child’s NHS number?', 'Yes');

      // A mistyped NHS number: the error summary takes the focus, links to the field, and what was typed stays.
      await p.getByLabel('NHS number').fill('999 000 0017');
      await j.click('Look up flags');
      expect(await p.title()).toMatch(/^Error: /);
      expect(await focused(j)).toContain('.govuk-error-summary');
      expect(await p.locator('.govuk-error-summary__list a').allInnerTexts()).toEqual(['This NHS number is not valid: its check digit is wrong']);
      expect(await p.getByLabel('NHS number').inputValue()).toBe('999 000 0017');
      expect(await p.getByLabel('Your care setting').inputValue()).toBe('Southdown General Hospital emergency department');
      await p.locator('.govuk-error-summary__list a').first().click();
      expect(await focused(j)).toBe('input#nhsNumber');
      // No personal data in the address.
      expect(new URL(p.url()).pathname).toBe('/flags/lookup');
      expect(new URL(p.url()).search + new URL(p.url()).hash).not.toMatch(/999/);

      await p.getByLabel('NHS number').fill('999 000 0018');
      await j.click('Look up flags');
      expect(await j.heading()).toBe('Flags for NHS number 999 000 0018');
      const found = await main();
      expect(found).toContain('Subject to child protection plan');
      expect(found).toContain('Active');
      expect(found).toContain("Northshire Children's Social Care");
      expect(found).toContain('01632 960000');
      expect(found).toContain('07700 900999');
      // The flag and whom to call: nothing of the child's records, not even her name.
      expect(found).not.toContain(secret);
      expect(found).not.toMatch(/Lily|Fletcher|Carlton/);
      expect(await p.title()).not.toMatch(/999|Lily|Fletcher/);

      // No NHS number: name, date of birth and postcode give candidates, never one certain answer.
      await j.click('Look up another child');
      await p.getByLabel('Your care setting').fill('Southdown General Hospital emergency department');
      await choose(j, 'What kind of care setting is it?', 'Emergency department');
      await choose(j, 'Was the child’s attendance planned?', 'Yes, it is scheduled care');
      await choose(j, 'Do you have the child’s NHS number?', 'No, I will give their name, date of birth and postcode');
      // Missing and future answers first.
      await p.getByLabel('Given name').fill('Lilly');
      await p.getByLabel('Day').fill('20');
      await p.getByLabel('Month').fill('11');
      await p.getByLabel('Year').fill(String(new Date().getUTCFullYear() + 1));
      await j.click('Look up flags');
      expect(await p.locator('.govuk-error-summary__list a').allInnerTexts()).toEqual(['Enter the family name', 'Date of birth must be today or in the past', 'Enter the full postcode']);
      expect(await p.getByLabel('Given name').inputValue()).toBe('Lilly');
      await p.getByLabel('Family name').fill('Fletcher');
      await p.getByLabel('Year').fill('2021');
      await p.getByLabel('Postcode', { exact: true }).fill('ns7 5jh');
      await j.click('Look up flags');
      expect(await j.heading()).toBe('Possible matches for Lilly Fletcher');
      const candidates = await main();
      expect(candidates).toContain('These are candidates, not a confirmed identity');
      expect(candidates).toContain('Possible match 1 of 1');
      expect(candidates).toContain('A similar name: check it carefully');
      expect(candidates).toContain('Subject to child protection plan');
      expect(candidates).toContain('07700 900999');
      expect(candidates).not.toContain(secret);
      await j.signOut();

      // The authority: the unscheduled attendance waits in My tasks and on its own page.
      await j.signIn(worker.email);
      await j.click('1 notification to acknowledge', 'link');
      expect(await j.heading()).toBe('Children seen in unscheduled care');
      const queue = await p.locator('#seen-notifications').innerText();
      expect(queue).toContain('Southdown General Hospital emergency department');
      expect(queue).toContain('To acknowledge');
      await j.click(/^Lily Fletcher/, 'link');
      const seen = await main();
      expect(seen).toContain('Emergency department');
      expect(seen).toMatch(/Unscheduled attendances in the last 12 months\s+1/);
      expect(seen).toContain('Shown here only');
      // Personal data stays out of the address and the title.
      expect(p.url()).not.toMatch(/lily|fletcher/i);
      expect(await p.title()).not.toMatch(/Lily|Fletcher/);
      await p.getByLabel('What you did (optional)').fill('Called the emergency department; visit tomorrow');
      await j.click('Acknowledge');
      expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('The notification has been acknowledged');
      expect(await main()).toContain('By Rachel Dunn');
      expect(await main()).toContain('Called the emergency department; visit tomorrow');

      // The authority records that Lily is now looked after, from her page; health settings will see that flag too.
      await j.click('Lily Fletcher', 'link');
      await j.click('Record that the child is looked after', 'link');
      await j.click('Record looked after');
      expect(await p.locator('.govuk-error-summary__list a').allInnerTexts()).toEqual(['Select the legal basis']);
      await choose(j, 'On what legal basis?', 'Care order (Children Act 1989, section 31)');
      await j.click('Record looked after');
      expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('The child is recorded as looked after');
      expect(await p.locator('#current-flags').innerText()).toContain('Looked after child');
      await j.click('Children seen', 'link');
      expect(await main()).toContain('There is nothing to acknowledge.');
      await j.click('All, including acknowledged', 'link');
      expect(await p.locator('#seen-notifications').innerText()).toContain('Acknowledged');

      // An unknown address: the GOV.UK page, signed in or not; the API and FHIR keep their JSON.
      const missing = await p.goto(new URL('/no-such-page', running.url).toString());
      expect(missing?.status()).toBe(404);
      await j.axe();
      expect(await j.heading()).toBe('Page not found');
      expect(await p.locator('#who-am-i').innerText()).toContain('Rachel Dunn');
      const api = await p.request.get('/api/v1/no-such-thing', { headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(api.status()).toBe(404);
      expect(api.headers()['content-type']).toMatch(/^application\/problem\+json/);
      const fhir = await p.request.get('/fhir/r4/NoSuchThing', { headers: { accept: 'text/html' } });
      // FHIR asks for its system token before anything else; either way, never a page.
      expect(fhir.ok()).toBe(false);
      expect(fhir.headers()['content-type']).not.toMatch(/text\/html/);
      await j.goto('/tasks');
      await j.signOut();
      const signedOut = await p.goto(new URL('/no-such-page', running.url).toString());
      expect(signedOut?.status()).toBe(404);
      await j.axe();
      expect(await j.heading()).toBe('Page not found');

      expect(j.consoleErrors.filter((e) => !e.includes('/no-such-page'))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
