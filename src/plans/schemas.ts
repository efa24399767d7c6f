import { z } from 'zod';
import { ChildSummary } from '../people/child-summary.ts';
import { CP_CATEGORIES } from '../process/schemas.ts';

/**
 * The child protection plan as a document (what-to-do-if-worried 46–52, 68): read from the
 * conference actions that made or changed it, one version per conference.
 */
const Named = z.object({ id: z.uuid(), name: z.string() });

export const PlanVersion = z
  .object({
    version: z.number().int().min(1),
    conferenceKind: z.enum(['initial', 'pre_birth', 'review', 'transfer_in', 'assessment', 'cin_plan_review', 'step_down']).meta({ description: "What made this version: a child protection plan's conference; a child in need plan's assessment, review (cin_plan_review) or the review conference stepping down from a child protection plan (step_down)." }),
    decidedAt: z.string().meta({ description: 'When the conference that made or changed the plan was held.' }),
    categories: z.array(z.enum(CP_CATEGORIES)).meta({ description: 'The categories of abuse or neglect.' }),
    leadAgency: Named,
    keyWorker: Named.extend({ agencyName: z.string() }),
    coreGroup: z.array(Named.extend({ agencyId: z.uuid(), agencyName: z.string() })),
    outlinePlan: z.string().meta({ description: 'What must change (the outline plan in the conference’s words).' }),
    outlineItems: z.array(z.object({ agencyId: z.uuid(), agencyName: z.string(), what: z.string(), byWhen: z.string() })).meta({ description: 'What each agency will do, by when.' }),
    contingencyPlan: z.string(),
    invitedAgencies: z.array(Named).meta({ description: 'The agencies invited to the conference.' }),
  })
  .meta({ id: 'PlanVersion' });
export type PlanVersion = z.infer<typeof PlanVersion>;

export const Plan = z
  .object({
    id: z.uuid(),
    episodeId: z.uuid(),
    kind: z.enum(['child_protection', 'child_in_need']),
    status: z.enum(['current', 'ended']),
    madeAt: z.string(),
    endedAt: z.string().nullable(),
    endReason: z.string().nullable(),
    child: ChildSummary.nullable().meta({ description: 'The child, through the reader’s own entry where its agency has one (a same-person link).' }),
    nextReviewDate: z.string().nullable().meta({ description: 'The next review is due by this date: a child protection plan’s review conference (68.1: 3 months after the initial conference, then at most 6 months); a child in need plan’s review (69.4: at most 6 months).' }),
    firstCoreGroupDue: z.string().nullable().meta({ description: 'While the core group has not met: the first meeting is due by this date (10 working days after the initial conference, 52.5).' }),
    reviewsHeld: z.array(z.string()).meta({ description: 'The dates of the review conferences held on this plan.' }),
    version: PlanVersion.meta({ description: 'The version asked for: the latest unless ?version= says otherwise.' }),
    versions: z.array(z.object({ version: z.number().int(), conferenceKind: z.string(), decidedAt: z.string() })),
  })
  .meta({ id: 'Plan' });
export type Plan = z.infer<typeof Plan>;

export const PlanSummary = z
  .object({
    id: z.uuid(), kind: z.enum(['child_protection', 'child_in_need']), status: z.enum(['current', 'ended']), madeAt: z.string(), endedAt: z.string().nullable(),
    version: z.number().int(), keyWorkerName: z.string(), nextReviewDate: z.string().nullable(),
  })
  .meta({ id: 'PlanSummary' });
export type PlanSummary = z.infer<typeof PlanSummary>;

export const PlanQuery = z.strictObject({
  version: z.coerce.number({ error: 'Give a version number' }).int().min(1, 'Versions start at 1').optional().meta({ description: 'An earlier version; the latest when left out.' }),
});
