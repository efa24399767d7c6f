import { londonDate, workingDayCalendar } from '../../src/calendar/working-days.ts';
import type { Queryable } from '../../src/db/database.ts';
import { next, reduce, type Action, type ActionFacts, type ActionType, type ProcessSettings } from '../../src/process/engine.ts';
import { EpisodeActionInput } from '../../src/process/schemas.ts';
import { idFor, rngFor, type Rng } from './names.ts';
import { insertRows, type Cell } from './insert.ts';
import type { World } from './world.ts';

/**
 * Children's social care's episodes (0.053 per person entry), each a path through the process in
 * statutory order — a referral decided with no further action, an assessment, a child in need
 * plan, or a strategy discussion, section 47 enquiry, conference and child protection plan with
 * core groups and reviews — checked action by action with the engine's own `next`, the stage and
 * due steps from its `reduce` (as the service projects them), the meetings the path holds (a few
 * long plans with many), and monitoring after some closures.
 */

const DAY = 86_400_000;
const SETTINGS: ProcessSettings = { calendar: workingDayCalendar(), nation: 'england-and-wales', model: 'single_45' };

type Path = 'nfa' | 'assessment' | 'cin' | 'cp';
interface Step { at: number; action: Record<string, unknown>; meeting?: { kind: 'strategy_discussion' | 'conference' | 'core_group'; title: string } }

export interface EpisodePlan { id: string; child: number; meetings: number; path: Path }

/** The actions of one episode, in order, from `start` (ms), no later than `end`. */
function pathSteps(path: Path, start: number, end: number, rnd: Rng, ids: { csc: string; worker: string; others: string[]; otherAgencies: string[] }, long: boolean): Step[] {
  const s: Step[] = [];
  let t = start;
  const after = (days: number): number => (t = Math.min(end, t + Math.max(1, Math.round(days * (0.6 + rnd() * 0.8))) * DAY));
  s.push({ at: t, action: { type: 'referral_received' } });
  s.push({ at: after(1), action: { type: 'referral_acknowledged' } });
  const reasons = 'Decided on the information from the referrer and the partner agencies.';
  if (path === 'nfa') {
    s.push({ at: after(1), action: { type: 'referral_decided', outcome: 'no_further_action', reasons } });
    return s;
  }
  if (path !== 'cp') {
    s.push({ at: after(1), action: { type: 'referral_decided', outcome: 'assessment', reasons } });
    s.push({ at: after(3), action: { type: 'assessment_started', kind: 'single' } });
    const cin = path === 'cin';
    s.push({ at: after(35), action: { type: 'assessment_completed', kind: 'single', outcome: cin ? 'child_in_need_plan' : 'no_further_action', summary: 'Needs assessed with the family and the agencies that know the child.' } });
    if (!cin) return s;
    const reviews = Math.floor(rnd() * 4);
    for (let i = 0; i < reviews && t < end - 200 * DAY; i++) s.push({ at: after(150), action: { type: 'cin_plan_reviewed', summary: 'Plan reviewed with the family and the network.' } });
    if (rnd() < 0.6 && t < end - 60 * DAY) s.push({ at: after(60), action: { type: 'case_closed', reasons: 'The plan achieved what it set out to; needs are met by universal services.' } });
    return s;
  }
  s.push({ at: after(1), action: { type: 'referral_decided', outcome: 'strategy_discussion', reasons } });
  const participants = [{ agencyId: ids.csc, practitionerId: ids.worker }, ...ids.otherAgencies.slice(0, 3).map((agencyId) => ({ agencyId }))];
  s.push({ at: after(1), action: { type: 'strategy_discussion_held', s47: true, participants, policeInvestigation: rnd() < 0.3, immediateSafety: 'The child stays at home with a safety plan agreed with mother.', familyToBeTold: 'The social worker tells the parents today.' }, meeting: { kind: 'strategy_discussion', title: 'Strategy discussion' } });
  s.push({ at: after(1), action: { type: 'strategy_record_circulated' } });
  const plan = rnd() < 0.75;
  s.push({ at: after(10), action: { type: 's47_concluded', outcome: plan ? 'continuing_risk' : 'not_substantiated', summary: 'Enquiries completed with the police, the school and health.' } });
  if (!plan) {
    s.push({ at: after(5), action: { type: 'case_closed', reasons: 'Concerns not substantiated; the family accepts early help.' } });
    return s;
  }
  const planDetails = {
    category: (['neglect', 'emotional_abuse', 'physical_abuse', 'neglect'] as const)[Math.floor(rnd() * 4)]!, leadAgencyId: ids.csc, keyWorkerId: ids.worker,
    coreGroup: [ids.worker, ...ids.others.slice(0, 4)], outlinePlan: 'The home is safe, warm and has food; the children attend school every day.',
    contingencyPlan: 'If the plan is not followed, a legal planning meeting is called.', actions: [],
  };
  const invited = [ids.csc, ...ids.otherAgencies];
  s.push({ at: after(12), action: { type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: invited, attendedAgencyIds: invited, parentsParticipation: 'Both parents attended with an advocate.', planDetails }, meeting: { kind: 'conference', title: 'Initial child protection conference' } });
  // Core groups every few weeks and reviews at three months then every six, until the plan ends or today.
  const horizon = long ? end : Math.min(end, t + (120 + rnd() * 400) * DAY);
  let nextReview = t + 90 * DAY;
  while (t < horizon - 30 * DAY) {
    after(long ? 14 : 28);
    if (t >= nextReview) {
      s.push({ at: t, action: { type: 'conference_held', kind: 'review', plan: true, invitedAgencyIds: invited, attendedAgencyIds: invited, parentsParticipation: 'Mother attended; father sent his views.', planDetails }, meeting: { kind: 'conference', title: 'Review child protection conference' } });
      nextReview = t + 182 * DAY;
    } else {
      s.push({ at: t, action: { type: 'core_group_met', attendees: planDetails.coreGroup }, meeting: { kind: 'core_group', title: 'Core group meeting' } });
    }
  }
  if (!long && t < end - 20 * DAY) s.push({ at: after(14), action: { type: 'plan_ended', reason: 'review_decision', childInNeedPlan: false } });
  return s;
}

/** What the engine needs of each action (as episodes.ts factsOf keeps it); the rest stays in details. */
const FACT_FIELDS: Partial<Record<ActionType, string[]>> = {
  referral_decided: ['outcome'], s47_concluded: ['outcome'], assessment_started: ['kind'], assessment_completed: ['kind', 'outcome'],
  strategy_discussion_held: ['s47'], conference_held: ['kind', 'plan'], plan_ended: ['reason', 'childInNeedPlan'],
};

function factsOf(a: Record<string, unknown>): ActionFacts {
  const type = a.type as ActionType;
  if (type === 'referral_received') return { type, channel: 'phone' };
  return Object.fromEntries([['type', type], ...(FACT_FIELDS[type] ?? []).map((x) => [x, a[x]])]) as ActionFacts;
}

export async function loadEpisodes(db: Queryable, w: World): Promise<{ episodes: EpisodePlan[]; actions: number; meetings: number; arrangements: number }> {
  const rnd = rngFor(w.seed, 7);
  const end = Date.parse(w.asOf);
  const cscChildren = w.entries.map((e, i) => [e, i] as const).filter(([e]) => e.kind === 'child' && w.agencies[e.agency]!.type === 'childrens_social_care').map(([, i]) => i);
  const target = Math.min(Math.round(w.entries.length * 0.053), cscChildren.length * 2);
  const ep: Cell[][] = [];
  const act: Cell[][] = [];
  const steps: Cell[][] = [];
  const meetings: Cell[][] = [];
  const subjects: Cell[][] = [];
  const invitees: Cell[][] = [];
  const arrangements: Cell[][] = [];
  const plans: EpisodePlan[] = [];
  // A child's second episode follows its first once that one has closed (a re-referral).
  const closedAt = new Map<number, number | null>();
  for (let n = 0; n < cscChildren.length * 2 && plans.length < target; n++) {
    const child = cscChildren[n % cscChildren.length]!;
    const second = n >= cscChildren.length;
    const firstClosed = closedAt.get(child);
    if (second && (firstClosed === null || firstClosed === undefined || firstClosed > end - 60 * DAY)) continue;
    const e = w.entries[child]!;
    const csc = w.agencies[e.agency]!;
    const workers = w.staffByAgency[e.agency]!.filter((i) => w.staff[i]!.roles.includes('social_worker'));
    const worker = w.staff[workers[Math.floor(rnd() * workers.length)] ?? w.staffByAgency[e.agency]![0]!]!;
    const chair = w.staff[w.staffByAgency[e.agency]![0]!]!;
    const elsewhere = w.individuals[e.individual]!.entries.filter((x) => x !== child);
    const otherAgencies = [...new Set(elsewhere.map((x) => w.entries[x]!.agency))];
    const others = otherAgencies.map((a) => w.staff[w.staffByAgency[a]![0]!]!.id);
    const u = rnd();
    const path: Path = u < 0.35 ? 'nfa' : u < 0.6 ? 'assessment' : u < 0.8 ? 'cin' : 'cp';
    const long = path === 'cp' && rnd() < 0.1;
    const start = second ? firstClosed! + Math.floor(rnd() * (end - 30 * DAY - firstClosed!) / DAY) * DAY : end - (long ? 700 + Math.floor(rnd() * 300) : 220 + Math.floor(rnd() * 900)) * DAY;
    const id = idFor(w.seed, `episode:${n}`);
    const list = pathSteps(second && path === 'cp' ? 'cin' : path, start, end - DAY, rnd, { csc: csc.id, worker: worker.id, others, otherAgencies: otherAgencies.map((a) => w.agencies[a]!.id) }, long && !second);
    const actions: Action[] = [];
    let meetingCount = 0;
    list.forEach((step, i) => {
      const facts = factsOf(step.action);
      const refused = next(actions, facts, SETTINGS.model);
      if (refused) throw new Error(`partnership generator: episode path ${path} step ${i + 1} (${facts.type}) refused: ${refused.reason}`);
      const at = new Date(step.at).toISOString();
      let details: Record<string, unknown> = step.action.type === 'referral_received' ? { channel: 'phone' } : EpisodeActionInput.parse(step.action);
      if (step.meeting) {
        const mid = idFor(w.seed, `meeting:${n}:${i}`);
        details = { ...details, meetingId: mid };
        meetings.push([mid, csc.id, step.meeting.kind, step.meeting.title, id, at, chair.id, 'held', at, 'Minutes agreed and circulated to those invited.', 'The family were told the outcome on the day.', worker.id, at]);
        subjects.push([mid, e.id, 0]);
        for (const a of [e.agency, ...otherAgencies]) invitees.push([mid, w.agencies[a]!.id, a === e.agency ? worker.id : null, true]);
        meetingCount++;
      }
      actions.push({ seq: i + 1, at, facts });
      act.push([id, i + 1, facts.type, at, at, worker.id, `bench-${n}-${i + 1}`, JSON.stringify(facts), JSON.stringify(details)]);
    });
    const state = reduce(actions, SETTINGS);
    const last = actions.at(-1)!.at;
    ep.push([id, csc.id, e.id, worker.id, 'Assessment team', actions[0]!.at, state.stage, state.open ? null : last, actions.length]);
    for (const s of state.steps) {
      steps.push([id, s.key, s.label, s.due.includes('T') ? londonDate(new Date(s.due)) : s.due, s.due.includes('T') ? s.due : null, s.paragraph, s.prompt ?? false]);
    }
    // After some closures, the school or GP is asked to keep an eye on the child for three months.
    if (!state.open && path !== 'nfa' && elsewhere.length && rnd() < 0.3) {
      const other = w.entries[elsewhere[0]!]!;
      const who = w.staff[w.staffByAgency[other.agency]![0]!]!;
      arrangements.push([idFor(w.seed, `arrangement:${n}`), csc.id, e.id, w.agencies[other.agency]!.id, who.id, other.id, 'Sees the child and checks attendance and presentation', 14,
        last.slice(0, 10), new Date(Date.parse(last) + 90 * DAY).toISOString().slice(0, 10), [w.agencies[other.agency]!.id], id, worker.id, last]);
    }
    closedAt.set(child, state.open ? null : Date.parse(last));
    plans.push({ id, child, meetings: meetingCount, path });
  }
  await insertRows(db, 'episode', { id: 'uuid', agency_id: 'uuid', child_person_id: 'uuid', allocated_worker_id: 'uuid', team: 'text', opened_at: 'timestamptz', stage: 'text', closed_at: 'timestamptz', action_count: 'int' }, ep);
  await insertRows(db, 'meeting', {
    id: 'uuid', convening_agency_id: 'uuid', kind: 'text', title: 'text', episode_id: 'uuid', scheduled_at: 'timestamptz', chair_id: 'uuid', status: 'text', held_at: 'timestamptz',
    minutes: 'text', family_told: 'text', created_by: 'uuid', created_at: 'timestamptz',
  }, meetings);
  await insertRows(db, 'episode_action', { episode_id: 'uuid', seq: 'int', type: 'text', occurred_at: 'timestamptz', recorded_at: 'timestamptz', recorded_by: 'uuid', idempotency_key: 'text', facts: 'jsonb', details: 'jsonb' }, act);
  await insertRows(db, 'episode_step', { episode_id: 'uuid', key: 'text', label: 'text', due_date: 'date', due_at: 'timestamptz', paragraph: 'text', prompt: 'bool' }, steps);
  await insertRows(db, 'meeting_subject', { meeting_id: 'uuid', person_id: 'uuid', position: 'int' }, subjects);
  await insertRows(db, 'meeting_invitee', { meeting_id: 'uuid', agency_id: 'uuid', practitioner_id: 'uuid', attended: 'bool' }, invitees);
  await insertRows(db, 'monitoring_arrangement', {
    id: 'uuid', recording_agency_id: 'uuid', child_person_id: 'uuid', responsible_agency_id: 'uuid', responsible_practitioner_id: 'uuid', responsible_person_id: 'uuid', checks: 'text',
    every_days: 'int', starts_on: 'date', ends_on: 'date', agreed_agency_ids: 'uuid[]', episode_id: 'uuid', created_by: 'uuid', created_at: 'timestamptz',
  }, arrangements);
  return { episodes: plans, actions: act.length, meetings: meetings.length, arrangements: arrangements.length };
}
