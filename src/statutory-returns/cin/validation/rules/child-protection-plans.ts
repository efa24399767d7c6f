import { censusDate, type CensusRule, type Finding, type Location, type RuleContext } from '../engine.ts';
import { cells, finding, index, key } from './joins.ts';

/**
 * The DfE's validation rules on child protection plans (see ../engine.ts), as the open-source
 * validator (data-to-insight's csc-validator-be-cin, 2025–26 rules) applies them: the same rows
 * count, a missing or unreadable date never breaks a comparison (it is simply not compared), and
 * where that validator's code departs from the DfE's wording the departure is kept and noted, so
 * that a data team sees here what it will see from the validator. None of these rules counts
 * working days.
 */

const at = cells;
const within = (date: string | null, ctx: RuleContext): boolean =>
  date !== null && ctx.collectionStart !== null && ctx.collectionEnd !== null && date >= ctx.collectionStart && date <= ctx.collectionEnd;

/** The codes the validator accepts for a category of abuse (it lists them itself rather than reading the code set). */
const ABUSE_CATEGORIES = new Set(['NEG', 'PHY', 'SAB', 'EMO', 'MUL']);

const rule1105: CensusRule = {
  code: '1105',
  check: ({ tables }) => {
    const cins = index(tables.CINdetails, (r) => key(r.LAchildID, r.CINdetailsID));
    const out: Finding[] = [];
    tables.ChildProtectionPlans.forEach((plan, i) => {
      const start = censusDate(plan.CPPstartDate);
      if (!start) return;
      for (const [j, cin] of cins.get(key(plan.LAchildID, plan.CINdetailsID)) ?? []) {
        const referral = censusDate(cin.CINreferralDate);
        if (referral && referral > start) out.push(finding(at('ChildProtectionPlans', i, 'CPPstartDate'), at('CINdetails', j, 'CINreferralDate')));
      }
    });
    return out;
  },
};

/**
 * An authority-level rule: the validator lists it apart from the children's problems, so here it
 * is one census-level line (no child) pointing at the reference date that sets the period.
 */
const rule2883: CensusRule = {
  code: '2883',
  check: (ctx) => {
    const { tables } = ctx;
    const plans = tables.ChildProtectionPlans.filter((p) => within(censusDate(p.CPPstartDate), ctx)).length;
    const conferences = tables.CINdetails.filter((c) => within(censusDate(c.DateOfInitialCPC), ctx)).length +
      tables.Section47.filter((s) => within(censusDate(s.DateOfInitialCPC), ctx)).length;
    // About the return as a whole: listed apart, never a line of the report (as the validator).
    return plans > conferences ? [{ ...finding(at('Header', 0, 'ReferenceDate')), authorityLevel: true }] : [];
  },
};

/**
 * A plan starting in the year must start on the day of an initial conference: one of its episode's
 * section 47 conferences, or the episode's own conference where the episode has no section 47.
 * As the validator does, an episode's conference dates pass together once any of them matches any
 * of its plans' start dates, and a missing conference date counts as a different day.
 */
const rule2885: CensusRule = {
  code: '2885',
  check: (ctx) => {
    const { tables } = ctx;
    const s47s = index(tables.Section47, (r) => key(r.LAchildID, r.CINdetailsID));
    const cins = index(tables.CINdetails, (r) => key(r.LAchildID, r.CINdetailsID));
    const plans = tables.ChildProtectionPlans
      .map((p, i) => ({ i, episode: key(p.LAchildID, p.CINdetailsID), start: censusDate(p.CPPstartDate) }))
      .filter((p) => within(p.start, ctx));

    /** The (plan, conference) pairs of one table, and which episodes and plan start days have a match. */
    const compare = (rowsOf: Map<string, [number, { DateOfInitialCPC: string | null }][]>, unmatchedAsNull: boolean) => {
      const pairs: { plan: number; row: number | null; episode: string; startKey: string; same: boolean }[] = [];
      for (const p of plans) {
        const rows = rowsOf.get(p.episode) ?? [];
        // The CIN details merge keeps a plan with no episode row (its conference date then missing); the section 47 one does not.
        const targets: [number | null, string | null][] = rows.length ? rows.map(([i, r]) => [i, r.DateOfInitialCPC]) : unmatchedAsNull ? [[null, null]] : [];
        for (const [row, value] of targets) {
          const date = censusDate(value);
          pairs.push({ plan: p.i, row, episode: p.episode, startKey: `${p.episode}${p.start}`, same: date === p.start });
        }
      }
      const episodesPassing = new Set(pairs.filter((x) => x.same).map((x) => x.episode));
      const startsPassing = new Set(pairs.filter((x) => x.same).map((x) => x.startKey));
      const failing = pairs.filter((x) => !x.same);
      return {
        episodeFails: failing.filter((x) => !episodesPassing.has(x.episode)),
        startFails: failing.filter((x) => !startsPassing.has(x.startKey)),
      };
    };
    const s47 = compare(s47s, false);
    const cin = compare(cins, true);
    const hasS47 = (episode: string): boolean => s47s.has(episode);

    const out: Finding[] = [];
    for (const x of s47.episodeFails) if (x.row !== null) out.push(finding(at('Section47', x.row, 'DateOfInitialCPC')));
    for (const x of cin.episodeFails) if (x.row !== null && !hasS47(x.episode)) out.push(finding(at('CINdetails', x.row, 'DateOfInitialCPC')));
    for (const x of s47.startFails) out.push(finding(at('ChildProtectionPlans', x.plan, 'CPPstartDate')));
    for (const x of cin.startFails) if (!hasS47(x.episode)) out.push(finding(at('ChildProtectionPlans', x.plan, 'CPPstartDate')));
    return out;
  },
};

/**
 * Nothing may happen in an episode after it closed. As the validator runs it: a plan's end date is
 * never compared (its code compares a fixed sample plan instead of the census's), and the whole
 * rule reports nothing when the CIN plans breaking it are not exactly as many as the section 47
 * enquiries breaking it (its code then fails, and the validator drops a failing rule's findings).
 */
const rule8565: CensusRule = {
  code: '8565',
  check: ({ tables }) => {
    const byEpisode = <T extends { LAchildID: unknown; CINdetailsID: unknown }>(rows: readonly T[]) => index(rows, (r) => key(r.LAchildID, r.CINdetailsID));
    const assessments = byEpisode(tables.Assessments);
    const s47s = byEpisode(tables.Section47);
    const cinPlans = byEpisode(tables.CINplanDates);
    const after = (closure: string, value: string | null): boolean => {
      const date = censusDate(value);
      return date !== null && closure < date;
    };
    const out: Finding[] = [];
    let s47Breaches = 0;
    let planBreaches = 0;
    const closedEpisode = (i: number) => at('CINdetails', i, 'CINclosureDate', 'DateOfInitialCPC');
    tables.CINdetails.forEach((cin, i) => {
      const closure = censusDate(cin.CINclosureDate);
      if (!closure) return;
      const episode = key(cin.LAchildID, cin.CINdetailsID);
      if (after(closure, cin.DateOfInitialCPC)) out.push(finding(closedEpisode(i)));
      for (const [j, a] of assessments.get(episode) ?? []) {
        if (after(closure, a.AssessmentActualStartDate) || after(closure, a.AssessmentAuthorisationDate)) {
          out.push(finding(closedEpisode(i), at('Assessments', j, 'AssessmentActualStartDate', 'AssessmentAuthorisationDate')));
        }
      }
      for (const [j, s] of s47s.get(episode) ?? []) {
        if (after(closure, s.S47ActualStartDate) || after(closure, s.DateOfInitialCPC)) {
          s47Breaches += 1;
          out.push(finding(closedEpisode(i), at('Section47', j, 'S47ActualStartDate', 'DateOfInitialCPC')));
        }
      }
      for (const [j, p] of cinPlans.get(episode) ?? []) {
        if (after(closure, p.CINPlanStartDate) || after(closure, p.CINPlanEndDate)) {
          planBreaches += 1;
          out.push(finding(closedEpisode(i), at('CINplanDates', j, 'CINPlanStartDate', 'CINPlanEndDate')));
        }
      }
    });
    return planBreaches > 0 && planBreaches !== s47Breaches ? [] : out;
  },
};

/** Only a start date after the reference date counts as out of period (the validator does not check the period's start). */
const rule8720: CensusRule = {
  code: '8720',
  check: ({ tables, referenceDate }) => tables.ChildProtectionPlans.flatMap((p, i) => {
    const start = censusDate(p.CPPstartDate);
    return start === null || (referenceDate !== null && start > referenceDate) ? [finding(at('ChildProtectionPlans', i, 'CPPstartDate'))] : [];
  }),
};

/**
 * Missing or negative. The validator reads the column as whole numbers first, and when any value
 * is not one ("two", "1.5") that reading fails and the rule reports nothing for the census.
 */
const rule8730: CensusRule = {
  code: '8730',
  check: ({ tables }) => {
    const values = tables.ChildProtectionPlans.map((p) => p.NumberOfPreviousCPP);
    // Python's reading of a whole number: spaces around it, a sign, digits (underscores between them allowed).
    if (values.some((v) => v !== null && !/^\s*[+-]?\d+(_\d+)*\s*$/.test(v))) return [];
    return values.flatMap((v, i) => (v === null || Number(v.replaceAll('_', '')) < 0 ? [finding(at('ChildProtectionPlans', i, 'NumberOfPreviousCPP'))] : []));
  },
};

/**
 * Child protection details on an episode closed with no further action. The validator's merge
 * labels the two tables' row numbers the wrong way round, so it flags the plan whose row number is
 * the episode's and the episode (if closed with no further action) whose row number is the plan's;
 * that is kept, as the children it names are the ones its report names.
 */
const rule8832: CensusRule = {
  code: '8832',
  check: ({ tables }) => {
    const nfa = (v: string | null): boolean => v !== null && (v.toLowerCase() === 'true' || v === '1');
    const plans = index(tables.ChildProtectionPlans, (r) => key(r.LAchildID, r.CINdetailsID));
    const out: Finding[] = [];
    tables.CINdetails.forEach((cin, i) => {
      if (!nfa(cin.ReferralNFA)) return;
      for (const [j] of plans.get(key(cin.LAchildID, cin.CINdetailsID)) ?? []) {
        const locations: Location[][] = [];
        if (tables.ChildProtectionPlans[i]) locations.push(at('ChildProtectionPlans', i, 'LAchildID'));
        if (nfa(tables.CINdetails[j]?.ReferralNFA ?? null)) locations.push(at('CINdetails', j, 'ReferralNFA'));
        if (locations.length) out.push(finding(...locations));
      }
    });
    return out;
  },
};

const rule8840: CensusRule = {
  code: '8840',
  check: ({ tables }) => tables.ChildProtectionPlans.flatMap((p, i) => {
    const start = censusDate(p.CPPstartDate);
    return start !== null && start === censusDate(p.CPPendDate) ? [finding(at('ChildProtectionPlans', i, 'CPPstartDate', 'CPPendDate'))] : [];
  }),
};

const rule8841: CensusRule = {
  code: '8841',
  check: ({ tables }) => {
    const reviews = index(tables.Reviews, (r) => key(r.CPPID, r.LAchildID, r.CINdetailsID));
    const out: Finding[] = [];
    tables.ChildProtectionPlans.forEach((p, i) => {
      const start = censusDate(p.CPPstartDate);
      if (!start) return;
      for (const [j, r] of reviews.get(key(p.CPPID, p.LAchildID, p.CINdetailsID)) ?? []) {
        const review = censusDate(r.CPPreviewDate);
        if (review && review <= start) out.push(finding(at('ChildProtectionPlans', i, 'CPPstartDate'), at('Reviews', j, 'CPPreviewDate')));
      }
    });
    return out;
  },
};

const categoryRule = (code: string, column: 'InitialCategoryOfAbuse' | 'LatestCategoryOfAbuse'): CensusRule => ({
  code,
  check: ({ tables }) => tables.ChildProtectionPlans.flatMap((p, i) => {
    const v = p[column];
    return v === null || !ABUSE_CATEGORIES.has(v) ? [finding(at('ChildProtectionPlans', i, column))] : [];
  }),
});

/** A plan date after the child's date of death (the child's identifiers matched by LAchildID). */
const afterDeathRule = (code: string, column: 'CPPstartDate' | 'CPPendDate'): CensusRule => ({
  code,
  check: ({ tables }) => {
    const children = index(tables.ChildIdentifiers, (r) => key(r.LAchildID));
    const out: Finding[] = [];
    tables.ChildProtectionPlans.forEach((p, i) => {
      const date = censusDate(p[column]);
      if (!date) return;
      for (const [j, c] of children.get(key(p.LAchildID)) ?? []) {
        const death = censusDate(c.PersonDeathDate);
        if (death && date > death) out.push(finding(at('ChildProtectionPlans', i, column), at('ChildIdentifiers', j, 'PersonDeathDate')));
      }
    });
    return out;
  },
});

const rule8925: CensusRule = {
  code: '8925',
  check: ({ tables }) => tables.ChildProtectionPlans.flatMap((p, i) => {
    const start = censusDate(p.CPPstartDate);
    const end = censusDate(p.CPPendDate);
    return start && end && end < start ? [finding(at('ChildProtectionPlans', i, 'CPPstartDate', 'CPPendDate'))] : [];
  }),
};

const rule8930: CensusRule = {
  code: '8930',
  check: (ctx) => ctx.tables.ChildProtectionPlans.flatMap((p, i) => {
    const end = censusDate(p.CPPendDate);
    return end !== null && ctx.collectionStart !== null && !within(end, ctx) ? [finding(at('ChildProtectionPlans', i, 'CPPendDate'))] : [];
  }),
};

/**
 * More than one open plan. The validator counts open plans per child and plan number (the plan's
 * position in its episode), so it sees two open plans only where two of the child's episodes each
 * have an open plan in the same position, and then flags every plan in those positions.
 */
const rule8935: CensusRule = {
  code: '8935',
  check: ({ tables }) => {
    const plans = tables.ChildProtectionPlans;
    const open = new Map<string, number>();
    for (const p of plans) {
      // Plans of a child with no LAchildID are not counted: the validator's grouping drops them.
      if (p.LAchildID === null || censusDate(p.CPPendDate) !== null) continue;
      const k = key(p.LAchildID, p.CPPID);
      open.set(k, (open.get(k) ?? 0) + 1);
    }
    return plans.flatMap((p, i) => ((open.get(key(p.LAchildID, p.CPPID)) ?? 0) > 1 ? [finding(at('ChildProtectionPlans', i, 'CPPendDate'))] : []));
  },
};

/**
 * A plan starting within another of the child's plans (up to its end, or the reference date while
 * it is open). The validator tells plans apart by their position in their episode only, so two
 * plans in the same position of different episodes are never compared; that is kept.
 */
const rule8940: CensusRule = {
  code: '8940',
  check: ({ tables, referenceDate }) => {
    const plans = tables.ChildProtectionPlans.flatMap((p, i) => {
      const start = censusDate(p.CPPstartDate);
      return start === null ? [] : [{ i, child: key(p.LAchildID), id: p.CPPID, start, end: censusDate(p.CPPendDate) }];
    });
    const out: Finding[] = [];
    for (const a of plans) {
      for (const b of plans) {
        if (a.child !== b.child || a.id === b.id || a.start < b.start) continue;
        const inside = b.end !== null ? a.start <= b.end : referenceDate !== null && a.start <= referenceDate;
        if (inside) out.push(finding(at('ChildProtectionPlans', a.i, 'CPPstartDate'), at('ChildProtectionPlans', b.i, 'CPPstartDate', 'CPPendDate')));
      }
    }
    return out;
  },
};

/** The DfE's validation rules on this part of the census (see ../engine.ts). */
export const childProtectionPlansRules: readonly CensusRule[] = [
  rule1105, rule2883, rule2885, rule8565, rule8720, rule8730, rule8832, rule8840, rule8841,
  categoryRule('8905', 'InitialCategoryOfAbuse'), categoryRule('8910', 'LatestCategoryOfAbuse'),
  afterDeathRule('8915', 'CPPstartDate'), afterDeathRule('8920', 'CPPendDate'),
  rule8925, rule8930, rule8935, rule8940,
];
