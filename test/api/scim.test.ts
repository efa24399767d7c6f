import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiToken, openWebSession } from '../../src/auth/auth.ts';
import { SESSION_COOKIE } from '../../src/http/app.ts';
import { createScimTokenAsSystem } from '../../src/scim/tokens.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { Services } from '../../src/shared/context.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, practitioner, services } from '../fixtures.ts';
import { AUTH_SETTINGS, testApp } from './helpers.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

type Json = Record<string, unknown>;

/** What Microsoft Entra ID sends to create a user with its default attribute mappings. */
const entraUser = (email: string, extra: Json = {}): Json => ({
  schemas: [USER, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
  externalId: `ext-${email}`,
  userName: email,
  active: true,
  displayName: 'Amira Khan',
  title: 'School nurse',
  emails: [{ primary: true, type: 'work', value: email }],
  name: { formatted: 'Amira Khan', familyName: 'Khan', givenName: 'Amira' },
  phoneNumbers: [{ type: 'work', value: '01632 960000' }],
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Health', employeeNumber: '123' },
  ...extra,
});

describe('SCIM 2.0 provisioning (/scim/v2)', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function setUp() {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s: Services = services(t.db(), clock);
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', 'Northshire Academy');
    const police = await agency(s, p, 'police', 'Northshire Police');
    const token = await createScimTokenAsSystem(s, { agencyId: school, name: 'Entra ID' });
    const policeToken = await createScimTokenAsSystem(s, { agencyId: police, name: 'Police directory' });
    app = await testApp(s);
    const call = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, bearer: string = token.token) => {
      const res = await app!.inject({
        method, url: `/scim/v2${url}`,
        headers: { authorization: `Bearer ${bearer}`, ...(payload === undefined ? {} : { 'content-type': 'application/scim+json' }) },
        ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
      });
      return { status: res.statusCode, type: String(res.headers['content-type'] ?? ''), body: (res.body ? res.json() : undefined) as Json, headers: res.headers };
    };
    return { s, clock, school, police, token, policeToken, call };
  }

  /** A way in for the practitioner: an open web session and an API token, as she would have after signing in. */
  async function wayIn(s: Services, practitionerId: string) {
    const session = await s.db.transaction((tx) => openWebSession(s, tx, AUTH_SETTINGS, practitionerId, { method: 'single_sign_on', amr: ['mfa'] }));
    const api = await createApiToken(s, practitionerId, 'laptop');
    const me = async () => ({
      web: (await app!.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `${SESSION_COOKIE}=${session.sessionToken}` } })).statusCode,
      api: (await app!.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${api.token}` } })).statusCode,
    });
    return { me };
  }

  const auditActions = async (s: Services) =>
    (await s.db.query<{ action: string; outcome: string; detail: Json | null }>("SELECT action, outcome, detail FROM audit_event WHERE action LIKE 'scim.%' ORDER BY seq")).rows;

  it('Entra ID creates a practitioner, finds her by userName and externalId, and reads her back', async () => {
    const { s, call, school, token } = await setUp();
    const created = await call('POST', '/Users', entraUser('Amira.Khan@Academy.example'));
    expect(created.status).toBe(201);
    expect(created.type).toMatch(/^application\/scim\+json/);
    const id = created.body.id as string;
    expect(created.headers.location).toBe(`http://localhost:3000/scim/v2/Users/${id}`);
    expect(created.body).toMatchObject({
      schemas: [USER], userName: 'amira.khan@academy.example', externalId: 'ext-Amira.Khan@Academy.example', displayName: 'Amira Khan',
      name: { givenName: 'Amira', familyName: 'Khan', formatted: 'Amira Khan' }, title: 'School nurse', active: true,
      emails: [{ value: 'amira.khan@academy.example', type: 'work', primary: true }], roles: [{ value: 'practitioner' }],
    });
    const row = (await s.db.query<{ agency_id: string; password_hash: string | null }>('SELECT agency_id, password_hash FROM practitioner WHERE id = $1', [id])).rows[0];
    expect(row).toEqual({ agency_id: school, password_hash: null });

    const byName = await call('GET', `/Users?filter=${encodeURIComponent('userName eq "AMIRA.KHAN@academy.example"')}`);
    expect(byName.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect((byName.body.Resources as Json[])[0]!.id).toBe(id);
    const byExternal = await call('GET', `/Users?filter=${encodeURIComponent('externalId eq "ext-Amira.Khan@Academy.example"')}`);
    expect(byExternal.body.totalResults).toBe(1);
    // As Entra ID's "Test connection" sends it: spaces as +, a userName nobody has.
    const plus = await call('GET', '/Users?filter=userName+eq+%22amira.khan%40academy.example%22&startIndex=1&count=100');
    expect(plus.body.totalResults).toBe(1);
    const nobody = await call('GET', `/Users?filter=${encodeURIComponent('userName eq "nobody@academy.example"')}`);
    expect(nobody.body).toMatchObject({ totalResults: 0, Resources: [] });

    const got = await call('GET', `/Users/${id.toUpperCase()}`);
    expect(got.status).toBe(200);
    expect(got.body.id).toBe(id);

    const actions = await auditActions(s);
    expect(actions.map((a) => a.action)).toEqual(['scim.token-create', 'scim.token-create', 'scim.user-create', 'scim.user-list', 'scim.user-list', 'scim.user-list', 'scim.user-list', 'scim.user-read']);
    expect(actions.slice(2).every((a) => a.detail?.scimTokenId === token.id)).toBe(true);
    // Identifiers only: nothing the identity provider sent about her is in the trail.
    expect(JSON.stringify(actions)).not.toMatch(/amira|khan|nurse/i);
  });

  it('lists page by page with startIndex and count', async () => {
    const { call } = await setUp();
    for (const n of [1, 2, 3]) expect((await call('POST', '/Users', entraUser(`p${n}@academy.example`))).status).toBe(201);
    const page = await call('GET', '/Users?startIndex=2&count=1');
    expect(page.body).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 1 });
    expect((page.body.Resources as Json[])[0]!.userName).toBe('p2@academy.example');
    const none = await call('GET', '/Users?count=0');
    expect(none.body).toMatchObject({ totalResults: 3, itemsPerPage: 0 });
  });

  it('PUT replaces the details; PATCH takes Entra ID’s shapes (capitalised ops, string booleans, dotted keys)', async () => {
    const { s, call } = await setUp();
    const id = (await call('POST', '/Users', entraUser('amira@academy.example'))).body.id as string;
    const put = await call('PUT', `/Users/${id}`, { schemas: [USER], userName: 'amira@academy.example', displayName: 'Amira Begum', title: 'Lead nurse', roles: [{ value: 'safeguarding_lead' }] });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ displayName: 'Amira Begum', title: 'Lead nurse', roles: [{ value: 'safeguarding_lead' }], active: true });
    expect(put.body.externalId).toBeUndefined();

    const patched = await call('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'Replace', path: 'name.familyName', value: 'Khan' },
        { op: 'Replace', path: 'name.givenName', value: 'Amira' },
        { op: 'Add', path: 'externalId', value: '0f6e-objectid' },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'ignored@academy.example' },
        { op: 'Add', path: 'roles', value: [{ value: 'Manager' }] },
        { op: 'Remove', path: 'roles[value eq "safeguarding_lead"]' },
        { op: 'Replace', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'Pastoral' },
        { op: 'replace', value: { title: 'Head of year', 'name.formatted': 'Amira Khan' } },
      ],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ displayName: 'Amira Khan', name: { givenName: 'Amira', familyName: 'Khan' }, externalId: '0f6e-objectid', title: 'Head of year', roles: [{ value: 'manager' }], userName: 'amira@academy.example' });
    const removed = await call('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'Remove', path: 'title' }, { op: 'Replace', path: 'displayName', value: 'Amira K.' }] });
    expect(removed.body.title).toBeUndefined();
    expect(removed.body.displayName).toBe('Amira K.');
    const moves = (await s.db.query<{ detail: Json }>("SELECT detail FROM audit_event WHERE action IN ('scim.user-replace', 'scim.user-update') ORDER BY seq")).rows.map((r) => [r.detail.rolesBefore, r.detail.rolesAfter]);
    expect(moves).toEqual([['practitioner', 'safeguarding_lead'], ['safeguarding_lead', 'manager'], [undefined, undefined]]);
  });

  it('active "False" (Entra ID) ends her open web session and API token at once; active true lets her sign in again, without them', async () => {
    const { s, call } = await setUp();
    const id = (await call('POST', '/Users', entraUser('amira@academy.example'))).body.id as string;
    const way = await wayIn(s, id);
    expect(await way.me()).toEqual({ web: 200, api: 200 });

    const off = await call('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect(await way.me()).toEqual({ web: 401, api: 401 });
    expect((await call('GET', `/Users/${id}`)).body.active).toBe(false);

    const on = await call('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: true } }] });
    expect(on.body.active).toBe(true);
    // Active again, but nothing from before comes back: she signs in afresh.
    expect(await way.me()).toEqual({ web: 401, api: 401 });
    const fresh = await wayIn(s, id);
    expect(await fresh.me()).toEqual({ web: 200, api: 200 });
    const actions = (await auditActions(s)).map((a) => a.action);
    expect(actions).toContain('scim.user-deactivate');
    expect(actions).toContain('scim.user-reactivate');
  });

  it('DELETE deactivates at once and the user is gone for SCIM (404), kept for the audit trail; a new POST brings the same account back', async () => {
    const { s, call } = await setUp();
    const id = (await call('POST', '/Users', entraUser('amira@academy.example'))).body.id as string;
    const way = await wayIn(s, id);
    const del = await call('DELETE', `/Users/${id}`);
    expect(del.status).toBe(204);
    expect(await way.me()).toEqual({ web: 401, api: 401 });
    expect((await call('GET', `/Users/${id}`)).status).toBe(404);
    expect((await call('DELETE', `/Users/${id}`)).status).toBe(404);
    expect((await call('GET', `/Users?filter=${encodeURIComponent('userName eq "amira@academy.example"')}`)).body.totalResults).toBe(0);
    const kept = (await s.db.query<{ active: boolean }>('SELECT active FROM practitioner WHERE id = $1', [id])).rows[0];
    expect(kept).toEqual({ active: false });

    const back = await call('POST', '/Users', entraUser('amira@academy.example'));
    expect(back.status).toBe(201);
    expect(back.body).toMatchObject({ id, active: true });
  });

  it('a taken userName or externalId is a 409 uniqueness error; an unknown role a 400 invalidValue', async () => {
    const { s, call, police } = await setUp();
    await call('POST', '/Users', entraUser('amira@academy.example'));
    const again = await call('POST', '/Users', entraUser('AMIRA@academy.example'));
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ schemas: [ERROR], status: '409', scimType: 'uniqueness', detail: expect.any(String) });
    // An address already used in another agency is taken too (e-mail addresses are unique across Jigsaw).
    const officer = await practitioner(s, police, ['practitioner']);
    const email = (await s.db.query<{ email: string }>('SELECT email FROM practitioner WHERE id = $1', [officer.actor.practitionerId])).rows[0]!.email;
    expect((await call('POST', '/Users', entraUser(email))).status).toBe(409);
    const sameExternal = await call('POST', '/Users', entraUser('other@academy.example', { externalId: 'ext-amira@academy.example' }));
    expect(sameExternal.body).toMatchObject({ status: '409', scimType: 'uniqueness' });

    const role = await call('POST', '/Users', entraUser('new@academy.example', { roles: [{ value: 'superuser' }] }));
    expect(role.status).toBe(400);
    expect(role.body).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidValue' });
    // Setting up the partnership is not an agency directory's to grant.
    expect((await call('POST', '/Users', entraUser('new@academy.example', { roles: ['partnership_administrator'] }))).body).toMatchObject({ scimType: 'invalidValue' });
  });

  it('another agency’s token can neither see nor touch our users; no, a bad, an expired or a revoked token gets 401', async () => {
    const { s, clock, call, policeToken, token } = await setUp();
    const id = (await call('POST', '/Users', entraUser('amira@academy.example'))).body.id as string;
    const theirs = policeToken.token;
    expect((await call('GET', `/Users/${id}`, undefined, theirs)).status).toBe(404);
    expect((await call('GET', '/Users', undefined, theirs)).body.totalResults).toBe(0);
    expect((await call('GET', `/Users?filter=${encodeURIComponent('userName eq "amira@academy.example"')}`, undefined, theirs)).body.totalResults).toBe(0);
    for (const [method, body] of [['PATCH', { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] }], ['PUT', entraUser('amira@academy.example')], ['DELETE', undefined]] as const) {
      const res = await call(method, `/Users/${id}`, body, theirs);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ schemas: [ERROR], status: '404' });
    }
    expect((await call('GET', `/Users/${id}`)).body.active).toBe(true);

    const noToken = await app!.inject({ method: 'GET', url: '/scim/v2/Users' });
    expect(noToken.statusCode).toBe(401);
    expect(noToken.json()).toMatchObject({ schemas: [ERROR], status: '401' });
    expect(noToken.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await call('GET', '/Users', undefined, 'jsc_made-up')).status).toBe(401);
    // A practitioner's API token opens the API only, never SCIM.
    const admin = await practitioner(s, (await s.db.query<{ agency_id: string }>('SELECT agency_id FROM scim_token WHERE id = $1', [token.id])).rows[0]!.agency_id, ['administrator']);
    const apiToken = await createApiToken(s, admin.actor.practitionerId, 'x');
    expect((await call('GET', '/Users', undefined, apiToken.token)).status).toBe(401);

    await s.db.query('UPDATE scim_token SET revoked_at = $2 WHERE id = $1', [policeToken.id, clock.now().toISOString()]);
    expect((await call('GET', '/Users', undefined, theirs)).status).toBe(401);
    const expiring = await createScimTokenAsSystem(s, { agencyId: admin.actor.agencyId, name: 'Short', days: 1 });
    expect((await call('GET', '/Users', undefined, expiring.token)).status).toBe(200);
    clock.advanceMinutes(2 * 24 * 60);
    expect((await call('GET', '/Users', undefined, expiring.token)).status).toBe(401);
  });

  it('takes application/scim+json with a charset, and plain application/json', async () => {
    const { token } = await setUp();
    for (const [n, type] of [[1, 'application/scim+json; charset=utf-8'], [2, 'application/json']] as const) {
      const res = await app!.inject({ method: 'POST', url: '/scim/v2/Users', headers: { authorization: `Bearer ${token.token}`, 'content-type': type }, payload: JSON.stringify(entraUser(`t${n}@academy.example`)) });
      expect(res.statusCode, res.body).toBe(201);
    }
  });

  it('discovery documents describe what Jigsaw takes', async () => {
    const { call } = await setUp();
    const config = await call('GET', '/ServiceProviderConfig');
    expect(config.body).toMatchObject({ patch: { supported: true }, filter: { supported: true }, bulk: { supported: false }, changePassword: { supported: false } });
    expect((await call('GET', '/ResourceTypes')).body).toMatchObject({ totalResults: 1, Resources: [{ id: 'User', endpoint: '/Users' }] });
    const schemas = await call('GET', '/Schemas');
    expect((schemas.body.Resources as Json[])[0]!.id).toBe(USER);
    expect((await call('GET', '/Groups')).status).toBe(404);
  });
});
