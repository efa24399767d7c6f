import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadActor } from '../../src/auth/auth.ts';
import { codeAt } from '../../src/auth/two-factor/totp.ts';
import { confirmSetUp, startSetUp } from '../../src/auth/two-factor/two-factor.ts';
import { buildApp } from '../../src/http/app.ts';
import { createAgency, createPartnership } from '../../src/partnership/partnership.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { Services } from '../../src/shared/context.ts';
import { useTestDb } from '../db.ts';
import { Journey, launchChromium, staff } from './harness.ts';

/**
 * Issue 19, item 2 in Chromium: an administrator, who must use two-factor authentication, signs in
 * with her password and is sent to set it up; she scans (here: reads) the key, confirms it with a
 * code computed as her app would, saves her recovery codes, signs out, signs in with a code, then
 * with a recovery code, and the same recovery code is refused the second time. A partnership
 * administrator's page and an administrator's reset page are visited too; axe-core checks every page.
 */
describe('two-factor authentication, in Chromium', () => {
  const t = useTestDb();
  let browser: Browser;
  let app: FastifyInstance | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('an administrator sets it up, signs in with a code and then with a recovery code, which works once', async () => {
    // The clock starts now (the pages' session warning runs on the browser's clock); it moves on a minute before each code, as a person's would.
    const clock = fixedClock(new Date().toISOString());
    const s: Services = { db: t.db(), clock };
    const p0 = (await createPartnership(s, { name: 'Northshire Safeguarding Children Partnership', nation: 'england-and-wales' })).id;
    const school = (await createAgency(s, { name: 'Northshire Academy', type: 'school', partnershipIds: [p0] })).id;
    const admin = await staff(s, school, 'Grace Okafor', ['administrator']);
    const teacher = await staff(s, school, 'Tom Bright', ['practitioner']);
    const partnershipAdmin = await staff(s, school, 'Priya Shah', ['partnership_administrator']);
    app = await buildApp({ services: s, auth: { sessionIdleMinutes: 30, sessionMaxHours: 12, signInMaxFailures: 5, signInWindowMinutes: 15, twoFactor: 'required' } });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });

    const context = await browser.newContext();
    const j = new Journey(await context.newPage(), base);
    const page = j.page;

    // A password alone: sent to set up two-factor authentication, whatever page she asks for.
    await j.signIn(admin.email);
    expect(new URL(page.url()).pathname).toBe('/account/two-factor');
    await j.goto('/admin');
    expect(new URL(page.url()).pathname).toBe('/account/two-factor');
    await expect(page.getByRole('img', { name: 'QR code to scan with your authenticator app' }).count()).resolves.toBe(1);
    const key = (await page.locator('#totp-key').innerText()).replace(/\s/g, '');

    // A wrong code first: the error summary and the field say so.
    await page.getByLabel('Code from your authenticator app').fill('000000');
    await j.click('Turn on two-factor authentication');
    await expect(page.locator('.govuk-error-summary').innerText()).resolves.toContain('The code is not right');
    await page.getByLabel('Code from your authenticator app').fill(codeAt(key, clock.now()));
    await j.click('Turn on two-factor authentication');
    expect(await j.heading()).toBe('Save your recovery codes');
    const codes = (await page.locator('#recovery-codes li').allInnerTexts()).map((c) => c.trim());
    expect(codes).toHaveLength(10);
    await j.click('I have saved my recovery codes');
    await expect(page.locator('.govuk-notification-banner').innerText()).resolves.toContain('Two-factor authentication is on');

    // The same session now reaches everything; her colleague's page shows no second factor yet.
    await j.goto(`/admin/practitioners/${teacher.id}/two-factor`);
    await expect(page.locator('main').innerText()).resolves.toContain('Not set up');
    await j.signOut();

    // A code from the app, a minute later.
    clock.advanceMinutes(1);
    await j.signIn(admin.email);
    expect(new URL(page.url()).pathname).toBe('/sign-in/code');
    await page.getByLabel('Enter the 6-digit code from your authenticator app').fill(codeAt(key, clock.now()));
    await j.click('Continue');
    expect(new URL(page.url()).pathname).toBe('/tasks');
    await j.signOut();

    // A recovery code instead.
    await j.signIn(admin.email);
    await j.click('Use a recovery code instead', 'link');
    await page.getByLabel('Enter a recovery code').fill(codes[0]!);
    await j.click('Continue');
    expect(new URL(page.url()).pathname).toBe('/tasks');
    await j.signOut();

    // The same recovery code again: refused.
    await j.signIn(admin.email);
    await j.click('Use a recovery code instead', 'link');
    await page.getByLabel('Enter a recovery code').fill(codes[0]!);
    await j.click('Continue');
    expect(new URL(page.url()).pathname).toBe('/sign-in/recovery-code');
    await expect(page.locator('.govuk-error-summary').innerText()).resolves.toContain('The recovery code is not right, or has been used');
    await context.close();

    // A partnership administrator (already set up) decides whether everyone must use it.
    const pa = { ...s, actor: (await loadActor(s.db, partnershipAdmin.id))! };
    const { key: paKey } = await startSetUp(pa);
    await confirmSetUp(pa, codeAt(paKey, clock.now()));
    clock.advanceMinutes(1);
    const other = await browser.newContext();
    const k = new Journey(await other.newPage(), base);
    await k.signIn(partnershipAdmin.email);
    await k.page.getByLabel('Enter the 6-digit code from your authenticator app').fill(codeAt(paKey, clock.now()));
    await k.click('Continue');
    await k.goto('/admin/two-factor');
    await expect(k.page.locator('main').innerText()).resolves.toContain('2 of 3 practitioners');
    await k.page.getByRole('radio', { name: 'Yes' }).check();
    await k.click('Save for Northshire Safeguarding Children Partnership');
    await expect(k.page.locator('.govuk-notification-banner').innerText()).resolves.toContain('saved');
    await k.goto('/account/two-factor');
    await other.close();

    expect(j.consoleErrors.concat(k.consoleErrors)).toEqual([]);
  }, 120_000);
});
