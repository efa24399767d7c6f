import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Services } from '../shared/context.ts';
import { notFound } from '../shared/errors.ts';
import { openSecret, sealSecret, SecretsKeyError, secretsSealed } from '../shared/secret-box.ts';
import { linesHtml } from './view.ts';

/**
 * In-progress answers, kept on the server per practitioner so that nothing typed is lost between
 * a journey's questions, on an error, or when the server restarts: the information-sharing decision
 * (ShareDraft) and the forms with a check-your-answers page (FormDraft). They live in the database
 * (web_draft, migration 034), so any server process answers any request of the journey. They hold
 * the practitioner's answers (personal data): sealed under JIGSAW_SECRETS_KEY when it is set, found
 * only by the practitioner who started them, emptied once recorded, deleted after DRAFT_HOURS and
 * when the practitioner's access ends.
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
  /** Once recorded: the decision's address, where every later submit of this draft leads. */
  result?: string | undefined;
}

/**
 * A form's answers between the form, its check-your-answers page and the moment they are
 * recorded (a referral, consent, a person, an action in a child's episode, a meeting). Kept like
 * the sharing drafts: per practitioner, never in the address but by an opaque id.
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
   * Once recorded: where the result is (an address). A second submit (a double click, the back
   * button, another server process) leads there instead of recording again (Drafts.submitOnce).
   */
  result?: string | undefined;
}

/** A draft's id as made by randomUUID: anything else in an address is simply not found (never a database error). */
const DRAFT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** How long one process's claim to record a draft holds: longer than any service call; after it, a process that died mid-call no longer blocks the draft. */
const CLAIM_SECONDS = 60;
/** How often a submit waiting for another process's looks again. */
const POLL_MS = 50;
const SHARE = 'share';
/** The fields of a ShareDraft that are not its answers (they are the row's own columns). */
const SHARE_COLUMNS = new Set(['id', 'practitionerId', 'personId', 'startedAt', 'result']);

interface DraftRow {
  id: string;
  practitioner_id: string;
  kind: string;
  subject_id: string;
  started_at: string;
  idempotency_key: string;
  answers: Record<string, unknown> | null;
  answers_sealed: string | null;
  result: string | null;
  /** Another request (in any process) has claimed the draft to record it, and the claim still holds. */
  submitting: boolean;
}

/** Which drafts a request may find: its practitioner's, of one kind, about one subject (when the address names it). */
interface Owner {
  practitionerId: string;
  kind: string;
  subjectId?: string | undefined;
}

const purposeOf = (id: string): string => `web-draft:${id}`;

/**
 * The drafts of one server process, in the database. Each Web (one per app) has one; what it keeps
 * in memory is only which submits are running in this process, so that a double click joins the
 * call already made instead of polling for it.
 */
export class Drafts {
  private readonly submitting = new Map<string, Promise<string>>();

  constructor(private readonly s: Services) {}

  /** Starts a sharing decision about a person. */
  async startShare(practitionerId: string, personId: string, extra: Partial<ShareDraft> & { personLabel: string }): Promise<ShareDraft> {
    const d: ShareDraft = { recordIds: [], parts: ['summary', 'details'], recipientAgencyIds: [], acknowledgedWarnings: [], ...extra, id: randomUUID(), practitionerId, personId, startedAt: this.s.clock.now().getTime() };
    await this.insert(d.id, practitionerId, SHARE, personId, d.startedAt, randomUUID(), shareAnswers(d));
    return d;
  }

  /** The practitioner's own sharing draft, or undefined (answered as "not found"). A draft being recorded is found once it is. */
  async findShare(id: string | undefined, practitionerId: string): Promise<ShareDraft | undefined> {
    const row = await this.find(id, { practitionerId, kind: SHARE });
    const answers = row && this.answersOf(row);
    if (!row || !answers) return undefined;
    return {
      recordIds: [], parts: [], recipientAgencyIds: [], acknowledgedWarnings: [], personLabel: '', ...answers,
      id: row.id, practitionerId: row.practitioner_id, personId: row.subject_id, startedAt: Date.parse(row.started_at), result: row.result ?? undefined,
    };
  }

  /** Keeps what was typed on a question (before anything is checked, so an error loses nothing). */
  async saveShare(d: ShareDraft): Promise<void> {
    await this.update(d.id, shareAnswers(d));
  }

  /** Starts a form's draft (with a new idempotency key for the service call). */
  async startForm(practitionerId: string, kind: string, subjectId: string, values: FormDraft['values'] = {}): Promise<FormDraft> {
    const d: FormDraft = { id: randomUUID(), practitionerId, kind, subjectId, startedAt: this.s.clock.now().getTime(), idempotencyKey: randomUUID(), values };
    await this.insert(d.id, practitionerId, kind, subjectId, d.startedAt, d.idempotencyKey, values);
    return d;
  }

  /** The practitioner's own draft of that kind about that subject, or undefined (answered as "not found"). */
  async findForm(id: string | undefined, practitionerId: string, kind: string, subjectId: string): Promise<FormDraft | undefined> {
    const row = await this.find(id, { practitionerId, kind, subjectId });
    const values = row && this.answersOf(row);
    if (!row || !values) return undefined;
    return {
      id: row.id, practitionerId: row.practitioner_id, kind: row.kind, subjectId: row.subject_id, startedAt: Date.parse(row.started_at),
      idempotencyKey: row.idempotency_key, values: values as FormDraft['values'], result: row.result ?? undefined,
    };
  }

  async saveForm(d: FormDraft): Promise<void> {
    await this.update(d.id, d.values);
  }

  /** A form posted with its answers: kept in the draft it came with, or (none, or that one already recorded) in a new one. */
  async keepForm(known: FormDraft | undefined, practitionerId: string, kind: string, subjectId: string, values: FormDraft['values']): Promise<FormDraft> {
    if (known && !known.result) {
      known.values = values;
      await this.saveForm(known);
      return known;
    }
    return this.startForm(practitionerId, kind, subjectId, values);
  }

  /**
   * Runs the service call once per draft, whichever process and however many submits: a second
   * submit in this process joins the first's call; one in another process finds the draft claimed,
   * waits for its result and answers it. Once recorded, the answers (personal data) are emptied and
   * the result's address kept for later submits; a failed call lets go of the draft, its answers kept
   * for the practitioner to correct. Should a process die between the call and keeping its result,
   * the claim lapses after CLAIM_SECONDS; the referral and episode-action services then still
   * record once (they take the draft's idempotency key), the others could record a second time.
   */
  submitOnce(d: ShareDraft | FormDraft, call: () => Promise<string>): Promise<string> {
    const running = this.submitting.get(d.id);
    if (running) return running;
    const run = this.claimAndRun(d, call).finally(() => this.submitting.delete(d.id));
    this.submitting.set(d.id, run);
    return run;
  }

  private async claimAndRun(d: ShareDraft | FormDraft, call: () => Promise<string>): Promise<string> {
    const owner: Owner = { practitionerId: d.practitionerId, kind: 'kind' in d ? d.kind : SHARE };
    for (;;) {
      const claimed = await this.s.db.query(
        `UPDATE web_draft SET submitting_since = now() WHERE id = $1 AND result IS NULL
            AND (submitting_since IS NULL OR submitting_since <= now() - make_interval(secs => $2)) RETURNING id`, [d.id, CLAIM_SECONDS]);
      if (claimed.rowCount > 0) break;
      // Claimed in another process: its result, or (that call failed) another try at claiming it.
      const row = await this.settled(d.id, owner);
      if (!row) throw notFound('draft');
      if (row.result !== null) {
        d.result = row.result;
        return row.result;
      }
    }
    let href: string;
    try {
      href = await call();
    } catch (err) {
      await this.s.db.query('UPDATE web_draft SET submitting_since = NULL WHERE id = $1', [d.id]);
      throw err;
    }
    await this.s.db.query(`UPDATE web_draft SET result = $2, answers = '{}', answers_sealed = NULL, submitting_since = NULL WHERE id = $1`, [d.id, href]);
    d.result = href;
    if ('values' in d) d.values = {};
    return href;
  }

  /** The row, once any submit of it (here or in another process) has finished. */
  private async find(id: string | undefined, owner: Owner): Promise<DraftRow | undefined> {
    const running = id ? this.submitting.get(id) : undefined;
    if (running) await running.catch(() => undefined); // that request shows its own error
    return this.settled(id, owner);
  }

  /** The row, once no other process holds a claim to record it. */
  private async settled(id: string | undefined, owner: Owner): Promise<DraftRow | undefined> {
    let row = await this.read(id, owner);
    while (row && row.result === null && row.submitting) {
      await delay(POLL_MS);
      row = await this.read(id, owner);
    }
    return row;
  }

  private async read(id: string | undefined, owner: Owner): Promise<DraftRow | undefined> {
    if (!id || !DRAFT_ID.test(id)) return undefined;
    // An expired draft is never found, whether or not it has been deleted yet.
    const { rows } = await this.s.db.query<DraftRow>(
      `SELECT id, practitioner_id, kind, subject_id, started_at, idempotency_key, answers, answers_sealed, result,
              coalesce(submitting_since > now() - make_interval(secs => $5), false) AS submitting
         FROM web_draft WHERE id = $1 AND practitioner_id = $2 AND kind = $3 AND started_at >= $4`,
      [id, owner.practitionerId, owner.kind, this.expiredBefore(), CLAIM_SECONDS]);
    const row = rows[0];
    return row && (owner.subjectId === undefined || row.subject_id === owner.subjectId) ? row : undefined;
  }

  private async insert(id: string, practitionerId: string, kind: string, subjectId: string, startedAt: number, idempotencyKey: string, answers: unknown): Promise<void> {
    // Expired drafts go whenever one is started: a range of the started_at index, empty most of the time.
    await this.s.db.query(
      `WITH expired AS (DELETE FROM web_draft WHERE started_at < $1)
       INSERT INTO web_draft (id, practitioner_id, kind, subject_id, started_at, idempotency_key, answers, answers_sealed) VALUES ($2, $3, $4, $5, $6, $7, $8, $9)`,
      [this.expiredBefore(), id, practitionerId, kind, subjectId, new Date(startedAt).toISOString(), idempotencyKey, ...sealed(id, answers)]);
  }

  /** Answers are never written over a recorded draft's (emptied) ones. */
  private async update(id: string, answers: unknown): Promise<void> {
    await this.s.db.query('UPDATE web_draft SET answers = $2, answers_sealed = $3 WHERE id = $1 AND result IS NULL', [id, ...sealed(id, answers)]);
  }

  private expiredBefore(): string {
    return new Date(this.s.clock.now().getTime() - DRAFT_HOURS * 3_600_000).toISOString();
  }

  /** The answers, or undefined when sealed under a JIGSAW_SECRETS_KEY since changed: that draft is lost, as if expired. */
  private answersOf(row: DraftRow): Record<string, unknown> | undefined {
    if (row.answers_sealed === null) return row.answers ?? {};
    try {
      return JSON.parse(openSecret(purposeOf(row.id), row.answers_sealed)) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof SecretsKeyError) return undefined;
      throw err;
    }
  }
}

/** [answers, answers_sealed]: sealed under JIGSAW_SECRETS_KEY when it is set (bound to the draft, so never moved to another), else plain JSON. */
function sealed(id: string, answers: unknown): [string | null, string | null] {
  const json = JSON.stringify(answers);
  return secretsSealed() ? [null, sealSecret(purposeOf(id), json)] : [json, null];
}

function shareAnswers(d: ShareDraft): Record<string, unknown> {
  return Object.fromEntries(Object.entries(d).filter(([k]) => !SHARE_COLUMNS.has(k)));
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
