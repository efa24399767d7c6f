import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { addRelationship } from '../../src/people/people.ts';
import { NewReferral } from '../../src/process/referral-schemas.ts';
import { makeReferral } from '../../src/process/referrals.ts';
import { addRecord } from '../../src/records/records.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { useTestDb } from '../db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../fixtures.ts';
import { bearer, testApp } from './helpers.ts';

describe('accepting a referral over the API: candidates, the chosen entry or "new", and allocation', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function setUp() {
    const clock = fixedClock('2026-04-10T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const health = await agency(s, p, 'health_visiting', 'Northshire Health Visiting');
    const hv = await practitioner(s, health, ['practitioner', 'safeguarding_lead'], 'Joanne Pike');
    const duty = await practitioner(s, csc, ['social_worker'], 'Dev Patel');
    const rachel = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const address = { line1: '5 Ashdown Road', postcode: 'NS1 6EJ' };
    const hvRuby = await person(hv, { names: [{ givenNames: 'Ruby', familyName: 'Carver' }], dateOfBirth: '2026-03-20', sex: 'female', addresses: [address] });
    const hvDawn = await person(hv, { kind: 'adult', names: [{ givenNames: 'Dawn', familyName: 'Carver' }], dateOfBirth: '1994-02-01', sex: 'female' });
    await addRelationship(hv, hvRuby.id, { relatedPersonId: hvDawn.id, type: 'parent' });
    const cscRuby = await person(duty, { names: [{ givenNames: 'Ruby', familyName: 'Carver' }], dateOfBirth: '2026-03-20', sex: 'female', addresses: [address] });
    const visit = await addRecord(hv, hvRuby.id, concern({ occurredAt: '2026-04-09T10:00:00Z', summary: 'Bruise on the cheek of a non-mobile baby' }));
    const referral = await makeReferral(hv, NewReferral.parse({
      childPersonId: hvRuby.id, toAgencyId: csc, channel: 'written', concerns: 'A bruise on a three-week-old baby', childsWishesAndFeelings: 'Too young to say',
      domains: { developmentalNeeds: 'Feeding well', parentingCapacity: 'Mother anxious', familyAndEnvironment: 'Lives with her mother' },
      familyAgreement: { status: 'not_told', reason: 'Telling her could put Ruby at risk' },
      familyToBeTold: { what: 'That a social worker will visit', byWhom: 'The social worker', when: 'At the visit' },
      shareDecision: {
        answers: { purposeCode: 'child_protection_enquiry', purpose: 'A bruise on a non-mobile baby', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 2004 s11' },
        outcome: 'share', reasons: 'Significant harm until shown otherwise',
        share: { recipients: [{ agencyId: csc }], items: [{ recordId: visit.id, parts: ['summary'] }], includeAddress: true },
        subjectInformed: { informed: false, reason: 'Telling her could put Ruby at risk' },
      },
    }));
    app = await testApp(s);
    const as = async (ctx: ActorContext) => {
      const auth = await bearer(ctx);
      const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
        const res = await app!.inject({ method, url: `/api/v1${url}`, headers: payload ? { ...auth, 'content-type': 'application/json' } : auth, ...(payload ? { payload } : {}) });
        return { status: res.statusCode, body: res.json() };
      };
      return { get: (url: string) => call('GET', url), post: (url: string, body: object) => call('POST', url, body), put: (url: string, body: object) => call('PUT', url, body) };
    };
    return { duty: await as(duty), hv: await as(hv), rachel, hvRuby, cscRuby, id: referral.id };
  }

  it('lists the authority’s own possible entries, takes the one chosen (or refuses a missing choice, naming the field), and allocates', async () => {
    const w = await setUp();
    const listed = await w.duty.get(`/referrals/${w.id}/candidates`);
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ placed: null, candidates: [{ personId: w.cscRuby.id, heldBy: 'your_agency', yourAgency: true, child: { name: 'Ruby Carver' } }] });
    expect(typeof listed.body.candidates[0].explanation).toBe('string');
    // The referrer cannot look into the authority's index.
    expect((await w.hv.get(`/referrals/${w.id}/candidates`)).status).toBe(403);

    const missing = await w.duty.post(`/referrals/${w.id}/acceptance`, {});
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual([expect.objectContaining({ pointer: '/personId', detail: expect.stringContaining("or 'new'") })]);
    // The health visitor's id for Ruby is another agency's entry: answered as missing.
    const theirs = await w.duty.post(`/referrals/${w.id}/acceptance`, { personId: w.hvRuby.id });
    expect(theirs.status).toBe(422);
    expect(theirs.body.errors).toEqual([{ pointer: '/personId', detail: "No child with that identifier in your agency's index" }]);

    const accepted = await w.duty.post(`/referrals/${w.id}/acceptance`, { personId: w.cscRuby.id });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ handling: 'accepted', receivedPersonId: w.cscRuby.id });

    const allocated = await w.duty.put(`/episodes/${accepted.body.episodeId}/allocation`, { allocatedWorkerId: w.rachel.actor.practitionerId, team: 'Assessment' });
    expect(allocated.status).toBe(200);
    expect(allocated.body).toMatchObject({ id: accepted.body.episodeId, allocatedWorkerId: w.rachel.actor.practitionerId, team: 'Assessment', open: true });
    const nobody = await w.duty.put(`/episodes/${accepted.body.episodeId}/allocation`, { allocatedWorkerId: w.hvRuby.id });
    expect(nobody.status).toBe(422);
    expect(nobody.body.errors).toEqual([{ pointer: '/allocatedWorkerId', detail: 'No active practitioner in your agency with that identifier' }]);
    expect((await w.hv.put(`/episodes/${accepted.body.episodeId}/allocation`, { allocatedWorkerId: w.rachel.actor.practitionerId })).status).toBe(403);

    const doc = (await app!.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/referrals/{id}/candidates', '/api/v1/episodes/{id}/allocation']));
  });
});
