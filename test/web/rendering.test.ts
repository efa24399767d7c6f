import { describe, expect, it } from 'vitest';
import { ukLocalIso } from '../../src/calendar/uk-time.ts';
import { chronologyCsv, CSV_HEADER } from '../../src/chronology/render.ts';
import type { Chronology } from '../../src/chronology/schemas.ts';
import { parse } from 'csv-parse/sync';
import { childLabel, escapeHtml, govukTag, renderView, ukDate, ukDateTime, ukTime } from '../../src/web/view.ts';

/** Issue 17, item 10: times and dates as people in the UK read them; text escaped once. */

describe('times and dates on the pages', () => {
  it('noon is "midday" (it was "0:00pm"), midnight is "midnight", on the hour has no ":00"', () => {
    // 11:00 UTC is noon in British Summer Time; 12:00 UTC is noon in winter.
    expect(ukTime('2026-07-01T11:00:00Z')).toBe('midday');
    expect(ukTime('2026-12-01T12:00:00Z')).toBe('midday');
    expect(ukTime('2026-07-01T11:30:00Z')).toBe('12:30pm');
    expect(ukTime('2026-12-01T00:00:00Z')).toBe('midnight');
    expect(ukTime('2026-06-30T23:00:00Z')).toBe('midnight');
    expect(ukTime('2026-12-01T00:30:00Z')).toBe('12:30am');
    expect(ukTime('2026-12-01T09:00:00Z')).toBe('9am');
    expect(ukTime('2026-12-01T14:05:00Z')).toBe('2:05pm');
    expect(ukDateTime('2026-07-01T11:00:00Z')).toBe('1 July 2026 at midday');
  });

  it('follows the clocks across the BST/GMT changes (29 March and 25 October 2026)', () => {
    expect(ukDateTime('2026-03-29T00:59:00Z')).toBe('29 March 2026 at 12:59am');
    expect(ukDateTime('2026-03-29T01:00:00Z')).toBe('29 March 2026 at 2am');
    expect(ukDateTime('2026-10-25T00:30:00Z')).toBe('25 October 2026 at 1:30am');
    expect(ukDateTime('2026-10-25T01:30:00Z')).toBe('25 October 2026 at 1:30am');
    // Late evening UTC in summer is already the next day in the UK.
    expect(ukDate('2026-07-01T23:30:00Z')).toBe('2 July 2026');
    expect(ukDate('2026-07-01')).toBe('1 July 2026');
  });

  it('reads the clock as Intl does, instant by instant, though Intl is asked only once a day (every 7 minutes 13 seconds of 2026, and 1900–2099 at random)', () => {
    // The words as they were made before, from Intl for every instant: the reference.
    const day = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
    const clock = new Intl.DateTimeFormat('en-GB', { hour: 'numeric', minute: '2-digit', hourCycle: 'h12', timeZone: 'Europe/London' });
    const intl = (ms: number): string => {
      const p = Object.fromEntries(clock.formatToParts(ms).map((x) => [x.type, x.value]));
      const pm = String(p.dayPeriod).toLowerCase().startsWith('p');
      const time = p.hour === '12' && p.minute === '00' ? (pm ? 'midday' : 'midnight') : `${p.hour}${p.minute === '00' ? '' : `:${p.minute}`}${pm ? 'pm' : 'am'}`;
      return `${day.format(ms)} at ${time}`;
    };
    const instants: number[] = [];
    for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 433_000) instants.push(ms);
    let seed = 21;
    const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let i = 0; i < 20_000; i++) instants.push(Math.floor(Date.UTC(1900, 0, 1) + random() * (Date.UTC(2100, 0, 1) - Date.UTC(1900, 0, 1))));
    const wrong = instants.map((ms) => new Date(ms).toISOString()).filter((iso) => ukDateTime(iso) !== intl(Date.parse(iso)));
    expect(wrong).toEqual([]);
  });

  it('a worklist row names the child, or the unborn baby by its mother and expected date', () => {
    expect(childLabel({ name: 'Ava Reed', unborn: false, dateOfBirth: '2022-04-04', expectedDate: null, motherName: null })).toBe('Ava Reed, born 4 April 2022');
    expect(childLabel({ name: 'Baby of Natasha', unborn: true, dateOfBirth: null, expectedDate: '2027-02-20', motherName: 'Natasha Reed' })).toBe('Unborn baby of Natasha Reed, due 20 February 2027');
    expect(childLabel({ name: 'Baby', unborn: true, dateOfBirth: null, expectedDate: '2027-02-20', motherName: null })).toBe('Unborn baby, due 20 February 2027');
  });
});

describe('text escaped exactly once', () => {
  it("a meeting's child and invited agencies show an apostrophe once escaped, and markup stays inert", () => {
    const html = renderView('process/meeting.njk', {
      meeting: {
        id: 'm', title: 'Core group', kind: 'core_group', status: 'scheduled', scheduledAt: '2026-07-01T11:00:00Z', subjects: [{ personId: 'p', names: "Ava O'Neill", dateOfBirth: '2022-04-04' }],
        invitees: [{ agencyName: "Northshire Children's Social Care", attended: true }, { agencyName: '<b>Bold</b> & Co', attended: null }], actions: [], contributions: [], decisions: [],
      },
    });
    expect(html).toContain('Northshire Children&#39;s Social Care (attended)');
    expect(html).toContain('Ava O&#39;Neill');
    expect(html).toContain('&lt;b&gt;Bold&lt;/b&gt; &amp; Co');
    expect(html).not.toContain('&amp;#39;');
    expect(html).not.toContain('<b>Bold</b>');
    expect(html).toContain('1 July 2026 at midday');
  });
});

describe('markup built in code', () => {
  it('escapes text exactly as the templates do, and writes a tag as the GOV.UK macro does', () => {
    const text = `Tom & Jerry's "<b>bold</b>" \\ 'quoted' – ok`;
    expect(escapeHtml(text)).toBe(renderView('chronology/print.njk', { cssHref: text }).match(/<link rel="stylesheet" href="([^"]*)">/)![1]);
    expect(escapeHtml(null)).toBe('');
    expect(govukTag('Shared by <A & B>', 'govuk-tag--turquoise')).toBe('<strong class="govuk-tag govuk-tag--turquoise">\n  Shared by &lt;A &amp; B&gt;\n</strong>\n');
  });
});

describe('the chronology CSV', () => {
  const entry = (occurredAt: string, recordedAt: string) => ({
    id: '00000000-0000-4000-8000-000000000001', occurredAt, recordedAt, backdated: false, about: { personId: 'p', name: 'Ava Reed', relation: 'child' },
    agencyName: "St Mary's", authorName: 'Tom', kind: 'concern', categories: [], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', summary: 'Seen',
    details: null, childsWords: null, outcome: null, share: null, contradictionIds: [],
  });

  it('gives times in UK local time with their offset: +01:00 in summer, +00:00 in winter', () => {
    const csv = chronologyCsv({ entries: [entry('2026-07-01T09:00:00Z', '2026-07-01T11:00:00Z'), entry('2026-12-01T09:00:00Z', '2026-12-01T23:30:00Z')], contradictions: [] } as unknown as Chronology);
    const rows: string[][] = parse(csv.slice(1));
    const col = (name: string): number => CSV_HEADER.indexOf(name);
    expect(rows[0]).toContain('Occurred at (UK time)');
    expect(rows[1]![col('Occurred at (UK time)')]).toBe('2026-07-01T10:00:00+01:00');
    expect(rows[1]![col('Recorded at (UK time)')]).toBe('2026-07-01T12:00:00+01:00');
    expect(rows[2]![col('Occurred at (UK time)')]).toBe('2026-12-01T09:00:00+00:00');
    expect(rows[2]![col('Recorded at (UK time)')]).toBe('2026-12-01T23:30:00+00:00');
    // The same instant either way: a spreadsheet or a program reading the offset loses nothing.
    expect(new Date(rows[1]![col('Occurred at (UK time)')]!).toISOString()).toBe('2026-07-01T09:00:00.000Z');
  });

  it('ukLocalIso crosses the clock change on the right instant', () => {
    expect(ukLocalIso('2026-03-29T00:59:59Z')).toBe('2026-03-29T00:59:59+00:00');
    expect(ukLocalIso('2026-03-29T01:00:00Z')).toBe('2026-03-29T02:00:00+01:00');
    expect(ukLocalIso('2026-10-25T00:59:59Z')).toBe('2026-10-25T01:59:59+01:00');
    expect(ukLocalIso('2026-10-25T01:00:00Z')).toBe('2026-10-25T01:00:00+00:00');
  });
});
