import { NewShareDecision, type Answers } from '../../sharing/schemas.ts';
import { PURPOSE_CODES, PURPOSE_LABELS } from '../../sharing/purposes.ts';
import { fieldProblems, type FieldProblem } from '../../shared/errors.ts';
import type { ShareDraft } from '../drafts.ts';
import { calendarDate, londonInstant } from '../forms.ts';

/**
 * The information-sharing decision as a journey of questions, in the order of the protocol's key
 * questions (3.2–3.52; practitioners' guide 4.1–4.31). The path depends on the answers: a legal
 * obligation, anonymised or non-confidential information skip the consent questions; consent
 * given skips the public interest.
 */

export const STEPS = ['purpose', 'legal', 'identifiable', 'confidential', 'consent', 'public-interest', 'outcome', 'what', 'informed', 'reasons', 'check'] as const;
export type Step = (typeof STEPS)[number];

export const isStep = (s: string): s is Step => (STEPS as readonly string[]).includes(s);

export const STEP_TITLES: Record<Step, string> = {
  purpose: 'Why do you want to share?',
  legal: 'Does a law or a court order require you to share?',
  identifiable: 'Does the information identify a living person?',
  confidential: 'Is the information confidential?',
  consent: 'Do you have consent to share?',
  'public-interest': 'Is there a sufficient public interest to share without consent?',
  outcome: 'What have you decided?',
  what: 'What will you share, and with whom?',
  informed: 'Has the person been told?',
  reasons: 'Why have you decided this?',
  check: 'Check your answers before recording the decision',
};

const obliged = (d: ShareDraft): boolean => d.legalObligation === 'statutory_duty' || d.legalObligation === 'court_order';

/** The questions this draft's answers lead through, in order. */
export function pathOf(d: ShareDraft): Step[] {
  const s: Step[] = ['purpose'];
  if (d.withinAgencyFunctions !== false) {
    s.push('legal');
    if (!obliged(d)) {
      s.push('identifiable');
      if (d.identifiable !== false) {
        s.push('confidential');
        if (d.confidential !== false) {
          s.push('consent');
          if (d.consentStatus !== 'given') s.push('public-interest');
        }
      }
    }
  }
  s.push('outcome');
  if (d.outcome === 'share') s.push('what', 'informed');
  s.push('reasons', 'check');
  return s;
}

export function nextStep(d: ShareDraft, current: Step): Step {
  const p = pathOf(d);
  return p[p.indexOf(current) + 1] ?? 'check';
}

export function previousStep(d: ShareDraft, current: Step): Step | undefined {
  const p = pathOf(d);
  const i = p.indexOf(current);
  return i > 0 ? p[i - 1] : undefined;
}

/** The answers to the key questions on this draft's path (answers left behind by a changed path are dropped). */
export function answersOf(d: ShareDraft): Answers {
  const on = new Set(pathOf(d));
  const a: Answers = {};
  if (d.purposeCode && (PURPOSE_CODES as readonly string[]).includes(d.purposeCode)) a.purposeCode = d.purposeCode as Answers['purposeCode'];
  if (d.purpose) a.purpose = d.purpose;
  if (d.withinAgencyFunctions !== undefined) a.withinAgencyFunctions = d.withinAgencyFunctions;
  if (on.has('legal') && d.legalObligation) {
    a.legalObligation = d.legalObligation;
    if (d.legalObligation !== 'none' && d.legalObligationReference) a.legalObligationReference = d.legalObligationReference;
  }
  if (on.has('identifiable') && d.identifiable !== undefined) a.identifiable = d.identifiable;
  if (on.has('confidential') && d.confidential !== undefined) a.confidential = d.confidential;
  if (on.has('consent')) {
    if (d.consentStatus === 'given' && d.consentId) a.consent = { status: 'given', consentId: d.consentId };
    else if (d.consentStatus === 'refused') a.consent = { status: 'refused', ...(d.refusedConsentId ? { consentId: d.refusedConsentId } : {}), ...(d.refusalDetails ? { details: d.refusalDetails } : {}) };
    else if (d.consentStatus === 'not_sought' && d.notSoughtReason) a.consent = { status: 'not_sought', reason: d.notSoughtReason as 'increase_risk_of_harm', explanation: d.notSoughtExplanation ?? '' };
    else if (d.consentStatus === 'not_yet_asked') a.consent = { status: 'not_yet_asked' };
  }
  if (on.has('public-interest') && (d.harm || d.evidence || d.necessityAndProportionality || d.adultWithCapacityRiskingOnlyThemself !== undefined)) {
    a.publicInterest = {
      ...(d.harm ? { harm: d.harm as 'lower' } : {}),
      ...(d.evidence ? { evidence: d.evidence } : {}),
      ...(d.necessityAndProportionality ? { necessityAndProportionality: d.necessityAndProportionality } : {}),
      ...(d.adultWithCapacityRiskingOnlyThemself !== undefined ? { adultWithCapacityRiskingOnlyThemself: d.adultWithCapacityRiskingOnlyThemself } : {}),
    };
  }
  return a;
}

/** When the person was told, as an instant (noon, UK time), or a problem. */
function informedAt(d: ShareDraft): string | undefined {
  if (!d.informedDate) return undefined;
  const day = calendarDate(d.informedDate, 'The date they were told');
  return day.value ? londonInstant(day.value, '12:00').value : undefined;
}

/** The decision the draft describes, as the service takes it, or the problems that stop it being read. */
export function decisionOf(d: ShareDraft, outcome: 'share' | 'do_not_share' | 'seek_advice'): { input?: NewShareDecision; problems: FieldProblem[] } {
  const raw = {
    personId: d.personId,
    answers: answersOf(d),
    outcome,
    reasons: outcome === 'seek_advice' ? d.adviceReasons : d.reasons,
    share: outcome === 'share'
      ? {
          recipients: d.recipientAgencyIds.map((agencyId) => ({ agencyId })),
          items: d.recordIds.map((recordId) => ({ recordId, parts: d.parts.length ? d.parts : ['summary'] })),
          onwardSharing: d.onwardSharing ?? 'not_permitted',
          ...(d.onwardSharing === 'permitted_with_conditions' && d.onwardConditions ? { onwardConditions: d.onwardConditions } : {}),
          includeAddress: d.includeAddress ?? false,
        }
      : undefined,
    subjectInformed: outcome === 'share' && d.informed !== undefined
      ? (d.informed ? { informed: true, at: informedAt(d) ?? '', by: d.informedBy ?? '' } : { informed: false, reason: d.notInformedReason ?? '' })
      : undefined,
    acknowledgedWarnings: d.acknowledgedWarnings,
    advice: outcome === 'seek_advice' ? { adviserRole: d.adviserRole, question: d.adviceQuestion ?? '', revealIdentity: d.revealIdentity ?? false } : undefined,
    followsDecisionId: d.followsDecisionId,
    informationRequestId: d.informationRequestId,
  };
  const parsed = NewShareDecision.safeParse(raw);
  return parsed.success ? { input: parsed.data, problems: [] } : { problems: fieldProblems(parsed.error) };
}

/** Which question (and field on it) a service's JSON Pointer is about. */
export function stepOfPointer(pointer: string): { step: Step | 'advice'; field: string } {
  const rules: [string, Step | 'advice', string][] = [
    ['/answers/purposeCode', 'purpose', 'purposeCode'], ['/answers/purpose', 'purpose', 'purpose'], ['/answers/withinAgencyFunctions', 'purpose', 'withinAgencyFunctions'],
    ['/answers/legalObligationReference', 'legal', 'legalObligationReference'], ['/answers/legalObligation', 'legal', 'legalObligation'],
    ['/answers/identifiable', 'identifiable', 'identifiable'], ['/answers/confidential', 'confidential', 'confidential'],
    ['/answers/consent', 'consent', 'consentStatus'],
    ['/answers/publicInterest/harm', 'public-interest', 'harm'], ['/answers/publicInterest/necessityAndProportionality', 'public-interest', 'necessityAndProportionality'],
    ['/answers/publicInterest/adultWithCapacityRiskingOnlyThemself', 'public-interest', 'adultWithCapacityRiskingOnlyThemself'], ['/answers/publicInterest', 'public-interest', 'harm'],
    ['/share/recipients', 'what', 'recipientAgencyIds'], ['/share/items', 'what', 'recordIds'], ['/share/onwardConditions', 'what', 'onwardConditions'], ['/share', 'what', 'recordIds'],
    ['/subjectInformed', 'informed', 'informed'], ['/reasons', 'reasons', 'reasons'], ['/advice', 'advice', 'adviceQuestion'],
    ['/acknowledgedWarnings', 'check', 'acknowledgedWarnings'],
  ];
  const hit = rules.find(([p]) => pointer === p || pointer.startsWith(`${p}/`));
  return hit ? { step: hit[1], field: hit[2] } : { step: 'check', field: 'acknowledgedWarnings' };
}

export const LABELS = {
  purposes: PURPOSE_CODES.map((c) => ({ value: c, text: PURPOSE_LABELS[c] })),
  harm: [
    { value: 'child_significant_harm', text: 'A child is suffering, or is at risk of, significant harm' },
    { value: 'adult_serious_harm', text: 'An adult is at risk of serious harm' },
    { value: 'serious_crime', text: 'To prevent, detect or prosecute a serious crime' },
    { value: 'lower', text: 'A lower level of concern than these' },
  ],
  notSought: [
    { value: 'increase_risk_of_harm', text: 'Asking would increase the risk of harm to the child or someone else' },
    { value: 'prejudice_serious_crime_investigation', text: 'Asking would prejudice the prevention, detection or prosecution of a serious crime' },
    { value: 'unjustified_delay_in_enquiries', text: 'Asking would cause an unjustified delay in enquiries about significant harm' },
  ],
  parts: [
    { value: 'summary', text: 'The summary' }, { value: 'details', text: 'The details' },
    { value: 'childs_words', text: 'The child’s own words' }, { value: 'source', text: 'Who the information came from' },
  ],
  onward: [
    { value: 'not_permitted', text: 'They may not pass it on' }, { value: 'permitted', text: 'They may pass it on' },
    { value: 'permitted_with_conditions', text: 'They may pass it on, with conditions' },
  ],
  legalBasis: {
    statutory_duty: 'A statutory duty to share (3.7–3.9)', court_order: 'A court order (3.7–3.9)', anonymised: 'The information is anonymised (3.10)',
    not_confidential: 'The information is not confidential (Q3)', consent: 'Consent (3.17–3.21)', public_interest: 'The public interest (3.38–3.43)', none: 'No lawful basis found yet',
  } as Record<string, string>,
  advisers: [
    { value: 'safeguarding_lead', text: 'My agency’s designated safeguarding lead' },
    { value: 'caldicott_guardian', text: 'My agency’s Caldicott Guardian' },
    { value: 'manager', text: 'My manager' },
  ],
};

const yes = (b: boolean | undefined): string => (b === undefined ? 'Not answered' : b ? 'Yes' : 'No');
const textOf = (items: { value: string; text: string }[], v: string | undefined): string => items.find((i) => i.value === v)?.text ?? (v ? v.replace(/_/g, ' ') : 'Not answered');

/** The "check your answers" rows for the questions on the draft's path, each with where to change it. */
export function answerRows(d: ShareDraft): { key: string; value: string; step: Step }[] {
  const on = new Set(pathOf(d));
  const rows: { key: string; value: string; step: Step }[] = [];
  rows.push({ key: 'Purpose', value: `${textOf(LABELS.purposes, d.purposeCode)}: ${d.purpose ?? ''}`, step: 'purpose' });
  rows.push({ key: 'Within your agency’s functions', value: yes(d.withinAgencyFunctions), step: 'purpose' });
  if (on.has('legal')) rows.push({ key: 'Statutory duty or court order', value: d.legalObligation === 'none' ? 'No' : `${textOf([{ value: 'statutory_duty', text: 'A statutory duty' }, { value: 'court_order', text: 'A court order' }], d.legalObligation)}${d.legalObligationReference ? `: ${d.legalObligationReference}` : ''}`, step: 'legal' });
  if (on.has('identifiable')) rows.push({ key: 'Identifies a living person', value: yes(d.identifiable), step: 'identifiable' });
  if (on.has('confidential')) rows.push({ key: 'Confidential', value: yes(d.confidential), step: 'confidential' });
  if (on.has('consent')) {
    const status = { given: 'Consent given', refused: 'Consent refused', not_sought: 'Consent not sought', not_yet_asked: 'Not yet asked' }[d.consentStatus ?? 'not_yet_asked'] ?? 'Not answered';
    const more = d.consentStatus === 'not_sought' ? `: ${textOf(LABELS.notSought, d.notSoughtReason)}. ${d.notSoughtExplanation ?? ''}` : d.consentStatus === 'refused' && d.refusalDetails ? `: ${d.refusalDetails}` : '';
    rows.push({ key: 'Consent', value: d.consentStatus ? `${status}${more}` : 'Not answered', step: 'consent' });
  }
  if (on.has('public-interest')) {
    rows.push({ key: 'Level of harm', value: textOf(LABELS.harm, d.harm), step: 'public-interest' });
    if (d.evidence) rows.push({ key: 'Evidence', value: d.evidence, step: 'public-interest' });
    rows.push({ key: 'Necessary and proportionate because', value: d.necessityAndProportionality ?? 'Not answered', step: 'public-interest' });
    rows.push({ key: 'An adult with capacity who puts only themself at risk', value: yes(d.adultWithCapacityRiskingOnlyThemself), step: 'public-interest' });
  }
  rows.push({ key: 'Your decision', value: d.outcome === 'share' ? 'Share' : d.outcome === 'do_not_share' ? 'Do not share' : 'Not answered', step: 'outcome' });
  if (d.outcome === 'share') {
    rows.push({ key: 'May they pass it on?', value: `${textOf(LABELS.onward, d.onwardSharing)}${d.onwardSharing === 'permitted_with_conditions' && d.onwardConditions ? `: ${d.onwardConditions}` : ''}`, step: 'what' });
    rows.push({ key: 'Address included', value: d.includeAddress ? 'Yes' : 'No', step: 'what' });
    rows.push({
      key: 'The person was told',
      value: d.informed === undefined ? 'Not answered' : d.informed ? `Yes, on ${d.informedDate?.day ?? ''}/${d.informedDate?.month ?? ''}/${d.informedDate?.year ?? ''} by ${d.informedBy ?? ''}` : `No: ${d.notInformedReason ?? ''}`,
      step: 'informed',
    });
  }
  rows.push({ key: 'Your reasons', value: d.reasons ?? 'Not answered', step: 'reasons' });
  return rows;
}
