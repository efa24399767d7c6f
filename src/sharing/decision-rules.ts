import type { FieldProblem } from '../shared/errors.ts';
import type { Answers, Assessment, LegalBasis, NewShareDecision } from './schemas.ts';

/**
 * The protocol's key questions as a pure function: given the answers so far, what is the legal
 * basis, does the guidance support sharing, and what should the practitioner be told. The
 * practitioner decides; this only advises (and the decision records who decided).
 */
export function assess(a: Answers, consentCovers: boolean | undefined): Assessment {
  const guidance: string[] = [];
  const result = (legalBasis: LegalBasis, supportsSharing: boolean, consentShouldNotBeSought = false): Assessment => ({ legalBasis, supportsSharing, guidance, consentShouldNotBeSought });

  if (a.withinAgencyFunctions === false) {
    guidance.push('Sharing must be within your agency’s functions: without a clear and legitimate purpose, do not share (Q1, 3.3–3.4).');
    return result('none', false);
  }
  if (a.legalObligation === 'statutory_duty' || a.legalObligation === 'court_order') {
    guidance.push('A statutory duty or court order means you must share (3.8). Do not seek consent (3.9); tell the person what you are sharing, why and with whom, unless that is unsafe (3.11).');
    return result(a.legalObligation, true, true);
  }
  if (a.identifiable === false) {
    guidance.push('Anonymised information that cannot identify a living person may be shared (3.10).');
    return result('anonymised', true);
  }
  if (a.confidential === false) {
    guidance.push('The information is not confidential: it may be shared where necessary for the purpose, still fairly and securely (Q3, 3.49).');
    return result('not_confidential', true);
  }
  if (a.consent?.status === 'given') {
    if (consentCovers === false) {
      guidance.push('The consent on record does not cover this purpose and these recipients: a new purpose needs new consent (3.21).');
    } else {
      guidance.push('Share with consent, within its limits: only for the purpose and with the recipients it specifies (3.18, 3.49).');
      return result('consent', true);
    }
  }
  if (a.consent?.status === 'not_sought') {
    guidance.push('Consent need not be sought where asking would increase the risk of harm, prejudice a serious-crime investigation or delay enquiries (3.36).');
  }
  if (a.consent?.status === 'not_yet_asked') {
    guidance.push('Seeking consent should be the first option (3.38), unless it is unsafe or inappropriate (3.36).');
  }
  const pi = a.publicInterest;
  if (!pi?.harm) {
    if (a.consent?.status === 'refused') guidance.push('Consent was refused. Refusal does not always prevent sharing: consider whether there is a sufficient public interest (3.38).');
    return result('none', false);
  }
  if (pi.adultWithCapacityRiskingOnlyThemself) {
    guidance.push('An adult with capacity who puts only themself at risk: sharing without consent may not be justifiable (3.44). Seek advice if unsure.');
    return result('public_interest', false);
  }
  if (pi.harm === 'lower') {
    guidance.push('Below the level of significant or serious harm, the public interest in sharing must be weighed case by case; the answers so far do not show that sharing without consent is justified (3.41–3.42). Consider seeking advice.');
    return result('public_interest', false);
  }
  guidance.push('Sharing without consent is normally justified in the public interest where there is evidence or reasonable cause to believe a child is at risk of significant harm, an adult of serious harm, or to prevent serious crime (3.43). State why it is necessary and proportionate (3.41).');
  return result('public_interest', true);
}

const need = (pointer: string, detail: string): FieldProblem => ({ pointer, detail });

/**
 * What a decision must contain before it can be recorded. Urgent shares record the minimum now
 * and are completed within 1 working day; every other decision records all its answers.
 */
export function decisionProblems(d: Pick<NewShareDecision, 'answers' | 'outcome' | 'reasons' | 'share' | 'subjectInformed' | 'urgent' | 'advice'>, assessment: Assessment): FieldProblem[] {
  const p: FieldProblem[] = [];
  const a = d.answers;
  if (!a.purposeCode) p.push(need('/answers/purposeCode', 'Choose the purpose of sharing'));
  if (!a.purpose) p.push(need('/answers/purpose', 'Describe the purpose in your own words'));
  if (!d.reasons) p.push(need('/reasons', 'Record the reasons for your decision'));

  if (d.outcome === 'seek_advice') {
    if (!d.advice) p.push(need('/advice', 'Say whose advice you are seeking and what you want to ask'));
    return p;
  }
  if (d.outcome === 'share') {
    if (!d.share || d.share.recipients.length === 0) p.push(need('/share/recipients', 'Choose who the information is shared with'));
    if (!d.share || d.share.items.length === 0) p.push(need('/share/items', 'Choose which records are shared'));
    if (d.share?.onwardSharing === 'permitted_with_conditions' && !d.share.onwardConditions) p.push(need('/share/onwardConditions', 'State the conditions on passing it on'));
  }
  if (d.urgent) {
    if (d.outcome !== 'share') p.push(need('/urgent', 'Only a decision to share can be urgent'));
    if (!a.publicInterest?.harm) p.push(need('/answers/publicInterest/harm', 'Say what harm makes this urgent'));
    return p;
  }
  // The full set of key questions.
  if (a.withinAgencyFunctions === undefined) p.push(need('/answers/withinAgencyFunctions', 'Answer whether sharing is within your agency’s functions'));
  if (a.legalObligation === undefined) p.push(need('/answers/legalObligation', 'Answer whether a statutory duty or court order applies'));
  if (a.legalObligation && a.legalObligation !== 'none' && !a.legalObligationReference) p.push(need('/answers/legalObligationReference', 'Name the statute or order'));
  const obliged = a.legalObligation === 'statutory_duty' || a.legalObligation === 'court_order';
  if (!obliged && a.withinAgencyFunctions !== false) {
    if (a.identifiable === undefined) p.push(need('/answers/identifiable', 'Answer whether the information identifies a living person'));
    if (a.identifiable !== false && a.confidential === undefined) p.push(need('/answers/confidential', 'Answer whether the information is confidential'));
    if (a.identifiable !== false && a.confidential !== false) {
      if (!a.consent) p.push(need('/answers/consent', 'Answer whether you have consent'));
      const withoutConsent = a.consent && a.consent.status !== 'given';
      if (d.outcome === 'share' && (withoutConsent || assessment.legalBasis === 'public_interest' || (a.consent?.status === 'given' && assessment.legalBasis !== 'consent'))) {
        if (!a.publicInterest?.harm) p.push(need('/answers/publicInterest/harm', 'Without consent, state the level of harm (3.43)'));
        if (!a.publicInterest?.necessityAndProportionality) p.push(need('/answers/publicInterest/necessityAndProportionality', 'Without consent, say why sharing is necessary and proportionate (3.41)'));
        if (a.publicInterest?.adultWithCapacityRiskingOnlyThemself === undefined) p.push(need('/answers/publicInterest/adultWithCapacityRiskingOnlyThemself', 'Answer whether this is an adult with capacity who risks only themself (3.44)'));
      }
    }
  }
  if (d.outcome === 'share' && !d.subjectInformed) p.push(need('/subjectInformed', 'Record whether the person was told, when and by whom — or why not (3.48)'));
  return p;
}
