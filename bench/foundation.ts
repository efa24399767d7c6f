/**
 * The foundation benchmark: what the service layer (access checks, hash-chained audit entry,
 * one transaction per command) costs beside bare SQL doing the same work on the same tables.
 */
import type { Database } from '../src/db/database.ts';
import { addRecord, listPersonRecords } from '../src/records/records.ts';
import { NewRecord } from '../src/records/schemas.ts';
import { systemClock } from '../src/shared/clock.ts';
import type { ActorContext } from '../src/shared/context.ts';
import { newId } from '../src/shared/ids.ts';
import { agency, partnershipWith, person, practitioner, services } from '../test/fixtures.ts';
import type { Backend } from './lib/backends.ts';
import { profilePath, type PathProfile } from './lib/profile.ts';
import { median, now, round, timed } from './lib/stats.ts';

export interface FoundationOptions {
  /** Records written per measured round, by each path. */
  writesPerRound: number;
  writeRounds: number;
  /** Unmeasured writes by each path before the rounds (JIT, caches, connection pool). */
  warmupWrites: number;
  /** Records the read person has. */
  readRecords: number;
  readRounds: number;
  /** Records written (and reads done) under the statement profiler, after the measured rounds. */
  profileWrites: number;
  profileReads: number;
}

export const DEFAULT_OPTIONS: FoundationOptions = {
  writesPerRound: 500,
  writeRounds: 9,
  warmupWrites: 200,
  readRecords: 10_000,
  readRounds: 9,
  profileWrites: 300,
  profileReads: 3,
};

interface Series {
  perRound: number[];
  median: number;
}


export type { PathProfile, ProfileLine } from './lib/profile.ts';

export interface FoundationResult {
  backend: { kind: Backend['kind']; label: string; details: Record<string, string> };
  setupSeconds: number;
  writes: {
    recordsPerRound: number;
    rounds: number;
    /** Records per second. */
    baseline: Series;
    service: Series;
    /** service ÷ baseline throughput, from the medians. */
    ratio: number;
    ratioPerRound: number[];
    target: number;
    meetsTarget: boolean;
  };
  reads: {
    records: number;
    rounds: number;
    /** Milliseconds for the whole list. */
    baselineMs: Series;
    serviceMs: Series;
    /** service ÷ baseline time, from the medians (lower is better). */
    timeRatio: number;
    timeRatioPerRound: number[];
    /** Half the baseline's throughput means at most twice its time. */
    targetMaxTimeRatio: number;
    meetsTarget: boolean;
  };
  profile: {
    writeService: PathProfile;
    writeBaseline: PathProfile;
    readService: PathProfile;
    readBaseline: PathProfile;
  };
}

interface Fixture {
  ctx: ActorContext;
  agencyId: string;
  writePersonId: string;
  readPersonId: string;
  input: NewRecord;
}

// The same query as records.ts SELECT_RECORD (not exported there), narrowed the same way.
const BARE_LIST_SQL = `
  SELECT r.id, r.person_id, r.agency_id, r.restricted, r.created_by, r.created_at,
         CASE WHEN r.restricted THEN (SELECT array_agg(n.practitioner_id) FROM record_named_practitioner n WHERE n.record_id = r.id) END AS named,
         v.version, v.kind, v.occurred_at, v.recorded_at, v.author_id, a.name AS author_name, v.categories, v.fact_or_opinion,
         v.reported_or_witnessed, v.source, v.confidential, v.sensitive_categories, v.summary, v.details, v.childs_words,
         v.outcome, v.correction_reason
    FROM agency_record r
    JOIN agency_record_version v ON v.record_id = r.id
    JOIN practitioner a ON a.id = v.author_id
   WHERE r.person_id = $1 AND v.version = r.current_version AND (r.agency_id = $2 OR r.id = ANY($3::uuid[]))
   ORDER BY v.occurred_at, r.created_at`;

const INSERT_RECORD_SQL = 'INSERT INTO agency_record (id, person_id, agency_id, current_version, restricted, created_by, created_at) VALUES ($1,$2,$3,1,$4,$5,$6)';
const INSERT_VERSION_SQL = `INSERT INTO agency_record_version (record_id, version, kind, occurred_at, recorded_at, author_id, categories, fact_or_opinion,
       reported_or_witnessed, source, confidential, sensitive_categories, summary, details, childs_words, outcome, correction_reason)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`;

/** The bare baseline: the same two rows addRecord writes, in one transaction, with no checks and no audit. */
async function bareWrite(db: Database, f: Fixture): Promise<void> {
  const c = f.input;
  await db.transaction(async (tx) => {
    const id = newId();
    const at = new Date().toISOString();
    await tx.query(INSERT_RECORD_SQL, [id, f.writePersonId, f.agencyId, c.restricted, f.ctx.actor.practitionerId, at]);
    await tx.query(INSERT_VERSION_SQL, [id, 1, c.kind, c.occurredAt, at, f.ctx.actor.practitionerId, c.categories, c.factOrOpinion, c.reportedOrWitnessed,
      JSON.stringify(c.source), c.confidential, c.sensitiveCategories, c.summary, c.details ?? null, c.childsWords ?? null, c.outcome ?? null, null]);
  });
}

const serviceWrite = async (f: Fixture, ctx: ActorContext = f.ctx): Promise<void> => {
  await addRecord(ctx, f.writePersonId, f.input);
};

const bareRead = async (db: Database, f: Fixture): Promise<unknown[]> =>
  (await db.query(BARE_LIST_SQL, [f.readPersonId, f.agencyId, []])).rows;

const serviceRead = (f: Fixture, ctx: ActorContext = f.ctx): Promise<unknown[]> => listPersonRecords(ctx, f.readPersonId);

/** One agency, one practitioner, a person to write to and a person who already has readRecords records. */
async function setUp(db: Database, readRecords: number): Promise<Fixture> {
  const s = services(db, systemClock);
  const partnership = await partnershipWith(s, 'Benchmark Safeguarding Partnership');
  const agencyId = await agency(s, partnership, 'school', 'Benchmark Primary School');
  const ctx = await practitioner(s, agencyId, ['practitioner'], 'Bench Practitioner');
  const writePerson = await person(ctx);
  const readPerson = await person(ctx, { names: [{ givenNames: 'Ellie', familyName: 'Read' }] });
  // Bulk load in two statements: the read benchmark is about reading, not about how the rows got there.
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO agency_record (id, person_id, agency_id, current_version, restricted, created_by, created_at)
       SELECT gen_random_uuid(), $1, $2, 1, (g % 20 = 0), $3, '2025-01-01T08:00:00Z'::timestamptz + g * interval '37 minutes'
         FROM generate_series(1, $4::int) g`,
      [readPerson.id, agencyId, ctx.actor.practitionerId, readRecords],
    );
    await tx.query(
      `INSERT INTO agency_record_version (record_id, version, kind, occurred_at, recorded_at, author_id, categories, fact_or_opinion,
         reported_or_witnessed, source, confidential, sensitive_categories, summary, details, childs_words, outcome, correction_reason)
       SELECT r.id, 1, (ARRAY['observation','concern','contact','incident'])[1 + abs(hashtext(r.id::text)) % 4],
              r.created_at - interval '3 hours', r.created_at, $2, ARRAY['neglect','attendance'], 'fact', 'witnessed',
              '{"type":"practitioner","identityProtected":false}'::jsonb, false, '{}'::text[],
              'Arrived late without breakfast; said mum was asleep (' || to_char(r.created_at, 'YYYY-MM-DD HH24:MI') || ')',
              repeat('Seen at the gate by the class teacher, who noted the time and what was said. ', 4), NULL, NULL, NULL
         FROM agency_record r WHERE r.person_id = $1`,
      [readPerson.id, ctx.actor.practitionerId],
    );
  });
  await db.exec('ANALYZE');
  const input = NewRecord.parse({
    kind: 'concern',
    occurredAt: '2026-03-01T10:00:00Z',
    categories: ['neglect'],
    factOrOpinion: 'fact',
    reportedOrWitnessed: 'witnessed',
    source: { type: 'practitioner' },
    confidential: false,
    summary: 'Often late and hungry; asked for food at break time',
    details: 'Came in at 09:40 without a coat. Said there was no breakfast at home and that mum was still asleep. Ate two portions at lunch. '.repeat(2),
  });
  return { ctx, agencyId, writePersonId: writePerson.id, readPersonId: readPerson.id, input };
}

async function writeRun(n: number, one: () => Promise<void>): Promise<number> {
  const ms = await timed(async () => {
    for (let i = 0; i < n; i++) await one();
  });
  return n / (ms / 1000);
}


const log = (msg: string): void => console.log(`  ${msg}`);

export async function runFoundation(backend: Backend, opts: FoundationOptions = DEFAULT_OPTIONS): Promise<FoundationResult> {
  const { db } = backend;
  const t0 = now();
  const f = await setUp(db, opts.readRecords);
  const setupSeconds = (now() - t0) / 1000;
  log(`set up: ${opts.readRecords} records for the read person in ${setupSeconds.toFixed(1)} s`);

  // Both paths must return the same rows, or the comparison means nothing.
  const bareRows = (await bareRead(db, f)) as { id: string }[];
  const serviceRows = (await serviceRead(f)) as { id: string }[];
  if (bareRows.length !== opts.readRecords || serviceRows.length !== opts.readRecords || bareRows.some((r, i) => r.id !== serviceRows[i]!.id)) {
    throw new Error(`read paths disagree: bare ${bareRows.length} rows, service ${serviceRows.length} rows`);
  }

  await writeRun(opts.warmupWrites, () => bareWrite(db, f));
  await writeRun(opts.warmupWrites, () => serviceWrite(f));

  // Alternate which path goes first so drift (growing tables, a checkpoint, a busy neighbour) hits both alike.
  const wBase: number[] = [];
  const wSvc: number[] = [];
  for (let r = 0; r < opts.writeRounds; r++) {
    const order = r % 2 === 0 ? (['baseline', 'service'] as const) : (['service', 'baseline'] as const);
    for (const which of order) {
      if (which === 'baseline') wBase.push(await writeRun(opts.writesPerRound, () => bareWrite(db, f)));
      else wSvc.push(await writeRun(opts.writesPerRound, () => serviceWrite(f)));
    }
    log(`write round ${r + 1}/${opts.writeRounds}: baseline ${wBase.at(-1)!.toFixed(0)}/s, service ${wSvc.at(-1)!.toFixed(0)}/s`);
  }

  const rBase: number[] = [];
  const rSvc: number[] = [];
  for (let r = 0; r < opts.readRounds; r++) {
    const order = r % 2 === 0 ? (['baseline', 'service'] as const) : (['service', 'baseline'] as const);
    for (const which of order) {
      if (which === 'baseline') rBase.push(await timed(() => bareRead(db, f)));
      else rSvc.push(await timed(() => serviceRead(f)));
    }
    log(`read round ${r + 1}/${opts.readRounds}: baseline ${rBase.at(-1)!.toFixed(0)} ms, service ${rSvc.at(-1)!.toFixed(0)} ms`);
  }

  const profile = {
    writeService: await profilePath(db, opts.profileWrites, (pdb) => serviceWrite(f, { ...f.ctx, db: pdb })),
    writeBaseline: await profilePath(db, opts.profileWrites, (pdb) => bareWrite(pdb, f)),
    readService: await profilePath(db, opts.profileReads, (pdb) => serviceRead(f, { ...f.ctx, db: pdb })),
    readBaseline: await profilePath(db, opts.profileReads, (pdb) => bareRead(pdb, f)),
  };

  const writeRatio = median(wSvc) / median(wBase);
  const readRatio = median(rSvc) / median(rBase);
  const series = (v: number[], digits: number): Series => ({ perRound: v.map((x) => round(x, digits)), median: round(median(v), digits) });
  return {
    backend: { kind: backend.kind, label: backend.label, details: backend.details },
    setupSeconds: round(setupSeconds, 1),
    writes: {
      recordsPerRound: opts.writesPerRound,
      rounds: opts.writeRounds,
      baseline: series(wBase, 0),
      service: series(wSvc, 0),
      ratio: round(writeRatio, 2),
      ratioPerRound: wSvc.map((s, i) => round(s / wBase[i]!, 2)),
      target: 0.5,
      meetsTarget: writeRatio >= 0.5,
    },
    reads: {
      records: opts.readRecords,
      rounds: opts.readRounds,
      baselineMs: series(rBase, 1),
      serviceMs: series(rSvc, 1),
      timeRatio: round(readRatio, 2),
      timeRatioPerRound: rSvc.map((s, i) => round(s / rBase[i]!, 2)),
      targetMaxTimeRatio: 2,
      meetsTarget: readRatio <= 2,
    },
    profile,
  };
}
