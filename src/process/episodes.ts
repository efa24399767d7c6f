import { ifGiven } from '../db/filters.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import { londonDate } from '../calendar/working-days.ts';
import { personInReach } from '../people/people.ts';
import { childrenOfIn, refKey, type ChildSummary } from '../people/child-summary.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { forbidden, invalid } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { isOverdue, next, reduce, type Action, type ActionFacts, type EpisodeState, type PlanEndReason, type ProcessSettings, type Step } from './engine.ts';
import type { ClosureFields, DueStepKey, EpisodeActionInput, EpisodeKey, EpisodeSummary, OpenEpisode, RecordAction } from './schemas.ts';
import { keysetPage, sqlKeyTime, type Page, type PageRequest } from '../shared/pagination.ts';
import { decidePerson } from '../access/policy.ts';
import { checkView } from '../access/views.ts';
import { checkSafeClosure, rememberEpisode } from './safe-closure.ts';
import { jsonInstant } from '../shared/sql-json.ts';
import { tellCaseHoldersOfHistory } from './previous-history.ts';
import { notifyAgency } from '../sharing/notify.ts';
import { syncFlags } from '../flags/flags.ts';
import { circulateStrategyRecord, type Circulation, type StrategyContent } from './strategy-record.ts';
import { planFromAction, planReaders } from '../plans/plans.ts';
import { recordCensusFromAction } from '../statutory-returns/cin/census-items.ts';
import { agencyTypeOf } from '../shared/agency-types.ts';
import { processSettingsColumn, processSettingsFor, processSettingsRead } from './timescales.ts';

/**
 * Episodes with children's social care: the service records actions (append-only, once per
 * idempotency key), asks the engine whether each is allowed, and keeps the projection of stage
 * and due steps in step with the actions in the same transaction.
 */

interface EpisodeRow {
  id: string;
  agency_id: string;
  child_person_id: string;
  allocated_worker_id: string | null;
  team: string | null;
  opened_at: string;
  stage: string;
  closed_at: string | null;
}

export interface EpisodeView {
  id: string;
  agencyId: string;
  childPersonId: string;
  allocatedWorkerId: string | null;
  team: string | null;
  openedAt: string;
  state: EpisodeState & { steps: (Step & { overdue: boolean })[] };
  actions: { seq: number; type: string; occurredAt: string; recordedAt: string; recordedBy: string; details: unknown }[];
}

/** Only children's social care holds episodes, and only its casework staff act on them. */
async function checkAuthority(ctx: ActorContext, tx: Tx): Promise<void> {
  const a = { type: await agencyTypeOf(tx, ctx.actor.agencyId) };
  if (a?.type !== 'childrens_social_care') throw forbidden("Only children's social care records the child protection process.");
}

type ActionRow = { seq: number; occurred_at: string; recorded_at: string; recorded_by: string; facts: ActionFacts; details: unknown; idempotency_key: string };
type LoadedAction = Action & { recorded_at: string; recorded_by: string; details: unknown; idempotency_key: string };

const loadedAction = (r: ActionRow): LoadedAction => ({ seq: r.seq, at: r.occurred_at, facts: r.facts, recorded_at: r.recorded_at, recorded_by: r.recorded_by, details: r.details, idempotency_key: r.idempotency_key });

async function loadActions(tx: Tx, episodeId: string): Promise<LoadedAction[]> {
  const { rows } = await tx.query<ActionRow>(
    'SELECT seq, occurred_at, recorded_at, recorded_by, facts, details, idempotency_key FROM episode_action WHERE episode_id = $1 ORDER BY seq', [episodeId]);
  return rows.map(loadedAction);
}

/**
 * The episode with its actions (as loadActions gives them) and its partnership's settings (as
 * processSettingsFor gives them) in one statement, for a read that changes nothing (getEpisode):
 * three before. A write still reads the row locked, then its actions.
 */
async function episodeWithActions(ctx: ActorContext, tx: Tx, id: string): Promise<{ e: EpisodeRow; actions: LoadedAction[]; settings: ProcessSettings } | undefined> {
  const row = (await tx.query<EpisodeRow & { actions: ActionRow[] | null; process_settings: Parameters<typeof processSettingsRead>[1] }>(
    `SELECT e.*,
            (SELECT json_agg(json_build_object('seq', a.seq, 'occurred_at', ${jsonInstant('a.occurred_at')}, 'recorded_at', ${jsonInstant('a.recorded_at')},
                      'recorded_by', a.recorded_by, 'facts', a.facts, 'details', a.details, 'idempotency_key', a.idempotency_key) ORDER BY a.seq)
               FROM episode_action a WHERE a.episode_id = e.id) AS actions,
            ${processSettingsColumn('e.agency_id')}
       FROM episode e WHERE e.id = $1`, [id])).rows[0];
  if (!row) return undefined;
  const { actions, process_settings: settings, ...e } = row;
  return { e, actions: (actions ?? []).map(loadedAction), settings: processSettingsRead(e.agency_id, settings, ctx.reads) };
}

/** Rewrites the projection from the state the actions fold to. */
export async function project(tx: Tx, episodeId: string, state: EpisodeState, at: string, count: number): Promise<void> {
  await tx.query('UPDATE episode SET stage = $2, closed_at = CASE WHEN $3 THEN coalesce(closed_at, $4::timestamptz) ELSE NULL END, action_count = $5 WHERE id = $1',
    [episodeId, state.stage, !state.open, at, count]);
  await tx.query('DELETE FROM episode_step WHERE episode_id = $1', [episodeId]);
  for (const s of state.steps) {
    await tx.query('INSERT INTO episode_step (episode_id, key, label, due_date, due_at, paragraph, prompt) VALUES ($1,$2,$3,$4,$5,$6,$7)', [
      episodeId, s.key, s.label, s.due.includes('T') ? londonDate(new Date(s.due)) : s.due, s.due.includes('T') ? s.due : null, s.paragraph, s.prompt ?? false,
    ]);
  }
}

function factsOf(a: EpisodeActionInput): ActionFacts {
  switch (a.type) {
    case 'referral_decided': return { type: a.type, outcome: a.outcome };
    case 'assessment_started': return { type: a.type, kind: a.kind };
    case 'assessment_completed': return { type: a.type, kind: a.kind, outcome: a.outcome };
    case 'urgent_protective_action': return { type: a.type, kind: a.kind };
    case 'strategy_discussion_held': return { type: a.type, s47: a.s47 };
    case 's47_concluded': return { type: a.type, outcome: a.outcome };
    case 'conference_held': return { type: a.type, kind: a.kind, plan: a.plan };
    case 'plan_ended': return { type: a.type, reason: a.reason, childInNeedPlan: a.childInNeedPlan };
    case 'referral_confirmed_in_writing':
    case 'referral_acknowledged':
    case 'strategy_record_circulated':
    case 'core_group_met':
    case 'cin_plan_reviewed':
    case 'case_closed':
      return { type: a.type };
    default: {
      const never: never = a;
      throw invalid(`Unknown action ${String(never)}`);
    }
  }
}

async function view(ctx: ActorContext, tx: Tx, e: EpisodeRow, read?: { actions: readonly LoadedAction[]; settings: ProcessSettings }): Promise<EpisodeView> {
  const actions = read?.actions ?? await loadActions(tx, e.id);
  const state = reduce(actions, read?.settings ?? await processSettingsFor(tx, e.agency_id, ctx.reads));
  const now = ctx.clock.now();
  return {
    id: e.id, agencyId: e.agency_id, childPersonId: e.child_person_id, allocatedWorkerId: e.allocated_worker_id, team: e.team, openedAt: e.opened_at,
    state: { ...state, steps: state.steps.map((s) => ({ ...s, overdue: isOverdue(s, now) })) },
    actions: actions.map((a) => ({ seq: a.seq, type: a.facts.type, occurredAt: a.at, recordedAt: a.recorded_at, recordedBy: a.recorded_by, details: a.details })),
  };
}

async function episodeInReach(ctx: ActorContext, tx: Tx, id: string, action: string, lock = false): Promise<EpisodeRow> {
  return checkInReach(ctx, tx, id, action, (await tx.query<EpisodeRow>(`SELECT * FROM episode WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id])).rows[0]);
}

/** The episode read (undefined: none with that id), if the caller may act on its child; refused as not found otherwise. */
async function checkInReach(ctx: ActorContext, tx: Tx, id: string, action: string, e: EpisodeRow | undefined): Promise<EpisodeRow> {
  if (!e) throw refuse('episode', { action, entityType: 'episode', entityId: id, outcome: 'not_found' });
  await personInReach(ctx, tx, e.child_person_id, 'update', action).catch(() => {
    throw refuse('episode', { action, entityType: 'episode', entityId: id, personId: e.child_person_id });
  });
  return e;
}

/** A referral received by children's social care opens an episode for the child in its own index. */
export async function openEpisode(ctx: ActorContext, input: OpenEpisode): Promise<EpisodeView> {
  notInFuture(ctx, input.receivedAt, '/receivedAt');
  return command(ctx, async (tx) => {
    await checkAuthority(ctx, tx);
    await personInReach(ctx, tx, input.childPersonId, 'update', 'episode.open');
    const existing = (await tx.query<EpisodeRow>(
      `SELECT e.* FROM episode e JOIN episode_action a ON a.episode_id = e.id AND a.seq = 1 WHERE e.child_person_id = $1 AND a.idempotency_key = $2`,
      [input.childPersonId, input.idempotencyKey])).rows[0];
    if (existing) return view(ctx, tx, existing);
    const id = newId();
    const now = ctx.clock.now().toISOString();
    await tx.query('INSERT INTO episode (id, agency_id, child_person_id, allocated_worker_id, team, opened_at, stage, referral_source) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)', [
      id, ctx.actor.agencyId, input.childPersonId, input.allocatedWorkerId ?? null, input.team ?? null, input.receivedAt, 'referral', input.referralSource ?? null]);
    const facts: ActionFacts = { type: 'referral_received', channel: input.channel };
    await tx.query(
      `INSERT INTO episode_action (episode_id, seq, type, occurred_at, recorded_at, recorded_by, idempotency_key, facts, details) VALUES ($1,1,$2,$3,$4,$5,$6,$7,$8)`,
      [id, facts.type, input.receivedAt, now, ctx.actor.practitionerId, input.idempotencyKey, JSON.stringify(facts), JSON.stringify({ channel: input.channel })]);
    const state = reduce(await loadActions(tx, id), await processSettingsFor(tx, ctx.actor.agencyId, ctx.reads));
    await project(tx, id, state, input.receivedAt, 1);
    // Earlier plans of the child or the adults around them reach whoever holds the case (issue 17).
    const earlierPlans = await tellCaseHoldersOfHistory(tx, ctx.actor.agencyId, input.childPersonId, input.allocatedWorkerId ?? null, ctx.clock.now());
    await audit(ctx, tx, { action: 'episode.open', outcome: 'success', entityType: 'episode', entityId: id, personId: input.childPersonId, detail: { earlierPlans } });
    return view(ctx, tx, (await tx.query<EpisodeRow>('SELECT * FROM episode WHERE id = $1', [id])).rows[0]!);
  });
}

export interface OpenTransferredEpisode {
  idempotencyKey: string;
  childPersonId: string;
  /** When the child's case was transferred in from the other authority. */
  transferredAt: string;
  fromAuthority: string;
  allocatedWorkerId?: string;
}

/**
 * A child subject to a plan who moves in from another authority: the episode starts with the
 * transfer in, and the receiving authority's conference is due within 15 working days (80).
 */
export async function openTransferredEpisode(ctx: ActorContext, input: OpenTransferredEpisode): Promise<EpisodeView> {
  notInFuture(ctx, input.transferredAt, '/transferredAt');
  return command(ctx, async (tx) => {
    await checkAuthority(ctx, tx);
    await personInReach(ctx, tx, input.childPersonId, 'update', 'episode.transfer-in');
    const existing = (await tx.query<EpisodeRow>(
      `SELECT e.* FROM episode e JOIN episode_action a ON a.episode_id = e.id AND a.seq = 1 WHERE e.child_person_id = $1 AND a.idempotency_key = $2`,
      [input.childPersonId, input.idempotencyKey])).rows[0];
    if (existing) return view(ctx, tx, existing);
    const id = newId();
    const now = ctx.clock.now().toISOString();
    await tx.query('INSERT INTO episode (id, agency_id, child_person_id, allocated_worker_id, team, opened_at, stage) VALUES ($1,$2,$3,$4,$5,$6,$7)', [
      id, ctx.actor.agencyId, input.childPersonId, input.allocatedWorkerId ?? null, null, input.transferredAt, 'awaiting_conference']);
    const facts: ActionFacts = { type: 'transferred_in' };
    await tx.query(
      `INSERT INTO episode_action (episode_id, seq, type, occurred_at, recorded_at, recorded_by, idempotency_key, facts, details) VALUES ($1,1,$2,$3,$4,$5,$6,$7,$8)`,
      [id, facts.type, input.transferredAt, now, ctx.actor.practitionerId, input.idempotencyKey, JSON.stringify(facts), JSON.stringify({ fromAuthority: input.fromAuthority })]);
    const state = reduce(await loadActions(tx, id), await processSettingsFor(tx, ctx.actor.agencyId, ctx.reads));
    await project(tx, id, state, input.transferredAt, 1);
    const earlierPlans = await tellCaseHoldersOfHistory(tx, ctx.actor.agencyId, input.childPersonId, input.allocatedWorkerId ?? null, ctx.clock.now());
    await audit(ctx, tx, { action: 'episode.transfer-in', outcome: 'success', entityType: 'episode', entityId: id, personId: input.childPersonId, detail: { earlierPlans } });
    return view(ctx, tx, (await tx.query<EpisodeRow>('SELECT * FROM episode WHERE id = $1', [id])).rows[0]!);
  });
}

function notInFuture(ctx: ActorContext, at: string, pointer: string): void {
  if (new Date(at).getTime() > ctx.clock.now().getTime() + 5 * 60_000) throw invalid('An action cannot be recorded before it happens.', [{ pointer, detail: 'This date is in the future' }]);
}

/**
 * Records one action. Refused (422, naming what is allowed now) when the process does not allow
 * it; a retry with the same idempotency key returns the episode without recording it again.
 */
export async function recordEpisodeAction(ctx: ActorContext, episodeId: string, given: RecordAction): Promise<EpisodeView> {
  notInFuture(ctx, given.occurredAt, '/occurredAt');
  // Circulating the strategy record is the sending (28.3): it happens when it is recorded, so the clock is met at the time sent, not at a date typed.
  const input = given.action.type === 'strategy_record_circulated' ? { ...given, occurredAt: ctx.clock.now().toISOString() } : given;
  return command(ctx, async (tx) => {
    await checkAuthority(ctx, tx);
    const e = await episodeInReach(ctx, tx, episodeId, 'episode.act', true);
    const actions = await loadActions(tx, episodeId);
    if (actions.some((a) => a.idempotency_key === input.idempotencyKey)) return view(ctx, tx, e);
    const last = actions.at(-1);
    if (last && new Date(input.occurredAt) < new Date(last.at)) {
      throw invalid('Actions are recorded in the order they happened.', [{ pointer: '/occurredAt', detail: `This is before the last recorded action (${last.facts.type.replace(/_/g, ' ')} at ${last.at})` }]);
    }
    const facts = factsOf(input.action);
    const refusal = next(actions, facts, (await processSettingsFor(tx, e.agency_id, ctx.reads)).model);
    if (refusal) {
      throw invalid(`${refusal.reason}.`, [{ pointer: '/action/type', detail: refusal.allowed.length ? `Allowed now: ${refusal.allowed.join(', ')}` : 'Nothing more can be recorded in this episode' }]);
    }
    if (input.action.type === 'conference_held' && input.action.planDetails) await checkPlan(tx, e.agency_id, input.action.planDetails);
    if (input.meetingId) await linkMeeting(ctx, tx, episodeId, input.meetingId, facts.type, input.occurredAt);
    const sent = input.action.type === 'strategy_record_circulated' ? await sendStrategyRecord(ctx, tx, e, actions) : undefined;
    const seq = actions.length + 1;
    // Case example 8: whatever path ends the episode, not after unresolved no-access visits, not-brought
    // appointments or open concerns without a named monitoring agency, and every involved agency told (safe-closure.ts).
    await closeSafely(ctx, tx, e, actions, { seq, at: input.occurredAt, facts }, input.action);
    await tx.query(
      `INSERT INTO episode_action (episode_id, seq, type, occurred_at, recorded_at, recorded_by, idempotency_key, facts, details) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
      [episodeId, seq, facts.type, input.occurredAt, ctx.clock.now().toISOString(), ctx.actor.practitionerId, input.idempotencyKey, JSON.stringify(facts),
        JSON.stringify({ ...input.action, ...(input.meetingId ? { meetingId: input.meetingId } : {}), ...(sent ?? {}) })]);
    const state = reduce(await loadActions(tx, episodeId), await processSettingsFor(tx, e.agency_id, ctx.reads));
    // After the engine's answer: a child in need plan only on an action that leaves the child on one (the transaction undoes the action otherwise).
    await checkCinPlan(tx, e.agency_id, input.action, state.stage);
    await project(tx, episodeId, state, input.occurredAt, seq);
    // Issue 20: the census items the action carries (primary need, assessment factors, reason for closure).
    await recordCensusFromAction(ctx, tx, episodeId, seq, input.action, !state.open);
    await syncFlags(tx, episodeId, state);
    // The plan as a document the agencies in it read (src/plans): made, versioned or ended by this action.
    await planFromAction(ctx, tx, e, seq, input.occurredAt, input.action, state.steps.find((s) => s.key === 'first_core_group')?.due ?? null);
    // 68.4: every agency invited to the conference that led to the plan is told it has ended.
    // (A case_closed needs no such notice here: checkSafeClosure in safe-closure.ts already tells conference invitees.)
    if (input.action.type === 'plan_ended') await notifyPlanEnded(ctx, tx, episodeId, seq, input.action.reason);
    // A review conference deciding the child no longer needs a plan ends it just the same (the engine allows a review only while on a plan).
    if (input.action.type === 'conference_held' && input.action.kind === 'review' && !input.action.plan) await notifyPlanEnded(ctx, tx, episodeId, seq, 'review_decision');
    await audit(ctx, tx, { action: `episode.${facts.type}`, outcome: 'success', entityType: 'episode', entityId: episodeId, personId: e.child_person_id, detail: { seq } });
    return view(ctx, tx, e);
  });
}

const ENDING_LABELS: Partial<Record<string, (a: EpisodeActionInput) => string>> = {
  referral_decided: (a) => `Referral decided: ${a.type === 'referral_decided' ? a.outcome.replace(/_/g, ' ') : ''}`,
  assessment_completed: (a) => `Assessment completed: ${a.type === 'assessment_completed' ? a.outcome.replace(/_/g, ' ') : ''}`,
  plan_ended: () => 'Ending the plan with no further plan',
};

/** The monitoring fields an action carries, if it is of a type that can carry them. */
function closureFieldsOf(a: EpisodeActionInput): ClosureFields {
  if (a.type !== 'case_closed' && a.type !== 'referral_decided' && a.type !== 'assessment_completed' && a.type !== 'plan_ended') return {};
  return { monitoringAgencyId: a.monitoringAgencyId, monitoringPractitionerId: a.monitoringPractitionerId, arrangement: a.arrangement, alsoNotifyAgencyIds: a.alsoNotifyAgencyIds };
}

/**
 * Safe closure on every path. Whether an action ends the episode is the engine's answer (the
 * state after it is closed and the state before was open), not a list of action types kept here,
 * so a new way of ending an episode cannot slip past the check. The one exception is a plan ended
 * by the child's death: there is no child left to monitor (siblings are a new referral). The
 * monitoring fields on an action that does not end the episode are refused rather than ignored.
 */
async function closeSafely(ctx: ActorContext, tx: Tx, e: EpisodeRow, actions: readonly Action[], action: Action, input: EpisodeActionInput): Promise<void> {
  const settings = await processSettingsFor(tx, e.agency_id, ctx.reads);
  const fields = closureFieldsOf(input);
  const ends = reduce(actions, settings).open && !reduce([...actions, action], settings).open;
  const exempt = input.type === 'plan_ended' && input.reason === 'death';
  if (!ends || exempt) {
    if (Object.values(fields).some((v) => v !== undefined)) {
      throw invalid(exempt ? 'There is no monitoring after a child’s death.' : 'This action does not end the episode: monitoring after closure is named when it does.', [
        { pointer: '/action/monitoringAgencyId', detail: exempt ? 'Leave out the monitoring agency: the plan ends because the child has died' : 'Leave out the monitoring agency, or record an action that ends the episode' },
      ]);
    }
    return;
  }
  await checkSafeClosure(ctx, tx, { id: e.id, agencyId: e.agency_id, childPersonId: e.child_person_id, openedAt: e.opened_at }, fields, action.at, { label: ENDING_LABELS[input.type]?.(input) });
}

const PLAN_END_REASONS: Record<PlanEndReason, string> = {
  review_decision: 'by decision of a review conference',
  moved_authority: 'because the child has moved to another authority',
  eighteenth_birthday: "at the child's 18th birthday",
  death: 'because the child has died',
  left_uk: 'because the child has left the UK',
};

/**
 * Tells every agency invited to the conference that made the child the subject of the plan (the
 * latest initial, pre-birth or transfer-in conference with a plan before this action) that the plan
 * has ended. The message names no one: the link leads to the episode.
 */
async function notifyPlanEnded(ctx: ActorContext, tx: Tx, episodeId: string, seq: number, reason: PlanEndReason): Promise<void> {
  const conference = (await tx.query<{ details: { invitedAgencyIds?: unknown } | null }>(
    `SELECT details FROM episode_action
      WHERE episode_id = $1 AND seq < $2 AND type = 'conference_held' AND facts->>'kind' IN ('initial', 'pre_birth', 'transfer_in') AND (facts->>'plan')::boolean
      ORDER BY seq DESC LIMIT 1`, [episodeId, seq])).rows[0];
  const invited = Array.isArray(conference?.details?.invitedAgencyIds) ? conference.details.invitedAgencyIds.filter((x): x is string => typeof x === 'string') : [];
  // The agencies reading the plan (its core group's and those invited to its latest conference) are
  // told too, and the notice points at the plan, so each names the child through its own entry.
  const plan = await planReaders(tx, episodeId);
  const existing = (await tx.query<{ id: string }>('SELECT id FROM agency WHERE id = ANY($1::uuid[]) ORDER BY id', [[...new Set([...invited, ...(plan?.agencyIds ?? [])])]])).rows.map((r) => r.id);
  const message = `A child protection plan has ended ${PLAN_END_REASONS[reason]}. Your agency was invited to the conference that made the plan, or is in its core group.`;
  for (const agencyId of existing) {
    await notifyAgency(tx, agencyId, { kind: 'episode.plan-ended', entityType: plan ? 'plan' : 'episode', entityId: plan?.planId ?? episodeId, message }, ctx.clock.now());
  }
}

/** The meeting kinds at which these actions happen. */
const MEETING_OF: Partial<Record<string, 'strategy_discussion' | 'conference' | 'core_group'>> = {
  strategy_discussion_held: 'strategy_discussion',
  conference_held: 'conference',
  core_group_met: 'core_group',
};

/**
 * A strategy discussion, conference or core group recorded on the episode points to the meeting
 * where it happened (its invitees, contributions, minutes and actions); a meeting not yet tied to
 * an episode becomes this one's.
 */
async function linkMeeting(ctx: ActorContext, tx: Tx, episodeId: string, meetingId: string, type: string, heldAt: string): Promise<void> {
  const kind = MEETING_OF[type];
  const problem = (detail: string): never => { throw invalid('The meeting cannot be linked to this action.', [{ pointer: '/meetingId', detail }]); };
  if (!kind) return problem('Only a strategy discussion, a conference or a core group is recorded from a meeting');
  const m = (await tx.query<{ kind: string; episode_id: string | null }>('SELECT kind, episode_id FROM meeting WHERE id = $1 AND convening_agency_id = $2 FOR UPDATE', [meetingId, ctx.actor.agencyId])).rows[0];
  if (!m) return problem('No meeting convened by your agency with that identifier');
  if (m.kind !== kind) return problem(`That meeting is a ${m.kind.replace(/_/g, ' ')}, not a ${kind.replace(/_/g, ' ')}`);
  if (m.episode_id && m.episode_id !== episodeId) return problem('That meeting belongs to another episode');
  if (!m.episode_id) await tx.query('UPDATE meeting SET episode_id = $2 WHERE id = $1', [meetingId, episodeId]);
  // Each fact typed once: recording the step is recording that the meeting was held (its outcome, if not yet recorded, can still add minutes and actions).
  await tx.query("UPDATE meeting SET status = 'held', held_at = coalesce(held_at, $2) WHERE id = $1 AND status = 'scheduled'", [meetingId, heldAt]);
}

/** The latest strategy discussion's record, written and sent to the agencies that took part (strategy-record.ts). */
async function sendStrategyRecord(ctx: ActorContext, tx: Tx, e: EpisodeRow, actions: readonly { at: string; facts: ActionFacts; details: unknown }[]): Promise<Circulation> {
  const strategy = [...actions].reverse().find((a) => a.facts.type === 'strategy_discussion_held');
  if (!strategy) throw invalid('There is no strategy discussion to circulate.', [{ pointer: '/action/type', detail: 'Record the strategy discussion first' }]);
  return circulateStrategyRecord(ctx, tx, e, { occurredAt: strategy.at, details: strategy.details as StrategyContent });
}

/**
 * The plan is a multi-agency plan (what-to-do-if-worried 49–52): the lead agency, the core group and
 * the agencies in the outline plan may be any agency of the episode's partnership; the key worker
 * is a social worker.
 */
async function checkPlan(tx: Tx, episodeAgencyId: string, plan: { leadAgencyId: string; keyWorkerId: string; coreGroup: string[]; outlineItems?: { agencyId: string }[] | undefined }): Promise<void> {
  const errors = [];
  const partners = (await tx.query<{ agency_id: string }>(
    `SELECT DISTINCT pa.agency_id FROM partnership_agency pa
      WHERE pa.partnership_id IN (SELECT partnership_id FROM partnership_agency WHERE agency_id = $1)`, [episodeAgencyId])).rows.map((r) => r.agency_id);
  const inPartnership = (id: string): boolean => id === episodeAgencyId || partners.includes(id);
  if (!inPartnership(plan.leadAgencyId) || (await tx.query('SELECT 1 FROM agency WHERE id = $1', [plan.leadAgencyId])).rowCount === 0) errors.push({ pointer: '/action/planDetails/leadAgencyId', detail: 'No agency of the partnership with that identifier' });
  const worker = (await tx.query<{ roles: string[] | null }>(
    'SELECT (SELECT array_agg(role) FROM practitioner_role r WHERE r.practitioner_id = p.id) AS roles FROM practitioner p WHERE p.id = $1 AND p.active', [plan.keyWorkerId])).rows[0];
  if (!worker) errors.push({ pointer: '/action/planDetails/keyWorkerId', detail: 'No active practitioner with that identifier' });
  else if (!(worker.roles ?? []).includes('social_worker')) errors.push({ pointer: '/action/planDetails/keyWorkerId', detail: 'The key worker must be a social worker' });
  const members = (await tx.query<{ id: string; agency_id: string }>('SELECT id, agency_id FROM practitioner WHERE id = ANY($1::uuid[]) AND active', [plan.coreGroup])).rows;
  plan.coreGroup.forEach((id, i) => {
    const m = members.find((x) => x.id === id);
    if (!m || !inPartnership(m.agency_id)) errors.push({ pointer: `/action/planDetails/coreGroup/${i}`, detail: 'No active practitioner of an agency in the partnership with that identifier' });
  });
  (plan.outlineItems ?? []).forEach((item, i) => {
    if (!inPartnership(item.agencyId)) errors.push({ pointer: `/action/planDetails/outlineItems/${i}/agencyId`, detail: 'No agency of the partnership with that identifier' });
  });
  if (errors.length) throw invalid('The plan is not complete.', errors);
}

/**
 * The child in need plan: only on an action that starts or continues one; the lead worker a
 * practitioner of the authority holding the episode (children's social care); the network and the
 * agencies in the outline any of the partnership's.
 */
async function checkCinPlan(tx: Tx, episodeAgencyId: string, action: EpisodeActionInput, stageAfter: string): Promise<void> {
  if (!('cinPlan' in action) || !action.cinPlan) return;
  const plan = action.cinPlan;
  if (stageAfter !== 'child_in_need_plan') throw invalid('This action does not make a child in need plan.', [{ pointer: '/action/cinPlan', detail: 'Leave out the child in need plan, or record a decision that the child will have one' }]);
  const errors = [];
  const partners = (await tx.query<{ agency_id: string }>(
    `SELECT DISTINCT pa.agency_id FROM partnership_agency pa
      WHERE pa.partnership_id IN (SELECT partnership_id FROM partnership_agency WHERE agency_id = $1)`, [episodeAgencyId])).rows.map((r) => r.agency_id);
  const inPartnership = (id: string): boolean => id === episodeAgencyId || partners.includes(id);
  const people = (await tx.query<{ id: string; agency_id: string }>('SELECT id, agency_id FROM practitioner WHERE id = ANY($1::uuid[]) AND active', [[plan.leadWorkerId, ...plan.members]])).rows;
  if (people.find((x) => x.id === plan.leadWorkerId)?.agency_id !== episodeAgencyId) errors.push({ pointer: '/action/cinPlan/leadWorkerId', detail: "No active practitioner of children's social care with that identifier" });
  plan.members.forEach((id, i) => {
    const m = people.find((x) => x.id === id);
    if (!m || !inPartnership(m.agency_id)) errors.push({ pointer: `/action/cinPlan/members/${i}`, detail: 'No active practitioner of an agency in the partnership with that identifier' });
  });
  plan.outlineItems.forEach((item, i) => {
    if (!inPartnership(item.agencyId)) errors.push({ pointer: `/action/cinPlan/outlineItems/${i}/agencyId`, detail: 'No agency of the partnership with that identifier' });
  });
  if (errors.length) throw invalid('The child in need plan is not complete.', errors);
}

export async function getEpisode(ctx: ActorContext, id: string): Promise<EpisodeView> {
  return command(ctx, async (tx) => {
    const read = await episodeWithActions(ctx, tx, id);
    // The services a page calls after this one (its safety summary, earlier plans) take the episode from the request's reads.
    if (read) rememberEpisode(ctx.reads, read.e);
    const e = await checkInReach(ctx, tx, id, 'episode.read', read?.e);
    await audit(ctx, tx, { action: 'episode.read', outcome: 'success', entityType: 'episode', entityId: id, personId: e.child_person_id });
    return view(ctx, tx, e, read);
  });
}

export interface DueStep {
  episodeId: string;
  childPersonId: string;
  allocatedWorkerId: string | null;
  team: string | null;
  key: string;
  label: string;
  dueDate: string;
  dueAt: string | null;
  paragraph: string;
  overdue: boolean;
  /** Which child, when the caller may read them; null for a child out of their reach. */
  child: ChildSummary | null;
}

/** What is due, and overdue, for the caller, a team, or the whole authority, soonest first (the first 1000: the pages show them at once). */
export async function listDueSteps(ctx: ActorContext, scope: DueStepScope): Promise<DueStep[]> {
  return (await listDueStepsPage(ctx, scope, { limit: 1000 })).items;
}

/** Whose due steps: the caller's, a team's, only overdue ones, or one child's (the child's page: never the agency's whole list). */
export interface DueStepScope { worker?: 'me' | undefined; team?: string | undefined; overdueOnly?: boolean; childPersonId?: string | undefined }

export async function listDueStepsPage(ctx: ActorContext, scope: DueStepScope, req: PageRequest<DueStepKey>): Promise<Page<DueStep>> {
  return command(ctx, async (tx) => {
    await checkAuthority(ctx, tx);
    checkView(ctx, 'due-steps', 'episode.due-list');
    const today = londonDate(ctx.clock.now());
    const worker = scope.worker === 'me' ? ctx.actor.practitionerId : null;
    const team = scope.team ?? null;
    const child = scope.childPersonId ?? null;
    // Only the filters given are in the statement (src/db/filters.ts): the child's page asks for one
    // child's steps, which the child's index finds, however the statement was planned.
    const { rows, nextCursor } = await keysetPage('due-steps', req, async (after, n) => (await tx.query<{ episode_id: string; child_person_id: string; allocated_worker_id: string | null; team: string | null; key: string; label: string; due_date: string; due_at: string | null; paragraph: string }>(
      `SELECT s.episode_id, e.child_person_id, e.allocated_worker_id, e.team, s.key, s.label, s.due_date, s.due_at, s.paragraph
         FROM episode_step s JOIN episode e ON e.id = s.episode_id
        WHERE e.agency_id = $1 AND e.closed_at IS NULL AND NOT s.prompt
          AND ${ifGiven(worker, 'e.allocated_worker_id = $2', '$2::uuid')} AND ${ifGiven(team, 'e.team = $3', '$3::text')}
          AND (NOT $4 OR s.due_date < $5::date OR (s.due_at IS NOT NULL AND s.due_at < $6))
          AND ${ifGiven(after, '(s.due_date, s.key, s.episode_id) > ($7::date, $8::text, $9::uuid)', '$7::date', '$8::text', '$9::uuid')}
          AND ${ifGiven(child, 'e.child_person_id = $11', '$11::uuid')}
        ORDER BY s.due_date, s.key, s.episode_id LIMIT $10`,
      [ctx.actor.agencyId, worker, team, scope.overdueOnly ?? false, today, ctx.clock.now().toISOString(),
        after?.[0] ?? null, after?.[1] ?? null, after?.[2] ?? null, n, child])).rows, (r): DueStepKey => [r.due_date, r.key, r.episode_id]);
    await audit(ctx, tx, { action: 'episode.due-list', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { count: rows.length } });
    // Which child each step is for (issue 17): a list of steps that names no one cannot be worked from.
    const about = await childrenOfIn(ctx, tx, rows.map((r) => ({ type: 'person', id: r.child_person_id })));
    return {
      items: rows.map((r) => ({
        child: about.get(refKey('person', r.child_person_id))?.children[0] ?? null,
        episodeId: r.episode_id, childPersonId: r.child_person_id, allocatedWorkerId: r.allocated_worker_id, team: r.team, key: r.key, label: r.label,
        dueDate: r.due_date, dueAt: r.due_at, paragraph: r.paragraph, overdue: r.due_at ? new Date(r.due_at) < ctx.clock.now() : r.due_date < today,
      })),
      nextCursor,
    };
  });
}

/**
 * The episodes the caller may see: children's social care's own, each shown only if the caller
 * may act on the child (the same decision as GET /episodes/{id}), most recently opened first.
 */
export async function listEpisodesPage(ctx: ActorContext, q: { status?: 'open' | 'closed' | undefined; personId?: string | undefined }, req: PageRequest<EpisodeKey>): Promise<Page<EpisodeSummary>> {
  return command(ctx, async (tx) => {
    await checkAuthority(ctx, tx);
    checkView(ctx, 'episodes', 'episode.list');
    const { rows, nextCursor } = await keysetPage('episodes', req, async (after, n) => (await tx.query<EpisodeRow & { child_agency_id: string; key_at: string }>(
      `SELECT e.*, p.agency_id AS child_agency_id, ${sqlKeyTime('e.opened_at')} AS key_at
         FROM episode e JOIN person p ON p.id = e.child_person_id
        WHERE e.agency_id = $1 AND ${ifGiven(q.status, "($2::text = 'open') = (e.closed_at IS NULL)", '$2::text')}
          AND ${ifGiven(q.personId, 'e.child_person_id = $3', '$3::uuid')}
          AND ${ifGiven(after, '(e.opened_at, e.id) < ($4::timestamptz, $5::uuid)', '$4::timestamptz', '$5::uuid')}
        ORDER BY e.opened_at DESC, e.id DESC LIMIT $6`,
      [ctx.actor.agencyId, q.status ?? null, q.personId ?? null, after?.[0] ?? null, after?.[1] ?? null, n])).rows,
    (r): EpisodeKey => [r.key_at, r.id],
    (r) => decidePerson(ctx.actor, 'update', { id: r.child_person_id, agencyId: r.child_agency_id }, ctx.clock.now()).allowed);
    await audit(ctx, tx, { action: 'episode.list', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { count: rows.length } });
    return {
      items: rows.map((e) => ({
        id: e.id, childPersonId: e.child_person_id, allocatedWorkerId: e.allocated_worker_id, team: e.team, openedAt: e.opened_at, closedAt: e.closed_at, stage: e.stage, open: e.closed_at === null,
      })),
      nextCursor,
    };
  });
}
