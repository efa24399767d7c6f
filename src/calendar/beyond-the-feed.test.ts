import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { projectedBankHolidays } from './projected-bank-holidays.ts';
import { NATIONS, WorkingDayCalendar, type CalendarNation } from './working-days.ts';

// The bundled GOV.UK feed, as the process-wide calendar reads it.
const bundled = JSON.parse(readFileSync(new URL('./bank-holidays.json', import.meta.url), 'utf8')) as Record<CalendarNation, { events: { date: string; title: string }[] }>;

/** A calendar of the bundled feed (2019–2027) whose warnings are collected, not printed. */
function calendarWithWarnings(extraFeeds: unknown[] = []): { cal: WorkingDayCalendar; warnings: string[] } {
  const warnings: string[] = [];
  return { cal: new WorkingDayCalendar([bundled, ...extraFeeds], { warn: (m) => warnings.push(m) }), warnings };
}

describe('bank holidays worked out by date-holidays agree with the GOV.UK feed', () => {
  // This proves the mapping (GB-ENG for England and Wales, GB-SCT, GB-NIR; type "public"; weekend
  // entries dropped in favour of their substitute days). It covers the one-off days too: 2020's VE
  // Day moved to Friday 8 May, 2022's Platinum Jubilee (2 and 3 June) and the Queen's State
  // Funeral (19 September), and 2023's Coronation (8 May) — date-holidays 3.37 has all of them.
  // A one-off announced after a package release would show up here as a failure once the feed
  // has it; the feed still wins in the calendar wherever it covers.
  for (const nation of NATIONS) {
    it(`for ${nation}, every year the bundled feed covers (2019–2027), date for date`, () => {
      for (let year = 2019; year <= 2027; year++) {
        const feed = bundled[nation].events.map((e) => e.date).filter((d) => d.startsWith(`${year}-`)).sort();
        expect([...projectedBankHolidays(nation, year).keys()].sort(), `${nation} ${year}`).toEqual(feed);
      }
    });
  }

  it('takes the substitute days, not the weekend: Christmas 2027 falls on a Saturday', () => {
    // GOV.UK: Christmas Day substitute Monday 27 December, Boxing Day substitute Tuesday 28th.
    const days = projectedBankHolidays('england-and-wales', 2027);
    expect(days.has('2027-12-25')).toBe(false);
    expect(days.has('2027-12-27')).toBe(true);
    expect(days.has('2027-12-28')).toBe(true);
    expect(bundled['england-and-wales'].events.map((e) => e.date)).toEqual(expect.arrayContaining(['2027-12-27', '2027-12-28']));
  });

  it('England and Wales have the same bank holidays in date-holidays too (one feed division for both)', async () => {
    const { default: Holidays } = await import('date-holidays');
    const dates = (state: string, year: number): string[] =>
      new Holidays('GB', state).getHolidays(year).filter((h) => h.type === 'public').map((h) => h.date.slice(0, 10));
    for (let year = 2019; year <= 2040; year++) expect(dates('WLS', year), String(year)).toEqual(dates('ENG', year));
  });
});

describe('due dates beyond the bundled feed', () => {
  it('15 working days from Wednesday 20 December 2028 in England and Wales, and in Northern Ireland, is Monday 15 January 2029', () => {
    // Thu 21 (1), Fri 22 (2); Christmas Day Mon 25 and Boxing Day Tue 26; Wed 27 (3), Thu 28 (4),
    // Fri 29 (5); New Year's Day Mon 1 Jan 2029; Tue 2 (6), Wed 3 (7), Thu 4 (8), Fri 5 (9),
    // Mon 8 (10), Tue 9 (11), Wed 10 (12), Thu 11 (13), Fri 12 (14), Mon 15 (15).
    const { cal } = calendarWithWarnings();
    expect(cal.addWorkingDays('england-and-wales', '2028-12-20', 15)).toBe('2029-01-15');
    expect(cal.addWorkingDays('northern-ireland', '2028-12-20', 15)).toBe('2029-01-15');
    expect(cal.bankHoliday('england-and-wales', '2028-12-25')).toBe('Christmas Day');
    expect(cal.bankHoliday('england-and-wales', '2028-12-26')).toBe('Boxing Day');
  });

  it('in Scotland the same 15 working days end a day later, Tuesday 16 January 2029, because 2 January is a holiday', () => {
    // As above to Fri 29 Dec (5); then Mon 1 and Tue 2 Jan 2029 are both holidays; Wed 3 (6),
    // Thu 4 (7), Fri 5 (8), Mon 8 (9), Tue 9 (10), Wed 10 (11), Thu 11 (12), Fri 12 (13),
    // Mon 15 (14), Tue 16 (15).
    const { cal } = calendarWithWarnings();
    expect(cal.addWorkingDays('scotland', '2028-12-20', 15)).toBe('2029-01-16');
    expect(cal.isWorkingDay('scotland', '2029-01-02')).toBe(false);
    expect(cal.isWorkingDay('england-and-wales', '2029-01-02')).toBe(true);
  });

  it('10 working days from Monday 15 April 2030 (Easter Sunday is 21 April) is Wednesday 1 May in England and Wales and Northern Ireland', () => {
    // Tue 16 (1), Wed 17 (2), Thu 18 (3); Good Friday 19; weekend; Easter Monday 22; Tue 23 (4),
    // Wed 24 (5), Thu 25 (6), Fri 26 (7), Mon 29 (8), Tue 30 (9), Wed 1 May (10). (Early May bank
    // holiday is Monday 6 May, after.)
    const { cal } = calendarWithWarnings();
    expect(cal.addWorkingDays('england-and-wales', '2030-04-15', 10)).toBe('2030-05-01');
    expect(cal.addWorkingDays('northern-ireland', '2030-04-15', 10)).toBe('2030-05-01');
  });

  it('in Scotland Easter Monday 2030 is a working day, so the same 10 working days end on Tuesday 30 April', () => {
    // Tue 16 (1), Wed 17 (2), Thu 18 (3); Good Friday 19; weekend; Mon 22 (4), Tue 23 (5),
    // Wed 24 (6), Thu 25 (7), Fri 26 (8), Mon 29 (9), Tue 30 (10).
    const { cal } = calendarWithWarnings();
    expect(cal.addWorkingDays('scotland', '2030-04-15', 10)).toBe('2030-04-30');
    expect(cal.isWorkingDay('scotland', '2030-04-19')).toBe(false);
    expect(cal.isWorkingDay('scotland', '2030-04-22')).toBe(true);
  });

  it("Northern Ireland's own days in 2030: St Patrick's Day (a Sunday, so Monday 18 March) and the Twelfth (a Friday)", () => {
    const { cal } = calendarWithWarnings();
    // Friday 15 March + 1 working day: Monday 18 is the substitute for St Patrick's Day.
    expect(cal.addWorkingDays('northern-ireland', '2030-03-15', 1)).toBe('2030-03-19');
    expect(cal.addWorkingDays('england-and-wales', '2030-03-15', 1)).toBe('2030-03-18');
    // Thursday 11 July + 1 working day: Friday 12 July is a holiday in Northern Ireland only.
    expect(cal.addWorkingDays('northern-ireland', '2030-07-11', 1)).toBe('2030-07-15');
    expect(cal.addWorkingDays('england-and-wales', '2030-07-11', 1)).toBe('2030-07-12');
    expect(cal.addWorkingDays('scotland', '2030-07-11', 1)).toBe('2030-07-12');
  });

  it("St Andrew's Day 2030 falls on a Saturday, so Scotland's holiday is Monday 2 December", () => {
    const { cal } = calendarWithWarnings();
    expect(cal.isWorkingDay('scotland', '2030-12-02')).toBe(false);
    expect(cal.isWorkingDay('england-and-wales', '2030-12-02')).toBe(true);
  });

  it('counts working days between dates beyond the feed the same way', () => {
    const { cal } = calendarWithWarnings();
    expect(cal.workingDaysBetween('england-and-wales', '2028-12-20', '2029-01-15')).toBe(15);
    expect(cal.workingDaysBetween('scotland', '2028-12-20', '2029-01-15')).toBe(14);
  });
});

describe('the warning that the feed needs refreshing', () => {
  it('is given once, naming the nation and year, however many dates, years and nations are asked about', () => {
    const { cal, warnings } = calendarWithWarnings();
    cal.addWorkingDays('england-and-wales', '2026-12-10', 15); // inside the feed: no warning
    expect(warnings).toEqual([]);
    cal.addWorkingDays('scotland', '2028-12-20', 15);
    cal.addWorkingDays('england-and-wales', '2028-12-20', 15);
    cal.addWorkingDays('northern-ireland', '2030-04-15', 10);
    for (let i = 0; i < 50; i++) cal.isWorkingDay('england-and-wales', '2031-01-01');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/scotland/);
    expect(warnings[0]).toMatch(/2028/);
    expect(warnings[0]).toMatch(/ends in 2027/);
    expect(warnings[0]).toMatch(/JIGSAW_BANK_HOLIDAYS_FILE/);
    // Nation and year only: never the date a child's case was asked about.
    expect(warnings[0]).not.toMatch(/2028-12/);
  });

  it('is not given for a year a newer feed (JIGSAW_BANK_HOLIDAYS_FILE) covers, and that feed wins over date-holidays', () => {
    // A newer feed for England and Wales only, with a one-off day date-holidays cannot know.
    const newer = { 'england-and-wales': { division: 'england-and-wales', events: [
      { title: 'Christmas Day', date: '2028-12-25' }, { title: 'Boxing Day', date: '2028-12-26' },
      { title: 'A one-off bank holiday', date: '2028-06-05' },
    ] } };
    const { cal, warnings } = calendarWithWarnings([newer]);
    expect(cal.newestFeedYear('england-and-wales')).toBe(2028);
    expect(cal.bankHoliday('england-and-wales', '2028-06-05')).toBe('A one-off bank holiday');
    // The feed for 2028 is taken as it is: Good Friday is missing from this made-up feed, so it counts.
    expect(cal.isWorkingDay('england-and-wales', '2028-04-14')).toBe(true);
    expect(warnings).toEqual([]);
    // Scotland's feed still ends in 2027.
    expect(cal.isWorkingDay('scotland', '2028-04-14')).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/scotland.*2028/);
  });
});
