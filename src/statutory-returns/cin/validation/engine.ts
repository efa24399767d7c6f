import { readFileSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { workingDayCalendar, type WorkingDayCalendar } from '../../../calendar/working-days.ts';
import type { Census } from '../census.ts';
import { censusTables, type CensusTables, type TableName } from './tables.ts';

/**
 * Runs the DfE's Children in Need validation rules over a census and reports what they find, one
 * line per flagged cell, in the columns of the open-source validator's report (data-to-insight's
 * csc-validator-be-cin, `user_report.csv`), so that a data team's scripts built on that report read
 * Jigsaw's unchanged. The rules themselves are in ./rules, one file per part of the census.
 */

/** The census year whose rules these are: the 2025–26 collection, reference date 31 March 2026. */
export const RULESET_YEAR = 2026;

interface CatalogueEntry { year: string; module: string; type: 'ERROR' | 'QUERY'; message: string; details: string }
/** The DfE's rule texts (reference/rules_catalogue.json: code → message, details, ERROR or QUERY). */
export const RULE_CATALOGUE: Readonly<Record<string, CatalogueEntry>> = JSON.parse(
  readFileSync(new URL('../reference/rules_catalogue.json', import.meta.url), 'utf8'),
) as Record<string, CatalogueEntry>;

/** One flagged cell: a column of a row (its index in the table, from 0) of one of the census's tables. */
export interface Location {
  table: TableName;
  column: string;
  row: number;
}

/** One breach of a rule: the cells that together break it (a start date and the end date before it, say). */
export interface Finding {
  locations: Location[];
  /** What ties the cells together, as the validator's ERROR_ID does (the child and the dates compared); optional. */
  errorId?: string;
  /**
   * A finding about the authority's return as a whole (more plans than conferences, say), not about
   * a child: the validator lists these apart, never in its user_report.csv, and so does Jigsaw.
   */
  authorityLevel?: boolean;
}

export interface RuleContext {
  tables: CensusTables;
  /** The header's ReferenceDate as a date (YYYY-MM-DD), null when missing or not a date. */
  referenceDate: string | null;
  /**
   * The collection year the header's ReferenceDate closes: from the same date a year before (the
   * previous 31 March, which the validator counts in the new collection: "dates from the day of the
   * previous collection move to the next") to the reference date, both included. Null with it.
   */
  collectionStart: string | null;
  collectionEnd: string | null;
  /** England's working days (weekends and England and Wales bank holidays off). */
  workingDays: {
    isWorkingDay(date: string): boolean;
    /** The Nth working day after `date` (which does not count). */
    add(date: string, n: number): string;
    /** Working days after `from` up to and including `to`. */
    between(from: string, to: string): number;
  };
}

export interface CensusRule {
  /** The DfE's rule code as the catalogue writes it: '8500', '8525Q'. */
  code: string;
  check(ctx: RuleContext): Finding[];
}

/**
 * A date as the census writes it (YYYY-MM-DD, or DD/MM/YYYY as the validator also reads), as
 * YYYY-MM-DD; null when absent or not a real date. Also null outside 22 September 1677 – 11 April
 * 2262: the validator holds dates as pandas' nanosecond timestamps, which cannot hold them, and
 * reads them as absent (the DfE's own example has a 1066 date of birth).
 */
export function censusDate(value: string | null | undefined): string | null {
  if (!value) return null;
  // Remembered: a census repeats a few thousand dates across tens of thousands of rows and the
  // rules read each several times. Cleared when it grows, so junk text cannot fill it.
  const known = readDates.get(value);
  if (known !== undefined) return known;
  if (readDates.size > 20_000) readDates.clear();
  const date = readDate(value);
  readDates.set(value, date);
  return date;
}
const readDates = new Map<string, string | null>();

function readDate(value: string): string | null {
  const v = value.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:T[\d:.]+Z?)?$/.exec(v);
  let y: number, mo: number, d: number;
  if (m) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(v))) [y, mo, d] = [Number(m[3]), Number(m[2]), Number(m[1])];
  else return null;
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  const iso = `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  return iso >= '1677-09-22' && iso <= '2262-04-11' ? iso : null;
}

/** The same date a year earlier (29 February → 28 February, as pandas' DateOffset(years=1) does). */
function yearBefore(date: string): string {
  return `${Number(date.slice(0, 4)) - 1}${date.slice(4)}`.replace(/-02-29$/, '-02-28');
}

export interface ValidateOptions {
  calendar?: WorkingDayCalendar;
  /** Only these rules (codes); all when left out. */
  rules?: readonly CensusRule[];
}

export function ruleContext(tables: CensusTables, options: ValidateOptions = {}): RuleContext {
  const calendar = options.calendar ?? workingDayCalendar();
  const referenceDate = censusDate(tables.Header[0]?.ReferenceDate);
  return {
    tables,
    referenceDate,
    collectionStart: referenceDate ? yearBefore(referenceDate) : null,
    collectionEnd: referenceDate,
    workingDays: {
      isWorkingDay: (date) => calendar.isWorkingDay('england-and-wales', date),
      add: (date, n) => calendar.addWorkingDays('england-and-wales', date, n),
      between: (from, to) => calendar.workingDaysBetween('england-and-wales', from, to),
    },
  };
}

/** One line of the report: the validator's user_report.csv columns. */
export interface ReportLine {
  ERROR_ID: string;
  LAchildID: string | null;
  rule_code: string;
  rule_type: 'ERROR' | 'QUERY';
  tables_affected: TableName;
  columns_affected: string;
  ROW_ID: number;
  value_flagged: string | null;
  rule_description: string;
  /** About the return as a whole, not a child: shown on the page and counted, never a line of the CSV (as the validator). */
  authorityLevel: boolean;
}

/** A cell's value as the report shows it: a list of codes as Python writes one, as the validator's report does. */
function shown(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return `[${value.map((v) => `'${String(v as string)}'`).join(', ')}]`;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Runs the rules over the census's tables; one line per flagged cell (a cell flagged twice by one rule, once). */
export function validateTables(tables: CensusTables, options: ValidateOptions & { rules: readonly CensusRule[] }): ReportLine[] {
  const ctx = ruleContext(tables, options);
  const lines: ReportLine[] = [];
  for (const rule of options.rules) {
    const entry = RULE_CATALOGUE[rule.code];
    if (!entry) throw new Error(`Rule ${rule.code} is not in the DfE's catalogue`);
    const seen = new Set<string>();
    for (const finding of rule.check(ctx)) {
      if (finding.authorityLevel && finding.locations.length === 0) {
        // About the return as a whole, with no cell to point at: one line, on the header, for the page.
        if (seen.has('authority')) continue;
        seen.add('authority');
        lines.push({
          ERROR_ID: finding.errorId ?? '', LAchildID: null, rule_code: rule.code, rule_type: entry.type, tables_affected: 'Header',
          columns_affected: '', ROW_ID: 0, value_flagged: null, rule_description: entry.message, authorityLevel: true,
        });
        continue;
      }
      for (const loc of finding.locations) {
        const row = (tables[loc.table] as unknown as Record<string, unknown>[])[loc.row];
        if (!row) throw new Error(`Rule ${rule.code} flagged row ${loc.row} of ${loc.table}, which does not exist`);
        const LAchildID = loc.table === 'Header' ? null : shown(row.LAchildID);
        const key = `${LAchildID}\u0000${loc.table}\u0000${loc.column}\u0000${loc.row}`;
        if (seen.has(key)) continue;
        seen.add(key);
        lines.push({
          ERROR_ID: finding.errorId ?? '', LAchildID, rule_code: rule.code, rule_type: entry.type,
          tables_affected: loc.table, columns_affected: loc.column, ROW_ID: loc.row,
          value_flagged: shown(row[loc.column]), rule_description: entry.message, authorityLevel: finding.authorityLevel ?? false,
        });
      }
    }
  }
  // Related lines next to each other: by child (the census's own lines last), rule, table, column, row.
  const child = (l: ReportLine): string => l.LAchildID ?? '\uffff';
  return lines.sort((a, b) => child(a).localeCompare(child(b)) || a.rule_code.localeCompare(b.rule_code) ||
    a.tables_affected.localeCompare(b.tables_affected) || a.columns_affected.localeCompare(b.columns_affected) || a.ROW_ID - b.ROW_ID);
}

export function validateCensus(census: Census, options: ValidateOptions & { rules: readonly CensusRule[] }): ReportLine[] {
  return validateTables(censusTables(census), options);
}

/**
 * The report as CSV in the open-source validator's columns (with its leading row number), absent
 * values written `nan` as its report writes them, so the two reports compare line for line. Findings
 * about the return as a whole are left out, as the validator leaves them out of this report. Every
 * cell is text a census file supplied: anything a spreadsheet would run as a formula is quoted.
 */
export function reportCsv(lines: readonly ReportLine[]): string {
  const safe = (v: string | null): string => (v === null ? 'nan' : /^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
  return stringify(
    lines.filter((l) => !l.authorityLevel).map((l, i) => [String(i), safe(l.ERROR_ID || null), safe(l.LAchildID), l.rule_code, l.tables_affected, l.columns_affected, String(l.ROW_ID), safe(l.value_flagged), l.rule_description]),
    { header: true, columns: ['', 'ERROR_ID', 'LAchildID', 'rule_code', 'tables_affected', 'columns_affected', 'ROW_ID', 'value_flagged', 'rule_description'] },
  );
}
