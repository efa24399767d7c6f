import { decideAgency } from '../../access/policy.ts';
import { audit } from '../../audit/audit.ts';
import { loadActor } from '../../auth/auth.ts';
import { londonDate } from '../../calendar/working-days.ts';
import { syncFlags } from '../../flags/flags.ts';
import { reduce } from '../../process/engine.ts';
import { project } from '../../process/episodes.ts';
import { processSettingsFor } from '../../process/timescales.ts';
import type { ActorContext, Services, Tx } from '../../shared/context.ts';
import { newId } from '../../shared/ids.ts';
import type { Census } from './census.ts';
import { calendarDate, planChild, type ChildPlan, type EpisodePlan, type ImportProblem, type PersonPlan } from './census-import-plan.ts';

/**
 * `jigsaw cin import`: an earlier Children in Need census loaded as history, so that a migrating
 * authority's earlier plans count from its first day on Jigsaw (previous protection history, the
 * census's NumberOfPreviousCPP, the timescale reports). Each child is one transaction: a child that
 * cannot be stored leaves nothing behind. Importing the same file again, or a later census that
 * repeats an episode, adds nothing: a child is found again by its LAchildID, and an episode is the
 * same when the child already has one opened on the census's referral date (loaded or worked in
 * Jigsaw), whatever census it came from.
 */

export interface ImportCensusInput {
  agencyId: string;
  /** Whom the history is recorded by: a data officer or manager of the authority. */
  practitionerId: string;
  census: Census;
  /** The file's name, kept on each episode it loads and in each action's details. */
  source: string;
}

export interface ImportResult {
  /** Children with something new loaded (a new person, or an episode added to one already held). */
  children: number;
  childrenCreated: number;
  episodes: number;
  plans: number;
  /** Episodes already held (an earlier import, or worked in Jigsaw), left as they were. */
  episodesAlreadyHeld: number;
  problems: ImportProblem[];
}

/** The import cannot start: who or where it is for is wrong. Nothing is loaded. */
export class CensusImportRefused extends Error {}

/** The name a person from a census has: the census carries none, so the LAchildID stands in, plainly marked. */
export const censusName = (laChildId: string): string => `Not known (census child ${laChildId})`;

export async function importCensus(services: Services, input: ImportCensusInput): Promise<ImportResult> {
  const actor = await loadActor(services.db, input.practitionerId);
  if (!actor || actor.agencyId !== input.agencyId) throw new CensusImportRefused('That practitioner is not an active member of the agency.');
  const agency = (await services.db.query<{ type: string }>('SELECT type FROM agency WHERE id = $1', [input.agencyId])).rows[0];
  if (agency?.type !== 'childrens_social_care') throw new CensusImportRefused("A census is loaded into a children's social care authority.");
  if (!decideAgency(actor, 'prepare-returns', input.agencyId).allowed) throw new CensusImportRefused('Only the data team (data_officer) or a manager loads a census.');
  const ctx: ActorContext = { ...services, actor, purpose: 'Loading an earlier Children in Need census as history' };

  const settings = await processSettingsFor(services.db, input.agencyId);
  const today = londonDate(services.clock.now());
  const reference = input.census.Header.ReferenceDate && calendarDate(input.census.Header.ReferenceDate);
  const importedFrom = `${input.source} (reference date ${reference ?? 'not given'})`;
  const result: ImportResult = { children: 0, childrenCreated: 0, episodes: 0, plans: 0, episodesAlreadyHeld: 0, problems: [] };

  for (const [index, child] of input.census.Children.entries()) {
    const plan = planChild(child, index, input.source, settings.model, today);
    result.problems.push(...plan.problems);
    if (!plan.person) continue;
    try {
      const done = await services.db.transaction((tx) => loadChild(ctx, tx, plan as ChildPlan & { person: PersonPlan }, importedFrom));
      if (done.created || done.episodes > 0) result.children += 1;
      if (done.created) result.childrenCreated += 1;
      result.episodes += done.episodes;
      result.plans += done.plans;
      result.episodesAlreadyHeld += done.held;
    } catch {
      // The message of a failed statement may quote the values it was given: it is not passed on.
      result.problems.push({ child: plan.label, element: 'Child', why: 'could not be stored, so nothing of this child was loaded' });
    }
  }
  await services.db.transaction((tx) => audit(ctx, tx, {
    action: 'census.import', outcome: 'success', entityType: 'agency', entityId: input.agencyId,
    detail: { children: result.children, childrenCreated: result.childrenCreated, episodes: result.episodes, plans: result.plans, episodesAlreadyHeld: result.episodesAlreadyHeld, problems: result.problems.length },
  }));
  return result;
}

async function loadChild(ctx: ActorContext, tx: Tx, plan: ChildPlan & { person: PersonPlan }, importedFrom: string): Promise<{ created: boolean; episodes: number; plans: number; held: number }> {
  const now = ctx.clock.now().toISOString();
  const by = ctx.actor.practitionerId;
  const agencyId = ctx.actor.agencyId;
  const p = plan.person;
  let personId = (await tx.query<{ id: string }>('SELECT id FROM person WHERE agency_id = $1 AND la_child_id = $2', [agencyId, p.laChildId])).rows[0]?.id;
  const created = !personId;
  if (!personId) {
    personId = newId();
    // What the authority already holds about a child it finds again is its own, and newer: only a new person takes the census's items.
    await tx.query(
      `INSERT INTO person (id, agency_id, kind, date_of_birth, expected_date_of_delivery, sex, created_by, created_at,
         ethnicity, disabilities, upn, former_upn, upn_unknown, la_child_id, date_of_death)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`,
      [personId, agencyId, p.kind, p.dateOfBirth, p.expectedDateOfDelivery, p.sex, by, now,
        p.ethnicity, p.disabilities, p.upn, p.formerUpn, p.upnUnknown, p.laChildId, p.dateOfDeath]);
    await tx.query("INSERT INTO person_name (id, person_id, use, given_names, family_name, position) VALUES ($1,$2,'usual','',$3,0)", [newId(), personId, censusName(p.laChildId)]);
  }
  const openedOn = new Set((await tx.query<{ opened_at: string | Date }>('SELECT opened_at FROM episode WHERE child_person_id = $1', [personId])).rows
    .map((r) => londonDate(new Date(r.opened_at))));
  const ids: string[] = [];
  let held = 0;
  let plans = 0;
  for (const e of plan.episodes) {
    if (openedOn.has(e.referralDate)) { held += 1; continue; }
    openedOn.add(e.referralDate);
    ids.push(await loadEpisode(tx, agencyId, personId, e, importedFrom, by, now));
    plans += e.plans;
  }
  await audit(ctx, tx, {
    action: 'census.import-child', outcome: 'success', entityType: 'person', entityId: personId, personId,
    detail: { created, episodes: ids.length, plans, episodesAlreadyHeld: held, firstEpisodeId: ids[0] ?? null },
  });
  return { created, episodes: ids.length, plans, held };
}

async function loadEpisode(tx: Tx, agencyId: string, personId: string, e: EpisodePlan, importedFrom: string, by: string, now: string): Promise<string> {
  const id = newId();
  await tx.query(
    `INSERT INTO episode (id, agency_id, child_person_id, opened_at, stage, referral_source, primary_need, closure_reason, imported_from)
     VALUES ($1,$2,$3,$4,'referral',$5,$6,$7,$8)`,
    [id, agencyId, personId, e.actions[0]!.at, e.referralSource, e.primaryNeed, e.closureReason, importedFrom]);
  for (const [i, a] of e.actions.entries()) {
    await tx.query(
      `INSERT INTO episode_action (episode_id, seq, type, occurred_at, recorded_at, recorded_by, idempotency_key, facts, details) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
      [id, i + 1, a.facts.type, a.at, now, by, `census:${e.referralDate}:${i + 1}`, JSON.stringify(a.facts), JSON.stringify(a.details)]);
    if (a.assessment) {
      await tx.query('INSERT INTO assessment_census (episode_id, completed_seq, factors, internal_review_on, recorded_by, recorded_at) VALUES ($1,$2,$3,$4,$5,$6)',
        [id, i + 1, a.assessment.factors, a.assessment.internalReviewOn, by, now]);
    }
  }
  // The projection the episodes service keeps (stage, due steps), from the same engine; closed on the census's closure date.
  const state = reduce(e.actions.map((a, i) => ({ seq: i + 1, at: a.at, facts: a.facts })), await processSettingsFor(tx, agencyId));
  await project(tx, id, state, e.closureDate ? `${e.closureDate}T12:00:00.000Z` : e.actions.at(-1)!.at, e.actions.length);
  await syncFlags(tx, id, state);
  return id;
}
