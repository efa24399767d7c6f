import { describe, expect, it } from 'vitest';
import { londonDate, workingDayCalendar } from './working-days.ts';

const cal = workingDayCalendar({});

describe('the working-day clock', () => {
  it('does not count the start day: a Monday referral decided "within 1 working day" is due Tuesday', () => {
    expect(cal.addWorkingDays('england-and-wales', '2026-03-02', 1)).toBe('2026-03-03');
    expect(cal.addWorkingDays('england-and-wales', '2026-03-02', 0)).toBe('2026-03-02');
  });

  it('skips the weekend: Friday + 1 working day is Monday', () => {
    expect(cal.addWorkingDays('england-and-wales', '2026-03-06', 1)).toBe('2026-03-09');
  });

  it('skips Good Friday and Easter Monday in England (2026: 3 and 6 April)', () => {
    expect(cal.addWorkingDays('england-and-wales', '2026-04-02', 1)).toBe('2026-04-07');
  });

  it('Easter Monday is a working day in Scotland', () => {
    expect(cal.isWorkingDay('scotland', '2026-04-06')).toBe(true);
    expect(cal.isWorkingDay('scotland', '2026-04-03')).toBe(false);
  });

  it('across Christmas 2026 (Christmas Friday, Boxing Day substitute Monday 28th): 24 Dec + 1 is 29 Dec', () => {
    expect(cal.addWorkingDays('england-and-wales', '2026-12-24', 1)).toBe('2026-12-29');
  });

  it('15 working days from a strategy discussion on 10 December 2026 lands on 5 January 2027', () => {
    // 11,14,15,16,17,18,21,22,23,24 (10), 29,30,31 (13), [1 Jan holiday], 4 (14), 5 (15)
    expect(cal.addWorkingDays('england-and-wales', '2026-12-10', 15)).toBe('2027-01-05');
  });

  it('counts the working days between two dates with the same convention', () => {
    expect(cal.workingDaysBetween('england-and-wales', '2026-12-10', '2027-01-05')).toBe(15);
    expect(cal.workingDaysBetween('england-and-wales', '2026-03-02', '2026-03-02')).toBe(0);
  });

  it("knows St Andrew's Day in Scotland and the Twelfth in Northern Ireland", () => {
    expect(cal.bankHoliday('scotland', '2026-11-30')).toMatch(/Andrew/);
    expect(cal.bankHoliday('northern-ireland', '2026-07-13')).toMatch(/Boyne|Orangemen/);
  });

  it('uses the London calendar day: 23:30 UTC in summer is already the next day', () => {
    expect(londonDate(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01');
    expect(londonDate(new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31');
  });
});
