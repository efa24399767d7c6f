/**
 * The chronology benchmark: a child known to eight agencies (eight linked entries, 10,000
 * records in all), seen by a practitioner in one of them who may see half: their agency's records
 * and what the seven others shared. The service (getChronology: reach, links, grants, the policy
 * on every row, shaping, contradictions, audit) beside one bare SELECT of the same rows.
 */
import { getChronology } from '../src/chronology/chronology.ts';
import { ChronologyQuery } from '../src/chronology/schemas.ts';
import type { Database } from '../src/db/database.ts';
import type { AgencyType } from '../src/partnership/schemas.ts';
import { systemClock } from '../src/shared/clock.ts';
import type { ActorContext } from '../src/shared/context.ts';
import { newId } from '../src/shared/ids.ts';
import { NewShareDecision } from '../src/sharing/schemas.ts';
import { makeDecision } from '../src/sharing/sharing.ts';
import { agency, partnershipWith, person, practitioner, services } from '../test/fixtures.ts';
import type { Backend } from './lib/backends.ts';
import { profilePath, type PathProfile } from './lib/profile.ts';
import { updateSection, writeResultsFile, type Machine } from './lib/report.ts';
import { median, now, round, timed } from './lib/stats.ts';

export interface ChronologyOptions {
  /** Records about the child across all agencies. */
  records: number;
  agencies: number;
  /** Of the records the viewer's agency does not hold, how many the others share with it. */
  sharedRecords: number;
  warmupRounds: number;
  rounds: number;
  profileReads: number;
}

/** 10,000 records over 8 agencies, 1,250 each; the viewer sees their 1,250 and 3,750 shared: half. */
export const DEFAULT_CHRONOLOGY_OPTIONS: ChronologyOptions = {
  records: 10_000,
  agencies: 8,
  sharedRecords: 3_750,
  warmupRounds: 3,
  rounds: 9,
  profileReads: 3,
};

export const QUICK_CHRONOLOGY_OPTIONS: ChronologyOptions = { records: 400, agencies: 4, sharedRecords: 150, warmupRounds: 1, rounds: 2, profileReads: 1 };

interface Series {
  perRound: number[];
  median: number;
}

export type ReadProfile = PathProfile;

export interface ChronologyResult {
  backend: { kind: Backend['kind']; label: string; details: Record<string, string> };
  setupSeconds: number;
  records: number;
  agencies: number;
  visibleRecords: number;
  rounds: number;
  baselineMs: Series;
  serviceMs: Series;
  /** service ÷ baseline time, from the medians (lower is better). */
  timeRatio: number;
  timeRatioPerRound: number[];
  targetMaxTimeRatio: number;
  /** Service median, milliseconds; the target applies on PostgreSQL. */
  targetMaxServiceMs: number | null;
  meetsTarget: boolean;
  profile: { service: ReadProfile; baseline: ReadProfile };
}

export interface ChronologyReport {
  benchmark: 'chronology';
  startedAt: string;
  durationSeconds: number;
  machine: Machine;
  options: ChronologyOptions;
  results: ChronologyResult[];
  skipped: { kind: string; reason: string }[];
}

export interface Fixture {
  viewer: ActorContext;
  childId: string;
  /** Every entry for the child, the viewer's first: what the bare query is given, as the service finds it through the links. */
  entryIds: string[];
}

const AGENCY_TYPES: AgencyType[] = ['health_visiting', 'school', 'gp', 'police', 'hospital', 'housing', 'childrens_social_care', 'probation', 'mental_health', 'voluntary_sector'];

// The same join as records.ts SELECT_RECORD, narrowed to the viewer's agency's records and the
// records its live grants name: the rows the service returns, with no policy, shaping or audit.
const BARE_SQL = `
  SELECT r.id, r.person_id, r.agency_id, r.restricted, r.created_by, r.created_at,
         CASE WHEN r.restricted THEN (SELECT array_agg(n.practitioner_id) FROM record_named_practitioner n WHERE n.record_id = r.id) END AS named,
         v.version, v.kind, v.occurred_at, v.recorded_at, v.author_id, a.name AS author_name, v.categories, v.fact_or_opinion,
         v.reported_or_witnessed, v.source, v.confidential, v.sensitive_categories, v.summary, v.details, v.childs_words,
         v.outcome, v.correction_reason
    FROM agency_record r
    JOIN agency_record_version v ON v.record_id = r.id
    JOIN practitioner a ON a.id = v.author_id
   WHERE r.person_id = ANY($1::uuid[]) AND v.version = r.current_version
     AND (r.agency_id = $2 OR EXISTS (
           SELECT 1 FROM share_grant g
            WHERE g.record_id = r.id AND g.grantee_agency_id = $2 AND (g.grantee_practitioner_id IS NULL OR g.grantee_practitioner_id = $3)
              AND g.valid_from <= now() AND (g.valid_until IS NULL OR g.valid_until > now()) AND g.revoked_at IS NULL))
   ORDER BY v.occurred_at, r.created_at, r.id`;

const bareRead = async (db: Database, f: Fixture): Promise<{ id: string }[]> =>
  (await db.query<{ id: string }>(BARE_SQL, [f.entryIds, f.viewer.actor.agencyId, f.viewer.actor.practitionerId])).rows;

const QUERY = ChronologyQuery.parse({});
const serviceRead = async (f: Fixture, ctx: ActorContext = f.viewer): Promise<{ id: string }[]> => (await getChronology(ctx, f.childId, QUERY)).entries;

/** The child, the eight agencies, their linked entries, records and shares (exported for profiling the service on its own). */
export async function setUpChronology(db: Database, o: ChronologyOptions): Promise<Fixture> {
  const s = services(db, systemClock);
  const partnership = await partnershipWith(s, 'Benchmark Safeguarding Partnership');
  const staff: ActorContext[] = [];
  const entries: string[] = [];
  for (let i = 0; i < o.agencies; i++) {
    const agencyId = await agency(s, partnership, AGENCY_TYPES[i % AGENCY_TYPES.length]!, `Benchmark agency ${i + 1}`);
    const ctx = await practitioner(s, agencyId, i === 0 ? ['practitioner'] : ['practitioner', 'safeguarding_lead'], `Practitioner ${i + 1}`);
    staff.push(ctx);
    // Each agency's own entry for the child, with slightly different details (as in life).
    entries.push((await person(ctx, { names: [{ givenNames: 'Ellie', familyName: 'Chronology' }], dateOfBirth: i % 3 === 0 ? '2019-06-01' : '2019-06-10' })).id);
  }
  const perAgency = Math.floor(o.records / o.agencies);
  // Bulk load, as in the foundation benchmark: the benchmark is about reading.
  await db.transaction(async (tx) => {
    for (let i = 0; i < o.agencies; i++) {
      const n = i === o.agencies - 1 ? o.records - perAgency * (o.agencies - 1) : perAgency;
      await tx.query(
        `INSERT INTO agency_record (id, person_id, agency_id, current_version, restricted, created_by, created_at)
         SELECT gen_random_uuid(), $1, $2, 1, false, $3, '2024-01-01T08:00:00Z'::timestamptz + (g * $5::int + $6::int) * interval '13 minutes'
           FROM generate_series(1, $4::int) g`,
        [entries[i], staff[i]!.actor.agencyId, staff[i]!.actor.practitionerId, n, o.agencies, i],
      );
      await tx.query(
        `INSERT INTO agency_record_version (record_id, version, kind, occurred_at, recorded_at, author_id, categories, fact_or_opinion,
           reported_or_witnessed, source, confidential, sensitive_categories, summary, details, childs_words, outcome, correction_reason)
         SELECT r.id, 1, (ARRAY['observation','concern','contact','incident'])[1 + abs(hashtext(r.id::text)) % 4],
                r.created_at - interval '3 hours', r.created_at, $2,
                CASE abs(hashtext(r.id::text || 'c')) % 4 WHEN 0 THEN ARRAY['neglect','attendance'] WHEN 1 THEN ARRAY['neglect']
                  WHEN 2 THEN ARRAY['domestic_abuse'] ELSE ARRAY['development','neglect'] END,
                (ARRAY['fact','opinion'])[1 + abs(hashtext(r.id::text || 'f')) % 2], 'witnessed',
                '{"type":"practitioner","identityProtected":false}'::jsonb, false, '{}'::text[],
                'Seen with bruising to the arm; said she fell (' || to_char(r.created_at, 'YYYY-MM-DD HH24:MI') || ')',
                repeat('Noted by the practitioner at the time, with what was said and by whom. ', 3), NULL, NULL, NULL
           FROM agency_record r WHERE r.person_id = $1`,
        [entries[i], staff[i]!.actor.practitionerId],
      );
    }
    // The viewer's agency has linked its entry to each of the others (a recorded decision each).
    for (let i = 1; i < o.agencies; i++) {
      await tx.query('INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at, reason) VALUES ($1,$2,$3,$4,now(),$5)',
        [newId(), entries[0], entries[i], staff[0]!.actor.practitionerId, 'Same child: benchmark']);
    }
  });
  // Each other agency shares its share of records with the viewer's agency, by one recorded decision.
  const others = o.agencies - 1;
  for (let i = 1; i < o.agencies; i++) {
    const k = Math.floor(o.sharedRecords / others) + (i - 1 < o.sharedRecords % others ? 1 : 0);
    const { rows } = await db.query<{ id: string }>('SELECT id FROM agency_record WHERE person_id = $1 ORDER BY created_at LIMIT $2', [entries[i], k]);
    await makeDecision(staff[i]!, NewShareDecision.parse({
      personId: entries[i], outcome: 'share', reasons: 'Section 47 enquiry: the conference needs a multi-agency chronology',
      answers: { purposeCode: 'child_protection_enquiry', purpose: 'Chronology for the conference', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 1989 s47' },
      share: { recipients: [{ agencyId: staff[0]!.actor.agencyId }], items: rows.map((r, j) => ({ recordId: r.id, parts: j % 3 === 0 ? ['summary'] : ['summary', 'details'] })) },
      subjectInformed: { informed: false, reason: 'It would prejudice the enquiry' },
    }));
  }
  await db.exec('ANALYZE');
  return { viewer: staff[0]!, childId: entries[0]!, entryIds: entries };
}


const log = (msg: string): void => console.log(`  ${msg}`);

export async function runChronology(backend: Backend, o: ChronologyOptions = DEFAULT_CHRONOLOGY_OPTIONS): Promise<ChronologyResult> {
  const { db } = backend;
  const t0 = now();
  const f = await setUpChronology(db, o);
  const setupSeconds = (now() - t0) / 1000;
  const expected = Math.floor(o.records / o.agencies) + o.sharedRecords;
  log(`chronology set up: ${o.records} records over ${o.agencies} linked entries, ${expected} visible to the viewer, in ${setupSeconds.toFixed(1)} s`);

  // Both paths must return the same rows in the same order, or the comparison means nothing.
  const bare = await bareRead(db, f);
  const service = await serviceRead(f);
  if (bare.length !== expected || service.length !== expected || bare.some((r, i) => r.id !== service[i]!.id)) {
    throw new Error(`chronology paths disagree: expected ${expected}, bare ${bare.length} rows, service ${service.length} entries`);
  }

  for (let i = 0; i < o.warmupRounds; i++) {
    await bareRead(db, f);
    await serviceRead(f);
  }
  const base: number[] = [];
  const svc: number[] = [];
  for (let r = 0; r < o.rounds; r++) {
    const order = r % 2 === 0 ? (['baseline', 'service'] as const) : (['service', 'baseline'] as const);
    for (const which of order) {
      if (which === 'baseline') base.push(await timed(() => bareRead(db, f)));
      else svc.push(await timed(() => serviceRead(f)));
    }
    log(`chronology round ${r + 1}/${o.rounds}: baseline ${base.at(-1)!.toFixed(1)} ms, service ${svc.at(-1)!.toFixed(1)} ms`);
  }
  const profile = {
    service: await profilePath(db, o.profileReads, (pdb) => serviceRead(f, { ...f.viewer, db: pdb }), 2),
    baseline: await profilePath(db, o.profileReads, (pdb) => bareRead(pdb, f), 2),
  };
  const ratio = median(svc) / median(base);
  const maxMs = backend.kind === 'postgres' ? 100 : null;
  const series = (v: number[]): Series => ({ perRound: v.map((x) => round(x, 1)), median: round(median(v), 1) });
  return {
    backend: { kind: backend.kind, label: backend.label, details: backend.details },
    setupSeconds: round(setupSeconds, 1),
    records: o.records,
    agencies: o.agencies,
    visibleRecords: expected,
    rounds: o.rounds,
    baselineMs: series(base),
    serviceMs: series(svc),
    timeRatio: round(ratio, 2),
    timeRatioPerRound: svc.map((s, i) => round(s / base[i]!, 2)),
    targetMaxTimeRatio: 5,
    targetMaxServiceMs: maxMs,
    meetsTarget: ratio <= 5 && (maxMs === null || median(svc) < maxMs),
    profile,
  };
}

export const CHRONOLOGY_START_MARKER = '<!-- bench:chronology:start -->';
export const CHRONOLOGY_END_MARKER = '<!-- bench:chronology:end -->';

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const shortName = (r: ChronologyResult): string => (r.backend.kind === 'pglite' ? `PGlite ${r.backend.details.pglite ?? ''}`.trim() : `PostgreSQL ${(r.backend.details.server_version ?? '').split(' ')[0]}`);

/** The generated part of docs/performance.md for this benchmark. */
export function chronologySection(report: ChronologyReport, jsonPath: string): string {
  const m = report.machine;
  const o = report.options;
  const profileRows = (r: ChronologyResult): string[] => [
    ...r.profile.service.statements.map((s) => `| ${shortName(r)} | \`${s.statement.replace(/\|/g, '\\|')}\` | ${fmt(s.callsPerOp, s.callsPerOp % 1 ? 2 : 0)} | ${fmt(s.msPerOp, 1)} |`),
    `| ${shortName(r)} | outside statements (BEGIN/COMMIT, JavaScript: policy, shaping, contradictions) | | ${fmt(r.profile.service.outsideStatementsMsPerOp, 1)} |`,
    `| ${shortName(r)} | **service total** | | **${fmt(r.profile.service.msPerOp, 1)}** |`,
    `| ${shortName(r)} | *bare baseline total* | | *${fmt(r.profile.baseline.msPerOp, 1)}* |`,
  ];
  return [
    CHRONOLOGY_START_MARKER,
    '<!-- Generated by `npm run bench` (bench/run.ts, bench/chronology.ts); edits between these markers are overwritten. -->',
    '',
    `Last run: ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${fmt(report.durationSeconds)} s; ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}. Raw figures: [\`${jsonPath}\`](../${jsonPath}).`,
    '',
    `${fmt(o.records)} records about one child over ${o.agencies} agencies' linked entries; the viewer may see ${fmt(Math.floor(o.records / o.agencies) + o.sharedRecords)} (their agency's and ${fmt(o.sharedRecords)} shared). ${o.rounds} alternating rounds after ${o.warmupRounds} warm-up reads each. Medians.`,
    '',
    '| Database | Bare SQL | Service (`getChronology`) | Time ratio (target ≤ 5.00) | Target < 100 ms (PostgreSQL) | Per-round ratios |',
    '|---|---:|---:|---:|---:|---|',
    ...report.results.map((r) => `| ${shortName(r)} | ${fmt(r.baselineMs.median, 1)} ms | ${fmt(r.serviceMs.median, 1)} ms | ${fmt(r.timeRatio, 2)} (${r.timeRatio <= r.targetMaxTimeRatio ? 'met' : '**missed**'}) | ${r.targetMaxServiceMs === null ? 'n/a' : r.serviceMs.median < r.targetMaxServiceMs ? 'met' : '**missed**'} | ${r.timeRatioPerRound.map((x) => fmt(x, 2)).join(', ')} |`),
    ...report.skipped.map((s) => `| ${s.kind} | not run: ${s.reason} | | | | |`),
    '',
    `Where the time goes (milliseconds per chronology under the statement profiler, ${o.profileReads} reads):`,
    '',
    '| Database | Statement | Calls | ms |',
    '|---|---|---:|---:|',
    ...report.results.flatMap(profileRows),
    '',
    CHRONOLOGY_END_MARKER,
  ].join('\n');
}

export const updateChronologyDoc = (docPath: string, section: string): Promise<void> => updateSection(docPath, CHRONOLOGY_START_MARKER, CHRONOLOGY_END_MARKER, section);

export const writeChronologyResults = (rootDir: string, report: ChronologyReport): Promise<string> => writeResultsFile(rootDir, 'chronology', report);
