import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Working days: Monday to Friday, less the bank holidays of the child's nation, from a bundled
 * copy of the GOV.UK bank-holidays feed (src/calendar/bank-holidays.json, 2019–2027). A newer
 * feed can be dropped in with JIGSAW_BANK_HOLIDAYS_FILE without a release.
 *
 * Counting convention: the day something happens is day 0 and does not count. "Within 1
 * working day" of a Friday referral means by the end of the next working day (Monday, or Tuesday
 * after a bank holiday Monday). A step due "within N working days" is due on the Nth working day
 * after the start day. (The DfE CIN validator counts the start day as day 1; Jigsaw follows the
 * statutory guidance's wording and DfE's own sample — see docs/decisions.md.)
 */

export const NATIONS = ['england-and-wales', 'scotland', 'northern-ireland'] as const;
export type CalendarNation = (typeof NATIONS)[number];

const Feed = z.record(z.string(), z.object({ division: z.string().optional(), events: z.array(z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), title: z.string() })) }));

export class WorkingDayCalendar {
  private readonly holidays: Record<CalendarNation, Map<string, string>>;

  constructor(feeds: unknown[]) {
    this.holidays = { 'england-and-wales': new Map(), scotland: new Map(), 'northern-ireland': new Map() };
    for (const raw of feeds) {
      const feed = Feed.parse(raw);
      for (const nation of NATIONS) for (const e of feed[nation]?.events ?? []) this.holidays[nation].set(e.date, e.title);
    }
  }

  /** The bank holiday's name on that date in that nation, if it is one. */
  bankHoliday(nation: CalendarNation, date: string): string | undefined {
    return this.holidays[nation].get(date);
  }

  isWorkingDay(nation: CalendarNation, date: string): boolean {
    const day = new Date(`${date}T00:00:00Z`).getUTCDay();
    return day !== 0 && day !== 6 && !this.holidays[nation].has(date);
  }

  /** The Nth working day after `date` (which itself does not count). n = 0 gives `date` itself. */
  addWorkingDays(nation: CalendarNation, date: string, n: number): string {
    let d = date;
    let left = n;
    while (left > 0) {
      d = addDays(d, 1);
      if (this.isWorkingDay(nation, d)) left -= 1;
    }
    return d;
  }

  /** Working days after `from` up to and including `to` (0 when `to` is not after `from`). */
  workingDaysBetween(nation: CalendarNation, from: string, to: string): number {
    let count = 0;
    for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (this.isWorkingDay(nation, d)) count += 1;
    return count;
  }
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The date in London for an instant: statutory days are UK calendar days, not UTC ones. */
// Built once: constructing an Intl formatter costs far more than formatting with it, and the
// engine asks for a London date for every action it folds.
const LONDON_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

export function londonDate(instant: Date): string {
  return LONDON_DAY.format(instant);
}

let defaultCalendar: WorkingDayCalendar | undefined;

export function workingDayCalendar(env: NodeJS.ProcessEnv = process.env): WorkingDayCalendar {
  if (defaultCalendar) return defaultCalendar;
  const feeds: unknown[] = [JSON.parse(readFileSync(new URL('./bank-holidays.json', import.meta.url), 'utf8'))];
  if (env.JIGSAW_BANK_HOLIDAYS_FILE) feeds.push(JSON.parse(readFileSync(env.JIGSAW_BANK_HOLIDAYS_FILE, 'utf8')));
  return (defaultCalendar = new WorkingDayCalendar(feeds));
}
