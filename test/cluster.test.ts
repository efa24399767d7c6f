/**
 * `jigsaw serve --workers N`: several server processes behind one port. The real command, as a
 * child process, on a fresh PostgreSQL database: a session made by one worker is honoured by
 * another, background work runs once, a killed worker is replaced, SIGTERM stops them all. With
 * the embedded database a request for several workers runs one, and says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../src/cli/main.ts';
import { workerCount } from '../src/cli/serve.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPostgres } from '../src/db/database.ts';
import { setPasswordWithLink } from '../src/auth/set-password.ts';
import { rateLimitsPerWorker } from '../src/http/rate-limits.ts';
import { systemClock } from '../src/shared/clock.ts';
import { createServerDatabase, onPostgresServer } from './db.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const JIGSAW = join(ROOT, 'bin', 'jigsaw.mjs');
/** Generous: tsx, migrations and two workers starting on a busy 2-core machine. */
const WAIT_MS = 180_000;
const METRICS_TOKEN = `metrics-${randomBytes(12).toString('hex')}`;

const started = new Set<ChildProcess>();
const tempDirs: string[] = [];
afterAll(async () => {
  // Only the processes this file started, by their handle.
  for (const proc of started) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

interface LogLine { msg?: string; pid: number; reqId?: string; code?: string; address?: string; worker?: number; backgroundWork?: boolean; res?: { statusCode: number } }

interface Running {
  proc: ChildProcess;
  lines: () => LogLine[];
  exited: Promise<number | null>;
  /** Resolves with the first log line that `match` accepts (now or later). */
  waitFor: (match: (l: LogLine) => boolean, what: string) => Promise<LogLine>;
}

function start(args: string[], env: NodeJS.ProcessEnv): Running {
  const proc = spawn(process.execPath, [JIGSAW, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(proc);
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const lines = (): LogLine[] => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
  const waitFor = async (match: (l: LogLine) => boolean, what: string): Promise<LogLine> => {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = lines().find(match);
      if (found) return found;
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`no log line for ${what}:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  return { proc, lines, exited, waitFor };
}

/** One request on a connection of its own, so the cluster hands it to the next worker in turn. */
function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

function capture(): Io & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(l) };
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('how many workers', () => {
  it('one per core on a PostgreSQL server unless told; always one with the embedded database, saying what was asked', () => {
    const server = loadConfig({ DATABASE_URL: 'postgres://example/db' });
    expect(workerCount(server, 3)).toEqual({ workers: 3 });
    expect(workerCount(loadConfig({ DATABASE_URL: 'postgres://example/db', JIGSAW_WORKERS: '2' }), undefined)).toEqual({ workers: 2 });
    expect(workerCount(server, undefined).workers).toBeGreaterThanOrEqual(1);
    expect(workerCount(loadConfig({}), 3)).toEqual({ workers: 1, refused: 3 });
    expect(workerCount(loadConfig({}), undefined)).toEqual({ workers: 1 });
    expect(() => loadConfig({ JIGSAW_WORKERS: 'lots' })).toThrow(/JIGSAW_WORKERS/);
  });

  it('each worker allows its share of the per-address limits, so the server as a whole allows what is configured', () => {
    expect(rateLimitsPerWorker({ apiPerMinute: 3000, fhirPerMinute: 0, signInPerMinute: 61 }, 2)).toEqual({ apiPerMinute: 1500, fhirPerMinute: 0, signInPerMinute: 31 });
    expect(rateLimitsPerWorker({ apiPerMinute: 1, fhirPerMinute: 5, signInPerMinute: 60 }, 4)).toEqual({ apiPerMinute: 1, fhirPerMinute: 2, signInPerMinute: 15 });
  });
});

describe.runIf(onPostgresServer())('serve --workers 2 on a PostgreSQL server', () => {
  it('a session made by one worker is honoured by another; background work runs once; a killed worker is replaced; SIGTERM stops them all', async () => {
    const url = await createServerDatabase();
    const dataDir = await mkdtemp(join(tmpdir(), 'jigsaw-cluster-'));
    tempDirs.push(dataDir);
    const env: NodeJS.ProcessEnv = {
      ...process.env, DATABASE_URL: url, JIGSAW_DATA_DIR: dataDir, JIGSAW_AUDIT_KEY: `audit-key-${randomBytes(24).toString('hex')}`,
      // Seals only at start and stop: what was sealed at start is then countable.
      JIGSAW_AUDIT_SEAL_SECONDS: '0', JIGSAW_METRICS_TOKEN: METRICS_TOKEN, JIGSAW_LOG_LEVEL: 'info',
    };

    // A practitioner, set up from the command line; their password chosen through the one-time link.
    const io = capture();
    const cli = { DATABASE_URL: url, JIGSAW_AUDIT_KEY: env.JIGSAW_AUDIT_KEY };
    expect(await main(['partnership', 'add', '--name', 'Clusterford Partnership', '--nation', 'england-and-wales'], io, cli)).toBe(0);
    const partnershipId = /Added partnership (\S+)\./.exec(io.lines.at(-1)!)![1]!;
    expect(await main(['agency', 'add', '--name', 'Clusterford Primary', '--type', 'school', '--partnership', partnershipId], io, cli)).toBe(0);
    const agencyId = /Added agency (\S+)\./.exec(io.lines.at(-1)!)![1]!;
    expect(await main(['user', 'add', '--agency', agencyId, '--name', 'Cara Teacher', '--email', 'cara@clusterford.example', '--role', 'practitioner'], io, cli)).toBe(0);
    const link = /\/set-password\/(\S+)$/.exec(io.lines.at(-1)!)![1]!;
    const password = `Clusterford-${randomBytes(12).toString('hex')}`;
    const db = openPostgres(url, { max: 1 });
    const seals = async (): Promise<number> => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_seal')).rows[0]!.n;
    let sealsBefore: number;
    try {
      await setPasswordWithLink({ db, clock: systemClock }, link, password);
      sealsBefore = await seals();

      const server = start(['serve', '--workers', '2', '--port', '0'], env);
      const running = await server.waitFor((l) => l.msg?.includes('with 2 workers') === true, 'the cluster running');
      const base = running.address!.replace('localhost', '127.0.0.1');
      // Each worker logs through its own pipe, so its line may arrive after the primary's: wait for both.
      const serving = [
        await server.waitFor((l) => l.msg === 'Worker 1 is serving', 'worker 1 serving'),
        await server.waitFor((l) => l.msg === 'Worker 2 is serving', 'worker 2 serving'),
      ];
      expect(serving.map((l) => l.worker)).toEqual([1, 2]);
      const workerPids = serving.map((l) => l.pid);

      // Signed in once, through the API.
      const signIn = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'cara@clusterford.example', password }) });
      expect(signIn.status).toBe(201);
      const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

      // Twenty pages and API calls with that one cookie, each on a new connection.
      const answers = [];
      for (let i = 0; i < 20; i++) {
        const path = i % 2 ? '/account' : '/api/v1/me';
        answers.push(await get(`${base}${path}`, { cookie, 'x-request-id': `cluster-test-${i}` }));
      }
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
      expect(answers.filter((_, i) => i % 2 === 0).every((a) => a.body.includes('Cara Teacher'))).toBe(true);
      await server.waitFor((l) => l.reqId === 'cluster-test-19' && l.res?.statusCode === 200, 'the last request logged');
      const servedBy = new Set(server.lines().filter((l) => l.reqId?.startsWith('cluster-test-') && l.res).map((l) => l.pid));
      expect([...servedBy].sort()).toEqual([...workerPids].sort());

      // The background work is one worker's: sealed once at start, not once per worker.
      await server.waitFor((l) => l.backgroundWork === true, 'the background work taken');
      expect(server.lines().filter((l) => l.backgroundWork === true)).toHaveLength(1);
      expect(await seals()).toBe(sealsBefore + 1);

      // /metrics counts the whole server's requests, whichever worker answers the scrape.
      const metrics = await get(`${base}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` });
      expect(metrics.status).toBe(200);
      const meCount = metrics.body.split('\n')
        .filter((l) => l.startsWith('jigsaw_http_requests_total{') && l.includes('route="/api/v1/me"') && l.includes('status="200"'))
        .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
      expect(meCount).toBe(10);

      // A worker killed outright is replaced, and requests still succeed.
      process.kill(workerPids[0]!, 'SIGKILL');
      await server.waitFor((l) => l.msg?.includes('stopped unexpectedly') === true, 'the death told');
      const replacement = await server.waitFor((l) => l.msg === 'Worker 3 is serving', 'a new worker');
      for (let i = 0; i < 6; i++) expect((await get(`${base}/api/v1/me`, { cookie })).status).toBe(200);

      // SIGTERM: the workers stop gracefully and the primary exits 0.
      server.proc.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      for (const pid of [workerPids[1]!, replacement.pid]) expect(isAlive(pid)).toBe(false);
      expect(server.lines().some((l) => l.msg === 'All workers have stopped')).toBe(true);
    } finally {
      await db.close();
    }
  }, 600_000);
});

describe('serve --workers 3 with the embedded database', () => {
  it('runs one process and says why in its log', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'jigsaw-cluster-pglite-'));
    tempDirs.push(dataDir);
    const env: NodeJS.ProcessEnv = { ...process.env, JIGSAW_DATA_DIR: dataDir, JIGSAW_LOG_LEVEL: 'info' };
    delete env.DATABASE_URL;
    const server = start(['serve', '--workers', '3', '--port', '0'], env);
    const warning = await server.waitFor((l) => l.code === 'JIGSAW_WORKERS_EMBEDDED', 'the warning');
    expect(warning.msg).toMatch(/^3 workers asked for, but the embedded database \(PGlite\) belongs to one process: running one/);
    const running = await server.waitFor((l) => l.msg?.startsWith('Jigsaw is running at') === true, 'the server running');
    expect(running.pid).toBe(server.proc.pid);
    expect((await get(`${running.address!}/health`, {})).status).toBe(200);
    server.proc.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.lines().some((l) => /Worker \d+ is serving/.test(l.msg ?? ''))).toBe(false);
  }, 300_000);
});
