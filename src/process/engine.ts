import { londonDate, type CalendarNation, type WorkingDayCalendar } from '../calendar/working-days.ts';

/**
 * A child's episode with children's social care, as a pure function of its recorded actions.
 * The actions are the truth (append-only); the stage, what may happen next and every due date
 * are derived from them here, so the rules can be read, tested exhaustively and shown to an
 * inspector in one place. Paragraph numbers: what-to-do-if-worried.txt.
 */

export const ACTION_TYPES = [
  'referral_received',
  'referral_confirmed_in_writing',
  'referral_acknowledged',
  'referral_decided',
  'assessment_started',
  'assessment_completed',
  'urgent_protective_action',
  'strategy_discussion_held',
  'strategy_record_circulated',
  's47_concluded',
  'conference_held',
  'core_group_met',
  'cin_plan_reviewed',
  'plan_ended',
  'case_closed',
  'transferred_in',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export type ReferralOutcome = 'assessment' | 'other_agency' | 'advice' | 'no_further_action' | 'strategy_discussion';
export type AssessmentKind = 'single' | 'initial' | 'core';
export type S47Outcome = 'not_substantiated' | 'substantiated_no_continuing_risk' | 'continuing_risk';
export type ConferenceKind = 'initial' | 'pre_birth' | 'review' | 'transfer_in';
export type PlanEndReason = 'review_decision' | 'moved_authority' | 'eighteenth_birthday' | 'death' | 'left_uk';
export type AssessmentModel = 'single_45' | 'initial_7_core_35';

/** What each action carries that the rules need; the rest of its content is stored with it. */
export type ActionFacts =
  | { type: 'referral_received'; channel: 'phone' | 'written' | 'online' }
  | { type: 'referral_confirmed_in_writing' }
  | { type: 'referral_acknowledged' }
  | { type: 'referral_decided'; outcome: ReferralOutcome }
  | { type: 'assessment_started'; kind: AssessmentKind }
  | { type: 'assessment_completed'; kind: AssessmentKind; outcome: 'no_further_action' | 'child_in_need_plan' | 'strategy_discussion' | 'core_assessment' }
  | { type: 'urgent_protective_action'; kind: 'emergency_protection_order' | 'police_protection' | 'other' }
  | { type: 'strategy_discussion_held'; s47: boolean }
  | { type: 'strategy_record_circulated' }
  | { type: 's47_concluded'; outcome: S47Outcome }
  | { type: 'conference_held'; kind: ConferenceKind; plan: boolean }
  | { type: 'core_group_met' }
  | { type: 'cin_plan_reviewed' }
  | { type: 'plan_ended'; reason: PlanEndReason; childInNeedPlan: boolean }
  | { type: 'case_closed' }
  | { type: 'transferred_in' };

export interface Action {
  seq: number;
  /** When it happened (may be earlier than when it was recorded). */
  at: string;
  facts: ActionFacts;
}

export const STAGES = ['referral', 'assessment', 'strategy', 's47_enquiry', 'awaiting_conference', 'child_protection_plan', 'child_in_need_plan', 'closed'] as const;
export type Stage = (typeof STAGES)[number];

export type StepKey =
  | 'written_confirmation'
  | 'acknowledgement'
  | 'referrer_chase'
  | 'referral_decision'
  | 'assessment'
  | 'initial_assessment'
  | 'core_assessment'
  | 'strategy_discussion'
  | 'strategy_record'
  | 'initial_conference'
  | 'first_core_group'
  | 'review_conference'
  | 'cin_plan_review'
  | 'transfer_in_conference';

/** A statutory step with its due date (a London calendar date, or an instant for 48 hours). */
export interface Step {
  key: StepKey;
  label: string;
  due: string;
  paragraph: string;
  /** A prompt for the referrer, not a statutory duty of the authority. */
  prompt?: boolean;
}

export interface EpisodeState {
  stage: Stage;
  open: boolean;
  steps: Step[];
  allowed: ActionType[];
  lastStrategyDiscussion: string | null;
  initialConference: string | null;
  lastConference: string | null;
  referralOutcome: ReferralOutcome | null;
  acknowledged: boolean;
  onPlan: boolean;
}

/** Whose working days count, and which assessment model the partnership has chosen. */
export interface ProcessSettings {
  calendar: WorkingDayCalendar;
  nation: CalendarNation;
  model: AssessmentModel;
}

const dateOf = (iso: string): string => londonDate(new Date(iso));

function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, last));
  return target.toISOString().slice(0, 10);
}

/** Which actions each stage allows, before the per-action guards below. */
const BY_STAGE: Record<Stage, readonly ActionType[]> = {
  referral: ['referral_confirmed_in_writing', 'referral_acknowledged', 'referral_decided', 'urgent_protective_action', 'strategy_discussion_held'],
  assessment: ['referral_confirmed_in_writing', 'referral_acknowledged', 'assessment_started', 'assessment_completed', 'urgent_protective_action', 'strategy_discussion_held', 'case_closed'],
  strategy: ['referral_confirmed_in_writing', 'referral_acknowledged', 'strategy_record_circulated', 'urgent_protective_action', 'strategy_discussion_held', 'assessment_started', 'case_closed'],
  s47_enquiry: ['referral_confirmed_in_writing', 'referral_acknowledged', 'strategy_record_circulated', 's47_concluded', 'urgent_protective_action', 'strategy_discussion_held', 'assessment_started', 'assessment_completed'],
  awaiting_conference: ['referral_confirmed_in_writing', 'referral_acknowledged', 'strategy_record_circulated', 'conference_held', 'urgent_protective_action', 'strategy_discussion_held', 'assessment_started', 'assessment_completed'],
  child_protection_plan: ['referral_confirmed_in_writing', 'referral_acknowledged', 'core_group_met', 'conference_held', 'plan_ended', 'urgent_protective_action', 'strategy_discussion_held', 'assessment_started', 'assessment_completed', 'strategy_record_circulated'],
  child_in_need_plan: ['referral_confirmed_in_writing', 'referral_acknowledged', 'cin_plan_reviewed', 'case_closed', 'urgent_protective_action', 'strategy_discussion_held', 'assessment_started', 'assessment_completed'],
  closed: [],
};

interface Working {
  model: AssessmentModel;
  /** A referral or a transfer in has opened the episode. */
  opened: boolean;
  stage: Stage;
  receivedAt: string | null;
  channel: string | null;
  confirmed: boolean;
  acknowledged: boolean;
  referralOutcome: ReferralOutcome | null;
  assessments: { kind: AssessmentKind; startedAt: string; completed: boolean }[];
  lastStrategy: string | null;
  strategyRecordDue: boolean;
  initialConference: string | null;
  lastConference: string | null;
  coreGroupMet: boolean;
  onPlan: boolean;
  cinSince: string | null;
  lastCinReview: string | null;
  transferredIn: string | null;
  pendingStrategy: string | null;
}

const start = (model: AssessmentModel): Working => ({
  model,
  opened: false,
  stage: 'referral', receivedAt: null, channel: null, confirmed: false, acknowledged: false, referralOutcome: null, assessments: [],
  lastStrategy: null, strategyRecordDue: false, initialConference: null, lastConference: null, coreGroupMet: false, onPlan: false,
  cinSince: null, lastCinReview: null, transferredIn: null, pendingStrategy: null,
});

/** The per-action guards: allowed by the stage is not enough. */
function guard(w: Working, f: ActionFacts): string | undefined {
  switch (f.type) {
    case 'referral_received':
      return w.opened ? 'The episode already has its referral' : undefined;
    case 'referral_confirmed_in_writing':
      return w.channel !== 'phone' ? 'Only a phone referral is confirmed in writing' : w.confirmed ? 'Already confirmed in writing' : undefined;
    case 'referral_acknowledged':
      return w.acknowledged ? 'Already acknowledged' : undefined;
    case 'referral_decided':
      return w.referralOutcome ? 'The referral has already been decided' : undefined;
    case 'assessment_started': {
      if (w.assessments.some((a) => !a.completed)) return 'An assessment is already in progress';
      if (w.model === 'single_45' && f.kind !== 'single') return 'This partnership uses the single assessment';
      if (w.model === 'initial_7_core_35' && f.kind === 'single') return 'This partnership uses initial and core assessments';
      return undefined;
    }
    case 'assessment_completed':
      return w.assessments.some((a) => !a.completed && a.kind === f.kind) ? undefined : `No ${f.kind} assessment is in progress`;
    case 'conference_held':
      if (f.kind === 'review' && !w.onPlan) return 'A review conference is for a child with a child protection plan';
      if ((f.kind === 'initial' || f.kind === 'pre_birth') && w.onPlan) return 'The child already has a plan: hold a review conference';
      if (f.kind === 'transfer_in' && !w.transferredIn) return 'A transfer-in conference follows a transfer in';
      return undefined;
    case 'core_group_met':
    case 'plan_ended':
      return w.onPlan ? undefined : 'The child has no child protection plan';
    case 'strategy_record_circulated':
      return w.strategyRecordDue ? undefined : 'No strategy discussion record is waiting to be circulated';
    case 'urgent_protective_action':
    case 'strategy_discussion_held':
    case 's47_concluded':
    case 'cin_plan_reviewed':
    case 'case_closed':
    case 'transferred_in':
      return undefined;
    default: {
      const never: never = f;
      return `Unknown action ${String(never)}`;
    }
  }
}

function apply(w: Working, a: Action): void {
  const f = a.facts;
  const on = dateOf(a.at);
  switch (f.type) {
    case 'referral_received':
      w.opened = true;
      w.receivedAt = a.at;
      w.channel = f.channel;
      return;
    case 'referral_confirmed_in_writing':
      w.confirmed = true;
      return;
    case 'referral_acknowledged':
      w.acknowledged = true;
      return;
    case 'referral_decided':
      w.referralOutcome = f.outcome;
      w.stage = f.outcome === 'assessment' ? 'assessment' : f.outcome === 'strategy_discussion' ? 'strategy' : 'closed';
      if (f.outcome === 'strategy_discussion') w.pendingStrategy = on;
      return;
    case 'assessment_started':
      w.assessments.push({ kind: f.kind, startedAt: on, completed: false });
      return;
    case 'assessment_completed': {
      const current = w.assessments.find((x) => !x.completed && x.kind === f.kind)!;
      current.completed = true;
      if (w.stage === 'assessment') {
        if (f.outcome === 'no_further_action') w.stage = 'closed';
        else if (f.outcome === 'child_in_need_plan') { w.stage = 'child_in_need_plan'; w.cinSince = on; }
        else if (f.outcome === 'strategy_discussion') { w.stage = 'strategy'; w.pendingStrategy = on; }
      }
      return;
    }
    case 'urgent_protective_action':
      // A strategy discussion must follow at once (23.1): due the same day.
      w.pendingStrategy = on;
      if (w.stage === 'referral' || w.stage === 'assessment' || w.stage === 'child_in_need_plan') w.stage = 'strategy';
      return;
    case 'strategy_discussion_held':
      w.lastStrategy = on;
      w.strategyRecordDue = true;
      w.pendingStrategy = null;
      if (f.s47 && !w.onPlan) w.stage = w.stage === 'awaiting_conference' ? 'awaiting_conference' : 's47_enquiry';
      else if (!f.s47 && (w.stage === 'strategy' || w.stage === 'referral')) w.stage = 'assessment';
      return;
    case 'strategy_record_circulated':
      w.strategyRecordDue = false;
      return;
    case 's47_concluded':
      w.stage = f.outcome === 'continuing_risk' ? 'awaiting_conference' : 'assessment';
      return;
    case 'conference_held':
      w.lastConference = on;
      if (f.kind !== 'review') w.initialConference = on;
      if (f.kind === 'transfer_in') w.transferredIn = null;
      if (f.plan) {
        if (!w.onPlan) w.coreGroupMet = false;
        w.onPlan = true;
        w.stage = 'child_protection_plan';
      } else {
        w.onPlan = false;
        w.stage = 'child_in_need_plan';
        w.cinSince = on;
      }
      return;
    case 'core_group_met':
      w.coreGroupMet = true;
      return;
    case 'cin_plan_reviewed':
      w.lastCinReview = on;
      return;
    case 'plan_ended':
      w.onPlan = false;
      if (f.childInNeedPlan && f.reason === 'review_decision') { w.stage = 'child_in_need_plan'; w.cinSince = on; }
      else w.stage = 'closed';
      return;
    case 'case_closed':
      w.stage = 'closed';
      return;
    case 'transferred_in':
      w.opened = true;
      w.transferredIn = on;
      w.stage = 'awaiting_conference';
      return;
    default: {
      const never: never = f;
      throw new Error(`Unknown action ${String(never)}`);
    }
  }
}

function steps(w: Working, c: ProcessSettings): Step[] {
  const wd = (date: string, n: number): string => c.calendar.addWorkingDays(c.nation, date, n);
  const out: Step[] = [];
  if (w.receivedAt) {
    const received = dateOf(w.receivedAt);
    if (w.channel === 'phone' && !w.confirmed) {
      // The referrer's duty, not the authority's: shown to the referrer, not in the authority's due list.
      out.push({ key: 'written_confirmation', label: 'Referrer confirms the phone referral in writing (48 hours)', due: new Date(new Date(w.receivedAt).getTime() + 48 * 3_600_000).toISOString(), paragraph: '11.5', prompt: true });
    }
    if (!w.acknowledged && w.stage !== 'closed') {
      out.push({ key: 'acknowledgement', label: 'Acknowledge the referral', due: wd(received, 1), paragraph: '11.5' });
      out.push({ key: 'referrer_chase', label: 'Referrer chases if there is no acknowledgement', due: wd(received, 3), paragraph: '11.5', prompt: true });
    }
    if (!w.referralOutcome && w.stage === 'referral') out.push({ key: 'referral_decision', label: 'Decide and record the next course of action', due: wd(received, 1), paragraph: '12.1' });
  }
  for (const a of w.assessments.filter((x) => !x.completed)) {
    if (a.kind === 'single') out.push({ key: 'assessment', label: 'Complete the assessment (45 working days from referral)', due: wd(w.receivedAt ? dateOf(w.receivedAt) : a.startedAt, 45), paragraph: 'Working Together' });
    if (a.kind === 'initial') out.push({ key: 'initial_assessment', label: 'Complete the initial assessment', due: wd(w.receivedAt ? dateOf(w.receivedAt) : a.startedAt, 7), paragraph: '16.1' });
    if (a.kind === 'core') out.push({ key: 'core_assessment', label: 'Complete the core assessment', due: wd(a.startedAt, 35), paragraph: '51.2' });
  }
  if (w.pendingStrategy) out.push({ key: 'strategy_discussion', label: 'Hold a strategy discussion', due: w.pendingStrategy, paragraph: '23.1, 26' });
  if (w.strategyRecordDue && w.lastStrategy) out.push({ key: 'strategy_record', label: 'Circulate the strategy discussion record to all', due: wd(w.lastStrategy, 1), paragraph: '28.3' });
  if (w.stage === 'awaiting_conference') {
    if (w.transferredIn) out.push({ key: 'transfer_in_conference', label: 'Transfer-in conference', due: wd(w.transferredIn, 15), paragraph: '80' });
    else if (w.lastStrategy) out.push({ key: 'initial_conference', label: 'Initial child protection conference (15 working days from the last strategy discussion)', due: wd(w.lastStrategy, 15), paragraph: '44.1' });
  }
  if (w.stage === 'child_protection_plan' && w.initialConference && w.lastConference) {
    if (!w.coreGroupMet) out.push({ key: 'first_core_group', label: 'First core group meeting', due: wd(w.initialConference, 10), paragraph: '52.5' });
    const firstReview = w.lastConference === w.initialConference;
    out.push({ key: 'review_conference', label: firstReview ? 'First review conference (3 months)' : 'Review conference (at most 6 months)', due: addMonths(w.lastConference, firstReview ? 3 : 6), paragraph: '68.1' });
  }
  if (w.stage === 'child_in_need_plan' && w.cinSince) {
    out.push({ key: 'cin_plan_review', label: 'Review the child in need plan (at most 6 months)', due: addMonths(w.lastCinReview ?? w.cinSince, 6), paragraph: '69.4' });
  }
  return out;
}

export interface Refusal {
  action: ActionType;
  reason: string;
  allowed: ActionType[];
}

/**
 * Folds the actions in order. Returns the state, or the first action that was not allowed
 * where it stands (which the service never records: it checks with `next` first).
 */
export function reduce(actions: readonly Action[], c: ProcessSettings): EpisodeState {
  const w = start(c.model);
  for (const a of [...actions].sort((x, y) => x.seq - y.seq)) {
    const refusal = check(w, a.facts);
    if (refusal) throw new Error(`Action ${a.seq} (${a.facts.type}) was not allowed: ${refusal.reason}`);
    apply(w, a);
  }
  return view(w, c);
}

function allowedNow(w: Working): ActionType[] {
  if (!w.opened) return ['referral_received', 'transferred_in'];
  const byStage = w.stage === 'closed' ? [] : BY_STAGE[w.stage];
  return byStage.filter((t) => samples(t, w.model).some((f) => guard(w, f) === undefined));
}

/** Representatives of each action type, to ask the guards whether the type is possible at all now. */
export function samples(t: ActionType, model: AssessmentModel): ActionFacts[] {
  const kinds: AssessmentKind[] = model === 'single_45' ? ['single'] : ['initial', 'core'];
  switch (t) {
    case 'referral_received': return [{ type: t, channel: 'written' }, { type: t, channel: 'phone' }];
    case 'referral_decided': return [{ type: t, outcome: 'assessment' }, { type: t, outcome: 'no_further_action' }, { type: t, outcome: 'strategy_discussion' }];
    case 'assessment_started': return kinds.map((kind) => ({ type: t, kind }));
    case 'assessment_completed': return kinds.flatMap((kind) => (['no_further_action', 'child_in_need_plan', 'strategy_discussion'] as const).map((outcome) => ({ type: t, kind, outcome })));
    case 'urgent_protective_action': return [{ type: t, kind: 'emergency_protection_order' }];
    case 'strategy_discussion_held': return [{ type: t, s47: true }, { type: t, s47: false }];
    case 's47_concluded': return (['not_substantiated', 'substantiated_no_continuing_risk', 'continuing_risk'] as const).map((outcome) => ({ type: t, outcome }));
    case 'conference_held': return (['initial', 'pre_birth', 'review', 'transfer_in'] as const).flatMap((kind) => [{ type: t, kind, plan: true }, { type: t, kind, plan: false }]);
    case 'plan_ended': return [{ type: t, reason: 'review_decision', childInNeedPlan: true }, { type: t, reason: 'eighteenth_birthday', childInNeedPlan: false }];
    case 'referral_confirmed_in_writing':
    case 'referral_acknowledged':
    case 'strategy_record_circulated':
    case 'core_group_met':
    case 'cin_plan_reviewed':
    case 'case_closed':
    case 'transferred_in':
      return [{ type: t }];
    default: {
      const never: never = t;
      return [never];
    }
  }
}

function check(w: Working, f: ActionFacts): Omit<Refusal, 'action'> | undefined {
  if (!w.opened) {
    return f.type === 'referral_received' || f.type === 'transferred_in' ? undefined : { reason: 'An episode starts with a referral or a transfer in', allowed: ['referral_received', 'transferred_in'] };
  }
  if (w.stage === 'closed') return { reason: 'The episode is closed: a new referral opens a new episode', allowed: [] };
  if (!BY_STAGE[w.stage].includes(f.type)) return { reason: `Not allowed at the ${w.stage.replace(/_/g, ' ')} stage`, allowed: allowedNow(w) };
  const g = guard(w, f);
  if (g) return { reason: g, allowed: allowedNow(w) };
  return undefined;
}

function view(w: Working, c: ProcessSettings): EpisodeState {
  return {
    stage: w.stage,
    open: w.stage !== 'closed',
    steps: steps(w, c),
    allowed: allowedNow(w),
    lastStrategyDiscussion: w.lastStrategy,
    initialConference: w.initialConference,
    lastConference: w.lastConference,
    referralOutcome: w.referralOutcome,
    acknowledged: w.acknowledged,
    onPlan: w.onPlan,
  };
}

/** Would this action be allowed after these? Undefined if so; otherwise why not and what is. */
export function next(actions: readonly Action[], facts: ActionFacts, model: AssessmentModel): Refusal | undefined {
  const w = start(model);
  for (const a of [...actions].sort((x, y) => x.seq - y.seq)) apply(w, a);
  const r = check(w, facts);
  return r && { action: facts.type, ...r };
}

/** Whether a step is overdue on a given day (London calendar); the 48-hour step by the instant. */
export function isOverdue(step: Step, now: Date): boolean {
  return step.due.includes('T') ? now.getTime() > new Date(step.due).getTime() : londonDate(now) > step.due;
}

