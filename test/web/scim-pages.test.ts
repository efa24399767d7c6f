import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/shared/clock.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, services } from '../fixtures.ts';
import { useWebApp } from './no-js-browser.ts';

const PASSWORD = 'quartz lantern meadow 4417';

describe('the administrator’s SCIM page (/admin/scim), without JavaScript', () => {
  const t = useTestDb();
  const web = useWebApp(PASSWORD);

  async function world() {
    const s = services(t.db(), fixedClock('2026-12-06T10:00:00Z'));
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', 'Northshire Academy');
    const police = await agency(s, p, 'police', 'Northshire Police');
    const admin = await web.signedUp(s, school, ['administrator'], 'Olu Adebayo');
    const teacher = await web.signedUp(s, school, ['practitioner'], 'Amira Shah');
    const auditor = await web.signedUp(s, school, ['auditor'], 'Grace Poole');
    const policeAdmin = await web.signedUp(s, police, ['administrator'], 'Sam Ward');
    await web.open(s);
    return { s, admin, teacher, auditor, policeAdmin };
  }

  const scim = (token: string) => web.app.inject({ method: 'GET', url: '/scim/v2/Users', headers: { authorization: `Bearer ${token}` } });

  it('an administrator makes a token (shown once, with the tenant URL), the identity provider uses it, and she revokes it', async () => {
    const w = await world();
    const b = await web.browser(w.admin);
    expect(await b.get('/admin')).toContain('href="/admin/scim"');
    const empty = await b.get('/admin/scim');
    expect(empty).toContain('Provisioning from your identity provider (SCIM)');
    expect(empty).toContain('Your agency has no SCIM tokens.');
    expect(empty).toContain('http://localhost:3000/scim/v2');

    const missing = await b.post('/admin/scim', { name: '', days: 'soon', roles: [] });
    expect(missing.status).toBe(422);
    expect(missing.body).toContain('There is a problem');
    expect(missing.body).toContain('href="#name"');
    expect(missing.body).toContain('Enter a whole number of days from 1 to 3660');
    expect(missing.body).toContain('Choose at least one role');

    const made = await b.post('/admin/scim', { name: 'Entra ID provisioning', days: '', roles: ['practitioner', 'safeguarding_lead'] });
    expect(made.status).toBe(200);
    const token = /id="scim-token"[^>]*>(jsc_[^<]+)</.exec(made.body)?.[1];
    expect(token).toBeDefined();
    expect(made.body).toMatch(/id="scim-tenant-url"[^>]*>http:\/\/localhost:3000\/scim\/v2</);
    expect(made.body).toContain('7 December 2027');
    expect((await scim(token!)).statusCode).toBe(200);

    const listed = await b.get('/admin/scim');
    expect(listed).not.toContain(token);
    expect(listed).toContain('Entra ID provisioning');
    expect(listed).toContain('Practitioner, Safeguarding lead');
    expect(listed).toContain('In use');
    const tokenId = /action="\/admin\/scim\/([0-9a-f-]{36})\/revoke"/.exec(listed)![1]!;

    // Another agency's administrator cannot revoke it: as for a token that does not exist.
    const theirs = await web.browser(w.policeAdmin);
    await theirs.get('/admin/scim');
    expect((await theirs.post(`/admin/scim/${tokenId}/revoke`, {})).status).toBe(404);
    expect((await scim(token!)).statusCode).toBe(200);

    const revoked = await b.post(`/admin/scim/${tokenId}/revoke`, {});
    expect(revoked.status).toBe(303);
    const after = await b.get(revoked.location!);
    expect(after).toContain('Token revoked. The identity provider can no longer use it.');
    expect(after).toContain('Revoked');
    expect((await scim(token!)).statusCode).toBe(401);

    const actions = (await w.s.db.query<{ action: string }>("SELECT action FROM audit_event WHERE action LIKE 'scim.token-%' ORDER BY seq")).rows.map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['scim.token-create', 'scim.token-list', 'scim.token-revoke']));
  });

  it('nobody but the agency’s administrators sees the page', async () => {
    const w = await world();
    for (const who of [w.teacher, w.auditor]) {
      const b = await web.browser(who);
      const page = await b.get('/admin/scim', 404);
      expect(page).toContain('Page not found');
    }
    const auditor = await web.browser(w.auditor);
    expect(await auditor.get('/admin')).not.toContain('href="/admin/scim"');
  });
});
