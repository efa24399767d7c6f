/**
 * The flags benchmark: CareTeam lookups over real HTTP on 127.0.0.1, with 1,000,000 children
 * (50,000 flagged) loaded. Two measurements. Saturation: lookups per second at 50 concurrent
 * keep-alive clients sending as fast as they can. The service (Fastify,
 * the FHIR plugin: system-token check, parameter checks, the lookup, the audit entry, the access
 * history and "child was seen" notifications, written by group commit; the searchset Bundle)
 * beside a bare node:http handler running the same indexed query (FLAGS_BY_NHS_NUMBERS_SQL, one NHS
 * number per call) on the same database and answering its rows as JSON. The service coalesces
 * concurrent lookups into one query; the bare handler does not: that difference is the service's
 * own doing, and counts in its favour as its checks and writes count against it. The load comes
 * from wrk in its own process when installed (bench/lib/load.ts). Then latency at a fixed arrival
 * rate (200 lookups a second, open loop), the service a `jigsaw serve` in its own process and the
 * load generator in another (bench/flags-open-loop.ts): the target is that run's p99.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFhirToken } from '../src/fhir/tokens.ts';
import { FLAGS_BY_NHS_NUMBERS_SQL } from '../src/flags/lookup.ts';
import { buildApp } from '../src/http/app.ts';
import { systemClock } from '../src/shared/clock.ts';
import { agency, partnershipWith, practitioner, services } from '../test/fixtures.ts';
import { flagsOpenLoop, openLoopMeets, type FlagsOpenLoop, type OpenLoopOptions } from './flags-open-loop.ts';
import type { Backend } from './lib/backends.ts';
import { drive, loadGenerator, type Load } from './lib/load.ts';
import { updateSection, writeResultsFile, type Machine } from './lib/report.ts';
import { median, now, round } from './lib/stats.ts';

export interface FlagsOptions {
  children: number;
  flagged: number;
  clients: number;
  /**
   * Distinct NHS numbers asked for, of which flaggedShare are flagged children. 20,000 (4,000
   * flagged): each flagged child then attends a few times in a run, where 5,000 made each of 1,000
   * children attend every two seconds, more than any child does in a year.
   */
  lookups: number;
  flaggedShare: number;
  warmupSeconds: number;
  seconds: number;
  rounds: number;
  /** After the rounds at full speed: lookups arriving at a fixed rate, whatever the answers. */
  openLoop: OpenLoopOptions;
}

// The open loop's flagged share is the loaded population's: 50,000 of 1,000,000 (250 of 5,000 when quick).
export const DEFAULT_FLAGS_OPTIONS: FlagsOptions = {
  children: 1_000_000, flagged: 50_000, clients: 50, lookups: 20_000, flaggedShare: 0.2, warmupSeconds: 3, seconds: 8, rounds: 3,
  openLoop: { rate: 200, warmupSeconds: 5, seconds: 30, flaggedShare: 0.05, workers: 2, seed: 21 },
};
export const QUICK_FLAGS_OPTIONS: FlagsOptions = {
  children: 5_000, flagged: 250, clients: 50, lookups: 200, flaggedShare: 0.2, warmupSeconds: 1, seconds: 2, rounds: 1,
  openLoop: { rate: 50, warmupSeconds: 1, seconds: 3, flaggedShare: 0.05, workers: 2, seed: 21 },
};

export interface FlagsResult {
  backend: { kind: Backend['kind']; label: string; details: Record<string, string> };
  loadSeconds: number;
  children: number;
  flagged: number;
  clients: number;
  rounds: number;
  /** At saturation: p99 here is the queue the closed loop builds, for information, not a target. */
  baseline: { perRound: Load[]; requestsPerSecond: number; p99Ms: number };
  service: { perRound: Load[]; requestsPerSecond: number; p99Ms: number };
  /** service ÷ baseline throughput at saturation, from the medians (higher is better). */
  ratio: number;
  targetRatio: number;
  /** Lookups arriving at options.openLoop.rate: latency from arrival, service and bare handler. */
  openLoop: FlagsOpenLoop;
  /** The service's p99 in the open loop must be under this, with no failed lookup. */
  targetP99Ms: number;
  /** Both targets; they apply on PostgreSQL. */
  meetsTarget: boolean;
  /** What made the load: wrk (a separate process) or a worker thread in the benchmark's process. */
  loadGenerator: string;
}

export interface FlagsReport {
  benchmark: 'flags';
  startedAt: string;
  durationSeconds: number;
  machine: Machine;
  options: FlagsOptions;
  results: FlagsResult[];
  skipped: { kind: string; reason: string }[];
}

/** Valid (Modulus 11) NHS numbers 9xxxxxxxxC for the first n rows, generated in SQL. */
const NHS_NUMBERS_SQL = `
  WITH c AS (SELECT i, '9' || lpad(i::text, 8, '0') AS b FROM generate_series(1, ($1::int * 11) / 10 + 100) AS i),
       d AS (SELECT i, b, (11 - ((10 * substr(b, 1, 1)::int + 9 * substr(b, 2, 1)::int + 8 * substr(b, 3, 1)::int + 7 * substr(b, 4, 1)::int + 6 * substr(b, 5, 1)::int
                              + 5 * substr(b, 6, 1)::int + 4 * substr(b, 7, 1)::int + 3 * substr(b, 8, 1)::int + 2 * substr(b, 9, 1)::int) % 11)) % 11 AS check_digit FROM c),
       v AS (SELECT b || check_digit AS nhs, row_number() OVER (ORDER BY i) AS n FROM d WHERE check_digit <> 10)`;

async function load(b: Backend, o: FlagsOptions): Promise<{ token: string; nhs: { flagged: string[]; other: string[] } }> {
  const s = services(b.db, systemClock);
  const p = await partnershipWith(s);
  const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
  const worker = await practitioner(s, csc, ['social_worker']);
  const by = worker.actor.practitionerId;
  const stamp = new Date().toISOString();
  await b.db.query(`${NHS_NUMBERS_SQL}
    INSERT INTO person (id, agency_id, kind, date_of_birth, sex, nhs_number, created_by, created_at)
    SELECT md5('bench-child-' || n)::uuid, $2, 'child', date '2008-01-01' + (n % 6500)::int, 'unknown', nhs, $3, $4 FROM v WHERE n <= $1`, [o.children, csc, by, stamp]);
  await b.db.query(`INSERT INTO person_name (id, person_id, use, given_names, family_name, position)
    SELECT md5('bench-name-' || n)::uuid, md5('bench-child-' || n)::uuid, 'usual', 'Child', 'Bench ' || n, 0 FROM generate_series(1, $1::int) AS n`, [o.children]);
  // Every (children / flagged)-th child is looked after: the flag rows are exactly what syncLookedAfter writes.
  const every = Math.floor(o.children / o.flagged);
  await b.db.query(`INSERT INTO looked_after_period (id, agency_id, person_id, legal_status, started_at, recorded_by, recorded_at)
    SELECT md5('bench-la-' || n)::uuid, $2, md5('bench-child-' || n)::uuid, 'care_order', $4::timestamptz - make_interval(days => (n % 700)::int), $3, $4
      FROM generate_series($5::int, $1::int, $5::int) AS n`, [o.children, csc, by, stamp, every]);
  await b.db.query(`INSERT INTO flag (id, kind, person_id, authority_agency_id, looked_after_id, period_start)
    SELECT md5('bench-flag-' || l.id)::uuid, 'looked_after', l.person_id, l.agency_id, l.id, l.started_at FROM looked_after_period l`);
  await b.db.query(`INSERT INTO flag_authority_settings (agency_id, office_hours_phone, out_of_hours_phone, updated_by, updated_at) VALUES ($1, '01632 960400', '07700 900400', $2, $3)`, [csc, by, stamp]);
  // As a live database would be: vacuumed, so that autovacuum does not set about the million new rows during the rounds.
  await b.db.exec('VACUUM (ANALYZE)');
  // and past the checkpoint that loading a million rows brings on, which would otherwise land on the first rounds' commits.
  // (On PGlite too; its long tail at full speed is not that checkpoint: it stays with or without it.)
  await b.db.exec('CHECKPOINT').catch(() => undefined);
  const ed = await createFhirToken(s, { settingName: 'Northshire General ED', settingType: 'emergency_department' });
  const flaggedCount = Math.round(o.lookups * o.flaggedShare);
  const flagged = (await b.db.query<{ nhs_number: string }>(
    `SELECT p.nhs_number FROM flag f JOIN person p ON p.id = f.person_id ORDER BY md5(p.id::text) LIMIT $1`, [flaggedCount])).rows.map((r) => r.nhs_number);
  const other = (await b.db.query<{ nhs_number: string }>(
    `SELECT p.nhs_number FROM person p WHERE NOT EXISTS (SELECT 1 FROM flag f WHERE f.person_id = p.id) AND p.nhs_number IS NOT NULL ORDER BY md5(p.id::text) LIMIT $1`, [o.lookups - flaggedCount])).rows.map((r) => r.nhs_number);
  return { token: ed.token, nhs: { flagged, other } };
}

/** The bare baseline: the same query on the same database, its rows as JSON; no token, no checks, no audit. */
function bareServer(b: Backend): Server {
  return createServer((req, res) => {
    const nhs = new URL(req.url ?? '/', 'http://x').searchParams.get('nhs') ?? '';
    b.db.query(FLAGS_BY_NHS_NUMBERS_SQL, [JSON.stringify([{ nhs, since: new Date(Date.now() - 365 * 86_400_000).toISOString() }])]).then(
      ({ rows }) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rows)),
      () => res.writeHead(500).end(),
    );
  });
}

const listen = (server: Server): Promise<number> => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

export async function runFlags(b: Backend, o: FlagsOptions): Promise<FlagsResult> {
  const t0 = now();
  console.log(`  loading ${o.children.toLocaleString('en-GB')} children (${o.flagged.toLocaleString('en-GB')} flagged)…`);
  const { token, nhs } = await load(b, o);
  const loadSeconds = round((now() - t0) / 1000, 1);
  console.log(`  loaded in ${loadSeconds} s`);
  // Flagged and unflagged children interleaved, so both paths see the same mix in the same order.
  const mix: string[] = [];
  for (let i = 0, f = 0, u = 0; i < o.lookups; i++) {
    const wantFlagged = Math.floor((i + 1) * o.flaggedShare) > Math.floor(i * o.flaggedShare);
    mix.push(wantFlagged && f < nhs.flagged.length ? nhs.flagged[f++]! : nhs.other[u++ % nhs.other.length]!);
  }
  // The load comes from one address at many times the per-address limit: the benchmark measures the lookup, not the limiter.
  const app = await buildApp({
    services: { db: b.db, clock: systemClock }, auth: { sessionIdleMinutes: 30, sessionMaxHours: 12, signInMaxFailures: 5, signInWindowMinutes: 15 },
    rateLimits: { apiPerMinute: 0, fhirPerMinute: 0, signInPerMinute: 0 },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const servicePort = (app.server.address() as AddressInfo).port;
  const bare = bareServer(b);
  const barePort = await listen(bare);
  const serviceHeaders = { authorization: `Bearer ${token}` };
  const servicePaths = mix.map((n) => `/fhir/r4/CareTeam?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|${n}`);
  const barePaths = mix.map((n) => `/careteam?nhs=${n}`);
  try {
    // Both paths must agree on what they found before anything is timed.
    for (const n of [nhs.flagged[0]!, nhs.other[0]!]) {
      const svc = await app.inject({ method: 'GET', url: `/fhir/r4/CareTeam?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|${n}`, headers: { ...serviceHeaders, isunscheduledaccessevent: 'false' } });
      const rows = (await b.db.query(FLAGS_BY_NHS_NUMBERS_SQL, [JSON.stringify([{ nhs: n, since: new Date(Date.now() - 365 * 86_400_000).toISOString() }])])).rows;
      if (svc.statusCode !== 200 || svc.json<{ total: number }>().total !== rows.length) throw new Error(`flags bench: service and bare query disagree (${svc.statusCode})`);
    }
    if ((await b.db.query(FLAGS_BY_NHS_NUMBERS_SQL, [JSON.stringify([{ nhs: nhs.flagged[0]!, since: '1970-01-01T00:00:00Z' }])])).rows.length !== 1) throw new Error('flags bench: a flagged child has no flag');
    await drive({ port: barePort, paths: barePaths, headers: {}, clients: o.clients, seconds: o.warmupSeconds });
    await drive({ port: servicePort, paths: servicePaths, headers: serviceHeaders, clients: o.clients, seconds: o.warmupSeconds });
    const baseline: Load[] = [];
    const service: Load[] = [];
    for (let r = 0; r < o.rounds; r++) {
      baseline.push(await drive({ port: barePort, paths: barePaths, headers: {}, clients: o.clients, seconds: o.seconds }));
      service.push(await drive({ port: servicePort, paths: servicePaths, headers: serviceHeaders, clients: o.clients, seconds: o.seconds }));
      console.log(`  round ${r + 1}: bare ${baseline.at(-1)!.requestsPerSecond}/s p99 ${baseline.at(-1)!.p99Ms} ms; service ${service.at(-1)!.requestsPerSecond}/s p99 ${service.at(-1)!.p99Ms} ms`);
    }
    for (const l of [...baseline, ...service]) {
      if (l.errors > 0 || Object.keys(l.statuses).some((s) => s !== 'ok')) throw new Error(`flags bench: failed requests ${JSON.stringify(l)}`);
    }
    const summary = (ls: Load[]): { perRound: Load[]; requestsPerSecond: number; p99Ms: number } => ({ perRound: ls, requestsPerSecond: median(ls.map((l) => l.requestsPerSecond)), p99Ms: median(ls.map((l) => l.p99Ms)) });
    const base = summary(baseline);
    const svc = summary(service);
    const ratio = round(svc.requestsPerSecond / base.requestsPerSecond, 2);
    console.log(`  open loop, ${o.openLoop.rate} lookups/s for ${o.openLoop.seconds} s…`);
    const openLoop = await flagsOpenLoop(b, o.openLoop, { token, nhs, barePort, inProcessBaseUrl: `http://127.0.0.1:${servicePort}` });
    const ol = (r: FlagsOpenLoop['service']): string => `p50 ${r.overall.latencyMs?.p50} ms p99 ${r.overall.latencyMs?.p99} ms, ${r.overall.errors} errors${r.schedule?.fellBehind ? ', generator fell behind' : ''}`;
    console.log(`  open loop: bare ${ol(openLoop.baseline)}; service ${ol(openLoop.service)}`);
    const targetP99Ms = 20;
    return {
      backend: { kind: b.kind, label: b.label, details: b.details },
      loadSeconds, children: o.children, flagged: o.flagged, clients: o.clients, rounds: o.rounds,
      baseline: base, service: svc, ratio, targetRatio: 0.5, openLoop, targetP99Ms,
      meetsTarget: ratio >= 0.5 && openLoopMeets(openLoop, { p99Ms: targetP99Ms }),
      loadGenerator: loadGenerator(),
    };
  } finally {
    await app.close();
    await new Promise<void>((resolve) => bare.close(() => resolve()));
  }
}

export const FLAGS_START = '<!-- bench:flags:start -->';
export const FLAGS_END = '<!-- bench:flags:end -->';

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const shortName = (r: FlagsResult): string => (r.backend.kind === 'pglite' ? `PGlite ${r.backend.details.pglite ?? ''}`.trim() : `PostgreSQL ${(r.backend.details.server_version ?? '').split(' ')[0]}`);

const ms = (n: number | undefined): string => (n === undefined ? '—' : `${fmt(n, 1)} ms`);
const errorsText = (r: FlagsOpenLoop['service']): string =>
  r.overall.errors === 0 ? '0' : `${fmt(r.overall.errors)} (${Object.entries(r.overall.errorsBy).map(([k, n]) => `${k}: ${fmt(n)}`).join(', ')})`;
const verdict = (r: FlagsResult, met: boolean): string => (r.backend.kind === 'postgres' ? (met ? 'met' : '**missed**') : (met ? 'yes' : 'no'));

export function flagsMarkdown(report: FlagsReport, jsonPath: string): string {
  const m = report.machine;
  const o = report.options;
  const ol = o.openLoop;
  const labelP99 = (r: FlagsOpenLoop['service'], label: string): string => ms(r.labels.find((l) => l.label === label)?.latencyMs?.p99);
  return [
    FLAGS_START,
    '<!-- Generated by `npm run bench` (bench/flags.ts); edits between these markers are overwritten. -->',
    '',
    `Last run: ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${fmt(report.durationSeconds)} s in all; ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}. Raw figures: [\`${jsonPath}\`](../${jsonPath}).`,
    '',
    `${fmt(o.children)} children, ${fmt(o.flagged)} flagged. Targets on PostgreSQL: at ${fmt(ol.rate)} lookups a second arriving open-loop, p99 under 20 ms with no failed lookup; at saturation, at least half the bare throughput.`,
    '',
    `**At a fixed arrival rate.** ${fmt(ol.rate)} lookups a second, Poisson arrivals, from the load generator in its own process (bench/load), ${fmt(ol.warmupSeconds)} s of warm-up then ${fmt(ol.seconds)} s measured; ${fmt(ol.flaggedShare * 100)} % of the lookups find a flagged child (the loaded population's share). Latency runs from each lookup's arrival time to the end of its answer, so a slow answer or a late generator cannot hide a wait; server time is the service's own (its Server-Timing header).`,
    '',
    '| Database | Service served by | Lookups | Failed | Service p50 | p95 | p99 | max | Server time p99 | Flagged / other p99 | Bare p50 | Bare p99 | p99 < 20 ms | Generator on time |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...report.results.map((r) => {
      const s = r.openLoop.service;
      const bare = r.openLoop.baseline;
      const onTime = [s, bare].every((l) => !l.schedule?.fellBehind) ? 'yes' : `**no** (${[s, bare].map((l) => fmt(l.schedule?.lateSends ?? 0)).join(' / ')} sends over ${s.schedule?.lateMs ?? 5} ms late)`;
      return `| ${shortName(r)} | ${r.openLoop.server} | ${fmt(s.overall.count)} | ${errorsText(s)} | ${ms(s.overall.latencyMs?.p50)} | ${ms(s.overall.latencyMs?.p95)} | ${ms(s.overall.latencyMs?.p99)} | ${ms(s.overall.latencyMs?.max)} | ${ms(s.overall.serverMs?.p99)} | ${labelP99(s, 'flagged child')} / ${labelP99(s, 'other child')} | ${ms(bare.overall.latencyMs?.p50)} | ${ms(bare.overall.latencyMs?.p99)} | ${verdict(r, openLoopMeets(r.openLoop, { p99Ms: r.targetP99Ms }))} | ${onTime} |`;
    }),
    ...report.skipped.map((s) => `| ${s.kind} | not run: ${s.reason} | | | | | | | | | | | | |`),
    '',
    `**At saturation.** ${fmt(o.clients)} concurrent keep-alive clients each sending the next lookup when the last is answered, over HTTP on 127.0.0.1 (load from ${[...new Set(report.results.map((r) => r.loadGenerator))].join(', ') || '—'}), the service in the benchmark's process beside the bare handler; ${fmt(o.lookups)} NHS numbers asked for in turn, ${fmt(o.flaggedShare * 100)} % of them flagged children (every one an unscheduled attendance, so each of those raises a notification). ${o.rounds} rounds of ${o.seconds} s per path, alternating; medians. The p99 here is the queue the loop builds (mean latency = clients ÷ throughput, Little's law), not a target.`,
    '',
    '| Database | Loaded in | Bare lookups/s | Bare p99 | Service lookups/s | Service p50 | Service p99 | Throughput ratio (target ≥ 0.50) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...report.results.map((r) => `| ${shortName(r)} | ${fmt(r.loadSeconds, 1)} s | ${fmt(r.baseline.requestsPerSecond)} | ${fmt(r.baseline.p99Ms, 1)} ms | ${fmt(r.service.requestsPerSecond)} | ${fmt(median(r.service.perRound.map((l) => l.p50Ms)), 1)} ms | ${fmt(r.service.p99Ms, 1)} ms | ${fmt(r.ratio, 2)}${r.backend.kind === 'postgres' ? ` (${verdict(r, r.ratio >= r.targetRatio)})` : ''} |`),
    ...report.skipped.map((s) => `| ${s.kind} | not run: ${s.reason} | | | | | | |`),
    '',
    'Per round (bare / service lookups per second):',
    '',
    ...report.results.map((r) => `- ${shortName(r)}: ${r.baseline.perRound.map((l, i) => `${fmt(l.requestsPerSecond)} / ${fmt(r.service.perRound[i]!.requestsPerSecond)}`).join('; ')}`),
    '',
    FLAGS_END,
  ].join('\n');
}

export const updateFlagsDoc = (docPath: string, section: string): Promise<void> => updateSection(docPath, FLAGS_START, FLAGS_END, section);

export const writeFlagsResults = (rootDir: string, report: FlagsReport): Promise<string> => writeResultsFile(rootDir, 'flags', report);
