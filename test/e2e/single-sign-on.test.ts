import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endAccessInTx } from '../../src/auth/end-access.ts';
import { buildApp } from '../../src/http/app.ts';
import { createProvider, type SingleSignOnSettings } from '../../src/single-sign-on/providers.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { AUTH_SETTINGS } from '../api/helpers.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, practitioner, services } from '../fixtures.ts';
import { startTestProvider, type TestProvider } from '../oidc/test-provider.ts';
import { Journey, launchChromium, staff } from './harness.ts';

/**
 * Single sign-on in Chromium (issue 19): a real OpenID Connect provider (oidc-provider) on
 * 127.0.0.1 started by the test, its own login form, and Jigsaw's pages around it, axe-checked
 * wherever the journey lands. A registered practitioner signs in and lands on My tasks; an
 * unregistered account, a deactivated practitioner and a sign-in without a second factor (when the
 * provider requires one) are refused with a page that says why.
 */
describe('single sign-on, in Chromium', () => {
  const t = useTestDb();
  let browser: Browser;
  let idp: TestProvider | undefined;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await browser?.close();
  });

  it('signs in a registered practitioner; refuses an unregistered account, a deactivated practitioner, and a password alone when a second factor is required', async () => {
    const s = services(t.db(), systemClock);
    const p = await partnershipWith(s);
    const council = await agency(s, p, 'childrens_social_care', 'Northshire County Council');
    const admin = await practitioner(s, council, ['administrator']);
    const sue = await staff(s, council, 'Sue Social', ['social_worker']);
    const mark = await staff(s, council, 'Mark Manager', ['manager']);

    // The provider's redirect URI names Jigsaw's address, known once it listens.
    const settings: SingleSignOnSettings = { publicUrl: '' };
    const app = await buildApp({ services: s, auth: AUTH_SETTINGS, singleSignOn: settings });
    closers.push(() => app.close());
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    settings.publicUrl = url;
    idp = await startTestProvider({
      redirectUri: `${url}/sign-in/sso/callback`,
      accounts: [
        { sub: 'entra-sue', email: sue.email, email_verified: true, amr: ['pwd', 'mfa'] },
        { sub: 'entra-mark', email: mark.email, email_verified: true, amr: ['pwd'] },
        { sub: 'entra-stranger', email: 'stranger@council.example', email_verified: true, amr: ['pwd', 'mfa'] },
      ],
    });
    closers.push(() => idp!.close());
    const provider = await createProvider(admin, {
      agencyId: council, name: 'Northshire County Council (Microsoft)', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret,
      scopes: 'openid email profile', emailClaim: 'email', emailMustBeVerified: true, requireMfa: false, mfaAcrValues: [],
    });

    const contexts: BrowserContext[] = [];
    const journey = async (): Promise<Journey> => {
      const context = await browser.newContext({ baseURL: url });
      contexts.push(context);
      return new Journey(await context.newPage(), url);
    };
    /** From Jigsaw's sign-in page through the provider's login form; answers where the browser settles. */
    const signInWithProvider = async (j: Journey, account: string, settlesOn: RegExp): Promise<void> => {
      await j.goto('/sign-in');
      await j.click('Sign in with Northshire County Council (Microsoft)');
      expect(new URL(j.page.url()).origin).toBe(idp!.issuer);
      await j.page.getByLabel('Account').fill(account);
      // The callback's page moves on to My tasks by itself: wait for where it settles, then check it.
      await Promise.all([j.page.waitForURL(settlesOn, { waitUntil: 'load' }), j.page.getByRole('button', { name: 'Continue' }).click()]);
      await j.axe();
    };

    try {
      // A registered practitioner: matched by her verified e-mail address, lands on My tasks.
      const sj = await journey();
      // The callback's "You are signed in" page moves on at once: keep it to check it with axe too.
      // Taken as it arrives, before the browser acts on it (Chromium's Fetch domain, which also sees
      // the request a redirect from the provider leads to): a response's body read after the page
      // has moved on is sometimes gone already.
      let signedInPage = '';
      const cdp = await sj.page.context().newCDPSession(sj.page);
      await cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*/sign-in/sso/callback*', requestStage: 'Response' }] });
      cdp.on('Fetch.requestPaused', (e: { requestId: string; responseStatusCode?: number }) => {
        void (async () => {
          try {
            if (e.responseStatusCode === 200) {
              const { body, base64Encoded } = await cdp.send('Fetch.getResponseBody', { requestId: e.requestId });
              signedInPage = base64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
            }
          } finally {
            // Whatever happened above, the browser gets its answer (a paused request would hang the journey).
            await cdp.send('Fetch.continueRequest', { requestId: e.requestId });
          }
        })();
      });
      await signInWithProvider(sj, 'entra-sue', /\/tasks$/);
      expect(await sj.heading()).toBe('My tasks');
      expect(await sj.page.locator('body').innerText()).toContain('Sue Social');
      const signedInHtml = signedInPage;
      expect(signedInHtml).toContain('You are signed in');
      const kept = await journey();
      await kept.goto('/sign-in');
      // The same page without its refresh, on Jigsaw's origin (its stylesheet loads), checked as every page is.
      await kept.page.setContent(signedInHtml.replace(/<meta http-equiv="refresh"[^>]*>/i, ''), { waitUntil: 'load' });
      expect(await kept.heading()).toBe('You are signed in');
      await kept.axe();

      // Someone the council's directory knows but nobody added to Jigsaw.
      const stranger = await journey();
      await signInWithProvider(stranger, 'entra-stranger', /\/sign-in\/sso\/callback/);
      expect(await stranger.heading()).toBe('You cannot sign in to Jigsaw with this account');
      expect(await stranger.page.locator('main').innerText()).toContain('ask your agency’s Jigsaw administrator to add you');

      // Sue leaves: her open session ends at once (her next page is the sign-in page), and single sign-on refuses her.
      await s.db.transaction((tx) => endAccessInTx(s, tx, sue.id));
      await sj.goto('/tasks');
      expect(new URL(sj.page.url()).pathname).toBe('/sign-in');
      // Still signed in at the provider: it sends her straight back, and Jigsaw refuses.
      await sj.click('Sign in with Northshire County Council (Microsoft)');
      expect(await sj.heading()).toBe('You cannot sign in to Jigsaw with this account');
      expect(await sj.page.locator('main').innerText()).toContain('Your Jigsaw account has been switched off');

      // The council requires a second factor: a password alone at the provider is refused.
      await s.db.query('UPDATE identity_provider SET require_mfa = true WHERE id = $1', [provider.id]);
      const mj = await journey();
      await signInWithProvider(mj, 'entra-mark', /\/sign-in\/sso\/callback/);
      expect(await mj.heading()).toBe('You need to sign in with a second factor');
      const sessions = (await s.db.query<{ practitioner_id: string; method: string; amr: string[] }>('SELECT practitioner_id, method, amr FROM web_session')).rows;
      expect(sessions).toEqual([{ practitioner_id: sue.id, method: 'single_sign_on', amr: ['pwd', 'mfa'] }]);

      // Chromium logs each refusal's 403 (its status on purpose); the provider's own pages are the test's, not Jigsaw's.
      const jigsawErrors = [sj, stranger, mj].flatMap((j) => j.consoleErrors).filter((e) => !e.startsWith(idp!.issuer) && !/\/sign-in\/sso\/callback\?.*status of 403/.test(e));
      expect(jigsawErrors).toEqual([]);
    } finally {
      for (const c of contexts) await c.close();
    }
  });
  it('an administrator adds, changes and switches off the agency’s identity provider, and unlinks a practitioner’s account, on pages that pass axe', async () => {
    const s = services(t.db(), systemClock);
    const p = await partnershipWith(s);
    const council = await agency(s, p, 'childrens_social_care', 'Northshire County Council');
    const admin = await staff(s, council, 'Ada Admin', ['administrator']);
    const sue = await staff(s, council, 'Sue Social', ['social_worker']);
    const app = await buildApp({ services: s, auth: AUTH_SETTINGS, singleSignOn: { publicUrl: 'https://jigsaw.example.org' } });
    closers.push(() => app.close());
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const context = await browser.newContext({ baseURL: url });
    const j = new Journey(await context.newPage(), url);
    const page = j.page;
    try {
      await j.signIn(admin.email);
      await j.goto('/admin');
      await j.click('Single sign-on', 'link');
      expect(await j.heading()).toBe('Single sign-on');
      expect(await page.locator('main').innerText()).toContain('https://jigsaw.example.org/sign-in/sso/callback');
      await j.click('Add an identity provider');
      await page.getByLabel('Issuer URL').fill('http://login.example.com');
      await page.getByLabel('Scopes').fill('profile');
      await j.click('Add identity provider');
      expect(await page.locator('.govuk-error-summary').innerText()).toContain('The issuer URL must start with https://');
      await page.getByLabel('Name on the sign-in button').fill('Northshire County Council (Microsoft)');
      await page.getByLabel('Issuer URL').fill('https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0');
      await page.getByLabel('Client ID').fill('jigsaw-app');
      await page.getByLabel('Client secret (optional)').fill('a-client-secret');
      await page.getByLabel('Scopes').fill('openid email profile');
      await page.getByLabel('Claim holding the e-mail address (optional)').fill('preferred_username');
      await page.getByLabel('Only match an e-mail address the provider says is verified (email_verified)').uncheck();
      await j.click('Add identity provider');
      expect(await page.locator('.govuk-notification-banner').innerText()).toContain('The identity provider has been added.');
      await j.click('Change Northshire County Council (Microsoft)', 'link');
      expect(await page.getByLabel('Client secret').inputValue()).toBe('');
      await page.getByLabel('Require a second factor').check();
      await j.click('Save');
      expect(await page.locator('main').innerText()).toContain('Second factor required');
      await j.click('Switch off Northshire County Council (Microsoft)');
      expect(await page.locator('.govuk-notification-banner').innerText()).toContain('Nobody can sign in with it now');

      // Sue's account at the provider, linked at her first sign-in, seen and unlinked by her administrator.
      const providerId = (await s.db.query<{ id: string }>('SELECT id FROM identity_provider')).rows[0]!.id;
      await s.db.query('INSERT INTO practitioner_identity (provider_id, subject, practitioner_id, linked_at) VALUES ($1, $2, $3, now())', [providerId, 'entra-sub-1', sue.id]);
      await j.goto(`/admin/practitioners/${sue.id}/identities`);
      expect(await page.locator('main').innerText()).toContain('entra-sub-1');
      await j.click('Unlink Northshire County Council (Microsoft) account');
      expect(await page.locator('main').innerText()).toContain('No accounts are linked.');
      expect(j.consoleErrors.filter((e) => !/status of 422/.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
