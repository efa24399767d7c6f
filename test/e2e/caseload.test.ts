import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseloadWorld, PASSWORD } from '../caseload-world.ts';
import { useTestDb } from '../db.ts';
import { Journey, launchChromium, startApp, type Running } from './harness.ts';

/**
 * "My children" in the browser (issue 17): the social worker opens her caseload from the header,
 * sees what needs attention first with every child named, and follows a row to the child; the
 * health visitor sees the child she monitors and the missed check. axe-core checks every page.
 */
describe('My children, in Chromium', () => {
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

  it('the social worker opens My children from the header and goes from a row to the child; the health visitor sees the check she missed', async () => {
    const w = await caseloadWorld(t.db());
    running = await startApp(w.s);
    const context = await browser.newContext({ baseURL: running.url });
    const j = new Journey(await context.newPage(), running.url);
    const p = j.page;
    const rowTexts = async (): Promise<string[]> => (await p.locator('main tbody tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim());
    try {
      await j.signIn(w.worker.email, PASSWORD);
      await j.click('My children', 'link');
      expect(await j.heading()).toBe('My children');
      expect(new URL(p.url()).pathname).toBe('/my-children');
      const rows = await rowTexts();
      expect(rows.map((r) => r.split(' ').slice(0, 2).join(' '))).toEqual(["Ava O'Neill,", 'Unborn baby', 'Ben Carter,', 'Adam Zane,', 'Cara Jones,']);
      expect(rows[0]).toContain("Ava O'Neill, born 4 April 2022");
      expect(rows[0]).toMatch(/Overdue .* was due 2 December 2026/);
      expect(rows[1]).toContain('Unborn baby of Natasha Reed, due 20 February 2027');
      expect(rows[1]).toContain('Due today');
      expect(rows[2]).toContain('New information shared with you on 8 December 2026');

      await j.click("Ava O'Neill, born 4 April 2022", 'link');
      expect(new URL(p.url()).pathname).toBe(`/people/${w.ava.id}`);
      expect(await p.locator('main').innerText()).toContain("Ava O'Neill");
      await j.signOut();

      await j.signIn(w.healthVisitor.email, PASSWORD);
      await j.click('My children', 'link');
      const hv = await rowTexts();
      expect(hv).toHaveLength(1);
      expect(hv[0]).toMatch(/^Lily Fletcher, born 20 June 2026 You are monitoring Overdue Monitoring check: See Lily at home and weigh her was due 4 December 2026$/);
      expect(j.consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
