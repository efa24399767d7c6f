import { decideCensusItems } from '../../access/policy.ts';
import { audit, command, refuse } from '../../audit/audit.ts';
import { londonDate } from '../../calendar/working-days.ts';
import type { ActorContext, Tx } from '../../shared/context.ts';
import { invalid, type FieldProblem } from '../../shared/errors.ts';
import type { ChildCensus, ChildCensusInput, EpisodeCensus, EpisodeCensusInput } from './census-items.schemas.ts';

/**
 * The census items where the work happens (issue 20): on the child (ethnicity, disabilities, UPN,
 * the authority's child id, date of death) and on the episode (referral source, primary need,
 * reason for closure, each completed assessment's factors and internal review date).
 *
 * Children's social care alone holds them, for the children in its own index. Its casework staff
 * and its data team (RETURNS_ROLES) read and correct them here; the data team sees nothing else of
 * the child than the name and date of birth that say who it is. Anyone else is answered as if the
 * child did not exist. Every read and write is audited by id, never with the values.
 */

interface ChildRow {
  id: string;
  agency_id: string;
  kind: string;
  date_of_birth: string | null;
  expected_date_of_delivery: string | null;
  ethnicity: string | null;
  disabilities: string[] | null;
  upn: string | null;
  former_upn: string | null;
  upn_unknown: string | null;
  la_child_id: string | null;
  date_of_death: string | null;
  agency_type: string | null;
  name: string | null;
}

const CHILD_SQL = `SELECT p.id, p.agency_id, p.kind, p.date_of_birth::text AS date_of_birth, p.expected_date_of_delivery::text AS expected_date_of_delivery,
    p.ethnicity, p.disabilities, p.upn, p.former_upn, p.upn_unknown, p.la_child_id, p.date_of_death::text AS date_of_death, a.type AS agency_type,
    (SELECT trim(n.given_names || ' ' || n.family_name) FROM person_name n WHERE n.person_id = p.id ORDER BY (n.use = 'usual') DESC, n.position LIMIT 1) AS name
  FROM person p JOIN agency a ON a.id = p.agency_id WHERE p.id = $1`;

/** A child of children's social care's own index whose census items the caller may read and correct; else refused as not found. */
async function childInReach(ctx: ActorContext, tx: Tx, personId: string, action: string, lock = false): Promise<ChildRow> {
  const row = (await tx.query<ChildRow>(`${CHILD_SQL}${lock ? ' FOR UPDATE OF p' : ''}`, [personId])).rows[0];
  if (!row) throw refuse('person', { action, entityType: 'person', entityId: personId, outcome: 'not_found' });
  // The census counts children (born or unborn) worked by children's social care: an adult, or another agency's entry, has no census items.
  if (row.agency_type !== 'childrens_social_care' || row.kind === 'adult' || !decideCensusItems(ctx.actor, { id: row.id, agencyId: row.agency_id }).allowed) {
    throw refuse('person', { action, entityType: 'person', entityId: personId, personId });
  }
  return row;
}

const childView = (r: ChildRow): ChildCensus => ({
  personId: r.id, name: r.name || 'Unnamed child', dateOfBirth: r.date_of_birth, expectedDateOfDelivery: r.expected_date_of_delivery,
  ethnicity: r.ethnicity, disabilities: r.disabilities, upn: r.upn, formerUpn: r.former_upn, upnUnknown: r.upn_unknown, laChildId: r.la_child_id, dateOfDeath: r.date_of_death,
});

export async function getChildCensus(ctx: ActorContext, personId: string): Promise<ChildCensus> {
  return command(ctx, async (tx) => {
    const row = await childInReach(ctx, tx, personId, 'census.child.read');
    await audit(ctx, tx, { action: 'census.child.read', outcome: 'success', entityType: 'person', entityId: personId, personId });
    return childView(row);
  });
}

/** The rules between the child's items (the schema checks each alone), as field problems. */
function childProblems(now: Date, row: ChildRow, after: { upn: string | null; upnUnknown: string | null; disabilities: string[] | null; dateOfDeath: string | null }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (after.upn && after.upnUnknown) problems.push({ pointer: '/upnUnknown', detail: 'Leave out the reason the UPN is unknown: the child has a UPN' });
  const d = after.disabilities ?? [];
  if (d.includes('NONE') && d.length > 1) problems.push({ pointer: '/disabilities', detail: 'Choose “No disability” on its own, or the disabilities the child has' });
  if (after.dateOfDeath) {
    if (after.dateOfDeath > londonDate(now)) problems.push({ pointer: '/dateOfDeath', detail: 'A date of death cannot be in the future' });
    else if (row.date_of_birth && after.dateOfDeath < row.date_of_birth) problems.push({ pointer: '/dateOfDeath', detail: 'A date of death cannot be before the date of birth' });
  }
  return problems;
}

/** Records or corrects the child's census items: those given are set (null clears one), those left out stay as they are. */
const LA_CHILD_ID_TAKEN = { pointer: '/laChildId', detail: "Another child in your agency's index has this identifier: each child's is their own" };

export async function putChildCensus(ctx: ActorContext, personId: string, input: ChildCensusInput): Promise<ChildCensus> {
  return command(ctx, async (tx) => {
    const row = await childInReach(ctx, tx, personId, 'census.child.update', true);
    const pick = <K extends keyof ChildCensusInput>(k: K, current: NonNullable<ChildCensusInput[K]> | null): NonNullable<ChildCensusInput[K]> | null => (input[k] === undefined ? current : input[k] ?? null);
    const after = {
      ethnicity: pick('ethnicity', row.ethnicity),
      // Each code once: the census refuses a repeated disability (rule 8794).
      disabilities: ((d) => (d ? [...new Set(d)] : null))(pick('disabilities', row.disabilities)),
      upn: pick('upn', row.upn),
      formerUpn: pick('formerUpn', row.former_upn),
      upnUnknown: pick('upnUnknown', row.upn_unknown),
      laChildId: pick('laChildId', row.la_child_id),
      dateOfDeath: pick('dateOfDeath', row.date_of_death),
    };
    const problems = childProblems(ctx.clock.now(), row, after);
    if (after.laChildId && after.laChildId !== row.la_child_id) {
      const taken = (await tx.query('SELECT 1 FROM person WHERE agency_id = $1 AND la_child_id = $2 AND id <> $3', [row.agency_id, after.laChildId, personId])).rowCount;
      if (taken) problems.push(LA_CHILD_ID_TAKEN);
    }
    if (problems.length) throw invalid('Some census items are not possible.', problems);
    try {
      await tx.query(
        `UPDATE person SET ethnicity = $2, disabilities = $3, upn = $4, former_upn = $5, upn_unknown = $6, la_child_id = $7, date_of_death = $8 WHERE id = $1`,
        [personId, after.ethnicity, after.disabilities, after.upn, after.formerUpn, after.upnUnknown, after.laChildId, after.dateOfDeath]);
    } catch (e) {
      // Two saves of the same identifier at once: the second meets the unique index, not the check above.
      if ((e as { code?: unknown }).code === '23505') throw invalid('Some census items are not possible.', [LA_CHILD_ID_TAKEN]);
      throw e;
    }
    // Which items changed, never their values (the trail keeps no personal data beyond the ids).
    const changed = Object.keys(input).filter((k) => input[k as keyof ChildCensusInput] !== undefined).sort();
    await audit(ctx, tx, { action: 'census.child.update', outcome: 'success', entityType: 'person', entityId: personId, personId, detail: { items: changed.join(',') } });
    return childView((await tx.query<ChildRow>(CHILD_SQL, [personId])).rows[0]!);
  });
}

interface EpisodeRow {
  id: string;
  child_person_id: string;
  opened_at: string;
  closed_at: string | null;
  referral_source: string | null;
  primary_need: string | null;
  closure_reason: string | null;
}

async function episodeInReach(ctx: ActorContext, tx: Tx, episodeId: string, action: string, lock = false): Promise<{ e: EpisodeRow; child: ChildRow }> {
  const e = (await tx.query<EpisodeRow>(
    `SELECT id, child_person_id, opened_at, closed_at, referral_source, primary_need, closure_reason FROM episode WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [episodeId])).rows[0];
  if (!e) throw refuse('episode', { action, entityType: 'episode', entityId: episodeId, outcome: 'not_found' });
  const child = await childInReach(ctx, tx, e.child_person_id, action).catch(() => {
    throw refuse('episode', { action, entityType: 'episode', entityId: episodeId, personId: e.child_person_id });
  });
  return { e, child };
}

async function episodeView(tx: Tx, e: EpisodeRow, child: ChildRow): Promise<EpisodeCensus> {
  const assessments = (await tx.query<{ seq: number; occurred_at: string; kind: string | null; factors: string[] | null; internal_review_on: string | null }>(
    `SELECT a.seq, a.occurred_at, a.facts->>'kind' AS kind, c.factors, c.internal_review_on::text AS internal_review_on
       FROM episode_action a LEFT JOIN assessment_census c ON c.episode_id = a.episode_id AND c.completed_seq = a.seq
      WHERE a.episode_id = $1 AND a.type = 'assessment_completed' ORDER BY a.seq`, [e.id])).rows;
  return {
    episodeId: e.id, childPersonId: e.child_person_id, name: child.name || 'Unnamed child', dateOfBirth: child.date_of_birth,
    openedAt: e.opened_at, closedAt: e.closed_at, referralSource: e.referral_source, primaryNeed: e.primary_need, closureReason: e.closure_reason,
    assessments: assessments.map((a) => ({ seq: a.seq, completedAt: a.occurred_at, kind: a.kind, factors: a.factors ?? [], internalReviewOn: a.internal_review_on })),
  };
}

export async function getEpisodeCensus(ctx: ActorContext, episodeId: string): Promise<EpisodeCensus> {
  return command(ctx, async (tx) => {
    const { e, child } = await episodeInReach(ctx, tx, episodeId, 'census.episode.read');
    await audit(ctx, tx, { action: 'census.episode.read', outcome: 'success', entityType: 'episode', entityId: episodeId, personId: e.child_person_id });
    return episodeView(tx, e, child);
  });
}

/** One completed assessment's census items, written (or rewritten) by the practitioner now. */
export async function writeAssessmentCensus(ctx: ActorContext, tx: Tx, episodeId: string, seq: number, items: { factors?: string[] | undefined; internalReviewOn?: string | null | undefined }): Promise<void> {
  await tx.query(
    `INSERT INTO assessment_census (episode_id, completed_seq, factors, internal_review_on, recorded_by, recorded_at) VALUES ($1,$2,$3,$4,$5,$6)
     ON CONFLICT (episode_id, completed_seq) DO UPDATE SET
       factors = CASE WHEN $7 THEN EXCLUDED.factors ELSE assessment_census.factors END,
       internal_review_on = CASE WHEN $8 THEN EXCLUDED.internal_review_on ELSE assessment_census.internal_review_on END,
       recorded_by = EXCLUDED.recorded_by, recorded_at = EXCLUDED.recorded_at`,
    [episodeId, seq, [...new Set(items.factors ?? [])], items.internalReviewOn ?? null, ctx.actor.practitionerId, ctx.clock.now().toISOString(),
      items.factors !== undefined, items.internalReviewOn !== undefined]);
}

/** Records or corrects the episode's census items: those given are set (null clears one), those left out stay as they are. */
export async function putEpisodeCensus(ctx: ActorContext, episodeId: string, input: EpisodeCensusInput): Promise<EpisodeCensus> {
  return command(ctx, async (tx) => {
    const { e, child } = await episodeInReach(ctx, tx, episodeId, 'census.episode.update', true);
    const problems: FieldProblem[] = [];
    if (input.closureReason && !e.closed_at) problems.push({ pointer: '/closureReason', detail: 'A reason for closure is recorded when the case has closed' });
    const completed = new Set((await tx.query<{ seq: number }>("SELECT seq FROM episode_action WHERE episode_id = $1 AND type = 'assessment_completed'", [episodeId])).rows.map((r) => r.seq));
    const today = londonDate(ctx.clock.now());
    (input.assessments ?? []).forEach((a, i) => {
      if (!completed.has(a.seq)) problems.push({ pointer: `/assessments/${i}/seq`, detail: 'No completed assessment of this episode has this number' });
      if (a.internalReviewOn && a.internalReviewOn > today) problems.push({ pointer: `/assessments/${i}/internalReviewOn`, detail: 'The internal review date cannot be in the future' });
    });
    if (problems.length) throw invalid('Some census items are not possible.', problems);
    const pick = (k: 'referralSource' | 'primaryNeed' | 'closureReason', current: string | null): string | null => (input[k] === undefined ? current : input[k] ?? null);
    await tx.query('UPDATE episode SET referral_source = $2, primary_need = $3, closure_reason = $4 WHERE id = $1',
      [episodeId, pick('referralSource', e.referral_source), pick('primaryNeed', e.primary_need), pick('closureReason', e.closure_reason)]);
    for (const a of input.assessments ?? []) await writeAssessmentCensus(ctx, tx, episodeId, a.seq, a);
    const changed = Object.keys(input).filter((k) => input[k as keyof EpisodeCensusInput] !== undefined).sort();
    await audit(ctx, tx, { action: 'census.episode.update', outcome: 'success', entityType: 'episode', entityId: episodeId, personId: e.child_person_id, detail: { items: changed.join(',') } });
    const fresh = (await tx.query<EpisodeRow>('SELECT id, child_person_id, opened_at, closed_at, referral_source, primary_need, closure_reason FROM episode WHERE id = $1', [episodeId])).rows[0]!;
    return episodeView(tx, fresh, child);
  });
}

/** The census items an episode action may carry (src/process/schemas.ts): the fields, by action, that are asked at the moment of work. */
interface ActionCensusItems {
  type: string;
  primaryNeed?: string | undefined;
  factors?: string[] | undefined;
  internalReviewOn?: string | undefined;
  closureReason?: string | undefined;
}

/**
 * Records what an episode action says for the census, in the action's own transaction (the
 * episode service calls this after inserting action `seq`): the primary need at the referral
 * decision, the factors and internal review date of a completed assessment, the reason for closure
 * on the action that closes the episode. A reason for closure on an action that leaves the episode
 * open is refused rather than kept, like the monitoring fields.
 */
export async function recordCensusFromAction(ctx: ActorContext, tx: Tx, episodeId: string, seq: number, action: ActionCensusItems, closesEpisode: boolean): Promise<void> {
  if (action.closureReason !== undefined) {
    if (!closesEpisode) throw invalid('This action does not close the case: the reason for closure is recorded when it does.', [{ pointer: '/action/closureReason', detail: 'Leave out the reason for closure, or record an action that closes the case' }]);
    await tx.query('UPDATE episode SET closure_reason = $2 WHERE id = $1', [episodeId, action.closureReason]);
  }
  if (action.type === 'referral_decided' && action.primaryNeed !== undefined) await tx.query('UPDATE episode SET primary_need = $2 WHERE id = $1', [episodeId, action.primaryNeed]);
  if (action.type === 'assessment_completed' && (action.factors !== undefined || action.internalReviewOn !== undefined)) {
    if (action.internalReviewOn && action.internalReviewOn > londonDate(ctx.clock.now())) {
      throw invalid('The internal review date cannot be in the future.', [{ pointer: '/action/internalReviewOn', detail: 'The internal review date cannot be in the future' }]);
    }
    await writeAssessmentCensus(ctx, tx, episodeId, seq, { factors: action.factors, internalReviewOn: action.internalReviewOn });
  }
}
