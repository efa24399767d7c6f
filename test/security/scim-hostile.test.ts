import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScimTokenAsSystem } from '../../src/scim/tokens.ts';
import { testApp } from '../api/helpers.ts';
import { testDb } from '../db.ts';
import { agency, partnershipWith, services } from '../fixtures.ts';

/**
 * Whatever an identity provider (or anyone holding a SCIM token) sends — NUL bytes, half a
 * surrogate pair, huge strings, wrong types, upper-case or made-up ids, broken filters and PatchOp
 * messages — the answer is never a 5xx, and every error is in SCIM's form. A fixed seed
 * (FUZZ_SEED to change it), a bounded number of runs (FUZZ_RUNS).
 */

const SEED = Number(process.env.FUZZ_SEED ?? 19);
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const HOSTILE_STRINGS = ['\u0000', 'a\u0000b@x.example', '\uD800', 'x\uDFFFy@x.example', '\u0007bell', ' ', '', 'False', 'TRUE', 'Amira@Example.ORG', 'x'.repeat(5000)];
const HOSTILE_OTHERS: unknown[] = [12345, -1, 1e308, true, false, null, [], {}, [null], { $ne: 1 }, [{ value: 'manager' }], { value: '\u0000' }];
const hostile = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.constantFrom(...HOSTILE_OTHERS), fc.string({ unit: 'binary', maxLength: 20 }), fc.jsonValue({ maxDepth: 2 }));
const ATTRIBUTES = ['userName', 'externalId', 'active', 'displayName', 'title', 'name', 'name.givenName', 'name.familyName', 'name.formatted', 'emails', 'roles', 'roles[value eq "manager"]', 'password', 'id', 'meta', 'schemas', 'urn:ietf:params:scim:schemas:core:2.0:User:active', 'emails[type eq "work"].value', 'roles[', 'x'.repeat(400)];
const attribute = fc.oneof(fc.constantFrom(...ATTRIBUTES), fc.string({ unit: 'binary', maxLength: 15 }));
const userBody = fc.dictionary(attribute, hostile, { maxKeys: 6 }).map((b) => ({ userName: 'someone@academy.example', displayName: 'Someone', ...b }));
const operation = fc.record({ op: fc.oneof(fc.constantFrom('add', 'Replace', 'REMOVE', 'copy'), hostile), path: fc.option(attribute, { nil: undefined }), value: fc.option(hostile, { nil: undefined }) }, { requiredKeys: ['op'] });
const patchBody = fc.oneof(fc.record({ schemas: fc.constant([PATCH]), Operations: fc.array(operation, { maxLength: 4 }) }), hostile);
const FILTERS = ['userName eq "\u0000"', 'userName eq "\uD800"', 'userName eq', 'externalId eq 5', 'userName eq "a" or userName eq "b"', 'not (userName eq "a")', '((', ')', '"', 'userName co "a"', 'emails[type eq "work"', 'active eq "x"', 'id eq "NOT-A-UUID"', 'x'.repeat(2000), 'a'];
const filter = fc.oneof(fc.constantFrom(...FILTERS), fc.string({ unit: 'binary', maxLength: 40 }));
const ID = fc.oneof(fc.constantFrom('not-a-uuid', '00000000-0000-0000-0000-000000000000', '%00', '%ED%A0%80', 'x'.repeat(3000)), fc.uuid().map((u) => u.toUpperCase()));

/** Percent-encodes for a query string, lone surrogates as the invalid UTF-8 a raw client could send. */
const enc = (s: string): string => [...s].map((ch) => { try { return encodeURIComponent(ch); } catch { return '%ED%A0%80'; } }).join('');

describe('SCIM under hostile input', () => {
  let app: FastifyInstance;
  let token: string;
  let userId: string;
  let db: Awaited<ReturnType<typeof testDb>>;

  beforeAll(async () => {
    db = await testDb();
    const s = services(db);
    const school = await agency(s, await partnershipWith(s), 'school');
    token = (await createScimTokenAsSystem(s, { agencyId: school, name: 'Entra ID' })).token;
    app = await testApp(s);
    const created = await app.inject({ method: 'POST', url: '/scim/v2/Users', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, payload: JSON.stringify({ userName: 'amira@academy.example', displayName: 'Amira Khan' }) });
    userId = (created.json<{ id: string }>()).id;
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  async function check(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<number> {
    const res = await app.inject({
      method, url, headers: { authorization: `Bearer ${token}`, ...(payload === undefined ? {} : { 'content-type': 'application/scim+json' }) },
      ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
    });
    expect(res.statusCode, `${method} ${url.slice(0, 80)} → ${res.body.slice(0, 200)}`).toBeLessThan(500);
    if (res.statusCode >= 400) {
      expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect(res.json()).toMatchObject({ schemas: [ERROR], status: String(res.statusCode) });
    }
    return res.statusCode;
  }

  it('user bodies with hostile values are answered, never with a 5xx', async () => {
    await fc.assert(fc.asyncProperty(userBody, async (body) => {
      await check('POST', '/scim/v2/Users', body);
      await check('PUT', `/scim/v2/Users/${userId}`, { ...body, userName: 'amira@academy.example', active: true });
    }), { seed: SEED, numRuns: RUNS });
  });

  it('PatchOp messages with hostile operations are answered, never with a 5xx', async () => {
    await fc.assert(fc.asyncProperty(patchBody, async (body) => {
      const status = await check('PATCH', `/scim/v2/Users/${userId}`, body);
      // Put her back as she was, whatever the operation did.
      if (status === 200) await check('PUT', `/scim/v2/Users/${userId}`, { userName: 'amira@academy.example', displayName: 'Amira Khan', active: true });
    }), { seed: SEED, numRuns: RUNS });
  });

  it('filters, paging and ids that make no sense are a 400 or a 404, never a 5xx', async () => {
    await fc.assert(fc.asyncProperty(filter, fc.option(hostile.map(String), { nil: undefined }), ID, async (f, count, id) => {
      await check('GET', `/scim/v2/Users?filter=${enc(f)}${count === undefined ? '' : `&count=${enc(count)}&startIndex=${enc(count)}`}`);
      // Not an address at all (invalid UTF-8) is a 400; anything else that names nobody of ours, a 404.
      const expected = id === '%ED%A0%80' ? 400 : 404;
      expect(await check('GET', `/scim/v2/Users/${id}`)).toBe(expected);
      expect(await check('PATCH', `/scim/v2/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] })).toBe(expected);
      expect(await check('DELETE', `/scim/v2/Users/${id}`)).toBe(expected);
    }), { seed: SEED, numRuns: RUNS });
  });

  it('bodies that are not JSON, are the wrong type, or are too large are a 4xx in SCIM’s form', async () => {
    for (const body of ['{', 'null', '[]', '"x"', '12', JSON.stringify({ userName: 'x'.repeat(1_100_000) })]) await check('POST', '/scim/v2/Users', body);
    const res = await app.inject({ method: 'POST', url: '/scim/v2/Users', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, payload: 'hello' });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ schemas: [ERROR], status: '415' });
  });
});
