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
import { Journey, launchChromium, startApp, type Running } from './harness.ts';

/**
 * Issue 18, items 3 and 4 in Chromium (axe on every page): the episode page reads back the
 * strategy discussion, the s47 outcome and the conference's decision; the social worker circulates
 * the strategy record, which sends it to the school, whose safeguarding lead reads it through
 * "Shared with you".
 */
describe('reading back what was decided, and circulating the strategy record, in Chromium', () => {
  const t = useTestDb();
  let browser: Browser;
  let running: Running | undefined;
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => { await browser?.close(); });

  it('the social worker reads back the decisions, sends the strategy record to the school, and the school’s lead reads it', async () => {
    const s = { db: t.db(), clock: systemClock };
    const cast = await caseThreeCast(s);
    const sw = { ...s, actor: (await loadActor(s.db, cast.socialWorker.id))! };
    const hoursAgo = (h: number): string => new Date(Date.now() - h * 3_600_000).toISOString();
    const jack = await createPerson(sw, NewPerson.parse({ kind: 'child', names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2019-07-04', sex: 'male' }));
    const e = await openEpisode(sw, { idempotencyKey: 'rb-referral', childPersonId: jack.id, receivedAt: hoursAgo(10), channel: 'written', allocatedWorkerId: cast.socialWorker.id });
    const act = (key: string, h: number, action: Record<string, unknown>) => recordEpisodeAction(sw, e.id, RecordAction.parse({ idempotencyKey: key, occurredAt: hoursAgo(h), action }));
    await act('rb-decided', 9, { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'Signs of neglect' });
    await act('rb-sd', 8, {
      type: 'strategy_discussion_held', s47: true, policeInvestigation: false, participants: [{ agencyId: cast.agencies.socialCare }, { agencyId: cast.agencies.school, name: 'Karen Doyle' }],
      immediateSafety: 'Jack stays at home with a safety plan', familyToBeTold: 'Tom Haskins tells Donna today',
    });

    running = await startApp(s);
    const context = await browser.newContext({ baseURL: running.url });
    const j = new Journey(await context.newPage(), running.url);
    const p = j.page;
    const row = async (key: string): Promise<string> =>
      (await p.locator('.govuk-summary-list__row', { has: p.locator('.govuk-summary-list__key', { hasText: key }) }).first().locator('.govuk-summary-list__value').innerText()).trim();
    try {
      await j.signIn(cast.socialWorker.email);
      await j.goto(`/episodes/${e.id}`);
      expect(await row('Who took part')).toContain('Riverside Primary School: Karen Doyle');
      expect(await row('Section 47 enquiries')).toBe('Yes, section 47 enquiries are to be started');
      expect(await row('Decisions on the child’s immediate safety')).toBe('Jack stays at home with a safety plan');

      // Circulating sends: no date to type; confirmed on the check page.
      await j.click('Circulate the strategy discussion record', 'link');
      expect(await j.heading()).toBe('Circulate the strategy discussion record');
      await j.click('Continue');
      await j.click('Record it');
      expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('The action has been recorded');
      expect(await row('Sent to')).toBe('Riverside Primary School');
      expect(await row('Lawful basis')).toBe('Statutory duty (Working Together 28.3)');
      expect(await p.locator('main').innerText()).not.toContain('Circulate the strategy discussion record to all');

      // The enquiries conclude; their outcome and reasons read back too.
      await act('rb-s47', 0, { type: 's47_concluded', outcome: 'not_substantiated', summary: 'Jack was well cared for when seen; the bruise had an innocent cause' });
      await j.goto(`/episodes/${e.id}`);
      expect(await row('Outcome')).toBe('The concerns were not substantiated');
      expect(await row('Reasons and summary of the enquiries')).toBe('Jack was well cared for when seen; the bruise had an innocent cause');
      await j.signOut();

      // The school's safeguarding lead is told, and reads the record through her usual page.
      await j.signIn(cast.lead.email);
      await j.goto('/shared-with-me');
      expect(await p.locator('main').innerText()).toContain('Jack Carver');
    } finally {
      await context.close();
      await running?.app.close();
      running = undefined;
    }
  });
});
