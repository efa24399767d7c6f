import { londonDate } from '../../calendar/working-days.ts';
import { reduce, type Action, type ActionFacts } from '../../process/engine.ts';
import { processSettingsFor, replayEpisode } from '../../process/timescales.ts';
import type { Tx } from '../../shared/context.ts';
import { referenceDateOf, type Census, type CensusAssessment, type CensusChild, type CensusCinPlan, type CensusProtectionPlan, type CensusSection47, type CinDetails } from './census.ts';

/**
 * The Children in Need census of one authority for a collection year (1 April year-1 … 31 March
 * year), built from children's social care's own records: every child with an episode open at any
 * time in the year, each such episode a CINdetails. The episode's actions are the truth; what the
 * process does not say (referral source, primary need, reason for closure, assessment factors,
 * the child's ethnicity, UPN …) comes from the census items recorded beside them (migration 033).
 * Nothing after the reference date counts: the census is the picture on 31 March.
 */

/** Where each child and CINdetails of the census came from, for the problem list's links. */
export interface CensusSources {
  children: { personId: string; name: string; episodes: { id: string; assessmentSeqs: (number | null)[] }[] }[];
}

export interface AgencyCensus {
  census: Census;
  sources: CensusSources;
  agencyName: string;
  localAuthorityCode: string | null;
}

export const CP_CATEGORY_CODES: Readonly<Record<string, string>> = {
  neglect: 'NEG', physical_abuse: 'PHY', emotional_abuse: 'EMO', sexual_abuse: 'SAB', multiple: 'MUL',
};
const SEX_CODES: Readonly<Record<string, string>> = { male: 'M', female: 'F' };

/** The census's LAchildID when the authority has not recorded its own: 20 letters and digits of the person's id, stable from year to year. */
export const derivedChildId = (personId: string): string => personId.replace(/-/g, '').slice(0, 20).toUpperCase();

interface EpisodeRow { id: string; child_person_id: string; opened_at: string; closed_at: string | null; referral_source: string | null; primary_need: string | null; closure_reason: string | null; imported_from: string | null }
interface ActionRow { episode_id: string; seq: number; occurred_at: string; facts: ActionFacts | string; details: Record<string, unknown> | string | null }
interface PersonRow {
  id: string; kind: string; date_of_birth: string | null; expected_date_of_delivery: string | null; sex: string; ethnicity: string | null; disabilities: string[] | null;
  upn: string | null; former_upn: string | null; upn_unknown: string | null; la_child_id: string | null; date_of_death: string | null; given_names: string | null; family_name: string | null;
}
interface FullAction extends Action { details: Record<string, unknown> }
type AssessmentItems = Map<number, { factors: string[]; internal_review_on: string | null }>;

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
const day = (iso: string): string => londonDate(new Date(iso));
const categoryOf = (a: FullAction): string | null => {
  const c = (a.details.planDetails as { category?: unknown } | undefined)?.category;
  return typeof c === 'string' ? (CP_CATEGORY_CODES[c] ?? null) : null;
};

/** The dates of every child protection plan an episode's actions start (for NumberOfPreviousCPP). */
function planStarts(actions: readonly FullAction[]): string[] {
  const starts: string[] = [];
  let onPlan = false;
  for (const a of actions) {
    const f = a.facts;
    if (f.type === 'conference_held') {
      if (f.plan && !onPlan) starts.push(day(a.at));
      onPlan = f.plan;
    } else if (f.type === 'plan_ended' || f.type === 'case_closed') onPlan = false;
  }
  return starts;
}

interface EpisodeInput {
  row: EpisodeRow;
  actions: FullAction[];
  factors: AssessmentItems;
  earlierPlans: (start: string) => number;
  settings: Awaited<ReturnType<typeof processSettingsFor>>;
  referenceDate: string;
  yearStart: string;
}

/** The census items `cin import` kept on an imported episode's first action, with that file's reference date. */
function censusAsLoaded(actions: readonly FullAction[], importedFrom: string | null): { CINPlanDates: CensusCinPlan[]; Section47: CensusSection47[]; referenceDate: string } | undefined {
  const first = actions[0];
  const kept = first?.details.census as { CINPlanDates?: CensusCinPlan[]; Section47?: CensusSection47[] } | undefined;
  if (!first || !kept || importedFrom === null) return undefined;
  const valid = (d: unknown): d is string => typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d);
  const referenceDate = /reference date (\d{4}-\d{2}-\d{2})/.exec(importedFrom)?.[1] ?? day(first.at);
  return {
    referenceDate,
    CINPlanDates: (kept.CINPlanDates ?? []).filter((p) => valid(p.CINPlanStartDate)).map((p) => ({ CINPlanStartDate: p.CINPlanStartDate, CINPlanEndDate: valid(p.CINPlanEndDate) ? p.CINPlanEndDate : null })),
    Section47: (kept.Section47 ?? []).filter((x) => valid(x.S47ActualStartDate)).map((x) => ({
      S47ActualStartDate: x.S47ActualStartDate, InitialCPCtarget: valid(x.InitialCPCtarget) ? x.InitialCPCtarget : null,
      DateOfInitialCPC: valid(x.DateOfInitialCPC) ? x.DateOfInitialCPC : null, ICPCnotRequired: x.ICPCnotRequired === '1' || x.ICPCnotRequired === 'true' ? '1' : '0',
    })),
  };
}

/** One episode as the census's CINdetails. */
function cinDetailsOf(e: EpisodeInput): { details: CinDetails; assessmentSeqs: (number | null)[] } {
  const { row, actions } = e;
  const closed = row.closed_at && day(row.closed_at) <= e.referenceDate ? day(row.closed_at) : null;
  const assessments: (CensusAssessment & { kind: string; done: boolean; seq: number | null })[] = [];
  const cinPlans: CensusCinPlan[] = [];
  const s47s: (CensusSection47 & { seq: number })[] = [];
  const plans: CensusProtectionPlan[] = [];
  let referralNfa = '0';
  let initialConference: string | null = null;
  const openCinPlan = (): CensusCinPlan | undefined => cinPlans.find((p) => p.CINPlanEndDate === null);
  const openPlan = (): CensusProtectionPlan | undefined => plans.find((p) => p.CPPendDate === null);
  const openS47 = (): (CensusSection47 & { seq: number }) | undefined => s47s.find((s) => s.ICPCnotRequired === null);
  const endCinPlan = (on: string): void => { const p = openCinPlan(); if (p) p.CINPlanEndDate = on; };
  const startCinPlan = (on: string): void => { if (!openCinPlan()) cinPlans.push({ CINPlanStartDate: on, CINPlanEndDate: null }); };

  for (const a of actions) {
    const f = a.facts;
    const on = day(a.at);
    switch (f.type) {
      case 'referral_decided':
        // Advice and a referral passed to another agency end the episode without children's social care acting either.
        if (f.outcome === 'no_further_action' || f.outcome === 'advice' || f.outcome === 'other_agency') referralNfa = '1';
        break;
      case 'assessment_started':
        assessments.push({ kind: f.kind, done: false, seq: null, AssessmentActualStartDate: on, AssessmentInternalReviewDate: null, AssessmentAuthorisationDate: null, AssessmentFactors: null });
        break;
      case 'assessment_completed': {
        const current = assessments.find((x) => !x.done && x.kind === f.kind);
        if (current) {
          const items = e.factors.get(a.seq);
          Object.assign(current, {
            done: true, seq: a.seq, AssessmentAuthorisationDate: on,
            AssessmentInternalReviewDate: items?.internal_review_on ?? null,
            AssessmentFactors: items && items.factors.length > 0 ? items.factors : null,
          });
        }
        if (f.outcome === 'child_in_need_plan') startCinPlan(on);
        break;
      }
      case 'strategy_discussion_held':
        // A second discussion during the same enquiry is not a second enquiry.
        if (f.s47 && !openS47() && !openPlan()) s47s.push({ seq: a.seq, S47ActualStartDate: on, InitialCPCtarget: null, DateOfInitialCPC: null, ICPCnotRequired: null });
        break;
      case 's47_concluded': {
        const s = openS47();
        if (s && f.outcome !== 'continuing_risk') s.ICPCnotRequired = '1';
        break;
      }
      case 'conference_held': {
        if (f.kind !== 'review') {
          initialConference ??= on;
          const s = openS47();
          if (s) Object.assign(s, { DateOfInitialCPC: on, ICPCnotRequired: '0' });
        }
        const plan = openPlan();
        if (f.plan && !plan) {
          endCinPlan(on);
          const category = categoryOf(a);
          plans.push({ CPPstartDate: on, CPPendDate: null, InitialCategoryOfAbuse: category, LatestCategoryOfAbuse: category, NumberOfPreviousCPP: String(e.earlierPlans(on)), Reviews: [] });
        } else if (plan && f.kind === 'review') {
          plan.Reviews.push(on);
          if (f.plan) plan.LatestCategoryOfAbuse = categoryOf(a) ?? plan.LatestCategoryOfAbuse;
          else plan.CPPendDate = on;
        }
        // The engine puts a child who leaves (or never starts) a plan at conference on a child in need plan.
        if (!f.plan) startCinPlan(on);
        break;
      }
      case 'plan_ended': {
        const plan = openPlan();
        if (plan) plan.CPPendDate = on;
        if (f.childInNeedPlan && f.reason === 'review_decision') startCinPlan(on);
        break;
      }
      case 'case_closed':
        endCinPlan(on);
        break;
      // What the census does not carry: acknowledgements, records circulated, core groups, CIN reviews.
      case 'referral_received': case 'referral_confirmed_in_writing': case 'referral_acknowledged': case 'urgent_protective_action':
      case 'strategy_record_circulated': case 'core_group_met': case 'cin_plan_reviewed': case 'transferred_in':
        break;
    }
  }
  if (closed) {
    endCinPlan(closed);
    const plan = openPlan();
    if (plan) plan.CPPendDate = closed;
  }
  // The initial conference's due date as the engine gave it: when it was held, or as it stands now.
  // History loaded from an earlier census need not follow the engine's order: then there is no target.
  let replay: ReturnType<typeof replayEpisode> = { completed: [], waitingAt: [], openAt: false };
  let waiting: { due: string } | undefined;
  if (s47s.length > 0) {
    try {
      replay = replayEpisode(actions, e.settings);
      waiting = reduce(actions, e.settings).steps.find((s) => s.key === 'initial_conference');
    } catch {
      replay = { completed: [], waitingAt: [], openAt: false };
    }
  }
  for (const s of s47s) {
    const held = replay.completed.find((c) => c.key === 'initial_conference' && c.seq > s.seq);
    s.InitialCPCtarget = held?.due ?? (s.ICPCnotRequired === null ? waiting?.due ?? null : null);
    s.ICPCnotRequired ??= '0';
  }
  // The census year's picture only (rules 8696, 8715, 4013, 8930): what ended before 1 April
  // belongs to an earlier census; and an initial conference is recorded once, on its s47 where it
  // has one, on the episode otherwise (rule 2884).
  const inYear = (date: string | null): boolean => date === null || date >= e.yearStart;
  // History loaded from an earlier census (`cin import`) keeps that census's own CIN plan and
  // section 47 dates: the process can only be replayed through the steps it knows, which place
  // some of them differently (a CIN plan ending on the day its s47 starts, an enquiry implied
  // before a plan whose enquiry was in an earlier census). What was worked in Jigsaw after the
  // file's reference date is added from the actions as usual.
  const loaded = censusAsLoaded(actions, row.imported_from);
  if (loaded) {
    const after = (date: string | null): boolean => date !== null && date > loaded.referenceDate;
    const worked = cinPlans.filter((p) => after(p.CINPlanStartDate));
    const ends = new Map(cinPlans.map((p) => [p.CINPlanStartDate, p.CINPlanEndDate]));
    cinPlans.splice(0, cinPlans.length, ...loaded.CINPlanDates.map((p) => ({ ...p, CINPlanEndDate: p.CINPlanEndDate ?? ends.get(p.CINPlanStartDate) ?? null })), ...worked);
    const workedS47 = s47s.filter((x) => after(x.S47ActualStartDate));
    s47s.splice(0, s47s.length, ...loaded.Section47.map((x) => ({ ...x, seq: -1 })), ...workedS47);
  }
  const keptAssessments = assessments.filter((a) => inYear(a.AssessmentAuthorisationDate));
  const keptS47 = s47s.filter((x) => x.S47ActualStartDate! >= e.yearStart || (x.DateOfInitialCPC ? inYear(x.DateOfInitialCPC) : x.ICPCnotRequired === '0'));
  const details: CinDetails = {
    CINreferralDate: day(row.opened_at),
    ReferralSource: row.referral_source,
    PrimaryNeedCode: row.primary_need,
    CINclosureDate: closed,
    ReasonForClosure: closed ? row.closure_reason : null,
    DateOfInitialCPC: initialConference && initialConference >= e.yearStart && !keptS47.some((x) => x.DateOfInitialCPC === initialConference) ? initialConference : null,
    ReferralNFA: referralNfa,
    Assessments: keptAssessments.map(({ kind: _k, done: _d, seq: _s, ...a }) => a),
    CINPlanDates: cinPlans.filter((p) => inYear(p.CINPlanEndDate)),
    Section47: keptS47.map(({ seq: _s, ...x }) => x),
    ChildProtectionPlans: plans.filter((p) => inYear(p.CPPendDate)).map((p) => ({ ...p, Reviews: p.Reviews.filter((r) => r !== null && r >= e.yearStart) })),
  };
  return { details, assessmentSeqs: keptAssessments.map((a) => a.seq) };
}

/** A year's census header: the authority's code as LEA, Jigsaw as the software. */
export function censusHeader(year: number, lea: string | null, now: Date): Census['Header'] {
  return {
    Collection: 'CIN', Year: String(year), ReferenceDate: referenceDateOf(year), SourceLevel: 'L', LEA: lea,
    SoftwareCode: 'Jigsaw', Release: '1', SerialNo: '001', DateTime: `${now.toISOString().slice(0, 19)}Z`,
  };
}

/**
 * Builds the census. One query per table, whatever the number of children: the episodes of the
 * year, every episode of those children (earlier plans count), their actions, their assessments'
 * census items, and the children themselves.
 */
export async function censusOfAgency(tx: Tx, agencyId: string, year: number, now: Date): Promise<AgencyCensus> {
  const referenceDate = referenceDateOf(year);
  const yearStart = `${year - 1}-04-01`;
  const agency = (await tx.query<{ name: string; local_authority_code: string | null }>('SELECT name, local_authority_code FROM agency WHERE id = $1', [agencyId])).rows[0];
  if (!agency) throw new Error('No such agency');
  const settings = await processSettingsFor(tx, agencyId);
  // Every episode of every child with one open in the year (London days, as the census counts them).
  const episodes = (await tx.query<EpisodeRow>(
    `SELECT e.id, e.child_person_id, e.opened_at, e.closed_at, e.referral_source, e.primary_need, e.closure_reason, e.imported_from
       FROM episode e
      WHERE e.agency_id = $1 AND e.child_person_id IN (
        SELECT y.child_person_id FROM episode y WHERE y.agency_id = $1
           AND (y.opened_at AT TIME ZONE 'Europe/London')::date <= $2::date
           AND (y.closed_at IS NULL OR (y.closed_at AT TIME ZONE 'Europe/London')::date >= $3::date))
      ORDER BY e.child_person_id, e.opened_at, e.id`, [agencyId, referenceDate, yearStart])).rows;
  const ids = episodes.map((e) => e.id);
  const actionRows = (await tx.query<ActionRow>(
    'SELECT episode_id, seq, occurred_at, facts, details FROM episode_action WHERE episode_id = ANY($1::uuid[]) ORDER BY episode_id, seq', [ids])).rows;
  const factorRows = (await tx.query<{ episode_id: string; completed_seq: number; factors: string[]; internal_review_on: string | null }>(
    'SELECT episode_id, completed_seq, factors, internal_review_on FROM assessment_census WHERE episode_id = ANY($1::uuid[])', [ids])).rows;
  const people = (await tx.query<PersonRow>(
    `SELECT p.id, p.kind, p.date_of_birth, p.expected_date_of_delivery, p.sex, p.ethnicity, p.disabilities, p.upn, p.former_upn, p.upn_unknown,
            p.la_child_id, p.date_of_death, n.given_names, n.family_name
       FROM person p
       LEFT JOIN LATERAL (SELECT given_names, family_name FROM person_name WHERE person_id = p.id ORDER BY (use = 'usual') DESC, position LIMIT 1) n ON true
      WHERE p.id = ANY($1::uuid[])`, [[...new Set(episodes.map((e) => e.child_person_id))]])).rows;

  const actionsOf = new Map<string, FullAction[]>();
  for (const r of actionRows) {
    // The census is the picture on the reference date: later actions are next year's.
    if (day(r.occurred_at) > referenceDate) continue;
    const list = actionsOf.get(r.episode_id) ?? [];
    list.push({ seq: r.seq, at: r.occurred_at, facts: json(r.facts), details: json(r.details ?? {}) ?? {} });
    actionsOf.set(r.episode_id, list);
  }
  const factorsOf = new Map<string, AssessmentItems>();
  for (const r of factorRows) {
    const m: AssessmentItems = factorsOf.get(r.episode_id) ?? new Map<number, { factors: string[]; internal_review_on: string | null }>();
    m.set(r.completed_seq, { factors: r.factors, internal_review_on: r.internal_review_on });
    factorsOf.set(r.episode_id, m);
  }
  const personOf = new Map(people.map((p) => [p.id, p]));
  const byChild = new Map<string, EpisodeRow[]>();
  for (const e of episodes) byChild.set(e.child_person_id, [...(byChild.get(e.child_person_id) ?? []), e]);

  const children: CensusChild[] = [];
  const sources: CensusSources = { children: [] };
  for (const [personId, all] of byChild) {
    const p = personOf.get(personId);
    if (!p) continue;
    // Every plan this child has had in this authority, imported history included.
    const starts = all.flatMap((e) => planStarts(actionsOf.get(e.id) ?? []));
    const inYear = all.filter((e) => day(e.opened_at) <= referenceDate && (!e.closed_at || day(e.closed_at) >= yearStart));
    const built = inYear.map((row) => cinDetailsOf({
      row, actions: actionsOf.get(row.id) ?? [], factors: factorsOf.get(row.id) ?? new Map<number, { factors: string[]; internal_review_on: string | null }>(), settings, referenceDate, yearStart,
      earlierPlans: (start) => starts.filter((s) => s < start).length,
    }));
    const unborn = p.kind === 'unborn';
    children.push({
      ChildIdentifiers: {
        LAchildID: p.la_child_id ?? derivedChildId(p.id),
        UPN: p.upn, FormerUPN: p.former_upn, UPNunknown: p.upn ? null : p.upn_unknown,
        PersonBirthDate: unborn ? null : p.date_of_birth,
        ExpectedPersonBirthDate: unborn ? p.expected_date_of_delivery : null,
        GenderCurrent: null, Sex: SEX_CODES[p.sex] ?? 'U',
        PersonDeathDate: p.date_of_death,
      },
      Ethnicity: p.ethnicity,
      Disabilities: p.disabilities && p.disabilities.length > 0 ? p.disabilities : null,
      CINdetails: built.map((b) => b.details),
    });
    sources.children.push({
      personId, name: [p.given_names, p.family_name].filter(Boolean).join(' ').trim() || 'Name not recorded',
      episodes: inYear.map((e, i) => ({ id: e.id, assessmentSeqs: built[i]!.assessmentSeqs })),
    });
  }
  return { census: { Header: censusHeader(year, agency.local_authority_code, now), Children: children }, sources, agencyName: agency.name, localAuthorityCode: agency.local_authority_code };
}
