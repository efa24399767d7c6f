import { censusDate, type CensusRule, type Finding, type Location, type RuleContext } from '../engine.ts';
import type { AssessmentRow, TableName } from '../tables.ts';
import { errorId } from './joins.ts';

/**
 * The DfE's rules on assessments, as the open-source validator (csc-validator-be-cin, 2025–26
 * rules) applies them: Jigsaw must flag what it flags, so where its behaviour differs from the
 * DfE's wording (a comparison with a missing date, a join that matches missing keys, a rule that
 * fails outright on some data and so reports nothing) the difference is reproduced and said.
 *
 * The validator holds an assessment's factors as one list per assessment. Several of its factor
 * rules treat that list as if it were a single code, or put it where Python needs a hashable value,
 * and so never report anything: 8614, 8869, 8898, 8945Q and 8950Q. The checks the DfE means are in
 * `dfeFactorChecks` below, tested, and one line away from being registered instead.
 */

export const at = (table: TableName, column: string, row: number): Location => ({ table, column, row });

/** Two key cells match as the validator's joins match them: the same text, or both missing (pandas joins missing keys to each other). */
export const keyOf = (...parts: (string | number | null | undefined)[]): string => JSON.stringify(parts.map((p) => p ?? null));

/** A row of a table with its index there (what a finding points at). */
export interface Indexed<T> { row: T; i: number }

/** Rows grouped by a key, each with its index. */
export function indexBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, Indexed<T>[]> {
  const m = new Map<string, Indexed<T>[]>();
  rows.forEach((row, i) => {
    const k = key(row);
    const list = m.get(k);
    if (list) list.push({ row, i });
    else m.set(k, [{ row, i }]);
  });
  return m;
}


function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/**
 * "N working days before" a date as the validator counts them: the date itself is working day 1,
 * so the result is N − 1 working days earlier (a pandas business-day offset of N − 1); a date that
 * is not a working day first moves on to the next working day. So 45 working days before Tuesday
 * 31 March 2026 is Wednesday 28 January 2026: 28 January to 31 March holds 45 working days.
 */
export function workingDaysBefore(ctx: RuleContext, date: string, days: number): string {
  let d = date;
  while (!ctx.workingDays.isWorkingDay(d)) d = addDays(d, 1);
  for (let left = days - 1; left > 0; left -= 1) {
    do d = addDays(d, -1);
    while (!ctx.workingDays.isWorkingDay(d));
  }
  return d;
}

const episodeKey = (r: { LAchildID: string | null; CINdetailsID: number }): string => keyOf(r.LAchildID, r.CINdetailsID);

/** The factor codes 8897Q accepts (the validator's list: 18A and 19A still among them). */
const FACTOR_CODES = new Set([
  '1A', '1B', '1C', '2A', '2B', '2C', '3A', '3B', '3C', '4A', '4B', '4C', '5A', '5B', '5C', '6A', '6B', '6C', '7A',
  '8B', '8C', '8D', '8E', '8F', '9A', '10A', '11A', '12A', '13A', '14A', '15A', '16A', '17A', '18A', '18B', '18C',
  '19A', '19B', '19C', '20', '21', '22A', '23A', '24A',
]);

const rule1103: CensusRule = {
  code: '1103',
  check: ({ tables }) => {
    const cin = indexBy(tables.CINdetails, episodeKey);
    const out: Finding[] = [];
    tables.Assessments.forEach((a, i) => {
      const start = censusDate(a.AssessmentActualStartDate);
      if (!start) return;
      for (const { row: c, i: j } of cin.get(episodeKey(a)) ?? []) {
        const referral = censusDate(c.CINreferralDate);
        if (referral && start < referral) {
          out.push({ locations: [at('Assessments', 'AssessmentActualStartDate', i), at('CINdetails', 'CINreferralDate', j)], errorId: errorId(a.LAchildID, start, referral) });
        }
      }
    });
    return out;
  },
};

const rule8608: CensusRule = {
  code: '8608',
  check: ({ tables }) => tables.Assessments.flatMap((a, i) => {
    const start = censusDate(a.AssessmentActualStartDate);
    const end = censusDate(a.AssessmentAuthorisationDate);
    return start && end && start > end
      ? [{ locations: [at('Assessments', 'AssessmentActualStartDate', i), at('Assessments', 'AssessmentAuthorisationDate', i)], errorId: errorId(a.LAchildID, start, end) }]
      : [];
  }),
};

const rule8670Q: CensusRule = {
  code: '8670Q',
  check: (ctx) => {
    // No reference date: the validator's limit is NaT and nothing compares before it.
    if (!ctx.referenceDate) return [];
    const limit = workingDaysBefore(ctx, ctx.referenceDate, 45);
    return ctx.tables.Assessments.flatMap((a, i) => {
      const start = censusDate(a.AssessmentActualStartDate);
      // An authorisation date that is not a date counts as none, as the validator reads it.
      return censusDate(a.AssessmentAuthorisationDate) === null && start !== null && start < limit
        ? [{ locations: [at('Assessments', 'AssessmentAuthorisationDate', i), at('Assessments', 'AssessmentActualStartDate', i)], errorId: errorId(a.LAchildID, start) }]
        : [];
    });
  },
};

const rule8696: CensusRule = {
  code: '8696',
  check: ({ tables, collectionStart, collectionEnd }) => tables.Assessments.flatMap((a, i) => {
    const end = censusDate(a.AssessmentAuthorisationDate);
    if (!end || !collectionStart || !collectionEnd) return [];
    return end < collectionStart || end > collectionEnd ? [{ locations: [at('Assessments', 'AssessmentAuthorisationDate', i)] }] : [];
  }),
};

const rule8736: CensusRule = {
  code: '8736',
  check: ({ tables, collectionStart, collectionEnd }) => tables.Assessments.flatMap((a, i) => {
    if (censusDate(a.AssessmentAuthorisationDate) !== null) return [];
    const start = censusDate(a.AssessmentActualStartDate);
    // The validator flags an open assessment unless its start is known to be in the year: a missing
    // start date, or a missing reference date, fails the "within the year" test and is flagged.
    const inYear = start !== null && collectionStart !== null && collectionEnd !== null && start >= collectionStart && start <= collectionEnd;
    return inYear ? [] : [{
      locations: [at('Assessments', 'AssessmentAuthorisationDate', i), at('Assessments', 'AssessmentActualStartDate', i)],
      errorId: errorId(a.LAchildID, a.CINdetailsID, start ?? 'NaT'),
    }];
  }),
};

const rule8863Q: CensusRule = {
  code: '8863Q',
  check: ({ tables, referenceDate }) => {
    const out: Finding[] = [];
    const dated = (a: AssessmentRow): { start: string | null; end: string | null } => ({ start: censusDate(a.AssessmentActualStartDate), end: censusDate(a.AssessmentAuthorisationDate) });
    for (const rows of indexBy(tables.Assessments, episodeKey).values()) {
      for (const { row: a, i } of rows) {
        const one = dated(a);
        if (!one.start) continue;
        for (const { row: b, i: j } of rows) {
          const other = dated(b);
          if (!other.start) continue;
          // The validator skips an assessment with the same dates as this one (itself, or its exact twin).
          if (one.start === other.start && one.end === other.end) continue;
          const during = one.start >= other.start && (other.end !== null ? one.start <= other.end : referenceDate !== null && one.start <= referenceDate);
          if (during) {
            out.push({
              locations: [at('Assessments', 'AssessmentActualStartDate', i), at('Assessments', 'AssessmentActualStartDate', j), at('Assessments', 'AssessmentAuthorisationDate', j)],
              errorId: errorId(a.LAchildID, a.CINdetailsID, one.start),
            });
          }
        }
      }
    }
    return out;
  },
};

const rule8873Q: CensusRule = {
  code: '8873Q',
  check: ({ tables }) => {
    const episodes = indexBy(tables.Assessments, episodeKey);
    const sameId = indexBy(tables.Assessments, (a) => keyOf(a.LAchildID, a.CINdetailsID, a.AssessmentID));
    const cin = indexBy(tables.CINdetails, episodeKey);
    const out: Finding[] = [];
    tables.Assessments.forEach((a, i) => {
      const episode = episodes.get(episodeKey(a)) ?? [];
      if (episode.some(({ row: b }) => b.AssessmentID !== a.AssessmentID)) return;
      // The factors joined by child, episode and assessment number; "21" anywhere in a code counts.
      const factors = (sameId.get(keyOf(a.LAchildID, a.CINdetailsID, a.AssessmentID)) ?? []).flatMap(({ row: b }) => b.AssessmentFactors ?? []);
      if (!factors.some((f) => f.includes('21'))) return;
      const episodesRows = cin.get(episodeKey(a)) ?? [];
      const failing = episodesRows.filter(({ row: c }) => !['RC8', 'RC9'].includes(c.ReasonForClosure ?? ''));
      // With no CINdetails row to join, the missing reason is not RC8 or RC9: the assessment alone is flagged.
      if (episodesRows.length === 0) out.push({ locations: [at('Assessments', 'AssessmentFactors', i)], errorId: errorId(a.LAchildID, a.CINdetailsID, a.AssessmentID, null) });
      for (const { row: c, i: j } of failing) {
        out.push({
          locations: [at('Assessments', 'AssessmentFactors', i), at('CINdetails', 'ReasonForClosure', j)],
          errorId: errorId(a.LAchildID, a.CINdetailsID, a.AssessmentID, c.ReasonForClosure),
        });
      }
    });
    return out;
  },
};

const rule8896: CensusRule = {
  code: '8896',
  check: ({ tables }) => {
    const out: Finding[] = [];
    for (const rows of indexBy(tables.Assessments, episodeKey).values()) {
      const a = rows[0]?.row;
      // The validator's count leaves out a child with no LAchildID (pandas drops missing group keys).
      if (!a || a.LAchildID === null) continue;
      const open = rows.filter(({ row }) => censusDate(row.AssessmentAuthorisationDate) === null);
      // Then every assessment of the episode is flagged, the completed ones too, as the validator does.
      if (open.length > 1) {
        out.push({ locations: rows.map(({ i }) => at('Assessments', 'AssessmentAuthorisationDate', i)), errorId: errorId(a.LAchildID, a.CINdetailsID) });
      }
    }
    return out;
  },
};

const rule8897Q: CensusRule = {
  code: '8897Q',
  check: ({ tables, collectionStart }) => {
    if (!collectionStart) return [];
    // The validator joins each assessment to the factors of the child's assessments with the same
    // number, whatever the episode.
    const sameNumber = indexBy(tables.Assessments, (a) => keyOf(a.LAchildID, a.AssessmentID));
    const breaches: { row: number; a: AssessmentRow }[] = [];
    tables.Assessments.forEach((a, i) => {
      const end = censusDate(a.AssessmentAuthorisationDate);
      if (!end || end < collectionStart) return;
      const joined = (sameNumber.get(keyOf(a.LAchildID, a.AssessmentID)) ?? []).flatMap(({ row }) => row.AssessmentFactors ?? []);
      const bad = a.AssessmentFactors === null || joined.length === 0 || joined.some((f) => !FACTOR_CODES.has(f));
      if (bad) breaches.push({ row: i, a });
    });
    // A breach on an assessment that has factors (one of them not a DfE code) puts the list of
    // factors into the validator's ERROR_ID, which Python cannot group by: the rule fails and the
    // validator reports none of its breaches.
    if (breaches.some((b) => b.a.AssessmentFactors !== null)) return [];
    return breaches.map(({ row, a }) => ({
      locations: [at('Assessments', 'AssessmentAuthorisationDate', row), at('Assessments', 'AssessmentFactors', row)],
      errorId: errorId(a.LAchildID, a.AssessmentID, null),
    }));
  },
};

/** One finding per assessment, on its factors, where a test on its list of codes holds. */
const factorsWhere = (code: string, test: (factors: string[], a: AssessmentRow) => boolean, column = 'AssessmentFactors'): CensusRule => ({
  code,
  check: ({ tables }) => tables.Assessments.flatMap((a, i) =>
    a.AssessmentFactors && test(a.AssessmentFactors, a) ? [{ locations: [at('Assessments', column, i), ...(column === 'AssessmentFactors' ? [] : [at('Assessments', 'AssessmentFactors', i)])] }] : []),
});

/**
 * The DfE's factor rules as the DfE writes them. The validator reports none of these (see the top
 * of this file): registered below as rules that report nothing, so that Jigsaw agrees with it.
 */
export const dfeFactorChecks: readonly CensusRule[] = [
  // An open assessment (no authorisation date) has factors.
  factorsWhere('8614', (_f, a) => censusDate(a.AssessmentAuthorisationDate) === null, 'AssessmentAuthorisationDate'),
  // "21 No factors identified" with another factor.
  factorsWhere('8869', (f) => f.includes('21') && f.length > 1),
  // The same factor twice in one assessment.
  factorsWhere('8898', (f) => new Set(f).size < f.length),
  factorsWhere('8945Q', (f) => f.some((x) => x.toUpperCase() === '18A')),
  factorsWhere('8950Q', (f) => f.some((x) => x.toUpperCase() === '19A')),
];

/**
 * How the validator runs these five: 8614 and 8898 fail with "unhashable type: 'list'" whenever
 * they find a breach (the list of factors goes into a pandas key), and 8869, 8945Q and 8950Q compare
 * the list as a whole with one code ("['21']" is not "21"), so none of them ever reports.
 */
const asTheValidatorRunsIt = (rule: CensusRule): CensusRule => ({ code: rule.code, check: () => [] });

export const assessmentsRules: readonly CensusRule[] = [
  rule1103, rule8608, rule8670Q, rule8696, rule8736, rule8863Q, rule8873Q, rule8896, rule8897Q,
  ...dfeFactorChecks.map(asTheValidatorRunsIt),
];
