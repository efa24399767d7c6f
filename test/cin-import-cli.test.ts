import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../src/cli/main.ts';
import { referencePath } from './reference.ts';

function capture(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe('jigsaw cin import', () => {
  it('loads a census, says what it could not load, adds nothing the second time, and exits 1 when nothing loads and 2 for a file that is not a census', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jigsaw-cin-import-'));
    const env = { JIGSAW_DATA_DIR: join(dir, 'data') };
    const census = join(dir, 'CIN_Census_2026.xml');
    copyFileSync(referencePath('cin/fake_data/CIN_Census_2026.xml'), census);
    try {
      const io = capture();
      expect(await main(['partnership', 'add', '--name', 'Northshire Partnership', '--nation', 'england-and-wales'], io, env)).toBe(0);
      const partnershipId = /Added partnership (\S+)\./.exec(io.lines.at(-1)!)![1]!;
      expect(await main(['agency', 'add', '--name', 'Northshire Children’s Social Care', '--type', 'childrens_social_care', '--partnership', partnershipId], io, env)).toBe(0);
      const agencyId = /Added agency (\S+)\./.exec(io.lines.at(-1)!)![1]!;
      expect(await main(['user', 'add', '--agency', agencyId, '--name', 'Dana Data', '--email', 'dana@northshire.example', '--role', 'data_officer'], io, env)).toBe(0);

      const run = capture();
      expect(await main(['cin', 'import', census, '--agency', agencyId, '--as', 'dana@northshire.example'], run, env)).toBe(0);
      expect(run.lines[0]).toBe('Loaded 1 child (1 new), 1 episode and 0 child protection plans from CIN_Census_2026.xml.');
      expect(run.lines).toContain('  child 2, LAchildID: is not 1 to 20 letters and digits: the child is not loaded');
      expect(run.lines).toContain('  DfEX0000001, UPN: has the wrong check letter: not stored');
      expect(run.lines.join('\n')).not.toContain('A123456789123');

      const again = capture();
      expect(await main(['cin', 'import', census, '--agency', agencyId, '--as', 'dana@northshire.example'], again, env)).toBe(0);
      expect(again.lines.slice(0, 2)).toEqual(['Loaded 0 children (0 new), 0 episodes and 0 child protection plans from CIN_Census_2026.xml.', '1 episode was already held and was left as it was.']);

      const nothing = join(dir, 'nothing.xml');
      writeFileSync(nothing, '<Message><Header/><Children><Child><ChildIdentifiers><Sex>F</Sex></ChildIdentifiers></Child></Children></Message>');
      const none = capture();
      expect(await main(['cin', 'import', nothing, '--agency', agencyId, '--as', 'dana@northshire.example'], none, env)).toBe(1);
      expect(none.lines).toContain('  child 1, LAchildID: is missing: the child is not loaded (it is how a later import finds them again)');

      const notXml = join(dir, 'notes.xml');
      writeFileSync(notXml, 'not < xml');
      const bad = capture();
      expect(await main(['cin', 'import', notXml, '--agency', agencyId, '--as', 'dana@northshire.example'], bad, env)).toBe(2);
      expect(bad.errors[0]).toMatch(/^notes\.xml: This is not well-formed XML/);
      expect(await main(['cin', 'import', census, '--as', 'dana@northshire.example'], bad, env)).toBe(2);
      expect(bad.errors).toContain('--agency is required: the authority\'s identifier (`jigsaw agency list` shows it)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
