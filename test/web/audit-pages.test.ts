import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadActor, signIn } from '../../src/auth/auth.ts';
import { AUTH_SETTINGS } from '../api/helpers.ts';
import { addRecord, getRecord } from '../../src/records/records.ts';
import { makeDecision } from '../../src/sharing/sharing.ts';
import { NewShareDecision } from '../../src/sharing/schemas.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { Database } from '../../src/db/database.ts';
import { useTestDb } from '../db.ts';
import { agency, concern, partnershipWith, person, services } from '../fixtures.ts';
import { useWebApp } from './no-js-browser.ts';

/** Issue 19, item 5: the auditors' pages, as a browser without JavaScript meets them. */

const PASSWORD = 'copper kettle harbour 2291';

/** The rows of the trail's table: entry number, then the cells' text. */
function rows(html: string): string[][] {
  const table = /<table class="govuk-table govuk-body-s jigsaw-audit-entries">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  const body = /<tbody[^>]*>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? '';
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').replace(/&#39;/g, "'").trim()));
}

async function behindTheApplicationsBack(db: Database, sql: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    await tx.query(sql);
  });
}

describe('The auditor’s pages', () => {
  const t = useTestDb();
  const web = useWebApp(PASSWORD);

  async function world() {
    const s = services(t.db(), fixedClock('2026-12-04T14:05:00Z'));
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', "St Mary's Primary School");
    const other = await agency(s, p, 'school', 'Hillside Academy');
    const teacher = await web.signedUp(s, school, ['practitioner'], 'Amira Shah');
    const head = await web.signedUp(s, school, ['practitioner'], 'Dev Patel');
    const auditor = await web.signedUp(s, school, ['auditor'], 'Grace Okafor');
    const otherAuditor = await web.signedUp(s, other, ['auditor'], 'Sam Ward');
    const otherTeacher = await web.signedUp(s, other, ['practitioner'], 'Lee Chan');
    const ava = await person(teacher, { names: [{ givenNames: 'Ava', familyName: "O'Neill" }], dateOfBirth: '2019-04-04', nhsNumber: '9434765919' });
    const rec = await addRecord(teacher, ava.id, concern({ summary: 'Ava says she is scared to go home' }));
    await getRecord(teacher, rec.id);
    await getRecord(head, rec.id);
    const zed = await person(otherTeacher, { names: [{ givenNames: 'Zed', familyName: 'Quill' }], dateOfBirth: '2018-01-01' });
    await web.open(s);
    return { s, school, teacher, head, auditor, otherAuditor, otherTeacher, ava, rec, zed };
  }

  it('shows a practitioner’s read of a child in the trail and in who looked; filters by practitioner, action and dates', async () => {
    const w = await world();
    const b = await web.browser(w.auditor);
    const tasks = await b.get('/tasks');
    expect(tasks).toContain('href="/audit"');
    expect(tasks).toContain('href="/reports/sharing"');

    const all = await b.get('/audit');
    expect(all).toContain('The audit trail has not been checked yet.');
    const reads = rows(all).filter((r) => r[3] === 'Viewed a record');
    expect(reads.map((r) => r[2])).toEqual([expect.stringContaining('Dev Patel'), expect.stringContaining('Amira Shah')]);
    expect(reads[0]![4]).toBe("Ava O'Neill");
    expect(reads[0]![1]).toBe('4 December 2026 at 2:05pm');
    expect(all).toContain(`href="/audit/people/${w.ava.id}"`);
    // Another agency's child appears in none of it.
    expect(all).not.toContain('Zed');

    const byAmira = rows(await b.get(`/audit?practitionerId=${w.teacher.actor.practitionerId.toUpperCase()}`));
    expect(byAmira.length).toBeGreaterThan(0);
    expect(byAmira.every((r) => r[2]!.includes('Amira Shah'))).toBe(true);

    const onlyReads = rows(await b.get('/audit?action=record.read'));
    expect(onlyReads.map((r) => r[3])).toEqual(['Viewed a record', 'Viewed a record']);
    const inPeriod = rows(await b.get('/audit?action=record.read&from-day=4&from-month=12&from-year=2026&to-day=4&to-month=12&to-year=2026'));
    expect(inPeriod).toHaveLength(2);
    const after = await b.get('/audit?action=record.read&from-day=5&from-month=12&from-year=2026');
    expect(after).toContain('No entries match this search.');

    const looked = await b.get(`/audit/people/${w.ava.id}`);
    expect(looked).toContain('Who looked at this child');
    expect(looked).toContain("Ava O&#39;Neill, born 4 April 2019");
    expect(looked).toContain('Dev Patel');
    expect(looked).toContain('Amira Shah');
    expect(looked).toContain("St Mary&#39;s Primary School");
  });

  it('shows another agency’s practitioner reading a record the school shared: named for the school, not the child for theirs', async () => {
    const w = await world();
    await makeDecision(w.teacher, NewShareDecision.parse({
      personId: w.ava.id, outcome: 'share', reasons: 'Hillside teaches her brother',
      answers: { purposeCode: 'welfare_monitoring', purpose: 'A statutory duty', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 2004 s11' },
      share: { recipients: [{ agencyId: w.otherTeacher.actor.agencyId }], items: [{ recordId: w.rec.id }], onwardSharing: 'not_permitted' },
      subjectInformed: { informed: false, reason: 'Would place her at risk' },
    }));
    const reader = { ...w.otherTeacher, actor: (await loadActor(w.s.db, w.otherTeacher.actor.practitionerId))! };
    await getRecord(reader, w.rec.id);

    const ours = await web.browser(w.auditor);
    const looked = await ours.get(`/audit/people/${w.ava.id}`);
    expect(looked).toContain('Lee Chan');
    expect(looked).toContain('Hillside Academy');
    const read = rows(await ours.get('/audit?action=record.read')).find((r) => r[2]!.includes('Lee Chan'));
    expect(read?.[4]).toBe("Ava O'Neill");

    // Their auditor sees their teacher's read, but the child is the school's, so not named.
    const theirs = rows(await (await web.browser(w.otherAuditor)).get('/audit?action=record.read'));
    expect(theirs).toHaveLength(1);
    expect(theirs[0]![2]).toContain('Lee Chan');
    expect(theirs[0]![4]).toBe('A record another agency holds');
  });

  it('shows what no practitioner of the agency did to its staff’s accounts: a failed sign-in to one of them', async () => {
    const w = await world();
    await expect(signIn(w.s, AUTH_SETTINGS, 'amira.shah@example.org', 'not her password', '203.0.113.9')).rejects.toMatchObject({ status: 401 });
    const email = (await t.db().query<{ email: string }>('SELECT email FROM practitioner WHERE id = $1', [w.teacher.actor.practitionerId])).rows[0]!.email;
    await expect(signIn(w.s, AUTH_SETTINGS, email, 'not her password', '203.0.113.9')).rejects.toMatchObject({ status: 401 });
    const mine = rows(await (await web.browser(w.auditor)).get('/audit?action=auth.sign-in&outcome=failure'));
    expect(mine).toHaveLength(1);
    expect(mine[0]![2]).not.toContain('Amira');
    expect(mine[0]![4]).toContain(w.teacher.actor.practitionerId);
    // Not in another agency's trail.
    expect(rows(await (await web.browser(w.otherAuditor)).get('/audit?action=auth.sign-in&outcome=failure'))).toHaveLength(0);
  });

  it('pages through the trail 50 entries at a time, newest first, by entry number', async () => {
    const w = await world();
    for (let i = 0; i < 55; i++) await getRecord(w.teacher, w.rec.id);
    const b = await web.browser(w.auditor);
    const first = await b.get('/audit?action=record.read');
    const one = rows(first);
    expect(one).toHaveLength(50);
    const numbers = one.map((r) => Number(r[0]));
    expect(numbers).toEqual([...numbers].sort((a, b2) => b2 - a));
    const next = /href="([^"]+)" rel="next"/.exec(first)![1]!.replace(/&amp;/g, '&');
    expect(next).toBe(`/audit?action=record.read&before=${numbers[49]}`);
    const two = rows(await b.get(next));
    expect(two).toHaveLength(7);
    expect(Number(two[0]![0])).toBeLessThan(numbers[49]!);
    const api = await web.app.inject({ url: `/api/v1/audit/events?action=record.read&before=${numbers[49]}`, cookies: { jigsaw_session: await sessionOf(w.auditor) } });
    expect(api.json<{ items: { seq: number }[]; nextBefore: number | null }>()).toMatchObject({ nextBefore: null, items: two.map((r) => ({ seq: Number(r[0]) })) });
  });

  it('downloads exactly the rows the page shows, as CSV safe from formulas', async () => {
    const w = await world();
    const b = await web.browser(w.auditor);
    const page = rows(await b.get('/audit?action=record.read'));
    const res = await web.app.inject({ url: '/audit.csv?action=record.read', headers: { accept: 'text/html' }, cookies: { jigsaw_session: await sessionOf(w.auditor) } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const lines = res.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('Entry,When,Who,Agency,What,About,Outcome,Purpose');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(page.map((r) => r[0]));
    expect(lines[1]).toContain("Ava O'Neill");

    const who = await web.app.inject({ url: `/audit/people/${w.ava.id}/access.csv`, cookies: { jigsaw_session: await sessionOf(w.auditor) } });
    expect(who.statusCode).toBe(200);
    expect(who.body).toContain('Dev Patel');
  });

  it('another agency’s auditor sees none of it, and a practitioner is refused', async () => {
    const w = await world();
    const theirs = await web.browser(w.otherAuditor);
    await theirs.get(`/audit/people/${w.ava.id}`, 404);
    const trail = await theirs.get('/audit');
    expect(trail).not.toContain('Ava');
    expect(trail).not.toContain('Amira Shah');
    await theirs.get(`/audit?personId=${w.ava.id}`, 422);

    const teacher = await web.browser(w.teacher);
    await teacher.get('/audit', 404);
    await teacher.get(`/audit/people/${w.ava.id}`, 404);
    await teacher.get('/audit/chain', 404);
    expect(await teacher.get('/tasks')).not.toContain('href="/audit"');
    const api = await web.app.inject({ url: '/api/v1/audit/events', cookies: { jigsaw_session: await sessionOf(w.teacher) } });
    expect(api.statusCode).toBe(404);
  });

  it('answers hostile searches with field errors, never a server error', async () => {
    const w = await world();
    const b = await web.browser(w.auditor);
    expect(await b.get('/audit?from-day=31&from-month=2&from-year=2026', 422)).toContain('The first day must be a real date');
    expect(await b.get('/audit?to-day=1&to-month=1&to-year=2026&from-day=2&from-month=1&from-year=2026', 422)).toContain('The last day must be the same as or after the first day');
    expect(await b.get('/audit?action=record%00read', 422)).toContain('There is a problem');
    expect(await b.get('/audit?personId=not-an-id', 422)).toContain('Not a valid identifier');
    expect(await b.get('/audit?before=abc', 422)).toContain('Give an entry number');
    await b.get('/audit?outcome=%EF%BF%BE%ED', 422);
    await b.get(`/audit?personId=${w.zed.id}`, 422);
    await b.get(`/audit?personId=${w.ava.id.toUpperCase()}`, 200);
    await b.get(`/audit/people/${w.ava.id.toUpperCase()}`, 200);
    await b.get('/audit/people/not-an-id', 404);
    await b.get('/audit.csv?from-day=99', 422);

    const cookie = { jigsaw_session: await sessionOf(w.auditor) };
    for (const url of ['/api/v1/audit/events?from=2026-02-31', '/api/v1/audit/events?action=%00', '/api/v1/audit/events?limit=0', '/api/v1/audit/events?before=-1', '/api/v1/audit/events?unknown=1', `/api/v1/audit/events?personId=${w.zed.id}`]) {
      const res = await web.app.inject({ url, cookies: cookie });
      expect(res.statusCode, url).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    const upper = await web.app.inject({ url: `/api/v1/audit/events?personId=${w.ava.id.toUpperCase()}`, cookies: cookie });
    expect(upper.statusCode).toBe(200);
    expect(upper.json<{ items: unknown[] }>().items.length).toBeGreaterThan(0);
    expect((await web.app.inject({ url: `/api/v1/audit/people/${w.zed.id}/access`, cookies: cookie })).statusCode).toBe(404);
  });

  it('any query string at all gets a page or field errors, never a server error, on the pages and the API', async () => {
    const w = await world();
    const cookie = { jigsaw_session: await sessionOf(w.auditor) };
    const keys = ['practitionerId', 'personId', 'action', 'outcome', 'from', 'to', 'before', 'limit', 'from-day', 'from-month', 'from-year', 'to-day'];
    const value = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.uuid().map((u) => u.toUpperCase()), fc.integer().map(String), fc.constantFrom('2026-02-31', '0000-01-01', '\u0000', 'record.read', w.ava.id, w.zed.id));
    await fc.assert(fc.asyncProperty(fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 4 }), async (q) => {
      const search = new URLSearchParams(q).toString();
      for (const url of [`/audit?${search}`, `/audit.csv?${search}`, `/api/v1/audit/events?${search}`]) {
        const res = await web.app.inject({ url, headers: { accept: 'text/html' }, cookies: cookie });
        expect([200, 422], `${url}: ${res.statusCode}`).toContain(res.statusCode);
      }
    }), { numRuns: 25 });
  });

  it('refuses to check inline a trail longer than JIGSAW_AUDIT_CHECK_MAX_ENTRIES, saying how else to', async () => {
    const w = await world();
    const b = await web.browser(w.auditor);
    await b.get('/audit/chain');
    const before = process.env.JIGSAW_AUDIT_CHECK_MAX_ENTRIES;
    process.env.JIGSAW_AUDIT_CHECK_MAX_ENTRIES = '3';
    try {
      const refused = await b.post('/audit/chain/check', {});
      expect(refused.status).toBe(409);
      expect(refused.body).toContain('The chain was not checked');
      expect(refused.body).toContain('jigsaw audit verify');
    } finally {
      if (before === undefined) delete process.env.JIGSAW_AUDIT_CHECK_MAX_ENTRIES;
      else process.env.JIGSAW_AUDIT_CHECK_MAX_ENTRIES = before;
    }
  });

  it('says the chain is intact up to entry N after a check, and broken at entry N after tampering', async () => {
    const w = await world();
    const b = await web.browser(w.auditor);
    await b.get('/audit/chain');
    const checked = await b.post('/audit/chain/check', {});
    expect(checked.status).toBe(303);
    const head = Number((await t.db().query<{ seq: string }>("SELECT max(seq) AS seq FROM audit_event WHERE action <> 'audit.verify'")).rows[0]!.seq);
    const page = await b.get('/audit/chain');
    expect(page).toContain(`The audit trail is intact up to entry ${head}, checked 4 December 2026 at 2:05pm`);
    expect(page).toContain('The check covers the whole service’s trail');
    expect(await b.get('/audit')).toContain(`The audit trail is intact up to entry ${head}`);

    await behindTheApplicationsBack(t.db(), "UPDATE audit_event SET action = 'record.list' WHERE seq = 5");
    expect((await b.post('/audit/chain/check', {})).status).toBe(303);
    const broken = await b.get('/audit/chain');
    expect(broken).toContain('The audit trail is broken at entry 5');
    expect(broken).toContain('Entry 5: entry 5 has been altered');

    const api = await web.app.inject({ url: '/api/v1/audit/verification', cookies: { jigsaw_session: await sessionOf(w.auditor) } });
    expect(api.json()).toMatchObject({ latest: { intact: false, firstBrokenSeq: 5, source: 'page' } });
  });

  it('finds a child by name or NHS number without the name in any address, and opens the sharing report', async () => {
    const w = await world();
    const b = await web.browser(w.auditor);
    await b.get('/audit');
    const found = await b.post('/audit/find-person', { person: 'ava o' });
    expect(found.status).toBe(200);
    expect(found.body).toContain(`href="/audit/people/${w.ava.id}"`);
    const byNhs = await b.post('/audit/find-person', { person: '943 476 5919' });
    expect(byNhs.body).toContain(`href="/audit/people/${w.ava.id}"`);
    expect((await b.post('/audit/find-person', { person: 'Zed' })).body).toContain('No one in your agency’s index matches.');
    const { rows: kept } = await t.db().query<{ detail: unknown }>("SELECT detail FROM audit_event WHERE action = 'audit.person-search'");
    expect(kept).toHaveLength(3);
    // The request's random ID may hold "943" by chance: what was searched for is what must be absent.
    expect(JSON.stringify(kept.map((k) => ({ ...(k.detail as object), requestId: undefined })))).not.toMatch(/ava|943/i);

    const report = await b.get('/reports/sharing?from-day=1&from-month=12&from-year=2026&to-day=4&to-month=12&to-year=2026');
    expect(report).toContain('Decisions about sharing');
    expect(report).toContain('href="/api/v1/reports/sharing.csv?');
    expect(await b.get('/reports/sharing?from-day=1&from-month=13&from-year=2026&to-day=4&to-month=12&to-year=2026', 422)).toContain('The first day must be a real date');
  });

  async function sessionOf(who: { email: string }): Promise<string> {
    const res = await web.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: who.email, password: PASSWORD } });
    return res.cookies.find((c) => c.name === 'jigsaw_session')!.value;
  }
});
