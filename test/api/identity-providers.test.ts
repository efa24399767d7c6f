import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, practitioner, services } from '../fixtures.ts';
import { bearer, testApp } from './helpers.ts';

const { db } = useTestDb();
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const ENTRA = 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0';

async function world() {
  const s = services(db());
  const p = await partnershipWith(s);
  const council = await agency(s, p, 'childrens_social_care');
  const police = await agency(s, p, 'police');
  app = await testApp(s);
  return {
    s, p, council,
    admin: await bearer(await practitioner(s, council, ['administrator'])),
    partnershipAdmin: await bearer(await practitioner(s, police, ['partnership_administrator'])),
    otherAdmin: await bearer(await practitioner(s, police, ['administrator'])),
    worker: await bearer(await practitioner(s, council, ['social_worker'])),
  };
}

describe('/api/v1/identity-providers', () => {
  it('an administrator adds the agency\'s provider; the secret is never returned, kept when a change leaves it out, and never audited', async () => {
    const w = await world();
    const created = await app!.inject({ method: 'POST', url: '/api/v1/identity-providers', headers: w.admin, payload: {
      agencyId: w.council.toUpperCase(), name: 'Council (Microsoft)', issuer: ENTRA, clientId: 'abc', clientSecret: 'very-secret', emailClaim: 'preferred_username', emailMustBeVerified: false,
    } });
    expect(created.statusCode).toBe(201);
    const body = created.json<Record<string, unknown>>();
    expect(body).toMatchObject({ agencyId: w.council, partnershipId: null, scopes: 'openid email profile', hasClientSecret: true, requireMfa: false });
    expect(created.body).not.toContain('very-secret');
    const changed = await app!.inject({ method: 'PUT', url: `/api/v1/identity-providers/${String(body.id)}`, headers: w.admin, payload: { name: 'Council', issuer: ENTRA, clientId: 'abc', requireMfa: true } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ name: 'Council', hasClientSecret: true, requireMfa: true, emailClaim: 'email' });
    const list = await app!.inject({ url: '/api/v1/identity-providers', headers: w.admin });
    expect(list.json<unknown[]>()).toHaveLength(1);
    const off = await app!.inject({ method: 'POST', url: `/api/v1/identity-providers/${String(body.id)}/disable`, headers: w.admin });
    expect(off.json<{ disabledAt: string | null }>().disabledAt).not.toBeNull();
    const trail = JSON.stringify((await w.s.db.query('SELECT * FROM audit_event')).rows);
    expect(trail).not.toContain('very-secret');
  });

  it('a partnership administrator adds a partnership-wide provider; nobody else sees or changes another\'s', async () => {
    const w = await world();
    const created = await app!.inject({ method: 'POST', url: '/api/v1/identity-providers', headers: w.partnershipAdmin, payload: { partnershipId: w.p, name: 'Partnership', issuer: ENTRA, clientId: 'p' } });
    expect(created.statusCode).toBe(201);
    const id = created.json<{ id: string }>().id;
    for (const who of [w.admin, w.otherAdmin]) {
      expect((await app!.inject({ url: `/api/v1/identity-providers/${id}`, headers: who })).statusCode).toBe(404);
      expect((await app!.inject({ method: 'PUT', url: `/api/v1/identity-providers/${id}`, headers: who, payload: { name: 'x', issuer: ENTRA, clientId: 'p' } })).statusCode).toBe(404);
    }
    // An agency administrator cannot make a provider for another agency or the partnership.
    expect((await app!.inject({ method: 'POST', url: '/api/v1/identity-providers', headers: w.otherAdmin, payload: { agencyId: w.council, name: 'x', issuer: ENTRA, clientId: 'p' } })).statusCode).toBe(404);
    expect((await app!.inject({ method: 'POST', url: '/api/v1/identity-providers', headers: w.admin, payload: { partnershipId: w.p, name: 'x', issuer: ENTRA, clientId: 'p' } })).statusCode).toBe(404);
    expect((await app!.inject({ url: '/api/v1/identity-providers', headers: w.worker })).statusCode).toBe(404);
  });

  it('refuses what a client can send wrong with a 422 naming the field, never a 5xx', async () => {
    const w = await world();
    const bad = async (payload: Record<string, unknown>): Promise<string[]> => {
      const res = await app!.inject({ method: 'POST', url: '/api/v1/identity-providers', headers: w.admin, payload: { agencyId: w.council, name: 'n', issuer: ENTRA, clientId: 'c', ...payload } });
      expect(res.statusCode).toBe(422);
      return res.json<{ errors: { pointer: string }[] }>().errors.map((e) => e.pointer);
    };
    expect(await bad({ issuer: 'http://login.example.com' })).toEqual(['/issuer']);
    expect(await bad({ issuer: 'not a url' })).toEqual(['/issuer']);
    expect(await bad({ issuer: `${ENTRA}?x=1` })).toEqual(['/issuer']);
    expect(await bad({ name: 'a\u0000b' })).toEqual(['/name']);
    expect(await bad({ clientId: '\ud800' })).toEqual(['/clientId']);
    expect(await bad({ scopes: 'email profile' })).toEqual(['/scopes']);
    expect(await bad({ emailClaim: 'e mail' })).toEqual(['/emailClaim']);
    expect(await bad({ partnershipId: w.p })).toEqual(['/agencyId']);
    expect(await bad({ name: 'x'.repeat(100_000) })).toEqual(['/name']);
    expect((await app!.inject({ url: '/api/v1/identity-providers/not-an-id', headers: w.admin })).statusCode).toBe(422);
  });
});
