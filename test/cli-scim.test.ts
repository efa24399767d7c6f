import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../src/cli/main.ts';
import { openDatabase } from '../src/db/database.ts';
import { resolveScimToken } from '../src/scim/tokens.ts';
import { systemClock } from '../src/shared/clock.ts';

function capture(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe('jigsaw scim token', () => {
  it('the operator makes a token for an agency (shown once, with the tenant URL) and revokes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jigsaw-cli-scim-'));
    const env = { JIGSAW_DATA_DIR: dir, JIGSAW_PUBLIC_URL: 'https://jigsaw.northshire.example/' };
    try {
      const io = capture();
      expect(await main(['partnership', 'add', '--name', 'Northshire', '--nation', 'england-and-wales'], io, env)).toBe(0);
      const partnershipId = io.lines.join('\n').match(/[0-9a-f-]{36}/)![0];
      expect(await main(['agency', 'add', '--name', 'Northshire Academy', '--type', 'school', '--partnership', partnershipId], io, env)).toBe(0);
      const agencyId = io.lines.join('\n').match(new RegExp(`(?!${partnershipId})[0-9a-f]{8}-[0-9a-f-]{27}`, 'g'))!.find((x) => x !== partnershipId)!;

      const made = capture();
      expect(await main(['scim', 'token', 'create', '--agency', agencyId, '--name', 'Entra ID', '--role', 'practitioner', '--role', 'safeguarding_lead'], made, env)).toBe(0);
      expect(made.lines).toHaveLength(1);
      const token = made.lines[0]!;
      expect(token).toMatch(/^jsc_/);
      expect(made.errors.join('\n')).toContain('Tenant URL for the identity provider: https://jigsaw.northshire.example/scim/v2');
      const tokenId = made.errors.join('\n').match(/revoke --id ([0-9a-f-]{36})/)![1]!;

      const db = await openDatabase({ databaseUrl: undefined, dataDir: dir });
      try {
        expect(await resolveScimToken({ db, clock: systemClock }, token)).toMatchObject({ agencyId, defaultRoles: ['practitioner', 'safeguarding_lead'] });
      } finally {
        await db.close();
      }
      expect(await main(['scim', 'token', 'revoke', '--id', tokenId], capture(), env)).toBe(0);
      expect(await main(['scim', 'token', 'revoke', '--id', tokenId], capture(), env)).toBe(1);
      const db2 = await openDatabase({ databaseUrl: undefined, dataDir: dir });
      try {
        expect(await resolveScimToken({ db: db2, clock: systemClock }, token)).toBeUndefined();
      } finally {
        await db2.close();
      }
      const bad = capture();
      expect(await main(['scim', 'token', 'create', '--agency', 'nope', '--role', 'superuser'], bad, env)).toBe(2);
      expect(bad.errors.join('\n')).toMatch(/--agency is required[\s\S]*--name is required[\s\S]*--role must be one of/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
