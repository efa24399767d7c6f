import { z } from 'zod';
import { Acknowledgement, AlertQuery, DueSummary, OverdueAlert, acknowledgeAlert, dueSummary, listAlerts } from '../../process/alerts.ts';
import { TimescaleQuery, TimescaleReport, timescaleReport, timescaleReportCsv } from '../../process/timescales.ts';
import { IdParams, type Api } from '../route.ts';

/** Managers' alerts for overdue statutory steps, and timescale reports. */
export function registerOversightRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/oversight/alerts', tag: 'Oversight',
    summary: "The authority's alerts for overdue statutory steps: those awaiting acknowledgement (default), or all of them. Managers and auditors of children's social care.",
    query: AlertQuery, response: z.array(OverdueAlert),
    handler: ({ ctx, query }) => listAlerts(ctx, query.status),
  });
  api.route({
    method: 'POST', url: '/oversight/alerts/{id}/acknowledgement', tag: 'Oversight', status: 200,
    summary: 'A manager of the authority acknowledges an alert, optionally with a note: who and when are recorded. Anyone else is answered as for an alert that does not exist.',
    params: IdParams, body: Acknowledgement, response: OverdueAlert,
    handler: ({ ctx, params, body }) => acknowledgeAlert(ctx, params.id, body.note),
  });
  api.route({
    method: 'GET', url: '/oversight/due-summary', tag: 'Oversight',
    summary: 'Statutory steps due today, this week and overdue: the authority, each team and each allocated worker.',
    response: DueSummary,
    handler: ({ ctx }) => dueSummary(ctx),
  });
  api.route({
    method: 'GET', url: '/oversight/timescales', tag: 'Oversight',
    summary: 'How the authority kept to the statutory timescales over a period: each kind of step done on time and late, how many working days late, and how many were overdue at the end.',
    query: TimescaleQuery, response: TimescaleReport,
    handler: ({ ctx, query }) => timescaleReport(ctx, query),
  });
  api.route({
    method: 'GET', url: '/oversight/timescales.csv', tag: 'Oversight',
    summary: 'The same timescale report as CSV (text/csv): one row per kind of step, then the total.',
    query: TimescaleQuery, response: z.string().meta({ description: 'CSV text, served as text/csv.' }), produces: 'text/csv',
    handler: async ({ ctx, query, reply }) => {
      const csv = await timescaleReportCsv(ctx, query);
      void reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="timescales-${query.from}-to-${query.to}.csv"`);
      return csv;
    },
  });
}
