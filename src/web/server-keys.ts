import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import { openSecret, sealSecret, SecretsKeyError } from '../shared/secret-box.ts';

/**
 * Keys every server process of a deployment must share, kept in the database (server_key,
 * migration 034) rather than each process's memory, so that with several processes behind one
 * port (or after a restart) what one process made another accepts. They are sealed under
 * JIGSAW_SECRETS_KEY when it is set, like every secret Jigsaw reads back (src/shared/secret-box.ts).
 *
 * Why the database rather than a key derived from a configured secret: it needs no new setting
 * (a deployment without JIGSAW_SECRETS_KEY — the demo, a first install — gets one key all the
 * same), it is made once and race-free by whichever process asks first, and it is only ever as
 * sensitive as what it protects (below).
 */

const KEY_BYTES = 32;
const purposeOf = (name: string): string => `server-key:${name}`;
const freshKey = (name: string): string => sealSecret(purposeOf(name), randomBytes(KEY_BYTES).toString('base64url'));

/**
 * The deployment's key of that name: INSERT … ON CONFLICT DO NOTHING, then read, so processes
 * starting together all end up with the first one's key. A key sealed under a JIGSAW_SECRETS_KEY
 * since changed cannot be opened: these keys may be replaced (the cost is that forms open at that
 * moment must be reloaded), and the first process to replace it wins (compare-and-set).
 */
export async function deploymentKey(db: Queryable, name: string): Promise<Buffer> {
  for (let attempt = 0; attempt < 3; attempt++) {
    await db.query('INSERT INTO server_key (name, key_sealed) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, freshKey(name)]);
    const stored = (await db.query<{ key_sealed: string }>('SELECT key_sealed FROM server_key WHERE name = $1', [name])).rows[0]?.key_sealed;
    if (stored === undefined) continue; // deleted meanwhile (only the tests empty this table): make it again
    try {
      const key = Buffer.from(openSecret(purposeOf(name), stored), 'base64url');
      if (key.length === KEY_BYTES) return key;
    } catch (err) {
      if (!(err instanceof SecretsKeyError)) throw err;
    }
    await db.query('UPDATE server_key SET key_sealed = $3, created_at = now() WHERE name = $1 AND key_sealed = $2', [name, stored, freshKey(name)]);
  }
  throw new Error(`The server key ${name} could not be read or made`);
}

/**
 * The HMAC key that binds each form's CSRF token to the session (src/web/plugin.ts): one for the
 * whole deployment, so a form rendered by one process is accepted by another. Knowing it is not
 * enough to forge a token: that also takes the browser's CSRF secret cookie (httpOnly, SameSite
 * strict), which never leaves the browser and Jigsaw does not store.
 *
 * The CSRF plugin takes its key once, when it is registered, but the app may be built while the
 * database is unreachable (/health/ready must then answer 503, not fail to start). So the plugin is
 * given this buffer, and the stored key is copied into it before the first page is answered
 * (ready(), awaited by every page request; a failure is retried by the next request). Until then
 * it holds random bytes, never used.
 */
export class CsrfKey {
  readonly bytes: Buffer = randomBytes(KEY_BYTES);
  private loading: Promise<void> | undefined;

  constructor(private readonly db: Queryable) {}

  ready(): Promise<void> {
    this.loading ??= deploymentKey(this.db, 'csrf').then(
      (key) => {
        key.copy(this.bytes);
      },
      (err: unknown) => {
        this.loading = undefined;
        throw err;
      },
    );
    return this.loading;
  }
}
