import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import cliProgress from 'cli-progress';
import { CsvError, parse } from 'csv-parse/sync';
import type { Config } from '../config/config.ts';
import { dedupe, link, type MatchResult } from '../matching/engine.ts';
import type { MatchModel } from '../matching/model.ts';
import type { MatchInput } from '../matching/record.ts';
import { csvField } from '../shared/csv.ts';

/** Where the command writes: the same shape as main.ts's Io. */
interface Io {
  out(line: string): void;
  err(line: string): void;
}

const FIELD_TO_INPUT = {
  first_name: 'firstName',
  middle_names: 'middleNames',
  last_name: 'lastName',
  date_of_birth: 'dateOfBirth',
  sex: 'sex',
  nhs_number: 'nhsNumber',
  address: 'address',
  postcode: 'postcode',
  town: 'town',
} as const satisfies Record<string, keyof MatchInput>;
type FieldName = keyof typeof FIELD_TO_INPUT;
const FIELD_NAMES = Object.keys(FIELD_TO_INPUT) as FieldName[];

/** Bad input: the message is printed and the command exits 2. Never carries a value from the file. */
class InputError extends Error {}

interface ColumnSpec {
  field: FieldName;
  columns: string[];
}

function parseColumns(specs: readonly string[]): ColumnSpec[] {
  if (specs.length === 0) throw new InputError(`--column: give at least one, e.g. --column first_name=given_name. Fields: ${FIELD_NAMES.join(', ')}`);
  const seen = new Set<string>();
  return specs.map((spec) => {
    const eq = spec.indexOf('=');
    const field = (eq < 0 ? spec : spec.slice(0, eq)).trim();
    if (!(FIELD_NAMES as string[]).includes(field)) throw new InputError(`--column ${spec}: unknown field "${field}". Fields: ${FIELD_NAMES.join(', ')}`);
    const columns = eq < 0 ? [] : spec.slice(eq + 1).split('+').map((c) => c.trim());
    if (columns.length === 0 || columns.some((c) => c === '')) throw new InputError(`--column ${spec}: name the CSV column(s) after "=", joined with "+", e.g. address=street_number+address_1`);
    if (seen.has(field)) throw new InputError(`--column ${spec}: ${field} is given twice`);
    seen.add(field);
    return { field: field as FieldName, columns };
  });
}

/** YYYYMMDD, YYYY-MM-DD or DD/MM/YYYY to YYYY-MM-DD; null when unreadable. Mistyped dates (month 13) are kept: they are still evidence. */
export function readDate(value: string): string | null {
  let m = /^(\d{4})(\d{2})(\d{2})$/.exec(value) ?? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(value);
  if (m) return `${m[3]}-${m[2]}-${m[1]}`;
  return null;
}

interface Loaded {
  ids: string[];
  records: MatchInput[];
}

function loadFile(path: string, idColumn: string, specs: readonly ColumnSpec[]): Loaded {
  const name = basename(path);
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch {
    throw new InputError(`${name}: cannot read the file`);
  }
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse<{ record: Record<string, string>; info: { lines: number } }>(text, { columns: (h: string[]) => h.map((c) => c.trim()), trim: true, bom: true, skip_empty_lines: true, info: true });
  } catch (err) {
    if (err instanceof CsvError) throw new InputError(`${name}: not valid CSV near line ${(err as CsvError & { lines?: number }).lines ?? '?'} (${err.code})`);
    throw err;
  }
  const header = rows[0] ? Object.keys(rows[0].record) : [];
  for (const c of [idColumn, ...specs.flatMap((s) => s.columns)]) {
    if (rows.length > 0 && !header.includes(c)) {
      const used = c === idColumn ? '--id' : `--column ${specs.find((s) => s.columns.includes(c))!.field}=…`;
      throw new InputError(`${name} row 1 (header): no column "${c}" (used by ${used}). Columns: ${header.join(', ')}`);
    }
  }
  const ids: string[] = [];
  const records: MatchInput[] = [];
  const seenIds = new Set<string>();
  for (const { record, info } of rows) {
    const id = record[idColumn] ?? '';
    if (id === '') throw new InputError(`${name} row ${info.lines}, column ${idColumn}: the identifier is empty`);
    if (seenIds.has(id)) throw new InputError(`${name} row ${info.lines}, column ${idColumn}: the identifier is used by an earlier row`);
    seenIds.add(id);
    const input: MatchInput = {};
    for (const s of specs) {
      const value = s.columns.map((c) => record[c] ?? '').filter((v) => v !== '').join(' ');
      if (s.field === 'date_of_birth') {
        if (value === '') continue;
        const date = readDate(value);
        if (!date) throw new InputError(`${name} row ${info.lines}, column ${s.columns.join('+')}: not a date; use YYYYMMDD, YYYY-MM-DD or DD/MM/YYYY`);
        input.dateOfBirth = date;
      } else {
        input[FIELD_TO_INPUT[s.field] as Exclude<keyof MatchInput, 'otherNames' | 'parents'>] = value;
      }
    }
    ids.push(id);
    records.push(input);
  }
  return { ids, records };
}

function progressReporter(io: Io, total: number): { update: (stage: string, f: number) => void; stop: () => void } {
  // A bar only for a person watching: never in a pipe, a log or a test.
  if (!process.stderr.isTTY || total < 5000) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: ' {stage} [{bar}] {percentage}% | {duration_formatted}', hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(100, 0, { stage: 'preparing' });
  void io;
  return {
    update: (stage, f) => bar.update(Math.round((stage === 'prepare' ? 0.05 : stage === 'train' ? 0.15 : 0.15 + 0.85 * f) * 100), { stage: stage === 'compare' ? 'comparing' : stage === 'train' ? 'training ' : 'preparing' }),
    stop: () => bar.stop(),
  };
}

export const matchCommand = {
  name: 'match',
  summary: 'Find the same person within one CSV file, or across two (probabilistic matching).',
  usage: [
    'jigsaw match --left A.csv [--right B.csv] --id COLUMN --column FIELD=CSVCOL[+CSVCOL…] … [--min-probability P] --out pairs.csv [--model model.json] [--save-model model.json]',
    `  FIELD: ${FIELD_NAMES.join(', ')}`,
    '  One file finds duplicates within it; two files link across them (the same --id and --column names in both).',
    '  Dates of birth: YYYYMMDD, YYYY-MM-DD or DD/MM/YYYY. Writes left_id,right_id,match_probability for every compared pair ≥ P (default 0.5), highest first.',
  ].join('\n'),
  options: <NonNullable<ParseArgsConfig['options']>>{
    left: { type: 'string' }, right: { type: 'string' }, id: { type: 'string' }, column: { type: 'string', multiple: true },
    'min-probability': { type: 'string' }, out: { type: 'string' }, model: { type: 'string' }, 'save-model': { type: 'string' },
  },
  run(args: Record<string, string | boolean | string[] | undefined>, _config: Config, io: Io): Promise<number> {
    try {
      if (typeof args.left !== 'string') throw new InputError('--left: give the CSV file to match');
      if (typeof args.id !== 'string') throw new InputError('--id: give the column that identifies each row');
      if (typeof args.out !== 'string') throw new InputError('--out: give the file to write the pairs to');
      const minProbability = args['min-probability'] === undefined ? 0.5 : Number(args['min-probability']);
      if (!Number.isFinite(minProbability) || minProbability <= 0 || minProbability > 1) throw new InputError('--min-probability: a number above 0 and at most 1');
      const specs = parseColumns((args.column as string[] | undefined) ?? []);
      let model: MatchModel | undefined;
      if (typeof args.model === 'string') {
        try {
          model = JSON.parse(readFileSync(args.model, 'utf8')) as MatchModel;
        } catch {
          throw new InputError('--model: cannot read the model file (JSON written by --save-model)');
        }
        if (model.version !== 1 || typeof model.fields !== 'object') throw new InputError('--model: not a model written by --save-model');
      }
      const left = loadFile(args.left, args.id, specs);
      const right = typeof args.right === 'string' ? loadFile(args.right, args.id, specs) : undefined;
      const total = left.records.length + (right?.records.length ?? 0);
      const progress = progressReporter(io, total);
      let result: MatchResult;
      try {
        const opts = { model, minProbability, progress: progress.update };
        result = right ? link(left.records, right.records, opts) : dedupe(left.records, opts);
      } finally {
        progress.stop();
      }
      const idOf = (i: number): string => (i < left.ids.length ? left.ids[i]! : right!.ids[i - left.ids.length]!);
      const lines = ['left_id,right_id,match_probability'];
      for (const k of result.pairs.order()) {
        const p = 1 / (1 + 2 ** -result.pairs.weight[k]!);
        lines.push(`${csvField(idOf(result.pairs.left[k]!))},${csvField(idOf(result.pairs.right[k]!))},${p.toFixed(6)}`);
      }
      writeFileSync(args.out, `${lines.join('\n')}\n`);
      if (typeof args['save-model'] === 'string') writeFileSync(args['save-model'], `${JSON.stringify(result.model, null, 1)}\n`);
      io.out(`Compared ${result.candidates.toLocaleString('en-GB')} candidate pairs of ${total.toLocaleString('en-GB')} records; ${result.pairs.length.toLocaleString('en-GB')} pairs at probability ≥ ${minProbability} written to ${args.out}.`);
      return Promise.resolve(0);
    } catch (err) {
      if (err instanceof InputError) {
        io.err(err.message);
        return Promise.resolve(2);
      }
      throw err;
    }
  },
};
