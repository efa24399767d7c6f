import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadActor } from '../../src/auth/auth.ts';
import { londonDate } from '../../src/calendar/working-days.ts';
import { createAgency, createPartnership } from '../../src/partnership/partnership.ts';
import { createPerson } from '../../src/people/people.ts';
import { NewPerson } from '../../src/people/schemas.ts';
import { addRecord, getRecord } from '../../src/records/records.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { ActorContext, Services } from '../../src/shared/context.ts';
import { useTestDb } from '../db.ts';
import { concern } from '../fixtures.ts';
import { Journey, launchChromium, staff, startApp, type Running } from './harness.ts';

/**
 * Issue 19, item 5 in Chromium: the school's auditor finds who looked at a child, narrows the trail
 * to one practitioner's reads, downloads them as CSV, checks the chain and opens the sharing
 * report. axe-core checks every page.
 */
describe('the auditor, in Chromium', () => {
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

  it('finds who looked at a child, filters the trail, downloads it, checks the chain and opens the sharing report', async () => {
    const clock = fixedClock(new Date().toISOString());
    const s: Services = { db: t.db(), clock };
    const p0 = (await createPartnership(s, { name: 'Northshire Safeguarding Children Partnership', nation: 'england-and-wales' })).id;
    const school = (await createAgency(s, { name: 'Riverside Primary School', type: 'school', partnershipIds: [p0] })).id;
    const teacher = await staff(s, school, 'Amira Shah', ['practitioner']);
    const head = await staff(s, school, 'Dev Patel', ['practitioner']);
    const auditor = await staff(s, school, 'Grace Okafor', ['auditor']);
    const as = async (id: string): Promise<ActorContext> => ({ ...s, actor: (await loadActor(s.db, id))! });
    const teacherCtx = await as(teacher.id);
    const ava = await createPerson(teacherCtx, NewPerson.parse({ kind: 'child', names: [{ givenNames: 'Ava', familyName: 'Reed' }], dateOfBirth: '2019-04-04' }));
    const rec = await addRecord(teacherCtx, ava.id, concern({ occurredAt: clock.now().toISOString(), summary: 'Ava says she is scared to go home' }));
    await getRecord(teacherCtx, rec.id);
    await getRecord(await as(head.id), rec.id);

    running = await startApp(s);
    const context = await browser.newContext({ baseURL: running.url, acceptDownloads: true });
    const j = new Journey(await context.newPage(), running.url);
    const p = j.page;
    const main = (): Promise<string> => p.locator('main').innerText();
    try {
      await j.signIn(auditor.email);
      await j.click('Audit trail', 'link');
      expect(await j.heading()).toBe('Audit trail');
      expect(await main()).toContain('The audit trail has not been checked yet.');

      // Who looked at Ava: found by name (posted, never in the address).
      await p.getByLabel('Name or NHS number').fill('ava reed');
      await j.click('Find');
      expect(new URL(p.url()).search).toBe('');
      await j.click('who looked at them', 'link');
      expect(await j.heading()).toBe('Who looked at this child');
      const looked = await main();
      expect(looked).toContain('Ava Reed, born 4 April 2019');
      expect(looked).toContain('Amira Shah');
      expect(looked).toContain('Dev Patel');

      // Her entries in the trail, narrowed to Dev Patel's reads of a record.
      await j.click('Search these entries in the audit trail', 'link');
      await p.getByLabel('Practitioner').selectOption({ label: 'Dev Patel' });
      await p.getByLabel('Action').selectOption({ label: 'Viewed a record' });
      const today = londonDate(clock.now()).split('-');
      const from = p.getByRole('group', { name: 'From' });
      await from.getByLabel('Day').fill(String(Number(today[2])));
      await from.getByLabel('Month').fill(String(Number(today[1])));
      await from.getByLabel('Year').fill(today[0]!);
      await j.click('Search');
      const table = p.locator('table.jigsaw-audit-entries tbody tr');
      expect(await table.count()).toBe(1);
      expect(await table.first().innerText()).toMatch(/Dev Patel[\s\S]*Viewed a record[\s\S]*Ava Reed/);

      // The CSV of what is shown: the same row.
      const href = await p.getByRole('link', { name: 'Download these entries (CSV)' }).getAttribute('href');
      const csv = await p.request.get(href!);
      expect(csv.status()).toBe(200);
      expect(csv.headers()['content-type']).toContain('text/csv');
      const lines = (await csv.text()).replace(/^\uFEFF/, '').trim().split('\r\n');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(/Dev Patel,Riverside Primary School,Viewed a record,Ava Reed,Done/);

      // The chain: checked now, intact.
      await j.goto('/audit');
      await j.click('Check the chain and see its details', 'link');
      await j.click('Check the chain now');
      expect(await main()).toContain('The audit trail has been checked.');
      expect(await main()).toMatch(/The audit trail is intact up to entry \d+, checked/);

      // The sharing report for the partnership board.
      await j.click('Sharing report', 'link');
      const period = p.getByRole('group', { name: 'From' });
      await period.getByLabel('Day').fill('1');
      await period.getByLabel('Month').fill(String(Number(today[1])));
      await period.getByLabel('Year').fill(today[0]!);
      const to = p.getByRole('group', { name: 'To' });
      await to.getByLabel('Day').fill(String(Number(today[2])));
      await to.getByLabel('Month').fill(String(Number(today[1])));
      await to.getByLabel('Year').fill(today[0]!);
      await j.click('Show the report');
      expect(await main()).toContain('Decisions about sharing');
      expect(await main()).toContain('Riverside Primary School');
      expect(j.consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
