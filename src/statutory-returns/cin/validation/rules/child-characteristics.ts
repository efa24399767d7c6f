import { censusDate, type CensusRule, type Finding, type Location, type RuleContext } from '../engine.ts';
import { errorId } from './joins.ts';

/**
 * The DfE's validation rules on the child's ethnicity and disabilities (see ../engine.ts), with the
 * open-source validator's semantics (csc-validator-be-cin), including where it is odd: those places say so.
 */

const at = (table: Location['table'], column: string, row: number): Location => ({ table, column, row });
/** The validator joins tables on LAchildID with pandas, which matches a missing id with another missing id. */
const joinKey = (id: string | null): string => (id === null ? '\u0000absent' : `=${id}`);

const ETHNICITIES = new Set(['ABAN', 'AIND', 'AOTH', 'APKN', 'BAFR', 'BCRB', 'BOTH', 'CHNE', 'MOTH', 'MWAS', 'MWBA', 'MWBC', 'NOBT', 'OOTH', 'REFU', 'WBRI', 'WIRI', 'WIRT', 'WOTH', 'WROM']);
const DISABILITIES = new Set(['NONE', 'MOB', 'HAND', 'PC', 'INC', 'COMM', 'LD', 'HEAR', 'VIS', 'BEH', 'CON', 'AUT', 'DDA']);

/**
 * Rules the validator raises for the whole return, not for a child (2887Q, 2888Q): its report of
 * findings (user_report.csv) does not list them, so neither does ours: the finding carries no cell and
 * is listed apart, as about the whole return.
 */
const laLevel = (code: string): Finding[] => [{ locations: [], errorId: `LA level: ${code}`, authorityLevel: true }];

export const childCharacteristicsRules: readonly CensusRule[] = [
  {
    code: '4220',
    check: ({ tables }: RuleContext): Finding[] => tables.ChildCharacteristics.flatMap((r, i) =>
      r.Ethnicity !== null && ETHNICITIES.has(r.Ethnicity) ? [] : [{ locations: [at('ChildCharacteristics', 'Ethnicity', i)] }]),
  },
  {
    // A child with a date of birth and a referral going on to further action (ReferralNFA 0 or false)
    // must have valid disability codes; a child with none is flagged on its date of birth and
    // referral, one with an invalid code on that code too. Each pairing of the child's episodes and
    // disabilities counts, as in the validator's joins.
    code: '8540',
    check: ({ tables }: RuleContext): Finding[] => {
      const episodes = groupByChild(tables.CINdetails);
      const disabilities = groupByChild(tables.Disabilities);
      return tables.ChildIdentifiers.flatMap((child, i) => {
        const born = censusDate(child.PersonBirthDate);
        if (born === null) return [];
        const id = errorId(child.LAchildID, born);
        const key = joinKey(child.LAchildID);
        const further = (episodes.get(key) ?? []).filter((j) => ['false', '0'].includes(tables.CINdetails[j]!.ReferralNFA ?? ''));
        if (further.length === 0) return [];
        const own = disabilities.get(key) ?? [];
        const invalid = own.filter((d) => !DISABILITIES.has(tables.Disabilities[d]!.Disability ?? ''));
        const base = (j: number): Location[] => [at('ChildIdentifiers', 'PersonBirthDate', i), at('CINdetails', 'ReferralNFA', j)];
        if (own.length === 0) return further.map((j) => ({ locations: base(j), errorId: id }));
        return further.flatMap((j) => invalid.map((d) => ({ locations: [...base(j), at('Disabilities', 'Disability', d)], errorId: id })));
      });
    },
  },
  {
    // The validator means "fewer than 8 different codes other than NONE" but counts the NONE rows
    // instead, so a return with 7 or fewer NONE rows is queried; we reproduce what it reports.
    code: '2887Q',
    check: ({ tables }: RuleContext): Finding[] => (tables.Disabilities.filter((d) => d.Disability === 'NONE').length <= 7 ? laLevel('2887Q') : []),
  },
  {
    // As 2887Q, the validator keeps the NONE rows where it means to drop them: queried when no child
    // has NONE twice; a return with no NONE at all is not queried (the maximum of nothing is no number).
    code: '2888Q',
    check: ({ tables }: RuleContext): Finding[] => {
      const counts = new Map<string, number>();
      for (const d of tables.Disabilities) if (d.Disability === 'NONE' && d.LAchildID !== null) counts.set(d.LAchildID, (counts.get(d.LAchildID) ?? 0) + 1);
      return counts.size > 0 && Math.max(...counts.values()) <= 1 ? laLevel('2888Q') : [];
    },
  },
  {
    // NONE beside another code: each other code of that child is flagged (a missing code counts as another).
    code: '8790',
    check: ({ tables }: RuleContext): Finding[] => {
      const withNone = new Set(tables.Disabilities.filter((d) => d.Disability?.toUpperCase() === 'NONE').map((d) => joinKey(d.LAchildID)));
      return tables.Disabilities.flatMap((d, i) =>
        withNone.has(joinKey(d.LAchildID)) && d.Disability?.toUpperCase() !== 'NONE' ? [{ locations: [at('Disabilities', 'Disability', i)] }] : []);
    },
  },
  {
    // The same code twice for a child: every copy is flagged (rows with no child id or no code are not counted, as pandas' groupby drops them).
    code: '8794',
    check: ({ tables }: RuleContext): Finding[] => {
      const key = (d: { LAchildID: string | null; Disability: string | null }): string | null =>
        d.LAchildID === null || d.Disability === null ? null : JSON.stringify([d.LAchildID, d.Disability]);
      const counts = new Map<string, number>();
      for (const d of tables.Disabilities) { const k = key(d); if (k !== null) counts.set(k, (counts.get(k) ?? 0) + 1); }
      return tables.Disabilities.flatMap((d, i) => { const k = key(d); return k !== null && (counts.get(k) ?? 0) >= 2 ? [{ locations: [at('Disabilities', 'Disability', i)] }] : []; });
    },
  },
];

function groupByChild(rows: readonly { LAchildID: string | null }[]): Map<string, number[]> {
  const map = new Map<string, number[]>();
  rows.forEach((r, j) => {
    const list = map.get(joinKey(r.LAchildID));
    if (list) list.push(j);
    else map.set(joinKey(r.LAchildID), [j]);
  });
  return map;
}
