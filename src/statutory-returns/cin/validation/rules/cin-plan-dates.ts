import { censusDate, type CensusRule, type Finding, type RuleContext } from '../engine.ts';
import { cells, finding } from './joins.ts';

/**
 * The DfE's validation rules on CIN plans, as the open-source validator (csc-validator-be-cin,
 * 2025–26 rules) reports them. As there: a date that is not a date counts as absent, comparisons
 * with an absent date are false, rows join on the child's LAchildID (two absent ids join) and, where
 * the rule is about one episode, its position (CINdetailsID).
 */

const d = censusDate;
const key = (v: string | null): string => v ?? '\u0000absent';
const ep = (r: { LAchildID: string | null; CINdetailsID: number }): string => `${key(r.LAchildID)}\u0000${r.CINdetailsID}`;
const at = cells;

const plans = (ctx: RuleContext) => ctx.tables.CINplanDates.map((r, i) => ({ r, i, start: d(r.CINPlanStartDate), end: d(r.CINPlanEndDate) }));
const cpps = (ctx: RuleContext) => ctx.tables.ChildProtectionPlans.map((r, i) => ({ r, i, start: d(r.CPPstartDate), end: d(r.CPPendDate) }));

/** Items by a key: the validator's joins, without comparing every pair of rows. */
function groupBy<T>(items: readonly T[], keyOf: (x: T) => string): (k: string) => T[] {
  const m = new Map<string, T[]>();
  for (const x of items) {
    const list = m.get(keyOf(x));
    if (list) list.push(x);
    else m.set(keyOf(x), [x]);
  }
  return (k) => m.get(k) ?? [];
}
const childOf = (r: { LAchildID: string | null }): string => key(r.LAchildID);

/**
 * a <= b, false when either is absent. Without a usable ReferenceDate the validator's period is "not
 * a time" and every comparison with it is false, but the rules still run (4010 still flags a missing start).
 */
const notAfter = (a: string | null, b: string | null): boolean => a !== null && b !== null && a <= b;

export const cinPlanDatesRules: readonly CensusRule[] = [
  {
    // A CIN plan on an episode marked as a referral with no further action ("true" or "1", as written).
    code: '4000',
    check(ctx: RuleContext): Finding[] {
      const plansOf = groupBy(plans(ctx), (p) => ep(p.r));
      const out: Finding[] = [];
      ctx.tables.CINdetails.forEach((c, ci) => {
        if (c.ReferralNFA !== 'true' && c.ReferralNFA !== '1') return;
        for (const p of plansOf(ep(c))) out.push(finding(at('CINplanDates', p.i, 'LAchildID'), at('CINdetails', ci, 'ReferralNFA')));
      });
      return out;
    },
  },
  {
    // An open protection plan and an open (started) CIN plan in the same episode.
    code: '4001',
    check(ctx: RuleContext): Finding[] {
      const plansOf = groupBy(plans(ctx), (p) => ep(p.r));
      const out: Finding[] = [];
      for (const c of cpps(ctx)) {
        if (c.end) continue;
        for (const p of plansOf(ep(c.r))) {
          if (p.start && !p.end) out.push(finding(at('ChildProtectionPlans', c.i, 'CPPendDate'), at('CINplanDates', p.i, 'CINPlanEndDate')));
        }
      }
      return out;
    },
  },
  {
    // More than one open CIN plan in an episode: every plan of that episode is flagged, ended ones too,
    // as the validator does. Children without an LAchildID are not grouped, so never flagged.
    code: '4004',
    check(ctx: RuleContext): Finding[] {
      const all = plans(ctx);
      const open = new Map<string, number>();
      for (const p of all) if (p.r.LAchildID !== null && !p.end) open.set(ep(p.r), (open.get(ep(p.r)) ?? 0) + 1);
      return all.filter((p) => p.r.LAchildID !== null && (open.get(ep(p.r)) ?? 0) > 1).map((p) => finding(at('CINplanDates', p.i, 'CINPlanEndDate')));
    },
  },
  {
    code: '4010',
    check: (ctx) => plans(ctx).filter((p) => p.start === null || (ctx.collectionEnd !== null && p.start > ctx.collectionEnd))
      .map((p) => finding(at('CINplanDates', p.i, 'CINPlanStartDate'))),
  },
  {
    code: '4011',
    check: (ctx) => plans(ctx).filter((p) => p.start && p.end && p.end < p.start).map((p) => finding(at('CINplanDates', p.i, 'CINPlanEndDate', 'CINPlanStartDate'))),
  },
  {
    code: '4012Q',
    check: (ctx) => plans(ctx).filter((p) => p.start && p.start === p.end).map((p) => finding(at('CINplanDates', p.i, 'CINPlanStartDate', 'CINPlanEndDate'))),
  },
  {
    code: '4013',
    check(ctx: RuleContext): Finding[] {
      const { collectionStart: start, collectionEnd: end } = ctx;
      return plans(ctx).filter((p) => p.end && ((start !== null && p.end < start) || (end !== null && p.end > end)))
        .map((p) => finding(at('CINplanDates', p.i, 'CINPlanEndDate')));
    },
  },
  {
    // Overlapping CIN plans of one child (across episodes): a plan starting on or after another's start
    // and on or before its end (or, with no end, the reference date). Identical plans flag each other.
    code: '4014',
    check(ctx: RuleContext): Finding[] {
      const refDate = ctx.collectionEnd;
      const started = plans(ctx).filter((p) => p.start);
      const sameChild = groupBy(started, (p) => childOf(p.r));
      const out: Finding[] = [];
      for (const a of started) {
        for (const b of sameChild(childOf(a.r))) {
          if (a.i === b.i) continue;
          if (a.start! >= b.start! && (b.end ? a.start! <= b.end : notAfter(a.start, refDate))) {
            out.push(finding(at('CINplanDates', a.i, 'CINPlanStartDate'), at('CINplanDates', b.i, 'CINPlanStartDate', 'CINPlanEndDate')));
          }
        }
      }
      return out;
    },
  },
  {
    code: '4015',
    check(ctx: RuleContext): Finding[] {
      const episodesOf = groupBy(ctx.tables.CINdetails.map((c, ci) => ({ c, ci })), ({ c }) => ep(c));
      const out: Finding[] = [];
      for (const p of plans(ctx)) {
        if (!p.start) continue;
        for (const { c, ci } of episodesOf(ep(p.r))) {
          const referral = d(c.CINreferralDate);
          if (referral && p.start < referral) out.push(finding(at('CINplanDates', p.i, 'CINPlanStartDate'), at('CINdetails', ci, 'CINreferralDate')));
        }
      }
      return out;
    },
  },
  {
    // A CIN plan starting on or after a protection plan's start and before its end (or, open, on or
    // before the reference date), any episode of the child. Starting on the day the protection plan ends is fine.
    code: '4016',
    check(ctx: RuleContext): Finding[] {
      const refDate = ctx.collectionEnd;
      const cppsOf = groupBy(cpps(ctx), (c) => childOf(c.r));
      const out: Finding[] = [];
      for (const p of plans(ctx)) {
        if (!p.start) continue;
        for (const c of cppsOf(childOf(p.r))) {
          if (!c.start) continue;
          if (p.start >= c.start && (c.end ? p.start < c.end : notAfter(p.start, refDate))) {
            out.push(finding(at('ChildProtectionPlans', c.i, 'CPPstartDate', 'CPPendDate'), at('CINplanDates', p.i, 'CINPlanStartDate')));
          }
        }
      }
      return out;
    },
  },
  {
    // The mirror of 4016: a protection plan starting while a CIN plan of the child is open.
    code: '4017',
    check(ctx: RuleContext): Finding[] {
      const refDate = ctx.collectionEnd;
      const plansOf = groupBy(plans(ctx), (p) => childOf(p.r));
      const out: Finding[] = [];
      for (const c of cpps(ctx)) {
        if (!c.start) continue;
        for (const p of plansOf(childOf(c.r))) {
          if (!p.start) continue;
          if (c.start >= p.start && (p.end ? c.start < p.end : notAfter(c.start, refDate))) {
            out.push(finding(at('ChildProtectionPlans', c.i, 'CPPstartDate'), at('CINplanDates', p.i, 'CINPlanStartDate', 'CINPlanEndDate')));
          }
        }
      }
      return out;
    },
  },
];
