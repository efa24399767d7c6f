import { afterEach, describe, expect, it } from 'vitest';
import { openSecret, sealSecret, SecretsKeyError, useSecretsKeyFrom } from './secret-box.ts';

describe('secrets sealed at rest', () => {
  afterEach(() => useSecretsKeyFrom({}));

  it('seals with the key and opens only with the same key and purpose', () => {
    useSecretsKeyFrom({ JIGSAW_SECRETS_KEY: 'k'.repeat(40) });
    const sealed = sealSecret('totp', 'JBSWY3DPEHPK3PXP');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(openSecret('totp', sealed)).toBe('JBSWY3DPEHPK3PXP');
    expect(() => openSecret('oidc-client-secret', sealed)).toThrow(SecretsKeyError);
    useSecretsKeyFrom({ JIGSAW_SECRETS_KEY: 'j'.repeat(40) });
    expect(() => openSecret('totp', sealed)).toThrow(/cannot be opened/);
  });

  it('keeps plain text without a key, and refuses a short key', () => {
    expect(sealSecret('totp', 'abc')).toBe('plain:abc');
    expect(openSecret('totp', 'plain:abc')).toBe('abc');
    expect(() => useSecretsKeyFrom({ JIGSAW_SECRETS_KEY: 'short' })).toThrow(/at least 32/);
  });
});
