import type { FastifyReply, FastifyRequest } from 'fastify';
import { addContribution, closeAction, contributionChoices, episodeMeetingList, episodeMeetings, getMeeting, listMeetings, partnershipDirectory, recordOutcome, scheduleMeeting, type DirectoryEntry, type Meeting } from '../../meetings/meetings.ts';
import { MeetingOutcome, NewMeeting } from '../../meetings/schemas.ts';
import { listAgencies, listAgencyPractitioners } from '../../partnership/partnership.ts';
import { listAlerts as listOverdueAlerts } from '../../process/alerts.ts';
import { getEpisode, listDueSteps, recordEpisodeAction, type EpisodeView } from '../../process/episodes.ts';
import { listMonitorCandidates } from '../../process/monitoring.ts';
import { listIncomingReferrals } from '../../process/referrals.ts';
import { episodeSafetySummary } from '../../process/safe-closure.ts';
import { episodePreviousHistory } from '../../process/previous-history.ts';
import { CP_CATEGORIES, RecordAction } from '../../process/schemas.ts';
import { peopleNames } from '../../people/people.ts';
import type { ActorContext } from '../../shared/context.ts';
import { fieldProblems, notFound, Problem, type FieldProblem } from '../../shared/errors.ts';
import { answerRow, type FormDraft } from '../drafts.ts';
import { calendarDate, dateParts, FormErrors, formOf, list, londonInstant, nowTime, str, todayParts, validationProblem, type FormBody } from '../forms.ts';
import { personName, ukDate, ukDateTime, words } from '../view.ts';
import { aboutEach, withChildren } from '../children.ts';
import { earlierPlanRows } from '../earlier-plans.ts';
import { safely, type Web } from '../web.ts';
import { practitionersNamedIn, readBack } from '../episode-readback.ts';
import { OUTCOME_TEXT } from './referrals.ts';
import { censusActionFields } from './census-items.ts';

type IdParams = { id: string };
type DraftParams = { id: string; draft: string };

/** What each action the process may allow next means, in words. */
const ACTION_TEXT: Record<string, string> = {
  referral_confirmed_in_writing: 'Record the written confirmation of a phone referral', referral_acknowledged: 'Acknowledge the referral',
  referral_decided: 'Decide the next course of action', assessment_started: 'Start an assessment', assessment_completed: 'Complete the assessment',
  urgent_protective_action: 'Record urgent protective action', strategy_discussion_held: 'Hold a strategy discussion', strategy_record_circulated: 'Circulate the strategy discussion record',
  s47_concluded: 'Conclude the section 47 enquiries', conference_held: 'Hold a child protection conference', core_group_met: 'Hold a core group meeting',
  cin_plan_reviewed: 'Review the child in need plan', plan_ended: 'End the child protection plan', case_closed: 'Close the case',
};

/** Banners for this module's own redirects (the shared ones are in web.ts). */
const BANNERS: Record<string, string> = {
  'meeting-arranged': 'The meeting has been arranged and the invited agencies told.',
  'meeting-recorded': 'What happened at the meeting has been recorded. Each action’s owner has been told.',
  'meeting-action-done': 'The action has been marked as done.',
  'meeting-contribution': 'Your report has been attached to the meeting. The convening agency can read it.',
};
const banner = (request: FastifyRequest): string | undefined => BANNERS[(request.query as { done?: string } | undefined)?.done ?? ''];

interface Choice {
  value: string;
  text: string;
  hint?: { text: string };
}

/** Choices that depend on the partnership or the episode, filled in when the form is shown. */
type Source = 'agencies' | 'monitors' | 'socialWorkers' | 'practitioners' | 'partnership' | 'meetings';

/**
 * One question of an action's form. The form, its checks, its check-your-answers rows and the
 * mapping of the service's field problems back to it all come from this one description.
 */
interface Field {
  name: string;
  type: 'radios' | 'yesno' | 'textarea' | 'checkboxes' | 'participants' | 'select' | 'number' | 'date';
  label: string;
  hint?: string;
  items?: readonly Choice[];
  source?: Source;
  /** The message when it is not answered; no message means optional. */
  required?: string;
  /** Asked only when this holds (the plan's details only when there is a plan). */
  when?: (v: FormBody) => boolean;
  /** The legend of the group of questions it belongs to. */
  section?: string;
  /** Where the service reports a problem with it (default /action/{name}). */
  pointer?: string;
}

interface ActionForm {
  title: string;
  intro?: string;
  fields: Field[];
  /** The action's content (all but its type) from the answers. */
  build: (v: FormBody) => Record<string, unknown>;
  /** The action is a sending that happens when it is recorded: no date is asked (the service records the time sent). */
  sendsNow?: boolean;
  /** The kind of meeting it happens at, when it can be linked to one. */
  meetingKind?: 'strategy_discussion' | 'conference' | 'core_group';
}

const choices = (m: Record<string, string>): Choice[] => Object.entries(m).map(([value, text]) => ({ value, text }));
const yes = (v: FormBody, name: string): boolean => str(v, name) === 'yes';
const orUndefined = (s: string): string | undefined => (s === '' ? undefined : s);

const ASSESSMENT_KINDS = choices({ single: 'A single assessment', initial: 'An initial assessment', core: 'A core assessment' });
const CONFERENCE_KINDS = choices({ initial: 'An initial child protection conference', review: 'A review conference', pre_birth: 'A pre-birth conference', transfer_in: 'A transfer-in conference' });
const PLAN_END_REASONS = choices({
  review_decision: 'A review conference decided the child no longer needs a plan', moved_authority: 'The child has moved to another authority',
  eighteenth_birthday: 'The child has turned 18', death: 'The child has died', left_uk: 'The child has left the UK',
});

const plan = (v: FormBody): boolean => yes(v, 'plan');
const monitored = (v: FormBody): boolean => str(v, 'monitoringAgencyId') !== '' && str(v, 'monitoringAgencyId') !== 'none';
const ARRANGEMENT = 'If an agency will monitor the child: the arrangement';
const MONITOR_HINT = 'Needed after home visits with no access or appointments the child was not brought to (shared ones and those before the episode too), or concerns recorded during the episode (case example 8)';

/**
 * The questions about monitoring after closure, on every form whose action can end the episode
 * (case example 8): asked when `ends` holds for the answers given. The service decides in the end
 * (it refuses, in the error summary, a closure that needs a monitor and names none).
 */
function monitoringFields(ends: (v: FormBody) => boolean, section?: string): Field[] {
  const arranged = (v: FormBody): boolean => ends(v) && monitored(v);
  return [
    { name: 'monitoringAgencyId', type: 'radios', label: 'Which agency will monitor the child?', hint: MONITOR_HINT, source: 'agencies', required: 'Say which agency will monitor the child, or that none will', ...(section ? { section, when: ends } : {}) },
    {
      name: 'monitoringPractitionerId', type: 'select', label: 'Who will make the checks?', source: 'monitors', section: ARRANGEMENT, when: arranged,
      hint: 'A practitioner of the agency that will monitor. If you do not choose one, that agency’s lead worker for the child is named',
    },
    { name: 'checks', type: 'textarea', label: 'What will be checked', section: ARRANGEMENT, when: arranged, required: 'Say what will be checked', pointer: '/action/arrangement/checks' },
    { name: 'everyDays', type: 'number', label: 'Every how many days?', hint: '14 for fortnightly', section: ARRANGEMENT, when: arranged, required: 'Say every how many days a check is due', pointer: '/action/arrangement/everyDays' },
    { name: 'endsOn', type: 'date', label: 'Until when?', section: ARRANGEMENT, when: arranged, required: 'Enter when the monitoring ends', pointer: '/action/arrangement/endsOn' },
    { name: 'escalation', type: 'textarea', label: 'What happens if concerns continue or checks cannot be made (optional)', section: ARRANGEMENT, when: arranged, pointer: '/action/arrangement/escalation' },
  ];
}

/** The monitoring answers as the action carries them. */
const monitoringOf = (v: FormBody, ends: (v: FormBody) => boolean): Record<string, unknown> => (ends(v) && monitored(v) ? {
  monitoringAgencyId: str(v, 'monitoringAgencyId'),
  monitoringPractitionerId: orUndefined(str(v, 'monitoringPractitionerId')),
  arrangement: { checks: str(v, 'checks'), everyDays: Number(str(v, 'everyDays')), endsOn: calendarDate(dateParts(v, 'endsOn'), 'The end').value, escalation: orUndefined(str(v, 'escalation')) },
} : {});

const ENDING_REFERRAL = (v: FormBody): boolean => ['no_further_action', 'advice', 'other_agency'].includes(str(v, 'outcome'));
const ENDING_ASSESSMENT = (v: FormBody): boolean => str(v, 'outcome') === 'no_further_action';
const ENDING_PLAN = (v: FormBody): boolean => str(v, 'reason') !== '' && str(v, 'reason') !== 'death' && !(str(v, 'reason') === 'review_decision' && yes(v, 'childInNeedPlan'));

/**
 * The child in need plan as a document (issue 18), on the actions that start or review one: asked
 * when `base` holds; made only when what must change is written, so the decision alone can still
 * be recorded. What each agency will do, item by item, is API-only for now.
 */
const CIN_SECTION = 'The child in need plan (optional: leave “What must change” empty to record the decision only)';
function cinPlanFields(base: (v: FormBody) => boolean): Field[] {
  const written = (v: FormBody): boolean => base(v) && str(v, 'cinOutlinePlan') !== '';
  return [
    { name: 'cinOutlinePlan', type: 'textarea', label: 'What must change', hint: 'The outline plan: what must change for the child, and what each agency will do by when', section: CIN_SECTION, when: base, pointer: '/action/cinPlan/outlinePlan' },
    { name: 'cinLeadWorkerId', type: 'select', label: 'Lead worker', hint: 'A practitioner of your agency who leads the plan', section: CIN_SECTION, when: written, source: 'practitioners', required: 'Choose the lead worker', pointer: '/action/cinPlan/leadWorkerId' },
    { name: 'cinMembers', type: 'checkboxes', label: 'The network around the child', hint: 'Practitioners of any agency in the partnership: their agencies can read the plan, and they are told', section: CIN_SECTION, when: written, source: 'partnership', required: 'Name the practitioners in the network around the child', pointer: '/action/cinPlan/members' },
    { name: 'cinContingencyPlan', type: 'textarea', label: 'Contingency plan (optional)', section: CIN_SECTION, when: written, pointer: '/action/cinPlan/contingencyPlan' },
  ];
}
const cinPlanOf = (v: FormBody, base: (v: FormBody) => boolean): Record<string, unknown> => (base(v) && str(v, 'cinOutlinePlan') !== '' ? {
  cinPlan: { outlinePlan: str(v, 'cinOutlinePlan'), leadWorkerId: str(v, 'cinLeadWorkerId'), members: list(v, 'cinMembers'), contingencyPlan: orUndefined(str(v, 'cinContingencyPlan')) },
} : {});
const CIN_FROM_ASSESSMENT = (v: FormBody): boolean => str(v, 'outcome') === 'child_in_need_plan';
const CIN_FROM_PLAN_END = (v: FormBody): boolean => str(v, 'reason') === 'review_decision' && yes(v, 'childInNeedPlan');
const CIN_REVIEW = (): boolean => true;

/** Issue 20: the census items asked at the moment of work (census-items.ts), as fields of these forms. */
const census = censusActionFields();
/** A plan's end closes the case unless a review moves the child onto a child in need plan (a death too: the census records it). */
const CLOSING_PLAN = (v: FormBody): boolean => str(v, 'reason') !== '' && !(str(v, 'reason') === 'review_decision' && yes(v, 'childInNeedPlan'));

const meetingId = (v: FormBody): string | undefined => (str(v, 'meetingId') && str(v, 'meetingId') !== 'none' ? str(v, 'meetingId') : undefined);

/** The forms for the actions a duty social worker records, after the engine's action types (src/process/engine.ts). */
const ACTION_FORMS: Record<string, ActionForm> = {
  referral_confirmed_in_writing: { title: 'Record the written confirmation of a phone referral', fields: [], build: () => ({}) },
  referral_acknowledged: { title: 'Record that the referral was acknowledged', fields: [], build: () => ({}) },
  referral_decided: {
    title: 'Record the decision on the referral',
    fields: [
      { name: 'outcome', type: 'radios', label: 'What happens next?', items: choices({ assessment: OUTCOME_TEXT.assessment!, strategy_discussion: OUTCOME_TEXT.strategy_discussion!, other_agency: OUTCOME_TEXT.other_agency!, advice: OUTCOME_TEXT.advice!, no_further_action: OUTCOME_TEXT.no_further_action! }), required: 'Choose the next course of action' },
      { name: 'reasons', type: 'textarea', label: 'Reasons', hint: 'They are fed back to the referrer (12.2)', required: 'Give the reasons for the decision' },
      ...census.primaryNeed.fields, ...census.closure(ENDING_REFERRAL).fields,
      ...monitoringFields(ENDING_REFERRAL, 'If the decision closes the case: monitoring after closure'),
    ],
    build: (v) => ({ outcome: str(v, 'outcome'), reasons: str(v, 'reasons'), ...census.primaryNeed.build(v), ...census.closure(ENDING_REFERRAL).build(v), ...monitoringOf(v, ENDING_REFERRAL) }),
  },
  assessment_started: {
    title: 'Record the start of an assessment',
    fields: [{ name: 'kind', type: 'radios', label: 'Which assessment?', hint: 'Your partnership uses either the single assessment, or initial and core assessments', items: ASSESSMENT_KINDS, required: 'Choose which assessment has started' }],
    build: (v) => ({ kind: str(v, 'kind') }),
  },
  assessment_completed: {
    title: 'Record the completed assessment',
    fields: [
      { name: 'kind', type: 'radios', label: 'Which assessment?', items: ASSESSMENT_KINDS, required: 'Choose which assessment was completed' },
      { name: 'outcome', type: 'radios', label: 'What was decided?', items: choices({ no_further_action: 'No further action', child_in_need_plan: 'A child in need plan', strategy_discussion: 'A strategy discussion: the child may be suffering significant harm', core_assessment: 'A core assessment' }), required: 'Choose what was decided' },
      { name: 'summary', type: 'textarea', label: 'Summary of the assessment', required: 'Write a summary of the assessment' },
      ...census.assessment.fields, ...census.closure(ENDING_ASSESSMENT).fields,
      ...cinPlanFields(CIN_FROM_ASSESSMENT),
      ...monitoringFields(ENDING_ASSESSMENT, 'If no further action: monitoring after closure'),
    ],
    build: (v) => ({
      kind: str(v, 'kind'), outcome: str(v, 'outcome'), summary: str(v, 'summary'), ...census.assessment.build(v), ...census.closure(ENDING_ASSESSMENT).build(v),
      ...cinPlanOf(v, CIN_FROM_ASSESSMENT), ...monitoringOf(v, ENDING_ASSESSMENT),
    }),
  },
  urgent_protective_action: {
    title: 'Record urgent protective action',
    intro: 'A strategy discussion must follow at once (23.1).',
    fields: [
      { name: 'kind', type: 'radios', label: 'What action was taken?', items: choices({ emergency_protection_order: 'An emergency protection order', police_protection: 'Police protection', other: 'Other protective action' }), required: 'Choose the action taken' },
      { name: 'otherChildrenConsidered', type: 'textarea', label: 'How were siblings and other children in the household considered? (23.4)', required: 'Say how siblings and other children in the household were considered' },
    ],
    build: (v) => ({ kind: str(v, 'kind'), otherChildrenConsidered: str(v, 'otherChildrenConsidered') }),
  },
  strategy_discussion_held: {
    title: 'Record a strategy discussion',
    intro: 'The record must be circulated to everyone who took part within one working day (28.3).',
    meetingKind: 'strategy_discussion',
    fields: [
      { name: 'participants', type: 'participants', label: 'Which agencies took part?', source: 'agencies', required: 'Record who took part' },
      { name: 's47', type: 'yesno', label: 'Are section 47 enquiries to be started?', required: 'Say whether section 47 enquiries are to be started' },
      { name: 'policeInvestigation', type: 'yesno', label: 'Will the police investigate a possible crime?', required: 'Say whether the police will investigate' },
      { name: 'immediateSafety', type: 'textarea', label: 'Decisions on the child’s immediate safety', required: 'Record the decisions on immediate safety' },
      { name: 'familyToBeTold', type: 'textarea', label: 'What the family will be told, by whom and when', required: 'Record what the family will be told, by whom and when' },
    ],
    build: (v) => ({
      s47: yes(v, 's47'), policeInvestigation: yes(v, 'policeInvestigation'), immediateSafety: str(v, 'immediateSafety'), familyToBeTold: str(v, 'familyToBeTold'),
      participants: list(v, 'participants').map((agencyId) => ({ agencyId, ...(str(v, `participants-${agencyId}`) ? { name: str(v, `participants-${agencyId}`) } : {}) })),
    }),
  },
  strategy_record_circulated: {
    title: 'Circulate the strategy discussion record', sendsNow: true, fields: [], build: () => ({}),
    intro: 'Sending writes the strategy discussion’s record and shares it, on the statutory duty (28.3), with each agency that took part. Each is told a record has been shared with it. The record is sent when you confirm, and that time meets the one working day.',
  },
  s47_concluded: {
    title: 'Record the outcome of the section 47 enquiries',
    fields: [
      { name: 'outcome', type: 'radios', label: 'What did the enquiries find?', items: choices({ not_substantiated: 'The concerns were not substantiated', substantiated_no_continuing_risk: 'The concerns were substantiated, but the child is not at continuing risk of significant harm', continuing_risk: 'The child is at continuing risk of significant harm: an initial child protection conference is needed' }), required: 'Choose what the enquiries found' },
      { name: 'summary', type: 'textarea', label: 'Summary of the enquiries', required: 'Write a summary of the enquiries' },
    ],
    build: (v) => ({ outcome: str(v, 'outcome'), summary: str(v, 'summary') }),
  },
  conference_held: {
    title: 'Record a child protection conference',
    meetingKind: 'conference',
    fields: [
      { name: 'kind', type: 'radios', label: 'Which conference?', items: CONFERENCE_KINDS, required: 'Choose which conference was held' },
      { name: 'plan', type: 'yesno', label: 'Is the child to be (or remain) the subject of a child protection plan?', required: 'Say whether the child is the subject of a child protection plan' },
      { name: 'invitedAgencyIds', type: 'checkboxes', label: 'Which agencies were invited?', source: 'agencies', required: 'Record which agencies were invited' },
      { name: 'attendedAgencyIds', type: 'checkboxes', label: 'Which agencies attended?', source: 'agencies' },
      { name: 'parentsParticipation', type: 'textarea', label: 'The parents’ participation', hint: 'Or why they were excluded', required: 'Record the parents’ participation, or why they were excluded' },
      { name: 'category', type: 'radios', label: 'Category of the plan', section: 'If the child is to have a plan: the child protection plan', when: plan, items: CP_CATEGORIES.map((c) => ({ value: c, text: words(c) })), required: 'Choose the category of the plan', pointer: '/action/planDetails/category' },
      { name: 'leadAgencyId', type: 'radios', label: 'Lead agency', section: 'If the child is to have a plan: the child protection plan', when: plan, source: 'agencies', required: 'Choose the lead agency', pointer: '/action/planDetails/leadAgencyId' },
      { name: 'keyWorkerId', type: 'select', label: 'Key worker', hint: 'A social worker, who leads the core group (49, 51.1)', section: 'If the child is to have a plan: the child protection plan', when: plan, source: 'socialWorkers', required: 'Choose the key worker', pointer: '/action/planDetails/keyWorkerId' },
      { name: 'coreGroup', type: 'checkboxes', label: 'Core group members', hint: 'Practitioners of any agency in the partnership: the key worker, the family’s practitioners, the school’s designated safeguarding lead, the health visitor (52.1)', section: 'If the child is to have a plan: the child protection plan', when: plan, source: 'partnership', required: 'Name the core group members', pointer: '/action/planDetails/coreGroup' },
      { name: 'outlinePlan', type: 'textarea', label: 'Outline plan', section: 'If the child is to have a plan: the child protection plan', when: plan, required: 'Write the outline plan', pointer: '/action/planDetails/outlinePlan' },
      { name: 'contingencyPlan', type: 'textarea', label: 'Contingency plan', section: 'If the child is to have a plan: the child protection plan', when: plan, required: 'Write the contingency plan', pointer: '/action/planDetails/contingencyPlan' },
    ],
    build: (v) => ({
      kind: str(v, 'kind'), plan: plan(v), invitedAgencyIds: list(v, 'invitedAgencyIds'), attendedAgencyIds: list(v, 'attendedAgencyIds'), parentsParticipation: str(v, 'parentsParticipation'),
      planDetails: plan(v) ? {
        category: str(v, 'category'), leadAgencyId: str(v, 'leadAgencyId'), keyWorkerId: str(v, 'keyWorkerId'), coreGroup: list(v, 'coreGroup'),
        outlinePlan: str(v, 'outlinePlan'), contingencyPlan: str(v, 'contingencyPlan'), actions: [],
      } : undefined,
    }),
  },
  core_group_met: {
    title: 'Record a core group meeting',
    meetingKind: 'core_group',
    fields: [{ name: 'attendees', type: 'checkboxes', label: 'Who attended?', source: 'partnership', required: 'Record who attended' }],
    build: (v) => ({ attendees: list(v, 'attendees') }),
  },
  cin_plan_reviewed: {
    title: 'Record a review of the child in need plan',
    intro: 'Write the plan again below to make a new version of it; leave it empty to keep the plan as it is.',
    fields: [{ name: 'summary', type: 'textarea', label: 'Summary of the review', required: 'Write a summary of the review' }, ...cinPlanFields(CIN_REVIEW)],
    build: (v) => ({ summary: str(v, 'summary'), ...cinPlanOf(v, CIN_REVIEW) }),
  },
  plan_ended: {
    title: 'End the child protection plan',
    intro: 'Every agency invited to the conference that made the plan is told it has ended (68.4).',
    fields: [
      { name: 'reason', type: 'radios', label: 'Why has the plan ended?', items: PLAN_END_REASONS, required: 'Choose why the plan has ended' },
      { name: 'childInNeedPlan', type: 'yesno', label: 'Will the child have a child in need plan?', when: (v) => str(v, 'reason') === 'review_decision', required: 'Say whether the child will have a child in need plan' },
      ...cinPlanFields(CIN_FROM_PLAN_END),
      ...census.closure(CLOSING_PLAN).fields,
      ...monitoringFields(ENDING_PLAN, 'If the case closes with the plan: monitoring after closure'),
    ],
    build: (v) => ({
      reason: str(v, 'reason'), childInNeedPlan: str(v, 'reason') === 'review_decision' && yes(v, 'childInNeedPlan'), ...cinPlanOf(v, CIN_FROM_PLAN_END),
      ...census.closure(CLOSING_PLAN).build(v), ...monitoringOf(v, ENDING_PLAN),
    }),
  },
  case_closed: {
    title: 'Close the case',
    fields: [
      { name: 'reasons', type: 'textarea', label: 'Reasons for closing the case', required: 'Give the reasons for closing the case' },
      ...census.closure(() => true).fields,
      ...monitoringFields(() => true),
    ],
    build: (v) => ({ reasons: str(v, 'reasons'), ...census.closure(() => true).build(v), ...monitoringOf(v, () => true) }),
  },
};

/** A practitioner of the partnership as the invitation and owner choices name them: name, job title, agency; no more. */
const directoryChoice = (p: DirectoryEntry): Choice => ({ value: p.id, text: [p.name, p.jobTitle, p.agencyName].filter(Boolean).join(', ') });

const MEETING_KINDS = choices({ strategy_discussion: 'A strategy discussion', conference: 'A child protection conference', core_group: 'A core group meeting' });

/** The id of the element a field's error links to. */
const fieldId = (f: Field): string => (f.type === 'date' ? `${f.name}-day` : f.name);

/** When it happened: a date and a UK time, not in the future. */
function readWhen(v: FormBody, prefix: string, what: string, now: Date, errors: FormErrors, allowFuture = false): string | undefined {
  const day = calendarDate(dateParts(v, prefix), 'The date');
  if (!day.value && !day.error) errors.add(`${prefix}-day`, `Enter the date ${what}`);
  else if (day.error) errors.add(`${prefix}-day`, day.error);
  else {
    const at = londonInstant(day.value!, str(v, `${prefix}Time`) || '12:00');
    if (at.error) errors.add(`${prefix}Time`, at.error);
    else if (!allowFuture && new Date(at.value!).getTime() > now.getTime() + 5 * 60_000) errors.add(`${prefix}-day`, `The date ${what} must be today or in the past`);
    else return at.value;
  }
  return undefined;
}

/** An action's answers, checked: the errors, or the input for recordEpisodeAction. */
function readAction(type: string, form: ActionForm, v: FormBody, idempotencyKey: string, now: Date): { errors: FormErrors; input?: RecordAction } {
  const errors = new FormErrors();
  const occurredAt = form.sendsNow ? now.toISOString() : readWhen(v, 'occurred', 'it happened', now, errors);
  for (const f of form.fields) {
    if (f.when && !f.when(v)) continue;
    if (f.type === 'date') {
      const d = calendarDate(dateParts(v, f.name), f.label);
      if (d.error) errors.add(fieldId(f), d.error);
      else if (!d.value && f.required) errors.add(fieldId(f), f.required);
    } else if (f.type === 'number') {
      const n = str(v, f.name);
      if (!n && f.required) errors.add(f.name, f.required);
      else if (n && !/^\d+$/.test(n)) errors.add(f.name, 'Enter a whole number of days, like 14');
    } else if (f.required && (f.type === 'checkboxes' || f.type === 'participants' ? list(v, f.name).length === 0 : !str(v, f.name))) errors.add(f.name, f.required);
  }
  if (errors.any) return { errors };
  const parsed = RecordAction.safeParse({ idempotencyKey, occurredAt, action: { type, ...form.build(v) }, meetingId: meetingId(v) });
  if (!parsed.success) {
    addActionProblems(errors, form, fieldProblems(parsed.error));
    return { errors };
  }
  return { errors, input: parsed.data };
}

function addActionProblems(errors: FormErrors, form: ActionForm, problems: readonly FieldProblem[], href?: (field: string) => string): void {
  const map: Record<string, string> = { '/occurredAt': 'occurred-day', '/meetingId': 'meetingId' };
  for (const f of form.fields) map[f.pointer ?? `/action/${f.name}`] = fieldId(f);
  const keys = Object.keys(map).sort((a, b) => b.length - a.length);
  const fallback = form.fields[0] ? fieldId(form.fields[0]) : 'occurred-day';
  for (const p of problems) {
    const key = keys.find((k) => p.pointer === k || p.pointer.startsWith(`${k}/`));
    const field = key ? map[key]! : fallback;
    errors.add(field, p.detail.replace(/^Allowed now: (.*)$/, (_m, list: string) => `What the process allows now: ${list.split(', ').map((t) => (ACTION_TEXT[t] ?? words(t)).toLowerCase()).join('; ')}`), href ? href(field) : `#${field}`);
  }
}

/** Steps of a referral made through Jigsaw: taken on the referral's page, which also tells the referrer (12.2). */
const REFERRAL_STEPS = new Set(['referral_confirmed_in_writing', 'referral_acknowledged', 'referral_decided']);

/**
 * The child's name as the caller may read it, undefined when out of reach: read and audited as
 * getPerson reads it ("person.read"), in one statement instead of getPerson's whole person (five),
 * of which these pages show only the name.
 */
async function childName(ctx: ActorContext, personId: string): Promise<string | undefined> {
  const child = (await safely(() => peopleNames(ctx, [personId])))?.get(personId);
  return child ? personName(child) : undefined;
}

/** The referral an episode was opened from, if it came through Jigsaw. */
async function referralOf(ctx: ActorContext, episodeId: string): Promise<string | undefined> {
  return (await safely(() => listIncomingReferrals(ctx, { status: 'all' })))?.find((r) => r.episodeId === episodeId)?.id;
}

/** The episode's meetings, newest last: read together, not one at a time (src/meetings). */
async function meetingsOf(ctx: ActorContext, episodeId: string): Promise<Meeting[]> {
  return (await safely(() => episodeMeetings(ctx, episodeId))) ?? [];
}

/**
 * The meeting of this kind whose outcome has been recorded (held, with minutes) and that no step of
 * the episode has been recorded from yet: the step's form starts from what was recorded at it.
 */
async function heldMeetingFor(ctx: ActorContext, episode: EpisodeView, kind: string): Promise<Meeting | undefined> {
  const used = new Set(episode.actions.map((a) => (a.details as { meetingId?: unknown } | null)?.meetingId).filter((x): x is string => typeof x === 'string'));
  return (await meetingsOf(ctx, episode.id)).filter((m) => m.kind === kind && m.status === 'held' && m.minutes !== null && !used.has(m.id)).at(-1);
}

/** Each fact typed once (issue 18): the step's answers from the meeting's recorded outcome, to check and complete. */
function prefillFrom(m: Meeting, ownAgencyId: string, type: string): FormBody {
  const at = new Date(m.heldAt ?? m.scheduledAt);
  const when = { 'occurred-day': todayParts(at).day, 'occurred-month': todayParts(at).month, 'occurred-year': todayParts(at).year, occurredTime: nowTime(at), meetingId: m.id };
  const attended = [...new Set([ownAgencyId, ...m.invitees.filter((i) => i.attended).map((i) => i.agencyId)])];
  if (type === 'strategy_discussion_held') {
    return { ...when, participants: attended, immediateSafety: m.decisions.join('\n'), familyToBeTold: m.familyTold ?? '' };
  }
  if (type === 'conference_held') {
    return { ...when, invitedAgencyIds: [...new Set([ownAgencyId, ...m.invitees.map((i) => i.agencyId)])], attendedAgencyIds: attended };
  }
  if (type === 'core_group_met') {
    return { ...when, attendees: m.invitees.filter((i) => i.attended && i.practitionerId).map((i) => i.practitionerId!) };
  }
  return when;
}

/** A child's process page that can act, the authority's due steps, and meetings with their actions. */
export function registerProcessPages(web: Web): void {
  const { app } = web;

  app.get('/process', async (request, reply) => {
    const ctx = web.ctx(request);
    // Every row names the child it is about, to a reader who may see that child (issue 17).
    const steps = aboutEach(await safely(() => listDueSteps(ctx, {})));
    const alerts = await withChildren(ctx, await safely(() => listOverdueAlerts(ctx, 'open')), (a) => ({ type: 'person', id: a.childPersonId }));
    const meetings = await withChildren(ctx, await safely(() => listMeetings(ctx)), (m) => ({ type: 'meeting', id: m.id }));
    return web.render(request, reply, 'process/index.njk', { pageTitle: 'The child protection process', steps, alerts, meetings });
  });

  app.get<{ Params: IdParams }>('/episodes/:id', async (request, reply) => {
    // A page changes nothing: the services below share what each has read (the episode, the child, their links).
    const ctx = web.ctx(request);
    const episode = await getEpisode(ctx, request.params.id);
    const name = await childName(ctx, episode.childPersonId);
    // The list shows each meeting's time, title and actions: read without the parts a meeting's own page shows.
    const meetings = (await safely(() => episodeMeetingList(ctx, episode.id))) ?? [];
    const safety = await safely(() => episodeSafetySummary(ctx, episode.id));
    const referralId = episode.state.allowed.some((a) => REFERRAL_STEPS.has(a)) ? await referralOf(ctx, episode.id) : undefined;
    // Issue 17: earlier child protection plans of the child or the adults around them, for whoever holds the case.
    const earlier = await earlierPlanRows(ctx, await safely(() => episodePreviousHistory(ctx, episode.id)), (await web.me(request))?.agencyName ?? '');
    // Issue 18: what each step said, read back (agency and practitioner names from the directories the caller may read;
    // another agency's core group members from the partnership's directory, named with their agency). The
    // practitioners are looked up by the ids the page names, not by reading the agency's or the partnership's whole list.
    const named = new Set([...(episode.allocatedWorkerId ? [episode.allocatedWorkerId] : []), ...practitionersNamedIn(episode)]);
    const staff = (await safely(() => listAgencyPractitioners(ctx, [...named]))) ?? [];
    const allocatedName = episode.allocatedWorkerId ? staff.find((w) => w.id === episode.allocatedWorkerId)?.name : undefined;
    const others = [...named].filter((id) => !staff.some((w) => w.id === id));
    const agencies = new Map(((await safely(() => listAgencies(ctx))) ?? []).map((a) => [a.id, a.name]));
    const partnership = (await safely(() => partnershipDirectory(ctx, others))) ?? [];
    const people = new Map([...partnership.map((p) => [p.id, `${p.name}, ${p.agencyName}`] as const), ...staff.map((p) => [p.id, p.name] as const)]);
    const history = readBack(episode, {
      agency: (id) => agencies.get(id) ?? 'An agency no longer in the partnership',
      practitioner: (id) => people.get(id) ?? 'A practitioner of another agency',
    });
    return web.render(request, reply, 'process/episode.njk', {
      pageTitle: 'A child’s process', episode, name: name ?? 'The child', meetings, safety, earlier, allocatedName, history,
      allowed: episode.state.allowed.map((a) => ({
        type: a, text: ACTION_TEXT[a] ?? words(a), recordable: a in ACTION_FORMS,
        href: referralId && REFERRAL_STEPS.has(a) ? `/referrals/${referralId}` : `/episodes/${episode.id}/record/${a}`,
      })),
      actionText: ACTION_TEXT, backLink: name !== undefined ? `/people/${episode.childPersonId}` : '/process',
    });
  });

  // Recording an action: the draft (and its idempotency key) is made when the form is first shown.
  app.get<{ Params: { id: string; type: string } }>('/episodes/:id/record/:type', async (request, reply) => {
    const ctx = web.ctx(request);
    const type = request.params.type;
    if (!(type in ACTION_FORMS)) throw notFound('action');
    const episode = await getEpisode(ctx, request.params.id);
    const referralId = REFERRAL_STEPS.has(type) ? await referralOf(ctx, episode.id) : undefined;
    if (referralId) return reply.redirect(`/referrals/${referralId}`, 303);
    const now = ctx.clock.now();
    const form = ACTION_FORMS[type]!;
    const held = form.meetingKind ? await heldMeetingFor(ctx, episode, form.meetingKind) : undefined;
    const d = await web.drafts.startForm(ctx.actor.practitionerId, 'episode-action', episode.id, {
      type, 'occurred-day': todayParts(now).day, 'occurred-month': todayParts(now).month, 'occurred-year': todayParts(now).year, occurredTime: nowTime(now),
      ...(held ? prefillFrom(held, ctx.actor.agencyId, type) : {}),
    });
    return reply.redirect(`/episodes/${episode.id}/actions/${d.id}`, 303);
  });

  const actionDraft = async (request: FastifyRequest<{ Params: DraftParams }>): Promise<{ d: FormDraft; type: string; form: ActionForm }> => {
    const d = await web.drafts.findForm(request.params.draft, web.ctx(request).actor.practitionerId, 'episode-action', request.params.id);
    if (!d) throw notFound('draft');
    const type = str(d.values, 'type');
    const form = ACTION_FORMS[type];
    if (!form && !d.result) throw notFound('action');
    return { d, type, form: form! };
  };

  /** Choices for the fields that need them, and the child's name for the caption. */
  const formContext = async (ctx: ActorContext, episode: EpisodeView, form: ActionForm): Promise<{ name: string; items: Record<Source, Choice[]> }> => {
    const sources = new Set(form.fields.map((f) => f.source));
    const items: Record<Source, Choice[]> = { agencies: [], monitors: [], socialWorkers: [], practitioners: [], partnership: [], meetings: [] };
    // Core groups are multi-agency (52.1): their members come from the partnership's directory, shown for this purpose only.
    if (sources.has('partnership')) items.partnership = ((await safely(() => partnershipDirectory(ctx))) ?? []).map(directoryChoice);
    if (sources.has('agencies')) items.agencies = (await listAgencies(ctx)).map((a) => ({ value: a.id, text: a.name }));
    if (sources.has('monitors')) items.monitors = ((await safely(() => listMonitorCandidates(ctx))) ?? []).map((p) => ({ value: p.id, text: `${p.name}, ${p.agencyName}` }));
    if (sources.has('socialWorkers') || sources.has('practitioners')) {
      const staff = ((await safely(() => listAgencyPractitioners(ctx))) ?? []).filter((p) => p.active && p.roles.some((r) => r !== 'administrator' && r !== 'auditor'));
      items.practitioners = staff.map((p) => ({ value: p.id, text: p.name }));
      items.socialWorkers = staff.filter((p) => p.roles.includes('social_worker')).map((p) => ({ value: p.id, text: p.name }));
    }
    if (form.meetingKind) {
      items.meetings = (await meetingsOf(ctx, episode.id)).filter((m) => m.kind === form.meetingKind)
        .map((m) => ({ value: m.id, text: `${m.title}, ${ukDateTime(m.heldAt ?? m.scheduledAt)}` }));
    }
    return { name: (await childName(ctx, episode.childPersonId)) ?? 'The child', items };
  };

  /** The fields as the template shows them, with their choices, grouped by section. */
  const fieldsFor = (form: ActionForm, items: Record<Source, Choice[]>): (Field & { items: readonly Choice[] })[] => {
    const fields = form.fields.map((f) => {
      let its: readonly Choice[] = f.source ? items[f.source] : (f.items ?? []);
      if (f.name === 'monitoringAgencyId') its = [...its, { value: 'none', text: 'No agency will monitor the child' }];
      if (f.type === 'yesno') its = [{ value: 'yes', text: 'Yes' }, { value: 'no', text: 'No' }];
      return { ...f, items: its };
    });
    if (form.meetingKind && items.meetings.length) {
      fields.push({ name: 'meetingId', type: 'radios', label: 'Which meeting was it?', hint: 'Links the meeting’s invitees, decisions and actions to this episode', items: [...items.meetings, { value: 'none', text: 'None of these' }] });
    }
    return fields;
  };

  const groupsOf = (fields: (Field & { items: readonly Choice[] })[]): { legend?: string | undefined; fields: typeof fields }[] => {
    const groups: { legend?: string | undefined; fields: typeof fields }[] = [];
    for (const f of fields) {
      const last = groups.at(-1);
      if (last && last.legend === f.section) last.fields.push(f);
      else groups.push({ legend: f.section, fields: [f] });
    }
    return groups;
  };

  const renderActionForm = async (request: FastifyRequest<{ Params: DraftParams }>, reply: FastifyReply, d: FormDraft, type: string, form: ActionForm, errors?: FormErrors): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const episode = await getEpisode(ctx, request.params.id);
    const { name, items } = await formContext(ctx, episode, form);
    const values = { ...d.values, occurred: dateParts(d.values, 'occurred') };
    const data = {
      pageTitle: form.title, title: form.title, intro: form.intro, sendsNow: form.sendsNow ?? false, name, episode, draft: d, groups: groupsOf(fieldsFor(form, items)), values, type,
      checked: Object.fromEntries(form.fields.filter((f) => f.type === 'checkboxes' || f.type === 'participants').map((f) => [f.name, list(d.values, f.name)])),
      dates: Object.fromEntries(form.fields.filter((f) => f.type === 'date').map((f) => [f.name, dateParts(d.values, f.name)])),
      backLink: `/episodes/${episode.id}`,
    };
    return errors?.any ? web.renderErrors(request, reply, 'process/action.njk', errors, data) : web.render(request, reply, 'process/action.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: DraftParams }>('/episodes/:id/actions/:draft', async (request, reply) => {
    const { d, type, form } = await actionDraft(request);
    if (d.result) return reply.redirect(d.result, 303);
    return renderActionForm(request, reply, d, type, form);
  });

  app.post<{ Params: DraftParams }>('/episodes/:id/actions/:draft', async (request, reply) => {
    const ctx = web.ctx(request);
    const { d, type, form } = await actionDraft(request);
    if (d.result) return reply.redirect(d.result, 303);
    // Everything typed is kept, whether or not it is complete; the type comes from the draft, not the form.
    d.values = { ...formOf(request.body), _csrf: undefined, type };
    await web.drafts.saveForm(d);
    const { errors } = readAction(type, form, d.values, d.idempotencyKey, ctx.clock.now());
    if (errors.any) return renderActionForm(request, reply, d, type, form, errors);
    return reply.redirect(`/episodes/${request.params.id}/actions/${d.id}/check`, 303);
  });

  const renderActionCheck = async (request: FastifyRequest<{ Params: DraftParams }>, reply: FastifyReply, d: FormDraft, type: string, form: ActionForm, errors?: FormErrors): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const episode = await getEpisode(ctx, request.params.id);
    const { name, items } = await formContext(ctx, episode, form);
    const v = d.values;
    const change = (field: string): string => `/episodes/${episode.id}/actions/${d.id}#${field}`;
    const { input } = readAction(type, form, v, d.idempotencyKey, ctx.clock.now());
    const rows = form.sendsNow ? [] : [answerRow('When', input ? ukDateTime(input.occurredAt) : '', change('occurred-day'))];
    for (const f of fieldsFor(form, items)) {
      if (f.when && !f.when(v)) continue;
      const textOf = (value: string): string => f.items.find((i) => i.value === value)?.text ?? value;
      let shown: string | string[];
      if (f.type === 'participants') shown = list(v, f.name).map((id) => `${textOf(id)}${str(v, `${f.name}-${id}`) ? `: ${str(v, `${f.name}-${id}`)}` : ''}`);
      else if (f.type === 'checkboxes') shown = list(v, f.name).map(textOf);
      else if (f.type === 'date') shown = ukDate(calendarDate(dateParts(v, f.name), f.label).value);
      else if (f.type === 'textarea' || f.type === 'number') shown = str(v, f.name);
      else if (f.name === 'monitoringPractitionerId' && !str(v, f.name)) shown = 'The monitoring agency’s lead worker for the child';
      else shown = textOf(str(v, f.name));
      rows.push(answerRow(f.label, shown, change(fieldId(f))));
    }
    const data = { pageTitle: 'Check your answers before recording', title: form.title, name, episode, draft: d, rows, backLink: change('occurred-day') };
    return errors?.any ? web.renderErrors(request, reply, 'process/check.njk', errors, data) : web.render(request, reply, 'process/check.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: DraftParams }>('/episodes/:id/actions/:draft/check', async (request, reply) => {
    const { d, type, form } = await actionDraft(request);
    if (d.result) return reply.redirect(d.result, 303);
    return renderActionCheck(request, reply, d, type, form);
  });

  app.post<{ Params: DraftParams }>('/episodes/:id/actions/:draft/check', async (request, reply) => {
    const ctx = web.ctx(request);
    const { d, type, form } = await actionDraft(request);
    if (d.result) return reply.redirect(d.result, 303);
    const { input } = readAction(type, form, d.values, d.idempotencyKey, ctx.clock.now());
    if (!input) return reply.redirect(`/episodes/${request.params.id}/actions/${d.id}`, 303);
    try {
      const href = await web.drafts.submitOnce(d, async () => {
        await recordEpisodeAction(ctx, request.params.id, input);
        return `/episodes/${request.params.id}?done=action-recorded`;
      });
      return reply.redirect(href, 303);
    } catch (err) {
      const p = validationProblem(err);
      if (!p) throw err;
      // The process's refusal (or a problem only the service can see) in the error summary, linked to the answer to change.
      const href = (field: string): string => `/episodes/${request.params.id}/actions/${d.id}#${field}`;
      const found = new FormErrors();
      addActionProblems(found, form, p.errors, href);
      const errors = new FormErrors();
      if (p.detail) errors.add('refusal', p.detail, found.list[0]?.href ?? href(form.fields[0] ? fieldId(form.fields[0]) : 'occurred-day'));
      found.list.forEach((x, i) => errors.add(`problem-${i}`, x.text, x.href));
      return renderActionCheck(request, reply, d, type, form, errors);
    }
  });

  // Meetings: arrange one for the episode; record what happened; the owner marks an action done.
  app.get<{ Params: IdParams }>('/episodes/:id/meetings/new', async (request, reply) => {
    const ctx = web.ctx(request);
    const episode = await getEpisode(ctx, request.params.id);
    const now = ctx.clock.now();
    const today = todayParts(now);
    const d = await web.drafts.startForm(ctx.actor.practitionerId, 'meeting', episode.id, { 'scheduled-day': today.day, 'scheduled-month': today.month, 'scheduled-year': today.year, scheduledTime: nowTime(now) });
    return reply.redirect(`/episodes/${episode.id}/meetings/${d.id}`, 303);
  });

  const MEETING_FIELDS = { '/kind': 'kind', '/title': 'title', '/scheduledAt': 'scheduled-day', '/place': 'place', '/invitees': 'people' };

  const meetingDraft = async (request: FastifyRequest<{ Params: DraftParams }>): Promise<FormDraft> => {
    const d = await web.drafts.findForm(request.params.draft, web.ctx(request).actor.practitionerId, 'meeting', request.params.id);
    if (!d) throw notFound('draft');
    return d;
  };

  const renderMeetingForm = async (request: FastifyRequest<{ Params: DraftParams }>, reply: FastifyReply, d: FormDraft, errors?: FormErrors): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const episode = await getEpisode(ctx, request.params.id);
    const name = await childName(ctx, episode.childPersonId);
    const data = {
      pageTitle: 'Arrange a meeting', name: name ?? 'The child', episode, draft: d, kinds: MEETING_KINDS,
      agencies: (await listAgencies(ctx)).map((a) => ({ value: a.id, text: a.name })),
      // Shown for choosing invitees only (issue 18): the partnership's practitioners, by agency.
      people: ((await safely(() => partnershipDirectory(ctx))) ?? []).filter((p) => p.id !== ctx.actor.practitionerId).map(directoryChoice),
      values: { ...d.values, scheduled: dateParts(d.values, 'scheduled'), invitees: list(d.values, 'invitees'), people: list(d.values, 'people') }, backLink: `/episodes/${episode.id}`,
    };
    return errors?.any ? web.renderErrors(request, reply, 'process/meeting-new.njk', errors, data) : web.render(request, reply, 'process/meeting-new.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: DraftParams }>('/episodes/:id/meetings/:draft', async (request, reply) => {
    const d = await meetingDraft(request);
    if (d.result) return reply.redirect(d.result, 303);
    return renderMeetingForm(request, reply, d);
  });

  app.post<{ Params: DraftParams }>('/episodes/:id/meetings/:draft', async (request, reply) => {
    const ctx = web.ctx(request);
    const d = await meetingDraft(request);
    if (d.result) return reply.redirect(d.result, 303);
    const v = { ...formOf(request.body), _csrf: undefined };
    d.values = v;
    await web.drafts.saveForm(d);
    const errors = new FormErrors();
    if (!str(v, 'kind')) errors.add('kind', 'Choose the kind of meeting');
    if (!str(v, 'title')) errors.add('title', 'Give the meeting a title');
    const scheduledAt = readWhen(v, 'scheduled', 'of the meeting', ctx.clock.now(), errors, true);
    if (list(v, 'invitees').length === 0 && list(v, 'people').length === 0) errors.add('people', 'Invite at least one practitioner or agency');
    const episode = await getEpisode(ctx, request.params.id);
    // A named practitioner is invited with her agency; the directory is the partnership's, so her agency comes from it.
    const directory = list(v, 'people').length ? ((await safely(() => partnershipDirectory(ctx))) ?? []) : [];
    const asked = orUndefined(str(v, 'asked'));
    const people = list(v, 'people').map((id) => ({ agencyId: directory.find((p) => p.id === id)?.agencyId ?? '', practitionerId: id, asked }));
    if (people.some((p) => !p.agencyId)) errors.add('people', 'Choose practitioners from the list');
    const parsed = NewMeeting.safeParse({
      kind: str(v, 'kind'), title: str(v, 'title'), episodeId: episode.id, scheduledAt, place: orUndefined(str(v, 'place')), subjectPersonIds: [episode.childPersonId],
      invitees: [...people, ...list(v, 'invitees').map((agencyId) => ({ agencyId, asked }))],
    });
    if (!errors.any && !parsed.success) errors.addProblems(fieldProblems(parsed.error), MEETING_FIELDS, 'title');
    if (errors.any || !parsed.success) return renderMeetingForm(request, reply, d, errors);
    try {
      // The meetings service takes no idempotency key: the draft makes a double submit arrange it once.
      const href = await web.drafts.submitOnce(d, async () => `/meetings/${(await scheduleMeeting(ctx, parsed.data)).id}?done=meeting-arranged`);
      return reply.redirect(href, 303);
    } catch (err) {
      const p = validationProblem(err);
      if (!p) throw err;
      errors.addProblems(p.errors, MEETING_FIELDS, 'title');
      return renderMeetingForm(request, reply, d, errors);
    }
  });

  const meetingPage = async (request: FastifyRequest<{ Params: IdParams }>, reply: FastifyReply): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const meeting = await getMeeting(ctx, request.params.id);
    const invited = meeting.view === 'invited';
    // What is asked of the caller: her own invitation, else her agency's.
    const mine = meeting.invitees.find((i) => i.practitionerId === ctx.actor.practitionerId) ?? meeting.invitees.find((i) => i.agencyId === ctx.actor.agencyId && !i.practitionerId);
    const choices = invited ? await safely(() => contributionChoices(ctx, meeting.id)) : undefined;
    return web.render(request, reply, 'process/meeting.njk', {
      pageTitle: 'A meeting', meeting, myId: ctx.actor.practitionerId, convening: !invited, asked: mine?.asked,
      reports: choices?.decisions.map((c) => ({ value: c.id, text: `Shared ${ukDateTime(c.decidedAt)}`, hint: { text: c.purpose } })), shareFor: choices?.ownPersonIds[0],
      successBanner: banner(request), backLink: !invited && meeting.episodeId ? `/episodes/${meeting.episodeId}` : invited ? '/tasks' : '/process',
    });
  };

  app.get<{ Params: IdParams }>('/meetings/:id', meetingPage);

  // An invited agency's practitioner attaches her report: one of her agency's share decisions with the convening agency.
  app.post<{ Params: IdParams }>('/meetings/:id/contributions', async (request, reply) => {
    const ctx = web.ctx(request);
    const shareDecisionId = str(formOf(request.body), 'shareDecisionId');
    if (!/^[0-9a-f-]{36}$/i.test(shareDecisionId)) {
      const meeting = await getMeeting(ctx, request.params.id);
      const errors = new FormErrors();
      errors.add('shareDecisionId', 'Choose the report to attach');
      const choices = await safely(() => contributionChoices(ctx, meeting.id));
      return web.renderErrors(request, reply, 'process/meeting.njk', errors, {
        pageTitle: 'A meeting', meeting, myId: ctx.actor.practitionerId, convening: false,
        asked: (meeting.invitees.find((i) => i.practitionerId === ctx.actor.practitionerId) ?? meeting.invitees.find((i) => i.agencyId === ctx.actor.agencyId && !i.practitionerId))?.asked,
        reports: choices?.decisions.map((c) => ({ value: c.id, text: `Shared ${ukDateTime(c.decidedAt)}`, hint: { text: c.purpose } })), shareFor: choices?.ownPersonIds[0], backLink: '/tasks',
      });
    }
    await addContribution(ctx, request.params.id, shareDecisionId);
    return reply.redirect(`/meetings/${request.params.id}?done=meeting-contribution`, 303);
  });

  app.get<{ Params: IdParams }>('/meetings/:id/outcome', async (request, reply) => {
    const ctx = web.ctx(request);
    const meeting = await getMeeting(ctx, request.params.id);
    const now = ctx.clock.now();
    const today = todayParts(now);
    const d = await web.drafts.startForm(ctx.actor.practitionerId, 'meeting-outcome', meeting.id, { 'held-day': today.day, 'held-month': today.month, 'held-year': today.year, heldTime: nowTime(now) });
    return reply.redirect(`/meetings/${meeting.id}/outcome/${d.id}`, 303);
  });

  const ACTION_ROWS = 3;

  const outcomeDraft = async (request: FastifyRequest<{ Params: DraftParams }>): Promise<FormDraft> => {
    const d = await web.drafts.findForm(request.params.draft, web.ctx(request).actor.practitionerId, 'meeting-outcome', request.params.id);
    if (!d) throw notFound('draft');
    return d;
  };

  const renderOutcomeForm = async (request: FastifyRequest<{ Params: DraftParams }>, reply: FastifyReply, d: FormDraft, errors?: FormErrors): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const meeting = await getMeeting(ctx, request.params.id);
    // Owners from any agency of the partnership (issue 18): name, job title and agency.
    const staff = (await safely(() => partnershipDirectory(ctx))) ?? [];
    const rows = Array.from({ length: ACTION_ROWS }, (_x, i) => ({ i: i + 1, due: dateParts(d.values, `action${i + 1}Due`) }));
    const data = {
      pageTitle: 'Record what happened at the meeting', meeting, draft: d, rows,
      invitees: [...new Map(meeting.invitees.map((i) => [i.agencyId, { value: i.agencyId, text: i.agencyName }])).values()],
      owners: [{ value: '', text: 'Choose who' }, ...staff.map(directoryChoice)],
      values: { ...d.values, held: dateParts(d.values, 'held'), attended: list(d.values, 'attended') }, backLink: `/meetings/${meeting.id}`,
    };
    return errors?.any ? web.renderErrors(request, reply, 'process/meeting-outcome.njk', errors, data) : web.render(request, reply, 'process/meeting-outcome.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: DraftParams }>('/meetings/:id/outcome/:draft', async (request, reply) => {
    const d = await outcomeDraft(request);
    if (d.result) return reply.redirect(d.result, 303);
    return renderOutcomeForm(request, reply, d);
  });

  app.post<{ Params: DraftParams }>('/meetings/:id/outcome/:draft', async (request, reply) => {
    const ctx = web.ctx(request);
    const d = await outcomeDraft(request);
    if (d.result) return reply.redirect(d.result, 303);
    const v = { ...formOf(request.body), _csrf: undefined };
    d.values = v;
    await web.drafts.saveForm(d);
    const errors = new FormErrors();
    const heldAt = readWhen(v, 'held', 'the meeting was held', ctx.clock.now(), errors);
    const meeting = await getMeeting(ctx, request.params.id);
    const attended = list(v, 'attended');
    const actions: { ownerId: string; description: string; dueOn: string }[] = [];
    for (let i = 1; i <= ACTION_ROWS; i++) {
      const description = str(v, `action${i}`);
      const ownerId = str(v, `action${i}Owner`);
      const due = calendarDate(dateParts(v, `action${i}Due`), 'The due date');
      // A row left empty is no action; a row begun must be finished.
      if (!description && !ownerId && !due.value && !due.error) continue;
      if (!description) errors.add(`action${i}`, `Describe action ${i}`);
      if (!ownerId) errors.add(`action${i}Owner`, `Choose who owns action ${i}`);
      if (due.error) errors.add(`action${i}Due-day`, due.error);
      else if (!due.value) errors.add(`action${i}Due-day`, `Enter when action ${i} is due`);
      if (description && ownerId && due.value) actions.push({ ownerId, description, dueOn: due.value });
    }
    if (!str(v, 'minutes')) errors.add('minutes', 'Record the minutes');
    if (!str(v, 'familyTold')) errors.add('familyTold', 'Record what the family will be told, by whom and when');
    const fields = { '/heldAt': 'held-day', '/attendance': 'attended', '/decisions': 'decisions', '/actions': 'action1', '/minutes': 'minutes', '/familyTold': 'familyTold' };
    const parsed = MeetingOutcome.safeParse({
      heldAt, attendance: [...new Set(meeting.invitees.map((i) => i.agencyId))].map((agencyId) => ({ agencyId, attended: attended.includes(agencyId) })),
      decisions: str(v, 'decisions').split(/\r?\n/).map((x) => x.trim()).filter(Boolean), actions, reviewedActions: [], minutes: str(v, 'minutes'), familyTold: str(v, 'familyTold'),
    });
    if (!errors.any && !parsed.success) errors.addProblems(fieldProblems(parsed.error), fields, 'minutes');
    if (errors.any || !parsed.success) return renderOutcomeForm(request, reply, d, errors);
    try {
      const href = await web.drafts.submitOnce(d, async () => `/meetings/${(await recordOutcome(ctx, meeting.id, parsed.data)).id}?done=meeting-recorded`);
      return reply.redirect(href, 303);
    } catch (err) {
      const p = validationProblem(err);
      if (!p) throw err;
      errors.addProblems(p.errors, fields, 'minutes');
      return renderOutcomeForm(request, reply, d, errors);
    }
  });

  app.post<{ Params: IdParams }>('/meeting-actions/:id/done', async (request, reply) => {
    try {
      const action = await closeAction(web.ctx(request), request.params.id, 'done');
      return reply.redirect(`/meetings/${action.meetingId}?done=meeting-action-done`, 303);
    } catch (err) {
      // A second click after the first closed it: back to the meeting, where it shows as done.
      const meeting = str(formOf(request.body), 'meetingId');
      if (err instanceof Problem && err.status === 409 && /^[0-9a-f-]{36}$/i.test(meeting)) return reply.redirect(`/meetings/${meeting}`, 303);
      throw err;
    }
  });
}
