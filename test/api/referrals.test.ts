import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { recordConsent } from '../../src/consent/consent.ts';
import { NewConsent } from '../../src/consent/schemas.ts';
import { addRelationship } from '../../src/people/people.ts';
import { addRecord } from '../../src/records/records.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { NewShareDecision } from '../../src/sharing/schemas.ts';
import { makeDecision } from '../../src/sharing/sharing.ts';
import { useTestDb } from '../db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../fixtures.ts';
import { bearer, testApp } from './helpers.ts';

describe('referrals over the API', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function setUp() {
    // Thursday 2 April 2026, 10:00 in London: the day before Good Friday.
    const clock = fixedClock('2026-04-02T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', 'Riverside Primary');
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const health = await agency(s, p, 'health_visiting', 'Northshire Health Visiting');
    const teacher = await practitioner(s, school, ['practitioner'], 'Amira Shah');
    const duty = await practitioner(s, csc, ['social_worker', 'safeguarding_lead'], 'Dev Patel');
    const hv = await practitioner(s, health, ['practitioner', 'safeguarding_lead'], 'Joanne Pike');
    const jack = await person(teacher, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2019-04-22', nhsNumber: '9434765919' });
    const mother = await person(teacher, { kind: 'adult', names: [{ givenNames: 'Dawn', familyName: 'Carver' }] });
    await addRelationship(teacher, jack.id, { relatedPersonId: mother.id, type: 'parental_responsibility' });
    const hungry = await addRecord(teacher, jack.id, concern({ summary: 'Often hungry' }));
    const consent = await recordConsent(teacher, jack.id, NewConsent.parse({
      purposeCode: 'child_in_need_assessment', purpose: 'Refer Jack for an assessment', recipientAgencyIds: [csc, health], decision: 'given', form: 'explicit_verbal',
      givenBy: { capacity: 'parental_responsibility', personId: mother.id }, obtainedAt: '2026-04-02T08:30:00Z',
    }));
    app = await testApp(s);
    const as = async (ctx: ActorContext) => {
      const auth = await bearer(ctx);
      const json = { ...auth, 'content-type': 'application/json' };
      return {
        get: async (url: string) => {
          const res = await app!.inject({ method: 'GET', url: `/api/v1${url}`, headers: auth });
          return { status: res.statusCode, body: res.json() };
        },
        post: async (url: string, payload: object) => {
          const res = await app!.inject({ method: 'POST', url: `/api/v1${url}`, headers: json, payload });
          return { status: res.statusCode, body: res.json() };
        },
      };
    };
    const decision = (to: string) => ({
      answers: {
        purposeCode: 'child_in_need_assessment', purpose: 'Refer Jack for an assessment', withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true,
        consent: { status: 'given', consentId: consent.id },
      },
      outcome: 'share', reasons: 'His mother agreed',
      share: { recipients: [{ agencyId: to }], items: [{ recordId: hungry.id, parts: ['summary'] }] },
      subjectInformed: { informed: true, at: '2026-04-02T08:30:00Z', by: 'Amira Shah' },
    });
    const body = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
      childPersonId: jack.id, toAgencyId: csc, channel: 'phone', concerns: 'Often hungry and tired',
      domains: { developmentalNeeds: 'Underweight; tired', parentingCapacity: 'Mother struggling', familyAndEnvironment: 'Lives with mother and sister' },
      childsWishesAndFeelings: 'Wants more food at home',
      familyAgreement: { status: 'agreed' },
      familyToBeTold: { what: 'A social worker will call', byWhom: 'Amira Shah', when: 'At pick-up today' },
      shareDecision: decision(csc),
      ...over,
    });
    return { clock, s, school, csc, health, teacher, duty, hv, jack, hungry, consent, decision, body, api: { teacher: await as(teacher), duty: await as(duty) } };
  }

  it('the teacher refers by phone, the duty social worker works it from the queue, and the teacher sees the outcome with the reasons', async () => {
    const w = await setUp();
    const made = await w.api.teacher.post('/referrals', w.body());
    expect(made.status).toBe(201);
    expect(made.body.steps.map((s: { key: string; due: string }) => [s.key, s.due])).toEqual([['written_confirmation', '2026-04-04T09:00:00.000Z'], ['referrer_chase', '2026-04-09']]);

    const queue = await w.api.duty.get('/referrals/incoming');
    expect(queue.status).toBe(200);
    expect(queue.body.items.map((r: { id: string }) => r.id)).toEqual([made.body.id]);
    expect(queue.body.items[0].steps.map((s: { key: string; due: string; overdue: boolean }) => [s.key, s.due, s.overdue])).toEqual([['acknowledgement', '2026-04-07', false], ['referral_decision', '2026-04-07', false]]);

    w.clock.set('2026-04-07T08:00:00Z');
    const accepted = await w.api.duty.post(`/referrals/${made.body.id}/acceptance`, { personId: 'new' });
    expect(accepted).toMatchObject({ status: 200, body: { handling: 'accepted' } });
    const episode = await w.api.duty.get(`/episodes/${accepted.body.episodeId}`);
    expect(episode.body.actions.map((a: { type: string }) => a.type)).toEqual(['referral_received']);
    expect((await w.api.duty.post(`/referrals/${made.body.id}/acknowledgement`, {})).body.progress).toBe('acknowledged');
    const decided = await w.api.duty.post(`/referrals/${made.body.id}/decision`, { outcome: 'no_further_action', reasons: 'Breakfast club is meeting his needs' });
    expect(decided).toMatchObject({ status: 200, body: { progress: 'decided' } });

    const mine = await w.api.teacher.get('/referrals/outgoing');
    expect(mine.body.items).toEqual([expect.objectContaining({ id: made.body.id, decision: expect.objectContaining({ outcome: 'no_further_action', reasons: 'Breakfast club is meeting his needs' }) })]);
    // The written confirmation is still outstanding, and now late: the referrer's task list says so.
    expect(mine.body.items[0].steps).toEqual([expect.objectContaining({ key: 'written_confirmation', overdue: true })]);
    const notifications = await w.api.teacher.get('/notifications');
    expect(notifications.body.items.map((n: { kind: string }) => n.kind)).toEqual(expect.arrayContaining(['referral.acknowledged', 'referral.decided']));
  });

  it('answers bad referrals with a problem naming each field, and writes nothing', async () => {
    const w = await setUp();
    const post = (over: Record<string, unknown>) => w.api.teacher.post('/referrals', w.body(over));

    const noDomains = await post({ domains: undefined, familyToBeTold: { what: 'A call' } });
    expect(noDomains.status).toBe(422);
    expect(noDomains.body.errors).toEqual([
      { pointer: '/domains', detail: "Give what you know in each of the Assessment Framework's three domains (10.6)" },
      { pointer: '/familyToBeTold/byWhom', detail: 'Say who will tell them (11.4)' },
      { pointer: '/familyToBeTold/when', detail: 'Say when they will be told (11.4)' },
    ]);
    const blankNeeds = await post({ domains: { developmentalNeeds: '  ', parentingCapacity: 'x', familyAndEnvironment: 'y' } });
    expect(blankNeeds.body.errors).toEqual([{ pointer: '/domains/developmentalNeeds', detail: "Describe what you know of the child's developmental needs, or say that you know nothing (10.6)" }]);
    const unknownField = await post({ priority: 'high' });
    expect(unknownField.body.errors).toEqual([{ pointer: '/', detail: 'Unknown field(s): priority' }]);

    const theirs = await person(w.hv, { names: [{ givenNames: 'Jack', familyName: 'Carver' }] });
    const notMine = await post({ childPersonId: theirs.id });
    expect(notMine).toMatchObject({ status: 422, body: { errors: [{ pointer: '/childPersonId', detail: "No child with that identifier in your agency's index" }] } });

    const wrongType = await post({ toAgencyId: w.health, shareDecision: w.decision(w.health) });
    expect(wrongType).toMatchObject({ status: 422, body: { errors: [{ pointer: '/toAgencyId', detail: "Refer to children's social care or the police (10.4): this agency is health visiting" }] } });

    const toHealth = await makeDecision(w.teacher, NewShareDecision.parse({ ...w.decision(w.health), personId: w.jack.id }));
    const notCovered = await post({ shareDecision: undefined, shareDecisionId: toHealth.id });
    expect(notCovered).toMatchObject({ status: 422, body: { errors: [{ pointer: '/shareDecisionId', detail: 'This decision does not share with the agency you are referring to' }] } });

    const badQuery = await w.api.duty.get('/referrals/incoming?status=everything');
    expect(badQuery).toMatchObject({ status: 422, body: { errors: [{ pointer: '/query/status', detail: 'Must be open, decided or all' }] } });

    expect((await t.db().query('SELECT 1 FROM referral')).rowCount).toBe(0);
    expect((await t.db().query('SELECT 1 FROM share_decision')).rowCount).toBe(1);
  });

  it('is described in the OpenAPI document with its named schemas', async () => {
    const w = await setUp();
    void w;
    const doc = (await app!.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(doc.paths['/api/v1/referrals'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/NewReferral');
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Referral', 'ReferralAssessmentDomains', 'ReferralFamilyAgreement', 'ReferralFamilyToBeTold', 'ReferralShareDecision', 'ProtectedReferrer']));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/referrals/incoming', '/api/v1/referrals/outgoing', '/api/v1/referrals/{id}/acceptance', '/api/v1/referrals/{id}/decision']));
  });
});
