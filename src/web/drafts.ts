import { randomUUID } from 'node:crypto';
import { linesHtml } from './view.ts';

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
  for (const [id, d] of forms) if (now - d.startedAt > DRAFT_HOURS * 3_600_000) forms.delete(id);
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

/**
 * A form's answers between the form, its check-your-answers page and the moment they are
 * recorded (a referral, consent, a person, an action in a child's episode, a meeting). Kept like
 * the sharing drafts: in memory, per practitioner, never in the address but by an opaque id.
 */
export interface FormDraft {
  id: string;
  practitionerId: string;
  /** What the form is for: a draft of one kind is never found as another. */
  kind: string;
  /** The person, episode or meeting the form is about, checked against the address. */
  subjectId: string;
  startedAt: number;
  /** Made when the form is first shown and sent with the service call, so a retry never records twice. */
  idempotencyKey: string;
  /** What was typed, as the form posted it. */
  values: Record<string, string | string[] | undefined>;
  /**
   * Once confirmed: where the result is (an address). A second submit (a double click, or the
   * back button) waits for the same call instead of making another.
   */
  submitted?: Promise<string> | undefined;
}

const forms = new Map<string, FormDraft>();

export function startFormDraft(practitionerId: string, kind: string, subjectId: string, values: FormDraft['values'] = {}): FormDraft {
  const now = Date.now();
  sweep(now);
  const draft: FormDraft = { id: randomUUID(), practitionerId, kind, subjectId, startedAt: now, idempotencyKey: randomUUID(), values };
  forms.set(draft.id, draft);
  return draft;
}

/** The practitioner's own draft of that kind about that subject, or undefined (answered as "not found"). */
export function findFormDraft(id: string | undefined, practitionerId: string, kind: string, subjectId: string): FormDraft | undefined {
  if (!id) return undefined;
  sweep(Date.now());
  const d = forms.get(id);
  return d && d.practitionerId === practitionerId && d.kind === kind && d.subjectId === subjectId ? d : undefined;
}

/**
 * Runs the service call once per draft: a second submit gets the first one's answer. The answers
 * (personal data) are forgotten once recorded; a failed call leaves them for the practitioner to correct.
 */
export async function submitOnce(d: FormDraft, call: () => Promise<string>): Promise<string> {
  if (!d.submitted) {
    d.submitted = call().then((href) => {
      d.values = {};
      return href;
    }, (err: unknown) => {
      d.submitted = undefined;
      throw err;
    });
  }
  return d.submitted;
}

/** One row of a GOV.UK "check your answers" summary list, with its "Change" link back to the field. */
export interface AnswerRow {
  key: { text: string };
  value: { html: string };
  actions?: { items: { href: string; text: string; visuallyHiddenText: string }[] };
}

/** A row whose value keeps the practitioner's line breaks (escaped); an empty answer reads "Not given". */
export function answerRow(key: string, value: string | readonly string[] | undefined, changeHref?: string): AnswerRow {
  const text = Array.isArray(value) ? value.filter(Boolean).join('\n') : ((value as string | undefined) ?? '');
  const html = text.trim() ? linesHtml(text.trim()) : 'Not given';
  return { key: { text: key }, value: { html }, ...(changeHref ? { actions: { items: [{ href: changeHref, text: 'Change', visuallyHiddenText: key.toLowerCase() }] } } : {}) };
}
