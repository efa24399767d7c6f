/**
 * The flags benchmark's open loop (issue 21, item 5): CareTeam lookups arriving at a fixed rate,
 * whatever the answers, from the load generator in its own process (bench/load), and their
 * latency from each lookup's arrival. A latency at a given arrival rate is what an emergency
 * department notices; a p99 with 50 clients sending as fast as they can is fixed by throughput
 * (Little's law) and says little about it.
 *
 * On PostgreSQL the service is a real `jigsaw serve` in its own process on the benchmark's
 * database (bench/lib/server-process.ts). PGlite is embedded, so there the service is the
 * benchmark's own in-process server, as it would run in production: one process with its database.
 * The bare handler stays in the benchmark's process, measured at the same rate for comparison.
 */
import type { Backend } from './lib/backends.ts';
import { startServerProcess } from './lib/server-process.ts';
import { runLoad, type LoadResult, type LoadSpec } from './load/run-load.ts';

export interface OpenLoopOptions {
  /** Lookups arriving per second (Poisson arrivals). */
  rate: number;
  warmupSeconds: number;
  seconds: number;
  /**
   * The share of lookups that find a flagged child: by default the loaded population's (5 %: each
   * child as likely to attend as any other), generous beside England's 1 % or so of children on a
   * plan or looked after.
   */
  flaggedShare: number;
  /** JIGSAW_WORKERS for the server process. */
  workers: number;
  seed: number;
}

export interface FlagsOpenLoop {
  options: OpenLoopOptions;
  /** What served the lookups. */
  server: string;
  service: LoadResult;
  baseline: LoadResult;
}

export interface OpenLoopTargets { p99Ms: number }

const lookupPath = (nhs: string): string => `/fhir/r4/CareTeam?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|${nhs}`;

function spec(baseUrl: string, o: OpenLoopOptions, nhs: { flagged: string[]; other: string[] }, request: (nhs: string) => { path: string; headers: Record<string, string> }): LoadSpec {
  return {
    baseUrl, mode: 'open', rate: o.rate, arrivals: 'poisson', warmupSeconds: o.warmupSeconds, durationSeconds: o.seconds, seed: o.seed,
    requests: [
      ...nhs.flagged.map((n) => ({ label: 'flagged child', weight: o.flaggedShare, method: 'GET', ...request(n) })),
      ...nhs.other.map((n) => ({ label: 'other child', weight: 1 - o.flaggedShare, method: 'GET', ...request(n) })),
    ],
  };
}

export async function flagsOpenLoop(b: Backend, o: OpenLoopOptions, ctx: { token: string; nhs: { flagged: string[]; other: string[] }; barePort: number; inProcessBaseUrl: string }): Promise<FlagsOpenLoop> {
  const headers = { authorization: `Bearer ${ctx.token}` };
  const service = async (baseUrl: string): Promise<LoadResult> => runLoad(spec(baseUrl, o, ctx.nhs, (n) => ({ path: lookupPath(n), headers })));
  let server: string;
  let serviceResult: LoadResult;
  if (b.kind === 'postgres' && b.url) {
    const proc = await startServerProcess(b.url, { workers: o.workers });
    try {
      server = proc.description;
      serviceResult = await service(proc.baseUrl);
    } finally {
      await proc.stop();
    }
  } else {
    server = "the benchmark's own process (PGlite is embedded in its server)";
    serviceResult = await service(ctx.inProcessBaseUrl);
  }
  const baseline = await runLoad(spec(`http://127.0.0.1:${ctx.barePort}`, o, ctx.nhs, (n) => ({ path: `/careteam?nhs=${n}`, headers: {} })));
  return { options: o, server, service: serviceResult, baseline };
}

/** Met when the service's p99 at the rate is under the target and no lookup failed. */
export const openLoopMeets = (r: FlagsOpenLoop, t: OpenLoopTargets): boolean =>
  r.service.overall.errors === 0 && r.service.overall.latencyMs !== null && r.service.overall.latencyMs.p99 < t.p99Ms;
