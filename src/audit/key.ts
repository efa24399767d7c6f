import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The audit key: a secret the database never holds, with which the application seals each entry
 * and the chain's head (HMAC-SHA256, node:crypto). Whoever can write the database but lacks the key
 * cannot make a seal that `jigsaw audit verify` accepts.
 *
 * JIGSAW_AUDIT_KEY holds one key; JIGSAW_AUDIT_KEY_FILE a file with one key per line, the first
 * the one in use and any others earlier keys kept to verify what they sealed (rotation).
 */
export interface AuditKey {
  /** Names the key in seals without revealing anything about it. */
  readonly id: string;
  mac(purpose: 'entry' | 'seal', text: string): string;
}

export interface AuditKeyring {
  /** The key new entries and seals are made with. */
  current: AuditKey;
  /** Every key known, by id (the current one included). */
  byId: ReadonlyMap<string, AuditKey>;
}

const MIN_KEY_LENGTH = 32;

export function auditKey(secret: string): AuditKey {
  const bytes = Buffer.from(secret, 'utf8');
  // Domain-separated: an entry's MAC can never be passed off as a seal, nor either as the key id.
  const mac = (purpose: string, text: string): string => createHmac('sha256', bytes).update(`jigsaw-audit-${purpose}-v1\n`).update(text).digest('hex');
  const id = mac('key-id', '').slice(0, 12);
  // The secret itself is kept only inside the closures: the object prints and serialises without it.
  return { id, mac };
}

export class AuditKeyError extends Error {}

/** Reads the keys from the environment; undefined when none is configured. Never quotes the key in an error. */
export function auditKeyringFrom(env: NodeJS.ProcessEnv): AuditKeyring | undefined {
  let secrets: string[];
  if (env.JIGSAW_AUDIT_KEY_FILE) {
    let text: string;
    try {
      text = readFileSync(env.JIGSAW_AUDIT_KEY_FILE, 'utf8');
    } catch {
      throw new AuditKeyError(`JIGSAW_AUDIT_KEY_FILE: cannot read ${env.JIGSAW_AUDIT_KEY_FILE}`);
    }
    secrets = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    if (secrets.length === 0) throw new AuditKeyError('JIGSAW_AUDIT_KEY_FILE holds no key');
  } else if (env.JIGSAW_AUDIT_KEY) {
    secrets = [env.JIGSAW_AUDIT_KEY.trim()];
  } else {
    return undefined;
  }
  if (secrets.some((s) => s.length < MIN_KEY_LENGTH)) {
    throw new AuditKeyError(`The audit key must be at least ${MIN_KEY_LENGTH} characters (make one with: openssl rand -base64 32)`);
  }
  const keys = secrets.map(auditKey);
  return { current: keys[0]!, byId: new Map(keys.map((k) => [k.id, k])) };
}

/** "keyid:hex", as stored in audit_event.mac and audit_seal.mac. */
export const stamp = (key: AuditKey, purpose: 'entry' | 'seal', text: string): string => `${key.id}:${key.mac(purpose, text)}`;

/** Whether a stored "keyid:hex" is the MAC of text under one of the ring's keys. */
export function stampVerifies(ring: AuditKeyring, purpose: 'entry' | 'seal', text: string, stored: string | null | undefined): boolean {
  if (!stored) return false;
  const [id, hex] = stored.split(':');
  const key = id ? ring.byId.get(id) : undefined;
  if (!key || !hex || !/^[0-9a-f]{64}$/.test(hex)) return false;
  return timingSafeEqual(Buffer.from(key.mac(purpose, text), 'hex'), Buffer.from(hex, 'hex'));
}

/**
 * The key this process seals new entries with. Process-wide on purpose: entries are made in many
 * places (auditArguments) that know nothing of configuration; the server and CLI set it once at start.
 */
let signing: AuditKey | undefined;
export function useAuditKey(key: AuditKey | undefined): void {
  signing = key;
}
export const signingKey = (): AuditKey | undefined => signing;
