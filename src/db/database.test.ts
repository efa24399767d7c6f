import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { openPGlite, simpleArrayParser } from './database.ts';

// Embedded only: the PGlite pass runs these; the PostgreSQL pass (JIGSAW_TEST_DATABASE_URL) would repeat them.
describe.skipIf(Boolean(process.env.JIGSAW_TEST_DATABASE_URL))('the embedded database directory', () => {
  it('refuses a second process (or a second open) while one holds it, and opens again once it is closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jigsaw-lock-'));
    try {
      const first = await openPGlite(dir);
      await expect(openPGlite(dir)).rejects.toThrow(/in use by another Jigsaw process .*Stop it first/);
      await first.close();
      const again = await openPGlite(dir);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes over a lock left by a process that was killed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jigsaw-lock-'));
    try {
      // A pid that cannot be running: above the kernel's maximum.
      writeFileSync(join(dir, 'jigsaw.pid'), '4194305');
      const db = await openPGlite(dir);
      expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
      await db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('arrays read from the PostgreSQL server', () => {
  const full = pg.types.getTypeParser(1009 as Parameters<typeof pg.types.getTypeParser>[0], 'text') as (v: string) => unknown;
  const parse = simpleArrayParser(full);

  it('reads codes and identifiers as the full parser does', () => {
    for (const v of ['{}', '{neglect}', '{neglect,attendance}', '{a,NULL,b}', '{2b1f0c7e-0a56-4a43-9a53-8d0f3a1e2c11,5d0f}']) {
      expect(parse(v)).toEqual(full(v));
    }
  });

  it('leaves quoted, nested and dimensioned arrays to the full parser', () => {
    for (const v of ['{"a,b",c}', '{"NULL",x}', '{"with \\"quote\\""}', '{{1,2},{3,4}}', '[0:1]={a,b}', '{"two words"}']) {
      expect(parse(v)).toEqual(full(v));
    }
    expect(parse('{"a,b",c}')).toEqual(['a,b', 'c']);
    expect(parse('{"NULL",x}')).toEqual(['NULL', 'x']);
  });
});
