import { z } from 'zod';

/** A calendar date that exists (no 31 February), as YYYY-MM-DD. */
export const CalendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Enter a date as YYYY-MM-DD', abort: true })
  .refine((v) => {
    const d = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
  }, 'This date does not exist')
  .meta({ format: 'date' });

/** A moment with its offset, e.g. 2026-03-01T14:30:00Z; impossible dates are refused. */
export const Instant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/, { message: 'Enter a date and time like 2026-03-01T14:30:00Z', abort: true })
  .refine((v) => {
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) return false;
    const [y, m, day] = v.slice(0, 10).split('-').map(Number) as [number, number, number];
    const check = new Date(Date.UTC(y, m - 1, day));
    return check.getUTCMonth() === m - 1 && check.getUTCDate() === day;
  }, 'This date does not exist')
  .meta({ format: 'date-time' });

export const Uuid = z.uuid('Not a valid identifier');
