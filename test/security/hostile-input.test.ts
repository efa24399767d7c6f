import { describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/audit/audit.ts';
import { addPractitionerAsSystem } from '../../src/partnership/partnership.ts';
import { useTestDb } from '../db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../fixtures.ts';
import { bearer, testApp } from '../api/helpers.ts';

/**
 * Input a browser or client can send but no practitioner types: NUL and other control characters,
 * half a surrogate pair, upper-case ids, impossible dates. Each is a 4xx naming the field, never
 * a database error (a 500), and nothing reaches the database in a form it would refuse.
 */
describe('hostile input is refused at the edge', () => {
  const t = useTestDb();

  async function setUp() {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school');
    const teacher = await practitioner(s, school);
    const app = await testApp(s);
    const headers: Record<string, string> = { ...(await bearer(teacher)), 'content-type': 'application/json' };
    return { s, app, headers, teacher, school };
  }

  it('a NUL in a person’s name is a 422 naming the field', async () => {
    const { app, headers } = await setUp();
    const res = await app.inject({ method: 'POST', url: '/api/v1/people', headers, payload: { kind: 'child', names: [{ givenNames: 'Ja\u0000ck', familyName: 'Smith' }] } });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().errors).toEqual([{ pointer: '/names/0/givenNames', detail: 'This must not contain control characters' }]);
  });

  it('a lone surrogate ("\\ud800" in the JSON) in a record’s text is a 422 naming the field', async () => {
    const { app, headers, teacher } = await setUp();
    const jack = await person(teacher);
    const body = JSON.stringify({ ...concern(), details: 'He said \uD800 then stopped' });
    expect(body).toContain('\\ud800');
    const res = await app.inject({ method: 'POST', url: `/api/v1/people/${jack.id}/records`, headers, payload: body });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ pointer: '/details', detail: 'This is not valid text' }]);
  });

  it('a NUL in a search, a query string or the Jigsaw-Purpose header is never a 500', async () => {
    const { app, headers } = await setUp();
    const search = await app.inject({ method: 'POST', url: '/api/v1/people/search', headers, payload: { name: 'Ja\u0000ck' } });
    expect(search.statusCode).toBe(422);
    expect(search.json().errors).toEqual([{ pointer: '/name', detail: 'This must not contain control characters' }]);
    const queue = await app.inject({ method: 'GET', url: '/api/v1/due-steps?team=a%00b', headers });
    expect(queue.statusCode).toBe(422);
    expect(queue.json().errors).toEqual([{ pointer: '/query/team', detail: 'This must not contain control characters' }]);
    const purposed = await app.inject({ method: 'POST', url: '/api/v1/people', headers: { ...headers, 'jigsaw-purpose': 'Section 47 \uD800 enquiry' }, payload: { kind: 'child', names: [{ givenNames: 'Jack' }] } });
    expect(purposed.statusCode).toBe(201);
    const kept = await t.db().query<{ purpose: string }>("SELECT purpose FROM audit_event WHERE action = 'person.create'");
    expect(kept.rows[0]!.purpose).toBe('Section 47 \uFFFD enquiry');
  });

  it('a NUL in the sign-in page’s e-mail address shows the form’s error summary, not an error page', async () => {
    const { s, app, school } = await setUp();
    await addPractitionerAsSystem(s, { agencyId: school, name: 'Kim', email: 'kim@example.org', roles: ['practitioner'], password: 'correct horse battery' });
    const page = await app.inject({ method: 'GET', url: '/sign-in' });
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await app.inject({
      method: 'POST', url: '/sign-in', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(token)}&email=kim%00%40example.org&password=correct+horse+battery`,
    });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('govuk-error-summary');
    expect(res.body).toContain('This must not contain control characters');
    expect(res.body).not.toContain('\u0000');
  });

  it('an upper-case id finds the same person, and the audit keeps the lower-case id with its chain intact', async () => {
    const { app, headers, teacher } = await setUp();
    const jack = await person(teacher);
    const res = await app.inject({ method: 'GET', url: `/api/v1/people/${jack.id.toUpperCase()}`, headers });
    expect(res.statusCode).toBe(200);
    expect(res.json().id).toBe(jack.id);
    const read = await t.db().query<{ entity_id: string }>("SELECT entity_id FROM audit_event WHERE action = 'person.read' ORDER BY seq DESC LIMIT 1");
    expect(read.rows[0]!.entity_id).toBe(jack.id);
    expect((await verifyAuditChain(t.db())).ok).toBe(true);
  });

  it('a relationship to the same person given in upper case is a 422, not a database error', async () => {
    const { app, headers, teacher } = await setUp();
    const jack = await person(teacher);
    const res = await app.inject({ method: 'POST', url: `/api/v1/people/${jack.id}/relationships`, headers, payload: { relatedPersonId: jack.id.toUpperCase(), type: 'sibling' } });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ pointer: '/relatedPersonId', detail: 'Choose a different person' }]);
  });

  it('a date of birth of 9999-12-31, or tomorrow, is a 422 naming the field; an unborn child’s expected date of delivery may be ahead', async () => {
    const { app, headers } = await setUp();
    const far = await app.inject({ method: 'POST', url: '/api/v1/people', headers, payload: { kind: 'child', names: [{ givenNames: 'Jack' }], dateOfBirth: '9999-12-31' } });
    expect(far.statusCode).toBe(422);
    expect(far.json().errors).toEqual([{ pointer: '/dateOfBirth', detail: 'Enter a date between 1900 and 2099' }]);
    // The fixtures' clock says 2 March 2026.
    const tomorrow = await app.inject({ method: 'POST', url: '/api/v1/people', headers, payload: { kind: 'child', names: [{ givenNames: 'Jack' }], dateOfBirth: '2026-03-03' } });
    expect(tomorrow.statusCode).toBe(422);
    expect(tomorrow.json().errors).toEqual([{ pointer: '/dateOfBirth', detail: 'A date of birth cannot be in the future' }]);
    const unborn = await app.inject({ method: 'POST', url: '/api/v1/people', headers, payload: { kind: 'unborn', names: [{ familyName: 'Baby of Maggie' }], expectedDateOfDelivery: '2026-07-01' } });
    expect(unborn.statusCode).toBe(201);
    const old = await app.inject({ method: 'POST', url: '/api/v1/people', headers, payload: { kind: 'adult', names: [{ givenNames: 'Edith' }], dateOfBirth: '1899-12-31' } });
    expect(old.json().errors).toEqual([{ pointer: '/dateOfBirth', detail: 'Enter a date between 1900 and 2099' }]);
  });

  it('a record dated 0001-01-01 is a 422 naming occurredAt', async () => {
    const { app, headers, teacher } = await setUp();
    const jack = await person(teacher);
    const res = await app.inject({ method: 'POST', url: `/api/v1/people/${jack.id}/records`, headers, payload: { ...concern(), occurredAt: '0001-01-01T00:00:00Z' } });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ pointer: '/occurredAt', detail: 'Enter a date between 1900 and 2099' }]);
  });
});
