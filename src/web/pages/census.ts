import { RETURNS_ROLES } from '../../access/policy.ts';
import { censusCheck, CensusYearQuery, currentCensusYear, type CensusCheck } from '../../statutory-returns/cin/census-returns.ts';
import { formOf, str } from '../forms.ts';
import type { Web } from '../web.ts';

/**
 * The data team's census page (issue 20): choose the collection year, download the census and its
 * validation report, and see the live check — the authority's data through the DfE's rules and the
 * XSD now — by child, each problem with a link to the page where it is put right.
 */

/** "2025 to 2026 (1 April 2025 to 31 March 2026)" for year 2026. */
const yearLabel = (y: number): string => `${y - 1} to ${y} (1 April ${y - 1} to 31 March ${y})`;

export function registerCensusPages(web: Web): void {
  web.app.get('/returns/cin', async (request, reply) => {
    const me = await web.me(request);
    const roles = web.roles(request);
    if (me?.agencyType !== 'childrens_social_care' || !roles.some((r) => RETURNS_ROLES.includes(r))) {
      return web.render(request, reply, 'error.njk', { title: 'Page not found', body: 'There is nothing here, or it is not yours to see. If you typed the address, check it is correct.' }, 404);
    }
    const ctx = web.ctx(request);
    const current = currentCensusYear(ctx.clock.now());
    const years = [current, current - 1, current - 2].filter((y) => y >= 2024);
    const asked = str(formOf(request.query), 'year');
    const parsed = CensusYearQuery.safeParse({ year: asked || String(current) });
    const year = parsed.success && years.includes(parsed.data.year) ? parsed.data.year : current;
    const check: CensusCheck = await censusCheck(ctx, year);
    const q = new URLSearchParams({ year: String(year) }).toString();
    return web.render(request, reply, 'returns/cin.njk', {
      pageTitle: 'Children in Need census', year, yearText: yearLabel(year), check,
      years: years.map((y) => ({ value: String(y), text: yearLabel(y), selected: y === year })),
      xmlHref: `/api/v1/returns/cin/census.xml?${q}`, csvHref: `/api/v1/returns/cin/report.csv?${q}`,
      errors: {}, errorList: [],
    });
  });
}
