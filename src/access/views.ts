import { refuse } from '../audit/audit.ts';
import type { ActorContext } from '../shared/context.ts';
import { forbidden, type Problem } from '../shared/errors.ts';
import { decideView, type AgencyView } from './policy.ts';

const NO_CASEWORK = 'Your role does not include casework: administrators and auditors see no lists of children, families or their cases.';

/**
 * Asks the policy (decideView) before a service lists anything of an agency's casework. Call it
 * inside command(): a refusal rolls back, is audited as denied, and is answered 403 — the list is
 * the caller's own agency's, so there is nothing to hide by pretending it does not exist — unless
 * the service has always answered its queue as not found (`answer: 'not-found'`).
 */
export function checkView(ctx: ActorContext, view: AgencyView, action: string, answer: 'forbidden' | 'not-found' | Problem = 'forbidden'): void {
  const decision = decideView(ctx.actor, view);
  if (decision.allowed) return;
  const problem = answer === 'forbidden' ? forbidden(view === 'overdue-alerts' || view === 'due-summary' || view === 'timescales' ? oversightDetail(view) : NO_CASEWORK) : answer === 'not-found' ? undefined : answer;
  throw refuse('agency', { action, entityType: 'agency', entityId: ctx.actor.agencyId }, problem);
}

/** Whether the caller may see a kind of list, for pages deciding what to offer (the services still check). */
export const maySee = (ctx: ActorContext, view: AgencyView): boolean => decideView(ctx.actor, view).allowed;

const oversightDetail = (view: 'overdue-alerts' | 'due-summary' | 'timescales'): string =>
  view === 'overdue-alerts'
    ? "Only managers of children's social care list the overdue-step alerts: each names a child."
    : "Only managers and auditors of children's social care see the authority's oversight of the process.";
