import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { Refusal } from './format.ts';

/**
 * Running PostgreSQL's own pg_dump and pg_restore against the server named by DATABASE_URL.
 * The connection goes to them through libpq's environment variables, never as arguments:
 * anyone on the machine can read a process's arguments with `ps`, but not its environment.
 */

// libpq's names for the connection-string parameters Jigsaw's DATABASE_URL may carry.
const QUERY_TO_ENV: Record<string, string> = {
  host: 'PGHOST', port: 'PGPORT', user: 'PGUSER', password: 'PGPASSWORD', dbname: 'PGDATABASE',
  sslmode: 'PGSSLMODE', sslrootcert: 'PGSSLROOTCERT', sslcert: 'PGSSLCERT', sslkey: 'PGSSLKEY',
  connect_timeout: 'PGCONNECT_TIMEOUT', application_name: 'PGAPPNAME', options: 'PGOPTIONS',
};

/** DATABASE_URL as libpq environment variables. */
export function libpqEnvironment(databaseUrl: string): Record<string, string> {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Refusal('DATABASE_URL is not a URL like postgres://user:password@host:5432/database.');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Refusal('DATABASE_URL must start with postgres:// or postgresql://.');
  }
  const env: Record<string, string> = {};
  const set = (name: string, value: string): void => {
    if (value !== '') env[name] = value;
  };
  set('PGHOST', decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, '$1'));
  set('PGPORT', url.port);
  set('PGUSER', decodeURIComponent(url.username));
  set('PGPASSWORD', decodeURIComponent(url.password));
  set('PGDATABASE', decodeURIComponent(url.pathname.replace(/^\//, '')));
  for (const [key, value] of url.searchParams) {
    const name = QUERY_TO_ENV[key];
    if (!name) {
      // node-postgres's `ssl=true` has no libpq equivalent with the same meaning: guessing one
      // could quietly weaken how the backup's connection is protected.
      throw new Refusal(`DATABASE_URL's parameter "${key}" cannot be passed on to pg_dump and pg_restore. Use libpq's parameters (for TLS: sslmode=verify-full and sslrootcert=…), which Jigsaw understands too.`);
    }
    set(name, value);
  }
  return env;
}

/** Where a server database is, for messages: never its password. */
export function describeServer(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}${url.port ? `:${url.port}` : ''}/${decodeURIComponent(url.pathname.replace(/^\//, ''))}`;
  } catch {
    return 'the server named by DATABASE_URL';
  }
}

export type PgTool = 'pg_dump' | 'pg_restore';

const installHint = (serverMajor: number | undefined): string =>
  `Install PostgreSQL's client programs${serverMajor ? ` of version ${serverMajor} or newer` : ''} (Debian/Ubuntu: apt-get install postgresql-client${serverMajor ? `-${serverMajor}` : ''}; the PostgreSQL project's apt repository has every version).`;

/** The tool's major version, or a clear refusal when it is not installed. */
export async function toolMajorVersion(tool: PgTool, env: NodeJS.ProcessEnv): Promise<number> {
  const { code, stdout } = await run(tool, ['--version'], env);
  const major = /\b(\d+)(?:\.\d+)?/.exec(stdout)?.[1];
  if (code !== 0 || !major) throw new Refusal(`${tool} --version did not say its version. ${installHint(undefined)}`);
  return Number(major);
}

export function requireToolFor(tool: PgTool, toolMajor: number, serverMajor: number): void {
  if (toolMajor < serverMajor) {
    throw new Refusal(`${tool} is version ${toolMajor}, older than the PostgreSQL server (version ${serverMajor}), so it cannot ${tool === 'pg_dump' ? 'back it up' : 'restore into it'}. ${installHint(serverMajor)}`);
  }
}

/** Runs a tool to completion, collecting what it prints. */
function run(tool: PgTool, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new Refusal(`${tool} was not found on PATH. ${installHint(undefined)}`) : err));
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/**
 * Starts a tool whose data flows through a pipe: the caller connects its stdin or stdout, then
 * awaits `done`, which rejects with what the tool said on standard error if it failed.
 */
export function startTool(tool: PgTool, args: string[], env: NodeJS.ProcessEnv): {
  child: ChildProcessByStdio<Writable, Readable, Readable>;
  done: Promise<void>;
} {
  const child = spawn(tool, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    // Enough to explain a failure; a restore of a damaged file could otherwise print without end.
    if (stderr.length < 64 * 1024) stderr += d.toString('utf8');
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new Refusal(`${tool} was not found on PATH. ${installHint(undefined)}`) : err));
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      // DETAIL and CONTEXT lines can quote a row's values (personal data): they are left out.
      const said = stderr.split('\n').filter((l) => !/^\s*(DETAIL|CONTEXT):/.test(l)).join('\n').trim();
      if (/server version mismatch/i.test(said)) {
        const server = /server version:\s*(\d+)/i.exec(said)?.[1];
        return reject(new Refusal(`${tool} is older than the PostgreSQL server, so it cannot ${tool === 'pg_dump' ? 'back it up' : 'restore into it'}. ${installHint(server ? Number(server) : undefined)}`));
      }
      reject(new Refusal(`${tool} failed (${signal ? `signal ${signal}` : `exit code ${code}`})${said ? `:\n${said}` : '.'}`));
    });
  });
  return { child, done };
}
