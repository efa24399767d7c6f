import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadActor } from '../../src/auth/auth.ts';
import { londonDate, workingDayCalendar } from '../../src/calendar/working-days.ts';
import { createPerson } from '../../src/people/people.ts';
import { NewPerson } from '../../src/people/schemas.ts';
import { openEpisode, recordEpisodeAction } from '../../src/process/episodes.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { ukDate } from '../../src/web/view.ts';
import { useTestDb } from '../db.ts';
import { caseThreeCast } from './cast.ts';
import { Journey, launchChromium, startApp, type Running } from './harness.ts';

/**
 * The child's process page that acts: the duty social worker records a strategy discussion and
 * the outcome of the section 47 enquiries through their forms and check-your-answers pages, sees
 * the stage and what is due change, arranges a meeting, records what happened with an action,
 * and marks the action done. Adding a person and recording consent go through their own check
 * pages. axe-core checks every page on the way.
 */
describe('the process pages that act, in Chromium', () => {
  const t = useTestDb();
  let browser: Browser;
  let running: Running | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  const open = async (): Promise<{ j: Journey; cast: Awaited<ReturnType<typeof caseThreeCast>>; episodeId: string }> => {
    const s = { db: t.db(), clock: systemClock };
    const cast = await caseThreeCast(s);
    // Children's social care's own entry for Jack, with a referral received, acknowledged and decided: a strategy discussion is due.
    const sw = { ...s, actor: (await loadActor(s.db, cast.socialWorker.id))! };
    const hoursAgo = (h: number): string => new Date(Date.now() - h * 3_600_000).toISOString();
    const jack = await createPerson(sw, NewPerson.parse({ kind: 'child', names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2019-07-04', sex: 'male' }));
    const episode = await openEpisode(sw, { idempotencyKey: 'e2e-referral', childPersonId: jack.id, receivedAt: hoursAgo(50), channel: 'written', allocatedWorkerId: cast.socialWorker.id });
    await recordEpisodeAction(sw, episode.id, { idempotencyKey: 'e2e-ack', occurredAt: hoursAgo(49), action: { type: 'referral_acknowledged' } });
    await recordEpisodeAction(sw, episode.id, { idempotencyKey: 'e2e-decided', occurredAt: hoursAgo(48), action: { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'Signs of neglect and a mother who may not be coping' } });
    running = await startApp(s);
    const context = await browser.newContext({ baseURL: running.url });
    return { j: new Journey(await context.newPage(), running.url), cast, episodeId: episode.id };
  };
  const close = async (j: Journey): Promise<void> => {
    await j.page.context().close();
    await running?.app.close();
    running = undefined;
  };

  const choose = async (j: Journey, group: string | RegExp, option: string): Promise<void> => {
    await j.page.getByRole('group', { name: group }).getByLabel(option, { exact: true }).check();
  };
  const errorsShown = async (j: Journey): Promise<string[]> => j.page.locator('.govuk-error-summary__list a').allInnerTexts();
  const focusedSummary = async (j: Journey): Promise<boolean> => j.page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary') ?? false);
  const summaryRow = async (j: Journey, key: string): Promise<string> =>
    (await j.page.locator('.govuk-summary-list__row', { has: j.page.locator('.govuk-summary-list__key', { hasText: key }) }).first().locator('.govuk-summary-list__value').innerText()).trim();
  const stage = async (j: Journey): Promise<string> => summaryRow(j, 'Current stage');
  const banner = async (j: Journey): Promise<string> => j.page.locator('.govuk-notification-banner--success').innerText();

  it('a duty social worker records a strategy discussion and the s47 outcome, checking the answers, sees the conference fall due, and records a meeting with an action she marks done', async () => {
    const { j, cast, episodeId } = await open();
    const p = j.page;
    try {
      await j.signIn(cast.socialWorker.email);
      await j.goto(`/episodes/${episodeId}`);
      expect(await j.heading()).toBe('Child protection process');
      expect(await stage(j)).toBe('Strategy');
      expect(await p.locator('main').innerText()).toContain('Hold a strategy discussion');

      // The strategy discussion: first with a date in the future and answers missing.
      await j.click('Hold a strategy discussion', 'link');
      expect(await j.heading()).toBe('Record a strategy discussion');
      const when = p.getByRole('group', { name: 'When did it happen?' });
      const today = await when.getByLabel('Year').inputValue();
      await when.getByLabel('Year').fill(String(Number(today) + 1));
      await p.getByLabel('Decisions on the child’s immediate safety').fill('Jack stays at home; the social worker visits today');
      await j.click('Continue');
      expect(await p.title()).toMatch(/^Error: /);
      expect(await errorsShown(j)).toEqual([
        'The date it happened must be today or in the past', 'Record who took part', 'Say whether section 47 enquiries are to be started',
        'Say whether the police will investigate', 'Record what the family will be told, by whom and when',
      ]);
      expect(await focusedSummary(j)).toBe(true);
      // Nothing typed is lost, and the summary's first link leads to the date.
      expect(await p.getByLabel('Decisions on the child’s immediate safety').inputValue()).toBe('Jack stays at home; the social worker visits today');
      expect(await when.getByLabel('Year').inputValue()).toBe(String(Number(today) + 1));
      await p.locator('.govuk-error-summary__list a').first().click();
      expect(await p.evaluate(() => document.activeElement?.id)).toBe('occurred-day');

      await when.getByLabel('Year').fill(today);
      const took = p.getByRole('group', { name: 'Which agencies took part?' });
      await took.getByLabel("Northshire Children's Social Care", { exact: true }).check();
      await took.getByLabel('Riverside Primary School', { exact: true }).check();
      await p.getByLabel('Who took part for Riverside Primary School (optional)').fill('Karen Doyle, designated safeguarding lead');
      await choose(j, 'Are section 47 enquiries to be started?', 'Yes');
      await choose(j, 'Will the police investigate a possible crime?', 'No');
      await p.getByLabel('What the family will be told, by whom and when').fill('Tom Haskins tells Donna today that we are making enquiries');
      await j.click('Continue');
      expect(await j.heading()).toBe('Check your answers before recording');
      expect(await summaryRow(j, 'Which agencies took part?')).toContain('Riverside Primary School: Karen Doyle, designated safeguarding lead');
      expect(await summaryRow(j, 'Are section 47 enquiries to be started?')).toBe('Yes');

      // "Change" goes back to the answer, with everything kept.
      await j.click(/^Change\s+decisions on the child’s immediate safety$/, 'link');
      expect(await p.getByLabel('Decisions on the child’s immediate safety').inputValue()).toBe('Jack stays at home; the social worker visits today');
      expect(await took.getByLabel('Riverside Primary School', { exact: true }).isChecked()).toBe(true);
      await p.getByLabel('Decisions on the child’s immediate safety').fill('Jack stays at home with a safety plan; the social worker visits today');
      await j.click('Continue');
      expect(await summaryRow(j, 'Decisions on the child’s immediate safety')).toBe('Jack stays at home with a safety plan; the social worker visits today');
      const checkPage = p.url();
      await j.click('Record it');
      expect(await banner(j)).toContain('The action has been recorded');
      expect(await stage(j)).toBe('S47 enquiry');
      expect(await p.locator('main').innerText()).toContain('Circulate the strategy discussion record to all');

      // Back to the check page once recorded (the back button): it leads to the episode, and nothing is recorded twice.
      const again = await p.request.get(checkPage);
      expect(new URL(again.url()).pathname).toBe(`/episodes/${episodeId}`);
      await j.goto(`/episodes/${episodeId}`);
      // What has happened reads each step back (issue 18): one heading per step.
      expect(await p.locator('main h3[id^="step-"]').allInnerTexts()).toHaveLength(4);

      // An action the process refuses: this partnership uses the single assessment.
      await j.click('Start an assessment', 'link');
      await choose(j, 'Which assessment?', 'An initial assessment');
      await j.click('Continue');
      await j.click('Record it');
      expect(await errorsShown(j)).toEqual(expect.arrayContaining(['This partnership uses the single assessment.']));
      expect(await focusedSummary(j)).toBe(true);
      await j.goto(`/episodes/${episodeId}`);
      expect(await stage(j)).toBe('S47 enquiry');

      // The enquiries find a continuing risk: the initial conference falls due within 15 working days of the strategy discussion (44.1).
      await j.click('Conclude the section 47 enquiries', 'link');
      await choose(j, 'What did the enquiries find?', 'The child is at continuing risk of significant harm: an initial child protection conference is needed');
      await p.getByLabel('Summary of the enquiries').fill('Jack is often hungry and unsupervised; his mother is not coping');
      await j.click('Continue');
      await j.click('Record it');
      expect(await stage(j)).toBe('Awaiting conference');
      const due = workingDayCalendar().addWorkingDays('england-and-wales', londonDate(new Date()), 15);
      const conference = p.locator('tr', { hasText: 'Initial child protection conference' });
      expect(await conference.locator('td').nth(1).innerText()).toContain(ukDate(due));

      // A meeting for the episode, with an action for the social worker, which she marks done.
      await j.click('Arrange a meeting', 'link');
      await j.click('Arrange the meeting');
      expect(await errorsShown(j)).toEqual(['Choose the kind of meeting', 'Give the meeting a title', 'Invite at least one practitioner or agency']);
      await choose(j, 'What kind of meeting?', 'A strategy discussion');
      await p.getByLabel('Title').fill('Strategy discussion, North team');
      await choose(j, 'Agencies invited when you do not know who will come (optional)', 'Riverside Primary School');
      await j.click('Arrange the meeting');
      expect(await banner(j)).toContain('The meeting has been arranged');
      expect(await j.heading()).toBe('Strategy discussion, North team');
      await j.click('Record what happened', 'link');
      await choose(j, 'Which invited agencies attended?', 'Riverside Primary School');
      await p.getByLabel('Decisions').fill('Section 47 enquiries continue\nThe school checks Jack has had breakfast each morning');
      const first = p.getByRole('group', { name: 'Action 1 (optional)' });
      await first.getByLabel('What is to be done').fill('Visit Jack at home and see his bedroom');
      // Owners are chosen from the partnership's practitioners: name, job title and agency.
      await first.getByLabel('Who owns it').selectOption((await first.getByLabel('Who owns it').locator('option', { hasText: 'Tom Haskins' }).getAttribute('value')));
      const week = new Date(Date.now() + 7 * 86_400_000);
      await first.getByLabel('Day').fill(String(week.getUTCDate()));
      await first.getByLabel('Month').fill(String(week.getUTCMonth() + 1));
      await first.getByLabel('Year').fill(String(week.getUTCFullYear()));
      await j.click('Record what happened');
      expect(await errorsShown(j)).toEqual(['Record the minutes', 'Record what the family will be told, by whom and when']);
      expect(await first.getByLabel('What is to be done').inputValue()).toBe('Visit Jack at home and see his bedroom');
      await p.getByLabel('Minutes').fill('All agreed Jack needs daily checks while enquiries continue.');
      await p.getByLabel('What the family will be told, by whom and when').fill('Tom Haskins tells Donna tomorrow');
      await j.click('Record what happened');
      expect(await banner(j)).toContain('What happened at the meeting has been recorded');
      const actions = p.locator('table', { hasText: 'Visit Jack at home' });
      expect(await actions.innerText()).toContain('Tom Haskins');
      expect(await actions.innerText()).toContain('Open');
      await j.click(/^Mark as done/);
      expect(await banner(j)).toContain('The action has been marked as done');
      expect(await actions.innerText()).toContain('Done');
      await j.click('Back', 'link');
      expect(await p.locator('main').innerText()).toContain('Visit Jack at home and see his bedroom: Tom Haskins');
      expect(j.consoleErrors).toEqual([]);
    } finally {
      await close(j);
    }
  }, 240_000);

  it('adding a person and recording consent go through their check-your-answers pages', async () => {
    const { j, cast } = await open();
    const p = j.page;
    try {
      await j.signIn(cast.lead.email);
      await j.goto('/people/new');
      await choose(j, 'Who are you adding?', 'A child');
      await p.getByLabel('Given names').fill('Jeny');
      await p.getByLabel('Family name').fill('Carver');
      const dob = p.getByRole('group', { name: 'Date of birth' });
      await dob.getByLabel('Day').fill('3');
      await dob.getByLabel('Month').fill('2');
      await dob.getByLabel('Year').fill('2021');
      await j.click('Continue');
      expect(await j.heading()).toBe('Check the details before adding the person');
      expect(await summaryRow(j, 'Given names')).toBe('Jeny');
      expect(await summaryRow(j, 'Date of birth')).toBe('3 February 2021');
      // A typo, put right from the check page: the form comes back with every answer.
      await j.click(/^Change\s+given names$/, 'link');
      expect(await p.getByLabel('Family name').inputValue()).toBe('Carver');
      expect(await dob.getByLabel('Year').inputValue()).toBe('2021');
      await p.getByLabel('Given names').fill('Jenny');
      await j.click('Continue');
      expect(await summaryRow(j, 'Given names')).toBe('Jenny');
      await j.click('Add person');
      expect(await j.heading()).toBe('Jenny Carver');
      expect(await banner(j)).toContain('The person has been added');

      await j.goto(`/people/${cast.jack}`);
      await j.click('Record consent given or refused', 'link');
      await choose(j, 'Was consent given or refused?', 'Given');
      await choose(j, 'For what purpose?', 'Health assessment or treatment');
      await p.getByLabel('The purpose, as explained to them').fill('A school nurse check of Jack’s weight');
      await choose(j, 'With whom may it be shared?', 'Northshire Health Visiting Service');
      await choose(j, 'How was it given?', 'Explicitly, in words');
      await choose(j, 'Who gave or refused it?', 'Someone with parental responsibility');
      await choose(j, 'Who?', 'Donna Carver');
      await j.click('Continue');
      expect(await j.heading()).toBe('Check the consent before recording it');
      expect(await summaryRow(j, 'Who gave or refused it')).toBe('Someone with parental responsibility: Donna Carver');
      expect(await summaryRow(j, 'With whom it may be shared')).toBe('Northshire Health Visiting Service');
      await j.click(/^Change\s+the purpose, as explained to them$/, 'link');
      expect(await p.getByRole('group', { name: 'With whom may it be shared?' }).getByLabel('Northshire Health Visiting Service').isChecked()).toBe(true);
      await p.getByLabel('The purpose, as explained to them').fill('A school nurse check of Jack’s weight and height');
      await j.click('Continue');
      await j.click('Record consent');
      expect(await banner(j)).toContain('The consent has been recorded');
      expect(await p.locator('main').innerText()).toContain('A school nurse check of Jack’s weight and height');
      expect(j.consoleErrors).toEqual([]);
    } finally {
      await close(j);
    }
  }, 120_000);
});
