import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { bearer, testApp } from '../api/helpers.ts';
import { cinWorld } from '../cin-world.ts';
import { useTestDb } from '../db.ts';
import { practitioner } from '../fixtures.ts';

/** Issue 20: the data team downloads Annex A from its page and the API; a social worker finds nothing there. */

const PASSWORD = 'annex-a-pages-password-42';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

describe("Ofsted's Annex A for the data team", () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function setUp() {
    const w = await cinWorld(t.db());
    await w.assessed(w.cinPlan([w.dsl]));
    const dana = await practitioner(w.s, w.csc, ['data_officer'], 'Dana Data');
    app = await testApp(w.s);
    await t.db().query('UPDATE practitioner SET password_hash = $1 WHERE id = ANY($2::uuid[])', [await hashPassword(PASSWORD), [dana.actor.practitionerId, w.worker.actor.practitionerId]]);
    const browser = async (who: ActorContext) => {
      const email = (await t.db().query<{ email: string }>('SELECT email FROM practitioner WHERE id = $1', [who.actor.practitionerId])).rows[0]!.email;
      const signedIn = await app!.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password: PASSWORD } });
      const cookies = { jigsaw_session: signedIn.cookies.find((c) => c.name === 'jigsaw_session')!.value };
      return (url: string) => app!.inject({ url, headers: { accept: 'text/html' }, cookies });
    };
    return { w, dana, browser };
  }
  const sheetsOf = async (body: Buffer): Promise<ExcelJS.Workbook> => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(body as unknown as ArrayBuffer);
    return wb;
  };

  it('the data officer chooses the period on the page and gets the workbook with the children in it; a social worker gets 404', async () => {
    const { w, dana, browser } = await setUp();
    const page = await browser(dana);
    const form = await page('/returns/annex-a');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Ofsted’s Annex A lists');
    expect(form.body).toContain('name="from-day"');

    const res = await page('/returns/annex-a?from-day=1&from-month=4&from-year=2026&to-day=31&to-month=3&to-year=2027');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(XLSX);
    expect(res.headers['content-disposition']).toBe('attachment; filename="annex-a-2026-04-01-to-2027-03-31.xlsx"');
    const wb = await sheetsOf(res.rawPayload);
    // Ava's referral on 2 November and Leo's on 13 November; Leo's assessment authorised on 30 November.
    expect(wb.getWorksheet('List 3')!.getColumn(6).values.slice(2)).toEqual([new Date('2026-11-02T00:00:00Z'), new Date('2026-11-13T00:00:00Z')]);
    expect(wb.getWorksheet('List 4')!.getRow(2).getCell(9).value).toEqual(new Date('2026-11-30T00:00:00Z'));

    // The trail: the download, and each child listed.
    const trail = (await t.db().query<{ action: string; person_id: string | null }>(
      `SELECT action, person_id FROM audit_event WHERE actor_practitioner_id = $1 AND action LIKE 'returns.annex_a%' ORDER BY seq`, [dana.actor.practitionerId])).rows;
    expect(trail[0]?.action).toBe('returns.annex_a');
    expect(trail.slice(1).map((e) => e.person_id).sort()).toEqual([w.ava.id, w.leo.id].sort());

    // A period that ends before it starts, or a date that does not exist: the form again, saying what is wrong.
    const wrong = await page('/returns/annex-a?from-day=1&from-month=4&from-year=2027&to-day=31&to-month=3&to-year=2027');
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain('The period must start on or before its last day');
    const notReal = await page('/returns/annex-a?from-day=31&from-month=2&from-year=2026&to-day=31&to-month=3&to-year=2027');
    expect(notReal.statusCode).toBe(422);
    expect(notReal.body).toContain('The first day must be a real date');

    const rachel = await browser(w.worker);
    expect((await rachel('/returns/annex-a')).statusCode).toBe(404);
    expect((await rachel('/returns/annex-a?from-day=1&from-month=4&from-year=2026&to-day=31&to-month=3&to-year=2027')).statusCode).toBe(404);
  });

  it('the API gives the same workbook to the data team, 422 with pointers for bad dates, 404 to a social worker', async () => {
    const { w, dana } = await setUp();
    const get = async (who: ActorContext, query: string) => app!.inject({ url: `/api/v1/returns/annex-a.xlsx?${query}`, headers: await bearer(who) });
    const ok = await get(dana, 'from=2026-04-01&to=2027-03-31');
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toBe(XLSX);
    expect((await sheetsOf(ok.rawPayload)).getWorksheet('List 7')!.getRow(1).getCell(7).value).toBe('Child Protection Plan Start Date');

    const bad = await get(dana, 'from=2026-02-30&to=31/03/2027');
    expect(bad.statusCode).toBe(422);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(bad.json().errors).toEqual([
      { pointer: '/query/from', detail: 'This date does not exist' },
      { pointer: '/query/to', detail: 'Enter a date as YYYY-MM-DD' },
    ]);
    const backwards = await get(dana, 'from=2027-04-01&to=2027-03-31');
    expect(backwards.statusCode).toBe(422);
    expect(backwards.json().errors).toEqual([{ pointer: '/query/from', detail: 'The period must start on or before its last day' }]);
    expect((await get(dana, 'from=2026-04-01')).statusCode).toBe(422);

    expect((await get(w.worker, 'from=2026-04-01&to=2027-03-31')).statusCode).toBe(404);

    // Described for integrators: its two dates, the workbook's media type, under a described tag.
    const doc = (await app!.inject({ url: '/api/v1/openapi.json' })).json();
    const op = doc.paths['/api/v1/returns/annex-a.xlsx'].get;
    expect(op).toMatchObject({ operationId: 'getAnnexA', tags: ['Returns'] });
    expect(op.parameters.map((p: { name: string; required: boolean }) => [p.name, p.required])).toEqual([['from', true], ['to', true], ['Jigsaw-Purpose', false]]);
    expect(Object.keys(op.responses['200'].content)).toEqual([XLSX]);
    expect(doc.tags.map((t: { name: string }) => t.name)).toContain('Returns');
  });
});
