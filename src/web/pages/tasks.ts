import { acceptLinkRequest, declineLinkRequest, listLinkRequests } from '../../matching/link-requests.ts';
import { MatchDecisionReason } from '../../matching/schemas.ts';
import type { AgencyView } from '../../access/policy.ts';
import { maySee } from '../../access/views.ts';
import { myActions } from '../../meetings/meetings.ts';
import { Acknowledgement as AlertAcknowledgement, acknowledgeAlert as acknowledgeOverdue, listAlerts as listOverdueAlerts } from '../../process/alerts.ts';
import { listClosureNotices } from '../../process/closure-notices.ts';
import { listDueSteps } from '../../process/episodes.ts';
import { listAlerts as listMissedChecks } from '../../process/missed-checks.ts';
import { listIncomingReferrals, listOutgoingReferrals } from '../../process/referrals.ts';
import { listAdviceQueue } from '../../sharing/advice.ts';
import { listLeadAlerts } from '../../records/lead-alerts.ts';
import { listNotifications, markRead } from '../../sharing/notifications.ts';
import { listIncomingRequests } from '../../sharing/requests.ts';
import { listIncompleteUrgent } from '../../sharing/sharing.ts';
import { listSeenNotifications, SEEN_QUEUE_ROLES } from '../../notifications/seen.ts';
import { formOf, opt, parseForm } from '../forms.ts';
import { notFound } from '../../shared/errors.ts';
import { notificationHref, safely, type Web } from '../web.ts';
import { aboutEach, withChildren } from '../children.ts';
import { notificationRef } from '../../people/child-summary.ts';

type IdParams = { id: string };

/** My tasks: what is due and overdue, what waits for me, alerts to acknowledge. */
export function registerTaskPages(web: Web): void {
  const { app } = web;

  app.get('/tasks', async (request, reply) => {
    const ctx = web.ctx(request);
    // Each list is asked for only when the policy lets this role see it (decideView): administrators
    // and auditors do no casework, and a refused list would be audited as refused on every visit.
    const see = <T>(view: AgencyView, load: () => Promise<T>): Promise<T | undefined> => (maySee(ctx, view) ? safely(load) : Promise.resolve(undefined));
    // Each row names the child it is about (to a reader who may see that child) and links to the work.
    const notifications = (await withChildren(ctx, ((await see('notifications', () => listNotifications(ctx, { unreadOnly: true }))) ?? []).map((n) => ({ ...n, href: notificationHref(n) })), notificationRef))!;
    // Concerns colleagues brought to the designated safeguarding lead (only leads are asked: anyone else would be refused and audited).
    const leadAlerts = ctx.actor.roles.includes('safeguarding_lead') ? await withChildren(ctx, await safely(() => listLeadAlerts(ctx)), (a) => ({ type: 'person', id: a.personId })) : undefined;
    const advice = await see('advice-requests', () => listAdviceQueue(ctx));
    const requests = await see('information-requests', () => listIncomingRequests(ctx, 'open'));
    const referrals = await see('referrals', () => listIncomingReferrals(ctx, { status: 'open' }));
    const outgoing = (await see('referrals', () => listOutgoingReferrals(ctx)))?.filter((r) => r.steps.some((s) => s.overdue || s.prompt) || r.progress !== 'decided');
    const dueSteps = aboutEach(await see('due-steps', () => listDueSteps(ctx, { worker: 'me' })));
    const overdueAlerts = await withChildren(ctx, await see('overdue-alerts', () => listOverdueAlerts(ctx, 'open')), (a) => ({ type: 'person', id: a.childPersonId }));
    const missedChecks = aboutEach(await see('monitoring', () => listMissedChecks(ctx, { status: 'open', concerning: 'me' })));
    const closureNotices = aboutEach(await see('closure-notices', () => listClosureNotices(ctx, { direction: 'received' })));
    const actions = await withChildren(ctx, (await see('meeting-actions', () => myActions(ctx)))?.filter((a) => a.status === 'open'), (a) => ({ type: 'meeting_action', id: a.id }));
    const urgent = await withChildren(ctx, await see('urgent-shares', () => listIncompleteUrgent(ctx)), (u) => ({ type: 'share_decision', id: u.decisionId }));
    // Same-person link requests another agency made to this one (empty for roles that do not answer them).
    const linkRequests = (await safely(() => listLinkRequests(ctx)))?.filter((r) => r.direction === 'incoming' && r.status === 'pending');
    // Asked only of roles that read the queue: any other role's attempt would be audited as refused on every visit.
    const seen = ctx.actor.roles.some((r) => SEEN_QUEUE_ROLES.includes(r)) ? await safely(() => listSeenNotifications(ctx, {})) : undefined;
    const seenToAcknowledge = seen && { count: seen.length, escalated: seen.filter((n) => n.escalatedAt).length };
    return web.render(request, reply, 'tasks.njk', { pageTitle: 'My tasks', notifications, leadAlerts, advice, requests, referrals, outgoing, dueSteps, overdueAlerts, missedChecks, closureNotices, actions, urgent, seenToAcknowledge, linkRequests });
  });

  app.post<{ Params: IdParams }>('/notifications/:id/read', async (request, reply) => {
    await markRead(web.ctx(request), request.params.id);
    return reply.redirect('/tasks?done=notification-read', 303);
  });

  app.post<{ Params: IdParams & { answer: string } }>('/person-link-requests/:id/:answer', async (request, reply) => {
    const ctx = web.ctx(request);
    const answer = request.params.answer;
    const { reason } = parseForm(MatchDecisionReason, { reason: opt(formOf(request.body), 'reason') ?? (answer === 'accept' ? 'Accepted: the same person' : 'Declined') });
    if (answer === 'accept') await acceptLinkRequest(ctx, request.params.id, reason);
    else if (answer === 'decline') await declineLinkRequest(ctx, request.params.id, reason);
    else throw notFound('page');
    return reply.redirect('/tasks?done=link-request-answered', 303);
  });

  app.post<{ Params: IdParams }>('/alerts/:id/acknowledge', async (request, reply) => {
    await acknowledgeOverdue(web.ctx(request), request.params.id, parseForm(AlertAcknowledgement, { note: opt(formOf(request.body), 'note') }).note);
    return reply.redirect('/tasks?done=alert-acknowledged', 303);
  });
}
