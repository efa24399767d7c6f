import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Role } from '../../src/access/policy.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, practitioner, services } from '../fixtures.ts';
import { bearer, testApp } from './helpers.ts';

/** Issue 19, item 4 through the API: partnerships, agencies and their codes, FHIR tokens, for partnership administrators only. */
describe('partnership administration through the API', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function world() {
    const s = services(t.db(), fixedClock('2026-12-06T10:00:00Z'));
    const north = await partnershipWith(s, 'Northshire Safeguarding Partnership');
    const south = await partnershipWith(s, 'Southshire Safeguarding Partnership');
    const council = await agency(s, north, 'childrens_social_care', 'Northshire Children’s Services');
    const school = await agency(s, north, 'school', 'Riverside Primary School');
    const southCsc = await agency(s, south, 'childrens_social_care', 'Southshire Children’s Services');
    app = await testApp(s);
    const as = async (agencyId: string, roles: Role[]) => {
      const headers = await bearer(await practitioner(s, agencyId, roles));
      const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
        const res = await app!.inject({ method, url: url.startsWith('/fhir/') ? url : `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
        return { status: res.statusCode, body: res.body ? res.json() : undefined };
      };
      return call;
    };
    return { s, north, south, council, school, southCsc, pa: await as(council, ['partnership_administrator']), schoolAdmin: await as(school, ['administrator']), southPa: await as(southCsc, ['partnership_administrator']) };
  }

  it('lists, creates and renames partnerships; adds an agency with its codes and edits them; another partnership is 404', async () => {
    const w = await world();
    const list = await w.pa('GET', '/partnerships');
    expect(list.status).toBe(200);
    expect(list.body).toEqual([expect.objectContaining({ id: w.north, name: 'Northshire Safeguarding Partnership', agencies: expect.arrayContaining([expect.objectContaining({ id: w.school, type: 'school', odsCode: null, localAuthorityCode: null })]) })]);

    const added = await w.pa('POST', '/agencies', { name: 'Northshire Police', type: 'police', partnershipIds: [w.north], odsCode: 'y12ab' });
    expect(added).toMatchObject({ status: 201, body: { name: 'Northshire Police', odsCode: 'Y12AB', localAuthorityCode: null, partnershipIds: [w.north] } });
    const la = await w.pa('PATCH', `/agencies/${w.council}`, { localAuthorityCode: '931' });
    expect(la).toMatchObject({ status: 200, body: { localAuthorityCode: '931' } });
    expect((await w.pa('GET', '/agencies')).body).toEqual(expect.arrayContaining([expect.objectContaining({ id: w.council, localAuthorityCode: '931' })]));

    // Codes: the ODS shape, three digits, children's social care only, never two agencies with one.
    expect(await w.pa('POST', '/agencies', { name: 'X', type: 'gp', partnershipIds: [w.north], odsCode: 'A-1' })).toMatchObject({ status: 422, body: { errors: [{ pointer: '/odsCode' }] } });
    expect(await w.pa('POST', '/agencies', { name: 'X', type: 'gp', partnershipIds: [w.north], localAuthorityCode: '931' })).toMatchObject({ status: 422, body: { errors: [{ pointer: '/localAuthorityCode', detail: "Only children's social care has a local authority code" }] } });
    expect(await w.southPa('PATCH', `/agencies/${w.southCsc}`, { localAuthorityCode: '931' })).toMatchObject({ status: 422, body: { errors: [{ pointer: '/localAuthorityCode', detail: 'Another agency already has this local authority code' }] } });
    expect(await w.pa('PATCH', `/agencies/${w.council}`, { localAuthorityCode: '93' })).toMatchObject({ status: 422, body: { errors: [{ pointer: '/localAuthorityCode' }] } });

    // Another partnership and its agencies are answered as if they did not exist.
    expect((await w.pa('PATCH', `/partnerships/${w.south}`, { name: 'Mine now' })).status).toBe(404);
    expect((await w.pa('PATCH', `/agencies/${w.southCsc}`, { name: 'Mine now' })).status).toBe(404);
    expect(await w.pa('POST', '/agencies', { name: 'X', type: 'gp', partnershipIds: [w.south] })).toMatchObject({ status: 422, body: { errors: [{ pointer: '/partnershipIds' }] } });

    const made = await w.pa('POST', '/partnerships', { name: 'Tri-borough Protocol', nation: 'england-and-wales' });
    expect(made).toMatchObject({ status: 201, body: { name: 'Tri-borough Protocol', agencies: [expect.objectContaining({ id: w.council })] } });
    const renamed = await w.pa('PATCH', `/partnerships/${made.body.id}`, { name: 'Three Boroughs Protocol' });
    expect(renamed).toMatchObject({ status: 200, body: { name: 'Three Boroughs Protocol' } });
    // The school of her other partnership joins this one; once only; an agency not of hers cannot.
    expect(await w.pa('POST', `/partnerships/${made.body.id}/agencies`, { agencyId: w.school })).toMatchObject({ status: 200, body: { agencies: expect.arrayContaining([expect.objectContaining({ id: w.school })]) } });
    expect((await w.pa('POST', `/partnerships/${made.body.id}/agencies`, { agencyId: w.school })).status).toBe(409);
    expect(await w.pa('POST', `/partnerships/${made.body.id}/agencies`, { agencyId: w.southCsc })).toMatchObject({ status: 422, body: { errors: [{ pointer: '/agencyId' }] } });

    // An agency's administrator does not set up partnerships.
    expect((await w.schoolAdmin('GET', '/partnerships')).status).toBe(403);
    expect((await w.schoolAdmin('POST', '/agencies', { name: 'X', type: 'gp', partnershipIds: [w.north] })).status).toBe(403);
    expect((await w.schoolAdmin('PATCH', `/agencies/${w.school}`, { name: 'Renamed' })).status).toBe(404);
  });

  it('makes a FHIR token shown once, lists it without the token, revokes it once, and the token then gets 401', async () => {
    const w = await world();
    const made = await w.pa('POST', '/fhir-tokens', { settingName: 'Northshire General emergency department', settingType: 'emergency_department', odsCode: 'RX1' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.token).toMatch(/^jsf_/);
    expect(made.body.expiresAt).toBe('2027-12-06T10:00:00.000Z');
    const fhir = async (token: string) => (await app!.inject({ url: '/fhir/r4/Flag?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919', headers: { authorization: `Bearer ${token}` } })).statusCode;
    expect(await fhir(made.body.token)).toBe(200);

    const list = await w.southPa('GET', '/fhir-tokens');
    expect(list.body).toEqual([expect.objectContaining({ id: made.body.id, settingName: 'Northshire General emergency department', odsCode: 'RX1', revokedAt: null, createdByAgency: 'Northshire Children’s Services' })]);
    expect(JSON.stringify(list.body)).not.toContain(made.body.token);
    expect((await w.schoolAdmin('GET', '/fhir-tokens')).status).toBe(403);
    expect((await w.schoolAdmin('DELETE', `/fhir-tokens/${made.body.id}`)).status).toBe(403);

    expect(await w.pa('POST', '/fhir-tokens', { settingName: 'ED', settingType: 'emergency_department', days: 0 })).toMatchObject({ status: 422, body: { errors: [{ pointer: '/days' }] } });
    expect(await w.pa('POST', '/fhir-tokens', { settingName: '\u0000', settingType: 'spaceship' })).toMatchObject({ status: 422 });

    const revoked = await w.pa('DELETE', `/fhir-tokens/${made.body.id}`);
    expect(revoked).toMatchObject({ status: 200, body: { revokedAt: '2026-12-06T10:00:00.000Z' } });
    expect(await fhir(made.body.token)).toBe(401);
    expect((await w.pa('DELETE', `/fhir-tokens/${made.body.id}`)).status).toBe(409);
    expect((await w.pa('DELETE', '/fhir-tokens/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});
