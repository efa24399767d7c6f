import { z } from 'zod';

/**
 * C0 control characters other than tab, line feed and carriage return, and DEL. NUL cannot be
 * stored in a PostgreSQL text column at all (the insert fails); the others are never typed by a
 * practitioner and only hide text from whoever reads it later.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/** Half of a UTF-16 surrogate pair on its own (JSON allows "\ud800"): not a character, and PostgreSQL refuses it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const CONTROL_CHARACTER_MESSAGE = 'This must not contain control characters';
export const NOT_TEXT_MESSAGE = 'This is not valid text';

/** What is wrong with a string as text, or undefined when it is fine. */
export function textProblem(value: string): string | undefined {
  if (CONTROL_CHARACTER.test(value)) return CONTROL_CHARACTER_MESSAGE;
  if (LONE_SURROGATE.test(value)) return NOT_TEXT_MESSAGE;
  return undefined;
}

/** The same string with control characters removed and lone surrogates replaced (for values kept but never refused, such as a header). */
export function cleanText(value: string): string {
  return value.replace(new RegExp(CONTROL_CHARACTER.source, 'g'), '').replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
}

/**
 * Every free-text field a caller sends, in every schema (API bodies, query strings, the pages'
 * forms): refuses control characters and lone surrogates with a 422 naming the field, so that
 * they never reach the database. Chain .trim().min().max() as on z.string().
 */
export const Text = textOf(z.string());

/** The checks of Text on a string schema of one's own (one with its own message for a missing value). */
export function textOf(base: z.ZodString): z.ZodString {
  return base
    .refine((v) => !CONTROL_CHARACTER.test(v), { message: CONTROL_CHARACTER_MESSAGE, abort: true })
    .refine((v) => !LONE_SURROGATE.test(v), { message: NOT_TEXT_MESSAGE, abort: true });
}

/**
 * The dates Jigsaw takes lie in 1900–2099: nothing it records happened earlier, and a year such
 * as 9999 or 0001 is a typing slip. Rules relative to today ("not in the future") are the
 * services', against their clock.
 */
const EARLIEST = '1900-01-01';
const LATEST = '2099-12-31';
export const DATE_RANGE_MESSAGE = 'Enter a date between 1900 and 2099';

/** A calendar date that exists (no 31 February), as YYYY-MM-DD, in 1900–2099. */
export const CalendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Enter a date as YYYY-MM-DD', abort: true })
  .refine((v) => {
    const d = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
  }, { message: 'This date does not exist', abort: true })
  .refine((v) => v >= EARLIEST && v <= LATEST, DATE_RANGE_MESSAGE)
  .meta({ format: 'date' });

/** A moment with its offset, e.g. 2026-03-01T14:30:00Z; impossible dates, and dates outside 1900–2099, are refused. */
export const Instant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/, { message: 'Enter a date and time like 2026-03-01T14:30:00Z', abort: true })
  .refine((v) => {
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) return false;
    const [y, m, day] = v.slice(0, 10).split('-').map(Number) as [number, number, number];
    const check = new Date(Date.UTC(y, m - 1, day));
    return check.getUTCMonth() === m - 1 && check.getUTCDate() === day;
  }, { message: 'This date does not exist', abort: true })
  .refine((v) => v.slice(0, 10) >= EARLIEST && v.slice(0, 10) <= LATEST, DATE_RANGE_MESSAGE)
  .meta({ format: 'date-time' });

/**
 * An identifier. Upper-case hex is accepted and made lower case here, the one place, so that an
 * id is the same value wherever it is compared, stored or hashed into the audit trail.
 */
export const Uuid = z.uuid('Not a valid identifier').toLowerCase();

/** The same, with a message of its own when it is missing. */
export const requiredUuid = (whenMissing: string): z.ZodUUID => z.uuid({ error: (iss) => (iss.input === undefined ? whenMissing : 'Not a valid identifier') }).toLowerCase();
