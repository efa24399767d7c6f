import { myCaseload } from '../../caseload/caseload.ts';
import type { CaseloadReason } from '../../caseload/schemas.ts';
import type { Web } from '../web.ts';

/** Why a child is on the list, as the page says it. */
export const REASON_TEXT: Record<CaseloadReason, string> = {
  lead_worker: 'You are the lead worker',
  allocated: 'Allocated to you',
  key_worker: 'Key worker on the child protection plan',
  core_group: 'In the core group',
  meeting: 'Invited to a meeting about the child',
  monitoring: 'You are monitoring',
  agency_concern: 'Concern recorded by your agency',
  agency_referral: 'Referral awaiting a decision',
  agency_plan: 'On a plan',
  agency_monitoring: 'Monitored by agreement',
};

/** My children: the practitioner's caseload, what needs attention first. */
export function registerCaseloadPages(web: Web): void {
  web.app.get('/my-children', async (request, reply) => {
    const caseload = await myCaseload(web.ctx(request));
    return web.render(request, reply, 'caseload/index.njk', { pageTitle: 'My children', caseload, reasonText: REASON_TEXT });
  });
}
