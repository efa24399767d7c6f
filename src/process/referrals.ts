import { checkView } from '../access/views.ts';
import { CASEWORK_ROLES, decideAgency, decideRecord } from '../access/policy.ts';
import { facts as recordFacts, SELECT_RECORD, type RecordRow } from '../records/records.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import type { Queryable } from '../db/database.ts';
import type { NewPersonParsed } from '../people/schemas.ts';
import { birthDateProblems } from '../people/people.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { conflict, forbidden, invalid, Problem, type FieldProblem } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { compareKeys, keysetPage, sortedPage, sqlKeyTime, type Page, type PageRequest } from '../shared/pagination.ts';
import { notifyAgency, notifyPractitioners, type Notice } from '../sharing/notify.ts';
import { makeDecisionInTx } from '../sharing/sharing.ts';
import { isOverdue, reduce, type Action, type ProcessSettings, type ReferralOutcome as EngineOutcome, type StepKey } from './engine.ts';
import { recordEpisodeAction } from './episodes.ts';
import type {
  AcknowledgeReferral, DecideReferral, IncomingReferralKey, NewReferral, OutgoingReferralKey, ProfessionalReferral, PublicReferral, Referral, ReferralOutcome, ReferralRelative, ReferralSubject,
  WrittenConfirmation,
} from './referral-schemas.ts';
import { agencyTypeOf } from '../shared/agency-types.ts';
import { processSettingsFor } from './timescales.ts';

/**
 * Referrals to children's social care or the police (what-to-do-if-worried 10.6–12.5).
 *
 * A practitioner refers a child in their own agency's index. The referral shares information, so
 * it rests on an information-sharing decision: one already made, or one recorded with it in the
 * same transaction. The receiving agency works a queue: it places the child in its own index
 * (an existing entry or a new one from the identity the referral carries) and opens an episode,
 * or, for a child already open to it, routes the referral to the allocated worker (11.2). It
 * acknowledges and decides, and every outcome is fed back to the referrer (12.2). Placing the
 * child (choosing among the entries the agency already holds) is in referral-acceptance.ts.
 *
 * Due dates come from the process engine (engine.ts) folding the referral's own facts, so a
 * referral and the episode it opens show the same dates.
 *
 * Steps that touch an episode call openEpisode / recordEpisodeAction, which run their own
 * transactions. Each such call carries an idempotency key derived from the referral, and the
 * referral row is updated after it: a step interrupted between the two is completed by
 * repeating the request, which records nothing twice.
 *
 * The police receive referrals too: a queue item they acknowledge and decide, with no episode
 * (episodes are children's social care's).
 */

const RECEIVING_TYPES = ['childrens_social_care', 'police'] as const;
type ReceivingType = (typeof RECEIVING_TYPES)[number];

const FUTURE_TOLERANCE_MS = 5 * 60_000;

export type Handling = 'received' | 'accepted' | 'routed';

interface StoredOtherChild {
  personId: string | null;
  relationship: string;
  identity: ReferralSubject;
}

interface StoredContent {
  concerns: string;
  domains: { developmentalNeeds: string; parentingCapacity: string; familyAndEnvironment: string } | null;
  childsWishesAndFeelings: string | null;
  familyAgreement: unknown;
  familyToBeTold: { what: string; byWhom: string; when: string } | null;
}

export interface ReferralRow {
  id: string;
  from_public: boolean;
  from_agency_id: string | null;
  referred_by: string | null;
  to_agency_id: string;
  recorded_by: string;
  recorded_at: string;
  child_person_id: string | null;
  subject: ReferralSubject | string;
  other_children: StoredOtherChild[] | string;
  channel: 'phone' | 'written' | 'online';
  urgent: boolean;
  made_at: string;
  content: StoredContent | string;
  share_decision_id: string | null;
  from_record_ids: string[];
  confirmed_in_writing_at: string | null;
  handling: Handling;
  received_person_id: string | null;
  episode_id: string | null;
  routed_to: string | null;
  acknowledged_at: string | null;
  decided_at: string | null;
  outcome: ReferralOutcome | null;
  reasons: string | null;
  from_agency_name: string | null;
  to_agency_name: string;
  to_agency_type: ReceivingType;
  referred_by_name: string | null;
  referred_by_phone: string | null;
  referred_by_email: string | null;
  decided_by_name: string | null;
}

const SELECT_REFERRAL = `
  SELECT r.id, r.from_public, r.from_agency_id, r.referred_by, r.to_agency_id, r.recorded_by, r.recorded_at, r.child_person_id, r.subject,
         r.other_children, r.channel, r.urgent, r.made_at, r.content, r.share_decision_id, r.from_record_ids, r.confirmed_in_writing_at, r.handling,
         r.received_person_id, r.episode_id, r.routed_to, r.acknowledged_at, r.decided_at, r.outcome, r.reasons,
         fa.name AS from_agency_name, ta.name AS to_agency_name, ta.type AS to_agency_type,
         rp.name AS referred_by_name, rp.phone AS referred_by_phone, rp.email AS referred_by_email, dp.name AS decided_by_name
    FROM referral r
    JOIN agency ta ON ta.id = r.to_agency_id
    LEFT JOIN agency fa ON fa.id = r.from_agency_id
    LEFT JOIN practitioner rp ON rp.id = r.referred_by
    LEFT JOIN practitioner dp ON dp.id = r.decided_by`;

export const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

const doesCasework = (ctx: ActorContext): boolean => ctx.actor.roles.some((r) => CASEWORK_ROLES.includes(r));

type Side = 'incoming' | 'outgoing';

function sideOf(ctx: ActorContext, r: Pick<ReferralRow, 'to_agency_id' | 'from_agency_id'>): Side | undefined {
  if (!doesCasework(ctx)) return undefined;
  if (r.to_agency_id === ctx.actor.agencyId) return 'incoming';
  if (r.from_agency_id === ctx.actor.agencyId) return 'outgoing';
  return undefined;
}

/** The person id each side may put in its own audit entries: never the other agency's entry. */
const auditPersonId = (side: Side, r: Pick<ReferralRow, 'child_person_id' | 'received_person_id'>): string | undefined =>
  (side === 'outgoing' ? r.child_person_id : r.received_person_id) ?? undefined;

async function loadRow(tx: Queryable, id: string, lock = false): Promise<ReferralRow | undefined> {
  if (lock) await tx.query('SELECT 1 FROM referral WHERE id = $1 FOR UPDATE', [id]);
  return (await tx.query<ReferralRow>(`${SELECT_REFERRAL} WHERE r.id = $1`, [id])).rows[0];
}

/** A referral the actor may see, and from which side; anything else is answered as not found. */
export async function referralInReach(ctx: ActorContext, tx: Tx, id: string, action: string, lock = false): Promise<{ r: ReferralRow; side: Side }> {
  const r = await loadRow(tx, id, lock);
  if (!r) throw refuse('referral', { action, entityType: 'referral', entityId: id, outcome: 'not_found' });
  const side = sideOf(ctx, r);
  if (!side) throw refuse('referral', { action, entityType: 'referral', entityId: id });
  return { r, side };
}

/** Only the receiving agency handles a referral; the referrer is told so plainly. */
export function receivingOnly(ctx: ActorContext, side: Side, r: ReferralRow, action: string, what: string): void {
  if (side === 'incoming') return;
  throw refuse('referral', { action, entityType: 'referral', entityId: r.id, personId: auditPersonId(side, r) }, forbidden(`Only the agency the referral was made to can ${what}.`));
}

/** The engine decides only between these; the police's criminal investigation ends the referral stage like any other agency's action. */
const engineOutcome = (o: ReferralOutcome): EngineOutcome => (o === 'criminal_investigation' ? 'other_agency' : o);

const STEPS_FOR: Record<Side, readonly StepKey[]> = {
  outgoing: ['written_confirmation', 'referrer_chase'],
  incoming: ['acknowledgement', 'referral_decision'],
};

type ViewStep = Referral['steps'][number];

/** The referral's own facts folded by the engine: the same due dates an episode would show. */
function stepsOf(r: ReferralRow, settings: ProcessSettings, side: Side, now: Date): ViewStep[] {
  const actions: Action[] = [{ seq: 1, at: r.made_at, facts: { type: 'referral_received', channel: r.channel } }];
  if (r.confirmed_in_writing_at) actions.push({ seq: actions.length + 1, at: r.confirmed_in_writing_at, facts: { type: 'referral_confirmed_in_writing' } });
  if (r.acknowledged_at) actions.push({ seq: actions.length + 1, at: r.acknowledged_at, facts: { type: 'referral_acknowledged' } });
  if (r.outcome && r.decided_at) actions.push({ seq: actions.length + 1, at: r.decided_at, facts: { type: 'referral_decided', outcome: engineOutcome(r.outcome) } });
  return reduce(actions, settings).steps
    .filter((s) => STEPS_FOR[side].includes(s.key))
    .map((s) => ({ key: s.key, label: s.label, due: s.due, paragraph: s.paragraph, prompt: s.prompt ?? false, overdue: isOverdue(s, now) }));
}

const PUBLIC_FEEDBACK = {
  no_further_action: 'Thank you for telling us. We looked carefully at what you told us and decided that no further action by us is needed at this stage. If you are worried again, please tell us again.',
  other: 'Thank you for telling us. We looked carefully at what you told us and are taking the action we think is right. To respect the confidentiality of the child and family we cannot tell you more.',
} as const;

async function sharedRecordIds(ctx: ActorContext, tx: Queryable, r: ReferralRow, side: Side): Promise<string[]> {
  if (!r.share_decision_id) return [];
  if (side === 'outgoing') {
    const { rows } = await tx.query<{ record_id: string }>('SELECT DISTINCT record_id FROM share_grant WHERE decision_id = $1 ORDER BY record_id', [r.share_decision_id]);
    return rows.map((g) => g.record_id);
  }
  const { rows } = await tx.query<{ record_id: string }>(
    `SELECT DISTINCT record_id FROM share_grant
      WHERE decision_id = $1 AND grantee_agency_id = $2 AND (grantee_practitioner_id IS NULL OR grantee_practitioner_id = $3)
        AND revoked_at IS NULL AND valid_from <= $4 AND (valid_until IS NULL OR valid_until > $4)
      ORDER BY record_id`,
    [r.share_decision_id, ctx.actor.agencyId, ctx.actor.practitionerId, ctx.clock.now().toISOString()]);
  return rows.map((g) => g.record_id);
}

type ProtectedSource = { details: Record<string, string> | string; consent_to_disclose: boolean };

/** Who may read a member of the public's details as the referrer gave them. */
const readsProtectedSource = (ctx: ActorContext): boolean => ctx.actor.roles.some((role) => role === 'safeguarding_lead' || role === 'manager');

/** What toView reads about one referral beyond its row: the records shared with the reader and, for a lead, a member of the public's details. */
interface ViewFacts { shared: string[]; source: ProtectedSource | undefined }

/**
 * toView's facts for a list of incoming referrals, in two statements however many there are (two
 * a referral before: the queue, which the episode page also reads, ran one or two per referral).
 * The same conditions as sharedRecordIds' and toView's own reads, for many at once.
 */
async function incomingViewFacts(ctx: ActorContext, tx: Queryable, rows: readonly ReferralRow[]): Promise<(r: ReferralRow) => ViewFacts> {
  const decisions = [...new Set(rows.map((r) => r.share_decision_id).filter((id): id is string => id !== null))];
  const shared = new Map<string, string[]>();
  if (decisions.length) {
    const { rows: grants } = await tx.query<{ decision_id: string; record_id: string }>(
      `SELECT DISTINCT decision_id, record_id FROM share_grant
        WHERE decision_id = ANY($1::uuid[]) AND grantee_agency_id = $2 AND (grantee_practitioner_id IS NULL OR grantee_practitioner_id = $3)
          AND revoked_at IS NULL AND valid_from <= $4 AND (valid_until IS NULL OR valid_until > $4)
        ORDER BY decision_id, record_id`,
      [decisions, ctx.actor.agencyId, ctx.actor.practitionerId, ctx.clock.now().toISOString()]);
    for (const g of grants) {
      const list = shared.get(g.decision_id);
      if (list) list.push(g.record_id);
      else shared.set(g.decision_id, [g.record_id]);
    }
  }
  const fromPublic = readsProtectedSource(ctx) ? rows.filter((r) => r.from_public).map((r) => r.id) : [];
  const sources = new Map<string, ProtectedSource>();
  if (fromPublic.length) {
    const { rows: found } = await tx.query<ProtectedSource & { referral_id: string }>(
      'SELECT referral_id, details, consent_to_disclose FROM referral_protected_source WHERE referral_id = ANY($1::uuid[])', [fromPublic]);
    for (const f of found) sources.set(f.referral_id, f);
  }
  return (r) => ({ shared: r.share_decision_id ? [...(shared.get(r.share_decision_id) ?? [])] : [], source: sources.get(r.id) });
}

async function toView(ctx: ActorContext, tx: Queryable, r: ReferralRow, side: Side, settings: ProcessSettings, facts?: ViewFacts): Promise<Referral> {
  const incoming = side === 'incoming';
  const shared = facts ? facts.shared : await sharedRecordIds(ctx, tx, r, side);
  let referrer: Referral['referrer'] = null;
  if (incoming && r.from_public && readsProtectedSource(ctx)) {
    const source = facts ? facts.source : (await tx.query<ProtectedSource>(
      'SELECT details, consent_to_disclose FROM referral_protected_source WHERE referral_id = $1', [r.id])).rows[0];
    if (source) referrer = { ...json(source.details), consentToDisclose: source.consent_to_disclose };
  }
  const others = json(r.other_children);
  return {
    id: r.id,
    direction: side,
    fromMemberOfPublic: r.from_public,
    fromAgencyId: r.from_agency_id,
    fromAgencyName: r.from_agency_name,
    referredBy: r.referred_by ? { id: r.referred_by, name: r.referred_by_name ?? '', phone: r.referred_by_phone, email: r.referred_by_email ?? '' } : null,
    toAgencyId: r.to_agency_id,
    toAgencyName: r.to_agency_name,
    channel: r.channel,
    urgent: r.urgent,
    madeAt: r.made_at,
    recordedAt: r.recorded_at,
    progress: r.decided_at ? 'decided' : r.acknowledged_at ? 'acknowledged' : 'awaiting_acknowledgement',
    confirmedInWritingAt: r.confirmed_in_writing_at,
    acknowledgedAt: r.acknowledged_at,
    decision: r.outcome && r.decided_at ? { outcome: r.outcome, reasons: r.reasons, decidedAt: r.decided_at, decidedByName: r.decided_by_name } : null,
    steps: stepsOf(r, settings, side, ctx.clock.now()),
    childPersonId: side === 'outgoing' || shared.length > 0 ? r.child_person_id : null,
    shareDecisionId: side === 'outgoing' ? r.share_decision_id : null,
    // The receiving agency learns which records the referral started from only as far as they were shared with it.
    fromRecordIds: side === 'outgoing' ? (r.from_record_ids ?? []) : (r.from_record_ids ?? []).filter((id) => shared.includes(id)),
    sharedRecordIds: shared,
    subject: json(r.subject),
    otherChildren: others.map((o) => ({ relationship: o.relationship, personId: side === 'outgoing' ? o.personId : null, identity: o.identity })),
    content: json(r.content),
    handling: incoming ? r.handling : null,
    receivedPersonId: incoming ? r.received_person_id : null,
    episodeId: incoming ? r.episode_id : null,
    routedTo: incoming ? r.routed_to : null,
    referrer,
    referrerProtected: r.from_public && referrer === null,
    publicFeedback: incoming && r.from_public && r.outcome ? PUBLIC_FEEDBACK[r.outcome === 'no_further_action' ? 'no_further_action' : 'other'] : null,
  };
}

async function view(ctx: ActorContext, tx: Queryable, id: string): Promise<Referral> {
  const r = (await loadRow(tx, id))!;
  return toView(ctx, tx, r, sideOf(ctx, r)!, await processSettingsFor(tx, r.to_agency_id, ctx.reads));
}

// ---------------------------------------------------------------------------------------------
// Making a referral

/** Names, date of birth, sex, NHS number; the address only when the share decision included it (3.49). */
async function describe(tx: Tx, personId: string, includeAddress: boolean): Promise<ReferralSubject> {
  const p = (await tx.query<{ kind: string; date_of_birth: string | null; expected_date_of_delivery: string | null; sex: string; nhs_number: string | null }>(
    'SELECT kind, date_of_birth, expected_date_of_delivery, sex, nhs_number FROM person WHERE id = $1', [personId])).rows[0]!;
  const names = await tx.query<{ use: string; given_names: string; family_name: string }>('SELECT use, given_names, family_name FROM person_name WHERE person_id = $1 ORDER BY position', [personId]);
  const addresses = includeAddress
    ? (await tx.query<{ line1: string; line2: string | null; town: string | null; postcode: string | null }>(
      'SELECT line1, line2, town, postcode FROM person_address WHERE person_id = $1 AND valid_to IS NULL ORDER BY position', [personId])).rows
    : [];
  return {
    kind: p.kind, names: names.rows.map((n) => ({ use: n.use, givenNames: n.given_names, familyName: n.family_name })),
    dateOfBirth: p.date_of_birth, expectedDateOfDelivery: p.expected_date_of_delivery, sex: p.sex, nhsNumber: p.nhs_number,
    addresses: addresses.map((a) => ({ line1: a.line1, line2: a.line2, town: a.town, postcode: a.postcode })),
    relatives: p.kind === 'adult' ? [] : await describeRelatives(tx, personId, includeAddress),
  };
}

/** What a referral carries of the child's parents and carers (10.10), so the receiving agency can find or add them. */
async function describeRelatives(tx: Tx, childId: string, includeAddress: boolean): Promise<ReferralRelative[]> {
  const { rows } = await tx.query<{ related_person_id: string; type: string; date_of_birth: string | null; sex: string }>(
    `SELECT r.related_person_id, r.type, a.date_of_birth::text AS date_of_birth, a.sex FROM relationship r JOIN person a ON a.id = r.related_person_id
      WHERE r.person_id = $1 AND r.type = ANY($2::text[]) AND a.kind = 'adult' AND (r.valid_to IS NULL OR r.valid_to >= current_date) ORDER BY r.created_at, r.id`,
    [childId, RELATIVE_TYPES]);
  const out: ReferralRelative[] = [];
  for (const r of rows) {
    if (out.length >= 6) break;
    const { names, addresses } = await describe(tx, r.related_person_id, includeAddress);
    out.push({ relationship: r.type, names, dateOfBirth: r.date_of_birth, sex: r.sex, addresses });
  }
  return out;
}

/** The relationships to adults a referral carries: who has parental responsibility, and the primary carer (10.10). */
const RELATIVE_TYPES = ['parent', 'parental_responsibility', 'primary_carer'] as const;

const fromDescription = (p: NewPersonParsed): ReferralSubject => ({
  kind: p.kind, names: p.names.map((n) => ({ use: n.use, givenNames: n.givenNames, familyName: n.familyName })),
  dateOfBirth: p.dateOfBirth ?? null, expectedDateOfDelivery: p.expectedDateOfDelivery ?? null, sex: p.sex, nhsNumber: p.nhsNumber ?? null,
  addresses: p.addresses.map((a) => ({ line1: a.line1, line2: a.line2 ?? null, town: a.town ?? null, postcode: a.postcode ?? null })),
  relatives: [],
});

function whenProblem(ctx: ActorContext, at: string | undefined, pointer: string, notBefore?: string): FieldProblem | undefined {
  if (!at) return undefined;
  if (new Date(at).getTime() > ctx.clock.now().getTime() + FUTURE_TOLERANCE_MS) return { pointer, detail: 'This date is in the future' };
  if (notBefore && new Date(at) < new Date(notBefore)) return { pointer, detail: `This is before the referral was made (${notBefore})` };
  return undefined;
}

/** The open episode, in the receiving agency, of any of these entries or an entry linked to them as the same person. */
export async function openEpisodeFor(tx: Queryable, agencyId: string, personIds: readonly string[]): Promise<{ id: string; child_person_id: string; allocated_worker_id: string | null } | undefined> {
  if (personIds.length === 0) return undefined;
  return (await tx.query<{ id: string; child_person_id: string; allocated_worker_id: string | null }>(
    `SELECT e.id, e.child_person_id, e.allocated_worker_id FROM episode e
      WHERE e.agency_id = $1 AND e.closed_at IS NULL
        AND (e.child_person_id = ANY($2::uuid[])
          OR e.child_person_id IN (SELECT l.other_person_id FROM person_link l WHERE l.person_id = ANY($2::uuid[]) AND l.unlinked_at IS NULL)
          OR e.child_person_id IN (SELECT l.person_id FROM person_link l WHERE l.other_person_id = ANY($2::uuid[]) AND l.unlinked_at IS NULL))
      ORDER BY e.opened_at DESC LIMIT 1`,
    [agencyId, personIds])).rows[0];
}

/** Tells the allocated worker of a child already open that a referral about them has arrived (11.2). */
export async function notifyRouted(tx: Tx, referralId: string, toAgencyId: string, workerId: string | null, urgent: boolean, at: Date): Promise<void> {
  const notice: Notice = {
    kind: 'referral.routed', entityType: 'referral', entityId: referralId,
    message: `${urgent ? 'Urgent: a' : 'A'} new referral has arrived about a child already open to you (11.2).`,
  };
  if (workerId) await notifyPractitioners(tx, [workerId], notice, at);
  else await notifyAgency(tx, toAgencyId, notice, at);
}

/** Prefixes a decision's field problems with the referral field that carries it. */
function underShareDecision(err: unknown): FieldProblem[] {
  if (err instanceof Problem && err.status === 422) {
    return err.errors.length ? err.errors.map((e) => ({ pointer: `/shareDecision${e.pointer}`, detail: e.detail })) : [{ pointer: '/shareDecision', detail: err.detail ?? err.title }];
  }
  throw err;
}

async function existing(ctx: ActorContext, tx: Tx, key: string | undefined): Promise<Referral | undefined> {
  if (!key) return undefined;
  const id = (await tx.query<{ id: string }>('SELECT id FROM referral WHERE recorded_by = $1 AND idempotency_key = $2', [ctx.actor.practitionerId, key])).rows[0]?.id;
  return id ? view(ctx, tx, id) : undefined;
}

/** The records a referral starts from: the referrer's agency's, about this child, and readable by the referrer. */
async function fromRecordProblems(ctx: ActorContext, tx: Tx, input: ProfessionalReferral): Promise<FieldProblem[]> {
  if (!input.fromRecordIds.length) return [];
  const { rows } = await tx.query<RecordRow>(`${SELECT_RECORD} WHERE r.id = ANY($1::uuid[]) AND v.version = r.current_version`, [input.fromRecordIds]);
  const now = ctx.clock.now();
  const usable = new Set(rows.filter((r) => r.agency_id === ctx.actor.agencyId && r.person_id === input.childPersonId && decideRecord(ctx.actor, 'read', recordFacts(r), now).allowed).map((r) => r.id));
  return input.fromRecordIds.flatMap((id, i) => (usable.has(id) ? [] : [{ pointer: `/fromRecordIds/${i}`, detail: "No record about this child in your agency's index with that identifier" }]));
}

export async function makeReferral(ctx: ActorContext, input: NewReferral): Promise<Referral> {
  return input.referrerIsMemberOfPublic === true ? recordPublicReferral(ctx, input) : referChild(ctx, input);
}

async function referChild(ctx: ActorContext, input: ProfessionalReferral): Promise<Referral> {
  return command(ctx, async (tx) => {
    const action = 'referral.make';
    if (!decideAgency(ctx.actor, 'create-person', ctx.actor.agencyId).allowed) {
      throw refuse('agency', { action, entityType: 'agency', entityId: ctx.actor.agencyId }, forbidden('Only casework staff make referrals.'));
    }
    const again = await existing(ctx, tx, input.idempotencyKey);
    if (again) return again;
    const now = ctx.clock.now();
    const problems: FieldProblem[] = [];

    const to = (await tx.query<{ type: string }>('SELECT type FROM agency WHERE id = $1', [input.toAgencyId])).rows[0];
    if (!to) problems.push({ pointer: '/toAgencyId', detail: 'No agency with that identifier' });
    else if (input.toAgencyId === ctx.actor.agencyId) problems.push({ pointer: '/toAgencyId', detail: 'Refer to another agency: your own already holds what you know' });
    else if (!(RECEIVING_TYPES as readonly string[]).includes(to.type)) {
      problems.push({ pointer: '/toAgencyId', detail: `Refer to children's social care or the police (10.4): this agency is ${to.type.replace(/_/g, ' ')}` });
    }
    const when = whenProblem(ctx, input.madeAt, '/madeAt');
    if (when) problems.push(when);

    // The child and any other children: in the referrer's own index, and children.
    const ids = [input.childPersonId, ...input.otherChildren.map((o) => o.personId)];
    const people = (await tx.query<{ id: string; agency_id: string; kind: string }>('SELECT id, agency_id, kind FROM person WHERE id = ANY($1::uuid[])', [ids])).rows;
    const outOfReach: FieldProblem[] = [];
    let refusedId = input.childPersonId;
    ids.forEach((id, i) => {
      const pointer = i === 0 ? '/childPersonId' : `/otherChildren/${i - 1}/personId`;
      const p = people.find((x) => x.id === id);
      if (!p || p.agency_id !== ctx.actor.agencyId) {
        if (!outOfReach.length) refusedId = id;
        outOfReach.push({ pointer, detail: "No child with that identifier in your agency's index" });
      }
      else if (p.kind === 'adult') problems.push({ pointer, detail: 'This person is recorded as an adult: refer a child' });
      else if (i > 0 && ids.indexOf(id) !== i) problems.push({ pointer, detail: 'This child is already in the referral' });
    });
    const cannot = (extra: FieldProblem[]): Problem => invalid('The referral cannot be made yet.', [...extra, ...problems]);
    if (outOfReach.length) {
      // Someone else's entry is answered like a missing one, and the attempt is audited.
      throw refuse('person', { action, entityType: 'person', entityId: refusedId }, cannot(outOfReach));
    }

    // The share decision the referral rests on: referenced, or recorded with it.
    let decisionId: string | undefined;
    if (input.shareDecisionId) {
      const d = (await tx.query<{ agency_id: string; person_id: string; outcome: string; revoked_at: string | null; valid_until: string | null; covers: boolean }>(
        `SELECT agency_id, person_id, outcome, revoked_at, valid_until,
                EXISTS (SELECT 1 FROM share_recipient s WHERE s.decision_id = d.id AND s.agency_id = $2) AS covers
           FROM share_decision d WHERE id = $1`, [input.shareDecisionId, input.toAgencyId])).rows[0];
      const pointer = '/shareDecisionId';
      if (!d || d.agency_id !== ctx.actor.agencyId || d.person_id !== input.childPersonId) problems.push({ pointer, detail: 'No share decision about this child by your agency with that identifier' });
      else if (d.outcome !== 'share') problems.push({ pointer, detail: 'This decision was not to share: a referral needs a decision to share' });
      else if (d.revoked_at || (d.valid_until && new Date(d.valid_until) <= now)) problems.push({ pointer, detail: 'This share has ended: record a new decision' });
      else if (!d.covers) problems.push({ pointer, detail: 'This decision does not share with the agency you are referring to' });
      else decisionId = input.shareDecisionId;
    } else if (input.shareDecision) {
      const sd = input.shareDecision;
      if (sd.outcome !== 'share') problems.push({ pointer: '/shareDecision/outcome', detail: 'A referral shares information: the decision must be to share' });
      else if (!sd.share?.recipients.some((r) => r.agencyId === input.toAgencyId)) {
        problems.push({ pointer: '/shareDecision/share/recipients', detail: 'Include the agency you are referring to among the recipients' });
      }
      if (!problems.length) {
        try {
          decisionId = (await makeDecisionInTx(ctx, tx, { ...sd, personId: input.childPersonId })).id;
        } catch (err) {
          problems.push(...underShareDecision(err));
        }
      }
    }
    problems.push(...await fromRecordProblems(ctx, tx, input));
    if (problems.length || !decisionId) throw cannot([]);

    const includeAddress = (await tx.query<{ include_address: boolean }>('SELECT include_address FROM share_decision WHERE id = $1', [decisionId])).rows[0]!.include_address;
    const subject = await describe(tx, input.childPersonId, includeAddress);
    const others: StoredOtherChild[] = [];
    for (const o of input.otherChildren) others.push({ personId: o.personId, relationship: o.relationship, identity: await describe(tx, o.personId, includeAddress) });
    const content: StoredContent = {
      concerns: input.concerns, domains: input.domains, childsWishesAndFeelings: input.childsWishesAndFeelings,
      familyAgreement: input.familyAgreement, familyToBeTold: input.familyToBeTold,
    };
    // A child already open to children's social care goes to the allocated worker (11.2).
    const open = await openEpisodeFor(tx, input.toAgencyId, [input.childPersonId]);
    const id = newId();
    await tx.query(
      `INSERT INTO referral (id, from_public, from_agency_id, referred_by, to_agency_id, recorded_by, recorded_at, idempotency_key, child_person_id, subject, other_children,
         channel, urgent, made_at, content, share_decision_id, handling, received_person_id, episode_id, routed_to, from_record_ids)
       VALUES ($1,false,$2,$3,$4,$3,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)`,
      [id, ctx.actor.agencyId, ctx.actor.practitionerId, input.toAgencyId, now.toISOString(), input.idempotencyKey ?? null, input.childPersonId,
        JSON.stringify(subject), JSON.stringify(others), input.channel, input.urgent, input.madeAt ?? now.toISOString(), JSON.stringify(content), decisionId,
        open ? 'routed' : 'received', open?.child_person_id ?? null, open?.id ?? null, open?.allocated_worker_id ?? null, [...new Set(input.fromRecordIds)]]);
    if (open) await notifyRouted(tx, id, input.toAgencyId, open.allocated_worker_id, input.urgent, now);
    else {
      await notifyAgency(tx, input.toAgencyId, {
        kind: 'referral.received', entityType: 'referral', entityId: id,
        message: input.urgent ? 'Urgent: a referral has been made to your agency.' : 'A referral has been made to your agency.',
      }, now);
    }
    await audit(ctx, tx, {
      action, outcome: 'success', entityType: 'referral', entityId: id, personId: input.childPersonId,
      detail: { toAgencyId: input.toAgencyId, channel: input.channel, urgent: input.urgent, otherChildren: others.length, shareDecisionId: decisionId, fromRecords: input.fromRecordIds.length },
    });
    return view(ctx, tx, id);
  });
}

/** A member of the public's referral, recorded by the receiving agency with who they are protected (12.5). */
async function recordPublicReferral(ctx: ActorContext, input: PublicReferral): Promise<Referral> {
  return command(ctx, async (tx) => {
    const action = 'referral.record-public';
    const own = { type: await agencyTypeOf(tx, ctx.actor.agencyId) };
    if (!doesCasework(ctx) || !own || !(RECEIVING_TYPES as readonly string[]).includes(own.type)) {
      throw refuse('agency', { action, entityType: 'agency', entityId: ctx.actor.agencyId },
        forbidden("A referral from a member of the public is recorded by the children's social care or police agency that receives it."));
    }
    const again = await existing(ctx, tx, input.idempotencyKey);
    if (again) return again;
    const problems: FieldProblem[] = [];
    if (input.child.kind === 'adult') problems.push({ pointer: '/child/kind', detail: 'Refer a child' });
    input.otherChildren.forEach((o, i) => { if (o.identity.kind === 'adult') problems.push({ pointer: `/otherChildren/${i}/identity/kind`, detail: 'Refer a child' }); });
    problems.push(...birthDateProblems(ctx.clock.now(), input.child, '/child'));
    input.otherChildren.forEach((o, i) => problems.push(...birthDateProblems(ctx.clock.now(), o.identity, `/otherChildren/${i}/identity`)));
    const when = whenProblem(ctx, input.madeAt, '/madeAt');
    if (when) problems.push(when);
    if (problems.length) throw invalid('The referral cannot be recorded yet.', problems);
    const now = ctx.clock.now();
    const id = newId();
    const content: StoredContent = {
      concerns: input.concerns, domains: input.domains ?? null, childsWishesAndFeelings: input.childsWishesAndFeelings ?? null, familyAgreement: null, familyToBeTold: null,
    };
    const others: StoredOtherChild[] = input.otherChildren.map((o) => ({ personId: null, relationship: o.relationship, identity: fromDescription(o.identity) }));
    await tx.query(
      `INSERT INTO referral (id, from_public, to_agency_id, recorded_by, recorded_at, idempotency_key, subject, other_children, channel, urgent, made_at, content, handling)
       VALUES ($1,true,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,'received')`,
      [id, ctx.actor.agencyId, ctx.actor.practitionerId, now.toISOString(), input.idempotencyKey ?? null, JSON.stringify(fromDescription(input.child)),
        JSON.stringify(others), input.channel, input.urgent, input.madeAt ?? now.toISOString(), JSON.stringify(content)]);
    const { consentToDisclose, ...details } = input.referrer;
    await tx.query('INSERT INTO referral_protected_source (referral_id, details, consent_to_disclose) VALUES ($1,$2,$3)', [id, JSON.stringify(details), consentToDisclose]);
    await notifyAgency(tx, ctx.actor.agencyId, {
      kind: 'referral.received', entityType: 'referral', entityId: id,
      message: input.urgent ? 'Urgent: a referral from a member of the public has been recorded.' : 'A referral from a member of the public has been recorded.',
    }, now);
    await audit(ctx, tx, { action, outcome: 'success', entityType: 'referral', entityId: id, detail: { channel: input.channel, urgent: input.urgent, otherChildren: others.length } });
    return view(ctx, tx, id);
  });
}

// ---------------------------------------------------------------------------------------------
// The referrer's written confirmation (11.5)

export async function confirmInWriting(ctx: ActorContext, id: string, input: WrittenConfirmation): Promise<Referral> {
  return command(ctx, async (tx) => {
    const action = 'referral.confirm-in-writing';
    const { r, side } = await referralInReach(ctx, tx, id, action, true);
    if (side !== 'outgoing') {
      throw refuse('referral', { action, entityType: 'referral', entityId: id, personId: auditPersonId(side, r) }, forbidden('Only the referrer confirms a referral in writing.'));
    }
    if (r.channel !== 'phone') throw conflict('Only a phone referral is confirmed in writing: this one was made in writing.');
    if (r.confirmed_in_writing_at) throw conflict('This referral has already been confirmed in writing.');
    const when = whenProblem(ctx, input.confirmedAt, '/confirmedAt', r.made_at);
    if (when) throw invalid('The written confirmation cannot be recorded.', [when]);
    const now = ctx.clock.now();
    await tx.query('UPDATE referral SET confirmed_in_writing_at = $2, written_confirmation_note = $3 WHERE id = $1', [id, input.confirmedAt ?? now.toISOString(), input.note ?? null]);
    const notice: Notice = { kind: 'referral.confirmed-in-writing', entityType: 'referral', entityId: id, message: 'A phone referral to your agency has been confirmed in writing.' };
    // The worker the child is allocated to, where there is one; otherwise the agency's safeguarding leads.
    const worker = r.routed_to ?? (r.episode_id
      ? (await tx.query<{ allocated_worker_id: string | null }>('SELECT allocated_worker_id FROM episode WHERE id = $1', [r.episode_id])).rows[0]?.allocated_worker_id
      : null);
    if (worker) await notifyPractitioners(tx, [worker], notice, now);
    else await notifyAgency(tx, r.to_agency_id, notice, now);
    await audit(ctx, tx, { action, outcome: 'success', entityType: 'referral', entityId: id, personId: r.child_person_id ?? undefined });
    return view(ctx, tx, id);
  });
}

// ---------------------------------------------------------------------------------------------
// Receiving: placing the child in the receiving index, acknowledging and deciding

export const referralKey = (id: string, step: string): string => `referral:${id}${step ? `:${step}` : ''}`;

/**
 * A written confirmation the referrer sent is recorded on the episode the referral opened, before
 * the receiving agency's next action there (the referrer cannot act on another agency's episode).
 */
export async function syncWrittenConfirmation(ctx: ActorContext, id: string, before: string): Promise<void> {
  const row = (await ctx.db.query<{ episode_id: string | null; handling: Handling; confirmed_in_writing_at: string | null; stage: string | null; last_at: string | null; has_it: boolean }>(
    `SELECT r.episode_id, r.handling, r.confirmed_in_writing_at, e.stage,
            (SELECT max(occurred_at) FROM episode_action a WHERE a.episode_id = r.episode_id) AS last_at,
            EXISTS (SELECT 1 FROM episode_action a WHERE a.episode_id = r.episode_id AND a.type = 'referral_confirmed_in_writing') AS has_it
       FROM referral r LEFT JOIN episode e ON e.id = r.episode_id WHERE r.id = $1`, [id])).rows[0];
  if (!row?.episode_id || row.handling !== 'accepted' || !row.confirmed_in_writing_at || row.has_it || row.stage !== 'referral') return;
  const t = Math.max(new Date(row.last_at ?? 0).getTime(), Math.min(new Date(row.confirmed_in_writing_at).getTime(), new Date(before).getTime()));
  await recordEpisodeAction(ctx, row.episode_id, { idempotencyKey: referralKey(id, 'confirmed'), occurredAt: new Date(t).toISOString(), action: { type: 'referral_confirmed_in_writing' } });
}

/** Loads a referral for a receiving-side step and says whether it needs recording on an episode first. */
async function forReceivingStep(ctx: ActorContext, id: string, action: string, what: string, check: (r: ReferralRow) => void): Promise<ReferralRow> {
  return command(ctx, async (tx) => {
    const { r, side } = await referralInReach(ctx, tx, id, action);
    receivingOnly(ctx, side, r, action, what);
    check(r);
    if (r.to_agency_type === 'childrens_social_care' && r.handling === 'received') {
      throw conflict("Accept the referral first: place the child in your agency's index, where it is recorded on the child's episode.");
    }
    return r;
  });
}

/**
 * Whether the episode already holds this action recorded some other way (e.g. straight on the
 * episode): then the referral only catches up. The referral's own retry is left to the idempotency key.
 */
async function episodeHas(ctx: ActorContext, episodeId: string, type: string, key: string): Promise<boolean> {
  return (await ctx.db.query('SELECT 1 FROM episode_action WHERE episode_id = $1 AND type = $2 AND idempotency_key <> $3', [episodeId, type, key])).rowCount > 0;
}

/** Sends the referrer a notification (a member of the public is told by the receiving agency itself). */
async function feedBack(tx: Tx, r: ReferralRow, notice: Notice, at: Date): Promise<void> {
  if (r.referred_by) await notifyPractitioners(tx, [r.referred_by], notice, at);
}

export async function acknowledgeReferral(ctx: ActorContext, id: string, input: AcknowledgeReferral): Promise<Referral> {
  const action = 'referral.acknowledge';
  const at = input.occurredAt ?? ctx.clock.now().toISOString();
  const r = await forReceivingStep(ctx, id, action, 'acknowledge it', (row) => {
    if (row.acknowledged_at) throw conflict('This referral has already been acknowledged.');
    const when = whenProblem(ctx, input.occurredAt, '/occurredAt', row.made_at);
    if (when) throw invalid('The acknowledgement cannot be recorded.', [when]);
  });
  if (r.handling === 'accepted' && r.episode_id && !(await episodeHas(ctx, r.episode_id, 'referral_acknowledged', referralKey(id, 'acknowledged')))) {
    await syncWrittenConfirmation(ctx, id, at);
    await recordEpisodeAction(ctx, r.episode_id, { idempotencyKey: referralKey(id, 'acknowledged'), occurredAt: at, action: { type: 'referral_acknowledged' } });
  }
  return command(ctx, async (tx) => {
    const { r: cur } = await referralInReach(ctx, tx, id, action, true);
    if (!cur.acknowledged_at) {
      await tx.query('UPDATE referral SET acknowledged_at = $2, acknowledged_by = $3 WHERE id = $1', [id, at, ctx.actor.practitionerId]);
      await feedBack(tx, cur, { kind: 'referral.acknowledged', entityType: 'referral', entityId: id, message: `${cur.to_agency_name} has acknowledged your referral.` }, ctx.clock.now());
      await audit(ctx, tx, { action, outcome: 'success', entityType: 'referral', entityId: id, personId: cur.received_person_id ?? undefined });
    }
    return view(ctx, tx, id);
  });
}

const OUTCOME_LABELS: Record<ReferralOutcome, string> = {
  assessment: 'an assessment of the child’s needs',
  other_agency: 'referral to another agency',
  advice: 'advice or information',
  no_further_action: 'no further action at this stage',
  strategy_discussion: 'a strategy discussion',
  criminal_investigation: 'a criminal investigation',
};

/**
 * Records the next course of action (12.1) and feeds it back to the referrer with the reasons
 * (12.2). For children's social care it is the episode's referral_decided action.
 */
export async function decideReferral(ctx: ActorContext, id: string, input: DecideReferral): Promise<Referral> {
  const action = 'referral.decide';
  const at = input.occurredAt ?? ctx.clock.now().toISOString();
  const r = await forReceivingStep(ctx, id, action, 'decide on it', (row) => {
    if (row.decided_at) throw conflict('This referral has already been decided.');
    const problems: FieldProblem[] = [];
    if (input.outcome === 'criminal_investigation' && row.to_agency_type !== 'police') problems.push({ pointer: '/outcome', detail: 'A criminal investigation is for the police: discuss the child with them (12.4)' });
    if (input.outcome === 'assessment' && row.to_agency_type !== 'childrens_social_care') problems.push({ pointer: '/outcome', detail: "An assessment is children's social care's: refer to them (other_agency)" });
    const when = whenProblem(ctx, input.occurredAt, '/occurredAt', row.made_at);
    if (when) problems.push(when);
    if (problems.length) throw invalid('The decision cannot be recorded.', problems);
  });
  // Case example 8: a decision that ends the episode runs the safe-closure check there (episodes.ts).
  const monitoring = { monitoringAgencyId: input.monitoringAgencyId, monitoringPractitionerId: input.monitoringPractitionerId, arrangement: input.arrangement, alsoNotifyAgencyIds: input.alsoNotifyAgencyIds };
  if (r.handling === 'accepted' && r.episode_id && !(await episodeHas(ctx, r.episode_id, 'referral_decided', referralKey(id, 'decided')))) {
    await syncWrittenConfirmation(ctx, id, at);
    await recordEpisodeAction(ctx, r.episode_id, {
      idempotencyKey: referralKey(id, 'decided'), occurredAt: at, action: { type: 'referral_decided', outcome: engineOutcome(input.outcome), reasons: input.reasons, ...monitoring, primaryNeed: input.primaryNeed, closureReason: input.closureReason },
    }).catch((err: unknown) => {
      // The monitoring fields are at the top of this request, not under /action.
      if (err instanceof Problem) throw new Problem(err.status, err.type, err.title, err.detail, err.errors.map((e) => ({ ...e, pointer: e.pointer.replace(/^\/action\//, '/') })), err.extra);
      throw err;
    });
  } else if (!(r.handling === 'accepted' && r.episode_id) && (input.primaryNeed !== undefined || input.closureReason !== undefined)) {
    throw invalid('The census items are recorded on the episode the referral opened.', [{ pointer: input.primaryNeed !== undefined ? '/primaryNeed' : '/closureReason', detail: 'Leave this out: the referral has no episode' }]);
  } else if (!(r.handling === 'accepted' && r.episode_id) && Object.values(monitoring).some((v) => v !== undefined)) {
    throw invalid('This decision does not end an episode: monitoring after closure is named when it does.', [{ pointer: '/monitoringAgencyId', detail: 'Leave out the monitoring agency: there is no episode to close' }]);
  }
  return command(ctx, async (tx) => {
    const { r: cur } = await referralInReach(ctx, tx, id, action, true);
    if (!cur.decided_at) {
      await tx.query('UPDATE referral SET decided_at = $2, decided_by = $3, outcome = $4, reasons = $5 WHERE id = $1', [id, at, ctx.actor.practitionerId, input.outcome, input.reasons]);
      const reasons = input.outcome === 'no_further_action' ? ' The reasons are with the referral (12.2).' : ' Open the referral for the reasons.';
      await feedBack(tx, cur, { kind: 'referral.decided', entityType: 'referral', entityId: id, message: `${cur.to_agency_name} has decided on your referral: ${OUTCOME_LABELS[input.outcome]}.${reasons}` }, ctx.clock.now());
      await audit(ctx, tx, { action, outcome: 'success', entityType: 'referral', entityId: id, personId: cur.received_person_id ?? undefined, detail: { outcome: input.outcome } });
    }
    return view(ctx, tx, id);
  });
}

// ---------------------------------------------------------------------------------------------
// Reading

export async function getReferral(ctx: ActorContext, id: string): Promise<Referral> {
  return command(ctx, async (tx) => {
    const { r, side } = await referralInReach(ctx, tx, id, 'referral.read');
    await audit(ctx, tx, { action: 'referral.read', outcome: 'success', entityType: 'referral', entityId: id, personId: auditPersonId(side, r) });
    return toView(ctx, tx, r, side, await processSettingsFor(tx, r.to_agency_id, ctx.reads));
  });
}

const nextDue = (v: Referral): string => v.steps.map((s) => s.due.slice(0, 10)).sort()[0] ?? '9999-12-31';
/** The queue's order as a keyset: soonest next step, urgent first on the same day, oldest first, then id. */
const queueKey = (v: Referral): IncomingReferralKey => [nextDue(v), v.urgent ? 0 : 1, v.madeAt, v.id];

/** The receiving agency's queue: soonest due first (urgent first on the same day), each step flagged when overdue. */
export async function listIncomingReferrals(ctx: ActorContext, q: { status: 'open' | 'decided' | 'all'; overdueOnly?: boolean }): Promise<Referral[]> {
  return (await listIncomingReferralsPage(ctx, q, { limit: 1000 })).items;
}

/**
 * One page of the queue. Its order comes from the steps' due dates, worked out here from each
 * referral's state, so the queue (at most the 1000 newest referrals, as before) is sorted in
 * Node and the cursor is a keyset over that order rather than an SQL one.
 */
export async function listIncomingReferralsPage(ctx: ActorContext, q: { status: 'open' | 'decided' | 'all'; overdueOnly?: boolean }, req: PageRequest<IncomingReferralKey>): Promise<Page<Referral>> {
  return command(ctx, async (tx) => {
    const action = 'referral.list-incoming';
    checkView(ctx, 'referrals', action, 'not-found');
    const { rows } = await tx.query<ReferralRow>(
      `${SELECT_REFERRAL} WHERE r.to_agency_id = $1 AND ($2::text = 'all' OR ($2::text = 'open') = (r.decided_at IS NULL)) ORDER BY r.made_at DESC, r.id LIMIT 1000`,
      [ctx.actor.agencyId, q.status]);
    const settings = await processSettingsFor(tx, ctx.actor.agencyId, ctx.reads);
    const out: Referral[] = [];
    const factsOf = await incomingViewFacts(ctx, tx, rows);
    for (const r of rows) out.push(await toView(ctx, tx, r, 'incoming', settings, factsOf(r)));
    const shown = out
      .filter((v) => !q.overdueOnly || v.steps.some((s) => s.overdue))
      .sort((a, b) => compareKeys(queueKey(a), queueKey(b)));
    const result = sortedPage('referrals.incoming', shown, req, queueKey);
    await audit(ctx, tx, { action, outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { count: result.items.length, status: q.status } });
    return result;
  });
}

/** Referrals the caller's agency has made, newest first, with what the referrer still has to do. */
export async function listOutgoingReferrals(ctx: ActorContext): Promise<Referral[]> {
  return (await listOutgoingReferralsPage(ctx, { limit: 1000 })).items;
}

export async function listOutgoingReferralsPage(ctx: ActorContext, req: PageRequest<OutgoingReferralKey>): Promise<Page<Referral>> {
  return command(ctx, async (tx) => {
    const action = 'referral.list-outgoing';
    checkView(ctx, 'referrals', action, 'not-found');
    const { rows, nextCursor } = await keysetPage('referrals.outgoing', req, async (after, n) => (await tx.query<ReferralRow & { key_at: string }>(
      `SELECT k.*, ${sqlKeyTime('k.made_at')} AS key_at FROM (${SELECT_REFERRAL}
          WHERE r.from_agency_id = $1 AND ($2::timestamptz IS NULL OR (r.made_at, r.id) < ($2::timestamptz, $3::uuid))
          ORDER BY r.made_at DESC, r.id DESC LIMIT $4) k ORDER BY k.made_at DESC, k.id DESC`,
      [ctx.actor.agencyId, after?.[0] ?? null, after?.[1] ?? null, n])).rows, (r): OutgoingReferralKey => [r.key_at, r.id]);
    const settings = new Map<string, ProcessSettings>();
    const out: Referral[] = [];
    for (const r of rows) {
      if (!settings.has(r.to_agency_id)) settings.set(r.to_agency_id, await processSettingsFor(tx, r.to_agency_id, ctx.reads));
      out.push(await toView(ctx, tx, r, 'outgoing', settings.get(r.to_agency_id)!));
    }
    await audit(ctx, tx, { action, outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { count: out.length } });
    return { items: out, nextCursor };
  });
}

/**
 * The referrals about one person in the caller's agency's index, for the person's page: those the
 * agency made about them (newest first) and those it received and placed on them (in the queue's
 * order), shaped and audited as the two lists are, without reading the agency's whole lists.
 */
export async function referralsAbout(ctx: ActorContext, personId: string): Promise<{ outgoing: Referral[]; incoming: Referral[] }> {
  return command(ctx, async (tx) => {
    checkView(ctx, 'referrals', 'referral.list-outgoing', 'not-found');
    // Both lists in one statement (a round trip fewer for the page, issue 21), each in its own order:
    // `list` says which a row belongs to (a referral the agency made to itself is in both, as before).
    const both = (await tx.query<ReferralRow & { list: number; n: number }>(
      `SELECT 1 AS list, row_number() OVER (ORDER BY k.made_at DESC, k.id DESC) AS n, k.*
         FROM (${SELECT_REFERRAL} WHERE r.from_agency_id = $1 AND r.child_person_id = $2 ORDER BY r.made_at DESC, r.id DESC LIMIT 1000) k
       UNION ALL
       SELECT 2, row_number() OVER (ORDER BY k.made_at DESC, k.id), k.*
         FROM (${SELECT_REFERRAL} WHERE r.to_agency_id = $1 AND r.received_person_id = $2 ORDER BY r.made_at DESC, r.id LIMIT 1000) k
       ORDER BY list, n`, [ctx.actor.agencyId, personId])).rows;
    const made = both.filter((r) => r.list === 1);
    const received = both.filter((r) => r.list === 2);
    const settings = new Map<string, ProcessSettings>();
    const settingsOf = async (agencyId: string): Promise<ProcessSettings> => {
      if (!settings.has(agencyId)) settings.set(agencyId, await processSettingsFor(tx, agencyId, ctx.reads));
      return settings.get(agencyId)!;
    };
    const outgoing: Referral[] = [];
    for (const r of made) outgoing.push(await toView(ctx, tx, r, 'outgoing', await settingsOf(r.to_agency_id)));
    const incoming: Referral[] = [];
    for (const r of received) incoming.push(await toView(ctx, tx, r, 'incoming', await settingsOf(ctx.actor.agencyId)));
    incoming.sort((a, b) => compareKeys(queueKey(a), queueKey(b)));
    await audit(ctx, tx, { action: 'referral.list-outgoing', outcome: 'success', entityType: 'person', entityId: personId, personId, detail: { count: outgoing.length } });
    await audit(ctx, tx, { action: 'referral.list-incoming', outcome: 'success', entityType: 'person', entityId: personId, personId, detail: { count: incoming.length, status: 'all' } });
    return { outgoing, incoming };
  });
}
