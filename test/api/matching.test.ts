import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { addRelationship } from '../../src/people/people.ts';
import { addRecord } from '../../src/records/records.ts';
import { useTestDb } from '../db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../fixtures.ts';
import { bearer, testApp } from './helpers.ts';

const SECRET = 'Bruise on the left arm, explained as a fall';

describe('finding the same person across agencies over HTTP', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function setUp() {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', 'Riverside Primary');
    const hvService = await agency(s, p, 'health_visiting', 'Northshire Health Visiting');
    const elsewhere = await agency(s, await partnershipWith(s, 'Another Partnership'), 'school', 'Faraway School');
    const teacher = await practitioner(s, school);
    const hv = await practitioner(s, hvService);
    const stranger = await practitioner(s, elsewhere);
    const jackAtSchool = await person(teacher, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2022-04-22', sex: 'male', addresses: [{ line1: '12 Mill Lane', postcode: 'LS6 2AB', town: 'Leeds' }] });
    const jackAtHv = await person(hv, { names: [{ givenNames: 'Jak', familyName: 'Carver' }], dateOfBirth: '2022-04-22', sex: 'male', addresses: [{ line1: '14 Kirkstall Road', postcode: 'LS3 1HS', town: 'Leeds' }] });
    await addRecord(hv, jackAtHv.id, concern({ summary: SECRET }));
    const other = await person(hv, { names: [{ givenNames: 'Amelia', familyName: 'Patel' }], dateOfBirth: '2019-11-23' });
    const jackElsewhere = await person(stranger, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2022-04-22', sex: 'male' });
    app = await testApp(s);
    return { s, teacher, hv, jackAtSchool, jackAtHv, other, jackElsewhere, hvService, auth: await bearer(teacher), hvAuth: await bearer(hv) };
  }

  const auditActions = async (action: string): Promise<{ outcome: string; detail: Record<string, unknown> }[]> =>
    (await t.db().query<{ outcome: string; detail: Record<string, unknown> }>('SELECT outcome, detail FROM audit_event WHERE action = $1 ORDER BY seq', [action])).rows;

  it('offers the other agency\'s entry with probability and explanation, and nothing of its content', async () => {
    const x = await setUp();
    const res = await app!.inject({ method: 'GET', url: `/api/v1/people/${x.jackAtSchool.id}/candidates`, headers: x.auth });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ candidates: { personId: string; agencyName: string; probability: number; explanation: string; yourAgency: boolean; confidence: string }[] }>();
    expect(body.candidates.map((c) => c.personId)).toEqual([x.jackAtHv.id]); // not Amelia, not the other partnership's Jack
    const c = body.candidates[0]!;
    expect(c.agencyName).toBe('Northshire Health Visiting');
    expect(c.yourAgency).toBe(false);
    expect(c.probability).toBeGreaterThan(0.5);
    expect(c.explanation).toContain('same date of birth');
    expect(c.explanation).toContain('different postcode');
    // Neither the other entry's details nor any record content.
    expect(res.body).not.toMatch(/Jak\b|Kirkstall|LS3|Bruise|fall/);
    expect(await auditActions('person.candidates')).toEqual([expect.objectContaining({ outcome: 'success', detail: expect.objectContaining({ candidates: 1 }) })]);
  });

  it('searches by details, typo-tolerant, by POST; bad input is a 422 naming the field', async () => {
    const x = await setUp();
    const res = await app!.inject({ method: 'POST', url: '/api/v1/people/candidates', headers: x.auth, payload: { givenNames: 'Jakc', familyName: 'Carvr', dateOfBirth: '2022-04-22' } });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ candidates: { personId: string }[] }>().candidates.map((c) => c.personId).sort()).toEqual([x.jackAtSchool.id, x.jackAtHv.id].sort());
    expect(await auditActions('person.candidate-search')).toEqual([expect.objectContaining({ detail: expect.objectContaining({ candidates: 2 }) })]);
    const bad = await app!.inject({ method: 'POST', url: '/api/v1/people/candidates', headers: x.auth, payload: { dateOfBirth: '2022-02-30', colour: 'red' } });
    expect(bad.statusCode).toBe(422);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.json<{ errors: { pointer: string }[] }>().errors.map((e) => e.pointer)).toEqual(expect.arrayContaining(['/dateOfBirth']));
    const badQuery = await app!.inject({ method: 'GET', url: `/api/v1/people/${x.jackAtSchool.id}/candidates?minProbability=7`, headers: x.auth });
    expect(badQuery.statusCode).toBe(422);
  });

  it('"not the same person" is recorded, audited, stops the suggestion, and can be undone', async () => {
    const x = await setUp();
    const url = `/api/v1/people/${x.jackAtSchool.id}/candidates`;
    const no = await app!.inject({ method: 'POST', url: `${url}/${x.jackAtHv.id}/not-same-person`, headers: x.auth, payload: { reason: 'Different mother on the birth record' } });
    expect(no.statusCode).toBe(201);
    const decision = no.json<{ id: string; undoneAt: string | null }>();
    expect((await app!.inject({ method: 'GET', url, headers: x.auth })).json<{ candidates: unknown[] }>().candidates).toEqual([]);
    // Nor does it come back the other way round, for the health visitor.
    expect((await app!.inject({ method: 'GET', url: `/api/v1/people/${x.jackAtHv.id}/candidates`, headers: x.hvAuth })).json<{ candidates: unknown[] }>().candidates).toEqual([]);
    expect((await app!.inject({ method: 'POST', url: `${url}/${x.jackAtHv.id}/not-same-person`, headers: x.auth, payload: { reason: 'again' } })).statusCode).toBe(409);
    const undo = await app!.inject({ method: 'POST', url: `/api/v1/not-same-person/${decision.id}/undo`, headers: x.auth, payload: { reason: 'Checked again: same mother' } });
    expect(undo.statusCode).toBe(200);
    expect(undo.json<{ undoneAt: string | null }>().undoneAt).not.toBeNull();
    expect((await app!.inject({ method: 'GET', url, headers: x.auth })).json<{ candidates: { personId: string }[] }>().candidates.map((c) => c.personId)).toEqual([x.jackAtHv.id]);
    expect((await auditActions('person.not-same')).length).toBe(1);
    expect((await auditActions('person.not-same.undo')).length).toBe(1);
    // Someone outside both agencies cannot undo it (answered as not found, audited as denied).
    const outsider = await practitioner(x.s, await agency(x.s, await partnershipWith(x.s, 'P3'), 'police'));
    const stranger = await app!.inject({ method: 'POST', url: `/api/v1/not-same-person/${decision.id}/undo`, headers: await bearer(outsider), payload: { reason: 'x' } });
    expect(stranger.statusCode).toBe(404);
  });

  it('"same person" records a link: agencies see each other, no content is shared, and unlinking restores the suggestion', async () => {
    const x = await setUp();
    const url = `/api/v1/people/${x.jackAtSchool.id}/candidates`;
    const yes = await app!.inject({ method: 'POST', url: `${url}/${x.jackAtHv.id}/same-person`, headers: x.auth, payload: { reason: 'Same mother and address history' } });
    expect(yes.statusCode).toBe(201);
    const link = yes.json<{ id: string; otherPersonId: string }>();
    expect(link.otherPersonId).toBe(x.jackAtHv.id);
    expect((await app!.inject({ method: 'GET', url, headers: x.auth })).json<{ candidates: unknown[] }>().candidates).toEqual([]);
    const involved = await app!.inject({ method: 'GET', url: `/api/v1/people/${x.jackAtSchool.id}/agencies-involved`, headers: x.auth });
    expect(involved.statusCode).toBe(200);
    const hvEntry = involved.json<{ agencies: { name: string; holdsEntry: boolean; recordsSharedWithYou: number }[] }>().agencies.find((a) => a.name === 'Northshire Health Visiting');
    expect(hvEntry).toMatchObject({ holdsEntry: true, recordsSharedWithYou: 0 });
    expect(involved.body).not.toContain('Bruise');
    // The link shares nothing: the health visitor's entry and records stay out of reach.
    expect((await app!.inject({ method: 'GET', url: `/api/v1/people/${x.jackAtHv.id}`, headers: x.auth })).statusCode).toBe(404);
    const chronology = await app!.inject({ method: 'GET', url: `/api/v1/people/${x.jackAtSchool.id}/chronology`, headers: x.auth });
    expect(chronology.body).not.toContain('Bruise');
    expect((await auditActions('person.link'))).toEqual([expect.objectContaining({ outcome: 'success', detail: expect.objectContaining({ otherPersonId: x.jackAtHv.id, via: 'candidate' }) })]);
    const unlink = await app!.inject({ method: 'POST', url: `/api/v1/person-links/${link.id}/unlink`, headers: x.auth, payload: { reason: 'Wrong child' } });
    expect(unlink.statusCode).toBe(200);
    expect((await app!.inject({ method: 'GET', url, headers: x.auth })).json<{ candidates: { personId: string }[] }>().candidates.map((c) => c.personId)).toEqual([x.jackAtHv.id]);
  });

  it('refuses what is out of reach: another agency\'s person, an entry in another partnership, an unsuggested entry', async () => {
    const x = await setUp();
    expect((await app!.inject({ method: 'GET', url: `/api/v1/people/${x.jackAtHv.id}/candidates`, headers: x.auth })).statusCode).toBe(404);
    const far = await app!.inject({ method: 'POST', url: `/api/v1/people/${x.jackAtSchool.id}/candidates/${x.jackElsewhere.id}/same-person`, headers: x.auth, payload: { reason: 'x' } });
    expect(far.statusCode).toBe(404);
    const unsuggested = await app!.inject({ method: 'POST', url: `/api/v1/people/${x.jackAtSchool.id}/candidates/${x.other.id}/same-person`, headers: x.auth, payload: { reason: 'x' } });
    expect(unsuggested.statusCode).toBe(422);
    expect((await auditActions('person.link')).every((e) => e.outcome !== 'success')).toBe(true);
  });

  it('keeps the index in step: parents recorded afterwards, all different, sink the candidate below confident', async () => {
    const x = await setUp();
    const mumAtSchool = await person(x.teacher, { kind: 'adult', names: [{ givenNames: 'Dawn', familyName: 'Carver' }] });
    const mumAtHv = await person(x.hv, { kind: 'adult', names: [{ givenNames: 'Sarah', familyName: 'Okafor' }] });
    const url = `/api/v1/people/${x.jackAtSchool.id}/candidates`;
    const before = (await app!.inject({ method: 'GET', url, headers: x.auth })).json<{ candidates: { matchWeight: number }[] }>().candidates[0]!.matchWeight;
    await addRelationship(x.teacher, x.jackAtSchool.id, { relatedPersonId: mumAtSchool.id, type: 'parent' });
    await addRelationship(x.hv, x.jackAtHv.id, { relatedPersonId: mumAtHv.id, type: 'parent' });
    const after = (await app!.inject({ method: 'GET', url, headers: x.auth })).json<{ candidates: { matchWeight: number; conflicts: string[]; confidence: string }[] }>().candidates;
    expect(after.map((c) => c.conflicts)).toEqual([['recorded parents all different']]);
    expect(after[0]!.matchWeight).toBeLessThan(before - 3);
    expect(after.every((c) => c.confidence !== 'confident')).toBe(true);
  });
});
