import { describe, expect, it, onTestFinished } from 'vitest';
import { createAgency, addPractitionerAsSystem } from '../../src/partnership/partnership.ts';
import { buildApp } from '../../src/http/app.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { newId } from '../../src/shared/ids.ts';
import { AUTH_SETTINGS, bearer } from '../api/helpers.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, person, practitioner } from '../fixtures.ts';

/**
 * Issue 19, movers and leavers: an administrator changes roles and job title with a reason; only a
 * partnership administrator moves someone to another agency; an agency cannot lose its last
 * administrator; a deactivated practitioner's open session and tokens stop at their next request.
 */

const PASSWORD = 'correct horse battery staple';

describe('movers and leavers', () => {
  const t = useTestDb();

  async function setUp() {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = { db: t.db(), clock };
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const school = await agency(s, p, 'school', 'Riverside Primary School');
    const elsewhere = (await createAgency(s, { name: 'Southshire Police', type: 'police', partnershipIds: [await partnershipWith(s, 'Southshire Partnership')] })).id;
    const admin = await practitioner(s, csc, ['administrator'], 'Olu Adebayo');
    const schoolAdmin = await practitioner(s, school, ['administrator'], 'Sam Office');
    const partnershipAdmin = await practitioner(s, csc, ['partnership_administrator'], 'Pat Board');
    const worker = await addPractitionerAsSystem(s, { agencyId: csc, name: 'Rachel Dunn', email: 'rachel@csc.example', roles: ['social_worker'], password: PASSWORD });
    const app = await buildApp({ services: s, auth: AUTH_SETTINGS });
    onTestFinished(() => app.close());
    const json = async (ctx: Parameters<typeof bearer>[0]) => ({ ...(await bearer(ctx)), 'content-type': 'application/json' });
    const as = { admin: await json(admin), schoolAdmin: await json(schoolAdmin), partnershipAdmin: await json(partnershipAdmin) };
    return { s, clock, app, csc, school, elsewhere, admin, worker, as };
  }

  it('a mover: roles and job title change with a reason, which is kept but never put in the audit trail', async () => {
    const w = await setUp();
    const url = `/api/v1/practitioners/${w.worker.id}`;
    const noReason = await w.app.inject({ method: 'PATCH', url, headers: w.as.admin, payload: { roles: ['manager'] } });
    expect(noReason.statusCode).toBe(422);
    expect(noReason.json().errors).toEqual([expect.objectContaining({ pointer: '/reason' })]);
    const blank = await w.app.inject({ method: 'PATCH', url, headers: w.as.admin, payload: { roles: ['manager'], reason: '   ' } });
    expect(blank.json().errors).toEqual([{ pointer: '/reason', detail: 'Say why' }]);

    const res = await w.app.inject({ method: 'PATCH', url, headers: w.as.admin, payload: { roles: ['manager', 'social_worker'], jobTitle: 'Team manager', reason: 'Promoted to team manager on 1 March' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ roles: ['manager', 'social_worker'], jobTitle: 'Team manager', changes: [{ kind: 'details', fields: ['roles', 'jobTitle'], reason: 'Promoted to team manager on 1 March', changedByName: 'Olu Adebayo' }] });
    const audited = await w.s.db.query<{ detail: Record<string, unknown>; row: string }>("SELECT detail, a::text AS row FROM audit_event a WHERE action = 'practitioner.change'");
    expect(audited.rows[0]!.detail).toMatchObject({ fields: 'roles,jobTitle', changeId: res.json().changes[0].id });
    expect(audited.rows[0]!.row).not.toContain('Promoted');

    const read = await w.app.inject({ url, headers: w.as.admin });
    expect(read.json()).toMatchObject({ name: 'Rachel Dunn', agencyName: "Northshire Children's Social Care", active: true, hasPassword: true, lastSignInAt: null, invitation: { state: 'none' } });
  });

  it("another agency's practitioner is answered as one that does not exist (404), for reading, changing and deactivating alike", async () => {
    const w = await setUp();
    const url = `/api/v1/practitioners/${w.worker.id}`;
    expect((await w.app.inject({ url, headers: w.as.schoolAdmin })).statusCode).toBe(404);
    expect((await w.app.inject({ method: 'PATCH', url, headers: w.as.schoolAdmin, payload: { jobTitle: 'x', reason: 'x' } })).statusCode).toBe(404);
    expect((await w.app.inject({ method: 'POST', url: `${url}/deactivation`, headers: w.as.schoolAdmin, payload: { reason: 'x' } })).statusCode).toBe(404);
    expect((await w.app.inject({ url: `${url}/tokens`, headers: w.as.schoolAdmin })).statusCode).toBe(404);
    const none = await w.app.inject({ url: '/api/v1/practitioners/00000000-0000-4000-8000-000000000000', headers: w.as.admin });
    expect(none.statusCode).toBe(404);
  });

  it('only a partnership administrator moves a practitioner to another agency of the partnership; the move ends their sessions and tokens', async () => {
    const w = await setUp();
    const url = `/api/v1/practitioners/${w.worker.id}`;
    const session = await w.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'rachel@csc.example', password: PASSWORD } });
    const cookie = session.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const token = await bearer({ ...w.s, actor: { practitionerId: w.worker.id, agencyId: w.csc, roles: ['social_worker'], grants: [] } });

    const byAdmin = await w.app.inject({ method: 'PATCH', url, headers: w.as.admin, payload: { agencyId: w.school, reason: 'Seconded to the school' } });
    expect(byAdmin.statusCode).toBe(403);
    const outside = await w.app.inject({ method: 'PATCH', url, headers: w.as.partnershipAdmin, payload: { agencyId: w.elsewhere, reason: 'Moved' } });
    expect(outside.statusCode).toBe(422);
    expect(outside.json().errors).toEqual([expect.objectContaining({ pointer: '/agencyId' })]);

    expect((await w.app.inject({ url: '/api/v1/me', headers: token })).statusCode).toBe(200);
    const moved = await w.app.inject({ method: 'PATCH', url, headers: w.as.partnershipAdmin, payload: { agencyId: w.school, reason: 'Seconded to the school' } });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ agencyId: w.school, changes: [{ fields: ['agencyId'] }] });
    expect((await w.app.inject({ url: '/api/v1/me', headers: token })).statusCode).toBe(401);
    expect((await w.app.inject({ url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(401);
    // The new agency's administrator now manages them; the old one no longer sees them.
    expect((await w.app.inject({ url, headers: w.as.schoolAdmin })).statusCode).toBe(200);
    expect((await w.app.inject({ url, headers: w.as.admin })).statusCode).toBe(404);
  });

  it("an agency's last active administrator keeps the role (409): nobody locks the agency out", async () => {
    const w = await setUp();
    const url = `/api/v1/practitioners/${w.admin.actor.practitionerId}`;
    const last = await w.app.inject({ method: 'PATCH', url, headers: w.as.admin, payload: { roles: ['manager'], reason: 'Moving to management' } });
    expect(last.statusCode).toBe(409);
    expect(last.json().detail).toMatch(/last active administrator/);
    const second = await practitioner(w.s, w.csc, ['administrator'], 'Second Admin');
    const ok = await w.app.inject({ method: 'PATCH', url, headers: w.as.admin, payload: { roles: ['manager'], reason: 'Moving to management' } });
    expect(ok.statusCode).toBe(200);
    // Nor can an administrator deactivate themselves (403).
    const secondHeaders = { ...(await bearer(second)), 'content-type': 'application/json' };
    expect((await w.app.inject({ method: 'POST', url: `/api/v1/practitioners/${second.actor.practitionerId}/deactivation`, headers: secondHeaders, payload: { reason: 'x' } })).statusCode).toBe(403);
  });

  it('a leaver: deactivation ends her open session and tokens at once — the next page is the sign-in page, the next API request 401', async () => {
    const w = await setUp();
    const session = await w.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'rachel@csc.example', password: PASSWORD } });
    const cookie = session.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const token = await bearer({ ...w.s, actor: { practitionerId: w.worker.id, agencyId: w.csc, roles: ['social_worker'], grants: [] } });
    expect((await w.app.inject({ url: '/tasks', headers: { cookie, accept: 'text/html' } })).statusCode).toBe(200);
    expect((await w.app.inject({ url: '/api/v1/me', headers: token })).statusCode).toBe(200);

    const url = `/api/v1/practitioners/${w.worker.id}/deactivation`;
    expect((await w.app.inject({ method: 'POST', url, headers: w.as.admin, payload: {} })).statusCode).toBe(422);
    const res = await w.app.inject({ method: 'POST', url, headers: w.as.admin, payload: { reason: 'Left the agency on 28 February' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ sessionsEnded: 1, tokensRevoked: 1 });

    const page = await w.app.inject({ url: '/tasks', headers: { cookie, accept: 'text/html' } });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/sign-in');
    expect((await w.app.inject({ url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(401);
    expect((await w.app.inject({ url: '/api/v1/me', headers: token })).statusCode).toBe(401);
    expect((await w.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'rachel@csc.example', password: PASSWORD } })).statusCode).toBe(401);
    expect((await w.app.inject({ method: 'POST', url, headers: w.as.admin, payload: { reason: 'again' } })).statusCode).toBe(409);

    // An administrator cannot deactivate herself.
    expect((await w.app.inject({ method: 'POST', url: `/api/v1/practitioners/${w.admin.actor.practitionerId}/deactivation`, headers: w.as.admin, payload: { reason: 'Leaving' } })).statusCode).toBe(403);
  });

  it('the confirmation page says what the leaver still holds; reactivation works only through a new invitation', async () => {
    const w = await setUp();
    const worker = { ...w.s, actor: { practitionerId: w.worker.id, agencyId: w.csc, roles: ['social_worker' as const], grants: [] } };
    const child = await person(worker);
    await w.s.db.query('INSERT INTO lead_worker (id, person_id, practitioner_id, valid_from, created_at) VALUES ($1,$2,$3,$4,$5)', [newId(), child.id, w.worker.id, '2026-01-01', '2026-01-01T09:00:00Z']);
    const adminEmail = 'ade@csc.example';
    await addPractitionerAsSystem(w.s, { agencyId: w.csc, name: 'Ade Admin', email: adminEmail, roles: ['administrator'], password: PASSWORD });
    const signedIn = await w.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: adminEmail, password: PASSWORD } });
    const cookie = signedIn.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const confirm = await w.app.inject({ url: `/admin/practitioners/${w.worker.id}/deactivate`, headers: { cookie, accept: 'text/html' } });
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Deactivate Rachel Dunn');
    expect(confirm.body).toContain('lead worker for 1 child');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(confirm.body)![1]!;
    const post = (path: string, form: Record<string, string>) => w.app.inject({
      method: 'POST', url: path, headers: { cookie: [cookie, ...confirm.cookies.map((c) => `${c.name}=${c.value}`)].join('; '), accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
    });
    const missing = await post(`/admin/practitioners/${w.worker.id}/deactivate`, { reason: '' });
    expect(missing.statusCode).toBe(422);
    expect(missing.body).toContain('Say why');
    const done = await post(`/admin/practitioners/${w.worker.id}/deactivate`, { reason: 'Left the agency' });
    expect(done.statusCode).toBe(303);
    const after = await w.app.inject({ url: done.headers.location as string, headers: { cookie, accept: 'text/html' } });
    expect(after.body).toContain('The account has been deactivated');
    expect(after.body).toContain('Deactivated');
    expect(after.body).toContain('Left the agency');

    expect(after.body).toContain('Reactivate and send an invitation');
    const noReason = await post(`/admin/practitioners/${w.worker.id}/reactivate`, { reactivationReason: '' });
    expect(noReason.statusCode).toBe(422);
    expect(noReason.body).toContain('Say why');
    const re = await w.app.inject({ method: 'POST', url: `/api/v1/practitioners/${w.worker.id}/reactivation`, headers: w.as.admin, payload: { reason: 'Came back from secondment' } });
    expect(re.statusCode).toBe(200);
    const link = re.json<{ setPasswordLink: { url: string } }>().setPasswordLink.url;
    // The old password no longer works: only the invitation's link opens the account again.
    expect((await w.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'rachel@csc.example', password: PASSWORD } })).statusCode).toBe(401);
    const linkPage = await w.app.inject({ url: new URL(link).pathname, headers: { accept: 'text/html' } });
    expect(linkPage.statusCode).toBe(200);
    const detail = await w.app.inject({ url: `/api/v1/practitioners/${w.worker.id}`, headers: w.as.admin });
    expect(detail.json()).toMatchObject({ active: true, hasPassword: false, invitation: { state: 'pending' }, changes: [{ kind: 'reactivation' }, { kind: 'deactivation' }] });
  });
  it('on the pages: the practitioners list links to each practitioner; roles change with a reason (422 without one); others see "Page not found"', async () => {
    const w = await setUp();
    const adminEmail = 'ade@csc.example';
    await addPractitionerAsSystem(w.s, { agencyId: w.csc, name: 'Ade Admin', email: adminEmail, roles: ['administrator'], password: PASSWORD });
    const signedIn = await w.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: adminEmail, password: PASSWORD } });
    let cookie = signedIn.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const list = await w.app.inject({ url: '/admin/practitioners', headers: { cookie, accept: 'text/html' } });
    expect(list.body).toContain(`href="/admin/practitioners/${w.worker.id}">Rachel Dunn</a>`);
    const page = await w.app.inject({ url: `/admin/practitioners/${w.worker.id}`, headers: { cookie, accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`href="/admin/practitioners/${w.worker.id}/two-factor"`);
    cookie = [cookie, ...page.cookies.map((c) => `${c.name}=${c.value}`)].join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const post = (form: [string, string][]) => w.app.inject({
      method: 'POST', url: `/admin/practitioners/${w.worker.id}`, headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams([['_csrf', csrf], ...form]).toString(),
    });
    const missing = await post([['roles', 'social_worker'], ['roles', 'manager'], ['jobTitle', ''], ['reason', '']]);
    expect(missing.statusCode).toBe(422);
    expect(missing.body).toContain('Say why');
    // What was typed is kept.
    expect(missing.body).toMatch(/value="manager" checked/);
    const same = await post([['roles', 'social_worker'], ['jobTitle', ''], ['reason', 'No change really']]);
    expect(same.statusCode).toBe(422);
    expect(same.body).toContain('Nothing has changed');
    const saved = await post([['roles', 'social_worker'], ['roles', 'manager'], ['jobTitle', 'Team manager'], ['reason', 'Promoted on 1 March']]);
    expect(saved.statusCode).toBe(303);
    const after = await w.app.inject({ url: saved.headers.location as string, headers: { cookie, accept: 'text/html' } });
    expect(after.body).toContain('The change has been saved, with your reason.');
    expect(after.body).toContain('Changed roles and job title');
    expect(after.body).toContain('Promoted on 1 March');

    // Another agency's administrator, or a colleague without the role: "Page not found".
    await addPractitionerAsSystem(w.s, { agencyId: w.school, name: 'Sally School', email: 'sally@school.example', roles: ['administrator'], password: PASSWORD });
    const other = await w.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'sally@school.example', password: PASSWORD } });
    const theirs = await w.app.inject({ url: `/admin/practitioners/${w.worker.id}`, headers: { cookie: other.cookies.map((c) => `${c.name}=${c.value}`).join('; '), accept: 'text/html' } });
    expect(theirs.statusCode).toBe(404);
    expect(theirs.body).toContain('Page not found');
  });
});
