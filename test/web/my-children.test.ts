import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { AUTH_SETTINGS } from '../api/helpers.ts';
import { caseloadWorld, PASSWORD } from '../caseload-world.ts';
import { useTestDb } from '../db.ts';

/** Issue 17, item 2: the "My children" page, read as the practitioner's browser gets it. */
describe('the My children page', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function page(who: { email: string }, url: string): Promise<{ status: number; body: string }> {
    const signedIn = await app!.inject({ method: 'POST', url: '/api/v1/session', payload: { email: who.email, password: PASSWORD } });
    expect(signedIn.statusCode, signedIn.body).toBeLessThan(300);
    const res = await app!.inject({ url, headers: { accept: 'text/html' }, cookies: { jigsaw_session: signedIn.cookies.find((c) => c.name === 'jigsaw_session')!.value } });
    return { status: res.statusCode, body: res.body };
  }

  const rows = (html: string): string[] => [...html.slice(html.indexOf('<tbody')).matchAll(/<tr[\s>][\s\S]*?<\/tr>/g)].map((m) => m[0]);

  it('names each child with their date of birth (or the unborn baby’s mother and due date), links to them, says why and what is due in plain English, what needs attention first', async () => {
    const w = await caseloadWorld(t.db());
    app = await buildApp({ services: w.s, auth: AUTH_SETTINGS, logLevel: 'silent' });
    const { status, body } = await page(w.worker, '/my-children');
    expect(status).toBe(200);
    // Linked from the header, next to My tasks.
    const nav = [...body.matchAll(/class="govuk-service-navigation__link" href="([^"]+)"/g)].map((m) => m[1]);
    expect(nav.slice(0, 2)).toEqual(['/tasks', '/my-children']);
    expect(body).toMatch(/href="\/my-children" aria-current="true">\s*<strong[^>]*>My children<\/strong>/);
    const r = rows(body);
    expect(r).toHaveLength(5);
    expect(r[0]).toContain(`<a class="govuk-link" href="/people/${w.ava.id}">Ava O&#39;Neill, born 4 April 2022</a>`);
    expect(r[0]).toContain('Allocated to you');
    expect(r[0]).toMatch(/Overdue[\s\S]*href="\/episodes\/[0-9a-f-]+"[^>]*>[^<]+<\/a> was due 2 December 2026/);
    expect(r[1]).toContain(`<a class="govuk-link" href="/people/${w.baby.id}">Unborn baby of Natasha Reed, due 20 February 2027</a>`);
    expect(r[1]).toMatch(/Due today[\s\S]*due 9 December 2026/);
    expect(r[2]).toContain('Ben Carter, born 15 July 2019');
    expect(r[2]).toContain('You are the lead worker');
    expect(r[2]).toMatch(/New[\s\S]*href="\/shared-with-me"[^>]*>New information shared with you<\/a> on 8 December 2026/);
    expect(r[3]).toContain('Adam Zane, born 2 November 2018');
    expect(r[3]).toContain('Nothing due');
    expect(r[4]).toContain('Cara Jones, born 30 January 2020');
    // No ISO dates anywhere, and no adult on a list of children.
    expect(body).not.toMatch(/\b20\d\d-\d\d-\d\d\b/);
    expect(body).not.toContain('Natasha Reed, born');

    // The health visitor's own list: the child she monitors and the missed check.
    const hv = await page(w.healthVisitor, '/my-children');
    expect(rows(hv.body)).toHaveLength(1);
    expect(rows(hv.body)[0]).toMatch(/Lily Fletcher, born 20 June 2026[\s\S]*You are monitoring[\s\S]*Monitoring check: See Lily at home and weigh her<\/a> was due 4 December 2026/);

    // Another agency's officer has nobody on hers; an administrator is neither offered the page nor shown it.
    expect((await page(w.officer, '/my-children')).body).toContain('No children are on your list yet.');
    const admin = await page(w.admin, '/tasks');
    expect(admin.body).not.toContain('href="/my-children"');
    expect((await page(w.admin, '/my-children')).status).toBe(403);
  });
});
