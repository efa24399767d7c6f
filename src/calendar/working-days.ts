import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { projectedBankHolidays } from './projected-bank-holidays.ts';

/**
 * Working days: Monday to Friday, less the bank holidays of the child's nation, from a bundled
 * copy of the GOV.UK bank-holidays feed (src/calendar/bank-holidays.json, 2019–2027). A newer
 * feed can be dropped in with JIGSAW_BANK_HOLIDAYS_FILE without a release. For a year beyond the
 * newest one the feeds give for a nation, the clock does not run out (a due date in 2028 must still
 * skip Christmas): that year's bank holidays are worked out by the date-holidays package
 * (projected-bank-holidays.ts), and the calendar warns once that the feed should be refreshed.
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

// No logger reaches the calendar: services get a database and a clock, and the one calendar is
// made on first use deep inside a transaction. Until the server says where its log is, a warning
// goes to process.emitWarning (stderr, with a code to filter on) so that CLI commands, the bench
// and tests still show it.
let warnOperator = (message: string): void => process.emitWarning(message, { code: 'JIGSAW_BANK_HOLIDAYS_STALE' });

/** Where the process-wide calendar's warning goes: the server passes its JSON log. */
export function sendCalendarWarningsTo(warn: (message: string) => void): void {
  warnOperator = warn;
}

export interface CalendarOptions {
  /** Told once per calendar, the first time a date beyond the feed is asked about (default: see sendCalendarWarningsTo). */
  warn?: (message: string) => void;
}

export class WorkingDayCalendar {
  private readonly holidays: Record<CalendarNation, Map<string, string>>;
  /** The last day each nation's feed covers ("2027-12-31"); any later date is worked out. */
  private readonly feedEnds: Record<CalendarNation, string>;
  private readonly projectedYears = new Set<string>();
  private readonly warn: (message: string) => void;
  private warned = false;

  constructor(feeds: unknown[], options: CalendarOptions = {}) {
    this.holidays = { 'england-and-wales': new Map(), scotland: new Map(), 'northern-ireland': new Map() };
    this.feedEnds = { 'england-and-wales': '', scotland: '', 'northern-ireland': '' };
    for (const raw of feeds) {
      const feed = Feed.parse(raw);
      for (const nation of NATIONS) {
        for (const e of feed[nation]?.events ?? []) {
          this.holidays[nation].set(e.date, e.title);
          const yearEnd = `${e.date.slice(0, 4)}-12-31`;
          if (yearEnd > this.feedEnds[nation]) this.feedEnds[nation] = yearEnd;
        }
      }
    }
    this.warn = options.warn ?? ((message) => warnOperator(message));
  }

  /** The newest year the feeds cover for a nation (undefined when they have none for it). */
  newestFeedYear(nation: CalendarNation): number | undefined {
    return this.feedEnds[nation] ? Number(this.feedEnds[nation].slice(0, 4)) : undefined;
  }

  /**
   * The nation's holidays, with the date's year filled in from date-holidays first when the feed
   * does not reach it. The feed's own years are never touched: it wins wherever it covers.
   */
  private holidaysAround(nation: CalendarNation, date: string): Map<string, string> {
    const days = this.holidays[nation];
    // ISO dates compare as strings; this one comparison is all that the usual case costs.
    if (date <= this.feedEnds[nation]) return days;
    const year = date.slice(0, 4);
    const key = `${nation} ${year}`;
    if (!this.projectedYears.has(key)) {
      this.projectedYears.add(key);
      for (const [d, name] of projectedBankHolidays(nation, Number(year))) days.set(d, name);
      if (!this.warned) {
        this.warned = true;
        // Nation and year only: the date asked about may be a child's.
        const newest = this.newestFeedYear(nation);
        this.warn(
          `The bank-holidays feed has no ${nation} holidays for ${year}${newest ? ` (it ends in ${newest})` : ''}; ` +
            'they are worked out by the date-holidays package until the feed is refreshed: replace ' +
            'src/calendar/bank-holidays.json or set JIGSAW_BANK_HOLIDAYS_FILE to a newer copy of https://www.gov.uk/bank-holidays.json. ' +
            '(Said once; other years and nations beyond the feed are worked out the same way.)',
        );
      }
    }
    return days;
  }

  /** The bank holiday's name on that date in that nation, if it is one. */
  bankHoliday(nation: CalendarNation, date: string): string | undefined {
    return this.holidaysAround(nation, date).get(date);
  }

  isWorkingDay(nation: CalendarNation, date: string): boolean {
    const day = new Date(`${date}T00:00:00Z`).getUTCDay();
    return day !== 0 && day !== 6 && !this.holidaysAround(nation, date).has(date);
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

/** The process-wide calendar: the bundled feed, then JIGSAW_BANK_HOLIDAYS_FILE on top of it. */
export function workingDayCalendar(env: NodeJS.ProcessEnv = process.env): WorkingDayCalendar {
  if (defaultCalendar) return defaultCalendar;
  const feeds: unknown[] = [JSON.parse(readFileSync(new URL('./bank-holidays.json', import.meta.url), 'utf8'))];
  if (env.JIGSAW_BANK_HOLIDAYS_FILE) feeds.push(JSON.parse(readFileSync(env.JIGSAW_BANK_HOLIDAYS_FILE, 'utf8')));
  return (defaultCalendar = new WorkingDayCalendar(feeds));
}
