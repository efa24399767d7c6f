/**
 * The process benchmark: due and overdue statutory steps across 100,000 open episodes (about a
 * million recorded actions) in one authority, through the services managers use, beside bare SQL
 * doing the same work on the same tables.
 *
 * Loading: episodes are instances of a few realistic templates (a referral awaiting a decision, an
 * assessment under way, a child protection plan a year in with its core groups and reviews, …),
 * each started on one of many referral dates. Every (template, referral date) pair is replayed
 * through the engine (src/process/engine.ts reduce) to get its stage and due steps exactly as the
 * service would project them; the rows are then generated in SQL (generate_series joined to the
 * templates), so every episode's projection is the engine's own answer for its actions. A sample of
 * episodes is read back and re-checked against the engine after loading.
 */
import { addDays, londonDate, workingDayCalendar } from '../src/calendar/working-days.ts';
import type { Database } from '../src/db/database.ts';
import { DUE_SUMMARY_SQL, dueSummary, listAlerts, raiseOverdueAlerts, weekEnding } from '../src/process/alerts.ts';
import { reduce, type Action, type ActionFacts, type ProcessSettings } from '../src/process/engine.ts';
import { listDueSteps } from '../src/process/episodes.ts';
import { fixedClock } from '../src/shared/clock.ts';
import type { ActorContext, Services } from '../src/shared/context.ts';
import { agency, partnershipWith, practitioner, services } from '../test/fixtures.ts';
import type { Backend } from './lib/backends.ts';
import { profilePath, type PathProfile } from './lib/profile.ts';
import { updateSection, writeResultsFile, type Machine } from './lib/report.ts';
import { median, now, round, timed } from './lib/stats.ts';

export interface ProcessOptions {
  /** Open episodes in the authority, on PostgreSQL. */
  episodes: number;
  /** Open episodes on PGlite (smaller if it cannot load the full size in reasonable time). */
  pgliteEpisodes: number;
  /** Measured rounds per path. */
  rounds: number;
  /** Episodes re-checked against the engine after loading. */
  verifySample: number;
}

export const DEFAULT_PROCESS_OPTIONS: ProcessOptions = { episodes: 100_000, pgliteEpisodes: 100_000, rounds: 7, verifySample: 300 };
export const QUICK_PROCESS_OPTIONS: ProcessOptions = { episodes: 2_000, pgliteEpisodes: 2_000, rounds: 2, verifySample: 50 };

/** The moment the benchmark's services believe it is (a fixed clock, so each run sees the same due dates). */
const NOW = '2026-11-19T10:00:00Z';
const WORKERS = 200;
const TEAMS = 20;
/** Referral dates per template (see RECENT_DAYS for how far back each goes). */
const DATES = 90;
export const TARGET_MS = 1000;

interface Series {
  perRound: number[];
  median: number;
}

interface Comparison {
  baselineMs: Series;
  serviceMs: Series;
  /** service ÷ baseline time, from the medians. */
  timeRatio: number;
  rows: number;
}

export interface ProcessResult {
  backend: { kind: Backend['kind']; label: string; details: Record<string, string> };
  size: { episodes: number; actions: number; steps: number; statutorySteps: number; overdueSteps: number; verified: number };
  loadSeconds: number;
  dueSummary: Comparison & { targetMs: number; meetsTarget: boolean };
  overdueList: Comparison;
  /** Where the overdue list's time goes, per statement (a few lists under the statement profiler). */
  overdueListProfile?: { service: PathProfile; baseline: PathProfile };
  sweep: { firstMs: number; raised: number; steadyMs: Series; alertListMs: Series };
}

export interface ProcessReport {
  benchmark: 'process';
  startedAt: string;
  durationSeconds: number;
  machine: Machine;
  options: ProcessOptions;
  results: ProcessResult[];
  skipped: { kind: string; reason: string }[];
}

type Details = Record<string, unknown>;
type Entry = [day: number, minute: number, details: Details];

/** The facts the engine reads from an action, picked from what the API would have stored. */
function factsOf(d: Details): ActionFacts {
  const keep = ['type', 'channel', 'outcome', 'kind', 's47', 'plan', 'reason', 'childInNeedPlan'];
  return Object.fromEntries(Object.entries(d).filter(([k]) => keep.includes(k))) as unknown as ActionFacts;
}

/**
 * Episode shapes, each an ordered list of (day after the referral, minute of the day, action as the
 * API receives it). Repeated in TEMPLATE_MIX so an episode has about ten actions on average.
 */
function templates(cscId: string, policeId: string, workerId: string): Entry[][] {
  const text = (s: string): string => `${s} Seen at home with mother; the worker noted what was said and by whom.`;
  const received = (channel: string): Details => ({ type: 'referral_received', channel });
  const ack: Details = { type: 'referral_acknowledged' };
  const decided = (outcome: string): Details => ({ type: 'referral_decided', outcome, reasons: text('Concerns about neglect reported by the school.') });
  const started: Details = { type: 'assessment_started', kind: 'single' };
  const completed = (outcome: string): Details => ({ type: 'assessment_completed', kind: 'single', outcome, summary: text('Assessment completed.') });
  const strategy = (s47: boolean): Details => ({
    type: 'strategy_discussion_held', s47, participants: [{ agencyId: cscId }, { agencyId: policeId }], policeInvestigation: false,
    immediateSafety: 'Child to stay with grandmother while enquiries continue', familyToBeTold: 'Social worker tells mother tomorrow',
  });
  const circulated: Details = { type: 'strategy_record_circulated' };
  const s47 = (outcome: string): Details => ({ type: 's47_concluded', outcome, summary: text('Enquiries concluded.') });
  const conference = (kind: string, plan: boolean): Details => ({
    type: 'conference_held', kind, plan, invitedAgencyIds: [cscId, policeId], attendedAgencyIds: [cscId, policeId], parentsParticipation: 'Mother attended; father did not',
    ...(plan ? { planDetails: { category: 'neglect', leadAgencyId: cscId, keyWorkerId: workerId, coreGroup: [workerId], outlinePlan: text('Weekly visits.'), contingencyPlan: 'Strategy discussion', actions: [] } } : {}),
  });
  const coreGroup: Details = { type: 'core_group_met', attendees: [workerId] };
  const cinReview: Details = { type: 'cin_plan_reviewed', summary: text('Plan reviewed.') };

  const cpStart: Entry[] = [
    [0, 540, received('phone')], [0, 600, ack], [1, 600, { type: 'referral_confirmed_in_writing' }], [1, 660, decided('strategy_discussion')],
    [3, 600, strategy(true)], [4, 600, circulated], [16, 600, s47('continuing_risk')], [24, 600, conference('initial', true)],
  ];
  const longPlan: Entry[] = [...cpStart];
  for (let day = 33; day <= 500; day += 42) longPlan.push([day, 840, coreGroup]);
  longPlan.push([24 + 91, 600, conference('review', true)], [24 + 91 + 182, 600, conference('review', true)], [24 + 91 + 364, 600, conference('review', true)]);
  longPlan.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return [
    // 0: an assessment under way (due 45 working days from the referral).
    [[0, 540, received('written')], [0, 600, ack], [1, 600, decided('assessment')], [2, 600, started]],
    // 1: a child in need plan with its six-monthly reviews.
    [[0, 540, received('online')], [0, 600, ack], [1, 600, decided('assessment')], [1, 660, started], [30, 600, completed('child_in_need_plan')],
      [150, 600, cinReview], [300, 600, cinReview], [450, 600, cinReview], [600, 600, cinReview], [750, 600, cinReview]],
    // 2: a child protection plan well over a year in: core groups every six weeks, three reviews.
    longPlan,
    // 3: an s47 enquiry that found continuing risk: the initial conference is due.
    [[0, 540, received('written')], [0, 600, ack], [0, 700, decided('strategy_discussion')], [2, 600, strategy(true)], [3, 600, circulated], [12, 600, s47('continuing_risk')]],
    // 4: emergency protection, a strategy discussion the same day, its record not yet circulated.
    [[0, 540, received('phone')], [0, 560, ack], [0, 600, { type: 'urgent_protective_action', kind: 'emergency_protection_order', otherChildrenConsidered: 'Two siblings seen the same day' }], [0, 900, strategy(true)]],
    // 5: a phone referral just received: confirmation, acknowledgement and decision all waiting.
    [[0, 540, received('phone')]],
    // 6: a new child protection plan: first core group held, first review due.
    [...cpStart, [33, 840, coreGroup], [75, 840, coreGroup], [117, 840, coreGroup]],
    // 7: a conference that made no plan: a child in need plan, reviewed.
    [[0, 540, received('written')], [0, 600, ack], [1, 600, decided('assessment')], [1, 660, started], [20, 600, completed('strategy_discussion')],
      [21, 600, strategy(true)], [22, 600, circulated], [30, 600, s47('continuing_risk')], [40, 600, conference('initial', false)],
      [220, 600, cinReview], [400, 600, cinReview], [580, 600, cinReview], [760, 600, cinReview], [940, 600, cinReview]],
  ];
}

/**
 * How many days back each template's last action may lie (the referral date is chosen so): a new
 * referral or an emergency is days old, a plan's last meeting may be months ago.
 */
const RECENT_DAYS = [60, 90, 42, 10, 5, 3, 42, 90];

/** Which template each episode follows, in turn: about ten actions per episode on average. */
const TEMPLATE_MIX = [0, 0, 1, 2, 2, 3, 4, 5, 6, 7];

// The same query as listDueSteps in src/process/episodes.ts (not exported there), overdue only, for the authority.
const BARE_OVERDUE_SQL = `
  SELECT s.episode_id, e.child_person_id, e.allocated_worker_id, e.team, s.key, s.label, s.due_date, s.due_at, s.paragraph
    FROM episode_step s JOIN episode e ON e.id = s.episode_id
   WHERE e.agency_id = $1 AND e.closed_at IS NULL AND NOT s.prompt
     AND ($2::uuid IS NULL OR e.allocated_worker_id = $2) AND ($3::text IS NULL OR e.team = $3)
     AND (NOT $4 OR s.due_date < $5::date OR (s.due_at IS NOT NULL AND s.due_at < $6))
   ORDER BY s.due_date, s.key LIMIT 1000`;

const log = (msg: string): void => console.log(`  ${msg}`);

export interface Loaded {
  manager: ActorContext;
  agencyId: string;
  size: ProcessResult['size'];
}

/** Loads the authority (exported for profiling the services on their own). */
export async function load(db: Database, s: Services, episodes: number, verifySample: number): Promise<Loaded> {
  const partnership = await partnershipWith(s, 'Benchmark Safeguarding Partnership');
  const agencyId = await agency(s, partnership, 'childrens_social_care', "Benchmark Children's Social Care");
  const policeId = await agency(s, partnership, 'police', 'Benchmark Police');
  const manager = await practitioner(s, agencyId, ['manager'], 'Bench Manager');
  const settings: ProcessSettings = { calendar: workingDayCalendar(), nation: 'england-and-wales', model: 'single_45' };
  const today = londonDate(new Date(NOW));

  await db.transaction(async (tx) => {
    // Workers, in teams.
    await tx.query(
      `CREATE TEMP TABLE bench_worker ON COMMIT DROP AS
       SELECT i, gen_random_uuid() AS id, 'Team ' || (i % $1 + 1) AS team FROM generate_series(0, $2::int - 1) i`, [TEAMS, WORKERS]);
    await tx.query(`INSERT INTO practitioner (id, agency_id, name, email, active, created_at)
                    SELECT id, $1, 'Social Worker ' || i, 'sw' || i || '.' || id || '@bench.example', true, $2 FROM bench_worker`, [agencyId, NOW]);
    await tx.query("INSERT INTO practitioner_role (practitioner_id, role) SELECT id, 'social_worker' FROM bench_worker");
    const keyWorker = (await tx.query<{ id: string }>('SELECT id FROM bench_worker WHERE i = 0')).rows[0]!.id;

    // The templates, and for each referral date the engine's stage and steps.
    const shapes = templates(agencyId, policeId, keyWorker);
    const actionRows: unknown[] = [];
    const refRows: unknown[] = [];
    const stepRows: unknown[] = [];
    shapes.forEach((entries, t) => {
      entries.forEach(([day, minute, details], i) => {
        actionRows.push({ t, seq: i + 1, offset_minutes: day * 1440 + minute, type: details.type, facts: factsOf(details), details: details.type === 'referral_received' ? { channel: details.channel } : details });
      });
      const span = entries.at(-1)![0];
      for (let d = 0; d < DATES; d++) {
        const refDate = addDays(today, -(span + (d % RECENT_DAYS[t]!)));
        const refAt = new Date(`${refDate}T00:00:00Z`);
        const actions: Action[] = entries.map(([day, minute, details], i) => ({ seq: i + 1, at: new Date(refAt.getTime() + (day * 1440 + minute) * 60_000).toISOString(), facts: factsOf(details) }));
        const state = reduce(actions, settings);
        if (!state.open) throw new Error(`template ${t} closes the episode`);
        refRows.push({ t, d, ref_at: refAt.toISOString(), stage: state.stage, action_count: actions.length });
        for (const step of state.steps) {
          const timed = step.due.includes('T');
          stepRows.push({ t, d, key: step.key, label: step.label, due_date: timed ? londonDate(new Date(step.due)) : step.due, due_at: timed ? step.due : null, paragraph: step.paragraph, prompt: step.prompt ?? false });
        }
      }
    });
    await tx.query(`CREATE TEMP TABLE bench_action ON COMMIT DROP AS SELECT * FROM jsonb_to_recordset($1::jsonb)
                      AS x(t int, seq int, offset_minutes int, type text, facts jsonb, details jsonb)`, [JSON.stringify(actionRows)]);
    await tx.query(`CREATE TEMP TABLE bench_ref ON COMMIT DROP AS SELECT * FROM jsonb_to_recordset($1::jsonb)
                      AS x(t int, d int, ref_at timestamptz, stage text, action_count int)`, [JSON.stringify(refRows)]);
    await tx.query(`CREATE TEMP TABLE bench_step ON COMMIT DROP AS SELECT * FROM jsonb_to_recordset($1::jsonb)
                      AS x(t int, d int, key text, label text, due_date date, due_at timestamptz, paragraph text, prompt boolean)`, [JSON.stringify(stepRows)]);

    // One row per episode: its template, referral date, worker, child.
    await tx.query(
      `CREATE TEMP TABLE bench_map ON COMMIT DROP AS
       SELECT g, gen_random_uuid() AS episode_id, gen_random_uuid() AS person_id, ($2::int[])[1 + g % $3] AS t, (g / $3) % $4 AS d, (g * 7) % $5 AS w
         FROM generate_series(0, $1::int - 1) g`, [episodes, TEMPLATE_MIX, TEMPLATE_MIX.length, DATES, WORKERS]);
    await tx.query(`INSERT INTO person (id, agency_id, kind, date_of_birth, sex, created_by, created_at)
                    SELECT person_id, $1, 'child', date '2010-01-01' + (g % 5000), 'unknown', $2, $3 FROM bench_map`, [agencyId, manager.actor.practitionerId, NOW]);
    await tx.query(`INSERT INTO episode (id, agency_id, child_person_id, allocated_worker_id, team, opened_at, stage, closed_at, action_count)
                    SELECT m.episode_id, $1, m.person_id, w.id, w.team, r.ref_at + interval '540 minutes', r.stage, NULL, r.action_count
                      FROM bench_map m JOIN bench_ref r ON r.t = m.t AND r.d = m.d JOIN bench_worker w ON w.i = m.w`, [agencyId]);
    await tx.query(`INSERT INTO episode_action (episode_id, seq, type, occurred_at, recorded_at, recorded_by, idempotency_key, facts, details)
                    SELECT m.episode_id, a.seq, a.type, r.ref_at + a.offset_minutes * interval '1 minute', r.ref_at + (a.offset_minutes + 45) * interval '1 minute',
                           w.id, 'bench-' || m.g || '-' || a.seq, a.facts, a.details
                      FROM bench_map m JOIN bench_ref r ON r.t = m.t AND r.d = m.d JOIN bench_action a ON a.t = m.t JOIN bench_worker w ON w.i = m.w`);
    await tx.query(`INSERT INTO episode_step (episode_id, key, label, due_date, due_at, paragraph, prompt)
                    SELECT m.episode_id, s.key, s.label, s.due_date, s.due_at, s.paragraph, s.prompt
                      FROM bench_map m JOIN bench_step s ON s.t = m.t AND s.d = m.d`);
  });
  await db.exec('ANALYZE');

  // Read a sample back and replay it: the projection must be what the engine says.
  const sample = (await db.query<{ id: string }>('SELECT id FROM episode WHERE agency_id = $1 ORDER BY md5(id::text) LIMIT $2', [agencyId, verifySample])).rows.map((r) => r.id);
  const acts = (await db.query<{ episode_id: string; seq: number; occurred_at: string; facts: ActionFacts }>(
    'SELECT episode_id, seq, occurred_at, facts FROM episode_action WHERE episode_id = ANY($1::uuid[]) ORDER BY episode_id, seq', [sample])).rows;
  const steps = (await db.query<{ episode_id: string; key: string; due_date: string; due_at: string | null }>(
    'SELECT episode_id, key, due_date, due_at FROM episode_step WHERE episode_id = ANY($1::uuid[]) ORDER BY episode_id, key', [sample])).rows;
  for (const id of sample) {
    const state = reduce(acts.filter((a) => a.episode_id === id).map((a) => ({ seq: a.seq, at: a.occurred_at, facts: a.facts })), settings);
    const expected = state.steps.map((st) => `${st.key}@${st.due}`).sort();
    const actual = steps.filter((st) => st.episode_id === id).map((st) => `${st.key}@${st.due_at ?? st.due_date}`).sort();
    if (JSON.stringify(expected) !== JSON.stringify(actual)) throw new Error(`episode ${id}: projection ${actual.join(', ')} but the engine says ${expected.join(', ')}`);
  }

  const count = async (sql: string, params: unknown[] = []): Promise<number> => Number((await db.query<{ n: number }>(sql, params)).rows[0]!.n);
  return {
    manager, agencyId,
    size: {
      episodes: await count('SELECT count(*) AS n FROM episode WHERE agency_id = $1 AND closed_at IS NULL', [agencyId]),
      actions: await count('SELECT count(*) AS n FROM episode_action'),
      steps: await count('SELECT count(*) AS n FROM episode_step'),
      statutorySteps: await count('SELECT count(*) AS n FROM episode_step WHERE NOT prompt'),
      overdueSteps: await count('SELECT count(*) AS n FROM episode_step WHERE NOT prompt AND (due_date < $1::date OR (due_at IS NOT NULL AND due_at < $2))', [today, NOW]),
      verified: sample.length,
    },
  };
}

const series = (perRound: number[]): Series => ({ perRound: perRound.map((x) => round(x, 1)), median: round(median(perRound), 1) });

/** Alternating rounds (bare first in odd rounds, service first in even ones), medians and their ratio. */
async function compare(rounds: number, bare: () => Promise<number>, service: () => Promise<number>, label: string): Promise<Comparison> {
  // One unmeasured call each: plans, caches, JIT.
  const rows = await bare();
  const serviceRows = await service();
  if (rows !== serviceRows) throw new Error(`${label}: bare SQL gives ${rows} rows, the service ${serviceRows}`);
  const b: number[] = [];
  const s: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const which of r % 2 === 0 ? ['bare', 'service'] : ['service', 'bare']) {
      if (which === 'bare') b.push(await timed(bare));
      else s.push(await timed(service));
    }
  }
  const baselineMs = series(b);
  const serviceMs = series(s);
  log(`${label}: bare ${baselineMs.median} ms, service ${serviceMs.median} ms (${rows} rows)`);
  return { baselineMs, serviceMs, timeRatio: round(serviceMs.median / baselineMs.median, 2), rows };
}

export async function runProcess(backend: Backend, opts: ProcessOptions): Promise<ProcessResult> {
  const { db } = backend;
  const episodes = backend.kind === 'pglite' ? opts.pgliteEpisodes : opts.episodes;
  const clock = fixedClock(NOW);
  const s = services(db, clock);
  const t0 = now();
  const { manager, agencyId, size } = await load(db, s, episodes, opts.verifySample);
  const loadSeconds = round((now() - t0) / 1000, 1);
  log(`loaded ${size.episodes.toLocaleString('en-GB')} open episodes, ${size.actions.toLocaleString('en-GB')} actions, ${size.steps.toLocaleString('en-GB')} steps (${size.overdueSteps.toLocaleString('en-GB')} overdue) in ${loadSeconds} s; ${size.verified} re-checked against the engine`);

  const today = londonDate(clock.now());
  const summaryArgs = [agencyId, today, clock.now().toISOString(), weekEnding(today)];
  const summary = await compare(opts.rounds,
    async () => (await db.query(DUE_SUMMARY_SQL, summaryArgs)).rows.length,
    async () => {
      const r = await dueSummary(manager);
      return r.byTeam.length + r.byWorker.length + 1;
    },
    'due summary');
  const total = (await dueSummary(manager)).authority;
  if (total.open !== size.statutorySteps || total.overdue !== size.overdueSteps) throw new Error(`due summary counts ${total.open}/${total.overdue}, expected ${size.statutorySteps}/${size.overdueSteps}`);

  const overdue = await compare(opts.rounds,
    async () => (await db.query(BARE_OVERDUE_SQL, [agencyId, null, null, true, today, clock.now().toISOString()])).rows.length,
    async () => (await listDueSteps(manager, { overdueOnly: true })).length,
    'overdue list');
  const overdueListProfile = {
    service: await profilePath(db, 3, (pdb) => listDueSteps({ ...manager, db: pdb }, { overdueOnly: true }), 2),
    baseline: await profilePath(db, 3, (pdb) => pdb.query(BARE_OVERDUE_SQL, [agencyId, null, null, true, today, clock.now().toISOString()]), 2),
  };

  // The sweep: the first raises an alert for every overdue step (and audits each); later ones find nothing new.
  let raised = 0;
  const firstMs = await timed(async () => {
    raised = (await raiseOverdueAlerts(s)).raised;
  });
  log(`first sweep: ${raised.toLocaleString('en-GB')} alerts raised in ${round(firstMs)} ms`);
  const steady: number[] = [];
  const lists: number[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    steady.push(await timed(() => raiseOverdueAlerts(s)));
    lists.push(await timed(() => listAlerts(manager)));
  }
  log(`steady sweep: ${round(median(steady))} ms; alert list (first 1,000, refreshed first): ${round(median(lists))} ms`);

  return {
    backend: { kind: backend.kind, label: backend.label, details: backend.details },
    size,
    loadSeconds,
    dueSummary: { ...summary, targetMs: TARGET_MS, meetsTarget: summary.serviceMs.median < TARGET_MS },
    overdueList: overdue,
    overdueListProfile,
    sweep: { firstMs: round(firstMs), raised, steadyMs: series(steady), alertListMs: series(lists) },
  };
}

export const PROCESS_START = '<!-- bench:process:start -->';
export const PROCESS_END = '<!-- bench:process:end -->';

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const shortName = (r: ProcessResult): string => (r.backend.kind === 'pglite' ? `PGlite ${r.backend.details.pglite ?? ''}`.trim() : `PostgreSQL ${(r.backend.details.server_version ?? '').split(' ')[0]}`);

/** The generated part of docs/performance.md for this benchmark. */
export function processMarkdown(report: ProcessReport, jsonPath: string): string {
  const m = report.machine;
  const sizes = report.results.map((r) => `${shortName(r)}: ${fmt(r.size.episodes)} open episodes, ${fmt(r.size.actions)} actions, ${fmt(r.size.statutorySteps)} statutory steps waiting (${fmt(r.size.overdueSteps)} overdue), loaded in ${fmt(r.loadSeconds, 1)} s`);
  const equal = new Set(report.results.map((r) => r.size.episodes)).size === 1;
  return [
    PROCESS_START,
    '<!-- Generated by `npm run bench` (bench/process.ts); edits between these markers are overwritten. -->',
    '',
    `Last run: ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${fmt(report.durationSeconds)} s in all; ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}. Raw figures: [\`${jsonPath}\`](../${jsonPath}).`,
    '',
    ...sizes.map((x) => `- ${x}`),
    ...(equal ? [] : ['- The sizes differ between the databases: compare each database\'s service ÷ bare ratio, not the databases with each other.']),
    '',
    `${report.options.rounds} rounds per path, alternating; medians. Target: the due summary for the whole authority in under ${fmt(TARGET_MS)} ms on PostgreSQL.`,
    '',
    '| Database | Due summary, bare SQL | Due summary, service | Ratio | Target < 1,000 ms | Overdue list (1,000), bare SQL | Overdue list, service | Ratio | First sweep (alerts raised) | Later sweeps | Alert list |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...report.results.map((r) => `| ${shortName(r)} | ${fmt(r.dueSummary.baselineMs.median)} ms | ${fmt(r.dueSummary.serviceMs.median)} ms | ${fmt(r.dueSummary.timeRatio, 2)} | ${r.backend.kind === 'postgres' ? (r.dueSummary.meetsTarget ? 'met' : '**missed**') : (r.dueSummary.meetsTarget ? 'under' : 'over')} | ${fmt(r.overdueList.baselineMs.median)} ms | ${fmt(r.overdueList.serviceMs.median)} ms | ${fmt(r.overdueList.timeRatio, 2)} | ${fmt(r.sweep.firstMs)} ms (${fmt(r.sweep.raised)}) | ${fmt(r.sweep.steadyMs.median)} ms | ${fmt(r.sweep.alertListMs.median)} ms |`),
    ...report.skipped.map((x) => `| ${x.kind} | not run: ${x.reason} | | | | | | | | | |`),
    '',
    'Per-round times in milliseconds (bare / service), to show the spread:',
    '',
    ...report.results.map((r) => `- ${shortName(r)}: due summary ${r.dueSummary.baselineMs.perRound.map((x) => fmt(x)).join(', ')} / ${r.dueSummary.serviceMs.perRound.map((x) => fmt(x)).join(', ')}; overdue list ${r.overdueList.baselineMs.perRound.map((x) => fmt(x)).join(', ')} / ${r.overdueList.serviceMs.perRound.map((x) => fmt(x)).join(', ')}`),
    '',
    ...overdueProfileRows(report.results),
    PROCESS_END,
  ].join('\n');
}

/** Replaces the generated section, or appends it if the markers are missing. */
/** Where the overdue list's time goes: milliseconds per list under the statement profiler. */
function overdueProfileRows(results: readonly ProcessResult[]): string[] {
  const profiled = results.filter((r) => r.overdueListProfile);
  if (profiled.length === 0) return [];
  return [
    'Where the overdue list\'s time goes (milliseconds per list of 1,000 under the statement profiler, 3 lists):',
    '',
    '| Database | Statement | Calls | ms |',
    '|---|---|---:|---:|',
    ...profiled.flatMap((r) => {
      const p = r.overdueListProfile!;
      return [
        ...p.service.statements.map((s) => `| ${shortName(r)} | \`${s.statement.replace(/\|/g, '\\|')}\` | ${fmt(s.callsPerOp, s.callsPerOp % 1 ? 2 : 0)} | ${fmt(s.msPerOp, 1)} |`),
        `| ${shortName(r)} | outside statements (BEGIN/COMMIT, JavaScript) | | ${fmt(p.service.outsideStatementsMsPerOp, 1)} |`,
        `| ${shortName(r)} | **service total** | | **${fmt(p.service.msPerOp, 1)}** |`,
        `| ${shortName(r)} | *bare baseline total* | | *${fmt(p.baseline.msPerOp, 1)}* |`,
      ];
    }),
    '',
  ];
}

export const updateProcessDoc = (docPath: string, section: string): Promise<void> => updateSection(docPath, PROCESS_START, PROCESS_END, section);

export const writeProcessResults = (rootDir: string, report: ProcessReport): Promise<string> => writeResultsFile(rootDir, 'process', report);
