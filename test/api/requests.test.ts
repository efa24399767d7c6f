import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { recordConsent } from '../../src/consent/consent.ts';
import { NewConsent } from '../../src/consent/schemas.ts';
import { addRelationship } from '../../src/people/people.ts';
import { addRecord } from '../../src/records/records.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { NewShareDecision } from '../../src/sharing/schemas.ts';
import { makeDecision } from '../../src/sharing/sharing.ts';
import { useTestDb } from '../db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../fixtures.ts';
import { bearer, testApp } from './helpers.ts';

const NEVER_USED_ID = '00000000-0000-4000-8000-000000000000';
const NOT_FOUND = { type: 'https://jigsaw.example/problems/not-found', title: 'Not found', status: 404, detail: 'No information request with that identifier was found.' };

describe('requests for information over the API', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function setUp() {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', 'Riverside Primary School');
    const health = await agency(s, p, 'health_visiting', 'Northshire Health Visiting Service');
    const police = await agency(s, p, 'police', 'Northshire Police');
    const teacher = await practitioner(s, school, ['practitioner'], 'Amira Shah');
    const healthVisitor = await practitioner(s, health, ['practitioner'], 'Joanne Pike');
    const namedNurse = await practitioner(s, health, ['safeguarding_lead'], 'Ruth Adeyemi');
    const officer = await practitioner(s, police, ['safeguarding_lead'], 'PC Lyons');
    const jack = await person(teacher, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], nhsNumber: '9434765919' });
    app = await testApp(s);
    const as = async (ctx: ActorContext) => {
      const auth = await bearer(ctx);
      const json = { ...auth, 'content-type': 'application/json' };
      return {
        get: async (url: string) => {
          const res = await app!.inject({ method: 'GET', url: `/api/v1${url}`, headers: auth });
          return { status: res.statusCode, body: res.json() };
        },
        post: async (url: string, payload?: object) => {
          const res = await app!.inject({ method: 'POST', url: `/api/v1${url}`, ...(payload ? { headers: json, payload } : { headers: auth }) });
          return { status: res.statusCode, body: res.json() };
        },
      };
    };
    return {
      s, school, health, police, teacher, healthVisitor, namedNurse, officer, jack,
      api: { teacher: await as(teacher), healthVisitor: await as(healthVisitor), namedNurse: await as(namedNurse), officer: await as(officer) },
    };
  }
  type World = Awaited<ReturnType<typeof setUp>>;

  const askHealth = (w: World, extra: Record<string, unknown> = {}) =>
    w.api.teacher.post('/information-requests', {
      personId: w.jack.id, toAgencyId: w.health, purposeCode: 'welfare_monitoring', purpose: 'Jack is often late and hungry: is the family known to you?', ...extra,
    });

  /** The health visitor finds Jack in her own index, with what she knows and his mother's consent to tell the school. */
  async function healthVisitorsAnswer(w: World, requestId: string) {
    const hv = w.healthVisitor;
    const hvJack = await person(hv, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], nhsNumber: '9434765919' });
    const mother = await person(hv, { kind: 'adult', names: [{ givenNames: 'Donna', familyName: 'Carver' }], dateOfBirth: '1994-06-01' });
    await addRelationship(hv, hvJack.id, { relatedPersonId: mother.id, type: 'parental_responsibility' });
    const record = await addRecord(hv, hvJack.id, concern({ summary: 'Missed two development reviews' }));
    const consent = await recordConsent(hv, hvJack.id, NewConsent.parse({
      purposeCode: 'welfare_monitoring', purpose: "Telling Jack's school what health visiting knows", recipientAgencyIds: [w.school], decision: 'given',
      form: 'explicit_verbal', givenBy: { capacity: 'parental_responsibility', personId: mother.id }, obtainedAt: '2026-03-02T08:30:00Z',
    }));
    const decision = await makeDecision(hv, NewShareDecision.parse({
      personId: hvJack.id, informationRequestId: requestId, outcome: 'share', reasons: 'The school is monitoring Jack; his mother agreed',
      answers: {
        purposeCode: 'welfare_monitoring', purpose: "Monitoring Jack's welfare with the school", withinAgencyFunctions: true, legalObligation: 'none',
        identifiable: true, confidential: true, consent: { status: 'given', consentId: consent.id },
      },
      share: { recipients: [{ agencyId: w.school }], items: [{ recordId: record.id }] },
      subjectInformed: { informed: true, at: '2026-03-02T08:30:00Z', by: 'The health visitor, at the home visit' },
      acknowledgedWarnings: [],
    }));
    return { decision, record };
  }

  it('the school asks the health visitors about a child; it reaches their queue and not the police\'s', async () => {
    const w = await setUp();
    const sent = await askHealth(w);
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ direction: 'outgoing', status: 'open', personId: w.jack.id, toAgencyName: 'Northshire Health Visiting Service', requestedByName: 'Amira Shah', urgent: false });

    const queue = await w.api.healthVisitor.get('/information-requests/incoming');
    expect(queue.status).toBe(200);
    expect(queue.body.items).toHaveLength(1);
    expect(queue.body.items[0]).toMatchObject({
      id: sent.body.id, direction: 'incoming', personId: null, fromAgencyName: 'Riverside Primary School', purposeCode: 'welfare_monitoring',
      subjectDescription: { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2021-05-04', nhsNumber: '9434765919' },
    });
    expect((await w.api.healthVisitor.get('/information-requests/incoming?status=open')).body.items).toHaveLength(1);
    expect((await w.api.healthVisitor.get('/information-requests/incoming?status=shared')).body.items).toEqual([]);
    expect((await w.api.officer.get('/information-requests/incoming')).body.items).toEqual([]);
    expect((await w.api.teacher.get('/information-requests/outgoing')).body.items.map((r: { id: string }) => r.id)).toEqual([sent.body.id]);
    expect((await w.api.healthVisitor.get('/information-requests/outgoing')).body.items).toEqual([]);

    const notices = await w.api.namedNurse.get('/notifications?unread=true');
    expect(notices.status).toBe(200);
    expect(notices.body.items).toEqual([expect.objectContaining({ kind: 'information-request.received', entityType: 'information_request', entityId: sent.body.id, readAt: null })]);
  });

  it('the health visitor answers with a share decision naming the request: it shows as shared and the teacher is notified', async () => {
    const w = await setUp();
    const sent = await askHealth(w);
    const { decision, record } = await healthVisitorsAnswer(w, sent.body.id);

    const seen = await w.api.teacher.get(`/information-requests/${sent.body.id}`);
    expect(seen).toEqual({
      status: 200,
      body: expect.objectContaining({
        status: 'shared', responseDecisionId: decision.id, answeredBy: w.healthVisitor.actor.practitionerId, answeredByName: 'Joanne Pike',
        answeredAt: '2026-03-02T09:00:00.000Z', sharedRecordIds: [record.id], personId: w.jack.id,
      }),
    });
    const notices = await w.api.teacher.get('/notifications?unread=true');
    expect(notices.body.items).toEqual([expect.objectContaining({ kind: 'information-request.answered', entityId: sent.body.id, message: 'Your request for information has been answered: information was shared.' })]);

    // A second answer to an answered request is a conflict.
    const twice = await w.api.namedNurse.post(`/information-requests/${sent.body.id}/answer`, { outcome: 'refused', reason: 'Too late' });
    expect(twice.status).toBe(409);
    expect(twice.body.detail).toBe('This request for information has already been answered.');
  });

  it('a refusal shows as refused with its reason, the teacher is notified, and answering twice is a conflict', async () => {
    const w = await setUp();
    const sent = await askHealth(w);
    const refused = await w.api.namedNurse.post(`/information-requests/${sent.body.id}/answer`, { outcome: 'refused', reason: 'No consent, and no significant harm indicated' });
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ status: 'refused', responseNote: 'No consent, and no significant harm indicated', answeredByName: 'Ruth Adeyemi', personId: null });

    const seen = await w.api.teacher.get(`/information-requests/${sent.body.id}`);
    expect(seen.body).toMatchObject({ status: 'refused', responseNote: 'No consent, and no significant harm indicated', personId: w.jack.id });
    const notices = await w.api.teacher.get('/notifications');
    expect(notices.body.items).toEqual([expect.objectContaining({ kind: 'information-request.answered', message: 'Your request for information has been answered: the agency decided not to share.' })]);

    const twice = await w.api.healthVisitor.post(`/information-requests/${sent.body.id}/answer`, { outcome: 'not_known', reason: 'Nothing held' });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ status: 409, title: 'Conflict' });
  });

  it('a third agency reading or answering the request gets the same 404 as for a request that does not exist', async () => {
    const w = await setUp();
    const sent = await askHealth(w);
    const read = await w.api.officer.get(`/information-requests/${sent.body.id}`);
    expect(read).toEqual({ status: 404, body: NOT_FOUND });
    expect(await w.api.officer.get(`/information-requests/${NEVER_USED_ID}`)).toEqual({ status: 404, body: NOT_FOUND });
    expect(await w.api.officer.post(`/information-requests/${sent.body.id}/answer`, { outcome: 'refused', reason: 'x' })).toEqual({ status: 404, body: NOT_FOUND });
    expect((await w.api.teacher.get(`/information-requests/${sent.body.id}`)).body.status).toBe('open');
  });

  it('a request without a purpose, to an unknown agency, or to your own agency is a 422 naming the field', async () => {
    const w = await setUp();
    const noPurpose = await w.api.teacher.post('/information-requests', { personId: w.jack.id, toAgencyId: w.health });
    expect(noPurpose.status).toBe(422);
    expect(noPurpose.body.errors).toEqual([
      { pointer: '/purposeCode', detail: 'Choose the purpose of the request' },
      { pointer: '/purpose', detail: 'Describe the purpose: what you need the information for and why' },
    ]);
    const blankPurpose = await askHealth(w, { purpose: '   ' });
    expect(blankPurpose.body.errors).toEqual([{ pointer: '/purpose', detail: 'Describe the purpose: what you need the information for and why' }]);
    const unknownAgency = await askHealth(w, { toAgencyId: NEVER_USED_ID });
    expect(unknownAgency.status).toBe(422);
    expect(unknownAgency.body.errors).toEqual([{ pointer: '/toAgencyId', detail: 'No agency with that identifier' }]);
    const ownAgency = await askHealth(w, { toAgencyId: w.school });
    expect(ownAgency.status).toBe(422);
    expect(ownAgency.body.errors).toEqual([{ pointer: '/toAgencyId', detail: 'Your own agency already holds what you know: ask another agency' }]);
    const strange = await askHealth(w, { purposeCode: 'curiosity', copyTo: 'everyone' });
    expect(strange.body.errors).toEqual(expect.arrayContaining([{ pointer: '/', detail: 'Unknown field(s): copyTo' }, { pointer: '/purposeCode', detail: expect.stringMatching(/^Must be one of /) }]));
    expect((await t.db().query('SELECT 1 FROM information_request')).rowCount).toBe(0);
  });

  it('an answer needs an allowed outcome and a reason; the queue and notifications refuse unknown filters', async () => {
    const w = await setUp();
    const sent = await askHealth(w);
    const shared = await w.api.healthVisitor.post(`/information-requests/${sent.body.id}/answer`, { outcome: 'shared', reason: 'x' });
    expect(shared.status).toBe(422);
    expect(shared.body.errors).toEqual([{ pointer: '/outcome', detail: 'Must be refused or not_known (to share, record a share decision that answers the request)' }]);
    const noReason = await w.api.healthVisitor.post(`/information-requests/${sent.body.id}/answer`, { outcome: 'refused', reason: ' ' });
    expect(noReason.body.errors).toEqual([{ pointer: '/reason', detail: 'Record why you decided not to share (3.51)' }]);
    const badStatus = await w.api.healthVisitor.get('/information-requests/incoming?status=lost');
    expect(badStatus.status).toBe(422);
    expect(badStatus.body.errors).toEqual([{ pointer: '/query/status', detail: 'Must be one of open, shared, refused, not_known' }]);
    const badUnread = await w.api.teacher.get('/notifications?unread=yes');
    expect(badUnread.body.errors).toEqual([{ pointer: '/query/unread', detail: 'Must be true or false' }]);
    expect((await w.api.teacher.get(`/information-requests/${sent.body.id}`)).body.status).toBe('open');
  });

  it("notifications' messages never contain names, and only a reader who may read the child is told who it is about; a practitioner marks only their own read", async () => {
    const w = await setUp();
    const sent = await askHealth(w, { urgent: true });
    await w.api.namedNurse.post(`/information-requests/${sent.body.id}/answer`, { outcome: 'not_known', reason: 'No Jack Carver with that NHS number' });
    const nurse = (await w.api.namedNurse.get('/notifications')).body.items;
    const teacher = (await w.api.teacher.get('/notifications')).body.items;
    expect(nurse.map((n: { message: string }) => n.message)).toEqual(['Urgent: another agency has asked your agency for information.']);
    expect(teacher.map((n: { message: string }) => n.message)).toEqual(['Your request for information has been answered: the agency holds no information about the person.']);
    const messages = JSON.stringify([...nurse, ...teacher].map((n: { message: string }) => n.message));
    for (const name of ['Jack', 'Carver', 'Amira', 'Ruth', 'Riverside', 'Northshire', '9434765919']) expect(messages).not.toContain(name);
    // The nurse may not read the school's entry for Jack: her notification names nobody (issue 17).
    expect(nurse[0].child).toBeNull();
    for (const name of ['Jack', 'Carver', '9434765919']) expect(JSON.stringify(nurse)).not.toContain(name);
    // The teacher asked about her own pupil: her notification says which child, from her own entry.
    expect(teacher[0].child).toMatchObject({ name: 'Jack Carver', unborn: false });

    const theirs = await w.api.namedNurse.post(`/notifications/${teacher[0].id}/read`);
    expect(theirs.status).toBe(404);
    const mine = await w.api.teacher.post(`/notifications/${teacher[0].id}/read`);
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ id: teacher[0].id, readAt: '2026-03-02T09:00:00.000Z' });
    expect((await w.api.teacher.get('/notifications?unread=true')).body.items).toEqual([]);
    expect((await w.api.teacher.get('/notifications?unread=false')).body.items).toHaveLength(1);
  });

  it('the endpoints are described in the OpenAPI document with their named schemas', async () => {
    const w = await setUp();
    void w;
    const doc = (await app!.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(doc.paths['/api/v1/information-requests'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/NewInformationRequest');
    expect(doc.paths['/api/v1/information-requests/{id}/answer'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/InformationRequestAnswer');
    expect(doc.components.schemas.NewInformationRequest.additionalProperties).toBe(false);
    expect(doc.paths['/api/v1/notifications'].get.parameters).toContainEqual(expect.objectContaining({ name: 'unread', in: 'query', required: false }));
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['InformationRequest', 'Notification', 'SubjectDescription']));
  });
});
