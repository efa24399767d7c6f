import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadActor } from '../../src/auth/auth.ts';
import { createPerson } from '../../src/people/people.ts';
import { NewPerson } from '../../src/people/schemas.ts';
import { openEpisode, recordEpisodeAction } from '../../src/process/episodes.ts';
import { RecordAction } from '../../src/process/schemas.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { useTestDb } from '../db.ts';
import { caseThreeCast } from './cast.ts';
import { Journey, launchChromium, staff, startApp, type Running } from './harness.ts';

/**
 * Issue 20 in Chromium (axe on every page): the social worker records the census details from the
 * child's page and the episode's, and the assessment form asks for the factors; the data officer
 * corrects them on the same pages.
 */
describe('the census details, in Chromium', () => {
  const t = useTestDb();
  let browser: Browser;
  let running: Running | undefined;
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => { await browser?.close(); });

  it('the social worker records the census details, a wrong UPN is named, and the data officer corrects them', async () => {
    const s = { db: t.db(), clock: systemClock };
    const cast = await caseThreeCast(s);
    const dataOfficer = await staff(s, cast.agencies.socialCare, 'Amir Noor', ['data_officer']);
    const sw = { ...s, actor: (await loadActor(s.db, cast.socialWorker.id))! };
    const hoursAgo = (h: number): string => new Date(Date.now() - h * 3_600_000).toISOString();
    const jack = await createPerson(sw, NewPerson.parse({ kind: 'child', names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2019-07-04', sex: 'male' }));
    const e = await openEpisode(sw, { idempotencyKey: 'cd-referral', childPersonId: jack.id, receivedAt: hoursAgo(10), channel: 'written', allocatedWorkerId: cast.socialWorker.id, referralSource: '2A' });
    const act = (key: string, h: number, action: Record<string, unknown>) => recordEpisodeAction(sw, e.id, RecordAction.parse({ idempotencyKey: key, occurredAt: hoursAgo(h), action }));
    await act('cd-decided', 9, { type: 'referral_decided', outcome: 'assessment', reasons: 'Often late and hungry', primaryNeed: 'N1' });
    await act('cd-started', 8, { type: 'assessment_started', kind: 'single' });

    running = await startApp(s);
    const context = await browser.newContext({ baseURL: running.url });
    const j = new Journey(await context.newPage(), running.url);
    const p = j.page;
    try {
      await j.signIn(cast.socialWorker.email);
      // The assessment form asks for the census items beside the decision (only looked at here, under axe).
      await j.goto(`/episodes/${e.id}/record/assessment_completed`);
      expect(await p.locator('main').innerText()).toContain('Factors identified at the assessment (optional)');

      await j.goto(`/people/${jack.id}`);
      expect(await p.locator('.govuk-summary-card').filter({ hasText: 'Census details' }).innerText()).toContain('Not recorded');
      await j.click(/^Change census details/, 'link');
      expect(await j.heading()).toBe('Census details');
      await p.getByLabel('Ethnicity').selectOption('WBRI');
      await p.getByLabel('No disability').check();
      await p.getByLabel('Unique pupil number (UPN)').fill('A213282605052');
      await j.click('Save the census details');
      expect(await p.locator('.govuk-error-summary').innerText()).toContain('check letter');
      await p.getByLabel('Unique pupil number (UPN)').fill('z213282605052');
      await j.click('Save the census details');
      expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('The census details have been saved');

      await j.goto(`/episodes/${e.id}`);
      await j.click('Census details of this episode', 'link');
      expect(await j.heading()).toBe('Census details of the episode');
      await j.signOut();

      // The data officer corrects the primary need on the same page.
      await j.signIn(dataOfficer.email);
      await j.goto(`/episodes/${e.id}/census`);
      await p.getByLabel('Primary need').selectOption('N2');
      await j.click('Save the census details');
      expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('saved');
      await j.goto(`/people/${jack.id}/census`);
      expect(await p.getByLabel('Unique pupil number (UPN)').inputValue()).toBe('Z213282605052');
      expect(j.consoleErrors).toEqual([]);
    } finally {
      await context.close();
      await running?.app.close();
      running = undefined;
    }
  });
});
