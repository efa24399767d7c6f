import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgency, createPartnership } from '../../src/partnership/partnership.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { Services } from '../../src/shared/context.ts';
import { useTestDb } from '../db.ts';
import { Journey, launchChromium, staff, startApp, type Running } from './harness.ts';

/**
 * Issue 19, item 4 in Chromium: a partnership administrator adds an agency with its codes, makes a
 * FHIR token for an emergency department and sees it once, then revokes it (the setting's next
 * call is refused); the authority's administrator sets its flag contacts and webhook and sees the
 * signing secret once. axe-core checks every page.
 */
describe('administration, in Chromium', () => {
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

  it('sets up an agency and a FHIR token, revokes the token, and sets the authority’s flag contacts', async () => {
    const clock = fixedClock(new Date().toISOString());
    const s: Services = { db: t.db(), clock };
    const north = (await createPartnership(s, { name: 'Northshire Safeguarding Children Partnership', nation: 'england-and-wales' })).id;
    const csc = (await createAgency(s, { name: 'Northshire Children’s Services', type: 'childrens_social_care', partnershipIds: [north] })).id;
    const pa = await staff(s, csc, 'Priya Natarajan', ['partnership_administrator']);
    const admin = await staff(s, csc, 'Dee Mensah', ['administrator']);

    running = await startApp(s);
    const context = await browser.newContext({ baseURL: running.url });
    const j = new Journey(await context.newPage(), running.url);
    const p = j.page;
    const main = (): Promise<string> => p.locator('main').innerText();
    try {
      await j.signIn(pa.email);
      await j.click('Administration', 'link');
      expect(await j.heading()).toBe('Administration');
      await j.click('Partnerships and their agencies', 'link');
      await j.click('Northshire Safeguarding Children Partnership', 'link');

      // A bad ODS code is named in the error summary; then the agency is added with good codes.
      await p.getByLabel('Name of the agency').fill('Northshire General Hospital');
      await p.getByLabel('Kind of agency').selectOption({ label: 'Hospital' });
      await p.getByLabel('ODS code (optional)').fill('RX-1');
      await j.click('Add agency');
      expect(await p.locator('.govuk-error-summary').innerText()).toContain('Enter an ODS code of 3 to 10 letters and digits');
      await p.getByLabel('ODS code (optional)').fill('rx1');
      await j.click('Add agency');
      expect(await main()).toContain('The agency has been added to the partnership.');
      const row = await p.getByRole('row', { name: /Northshire General Hospital/ }).innerText();
      expect(row).toContain('RX1');

      // The authority's own local authority code.
      await j.click('Change Northshire Children’s Services', 'link');
      await p.getByLabel('Local authority code').fill('931');
      await j.click('Save changes');
      expect(await main()).toContain('The agency has been updated.');
      expect(await p.getByRole('row', { name: /Northshire Children’s Services/ }).innerText()).toContain('931');

      // A FHIR token for the emergency department: shown once, with how to use it.
      await j.goto('/admin');
      await j.click('FHIR tokens for health settings', 'link');
      await p.getByLabel('Name of the setting').fill('Northshire General emergency department');
      await p.getByLabel('Kind of setting').selectOption({ label: 'Emergency department' });
      await p.getByLabel('ODS code (optional)').fill('RX1');
      await j.click('Make token');
      const token = (await p.locator('#fhir-token').innerText()).trim();
      expect(token).toMatch(/^jsf_/);
      expect(await main()).toContain(`Authorization: Bearer ${token}`);
      const flagSearch = `${running.url}/fhir/r4/Flag?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919`;
      expect((await fetch(flagSearch, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

      await j.goto('/admin/fhir-tokens');
      expect(await main()).not.toContain(token);
      await j.click(/^Revoke the token for Northshire General emergency department/, 'link');
      expect(await j.heading()).toBe('Revoke the token for Northshire General emergency department?');
      await j.click('Revoke the token');
      expect(await main()).toContain('The token has been revoked.');
      expect((await fetch(flagSearch, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
      await j.signOut();

      // The authority's administrator: flag contacts and the webhook, and the signing secret once.
      await j.signIn(admin.email);
      await j.click('Administration', 'link');
      await j.click('Flag contacts and notifications', 'link');
      await p.getByLabel('Office-hours telephone number').fill('01632 960000');
      await p.getByLabel('Out-of-hours telephone number').fill('01632 960111');
      await p.getByLabel('E-mail address for notifications (optional)').fill('duty@northshire.example');
      await p.getByLabel('Webhook address (optional)').fill('http://192.168.1.20/jigsaw');
      await j.click('Save');
      expect(await p.locator('.govuk-error-summary').innerText()).toMatch(/webhook|address/i);
      await p.getByLabel('Webhook address (optional)').fill('https://cms.northshire.example/jigsaw');
      await j.click('Save');
      const secret = (await p.locator('#signing-secret').innerText()).trim();
      expect(secret).toMatch(/^jsw_/);
      await j.goto('/admin/flag-settings');
      expect(await main()).not.toContain(secret);
      await j.click('Replace the signing secret', 'link');
      await j.click('Replace the signing secret');
      const replaced = (await p.locator('#signing-secret').innerText()).trim();
      expect(replaced).toMatch(/^jsw_/);
      expect(replaced).not.toBe(secret);
      expect(j.consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
