import { decideConsent } from '../access/policy.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import { personInReach } from '../people/people.ts';
import { ageOn } from '../shared/age.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { conflict, invalid } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { notifyAgency, notifyPractitioners } from '../sharing/notify.ts';
import type { PurposeCode } from '../sharing/purposes.ts';
import { ownRegisters } from '../sharing/registers.ts';
import type { CompetenceAssessment, Consent, NewConsent, Withdrawal } from './schemas.ts';
import { agencyTypeOf } from '../shared/agency-types.ts';

interface ConsentRow {
  id: string;
  person_id: string;
  agency_id: string;
  purpose_code: PurposeCode;
  purpose: string;
  recipient_agency_ids: string[];
  recipient_practitioner_ids: string[];
  decision: 'given' | 'refused';
  form: Consent['form'];
  document_reference: string | null;
  implied_by: string | null;
  given_by_capacity: Consent['givenByCapacity'];
  given_by_person_id: string | null;
  given_by_description: string | null;
  competence: CompetenceAssessment | null;
  obtained_at: string;
  recorded_by: string;
  recorded_at: string;
  withdrawn_at: string | null;
  withdrawal_recorded_at: string | null;
  withdrawal_reason: string | null;
}

const COMPETENCE_CRITERIA: (keyof CompetenceAssessment)[] = [
  'understandsTheQuestion', 'understandsWhatWhyAndImplications', 'weighsTheAlternatives', 'expressesOwnClearView', 'isReasonablyConsistent',
];

/** Checks that the person giving (or refusing) consent can do so for this subject (3.22–3.35). */
async function checkWhoConsents(ctx: ActorContext, tx: Tx, subject: { id: string; kind: string; date_of_birth: string | null }, input: NewConsent): Promise<void> {
  const on = input.obtainedAt.slice(0, 10);
  const age = subject.date_of_birth ? ageOn(subject.date_of_birth, on) : undefined;
  const g = input.givenBy;
  switch (g.capacity) {
    case 'self': {
      if (subject.kind === 'unborn') throw invalid('An unborn child cannot consent.', [{ pointer: '/givenBy/capacity', detail: 'Ask a person with parental responsibility' }]);
      const presumedCapable = subject.kind === 'adult' || (age !== undefined && age >= 16);
      if (presumedCapable) return;
      if (!g.competence) {
        throw invalid('A child under 16 consents for themself only after an assessment of their understanding (3.24).', [{ pointer: '/givenBy/competence', detail: 'Record the competence assessment' }]);
      }
      const unmet = COMPETENCE_CRITERIA.filter((k) => !g.competence?.[k]);
      if (unmet.length) {
        throw invalid('The assessment does not show sufficient understanding; ask a person with parental responsibility (3.26).',
          unmet.map((k) => ({ pointer: `/givenBy/competence/${k}`, detail: 'Not met' })));
      }
      return;
    }
    case 'parental_responsibility': {
      if (subject.kind === 'adult' || (age !== undefined && age >= 18)) {
        throw invalid('Parental responsibility ends at 18: an adult consents for themself or through a best-interests decision.', [{ pointer: '/givenBy/capacity', detail: 'Not for an adult' }]);
      }
      const { rows } = await tx.query(
        `SELECT 1 FROM relationship WHERE person_id = $1 AND related_person_id = $2 AND type = 'parental_responsibility'
           AND (valid_from IS NULL OR valid_from <= $3::date) AND (valid_to IS NULL OR valid_to >= $3::date)`,
        [subject.id, g.personId, on],
      );
      if (rows.length === 0) {
        throw invalid('Consent on behalf of a child must come from a person with parental responsibility (3.26–3.27).', [
          { pointer: '/givenBy/personId', detail: 'This person does not have parental responsibility for the child on record' },
        ]);
      }
      return;
    }
    case 'local_authority': {
      const agency = { type: await agencyTypeOf(tx, ctx.actor.agencyId) };
      if (agency?.type !== 'childrens_social_care') {
        throw invalid('Only the local authority holding a care order shares parental responsibility (3.27).', [{ pointer: '/givenBy/capacity', detail: "Only children's social care can record this" }]);
      }
      if (subject.kind === 'adult') throw invalid('A care order concerns a child.', [{ pointer: '/givenBy/capacity', detail: 'Not for an adult' }]);
      return;
    }
    case 'best_interests': {
      if (subject.kind !== 'adult' && (age === undefined || age < 16)) {
        throw invalid('Best-interests decisions under the Mental Capacity Act apply from 16.', [{ pointer: '/givenBy/capacity', detail: 'Not for a child under 16' }]);
      }
      return;
    }
    default: {
      const never: never = g;
      throw invalid(`Unknown capacity ${String(never)}`);
    }
  }
}

async function checkRecipients(tx: Tx, input: NewConsent): Promise<void> {
  const agencies = (await tx.query<{ id: string }>('SELECT id FROM agency WHERE id = ANY($1::uuid[])', [input.recipientAgencyIds])).rows.map((r) => r.id);
  const people = (await tx.query<{ id: string }>('SELECT id FROM practitioner WHERE id = ANY($1::uuid[])', [input.recipientPractitionerIds])).rows.map((r) => r.id);
  const errors = [
    ...input.recipientAgencyIds.flatMap((id, i) => (agencies.includes(id) ? [] : [{ pointer: `/recipientAgencyIds/${i}`, detail: 'No agency with that identifier' }])),
    ...input.recipientPractitionerIds.flatMap((id, i) => (people.includes(id) ? [] : [{ pointer: `/recipientPractitionerIds/${i}`, detail: 'No practitioner with that identifier' }])),
  ];
  if (errors.length) throw invalid('Every recipient must exist.', errors);
}

export async function recordConsent(ctx: ActorContext, personId: string, input: NewConsent): Promise<Consent> {
  if (new Date(input.obtainedAt).getTime() > ctx.clock.now().getTime() + 5 * 60_000) {
    throw invalid('Consent cannot be recorded for the future.', [{ pointer: '/obtainedAt', detail: 'This date is in the future' }]);
  }
  return command(ctx, async (tx) => {
    const subject = await personInReach(ctx, tx, personId, 'update', 'consent.record');
    await checkWhoConsents(ctx, tx, subject, input);
    await checkRecipients(tx, input);
    const g = input.givenBy;
    const id = newId();
    await tx.query(
      `INSERT INTO consent (id, person_id, agency_id, purpose_code, purpose, recipient_agency_ids, recipient_practitioner_ids, decision, form,
         document_reference, implied_by, given_by_capacity, given_by_person_id, given_by_description, competence, best_interests, obtained_at,
         recorded_by, recorded_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)`,
      [id, personId, ctx.actor.agencyId, input.purposeCode, input.purpose, input.recipientAgencyIds, input.recipientPractitionerIds, input.decision,
        input.form, input.documentReference ?? null, input.impliedBy ?? null, g.capacity,
        g.capacity === 'self' ? personId : g.capacity === 'parental_responsibility' ? g.personId : null,
        g.capacity === 'local_authority' ? `Care order ${g.careOrder}` : g.capacity === 'best_interests' ? g.bestInterests.decisionMaker : null,
        g.capacity === 'self' && g.competence ? JSON.stringify(g.competence) : null,
        g.capacity === 'best_interests' ? JSON.stringify(g.bestInterests) : null,
        input.obtainedAt, ctx.actor.practitionerId, ctx.clock.now().toISOString()],
    );
    await audit(ctx, tx, { action: 'consent.record', outcome: 'success', entityType: 'consent', entityId: id, personId, detail: { decision: input.decision } });
    return loadConsent(tx, id);
  });
}

async function loadConsent(tx: Tx, id: string): Promise<Consent> {
  const r = (await tx.query<ConsentRow>('SELECT * FROM consent WHERE id = $1', [id])).rows[0]!;
  const relied = await tx.query<{ id: string; decided_at: string; revoked_at: string | null }>(
    'SELECT id, decided_at, revoked_at FROM share_decision WHERE consent_id = $1 ORDER BY decided_at', [id]);
  return toConsent(r, relied.rows.map((d) => ({ decisionId: d.id, decidedAt: d.decided_at, revokedAt: d.revoked_at })));
}

const toConsent = (r: ConsentRow, reliedOnBy: Consent['reliedOnBy']): Consent => ({
  id: r.id,
  personId: r.person_id,
  agencyId: r.agency_id,
  purposeCode: r.purpose_code,
  purpose: r.purpose,
  recipientAgencyIds: r.recipient_agency_ids,
  recipientPractitionerIds: r.recipient_practitioner_ids,
  decision: r.decision,
  form: r.form,
  documentReference: r.document_reference,
  impliedBy: r.implied_by,
  givenByCapacity: r.given_by_capacity,
  givenByPersonId: r.given_by_person_id,
  givenByDescription: r.given_by_description,
  competence: r.competence,
  obtainedAt: r.obtained_at,
  recordedBy: r.recorded_by,
  recordedAt: r.recorded_at,
  status: r.withdrawn_at ? 'withdrawn' : r.decision,
  withdrawnAt: r.withdrawn_at,
  withdrawalRecordedAt: r.withdrawal_recorded_at,
  withdrawalReason: r.withdrawal_reason,
  reliedOnBy,
});

/**
 * A person's consents as the caller's agency recorded them. A recipient of shares about the
 * person may open the person, but another agency's register stays closed: the list is empty.
 */
export async function listConsents(ctx: ActorContext, personId: string): Promise<Consent[]> {
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'read', 'consent.list');
    const rows = (await ownRegisters(tx, personId, ctx.actor.agencyId, ctx.reads)).consents;
    const out: Consent[] = [];
    for (const r of rows) {
      // The query narrows to the caller's agency; the policy still decides every row.
      if (decideConsent(ctx.actor, 'read', { agencyId: r.agency_id }).allowed) out.push(await loadConsent(tx, r.id));
    }
    await audit(ctx, tx, { action: 'consent.list', outcome: 'success', entityType: 'person', entityId: personId, personId, detail: { count: out.length } });
    return out;
  });
}

/**
 * A consent the caller may read or withdraw: only the recording agency's casework staff. Anyone
 * else gets the answer a consent that does not exist gets, and the refusal is audited as denied.
 */
async function consentInReach(ctx: ActorContext, tx: Tx, id: string, action: 'read' | 'withdraw', auditAction: string): Promise<ConsentRow> {
  const row = (await tx.query<ConsentRow>('SELECT * FROM consent WHERE id = $1', [id])).rows[0];
  if (!row) throw refuse('consent', { action: auditAction, entityType: 'consent', entityId: id, outcome: 'not_found' });
  if (!decideConsent(ctx.actor, action, { agencyId: row.agency_id }).allowed) {
    throw refuse('consent', { action: auditAction, entityType: 'consent', entityId: id, personId: row.person_id });
  }
  return row;
}

export async function getConsent(ctx: ActorContext, id: string): Promise<Consent> {
  return command(ctx, async (tx) => {
    const row = await consentInReach(ctx, tx, id, 'read', 'consent.read');
    await audit(ctx, tx, { action: 'consent.read', outcome: 'success', entityType: 'consent', entityId: id, personId: row.person_id });
    return loadConsent(tx, id);
  });
}

/** Clock skew allowed between the practitioner's device and the server, as for `obtainedAt`. */
const SKEW_MS = 5 * 60_000;

/**
 * Withdrawal takes effect when it is recorded: every share that relied on this consent ends
 * then, its recipients are told, and the consent shows which decisions relied on it. A date the
 * person gives for their withdrawal is kept as what they said; it never moves a share's end
 * into the past, because what was lawfully shared before the withdrawal was recorded stays so.
 */
export async function withdrawConsent(ctx: ActorContext, id: string, input: Withdrawal): Promise<Consent> {
  const now = ctx.clock.now();
  if (input.withdrawnAt && new Date(input.withdrawnAt).getTime() > now.getTime() + SKEW_MS) {
    throw invalid('Consent cannot be withdrawn in the future: record the withdrawal when the person withdraws.', [{ pointer: '/withdrawnAt', detail: 'This date is in the future' }]);
  }
  return command(ctx, async (tx) => {
    const row = await consentInReach(ctx, tx, id, 'withdraw', 'consent.withdraw');
    if (row.decision !== 'given') throw conflict('Only consent that was given can be withdrawn.');
    if (row.withdrawn_at) throw conflict('This consent has already been withdrawn.');
    const recordedAt = now.toISOString();
    // Within the allowed skew a time a little ahead of ours is taken as now.
    const statedAt = input.withdrawnAt && new Date(input.withdrawnAt) < now ? input.withdrawnAt : recordedAt;
    await tx.query('UPDATE consent SET withdrawn_at = $2, withdrawal_recorded_at = $3, withdrawn_by = $4, withdrawal_reason = $5 WHERE id = $1',
      [id, statedAt, recordedAt, ctx.actor.practitionerId, input.reason]);
    const ended = await tx.query<{ id: string }>(
      `UPDATE share_decision SET revoked_at = $2, revoked_by = $3, revocation_reason = 'Consent withdrawn'
        WHERE consent_id = $1 AND legal_basis = 'consent' AND revoked_at IS NULL RETURNING id`,
      [id, recordedAt, ctx.actor.practitionerId],
    );
    for (const d of ended.rows) {
      // A grant that has not started yet ends where it would have started: no period runs backwards.
      const grants = await tx.query<{ grantee_agency_id: string; grantee_practitioner_id: string | null }>(
        `UPDATE share_grant SET revoked_at = GREATEST($2::timestamptz, valid_from) WHERE decision_id = $1 AND revoked_at IS NULL
          RETURNING grantee_agency_id, grantee_practitioner_id`, [d.id, recordedAt]);
      const notice = { kind: 'share.revoked', entityType: 'share_decision', entityId: d.id, message: 'Information shared with you has been withdrawn: the consent it relied on was withdrawn.' };
      const named = grants.rows.flatMap((g) => (g.grantee_practitioner_id ? [g.grantee_practitioner_id] : []));
      await notifyPractitioners(tx, named, notice, now);
      for (const agency of new Set(grants.rows.filter((g) => !g.grantee_practitioner_id).map((g) => g.grantee_agency_id))) await notifyAgency(tx, agency, notice, now);
      await audit(ctx, tx, { action: 'share.revoke', outcome: 'success', entityType: 'share_decision', entityId: d.id, personId: row.person_id, detail: { reason: 'consent withdrawn' } });
    }
    await audit(ctx, tx, {
      action: 'consent.withdraw', outcome: 'success', entityType: 'consent', entityId: id, personId: row.person_id,
      detail: { sharesEnded: ended.rows.length, backdated: statedAt !== recordedAt },
    });
    return loadConsent(tx, id);
  });
}
