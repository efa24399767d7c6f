import { z } from 'zod';
import { createArrangement, endArrangement, getArrangement, listArrangements, recordCheck } from '../../process/monitoring.ts';
import { clearMissedCheck, listAlerts } from '../../process/missed-checks.ts';
import { acknowledgeClosureNotice, getClosureNotice, listClosureNotices } from '../../process/closure-notices.ts';
import { episodePreviousHistory, previousProtectionHistory } from '../../process/previous-history.ts';
import { episodeSafetySummary } from '../../process/safe-closure.ts';
import {
  Acknowledgement, ClosureNotice, ClosureNoticeDetail, EndArrangement, MissedCheckReason, EpisodeSafetySummary, MonitoringAlert, MonitoringArrangement, NewMonitoringArrangement, NewMonitoringCheck,
  PreviousProtection,
} from '../../process/monitoring.schemas.ts';
import { IdParams, type Api } from '../route.ts';

const ArrangementQuery = z
  .strictObject({
    responsible: z.enum(['me'], { error: "Use 'me' for the arrangements you are responsible for" }).optional(),
    overdueOnly: z.enum(['true', 'false'], { error: "Use 'true' or 'false'" }).optional(),
    status: z.enum(['active', 'all'], { error: "Use 'active' (the default) or 'all'" }).optional(),
  });

/** Monitoring arrangements, no-access visits, safe closure and previous history. */
export function registerMonitoringRoutes(api: Api): void {
  api.route({
    method: 'POST', url: '/monitoring-arrangements', tag: 'Monitoring',
    operationId: 'createMonitoringArrangement', summary: 'Set up a monitoring arrangement',
    description: "Record an agreed monitoring arrangement: who checks what, every how many days, from when until when, and which agencies agreed (case example 3). Rules between fields, each a 422 naming the field: `endsOn` may not be before `startsOn`; the child must be in your agency's index; when another agency is responsible, its own entry for the child must be linked to yours as the same person; the responsible practitioner (by default that agency's lead worker for the child) must be an active caseworker of it; every agency in `agreedAgencyIds` must exist, and the responsible agency must be among them.",
    body: NewMonitoringArrangement, response: MonitoringArrangement,
    handler: ({ ctx, body }) => createArrangement(ctx, body),
  });
  api.route({
    method: 'GET', url: '/monitoring-arrangements', tag: 'Monitoring',
    operationId: 'listMonitoringArrangements', summary: 'List monitoring arrangements',
    description: 'Arrangements your agency is part of, soonest due first; a missed check shows as overdue at once. `responsible=me`: those you make the checks for; `overdueOnly=true`: only those with a check overdue; `status=all` includes ended ones.',
    query: ArrangementQuery, response: z.array(MonitoringArrangement),
    handler: ({ ctx, query }) => listArrangements(ctx, { responsible: query.responsible, overdueOnly: query.overdueOnly === 'true', status: query.status }),
  });
  api.route({
    method: 'GET', url: '/monitoring-arrangements/{id}', tag: 'Monitoring', operationId: 'getMonitoringArrangement', summary: 'Get a monitoring arrangement',
    description: 'A monitoring arrangement with its checks and alerts. For the agencies that are part of it; anyone else is answered 404.',
    params: IdParams, response: MonitoringArrangement,
    handler: ({ ctx, params }) => getArrangement(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/monitoring-arrangements/{id}/checks', tag: 'Monitoring',
    operationId: 'recordMonitoringCheck', summary: 'Record a monitoring check',
    description: 'The responsible agency records a check. A check made (`done`) clears the open missed checks. A check with no access leaves the next one due, clears no missed check, and tells the agency that set the arrangement up. Only the responsible agency (403). `checkedAt` may not be in the future nor before the arrangement started (422); an ended arrangement takes no more checks (409).',
    params: IdParams, body: NewMonitoringCheck, response: MonitoringArrangement,
    handler: ({ ctx, params, body }) => recordCheck(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/monitoring-arrangements/{id}/end', tag: 'Monitoring', status: 200,
    operationId: 'endMonitoringArrangement', summary: 'End a monitoring arrangement',
    description: 'End an arrangement early, saying why. Only the responsible agency or the agency that recorded it (403); once only (409).',
    params: IdParams, body: EndArrangement, response: MonitoringArrangement,
    handler: ({ ctx, params, body }) => endArrangement(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/monitoring-alerts', tag: 'Monitoring', operationId: 'listMonitoringAlerts', summary: 'List missed monitoring checks',
    description: 'Missed checks on arrangements your agency is part of, each naming its child (`child`, as your agency knows them, when you may see them): open ones by default. `status=all` includes cleared ones.',
    query: z.strictObject({ status: z.enum(['open', 'all'], { error: "Use 'open' (the default) or 'all'" }).optional() }),
    response: z.array(MonitoringAlert),
    handler: ({ ctx, query }) => listAlerts(ctx, { status: query.status }),
  });
  api.route({
    method: 'POST', url: '/monitoring-alerts/{id}/acknowledge', tag: 'Monitoring', status: 200,
    operationId: 'acknowledgeMonitoringAlert', summary: 'Clear a missed check with a reason',
    description: 'The responsible agency clears a missed check without recording it, saying why (`reason`, required: a missed check is never cleared by a click alone). Recording a check made (recordMonitoringCheck, outcome `done`) clears it without a reason; one with no access does not. Who, when and the reason are kept; the reason stays with the responsible agency. Only the responsible agency (403); once only (409).',
    params: IdParams, body: MissedCheckReason, response: MonitoringAlert,
    handler: ({ ctx, params, body }) => clearMissedCheck(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/closure-notices', tag: 'Monitoring',
    operationId: 'listClosureNotices', summary: 'List case closure notices',
    description: 'Case closures your agency was told of, and those it sent, each naming its child (`child`, as your agency knows them, when you may see them): unacknowledged ones by default (case example 8). `status=all` includes acknowledged ones. One left unacknowledged is chased after one working day and escalated to the agency\'s safeguarding leads after two.',
    query: z.strictObject({ status: z.enum(['unacknowledged', 'all'], { error: "Use 'unacknowledged' (the default) or 'all'" }).optional() }),
    response: z.array(ClosureNotice),
    handler: ({ ctx, query }) => listClosureNotices(ctx, { status: query.status }),
  });
  api.route({
    method: 'GET', url: '/closure-notices/{id}', tag: 'Monitoring', operationId: 'getClosureNotice', summary: 'Get a case closure notice',
    description: 'One closure notice, as its page shows it: the child as your agency knows them, how the case ended, who monitors, what is checked, how often and when the next check is due. For the agency it was sent to and the agency that sent it; anyone else is answered 404.',
    params: IdParams, response: ClosureNoticeDetail,
    handler: ({ ctx, params }) => getClosureNotice(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/closure-notices/{id}/acknowledge', tag: 'Monitoring', status: 200,
    operationId: 'acknowledgeClosureNotice', summary: 'Acknowledge a case closure',
    description: "Acknowledge a case closure and who monitors; the monitoring agency's acknowledgement is its agreement. Only the agency the notice was sent to (403).",
    params: IdParams, body: Acknowledgement, response: ClosureNotice,
    handler: ({ ctx, params, body }) => acknowledgeClosureNotice(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/episodes/{id}/safety-summary', tag: 'Process',
    operationId: 'getEpisodeSafetySummary', summary: 'Get the safety summary before closing',
    description: 'Before closing: home visits with no access and concerns about the child since the episode opened (as far as you may see them), monitoring arrangements and closure notices. Closing a case after no-access visits or concerns needs the agency that will monitor the child (see recordEpisodeAction).',
    params: IdParams, response: EpisodeSafetySummary,
    handler: ({ ctx, params }) => episodeSafetySummary(ctx, params.id),
  });
  api.route({
    method: 'GET', url: '/episodes/{id}/previous-history', tag: 'Process',
    operationId: 'listEpisodePreviousHistory', summary: "List the previous history around an episode's child",
    description: 'Adults around the child who are related to another child who had a child protection plan in this authority: pointers to those episodes. Pointers only: which episode, when, which plan; never its content.',
    params: IdParams, response: z.array(PreviousProtection),
    handler: ({ ctx, params }) => episodePreviousHistory(ctx, params.id),
  });
  api.route({
    method: 'GET', url: '/people/{id}/previous-history', tag: 'Process',
    operationId: 'listPersonPreviousHistory', summary: "List a person's previous child protection history",
    description: "For a child or an adult in your agency's index: earlier child protection plans of children related to them or to the adults around them (pointers, not content).",
    params: IdParams, response: z.array(PreviousProtection),
    handler: ({ ctx, params }) => previousProtectionHistory(ctx, params.id),
  });
}
