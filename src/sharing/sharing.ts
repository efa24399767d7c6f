import { checkView } from '../access/views.ts';
import { decideAgency, decideRecord } from '../access/policy.ts';
import { grantsFor, liveGrants, withGrants } from './grants.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import { londonDate, workingDayCalendar, type CalendarNation } from '../calendar/working-days.ts';
import type { Queryable } from '../db/database.ts';
import { personInReach } from '../people/people.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { conflict, invalid, type FieldProblem } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { assess, decisionProblems } from './decision-rules.ts';
import { notifyAgency, notifyPractitioners } from './notify.ts';
import { pointToPreviousHistory } from '../process/previous-history.ts';
import type { PurposeCode } from './purposes.ts';
import { ownRegisters } from './registers.ts';
import type { Answers, Assessment, CompleteUrgentDecision, NewShareDecision, RecordPart, ShareDecision, Warning } from './schemas.ts';

interface CandidateRecord {
  id: string;
  person_id: string;
  agency_id: string;
  restricted: boolean;
  created_by: string;
  named: string[] | null;
  sensitive_categories: string[];
  confidential: boolean;
  source: { type: string; identityProtected?: boolean };
}

async function nationOf(tx: Tx, agencyId: string): Promise<CalendarNation> {
  const row = (await tx.query<{ nation: CalendarNation }>(
    'SELECT p.nation FROM partnership p JOIN partnership_agency pa ON pa.partnership_id = p.id WHERE pa.agency_id = $1 ORDER BY p.created_at LIMIT 1', [agencyId])).rows[0];
  return row?.nation ?? 'england-and-wales';
}

interface ConsentFacts {
  id: string;
  person_id: string;
  purpose_code: PurposeCode;
  recipient_agency_ids: string[];
  recipient_practitioner_ids: string[];
  decision: 'given' | 'refused';
  withdrawn_at: string | null;
}

/** Consent covers a share when it was given, is not withdrawn, names this purpose and every recipient. */
function consentCovers(c: ConsentFacts, personId: string, purposeCode: PurposeCode | undefined, recipients: readonly { agencyId: string; practitionerId?: string | undefined }[]): boolean {
  if (c.person_id !== personId || c.decision !== 'given' || c.withdrawn_at) return false;
  if (c.purpose_code !== purposeCode) return false;
  return recipients.every((r) => c.recipient_agency_ids.includes(r.agencyId) || (r.practitionerId !== undefined && c.recipient_practitioner_ids.includes(r.practitionerId)));
}

interface Checked {
  assessment: Assessment;
  warnings: Warning[];
  problems: FieldProblem[];
  consent: ConsentFacts | undefined;
  records: CandidateRecord[];
}

/**
 * Everything about a proposed decision that can be checked without writing: the assessment,
 * what must be called out before confirming (sensitive data, third parties), and what is missing.
 */
async function check(ctx: ActorContext, tx: Tx, input: NewShareDecision): Promise<Checked> {
  const problems: FieldProblem[] = [];
  const a: Answers = input.answers;
  let consent: ConsentFacts | undefined;
  let covers: boolean | undefined;
  if (a.consent?.status === 'given' || (a.consent?.status === 'refused' && a.consent.consentId)) {
    consent = (await tx.query<ConsentFacts>(
      'SELECT id, person_id, purpose_code, recipient_agency_ids, recipient_practitioner_ids, decision, withdrawn_at FROM consent WHERE id = $1 AND agency_id = $2',
      [a.consent.consentId, ctx.actor.agencyId])).rows[0];
    if (!consent || consent.person_id !== input.personId) {
      problems.push({ pointer: '/answers/consent/consentId', detail: 'No consent with that identifier is recorded for this person' });
    } else if (a.consent.status === 'given') {
      if (consent.decision !== 'given') problems.push({ pointer: '/answers/consent/consentId', detail: 'This consent was refused, not given' });
      else if (consent.withdrawn_at) problems.push({ pointer: '/answers/consent/consentId', detail: 'This consent has been withdrawn' });
      else {
        covers = consentCovers(consent, input.personId, a.purposeCode, input.share?.recipients ?? []);
        if (!covers && input.outcome === 'share' && !a.publicInterest?.harm) {
          problems.push({ pointer: '/answers/consent/consentId', detail: 'This consent is for a different purpose or different recipients: a new purpose needs new consent (3.21)' });
        }
      }
    }
  }
  const assessment = assess(a, covers);
  problems.push(...decisionProblems(input, assessment));

  const records: CandidateRecord[] = [];
  const warnings: Warning[] = [];
  if (input.outcome === 'share' && input.share) {
    const ids = input.share.items.map((i) => i.recordId);
    const { rows } = await tx.query<CandidateRecord>(
      `SELECT r.id, r.person_id, r.agency_id, r.restricted, r.created_by,
              (SELECT array_agg(n.practitioner_id) FROM record_named_practitioner n WHERE n.record_id = r.id) AS named,
              v.sensitive_categories, v.confidential, v.source
         FROM agency_record r JOIN agency_record_version v ON v.record_id = r.id AND v.version = r.current_version
        WHERE r.id = ANY($1::uuid[])`, [ids]);
    const grants = await grantsFor(tx, ctx.actor, { recordIds: rows.filter((r) => r.agency_id !== ctx.actor.agencyId).map((r) => r.id) });
    const actor = withGrants(ctx.actor, grants);
    const now = ctx.clock.now();
    input.share.items.forEach((item, i) => {
      const r = rows.find((x) => x.id === item.recordId);
      const facts = r && { id: r.id, agencyId: r.agency_id, restricted: r.restricted, createdBy: r.created_by, namedPractitionerIds: r.named ?? [] };
      const readable = facts && r.person_id === input.personId && decideRecord(actor, 'read', facts, now).allowed;
      if (!r || !readable) {
        problems.push({ pointer: `/share/items/${i}/recordId`, detail: 'No record about this person with that identifier' });
        return;
      }
      if (r.agency_id !== ctx.actor.agencyId) {
        // Passing on what was shared with us: only where the original decision allows it, and no more of it.
        const live = liveGrants(grants.filter((g) => g.recordId === r.id), now)[0];
        if (!live || live.onwardSharing === 'not_permitted') {
          problems.push({ pointer: `/share/items/${i}/recordId`, detail: 'This record was shared with you without permission to pass it on (3.49)' });
        } else if (item.parts.some((p) => !live.parts.includes(p))) {
          problems.push({ pointer: `/share/items/${i}/parts`, detail: 'You can pass on only the parts that were shared with you' });
        }
      }
      records.push(r);
    });
    const sensitive = records.filter((r) => r.sensitive_categories.length > 0).map((r) => r.id);
    if (sensitive.length) warnings.push({ code: 'sensitive_information', message: 'These records hold sensitive information (health, sexual life, offences, beliefs or ethnicity): share it only if it is necessary for the purpose (3.41).', recordIds: sensitive });
    const protectedSource = records.filter((r) => r.source.identityProtected && input.share!.items.find((x) => x.recordId === r.id)!.parts.includes('source')).map((r) => r.id);
    if (protectedSource.length) warnings.push({ code: 'protected_source', message: 'You are sharing the identity of a source who asked to be protected: a member of the public is named only with their consent (12.5).', recordIds: protectedSource });
    const thirdParty = records.filter((r) => ['member_of_public', 'family_member', 'other', 'anonymous'].includes(r.source.type)).map((r) => r.id);
    if (thirdParty.length) warnings.push({ code: 'third_party', message: 'These records came from a third party who could be identified from them: consider their safety and whether your purpose can be met without identifying them (3.50).', recordIds: thirdParty });
    if (!assessment.supportsSharing) warnings.push({ code: 'answers_do_not_support_sharing', message: 'Your answers so far do not support sharing. You may still decide to share; your reasons will be recorded.', recordIds: [] });
    for (const [i, r] of input.share.recipients.entries()) {
      if (r.agencyId === ctx.actor.agencyId) problems.push({ pointer: `/share/recipients/${i}/agencyId`, detail: 'Your own agency already holds this information' });
    }
    const agencies = (await tx.query<{ id: string }>('SELECT id FROM agency WHERE id = ANY($1::uuid[])', [input.share.recipients.map((r) => r.agencyId)])).rows.map((r) => r.id);
    for (const [i, r] of input.share.recipients.entries()) {
      if (!agencies.includes(r.agencyId)) problems.push({ pointer: `/share/recipients/${i}/agencyId`, detail: 'No agency with that identifier' });
      else if (r.practitionerId) {
        const ok = (await tx.query('SELECT 1 FROM practitioner WHERE id = $1 AND agency_id = $2 AND active', [r.practitionerId, r.agencyId])).rowCount > 0;
        if (!ok) problems.push({ pointer: `/share/recipients/${i}/practitionerId`, detail: 'No active practitioner with that identifier in that agency' });
      }
    }
    if (input.share.validUntil && new Date(input.share.validUntil) <= now) problems.push({ pointer: '/share/validUntil', detail: 'The end of the share must be in the future' });
  }
  return { assessment, warnings, problems, consent, records };
}

export interface Preview {
  assessment: Assessment;
  warnings: Warning[];
  problems: FieldProblem[];
}

/** What the system would say about a decision, without recording it: the journey's "check your answers". */
export async function previewDecision(ctx: ActorContext, input: NewShareDecision): Promise<Preview> {
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, input.personId, 'read', 'share.preview');
    const c = await check(ctx, tx, input);
    await audit(ctx, tx, { action: 'share.preview', outcome: 'success', entityType: 'person', entityId: input.personId, personId: input.personId });
    return { assessment: c.assessment, warnings: c.warnings, problems: c.problems };
  });
}

function refuseUnacknowledged(warnings: Warning[], acknowledged: readonly string[]): FieldProblem[] {
  return warnings.filter((w) => !acknowledged.includes(w.code)).map((w) => ({ pointer: '/acknowledgedWarnings', detail: `Confirm you have considered: ${w.code} — ${w.message}` }));
}

export async function makeDecision(ctx: ActorContext, input: NewShareDecision): Promise<ShareDecision> {
  return command(ctx, (tx) => makeDecisionInTx(ctx, tx, input));
}

/** makeDecision inside the caller's transaction: a referral records the decision it rests on with itself. */
export async function makeDecisionInTx(ctx: ActorContext, tx: Tx, input: NewShareDecision): Promise<ShareDecision> {
  await personInReach(ctx, tx, input.personId, 'read', 'share.decide');
  const c = await check(ctx, tx, input);
  const problems = [...c.problems, ...(input.outcome === 'share' ? refuseUnacknowledged(c.warnings, input.acknowledgedWarnings) : [])];
  if (input.followsDecisionId) {
    const prior = (await tx.query('SELECT 1 FROM share_decision WHERE id = $1 AND agency_id = $2 AND person_id = $3', [input.followsDecisionId, ctx.actor.agencyId, input.personId])).rowCount;
    if (!prior) problems.push({ pointer: '/followsDecisionId', detail: 'No earlier decision about this person with that identifier' });
  }
  let request: { id: string; from_agency_id: string; requested_by: string } | undefined;
  if (input.informationRequestId) {
    request = (await tx.query<{ id: string; from_agency_id: string; requested_by: string }>(
      "SELECT id, from_agency_id, requested_by FROM information_request WHERE id = $1 AND to_agency_id = $2 AND status = 'open' FOR UPDATE",
      [input.informationRequestId, ctx.actor.agencyId])).rows[0];
    if (!request) problems.push({ pointer: '/informationRequestId', detail: 'No open request to your agency with that identifier' });
    else if (input.outcome === 'share' && !input.share?.recipients.some((r) => r.agencyId === request!.from_agency_id)) {
      problems.push({ pointer: '/share/recipients', detail: 'Answering a request: include the agency that asked' });
    }
  }
  if (problems.length) throw invalid('The decision cannot be recorded yet.', problems);

  const id = newId();
  const now = ctx.clock.now();
  const completeBy = input.urgent ? workingDayCalendar().addWorkingDays(await nationOf(tx, ctx.actor.agencyId), londonDate(now), 1) : null;
  const share = input.outcome === 'share' ? input.share! : undefined;
  await tx.query(
    `INSERT INTO share_decision (id, person_id, agency_id, decided_by, decided_at, outcome, legal_basis, purpose_code, purpose, answers, reasons,
       consent_id, urgent, complete_by, completed_at, follows_decision_id, information_request_id, valid_until, onward_sharing, onward_conditions,
       include_address, subject_informed, source_informed, acknowledged_warnings)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24)`,
    [id, input.personId, ctx.actor.agencyId, ctx.actor.practitionerId, now.toISOString(), input.outcome, c.assessment.legalBasis,
      input.answers.purposeCode, input.answers.purpose, JSON.stringify(input.answers), input.reasons,
      input.answers.consent?.status === 'given' || input.answers.consent?.status === 'refused' ? (c.consent?.id ?? null) : null,
      input.urgent, completeBy, input.urgent ? null : now.toISOString(), input.followsDecisionId ?? null, input.informationRequestId ?? null,
      share?.validUntil ?? null, share?.onwardSharing ?? 'not_permitted', share?.onwardConditions ?? null, share?.includeAddress ?? false,
      input.subjectInformed ? JSON.stringify(input.subjectInformed) : null, input.sourceInformed ? JSON.stringify(input.sourceInformed) : null,
      input.acknowledgedWarnings],
  );
  if (share) {
    for (const r of share.recipients) {
      await tx.query('INSERT INTO share_recipient (decision_id, agency_id, practitioner_id) VALUES ($1,$2,$3)', [id, r.agencyId, r.practitionerId ?? null]);
      for (const item of share.items) {
        const rec = c.records.find((x) => x.id === item.recordId)!;
        await tx.query(
          `INSERT INTO share_grant (id, decision_id, record_id, person_id, grantee_agency_id, grantee_practitioner_id, parts, valid_from, valid_until)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
          [newId(), id, item.recordId, rec.person_id, r.agencyId, r.practitionerId ?? null, [...new Set(item.parts)], now.toISOString(), share.validUntil ?? null],
        );
      }
      const notice = { kind: 'share.received', entityType: 'share_decision', entityId: id, message: `Information has been shared with you${input.urgent ? ' urgently' : ''}.` };
      if (r.practitionerId) await notifyPractitioners(tx, [r.practitionerId], notice, now);
      else await notifyAgency(tx, r.agencyId, notice, now);
      // Children's social care is pointed to earlier plans around this person in its own index (case example 8).
      const type = (await tx.query<{ type: string }>('SELECT type FROM agency WHERE id = $1', [r.agencyId])).rows[0]?.type;
      if (type === 'childrens_social_care') await pointToPreviousHistory(tx, r.agencyId, input.personId, r.practitionerId ? { practitionerIds: [r.practitionerId] } : 'agency', now);
    }
  }
  if (input.outcome === 'seek_advice' && input.advice) {
    await tx.query(
      `INSERT INTO advice_request (id, decision_id, agency_id, asked_by, adviser_role, adviser_id, question, identity_revealed, asked_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
      [newId(), id, ctx.actor.agencyId, ctx.actor.practitionerId, input.advice.adviserRole, input.advice.adviserId ?? null, input.advice.question, input.advice.revealIdentity, now.toISOString()],
    );
    const advisers = input.advice.adviserId ? [input.advice.adviserId] : (await tx.query<{ id: string }>(
      `SELECT p.id FROM practitioner p JOIN practitioner_role r ON r.practitioner_id = p.id WHERE p.agency_id = $1 AND p.active AND r.role = $2`,
      [ctx.actor.agencyId, input.advice.adviserRole])).rows.map((r) => r.id);
    await notifyPractitioners(tx, advisers, { kind: 'advice.requested', entityType: 'share_decision', entityId: id, message: 'A colleague is asking for advice about sharing information.' }, now);
  }
  if (request && input.outcome !== 'seek_advice') {
    await tx.query(`UPDATE information_request SET status = $2, answered_by = $3, answered_at = $4, response_decision_id = $5 WHERE id = $1`, [
      request.id, input.outcome === 'share' ? 'shared' : 'refused', ctx.actor.practitionerId, now.toISOString(), id]);
    await notifyPractitioners(tx, [request.requested_by], {
      kind: 'information-request.answered', entityType: 'information_request', entityId: request.id,
      message: input.outcome === 'share' ? 'Your request for information has been answered: information was shared.' : 'Your request for information has been answered: the agency decided not to share.',
    }, now);
  }
  await audit(ctx, tx, { action: 'share.decide', outcome: 'success', entityType: 'share_decision', entityId: id, personId: input.personId, detail: { outcome: input.outcome, basis: c.assessment.legalBasis, records: share?.items.length ?? 0, recipients: share?.recipients.length ?? 0, urgent: input.urgent } });
  return loadDecision(tx, id);
}

interface DecisionRow {
  id: string;
  person_id: string;
  agency_id: string;
  decided_by: string;
  decided_by_name: string;
  decided_at: string;
  outcome: ShareDecision['outcome'];
  legal_basis: ShareDecision['legalBasis'];
  purpose_code: PurposeCode;
  purpose: string;
  answers: Answers;
  reasons: string;
  consent_id: string | null;
  urgent: boolean;
  complete_by: string | null;
  completed_at: string | null;
  follows_decision_id: string | null;
  information_request_id: string | null;
  valid_until: string | null;
  onward_sharing: ShareDecision['onwardSharing'];
  onward_conditions: string | null;
  include_address: boolean;
  subject_informed: unknown;
  source_informed: unknown;
  acknowledged_warnings: string[];
  revoked_at: string | null;
  revocation_reason: string | null;
}

async function loadDecision(tx: Queryable, id: string): Promise<ShareDecision> {
  const d = (await tx.query<DecisionRow>('SELECT d.*, p.name AS decided_by_name FROM share_decision d JOIN practitioner p ON p.id = d.decided_by WHERE d.id = $1', [id])).rows[0]!;
  const recipients = await tx.query<{ agency_id: string; name: string; practitioner_id: string | null }>(
    'SELECT r.agency_id, a.name, r.practitioner_id FROM share_recipient r JOIN agency a ON a.id = r.agency_id WHERE r.decision_id = $1', [id]);
  const items = await tx.query<{ record_id: string; parts: RecordPart[] }>(
    'SELECT DISTINCT ON (record_id) record_id, parts FROM share_grant WHERE decision_id = $1 ORDER BY record_id', [id]);
  const advice = await tx.query<{ id: string; adviser_role: string; question: string; advice: string | null; advised_by: string | null; advised_at: string | null }>(
    `SELECT id, adviser_role, question, advice, advised_by, advised_at FROM advice_request
      WHERE decision_id = $1 OR decision_id = $2 ORDER BY asked_at`, [id, d.follows_decision_id]);
  return {
    id: d.id,
    personId: d.person_id,
    agencyId: d.agency_id,
    decidedBy: d.decided_by,
    decidedByName: d.decided_by_name,
    decidedAt: d.decided_at,
    outcome: d.outcome,
    legalBasis: d.legal_basis,
    purposeCode: d.purpose_code,
    purpose: d.purpose,
    answers: d.answers,
    assessment: assess(d.answers, d.legal_basis === 'consent' ? true : undefined),
    reasons: d.reasons,
    consentId: d.consent_id,
    urgent: d.urgent,
    completeBy: d.complete_by,
    completedAt: d.completed_at,
    followsDecisionId: d.follows_decision_id,
    informationRequestId: d.information_request_id,
    recipients: recipients.rows.map((r) => ({ agencyId: r.agency_id, agencyName: r.name, practitionerId: r.practitioner_id })),
    items: items.rows.map((i) => ({ recordId: i.record_id, parts: i.parts })),
    validUntil: d.valid_until,
    onwardSharing: d.onward_sharing,
    onwardConditions: d.onward_conditions,
    includeAddress: d.include_address,
    subjectInformed: d.subject_informed ?? null,
    sourceInformed: d.source_informed ?? null,
    acknowledgedWarnings: d.acknowledged_warnings,
    revokedAt: d.revoked_at,
    revocationReason: d.revocation_reason,
    advice: advice.rows.map((a) => ({ id: a.id, adviserRole: a.adviser_role, question: a.question, advice: a.advice, advisedBy: a.advised_by, advisedAt: a.advised_at })),
  };
}

/**
 * A decision is the deciding agency's record: its casework staff read it; nobody else does.
 * (Recipients learn who shared, when, why and on what basis from the shared record itself.)
 */
async function decisionInReach(ctx: ActorContext, tx: Tx, id: string, action: string): Promise<DecisionRow> {
  const d = (await tx.query<DecisionRow>('SELECT * FROM share_decision WHERE id = $1', [id])).rows[0];
  if (!d) throw refuse('decision', { action, entityType: 'share_decision', entityId: id, outcome: 'not_found' });
  if (!decideAgency(ctx.actor, 'create-person', d.agency_id).allowed) {
    throw refuse('decision', { action, entityType: 'share_decision', entityId: id, personId: d.person_id });
  }
  return d;
}

export async function getDecision(ctx: ActorContext, id: string): Promise<ShareDecision> {
  return command(ctx, async (tx) => {
    const d = await decisionInReach(ctx, tx, id, 'share.read');
    await audit(ctx, tx, { action: 'share.read', outcome: 'success', entityType: 'share_decision', entityId: id, personId: d.person_id });
    return loadDecision(tx, id);
  });
}

export async function listDecisions(ctx: ActorContext, personId: string): Promise<ShareDecision[]> {
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'read', 'share.list');
    const ids = (await ownRegisters(tx, personId, ctx.actor.agencyId, ctx.reads)).decisions;
    const out: ShareDecision[] = [];
    for (const id of ids) out.push(await loadDecision(tx, id));
    await audit(ctx, tx, { action: 'share.list', outcome: 'success', entityType: 'person', entityId: personId, personId, detail: { count: out.length } });
    return out;
  });
}

/** Completes an urgent share with the full answers; a late completion is shown as late. */
export async function completeUrgentDecision(ctx: ActorContext, id: string, input: CompleteUrgentDecision): Promise<ShareDecision> {
  return command(ctx, async (tx) => {
    const d = await decisionInReach(ctx, tx, id, 'share.complete');
    if (!d.urgent || d.completed_at) throw conflict('Only an urgent decision that is not yet complete can be completed.');
    const items = (await tx.query<{ record_id: string; parts: RecordPart[] }>('SELECT DISTINCT ON (record_id) record_id, parts FROM share_grant WHERE decision_id = $1 ORDER BY record_id', [id])).rows;
    const recipients = (await tx.query<{ agency_id: string; practitioner_id: string | null }>('SELECT agency_id, practitioner_id FROM share_recipient WHERE decision_id = $1', [id])).rows;
    const answers = { ...d.answers, ...input.answers };
    const full: NewShareDecision = {
      personId: d.person_id, answers, outcome: 'share', reasons: input.reasons ?? d.reasons, urgent: false,
      share: { recipients: recipients.map((r) => ({ agencyId: r.agency_id, practitionerId: r.practitioner_id ?? undefined })), items: items.map((i) => ({ recordId: i.record_id, parts: i.parts })), onwardSharing: d.onward_sharing, onwardConditions: d.onward_conditions ?? undefined, includeAddress: d.include_address, validUntil: d.valid_until ?? undefined },
      subjectInformed: input.subjectInformed, sourceInformed: input.sourceInformed, acknowledgedWarnings: [...d.acknowledged_warnings, ...input.acknowledgedWarnings],
    };
    const c = await check(ctx, tx, full);
    const problems = c.problems.filter((p) => !p.pointer.startsWith('/share/validUntil'));
    if (problems.length) throw invalid('The decision cannot be completed yet.', problems);
    const now = ctx.clock.now();
    await tx.query(
      `UPDATE share_decision SET answers = $2, reasons = $3, legal_basis = $4, subject_informed = $5, source_informed = $6, completed_at = $7,
         acknowledged_warnings = $8, purpose_code = $9, purpose = $10, consent_id = $11 WHERE id = $1`,
      [id, JSON.stringify(answers), full.reasons, c.assessment.legalBasis, input.subjectInformed ? JSON.stringify(input.subjectInformed) : null,
        input.sourceInformed ? JSON.stringify(input.sourceInformed) : null, now.toISOString(), full.acknowledgedWarnings, answers.purposeCode, answers.purpose, c.consent?.id ?? null],
    );
    const late = d.complete_by !== null && londonDate(now) > d.complete_by;
    await audit(ctx, tx, { action: 'share.complete', outcome: 'success', entityType: 'share_decision', entityId: id, personId: d.person_id, detail: { late } });
    return loadDecision(tx, id);
  });
}

/** Ends a share from this moment. What the recipients saw before stays in the history and the audit. */
export async function revokeDecision(ctx: ActorContext, id: string, reason: string): Promise<ShareDecision> {
  return command(ctx, async (tx) => {
    const d = await decisionInReach(ctx, tx, id, 'share.revoke');
    if (d.outcome !== 'share') throw conflict('Only a decision to share can be revoked.');
    if (d.revoked_at) throw conflict('This share has already been revoked.');
    const now = ctx.clock.now().toISOString();
    await tx.query('UPDATE share_decision SET revoked_at = $2, revoked_by = $3, revocation_reason = $4 WHERE id = $1', [id, now, ctx.actor.practitionerId, reason]);
    const grants = await tx.query<{ grantee_agency_id: string; grantee_practitioner_id: string | null }>(
      'UPDATE share_grant SET revoked_at = $2 WHERE decision_id = $1 AND revoked_at IS NULL RETURNING grantee_agency_id, grantee_practitioner_id', [id, now]);
    const notice = { kind: 'share.revoked', entityType: 'share_decision', entityId: id, message: 'Information shared with you has been withdrawn by the agency that shared it.' };
    await notifyPractitioners(tx, grants.rows.flatMap((g) => (g.grantee_practitioner_id ? [g.grantee_practitioner_id] : [])), notice, ctx.clock.now());
    for (const a of new Set(grants.rows.filter((g) => !g.grantee_practitioner_id).map((g) => g.grantee_agency_id))) await notifyAgency(tx, a, notice, ctx.clock.now());
    await audit(ctx, tx, { action: 'share.revoke', outcome: 'success', entityType: 'share_decision', entityId: id, personId: d.person_id });
    return loadDecision(tx, id);
  });
}

export interface UrgentOutstanding {
  decisionId: string;
  personId: string;
  decidedBy: string;
  decidedAt: string;
  completeBy: string;
  overdue: boolean;
}

/** Urgent shares still to be completed in the caller's agency, oldest first, until they are. */
export async function listIncompleteUrgent(ctx: ActorContext): Promise<UrgentOutstanding[]> {
  return command(ctx, async (tx) => {
    checkView(ctx, 'urgent-shares', 'share.urgent-outstanding');
    const { rows } = await tx.query<{ id: string; person_id: string; decided_by: string; decided_at: string; complete_by: string }>(
      'SELECT id, person_id, decided_by, decided_at, complete_by FROM share_decision WHERE agency_id = $1 AND urgent AND completed_at IS NULL ORDER BY decided_at',
      [ctx.actor.agencyId]);
    const today = londonDate(ctx.clock.now());
    await audit(ctx, tx, { action: 'share.urgent-outstanding', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { count: rows.length } });
    return rows.map((r) => ({ decisionId: r.id, personId: r.person_id, decidedBy: r.decided_by, decidedAt: r.decided_at, completeBy: r.complete_by, overdue: today > r.complete_by }));
  });
}
