import { describe, expect, it } from 'vitest';
import { addRecord } from '../../src/records/records.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { useTestDb } from '../db.ts';
import { useWebApp } from './no-js-browser.ts';
import { agency, concern, partnershipWith, person, services } from '../fixtures.ts';

/** Issue 17, item 7, as the pages render it: the lead's tasks name the child, the concern and its author; nobody else's do. */

const PASSWORD = 'quartz lantern meadow 4417';
const HTML = { accept: 'text/html' };

describe('My tasks for the designated safeguarding lead', () => {
  const t = useTestDb();
  const web = useWebApp(PASSWORD);

  const signedUp = web.signedUp;

  async function session(who: { email: string }): Promise<string> {
    const signedIn = await web.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: who.email, password: PASSWORD } });
    expect(signedIn.statusCode, signedIn.body).toBeLessThan(300);
    return signedIn.cookies.find((c) => c.name === 'jigsaw_session')!.value;
  }

  async function page(who: { email: string }, url: string): Promise<string> {
    const res = await web.app.inject({ url, headers: HTML, cookies: { jigsaw_session: await session(who) } });
    expect(res.statusCode, res.body).toBe(200);
    return res.body;
  }

  async function world() {
    const s = services(t.db(), fixedClock('2026-12-04T14:05:00Z'));
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', "St Mary's Primary School");
    const other = await agency(s, p, 'school', 'Hillside Academy');
    const teacher = await signedUp(s, school, ['practitioner'], 'Amira Shah');
    const lead = await signedUp(s, school, ['safeguarding_lead'], 'Karen Doyle');
    const otherLead = await signedUp(s, other, ['safeguarding_lead'], 'Sam Ward');
    const admin = await signedUp(s, school, ['administrator'], 'Olu Adebayo');
    const ava = await person(teacher, { names: [{ givenNames: 'Ava', familyName: "O'Neill" }], dateOfBirth: '2019-04-04' });
    const rec = await addRecord(teacher, ava.id, concern({ occurredAt: '2026-12-04T11:00:00Z', summary: 'Ava says she is scared to go home', tellLead: true }));
    await web.open(s);
    return { s, teacher, lead, otherLead, admin, ava, rec };
  }

  const section = (html: string): string => {
    const start = html.indexOf('id="lead-alerts"');
    expect(start, 'no section of concerns brought to the lead').toBeGreaterThan(-1);
    const end = html.indexOf('<h2', start + 1);
    return html.slice(start, end === -1 ? undefined : end);
  };

  it('names the child with her date of birth, the concern, who recorded it and when, with share, refer and dealt-with one click away', async () => {
    const w = await world();
    const html = section(await page(w.lead, '/tasks'));
    expect(html).toContain('Ava O&#39;Neill, born 4 April 2019');
    expect(html).not.toContain('&amp;#39;');
    expect(html).toContain('Ava says she is scared to go home');
    expect(html).toMatch(/Amira Shah, 4 December 2026 at 2:05\s?pm/);
    expect(html).toContain(`href="/people/${w.ava.id}/share?record=${w.rec.id}"`);
    expect(html).toContain(`href="/people/${w.ava.id}/referrals/new?from=${w.rec.id}"`);
    expect(html).toMatch(/href="\/lead-alerts\/[0-9a-f-]{36}">Mark as dealt with/);
  });

  it('the teacher and another school’s lead see no such section; the referral form starts from the concern; marking it dealt with needs a note', async () => {
    const w = await world();
    expect(await page(w.teacher, '/tasks')).not.toContain('id="lead-alerts"');
    expect(await page(w.otherLead, '/tasks')).not.toContain('Ava says she is scared to go home');

    const form = await page(w.lead, `/people/${w.ava.id}/referrals/new?from=${w.rec.id}`);
    // No decision to share with children's social care yet: the form says so, and starts that decision from the same concern.
    expect(form).toContain('This referral starts from this record');
    expect(form).toContain('Ava says she is scared to go home');
    expect(form).toContain(`href="/people/${w.ava.id}/share?record=${w.rec.id}"`);

    const alertId = /href="\/lead-alerts\/([0-9a-f-]{36})"/.exec(await page(w.lead, '/tasks'))![1]!;
    const sessionCookie = await session(w.lead);
    const alertPage = await web.app.inject({ url: `/lead-alerts/${alertId}`, headers: HTML, cookies: { jigsaw_session: sessionCookie } });
    expect(alertPage.body).toContain('Ava O&#39;Neill, born 4 April 2019');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(alertPage.body)![1]!;
    const cookie = [`jigsaw_session=${sessionCookie}`, ...alertPage.cookies.map((c) => `${c.name}=${c.value}`)].join('; ');
    const post = (note: string) => web.app.inject({
      method: 'POST', url: `/lead-alerts/${alertId}/dealt-with`, headers: { ...HTML, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(csrf)}&note=${encodeURIComponent(note)}`,
    });
    const empty = await post('');
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('Say what you did about it, or why nothing more is needed');
    const done = await post('Spoke to Ava and her mother');
    expect(done.statusCode).toBe(303);
    expect(section(await page(w.lead, '/tasks'))).toContain('No colleague has brought a concern to you.');
    const other = await web.app.inject({ url: `/lead-alerts/${alertId}`, headers: HTML, cookies: { jigsaw_session: await session(w.otherLead) } });
    expect(other.statusCode).toBe(404);
  });

  it('the administrator chooses on the agencies page what always goes to the lead, and the record form says so', async () => {
    const w = await world();
    const sessionCookie = await session(w.admin);
    const agencies = await web.app.inject({ url: '/admin/agencies', headers: HTML, cookies: { jigsaw_session: sessionCookie } });
    expect(agencies.body).toContain('Records that always go to your safeguarding lead');
    const action = /action="(\/admin\/agencies\/[0-9a-f-]{36}\/lead-alerts)"/.exec(agencies.body)![1]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(agencies.body)![1]!;
    const cookie = [`jigsaw_session=${sessionCookie}`, ...agencies.cookies.map((c) => `${c.name}=${c.value}`)].join('; ');
    const saved = await web.app.inject({
      method: 'POST', url: action, headers: { ...HTML, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(csrf)}&kinds=concern&categories=sexual_abuse`,
    });
    expect(saved.statusCode).toBe(303);
    expect(await page(w.teacher, `/people/${w.ava.id}/records/new`)).toContain('Your agency always tells the lead of a concern, anything about sexual abuse.');
    // The teacher sees no such form on the agencies page.
    expect(await page(w.teacher, '/admin/agencies').catch(() => '')).not.toContain('Records that always go to your safeguarding lead');
  });
});
