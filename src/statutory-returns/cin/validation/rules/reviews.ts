import { censusDate, type CensusRule, type Finding } from '../engine.ts';
import { index, key } from './joins.ts';

/**
 * The DfE's validation rules on child protection reviews (see ../engine.ts), as the open-source
 * validator (data-to-insight's csc-validator-be-cin, 2025–26 rules) applies them. Neither counts
 * working days.
 */


/**
 * A review held while a CIN plan was open, unless it is the plan's last day. As the validator runs
 * it: a review is compared with every CIN plan of the child (not only its own episode's), belongs
 * to every plan of the child in the same position in its episode, counts only while its protection
 * plan has an end date, and only against CIN plans that have ended (the review before that end).
 */
const rule4003: CensusRule = {
  code: '4003',
  check: ({ tables }) => {
    const plansByChild = index(tables.ChildProtectionPlans, (r) => key(r.LAchildID));
    const reviewsByPlan = index(tables.Reviews, (r) => key(r.LAchildID, r.CPPID));
    const out: Finding[] = [];
    tables.CINplanDates.forEach((cinPlan, p) => {
      const start = censusDate(cinPlan.CINPlanStartDate);
      const end = censusDate(cinPlan.CINPlanEndDate);
      if (!start || !end) return;
      for (const [c, plan] of plansByChild.get(key(cinPlan.LAchildID)) ?? []) {
        const planEnd = censusDate(plan.CPPendDate);
        if (!planEnd) continue;
        for (const [r, { CPPreviewDate }] of reviewsByPlan.get(key(plan.LAchildID, plan.CPPID)) ?? []) {
          const review = censusDate(CPPreviewDate);
          if (review && review >= start && review < end && review !== planEnd) {
            out.push({
              locations: [
                { table: 'ChildProtectionPlans', column: 'CPPendDate', row: c },
                { table: 'CINplanDates', column: 'CINPlanStartDate', row: p },
                { table: 'Reviews', column: 'CPPreviewDate', row: r },
              ],
            });
          }
        }
      }
    });
    return out;
  },
};

/** A review with no date, or one that is not a date. */
const rule8842Q: CensusRule = {
  code: '8842Q',
  check: ({ tables }) => tables.Reviews.flatMap((r, i) =>
    censusDate(r.CPPreviewDate) === null ? [{ locations: [{ table: 'Reviews' as const, column: 'CPPreviewDate', row: i }] }] : []),
};

/** The DfE's validation rules on this part of the census (see ../engine.ts). */
export const reviewsRules: readonly CensusRule[] = [rule4003, rule8842Q];
