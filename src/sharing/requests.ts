import { ifGiven } from '../db/filters.ts';
import { checkView } from '../access/views.ts';
import { z } from 'zod';
import { CASEWORK_ROLES, decidePerson } from '../access/policy.ts';
import { AccessRefused, audit, command, refuse, type AuditInput } from '../audit/audit.ts';
import type { Queryable } from '../db/database.ts';
import { personInReach } from '../people/people.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { conflict, forbidden, invalid, type FieldProblem } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { requiredUuid, textOf, Uuid } from '../shared/schemas.ts';
import { KeyId, KeyTime, keysetPage, sqlKeyTime, type Page, type PageRequest } from '../shared/pagination.ts';
import { notifyAgency, notifyPractitioners } from './notify.ts';
import { PURPOSE_CODES, type PurposeCode } from './purposes.ts';

/**
 * Requests for information between agencies: "don't assume you all have the same information".
 * A practitioner asks another agency what it holds about someone in their own index, for a stated
 * purpose. The request waits in the other agency's queue until it is answered by a recorded share
 * decision (makeDecision with informationRequestId) or a recorded refusal or "we hold nothing"
 * (answerRequest); the requester is told the outcome either way.
 */

export const REQUEST_STATUSES = ['open', 'shared', 'refused', 'not_known'] as const;
export const RequestStatus = z
  .enum(REQUEST_STATUSES, { error: () => `Must be one of ${REQUEST_STATUSES.join(', ')}` })
  .meta({ description: 'open: waiting for an answer; shared: answered by a decision to share; refused: the agency decided not to share; not_known: the agency holds nothing about the person.' });
export type RequestStatus = z.infer<typeof RequestStatus>;

const RequestPurposeCode = z
  .enum(PURPOSE_CODES, { error: (iss) => (iss.input === undefined ? 'Choose the purpose of the request' : `Must be one of ${PURPOSE_CODES.join(', ')}`) })
  .meta({ description: 'The kind of purpose; the answering agency compares it with any consent it holds.' });

const identifier = requiredUuid;

export const NewInformationRequest = z
  .strictObject({
    personId: identifier('Choose the person the request is about').meta({ description: "The person in your agency's index the request is about." }),
    toAgencyId: identifier('Choose the agency to ask').meta({ description: 'The agency asked. Not your own.' }),
    purposeCode: RequestPurposeCode,
    purpose: textOf(z.string({ error: (iss) => (iss.input === undefined ? 'Describe the purpose: what you need the information for and why' : 'Must be text') }))
      .trim()
      .min(1, 'Describe the purpose: what you need the information for and why')
      .max(2000, 'Keep the purpose to 2000 characters'),
    urgent: z.boolean({ error: () => 'Must be true or false' }).default(false).meta({ description: 'A child may be at immediate risk: the other agency sees it first in its queue.' }),
  })
  .meta({ id: 'NewInformationRequest' });
export type NewInformationRequest = z.output<typeof NewInformationRequest>;

export const InformationRequestAnswer = z
  .strictObject({
    outcome: z
      .enum(['refused', 'not_known'], { error: () => 'Must be refused or not_known (to share, record a share decision that answers the request)' })
      .meta({ description: 'refused: you decided not to share; not_known: your agency holds nothing about the person.' }),
    reason: textOf(z.string({ error: () => 'Give the reason for your answer' })).trim().max(5000, 'Keep the reason to 5000 characters'),
  })
  .superRefine((a, ctx) => {
    if (a.reason !== '') return;
    ctx.addIssue({
      code: 'custom',
      path: ['reason'],
      message: a.outcome === 'refused' ? 'Record why you decided not to share (3.51)' : 'Say what you checked before answering that you hold nothing',
    });
  })
  .meta({ id: 'InformationRequestAnswer' });
export type InformationRequestAnswer = z.output<typeof InformationRequestAnswer>;

export const SubjectDescription = z
  .object({
    names: z.array(z.object({ use: z.string(), givenNames: z.string(), familyName: z.string() })),
    dateOfBirth: z.string().nullable(),
    expectedDateOfDelivery: z.string().nullable(),
    nhsNumber: z.string().nullable(),
  })
  .meta({ id: 'SubjectDescription', description: 'Only what the other agency needs to find the person in its own index.' });
export type SubjectDescription = z.infer<typeof SubjectDescription>;

export const InformationRequest = z
  .object({
    id: Uuid,
    direction: z.enum(['incoming', 'outgoing']).meta({ description: 'incoming: your agency was asked; outgoing: your agency asked.' }),
    fromAgencyId: Uuid,
    fromAgencyName: z.string(),
    requestedBy: Uuid,
    requestedByName: z.string(),
    requestedAt: z.string(),
    toAgencyId: Uuid,
    toAgencyName: z.string(),
    personId: Uuid.nullable().meta({ description: "The requester's own entry for the person: shown only to the requesting agency." }),
    subjectDescription: SubjectDescription,
    purposeCode: z.enum(PURPOSE_CODES),
    purpose: z.string(),
    urgent: z.boolean(),
    status: RequestStatus,
    answeredBy: Uuid.nullable(),
    answeredByName: z.string().nullable(),
    answeredAt: z.string().nullable(),
    responseNote: z.string().nullable().meta({ description: 'The reason given for a refusal or a "we hold nothing" answer.' }),
    responseDecisionId: Uuid.nullable().meta({ description: 'The share decision that answered the request.' }),
    sharedRecordIds: z.array(Uuid).meta({ description: 'Records the answering decision shared. The requester sees those still shared with them.' }),
  })
  .meta({ id: 'InformationRequest' });
export type InformationRequest = z.infer<typeof InformationRequest>;

interface RequestFacts {
  id: string;
  from_agency_id: string;
  to_agency_id: string;
  requested_by: string;
  subject_person_id: string;
  status: RequestStatus;
}

interface RequestRow extends RequestFacts {
  subject_description: SubjectDescription | string;
  purpose_code: PurposeCode;
  purpose: string;
  urgent: boolean;
  requested_at: string;
  answered_by: string | null;
  answered_at: string | null;
  response_decision_id: string | null;
  response_note: string | null;
  from_agency_name: string;
  to_agency_name: string;
  requested_by_name: string;
  answered_by_name: string | null;
}

const SELECT_REQUEST = `
  SELECT r.id, r.from_agency_id, r.to_agency_id, r.requested_by, r.subject_person_id, r.status, r.subject_description, r.purpose_code, r.purpose,
         r.urgent, r.requested_at, r.answered_by, r.answered_at, r.response_decision_id, r.response_note,
         fa.name AS from_agency_name, ta.name AS to_agency_name, rp.name AS requested_by_name, ap.name AS answered_by_name
    FROM information_request r
    JOIN agency fa ON fa.id = r.from_agency_id
    JOIN agency ta ON ta.id = r.to_agency_id
    JOIN practitioner rp ON rp.id = r.requested_by
    LEFT JOIN practitioner ap ON ap.id = r.answered_by`;

const doesCasework = (ctx: ActorContext): boolean => ctx.actor.roles.some((r) => CASEWORK_ROLES.includes(r));

/** The requesting agency's person id goes into its own audit entries only: the other agency never learns it. */
const auditPersonId = (ctx: ActorContext, r: Pick<RequestFacts, 'from_agency_id' | 'subject_person_id'>): string | undefined =>
  r.from_agency_id === ctx.actor.agencyId ? r.subject_person_id : undefined;

/**
 * Loads a request the actor may see: casework staff of the agency that asked (who may read the
 * person) or of the agency asked. Anything else is refused exactly as if there were no request.
 */
async function requestInReach(ctx: ActorContext, tx: Tx, id: string, action: string, lock = false): Promise<RequestFacts> {
  const row = (await tx.query<RequestFacts>(
    `SELECT id, from_agency_id, to_agency_id, requested_by, subject_person_id, status FROM information_request WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  )).rows[0];
  if (!row) throw refuse('information request', { action, entityType: 'information_request', entityId: id, outcome: 'not_found' });
  const asker = row.from_agency_id === ctx.actor.agencyId && decidePerson(ctx.actor, 'read', { id: row.subject_person_id, agencyId: row.from_agency_id }, ctx.clock.now()).allowed;
  const asked = row.to_agency_id === ctx.actor.agencyId && doesCasework(ctx);
  if (!asker && !asked) throw refuse('information request', { action, entityType: 'information_request', entityId: id, personId: auditPersonId(ctx, row) });
  return row;
}

async function sharedRecordIds(ctx: ActorContext, tx: Queryable, r: RequestRow): Promise<string[]> {
  if (!r.response_decision_id) return [];
  if (r.to_agency_id === ctx.actor.agencyId) {
    const { rows } = await tx.query<{ record_id: string }>('SELECT DISTINCT record_id FROM share_grant WHERE decision_id = $1 ORDER BY record_id', [r.response_decision_id]);
    return rows.map((g) => g.record_id);
  }
  const { rows } = await tx.query<{ record_id: string }>(
    `SELECT DISTINCT record_id FROM share_grant
      WHERE decision_id = $1 AND grantee_agency_id = $2 AND (grantee_practitioner_id IS NULL OR grantee_practitioner_id = $3)
        AND revoked_at IS NULL AND valid_from <= $4 AND (valid_until IS NULL OR valid_until > $4)
      ORDER BY record_id`,
    [r.response_decision_id, ctx.actor.agencyId, ctx.actor.practitionerId, ctx.clock.now().toISOString()],
  );
  return rows.map((g) => g.record_id);
}

async function toView(ctx: ActorContext, tx: Queryable, r: RequestRow): Promise<InformationRequest> {
  const outgoing = r.from_agency_id === ctx.actor.agencyId;
  return {
    id: r.id,
    direction: outgoing ? 'outgoing' : 'incoming',
    fromAgencyId: r.from_agency_id,
    fromAgencyName: r.from_agency_name,
    requestedBy: r.requested_by,
    requestedByName: r.requested_by_name,
    requestedAt: r.requested_at,
    toAgencyId: r.to_agency_id,
    toAgencyName: r.to_agency_name,
    personId: outgoing ? r.subject_person_id : null,
    subjectDescription: typeof r.subject_description === 'string' ? (JSON.parse(r.subject_description) as SubjectDescription) : r.subject_description,
    purposeCode: r.purpose_code,
    purpose: r.purpose,
    urgent: r.urgent,
    status: r.status,
    answeredBy: r.answered_by,
    answeredByName: r.answered_by_name,
    answeredAt: r.answered_at,
    responseNote: r.response_note,
    responseDecisionId: r.response_decision_id,
    sharedRecordIds: await sharedRecordIds(ctx, tx, r),
  };
}

async function loadRequest(ctx: ActorContext, tx: Queryable, id: string): Promise<InformationRequest> {
  const row = (await tx.query<RequestRow>(`${SELECT_REQUEST} WHERE r.id = $1`, [id])).rows[0]!;
  return toView(ctx, tx, row);
}

/** Names, date of birth (or expected date of delivery) and NHS number: enough to find the person, nothing more (3.49). */
async function describeSubject(tx: Tx, personId: string): Promise<SubjectDescription> {
  const p = (await tx.query<{ date_of_birth: string | null; expected_date_of_delivery: string | null; nhs_number: string | null }>(
    'SELECT date_of_birth, expected_date_of_delivery, nhs_number FROM person WHERE id = $1', [personId])).rows[0]!;
  const names = await tx.query<{ use: string; given_names: string; family_name: string }>(
    'SELECT use, given_names, family_name FROM person_name WHERE person_id = $1 ORDER BY position', [personId]);
  return {
    names: names.rows.map((n) => ({ use: n.use, givenNames: n.given_names, familyName: n.family_name })),
    dateOfBirth: p.date_of_birth,
    expectedDateOfDelivery: p.expected_date_of_delivery,
    nhsNumber: p.nhs_number,
  };
}

export async function sendInformationRequest(ctx: ActorContext, input: NewInformationRequest): Promise<InformationRequest> {
  return command(ctx, async (tx) => {
    const problems: FieldProblem[] = [];
    if (input.toAgencyId === ctx.actor.agencyId) {
      problems.push({ pointer: '/toAgencyId', detail: 'Your own agency already holds what you know: ask another agency' });
    } else if ((await tx.query('SELECT 1 FROM agency WHERE id = $1', [input.toAgencyId])).rowCount === 0) {
      problems.push({ pointer: '/toAgencyId', detail: 'No agency with that identifier' });
    }
    const cannotSend = (extra: FieldProblem[]) => invalid('The request for information cannot be sent.', [...extra, ...problems]);
    try {
      await personInReach(ctx, tx, input.personId, 'update', 'information-request.send');
    } catch (err) {
      // A person out of reach is answered like a missing one, as a field of the request.
      if (err instanceof AccessRefused) throw new AccessRefused(err.what, err.entry, cannotSend([{ pointer: '/personId', detail: 'No person with that identifier in your agency' }]));
      throw err;
    }
    if (problems.length) throw cannotSend([]);

    const id = newId();
    const now = ctx.clock.now();
    const subject = await describeSubject(tx, input.personId);
    await tx.query(
      `INSERT INTO information_request (id, from_agency_id, requested_by, to_agency_id, subject_person_id, subject_description, purpose_code, purpose, urgent, requested_at, status)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'open')`,
      [id, ctx.actor.agencyId, ctx.actor.practitionerId, input.toAgencyId, input.personId, JSON.stringify(subject), input.purposeCode, input.purpose, input.urgent, now.toISOString()],
    );
    await notifyAgency(tx, input.toAgencyId, {
      kind: 'information-request.received', entityType: 'information_request', entityId: id,
      message: input.urgent ? 'Urgent: another agency has asked your agency for information.' : 'Another agency has asked your agency for information.',
    }, now);
    await audit(ctx, tx, {
      action: 'information-request.send', outcome: 'success', entityType: 'information_request', entityId: id, personId: input.personId,
      detail: { toAgencyId: input.toAgencyId, purposeCode: input.purposeCode, urgent: input.urgent },
    });
    return loadRequest(ctx, tx, id);
  });
}

/** The caller's agency's queue: open requests first, urgent ones first, oldest first (the first 500: the pages show them at once). */
export async function listIncomingRequests(ctx: ActorContext, status?: RequestStatus): Promise<InformationRequest[]> {
  return (await listIncomingRequestsPage(ctx, status, { limit: 500 })).items;
}

/** The queue's keyset: 0 while open else 1, 0 if urgent else 1, when asked, id. */
export const IncomingRequestKey = z.tuple([z.number().int().min(0).max(1), z.number().int().min(0).max(1), KeyTime, KeyId]);
export type IncomingRequestKey = z.infer<typeof IncomingRequestKey>;
/** Sent requests' keyset: newest first, by when asked, then id. */
export const OutgoingRequestKey = z.tuple([KeyTime, KeyId]);
export type OutgoingRequestKey = z.infer<typeof OutgoingRequestKey>;

export async function listIncomingRequestsPage(ctx: ActorContext, status: RequestStatus | undefined, req: PageRequest<IncomingRequestKey>): Promise<Page<InformationRequest>> {
  return command(ctx, async (tx) => {
    checkView(ctx, 'information-requests', 'information-request.list-incoming', 'not-found');
    const { rows, nextCursor } = await keysetPage('information-requests.incoming', req, async (after, n) => (await tx.query<RequestRow & { open_rank: number; urgent_rank: number; key_at: string }>(
      `SELECT k.* FROM (SELECT q.*, (q.status <> 'open')::int AS open_rank, (NOT q.urgent)::int AS urgent_rank, ${sqlKeyTime('q.requested_at')} AS key_at
                          FROM (${SELECT_REQUEST} WHERE r.to_agency_id = $1 AND ${ifGiven(status, 'r.status = $2', '$2::text')}) q) k
        WHERE ${ifGiven(after, '(k.open_rank, k.urgent_rank, k.requested_at, k.id) > ($3::int, $4::int, $5::timestamptz, $6::uuid)', '$3::int', '$4::int', '$5::timestamptz', '$6::uuid')}
        ORDER BY k.open_rank, k.urgent_rank, k.requested_at, k.id LIMIT $7`,
      [ctx.actor.agencyId, status ?? null, after?.[0] ?? null, after?.[1] ?? null, after?.[2] ?? null, after?.[3] ?? null, n],
    )).rows, (r): IncomingRequestKey => [r.open_rank, r.urgent_rank, r.key_at, r.id]);
    const out: InformationRequest[] = [];
    for (const r of rows) out.push(await toView(ctx, tx, r));
    await audit(ctx, tx, { action: 'information-request.list-incoming', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { count: out.length, status: status ?? null } });
    return { items: out, nextCursor };
  });
}

/** Requests the caller's agency has sent, newest first (the first 500). */
export async function listOutgoingRequests(ctx: ActorContext): Promise<InformationRequest[]> {
  return (await listOutgoingRequestsPage(ctx, { limit: 500 })).items;
}

export async function listOutgoingRequestsPage(ctx: ActorContext, req: PageRequest<OutgoingRequestKey>): Promise<Page<InformationRequest>> {
  return command(ctx, async (tx) => {
    checkView(ctx, 'information-requests', 'information-request.list-outgoing', 'not-found');
    const { rows, nextCursor } = await keysetPage('information-requests.outgoing', req, async (after, n) => (await tx.query<RequestRow & { key_at: string }>(
      `SELECT k.*, ${sqlKeyTime('k.requested_at')} AS key_at FROM (${SELECT_REQUEST}
          WHERE r.from_agency_id = $1 AND ($2::timestamptz IS NULL OR (r.requested_at, r.id) < ($2::timestamptz, $3::uuid))
          ORDER BY r.requested_at DESC, r.id DESC LIMIT $4) k ORDER BY k.requested_at DESC, k.id DESC`,
      [ctx.actor.agencyId, after?.[0] ?? null, after?.[1] ?? null, n])).rows, (r): OutgoingRequestKey => [r.key_at, r.id]);
    const out: InformationRequest[] = [];
    for (const r of rows) out.push(await toView(ctx, tx, r));
    await audit(ctx, tx, { action: 'information-request.list-outgoing', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { count: out.length } });
    return { items: out, nextCursor };
  });
}

export async function getRequest(ctx: ActorContext, id: string): Promise<InformationRequest> {
  return command(ctx, async (tx) => {
    const r = await requestInReach(ctx, tx, id, 'information-request.read');
    await audit(ctx, tx, { action: 'information-request.read', outcome: 'success', entityType: 'information_request', entityId: id, personId: auditPersonId(ctx, r) });
    return loadRequest(ctx, tx, id);
  });
}

const ANSWER_MESSAGES: Record<InformationRequestAnswer['outcome'], string> = {
  refused: 'Your request for information has been answered: the agency decided not to share.',
  not_known: 'Your request for information has been answered: the agency holds no information about the person.',
};

/**
 * Answers a request without sharing: a refusal, or "we hold nothing", with the reason recorded
 * (3.51). Sharing is answered by a share decision that names the request.
 */
export async function answerRequest(ctx: ActorContext, id: string, input: InformationRequestAnswer): Promise<InformationRequest> {
  return command(ctx, async (tx) => {
    const action = 'information-request.answer';
    const r = await requestInReach(ctx, tx, id, action, true);
    if (r.to_agency_id !== ctx.actor.agencyId) {
      const entry: Omit<AuditInput, 'outcome'> = { action, entityType: 'information_request', entityId: id, personId: auditPersonId(ctx, r) };
      throw refuse('information request', entry, forbidden('Only the agency that was asked can answer a request for information.'));
    }
    if (r.status !== 'open') throw conflict('This request for information has already been answered.');
    const now = ctx.clock.now();
    await tx.query('UPDATE information_request SET status = $2, answered_by = $3, answered_at = $4, response_note = $5 WHERE id = $1', [
      id, input.outcome, ctx.actor.practitionerId, now.toISOString(), input.reason,
    ]);
    await notifyPractitioners(tx, [r.requested_by], { kind: 'information-request.answered', entityType: 'information_request', entityId: id, message: ANSWER_MESSAGES[input.outcome] }, now);
    await audit(ctx, tx, { action, outcome: 'success', entityType: 'information_request', entityId: id, detail: { outcome: input.outcome } });
    return loadRequest(ctx, tx, id);
  });
}
