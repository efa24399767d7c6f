import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { loadActor } from '../../src/auth/auth.ts';
import { createAgency, createPartnership } from '../../src/partnership/partnership.ts';
import { addRelationship, createPerson } from '../../src/people/people.ts';
import { NewPerson } from '../../src/people/schemas.ts';
import { openEpisode, recordEpisodeAction } from '../../src/process/episodes.ts';
import { NewReferral } from '../../src/process/referral-schemas.ts';
import { makeReferral } from '../../src/process/referrals.ts';
import { RecordAction } from '../../src/process/schemas.ts';
import { addRecord } from '../../src/records/records.ts';
import { NewRecord } from '../../src/records/schemas.ts';
import { systemClock } from '../../src/shared/clock.ts';
import type { ActorContext, Services } from '../../src/shared/context.ts';
import { ukDate } from '../../src/web/view.ts';
import { resetDb, testDb } from '../db.ts';
import { Journey, launchChromium, staff, startApp, type Running } from './harness.ts';
import { journeySteps } from './steps.ts';

/**
 * Issue 17, items 5 and 6 in the browser: the health visitor refers Ruby, three weeks old, whom
 * children's social care already holds (and whose mother Dawn's first child, Ava, had a plan for
 * neglect). The duty social worker opens the referral, sees the authority's entry offered with
 * why, accepts onto it and allocates Rachel, and is shown the earlier history at once; Rachel's
 * tasks name Ruby in the notification, which leads to the history. axe-core checks every page.
 */
async function cast(s: Services) {
  const p = (await createPartnership(s, { name: 'Northshire Safeguarding Children Partnership', nation: 'england-and-wales' })).id;
  const health = (await createAgency(s, { name: 'Northshire Health Visiting Service', type: 'health_visiting', partnershipIds: [p] })).id;
  const csc = (await createAgency(s, { name: "Northshire Children's Social Care", type: 'childrens_social_care', partnershipIds: [p] })).id;
  const healthVisitor = await staff(s, health, 'Joanne Pike', ['practitioner', 'safeguarding_lead']);
  const duty = await staff(s, csc, 'Dev Patel', ['social_worker']);
  const rachel = await staff(s, csc, 'Rachel Dunn', ['social_worker']);
  await staff(s, csc, 'Grace Okafor', ['manager']);
  const as = async (id: string): Promise<ActorContext> => ({ ...s, actor: (await loadActor(s.db, id))! });
  const [hv, sw] = [await as(healthVisitor.id), await as(duty.id)];
  const day = (daysAgo: number, hh = 10): string => {
    const d = new Date(s.clock.now().getTime() - daysAgo * 86_400_000);
    d.setUTCHours(hh, 0, 0, 0);
    return d.toISOString();
  };
  const rubyBorn = day(21).slice(0, 10);
  const home = { line1: '5 Ashdown Road', town: 'Northshire', postcode: 'NS1 6EJ' };
  const make = (ctx: ActorContext, input: Record<string, unknown>) => createPerson(ctx, NewPerson.parse(input));

  // Children's social care's own index: Dawn, her first child Ava (a plan for neglect in 2018), and Ruby, known since before her birth.
  const dawn = await make(sw, { kind: 'adult', names: [{ givenNames: 'Dawn', familyName: 'Carver' }], dateOfBirth: '1994-02-01', sex: 'female', addresses: [home] });
  const ava = await make(sw, { kind: 'child', names: [{ givenNames: 'Ava', familyName: 'Carver' }], dateOfBirth: '2016-05-01', sex: 'female' });
  await addRelationship(sw, ava.id, { relatedPersonId: dawn.id, type: 'parent' });
  const ep = await openEpisode(sw, { idempotencyKey: 'ava-2018', childPersonId: ava.id, receivedAt: '2018-01-05T09:00:00Z', channel: 'written' });
  const act = (key: string, occurredAt: string, action: Record<string, unknown>) => recordEpisodeAction(sw, ep.id, RecordAction.parse({ idempotencyKey: key, occurredAt, action }));
  await act('d', '2018-01-05T10:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'Neglect' });
  await act('sd', '2018-01-05T11:00:00Z', { type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: csc }], policeInvestigation: false, immediateSafety: 'Daily visits', familyToBeTold: 'Today' });
  await act('s47', '2018-01-12T11:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'Neglect substantiated' });
  await act('c', '2018-01-25T10:00:00Z', {
    type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: [csc], parentsParticipation: 'Attended',
    planDetails: { category: 'neglect', leadAgencyId: csc, keyWorkerId: duty.id, coreGroup: [duty.id], outlinePlan: 'Support', contingencyPlan: 'Review' },
  });
  const ruby = await make(sw, { kind: 'child', names: [{ givenNames: 'Ruby', familyName: 'Carver' }], dateOfBirth: rubyBorn, sex: 'female', addresses: [home] });
  await addRelationship(sw, ruby.id, { relatedPersonId: dawn.id, type: 'parent' });

  // The health visitor's own entries, a bruise she saw, and her referral on a decision to share.
  const hvRuby = await make(hv, { kind: 'child', names: [{ givenNames: 'Ruby', familyName: 'Carver' }], dateOfBirth: rubyBorn, sex: 'female', addresses: [home] });
  const hvDawn = await make(hv, { kind: 'adult', names: [{ givenNames: 'Dawn', familyName: 'Carver' }], dateOfBirth: '1994-02-01', sex: 'female' });
  await addRelationship(hv, hvRuby.id, { relatedPersonId: hvDawn.id, type: 'parent' });
  const bruise = await addRecord(hv, hvRuby.id, NewRecord.parse({
    kind: 'concern', occurredAt: day(1), categories: ['physical_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: { type: 'practitioner' }, confidential: false,
    summary: 'Bruise on the cheek of a non-mobile baby',
  }));
  await makeReferral(hv, NewReferral.parse({
    childPersonId: hvRuby.id, toAgencyId: csc, channel: 'written', urgent: true, concerns: 'A bruise on the cheek of a three-week-old baby', childsWishesAndFeelings: 'Too young to say',
    domains: { developmentalNeeds: 'Feeding well', parentingCapacity: 'Mother anxious and tired', familyAndEnvironment: 'Lives with her mother' },
    familyAgreement: { status: 'not_told', reason: 'Telling her could put Ruby at risk' },
    familyToBeTold: { what: 'That a social worker will visit', byWhom: 'The social worker', when: 'At the first visit' },
    shareDecision: {
      answers: { purposeCode: 'child_protection_enquiry', purpose: 'A bruise on a non-mobile baby', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 2004 s11' },
      outcome: 'share', reasons: 'A bruise on a non-mobile baby is significant harm until shown otherwise',
      share: { recipients: [{ agencyId: csc }], items: [{ recordId: bruise.id, parts: ['summary'] }], includeAddress: true },
      subjectInformed: { informed: false, reason: 'Telling her could put Ruby at risk' },
    },
  }));
  return { duty, rachel, csc, ruby: ruby.id, rubyBorn };
}

describe('accepting a referral onto the baby the authority already holds, in Chromium', () => {
  const step = journeySteps();
  let browser: Browser;
  let running: Running | undefined;
  let j: Journey, p: Page, c: Awaited<ReturnType<typeof cast>>, s: Services;

  beforeAll(async () => {
    browser = await launchChromium();
    const db = await testDb();
    await resetDb(db);
    s = { db, clock: systemClock };
    c = await cast(s);
    running = await startApp(s);
    j = new Journey(await (await browser.newContext({ baseURL: running.url })).newPage(), running.url);
    p = j.page;
  });
  afterAll(async () => {
    await j?.page.context().close();
    await running?.app.close();
    await browser?.close();
  });

  step('the duty social worker opens the referral and is offered the Ruby the authority holds, with why', async () => {
    await j.signIn(c.duty.email);
    await j.click('Referrals', 'link');
    await j.click('Ruby Carver', 'link');
    const main = await p.locator('main').innerText();
    expect(main).toContain('Your agency may already hold this child');
    const offered = p.getByRole('group', { name: 'Which entry is the child?' });
    const label = await offered.locator('label', { hasText: `Ruby Carver, born ${ukDate(c.rubyBorn)}` }).innerText();
    expect(label).toMatch(/(very likely|possibly) the same child, \d+%/);
    expect(await offered.innerText()).toContain('Why:');
    expect(await offered.innerText()).toContain('None of these: add a new entry from the referral');
  });

  step('she accepts onto that entry, allocates Rachel, and is shown the earlier history at once', async () => {
    await p.getByRole('group', { name: 'Which entry is the child?' }).getByLabel(new RegExp(`Ruby Carver, born ${ukDate(c.rubyBorn)}`)).check();
    await p.getByLabel('Allocate to (optional)').selectOption({ label: 'Rachel Dunn' });
    await j.click('Accept and open an episode');
    expect(await p.locator('.govuk-notification-banner--success').innerText()).toContain('an episode opened');
    const history = await p.locator('#earlier-plans ~ table').first().innerText();
    expect(history).toContain('Ava Carver, born 1 May 2016');
    expect(history).toContain('Dawn Carver, parent of this child, is parent of that child');
    expect(history).toContain('Neglect plan from 25 January 2018');
    expect(history).toContain("Northshire Children's Social Care");
    // No second entry for Ruby.
    expect((await s.db.query("SELECT 1 FROM person p JOIN person_name n ON n.person_id = p.id WHERE p.agency_id = $1 AND n.given_names = 'Ruby'", [c.csc])).rowCount).toBe(1);
    await j.click('The child’s page', 'link');
    expect(await j.heading()).toBe('Ruby Carver');
    expect(await p.locator('#earlier-plans ~ table').first().innerText()).toContain('Ava Carver');
    // The episode shows the plan too, and who holds the case, with the way to reallocate it.
    await j.goto(`/episodes/${(await s.db.query<{ id: string }>('SELECT id FROM episode WHERE child_person_id = $1', [c.ruby])).rows[0]!.id}`);
    expect(await p.locator('main').innerText()).toContain('Rachel Dunn');
    expect(await p.locator('#earlier-plans ~ table').first().innerText()).toContain('Neglect plan from 25 January 2018');
    await j.click(/^Change/, 'link');
    expect(await j.heading()).toBe('Allocate the child’s episode');
    await j.signOut();
  });

  step("Rachel's tasks name Ruby in the notification, which leads to the earlier history; no page logged an error", async () => {
    await j.signIn(c.rachel.email);
    const row = p.locator('#notifications ~ table tr', { hasText: 'earlier child protection plan' }).first();
    const text = await row.innerText();
    expect(text).toContain(`Ruby Carver, born ${ukDate(c.rubyBorn)}`);
    expect(text).not.toMatch(/Ava|Dawn/);
    await j.navigate(() => row.getByRole('link', { name: /earlier child protection plan/ }).click());
    expect(await j.heading()).toBe('Ruby Carver');
    expect(await p.locator('#earlier-plans ~ table').first().innerText()).toContain('Neglect plan from 25 January 2018');
    expect(j.consoleErrors).toEqual([]);
  });
});
