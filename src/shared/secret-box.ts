import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Secrets Jigsaw must read back — an identity provider's client secret, a practitioner's TOTP key —
 * are sealed at rest with AES-256-GCM (node:crypto) under a key the database never holds:
 * JIGSAW_SECRETS_KEY (32 characters or more). Whoever copies the database, or a backup, cannot use
 * them without the key. Without a key (a demo, the tests) they are kept as `plain:` text, and
 * `secretsSealed()` says so for the server's start-up warning.
 *
 * Sealed text: `v1:<iv>:<tag>:<ciphertext>`, base64url; `purpose` is bound as associated data, so a
 * sealed TOTP key can never be passed off as a client secret.
 */

const MIN_KEY_LENGTH = 32;
let key: Buffer | undefined;

export class SecretsKeyError extends Error {}

/** Reads JIGSAW_SECRETS_KEY (at start-up); never quotes the key in an error. */
export function useSecretsKeyFrom(env: NodeJS.ProcessEnv = process.env): void {
  const raw = env.JIGSAW_SECRETS_KEY?.trim();
  if (!raw) {
    key = undefined;
    return;
  }
  if (raw.length < MIN_KEY_LENGTH) throw new SecretsKeyError(`JIGSAW_SECRETS_KEY must be at least ${MIN_KEY_LENGTH} characters (make one with: openssl rand -base64 32)`);
  key = Buffer.from(hkdfSync('sha256', Buffer.from(raw, 'utf8'), Buffer.alloc(0), 'jigsaw-secret-box-v1', 32));
}

export const secretsSealed = (): boolean => key !== undefined;

export function sealSecret(purpose: string, plain: string): string {
  if (!key) return `plain:${plain}`;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(purpose, 'utf8'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `v1:${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${body.toString('base64url')}`;
}

/** Opens a sealed secret; throws (naming nothing secret) when the key is missing or wrong. */
export function openSecret(purpose: string, sealed: string): string {
  if (sealed.startsWith('plain:')) return sealed.slice('plain:'.length);
  const [version, iv, tag, body] = sealed.split(':');
  if (version !== 'v1' || !iv || !tag || body === undefined) throw new SecretsKeyError('A stored secret is not in a form Jigsaw knows');
  if (!key) throw new SecretsKeyError('A stored secret is sealed, and JIGSAW_SECRETS_KEY is not set');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(purpose, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretsKeyError('A stored secret cannot be opened with JIGSAW_SECRETS_KEY (was the key changed?)');
  }
}
