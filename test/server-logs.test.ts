import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startServer } from '../src/cli/serve.ts';
import { loadConfig } from '../src/config/config.ts';
import { createServerDatabase, onPostgresServer } from './db.ts';

describe("the server's log", () => {
  it('is JSON, one object per line, from start-up (the demo sign-in details included) through requests to shutdown', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'jigsaw-logs-'));
    onTestFinished(() => rm(dataDir, { recursive: true, force: true }));
    const env: NodeJS.ProcessEnv = onPostgresServer()
      ? { DATABASE_URL: await createServerDatabase(), PORT: '0' }
      : { JIGSAW_DATA_DIR: dataDir, PORT: '0' };
    const written: string[] = [];
    const server = await startServer(loadConfig(env), { demo: true, logStream: { write: (chunk) => written.push(chunk) } });
    let stopped = false;
    onTestFinished(async () => {
      if (!stopped) await server.stop();
    });

    const url = server.address;
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    expect((await fetch(`${url}/api/v1/me`, { headers: { 'x-request-id': 'log-test-1' } })).status).toBe(401);
    expect((await fetch(`${url}/api/v1/people/search`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'Jack Smith' }, body: '{not json' })).status).toBe(400);
    expect((await fetch(`${url}/no-such-address?name=Jack`)).status).toBe(404);
    await server.stop();
    stopped = true;

    const lines = written.join('').split('\n').filter((l) => l !== '');
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line) as { msg?: string; reqId?: string; level: number; req?: { route?: string } };
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
    const messages = entries.map((e) => e.msg ?? '');
    expect(messages.some((m) => m.includes('Sign in at') && m.includes('the demo password'))).toBe(true);
    expect(messages.some((m) => /@[a-z-]+\.example/.test(m))).toBe(true);
    expect(messages.some((m) => /^Jigsaw is running at http:\/\/localhost:\d+ \(database: /.test(m))).toBe(true);
    expect(messages.some((m) => m.startsWith('Stopping:'))).toBe(true);
    // Request lines carry the request's ID and the route pattern, never the address or an unsafe ID.
    expect(entries.filter((e) => e.reqId === 'log-test-1').map((e) => e.msg)).toEqual(['incoming request', 'request completed']);
    expect(entries.find((e) => e.reqId === 'log-test-1' && e.req)?.req).toEqual({ method: 'GET', route: '/api/v1/me' });
    expect(lines.join('\n')).not.toMatch(/Jack Smith|no-such-address|name=Jack/);
  });
});
