import { decideAgency } from '../../access/policy.ts';
import { fieldProblems } from '../../shared/errors.ts';
import { AnnexAQuery, annexAFor } from '../../statutory-returns/annex-a/annex-a-service.ts';
import { annexAWorkbook } from '../../statutory-returns/annex-a/annex-a-workbook.ts';
import { XLSX } from '../../http/route.ts';
import { calendarDate, dateParts, FormErrors, formOf, str } from '../forms.ts';
import type { Web } from '../web.ts';

/**
 * Ofsted's Annex A for the data team: a form with the period's two dates; a good period downloads
 * the workbook at once (the same lists as GET /api/v1/returns/annex-a.xlsx). Anyone else finds
 * nothing here.
 */
export function registerAnnexAPages(web: Web): void {
  web.app.get('/returns/annex-a', async (request, reply) => {
    const ctx = web.ctx(request);
    if (!decideAgency(ctx.actor, 'prepare-returns', ctx.actor.agencyId).allowed) {
      return web.render(request, reply, 'error.njk', { title: 'Page not found', body: 'There is nothing here, or it is not yours to see. If you typed the address, check it is correct.' }, 404);
    }
    const q = formOf(request.query);
    const values = { from: dateParts(q, 'from'), to: dateParts(q, 'to') };
    const data = { pageTitle: "Ofsted's Annex A lists", values };
    const asked = ['from', 'to'].some((p) => str(q, `${p}-day`) || str(q, `${p}-month`) || str(q, `${p}-year`));
    if (!asked) return web.render(request, reply, 'returns/annex-a.njk', { ...data, errors: {}, errorList: [] });
    const errors = new FormErrors();
    const from = calendarDate(values.from, 'The first day');
    const to = calendarDate(values.to, 'The last day');
    if (from.error) errors.add('from-day', from.error);
    else if (!from.value) errors.add('from-day', 'Enter the first day of the period');
    if (to.error) errors.add('to-day', to.error);
    else if (!to.value) errors.add('to-day', 'Enter the last day of the period');
    const parsed = AnnexAQuery.safeParse({ from: from.value, to: to.value });
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), { '/from': 'from-day', '/to': 'to-day' }, 'from-day');
    if (errors.any || !parsed.success) return web.renderErrors(request, reply, 'returns/annex-a.njk', errors, data);
    const file = await annexAWorkbook(await annexAFor(ctx, parsed.data));
    return reply.type(XLSX).header('content-disposition', `attachment; filename="annex-a-${parsed.data.from}-to-${parsed.data.to}.xlsx"`).send(file);
  });
}
