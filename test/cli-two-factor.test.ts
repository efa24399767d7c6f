import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../src/cli/main.ts';
import { codeAt } from '../src/auth/two-factor/totp.ts';

function capture(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe("the operator resets a practitioner's two-factor authentication from the command line", () => {
  it('needs an e-mail address, names an unknown one, and signs the practitioner out everywhere', async () => {
    const io = capture();
    expect(await main(['user', 'reset-two-factor'], io, { JIGSAW_DATA_DIR: join(tmpdir(), 'jigsaw-never-created') })).toBe(2);
    expect(io.errors.at(-1)).toBe('--email is required');

    const dir = mkdtempSync(join(tmpdir(), 'jigsaw-cli-'));
    const env = { JIGSAW_DATA_DIR: dir };
    try {
      expect(await main(['partnership', 'add', '--name', 'Westshire Partnership', '--nation', 'england-and-wales'], io, env)).toBe(0);
      const partnershipId = /Added partnership (\S+)\./.exec(io.lines.at(-1)!)![1]!;
      expect(await main(['agency', 'add', '--name', 'Westshire Council', '--type', 'childrens_social_care', '--partnership', partnershipId], io, env)).toBe(0);
      const agencyId = /Added agency (\S+)\./.exec(io.lines.at(-1)!)![1]!;
      expect(await main(['user', 'add', '--agency', agencyId, '--name', 'Ada Admin', '--email', 'ada@westshire.example', '--role', 'administrator'], io, env)).toBe(0);
      expect(await main(['user', 'reset-two-factor', '--email', 'nobody@westshire.example'], io, env)).toBe(1);
      expect(io.errors.at(-1)).toBe('No practitioner has that e-mail address.');
      expect(await main(['user', 'reset-two-factor', '--email', 'ADA@westshire.example'], io, env)).toBe(0);
      expect(io.lines.at(-1)).toBe('They had not set up two-factor authentication; 0 session(s) ended.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('prints the current code for a key as an authenticator app would, for trying the demo without one', async () => {
    const io = capture();
    const env = { JIGSAW_DATA_DIR: join(tmpdir(), 'jigsaw-never-created') };
    expect(await main(['two-factor', 'code', '--key', 'jbsw y3dp ehpk 3pxp'], io, env)).toBe(0);
    // Within the same 30 seconds, or the next: the command reads the real clock.
    const now = Date.now();
    expect([codeAt('JBSWY3DPEHPK3PXP', new Date(now)), codeAt('JBSWY3DPEHPK3PXP', new Date(now - 30_000))]).toContain(io.lines.at(-1));
    expect(await main(['two-factor', 'code'], io, env)).toBe(2);
    expect(io.errors.at(-1)).toContain('--key is required');
  });
});
