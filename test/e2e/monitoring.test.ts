import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadActor } from '../../src/auth/auth.ts';
import { addDays, londonDate } from '../../src/calendar/working-days.ts';
import { createAgency, createPartnership } from '../../src/partnership/partnership.ts';
import { createPerson } from '../../src/people/people.ts';
import { NewPerson } from '../../src/people/schemas.ts';
import { openEpisode, recordEpisodeAction } from '../../src/process/episodes.ts';
import { raiseMissedCheckAlerts } from '../../src/process/missed-checks.ts';
import { addRecord } from '../../src/records/records.ts';
import { NewRecord } from '../../src/records/schemas.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { ActorContext, Services } from '../../src/shared/context.ts';
import { ukDate } from '../../src/web/view.ts';
import { useTestDb } from '../db.ts';
import { Journey, launchChromium, staff, startApp, type Running } from './harness.ts';

/**
 * Issue 17, item 4 in Chromium (case example 8): a case with no-access visits is closed on the
 * page with the health visitor named to monitor; she opens the closure notice from her tasks and
 * acknowledges it with a note, records a check on the arrangement page; a fortnight and more on,
 * the missed check names the child to her, her safeguarding lead and the social worker who closed
 * the case, and cannot be cleared without a check or a reason. axe-core checks every page.
 */
describe('monitoring after closure, in Chromium', () => {
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

  it('the health visitor acknowledges the closure and records a check; the missed check reaches her, her lead and the social worker, and needs a check or a reason', async () => {
    // The clock starts now (the pages' session warning runs on the browser's clock) and is moved on for the missed check.
    const clock = fixedClock(new Date().toISOString());
    const s: Services = { db: t.db(), clock };
    const p0 = (await createPartnership(s, { name: 'Northshire Safeguarding Children Partnership', nation: 'england-and-wales' })).id;
    const csc = (await createAgency(s, { name: "Northshire Children's Social Care", type: 'childrens_social_care', partnershipIds: [p0] })).id;
    const health = (await createAgency(s, { name: 'Northshire Health Visiting Service', type: 'health_visiting', partnershipIds: [p0] })).id;
    const worker = await staff(s, csc, 'Rachel Dunn', ['social_worker']);
    const hv = await staff(s, health, 'Joanne Pike', ['practitioner']);
    const hvLead = await staff(s, health, 'Nadia Osei', ['safeguarding_lead']);
    const as = async (id: string): Promise<ActorContext> => ({ ...s, actor: (await loadActor(s.db, id))! });
    const workerCtx = await as(worker.id);
    const hvCtx = await as(hv.id);
    const daysAgo = (n: number): string => new Date(clock.now().getTime() - n * 86_400_000).toISOString();

    const child = NewPerson.parse({ kind: 'child', names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2021-11-20', sex: 'female' });
    const lily = await createPerson(workerCtx, child);
    const hvLily = await createPerson(hvCtx, child);
    await s.db.query('INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at) VALUES ($1,$2,$3,$4,$5)', [randomUUID(), lily.id, hvLily.id, worker.id, daysAgo(30)]);
    const episode = await openEpisode(workerCtx, { idempotencyKey: 'e2e-referral', childPersonId: lily.id, receivedAt: daysAgo(25), channel: 'written', allocatedWorkerId: worker.id });
    await recordEpisodeAction(workerCtx, episode.id, { idempotencyKey: 'e2e-decided', occurredAt: daysAgo(24), action: { type: 'referral_decided', outcome: 'assessment', reasons: 'The midwife is worried' } });
    for (const n of [20, 10]) {
      await addRecord(workerCtx, lily.id, NewRecord.parse({
        kind: 'home_visit', outcome: 'no_access', occurredAt: daysAgo(n), summary: 'No reply at the door', categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: { type: 'practitioner' }, confidential: false,
      }));
    }

    running = await startApp(s);
    const context = await browser.newContext({ baseURL: running.url });
    const j = new Journey(await context.newPage(), running.url);
    const p = j.page;
    const main = (): Promise<string> => p.locator('main').innerText();
    const LILY = 'Lily Fletcher, born 20 November 2021';
    const today = londonDate(clock.now());
    try {
      // The social worker closes the case on the page, naming the health visitor (not only her service).
      await j.signIn(worker.email);
      await j.goto(`/episodes/${episode.id}`);
      expect(await main()).toMatch(/Home visits with no access\s+2/);
      await j.click('Close the case', 'link');
      await p.getByLabel('Reasons for closing the case').fill('Assessment found no grounds for further involvement');
      await p.getByRole('group', { name: 'Which agency will monitor the child?' }).getByLabel('Northshire Health Visiting Service', { exact: true }).check();
      await p.getByLabel('Who will make the checks?').selectOption({ label: 'Joanne Pike, Northshire Health Visiting Service' });
      await p.getByLabel('What will be checked').fill('See Lily at home and weigh her');
      await p.getByLabel('Every how many days?').fill('14');
      const until = p.getByRole('group', { name: 'Until when?' });
      const [y, m, d] = addDays(today, 90).split('-');
      await until.getByLabel('Day').fill(String(Number(d)));
      await until.getByLabel('Month').fill(String(Number(m)));
      await until.getByLabel('Year').fill(y!);
      await j.click('Continue');
      expect(await main()).toContain('Joanne Pike, Northshire Health Visiting Service');
      await j.click('Record it');
      expect(await main()).toContain('No, closed');
      await j.signOut();

      // The health visitor opens the closure notice from her tasks: the child, why, who monitors, what and when.
      await j.signIn(hv.email);
      await j.goto('/tasks');
      const closures = p.locator('h2#closure-notices + ul');
      expect(await closures.innerText()).toContain(LILY);
      await j.click(/Read and acknowledge the closure notice/, 'link');
      expect(await j.heading()).toBe('A case has been closed with monitoring');
      const notice = await main();
      expect(notice).toContain(LILY);
      expect(notice).toContain('2 home visits with no access');
      expect(notice).toContain('Joanne Pike, Northshire Health Visiting Service');
      expect(notice).toContain('See Lily at home and weigh her');
      expect(notice).toContain(`Every 14 days, from ${ukDate(today)}`);
      expect(notice).toContain(ukDate(addDays(today, 14)));
      await p.getByLabel('Note for the agency that closed the case (optional)').fill('First home visit booked');
      await j.click('Acknowledge the closure');
      expect(await main()).toContain('The closure notice has been acknowledged');
      expect(await main()).toContain('First home visit booked');

      // On the arrangement page she records a check: seen, where, a note, today.
      await j.click('See the monitoring arrangement and its checks', 'link');
      expect(await j.heading()).toBe('Monitoring arrangement');
      await p.getByRole('group', { name: 'Was the child seen?' }).getByLabel('Seen: the check was made').check();
      await p.getByLabel('Where (optional)').fill('At home');
      await p.getByLabel('Note of the check').fill('Lily seen and weighed; mother engaging');
      await j.click('Record the check');
      expect(await main()).toContain('The check has been recorded');
      expect(await main()).toContain('At home: Lily seen and weighed; mother engaging');
      const arrangementPath = new URL(p.url()).pathname;
      await j.signOut();

      // The fortnight passes, and two days more, with no check: the sweep raises a missed check.
      clock.set(new Date(clock.now().getTime() + 16 * 86_400_000).toISOString());
      await raiseMissedCheckAlerts(s, clock.now());
      const due = ukDate(addDays(today, 14));
      for (const who of [hvLead, worker]) {
        await j.signIn(who.email);
        await j.goto('/tasks');
        const missed = await p.locator('h2#missed-checks ~ ul').first().innerText();
        expect(missed, who.name).toContain(LILY);
        expect(missed).toContain(`due ${due}`);
        await j.click(/Open the monitoring arrangement/, 'link');
        expect(new URL(p.url()).pathname).toBe(arrangementPath);
        expect(await main()).toContain(LILY);
        await j.signOut();
      }

      await j.signIn(hv.email);
      await j.goto('/tasks');
      expect(await p.locator('h2#missed-checks ~ ul').first().innerText()).toContain(LILY);
      await j.click(/Open the monitoring arrangement/, 'link');
      // No click alone clears it: without a reason it is refused, and stays.
      await j.click('Clear the missed check with this reason');
      expect(await p.locator('.govuk-error-summary__list a').allInnerTexts()).toEqual(['Give the reason the check was missed, or record the check instead']);
      await j.goto('/tasks');
      expect(await p.locator('h2#missed-checks ~ ul').first().innerText()).toContain(LILY);
      // Recording the check clears it.
      await j.goto(arrangementPath);
      await p.getByRole('group', { name: 'Was the child seen?' }).getByLabel('Seen: the check was made').check();
      await p.getByLabel('Note of the check').fill('Seen at clinic; weight steady');
      await j.click('Record the check');
      expect(await main()).toContain('cleared when the check was recorded by Joanne Pike');
      await j.goto('/tasks');
      expect(await main()).not.toContain('Missed monitoring checks');
      expect(j.consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
