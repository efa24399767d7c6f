import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertStrongPassword, hashPassword } from '../auth/passwords.ts';
import type { Config } from '../config/config.ts';
import type { Queryable } from '../db/database.ts';
import { DEMO_PARTNERSHIP_NAME, loadDemo, type DemoAccount } from '../demo/demo.ts';
import type { Services } from '../shared/context.ts';
import type { Io } from './main.ts';

const SIGN_IN_FILE = 'demo-sign-in.txt';

export async function demoIsLoaded(db: Queryable): Promise<boolean> {
  return (await db.query('SELECT 1 FROM partnership WHERE name = $1', [DEMO_PARTNERSHIP_NAME])).rowCount > 0;
}

function signInText(accounts: DemoAccount[], password: string, url: string): string {
  const width = Math.max(...accounts.map((a) => a.email.length));
  return [
    `Demo partnership loaded: ${DEMO_PARTNERSHIP_NAME} (fictional people from the eight case examples).`,
    `Sign in at ${url} with any of these e-mail addresses and the demo password: ${password}`,
    ...accounts.map((a) => `  ${a.email.padEnd(width)}  ${a.name}, ${a.jobTitle} — ${a.agencyName} [${a.roles.join(', ')}]`),
    'For the API: npm run jigsaw -- token create --email <address>  (then send "Authorization: Bearer <token>")',
    'Administrators, auditors and partnership administrators set up two-factor authentication when they first sign in (unless JIGSAW_TWO_FACTOR=off): scan the QR code with an authenticator app, or copy the key shown and run: npm run -s jigsaw -- two-factor code --key <key>',
  ].join('\n');
}

/**
 * Loads the demo partnership into an empty database. The password is random unless given
 * (or JIGSAW_DEMO_PASSWORD is set): no password is built into the code.
 */
export async function runDemo(s: Services, config: Config, io: Io, password?: string): Promise<number> {
  if (await demoIsLoaded(s.db)) {
    io.out('The demo partnership is already loaded.');
    await printDemoSignIn(config, io);
    return 0;
  }
  const pw = password ?? process.env.JIGSAW_DEMO_PASSWORD ?? randomBytes(9).toString('base64url');
  // A chosen demo password signs in as every demo practitioner: it meets the same rule as any other.
  assertStrongPassword(pw);
  const accounts = await loadDemo(s, { passwordHash: await hashPassword(pw) });
  const text = signInText(accounts, pw, `http://localhost:${config.port}`);
  io.out(text);
  if (!config.databaseUrl) {
    // Kept beside the embedded database (readable by its owner only) so a restart can print it again.
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(join(config.dataDir, SIGN_IN_FILE), `${text}\n`, { mode: 0o600 });
  }
  return 0;
}

export async function printDemoSignIn(config: Config, io: Io): Promise<void> {
  if (config.databaseUrl) return;
  const text = await readFile(join(config.dataDir, SIGN_IN_FILE), 'utf8').catch(() => undefined);
  if (text) io.out(text.trimEnd());
}
