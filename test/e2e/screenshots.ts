/**
 * npm run screenshots: the main pages, taken in Debian's Chromium of the demo partnership (the
 * eight case examples), saved as PNG in docs/screenshots/ and listed in docs/web.md.
 * An in-memory database: nothing is kept.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { hashPassword } from '../../src/auth/passwords.ts';
import { openPGlite } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { loadDemo } from '../../src/demo/demo.ts';
import { fictionalNhsNumber } from '../../src/demo/story.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { Journey, launchChromium, startApp } from './harness.ts';

const OUT = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const PASSWORD = 'screenshots-only-password';

const db = await openPGlite(undefined);
await migrate(db);
const services = { db, clock: systemClock };
const accounts = await loadDemo(services, { passwordHash: await hashPassword(PASSWORD) });
const email = (name: string): string => accounts.find((a) => a.name === name)!.email;
const running = await startApp(services);
const browser = await launchChromium();
await mkdir(OUT, { recursive: true });
const taken: string[] = [];
try {
  const context = await browser.newContext({ baseURL: running.url, viewport: { width: 1100, height: 900 } });
  const j = new Journey(await context.newPage(), running.url);
  const p = j.page;
  const shot = async (name: string): Promise<void> => {
    await p.screenshot({ path: `${OUT}${name}.png`, fullPage: true });
    taken.push(name);
  };
  const signIn = async (name: string): Promise<void> => {
    await j.goto('/sign-in');
    await p.getByLabel('E-mail address').fill(email(name));
    await p.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await j.click('Sign in');
  };
  const choose = async (group: string | RegExp, option: string): Promise<void> => {
    await p.getByRole('group', { name: group }).getByLabel(option, { exact: true }).check();
  };

  await j.goto('/');
  await shot('00-start');
  await j.goto('/sign-in');
  await shot('01-sign-in');
  // Jack's class teacher (case example 3).
  await signIn('Amira Shah');
  await shot('02-my-tasks');
  await j.click('Find a person', 'link');
  await p.getByLabel('Name', { exact: true }).fill('jack carver');
  await j.click('Search');
  await shot('03-find-a-person');
  await j.click('Jack Carver', 'link');
  const jack = new URL(p.url()).pathname;
  await shot('04-person');
  await j.click('Record a concern or other record', 'link');
  await p.getByLabel('Details (optional)').fill('Seen at lunch.');
  await j.click('Save record');
  await shot('05-record-errors');
  await j.goto(`${jack}/chronology`);
  await shot('06-chronology');
  await j.goto(`${jack}/share`);
  await shot('07-share-purpose');
  await choose('What is the purpose of sharing?', "Monitoring a child's welfare");
  await p.getByLabel('Describe the purpose in your own words').fill('To find out whether the health visitor shares our worries about Jack');
  await choose(/within your agency’s functions/, 'Yes');
  await j.click('Continue');
  await choose('Does one apply?', 'No');
  await j.click('Continue');
  await choose(/identify a living person/, 'Yes');
  await j.click('Continue');
  await choose(/private or sensitive/, 'No');
  await j.click('Continue');
  await shot('08-share-outcome');
  await choose('Will you share?', 'Yes, share');
  await j.click('Continue');
  await p.getByRole('group', { name: 'Which records?' }).getByLabel(/fell asleep/).check();
  await choose('Who with?', 'Northshire Health Visiting Service');
  await choose('Who with?', "Northshire Children's Social Care");
  await j.click('Continue');
  await choose('Have they been told?', 'No');
  await p.getByLabel('Why not?').fill('We will tell his mother at collection today');
  await j.click('Continue');
  await p.getByLabel('Record the reasons for your decision').fill('The health visitor knows the family and can say whether they are coping');
  await j.click('Continue');
  await shot('09-share-check-your-answers');
  await j.click('Record the decision');
  await shot('10-share-decision');
  await j.click("Refer to Northshire Children's Social Care", 'link');
  await choose('Who are you referring to?', "Northshire Children's Social Care");
  await p.getByLabel('Your concerns').fill('Jack is often late, hungry and tired, and fell asleep in class');
  await p.getByLabel('The child’s developmental needs').fill('Small and thin for his age');
  await p.getByLabel('The parents’ or carers’ capacity to respond to them').fill('His mother may not be coping with three children under six');
  await p.getByLabel('The wider family and environment').fill('Not known');
  await p.getByLabel('The child’s wishes and feelings').fill('Jack says he likes school');
  await choose(/Were the child and parents told/, 'Told, and they agreed');
  await p.getByLabel('What they will be told').fill('That the school has asked for help for the family');
  await p.getByLabel('By whom').fill('Karen Doyle');
  await p.getByLabel('When', { exact: true }).fill('Today, at collection');
  await shot('11-referral-form');
  await j.click('Continue');
  await j.click('Confirm and send');
  await j.signOut();
  // The health visitor sees what was shared.
  await signIn('Joanne Pike');
  await j.goto('/shared-with-me');
  await shot('12-shared-with-you');
  await j.signOut();
  // The duty social worker's referral queue and a child's process.
  await signIn('Tom Haskins');
  await j.goto('/referrals');
  await shot('13-referral-queue');
  const firstReferral = p.locator('#queue ~ table a.govuk-link').first();
  if (await firstReferral.count()) {
    await j.navigate(() => firstReferral.click());
    await shot('14-referral');
  }
  await j.goto('/process');
  await shot('15-process');
  const firstEpisode = p.locator('a[href^="/episodes/"]').first();
  if (await firstEpisode.count()) {
    await j.navigate(() => firstEpisode.click());
    await shot('16-episode');
  }
  await j.signOut();
  // A doctor looks up Natasha (on a child protection plan, case example 7) in an unscheduled attendance;
  // children's social care then sees that she was seen.
  await signIn('Dr Sam Okoye');
  await j.goto('/flags/lookup');
  await p.getByLabel('Your care setting').fill('Northshire General Hospital emergency department');
  await choose('What kind of care setting is it?', 'Emergency department');
  await choose('Was the child’s attendance planned?', 'No, it is unscheduled');
  await choose('Do you have the child’s NHS number?', 'Yes');
  await p.getByLabel('NHS number').fill(fictionalNhsNumber(700_001));
  await j.click('Look up flags');
  await shot('18-flag-lookup');
  await j.signOut();
  await signIn('Tom Haskins');
  await j.goto('/seen-notifications');
  await shot('19-seen-notifications');
  await j.signOut();
  await signIn('Olu Adebayo');
  await j.goto('/admin/practitioners');
  await shot('17-administration');
  console.log(`Saved ${taken.length} screenshots in docs/screenshots/: ${taken.join(', ')}`);
} finally {
  await browser.close();
  await running.app.close();
  await db.close();
}
