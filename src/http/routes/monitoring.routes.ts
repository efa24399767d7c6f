import { z } from 'zod';
import {
  acknowledgeAlert, acknowledgeClosureNotice, createArrangement, endArrangement, episodePreviousHistory, episodeSafetySummary, previousProtectionHistory, getArrangement, listAlerts,
  listArrangements, listClosureNotices, recordCheck,
} from '../../process/monitoring.ts';
import {
  Acknowledgement, ClosureNotice, EndArrangement, EpisodeSafetySummary, MonitoringAlert, MonitoringArrangement, NewMonitoringArrangement, NewMonitoringCheck,
  PreviousProtection,
} from '../../process/monitoring.schemas.ts';
import { IdParams, type Api } from '../route.ts';

const ArrangementQuery = z
  .strictObject({
    responsible: z.enum(['me'], { error: "Use 'me' for the arrangements you are responsible for" }).optional(),
    overdueOnly: z.enum(['true', 'false'], { error: "Use 'true' or 'false'" }).optional(),
    status: z.enum(['active', 'all'], { error: "Use 'active' (the default) or 'all'" }).optional(),
  })
  .meta({ id: 'MonitoringArrangementQuery' });

/** Monitoring arrangements, no-access visits, safe closure and previous history. */
export function registerMonitoringRoutes(api: Api): void {
  api.route({
    method: 'POST', url: '/monitoring-arrangements', tag: 'Monitoring',
    summary: 'Record an agreed monitoring arrangement: who checks what, every how many days, from when until when, and which agencies agreed (case example 3).',
    body: NewMonitoringArrangement, response: MonitoringArrangement,
    handler: ({ ctx, body }) => createArrangement(ctx, body),
  });
  api.route({
    method: 'GET', url: '/monitoring-arrangements', tag: 'Monitoring',
    summary: 'Arrangements your agency is part of, soonest due first; a missed check shows as overdue at once.',
    query: ArrangementQuery, response: z.array(MonitoringArrangement),
    handler: ({ ctx, query }) => listArrangements(ctx, { responsible: query.responsible, overdueOnly: query.overdueOnly === 'true', status: query.status }),
  });
  api.route({
    method: 'GET', url: '/monitoring-arrangements/{id}', tag: 'Monitoring', summary: 'A monitoring arrangement with its checks and alerts.',
    params: IdParams, response: MonitoringArrangement,
    handler: ({ ctx, params }) => getArrangement(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/monitoring-arrangements/{id}/checks', tag: 'Monitoring',
    summary: 'The responsible agency records a check. A check with no access leaves the next one due and tells the agency that set the arrangement up.',
    params: IdParams, body: NewMonitoringCheck, response: MonitoringArrangement,
    handler: ({ ctx, params, body }) => recordCheck(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/monitoring-arrangements/{id}/end', tag: 'Monitoring', status: 200,
    summary: 'End an arrangement early, saying why.',
    params: IdParams, body: EndArrangement, response: MonitoringArrangement,
    handler: ({ ctx, params, body }) => endArrangement(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/monitoring-alerts', tag: 'Monitoring', summary: 'Missed checks on arrangements your agency is part of: open ones by default.',
    query: z.strictObject({ status: z.enum(['open', 'all'], { error: "Use 'open' (the default) or 'all'" }).optional() }),
    response: z.array(MonitoringAlert),
    handler: ({ ctx, query }) => listAlerts(ctx, { status: query.status }),
  });
  api.route({
    method: 'POST', url: '/monitoring-alerts/{id}/acknowledge', tag: 'Monitoring', status: 200,
    summary: 'The responsible agency acknowledges a missed check: who and when are kept.',
    params: IdParams, body: Acknowledgement, response: MonitoringAlert,
    handler: ({ ctx, params, body }) => acknowledgeAlert(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/closure-notices', tag: 'Monitoring',
    summary: 'Case closures your agency was told of, and those it sent: unacknowledged ones by default (case example 8).',
    query: z.strictObject({ status: z.enum(['unacknowledged', 'all'], { error: "Use 'unacknowledged' (the default) or 'all'" }).optional() }),
    response: z.array(ClosureNotice),
    handler: ({ ctx, query }) => listClosureNotices(ctx, { status: query.status }),
  });
  api.route({
    method: 'POST', url: '/closure-notices/{id}/acknowledge', tag: 'Monitoring', status: 200,
    summary: "Acknowledge a case closure and who monitors; the monitoring agency's acknowledgement is its agreement.",
    params: IdParams, body: Acknowledgement, response: ClosureNotice,
    handler: ({ ctx, params, body }) => acknowledgeClosureNotice(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/episodes/{id}/safety-summary', tag: 'Process',
    summary: 'Before closing: home visits with no access and concerns about the child since the episode opened (as far as you may see them), monitoring arrangements and closure notices.',
    params: IdParams, response: EpisodeSafetySummary,
    handler: ({ ctx, params }) => episodeSafetySummary(ctx, params.id),
  });
  api.route({
    method: 'GET', url: '/episodes/{id}/previous-history', tag: 'Process',
    summary: "Adults around the child who are related to another child who had a child protection plan in this authority: pointers to those episodes.",
    params: IdParams, response: z.array(PreviousProtection),
    handler: ({ ctx, params }) => episodePreviousHistory(ctx, params.id),
  });
  api.route({
    method: 'GET', url: '/people/{id}/previous-history', tag: 'Process',
    summary: "For a child or an adult in your agency's index: earlier child protection plans of children related to them or to the adults around them (pointers, not content).",
    params: IdParams, response: z.array(PreviousProtection),
    handler: ({ ctx, params }) => previousProtectionHistory(ctx, params.id),
  });
}
