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
