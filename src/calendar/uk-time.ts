/**
 * Times as people in the UK read them, from the platform's time-zone data (Intl, kept up to date
 * with Node's ICU) rather than hand-written summer-time rules.
 */

const LONDON = 'Europe/London';

const LOCAL = new Intl.DateTimeFormat('en-GB', {
  timeZone: LONDON, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset',
});

/**
 * An instant as UK local time with its offset, e.g. "2026-07-01T10:00:00+01:00" in summer and
 * "2026-12-01T09:00:00+00:00" in winter: still ISO 8601 (sortable, read by spreadsheets), and the
 * clock time is the one the practitioner saw. Used for CSV downloads.
 */
export function ukLocalIso(value: string | Date | null | undefined): string | null {
  if (!value) return null;
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return null;
  const p = Object.fromEntries(LOCAL.formatToParts(d).map((x) => [x.type, x.value]));
  // "GMT" at offset zero, "GMT+01:00" otherwise.
  const offset = p.timeZoneName === 'GMT' ? '+00:00' : String(p.timeZoneName).replace('GMT', '');
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${offset}`;
}

const PLAIN_DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: LONDON });

/** "4 March 2026": a calendar date ("2026-03-04") or an instant's UK date, for messages a person reads. */
export function plainDate(value: string): string {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00Z`) : new Date(value);
  return Number.isNaN(d.getTime()) ? value : PLAIN_DATE.format(d);
}

/** An instant's date and time on a clock in the UK: month 1–12, hour 0–23. */
export interface UkWallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const DAY_MS = 86_400_000;

const FIELDS = new Intl.DateTimeFormat('en-GB', {
  timeZone: LONDON, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
});

/** How far UK clocks are ahead of UTC at this instant (whole seconds, in milliseconds), read from Intl. */
function offsetAt(ms: number): number {
  const p = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const x of FIELDS.formatToParts(ms)) if (x.type in p) p[x.type as keyof typeof p] = Number(x.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * The UK offset for each UTC day the clocks do not change on (null on a change day), asked of Intl
 * once per day rather than once per instant: Intl's formatting was most of the time of rendering a
 * long chronology. UK clocks change at most once in a day, so the same offset at a day's first and
 * last millisecond is its offset all day. Bounded: a process shows a few decades of days at most.
 */
const OFFSET_BY_DAY = new Map<number, number | null>();

export function ukWallClock(d: Date): UkWallClock | null {
  const ms = d.getTime();
  // Outside four-digit years Intl's own formatting (eras, padding) is left to decide.
  if (!(ms >= -2_208_988_800_000 && ms < 253_402_300_800_000)) return null;
  const day = Math.floor(ms / DAY_MS);
  let offset = OFFSET_BY_DAY.get(day);
  if (offset === undefined) {
    const first = offsetAt(day * DAY_MS);
    offset = first === offsetAt(day * DAY_MS + DAY_MS - 1) ? first : null;
    if (OFFSET_BY_DAY.size >= 100_000) OFFSET_BY_DAY.clear();
    OFFSET_BY_DAY.set(day, offset);
  }
  if (offset === null) return null;
  const local = new Date(ms + offset);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate(), hour: local.getUTCHours(), minute: local.getUTCMinutes() };
}

/** How many minutes UK clocks are ahead of UTC at this instant (0 or 60), with the process's one formatter. */
export function ukOffsetMinutes(at: Date): number {
  return Math.round(offsetAt(at.getTime()) / 60_000);
}
