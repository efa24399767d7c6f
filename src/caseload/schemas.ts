import { z } from 'zod';
import { ChildSummary } from '../people/child-summary.ts';

/**
 * Why a child is on a practitioner's caseload ("My children"). The first six are the
 * practitioner's own part in the child's life; the `agency_*` reasons put a child on the list of a
 * safeguarding lead or a manager because their agency has something open about the child.
 */
export const CASELOAD_REASONS = [
  'lead_worker', 'allocated', 'key_worker', 'core_group', 'meeting', 'monitoring',
  'agency_concern', 'agency_referral', 'agency_plan', 'agency_monitoring',
] as const;
export const CaseloadReason = z.enum(CASELOAD_REASONS).meta({
  id: 'CaseloadReason',
  description: "lead_worker: your agency's lead worker for the child; allocated: the episode is allocated to you; key_worker / core_group: named on the child protection plan; "
    + 'meeting: invited to (or chairing) a meeting about the child still to be held; monitoring: you make the checks of a monitoring arrangement; '
    + 'agency_concern / agency_referral / agency_plan / agency_monitoring (safeguarding leads and managers): your agency has a recent concern, an undecided referral, an open plan or a monitoring arrangement.',
});
export type CaseloadReason = z.infer<typeof CaseloadReason>;

/** The order of the list: what needs attention first. */
export const CASELOAD_URGENCY = ['overdue', 'due_today', 'new_information', 'none'] as const;

export const CaseloadAttention = z
  .object({
    kind: z.enum(['overdue', 'due_today', 'new_information']),
    what: z.enum(['statutory_step', 'monitoring_check', 'meeting_action', 'shared_information']),
    label: z.string().meta({ description: 'What it is, in words: the step, the checks to make, the action; "Information shared with your agency".' }),
    date: z.string().meta({ description: 'The date it was due (a calendar date), or when the information was shared (an instant).' }),
    href: z.string().meta({ description: 'Where the work is done, as a path of the pages (no personal data in it).' }),
  })
  .meta({ id: 'CaseloadAttention', description: 'Something about the child that needs attention now.' });
export type CaseloadAttention = z.infer<typeof CaseloadAttention>;

export const CaseloadEntry = z
  .object({
    child: ChildSummary,
    reasons: z.array(CaseloadReason).min(1),
    urgency: z.enum(CASELOAD_URGENCY).meta({ description: 'What the row is ordered by: anything overdue, then due today, then new information shared, then the rest (by name).' }),
    attention: z.array(CaseloadAttention),
  })
  .meta({ id: 'CaseloadEntry', description: 'One child on your caseload: who, why they are on your list, and what needs attention.' });
export type CaseloadEntry = z.infer<typeof CaseloadEntry>;

export const Caseload = z
  .object({
    today: z.string().meta({ description: 'Today in London: what "due today" means.' }),
    children: z.array(CaseloadEntry),
    truncated: z.boolean().meta({ description: 'More children than the list shows (the most urgent are kept).' }),
  })
  .meta({ id: 'Caseload' });
export type Caseload = z.infer<typeof Caseload>;
