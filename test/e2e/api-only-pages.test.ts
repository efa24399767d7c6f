import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadActor } from '../../src/auth/auth.ts';
import { createAgency, createPartnership } from '../../src/partnership/partnership.ts';
import { addRelationship, createPerson } from '../../src/people/people.ts';
import { NewPerson } from '../../src/people/schemas.ts';
import { addRecord } from '../../src/records/records.ts';
import { NewRecord } from '../../src/records/schemas.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { ActorContext, Services } from '../../src/shared/context.ts';
import { NewShareDecision } from '../../src/sharing/schemas.ts';
import { makeDecision } from '../../src/sharing/sharing.ts';
import { useTestDb } from '../db.ts';
import { Journey, launchChromium, staff, startApp, type Running } from './harness.ts';

/**
 * Issue 18, item 6, in the browser: a social worker corrects a record (its reason, the version it
 * corrects), changes a child's address and ends a relationship, revokes a share (the school loses
 * the record at once), and records then ends a looked-after period. axe-core checks every page.
 */
describe('what was API-only, on the pages, in Chromium', () => {
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

  it('correct a record, change a person’s details, revoke a share and end a looked-after period', async () => {
    const clock = fixedClock(new Date().toISOString());
    const s: Services = { db: t.db(), clock };
    const p0 = (await createPartnership(s, { name: 'Northshire Safeguarding Children Partnership', nation: 'england-and-wales' })).id;
    const csc = (await createAgency(s, { name: "Northshire Children's Social Care", type: 'childrens_social_care', partnershipIds: [p0] })).id;
    const school = (await createAgency(s, { name: 'Riverside Primary School', type: 'school', partnershipIds: [p0] })).id;
    const worker = await staff(s, csc, 'Rachel Dunn', ['social_worker']);
    const teacher = await staff(s, school, 'Amira Shah', ['practitioner']);
    const as = async (id: string): Promise<ActorContext> => ({ ...s, actor: (await loadActor(s.db, id))! });
    const workerCtx = await as(worker.id);
    const lily = await createPerson(workerCtx, NewPerson.parse({
      kind: 'child', names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2021-11-20', sex: 'female',
      addresses: [{ line1: 'Flat 9, Carlton House', town: 'Northshire', postcode: 'NS7 5JH', validFrom: '2024-01-01' }],
    }));
    const mum = await createPerson(workerCtx, NewPerson.parse({ kind: 'adult', names: [{ givenNames: 'Natasha', familyName: 'Fletcher' }], dateOfBirth: '1995-03-04' }));
    await addRelationship(workerCtx, lily.id, { relatedPersonId: mum.id, type: 'parent', validFrom: '2021-11-20' });
    const record = await addRecord(workerCtx, lily.id, NewRecord.parse({
      kind: 'observation', occurredAt: new Date(clock.now().getTime() - 3_600_000).toISOString(), summary: 'Bruising to the left arm seen on a home visit', categories: ['physical_abuse'],
      factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: { type: 'practitioner' }, confidential: true,
    }));
    const decision = await makeDecision(workerCtx, NewShareDecision.parse({
      personId: lily.id, outcome: 'share', reasons: 'Section 47 enquiry',
      answers: { purposeCode: 'child_protection_enquiry', purpose: 'Enquiry', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 1989 s47' },
      share: { recipients: [{ agencyId: school }], items: [{ recordId: record.id }] },
      subjectInformed: { informed: false, reason: 'It would prejudice the enquiry' },
    }));

    running = await startApp(s);
    // On a phone's width (390 px): each of these pages must fit it without scrolling sideways.
    const j = new Journey(await (await browser.newContext({ baseURL: running.url, viewport: { width: 390, height: 844 } })).newPage(), running.url);
    const teacherTab = new Journey(await (await browser.newContext({ baseURL: running.url })).newPage(), running.url);
    const p = j.page;
    const main = (): Promise<string> => p.locator('main').innerText();
    const errors = (): Promise<string[]> => p.locator('.govuk-error-summary__list a').allInnerTexts();
    const banner = (): Promise<string> => p.locator('.govuk-notification-banner--success').innerText();
    const fits = async (): Promise<void> => expect(await p.evaluate(() => document.documentElement.scrollWidth), p.url()).toBeLessThanOrEqual(390);
    try {
      await teacherTab.signIn(teacher.email);
      await teacherTab.goto(`/records/${record.id}`);
      expect(await teacherTab.heading()).toBe('Bruising to the left arm seen on a home visit');

      await j.signIn(worker.email);

      // Correct a record: from its page, with the reason; the first version stays in the history.
      await j.goto(`/records/${record.id}`);
      await j.click('Correct this record', 'link');
      await p.locator('#summary').fill('Bruising to the right arm seen on a home visit');
      await j.click('Save the correction');
      expect(await errors()).toEqual(['Say why the record is being corrected']);
      expect(await p.locator('#summary').inputValue()).toBe('Bruising to the right arm seen on a home visit');
      await p.locator('#correctionReason').fill('I wrote the wrong arm');
      await j.click('Save the correction');
      expect(await banner()).toContain('The record has been corrected. This is version 2');
      await fits();
      expect(await j.heading()).toBe('Bruising to the right arm seen on a home visit');
      expect(await p.locator('#versions').innerText()).toMatch(/Version 1, .*: Bruising to the left arm seen on a home visit/);

      // Change the child's details: she has moved, and her mother no longer lives with her.
      await j.goto(`/people/${lily.id}`);
      await j.click('Change names, addresses or relationships', 'link');
      await p.locator('#line1').fill('4 Mill Lane');
      await p.locator('#town').fill('Northshire');
      await p.locator('#postcode').fill('NS1 2AB');
      await j.click('Add the address');
      expect(await banner()).toContain('The address has been added.');
      await fits();
      expect(await p.locator('#addresses').innerText()).toContain('4 Mill Lane, Northshire, NS1 2AB');
      await j.click('End the address Flat 9, Carlton House', 'link');
      await j.click('End this address');
      expect(await banner()).toContain('The address has ended.');
      await j.click('End the relationship with Natasha Fletcher', 'link');
      await p.getByLabel('Year').fill('2020');
      await j.click('End this relationship');
      expect(await errors()).toEqual(['The end date must not be before the start date']);
      await p.getByLabel('Year').fill(String(new Date().getFullYear()));
      await j.click('End this relationship');
      expect(await banner()).toContain('The relationship has ended.');
      expect(await p.locator('#relationships').innerText()).toMatch(/Natasha Fletcher: Parent, from 20 November 2021 to /);

      // Her grandmother now cares for her: found by name in the authority's index.
      const gran = await createPerson(workerCtx, NewPerson.parse({ kind: 'adult', names: [{ givenNames: 'Maureen', familyName: 'Fletcher' }], dateOfBirth: '1960-07-08' }));
      await p.getByLabel('Add a relationship: the other person’s name').fill('Maureen Fletcher');
      await j.click('Find the person');
      await p.getByRole('group', { name: 'Who are they related to?' }).getByLabel('Maureen Fletcher').check();
      await p.getByRole('group', { name: /What is that person to Lily Fletcher/ }).getByLabel('Primary carer').check();
      await j.click('Add the relationship');
      expect(await banner()).toContain('The relationship has been added.');
      expect(await p.locator('#relationships').innerText()).toContain('Maureen Fletcher: Primary carer');
      expect(gran.id).toBeTruthy();
      await fits();

      // Revoke the share: the school loses the record at once.
      await j.goto(`/share-decisions/${decision.id}`);
      await j.click('Revoke the share');
      expect(await errors()).toEqual(['Say why the share is being revoked']);
      await p.getByLabel('Why are you revoking it?').fill('Shared with the wrong school');
      await j.click('Revoke the share');
      expect(await banner()).toContain('The share has been revoked.');
      await fits();
      expect(await main()).toContain('Shared with the wrong school');
      await teacherTab.page.reload();
      expect(await teacherTab.heading()).toBe('Page not found');

      // Looked after: recorded, then ended with a reason; the period stays listed.
      await j.goto(`/people/${lily.id}`);
      await j.click('Record that the child is looked after', 'link');
      await p.getByRole('group', { name: 'On what legal basis?' }).getByLabel('Accommodated with the parents’ agreement (section 20)').check();
      await p.locator('#startedTime').fill('00:01');
      await j.click('Record looked after');
      expect(await banner()).toContain('The child is recorded as looked after');
      await j.click('End the looked-after period');
      expect(await errors()).toEqual(['Say why the child is no longer looked after']);
      await p.getByLabel('Why is the child no longer looked after?').fill('Returned home to her mother');
      await j.click('End the looked-after period');
      expect(await banner()).toContain('The looked-after period has ended.');
      await fits();
      expect(await main()).toContain('Returned home to her mother');
      expect(await p.locator('#current-flags').innerText()).toBe('No active flags.');
      expect(j.consoleErrors).toEqual([]);
    } finally {
      await j.page.context().close();
      await teacherTab.page.context().close();
    }
  });
});
