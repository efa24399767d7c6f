import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import { ukWallClock, type UkWallClock } from '../calendar/uk-time.ts';
import { addBlankControls, BlankControlLoader } from './blank-controls.ts';
import { labelTableCells } from './table-labels.ts';

/** Where govuk-frontend keeps its built files: CSS, JS, fonts, images and the Nunjucks macros. */
export const GOVUK_DIST = join(dirname(createRequire(import.meta.url).resolve('govuk-frontend')), '..');
export const VIEWS_DIR = fileURLToPath(new URL('./views', import.meta.url));
export const STATIC_DIR = fileURLToPath(new URL('./static', import.meta.url));

const LONDON = 'Europe/London';

// One formatter for the process: toLocaleDateString with options builds a new one on every call,
// which was half the time of rendering a long chronology.
const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: LONDON });
const MONTHS = Array.from({ length: 12 }, (_, i) => new Intl.DateTimeFormat('en-GB', { month: 'long', timeZone: 'UTC' }).format(Date.UTC(2000, i, 15)));

// The words of a UK clock's reading, as the Intl formatters below would give them (a test compares
// them instant by instant): Intl itself is asked only for the offset, once a day (ukWallClock).
const dayWords = (c: UkWallClock): string => `${c.day} ${MONTHS[c.month - 1]} ${c.year}`;
function timeWords(c: UkWallClock): string {
  const pm = c.hour >= 12;
  const hour = c.hour % 12 === 0 ? 12 : c.hour % 12;
  if (hour === 12 && c.minute === 0) return pm ? 'midday' : 'midnight';
  return `${hour}${c.minute === 0 ? '' : `:${String(c.minute).padStart(2, '0')}`}${pm ? 'pm' : 'am'}`;
}

/** "4 March 2026" (UK date). */
export function ukDate(value: string | null | undefined): string {
  if (!value) return '';
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00Z`) : new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  const c = ukWallClock(d);
  return c ? dayWords(c) : DAY.format(d);
}

// hourCycle h12, not hour12: en-GB's 12-hour clock is h11 in ICU, which shows noon as "0:00 pm".
const CLOCK = new Intl.DateTimeFormat('en-GB', { hour: 'numeric', minute: '2-digit', hourCycle: 'h12', timeZone: LONDON });

/** "2:30pm", "10am", "midday" or "midnight" in UK time (the GOV.UK style for times). */
export function ukTime(value: string | Date | null | undefined): string {
  if (!value) return '';
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const c = ukWallClock(d);
  if (c) return timeWords(c);
  const parts = Object.fromEntries(CLOCK.formatToParts(d).map((p) => [p.type, p.value]));
  const pm = String(parts.dayPeriod).toLowerCase().startsWith('p');
  if (parts.hour === '12' && parts.minute === '00') return pm ? 'midday' : 'midnight';
  return `${parts.hour}${parts.minute === '00' ? '' : `:${parts.minute}`}${pm ? 'pm' : 'am'}`;
}

/** "4 March 2026 at 2:30pm" (UK time). */
export function ukDateTime(value: string | null | undefined): string {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  const c = ukWallClock(d);
  return c ? `${dayWords(c)} at ${timeWords(c)}` : `${ukDate(value)} at ${ukTime(d)}`;
}

/** Who a worklist row is about: "Ava Reed, born 4 March 2024" or "unborn baby of Natasha Reed, due 1 July 2026". */
export function childLabel(c: { name: string; unborn: boolean; dateOfBirth: string | null; expectedDate: string | null; motherName: string | null } | null | undefined): string {
  if (!c) return '';
  if (c.unborn) return `Unborn baby${c.motherName ? ` of ${c.motherName}` : ''}${c.expectedDate ? `, due ${ukDate(c.expectedDate)}` : ''}`;
  return `${c.name}${c.dateOfBirth ? `, born ${ukDate(c.dateOfBirth)}` : ', date of birth not known'}`;
}

/** A code such as "child_significant_harm" as words: "Child significant harm". */
export function words(value: string | null | undefined): string {
  if (!value) return '';
  const s = value.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export const VIEW_OPTIONS: nunjucks.ConfigureOptions = { autoescape: true, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true };
const env = new nunjucks.Environment([new BlankControlLoader([VIEWS_DIR, GOVUK_DIST], { noCache: process.env.NODE_ENV === 'development' })], VIEW_OPTIONS);
addBlankControls(env);
env.addFilter('ukDate', ukDate);
env.addFilter('ukDateTime', ukDateTime);
env.addFilter('ukTime', ukTime);
env.addFilter('childLabel', childLabel);
env.addFilter('words', words);
// Nunjucks' own capitalize lowercases the rest ("Northshire county council").
env.addFilter('capitalizeFirst', (value: string) => value.charAt(0).toUpperCase() + value.slice(1));
// Nunjucks' own escape map (nunjucks/src/lib.js), so that markup built in code reads as the templates'.
const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '"': '&quot;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '\\': '&#92;' };
/** Text as the pages' autoescaping writes it, for markup built in code (a test compares it with Nunjucks'). */
export const escapeHtml = (value: string | number | null | undefined): string => {
  const text = String(value ?? '');
  // Most text has nothing to escape: a test is cheaper than a replace with a function.
  return /[&"'<>\\]/.test(text) ? text.replace(/[&"'<>\\]/g, (c) => ESCAPES[c]!) : text;
};
// GOV.UK Frontend's tag (components/tag/template.njk) for plain text, exactly as its macro renders
// it: the macro includes its template on every call (about 0.1 ms each), and the chronology shows
// several tags on each of thousands of entries.
export const govukTag = (text: string, classes?: string): string =>
  `<strong class="govuk-tag${classes ? ` ${escapeHtml(classes)}` : ''}">\n  ${escapeHtml(text)}\n</strong>\n`;
env.addGlobal('tag', (text: string, classes?: string) => new nunjucks.runtime.SafeString(govukTag(text, classes)));
env.addFilter('personName', (p: { names?: { use: string; givenNames: string; familyName: string }[] } | null | undefined) => personName(p));

/** The usual name of a person (or the first one recorded). */
export function personName(p: { names?: readonly { use: string; givenNames: string; familyName: string }[] } | null | undefined): string {
  const n = p?.names?.find((x) => x.use === 'usual') ?? p?.names?.[0];
  return n ? `${n.givenNames} ${n.familyName}`.trim() : 'Unnamed person';
}

/** Time spent rendering pages in this process, for the page profiler (bench/pages-profile.ts) to tell rendering from the rest. */
export const renderClock = { ms: 0, pages: 0 };

export function renderView(template: string, context: Record<string, unknown>): string {
  const t0 = performance.now();
  const html = labelTableCells(env.render(template, context));
  renderClock.ms += performance.now() - t0;
  renderClock.pages += 1;
  return html;
}

// Escaped by Nunjucks like everything else on the pages; only the line breaks become markup.
const LINES = new nunjucks.Template('{{ text | escape | nl2br }}', env);

/** A practitioner's text as HTML that keeps their line breaks (for a "check your answers" row). */
export function linesHtml(text: string): string {
  return LINES.render({ text });
}
