import { z } from 'zod';
import { AnnexAQuery, annexAFor } from '../../statutory-returns/annex-a/annex-a-service.ts';
import { annexAWorkbook } from '../../statutory-returns/annex-a/annex-a-workbook.ts';
import { XLSX, type Api } from '../route.ts';

/** Ofsted's Annex A workbook for the agency's data team. */
export function registerAnnexARoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/returns/annex-a.xlsx', tag: 'Returns',
    operationId: 'getAnnexA', summary: "Download Ofsted's Annex A lists as an Excel workbook",
    description: "Lists 1–7 (contacts, referrals, assessments, section 47 enquiries, children in need, child protection plans) for the period from your agency's own records, in the sheets and columns of Ofsted's template; lists 2 and 8–11 say they are not held by Jigsaw. For the agency's data officers and managers (404 for anyone else). `from` may not be after `to` (422). Every child listed is recorded in the audit trail.",
    query: AnnexAQuery,
    response: z.custom<Buffer>((v) => Buffer.isBuffer(v)).meta({ description: 'The workbook (.xlsx).' }),
    produces: XLSX,
    handler: async ({ ctx, query, reply }) => {
      const file = await annexAWorkbook(await annexAFor(ctx, query));
      void reply.type(XLSX).header('content-disposition', `attachment; filename="annex-a-${query.from}-to-${query.to}.xlsx"`);
      return file;
    },
  });
}
