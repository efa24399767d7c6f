/**
 * What the load generator (bench/load/generator.ts) is asked to do and what it answers, shared by
 * the generator's process and whoever starts it (bench/load/run-load.ts).
 */
import { z } from 'zod';

const requestSchema = z.strictObject({
  /** What the request means in the report ("person page", "flagged child"); several requests may share one. */
  label: z.string().min(1),
  /** The label's share of the traffic, relative to the other labels' (the first request of a label sets it). */
  weight: z.number().positive(),
  method: z.string().regex(/^[A-Z]+$/),
  path: z.string().startsWith('/'),
  headers: z.record(z.string(), z.string()).optional(),
  /** Sent as it is; an object is sent as JSON. */
  body: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
});

export const loadSpecSchema = z.strictObject({
  /** http://host:port of the server under load. */
  baseUrl: z.string().url().startsWith('http://'),
  /**
   * open: requests arrive at fixed times whatever the answers (a latency at a given arrival rate);
   * closed: `connections` clients each send the next request when the last is answered (saturation).
   */
  mode: z.enum(['open', 'closed']),
  /** Open loop: arrivals per second. */
  rate: z.number().positive().optional(),
  /**
   * Open loop: `poisson` (the default), independent arrivals as from many separate callers, bursts
   * and all; `constant`, exactly 1/rate apart (as wrk2 does), kinder to the tail.
   */
  arrivals: z.enum(['poisson', 'constant']).optional(),
  /** Closed loop: clients, each on its own keep-alive connection. */
  connections: z.number().int().positive().optional(),
  /** Requests sent before the measurement, not counted (connections opened, plans cached, the JIT warm). */
  warmupSeconds: z.number().min(0),
  durationSeconds: z.number().positive(),
  /** Seeds the choice of requests and the Poisson arrival times, so a run can be repeated. */
  seed: z.number().int(),
  /** A request not answered in this time counts as an error ("timeout"); default 10 s. */
  timeoutSeconds: z.number().positive().optional(),
  requests: z.array(requestSchema).min(1),
}).superRefine((s, ctx) => {
  if (s.mode === 'open' && s.rate === undefined) ctx.addIssue({ code: 'custom', message: 'an open loop needs a rate', path: ['rate'] });
  if (s.mode === 'closed' && s.connections === undefined) ctx.addIssue({ code: 'custom', message: 'a closed loop needs connections', path: ['connections'] });
});

export type LoadSpec = z.infer<typeof loadSpecSchema>;
export type LoadRequest = LoadSpec['requests'][number];

export interface LatencySummary { p50: number; p95: number; p99: number; max: number; mean: number }

export interface LabelResult {
  label: string;
  /** Requests sent in the measured window (after the warm-up). */
  count: number;
  /** Answered 2xx or 3xx. */
  ok: number;
  errors: number;
  /** Errors by HTTP status ("500", "429") or by socket failure ("ECONNRESET", "timeout"). */
  errorsBy: Record<string, number>;
  /** count ÷ durationSeconds: in an open loop the offered rate actually sent, in a closed loop the throughput. */
  achievedRate: number;
  /**
   * Milliseconds from when the request was due (open loop: its scheduled arrival, so a slow server
   * or a late generator cannot hide the wait; closed loop: its send) to the end of its answer, over
   * every answered request, errors included. Null when nothing was answered.
   */
  latencyMs: LatencySummary | null;
  /** The server's own time (its Server-Timing `app;dur=`), over the answers that carried it; null when none did. */
  serverMs: Omit<LatencySummary, 'mean' | 'max'> | null;
}

export interface LoadResult {
  mode: LoadSpec['mode'];
  arrivals: 'poisson' | 'constant' | null;
  targetRate: number | null;
  connections: number | null;
  warmupSeconds: number;
  durationSeconds: number;
  seed: number;
  startedAt: string;
  overall: LabelResult;
  labels: LabelResult[];
  /**
   * Open loop only: how far behind schedule the generator sent (its own lateness, already counted
   * in the latencies). `fellBehind` when more than 1 % of sends were over LATE_MS late: then the
   * figures partly measure the generator, and the run should be repeated on a quieter machine.
   */
  schedule: { lagMs: { p50: number; p99: number; max: number }; lateSends: number; lateMs: number; fellBehind: boolean; maxInFlight: number } | null;
}

/** The seeded generator the matcher trains with (mulberry32): the same seed gives the same run of requests. */
export { seededRandom } from '../../src/matching/train.ts';

/** Picks a label by weight, then one of its requests uniformly. */
export function requestPicker(requests: readonly LoadRequest[], random: () => number): () => LoadRequest {
  const byLabel = new Map<string, { weight: number; requests: LoadRequest[] }>();
  for (const r of requests) {
    const entry = byLabel.get(r.label);
    if (entry) entry.requests.push(r);
    else byLabel.set(r.label, { weight: r.weight, requests: [r] });
  }
  const labels = [...byLabel.values()];
  const total = labels.reduce((sum, l) => sum + l.weight, 0);
  return () => {
    let x = random() * total;
    let chosen = labels[labels.length - 1]!;
    for (const l of labels) {
      if (x < l.weight) { chosen = l; break; }
      x -= l.weight;
    }
    return chosen.requests[Math.floor(random() * chosen.requests.length)]!;
  };
}
