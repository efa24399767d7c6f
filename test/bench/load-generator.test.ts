/**
 * The load generator (bench/load), run as its own process against a local node:http server that
 * answers some paths at once, one after a delay, and some with errors. Counts only, no timings:
 * what was sent, what the server saw, how errors are told apart, and that a slow answer holds
 * nothing back in an open loop.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runLoad, type LoadSpec } from '../../bench/load/run-load.ts';

const SLOW_MS = 1_500;

interface Seen { byPath: Record<string, number>; total: number; inFlight: number; maxInFlight: number; receivedBeforeFirstSlowAnswer: number | undefined }
let seen: Seen;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    seen.total++;
    seen.byPath[path] = (seen.byPath[path] ?? 0) + 1;
    seen.inFlight++;
    seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
    const answer = (status: number, timing?: string): void => {
      seen.inFlight--;
      res.writeHead(status, timing ? { 'server-timing': timing } : {}).end('done');
    };
    req.resume();
    if (path === '/slow') {
      setTimeout(() => {
        seen.receivedBeforeFirstSlowAnswer ??= seen.total;
        answer(200);
      }, SLOW_MS);
    } else if (path === '/pause') setTimeout(() => answer(200), 50);
    else if (path === '/broken') answer(500);
    else if (path === '/missing') answer(404);
    else answer(200, 'cache;desc="none", app;dur=2.5');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = { byPath: {}, total: 0, inFlight: 0, maxInFlight: 0, receivedBeforeFirstSlowAnswer: undefined };
});

const requests: LoadSpec['requests'] = [
  { label: 'person page', weight: 6, method: 'GET', path: '/person/1' },
  { label: 'person page', weight: 6, method: 'GET', path: '/person/2' },
  { label: 'slow report', weight: 1, method: 'GET', path: '/slow' },
  { label: 'failing', weight: 1, method: 'POST', path: '/broken', body: { note: 'x' } },
  { label: 'failing', weight: 1, method: 'GET', path: '/missing' },
];

describe('load generator', () => {
  it('sends an open loop at its rate, whatever the answers, and tells errors apart by status', async () => {
    const result = await runLoad({ baseUrl, mode: 'open', arrivals: 'constant', rate: 50, warmupSeconds: 0, durationSeconds: 2, seed: 7, requests });
    // 50 a second for 2 seconds, exactly: arrivals are fixed in advance.
    expect(result.overall.count).toBe(100);
    expect(seen.total).toBe(100);
    const label = (name: string) => result.labels.find((l) => l.label === name)!;
    expect(label('person page').count).toBe((seen.byPath['/person/1'] ?? 0) + (seen.byPath['/person/2'] ?? 0));
    expect(label('person page').errors).toBe(0);
    expect(label('slow report').ok).toBe(seen.byPath['/slow']);
    expect(label('failing').errorsBy).toEqual({ ...(seen.byPath['/broken'] ? { 500: seen.byPath['/broken'] } : {}), ...(seen.byPath['/missing'] ? { 404: seen.byPath['/missing'] } : {}) });
    expect(result.overall.errors).toBe(label('failing').count);
    // The server's own time is read from its Server-Timing header where it sent one.
    expect(label('person page').serverMs?.p99).toBe(2.5);
    expect(label('slow report').serverMs).toBeNull();
    expect(result.schedule).not.toBeNull();
  });

  it('does not wait for a slow answer before sending the next request', async () => {
    const result = await runLoad({ baseUrl, mode: 'open', arrivals: 'constant', rate: 50, warmupSeconds: 0, durationSeconds: 3, seed: 11, requests: [
      { label: 'slow report', weight: 1, method: 'GET', path: '/slow' },
      { label: 'person page', weight: 1, method: 'GET', path: '/person/1' },
    ] });
    expect(result.overall.count).toBe(150);
    expect(result.overall.errors).toBe(0);
    // By the first slow answer (1.5 s after the first slow request) dozens more had arrived: at 50 a
    // second about 75. A generator waiting on answers would have sent a handful.
    expect(seen.receivedBeforeFirstSlowAnswer).toBeGreaterThan(30);
    expect(result.schedule!.maxInFlight).toBeGreaterThan(10);
  });

  it('repeats the same requests from the same seed, with Poisson arrivals', async () => {
    const spec: LoadSpec = { baseUrl, mode: 'open', rate: 40, warmupSeconds: 0.2, durationSeconds: 1, seed: 3, requests: requests.filter((r) => r.path !== '/slow') };
    const first = await runLoad(spec);
    const second = await runLoad(spec);
    expect(first.arrivals).toBe('poisson');
    expect(second.labels.map((l) => [l.label, l.count])).toEqual(first.labels.map((l) => [l.label, l.count]));
    expect(first.overall.count).toBeGreaterThan(10);
  });

  it('keeps a closed loop to its connections and counts every request it sent', async () => {
    const result = await runLoad({ baseUrl, mode: 'closed', connections: 4, warmupSeconds: 0, durationSeconds: 1, seed: 5, requests: [
      { label: 'chronology', weight: 1, method: 'GET', path: '/pause' },
    ] });
    // Each answer takes a while, so the four are all waiting at once, and never a fifth.
    expect(seen.maxInFlight).toBe(4);
    expect(result.overall.count).toBe(seen.total);
    expect(result.connections).toBe(4);
    expect(result.schedule).toBeNull();
  });

  it('refuses a spec that is not valid', async () => {
    await expect(runLoad({ baseUrl, mode: 'open', warmupSeconds: 0, durationSeconds: 1, seed: 1, requests })).rejects.toThrow(/open loop needs a rate/);
  });
});
