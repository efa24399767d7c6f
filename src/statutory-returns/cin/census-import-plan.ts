import { workingDayCalendar } from '../../calendar/working-days.ts';
import { next, reduce, type Action, type ActionFacts, type AssessmentModel, type PlanEndReason, type ProcessSettings, type Stage } from '../../process/engine.ts';
import type { CensusChild, CinDetails, Value } from './census.ts';
import {
  AssessmentFactorCode, ClosureReasonCode, DisabilityCode, EthnicityCode, PrimaryNeedCode, ReferralSourceCode, UpnUnknownCode,
} from './codes.ts';
import { upnCheckLetter } from './upn.ts';

/**
 * What one child of an earlier census becomes in Jigsaw, worked out without the database: the
 * person's census items, and for each CINdetails the episode's actions in date order, checked one
 * by one against the process engine (engine.ts) so that what is stored is a history the engine can
 * replay. What cannot be loaded is a problem (child, element, why), never an exception: a census
 * is often wrong, and the validator, not the import, is where it is judged.
 */

export interface ImportProblem {
  /** The LAchildID, or "child N" (its place in the file) when it has none. */
  child: string;
  element: string;
  why: string;
}

export interface PersonPlan {
  laChildId: string;
  kind: 'child' | 'unborn';
  dateOfBirth: string | null;
  expectedDateOfDelivery: string | null;
  sex: 'male' | 'female' | 'unknown';
  ethnicity: string | null;
  disabilities: string[] | null;
  upn: string | null;
  formerUpn: string | null;
  upnUnknown: string | null;
  dateOfDeath: string | null;
}

export interface PlannedAction {
  /** An instant: the census's date at noon UTC, which is the same day in London all year. */
  at: string;
  facts: ActionFacts;
  details: Record<string, unknown>;
  /** On an assessment_completed: its census items (assessment_census). */
  assessment?: { factors: string[]; internalReviewOn: string | null };
}

export interface EpisodePlan {
  referralDate: string;
  closureDate: string | null;
  referralSource: string | null;
  primaryNeed: string | null;
  closureReason: string | null;
  actions: PlannedAction[];
  /** How many child protection plans the episode's actions start. */
  plans: number;
}

export interface ChildPlan {
  label: string;
  person: PersonPlan | null;
  episodes: EpisodePlan[];
  problems: ImportProblem[];
}

/** The DfE's categories of abuse in Jigsaw's words (schemas.ts CP_CATEGORIES). */
export const CATEGORY_OF_ABUSE: Readonly<Record<string, string>> = { NEG: 'neglect', PHY: 'physical_abuse', EMO: 'emotional_abuse', SAB: 'sexual_abuse', MUL: 'multiple' };

const LA_CHILD_ID = /^[A-Za-z0-9]{1,20}$/;
/** What is wrong with a census UPN, as an import problem's words (the check letter is upn.ts's). */
export function upnProblem(upn: string): string | undefined {
  if (!/^[A-Z][0-9]{11}[0-9A-Z]$/.test(upn)) return 'is not a UPN: a letter, eleven digits and a digit or letter';
  if (/[IOS]/.test(upn[12]!)) return 'is not a UPN: its last character is not one the DfE uses';
  return upnCheckLetter(upn.slice(1)) === upn[0] ? undefined : 'has the wrong check letter';
}

/** A real calendar date written YYYY-MM-DD, or undefined. */
export function calendarDate(v: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return undefined;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v && v >= '1900-01-01' ? v : undefined;
}

const SEX: Readonly<Record<string, PersonPlan['sex']>> = { M: 'male', F: 'female', U: 'unknown', '1': 'male', '2': 'female', '0': 'unknown', '9': 'unknown' };
const BOOLEAN: Readonly<Record<string, boolean>> = { true: true, '1': true, false: false, '0': false };

export function planChild(c: CensusChild, index: number, source: string, model: AssessmentModel, today: string): ChildPlan {
  const id = c.ChildIdentifiers;
  const label = id.LAchildID && LA_CHILD_ID.test(id.LAchildID) ? id.LAchildID : `child ${index + 1}`;
  const problems: ImportProblem[] = [];
  const problem = (element: string, why: string): void => void problems.push({ child: label, element, why });
  const date = (element: string, v: Value): string | null => {
    if (v === null) return null;
    const d = calendarDate(v);
    if (!d) problem(element, 'is not a date (YYYY-MM-DD): not loaded');
    else if (d > today) problem(element, 'is in the future: not loaded');
    return d && d <= today ? d : null;
  };
  const code = (element: string, v: Value, check: { safeParse(x: unknown): { success: boolean } }): string | null => {
    if (v === null) return null;
    if (check.safeParse(v).success) return v;
    problem(element, "is not a code in the DfE's list: not stored");
    return null;
  };

  if (!id.LAchildID) problem('LAchildID', 'is missing: the child is not loaded (it is how a later import finds them again)');
  else if (!LA_CHILD_ID.test(id.LAchildID)) problem('LAchildID', 'is not 1 to 20 letters and digits: the child is not loaded');

  const dateOfBirth = date('PersonBirthDate', id.PersonBirthDate);
  // An expected date of birth is in the future by nature: only its form is checked.
  const expected = id.ExpectedPersonBirthDate === null ? null : calendarDate(id.ExpectedPersonBirthDate) ?? null;
  if (id.ExpectedPersonBirthDate !== null && !expected) problem('ExpectedPersonBirthDate', 'is not a date (YYYY-MM-DD): not loaded');
  const sexText = id.Sex ?? id.GenderCurrent;
  const sex = sexText === null ? 'unknown' : SEX[sexText];
  if (sexText !== null && !sex) problem(id.Sex !== null ? 'Sex' : 'GenderCurrent', "is not a code in the DfE's list: recorded as not known");
  const upn = (element: string, v: Value): string | null => {
    if (v === null) return null;
    const why = upnProblem(v);
    if (why) problem(element, `${why}: not stored`);
    return why ? null : v;
  };
  const disabilities = (c.Disabilities ?? []).filter((d) => code('Disability', d, DisabilityCode) !== null);
  const person: PersonPlan | null = id.LAchildID && LA_CHILD_ID.test(id.LAchildID) ? {
    laChildId: id.LAchildID,
    kind: !dateOfBirth && expected ? 'unborn' : 'child',
    dateOfBirth,
    expectedDateOfDelivery: !dateOfBirth && expected ? expected : null,
    sex: sex ?? 'unknown',
    ethnicity: code('Ethnicity', c.Ethnicity, EthnicityCode),
    disabilities: disabilities.length > 0 ? [...new Set(disabilities)].slice(0, 13) : null,
    upn: upn('UPN', id.UPN),
    formerUpn: upn('FormerUPN', id.FormerUPN),
    upnUnknown: code('UPNunknown', id.UPNunknown, UpnUnknownCode),
    dateOfDeath: date('PersonDeathDate', id.PersonDeathDate),
  } : null;

  const episodes: EpisodePlan[] = [];
  c.CINdetails.forEach((d, i) => {
    const e = planEpisode(d, { source, model, date, code, problem, where: c.CINdetails.length > 1 ? `CINdetails ${i + 1} ` : '' });
    if (e) episodes.push(e);
  });
  return { label, person, episodes, problems };
}

interface Helpers {
  source: string;
  model: AssessmentModel;
  date(element: string, v: Value): string | null;
  code(element: string, v: Value, check: { safeParse(x: unknown): { success: boolean } }): string | null;
  problem(element: string, why: string): void;
  where: string;
}

/** Same-day order: what must come first when two things happened on one day. */
type EventKind = 'assessment_start' | 'assessment_end' | 's47' | 'icpc' | 'cin_plan' | 'review' | 'plan_end' | 'closure';
const RANK: Record<EventKind, number> = { assessment_start: 1, assessment_end: 2, s47: 3, icpc: 4, cin_plan: 5, review: 6, plan_end: 7, closure: 8 };
interface Event { on: string; kind: EventKind; element: string; run: () => void }

const NOT_IN_CENSUS = 'The census does not record this step; the case is still open, so it is taken as done on the day rather than shown as overdue.';
/** The texts a practitioner must write for each step (schemas.ts), said plainly to have come from the census. */
const FROM_CENSUS = 'Not in the census: loaded from an earlier census, which records only the dates and codes.';
const TEXTS: Partial<Record<ActionFacts['type'], Record<string, string>>> = {
  referral_decided: { reasons: FROM_CENSUS },
  assessment_completed: { summary: FROM_CENSUS },
  strategy_discussion_held: { immediateSafety: FROM_CENSUS, familyToBeTold: FROM_CENSUS },
  s47_concluded: { summary: FROM_CENSUS },
  conference_held: { parentsParticipation: FROM_CENSUS },
  case_closed: { reasons: FROM_CENSUS },
};
const noon = (d: string): string => `${d}T12:00:00.000Z`;
// Only the stage matters here, which no calendar changes; the due dates are worked out again when the episode is projected.
const settingsOf = (model: AssessmentModel): ProcessSettings => ({ calendar: workingDayCalendar(), nation: 'england-and-wales', model });

function planEpisode(d: CinDetails, h: Helpers): EpisodePlan | null {
  const el = (name: string): string => `${h.where}${name}`;
  const referral = h.date(el('CINreferralDate'), d.CINreferralDate);
  if (!referral) {
    if (d.CINreferralDate === null) h.problem(el('CINreferralDate'), 'is missing: the episode is not loaded');
    else h.problem(el('CINreferralDate'), 'the episode is not loaded without it');
    return null;
  }
  let closure = h.date(el('CINclosureDate'), d.CINclosureDate);
  if (closure && closure < referral) {
    h.problem(el('CINclosureDate'), 'is before the referral date: the episode is loaded as open');
    closure = null;
  }
  const closureReason = h.code(el('ReasonForClosure'), d.ReasonForClosure, ClosureReasonCode);
  const tag = { imported: h.source };
  const actions: PlannedAction[] = [];
  const settings = settingsOf(h.model);
  const carriedOn = closure === null;
  const facts = (): Action[] => actions.map((a, i) => ({ seq: i + 1, at: a.at, facts: a.facts }));
  const stage = (): Stage => reduce(facts(), settings).stage;
  const push = (on: string, f: ActionFacts, details: Record<string, unknown>, assessment?: PlannedAction['assessment']): string | undefined => {
    const refusal = next(facts(), f, h.model);
    if (refusal) return refusal.reason;
    actions.push({ at: noon(on), facts: f, details: { ...tag, ...f, ...TEXTS[f.type], ...details }, ...(assessment ? { assessment } : {}) });
    // A case still open is carried on in Jigsaw: the steps the census never records (the record of a
    // strategy discussion sent, the first core group) are taken as done on the day, so that the due
    // list shows what is really waiting rather than years-old steps nobody can now do.
    if (carriedOn && f.type === 'strategy_discussion_held') push(on, { type: 'strategy_record_circulated' }, { implied: NOT_IN_CENSUS });
    if (carriedOn && f.type === 'conference_held' && f.kind === 'initial' && f.plan) push(on, { type: 'core_group_met' }, { implied: NOT_IN_CENSUS });
    return undefined;
  };
  /** An action the census implies but does not carry (the s47 before a plan whose enquiry was in an earlier year). */
  const implied = (on: string, f: ActionFacts, why: string): void => void push(on, f, { implied: why });

  // Within the episode and not in the future; anything else is reported and left out.
  const inEpisode = (element: string, v: Value): string | null => {
    const on = h.date(element, v);
    if (!on) return null;
    if (on < referral) { h.problem(element, 'is before the referral date: not loaded'); return null; }
    if (closure && on > closure) { h.problem(element, 'is after the closure date: not loaded'); return null; }
    return on;
  };
  const events: Event[] = [];
  const add = (on: string | null, kind: EventKind, element: string, run: () => void): void => void (on && events.push({ on, kind, element, run }));
  const fail = (element: string, why: string | undefined): void => { if (why) h.problem(element, `not loaded: ${why.charAt(0).toLowerCase()}${why.slice(1)}`); };

  const kind = h.model === 'single_45' ? 'single' : 'core';
  d.Assessments.forEach((a, i) => {
    const at = (n: string): string => el(`Assessments ${i + 1} ${n}`);
    const started = inEpisode(at('AssessmentActualStartDate'), a.AssessmentActualStartDate);
    let completed = inEpisode(at('AssessmentAuthorisationDate'), a.AssessmentAuthorisationDate);
    if (completed && !started) { h.problem(at('AssessmentAuthorisationDate'), 'an assessment without a start is not loaded'); completed = null; }
    if (completed && started && completed < started) { h.problem(at('AssessmentAuthorisationDate'), 'is before the assessment started: loaded as not yet completed'); completed = null; }
    const factors = (a.AssessmentFactors ?? []).filter((f) => h.code(at('AssessmentFactors'), f, AssessmentFactorCode) !== null);
    // The census wants the factors of every authorised assessment; said whether or not the assessment itself loads.
    if (a.AssessmentAuthorisationDate !== null && a.AssessmentFactors === null) h.problem(at('FactorsIdentifiedAtAssessment'), `has no factor${completed ? ': the assessment is loaded with none' : ''}`);
    const review = a.AssessmentInternalReviewDate === null ? null : h.date(at('AssessmentInternalReviewDate'), a.AssessmentInternalReviewDate);
    add(started, 'assessment_start', at('AssessmentActualStartDate'), () => fail(at('AssessmentActualStartDate'), push(started!, { type: 'assessment_started', kind }, {})));
    add(completed, 'assessment_end', at('AssessmentAuthorisationDate'), () => {
      const after = events.find((e) => (e.on > completed! || (e.on === completed && RANK[e.kind] > RANK.assessment_end)) && e.kind !== 'review');
      const outcome = after?.kind === 'cin_plan' ? 'child_in_need_plan' : after && ['s47', 'icpc'].includes(after.kind) ? 'strategy_discussion'
        : !after || after.kind === 'closure' ? (closure ? 'no_further_action' : 'core_assessment') : 'core_assessment';
      fail(at('AssessmentAuthorisationDate'), push(completed!, { type: 'assessment_completed', kind, outcome },
        {}, { factors: [...new Set(factors)], internalReviewOn: review }));
    });
  });
  d.CINPlanDates.forEach((p, i) => add(inEpisode(el(`CINPlanDates ${i + 1} CINPlanStartDate`), p.CINPlanStartDate), 'cin_plan', '', () => undefined));

  // Conferences: each Section47's initial conference, the episode's own DateOfInitialCPC, and each plan's start, once per day.
  const plans = d.ChildProtectionPlans.map((p, i) => ({ p, i, start: inEpisode(el(`ChildProtectionPlans ${i + 1} CPPstartDate`), p.CPPstartDate) }));
  d.ChildProtectionPlans.forEach((p, i) => { if (p.CPPstartDate === null) h.problem(el(`ChildProtectionPlans ${i + 1} CPPstartDate`), 'is missing: a plan without a start is not loaded'); });
  const conferences = new Set<string>();
  const conference = (on: string | null, element: string): void => {
    if (!on || conferences.has(on)) return;
    conferences.add(on);
    const plan = plans.find((x) => x.start === on);
    add(on, 'icpc', element, () => {
      if (stage() === 's47_enquiry') implied(on, { type: 's47_concluded', outcome: 'continuing_risk' }, 'The census records an initial conference, which follows enquiries that found a continuing risk.');
      else if (!['awaiting_conference', 'child_protection_plan'].includes(stage())) {
        implied(on, { type: 'strategy_discussion_held', s47: true }, 'The census records an initial conference; its section 47 enquiry is not in this census.');
        implied(on, { type: 's47_concluded', outcome: 'continuing_risk' }, 'The census records an initial conference, which follows enquiries that found a continuing risk.');
      }
      const category = plan ? h.code(el(`ChildProtectionPlans ${plan.i + 1} InitialCategoryOfAbuse`), plan.p.InitialCategoryOfAbuse, { safeParse: (x) => ({ success: typeof x === 'string' && x in CATEGORY_OF_ABUSE }) }) : null;
      fail(element, push(on, { type: 'conference_held', kind: 'initial', plan: Boolean(plan) }, {
        ...(category ? { planDetails: { category: CATEGORY_OF_ABUSE[category] } } : {}),
      }));
    });
  };
  // An enquiry the census says needed no conference ends before whatever the census records next (it has no date for its end).
  let withoutConference = false;
  d.Section47.forEach((s, i) => {
    const at = (n: string): string => el(`Section47 ${i + 1} ${n}`);
    const started = inEpisode(at('S47ActualStartDate'), s.S47ActualStartDate);
    add(started, 's47', at('S47ActualStartDate'), () => {
      const refused = push(started!, { type: 'strategy_discussion_held', s47: true }, { note: 'Section 47 enquiries started (from the census).' });
      fail(at('S47ActualStartDate'), refused);
      if (!refused && s.ICPCnotRequired !== null && BOOLEAN[s.ICPCnotRequired] === true) withoutConference = true;
    });
    if (s.ICPCnotRequired !== null && !(s.ICPCnotRequired in BOOLEAN)) h.problem(at('ICPCnotRequired'), 'is not true or false: ignored');
    conference(inEpisode(at('DateOfInitialCPC'), s.DateOfInitialCPC), at('DateOfInitialCPC'));
  });
  conference(inEpisode(el('DateOfInitialCPC'), d.DateOfInitialCPC), el('DateOfInitialCPC'));
  for (const { p, i, start } of plans) {
    if (!start) continue;
    conference(start, el(`ChildProtectionPlans ${i + 1} CPPstartDate`));
    const at = (n: string): string => el(`ChildProtectionPlans ${i + 1} ${n}`);
    let end = inEpisode(at('CPPendDate'), p.CPPendDate);
    if (end && end < start) { h.problem(at('CPPendDate'), 'is before the plan started: not loaded'); end = null; }
    const latest = p.LatestCategoryOfAbuse && p.LatestCategoryOfAbuse in CATEGORY_OF_ABUSE ? CATEGORY_OF_ABUSE[p.LatestCategoryOfAbuse] : null;
    if (p.LatestCategoryOfAbuse && !latest) h.problem(at('LatestCategoryOfAbuse'), "is not a code in the DfE's list: not stored");
    const reviews = p.Reviews.map((r) => inEpisode(at('CPPreviewDate'), r)).filter((r): r is string => {
      if (r === null) return false;
      if (r > start && (!end || r <= end)) return true;
      h.problem(at('CPPreviewDate'), 'is not within the plan: not loaded');
      return false;
    }).sort();
    [...new Set(reviews)].forEach((r, n, all) => add(r, 'review', at('CPPreviewDate'), () => fail(at('CPPreviewDate'), push(r, { type: 'conference_held', kind: 'review', plan: true }, {
      ...(n === all.length - 1 && latest ? { planDetails: { category: latest } } : {}),
    }))));
    if (end) {
      const last = end === closure;
      const reason: PlanEndReason = last && closureReason === 'RC2' ? 'death' : last && closureReason === 'RC5' ? 'moved_authority' : 'review_decision';
      add(end, 'plan_end', at('CPPendDate'), () => fail(at('CPPendDate'), push(end, { type: 'plan_ended', reason, childInNeedPlan: !last }, {})));
    }
  }
  if (closure) {
    add(closure, 'closure', el('CINclosureDate'), () => {
      const s = stage();
      if (s === 'closed') return;
      if (s === 'child_protection_plan') return fail(el('CINclosureDate'), push(closure, { type: 'plan_ended', reason: closureReason === 'RC2' ? 'death' : 'review_decision', childInNeedPlan: false }, { implied: 'The census closes the episode while the plan has no end date.' }));
      if (s === 's47_enquiry') implied(closure, { type: 's47_concluded', outcome: 'not_substantiated' }, 'The census closes the episode without an initial conference.');
      if (stage() === 'awaiting_conference') implied(closure, { type: 'conference_held', kind: 'initial', plan: false }, 'The census closes the episode without a plan.');
      fail(el('CINclosureDate'), push(closure, { type: 'case_closed' }, { reasons: `Closed, as the census records${closureReason ? ` (reason ${closureReason})` : ''}.` }));
    });
  }

  // The referral, and its decision (the census has no date for it: the referral's day).
  events.sort((x, y) => x.on.localeCompare(y.on) || RANK[x.kind] - RANK[y.kind]);
  const nfa = d.ReferralNFA === null ? false : BOOLEAN[d.ReferralNFA];
  if (nfa === undefined) h.problem(el('ReferralNFA'), 'is not true or false: read as false');
  const first = events.find((e) => e.kind !== 'cin_plan' && e.kind !== 'closure');
  push(referral, { type: 'referral_received', channel: 'written' }, {
    channel: 'written',
    census: { ReferralSource: d.ReferralSource, PrimaryNeedCode: d.PrimaryNeedCode, CINPlanDates: d.CINPlanDates, Section47: d.Section47, ChildProtectionPlans: d.ChildProtectionPlans.map((p) => ({ LatestCategoryOfAbuse: p.LatestCategoryOfAbuse, NumberOfPreviousCPP: p.NumberOfPreviousCPP })) },
  });
  if (carriedOn) push(referral, { type: 'referral_acknowledged' }, { implied: NOT_IN_CENSUS });
  push(referral, { type: 'referral_decided', outcome: nfa ? 'no_further_action' : first && ['s47', 'icpc'].includes(first.kind) ? 'strategy_discussion' : 'assessment' },
    { reasons: 'Decided as the census records; the census has no date for the decision, so the referral’s day is used.' });
  for (const e of events) {
    if (stage() === 'closed') {
      if (e.kind !== 'cin_plan' && e.kind !== 'closure') h.problem(e.element, nfa ? 'not loaded: the referral was decided no further action (ReferralNFA)' : 'not loaded: the episode had already ended');
      continue;
    }
    if (withoutConference && e.kind !== 'icpc' && e.kind !== 'cin_plan' && stage() === 's47_enquiry') {
      implied(e.on, { type: 's47_concluded', outcome: 'not_substantiated' }, 'The census says no initial conference was needed; it has no date for the end of the enquiry, so the next date it records is used.');
      withoutConference = false;
    }
    e.run();
  }
  return {
    referralDate: referral, closureDate: closure,
    referralSource: h.code(el('ReferralSource'), d.ReferralSource, ReferralSourceCode),
    primaryNeed: h.code(el('PrimaryNeedCode'), d.PrimaryNeedCode, PrimaryNeedCode),
    closureReason, actions,
    plans: actions.filter((a) => a.facts.type === 'conference_held' && a.facts.kind === 'initial' && a.facts.plan).length,
  };
}
