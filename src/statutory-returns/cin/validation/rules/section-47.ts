import { censusDate, type CensusRule, type Finding } from '../engine.ts';
import { at, indexBy, keyOf, workingDaysBefore } from './assessments.ts';
import { errorId } from './joins.ts';

/**
 * The DfE's rules on section 47 enquiries and initial child protection conferences, as the
 * open-source validator (csc-validator-be-cin, 2025–26 rules) applies them; where it departs from
 * the DfE's wording the departure is reproduced and said, so that Jigsaw flags what it flags.
 */

const episodeKey = (r: { LAchildID: string | null; CINdetailsID: number }): string => keyOf(r.LAchildID, r.CINdetailsID);

/** A day's number in the week, Sunday 0 to Saturday 6. */
const weekday = (date: string): number => new Date(`${date}T00:00:00Z`).getUTCDay();
const isWeekend = (date: string): boolean => weekday(date) === 0 || weekday(date) === 6;

/** ICPCnotRequired as the validator compares it: the text, "None" when the element is empty. */
const flagText = (v: string | null): string => v ?? 'None';

/**
 * The conference's target date as 8870Q reads it: only as day-month-year with dashes (31-03-2026).
 * The validator does not take InitialCPCtarget as a date when it reads the file (only columns named
 * "…date…" are), and the rule then parses it with that one format, so a target written as the XSD
 * writes dates (2026-03-31) is never a weekend to it.
 */
function targetDate(v: string | null): string | null {
  const m = /^(\d{1,2})-(\d{1,2})-(\d{4})$/.exec(v?.trim() ?? '');
  const [, day = '', month = '', year = ''] = m ?? [];
  return m ? censusDate(`${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`) : null;
}

const rule1104: CensusRule = {
  code: '1104',
  check: ({ tables }) => {
    const cin = indexBy(tables.CINdetails, episodeKey);
    const out: Finding[] = [];
    tables.Section47.forEach((s, i) => {
      const conference = censusDate(s.DateOfInitialCPC);
      if (!conference) return;
      for (const { row: c, i: j } of cin.get(episodeKey(s)) ?? []) {
        const referral = censusDate(c.CINreferralDate);
        if (referral && conference < referral) {
          out.push({ locations: [at('Section47', 'DateOfInitialCPC', i), at('CINdetails', 'CINreferralDate', j)], errorId: errorId(s.LAchildID, s.CINdetailsID, conference) });
        }
      }
    });
    return out;
  },
};

const rule2884: CensusRule = {
  code: '2884',
  check: ({ tables }) => {
    // The validator joins the child's enquiries to all the child's episodes (by child only), so the
    // same conference date on another episode's CINdetails counts too.
    const cin = indexBy(tables.CINdetails, (c) => keyOf(c.LAchildID));
    const out: Finding[] = [];
    tables.Section47.forEach((s, i) => {
      const conference = censusDate(s.DateOfInitialCPC);
      if (!conference) return;
      for (const { row: c, i: j } of cin.get(keyOf(s.LAchildID)) ?? []) {
        if (censusDate(c.DateOfInitialCPC) === conference) {
          out.push({ locations: [at('Section47', 'DateOfInitialCPC', i), at('CINdetails', 'DateOfInitialCPC', j)], errorId: errorId(s.LAchildID, s.CINdetailsID, conference) });
        }
      }
    });
    return out;
  },
};

const rule2889: CensusRule = {
  code: '2889',
  check: ({ tables }) => {
    const cin = indexBy(tables.CINdetails, episodeKey);
    const out: Finding[] = [];
    tables.Section47.forEach((s, i) => {
      const start = censusDate(s.S47ActualStartDate);
      if (!start) return;
      for (const { row: c, i: j } of cin.get(episodeKey(s)) ?? []) {
        const referral = censusDate(c.CINreferralDate);
        if (referral && start < referral) {
          out.push({ locations: [at('CINdetails', 'CINreferralDate', j), at('Section47', 'S47ActualStartDate', i)], errorId: errorId(s.LAchildID, start, referral) });
        }
      }
    });
    return out;
  },
};

const rule8615: CensusRule = {
  code: '8615',
  check: ({ tables }) => tables.Section47.flatMap((s, i) => {
    const start = censusDate(s.S47ActualStartDate);
    const conference = censusDate(s.DateOfInitialCPC);
    const breach = conference !== null && (start === null || start > conference);
    return breach ? [{ locations: [at('Section47', 'S47ActualStartDate', i), at('Section47', 'DateOfInitialCPC', i)], errorId: errorId(s.LAchildID, start ?? 'NaT', conference) }] : [];
  }),
};

const rule8675Q: CensusRule = {
  code: '8675Q',
  check: (ctx) => {
    if (!ctx.referenceDate) return [];
    const limit = workingDaysBefore(ctx, ctx.referenceDate, 15);
    return ctx.tables.Section47.flatMap((s, i) => {
      const start = censusDate(s.S47ActualStartDate);
      const breach = censusDate(s.DateOfInitialCPC) === null && ['false', '0'].includes(flagText(s.ICPCnotRequired)) && start !== null && start < limit;
      return breach
        ? [{ locations: [at('Section47', 'DateOfInitialCPC', i), at('Section47', 'S47ActualStartDate', i), at('Section47', 'ICPCnotRequired', i)], errorId: errorId(s.LAchildID, start, s.ICPCnotRequired) }]
        : [];
    });
  },
};

const rule8715: CensusRule = {
  code: '8715',
  check: ({ tables, collectionStart, collectionEnd }) => tables.Section47.flatMap((s, i) => {
    const conference = censusDate(s.DateOfInitialCPC);
    if (!conference || !collectionStart || !collectionEnd) return [];
    return conference < collectionStart || conference > collectionEnd ? [{ locations: [at('Section47', 'DateOfInitialCPC', i)] }] : [];
  }),
};

const rule8740: CensusRule = {
  code: '8740',
  check: ({ tables, collectionStart, collectionEnd }) => tables.Section47.flatMap((s, i) => {
    const start = censusDate(s.S47ActualStartDate);
    if (!start || !collectionStart || !collectionEnd) return [];
    // The validator takes only "0" as false here ("false" is not), unlike 8675Q and 8839.
    const breach = censusDate(s.DateOfInitialCPC) === null && flagText(s.ICPCnotRequired) === '0' && (start < collectionStart || start > collectionEnd);
    return breach
      ? [{ locations: [at('Section47', 'S47ActualStartDate', i), at('Section47', 'DateOfInitialCPC', i), at('Section47', 'ICPCnotRequired', i)], errorId: errorId(s.LAchildID, start) }]
      : [];
  }),
};

const rule8839: CensusRule = {
  code: '8839',
  check: ({ tables }) => {
    const out: Finding[] = [];
    for (const rows of indexBy(tables.Section47, episodeKey).values()) {
      const first = rows[0]?.row;
      // A child with no LAchildID never matches the validator's own list of breaches (NaN is not None).
      if (!first || first.LAchildID === null) continue;
      const noConference = rows.filter(({ row }) => censusDate(row.DateOfInitialCPC) === null);
      const awaiting = noConference.filter(({ row }) => !['true', '1'].includes(flagText(row.ICPCnotRequired)));
      // Two or more awaiting a conference: the validator then flags every enquiry of the episode with
      // no conference date, those that need none included.
      if (awaiting.length > 1) {
        out.push({ locations: noConference.map(({ i }) => at('Section47', 'DateOfInitialCPC', i)), errorId: errorId(first.LAchildID, first.CINdetailsID, 'NaT') });
      }
    }
    return out;
  },
};

const rule8870Q: CensusRule = {
  code: '8870Q',
  check: ({ tables }) => tables.Section47.flatMap((s, i) => {
    const target = targetDate(s.InitialCPCtarget);
    return target && isWeekend(target) ? [{ locations: [at('Section47', 'InitialCPCtarget', i)] }] : [];
  }),
};

const rule8875: CensusRule = {
  code: '8875',
  check: ({ tables }) => tables.Section47.flatMap((s, i) => {
    const conference = censusDate(s.DateOfInitialCPC);
    return conference && isWeekend(conference) ? [{ locations: [at('Section47', 'DateOfInitialCPC', i)] }] : [];
  }),
};

/** The DfE's validation rules on section 47 enquiries (see ../engine.ts). */
export const section47Rules: readonly CensusRule[] = [rule1104, rule2884, rule2889, rule8615, rule8675Q, rule8715, rule8740, rule8839, rule8870Q, rule8875];
