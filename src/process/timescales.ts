import { z } from 'zod';
import { checkView } from '../access/views.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import { londonDate, workingDayCalendar, type CalendarNation } from '../calendar/working-days.ts';
import { median } from '../reports/board.ts';
import { toCsv } from '../shared/csv.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { forbidden } from '../shared/errors.ts';
import { CalendarDate } from '../shared/schemas.ts';
import { isOverdue, reduce, type Action, type ActionFacts, type AssessmentModel, type ProcessSettings, type Step, type StepKey } from './engine.ts';
import { agencyTypeOf } from '../shared/agency-types.ts';
import { readOnce, type RequestReads } from '../shared/request-reads.ts';

/**
 * How the authority kept to the statutory timescales (what-to-do-if-worried 10–80): the figures
 * an inspection asks for. Nothing here knows a due date: each episode's actions are replayed
 * through the engine (reduce on each prefix), so a step's due date is the one the engine gave it
 * at the moment the action that completed it was recorded, and the rules stay in engine.ts.
 */

/**
 * The caller must be in a children's social care authority, and the policy (decideView) must let
 * their role see this part of its oversight: managers see the alerts, which name children;
 * managers and auditors see the figures, which do not. A refusal is audited and answered 403:
 * these are about the caller's own authority, so there is nothing to hide by pretending otherwise.
 */
export async function checkOverseer(ctx: ActorContext, tx: Tx, action: string, view: 'overdue-alerts' | 'due-summary' | 'timescales'): Promise<void> {
  const a = { type: await agencyTypeOf(tx, ctx.actor.agencyId) };
  if (a?.type !== 'childrens_social_care') {
    throw refuse('authority', { action, entityType: 'agency', entityId: ctx.actor.agencyId },
      forbidden("Only managers and auditors of children's social care see the authority's oversight of the process."));
  }
  checkView(ctx, view, action);
}

/**
 * The calendar and assessment model of the authority's partnership, for episodes, referrals and
 * timescales alike. Given the request's reads (a page showing an episode and its referral), read once.
 */
export async function processSettingsFor(tx: Tx, agencyId: string, reads?: RequestReads): Promise<ProcessSettings> {
  const p = await readOnce(reads, settingsKey(agencyId), async () => (await tx.query<SettingsRow>(
    'SELECT p.nation, p.assessment_model FROM partnership p JOIN partnership_agency pa ON pa.partnership_id = p.id WHERE pa.agency_id = $1 ORDER BY p.created_at LIMIT 1',
    [agencyId])).rows[0]);
  return settingsOf(p);
}

type SettingsRow = { nation: CalendarNation; assessment_model: AssessmentModel };
const settingsKey = (agencyId: string): string => `process-settings:${agencyId}`;
const settingsOf = (p: SettingsRow | undefined): ProcessSettings => ({ calendar: workingDayCalendar(), nation: p?.nation ?? 'england-and-wales', model: p?.assessment_model ?? 'single_45' });

/**
 * processSettingsFor's read as a column of another statement (the episode's, for its page): the
 * agency's partnership's settings as JSON, null when it has none. Named process_settings.
 */
export const processSettingsColumn = (agencyColumn: string): string =>
  `(SELECT json_build_object('nation', p.nation, 'assessment_model', p.assessment_model) FROM partnership p JOIN partnership_agency pa ON pa.partnership_id = p.id
     WHERE pa.agency_id = ${agencyColumn} ORDER BY p.created_at LIMIT 1) AS process_settings`;

/** The settings read by processSettingsColumn, kept in the request's reads for the services after (as processSettingsFor keeps its own). */
export function processSettingsRead(agencyId: string, row: SettingsRow | null, reads?: RequestReads): ProcessSettings {
  void reads?.once(settingsKey(agencyId), () => Promise.resolve(row ?? undefined));
  return settingsOf(row ?? undefined);
}

/**
 * Which recorded action fulfils each step. Not a timescale rule (those are in the engine): only
 * the vocabulary that says "this action is that step done".
 */
const COMPLETED_BY: Record<StepKey, (f: ActionFacts) => boolean> = {
  written_confirmation: (f) => f.type === 'referral_confirmed_in_writing',
  acknowledgement: (f) => f.type === 'referral_acknowledged',
  referrer_chase: (f) => f.type === 'referral_acknowledged',
  referral_decision: (f) => f.type === 'referral_decided',
  assessment: (f) => f.type === 'assessment_completed' && f.kind === 'single',
  initial_assessment: (f) => f.type === 'assessment_completed' && f.kind === 'initial',
  core_assessment: (f) => f.type === 'assessment_completed' && f.kind === 'core',
  strategy_discussion: (f) => f.type === 'strategy_discussion_held',
  strategy_record: (f) => f.type === 'strategy_record_circulated',
  initial_conference: (f) => f.type === 'conference_held' && f.kind !== 'review',
  first_core_group: (f) => f.type === 'core_group_met',
  review_conference: (f) => f.type === 'conference_held' && f.kind === 'review',
  cin_plan_review: (f) => f.type === 'cin_plan_reviewed',
  transfer_in_conference: (f) => f.type === 'conference_held' && f.kind !== 'review',
};

/** A statutory step done: when it was due at the time, when it was done, and how late. */
export interface CompletedStep {
  key: StepKey;
  /** The due date (or instant) the engine gave the step just before it was done. */
  due: string;
  completedAt: string;
  seq: number;
  late: boolean;
  /** Working days after the due day on which it was done (0 when on time, or late within the day). */
  workingDaysLate: number;
}

/** Everything replaying one episode tells: each statutory step done, and what was waiting at a moment. */
export interface Replay {
  completed: CompletedStep[];
  /** Statutory steps still waiting at `asOf` (after every action that happened by then), if asked. */
  waitingAt: Step[];
  /** Whether the episode was still open at `asOf`. */
  openAt: boolean;
}

/**
 * Replays an episode's actions through the engine, one prefix at a time. A statutory step is done
 * by an action that fulfils it while it is waiting; it was late if the engine's isOverdue says so
 * at the moment the action happened.
 */
export function replayEpisode(actions: readonly Action[], settings: ProcessSettings, asOf?: Date): Replay {
  const ordered = [...actions].sort((a, b) => a.seq - b.seq);
  const completed: CompletedStep[] = [];
  let before = reduce([], settings);
  let atAsOf = before;
  let seenAny = false;
  for (let i = 0; i < ordered.length; i++) {
    const a = ordered[i]!;
    for (const step of before.steps) {
      if (step.prompt || !COMPLETED_BY[step.key](a.facts)) continue;
      const late = isOverdue(step, new Date(a.at));
      const dueDay = step.due.includes('T') ? londonDate(new Date(step.due)) : step.due;
      completed.push({
        key: step.key, due: step.due, completedAt: a.at, seq: a.seq, late,
        workingDaysLate: late ? settings.calendar.workingDaysBetween(settings.nation, dueDay, londonDate(new Date(a.at))) : 0,
      });
    }
    before = reduce(ordered.slice(0, i + 1), settings);
    if (!asOf || new Date(a.at).getTime() <= asOf.getTime()) {
      atAsOf = before;
      seenAny = true;
    }
  }
  return { completed, waitingAt: seenAny ? atAsOf.steps.filter((s) => !s.prompt) : [], openAt: seenAny && atAsOf.open };
}

export const TimescaleQuery = z
  .strictObject({
    from: CalendarDate.meta({ description: 'First day of the period (London), inclusive.' }),
    to: CalendarDate.meta({ description: 'Last day of the period (London), inclusive.' }),
  })
  .refine((q) => !(CalendarDate.safeParse(q.from).success && CalendarDate.safeParse(q.to).success) || q.from <= q.to, {
    path: ['from'], message: 'The period must start on or before its last day (to)',
  });
export type TimescaleQuery = z.output<typeof TimescaleQuery>;

const Count = z.number().int().min(0);
const Figures = z.object({
  completed: Count.meta({ description: 'Steps done in the period.' }),
  onTime: Count,
  late: Count,
  medianWorkingDaysLate: z.number().nullable().meta({ description: 'Of the late ones; null when none was late.' }),
  maxWorkingDaysLate: z.number().int().nullable(),
  overdueAtEnd: Count.meta({ description: 'Waiting and overdue at the end of the period (or now, if that is earlier), in episodes open then.' }),
});
export type TimescaleFigures = z.infer<typeof Figures>;

export const TimescaleReport = z
  .object({
    agencyId: z.uuid(),
    agencyName: z.string(),
    from: z.string(),
    to: z.string(),
    asAt: z.string().meta({ description: 'When the report was produced.' }),
    overdueAsAt: z.string().meta({ description: 'The moment "overdue at the end" is counted at: the end of the period, or now if the period has not ended.' }),
    nation: z.string(),
    assessmentModel: z.string(),
    steps: z.array(Figures.extend({ key: z.string(), label: z.string(), paragraph: z.string() })),
    total: Figures,
  })
  .meta({ id: 'TimescaleReport', description: 'How the authority kept to the statutory timescales over a period: counts and working days only, no personal data.' });
export type TimescaleReport = z.infer<typeof TimescaleReport>;

/**
 * The report's rows, in the order of the process. Steps the engine marks as prompts (the
 * referrer's duties, such as confirming a phone referral in writing) are not the authority's and
 * are not counted; a row appears for them only if the engine ever makes them statutory.
 */
const REPORT_STEPS: readonly { key: StepKey; label: string; paragraph: string; show?: 'always' | AssessmentModel | 'if-counted' }[] = [
  { key: 'written_confirmation', label: 'Phone referral confirmed in writing (48 hours)', paragraph: '11.5', show: 'if-counted' },
  { key: 'acknowledgement', label: 'Referral acknowledged (1 working day)', paragraph: '11.5' },
  { key: 'referral_decision', label: 'Referral decision recorded (1 working day)', paragraph: '12.1' },
  { key: 'assessment', label: 'Assessment completed (45 working days from referral)', paragraph: 'Working Together', show: 'single_45' },
  { key: 'initial_assessment', label: 'Initial assessment completed (7 working days)', paragraph: '16.1', show: 'initial_7_core_35' },
  { key: 'core_assessment', label: 'Core assessment completed (35 working days)', paragraph: '51.2', show: 'initial_7_core_35' },
  { key: 'strategy_discussion', label: 'Strategy discussion held (after urgent action or decision)', paragraph: '23.1, 26' },
  { key: 'strategy_record', label: 'Strategy discussion record circulated (1 working day)', paragraph: '28.3' },
  { key: 'initial_conference', label: 'Initial child protection conference (15 working days from the last strategy discussion)', paragraph: '44.1' },
  { key: 'transfer_in_conference', label: 'Transfer-in conference (15 working days)', paragraph: '80' },
  { key: 'first_core_group', label: 'First core group (10 working days from the initial conference)', paragraph: '52.5' },
  { key: 'review_conference', label: 'Review conference (3 months, then at most 6 months)', paragraph: '68.1' },
  { key: 'cin_plan_review', label: 'Child in need plan reviewed (at most 6 months)', paragraph: '69.4' },
  { key: 'referrer_chase', label: 'Referrer chased the acknowledgement (3 working days)', paragraph: '11.5', show: 'if-counted' },
];

interface Tally {
  completed: number;
  onTime: number;
  late: number;
  daysLate: number[];
  overdueAtEnd: number;
}

const emptyTally = (): Tally => ({ completed: 0, onTime: 0, late: 0, daysLate: [], overdueAtEnd: 0 });
const figures = (t: Tally): TimescaleFigures => ({
  completed: t.completed, onTime: t.onTime, late: t.late,
  medianWorkingDaysLate: median(t.daysLate), maxWorkingDaysLate: t.daysLate.length ? Math.max(...t.daysLate) : null,
  overdueAtEnd: t.overdueAtEnd,
});

/**
 * The caller's authority's timescales over a period (London days, inclusive): for each kind of
 * statutory step done in the period, how many on time and how many late, and by how many working
 * days; and how many were waiting and overdue at the end. Managers and auditors of the authority
 * only; every read is audited.
 */
export async function timescaleReport(ctx: ActorContext, q: TimescaleQuery, format: 'json' | 'csv' = 'json'): Promise<TimescaleReport> {
  return command(ctx, async (tx) => {
    await checkOverseer(ctx, tx, 'oversight.timescales', 'timescales');
    const agencyId = ctx.actor.agencyId;
    const now = ctx.clock.now();
    const settings = await processSettingsFor(tx, agencyId);
    const agencyName = (await tx.query<{ name: string }>('SELECT name FROM agency WHERE id = $1', [agencyId])).rows[0]!.name;
    const period = (await tx.query<{ starts: string; ends: string }>(
      `SELECT ($1::date::timestamp AT TIME ZONE 'Europe/London') AS starts, (($2::date + 1)::timestamp AT TIME ZONE 'Europe/London') AS ends`, [q.from, q.to])).rows[0]!;
    // "At the end of the period" is its last instant; a period not yet over is counted as at now.
    const asOf = new Date(Math.min(new Date(period.ends).getTime() - 1, now.getTime()));
    const { rows } = await tx.query<{ episode_id: string; seq: number; occurred_at: string; facts: ActionFacts }>(
      `SELECT a.episode_id, a.seq, a.occurred_at, a.facts
         FROM episode_action a JOIN episode e ON e.id = a.episode_id
        WHERE e.agency_id = $1 AND e.opened_at < $3 AND (e.closed_at IS NULL OR e.closed_at >= $2) AND a.occurred_at < $3
        ORDER BY a.episode_id, a.seq`, [agencyId, period.starts, period.ends]);
    const byEpisode = new Map<string, Action[]>();
    for (const r of rows) {
      const list = byEpisode.get(r.episode_id) ?? [];
      list.push({ seq: r.seq, at: r.occurred_at, facts: typeof r.facts === 'string' ? (JSON.parse(r.facts) as ActionFacts) : r.facts });
      byEpisode.set(r.episode_id, list);
    }
    const tallies = new Map<StepKey, Tally>(REPORT_STEPS.map((s) => [s.key, emptyTally()]));
    const total = emptyTally();
    for (const actions of byEpisode.values()) {
      const replay = replayEpisode(actions, settings, asOf);
      for (const c of replay.completed) {
        const day = londonDate(new Date(c.completedAt));
        if (day < q.from || day > q.to) continue;
        for (const t of [tallies.get(c.key), total]) {
          if (!t) continue;
          t.completed += 1;
          if (c.late) {
            t.late += 1;
            t.daysLate.push(c.workingDaysLate);
          } else t.onTime += 1;
        }
      }
      if (!replay.openAt) continue;
      for (const s of replay.waitingAt) {
        if (!isOverdue(s, asOf)) continue;
        const t = tallies.get(s.key);
        if (t) t.overdueAtEnd += 1;
        total.overdueAtEnd += 1;
      }
    }
    await audit(ctx, tx, { action: 'oversight.timescales', outcome: 'success', entityType: 'agency', entityId: agencyId, detail: { from: q.from, to: q.to, format, episodes: byEpisode.size } });
    return {
      agencyId, agencyName, from: q.from, to: q.to, asAt: now.toISOString(), overdueAsAt: asOf.toISOString(),
      nation: settings.nation, assessmentModel: settings.model,
      steps: REPORT_STEPS
        .filter((s) => (s.show ?? 'always') === 'always' || s.show === settings.model || tallies.get(s.key)!.completed + tallies.get(s.key)!.overdueAtEnd > 0)
        .map((s) => ({ key: s.key, label: s.label, paragraph: s.paragraph, ...figures(tallies.get(s.key)!) })),
      total: figures(total),
    };
  });
}

export const TIMESCALE_CSV_HEADER: readonly string[] = [
  'Step', 'Paragraph', 'Completed in period', 'On time', 'Late', 'Median working days late', 'Maximum working days late', 'Overdue at period end',
];
export const TIMESCALE_CSV_TOTAL = 'All statutory steps';

/** The report as CSV (RFC 4180, CRLF): a header, one row per step, then the total. */
export function timescaleCsv(report: TimescaleReport): string {
  const row = (label: string, paragraph: string, f: TimescaleFigures): (string | number | null)[] =>
    [label, paragraph, f.completed, f.onTime, f.late, f.medianWorkingDaysLate, f.maxWorkingDaysLate, f.overdueAtEnd];
  return toCsv([TIMESCALE_CSV_HEADER, ...report.steps.map((s) => row(s.label, s.paragraph, s)), row(TIMESCALE_CSV_TOTAL, '', report.total)]);
}

/** The same report as CSV, audited as a CSV read. */
export async function timescaleReportCsv(ctx: ActorContext, q: TimescaleQuery): Promise<string> {
  return timescaleCsv(await timescaleReport(ctx, q, 'csv'));
}
