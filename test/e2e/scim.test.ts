import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgency, createPartnership } from '../../src/partnership/partnership.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { Services } from '../../src/shared/context.ts';
import { useTestDb } from '../db.ts';
import { Journey, launchChromium, staff, startApp, type Running } from './harness.ts';

/**
 * SCIM provisioning in the browser: an administrator makes a token on /admin/scim (axe on every
 * page), the identity provider uses it over HTTP to find a teacher already in Jigsaw and switch her
 * off — her open tab lands on the sign-in page at its next request — and the administrator revokes
 * the token.
 */
describe('SCIM provisioning, in Chromium', () => {
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

  it('an administrator makes a token, the identity provider switches a leaver off with it, and the token is revoked', async () => {
    const s: Services = { db: t.db(), clock: fixedClock(new Date().toISOString()) };
    const p = (await createPartnership(s, { name: 'Northshire Safeguarding Children Partnership', nation: 'england-and-wales' })).id;
    const school = (await createAgency(s, { name: 'Riverside Primary School', type: 'school', partnershipIds: [p] })).id;
    const admin = await staff(s, school, 'Olu Adebayo', ['administrator']);
    const teacher = await staff(s, school, 'Amira Shah', ['practitioner']);
    running = await startApp(s);
    // The administrator on a phone's width (390 px): the page must fit it without scrolling sideways.
    const j = new Journey(await (await browser.newContext({ baseURL: running.url, viewport: { width: 390, height: 844 } })).newPage(), running.url);
    const teacherTab = new Journey(await (await browser.newContext({ baseURL: running.url })).newPage(), running.url);
    const page = j.page;
    const fits = async (): Promise<void> => expect(await page.evaluate(() => document.documentElement.scrollWidth), page.url()).toBeLessThanOrEqual(390);
    const scim = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${running!.url}/scim/v2${path}`, {
        method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (res.status === 204 ? undefined : await res.json()) as Record<string, unknown> };
    };

    await teacherTab.signIn(teacher.email);
    await teacherTab.goto('/tasks');

    await j.signIn(admin.email);
    await j.goto('/admin');
    await j.click('Automatic provisioning (SCIM)', 'link');
    expect(await j.heading()).toBe('Provisioning from your identity provider (SCIM)');
    await page.getByLabel('Practitioner', { exact: true }).uncheck();
    await j.click('Make token');
    expect(await page.locator('.govuk-error-summary__list a').allInnerTexts()).toEqual(['Enter a name for the token, such as “Entra ID provisioning”', 'Choose at least one role']);
    await page.getByLabel('What it is for').fill('Entra ID provisioning');
    await page.getByLabel('Practitioner', { exact: true }).check();
    await j.click('Make token');
    const token = (await page.locator('#scim-token').innerText()).trim();
    expect(token).toMatch(/^jsc_/);
    expect(await page.locator('#scim-tenant-url').innerText()).toMatch(/\/scim\/v2$/);
    await fits();

    // The identity provider finds the teacher by her address and switches her off (Entra ID's shapes).
    const found = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${teacher.email}"`)}`, token);
    expect(found.body.totalResults).toBe(1);
    const id = (found.body.Resources as { id: string }[])[0]!.id;
    const off = await scim('PATCH', `/Users/${id}`, token, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    expect(off.status).toBe(200);
    await teacherTab.page.reload({ waitUntil: 'load' });
    expect(new URL(teacherTab.page.url()).pathname).toBe('/sign-in');
    await teacherTab.axe();

    await j.goto('/admin/scim');
    expect(await page.locator('main').innerText()).toContain('Entra ID provisioning');
    await fits();
    await j.click(/^Revoke/);
    expect(await page.locator('.govuk-notification-banner--success').innerText()).toContain('Token revoked');
    await fits();
    expect((await scim('GET', '/Users', token)).status).toBe(401);
    expect(j.consoleErrors).toEqual([]);
  });
});
