import type { CensusRule } from '../engine.ts';
import { assessmentsRules } from './assessments.ts';
import { childCharacteristicsRules } from './child-characteristics.ts';
import { childIdentifiersRules } from './child-identifiers.ts';
import { childProtectionPlansRules } from './child-protection-plans.ts';
import { cinDetailsRules } from './cin-details.ts';
import { cinPlanDatesRules } from './cin-plan-dates.ts';
import { headerRules } from './header.ts';
import { reviewsRules } from './reviews.ts';
import { section47Rules } from './section-47.ts';

/** Every rule of the 2025–26 Children in Need census validation, by the part of the census it checks. */
export const CENSUS_RULES: readonly CensusRule[] = [
  ...headerRules,
  ...childIdentifiersRules,
  ...childCharacteristicsRules,
  ...cinDetailsRules,
  ...assessmentsRules,
  ...cinPlanDatesRules,
  ...section47Rules,
  ...childProtectionPlansRules,
  ...reviewsRules,
];
