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
    // The school's and the service's safeguarding leads: the roles shown other agencies' candidates.
    const teacher = await practitioner(s, school, ['safeguarding_lead']);
    const hv = await practitioner(s, hvService, ['safeguarding_lead']);
    const stranger = await practitioner(s, elsewhere);
    const jackAtSchool = await person(teacher, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2022-04-22', sex: 'male', addresses: [{ line1: '12 Mill Lane', postcode: 'LS6 2AB', town: 'Leeds' }] });
    const jackAtHv = await person(hv, { names: [{ givenNames: 'Jak', familyName: 'Carver' }], dateOfBirth: '2022-04-22', sex: 'male', addresses: [{ line1: '14 Kirkstall Road', postcode: 'LS3 1HS', town: 'Leeds' }] });
    await addRecord(hv, jackAtHv.id, concern({ summary: SECRET }));
    const other = await person(hv, { names: [{ givenNames: 'Amelia', familyName: 'Patel' }], dateOfBirth: '2019-11-23' });
    const ownOther = await person(teacher, { names: [{ givenNames: 'Amelia', familyName: 'Patel' }], dateOfBirth: '2019-11-23' });
    const jackElsewhere = await person(stranger, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2022-04-22', sex: 'male' });
    app = await testApp(s);
    return { s, teacher, hv, jackAtSchool, jackAtHv, other, ownOther, jackElsewhere, hvService, auth: await bearer(teacher), hvAuth: await bearer(hv) };
  }

  const auditActions = async (action: string): Promise<{ outcome: string; detail: Record<string, unknown> }[]> =>
    (await t.db().query<{ outcome: string; detail: Record<string, unknown> }>('SELECT outcome, detail FROM audit_event WHERE action = $1 ORDER BY seq', [action])).rows;

  type Listed = { candidates: { ref: string; heldBy: string; personId: string | null; agencyName: string | null; probability: number; explanation: string; yourAgency: boolean; confidence: string }[]; notice: string };
  const refs = async (url: string, headers: Record<string, string>): Promise<string[]> =>
    (await app!.inject({ method: 'GET', url, headers })).json<Listed>().candidates.map((c) => c.ref);

  it('offers the other agency\'s entry by name to a safeguarding lead, with probability and explanation, and neither its id nor its content', async () => {
    const x = await setUp();
    const res = await app!.inject({ method: 'GET', url: `/api/v1/people/${x.jackAtSchool.id}/candidates`, headers: x.auth });
    expect(res.statusCode).toBe(200);
    const body = res.json<Listed>();
    expect(body.candidates).toHaveLength(1); // not Amelia, not the other partnership's Jack
    const c = body.candidates[0]!;
    expect(c).toMatchObject({ heldBy: 'another_agency', personId: null });
    expect(c.ref).not.toBe(x.jackAtHv.id);
    expect(res.body).not.toContain(x.jackAtHv.id);
    expect(body.notice).toContain('never shown'); // a lead is told how other agencies' candidates are shown, not to ask themselves
    expect(c.agencyName).toBe('Northshire Health Visiting');
    expect(c.yourAgency).toBe(false);
    expect(c.probability).toBeGreaterThan(0.5);
    expect(c.explanation).toContain('same date of birth');
    expect(c.explanation).toContain('different postcode');
    // Neither the other entry's details nor any record content.
    expect(res.body).not.toMatch(/Jak\b|Kirkstall|LS3|Bruise|fall/);
    expect(await auditActions('person.candidates')).toEqual([expect.objectContaining({ outcome: 'success', detail: expect.objectContaining({ candidates: 1 }) })]);
    expect(await auditActions('person.candidate-disclosure')).toEqual([expect.objectContaining({ outcome: 'success', detail: expect.objectContaining({ holdingAgencyId: x.hvService, named: true }) })]);
  });

  it('searches by details, typo-tolerant, by POST; bad input is a 422 naming the field', async () => {
    const x = await setUp();
    const res = await app!.inject({ method: 'POST', url: '/api/v1/people/candidates', headers: x.auth, payload: { givenNames: 'Jakc', familyName: 'Carvr', dateOfBirth: '2022-04-22' } });
    expect(res.statusCode).toBe(200);
    expect(res.json<Listed>().candidates.map((c) => [c.heldBy, c.personId])).toEqual(expect.arrayContaining([['your_agency', x.jackAtSchool.id], ['another_agency', null]]));
    expect(res.body).not.toContain(x.jackAtHv.id);
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
    const [ref] = await refs(url, x.auth);
    const no = await app!.inject({ method: 'POST', url: `${url}/${ref}/not-same-person`, headers: x.auth, payload: { reason: 'Different mother on the birth record' } });
    expect(no.statusCode).toBe(201);
    const decision = no.json<{ id: string; undoneAt: string | null; otherPersonId: string | null }>();
    expect(decision.otherPersonId).toBeNull();
    expect(no.body).not.toContain(x.jackAtHv.id);
    expect((await app!.inject({ method: 'GET', url, headers: x.auth })).json<{ candidates: unknown[] }>().candidates).toEqual([]);
    // Nor does it come back the other way round, for the health visitor.
    expect((await app!.inject({ method: 'GET', url: `/api/v1/people/${x.jackAtHv.id}/candidates`, headers: x.hvAuth })).json<{ candidates: unknown[] }>().candidates).toEqual([]);
    expect((await app!.inject({ method: 'POST', url: `${url}/${ref}/not-same-person`, headers: x.auth, payload: { reason: 'again' } })).statusCode).toBe(409);
    const undo = await app!.inject({ method: 'POST', url: `/api/v1/not-same-person/${decision.id}/undo`, headers: x.auth, payload: { reason: 'Checked again: same mother' } });
    expect(undo.statusCode).toBe(200);
    expect(undo.json<{ undoneAt: string | null }>().undoneAt).not.toBeNull();
    expect(await refs(url, x.auth)).toEqual([ref]); // the same offer again
    expect((await auditActions('person.not-same')).length).toBe(1);
    expect((await auditActions('person.not-same.undo')).length).toBe(1);
    // Someone outside both agencies cannot undo it (answered as not found, audited as denied).
    const outsider = await practitioner(x.s, await agency(x.s, await partnershipWith(x.s, 'P3'), 'police'));
    const stranger = await app!.inject({ method: 'POST', url: `/api/v1/not-same-person/${decision.id}/undo`, headers: await bearer(outsider), payload: { reason: 'x' } });
    expect(stranger.statusCode).toBe(404);
  });

  it('"same person" across agencies asks the other agency; nothing is linked until it accepts; then agencies see each other, no content is shared, and unlinking restores the suggestion', async () => {
    const x = await setUp();
    const url = `/api/v1/people/${x.jackAtSchool.id}/candidates`;
    const [ref] = await refs(url, x.auth);
    const yes = await app!.inject({ method: 'POST', url: `${url}/${ref}/same-person`, headers: x.auth, payload: { reason: 'Same mother and address history' } });
    expect(yes.statusCode).toBe(201);
    expect(yes.json()).toMatchObject({ outcome: 'requested', linkId: null });
    expect(yes.body).not.toContain(x.jackAtHv.id);
    const involvedUrl = `/api/v1/people/${x.jackAtSchool.id}/agencies-involved`;
    const holders = async (): Promise<string[]> => (await app!.inject({ method: 'GET', url: involvedUrl, headers: x.auth })).json<{ agencies: { name: string }[] }>().agencies.map((a) => a.name);
    expect(await holders()).not.toContain('Northshire Health Visiting');
    // Asking twice is a 409; the health visiting lead sees the request (the school named, their own entry) and accepts.
    expect((await app!.inject({ method: 'POST', url: `${url}/${ref}/same-person`, headers: x.auth, payload: { reason: 'again' } })).statusCode).toBe(409);
    const listed = await app!.inject({ method: 'GET', url: '/api/v1/person-link-requests', headers: x.hvAuth });
    const request = listed.json<{ requests: { id: string; direction: string; personId: string; otherAgencyName: string; status: string }[] }>().requests[0]!;
    expect(request).toMatchObject({ direction: 'incoming', personId: x.jackAtHv.id, otherAgencyName: 'Riverside Primary', status: 'pending' });
    expect(listed.body).not.toContain(x.jackAtSchool.id);
    // Only the agency asked answers: the school cannot accept its own request.
    expect((await app!.inject({ method: 'POST', url: `/api/v1/person-link-requests/${request.id}/accept`, headers: x.auth, payload: { reason: 'x' } })).statusCode).toBe(404);
    const accepted = await app!.inject({ method: 'POST', url: `/api/v1/person-link-requests/${request.id}/accept`, headers: x.hvAuth, payload: { reason: 'Same child: our records agree' } });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ status: 'accepted' });
    expect((await app!.inject({ method: 'GET', url, headers: x.auth })).json<{ candidates: unknown[] }>().candidates).toEqual([]);
    const involved = await app!.inject({ method: 'GET', url: involvedUrl, headers: x.auth });
    expect(involved.statusCode).toBe(200);
    const hvEntry = involved.json<{ agencies: { name: string; holdsEntry: boolean; recordsSharedWithYou: number }[]; links: { id: string }[] }>().agencies.find((a) => a.name === 'Northshire Health Visiting');
    expect(hvEntry).toMatchObject({ holdsEntry: true, recordsSharedWithYou: 0 });
    expect(involved.body).not.toContain('Bruise');
    expect(involved.body).not.toContain(x.jackAtHv.id); // not even once linked
    // The link shares nothing: the health visitor's entry and records stay out of reach.
    expect((await app!.inject({ method: 'GET', url: `/api/v1/people/${x.jackAtHv.id}`, headers: x.auth })).statusCode).toBe(404);
    const chronology = await app!.inject({ method: 'GET', url: `/api/v1/people/${x.jackAtSchool.id}/chronology`, headers: x.auth });
    expect(chronology.body).not.toContain('Bruise');
    expect((await auditActions('person.link'))).toEqual([expect.objectContaining({ outcome: 'success', detail: expect.objectContaining({ otherPersonId: x.jackAtHv.id, via: 'link-request' }) })]);
    const linkId = involved.json<{ links: { id: string }[] }>().links[0]!.id;
    const unlink = await app!.inject({ method: 'POST', url: `/api/v1/person-links/${linkId}/unlink`, headers: x.auth, payload: { reason: 'Wrong child' } });
    expect(unlink.statusCode).toBe(200);
    expect(unlink.json()).toMatchObject({ personId: x.jackAtSchool.id, otherPersonId: null });
    expect(await refs(url, x.auth)).toEqual([ref]);
  });

  it('within one agency "same person" links at once', async () => {
    const x = await setUp();
    const twin = await person(x.teacher, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2022-04-22', sex: 'male', addresses: [{ line1: '12 Mill Lane', postcode: 'LS6 2AB', town: 'Leeds' }] });
    const url = `/api/v1/people/${x.jackAtSchool.id}/candidates`;
    const own = (await app!.inject({ method: 'GET', url, headers: x.auth })).json<Listed>().candidates.find((c) => c.heldBy === 'your_agency')!;
    expect(own).toMatchObject({ ref: twin.id, personId: twin.id, agencyName: 'Riverside Primary' });
    const yes = await app!.inject({ method: 'POST', url: `${url}/${twin.id}/same-person`, headers: x.auth, payload: { reason: 'Entered twice' } });
    expect(yes.statusCode).toBe(201);
    expect(yes.json()).toMatchObject({ outcome: 'linked', requestId: null });
  });

  it('refuses what is out of reach: another agency\'s person, an entry in another partnership, an unsuggested entry', async () => {
    const x = await setUp();
    expect((await app!.inject({ method: 'GET', url: `/api/v1/people/${x.jackAtHv.id}/candidates`, headers: x.auth })).statusCode).toBe(404);
    const far = await app!.inject({ method: 'POST', url: `/api/v1/people/${x.jackAtSchool.id}/candidates/${x.jackElsewhere.id}/same-person`, headers: x.auth, payload: { reason: 'x' } });
    expect(far.statusCode).toBe(404);
    // Another agency's id, learnt elsewhere, is not a reference: answered as a person who does not exist.
    for (const id of [x.jackAtHv.id, x.other.id]) {
      const byId = await app!.inject({ method: 'POST', url: `/api/v1/people/${x.jackAtSchool.id}/candidates/${id}/same-person`, headers: x.auth, payload: { reason: 'x' } });
      expect(byId.statusCode).toBe(404);
    }
    const unsuggested = await app!.inject({ method: 'POST', url: `/api/v1/people/${x.jackAtSchool.id}/candidates/${x.ownOther.id}/same-person`, headers: x.auth, payload: { reason: 'x' } });
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
