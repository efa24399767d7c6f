import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { recordConsent } from '../consent/consent.ts';
import { NewConsent } from '../consent/schemas.ts';
import { addRelationship } from '../people/people.ts';
import { addRecord } from '../records/records.ts';
import { fixedClock } from '../shared/clock.ts';
import type { ActorContext } from '../shared/context.ts';
import { listNotifications, markRead } from './notifications.ts';
import { answerRequest, getRequest, listIncomingRequests, listOutgoingRequests, NewInformationRequest, sendInformationRequest } from './requests.ts';
import { NewShareDecision } from './schemas.ts';
import { makeDecision } from './sharing.ts';

const NEVER_USED_ID = '00000000-0000-4000-8000-000000000000';

describe('requests for information between agencies', () => {
  const t = useTestDb();

  async function schoolAndHealthVisitors() {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', 'Riverside Primary School');
    const health = await agency(s, p, 'health_visiting', 'Northshire Health Visiting Service');
    const police = await agency(s, p, 'police', 'Northshire Police');
    const teacher = await practitioner(s, school, ['practitioner'], 'Amira Shah');
    const healthVisitor = await practitioner(s, health, ['practitioner'], 'Joanne Pike');
    const namedNurse = await practitioner(s, health, ['safeguarding_lead'], 'Ruth Adeyemi');
    const hvAuditor = await practitioner(s, health, ['auditor'], 'Health Auditor');
    const officer = await practitioner(s, police, ['safeguarding_lead'], 'PC Lyons');
    const jack = await person(teacher, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], nhsNumber: '9434765919', addresses: [{ line1: '5 Ashdown Road', postcode: 'NS1 6EJ' }] });
    return { s, clock, school, health, police, teacher, healthVisitor, namedNurse, hvAuditor, officer, jack };
  }

  const ask = (personId: string, toAgencyId: string, extra: Partial<NewInformationRequest> = {}): NewInformationRequest =>
    NewInformationRequest.parse({ personId, toAgencyId, purposeCode: 'welfare_monitoring', purpose: 'Jack is often late and hungry: is the family known to you?', ...extra });

  /** The health visitor's own entry for Jack, what she knows, and his mother's consent to tell the school. */
  async function healthVisitorsJack(hv: ActorContext, school: string) {
    const hvJack = await person(hv, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], nhsNumber: '9434765919' });
    const mother = await person(hv, { kind: 'adult', names: [{ givenNames: 'Donna', familyName: 'Carver' }], dateOfBirth: '1994-06-01' });
    await addRelationship(hv, hvJack.id, { relatedPersonId: mother.id, type: 'parental_responsibility' });
    const record = await addRecord(hv, hvJack.id, concern({ summary: 'Missed two development reviews' }));
    const consent = await recordConsent(hv, hvJack.id, NewConsent.parse({
      purposeCode: 'welfare_monitoring', purpose: "Telling Jack's school what health visiting knows", recipientAgencyIds: [school], decision: 'given',
      form: 'explicit_verbal', givenBy: { capacity: 'parental_responsibility', personId: mother.id }, obtainedAt: '2026-03-02T08:30:00Z',
    }));
    return { hvJack, record, consent };
  }

  const shareAnswering = (requestId: string, personId: string, school: string, recordId: string, consentId: string) =>
    NewShareDecision.parse({
      personId, informationRequestId: requestId, outcome: 'share', reasons: 'The school is monitoring Jack; his mother agreed',
      answers: {
        purposeCode: 'welfare_monitoring', purpose: "Monitoring Jack's welfare with the school", withinAgencyFunctions: true, legalObligation: 'none',
        identifiable: true, confidential: true, consent: { status: 'given', consentId },
      },
      share: { recipients: [{ agencyId: school }], items: [{ recordId }] },
      subjectInformed: { informed: true, at: '2026-03-02T08:30:00Z', by: 'The health visitor, at the home visit' },
    });

  it('a request from the school waits in the health visitors\' queue, not in the police\'s, and their safeguarding lead is told without a name', async () => {
    const w = await schoolAndHealthVisitors();
    const sent = await sendInformationRequest(w.teacher, ask(w.jack.id, w.health, { urgent: true }));
    expect(sent).toMatchObject({
      direction: 'outgoing', fromAgencyId: w.school, fromAgencyName: 'Riverside Primary School', requestedBy: w.teacher.actor.practitionerId, requestedByName: 'Amira Shah',
      toAgencyId: w.health, toAgencyName: 'Northshire Health Visiting Service', personId: w.jack.id, purposeCode: 'welfare_monitoring', urgent: true, status: 'open',
      answeredBy: null, answeredAt: null, responseNote: null, responseDecisionId: null, requestedAt: '2026-03-02T09:00:00.000Z',
    });

    const queue = await listIncomingRequests(w.healthVisitor);
    expect(queue.map((r) => r.id)).toEqual([sent.id]);
    // The health visitors see who to look for, but never the school's own identifier for him.
    expect(queue[0]).toMatchObject({ direction: 'incoming', personId: null });
    expect(queue[0]!.subjectDescription).toEqual({
      names: [{ use: 'usual', givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2021-05-04', expectedDateOfDelivery: null, nhsNumber: '9434765919',
    });
    expect(JSON.stringify(queue[0])).not.toContain('Ashdown');
    expect(await listIncomingRequests(w.officer)).toEqual([]);
    expect(await listIncomingRequests(w.healthVisitor, 'refused')).toEqual([]);

    const [notice] = await listNotifications(w.namedNurse);
    expect(notice).toMatchObject({ kind: 'information-request.received', entityType: 'information_request', entityId: sent.id, readAt: null });
    expect(notice!.message).toBe('Urgent: another agency has asked your agency for information.');
    expect(await listNotifications(w.officer)).toEqual([]);
  });

  it('the queue shows open requests first, urgent ones first, oldest first', async () => {
    const w = await schoolAndHealthVisitors();
    const first = await sendInformationRequest(w.teacher, ask(w.jack.id, w.health));
    const second = await sendInformationRequest(w.teacher, ask(w.jack.id, w.health, { urgent: true }));
    const third = await sendInformationRequest(w.teacher, ask(w.jack.id, w.health));
    await answerRequest(w.healthVisitor, first.id, { outcome: 'not_known', reason: 'Searched our index by name, date of birth and NHS number' });
    expect((await listIncomingRequests(w.healthVisitor)).map((r) => r.id)).toEqual([second.id, third.id, first.id]);
    expect((await listIncomingRequests(w.healthVisitor, 'open')).map((r) => r.id)).toEqual([second.id, third.id]);
    expect((await listIncomingRequests(w.healthVisitor, 'not_known')).map((r) => r.id)).toEqual([first.id]);
  });

  it('the health visitor answers by a share decision naming the request: it shows as shared and the teacher is told', async () => {
    const w = await schoolAndHealthVisitors();
    const sent = await sendInformationRequest(w.teacher, ask(w.jack.id, w.health));
    const { hvJack, record, consent } = await healthVisitorsJack(w.healthVisitor, w.school);

    const decision = await makeDecision(w.healthVisitor, shareAnswering(sent.id, hvJack.id, w.school, record.id, consent.id));
    expect(decision).toMatchObject({ outcome: 'share', legalBasis: 'consent', informationRequestId: sent.id });

    const answered = await getRequest(w.teacher, sent.id);
    expect(answered).toMatchObject({
      status: 'shared', answeredBy: w.healthVisitor.actor.practitionerId, answeredByName: 'Joanne Pike', answeredAt: '2026-03-02T09:00:00.000Z',
      responseDecisionId: decision.id, responseNote: null, sharedRecordIds: [record.id], personId: w.jack.id,
    });
    expect((await getRequest(w.healthVisitor, sent.id)).sharedRecordIds).toEqual([record.id]);
    expect((await listOutgoingRequests(w.teacher)).map((r) => [r.id, r.status])).toEqual([[sent.id, 'shared']]);

    const notices = await listNotifications(w.teacher, { unreadOnly: true });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: 'information-request.answered', entityId: sent.id, message: 'Your request for information has been answered: information was shared.' });

    // Answered is answered: neither a refusal nor a second decision can answer it again.
    await expect(answerRequest(w.namedNurse, sent.id, { outcome: 'refused', reason: 'Changed my mind' })).rejects.toMatchObject({ status: 409 });
    const again = await makeDecision(w.healthVisitor, shareAnswering(sent.id, hvJack.id, w.school, record.id, consent.id)).catch((e: unknown) => e);
    expect(again).toMatchObject({ status: 422, errors: expect.arrayContaining([{ pointer: '/informationRequestId', detail: 'No open request to your agency with that identifier' }]) });
  });

  it('a refusal is recorded with its reason, the teacher is told, and a second answer is a conflict', async () => {
    const w = await schoolAndHealthVisitors();
    const sent = await sendInformationRequest(w.teacher, ask(w.jack.id, w.health));
    const refused = await answerRequest(w.namedNurse, sent.id, { outcome: 'refused', reason: 'The mother refused consent and the threshold for sharing without it is not met' });
    expect(refused).toMatchObject({
      direction: 'incoming', status: 'refused', answeredBy: w.namedNurse.actor.practitionerId, answeredByName: 'Ruth Adeyemi', answeredAt: '2026-03-02T09:00:00.000Z',
      responseNote: 'The mother refused consent and the threshold for sharing without it is not met', responseDecisionId: null, sharedRecordIds: [], personId: null,
    });
    expect(await getRequest(w.teacher, sent.id)).toMatchObject({ status: 'refused', responseNote: refused.responseNote, personId: w.jack.id });
    const [notice] = await listNotifications(w.teacher);
    expect(notice).toMatchObject({ kind: 'information-request.answered', entityId: sent.id, message: 'Your request for information has been answered: the agency decided not to share.' });

    await expect(answerRequest(w.healthVisitor, sent.id, { outcome: 'not_known', reason: 'Nothing held' })).rejects.toMatchObject({ status: 409 });
    expect(await getRequest(w.teacher, sent.id)).toMatchObject({ status: 'refused', answeredBy: w.namedNurse.actor.practitionerId });
  });

  it('two answers sent at the same moment: exactly one is recorded and the other is a conflict', async () => {
    const w = await schoolAndHealthVisitors();
    const sent = await sendInformationRequest(w.teacher, ask(w.jack.id, w.health));
    const results = await Promise.allSettled([
      answerRequest(w.healthVisitor, sent.id, { outcome: 'not_known', reason: 'Nothing held' }),
      answerRequest(w.namedNurse, sent.id, { outcome: 'refused', reason: 'No consent' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.flatMap((r): unknown[] => (r.status === 'rejected' ? [r.reason] : []))).toEqual([expect.objectContaining({ status: 409 })]);
    expect(await listNotifications(w.teacher)).toHaveLength(1);
  });

  it('"we hold nothing" is an answer too, and the teacher is told so', async () => {
    const w = await schoolAndHealthVisitors();
    const sent = await sendInformationRequest(w.teacher, ask(w.jack.id, w.health));
    const answered = await answerRequest(w.healthVisitor, sent.id, { outcome: 'not_known', reason: 'No match by name, date of birth or NHS number' });
    expect(answered.status).toBe('not_known');
    expect((await listNotifications(w.teacher))[0]!.message).toBe('Your request for information has been answered: the agency holds no information about the person.');
  });

  it('a third agency cannot read or answer the request: it looks exactly like a request that does not exist, and the attempt is audited', async () => {
    const w = await schoolAndHealthVisitors();
    const sent = await sendInformationRequest(w.teacher, ask(w.jack.id, w.health));
    const outOfReach = await getRequest(w.officer, sent.id).catch((e: unknown) => e);
    const missing = await getRequest(w.officer, NEVER_USED_ID).catch((e: unknown) => e);
    expect(outOfReach).toMatchObject({ status: 404, detail: 'No information request with that identifier was found.' });
    expect(missing).toEqual(outOfReach);
    await expect(answerRequest(w.officer, sent.id, { outcome: 'refused', reason: 'x' })).rejects.toMatchObject({ status: 404 });
    // Staff of the agency asked who do no casework do not see its queue either.
    await expect(getRequest(w.hvAuditor, sent.id)).rejects.toMatchObject({ status: 404 });
    await expect(listIncomingRequests(w.hvAuditor)).rejects.toMatchObject({ status: 404 });

    const denied = await t.db().query<{ actor_agency_id: string; outcome: string; person_id: string | null }>(
      "SELECT actor_agency_id, outcome, person_id FROM audit_event WHERE action = 'information-request.read' AND entity_id = $1 ORDER BY seq", [sent.id]);
    expect(denied.rows).toEqual([{ actor_agency_id: w.police, outcome: 'denied', person_id: null }, { actor_agency_id: w.health, outcome: 'denied', person_id: null }]);
    expect((await getRequest(w.teacher, sent.id)).status).toBe('open');
  });

  it('the agency that asked sees its request but cannot answer it', async () => {
    const w = await schoolAndHealthVisitors();
    const sent = await sendInformationRequest(w.teacher, ask(w.jack.id, w.health));
    await expect(answerRequest(w.teacher, sent.id, { outcome: 'not_known', reason: 'x' })).rejects.toMatchObject({ status: 403 });
    expect((await getRequest(w.teacher, sent.id)).status).toBe('open');
  });

  it('a request to your own agency, to an unknown agency, or about a person outside your index is refused naming the field, and nothing is sent', async () => {
    const w = await schoolAndHealthVisitors();
    const own = await sendInformationRequest(w.teacher, ask(w.jack.id, w.school)).catch((e: unknown) => e);
    expect(own).toMatchObject({ status: 422, errors: [{ pointer: '/toAgencyId', detail: 'Your own agency already holds what you know: ask another agency' }] });
    const unknown = await sendInformationRequest(w.teacher, ask(w.jack.id, NEVER_USED_ID)).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ status: 422, errors: [{ pointer: '/toAgencyId', detail: 'No agency with that identifier' }] });
    // The health visitors' own entry is not the school's to ask about: both faults are named at once.
    const hvJack = await person(w.healthVisitor);
    const notOurs = await sendInformationRequest(w.teacher, ask(hvJack.id, NEVER_USED_ID)).catch((e: unknown) => e);
    expect(notOurs).toMatchObject({
      status: 422,
      errors: [{ pointer: '/personId', detail: 'No person with that identifier in your agency' }, { pointer: '/toAgencyId', detail: 'No agency with that identifier' }],
    });
    // A role without casework cannot send one.
    await expect(sendInformationRequest(w.hvAuditor, ask(hvJack.id, w.school))).rejects.toMatchObject({ status: 422, errors: [{ pointer: '/personId' }] });
    expect((await t.db().query('SELECT 1 FROM information_request')).rowCount).toBe(0);
    expect(await listNotifications(w.namedNurse)).toEqual([]);
  });

  it('the request form names each missing or wrong field', () => {
    const r = NewInformationRequest.safeParse({ personId: 'x', purposeCode: 'gossip', purpose: '  ' });
    expect(r.success).toBe(false);
    const issues = r.error!.issues.map((i) => [i.path.join('/'), i.message]);
    expect(issues).toEqual(expect.arrayContaining([
      ['personId', 'Not a valid identifier'],
      ['purposeCode', expect.stringContaining('Must be one of early_help_support')],
      ['purpose', 'Describe the purpose: what you need the information for and why'],
    ]));
    expect(issues.map(([p]) => p)).toContain('toAgencyId');
  });

  it('audit entries hold identifiers only, and the agency asked never learns the school\'s identifier for the child', async () => {
    const w = await schoolAndHealthVisitors();
    const sent = await sendInformationRequest(w.teacher, ask(w.jack.id, w.health));
    await listIncomingRequests(w.healthVisitor);
    await getRequest(w.healthVisitor, sent.id);
    await answerRequest(w.healthVisitor, sent.id, { outcome: 'refused', reason: 'Jack Carver is not known to us in a way we can share' });
    await getRequest(w.teacher, sent.id);
    const { rows } = await t.db().query<{ action: string; actor_agency_id: string; person_id: string | null; detail: unknown }>(
      "SELECT action, actor_agency_id, person_id, detail FROM audit_event WHERE action LIKE 'information-request.%' ORDER BY seq");
    expect(rows.map((r) => [r.action, r.actor_agency_id, r.person_id])).toEqual([
      ['information-request.send', w.school, w.jack.id],
      ['information-request.list-incoming', w.health, null],
      ['information-request.read', w.health, null],
      ['information-request.answer', w.health, null],
      ['information-request.read', w.school, w.jack.id],
    ]);
    const trail = JSON.stringify(rows);
    for (const name of ['Jack', 'Carver', 'Amira', 'Joanne', '9434765919', 'late and hungry']) expect(trail).not.toContain(name);
  });

  it('notifications never carry a name, and each practitioner reads and marks only their own', async () => {
    const w = await schoolAndHealthVisitors();
    const sent = await sendInformationRequest(w.teacher, ask(w.jack.id, w.health));
    await answerRequest(w.namedNurse, sent.id, { outcome: 'refused', reason: 'Jack Carver: no consent' });
    const { rows } = await t.db().query<{ message: string }>('SELECT message FROM notification');
    expect(rows.length).toBe(2);
    for (const r of rows) for (const name of ['Jack', 'Carver', 'Amira', 'Ruth', 'Riverside', 'Health Visiting']) expect(r.message).not.toContain(name);

    const [mine] = await listNotifications(w.teacher, { unreadOnly: true });
    await expect(markRead(w.namedNurse, mine!.id)).rejects.toMatchObject({ status: 404 });
    await expect(markRead(w.teacher, NEVER_USED_ID)).rejects.toMatchObject({ status: 404 });
    const read = await markRead(w.teacher, mine!.id);
    expect(read.readAt).toBe('2026-03-02T09:00:00.000Z');
    w.clock.advanceMinutes(5);
    expect((await markRead(w.teacher, mine!.id)).readAt).toBe('2026-03-02T09:00:00.000Z');
    expect(await listNotifications(w.teacher, { unreadOnly: true })).toEqual([]);
    expect(await listNotifications(w.teacher)).toHaveLength(1);
  });
});
