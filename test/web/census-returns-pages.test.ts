import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { bearer, testApp } from '../api/helpers.ts';
import { useTestDb } from '../db.ts';
import { practitioner } from '../fixtures.ts';
import { planWorld } from '../plan-world.ts';

/**
 * Issue 20: the data team's census page. Ava Reed (the plan world) has no ethnicity recorded; the
 * data officer sees the DfE's rule for it under her name with a link to where it is recorded.
 * Needs the census rules (rule 4220, "Ethnicity is missing or invalid") merged into CENSUS_RULES.
 */

const PASSWORD = 'census-pages-password-42';
const text = (html: string): string => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/\s+/g, ' ');

describe("the data team's census page", () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("shows a child's census problem with the DfE's words and the link that puts it right; others are not shown the page", async () => {
    const w = await planWorld(t.db());
    const officer = await practitioner(w.s, w.csc, ['data_officer'], 'Imogen Marsh');
    await t.db().query("UPDATE agency SET local_authority_code = '931' WHERE id = $1", [w.csc]);
    await t.db().query("UPDATE episode SET referral_source = '2A', primary_need = 'N1' WHERE id = $1", [w.episode.id]);
    await t.db().query("UPDATE person SET disabilities = '{NONE}', upn_unknown = 'UN1', la_child_id = 'AVA0001' WHERE id = $1", [w.ava.id]);
    app = await testApp(w.s);
    await t.db().query('UPDATE practitioner SET password_hash = $1 WHERE id = ANY($2::uuid[])', [await hashPassword(PASSWORD), [officer.actor.practitionerId, w.worker.actor.practitionerId]]);
    const browser = async (who: ActorContext) => {
      const email = (await t.db().query<{ email: string }>('SELECT email FROM practitioner WHERE id = $1', [who.actor.practitionerId])).rows[0]!.email;
      const signedIn = await app!.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password: PASSWORD } });
      const cookies = { jigsaw_session: signedIn.cookies.find((c) => c.name === 'jigsaw_session')!.value };
      return async (url: string, status = 200): Promise<string> => {
        const res = await app!.inject({ url, headers: { accept: 'text/html' }, cookies });
        expect(res.statusCode, url).toBe(status);
        return res.body;
      };
    };
    const imogen = await browser(officer);
    const html = await imogen('/returns/cin');
    const page = text(html);
    expect(page).toContain('Children in Need census');
    expect(page).toContain('2026 to 2027 (1 April 2026 to 31 March 2027)');
    expect(html).toContain('href="/api/v1/returns/cin/census.xml?year=2027"');
    expect(html).toContain('href="/api/v1/returns/cin/report.csv?year=2027"');
    expect(html).toContain('href="/returns/cin"');
    expect(page).toContain('Ava Reed LA child ID AVA0001');
    expect(page).toContain('4220 Error Ethnicity is missing or invalid (see Ethnicity table) Ethnicity Not recorded');
    expect(html).toContain(`href="/people/${w.ava.id}/census#ethnicity"`);
    // The XSD needs an ethnicity too: the page says so, and the XML is refused until it is recorded.
    expect(page).toContain("The census file would not pass the DfE’s schema");
    const headers = await bearer(officer);
    const xml = await app.inject({ url: '/api/v1/returns/cin/census.xml?year=2027', headers });
    expect(xml.statusCode).toBe(409);
    expect(xml.headers['content-type']).toContain('application/problem+json');
    expect(xml.json<{ detail: string }>().detail).toContain("Element 'Disabilities': This element is not expected. Expected is ( Ethnicity )");
    const problems = await app.inject({ url: '/api/v1/returns/cin/problems?year=2027', headers });
    expect(problems.statusCode).toBe(200);
    expect(problems.json<{ byChild: { name: string; problems: { ruleCode: string; href: string }[] }[] }>().byChild[0]).toMatchObject({
      name: 'Ava Reed', problems: expect.arrayContaining([
        expect.objectContaining({ ruleCode: '4220', href: `/people/${w.ava.id}/census#ethnicity` }),
        // Her enquiry with no assessment in the episode is put right on the episode, not on her identifier.
        expect.objectContaining({ ruleCode: '2991Q', href: `/episodes/${w.episode.id}/census` }),
      ]) as unknown,
    });
    const bad = await app.inject({ url: '/api/v1/returns/cin/problems?year=twenty', headers });
    expect(bad.statusCode).toBe(422);

    await t.db().query("UPDATE person SET ethnicity = 'WBRI' WHERE id = $1", [w.ava.id]);
    const fixed = await app.inject({ url: '/api/v1/returns/cin/census.xml?year=2027', headers });
    expect(fixed.statusCode).toBe(200);
    expect(fixed.body).toContain('<Ethnicity>WBRI</Ethnicity>');
    const csv = await app.inject({ url: '/api/v1/returns/cin/report.csv?year=2027', headers });
    expect(csv.body.split('\n')[0]).toBe(',ERROR_ID,LAchildID,rule_code,tables_affected,columns_affected,ROW_ID,value_flagged,rule_description');

    // A social worker has no census page, and the API refuses them.
    const rachel = await browser(w.worker);
    expect(text(await rachel('/returns/cin', 404))).toContain('Page not found');
    expect((await app.inject({ url: '/api/v1/returns/cin/problems?year=2027', headers: await bearer(w.worker) })).statusCode).toBe(403);
    const audited = (await t.db().query<{ action: string }>("SELECT action FROM audit_event WHERE action LIKE 'returns.cin.%' ORDER BY seq")).rows.map((r) => r.action);
    expect(audited).toEqual(expect.arrayContaining(['returns.cin.problems', 'returns.cin.xml', 'returns.cin.csv']));
  }, 60_000);
});
