import { z } from 'zod';
import { SharingBoardReport, SharingReportQuery, sharingBoardReport, sharingBoardReportCsv } from '../../reports/board.ts';
import type { Api } from '../route.ts';

/** Board reporting for a partnership. */
export function registerReportRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/reports/sharing', tag: 'Reports',
    operationId: 'getSharingReport', summary: 'Get the sharing board report',
    description: "Information sharing across a partnership's agencies over a period, for the safeguarding partnership board: counts only, no personal data. `from` may not be after `to` (422).",
    query: SharingReportQuery, response: SharingBoardReport,
    handler: ({ ctx, query }) => sharingBoardReport(ctx, query),
  });
  api.route({
    method: 'GET', url: '/reports/sharing.csv', tag: 'Reports',
    operationId: 'getSharingReportCsv', summary: 'Download the sharing board report as CSV',
    description: 'The same report as CSV (text/csv): one row per agency, then the total. The same rules as getSharingReport.',
    query: SharingReportQuery, response: z.string().meta({ description: 'CSV text, served as text/csv.' }), produces: 'text/csv',
    handler: async ({ ctx, query, reply }) => {
      const csv = await sharingBoardReportCsv(ctx, query);
      void reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="sharing-report-${query.from}-to-${query.to}.csv"`);
      return csv;
    },
  });
}
