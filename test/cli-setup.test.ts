import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../src/cli/main.ts';

function capture(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe('setting up a partnership from the command line', () => {
  it('a local authority adds its partnership, an agency in it, a practitioner, and a token for them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jigsaw-cli-'));
    const env = { JIGSAW_DATA_DIR: dir };
    try {
      const io = capture();
      expect(await main(['partnership', 'add', '--name', 'Westshire Partnership', '--nation', 'scotland'], io, env)).toBe(0);
      const partnershipId = /Added partnership (\S+)\./.exec(io.lines.at(-1)!)![1]!;
      expect(await main(['agency', 'add', '--name', 'Westshire Police', '--type', 'police', '--partnership', partnershipId], io, env)).toBe(0);
      const agencyId = /Added agency (\S+)\./.exec(io.lines.at(-1)!)![1]!;
      expect(await main(['agency', 'list'], io, env)).toBe(0);
      expect(io.lines).toContain(`  ${agencyId}  police  Westshire Police`);
      // A refuge the partnership marks sensitive is never named to another agency in possible matches.
      expect(await main(['agency', 'add', '--name', 'Westshire Refuge', '--type', 'voluntary_sector', '--partnership', partnershipId, '--sensitive'], io, env)).toBe(0);
      const refugeId = /Added agency (\S+)\./.exec(io.lines.at(-1)!)![1]!;
      expect(await main(['agency', 'list'], io, env)).toBe(0);
      expect(io.lines).toContain(`  ${refugeId}  voluntary_sector  Westshire Refuge  (never named in possible matches)`);
      expect(await main(['user', 'add', '--agency', agencyId, '--name', 'Sgt Example', '--email', 'sgt@westshire-police.example', '--role', 'practitioner'], io, env)).toBe(0);
      // No password on the command line (issue 16): a one-time link for the owner to choose one, printed once.
      expect(io.lines.at(-1)).toMatch(/^http:\/\/localhost:3000\/set-password\/jsp_[A-Za-z0-9_-]{43}$/);
      expect(await main(['user', 'add', '--agency', agencyId, '--name', 'Sgt Other', '--email', 'other@westshire-police.example', '--role', 'practitioner', '--password-stdin'], io, env)).toBe(2);
      expect(await main(['token', 'create', '--email', 'sgt@westshire-police.example'], io, env)).toBe(0);
      expect(io.lines.at(-1)).toMatch(/^jst_/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Each command opens the embedded database afresh, as a real invocation would: five PGlite starts.
  }, 240_000);

  it('bad input names the option at fault and exits 2', async () => {
    const io = capture();
    expect(await main(['agency', 'add', '--name', 'X', '--type', 'spaceship'], io, { JIGSAW_DATA_DIR: join(tmpdir(), 'jigsaw-never-created') })).toBe(2);
    expect(io.errors.some((e) => e.startsWith('--type:'))).toBe(true);
    expect(io.errors.some((e) => e.startsWith('--partnership: An agency belongs to at least one partnership'))).toBe(true);
    // Issue 19: the local authority's three-digit code, and the ODS shape.
    expect(await main(['agency', 'add', '--name', 'X', '--type', 'childrens_social_care', '--la-code', '93', '--ods-code', 'R-1'], io, { JIGSAW_DATA_DIR: join(tmpdir(), 'jigsaw-never-created') })).toBe(2);
    expect(io.errors).toContain('--la-code: Enter the local authority code: three digits, like 931');
    expect(io.errors.some((e) => e.startsWith('--ods-code: Enter an ODS code of 3 to 10 letters and digits'))).toBe(true);
    expect(await main(['partnership', 'add', '--name', 'Y', '--nation', 'wales'], io, {})).toBe(2);
    expect(io.errors.at(-1)).toMatch(/^--nation:/);
  });
});
