import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPGlite } from './database.ts';

describe('the embedded database directory', () => {
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
