import { randomUUID } from 'node:crypto';

/**
 * In-progress information-sharing decisions, kept on the server per practitioner so that nothing
 * typed is lost between the journey's questions or on an error. They hold the practitioner's
 * answers (personal data), so they live only in this process's memory, are visible only to the
 * practitioner who started them, and are dropped after DRAFT_HOURS or once the decision is recorded.
 * A restart loses them: the practitioner starts the questions again.
 */

export const DRAFT_HOURS = 12;

export interface DraftDate {
  day: string;
  month: string;
  year: string;
}

export interface ShareDraft {
  id: string;
  practitionerId: string;
  personId: string;
  /** The person's name, for the caption of each question (never in the address or the title). */
  personLabel: string;
  startedAt: number;
  followsDecisionId?: string | undefined;
  informationRequestId?: string | undefined;
  // Question 1
  purposeCode?: string | undefined;
  purpose?: string | undefined;
  withinAgencyFunctions?: boolean | undefined;
  // Legal obligation
  legalObligation?: 'none' | 'statutory_duty' | 'court_order' | undefined;
  legalObligationReference?: string | undefined;
  // Questions 2 and 3
  identifiable?: boolean | undefined;
  confidential?: boolean | undefined;
  // Question 4
  consentStatus?: 'given' | 'refused' | 'not_sought' | 'not_yet_asked' | undefined;
  consentId?: string | undefined;
  refusedConsentId?: string | undefined;
  refusalDetails?: string | undefined;
  notSoughtReason?: string | undefined;
  notSoughtExplanation?: string | undefined;
  // Question 5
  harm?: string | undefined;
  evidence?: string | undefined;
  necessityAndProportionality?: string | undefined;
  adultWithCapacityRiskingOnlyThemself?: boolean | undefined;
  // The decision
  outcome?: 'share' | 'do_not_share' | undefined;
  recordIds: string[];
  parts: string[];
  recipientAgencyIds: string[];
  onwardSharing?: 'not_permitted' | 'permitted' | 'permitted_with_conditions' | undefined;
  onwardConditions?: string | undefined;
  includeAddress?: boolean | undefined;
  informed?: boolean | undefined;
  informedDate?: DraftDate | undefined;
  informedBy?: string | undefined;
  notInformedReason?: string | undefined;
  reasons?: string | undefined;
  acknowledgedWarnings: string[];
  // Seeking advice
  adviserRole?: string | undefined;
  adviceQuestion?: string | undefined;
  revealIdentity?: boolean | undefined;
  adviceReasons?: string | undefined;
}

const drafts = new Map<string, ShareDraft>();

function sweep(now: number): void {
  for (const [id, d] of drafts) if (now - d.startedAt > DRAFT_HOURS * 3_600_000) drafts.delete(id);
}

export function startDraft(practitionerId: string, personId: string, extra: Partial<ShareDraft> & { personLabel: string }): ShareDraft {
  const now = Date.now();
  sweep(now);
  const draft: ShareDraft = { recordIds: [], parts: ['summary', 'details'], recipientAgencyIds: [], acknowledgedWarnings: [], ...extra, id: randomUUID(), practitionerId, personId, startedAt: now };
  drafts.set(draft.id, draft);
  return draft;
}

/** The practitioner's own draft, or undefined (answered as "not found"). */
export function findDraft(id: string, practitionerId: string): ShareDraft | undefined {
  sweep(Date.now());
  const d = drafts.get(id);
  return d && d.practitionerId === practitionerId ? d : undefined;
}

export function dropDraft(id: string): void {
  drafts.delete(id);
}
