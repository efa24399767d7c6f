import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDb } from '../db.ts';
import { planWorld } from '../plan-world.ts';
import { Journey, launchChromium, staff, startApp, type Running } from './harness.ts';

/**
 * Issue 20 in the browser: the data officer opens the census page from the navigation, sees the
 * check for the year with Ava's problems (once the census rules are merged), and follows the
 * download links' addresses. axe-core checks the page.
 */
describe("the data team's census page, in Chromium", () => {
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

  it('the data officer reaches the census from the navigation and sees each child’s problems', async () => {
    const w = await planWorld(t.db());
    await t.db().query("UPDATE agency SET local_authority_code = '931' WHERE id = $1", [w.csc]);
    const officer = await staff(w.s, w.csc, 'Imogen Marsh', ['data_officer']);
    // Sessions run on the real clock; the census year is the one today falls in.
    w.clock.set(new Date().toISOString());
    running = await startApp(w.s);
    const j = new Journey(await (await browser.newContext({ baseURL: running.url })).newPage(), running.url);
    await j.signIn(officer.email);
    await j.goto('/tasks');
    expect(await j.page.locator('a[href="/returns/cin"]').count()).toBeGreaterThan(0);
    await j.goto('/returns/cin');
    expect(await j.heading()).toBe('Children in Need census');
    const main = await j.page.locator('main').innerText();
    const year = new Date().getUTCMonth() >= 3 ? new Date().getUTCFullYear() + 1 : new Date().getUTCFullYear();
    expect(main).toContain(`${year - 1} to ${year} (1 April ${year - 1} to 31 March ${year})`);
    // Ava's episode (November 2026) is in the census only in the year it falls in.
    expect(main).toMatch(/\d+ child(ren)? in the census: \d+ errors? and \d+ quer(y|ies)/);
    expect(await j.page.getByRole('link', { name: 'Download the census (XML)' }).getAttribute('href')).toBe(`/api/v1/returns/cin/census.xml?year=${year}`);
    expect(j.consoleErrors).toEqual([]);
  }, 120_000);
});
