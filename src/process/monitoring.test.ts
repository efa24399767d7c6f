import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { addRelationship, setLeadWorker } from '../people/people.ts';
import { addRecord } from '../records/records.ts';
import { fixedClock } from '../shared/clock.ts';
import type { ActorContext } from '../shared/context.ts';
import { listNotifications } from '../sharing/notifications.ts';
import { NewShareDecision } from '../sharing/schemas.ts';
import { makeDecision } from '../sharing/sharing.ts';
import { getEpisode, openEpisode, recordEpisodeAction } from './episodes.ts';
import { createArrangement, getArrangement, listArrangements, nextCheckDue, recordCheck } from './monitoring.ts';
import { clearMissedCheck, listAlerts, raiseMissedCheckAlerts } from './missed-checks.ts';
import { episodePreviousHistory, previousProtectionHistory } from './previous-history.ts';
import { episodeSafetySummary } from './safe-closure.ts';
import { acknowledgeClosureNotice, listClosureNotices } from './closure-notices.ts';
import { NewMonitoringArrangement } from './monitoring.schemas.ts';
import { RecordAction } from './schemas.ts';

type Problem = { status: number; detail: string; errors: { pointer: string; detail: string }[] };
const problemOf = (p: Promise<unknown>): Promise<Problem> =>
  p.then(() => { throw new Error('expected a problem'); }, (e: Problem) => e);

const act = (key: string, occurredAt: string, action: Record<string, unknown>): RecordAction => RecordAction.parse({ idempotencyKey: key, occurredAt, action });

const kinds = async (ctx: ActorContext, kind: string): Promise<string[]> => (await listNotifications(ctx)).filter((n) => n.kind === kind).map((n) => n.entityId);

describe('monitoring, and the lessons of case example 8', () => {
  const t = useTestDb();

  /** A same-person decision between two entries (the matching service records these). */
  const link = (a: string, b: string, by: ActorContext) =>
    t.db().query('INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at, reason) VALUES ($1,$2,$3,$4,$5,$6)',
      [randomUUID(), a, b, by.actor.practitionerId, by.clock.now().toISOString(), 'Same name, date of birth and address']);

  /**
   * Case example 8's cast, after the baby's birth: children's social care (the social worker and
   * her manager), probation, the community midwife, the health visitor, and the police who are
   * not involved. Each agency holds its own entry for the baby; the entries are linked.
   */
  async function cast() {
    const clock = fixedClock('2027-02-24T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const probation = await agency(s, p, 'probation', 'Northshire Probation');
    const midwifery = await agency(s, p, 'midwifery', 'Community midwifery');
    const hv = await agency(s, p, 'health_visiting', 'Health visiting');
    const police = await agency(s, p, 'police', 'Northshire Police');
    const socialWorker = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const cscLead = await practitioner(s, csc, ['safeguarding_lead', 'manager'], 'Grace Okafor');
    const probationOfficer = await practitioner(s, probation, ['practitioner'], 'Emma Sinclair');
    const probationLead = await practitioner(s, probation, ['safeguarding_lead'], 'Probation lead');
    const midwife = await practitioner(s, midwifery, ['practitioner'], 'Community midwife');
    const midwiferyLead = await practitioner(s, midwifery, ['safeguarding_lead'], 'Named midwife');
    const healthVisitor = await practitioner(s, hv, ['practitioner'], 'Health visitor');
    const hvLead = await practitioner(s, hv, ['safeguarding_lead'], 'Named nurse');
    const officer = await practitioner(s, police, ['practitioner', 'safeguarding_lead'], 'Officer');

    const lily = await person(socialWorker, { names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2027-02-20' });
    const maggie = await person(socialWorker, { kind: 'adult', names: [{ givenNames: 'Maggie', familyName: 'Fletcher' }], dateOfBirth: '2003-05-01' });
    const mark = await person(socialWorker, { kind: 'adult', names: [{ givenNames: 'Mark', familyName: 'Tulley' }], dateOfBirth: '1994-02-01' });
    await addRelationship(socialWorker, lily.id, { relatedPersonId: maggie.id, type: 'parent' });
    await addRelationship(socialWorker, maggie.id, { relatedPersonId: mark.id, type: 'partner' });

    const hvLily = await person(healthVisitor, { names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2027-02-20' });
    const midwifeLily = await person(midwife, { names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2027-02-20' });
    const probationBaby = await person(probationOfficer, { kind: 'unborn', names: [{ givenNames: 'Baby', familyName: 'Fletcher' }], dateOfBirth: undefined, expectedDateOfDelivery: '2027-02-27' });
    await link(lily.id, hvLily.id, cscLead);
    await link(lily.id, midwifeLily.id, cscLead);
    await link(probationBaby.id, lily.id, cscLead);
    return { clock, s, csc, probation, midwifery, hv, police, socialWorker, cscLead, probationOfficer, probationLead, midwife, midwiferyLead, healthVisitor, hvLead, officer, lily, maggie, mark, hvLily, midwifeLily, probationBaby };
  }
  type Cast = Awaited<ReturnType<typeof cast>>;

  /** The midwife's referral after the birth opens a new episode; an assessment starts. */
  async function secondAssessment(c: Cast) {
    const e = await openEpisode(c.socialWorker, { idempotencyKey: 'midwife-referral', childPersonId: c.lily.id, receivedAt: '2027-02-24T09:00:00Z', channel: 'written', allocatedWorkerId: c.socialWorker.actor.practitionerId });
    c.clock.set('2027-02-25T16:00:00Z');
    await recordEpisodeAction(c.socialWorker, e.id, act('ack', '2027-02-24T11:00:00Z', { type: 'referral_acknowledged' }));
    await recordEpisodeAction(c.cscLead, e.id, act('decide', '2027-02-24T15:00:00Z', { type: 'referral_decided', outcome: 'assessment', reasons: "The midwife is worried about the baby's welfare now Maggie lives with Mark" }));
    await recordEpisodeAction(c.socialWorker, e.id, act('start', '2027-02-25T09:00:00Z', { type: 'assessment_started', kind: 'single' }));
    return e;
  }

  async function visit(c: Cast, at: string, outcome: 'seen' | 'no_access', summary: string) {
    c.clock.set(at);
    return addRecord(c.socialWorker, c.lily.id, concern({ kind: 'home_visit', outcome, occurredAt: at, summary }));
  }

  const closing = (c: Cast, key: string, extra: Record<string, unknown> = {}) =>
    act(key, '2027-04-26T09:30:00Z', { type: 'case_closed', reasons: 'No further referrals from the health visitor', ...extra });

  const hvMonitors = (c: Cast) => ({
    monitoringAgencyId: c.hv,
    monitoringPractitionerId: c.healthVisitor.actor.practitionerId,
    arrangement: { checks: 'See Lily and Maggie at home and weigh Lily', everyDays: 14, endsOn: '2027-07-26', escalation: 'Refer to children\'s social care at once if there is no access' },
  });

  it("case example 8: after three visits with no access, closing without naming who monitors is refused; naming the health visitor sets up the monitoring and tells every involved agency, who acknowledge", async () => {
    const c = await cast();
    const e = await secondAssessment(c);
    // The social worker sees Maggie and the baby; a further visit is agreed for two weeks' time, then two more attempts fail.
    await visit(c, '2027-02-26T11:00:00Z', 'seen', 'Maggie coping well; the baby appears well cared for');
    await visit(c, '2027-03-12T11:00:00Z', 'no_access', 'Agreed visit: no reply');
    await visit(c, '2027-04-09T11:00:00Z', 'no_access', 'No reply; letter left');
    await visit(c, '2027-04-23T15:00:00Z', 'no_access', 'No reply');

    c.clock.set('2027-04-26T10:00:00Z');
    const summary = await episodeSafetySummary(c.socialWorker, e.id);
    expect(summary).toMatchObject({ noAccessVisits: { count: 3 }, openConcerns: { count: 0 }, closureNeedsMonitoring: true, arrangements: [], closureNotices: [] });
    expect(summary.noAccessVisits.visits.map((v) => v.occurredAt)).toEqual(['2027-03-12T11:00:00.000Z', '2027-04-09T11:00:00.000Z', '2027-04-23T15:00:00.000Z']);

    // "The case is closed as there have been no further referrals": refused, naming the field and why.
    const refused = await problemOf(recordEpisodeAction(c.socialWorker, e.id, closing(c, 'close-1')));
    expect(refused).toMatchObject({ status: 422, detail: 'This case cannot be closed without naming the agency that will monitor the child: 3 home visits with no access.' });
    expect(refused.errors).toEqual([{ pointer: '/action/monitoringAgencyId', detail: 'Name the agency that will monitor the child, and what it will check: 3 home visits with no access (case example 8)' }]);
    expect((await getEpisode(c.socialWorker, e.id)).state.open).toBe(true);

    // Leaving a message is not enough: the health visitor is named, with what she checks and how often.
    const closed = await recordEpisodeAction(c.socialWorker, e.id, closing(c, 'close-2', hvMonitors(c)));
    expect(closed.state.stage).toBe('closed');
    const [arrangement] = await listArrangements(c.healthVisitor, { responsible: 'me' });
    expect(arrangement).toMatchObject({
      childPersonId: c.hvLily.id, recordingAgencyId: c.csc, responsibleAgencyId: c.hv, responsiblePractitionerName: 'Health visitor',
      everyDays: 14, startsOn: '2027-04-26', endsOn: '2027-07-26', nextDueOn: '2027-05-10', overdue: false, episodeId: e.id, agreedAgencyIds: [c.csc],
    });
    // The social worker sees it about her own entry for Lily.
    expect((await getArrangement(c.socialWorker, arrangement!.id)).childPersonId).toBe(c.lily.id);

    // Every involved agency is told: the health visitor (monitoring, and linked), the midwife (linked) and probation (linked). Not the police.
    const sent = await listClosureNotices(c.socialWorker);
    expect(sent.map((n) => [n.agencyName, n.involvedBecause, n.direction, n.noAccessVisits, n.acknowledgedAt])).toEqual([
      ['Community midwifery', ['linked_entry'], 'sent', 3, null],
      ['Health visiting', ['linked_entry', 'monitoring'], 'sent', 3, null],
      ['Northshire Probation', ['linked_entry'], 'sent', 3, null],
    ]);
    expect(await kinds(c.midwiferyLead, 'episode.closure-notice')).toHaveLength(1);
    expect(await kinds(c.probationLead, 'episode.closure-notice')).toHaveLength(1);
    expect(await kinds(c.hvLead, 'episode.closure-notice')).toHaveLength(1);
    expect(await kinds(c.healthVisitor, 'episode.closure-notice')).toHaveLength(1);
    expect(await listClosureNotices(c.officer)).toEqual([]);

    // Each agency sees the notice about its own entry for the child, and acknowledges it.
    const [toMidwife] = await listClosureNotices(c.midwife);
    expect(toMidwife).toMatchObject({ direction: 'received', childPersonId: c.midwifeLily.id, monitoringAgencyName: 'Health visiting', monitoringPractitionerName: 'Health visitor', everyDays: 14 });
    await acknowledgeClosureNotice(c.midwiferyLead, toMidwife!.id, {});
    const [toProbation] = await listClosureNotices(c.probationOfficer);
    expect(toProbation!.childPersonId).toBe(c.probationBaby.id);
    // The social worker cannot acknowledge for them.
    await expect(acknowledgeClosureNotice(c.socialWorker, toProbation!.id, {})).rejects.toMatchObject({ status: 403 });
    await acknowledgeClosureNotice(c.probationOfficer, toProbation!.id, { note: 'Will tell the health visitor if Maggie misses supervision' });
    expect((await listClosureNotices(c.socialWorker)).map((n) => n.agencyName)).toEqual(['Health visiting']);
    const [toHv] = await listClosureNotices(c.healthVisitor);
    const ack = await acknowledgeClosureNotice(c.healthVisitor, toHv!.id, { note: 'Agreed: first visit by 10 May' });
    expect(ack).toMatchObject({ acknowledgedByName: 'Health visitor', acknowledgedAt: '2027-04-26T10:00:00.000Z' });
    // Acknowledging again keeps the first acknowledgement.
    c.clock.set('2027-04-27T10:00:00Z');
    expect((await acknowledgeClosureNotice(c.hvLead, toHv!.id, {})).acknowledgedByName).toBe('Health visitor');
    expect(await listClosureNotices(c.socialWorker)).toEqual([]);
    expect((await listClosureNotices(c.socialWorker, { status: 'all' })).every((n) => n.acknowledgedAt !== null)).toBe(true);
    // The health visitor's acknowledgement is her agency's agreement to the arrangement.
    expect((await getArrangement(c.socialWorker, arrangement!.id)).agreedAgencyIds).toEqual([c.csc, c.hv]);
    const after = await episodeSafetySummary(c.socialWorker, e.id);
    expect(after).toMatchObject({ open: false, arrangements: [expect.objectContaining({ id: arrangement!.id })] });
    expect(after.closureNotices).toHaveLength(3);
  });

  it("case example 8: the health visitor's missed fortnightly check shows at once, raises one alert with her and her safeguarding lead after the due date, and is acknowledged", async () => {
    const c = await cast();
    const e = await secondAssessment(c);
    await visit(c, '2027-04-23T15:00:00Z', 'no_access', 'No reply');
    c.clock.set('2027-04-26T10:00:00Z');
    await recordEpisodeAction(c.socialWorker, e.id, closing(c, 'close', hvMonitors(c)));
    const [arrangement] = await listArrangements(c.socialWorker);

    // On the due date nothing is missed yet.
    c.clock.set('2027-05-10T20:00:00Z');
    expect((await raiseMissedCheckAlerts(c.s, c.clock.now())).raised).toBe(0);
    expect(await listArrangements(c.healthVisitor, { overdueOnly: true })).toEqual([]);

    // The next morning the check is overdue in every list at once, before any sweep.
    c.clock.set('2027-05-11T07:00:00Z');
    expect((await listArrangements(c.healthVisitor, { overdueOnly: true })).map((a) => [a.id, a.nextDueOn, a.overdue, a.openAlerts])).toEqual([[arrangement!.id, '2027-05-10', true, 0]]);
    expect((await listArrangements(c.socialWorker, { overdueOnly: true })).map((a) => a.id)).toEqual([arrangement!.id]);

    // The sweep raises one alert, however often it runs.
    const first = await raiseMissedCheckAlerts(c.s, c.clock.now());
    expect(first.raised).toBe(1);
    c.clock.set('2027-05-11T08:00:00Z');
    expect((await raiseMissedCheckAlerts(c.s, c.clock.now())).raised).toBe(0);
    expect((await t.db().query('SELECT 1 FROM monitoring_alert')).rowCount).toBe(1);
    expect(await kinds(c.healthVisitor, 'monitoring.check-missed')).toEqual(first.alertIds);
    expect(await kinds(c.hvLead, 'monitoring.check-missed')).toEqual(first.alertIds);
    expect(await kinds(c.midwiferyLead, 'monitoring.check-missed')).toEqual([]);

    // Children's social care sees the alert on the arrangement it set up; only the health visiting service acknowledges it.
    const [alert] = await listAlerts(c.socialWorker);
    expect(alert).toMatchObject({ arrangementId: arrangement!.id, dueOn: '2027-05-10', acknowledgedAt: null });
    await expect(clearMissedCheck(c.socialWorker, alert!.id, { reason: 'Not mine to clear' })).rejects.toMatchObject({ status: 403 });
    const acked = await clearMissedCheck(c.hvLead, alert!.id, { reason: 'Health visitor on leave; I will visit today' });
    expect(acked).toMatchObject({ acknowledgedByName: 'Named nurse', acknowledgedAt: '2027-05-11T08:00:00.000Z', note: 'Health visitor on leave; I will visit today' });
    expect(await listAlerts(c.hvLead)).toEqual([]);
    expect((await listAlerts(c.socialWorker, { status: 'all' }))[0]).toMatchObject({ acknowledgedByName: 'Named nurse', note: null });

    // The health visitor cannot get access either: children's social care is told at once, and the check stays due.
    c.clock.set('2027-05-11T12:00:00Z');
    const noAccess = await recordCheck(c.hvLead, arrangement!.id, { outcome: 'no_access', checkedAt: '2027-05-11T11:00:00Z', note: 'No reply at Carlton House' });
    expect(noAccess).toMatchObject({ overdue: true, nextDueOn: '2027-05-10', lastCheck: { outcome: 'no_access' } });
    expect(await kinds(c.socialWorker, 'monitoring.no-access')).toEqual([arrangement!.id]);
    expect(await kinds(c.cscLead, 'monitoring.no-access')).toEqual([arrangement!.id]);
    // The health visiting service's note stays with it; the social worker sees that the check was attempted.
    expect((await getArrangement(c.socialWorker, arrangement!.id)).checksMade).toEqual([expect.objectContaining({ outcome: 'no_access', note: null, recordedByName: 'Named nurse' })]);

    c.clock.set('2027-05-12T12:00:00Z');
    const done = await recordCheck(c.healthVisitor, arrangement!.id, { outcome: 'done', checkedAt: '2027-05-12T10:00:00Z', note: 'Saw Lily and Maggie; Lily weighed' });
    expect(done).toMatchObject({ overdue: false, nextDueOn: '2027-05-26', checksMade: [expect.objectContaining({ note: 'No reply at Carlton House' }), expect.objectContaining({ note: 'Saw Lily and Maggie; Lily weighed' })] });
    // Probation, told of the closure, knows the arrangement but does not record its checks.
    await expect(recordCheck(c.probationOfficer, arrangement!.id, { outcome: 'done', checkedAt: '2027-05-12T10:00:00Z', note: 'x' })).rejects.toMatchObject({ status: 403 });
    await expect(getArrangement(c.officer, arrangement!.id)).rejects.toMatchObject({ status: 404 });
  });

  it("case example 8: Mark, the mother's partner, is found as the father of an earlier child with a child protection plan; so is the mother's own history", async () => {
    const c = await cast();
    // Children's social care's older entries: Mark's son Kian, recorded with a duplicate entry for Mark, now linked to the current one.
    const kian = await person(c.socialWorker, { names: [{ givenNames: 'Kian', familyName: 'Barker' }], dateOfBirth: '2017-06-01' });
    const markThen = await person(c.socialWorker, { kind: 'adult', names: [{ givenNames: 'Mark', familyName: 'Tully' }], dateOfBirth: '1994-02-01' });
    await addRelationship(c.socialWorker, kian.id, { relatedPersonId: markThen.id, type: 'parent' });
    await link(c.mark.id, markThen.id, c.cscLead);
    // Maggie's first child, on a plan for neglect; and an unrelated child with a plan.
    const firstChild = await person(c.socialWorker, { names: [{ givenNames: 'Ava', familyName: 'Fletcher' }], dateOfBirth: '2019-03-01' });
    await addRelationship(c.socialWorker, firstChild.id, { relatedPersonId: c.maggie.id, type: 'parent' });
    const stranger = await person(c.socialWorker, { names: [{ givenNames: 'Sam', familyName: 'Other' }], dateOfBirth: '2018-03-01' });

    async function earlierPlan(childId: string, key: string, receivedAt: string, conferenceAt: string, category: string) {
      const ep = await openEpisode(c.socialWorker, { idempotencyKey: key, childPersonId: childId, receivedAt, channel: 'written' });
      await recordEpisodeAction(c.socialWorker, ep.id, act(`${key}-d`, receivedAt, { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'Injuries' }));
      await recordEpisodeAction(c.socialWorker, ep.id, act(`${key}-sd`, receivedAt, { type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: c.csc }], policeInvestigation: false, immediateSafety: 'x', familyToBeTold: 'x' }));
      await recordEpisodeAction(c.socialWorker, ep.id, act(`${key}-s47`, receivedAt, { type: 's47_concluded', outcome: 'continuing_risk', summary: 'x' }));
      await recordEpisodeAction(c.socialWorker, ep.id, act(`${key}-c`, conferenceAt, {
        type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: [c.csc], parentsParticipation: 'x',
        planDetails: { category, leadAgencyId: c.csc, keyWorkerId: c.socialWorker.actor.practitionerId, coreGroup: [c.socialWorker.actor.practitionerId], outlinePlan: 'x', contingencyPlan: 'y' },
      }));
      return ep;
    }
    const kiansPlan = await earlierPlan(kian.id, 'kian', '2020-05-01T09:00:00Z', '2020-05-20T10:00:00Z', 'physical_abuse');
    const avasPlan = await earlierPlan(firstChild.id, 'ava', '2021-01-05T09:00:00Z', '2021-01-25T10:00:00Z', 'neglect');
    await earlierPlan(stranger.id, 'sam', '2022-01-05T09:00:00Z', '2022-01-25T10:00:00Z', 'emotional_abuse');

    const e = await secondAssessment(c);
    const history = await episodePreviousHistory(c.socialWorker, e.id);
    expect(history).toEqual([
      {
        adultPersonId: c.mark.id, connection: 'partner of parent', matchedPersonId: markThen.id, earlierChildPersonId: kian.id, relationshipToEarlierChild: 'parent',
        episodeId: kiansPlan.id, episodeOpenedAt: '2020-05-01T09:00:00.000Z', episodeClosedAt: null, planStartedAt: '2020-05-20T10:00:00.000Z', planCategory: 'physical_abuse', planEndedAt: null,
      },
      expect.objectContaining({ adultPersonId: c.maggie.id, connection: 'parent', earlierChildPersonId: firstChild.id, episodeId: avasPlan.id, planCategory: 'neglect' }),
    ]);
    // The same from the child's entry, for a referral before any episode exists.
    expect(await previousProtectionHistory(c.socialWorker, c.lily.id)).toEqual(history);
    // Another agency finds nothing of the authority's episodes, and cannot reach the episode.
    expect(await previousProtectionHistory(c.probationOfficer, c.probationBaby.id)).toEqual([]);
    await expect(episodePreviousHistory(c.probationOfficer, e.id)).rejects.toMatchObject({ status: 404 });
    // Reads are audited with identifiers only.
    const audited = await t.db().query<{ detail: Record<string, unknown> }>("SELECT detail FROM audit_event WHERE action = 'episode.previous-history' AND entity_id = $1 AND outcome = 'success'", [e.id]);
    expect(audited.rows.map((r) => r.detail)).toEqual([{ count: 2 }]);
  });

  it("case example 8: when probation shares what it knows about Mark, children's social care is pointed to his son's earlier plan; probation learns nothing of it", async () => {
    const c = await cast();
    const kian = await person(c.socialWorker, { names: [{ givenNames: 'Kian', familyName: 'Barker' }], dateOfBirth: '2017-06-01' });
    await addRelationship(c.socialWorker, kian.id, { relatedPersonId: c.mark.id, type: 'parent' });
    const ep = await openEpisode(c.socialWorker, { idempotencyKey: 'kian', childPersonId: kian.id, receivedAt: '2020-05-01T09:00:00Z', channel: 'written' });
    for (const [key, at, action] of [
      ['kian-d', '2020-05-01T10:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'Injuries' }],
      ['kian-sd', '2020-05-01T11:00:00Z', { type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: c.csc }], policeInvestigation: false, immediateSafety: 'x', familyToBeTold: 'x' }],
      ['kian-s47', '2020-05-10T11:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'x' }],
      ['kian-c', '2020-05-20T10:00:00Z', { type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: [c.csc], parentsParticipation: 'x',
        planDetails: { category: 'physical_abuse', leadAgencyId: c.csc, keyWorkerId: c.socialWorker.actor.practitionerId, coreGroup: [c.socialWorker.actor.practitionerId], outlinePlan: 'x', contingencyPlan: 'y' } }],
    ] as const) await recordEpisodeAction(c.socialWorker, ep.id, act(key, at, action));

    // Probation's own entry for Mark, linked to the authority's; its officer records his violence and shares it.
    const probationMark = await person(c.probationOfficer, { kind: 'adult', names: [{ givenNames: 'Mark', familyName: 'Tully' }], dateOfBirth: '1994-02-01' });
    await link(probationMark.id, c.mark.id, c.cscLead);
    const record = await addRecord(c.probationOfficer, probationMark.id, concern({ occurredAt: '2027-02-20T10:00:00Z', summary: 'Convicted of violence against a previous partner', categories: ['domestic_abuse'] }));
    const before = await kinds(c.cscLead, 'person.previous-history');
    await makeDecision(c.probationLead, NewShareDecision.parse({
      personId: probationMark.id, outcome: 'share', reasons: 'A violent offender now lives with a newborn baby',
      answers: { purposeCode: 'child_protection_enquiry', purpose: 'Risk to Lily from her mother\'s partner', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 2004 s11' },
      share: { recipients: [{ agencyId: c.csc }], items: [{ recordId: record.id, parts: ['summary', 'details'] }] }, subjectInformed: { informed: false, reason: 'Telling him could put Maggie and Lily at risk' },
    }));

    // The authority's safeguarding lead is told there is history, on the authority's own entry for Mark.
    expect(await kinds(c.cscLead, 'person.previous-history')).toEqual([...before, c.mark.id]);
    const history = await previousProtectionHistory(c.cscLead, c.mark.id);
    expect(history).toEqual([expect.objectContaining({ adultPersonId: c.mark.id, connection: 'the person themself', earlierChildPersonId: kian.id, episodeId: ep.id, planCategory: 'physical_abuse' })]);
    // Probation is told nothing of the authority's episodes.
    expect(await kinds(c.probationLead, 'person.previous-history')).toEqual([]);
    expect(await previousProtectionHistory(c.probationLead, probationMark.id)).toEqual([]);
  });

  it("counts only what the social worker may see: the health visitor's own no-access visit counts once it is shared, and concerns since the episode opened count too", async () => {
    const c = await cast();
    const e = await secondAssessment(c);
    c.clock.set('2027-03-01T12:00:00Z');
    const hvVisit = await addRecord(c.healthVisitor, c.hvLily.id, concern({ kind: 'home_visit', outcome: 'no_access', occurredAt: '2027-03-01T10:00:00Z', summary: 'New birth visit: no reply' }));
    // A concern from before the episode does not count; one during it does.
    await addRecord(c.socialWorker, c.lily.id, concern({ occurredAt: '2027-02-20T10:00:00Z', summary: 'Pre-birth concern' }));
    await addRecord(c.socialWorker, c.lily.id, concern({ occurredAt: '2027-03-01T11:00:00Z', summary: 'Neighbour heard shouting' }));
    let summary = await episodeSafetySummary(c.socialWorker, e.id);
    expect([summary.noAccessVisits.count, summary.openConcerns.count]).toEqual([0, 1]);

    await makeDecision(c.healthVisitor, NewShareDecision.parse({
      personId: c.hvLily.id, outcome: 'share', reasons: 'Section 47 enquiries',
      answers: { purposeCode: 'child_protection_enquiry', purpose: 'Assessment', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 1989 s47' },
      share: { recipients: [{ agencyId: c.csc }], items: [{ recordId: hvVisit.id, parts: ['summary'] }] }, subjectInformed: { informed: false, reason: 'Enquiries under way' },
    }));
    summary = await episodeSafetySummary(c.socialWorker, e.id);
    expect(summary.noAccessVisits).toEqual({ count: 1, visits: [{ recordId: hvVisit.id, personId: c.hvLily.id, agencyId: c.hv, occurredAt: '2027-03-01T10:00:00.000Z' }] });

    // With a concern open, closing still needs a monitoring agency; the reason names both counts.
    c.clock.set('2027-04-26T10:00:00Z');
    const refused = await problemOf(recordEpisodeAction(c.socialWorker, e.id, closing(c, 'close')));
    expect(refused.errors[0]!.detail).toBe('Name the agency that will monitor the child, and what it will check: 1 home visit with no access and 1 concern recorded since the episode opened (case example 8)');
  });

  it('the agency named to monitor must know the child: a linked entry, an active practitioner (or its lead worker for the child), and what to check', async () => {
    const c = await cast();
    const e = await secondAssessment(c);
    await visit(c, '2027-04-23T15:00:00Z', 'no_access', 'No reply');
    c.clock.set('2027-04-26T10:00:00Z');
    const noLink = await problemOf(recordEpisodeAction(c.socialWorker, e.id, closing(c, 'c1', { monitoringAgencyId: c.police, arrangement: hvMonitors(c).arrangement })));
    expect(noLink.errors).toEqual([{ pointer: '/action/monitoringAgencyId', detail: 'Northshire Police holds no entry for this child linked to yours: record the same-person link first, so that it knows which child to monitor' }]);
    const incomplete = await problemOf(recordEpisodeAction(c.socialWorker, e.id, closing(c, 'c2', { monitoringAgencyId: c.hv, alsoNotifyAgencyIds: [randomUUID()] })));
    expect(incomplete.errors.map((x) => x.pointer)).toEqual(['/action/monitoringPractitionerId', '/action/arrangement', '/action/alsoNotifyAgencyIds/0']);
    expect(incomplete.errors[0]!.detail).toBe('Name the practitioner who will make the checks: Health visiting has no lead worker recorded for this child');
    const wrongAgency = await problemOf(recordEpisodeAction(c.socialWorker, e.id, closing(c, 'c3', { ...hvMonitors(c), monitoringPractitionerId: c.midwife.actor.practitionerId })));
    expect(wrongAgency.errors).toEqual([{ pointer: '/action/monitoringPractitionerId', detail: 'No active practitioner with that identifier in Health visiting' }]);
    expect((await t.db().query('SELECT 1 FROM monitoring_arrangement')).rowCount).toBe(0);

    // With the health visitor recorded as Lily's lead worker, naming the agency is enough; the police are told because the social worker names them.
    await setLeadWorker(c.hvLead, c.hvLily.id, { practitionerId: c.healthVisitor.actor.practitionerId, validFrom: '2027-02-24' });
    await recordEpisodeAction(c.socialWorker, e.id, closing(c, 'c4', { monitoringAgencyId: c.hv, arrangement: hvMonitors(c).arrangement, alsoNotifyAgencyIds: [c.police] }));
    const [arrangement] = await listArrangements(c.socialWorker);
    expect(arrangement).toMatchObject({ responsiblePractitionerId: c.healthVisitor.actor.practitionerId });
    expect((await listClosureNotices(c.officer)).map((n) => [n.involvedBecause, n.childPersonId])).toEqual([[['named'], null]]);
  });

  it('a case with nothing outstanding closes as before, with no arrangement and no notices', async () => {
    const c = await cast();
    const e = await secondAssessment(c);
    await visit(c, '2027-03-12T11:00:00Z', 'seen', 'Maggie and Lily well');
    c.clock.set('2027-03-12T13:00:00Z');
    const closed = await recordEpisodeAction(c.socialWorker, e.id, act('close', '2027-03-12T12:00:00Z', { type: 'case_closed', reasons: 'Needs met by universal services' }));
    expect(closed.state.stage).toBe('closed');
    expect((await t.db().query('SELECT 1 FROM monitoring_arrangement UNION ALL SELECT 1 FROM closure_notice')).rowCount).toBe(0);
  });

  it("case example 3: the school records the fortnightly monitoring the health visitor agreed; refusals name the field", async () => {
    const c = await cast();
    const school = await agency(c.s, (await t.db().query<{ id: string }>('SELECT id FROM partnership LIMIT 1')).rows[0]!.id, 'school', 'Riverside Primary');
    const teacher = await practitioner(c.s, school, ['practitioner'], 'Teacher');
    const jack = await person(teacher, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2022-04-22' });
    const hvJack = await person(c.healthVisitor, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2022-04-22' });
    const input = NewMonitoringArrangement.parse({
      childPersonId: jack.id, responsibleAgencyId: c.hv, responsiblePractitionerId: c.healthVisitor.actor.practitionerId,
      checks: "Confer with the school on Jack's weight, tiredness and lateness", everyDays: 14, startsOn: '2027-03-01', endsOn: '2027-05-31',
      agreedAgencyIds: [school], escalation: "Refer to children's social care if Jack's care does not improve",
    });
    const refused = await problemOf(createArrangement(teacher, input));
    expect(refused.errors).toEqual([
      { pointer: '/responsibleAgencyId', detail: 'Health visiting holds no entry for this child linked to yours: record the same-person link first, so that it knows which child to monitor' },
      { pointer: '/agreedAgencyIds', detail: 'The responsible agency must be among the agencies that agreed' },
    ]);
    await link(jack.id, hvJack.id, teacher);
    expect((await problemOf(createArrangement(teacher, input))).errors.map((x) => x.pointer)).toEqual(['/agreedAgencyIds']);
    const made = await createArrangement(teacher, { ...input, agreedAgencyIds: [school, c.hv] });
    expect(made).toMatchObject({ childPersonId: jack.id, nextDueOn: '2027-03-15', status: 'active' });
    expect(await kinds(c.healthVisitor, 'monitoring.assigned')).toEqual([made.id]);
    expect((await getArrangement(c.healthVisitor, made.id)).childPersonId).toBe(hvJack.id);
    // Children's social care is not part of it.
    await expect(getArrangement(c.socialWorker, made.id)).rejects.toMatchObject({ status: 404 });
  });

  it('the next check is due every N days after the last one made, and none is due after the end', () => {
    const a = { startsOn: '2027-03-01', endsOn: '2027-04-01', everyDays: 14, ended: false };
    expect(nextCheckDue(a, null)).toBe('2027-03-15');
    expect(nextCheckDue(a, '2027-03-13')).toBe('2027-03-27');
    expect(nextCheckDue(a, '2027-03-27')).toBeNull();
    expect(nextCheckDue({ ...a, ended: true }, null)).toBeNull();
  });
});
