import { censusDate, type CensusRule, type Finding, type RuleContext } from '../engine.ts';
import { cells, finding } from './joins.ts';

/**
 * The DfE's validation rules on the CIN details part of the census (the episode: referral, primary
 * need, closure). Each follows what the open-source validator (data-to-insight's
 * csc-validator-be-cin, 2025–26 rules) reports, so that a data team sees the same findings in both;
 * where the validator's behaviour differs from the rule's wording, a comment says so.
 *
 * How the validator reads values, reproduced throughout: a date that is not a date is treated as
 * absent (it parses dates leniently to "not a time"); a comparison with an absent value is false;
 * tables are joined on the child's LAchildID (and the episode's position), and two absent ids join.
 */

const d = censusDate;
/** A join key: the validator joins rows whose LAchildIDs are both absent, so absent is a key too. */
const key = (v: string | null): string => v ?? '\u0000absent';
const ep = (r: { LAchildID: string | null; CINdetailsID: number }): string => `${key(r.LAchildID)}\u0000${r.CINdetailsID}`;
const at = cells;

/** ReferralNFA as the validator matches it: exact text, so "True" or " 1" is neither yes nor no. */
const nfaYes = (v: string | null): boolean => v === 'true' || v === '1';
const nfaNo = (v: string | null): boolean => v === 'false' || v === '0';

const PRIMARY_NEED = new Set(['N0', 'N1', 'N2', 'N3', 'N4', 'N5', 'N6', 'N7', 'N8', 'N9']);
const CLOSURE_REASONS = new Set(['RC1', 'RC2', 'RC3', 'RC4', 'RC5', 'RC6', 'RC7', 'RC8', 'RC9']);
const REFERRAL_SOURCES = new Set(['1A', '1B', '1C', '1D', '2A', '2B', '3A', '3B', '3C', '3D', '3E', '3F', '4', '5A', '5B', '5C', '5D', '6', '7', '8', '9', '10']);

function addDays(date: string, days: number): string {
  const t = new Date(`${date}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + days);
  return t.toISOString().slice(0, 10);
}

/** Each CINdetails row with its index, for the rules that look at one episode at a time. */
const episodes = (ctx: RuleContext) => ctx.tables.CINdetails.map((row, i) => ({ row, i }));

/** A table's rows (with their indexes) by a key: the validator's joins, without comparing every pair of rows. */
function rowsBy<T>(rows: readonly T[], keyOf: (r: T) => string): (k: string) => { r: T; i: number }[] {
  const m = new Map<string, { r: T; i: number }[]>();
  rows.forEach((r, i) => {
    const list = m.get(keyOf(r));
    if (list) list.push({ r, i });
    else m.set(keyOf(r), [{ r, i }]);
  });
  return (k) => m.get(k) ?? [];
}
const childOf = (r: { LAchildID: string | null }): string => key(r.LAchildID);

/**
 * The census period. Without a usable ReferenceDate the validator's period is "not a time", every
 * comparison with it is false, and the rules still run: a missing referral date is still flagged
 * (8600), and a closure date is then never "within" the period (8620).
 */
const period = (ctx: RuleContext): { start: string | null; end: string | null } => ({ start: ctx.collectionStart, end: ctx.collectionEnd });
/** a < b, false when either is absent (as a comparison with "not a time" is). */
const lt = (a: string | null, b: string | null): boolean => a !== null && b !== null && a < b;

export const cinDetailsRules: readonly CensusRule[] = [
  {
    // RC8/RC9 (closed after assessment): no initial conference on the episode, and no section 47, plan or CIN plan in it.
    code: '2990',
    check(ctx: RuleContext): Finding[] {
      const t = ctx.tables;
      const [s47Of, cppOf, plansOf] = [rowsBy(t.Section47, ep), rowsBy(t.ChildProtectionPlans, ep), rowsBy(t.CINplanDates, ep)];
      const out: Finding[] = [];
      for (const { row, i } of episodes(ctx)) {
        if (row.ReasonForClosure !== 'RC8' && row.ReasonForClosure !== 'RC9') continue;
        const k = ep(row);
        const s47 = s47Of(k).flatMap(({ i: j }) => at('Section47', j, 'LAchildID'));
        const cpp = cppOf(k).flatMap(({ i: j }) => at('ChildProtectionPlans', j, 'LAchildID'));
        const plans = plansOf(k).flatMap(({ i: j }) => at('CINplanDates', j, 'LAchildID'));
        if (d(row.DateOfInitialCPC) || s47.length || cpp.length || plans.length) {
          out.push(finding(at('CINdetails', i, 'DateOfInitialCPC'), s47, cpp, plans));
        }
      }
      return out;
    },
  },
  {
    // A section 47 enquiry whose episode has no assessment.
    code: '2991Q',
    check(ctx: RuleContext): Finding[] {
      const assessed = new Set(ctx.tables.Assessments.map(ep));
      return ctx.tables.Section47.flatMap((r, j) => (assessed.has(ep(r)) ? [] : [finding(at('Section47', j, 'LAchildID'))]));
    },
  },
  {
    // Referred after the recorded date of death.
    code: '8555Q',
    check(ctx: RuleContext): Finding[] {
      const people = rowsBy(ctx.tables.ChildIdentifiers, childOf);
      const out: Finding[] = [];
      for (const { row, i } of episodes(ctx)) {
        for (const { r: c, i: ci } of people(childOf(row))) {
          if (lt(d(c.PersonDeathDate), d(row.CINreferralDate))) {
            out.push(finding(at('CINdetails', i, 'CINreferralDate'), at('ChildIdentifiers', ci, 'PersonDeathDate')));
          }
        }
      }
      return out;
    },
  },
  {
    // ReferralNFA must be 1, 0, true or false (any case); absent is flagged.
    code: '8568',
    check: (ctx) => episodes(ctx).filter(({ row }) => !['1', '0', 'false', 'true'].includes((row.ReferralNFA ?? '').toLowerCase()))
      .map(({ i }) => finding(at('CINdetails', i, 'ReferralNFA'))),
  },
  {
    // A referral before "the collection start minus one working day" cannot be NFA. The validator
    // counts the start day as working day 1, so "one working day" back from the collection start is
    // the start itself, moved on to the next working day when it is not one (its business-day offset
    // of n - 1 = 0 rolls forward): a referral on 31 March 2025 is flagged, one on 1 April 2025 is not.
    // Anything but exactly "false" or "0" (absent included) counts as NFA here, as in the validator.
    code: '8569Q',
    check(ctx: RuleContext): Finding[] {
      const { start } = period(ctx);
      if (!start) return [];
      let cutoff = start;
      for (let n = 0; n < 31 && !ctx.workingDays.isWorkingDay(cutoff); n++) cutoff = addDays(cutoff, 1);
      return episodes(ctx).filter(({ row }) => lt(d(row.CINreferralDate), cutoff) && !nfaNo(row.ReferralNFA))
        .map(({ i }) => finding(at('CINdetails', i, 'CINreferralDate')));
    },
  },
  {
    // Closed as RC2 (died) but the child has no valid date of death.
    code: '8585Q',
    check(ctx: RuleContext): Finding[] {
      const people = rowsBy(ctx.tables.ChildIdentifiers, childOf);
      const out: Finding[] = [];
      for (const { row, i } of episodes(ctx)) {
        if (row.ReasonForClosure !== 'RC2') continue;
        for (const { r: c, i: ci } of people(childOf(row))) {
          if (!d(c.PersonDeathDate)) out.push(finding(at('ChildIdentifiers', ci, 'PersonDeathDate'), at('CINdetails', i, 'ReasonForClosure')));
        }
      }
      return out;
    },
  },
  {
    code: '8600',
    check: (ctx) => episodes(ctx).filter(({ row }) => {
      const referral = d(row.CINreferralDate);
      return referral === null || lt(period(ctx).end, referral);
    }).map(({ i }) => finding(at('CINdetails', i, 'CINreferralDate'))),
  },
  {
    // Referral more than 280 days before the birth date or the expected birth date.
    code: '8606',
    check(ctx: RuleContext): Finding[] {
      const people = rowsBy(ctx.tables.ChildIdentifiers, childOf);
      const out: Finding[] = [];
      for (const { row, i } of episodes(ctx)) {
        const referral = d(row.CINreferralDate);
        if (!referral) continue;
        for (const { r: c, i: ci } of people(childOf(row))) {
          const born = d(c.PersonBirthDate);
          const due = d(c.ExpectedPersonBirthDate);
          if ((born && referral < addDays(born, -280)) || (due && referral < addDays(due, -280))) {
            out.push(finding(at('CINdetails', i, 'CINreferralDate'), at('ChildIdentifiers', ci, 'PersonBirthDate', 'ExpectedPersonBirthDate')));
          }
        }
      }
      return out;
    },
  },
  {
    code: '8610',
    check: (ctx) => episodes(ctx).filter(({ row }) => nfaNo(row.ReferralNFA) && row.PrimaryNeedCode === null)
      .map(({ i }) => finding(at('CINdetails', i, 'ReferralNFA', 'PrimaryNeedCode'))),
  },
  {
    code: '8620',
    // "Not within the period", so with no usable reference date every closure date is flagged.
    check(ctx: RuleContext): Finding[] {
      const { start, end } = period(ctx);
      return episodes(ctx).filter(({ row }) => {
        const closed = d(row.CINclosureDate);
        return closed !== null && !(start !== null && end !== null && closed >= start && closed <= end);
      }).map(({ i }) => finding(at('CINdetails', i, 'CINclosureDate')));
    },
  },
  {
    code: '8630',
    check: (ctx) => episodes(ctx).filter(({ row }) => {
      const referral = d(row.CINreferralDate);
      const closed = d(row.CINclosureDate);
      return referral !== null && closed !== null && closed < referral;
    }).map(({ i }) => finding(at('CINdetails', i, 'CINreferralDate', 'CINclosureDate'))),
  },
  {
    code: '8640',
    check: (ctx) => episodes(ctx).filter(({ row }) => row.ReasonForClosure !== null && !CLOSURE_REASONS.has(row.ReasonForClosure))
      .map(({ i }) => finding(at('CINdetails', i, 'ReasonForClosure'))),
  },
  {
    code: '8650',
    check: (ctx) => episodes(ctx).filter(({ row }) => row.PrimaryNeedCode !== null && !PRIMARY_NEED.has(row.PrimaryNeedCode))
      .map(({ i }) => finding(at('CINdetails', i, 'PrimaryNeedCode'))),
  },
  {
    // A closure date that is not a date counts as no closure date, here and in 8810.
    code: '8805',
    check: (ctx) => episodes(ctx).filter(({ row }) => d(row.CINclosureDate) !== null && row.ReasonForClosure === null)
      .map(({ i }) => finding(at('CINdetails', i, 'CINclosureDate', 'ReasonForClosure'))),
  },
  {
    code: '8810',
    check: (ctx) => episodes(ctx).filter(({ row }) => row.ReasonForClosure !== null && d(row.CINclosureDate) === null)
      .map(({ i }) => finding(at('CINdetails', i, 'ReasonForClosure', 'CINclosureDate'))),
  },
  {
    // More than one open, not-NFA episode: every open episode of that child is flagged (NFA ones too,
    // as the validator does). Children without an LAchildID are not grouped, so never flagged.
    code: '8815',
    check(ctx: RuleContext): Finding[] {
      const openActive = new Map<string, number>();
      for (const { row } of episodes(ctx)) {
        if (row.LAchildID !== null && d(row.CINclosureDate) === null && nfaNo(row.ReferralNFA)) {
          openActive.set(row.LAchildID, (openActive.get(row.LAchildID) ?? 0) + 1);
        }
      }
      return episodes(ctx).filter(({ row }) => row.LAchildID !== null && (openActive.get(row.LAchildID) ?? 0) > 1 && d(row.CINclosureDate) === null)
        .map(({ i }) => finding(at('CINdetails', i, 'CINclosureDate')));
    },
  },
  {
    // An open, not-NFA episode must be the child's latest referral. Among equal latest dates the first
    // in the file is the latest (the validator's idxmax), so a later twin is flagged, with the latest.
    // A child without an LAchildID has no latest (the validator's grouping drops it): its open episodes are flagged alone.
    code: '8816',
    check(ctx: RuleContext): Finding[] {
      const latest = new Map<string, { date: string; i: number }>();
      for (const { row, i } of episodes(ctx)) {
        const referral = d(row.CINreferralDate);
        if (row.LAchildID === null || !referral) continue;
        const cur = latest.get(row.LAchildID);
        if (!cur || referral > cur.date) latest.set(row.LAchildID, { date: referral, i });
      }
      return episodes(ctx).flatMap(({ row, i }) => {
        if (!d(row.CINreferralDate) || d(row.CINclosureDate) !== null || !nfaNo(row.ReferralNFA)) return [];
        const top = row.LAchildID === null ? undefined : latest.get(row.LAchildID);
        if (top?.i === i) return [];
        return [finding(at('CINdetails', i, 'CINreferralDate'), top ? at('CINdetails', top.i, 'CINreferralDate') : [])];
      });
    },
  },
  {
    // Episodes overlap: a referral on or after another episode's referral and before its closure, or
    // (that episode open and not NFA) before the reference date. Two identical episodes flag each other.
    code: '8820',
    check(ctx: RuleContext): Finding[] {
      const { end } = period(ctx);
      const dated = episodes(ctx).filter(({ row }) => d(row.CINreferralDate));
      const sameChild = rowsBy(dated, ({ row }) => childOf(row));
      const out: Finding[] = [];
      for (const a of dated) {
        for (const { r: b } of sameChild(childOf(a.row))) {
          if (a.i === b.i) continue;
          const ra = d(a.row.CINreferralDate)!;
          const rb = d(b.row.CINreferralDate)!;
          const cb = d(b.row.CINclosureDate);
          const openB = cb === null && nfaNo(b.row.ReferralNFA?.toLowerCase() ?? null);
          if (ra >= rb && (lt(ra, cb) || (openB && lt(ra, end)))) {
            out.push(finding(at('CINdetails', a.i, 'CINreferralDate'), at('CINdetails', b.i, 'CINreferralDate', 'CINclosureDate')));
          }
        }
      }
      return out;
    },
  },
  {
    code: '8825Q',
    check(ctx: RuleContext): Finding[] {
      const assessed = new Set(ctx.tables.Assessments.map(ep));
      return episodes(ctx).filter(({ row }) => (row.ReasonForClosure === 'RC8' || row.ReasonForClosure === 'RC9') && !assessed.has(ep(row)))
        .map(({ i }) => finding(at('CINdetails', i, 'ReasonForClosure')));
    },
  },
  {
    // NFA episode with activity: its own initial conference, a section 47 start, or an assessment's start or authorisation.
    code: '8831',
    check(ctx: RuleContext): Finding[] {
      const [s47Of, assOf] = [rowsBy(ctx.tables.Section47, ep), rowsBy(ctx.tables.Assessments, ep)];
      const out: Finding[] = [];
      for (const { row, i } of episodes(ctx)) {
        if (!nfaYes(row.ReferralNFA)) continue;
        const s47 = s47Of(ep(row));
        const ass = assOf(ep(row));
        const ownCpc = d(row.DateOfInitialCPC) !== null;
        // The episode is joined to each of its enquiries (or to none): its own conference date flags it either way.
        if (ownCpc && s47.length === 0) out.push(finding(at('CINdetails', i, 'DateOfInitialCPC')));
        for (const { r, i: j } of s47) {
          if (ownCpc || d(r.S47ActualStartDate)) out.push(finding(at('CINdetails', i, 'DateOfInitialCPC'), at('Section47', j, 'LAchildID')));
        }
        for (const { r, i: j } of ass) {
          if (d(r.AssessmentActualStartDate) || d(r.AssessmentAuthorisationDate)) out.push(finding(at('CINdetails', i, 'DateOfInitialCPC'), at('Assessments', j, 'LAchildID')));
        }
      }
      return out;
    },
  },
  {
    // From 1 April 2013 the referral source must be a DfE code; a referral date that is not a date is not checked.
    code: '8866',
    check: (ctx) => episodes(ctx).filter(({ row }) => {
      const referral = d(row.CINreferralDate);
      return referral !== null && referral >= '2013-04-01' && (row.ReferralSource === null || !REFERRAL_SOURCES.has(row.ReferralSource));
    }).map(({ i }) => finding(at('CINdetails', i, 'CINreferralDate', 'ReferralSource'))),
  },
  {
    // A closed episode: every assessment authorised. An episode with no assessment is not checked.
    code: '8867',
    check(ctx: RuleContext): Finding[] {
      const assOf = rowsBy(ctx.tables.Assessments, ep);
      const out: Finding[] = [];
      for (const { row, i } of episodes(ctx)) {
        if (!d(row.CINclosureDate)) continue;
        for (const { r, i: j } of assOf(ep(row))) {
          if (!d(r.AssessmentAuthorisationDate)) out.push(finding(at('CINdetails', i, 'CINclosureDate'), at('Assessments', j, 'AssessmentAuthorisationDate')));
        }
      }
      return out;
    },
  },
  {
    // A closed episode's enquiries each end in a conference date or "ICPC not required", not both.
    // Only the enquiries present are checked: a closed episode without one is fine.
    code: '8868',
    check(ctx: RuleContext): Finding[] {
      const s47Of = rowsBy(ctx.tables.Section47, ep);
      const out: Finding[] = [];
      for (const { row, i } of episodes(ctx)) {
        if (!d(row.CINclosureDate)) continue;
        for (const { r: s, i: j } of s47Of(ep(row))) {
          const notRequired = s.ICPCnotRequired === '1' || s.ICPCnotRequired === 'true';
          const cpc = d(s.DateOfInitialCPC) !== null;
          if (cpc === notRequired) out.push(finding(at('CINdetails', i, 'CINclosureDate'), at('Section47', j, 'DateOfInitialCPC', 'ICPCnotRequired')));
        }
      }
      return out;
    },
  },
  {
    // A section 47 enquiry starting while another in the same episode is ongoing: on or after its start
    // and on or before its conference or, with no conference and "ICPC not required" not 1/true (any
    // case), on or before the reference date. The validator tells enquiries apart by their dates, so
    // two with the same start and the same conference (or none) are one enquiry and never flag each other.
    code: '8890',
    check(ctx: RuleContext): Finding[] {
      const { end } = period(ctx);
      const started = ctx.tables.Section47.map((r, j) => ({ r, j, start: d(r.S47ActualStartDate), cpc: d(r.DateOfInitialCPC) })).filter((x) => x.start);
      const sameEpisode = rowsBy(started, (x) => ep(x.r));
      const out: Finding[] = [];
      for (const a of started) {
        for (const { r: b } of sameEpisode(ep(a.r))) {
          if (a.start === b.start && a.cpc === b.cpc) continue;
          const notRequired = ['1', 'true'].includes((b.r.ICPCnotRequired ?? '').toLowerCase());
          if (a.start! >= b.start! && ((b.cpc !== null && a.start! <= b.cpc) || (b.cpc === null && !notRequired && end !== null && a.start! <= end))) {
            out.push(finding(at('Section47', a.j, 'S47ActualStartDate'), at('Section47', b.j, 'S47ActualStartDate', 'DateOfInitialCPC')));
          }
        }
      }
      return out;
    },
  },
];
