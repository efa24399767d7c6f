import { myCaseload } from '../../caseload/caseload.ts';
import { Caseload } from '../../caseload/schemas.ts';
import type { Api } from '../route.ts';

/** The caller's own caseload ("My children"). */
export function registerCaseloadRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/my-children', tag: 'Caseload',
    operationId: 'listMyChildren', summary: 'List your caseload',
    description: "The children you are your agency's lead worker for, allocated to, named on (key worker or core group of the plan, a meeting still to be held) or monitoring; "
      + "for a safeguarding lead or a manager also the agency's children with a recent concern, an undecided referral, an open plan or a monitoring arrangement. "
      + 'Each row says why the child is there and what needs attention; rows with something overdue come first (longest overdue first), then due today, then new information shared with you, then the rest by name. '
      + "Only children whose entry you may read are listed. Roles that do no casework (administrators, auditors) are answered 403.",
    response: Caseload,
    handler: ({ ctx }) => myCaseload(ctx),
  });
}
