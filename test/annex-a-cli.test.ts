import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../src/cli/main.ts';

function capture(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe('jigsaw annex-a', () => {
  it("writes the workbook for the authority's children's social care, and says what is wrong with bad dates", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jigsaw-annex-a-cli-'));
    const env = { JIGSAW_DATA_DIR: join(dir, 'data') };
    const out = join(dir, 'annex-a.xlsx');
    try {
      const io = capture();
      expect(await main(['annex-a', '--from', '2026-04-31', '--to', '2027-03-31', '--out', out], io, env)).toBe(2);
      expect(io.errors).toEqual(['--from: This date does not exist']);
      // No children's social care with a local authority code yet: the operator is told how to name one.
      expect(await main(['annex-a', '--from', '2026-04-01', '--to', '2027-03-31', '--out', out], io, env)).toBe(2);
      expect(io.errors.at(-1)).toMatch(/^No children's social care agency has a local authority code/);

      expect(await main(['partnership', 'add', '--name', 'Westshire Partnership', '--nation', 'england-and-wales'], io, env)).toBe(0);
      const partnershipId = /Added partnership (\S+)\./.exec(io.lines.at(-1)!)![1]!;
      expect(await main(['agency', 'add', '--name', "Westshire Children's Services", '--type', 'childrens_social_care', '--partnership', partnershipId, '--la-code', '931'], io, env)).toBe(0);
      expect(await main(['annex-a', '--from', '2026-04-01', '--to', '2027-03-31', '--out', out], io, env)).toBe(0);
      expect(io.lines.at(-2)).toBe(`Wrote ${out} for Westshire Children's Services, 2026-04-01 to 2027-03-31: List 1 0, List 3 0, List 4 0, List 5 0, List 6 0, List 7 0. Lists 2 and 8–11 are not held by Jigsaw.`);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(out);
      expect(wb.worksheets.map((w) => w.name)).toEqual(['List 1', 'List 2', 'List 3', 'List 4', 'List 5', 'List 6', 'List 7', 'List 8', 'List 9', 'List 10', 'List 11']);
      expect(wb.getWorksheet('List 9')!.getCell('A2').value).toBe('Not held by Jigsaw: Jigsaw does not record care leavers.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
