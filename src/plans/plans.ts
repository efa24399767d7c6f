import { checkView } from '../access/views.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import { plainDate } from '../calendar/uk-time.ts';
import type { Queryable } from '../db/database.ts';
import { childrenOfIn, refKey } from '../people/child-summary.ts';
import { personInReach } from '../people/people.ts';
import { entryInAgency, linkedEntries } from '../process/linked-entries.ts';
import type { EpisodeActionInput } from '../process/schemas.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { invalid, notFound } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { notifyPractitioners } from '../sharing/notify.ts';
import type { Plan, PlanSummary, PlanVersion } from './schemas.ts';

/**
 * The child protection plan as a document the agencies around the child read (issue 18). Its
 * content stays where the conference recorded it (the episode's append-only conference actions:
 * each one that makes or changes the plan is a version); this module keeps which plan it is and
 * who may read it. The lawful basis is a share decision the process records when the conference
 * decides — statutory duty, for the agencies in the core group and those invited — so the board's
 * sharing report counts it like any other; each later version's decision ends the grants of the
 * one before, so an agency dropped from the plan stops reading it.
 *
 * The child in need plan (s17) is the same document: its versions are the actions carrying its
 * content (the assessment that decides on it, the review conference stepping down, each review
 * that rewrites it), its readers the agencies of the network around the child.
 */

type PlanDetails = NonNullable<Extract<EpisodeActionInput, { type: 'conference_held' }>['planDetails']>;
type Conference = Extract<EpisodeActionInput, { type: 'conference_held' }>;
type CinAction = Extract<EpisodeActionInput, { type: 'assessment_completed' | 'cin_plan_reviewed' | 'plan_ended' }>;
interface EpisodeRef { id: string; agency_id: string; child_person_id: string }
type Kind = 'child_protection' | 'child_in_need';
type Source = PlanVersion['conferenceKind'];

interface PlanRow { id: string; episode_id: string; child_person_id: string; episode_agency_id: string; kind: Kind; made_seq: number; made_at: string; ended_seq: number | null; ended_at: string | null; end_reason: string | null }

/** One version's content, whichever kind of plan: a child in need plan has no categories, no lead agency but the authority's, and no conference. */
interface Content { source: Source; categories: PlanDetails['category'][]; leadAgencyId: string; keyWorkerId: string; members: string[]; outlinePlan: string; contingencyPlan: string; outlineItems: { agencyId: string; what: string; byWhen: string }[]; invitedAgencyIds: string[] }
interface VersionAction { seq: number; occurred_at: string; content: Content }

const SELECT_PLAN = `SELECT p.id, p.episode_id, p.child_person_id, e.agency_id AS episode_agency_id, p.kind, p.made_seq, p.made_at, p.ended_seq, p.ended_at, p.end_reason
  FROM plan p JOIN episode e ON e.id = p.episode_id`;

const SHARE: Record<Kind, { purposeCode: string; purpose: string; reference: string }> = {
  child_protection: {
    purposeCode: 'child_protection_enquiry',
    purpose: 'The child protection plan, for the agencies in the core group and those invited to the conference (what-to-do-if-worried 46–52)',
    reference: 'Children Act 1989 s47; Working Together to Safeguard Children: the child protection conference and core group',
  },
  child_in_need: {
    purposeCode: 'child_in_need_assessment',
    purpose: 'The child in need plan, for the agencies of the practitioners in the network around the child (what-to-do-if-worried 69)',
    reference: 'Children Act 1989 s17; Working Together to Safeguard Children: the child in need plan',
  },
};

function contentOf(agencyId: string, type: string, details: unknown): Content {
  if (type === 'conference_held') {
    const c = details as Conference;
    const d = c.planDetails!;
    return { source: c.kind, categories: [d.category], leadAgencyId: d.leadAgencyId, keyWorkerId: d.keyWorkerId, members: d.coreGroup, outlinePlan: d.outlinePlan, contingencyPlan: d.contingencyPlan, outlineItems: d.outlineItems ?? [], invitedAgencyIds: c.invitedAgencyIds };
  }
  const a = details as CinAction;
  const d = a.cinPlan!;
  const source: Source = a.type === 'assessment_completed' ? 'assessment' : a.type === 'plan_ended' ? 'step_down' : 'cin_plan_review';
  return { source, categories: [], leadAgencyId: agencyId, keyWorkerId: d.leadWorkerId, members: d.members, outlinePlan: d.outlinePlan, contingencyPlan: d.contingencyPlan ?? '', outlineItems: d.outlineItems ?? [], invitedAgencyIds: [] };
}

/** The agencies a version of the plan is shared with: everyone in it but the authority that holds it. */
async function readersOf(tx: Queryable, e: EpisodeRef, c: Content): Promise<string[]> {
  const members = (await tx.query<{ agency_id: string }>('SELECT DISTINCT agency_id FROM practitioner WHERE id = ANY($1::uuid[])', [c.members])).rows.map((r) => r.agency_id);
  return [...new Set([...c.invitedAgencyIds, ...members, c.leadAgencyId])].filter((a) => a !== e.agency_id).sort();
}

/**
 * Called by the episode service in the transaction that records an action, after the episode's
 * projection is brought up to date: makes a plan, adds a version, or ends it; records the share
 * that lets the agencies read it, and tells its members. `firstCoreGroupDue` is the engine's due
 * date, after the action.
 */
export async function planFromAction(ctx: ActorContext, tx: Tx, e: EpisodeRef, seq: number, occurredAt: string, action: EpisodeActionInput, firstCoreGroupDue: string | null): Promise<void> {
  await childProtectionPlan(ctx, tx, e, seq, occurredAt, action, firstCoreGroupDue);
  await childInNeedPlan(ctx, tx, e, seq, occurredAt, action);
}

async function currentPlan(tx: Queryable, episodeId: string, kind: Kind): Promise<PlanRow | undefined> {
  return (await tx.query<PlanRow>(`${SELECT_PLAN} WHERE p.episode_id = $1 AND p.ended_seq IS NULL AND p.kind = $2 ORDER BY p.made_seq DESC LIMIT 1`, [episodeId, kind])).rows[0];
}

async function endPlan(tx: Queryable, p: PlanRow | undefined, seq: number, at: string, reason: string): Promise<void> {
  if (p) await tx.query('UPDATE plan SET ended_seq = $2, ended_at = $3, end_reason = $4 WHERE id = $1', [p.id, seq, at, reason]);
}

async function childProtectionPlan(ctx: ActorContext, tx: Tx, e: EpisodeRef, seq: number, occurredAt: string, action: EpisodeActionInput, firstCoreGroupDue: string | null): Promise<void> {
  const current = await currentPlan(tx, e.id, 'child_protection');
  const ends = action.type === 'plan_ended' || (action.type === 'conference_held' && action.kind === 'review' && !action.plan);
  if (ends) return endPlan(tx, current, seq, occurredAt, action.type === 'plan_ended' ? action.reason : 'review_decision');
  if (action.type !== 'conference_held' || !action.plan || !action.planDetails) return;
  const { planId, version, before } = await addVersion(ctx, tx, e, current, 'child_protection', seq, occurredAt, contentOf(e.agency_id, action.type, action),
    `The ${action.kind.replace(/_/g, ' ')} conference {made} the child protection plan`);
  // The core group is told with the date of its first meeting (52.5); on a later version only those who join.
  const told = action.planDetails.coreGroup.filter((id) => !before.includes(id));
  const message = version === 1
    ? `You are in the core group of a child protection plan.${firstCoreGroupDue ? ` The first core group meeting is due by ${plainDate(firstCoreGroupDue)}.` : ''}`
    : 'You have joined the core group of a child protection plan.';
  await notifyPractitioners(tx, told, { kind: 'plan.core-group', entityType: 'plan', entityId: planId, message }, ctx.clock.now());
}

/**
 * The child in need plan (s17): made by the assessment that decides on one, or by the review
 * conference stepping down from a child protection plan; a new version at each review that carries
 * the plan; ended when the episode closes or a child protection plan is made.
 */
async function childInNeedPlan(ctx: ActorContext, tx: Tx, e: EpisodeRef, seq: number, occurredAt: string, action: EpisodeActionInput): Promise<void> {
  const current = await currentPlan(tx, e.id, 'child_in_need');
  if (current) {
    const closed = (await tx.query<{ closed: boolean }>('SELECT closed_at IS NOT NULL AS closed FROM episode WHERE id = $1', [e.id])).rows[0]?.closed;
    if (closed) return endPlan(tx, current, seq, occurredAt, 'case_closed');
    if (action.type === 'conference_held' && action.plan) return endPlan(tx, current, seq, occurredAt, 'child_protection_plan');
  }
  if ((action.type !== 'assessment_completed' && action.type !== 'cin_plan_reviewed' && action.type !== 'plan_ended') || !action.cinPlan) return;
  const what = action.type === 'assessment_completed' ? 'The assessment {made}' : action.type === 'plan_ended' ? 'The review conference ending the child protection plan {made}' : 'The review {made}';
  const { planId, version, before } = await addVersion(ctx, tx, e, current, 'child_in_need', seq, occurredAt, contentOf(e.agency_id, action.type, action), `${what} the child in need plan`);
  const told = action.cinPlan.members.filter((id) => !before.includes(id));
  const message = version === 1 ? 'You are in the network around a child with a child in need plan.' : 'You have joined the network around a child with a child in need plan.';
  await notifyPractitioners(tx, told, { kind: 'plan.cin-member', entityType: 'plan', entityId: planId, message }, ctx.clock.now());
}

/**
 * A plan's new version (the action is already recorded: on a plan in force it is the latest of the
 * versions): the grants of the one before end, and a share decision on the statutory duty lets the
 * agencies in it read this one.
 */
async function addVersion(ctx: ActorContext, tx: Tx, e: EpisodeRef, current: PlanRow | undefined, kind: Kind, seq: number, occurredAt: string, content: Content, reasons: string): Promise<{ planId: string; version: number; before: string[] }> {
  let planId = current?.id;
  let version = 1;
  let before: string[] = [];
  if (!planId || !current) {
    planId = newId();
    await tx.query('INSERT INTO plan (id, episode_id, child_person_id, kind, made_seq, made_at) VALUES ($1,$2,$3,$4,$5,$6)', [planId, e.id, e.child_person_id, kind, seq, occurredAt]);
  } else {
    const versions = await versionActions(tx, current);
    version = versions.length;
    before = versions.at(-2)?.content.members ?? [];
  }
  const now = ctx.clock.now().toISOString();
  await tx.query('UPDATE plan_grant SET valid_until = $2 WHERE plan_id = $1 AND valid_until IS NULL', [planId, now]);
  const readers = await readersOf(tx, e, content);
  if (readers.length) {
    const decisionId = newId();
    const share = SHARE[kind];
    const answers = {
      purposeCode: share.purposeCode, purpose: share.purpose, withinAgencyFunctions: true, legalObligation: 'statutory_duty',
      legalObligationReference: share.reference, identifiable: true, confidential: true,
    };
    const shared = kind === 'child_protection' ? 'the core group and the agencies invited' : 'the agencies of the network around the child';
    await tx.query(
      `INSERT INTO share_decision (id, person_id, agency_id, decided_by, decided_at, outcome, legal_basis, purpose_code, purpose, answers, reasons, completed_at)
       VALUES ($1,$2,$3,$4,$5,'share','statutory_duty',$6,$7,$8,$9,$5)`,
      [decisionId, e.child_person_id, e.agency_id, ctx.actor.practitionerId, now, share.purposeCode, share.purpose, JSON.stringify(answers),
        `${reasons.replace('{made}', version === 1 ? 'made' : 'reviewed')} (version ${version}): it is shared with ${shared}.`]);
    for (const agencyId of readers) {
      await tx.query('INSERT INTO share_recipient (decision_id, agency_id) VALUES ($1,$2)', [decisionId, agencyId]);
      const entry = await entryInAgency(tx, e.child_person_id, e.agency_id, agencyId);
      await tx.query('INSERT INTO plan_grant (plan_id, decision_id, version, grantee_agency_id, entry_person_id, valid_from) VALUES ($1,$2,$3,$4,$5,$6)',
        [planId, decisionId, version, agencyId, entry ?? null, now]);
    }
    await audit(ctx, tx, { action: 'plan.share', outcome: 'success', entityType: 'share_decision', entityId: decisionId, personId: e.child_person_id, detail: { plan: planId, version, agencies: readers.length } });
  }
  return { planId, version, before };
}

/** The actions that are this plan's versions, in order: conferences for a child protection plan, the actions carrying it for a child in need plan. */
async function versionActions(tx: Queryable, p: Pick<PlanRow, 'id' | 'episode_id' | 'made_seq' | 'ended_seq' | 'kind' | 'episode_agency_id'>): Promise<VersionAction[]> {
  const which = p.kind === 'child_protection'
    ? `type = 'conference_held' AND (facts->>'plan')::boolean AND details ? 'planDetails'`
    : `type IN ('assessment_completed', 'cin_plan_reviewed', 'plan_ended') AND details ? 'cinPlan'`;
  const rows = (await tx.query<{ seq: number; occurred_at: string; type: string; details: unknown }>(
    `SELECT seq, occurred_at, type, details FROM episode_action WHERE episode_id = $1 AND seq >= $2 AND ($3::int IS NULL OR seq < $3) AND ${which} ORDER BY seq`,
    [p.episode_id, p.made_seq, p.ended_seq])).rows;
  return rows.map((r) => ({ seq: r.seq, occurred_at: r.occurred_at, content: contentOf(p.episode_agency_id, r.type, r.details) }));
}

/**
 * The plan, if the caller may read it: children's social care through the child (as the episode),
 * another agency through a live grant of the plan. Anything else looks like no plan at all.
 */
async function planInReach(ctx: ActorContext, tx: Tx, id: string, action: string): Promise<PlanRow> {
  // Administrators and auditors are told what anyone out of reach is told: no such plan.
  checkView(ctx, 'people', action, notFound('plan'));
  const p = (await tx.query<PlanRow>(`${SELECT_PLAN} WHERE p.id = $1`, [id])).rows[0];
  if (!p) throw refuse('plan', { action, entityType: 'plan', entityId: id, outcome: 'not_found' });
  if (p.episode_agency_id === ctx.actor.agencyId) {
    await personInReach(ctx, tx, p.child_person_id, 'read', action).catch(() => { throw refuse('plan', { action, entityType: 'plan', entityId: id, personId: p.child_person_id }); });
    return p;
  }
  if (!(await mayRead(tx, ctx.actor.agencyId, id, ctx.clock.now()))) throw refuse('plan', { action, entityType: 'plan', entityId: id, personId: p.child_person_id });
  return p;
}

async function mayRead(tx: Queryable, agencyId: string, planId: string, now: Date): Promise<boolean> {
  return ((await tx.query(
    `SELECT 1 FROM plan_grant g JOIN share_decision d ON d.id = g.decision_id
      WHERE g.plan_id = $1 AND g.grantee_agency_id = $2 AND g.valid_from <= $3 AND (g.valid_until IS NULL OR g.valid_until > $3) AND (d.revoked_at IS NULL OR d.revoked_at > $3)`,
    [planId, agencyId, now.toISOString()])).rowCount ?? 0) > 0;
}

async function names(tx: Queryable, table: 'agency' | 'practitioner', ids: readonly string[]): Promise<Map<string, { name: string; agencyId: string; agencyName: string }>> {
  if (table === 'agency') {
    const rows = (await tx.query<{ id: string; name: string }>('SELECT id, name FROM agency WHERE id = ANY($1::uuid[])', [ids])).rows;
    return new Map(rows.map((r) => [r.id, { name: r.name, agencyId: r.id, agencyName: r.name }]));
  }
  const rows = (await tx.query<{ id: string; name: string; agency_id: string; agency_name: string }>(
    'SELECT p.id, p.name, p.agency_id, a.name AS agency_name FROM practitioner p JOIN agency a ON a.id = p.agency_id WHERE p.id = ANY($1::uuid[])', [ids])).rows;
  return new Map(rows.map((r) => [r.id, { name: r.name, agencyId: r.agency_id, agencyName: r.agency_name }]));
}

async function versionOf(tx: Queryable, n: number, a: VersionAction): Promise<PlanVersion> {
  const d = a.content;
  const agencies = await names(tx, 'agency', [d.leadAgencyId, ...d.invitedAgencyIds, ...d.outlineItems.map((i) => i.agencyId)]);
  const people = await names(tx, 'practitioner', [d.keyWorkerId, ...d.members]);
  const agencyName = (id: string): string => agencies.get(id)?.name ?? 'An agency';
  const person = (id: string) => ({ id, name: people.get(id)?.name ?? 'A practitioner', agencyId: people.get(id)?.agencyId ?? id, agencyName: people.get(id)?.agencyName ?? 'An agency' });
  return {
    version: n, conferenceKind: d.source, decidedAt: a.occurred_at, categories: d.categories,
    leadAgency: { id: d.leadAgencyId, name: agencyName(d.leadAgencyId) },
    keyWorker: (({ id, name, agencyName: an }) => ({ id, name, agencyName: an }))(person(d.keyWorkerId)),
    coreGroup: d.members.map(person),
    outlinePlan: d.outlinePlan, contingencyPlan: d.contingencyPlan,
    outlineItems: d.outlineItems.map((i) => ({ agencyId: i.agencyId, agencyName: agencyName(i.agencyId), what: i.what, byWhen: i.byWhen })),
    invitedAgencies: d.invitedAgencyIds.map((id) => ({ id, name: agencyName(id) })),
  };
}

async function dueOf(tx: Queryable, p: PlanRow): Promise<{ review: string | null; coreGroup: string | null }> {
  if (p.ended_seq !== null) return { review: null, coreGroup: null };
  const rows = (await tx.query<{ key: string; due_date: string }>(`SELECT key, due_date::text AS due_date FROM episode_step WHERE episode_id = $1 AND key IN ('review_conference', 'first_core_group', 'cin_plan_review')`, [p.episode_id])).rows;
  // A child in need plan is reviewed by the engine's 'cin_plan_review' step (69.4); it has no core group.
  if (p.kind === 'child_in_need') return { review: rows.find((r) => r.key === 'cin_plan_review')?.due_date ?? null, coreGroup: null };
  return { review: rows.find((r) => r.key === 'review_conference')?.due_date ?? null, coreGroup: rows.find((r) => r.key === 'first_core_group')?.due_date ?? null };
}

async function render(ctx: ActorContext, tx: Tx, p: PlanRow, wanted?: number): Promise<Plan> {
  const actions = await versionActions(tx, p);
  const n = wanted ?? actions.length;
  const chosen = actions[n - 1];
  if (!chosen) throw invalid('There is no such version of the plan.', [{ pointer: '/version', detail: `The plan has ${actions.length} version${actions.length === 1 ? '' : 's'}` }]);
  const due = await dueOf(tx, p);
  const child = (await childrenOfIn(ctx, tx, [{ type: 'plan', id: p.id }])).get(refKey('plan', p.id))?.children[0] ?? null;
  return {
    id: p.id, episodeId: p.episode_id, kind: p.kind, status: p.ended_seq === null ? 'current' : 'ended', madeAt: p.made_at, endedAt: p.ended_at, endReason: p.end_reason,
    child, nextReviewDate: due.review, firstCoreGroupDue: due.coreGroup,
    reviewsHeld: actions.filter((a) => a.content.source === 'review' || a.content.source === 'cin_plan_review').map((a) => a.occurred_at),
    version: await versionOf(tx, n, chosen),
    versions: actions.map((a, i) => ({ version: i + 1, conferenceKind: a.content.source, decidedAt: a.occurred_at })),
  };
}

/** GET /plans/{id}: the plan, the latest version or the one asked for. */
export async function getPlan(ctx: ActorContext, id: string, version?: number): Promise<Plan> {
  return command(ctx, async (tx) => {
    const p = await planInReach(ctx, tx, id, 'plan.read');
    const out = await render(ctx, tx, p, version);
    await audit(ctx, tx, { action: 'plan.read', outcome: 'success', entityType: 'plan', entityId: id, personId: p.child_person_id, detail: { version: out.version.version } });
    return out;
  });
}

async function summaries(ctx: ActorContext, tx: Tx, rows: PlanRow[]): Promise<PlanSummary[]> {
  const out: PlanSummary[] = [];
  for (const p of rows) {
    const actions = await versionActions(tx, p);
    const last = actions.at(-1);
    if (!last) continue;
    const keyWorker = (await names(tx, 'practitioner', [last.content.keyWorkerId])).get(last.content.keyWorkerId);
    out.push({ id: p.id, kind: p.kind, status: p.ended_seq === null ? 'current' : 'ended', madeAt: p.made_at, endedAt: p.ended_at, version: actions.length, keyWorkerName: keyWorker?.name ?? 'A practitioner', nextReviewDate: (await dueOf(tx, p)).review });
  }
  return out;
}

/** GET /episodes/{id}/plans: the plans an episode has made, newest first (children's social care, or an agency reading them). */
export async function listEpisodePlans(ctx: ActorContext, episodeId: string): Promise<PlanSummary[]> {
  return command(ctx, async (tx) => {
    checkView(ctx, 'people', 'plan.list', notFound('episode'));
    const rows = (await tx.query<PlanRow>(`${SELECT_PLAN} WHERE p.episode_id = $1 ORDER BY p.made_seq DESC`, [episodeId])).rows;
    const readable: PlanRow[] = [];
    for (const p of rows) {
      if (p.episode_agency_id === ctx.actor.agencyId ? await personInReach(ctx, tx, p.child_person_id, 'read', 'plan.list').then(() => true, () => false) : await mayRead(tx, ctx.actor.agencyId, p.id, ctx.clock.now())) readable.push(p);
    }
    // An episode the caller reaches no plan of is answered like one that does not exist.
    if (readable.length === 0 && !(await tx.query('SELECT 1 FROM episode WHERE id = $1 AND agency_id = $2', [episodeId, ctx.actor.agencyId])).rowCount) {
      throw refuse('episode', { action: 'plan.list', entityType: 'episode', entityId: episodeId, outcome: 'not_found' });
    }
    await audit(ctx, tx, { action: 'plan.list', outcome: 'success', entityType: 'episode', entityId: episodeId, detail: { count: readable.length } });
    return summaries(ctx, tx, readable);
  });
}

/**
 * The plans about this child the caller's agency reads, for the child's page: its own entry, and the
 * entries joined to it by same-person links (the authority's, where the plan is held).
 */
export async function plansForChild(ctx: ActorContext, tx: Tx, personId: string): Promise<PlanSummary[]> {
  const ids = [personId, ...(await linkedEntries(tx, personId, ctx.reads)).map((e) => e.personId)];
  const rows = (await tx.query<PlanRow>(`${SELECT_PLAN} WHERE p.child_person_id = ANY($1::uuid[]) ORDER BY p.made_seq DESC`, [ids])).rows;
  const readable: PlanRow[] = [];
  for (const p of rows) if (p.episode_agency_id === ctx.actor.agencyId || await mayRead(tx, ctx.actor.agencyId, p.id, ctx.clock.now())) readable.push(p);
  if (readable.length) await audit(ctx, tx, { action: 'plan.summary', outcome: 'success', entityType: 'person', entityId: personId, personId, detail: { count: readable.length } });
  return summaries(ctx, tx, readable);
}

/** The same, in a transaction of its own (for the pages). */
export async function childPlans(ctx: ActorContext, personId: string): Promise<PlanSummary[]> {
  return command(ctx, (tx) => plansForChild(ctx, tx, personId));
}

/** The agencies to tell when the plan ends: those reading its latest version. */
export async function planReaders(tx: Queryable, episodeId: string): Promise<{ planId: string; agencyIds: string[] } | undefined> {
  const p = (await tx.query<{ id: string }>("SELECT id FROM plan WHERE episode_id = $1 AND kind = 'child_protection' ORDER BY made_seq DESC LIMIT 1", [episodeId])).rows[0];
  if (!p) return undefined;
  const agencies = (await tx.query<{ grantee_agency_id: string }>('SELECT DISTINCT grantee_agency_id FROM plan_grant WHERE plan_id = $1 AND valid_until IS NULL', [p.id])).rows.map((r) => r.grantee_agency_id);
  return { planId: p.id, agencyIds: agencies };
}
