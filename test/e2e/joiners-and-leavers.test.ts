import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadActor } from '../../src/auth/auth.ts';
import { codeAt } from '../../src/auth/two-factor/totp.ts';
import { confirmSetUp, startSetUp } from '../../src/auth/two-factor/two-factor.ts';
import { createAgency, createPartnership } from '../../src/partnership/partnership.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { Services } from '../../src/shared/context.ts';
import { useTestDb } from '../db.ts';
import { openMailbox } from '../people/mailbox.ts';
import { Journey, launchChromium, staff, startApp, type Running } from './harness.ts';

/**
 * Issue 19, joiners and leavers in Chromium, with two-factor authentication required as `jigsaw
 * serve` has it and the partnership requiring it of everyone: an administrator (set up already)
 * invites a practitioner on the pages; the invitation arrives at a real SMTP receiver; she opens its
 * link, chooses her password, is sent to set up her authenticator app, signs out and back in with a
 * code, and makes an API token. The administrator deactivates her: her open tab's next page is the
 * sign-in page and her token gets 401. axe-core checks every page either of them sees.
 */
describe('joiners and leavers, in Chromium', () => {
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

  it('invited by e-mail, she sets her password, sets up two-factor and signs in with a code; deactivated, her open tab and her token stop at once', async () => {
    const clock = fixedClock(new Date().toISOString());
    const s: Services = { db: t.db(), clock };
    const p0 = (await createPartnership(s, { name: 'Northshire Safeguarding Children Partnership', nation: 'england-and-wales' })).id;
    const csc = (await createAgency(s, { name: "Northshire Children's Social Care", type: 'childrens_social_care', partnershipIds: [p0] })).id;
    const admin = await staff(s, csc, 'Olu Adebayo', ['administrator']);
    await t.db().query('UPDATE partnership SET require_two_factor = true WHERE id = $1', [p0]);
    const adminCtx = { ...s, actor: (await loadActor(s.db, admin.id))! };
    const { key: adminKey } = await startSetUp(adminCtx);
    await confirmSetUp(adminCtx, codeAt(adminKey, clock.now()));
    clock.advanceMinutes(1);
    running = await startApp(s, { twoFactor: 'required' });
    const mail = await openMailbox();
    vi.stubEnv('JIGSAW_PUBLIC_URL', running.url);

    const adminTab = new Journey(await (await browser.newContext({ baseURL: running.url })).newPage(), running.url);
    const herTab = new Journey(await (await browser.newContext({ baseURL: running.url })).newPage(), running.url);
    const a = adminTab.page;
    const her = herTab.page;
    const CHOSEN = 'kettle orbit marmalade lantern';
    try {
      // The administrator adds Priya: the page says where the invitation went, and shows no link.
      await adminTab.signIn(admin.email);
      await a.getByLabel('Enter the 6-digit code from your authenticator app').fill(codeAt(adminKey, clock.now()));
      await adminTab.click('Continue');
      await adminTab.goto('/admin/practitioners');
      expect(await a.locator('main').innerText()).toContain('We will e-mail them an invitation');
      await a.getByLabel('Name', { exact: true }).fill('Priya Raman');
      await a.getByLabel('E-mail address').fill('priya.raman@e2e.example');
      await a.getByRole('group', { name: 'Roles' }).getByLabel('Social worker', { exact: true }).check();
      await adminTab.click('Add practitioner');
      expect(await a.locator('.govuk-notification-banner').innerText()).toContain('We have sent an invitation to priya.raman@e2e.example');
      expect(await a.locator('main').innerText()).toContain('It works for 72 hours');
      expect(await a.locator('#set-password-link').count()).toBe(0);

      // The e-mail arrives; she opens its link and chooses her password.
      const [invitation] = await mail.waitFor(1);
      expect(invitation!.to).toEqual(['priya.raman@e2e.example']);
      const link = new URL(mail.linkIn(invitation!));
      await herTab.goto(link.pathname);
      expect(await herTab.heading()).toBe('Choose your password');
      await her.getByLabel('New password', { exact: true }).fill(CHOSEN);
      await her.getByLabel('Enter the new password again').fill(CHOSEN);
      await herTab.click('Set password');
      // The forgotten-password page is one link away from signing in.
      await herTab.goto('/sign-in');
      await herTab.click('Forgotten your password?', 'link');
      expect(await herTab.heading()).toBe('Reset your password');
      // An address nobody has: the same answer as for anyone's, and no e-mail.
      await her.getByLabel('E-mail address').fill('nobody@e2e.example');
      await herTab.click('Send me a link');
      expect(await herTab.heading()).toBe('Check your e-mail');
      await herTab.signIn('priya.raman@e2e.example', CHOSEN);
      // Her partnership requires a second factor: her password alone leads only to setting one up.
      expect(new URL(her.url()).pathname).toBe('/account/two-factor');
      await herTab.goto('/tasks');
      expect(new URL(her.url()).pathname).toBe('/account/two-factor');
      const key = (await her.locator('#totp-key').innerText()).replace(/\s/g, '');
      await her.getByLabel('Code from your authenticator app').fill(codeAt(key, clock.now()));
      await herTab.click('Turn on two-factor authentication');
      expect(await herTab.heading()).toBe('Save your recovery codes');
      await herTab.click('I have saved my recovery codes');
      await herTab.signOut();
      // Back in a minute later: her password, then a code from her app.
      clock.advanceMinutes(1);
      await herTab.signIn('priya.raman@e2e.example', CHOSEN);
      expect(new URL(her.url()).pathname).toBe('/sign-in/code');
      await her.getByLabel('Enter the 6-digit code from your authenticator app').fill(codeAt(key, clock.now()));
      await herTab.click('Continue');
      expect(new URL(her.url()).pathname).toBe('/tasks');
      expect(await her.locator('#who-am-i').innerText()).toContain('Priya Raman');

      // She makes an API token for a program, shown once.
      await herTab.click('Your account', 'link');
      expect(await her.locator('main').innerText()).toContain('your password and a code from your authenticator app');
      await herTab.click('Your API tokens', 'link');
      await her.getByLabel('Name', { exact: true }).fill('Case export');
      await herTab.click('Make token');
      const token = (await her.locator('#new-api-token').innerText()).trim();
      const me = (): Promise<number> => fetch(new URL('/api/v1/me', running!.url), { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
      expect(await me()).toBe(200);

      // The administrator opens her page, sees the invitation used, and deactivates her.
      await adminTab.goto('/admin/practitioners');
      await adminTab.click('Priya Raman', 'link');
      expect(await a.locator('main').innerText()).toContain('Used: they chose a password');
      expect(await a.locator('main').innerText()).toContain('Case export');
      await adminTab.click('Deactivate Priya Raman', 'link');
      expect(await adminTab.heading()).toBe('Deactivate Priya Raman');
      await adminTab.click('Deactivate');
      expect(await a.locator('.govuk-error-summary').innerText()).toContain('Say why');
      await a.getByLabel('Why are you deactivating this account?').fill('Left the agency today');
      await adminTab.click('Deactivate');
      expect(await a.locator('.govuk-notification-banner').innerText()).toContain('The account has been deactivated');

      // Her open tab's next page is the sign-in page; her token gets 401.
      await herTab.goto('/tasks');
      expect(new URL(her.url()).pathname).toBe('/sign-in');
      expect(await herTab.heading()).toBe('Sign in to Jigsaw');
      expect(await me()).toBe(401);
      expect(herTab.consoleErrors).toEqual([]);
      expect(adminTab.consoleErrors).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
