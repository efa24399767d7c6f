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
 */

type PlanDetails = NonNullable<Extract<EpisodeActionInput, { type: 'conference_held' }>['planDetails']>;
type Conference = Extract<EpisodeActionInput, { type: 'conference_held' }>;
interface EpisodeRef { id: string; agency_id: string; child_person_id: string }

interface PlanRow { id: string; episode_id: string; child_person_id: string; episode_agency_id: string; kind: 'child_protection' | 'child_in_need'; made_seq: number; made_at: string; ended_seq: number | null; ended_at: string | null; end_reason: string | null }

const SELECT_PLAN = `SELECT p.id, p.episode_id, p.child_person_id, e.agency_id AS episode_agency_id, p.kind, p.made_seq, p.made_at, p.ended_seq, p.ended_at, p.end_reason
  FROM plan p JOIN episode e ON e.id = p.episode_id`;

const PURPOSE = 'The child protection plan, for the agencies in the core group and those invited to the conference (what-to-do-if-worried 46–52)';

/** The agencies a version of the plan is shared with: everyone in it but the authority that holds it. */
async function readersOf(tx: Queryable, e: EpisodeRef, c: Conference, d: PlanDetails): Promise<string[]> {
  const members = (await tx.query<{ agency_id: string }>('SELECT DISTINCT agency_id FROM practitioner WHERE id = ANY($1::uuid[])', [d.coreGroup])).rows.map((r) => r.agency_id);
  return [...new Set([...c.invitedAgencyIds, ...members, d.leadAgencyId])].filter((a) => a !== e.agency_id).sort();
}

/**
 * Called by the episode service in the transaction that records a conference or the end of a plan:
 * makes the plan, adds a version, or ends it; records the share that lets the agencies read it, and
 * tells them. `firstCoreGroupDue` is the engine's due date, after the action.
 */
export async function planFromAction(ctx: ActorContext, tx: Tx, e: EpisodeRef, seq: number, occurredAt: string, action: EpisodeActionInput, firstCoreGroupDue: string | null): Promise<void> {
  const current = (await tx.query<PlanRow>(`${SELECT_PLAN} WHERE p.episode_id = $1 AND p.ended_seq IS NULL AND p.kind = 'child_protection' ORDER BY p.made_seq DESC LIMIT 1`, [e.id])).rows[0];
  const ends = action.type === 'plan_ended' || (action.type === 'conference_held' && action.kind === 'review' && !action.plan);
  if (ends) {
    if (current) await tx.query('UPDATE plan SET ended_seq = $2, ended_at = $3, end_reason = $4 WHERE id = $1', [current.id, seq, occurredAt, action.type === 'plan_ended' ? action.reason : 'review_decision']);
    return;
  }
  if (action.type !== 'conference_held' || !action.plan || !action.planDetails) return;
  // The action is already recorded: on a plan in force it is the latest of the plan's versions.
  let planId = current?.id;
  let version = 1;
  let before: string[] = [];
  if (!planId) {
    planId = newId();
    await tx.query('INSERT INTO plan (id, episode_id, child_person_id, kind, made_seq, made_at) VALUES ($1,$2,$3,$4,$5,$6)', [planId, e.id, e.child_person_id, 'child_protection', seq, occurredAt]);
  } else {
    const versions = await versionActions(tx, current!);
    version = versions.length;
    before = versions.at(-2)?.details.planDetails?.coreGroup ?? [];
  }
  const now = ctx.clock.now().toISOString();
  await tx.query('UPDATE plan_grant SET valid_until = $2 WHERE plan_id = $1 AND valid_until IS NULL', [planId, now]);
  const readers = await readersOf(tx, e, action, action.planDetails);
  if (readers.length) {
    const decisionId = newId();
    const answers = {
      purposeCode: 'child_protection_enquiry', purpose: PURPOSE, withinAgencyFunctions: true, legalObligation: 'statutory_duty',
      legalObligationReference: 'Children Act 1989 s47; Working Together to Safeguard Children: the child protection conference and core group', identifiable: true, confidential: true,
    };
    await tx.query(
      `INSERT INTO share_decision (id, person_id, agency_id, decided_by, decided_at, outcome, legal_basis, purpose_code, purpose, answers, reasons, completed_at)
       VALUES ($1,$2,$3,$4,$5,'share','statutory_duty','child_protection_enquiry',$6,$7,$8,$5)`,
      [decisionId, e.child_person_id, e.agency_id, ctx.actor.practitionerId, now, PURPOSE, JSON.stringify(answers),
        `The ${action.kind.replace(/_/g, ' ')} conference ${version === 1 ? 'made' : 'reviewed'} the child protection plan (version ${version}): it is shared with the core group and the agencies invited.`]);
    for (const agencyId of readers) {
      await tx.query('INSERT INTO share_recipient (decision_id, agency_id) VALUES ($1,$2)', [decisionId, agencyId]);
      const entry = await entryInAgency(tx, e.child_person_id, e.agency_id, agencyId);
      await tx.query('INSERT INTO plan_grant (plan_id, decision_id, version, grantee_agency_id, entry_person_id, valid_from) VALUES ($1,$2,$3,$4,$5,$6)',
        [planId, decisionId, version, agencyId, entry ?? null, now]);
    }
    await audit(ctx, tx, { action: 'plan.share', outcome: 'success', entityType: 'share_decision', entityId: decisionId, personId: e.child_person_id, detail: { plan: planId, version, agencies: readers.length } });
  }
  // The core group is told with the date of its first meeting (52.5); on a later version only those who join.
  const told = action.planDetails.coreGroup.filter((id) => !before.includes(id));
  const message = version === 1
    ? `You are in the core group of a child protection plan.${firstCoreGroupDue ? ` The first core group meeting is due by ${plainDate(firstCoreGroupDue)}.` : ''}`
    : 'You have joined the core group of a child protection plan.';
  await notifyPractitioners(tx, told, { kind: 'plan.core-group', entityType: 'plan', entityId: planId, message }, ctx.clock.now());
}

/** The conference actions that are this plan's versions, in order. */
async function versionActions(tx: Queryable, p: Pick<PlanRow, 'id' | 'episode_id' | 'made_seq' | 'ended_seq'>): Promise<{ seq: number; occurred_at: string; details: Conference }[]> {
  const rows = (await tx.query<{ seq: number; occurred_at: string; details: Conference }>(
    `SELECT seq, occurred_at, details FROM episode_action WHERE episode_id = $1 AND type = 'conference_held' AND seq >= $2 AND ($3::int IS NULL OR seq < $3)
        AND (facts->>'plan')::boolean AND details ? 'planDetails' ORDER BY seq`, [p.episode_id, p.made_seq, p.ended_seq])).rows;
  return rows;
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

async function versionOf(tx: Queryable, n: number, a: { occurred_at: string; details: Conference }): Promise<PlanVersion> {
  const d = a.details.planDetails!;
  const items = d.outlineItems ?? [];
  const agencies = await names(tx, 'agency', [d.leadAgencyId, ...a.details.invitedAgencyIds, ...items.map((i) => i.agencyId)]);
  const people = await names(tx, 'practitioner', [d.keyWorkerId, ...d.coreGroup]);
  const agencyName = (id: string): string => agencies.get(id)?.name ?? 'An agency';
  const person = (id: string) => ({ id, name: people.get(id)?.name ?? 'A practitioner', agencyId: people.get(id)?.agencyId ?? id, agencyName: people.get(id)?.agencyName ?? 'An agency' });
  return {
    version: n, conferenceKind: a.details.kind, decidedAt: a.occurred_at, categories: [d.category],
    leadAgency: { id: d.leadAgencyId, name: agencyName(d.leadAgencyId) },
    keyWorker: (({ id, name, agencyName: an }) => ({ id, name, agencyName: an }))(person(d.keyWorkerId)),
    coreGroup: d.coreGroup.map(person),
    outlinePlan: d.outlinePlan, contingencyPlan: d.contingencyPlan,
    outlineItems: items.map((i) => ({ agencyId: i.agencyId, agencyName: agencyName(i.agencyId), what: i.what, byWhen: i.byWhen })),
    invitedAgencies: a.details.invitedAgencyIds.map((id) => ({ id, name: agencyName(id) })),
  };
}

async function dueOf(tx: Queryable, p: PlanRow): Promise<{ review: string | null; coreGroup: string | null }> {
  if (p.ended_seq !== null) return { review: null, coreGroup: null };
  const rows = (await tx.query<{ key: string; due_date: string }>(`SELECT key, due_date::text AS due_date FROM episode_step WHERE episode_id = $1 AND key IN ('review_conference', 'first_core_group')`, [p.episode_id])).rows;
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
    reviewsHeld: actions.filter((a) => a.details.kind === 'review').map((a) => a.occurred_at),
    version: await versionOf(tx, n, chosen),
    versions: actions.map((a, i) => ({ version: i + 1, conferenceKind: a.details.kind, decidedAt: a.occurred_at })),
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
    const keyWorker = (await names(tx, 'practitioner', [last.details.planDetails!.keyWorkerId])).get(last.details.planDetails!.keyWorkerId);
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
  const ids = [personId, ...(await linkedEntries(tx, personId)).map((e) => e.personId)];
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
  const p = (await tx.query<{ id: string }>('SELECT id FROM plan WHERE episode_id = $1 ORDER BY made_seq DESC LIMIT 1', [episodeId])).rows[0];
  if (!p) return undefined;
  const agencies = (await tx.query<{ grantee_agency_id: string }>('SELECT DISTINCT grantee_agency_id FROM plan_grant WHERE plan_id = $1 AND valid_until IS NULL', [p.id])).rows.map((r) => r.grantee_agency_id);
  return { planId: p.id, agencyIds: agencies };
}
