import type { z } from 'zod';
import { ukOffsetMinutes } from '../calendar/uk-time.ts';
import type { FieldProblem } from '../shared/errors.ts';
import { fieldProblems, invalid, Problem } from '../shared/errors.ts';

/**
 * Form helpers for the practitioners' pages: reading urlencoded bodies, GOV.UK date inputs in
 * UK time, and turning the services' field problems (JSON Pointers) into the GOV.UK error summary.
 */

export type FormBody = Record<string, string | string[] | undefined>;

/** The body of a form post as plain strings (formbody gives arrays for repeated names). */
export function formOf(body: unknown): FormBody {
  return body && typeof body === 'object' ? (body as FormBody) : {};
}

/** One value, trimmed; '' when absent. */
export function str(f: FormBody, name: string): string {
  const v = f[name];
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim();
}

/** An optional value: undefined when empty. */
export function opt(f: FormBody, name: string): string | undefined {
  const v = str(f, name);
  return v === '' ? undefined : v;
}

/** Every value of a repeated field (checkboxes), without empties. */
export function list(f: FormBody, name: string): string[] {
  const v = f[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => x.trim()).filter(Boolean);
}

/** 'yes' → true, 'no' → false, anything else → undefined. */
export function yesNo(f: FormBody, name: string): boolean | undefined {
  const v = str(f, name);
  return v === 'yes' ? true : v === 'no' ? false : undefined;
}

export interface DateParts {
  day: string;
  month: string;
  year: string;
}

export function dateParts(f: FormBody, prefix: string): DateParts {
  return { day: str(f, `${prefix}-day`), month: str(f, `${prefix}-month`), year: str(f, `${prefix}-year`) };
}

export const emptyDate = (p: DateParts): boolean => !p.day && !p.month && !p.year;

/** A GOV.UK date input as YYYY-MM-DD, or a message saying what is wrong with it. */
export function calendarDate(p: DateParts, what: string): { value?: string; error?: string } {
  if (emptyDate(p)) return {};
  if (!p.day || !p.month || !p.year) return { error: `${what} must include a day, month and year` };
  if (!/^\d{1,2}$/.test(p.day) || !/^\d{1,2}$/.test(p.month) || !/^\d{4}$/.test(p.year)) return { error: `${what} must be a real date, like 27 3 2026` };
  const [d, m, y] = [Number(p.day), Number(p.month), Number(p.year)];
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return { error: `${what} must be a real date` };
  return { value: `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}` };
}

/** A UK wall-clock date and time ("14:30") as an instant. */
export function londonInstant(date: string, time: string): { value?: string; error?: string } {
  const m = /^(\d{1,2})[:.](\d{2})\s*(am|pm)?$/i.exec(time.trim());
  if (!m) return { error: 'Enter the time like 14:30' };
  let hour = Number(m[1]);
  const minute = Number(m[2]);
  const half = m[3]?.toLowerCase();
  if (half === 'pm' && hour < 12) hour += 12;
  if (half === 'am' && hour === 12) hour = 0;
  if (hour > 23 || minute > 59) return { error: 'Enter a real time, like 14:30' };
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, mo - 1, d, hour, minute);
  const first = ukOffsetMinutes(new Date(guess));
  let at = guess - first * 60_000;
  const second = ukOffsetMinutes(new Date(at));
  if (second !== first) at = guess - second * 60_000;
  return { value: new Date(at).toISOString() };
}

/** Today's date in London, as the parts of a date input. */
export function todayParts(now: Date): DateParts {
  const s = now.toLocaleDateString('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'numeric', year: 'numeric' });
  const [day = '', month = '', year = ''] = s.split('/');
  return { day, month, year };
}

export function nowTime(now: Date): string {
  return now.toLocaleTimeString('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}

/** Errors of one form: field name → message, in the order found (the error summary's order). */
export class FormErrors {
  readonly byField: Record<string, string> = {};
  private readonly order: { field: string; href: string }[] = [];

  add(field: string, message: string, href = `#${field}`): void {
    if (this.byField[field]) return;
    this.byField[field] = message;
    this.order.push({ field, href });
  }

  get any(): boolean {
    return this.order.length > 0;
  }

  /** The GOV.UK error summary's list: text and a link to the field. */
  get list(): { text: string; href: string }[] {
    return this.order.map((o) => ({ text: this.byField[o.field]!, href: o.href }));
  }

  /** The message for a field in the shape the GOV.UK macros take, or undefined. */
  msg(field: string): { text: string } | undefined {
    const t = this.byField[field];
    return t ? { text: t } : undefined;
  }

  /**
   * Takes a service's field problems: each JSON Pointer is mapped to a form field (the longest
   * matching prefix wins); anything unmapped goes to the fallback field.
   */
  addProblems(problems: readonly FieldProblem[], map: Record<string, string>, fallback: string): void {
    const keys = Object.keys(map).sort((a, b) => b.length - a.length);
    for (const p of problems) {
      const key = keys.find((k) => p.pointer === k || p.pointer.startsWith(`${k}/`));
      const field = key ? map[key]! : fallback;
      this.add(field, p.detail);
    }
  }

  view(): { errors: Record<string, { text: string }>; errorList: { text: string; href: string }[] } {
    const errors: Record<string, { text: string }> = {};
    for (const [k, v] of Object.entries(this.byField)) errors[k] = { text: v };
    return { errors, errorList: this.list };
  }
}

/** A 422 from a service, with its field problems; anything else is rethrown. */
export function validationProblem(err: unknown): Problem | undefined {
  if (err instanceof Problem && (err.status === 422 || err.status === 400)) return err;
  return undefined;
}

/**
 * A form's values through the API's own schema: the same rules (and the same refusal of control
 * characters and broken text) whichever door the input came in by. A failure is the 422 the
 * forms already turn into the GOV.UK error summary (validationProblem, FormErrors.addProblems).
 */
export function parseForm<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid('Some fields are not valid.', fieldProblems(result.error));
  return result.data;
}
