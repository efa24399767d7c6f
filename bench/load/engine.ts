/**
 * The load generator's engine, run in its own process (bench/load/generator.ts) so that the
 * server it measures does not share its event loop.
 *
 * Open loop: each request has an arrival time fixed in advance (Poisson or constant, seeded) and
 * is sent then, however many earlier ones are still unanswered: the agent's pool is unbounded, so
 * a slow answer never holds back the next arrival, and latency runs from the arrival time, not from
 * the send, so a generator that fell behind cannot hide the wait (no coordinated omission).
 *
 * Closed loop: `connections` clients, each sending its next request when the last is answered;
 * what it measures is throughput at saturation (its latencies are the queue the loop itself builds).
 *
 * Node, not wrk, for both: one code path gives every figure per label, with the server's own time
 * from each answer's Server-Timing header, which wrk's Lua summary cannot break down per label; at
 * the rates these benchmarks use (hundreds a second) the generator takes a few per cent of a core.
 * The flags benchmark keeps wrk (bench/lib/load.ts) for its saturation ratio at thousands a second.
 */
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { requestPicker, seededRandom, type LabelResult, type LatencySummary, type LoadRequest, type LoadResult, type LoadSpec } from './spec.ts';

/** A send this much after its arrival time counts as late. */
export const LATE_MS = 5;
/** Arrivals due within this much are sent now rather than after one more timer (Node's timers are 1 ms coarse). */
const EARLY_MS = 1;

interface Answer { status?: number; error?: string; serverMs?: number; endAt: number }

const SERVER_TIMING = /(?:^|,)\s*app\s*;(?:[^,]*;)?\s*dur=([0-9.]+)/;

function send(base: URL, agent: Agent, r: LoadRequest, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (a: Omit<Answer, 'endAt'>): void => {
      if (settled) return;
      settled = true;
      resolve({ ...a, endAt: performance.now() });
    };
    const body = r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    const headers: Record<string, string> = { ...(typeof r.body === 'object' ? { 'content-type': 'application/json' } : {}), ...r.headers };
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = httpRequest({ host: base.hostname, port: base.port, path: r.path, method: r.method, headers, agent }, (res) => {
      const timing = SERVER_TIMING.exec(String(res.headers['server-timing'] ?? ''));
      res.resume();
      res.on('end', () => finish({ status: res.statusCode ?? 0, ...(timing ? { serverMs: Number(timing[1]) } : {}) }));
      res.on('error', (err: NodeJS.ErrnoException) => finish({ error: err.code ?? 'response error' }));
      // A connection closed part-way through the answer.
      res.on('close', () => { if (!res.complete) finish({ error: 'aborted' }); });
    });
    // The whole exchange, not the socket's idleness: a server that trickles still times out.
    const timer = setTimeout(() => { finish({ error: 'timeout' }); req.destroy(); }, timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (err: NodeJS.ErrnoException) => finish({ error: err.code ?? 'request error' }));
    req.end(body);
  });
}

/** Exact percentiles (nearest rank) over everything recorded: a run holds at most a few hundred thousand. */
function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}
const r2 = (n: number): number => Math.round(n * 100) / 100;

class Tally {
  count = 0;
  ok = 0;
  errorsBy: Record<string, number> = {};
  latencies: number[] = [];
  server: number[] = [];
  constructor(readonly label: string) {}

  add(latencyMs: number, a: Answer): void {
    this.count++;
    if (a.status !== undefined) {
      this.latencies.push(latencyMs);
      if (a.serverMs !== undefined) this.server.push(a.serverMs);
    }
    const failure = a.error ?? (a.status !== undefined && (a.status < 200 || a.status >= 400) ? String(a.status) : undefined);
    if (failure === undefined) this.ok++;
    else this.errorsBy[failure] = (this.errorsBy[failure] ?? 0) + 1;
  }

  result(durationSeconds: number): LabelResult {
    const lat = Float64Array.from(this.latencies).sort();
    const srv = Float64Array.from(this.server).sort();
    const latencyMs: LatencySummary | null = lat.length === 0 ? null : {
      p50: r2(percentile(lat, 0.5)), p95: r2(percentile(lat, 0.95)), p99: r2(percentile(lat, 0.99)), max: r2(lat[lat.length - 1]!),
      mean: r2(lat.reduce((s, x) => s + x, 0) / lat.length),
    };
    return {
      label: this.label, count: this.count, ok: this.ok, errors: this.count - this.ok, errorsBy: this.errorsBy,
      achievedRate: r2(this.count / durationSeconds), latencyMs,
      serverMs: srv.length === 0 ? null : { p50: r2(percentile(srv, 0.5)), p95: r2(percentile(srv, 0.95)), p99: r2(percentile(srv, 0.99)) },
    };
  }
}

class Tallies {
  private readonly overall = new Tally('overall');
  private readonly byLabel = new Map<string, Tally>();
  constructor(requests: readonly LoadRequest[]) {
    for (const r of requests) if (!this.byLabel.has(r.label)) this.byLabel.set(r.label, new Tally(r.label));
  }
  add(label: string, latencyMs: number, a: Answer): void {
    this.overall.add(latencyMs, a);
    this.byLabel.get(label)!.add(latencyMs, a);
  }
  results(durationSeconds: number): Pick<LoadResult, 'overall' | 'labels'> {
    return { overall: this.overall.result(durationSeconds), labels: [...this.byLabel.values()].map((t) => t.result(durationSeconds)) };
  }
}

const common = (spec: LoadSpec, startedAt: Date): Pick<LoadResult, 'mode' | 'warmupSeconds' | 'durationSeconds' | 'seed' | 'startedAt'> => ({
  mode: spec.mode, warmupSeconds: spec.warmupSeconds, durationSeconds: spec.durationSeconds, seed: spec.seed, startedAt: startedAt.toISOString(),
});

export async function openLoop(spec: LoadSpec): Promise<LoadResult> {
  const rate = spec.rate!;
  const arrivals = spec.arrivals ?? 'poisson';
  const base = new URL(spec.baseUrl);
  const timeoutMs = (spec.timeoutSeconds ?? 10) * 1000;
  // Unbounded sockets, and enough kept open that a burst's connections are reused rather than reopened.
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4096 });
  // Separate streams, so the same seed asks for the same requests whichever arrival process is chosen.
  const pick = requestPicker(spec.requests, seededRandom(spec.seed));
  const gaps = seededRandom(spec.seed ^ 0x5bd1e995);
  const meanGapMs = 1000 / rate;
  const nextGap = arrivals === 'constant' ? () => meanGapMs : () => -Math.log(1 - gaps()) * meanGapMs;
  const tallies = new Tallies(spec.requests);
  const lags: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const startedAt = new Date();
  const start = performance.now() + 20;
  const measureFrom = start + spec.warmupSeconds * 1000;
  const end = measureFrom + spec.durationSeconds * 1000;
  let due = start;
  await new Promise<void>((resolve) => {
    let scheduling = true;
    const settle = (): void => { if (!scheduling && inFlight === 0) resolve(); };
    const fire = (at: number): void => {
      const r = pick();
      const sentAt = performance.now();
      const measured = at >= measureFrom;
      if (measured) lags.push(Math.max(0, sentAt - at));
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      void send(base, agent, r, timeoutMs).then((a) => {
        inFlight--;
        // From the arrival time; from the send if it went (at most EARLY_MS) early.
        if (measured) tallies.add(r.label, a.endAt - Math.min(at, sentAt), a);
        settle();
      });
    };
    const tick = (): void => {
      const now = performance.now();
      while (due < end && due <= now + EARLY_MS) {
        fire(due);
        due += nextGap();
      }
      if (due < end) setTimeout(tick, Math.max(0, Math.floor(due - performance.now() - EARLY_MS)));
      else {
        scheduling = false;
        settle();
      }
    };
    setTimeout(tick, Math.max(0, Math.floor(start - performance.now())));
  });
  agent.destroy();
  const sortedLags = Float64Array.from(lags).sort();
  const lateSends = lags.filter((l) => l > LATE_MS).length;
  return {
    ...common(spec, startedAt), arrivals, targetRate: rate, connections: null,
    ...tallies.results(spec.durationSeconds),
    schedule: {
      lagMs: sortedLags.length === 0 ? { p50: 0, p99: 0, max: 0 } : { p50: r2(percentile(sortedLags, 0.5)), p99: r2(percentile(sortedLags, 0.99)), max: r2(sortedLags[sortedLags.length - 1]!) },
      lateSends, lateMs: LATE_MS, fellBehind: lateSends > 0.01 * lags.length, maxInFlight,
    },
  };
}

export async function closedLoop(spec: LoadSpec): Promise<LoadResult> {
  const connections = spec.connections!;
  const base = new URL(spec.baseUrl);
  const timeoutMs = (spec.timeoutSeconds ?? 10) * 1000;
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const pick = requestPicker(spec.requests, seededRandom(spec.seed));
  const tallies = new Tallies(spec.requests);
  const startedAt = new Date();
  const measureFrom = performance.now() + spec.warmupSeconds * 1000;
  const end = measureFrom + spec.durationSeconds * 1000;
  const client = async (): Promise<void> => {
    while (performance.now() < end) {
      const r = pick();
      const sentAt = performance.now();
      const a = await send(base, agent, r, timeoutMs);
      if (sentAt >= measureFrom) tallies.add(r.label, a.endAt - sentAt, a);
    }
  };
  await Promise.all(Array.from({ length: connections }, client));
  agent.destroy();
  return { ...common(spec, startedAt), arrivals: null, targetRate: null, connections, ...tallies.results(spec.durationSeconds), schedule: null };
}

export const runSpec = (spec: LoadSpec): Promise<LoadResult> => (spec.mode === 'open' ? openLoop(spec) : closedLoop(spec));
