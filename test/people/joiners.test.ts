import type { FastifyInstance } from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { requestPasswordReset } from '../../src/auth/password-reset.ts';
import { buildApp } from '../../src/http/app.ts';
import { peopleSettings } from '../../src/partnership/people-settings.ts';
import { addPractitionerAsSystem } from '../../src/partnership/partnership.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { Services } from '../../src/shared/context.ts';
import { AUTH_SETTINGS, bearer } from '../api/helpers.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, practitioner } from '../fixtures.ts';
import { openMailbox } from './mailbox.ts';

/**
 * Issue 19, joiners and forgotten passwords: with e-mail configured the set-password link goes to
 * the practitioner's own address — a real SMTP receiver on 127.0.0.1 here — and never to the
 * administrator; "Forgotten your password?" answers the same for any address, and is throttled.
 */

const CHOSEN = 'ember-lantern-quietly-oak-79';
const CURRENT = 'harbour-tulip-granite-sings';

describe('joiners are invited by e-mail, and a forgotten password is reset by e-mail', () => {
  const t = useTestDb();

  async function setUp() {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = { db: t.db(), clock };
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const admin = await practitioner(s, csc, ['administrator'], 'Olu Adebayo');
    const app = await buildApp({ services: s, auth: AUTH_SETTINGS });
    onTestFinished(() => app.close());
    const adminHeaders = { ...(await bearer(admin)), 'content-type': 'application/json' };
    return { s, clock, app, csc, admin, adminHeaders };
  }

  /** Opens a link's page and submits the form, as the practitioner's browser would. */
  async function choose(app: FastifyInstance, url: string, password: string) {
    const path = new URL(url).pathname;
    const page = await app.inject({ method: 'GET', url: path, headers: { accept: 'text/html' } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await app.inject({
      method: 'POST', url: path, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: new URLSearchParams({ _csrf: csrf, password, confirmPassword: password }).toString(),
    });
    return { page, res };
  }

  const signIn = (app: FastifyInstance, email: string, password: string) => app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password } });

  it('an invitation added through the API is e-mailed to the practitioner; the answer names the address, never the link', async () => {
    const w = await setUp();
    const mail = await openMailbox();
    const res = await w.app.inject({ method: 'POST', url: '/api/v1/practitioners', headers: w.adminHeaders, payload: { agencyId: w.csc, name: 'Priya Raman', email: 'priya@csc.example', roles: ['social_worker'] } });
    expect(res.statusCode).toBe(201);
    const body = res.json<Record<string, unknown>>();
    expect(body.invitation).toEqual({ sentTo: 'priya@csc.example', expiresAt: '2026-03-05T09:00:00.000Z' });
    expect(body).not.toHaveProperty('setPasswordLink');
    expect(res.body).not.toContain('/set-password/');

    const [m] = await mail.waitFor(1);
    expect(m!.to).toEqual(['priya@csc.example']);
    expect(m!.text).toContain('Hello Priya Raman,');
    expect(m!.text).toContain('5 March 2026 at 9am');
    // Only the recipient and the service: not the administrator, not the agency.
    expect(m!.text).not.toMatch(/Olu|Adebayo|Northshire|Children's Social Care/);
    const link = mail.linkIn(m!);
    expect(link).toMatch(/^https:\/\/jigsaw\.northshire\.example\/set-password\//);

    const { page, res: done } = await choose(w.app, link, CHOSEN);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Choose your password');
    expect(done.statusCode).toBe(200);
    expect((await signIn(w.app, 'priya@csc.example', CHOSEN)).statusCode).toBe(201);
  });

  it('on the pages, adding a practitioner says where the invitation went and for how long, and shows no link; a new invitation can be sent', async () => {
    const w = await setUp();
    const mail = await openMailbox();
    const page = await w.app.inject({ url: '/admin/practitioners', headers: { accept: 'text/html', ...(await sessionOf(w.app, w.s, w.csc)) } });
    expect(page.body).toContain('We will e-mail them an invitation');
    const headers = await sessionOf(w.app, w.s, w.csc);
    const form = await w.app.inject({ url: '/admin/practitioners', headers: { accept: 'text/html', ...headers } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const cookie = [headers.cookie, ...form.cookies.map((c) => `${c.name}=${c.value}`)].join('; ');
    const added = await w.app.inject({
      method: 'POST', url: '/admin/practitioners', headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, name: 'Priya Raman', email: 'priya@csc.example', roles: 'social_worker' }).toString(),
    });
    expect(added.statusCode).toBe(200);
    expect(added.body).toContain('We have sent an invitation to priya@csc.example');
    expect(added.body).toContain('It works for 72 hours');
    expect(added.body).not.toContain('/set-password/');
    await mail.waitFor(1);

    const id = (await w.s.db.query<{ id: string }>("SELECT id FROM practitioner WHERE email = 'priya@csc.example'")).rows[0]!.id;
    const detail = await w.app.inject({ url: `/admin/practitioners/${id}`, headers: { accept: 'text/html', cookie } });
    expect(detail.statusCode).toBe(200);
    expect(detail.body).toContain('Sent, works until 5 March 2026 at 9am');
    const again = await w.app.inject({
      method: 'POST', url: `/admin/practitioners/${id}/invitation`, headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: /name="_csrf" value="([^"]+)"/.exec(detail.body)![1]! }).toString(),
    });
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('We have sent an invitation to priya@csc.example');
    const [first, second] = await mail.waitFor(2);
    // The newer link replaces the first.
    expect((await choose(w.app, mail.linkIn(first!), CHOSEN)).page.statusCode).toBe(410);
    expect((await choose(w.app, mail.linkIn(second!), CHOSEN)).res.statusCode).toBe(200);
  });

  it('without e-mail configured the link is shown once to the administrator, as before, and the page says why', async () => {
    const w = await setUp();
    const res = await w.app.inject({ method: 'POST', url: '/api/v1/practitioners', headers: w.adminHeaders, payload: { agencyId: w.csc, name: 'Priya Raman', email: 'priya@csc.example', roles: ['social_worker'] } });
    expect(res.json<{ setPasswordLink: { url: string } }>().setPasswordLink.url).toMatch(/\/set-password\/jsp_/);
    expect(res.json()).not.toHaveProperty('invitation');
    const page = await w.app.inject({ url: '/admin/practitioners', headers: { accept: 'text/html', ...(await sessionOf(w.app, w.s, w.csc)) } });
    expect(page.body).toContain('This Jigsaw does not send e-mail');
  });

  it('"Forgotten your password?": the same answer for any address; an e-mail only to an active practitioner; the old password works until the link is used', async () => {
    const w = await setUp();
    const mail = await openMailbox();
    await addPractitionerAsSystem(w.s, { agencyId: w.csc, name: 'Rachel Dunn', email: 'rachel@csc.example', roles: ['social_worker'], password: CURRENT });
    const signInPage = await w.app.inject({ url: '/sign-in', headers: { accept: 'text/html' } });
    expect(signInPage.body).toContain('href="/forgot-password"');

    const ask = async (email: string) => {
      const form = await w.app.inject({ url: '/forgot-password', headers: { accept: 'text/html' } });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
      const res = await w.app.inject({
        method: 'POST', url: '/forgot-password', headers: { cookie: form.cookies.map((c) => `${c.name}=${c.value}`).join('; '), accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: csrf, email }).toString(),
      });
      expect(res.statusCode).toBe(200);
      return /id="reset-answer">([^<]+)</.exec(res.body)![1];
    };
    const known = await ask('Rachel@CSC.example ');
    const unknown = await ask('nobody@csc.example');
    expect(unknown).toBe(known);
    expect(known).toContain('If that address belongs to a Jigsaw account, we have sent a link');

    const [m] = await mail.waitFor(1);
    expect(m!.to).toEqual(['rachel@csc.example']);
    expect(m!.text).toContain('Hello Rachel Dunn,');
    // A reset link lasts JIGSAW_RESET_PASSWORD_MINUTES (60).
    expect(m!.text).toContain('until 2 March 2026 at 10am');
    expect((await signIn(w.app, 'rachel@csc.example', CURRENT)).statusCode).toBe(201);
    expect((await choose(w.app, mail.linkIn(m!), CHOSEN)).res.statusCode).toBe(200);
    expect((await signIn(w.app, 'rachel@csc.example', CURRENT)).statusCode).toBe(401);
    expect((await signIn(w.app, 'rachel@csc.example', CHOSEN)).statusCode).toBe(201);

    // Identifiers only in the audit trail: never the address typed.
    const audited = await w.s.db.query<{ row: string; outcome: string }>("SELECT a::text AS row, outcome FROM audit_event a WHERE action = 'auth.password-reset-request' ORDER BY seq");
    expect(audited.rows.map((r) => r.outcome)).toEqual(['success', 'not_found']);
    expect(audited.rows.map((r) => r.row).join()).not.toMatch(/rachel|nobody/i);
  });

  it('at most 3 reset e-mails an hour reach one account, however often anyone asks; a deactivated account gets none', async () => {
    const w = await setUp();
    const mail = await openMailbox();
    await addPractitionerAsSystem(w.s, { agencyId: w.csc, name: 'Rachel Dunn', email: 'rachel@csc.example', roles: ['social_worker'] });
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await requestPasswordReset(w.s, 'rachel@csc.example', `198.51.100.${i}`);
      outcomes.push(await r.delivery);
      w.clock.advanceMinutes(5);
    }
    expect(outcomes).toEqual(['sent', 'sent', 'sent', 'throttled', 'throttled']);
    await mail.waitFor(3);
    w.clock.advanceMinutes(60);
    expect(await (await requestPasswordReset(w.s, 'rachel@csc.example', '198.51.100.9')).delivery).toBe('sent');

    // Many addresses from one network address: limited too.
    const many: string[] = [];
    for (let i = 0; i < 21; i++) many.push((await requestPasswordReset(w.s, `someone${i}@csc.example`, '203.0.113.7')).outcome);
    expect(many.slice(0, 20).every((o) => o === 'unknown')).toBe(true);
    expect(many[20]).toBe('throttled');

    await w.s.db.query("UPDATE practitioner SET active = false WHERE email = 'rachel@csc.example'");
    w.clock.advanceMinutes(120);
    expect((await requestPasswordReset(w.s, 'rachel@csc.example', '198.51.100.10')).outcome).toBe('unknown');
    expect(mail.received).toHaveLength(4);
  });

  it('the API\'s password reset answers 202 with the same words for any address, and refuses what is not an address (422)', async () => {
    const w = await setUp();
    const mail = await openMailbox();
    await addPractitionerAsSystem(w.s, { agencyId: w.csc, name: 'Rachel Dunn', email: 'rachel@csc.example', roles: ['social_worker'] });
    const known = await w.app.inject({ method: 'POST', url: '/api/v1/password-reset', payload: { email: 'rachel@csc.example' } });
    const unknown = await w.app.inject({ method: 'POST', url: '/api/v1/password-reset', payload: { email: 'nobody@csc.example' } });
    expect(known.statusCode).toBe(202);
    expect(unknown.statusCode).toBe(202);
    expect(unknown.json()).toEqual(known.json());
    expect((await w.app.inject({ method: 'POST', url: '/api/v1/password-reset', payload: { email: 'not an address' } })).statusCode).toBe(422);
    const [m] = await mail.waitFor(1);
    expect(m!.to).toEqual(['rachel@csc.example']);
  });

  it('the reset link lifetime and the mail settings are read from the environment, with sane limits', () => {
    expect(peopleSettings({}).resetMinutes).toBe(60);
    expect(peopleSettings({ JIGSAW_RESET_PASSWORD_MINUTES: '15' }).resetMinutes).toBe(15);
    expect(() => peopleSettings({ JIGSAW_RESET_PASSWORD_MINUTES: '0' })).toThrow(/JIGSAW_RESET_PASSWORD_MINUTES/);
    expect(peopleSettings({}).mail.configured).toBe(false);
    expect(peopleSettings({ JIGSAW_SMTP_URL: 'smtp://127.0.0.1:2525' }).mail.configured).toBe(true);
  });
});

/** A signed-in administrator's session cookie for the pages. */
async function sessionOf(app: FastifyInstance, s: Services, agencyId: string): Promise<{ cookie: string }> {
  const email = `admin-${Math.random().toString(36).slice(2, 8)}@csc.example`;
  await addPractitionerAsSystem(s, { agencyId, name: 'Ade Admin', email, roles: ['administrator'], password: 'correct horse battery staple' });
  const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password: 'correct horse battery staple' } });
  return { cookie: res.cookies.map((c) => `${c.name}=${c.value}`).join('; ') };
}
