import { createRequire } from 'node:module';
import type HolidaysClass from 'date-holidays';
import type { CalendarNation } from './working-days.ts';

/**
 * Bank holidays for a year the GOV.UK feed does not reach yet, worked out by the date-holidays
 * package from its rules (fixed dates, Easter, "first Monday in May", substitute days).
 *
 * The mapping is proved, not assumed: working-days.test.ts checks that for every year the bundled
 * feed covers, this function gives exactly the feed's dates for each nation — including the
 * one-off days (2020 VE Day moved to a Friday, 2022 Platinum Jubilee and the Queen's State
 * Funeral, 2023 Coronation), which date-holidays 3.37 lists too. A one-off day announced after the
 * package was released (a future jubilee or funeral) cannot be known here; that is why the feed
 * always wins where it covers and why the calendar warns that the feed needs refreshing.
 */

// date-holidays names England and Wales separately; their bank holidays are the same (the test
// checks both against the one "england-and-wales" division of the feed).
const STATE: Record<CalendarNation, string> = { 'england-and-wales': 'ENG', scotland: 'SCT', 'northern-ireland': 'NIR' };

// Loaded on first need, not at start-up: the package brings every country's rules (about half a
// second to load), and until the bundled feed runs out no one needs it.
let Holidays: typeof HolidaysClass | undefined;
const byNation = new Map<CalendarNation, HolidaysClass>();

function holidaysOf(nation: CalendarNation): HolidaysClass {
  let hd = byNation.get(nation);
  if (!hd) {
    Holidays ??= createRequire(import.meta.url)('date-holidays') as typeof HolidaysClass;
    hd = new Holidays('GB', STATE[nation]);
    byNation.set(nation, hd);
  }
  return hd;
}

/** Date (YYYY-MM-DD) → name of each bank holiday in that nation and year, as GOV.UK would list it. */
export function projectedBankHolidays(nation: CalendarNation, year: number): Map<string, string> {
  const days = new Map<string, string>();
  for (const h of holidaysOf(nation).getHolidays(year)) {
    // GB's bank holidays are all of type 'public' in date-holidays ('observance' is Mother's Day,
    // Halloween and the like; GB has no 'bank' type).
    if (h.type !== 'public') continue;
    // The date is local to Europe/London ("2028-12-25 00:00:00"), so its first ten characters are
    // the calendar day.
    const date = h.date.slice(0, 10);
    // date-holidays lists both the day itself and its substitute ("in lieu") when it falls at a
    // weekend — Christmas Day on Saturday 25 December 2027 and the substitute on Monday 27th.
    // GOV.UK lists only the substitute, and a weekend is not a working day anyway, so the weekend
    // entry is dropped to keep the two lists the same.
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    days.set(date, h.name);
  }
  return days;
}
