import type { CensusRule } from '../engine.ts';

/** The DfE's validation rules on this part of the census (see ../engine.ts). */
export const cinPlanDatesRules: readonly CensusRule[] = [];
