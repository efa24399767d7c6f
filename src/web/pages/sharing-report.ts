import { BOARD_REPORT_ROLES, sharingBoardReport, SharingReportQuery } from '../../reports/board.ts';
import { fieldProblems } from '../../shared/errors.ts';
import { calendarDate, dateParts, FormErrors, formOf, str } from '../forms.ts';
import type { Web } from '../web.ts';

/**
 * The sharing board report as a page, for those the report's service already allows (managers,
 * auditors and safeguarding leads of the partnership's agencies): the same figures as the API, and
 * a link to the API's CSV of them. Counts only: no person is named.
 */
export function registerSharingReportPages(web: Web): void {
  web.app.get('/reports/sharing', async (request, reply) => {
    const ctx = web.ctx(request);
    const q = formOf(request.query);
    const partnerships = (await ctx.db.query<{ id: string; name: string }>(
      `SELECT p.id, p.name FROM partnership_agency pa JOIN partnership p ON p.id = pa.partnership_id WHERE pa.agency_id = $1 ORDER BY p.name, p.id`,
      [ctx.actor.agencyId])).rows;
    const values = { partnershipId: str(q, 'partnershipId') || (partnerships[0]?.id ?? ''), from: dateParts(q, 'from'), to: dateParts(q, 'to') };
    const mayRead = web.roles(request).some((r) => BOARD_REPORT_ROLES.includes(r));
    const errors = new FormErrors();
    let report: Awaited<ReturnType<typeof sharingBoardReport>> | undefined;
    const asked = Boolean(str(q, 'from-day') || str(q, 'from-month') || str(q, 'from-year') || str(q, 'to-day') || str(q, 'to-month') || str(q, 'to-year'));
    if (asked && mayRead) {
      const from = calendarDate(values.from, 'The first day');
      const to = calendarDate(values.to, 'The last day');
      if (from.error) errors.add('from-day', from.error);
      else if (!from.value) errors.add('from-day', 'Enter the first day of the period');
      if (to.error) errors.add('to-day', to.error);
      else if (!to.value) errors.add('to-day', 'Enter the last day of the period');
      const parsed = SharingReportQuery.safeParse({ partnershipId: values.partnershipId, from: from.value, to: to.value });
      if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), { '/partnershipId': 'partnershipId', '/from': 'from-day', '/to': 'to-day' }, 'partnershipId');
      if (!errors.any && parsed.success) report = await sharingBoardReport(ctx, parsed.data);
    }
    const csvHref = report ? `/api/v1/reports/sharing.csv?${new URLSearchParams({ partnershipId: report.partnershipId, from: report.from, to: report.to }).toString()}` : undefined;
    const data = {
      pageTitle: 'Sharing report', values, report, csvHref, mayRead,
      partnerships: partnerships.map((p) => ({ value: p.id, text: p.name, selected: p.id === values.partnershipId })),
    };
    if (!mayRead) return web.render(request, reply, 'error.njk', { title: 'Page not found', body: 'There is nothing here, or it is not yours to see. If you typed the address, check it is correct.' }, 404);
    return errors.any ? web.renderErrors(request, reply, 'reports/sharing.njk', errors, data) : web.render(request, reply, 'reports/sharing.njk', { ...data, errors: {}, errorList: [] });
  });
}
