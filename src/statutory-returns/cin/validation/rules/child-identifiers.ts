import { censusDate, type CensusRule, type Finding, type Location, type RuleContext } from '../engine.ts';
import type { ChildIdentifiersRow } from '../tables.ts';
import { errorId } from './joins.ts';

/**
 * The DfE's validation rules on the child's identifiers (see ../engine.ts). Semantics follow the
 * open-source validator (csc-validator-be-cin, latest ruleset of each rule), including where it is
 * odd: those places say so. Dates are read with censusDate; one that is not a date counts as
 * absent, as the validator's reader makes it NaT, and comparisons with an absent date are false.
 */

type Table = Location['table'];
const at = (table: Table, column: string, row: number): Location => ({ table, column, row });
const one = (table: Table, column: string, row: number): Finding => ({ locations: [at(table, column, row)] });


/** The validator joins tables on LAchildID with pandas, which matches a missing id with another missing id. */
const joinKey = (id: string | null): string => (id === null ? '\u0000absent' : `=${id}`);

/** Row indexes of a table by child, so that joins stay linear on a large census. */
function byChild<T extends { LAchildID: string | null }>(rows: readonly T[]): Map<string, number[]> {
  const map = new Map<string, number[]>();
  rows.forEach((r, j) => {
    const k = joinKey(r.LAchildID);
    const list = map.get(k);
    if (list) list.push(j);
    else map.set(k, [j]);
  });
  return map;
}

/** Python's str indexing counts code points, not UTF-16 units. */
const chars = (s: string): string[] => Array.from(s);

/** Adds whole months as pandas' DateOffset does: the day is kept, or is the month's last day when the month is shorter. */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  // setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999.
  const first = new Date(0);
  first.setUTCFullYear(y, m - 1 + months, 1);
  const last = new Date(first);
  last.setUTCMonth(last.getUTCMonth() + 1, 0);
  first.setUTCDate(Math.min(d, last.getUTCDate()));
  return first.toISOString().slice(0, 10);
}
export const addYears = (date: string, years: number): string => addMonths(date, years * 12);
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Rows whose value in `column` is shared with another row; pandas' duplicated counts two missing values as the same. */
function duplicatedRows(rows: readonly ChildIdentifiersRow[], column: 'UPN' | 'LAchildID'): number[] {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(joinKey(r[column]), (counts.get(joinKey(r[column])) ?? 0) + 1);
  return rows.flatMap((r, i) => ((counts.get(joinKey(r[column])) ?? 0) > 1 ? [i] : []));
}

/** The UPN's 13 characters when it has exactly 13, else null (the validator skips other lengths). */
const upn13 = (upn: string | null): string[] | null => (upn !== null && chars(upn).length === 13 ? chars(upn) : null);

const CHECK_LETTERS = 'ABCDEFGHJKLMNPQRTUVWX';

/** Post-April 1998 LA codes and pseudo-LA codes that may form a UPN's characters 2–4 (the 2023–24 list). */
const LA_CODES = new Set<string>([
  ...['001', '002', '003', '004', '005'],
  ...[[201, 213], [301, 320], [330, 336], [340, 344], [350, 359], [370, 373], [380, 384], [390, 394], [660, 681], [701, 708],
    [800, 803], [805, 808], [810, 813], [820, 823], [835, 839], [850, 852], [855, 857], [865, 896], [935, 938], [940, 941]]
    .flatMap(([a, b]) => Array.from({ length: b! - a! + 1 }, (_, k) => String(a! + k))),
  ...[420, 815, 816, 825, 826, 830, 831, 840, 841, 845, 846, 860, 861, 908, 909, 916, 919, 921, 925, 926, 928, 929, 931, 933, 942, 943].map(String),
]);

const LAST_CHARACTER = new Set('ABCDEFGHJKLMNPQRTUVWXYZ0123456789');
const UPN_UNKNOWN_SCHOOL_AGE = new Set(['UN2', 'UN3', 'UN4', 'UN5', 'UN6', 'UN7']);
const SEXES = new Set(['M', 'F', 'U']);

/**
 * Rules the validator raises for the whole return, not for a child (1520, 2886Q): its report of
 * findings (user_report.csv) does not list them, so neither does ours: the finding carries no cell and
 * is listed apart, as about the whole return.
 */
const laLevel = (code: string): Finding[] => [{ locations: [], errorId: `LA level: ${code}`, authorityLevel: true }];

export const childIdentifiersRules: readonly CensusRule[] = [
  {
    // The check letter: digits 2–13 weighted 2–13, summed, mod 23, mapped to a letter; remainders 21
    // and 22 have no letter in the validator's table, so such a UPN is always flagged.
    code: '1510',
    check: ({ tables }: RuleContext): Finding[] => tables.ChildIdentifiers.flatMap((r, i) => {
      const c = upn13(r.UPN);
      if (!c || !c.slice(1).every((x) => /^[0-9]$/.test(x))) return [];
      const sum = c.slice(1).reduce((s, x, k) => s + Number(x) * (k + 2), 0) % 23;
      return CHECK_LETTERS[sum] === c[0] ? [] : [one('ChildIdentifiers', 'UPN', i)];
    }),
  },
  { code: '1520', check: ({ tables }: RuleContext): Finding[] => (duplicatedRows(tables.ChildIdentifiers, 'UPN').length > 0 ? laLevel('1520') : []) },
  {
    code: '1530',
    check: ({ tables }: RuleContext): Finding[] => tables.ChildIdentifiers.flatMap((r, i) => {
      const c = upn13(r.UPN);
      return c && !LA_CODES.has(c.slice(1, 4).join('')) ? [one('ChildIdentifiers', 'UPN', i)] : [];
    }),
  },
  {
    // Characters 5–12 (whatever the UPN's length, as the validator slices it) must all be digits.
    code: '1540',
    check: ({ tables }: RuleContext): Finding[] => tables.ChildIdentifiers.flatMap((r, i) =>
      r.UPN !== null && /[^0-9]/.test(chars(r.UPN).slice(4, 12).join('')) ? [one('ChildIdentifiers', 'UPN', i)] : []),
  },
  {
    code: '1550',
    check: ({ tables }: RuleContext): Finding[] => tables.ChildIdentifiers.flatMap((r, i) => {
      const c = upn13(r.UPN);
      return c && !LAST_CHARACTER.has(c[12]!) ? [one('ChildIdentifiers', 'UPN', i)] : [];
    }),
  },
  {
    // A former UPN: 13 characters, a letter then twelve digits (Python's Unicode isalpha/isdigit).
    code: '1560Q',
    check: ({ tables }: RuleContext): Finding[] => tables.ChildIdentifiers.flatMap((r, i) => {
      if (r.FormerUPN === null) return [];
      const c = chars(r.FormerUPN);
      const ok = c.length === 13 && /^\p{L}$/u.test(c[0]!) && /^\p{Nd}+$/u.test(c.slice(1).join(''));
      return ok ? [] : [one('ChildIdentifiers', 'FormerUPN', i)];
    }),
  },
  {
    code: '1570',
    check: ({ tables }: RuleContext): Finding[] => tables.ChildIdentifiers.flatMap((r, i) =>
      r.LAchildID !== null && chars(r.LAchildID).length > 20 ? [one('ChildIdentifiers', 'LAchildID', i)] : []),
  },
  {
    // Letters and digits only (Python's isalnum); a missing id is rule 8500's business, not this one's.
    code: '1580',
    check: ({ tables }: RuleContext): Finding[] => tables.ChildIdentifiers.flatMap((r, i) =>
      r.LAchildID !== null && !/^[\p{L}\p{N}]+$/u.test(r.LAchildID) ? [one('ChildIdentifiers', 'LAchildID', i)] : []),
  },
  {
    // More than 2% of children with no sex (missing or U) and no expected date of birth: a query on the whole return.
    code: '2886Q',
    check: ({ tables }: RuleContext): Finding[] => {
      const rows = tables.ChildIdentifiers;
      const unknown = rows.filter((r) => (r.Sex === null || r.Sex === 'U') && censusDate(r.ExpectedPersonBirthDate) === null).length;
      return rows.length > 0 && unknown / rows.length > 0.02 ? laLevel('2886Q') : [];
    },
  },
  {
    code: '4008',
    check: ({ tables }: RuleContext): Finding[] => deathJoin(tables.ChildIdentifiers, tables.CINplanDates, 'CINPlanStartDate'),
  },
  {
    code: '4009Q',
    check: ({ tables }: RuleContext): Finding[] => deathJoin(tables.ChildIdentifiers, tables.CINplanDates, 'CINPlanEndDate'),
  },
  {
    code: '4180',
    check: ({ tables }: RuleContext): Finding[] => tables.ChildIdentifiers.flatMap((r, i) => (r.Sex !== null && SEXES.has(r.Sex) ? [] : [one('ChildIdentifiers', 'Sex', i)])),
  },
  {
    code: '8500',
    check: ({ tables }: RuleContext): Finding[] => tables.ChildIdentifiers.flatMap((r, i) => (r.LAchildID === null ? [one('ChildIdentifiers', 'LAchildID', i)] : [])),
  },
  {
    // Every child sharing an id is flagged; children with no id count as sharing one (pandas' duplicated).
    code: '8510',
    check: ({ tables }: RuleContext): Finding[] => duplicatedRows(tables.ChildIdentifiers, 'LAchildID').map((i) => one('ChildIdentifiers', 'LAchildID', i)),
  },
  {
    code: '8520',
    check: ({ tables, collectionEnd }: RuleContext): Finding[] => tables.ChildIdentifiers.flatMap((r, i) => {
      const born = censusDate(r.PersonBirthDate);
      const end = censusDate(collectionEnd);
      return end && born && born > end ? [one('ChildIdentifiers', 'PersonBirthDate', i)] : [];
    }),
  },
  {
    // Exactly one of the date of birth and the expected date of birth.
    code: '8525Q',
    check: ({ tables }: RuleContext): Finding[] => tables.ChildIdentifiers.flatMap((r, i) =>
      (censusDate(r.PersonBirthDate) === null) !== (censusDate(r.ExpectedPersonBirthDate) === null) ? []
        : [{ locations: [at('ChildIdentifiers', 'PersonBirthDate', i), at('ChildIdentifiers', 'ExpectedPersonBirthDate', i)], errorId: errorId(r.LAchildID) }]),
  },
  {
    // Flagged on or outside the edges: on or before the reference date minus 30 days, on or after it plus 9 months.
    code: '8530Q',
    check: ({ tables, referenceDate: given }: RuleContext): Finding[] => {
      // A reference date pandas cannot hold is NaT in the validator, and nothing compares with it.
      const referenceDate = censusDate(given);
      if (!referenceDate) return [];
      const earliest = addDays(referenceDate, -30);
      const latest = addMonths(referenceDate, 9);
      return tables.ChildIdentifiers.flatMap((r, i) => {
        const expected = censusDate(r.ExpectedPersonBirthDate);
        return expected && (expected >= latest || expected <= earliest) ? [{ ...one('ChildIdentifiers', 'ExpectedPersonBirthDate', i), errorId: errorId(r.LAchildID, expected) }] : [];
      });
    },
  },
  {
    // A death before the birth, or a death with no date of birth unless the expected date of birth is after the death.
    code: '8535Q',
    check: ({ tables }: RuleContext): Finding[] => tables.ChildIdentifiers.flatMap((r, i) => {
      const died = censusDate(r.PersonDeathDate);
      if (!died) return [];
      const expected = censusDate(r.ExpectedPersonBirthDate);
      if (expected && expected > died) return [];
      const born = censusDate(r.PersonBirthDate);
      return !born || born > died ? [{ locations: [at('ChildIdentifiers', 'PersonDeathDate', i), at('ChildIdentifiers', 'PersonBirthDate', i)], errorId: errorId(r.LAchildID, died, born) }] : [];
    }),
  },
  {
    // The validator takes the census year from the header's Year read as a date, which a year never
    // is, so its census period is empty and every date of death is queried; we do the same.
    code: '8545Q',
    check: ({ tables }: RuleContext): Finding[] => {
      const end = yearAsDate(tables.Header[0]?.Year ?? null);
      const start = end ? addDays(addYears(end, -1), 1) : null;
      return tables.ChildIdentifiers.flatMap((r, i) => {
        const died = censusDate(r.PersonDeathDate);
        return died && !(start && end && died >= start && died <= end) ? [one('ChildIdentifiers', 'PersonDeathDate', i)] : [];
      });
    },
  },
  {
    code: '8590',
    check: ({ tables }: RuleContext): Finding[] => {
      const withEpisode = new Set(tables.CINdetails.map((c) => joinKey(c.LAchildID)));
      return tables.ChildIdentifiers.flatMap((r, i) => (withEpisode.has(joinKey(r.LAchildID)) ? [] : [{ ...one('ChildIdentifiers', 'LAchildID', i), errorId: errorId(r.LAchildID) }]));
    },
  },
  {
    // An unborn child (expected date of birth, no date of birth) must have sex U.
    code: '8750',
    check: ({ tables }: RuleContext): Finding[] => tables.ChildIdentifiers.flatMap((r, i) =>
      censusDate(r.PersonBirthDate) === null && censusDate(r.ExpectedPersonBirthDate) !== null && r.Sex !== 'U'
        ? [{ locations: ['Sex', 'PersonBirthDate', 'ExpectedPersonBirthDate'].map((c) => at('ChildIdentifiers', c, i)), errorId: errorId(r.LAchildID, r.Sex, censusDate(r.ExpectedPersonBirthDate)) }] : []),
  },
  {
    // School age, as the 2024–25 validator reckons it: born on or before 31 August six years before the
    // one after the reference date (reference date + 4 months + 31 days − 6 years), with a referral
    // going on to further action (ReferralNFA 0 or false), no UPN and no reason UN2–UN7.
    code: '8770Q',
    check: ({ tables, referenceDate: given }: RuleContext): Finding[] => {
      // A reference date pandas cannot hold is NaT in the validator, and nothing compares with it.
      const referenceDate = censusDate(given);
      if (!referenceDate) return [];
      const cutoff = addYears(addDays(addMonths(referenceDate, 4), 31), -6);
      const furtherAction = new Set(tables.CINdetails.filter((c) => c.ReferralNFA === '0' || c.ReferralNFA?.toLowerCase() === 'false').map((c) => joinKey(c.LAchildID)));
      return tables.ChildIdentifiers.flatMap((r, i) => {
        const born = censusDate(r.PersonBirthDate);
        if (!born || born > cutoff || !furtherAction.has(joinKey(r.LAchildID))) return [];
        if (r.UPN !== null || (r.UPNunknown !== null && UPN_UNKNOWN_SCHOOL_AGE.has(r.UPNunknown.toUpperCase()))) return [];
        return [{ locations: [at('ChildIdentifiers', 'UPN', i), at('ChildIdentifiers', 'UPNunknown', i)], errorId: errorId(r.LAchildID) }];
      });
    },
  },
  {
    // UN7 (referral with no further action) but an episode whose ReferralNFA is present and not 1 or true.
    code: '8772',
    check: ({ tables }: RuleContext): Finding[] => {
      const episodes = byChild(tables.CINdetails);
      return tables.ChildIdentifiers.flatMap((r, i) => {
      if (r.UPNunknown !== 'UN7') return [];
      return (episodes.get(joinKey(r.LAchildID)) ?? []).map((j) => ({ c: tables.CINdetails[j]!, j })).flatMap(({ c, j }) =>
        c.ReferralNFA !== null && !['true', '1'].includes(c.ReferralNFA.toLowerCase())
          ? [{ locations: [at('ChildIdentifiers', 'UPNunknown', i), at('CINdetails', 'ReferralNFA', j)], errorId: errorId(r.LAchildID, r.UPNunknown, c.ReferralNFA) }] : []);
      });
    },
  },
  {
    // Born more than 25 years before the reference date, with an episode open (no closure date) or closed
    // after the 25th birthday; a child with no episode at all is flagged too (the validator's left join).
    code: '8775Q',
    check: ({ tables, referenceDate: given }: RuleContext): Finding[] => {
      // A reference date pandas cannot hold is NaT in the validator, and nothing compares with it.
      const referenceDate = censusDate(given);
      if (!referenceDate) return [];
      const limit = addYears(referenceDate, -25);
      const byId = byChild(tables.CINdetails);
      return tables.ChildIdentifiers.flatMap((r, i) => {
        const born = censusDate(r.PersonBirthDate);
        if (!born || born >= limit) return [];
        const episodes = (byId.get(joinKey(r.LAchildID)) ?? []).map((j) => ({ c: tables.CINdetails[j]!, j }));
        const id = errorId(r.LAchildID, born);
        if (episodes.length === 0) return [{ ...one('ChildIdentifiers', 'PersonBirthDate', i), errorId: id }];
        const twentyFifth = addYears(born, 25);
        return episodes.flatMap(({ c, j }) => {
          const closed = censusDate(c.CINclosureDate);
          return !closed || closed > twentyFifth ? [{ locations: [at('ChildIdentifiers', 'PersonBirthDate', i), at('CINdetails', 'CINclosureDate', j)], errorId: id }] : [];
        });
      });
    },
  },
];

/** The header's Year read as the validator reads a census period's end: a date written YYYY/MM/DD or DD/MM/YYYY, else nothing. */
function yearAsDate(year: string | null): string | null {
  const v = year ?? '';
  if (/^\d{4}\/\d{2}\/\d{2}$/.test(v)) return censusDate(v.replaceAll('/', '-'));
  return /^\d{2}\/\d{2}\/\d{4}$/.test(v) ? censusDate(v) : null;
}

/** 4008 and 4009Q: a CIN plan date after the child's date of death, for each plan of a child who died. */
function deathJoin(children: readonly ChildIdentifiersRow[], plans: readonly { LAchildID: string | null; CINPlanStartDate: string | null; CINPlanEndDate: string | null }[], column: 'CINPlanStartDate' | 'CINPlanEndDate'): Finding[] {
  const byId = byChild(plans);
  return children.flatMap((r, i) => {
    const died = censusDate(r.PersonDeathDate);
    if (!died) return [];
    return (byId.get(joinKey(r.LAchildID)) ?? []).flatMap((j) => {
      const date = censusDate(plans[j]![column]);
      return date && died < date
        ? [{ locations: [at('ChildIdentifiers', 'PersonDeathDate', i), at('CINplanDates', column, j)], errorId: errorId(r.LAchildID, died) }] : [];
    });
  });
}
