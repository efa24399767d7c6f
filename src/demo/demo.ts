import type { Services } from '../shared/context.ts';
import { DEMO_AGENCIES } from './agencies.ts';
import { caseKate } from './cases/case1-kate.ts';
import { caseCathy } from './cases/case2-cathy.ts';
import { caseJackAndJenny } from './cases/case3-jack-and-jenny.ts';
import { caseEstateFamily } from './cases/case4-estate-family.ts';
import { caseJagFamilies } from './cases/case5-jag-families.ts';
import { caseHelen } from './cases/case6-helen.ts';
import { caseNatasha } from './cases/case7-natasha.ts';
import { caseMaggieAndMark } from './cases/case8-maggie-and-mark.ts';
import { Story, type DemoAccount } from './story.ts';
import { updateFlagSettings } from '../flags/flags.ts';
import { censusItems } from './census-items.ts';

export type { DemoAccount } from './story.ts';

export const DEMO_PARTNERSHIP_NAME = 'Northshire Safeguarding Children Partnership (demo)';

/** How long before "now" the demo partnership started using Jigsaw: older history arrives migrated (back-dated). */
const GO_LIVE_WORKING_DAYS_AGO = 900;

/**
 * The demo partnership: the agencies, practitioners, people and records of the eight case
 * examples (shared/seeds/case-examples.txt). Everyone and everything is fictional. Dates are
 * relative to the services' clock, so the children are the ages the case examples give on the
 * day the demo is loaded, and every record describes the past.
 */
export async function loadDemo(s: Services, opts: { passwordHash: string }): Promise<DemoAccount[]> {
  const story = new Story(s.clock.now());
  for (const agency of DEMO_AGENCIES) story.addAgency(agency);
  // The numbers hospitals are shown with the authority's flags (Ofcom's drama ranges: never a real line).
  story.act(story.day(GO_LIVE_WORKING_DAYS_AGO - 1, '09:00'), 'cscAdmin', 'csc sets the numbers shown with its flags', async (ctx) => {
    await updateFlagSettings(ctx, { officeHoursPhone: '01632 960400', outOfHoursPhone: '07700 900400' });
  });
  for (const tell of [caseKate, caseCathy, caseJackAndJenny, caseEstateFamily, caseJagFamilies, caseHelen, caseNatasha, caseMaggieAndMark]) tell(story);
  // The children with an episode at children's social care (the story's key → given name).
  censusItems(story, { natasha: 'Natasha', unbornBaby: 'Baby' });
  return story.play(s, DEMO_PARTNERSHIP_NAME, story.day(GO_LIVE_WORKING_DAYS_AGO, '08:00'), opts.passwordHash);
}
