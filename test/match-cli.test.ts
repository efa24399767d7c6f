import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = new URL('../bin/jigsaw.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'jigsaw-match-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function jigsaw(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { cwd: dir });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const SCHOOL = file('school.csv', [
  'pupil_id,forename,surname,dob,house,street,postcode',
  's1, Jack , Carver ,20210504,12,Mill Lane,LS6 2AB',
  's2,Amelia,Patel,2019-11-23,4,Oak Close,LS11 5QT',
  's3,Jack,Carver,2021-05-04,12,Mill Lane,LS6 2AB',
  's4,Oliver,Wright,01/02/2018,9,High Street,YO1 7HH',
].join('\n'));
const HEALTH = file('health.csv', [
  'pupil_id,forename,surname,dob,house,street,postcode',
  'h1,Jak,Carver,04/05/2021,12,Mill Lane,LS6 2AB',
  'h2,Amelia,Patel,2019-11-23,,,LS11 5QT',
  'h3,Grace,Hall,2016-07-30,1,Station Road,HG1 1AA',
].join('\n'));
const COLUMNS = ['--id', 'pupil_id', '--column', 'first_name=forename', '--column', 'last_name=surname', '--column', 'date_of_birth=dob', '--column', 'address=house+street', '--column', 'postcode=postcode'];

describe('jigsaw match on CSV files', () => {
  it('links two files and writes left_id,right_id,match_probability, highest first', async () => {
    const out = join(dir, 'pairs.csv');
    const r = await jigsaw(['match', '--left', SCHOOL, '--right', HEALTH, ...COLUMNS, '--min-probability', '0.5', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('left_id,right_id,match_probability');
    const pairs = lines.slice(1).map((l) => l.split(','));
    expect(pairs.map((p) => `${p[0]}-${p[1]}`).sort()).toEqual(['s1-h1', 's2-h2', 's3-h1']);
    const probs = pairs.map((p) => Number(p[2]));
    expect([...probs].sort((a, b) => b - a)).toEqual(probs);
    expect(probs.every((p) => p >= 0.5 && p <= 1)).toBe(true);
  });

  it('finds duplicates within one file', async () => {
    const out = join(dir, 'dups.csv');
    const r = await jigsaw(['match', '--left', SCHOOL, ...COLUMNS, '--out', out]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 2).join('-'))).toEqual(['s1-s3']);
  });

  it('a missing column is named, with the row, and exits 2 without a stack trace', async () => {
    const r = await jigsaw(['match', '--left', SCHOOL, '--id', 'pupil_id', '--column', 'first_name=given_name', '--out', join(dir, 'x.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('school.csv row 1 (header): no column "given_name"');
    expect(r.stderr).not.toMatch(/\bat \S+ \(|Error:/);
  });

  it('an unknown field is named, with the fields there are', async () => {
    const r = await jigsaw(['match', '--left', SCHOOL, '--id', 'pupil_id', '--column', 'firstname=forename', '--out', join(dir, 'x.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown field "firstname"');
    expect(r.stderr).toContain('first_name, middle_names, last_name, date_of_birth');
  });

  it('an unreadable date names the row and column, not the value', async () => {
    const bad = file('bad.csv', 'pupil_id,forename,dob\na1,Jack,2021-05-04\na2,Jill,4th May 2021\n');
    const r = await jigsaw(['match', '--left', bad, '--id', 'pupil_id', '--column', 'first_name=forename', '--column', 'date_of_birth=dob', '--out', join(dir, 'x.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('bad.csv row 3, column dob: not a date; use YYYYMMDD, YYYY-MM-DD or DD/MM/YYYY');
  });
});
