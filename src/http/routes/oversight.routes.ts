import { z } from 'zod';
import { Acknowledgement, AlertQuery, DueSummary, OverdueAlert, acknowledgeAlert, dueSummary, listAlerts } from '../../process/alerts.ts';
import { TimescaleQuery, TimescaleReport, timescaleReport, timescaleReportCsv } from '../../process/timescales.ts';
import { IdParams, type Api } from '../route.ts';

/** Managers' alerts for overdue statutory steps, and timescale reports. */
export function registerOversightRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/oversight/alerts', tag: 'Oversight',
    operationId: 'listOverdueAlerts', summary: 'List overdue-step alerts',
    description: "The authority's alerts for overdue statutory steps: those awaiting acknowledgement (default), or all of them. Managers and auditors of children's social care. Anyone else is answered 403.",
    query: AlertQuery, response: z.array(OverdueAlert),
    handler: ({ ctx, query }) => listAlerts(ctx, query.status),
  });
  api.route({
    method: 'POST', url: '/oversight/alerts/{id}/acknowledgement', tag: 'Oversight', status: 200,
    operationId: 'acknowledgeOverdueAlert', summary: 'Acknowledge an overdue-step alert',
    description: 'A manager of the authority acknowledges an alert, optionally with a note: who and when are recorded. Anyone else is answered as for an alert that does not exist. An alert is acknowledged once (409).',
    params: IdParams, body: Acknowledgement, response: OverdueAlert,
    handler: ({ ctx, params, body }) => acknowledgeAlert(ctx, params.id, body.note),
  });
  api.route({
    method: 'GET', url: '/oversight/due-summary', tag: 'Oversight',
    operationId: 'getDueSummary', summary: 'Get the summary of steps due',
    description: "Statutory steps due today, this week and overdue: the authority, each team and each allocated worker. Managers and auditors of children's social care (403 otherwise).",
    response: DueSummary,
    handler: ({ ctx }) => dueSummary(ctx),
  });
  api.route({
    method: 'GET', url: '/oversight/timescales', tag: 'Oversight',
    operationId: 'getTimescaleReport', summary: 'Get the timescale report',
    description: "How the authority kept to the statutory timescales over a period: each kind of step done on time and late, how many working days late, and how many were overdue at the end. `from` may not be after `to` (422 naming `from`). Managers and auditors of children's social care (403 otherwise).",
    query: TimescaleQuery, response: TimescaleReport,
    handler: ({ ctx, query }) => timescaleReport(ctx, query),
  });
  api.route({
    method: 'GET', url: '/oversight/timescales.csv', tag: 'Oversight',
    operationId: 'getTimescaleReportCsv', summary: 'Download the timescale report as CSV',
    description: 'The same timescale report as CSV (text/csv): one row per kind of step, then the total. The same rules as getTimescaleReport.',
    query: TimescaleQuery, response: z.string().meta({ description: 'CSV text, served as text/csv.' }), produces: 'text/csv',
    handler: async ({ ctx, query, reply }) => {
      const csv = await timescaleReportCsv(ctx, query);
      void reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="timescales-${query.from}-to-${query.to}.csv"`);
      return csv;
    },
  });
}
