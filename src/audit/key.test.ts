import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditKeyringFrom, stamp, stampVerifies } from './key.ts';

const OLD = 'old-key-0123456789abcdef0123456789abcdef';
const NEW = 'new-key-fedcba9876543210fedcba9876543210';

describe('the audit key', () => {
  it('is optional; a short one is refused without being quoted', () => {
    expect(auditKeyringFrom({})).toBeUndefined();
    const short = 'short-secret-1234';
    expect(() => auditKeyringFrom({ JIGSAW_AUDIT_KEY: short })).toThrow('The audit key must be at least 32 characters (make one with: openssl rand -base64 32)');
    try {
      auditKeyringFrom({ JIGSAW_AUDIT_KEY: short });
    } catch (err) {
      expect(String(err)).not.toContain(short);
    }
  });

  it('rotates through a key file: new seals are made with the first key, and what an earlier key sealed still verifies', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jigsaw-key-'));
    try {
      const before = auditKeyringFrom({ JIGSAW_AUDIT_KEY: OLD })!;
      const sealedBefore = stamp(before.current, 'entry', '{"action":"record.read"}');
      await writeFile(join(dir, 'audit.key'), `# newest first\n${NEW}\n${OLD}\n`);
      const ring = auditKeyringFrom({ JIGSAW_AUDIT_KEY_FILE: join(dir, 'audit.key') })!;
      expect(ring.current.id).not.toBe(before.current.id);
      expect(stampVerifies(ring, 'entry', '{"action":"record.read"}', sealedBefore)).toBe(true);
      expect(stampVerifies(ring, 'entry', '{"action":"record.list"}', sealedBefore)).toBe(false);
      // An entry's MAC is never accepted as a seal of the chain.
      expect(stampVerifies(ring, 'seal', '{"action":"record.read"}', sealedBefore)).toBe(false);
      // The key is nowhere in what is printed or stored of it.
      expect(JSON.stringify(ring)).not.toMatch(/old-key|new-key/);
      expect(() => auditKeyringFrom({ JIGSAW_AUDIT_KEY_FILE: join(dir, 'missing') })).toThrow(`JIGSAW_AUDIT_KEY_FILE: cannot read ${join(dir, 'missing')}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
