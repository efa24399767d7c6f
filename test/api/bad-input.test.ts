import { describe, expect, it } from 'vitest';
import { useTestDb } from '../db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../fixtures.ts';
import { bearer, testApp } from './helpers.ts';

/** Counts rows in the tables a failed command might have half-written. */
async function rowCounts(db: ReturnType<ReturnType<typeof useTestDb>['db']>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['person', 'person_name', 'person_address', 'relationship', 'agency_record', 'agency_record_version']) {
    out[t] = Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0]!.n);
  }
  return out;
}

describe('bad input gets a clear answer and loses nothing', () => {
  const t = useTestDb();

  async function setUp() {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school');
    const teacher = await practitioner(s, school);
    const app = await testApp(s);
    const headers: Record<string, string> = { ...(await bearer(teacher)), 'content-type': 'application/json' };
    return { s, app, headers, teacher };
  }

  it('an invalid NHS number is refused with a field-level problem naming /nhsNumber', async () => {
    const { app, headers } = await setUp();
    const res = await app.inject({ method: 'POST', url: '/api/v1/people', headers, payload: { kind: 'child', names: [{ givenNames: 'Jack' }], nhsNumber: '9434765918' } });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 422, errors: [{ pointer: '/nhsNumber', detail: 'This NHS number is not valid: its check digit is wrong' }] });
  });

  it('an impossible date of birth (31 February) is refused and nothing is written', async () => {
    const { app, headers } = await setUp();
    const before = await rowCounts(t.db());
    const res = await app.inject({ method: 'POST', url: '/api/v1/people', headers, payload: { kind: 'child', names: [{ givenNames: 'Jack' }], dateOfBirth: '2021-02-31' } });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ pointer: '/dateOfBirth', detail: 'This date does not exist' }]);
    expect(await rowCounts(t.db())).toEqual(before);
  });

  it('unknown fields are refused by name', async () => {
    const { app, headers } = await setUp();
    const res = await app.inject({ method: 'POST', url: '/api/v1/people', headers, payload: { kind: 'child', names: [{ givenNames: 'Jack' }], favouriteColour: 'blue' } });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].detail).toBe('Unknown field(s): favouriteColour');
  });

  it('an unborn child without an expected date of delivery is refused', async () => {
    const { app, headers } = await setUp();
    const res = await app.inject({ method: 'POST', url: '/api/v1/people', headers, payload: { kind: 'unborn', names: [{ familyName: 'Baby of Maggie' }] } });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toContainEqual({ pointer: '/expectedDateOfDelivery', detail: 'An unborn child needs an expected date of delivery' });
  });

  it('a relationship to a person who does not exist is refused with a clear message and nothing is written', async () => {
    const { app, headers, teacher } = await setUp();
    const jack = await person(teacher);
    const before = await rowCounts(t.db());
    const res = await app.inject({
      method: 'POST', url: `/api/v1/people/${jack.id}/relationships`, headers,
      payload: { relatedPersonId: '00000000-0000-4000-8000-000000000000', type: 'parent' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ pointer: '/relatedPersonId', detail: 'No person with that identifier' }]);
    expect(await rowCounts(t.db())).toEqual(before);
  });

  it('a relationship to a person in another agency is answered exactly as one to a person who does not exist', async () => {
    const { s, app, headers, teacher } = await setUp();
    const hv = await practitioner(s, await agency(s, (await t.db().query<{ id: string }>('SELECT id FROM partnership')).rows[0]!.id, 'health_visiting'));
    const mother = await person(hv, { kind: 'adult', names: [{ givenNames: 'Mother', familyName: 'Smith' }], dateOfBirth: '1995-01-01' });
    const jack = await person(teacher);
    const res = await app.inject({ method: 'POST', url: `/api/v1/people/${jack.id}/relationships`, headers, payload: { relatedPersonId: mother.id, type: 'parent' } });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ pointer: '/relatedPersonId', detail: 'No person with that identifier' }]);
  });

  it('a record about something in the future is refused', async () => {
    const { app, headers, teacher } = await setUp();
    const jack = await person(teacher);
    const res = await app.inject({ method: 'POST', url: `/api/v1/people/${jack.id}/records`, headers, payload: { ...concern(), occurredAt: '2030-01-01T09:00:00Z' } });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ pointer: '/occurredAt', detail: 'This date is in the future' }]);
  });

  it('a home visit without its outcome, and a concern with one, are refused with the allowed values', async () => {
    const { app, headers, teacher } = await setUp();
    const jack = await person(teacher);
    const visit = await app.inject({ method: 'POST', url: `/api/v1/people/${jack.id}/records`, headers, payload: { ...concern(), kind: 'home_visit' } });
    expect(visit.json().errors).toEqual([{ pointer: '/outcome', detail: 'Say what happened: one of seen, seen_child_not_seen, no_access' }]);
    const c = await app.inject({ method: 'POST', url: `/api/v1/people/${jack.id}/records`, headers, payload: { ...concern(), outcome: 'no_access' } });
    expect(c.json().errors).toEqual([{ pointer: '/outcome', detail: 'A concern has no outcome' }]);
  });

  it('malformed JSON, a missing body and a wrong content type get 4xx problems, never 5xx', async () => {
    const { app, headers } = await setUp();
    const broken = await app.inject({ method: 'POST', url: '/api/v1/people', headers, payload: '{"kind": "child",' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ status: 400, detail: 'The body is not valid JSON.' });
    const empty = await app.inject({ method: 'POST', url: '/api/v1/people', headers: { authorization: headers.authorization! } });
    expect(empty.statusCode).toBe(400);
    const text = await app.inject({ method: 'POST', url: '/api/v1/people', headers: { authorization: headers.authorization!, 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.statusCode).toBe(415);
    const notArray = await app.inject({ method: 'POST', url: '/api/v1/people', headers, payload: '[1,2,3]' });
    expect(notArray.statusCode).toBe(422);
  });

  it('a malformed identifier in the address is a 422 naming the parameter; an unknown query parameter is refused', async () => {
    const { app, headers } = await setUp();
    const res = await app.inject({ method: 'GET', url: '/api/v1/records/not-a-uuid', headers });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ pointer: '/params/id', detail: 'Not a valid identifier' }]);
    const q = await app.inject({ method: 'GET', url: '/api/v1/agencies?name=Jack', headers });
    expect(q.statusCode).toBe(422);
    expect(q.json().errors).toEqual([{ pointer: '/query/name', detail: 'Unknown parameter' }]);
  });

  it('a request with no credentials is 401 and an unknown address is a 404 problem', async () => {
    const { app } = await setUp();
    expect((await app.inject({ method: 'GET', url: '/api/v1/agencies' })).statusCode).toBe(401);
    const nowhere = await app.inject({ method: 'GET', url: '/api/v1/nowhere' });
    expect(nowhere.statusCode).toBe(404);
    expect(nowhere.headers['content-type']).toMatch(/problem\+json/);
  });

  it('a stale correction is refused with 409 and the record keeps its current version', async () => {
    const { app, headers, teacher } = await setUp();
    const jack = await person(teacher);
    const created = (await app.inject({ method: 'POST', url: `/api/v1/people/${jack.id}/records`, headers, payload: concern() })).json();
    const first = await app.inject({ method: 'POST', url: `/api/v1/records/${created.id}/corrections`, headers, payload: { baseVersion: 1, correctionReason: 'Typo', summary: 'Often late and very hungry' } });
    expect(first.statusCode).toBe(201);
    const stale = await app.inject({ method: 'POST', url: `/api/v1/records/${created.id}/corrections`, headers, payload: { baseVersion: 1, correctionReason: 'Again', summary: 'x' } });
    expect(stale.statusCode).toBe(409);
    const now = (await app.inject({ method: 'GET', url: `/api/v1/records/${created.id}`, headers })).json();
    expect(now).toMatchObject({ version: 2, summary: 'Often late and very hungry' });
  });
});
