import type { EpisodeView } from '../process/episodes.ts';
import { linesHtml, ukDate, ukDateTime, words } from './view.ts';

/**
 * What each recorded step of an episode said, read back in plain English as GOV.UK summary list
 * rows (issue 18): the strategy discussion's decisions and who took part, the s47 outcome and its
 * reasons, the conference's decision, and the rest. Built from the actions' own content (the
 * details the service stored with each), so nothing is typed twice to be shown.
 */

export interface ReadbackRow {
  key: { text: string };
  value: { text: string } | { html: string };
}

export interface ReadbackStep {
  seq: number;
  title: string;
  occurredAt: string;
  rows: ReadbackRow[];
}

export interface Names {
  agency: (id: string) => string;
  practitioner: (id: string) => string;
}

const REFERRAL_OUTCOMES: Record<string, string> = {
  assessment: 'An assessment of the child’s needs', other_agency: 'Referral to another agency', advice: 'Advice or information',
  no_further_action: 'No further action at this stage', strategy_discussion: 'A strategy discussion',
};
const ASSESSMENT_KINDS: Record<string, string> = { single: 'Single assessment', initial: 'Initial assessment', core: 'Core assessment' };
const ASSESSMENT_OUTCOMES: Record<string, string> = {
  no_further_action: 'No further action', child_in_need_plan: 'A child in need plan',
  strategy_discussion: 'A strategy discussion: the child may be suffering significant harm', core_assessment: 'A core assessment',
};
const S47_OUTCOMES: Record<string, string> = {
  not_substantiated: 'The concerns were not substantiated',
  substantiated_no_continuing_risk: 'The concerns were substantiated, but the child is not at continuing risk of significant harm',
  continuing_risk: 'The child is at continuing risk of significant harm: an initial child protection conference is needed',
};
const CONFERENCE_KINDS: Record<string, string> = { initial: 'Initial child protection conference', review: 'Review conference', pre_birth: 'Pre-birth conference', transfer_in: 'Transfer-in conference' };
const URGENT_KINDS: Record<string, string> = { emergency_protection_order: 'An emergency protection order', police_protection: 'Police protection', other: 'Other protective action' };
const PLAN_END: Record<string, string> = {
  review_decision: 'A review conference decided the child no longer needs a plan', moved_authority: 'The child has moved to another authority',
  eighteenth_birthday: 'The child has turned 18', death: 'The child has died', left_uk: 'The child has left the UK',
};
const CHANNELS: Record<string, string> = { phone: 'By phone', written: 'In writing', online: 'Online' };

const text = (key: string, value: string): ReadbackRow => ({ key: { text: key }, value: { text: value } });
const lines = (key: string, value: string): ReadbackRow => ({ key: { text: key }, value: { html: linesHtml(value) } });
const list = (key: string, items: readonly string[]): ReadbackRow => ({ key: { text: key }, value: items.length ? { html: linesHtml(items.join('\n')) } : { text: 'None recorded' } });
const yesNo = (b: unknown): string => (b ? 'Yes' : 'No');

type Details = Record<string, unknown>;
const s = (d: Details, k: string): string => (typeof d[k] === 'string' ? d[k] : '');
const ids = (d: unknown): string[] => (Array.isArray(d) ? d.filter((x): x is string => typeof x === 'string') : []);

/** The monitoring named when an action closed the episode (case example 8). */
function monitoring(d: Details, n: Names): ReadbackRow[] {
  if (!s(d, 'monitoringAgencyId')) return [];
  const rows = [text('Agency monitoring the child', n.agency(s(d, 'monitoringAgencyId')))];
  const a = d['arrangement'] as Details | undefined;
  if (a && typeof a === 'object') {
    rows.push(lines('What will be checked', s(a, 'checks')));
    if (s(a, 'endsOn')) rows.push(text('Monitoring until', ukDate(s(a, 'endsOn'))));
  }
  return rows;
}

function rowsOf(type: string, d: Details, n: Names): ReadbackRow[] {
  switch (type) {
    case 'referral_received': return [text('How the referral came', CHANNELS[s(d, 'channel')] ?? words(s(d, 'channel')))];
    case 'transferred_in': return [text('Transferred from', s(d, 'fromAuthority'))];
    case 'referral_decided': return [text('Decision', REFERRAL_OUTCOMES[s(d, 'outcome')] ?? words(s(d, 'outcome'))), lines('Reasons', s(d, 'reasons')), ...monitoring(d, n)];
    case 'assessment_started': return [text('Assessment', ASSESSMENT_KINDS[s(d, 'kind')] ?? words(s(d, 'kind')))];
    case 'assessment_completed': return [
      text('Assessment', ASSESSMENT_KINDS[s(d, 'kind')] ?? words(s(d, 'kind'))), text('Outcome', ASSESSMENT_OUTCOMES[s(d, 'outcome')] ?? words(s(d, 'outcome'))),
      lines('Summary', s(d, 'summary')), ...monitoring(d, n)];
    case 'urgent_protective_action': return [text('Action taken', URGENT_KINDS[s(d, 'kind')] ?? words(s(d, 'kind'))), lines('Siblings and other children considered', s(d, 'otherChildrenConsidered'))];
    case 'strategy_discussion_held': {
      const participants = Array.isArray(d['participants']) ? (d['participants'] as Details[]) : [];
      return [
        list('Who took part', participants.map((p) => {
          const who = s(p, 'name') || (s(p, 'practitionerId') ? n.practitioner(s(p, 'practitionerId')) : '');
          return `${n.agency(s(p, 'agencyId'))}${who ? `: ${who}` : ''}`;
        })),
        text('Section 47 enquiries', d['s47'] ? 'Yes, section 47 enquiries are to be started' : 'No, section 47 enquiries are not to be started'),
        text('Police investigation', d['policeInvestigation'] ? 'Yes, the police will investigate a possible crime' : 'No'),
        lines('Decisions on the child’s immediate safety', s(d, 'immediateSafety')),
        lines('What the family will be told, by whom and when', s(d, 'familyToBeTold')),
      ];
    }
    case 'strategy_record_circulated': {
      const sent = ids(d['agencyIds']);
      if (!s(d, 'sentAt')) return [text('Sent', 'Recorded as circulated (before records were sent through Jigsaw)')];
      if (sent.length === 0) return [text('Sent', 'Not sent: no other agency took part. Children’s social care holds the record')];
      return [text('Sent', ukDateTime(s(d, 'sentAt'))), list('Sent to', sent.map(n.agency)), text('Lawful basis', 'Statutory duty (Working Together 28.3)')];
    }
    case 's47_concluded': return [text('Outcome', S47_OUTCOMES[s(d, 'outcome')] ?? words(s(d, 'outcome'))), lines('Reasons and summary of the enquiries', s(d, 'summary'))];
    case 'conference_held': {
      const plan = d['planDetails'] as Details | undefined;
      const rows = [
        text('Conference', CONFERENCE_KINDS[s(d, 'kind')] ?? words(s(d, 'kind'))),
        text('Decision', d['plan'] ? 'The child is to be (or remain) the subject of a child protection plan' : 'The child is not to be the subject of a child protection plan'),
      ];
      if (d['plan'] && plan && typeof plan === 'object') {
        rows.push(
          text('Category of abuse', words(s(plan, 'category'))), text('Lead agency', n.agency(s(plan, 'leadAgencyId'))),
          text('Key worker', n.practitioner(s(plan, 'keyWorkerId'))), list('Core group', ids(plan['coreGroup']).map(n.practitioner)),
        );
      }
      rows.push(list('Agencies invited', ids(d['invitedAgencyIds']).map(n.agency)), list('Agencies that attended', ids(d['attendedAgencyIds']).map(n.agency)),
        lines('The parents’ participation', s(d, 'parentsParticipation')));
      return rows;
    }
    case 'core_group_met': return [list('Who attended', ids(d['attendees']).map(n.practitioner))];
    case 'cin_plan_reviewed': return [lines('Summary of the review', s(d, 'summary'))];
    case 'plan_ended': return [text('Why the plan ended', PLAN_END[s(d, 'reason')] ?? words(s(d, 'reason'))), text('A child in need plan follows', yesNo(d['childInNeedPlan'])), ...monitoring(d, n)];
    case 'case_closed': return [lines('Reasons for closing the case', s(d, 'reasons')), ...monitoring(d, n)];
    default: return [];
  }
}

/** Each step's heading, as what happened. */
const TITLES: Record<string, string> = {
  referral_received: 'Referral received', transferred_in: 'Transferred in from another authority', referral_confirmed_in_writing: 'Phone referral confirmed in writing',
  referral_acknowledged: 'Referral acknowledged', referral_decided: 'Decision on the referral', assessment_started: 'Assessment started',
  assessment_completed: 'Assessment completed', urgent_protective_action: 'Urgent protective action', strategy_discussion_held: 'Strategy discussion',
  strategy_record_circulated: 'Strategy discussion record circulated', s47_concluded: 'Section 47 enquiries concluded', conference_held: 'Child protection conference',
  core_group_met: 'Core group meeting', cin_plan_reviewed: 'Child in need plan reviewed', plan_ended: 'Child protection plan ended', case_closed: 'Case closed',
};

/**
 * The practitioners the episode's history names (key workers, core groups, …), found by reading it
 * back once with names that only collect: the page looks up just these, not a whole directory.
 */
export function practitionersNamedIn(episode: Pick<EpisodeView, 'actions'>): string[] {
  const named = new Set<string>();
  readBack(episode, { agency: () => '', practitioner: (id) => (named.add(id), '') });
  return [...named];
}

/** Each step recorded in the episode, oldest first, with what it said. */
export function readBack(episode: Pick<EpisodeView, 'actions'>, n: Names): ReadbackStep[] {
  return episode.actions.map((a) => {
    const d = a.details && typeof a.details === 'object' ? (a.details as Details) : {};
    return { seq: a.seq, title: TITLES[a.type] ?? words(a.type), occurredAt: a.occurredAt, rows: [text('When', ukDateTime(a.occurredAt)), ...rowsOf(a.type, d, n)] };
  });
}
