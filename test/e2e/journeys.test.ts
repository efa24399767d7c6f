import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/shared/clock.ts';
import { resetDb, testDb } from '../db.ts';
import { caseThreeCast } from './cast.ts';
import { Journey, launchChromium, startApp, type Running } from './harness.ts';
import { journeySteps } from './steps.ts';

/**
 * Case example 3 in the browser, end to end: Jack's teacher records a concern and asks the
 * designated safeguarding lead for advice; the lead decides to share with the health visitor, who
 * then sees exactly what was shared; the lead refers Jack to children's social care, who
 * acknowledge and decide; the school reads the feedback. axe-core checks every page on the way.
 */
describe('the practitioners’ web pages, in Chromium', () => {
  let browser: Browser;
  let running: Running | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  type Cast = Awaited<ReturnType<typeof caseThreeCast>>;
  const open = async (): Promise<{ j: Journey; cast: Cast }> => {
    // Emptied when a journey opens, not before each of its steps (useTestDb would empty it between steps).
    const db = await testDb();
    await resetDb(db);
    const s = { db, clock: systemClock };
    const cast = await caseThreeCast(s);
    running = await startApp(s);
    const context = await browser.newContext({ baseURL: running.url });
    const j = new Journey(await context.newPage(), running.url);
    return { j, cast };
  };
  const close = async (j: Journey): Promise<void> => {
    await j.page.context().close();
    await running?.app.close();
    running = undefined;
  };

  /** One journey for a describe's steps: opened (the database emptied) before the first step, closed after the last. */
  const openedForSteps = (ready: (opened: { j: Journey; cast: Cast }) => void): void => {
    let opened: { j: Journey; cast: Cast } | undefined;
    beforeAll(async () => {
      opened = await open();
      ready(opened);
    });
    afterAll(async () => {
      if (opened) await close(opened.j);
    });
  };

  /** Chooses an option in the fieldset whose legend is `group`. */
  const choose = async (j: Journey, group: string | RegExp, option: string): Promise<void> => {
    await j.page.getByRole('group', { name: group }).getByLabel(option, { exact: true }).check();
  };

  describe('a teacher seeks advice, the lead shares with the health visitor, who sees exactly that; a referral is made, acknowledged and decided, and the school sees the feedback', () => {
    const step = journeySteps();
    let j: Journey, cast: Cast, p: Page;
    openedForSteps((o) => {
      ({ j, cast } = o);
      p = j.page;
    });

    step('Jack\'s teacher signs in, finds Jack and records what worries her', async () => {
      await j.signIn(cast.teacher.email);
      expect(await p.locator('#who-am-i').innerText()).toContain('Amira Shah, Riverside Primary School');
      await j.click('Find a person', 'link');
      await p.getByLabel('Name', { exact: true }).fill('jack carver');
      await j.click('Search');
      await j.click('Jack Carver', 'link');
      expect(await j.heading()).toBe('Jack Carver');
      // No personal data in the address or the title.
      expect(p.url()).not.toMatch(/jack|carver/i);
      expect(await p.title()).not.toMatch(/jack|carver/i);
      await j.click('Record a concern or other record', 'link');
      await choose(j, 'What are you recording?', 'A concern');
      await p.getByLabel('Summary').fill('Jack took food from other children’s lunchboxes again and says he had no breakfast');
      await p.getByLabel('Details (optional)').fill('Seen at lunch. He said: "Mum was asleep so I didn’t have breakfast."');
      await choose(j, 'What is it about?', 'Neglect');
      await choose(j, 'Is this fact or opinion?', 'Fact');
      await choose(j, 'Did you see it, or were you told?', 'I saw it (witnessed)');
      await choose(j, 'Where did the information come from?', 'Me or a colleague');
      await choose(j, 'Is the information confidential?', 'Yes');
      await j.click('Save record');
      expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('The record has been added');
      expect(await p.locator('.jigsaw-entry').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringContaining('Jack took food from other children’s lunchboxes')]));
    });

    step('she is unsure whether to tell the health visitor, answers what she can, and asks the lead', async () => {
      await j.click('Back', 'link');
      await j.click('Decide whether to share information', 'link');
      expect(await j.heading()).toBe('Why do you want to share?');
      await choose(j, 'What is the purpose of sharing?', "Monitoring a child's welfare");
      await p.getByLabel('Describe the purpose in your own words').fill('To find out whether the health visitor, who knows the family, shares our worries about Jack');
      await choose(j, /within your agency’s functions/, 'Yes');
      await j.click('Continue');
      await choose(j, 'Does one apply?', 'No');
      await j.click('Continue');
      await choose(j, /identify a living person/, 'Yes');
      await j.click('Continue');
      await choose(j, /private or sensitive/, 'Yes');
      await j.click('Continue');
      expect(await j.heading()).toBe('Do you have consent to share?');
      await j.click('Seek advice instead');
      expect(await j.heading()).toBe('Seek advice');
      await choose(j, 'Whose advice are you seeking?', 'My agency’s designated safeguarding lead');
      await p.getByLabel('Your question').fill('Should we tell the health visitor about Jack before asking his mother?');
      await choose(j, 'May the adviser know who the person is?', 'Yes, they may see the person’s records');
      await p.getByLabel('Why are you seeking advice?').fill('I do not know whether I need his mother’s consent first');
      await j.click('Send the request for advice');
      expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('Your request for advice has been sent');
      await j.signOut();
    });

    step('the designated safeguarding lead sees the request, advises, and makes the decision herself, checking each answer', async () => {
      await j.signIn(cast.lead.email);
      expect(await p.locator('#advice').count()).toBe(1);
      await j.click(/Advice asked by Amira Shah/, 'link');
      expect(await p.locator('main').innerText()).toContain('Should we tell the health visitor about Jack before asking his mother?');
      await p.getByLabel('Your advice').fill('Yes: this may be neglect. I will share the lunchtime concern and the sleeping with the health visitor now.');
      await j.click('Send advice');
      await j.click('Make the decision', 'link');
      // Her colleague's answers are carried over; she checks each one.
      expect(await p.getByLabel('Describe the purpose in your own words').inputValue()).toContain('whether the health visitor');
      await j.click('Continue');
      await j.click('Continue');
      await j.click('Continue');
      await j.click('Continue');
      await choose(j, 'Consent', 'No, consent should not be sought');
      await choose(j, 'Why not?', 'Asking would increase the risk of harm to the child or someone else');
      await p.getByLabel('Explain', { exact: true }).fill('Asking his mother first could put Jack at risk if she is not coping');
      await j.click('Continue');
      await choose(j, 'What do you have evidence or reasonable cause to believe?', 'A child is suffering, or is at risk of, significant harm');
      await p.getByLabel('Why would sharing be necessary and proportionate, or not?').fill('Only the health visitor can say whether the family is coping; two records are enough for her to judge');
      await choose(j, /adult with capacity/, 'No');
      await j.click('Continue');
      expect(await p.locator('main').innerText()).toContain('Your answers support sharing.');
      await choose(j, 'Will you share?', 'Yes, share');
      await j.click('Continue');
      const what = p.getByRole('group', { name: 'Which records?' });
      await what.getByLabel(/Jack took food from other children’s lunchboxes/).check();
      await what.getByLabel(/Jack fell asleep in the classroom/).check();
      await choose(j, 'Who with?', 'Northshire Health Visiting Service');
      await j.click('Continue');
      await choose(j, 'Have they been told?', 'No');
      await p.getByLabel('Why not?').fill('Telling his mother now could increase the risk to Jack');
      await j.click('Continue');
      await p.getByLabel('Record the reasons for your decision').fill('Signs of neglect; the health visitor knows the family and can judge whether they are coping');
      await j.click('Continue');
      // Check your answers: exactly what goes to whom, and why.
      expect(await j.heading()).toBe('Check your answers before recording the decision');
      const check = await p.locator('main').innerText();
      expect(check).toContain('Northshire Health Visiting Service');
      expect(check).toContain('The public interest');
      expect(check).toContain('The records (2)');
      expect(check).toContain('Jack fell asleep in the classroom');
      for (const other of cast.notShared) expect(check).not.toContain(other);
      await j.click('Record the decision');
      expect(await j.heading()).toBe('Decision to share');
      expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('The decision has been recorded');
      await j.signOut();
    });

    step('the health visitor (the share named her service) sees in Jack\'s chronology exactly the two shared entries', async () => {
      await j.signIn(cast.healthVisitor.email);
      await j.click('Shared with you', 'link');
      expect(await j.heading()).toBe('Shared with you');
      await j.click('Jack Carver', 'link');
      expect(await p.locator('.govuk-caption-l').first().innerText()).toContain('Shared with you by another agency');
      await j.click('Chronology', 'link');
      const entries = await p.locator('.jigsaw-entry h3').allInnerTexts();
      expect(entries).toHaveLength(2);
      expect(entries.join('\n')).toContain('Jack fell asleep in the classroom during the afternoon');
      expect(entries.join('\n')).toContain('Jack took food from other children’s lunchboxes again');
      const chronology = await p.locator('main').innerText();
      for (const other of [...cast.notShared, 'Health visitor review']) expect(chronology).not.toContain(other);
      expect(chronology).toContain('Shared by Riverside Primary School');
      await j.signOut();
    });

    step('the lead refers Jack to children\'s social care, on a decision to share with them', async () => {
      await j.signIn(cast.lead.email);
      await j.goto(`/people/${cast.jack}`);
      await j.click('Decide whether to share information', 'link');
      await choose(j, 'What is the purpose of sharing?', 'Child protection (significant harm)');
      await p.getByLabel('Describe the purpose in your own words').fill('A referral to children’s social care about neglect');
      await choose(j, /within your agency’s functions/, 'Yes');
      await j.click('Continue');
      await choose(j, 'Does one apply?', 'No');
      await j.click('Continue');
      await choose(j, /identify a living person/, 'Yes');
      await j.click('Continue');
      await choose(j, /private or sensitive/, 'Yes');
      await j.click('Continue');
      await choose(j, 'Consent', 'No, consent should not be sought');
      await choose(j, 'Why not?', 'Asking would increase the risk of harm to the child or someone else');
      await p.getByLabel('Explain', { exact: true }).fill('The health visitor advises the mother is not coping');
      await j.click('Continue');
      await choose(j, 'What do you have evidence or reasonable cause to believe?', 'A child is suffering, or is at risk of, significant harm');
      await p.getByLabel('Why would sharing be necessary and proportionate, or not?').fill('Children’s social care must assess; these records are the evidence');
      await choose(j, /adult with capacity/, 'No');
      await j.click('Continue');
      await choose(j, 'Will you share?', 'Yes, share');
      await j.click('Continue');
      await p.getByRole('group', { name: 'Which records?' }).getByLabel(/Jack took food/).check();
      await choose(j, 'Who with?', "Northshire Children's Social Care");
      await j.click('Continue');
      await choose(j, 'Have they been told?', 'No');
      await p.getByLabel('Why not?').fill('Children’s social care will agree with us when to tell his mother');
      await j.click('Continue');
      await p.getByLabel('Record the reasons for your decision').fill('Reasonable cause to suspect neglect');
      await j.click('Continue');
      await j.click('Record the decision');
      await j.click("Refer to Northshire Children's Social Care", 'link');
      await choose(j, 'Who are you referring to?', "Northshire Children's Social Care");
      await p.getByLabel('Your concerns').fill('Jack is often late, hungry and tired; he says he had no breakfast because his mother was asleep');
      await p.getByLabel('The child’s developmental needs').fill('Small and thin for his age');
      await p.getByLabel('The parents’ or carers’ capacity to respond to them').fill('Mother may not be coping with three children under six');
      await p.getByLabel('The wider family and environment').fill('Not known');
      await p.getByLabel('The child’s wishes and feelings').fill('Jack says he likes school and wants breakfast');
      await choose(j, /Were the child and parents told/, 'Not told');
      await p.getByLabel('Why were they not told?').fill('Telling his mother now could increase the risk to Jack');
      await p.getByLabel('What they will be told').fill('That the school is worried about Jack and has asked for help');
      await p.getByLabel('By whom').fill('Karen Doyle with the social worker');
      await p.getByLabel('When', { exact: true }).fill('After the social worker’s first visit');
      await j.click('Continue');
      expect(await j.heading()).toBe('Check your referral before sending it');
      await j.click('Confirm and send');
      expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('Your referral has been sent');
      await j.signOut();
    });

    step('the duty social worker works the queue: the 1-working-day clocks, then accept, acknowledge, decide', async () => {
      await j.signIn(cast.socialWorker.email);
      await j.click('Referrals', 'link');
      const queue = await p.locator('#queue ~ table').first().innerText();
      expect(queue).toContain('Jack Carver');
      expect(queue).toContain('Acknowledge the referral');
      expect(queue).toContain('Decide and record the next course of action');
      await j.click('Jack Carver', 'link');
      await j.click('Accept and open an episode');
      expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('an episode opened');
      await j.click('Acknowledge');
      expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('acknowledgement has been recorded');
      await choose(j, 'What happens next?', 'An assessment of the child’s needs');
      await p.getByLabel('Reasons').fill('Concerns about neglect need a single assessment; we will visit this week');
      await j.click('Record the decision');
      expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('fed back to the referrer');
      await j.click('The child’s episode', 'link');
      expect(await p.locator('main').innerText()).toContain('What the process allows next');
      await j.signOut();
    });

    step('the school sees the feedback, and no page logged an error', async () => {
      await j.signIn(cast.lead.email);
      await j.click(/has decided on your referral: an assessment/, 'link');
      const feedback = await p.locator('main').innerText();
      expect(feedback).toContain('Feedback from Northshire Children\'s Social Care');
      expect(feedback).toContain('Concerns about neglect need a single assessment');
      expect(j.consoleErrors).toEqual([]);
    });
  });

  it('wrong input shows the GOV.UK error summary, which takes the focus, links to each field, and loses nothing typed — by keyboard alone', async () => {
    const { j, cast } = await open();
    const p = j.page;
    const errorsShown = async (): Promise<string[]> => p.locator('.govuk-error-summary__list a').allInnerTexts();
    const focused = async (): Promise<string> => p.evaluate(() => {
      const el = document.activeElement;
      return el ? `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.classList.contains('govuk-error-summary') ? '.govuk-error-summary' : ''}` : '';
    });
    try {
      // Signing in with the keyboard only: Tab to the e-mail field, type, Tab on, type, Enter.
      await j.goto('/sign-in');
      for (let i = 0; i < 10 && (await focused()) !== 'input#email'; i++) await p.keyboard.press('Tab');
      expect(await focused()).toBe('input#email');
      await p.keyboard.type(cast.teacher.email);
      await p.keyboard.press('Tab');
      expect(await focused()).toBe('input#password');
      await p.keyboard.type('not the password');
      await j.navigate(() => p.keyboard.press('Enter'));
      expect(await errorsShown()).toEqual(['The e-mail address or password is not right']);
      expect(await p.getByLabel('E-mail address').inputValue()).toBe(cast.teacher.email);
      expect(await p.getByLabel('Password', { exact: true }).inputValue()).toBe('');
      await p.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
      await j.navigate(() => p.getByLabel('Password', { exact: true }).press('Enter'));

      // A record with no summary, no category and a date in the future.
      await j.goto(`/people/${cast.jack}/records/new`);
      const nextYear = String(new Date().getFullYear() + 1);
      await p.getByLabel('Year', { exact: true }).fill(nextYear);
      await p.getByLabel('Details (optional)').fill('Typed details that must not be lost');
      await choose(j, 'Is this fact or opinion?', 'Opinion');
      await j.click('Save record');
      expect(await p.title()).toMatch(/^Error: /);
      expect(await errorsShown()).toEqual(expect.arrayContaining([
        'The date it happened must be today or in the past', 'Enter a summary', 'Choose at least one category',
        'Say whether you saw it or were told it', 'Say where the information came from', 'Say whether the information is confidential',
      ]));
      // The summary has the focus (govuk-frontend), and its links lead to the fields.
      expect(await focused()).toContain('.govuk-error-summary');
      await p.keyboard.press('Tab');
      await p.keyboard.press('Enter');
      expect(await focused()).toBe('input#occurred-day');
      // Nothing typed is lost.
      expect(await p.getByLabel('Details (optional)').inputValue()).toBe('Typed details that must not be lost');
      expect(await p.getByLabel('Year', { exact: true }).inputValue()).toBe(nextYear);
      expect(await p.getByRole('group', { name: 'Is this fact or opinion?' }).getByLabel('Opinion', { exact: true }).isChecked()).toBe(true);
      // Put right, it is saved.
      await p.getByLabel('Year', { exact: true }).fill(String(new Date().getFullYear()));
      await p.getByLabel('Summary').fill('Jack arrived without a coat in the rain');
      await choose(j, 'What is it about?', 'Neglect');
      await choose(j, 'Did you see it, or were you told?', 'I saw it (witnessed)');
      await choose(j, 'Where did the information come from?', 'Me or a colleague');
      await choose(j, 'Is the information confidential?', 'No');
      await j.click('Save record');
      expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('The record has been added');

      // The decision journey: missing answers, then a share without recipients, then a date in the future.
      await j.goto(`/people/${cast.jack}/share`);
      await j.click('Continue');
      expect(await errorsShown()).toEqual(['Choose the purpose of sharing', 'Describe the purpose in your own words', 'Say whether sharing is within your agency’s functions']);
      await p.getByLabel('Describe the purpose in your own words').fill('So the health visitor knows Jack is coming to school cold');
      await j.click('Continue');
      expect(await errorsShown()).toEqual(['Choose the purpose of sharing', 'Say whether sharing is within your agency’s functions']);
      expect(await p.getByLabel('Describe the purpose in your own words').inputValue()).toBe('So the health visitor knows Jack is coming to school cold');
      await choose(j, 'What is the purpose of sharing?', "Monitoring a child's welfare");
      await choose(j, /within your agency’s functions/, 'Yes');
      await j.click('Continue');
      await choose(j, 'Does one apply?', 'No');
      await j.click('Continue');
      await choose(j, /identify a living person/, 'Yes');
      await j.click('Continue');
      await choose(j, /private or sensitive/, 'No');
      await j.click('Continue');
      expect(await j.heading()).toBe('What have you decided?');
      await choose(j, 'Will you share?', 'Yes, share');
      await j.click('Continue');
      await p.getByRole('group', { name: 'Which records?' }).getByLabel(/without a coat/).check();
      await j.click('Continue');
      expect(await errorsShown()).toEqual(['Choose who the information is shared with']);
      expect(await p.getByRole('group', { name: 'Which records?' }).getByLabel(/without a coat/).isChecked()).toBe(true);
      await choose(j, 'Who with?', 'Northshire Health Visiting Service');
      await j.click('Continue');
      await choose(j, 'Have they been told?', 'Yes');
      await p.getByRole('group', { name: 'When were they told?' }).getByLabel('Day').fill('1');
      await p.getByRole('group', { name: 'When were they told?' }).getByLabel('Month').fill('1');
      await p.getByRole('group', { name: 'When were they told?' }).getByLabel('Year').fill(nextYear);
      await p.getByLabel('Who told them?').fill('Amira Shah');
      await j.click('Continue');
      expect(await errorsShown()).toEqual(['The date they were told must be today or in the past']);
      expect(await p.getByLabel('Who told them?').inputValue()).toBe('Amira Shah');
      // Seeking advice from here keeps every answer: back at the question, it is all still there.
      await j.click('Seek advice instead');
      await j.click('Send the request for advice');
      expect(await errorsShown()).toEqual(['Write your question for the adviser', 'Say whether the adviser may know who the person is', 'Say why you are seeking advice']);
      await j.click('Go back to the questions', 'link');
      expect(await p.getByLabel('Describe the purpose in your own words').inputValue()).toBe('So the health visitor knows Jack is coming to school cold');
      expect(j.consoleErrors).toEqual([]);
    } finally {
      await close(j);
    }
  }, 120_000);

  describe('the other pages pass axe too: people, consent, requests, process, administration, audit, print and CSV; security headers are on every page', () => {
    const step = journeySteps();
    let j: Journey, cast: Cast, p: Page;
    openedForSteps((o) => {
      ({ j, cast } = o);
      p = j.page;
    });

    step('signed out: the start page, the accessibility statement, privacy notice and cookies from the footer; signed in: security headers on a page with personal data', async () => {
      // The start page, signed out: what Jigsaw is, sign in, where the API is described.
      await j.goto('/');
      expect(await j.heading()).toBe('Jigsaw');
      expect(await p.locator('a[href="/api/v1/openapi.json"]').count()).toBeGreaterThan(0);
      expect(await p.locator('.govuk-phase-banner').innerText()).toContain('This is a new service');
      // The accessibility statement, privacy notice and cookies, signed out, each reached from the footer.
      for (const [link, heading] of [['Accessibility statement', 'Accessibility statement for Jigsaw'], ['Privacy notice', 'Privacy notice'], ['Cookies', 'Cookies']] as const) {
        await j.click(link, 'link');
        expect(await j.heading()).toBe(heading);
      }
      // Headers on a page with personal data.
      await j.signIn(cast.lead.email);
      const res = await p.request.get(`/people/${cast.jack}`);
      expect(res.headers()['cache-control']).toBe('no-store');
      expect(res.headers()['content-security-policy']).toContain("default-src 'self'");
      expect(await res.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(await p.locator('.jigsaw-timeout__notice').innerText()).toContain('you will be signed out at');
    });

    step('adding a person: wrong first, then right', async () => {
      // Adding a person: wrong first, then right.
      await j.click('Find a person', 'link');
      await j.click('Add a person to your agency’s index', 'link');
      await p.getByRole('group', { name: 'Date of birth' }).getByLabel('Year').fill(String(new Date().getFullYear() + 2));
      await p.getByRole('group', { name: 'Date of birth' }).getByLabel('Month').fill('2');
      await p.getByRole('group', { name: 'Date of birth' }).getByLabel('Day').fill('3');
      await j.click('Continue');
      expect(await p.locator('.govuk-error-summary__list a').allInnerTexts()).toEqual(expect.arrayContaining(['Date of birth must be today or in the past', 'Enter a given name or a family name']));
      await p.getByRole('group', { name: 'Date of birth' }).getByLabel('Year').fill('2019');
      await p.getByLabel('Given names').fill('Jenny');
      await p.getByLabel('Family name').fill('Carver');
      await j.click('Continue');
      await j.click('Add person');
      expect(await j.heading()).toBe('Jenny Carver');
    });

    step('consent recorded by the mother for Jack, viewed and withdrawn; a request for information to the health visitors', async () => {
      // Consent: recorded by the mother for Jack, viewed, withdrawn.
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
      await j.click('Record consent');
      expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('The consent has been recorded');
      await j.click('A school nurse check of Jack’s weight', 'link');
      await j.click('Withdraw consent');
      expect(await p.locator('.govuk-error-summary__list a').allInnerTexts()).toEqual(['Record what the person said']);
      await p.getByLabel('What did the person say?').fill('Donna rang to say she has changed her mind');
      await j.click('Withdraw consent');
      expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('The withdrawal has been recorded');

      // A request for information to the health visitors.
      await j.click('Ask another agency for information', 'link');
      await p.getByLabel('Which agency?').selectOption({ label: 'Northshire Health Visiting Service' });
      await choose(j, 'What do you need it for?', "Monitoring a child's welfare");
      await p.getByLabel('Describe the purpose: what you need and why').fill('Do you have concerns about the family?');
      await j.click('Send the request');
      expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('Your request for information has been sent');
    });

    step('the record\'s page, who viewed it, the chronology\'s print view and CSV; the health visitor answers the request from her queue', async () => {
      // The record's page, who viewed it, the chronology's print view and CSV.
      await j.goto(`/records/${cast.fellAsleep}`);
      await j.click('Who has viewed this record', 'link');
      expect(await p.locator('tbody').innerText()).toContain('Karen Doyle');
      await j.goto(`/people/${cast.jack}/chronology?category=neglect`);
      await j.click('Printable view', 'link');
      expect(await p.locator('h1').innerText()).toContain('Multi-agency chronology');
      const csv = await p.request.get(`/people/${cast.jack}/chronology.csv`);
      expect(csv.headers()['content-type']).toContain('text/csv');
      expect(csv.headers()['content-disposition']).not.toMatch(/jack|carver/i);
      await j.goto('/requests');
      await j.goto('/referrals');
      await j.goto('/advice');
      await j.signOut();

      // The health visitor answers the request from her queue.
      await j.signIn(cast.healthVisitor.email);
      await j.click('Requests', 'link');
      await j.click('Jack Carver', 'link');
      await j.click('Send the answer');
      expect(await p.locator('.govuk-error-summary__list a').allInnerTexts()).toEqual(['Choose your answer']);
      await choose(j, 'Your answer', 'We have decided not to share');
      await p.getByLabel('Reason').fill('The mother has not consented and the concerns are below significant harm');
      await j.click('Send the answer');
      expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('Your answer has been sent');
      await j.signOut();
    });

    step('children\'s social care\'s process pages and the administrator\'s pages, and no page logged an error', async () => {
      // Children's social care: the process pages; the administrator's pages.
      await j.signIn(cast.socialWorker.email);
      await j.click('Process', 'link');
      await j.goto('/people/find');
      await j.signOut();
      await j.signIn(cast.administrator.email);
      await j.click('Administration', 'link');
      await j.click('Agencies in your partnerships', 'link');
      await j.goto('/admin/practitioners');
      await j.click('Add practitioner');
      expect(await p.locator('.govuk-error-summary__list a').allInnerTexts()).toEqual(expect.arrayContaining(['Enter a name', 'Give at least one role']));
      await p.getByLabel('Name', { exact: true }).fill('Grace Okafor');
      await p.getByLabel('E-mail address').fill('grace.okafor@e2e.example');
      await choose(j, 'Roles', 'Manager');
      await j.click('Add practitioner');
      expect(await p.locator('tbody').innerText()).toContain('Grace Okafor');
      // The administrator is given a one-time link, never a password; Grace chooses hers on it.
      const link = new URL(await p.locator('#set-password-link').innerText());
      await j.signOut();
      await j.goto(link.pathname);
      expect(await j.heading()).toBe('Choose your password');
      await p.getByLabel('New password', { exact: true }).fill('password1234');
      await p.getByLabel('Enter the new password again').fill('password1234');
      await j.click('Set password');
      expect(await p.locator('.govuk-error-summary').innerText()).toContain('There is a problem');
      await p.getByLabel('New password', { exact: true }).fill('kettle orbit marmalade lantern');
      await p.getByLabel('Enter the new password again').fill('kettle orbit marmalade lantern');
      await j.click('Set password');
      expect(await p.locator('.govuk-panel__title').innerText()).toBe('Your password has been set');
      await j.goto(link.pathname).catch(() => undefined);
      expect(await p.locator('main').innerText()).toMatch(/already been used/);
      await j.signIn('grace.okafor@e2e.example', 'kettle orbit marmalade lantern');
      expect(await j.heading()).not.toBe('Sign in');
      await j.goto('/no-such-page-here').catch(() => undefined);
      // The used link answers 410 Gone on purpose, as the unknown page answers 404.
      expect(j.consoleErrors.filter((e) => !e.includes('/no-such-page-here') && !e.includes(link.pathname))).toEqual([]);
    });
  });
});
