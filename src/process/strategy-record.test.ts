import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { getMeeting, recordOutcome, scheduleMeeting } from '../meetings/meetings.ts';
import { getRecord } from '../records/records.ts';
import { fixedClock } from '../shared/clock.ts';
import { listDecisions } from '../sharing/sharing.ts';
import { getEpisode, openEpisode, recordEpisodeAction } from './episodes.ts';
import { RecordAction } from './schemas.ts';

/** Issue 18, items 3 and 4: circulating the strategy record sends it; recording a step from a meeting marks the meeting held. */
describe('the strategy discussion record is sent, and a meeting is held once', () => {
  const t = useTestDb();

  async function strategyHeld() {
    const clock = fixedClock('2026-12-01T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const police = await agency(s, p, 'police', 'Northshire Police');
    const health = await agency(s, p, 'health_visiting', 'Northshire Health Visiting');
    const school = await agency(s, p, 'school', 'Riverside Primary');
    const worker = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const policeLead = await practitioner(s, police, ['safeguarding_lead'], 'DS Amir Khan');
    const healthLead = await practitioner(s, health, ['safeguarding_lead'], 'Nadia Nurse');
    const schoolLead = await practitioner(s, school, ['safeguarding_lead'], 'Tom Teacher');
    const child = await person(worker, { names: [{ givenNames: 'Zoe', familyName: 'Hill' }], dateOfBirth: '2019-04-02' });
    const act = (key: string, occurredAt: string, action: Record<string, unknown>, meetingId?: string) =>
      recordEpisodeAction(worker, e.id, RecordAction.parse({ idempotencyKey: key, occurredAt, action, ...(meetingId ? { meetingId } : {}) }));
    const e = await openEpisode(worker, { idempotencyKey: 'ref', childPersonId: child.id, receivedAt: '2026-12-01T09:00:00Z', channel: 'written', allocatedWorkerId: worker.actor.practitionerId });
    clock.set('2026-12-01T15:00:00Z');
    await act('decide', '2026-12-01T14:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'A bruise on her arm' });
    const meeting = await scheduleMeeting(worker, {
      kind: 'strategy_discussion', title: 'Strategy discussion', episodeId: e.id, scheduledAt: '2026-12-02T10:00:00Z', subjectPersonIds: [child.id],
      invitees: [{ agencyId: police }, { agencyId: health }],
    });
    clock.set('2026-12-02T12:00:00Z');
    await act('sd', '2026-12-02T10:00:00Z', {
      type: 'strategy_discussion_held', s47: true, policeInvestigation: true,
      participants: [{ agencyId: csc }, { agencyId: police, name: 'DS Amir Khan' }, { agencyId: health }],
      immediateSafety: 'Zoe stays with her grandmother tonight', familyToBeTold: 'The social worker tells her mother today at 4pm',
    }, meeting.id);
    return { clock, s, csc, police, health, school, worker, policeLead, healthLead, schoolLead, child, e, act, meeting };
  }

  it('recording the strategy discussion from its meeting marks the meeting held; its minutes and actions can still be recorded', async () => {
    const w = await strategyHeld();
    const m = await getMeeting(w.worker, w.meeting.id);
    expect(m.status).toBe('held');
    expect(m.heldAt).toBe('2026-12-02T10:00:00.000Z');
    const after = await recordOutcome(w.worker, w.meeting.id, { heldAt: '2026-12-02T10:00:00Z', attendance: [{ agencyId: w.police, attended: true }], decisions: [], actions: [], reviewedActions: [], minutes: 'Minutes', familyTold: 'Today' });
    expect(after.minutes).toBe('Minutes');
  });

  it('circulating sends the record to each agency that took part, on the statutory duty, tells each without naming the child, and meets the one working day at the time sent', async () => {
    const w = await strategyHeld();
    let e = await getEpisode(w.worker, w.e.id);
    expect(e.state.steps.find((s) => s.key === 'strategy_record')?.due).toBe('2026-12-03');
    w.clock.set('2026-12-02T16:30:00Z');
    // A date typed for the tick is not believed: the record is sent now, and that is when it was circulated.
    e = await w.act('circ', '2026-12-02T12:05:00Z', { type: 'strategy_record_circulated' });
    const circ = e.actions.find((a) => a.type === 'strategy_record_circulated')!;
    expect(circ.occurredAt).toBe('2026-12-02T16:30:00.000Z');
    expect(e.state.steps.find((s) => s.key === 'strategy_record')).toBeUndefined();
    const sent = circ.details as { recordId: string; shareDecisionId: string; agencyIds: string[]; sentAt: string };
    expect(sent.sentAt).toBe('2026-12-02T16:30:00.000Z');
    expect([...sent.agencyIds].sort()).toEqual([w.police, w.health].sort());

    // One grant per participating agency (not children's social care itself, not the school that was not there).
    const grants = (await t.db().query<{ grantee_agency_id: string; record_id: string; person_id: string }>('SELECT grantee_agency_id, record_id, person_id FROM share_grant WHERE decision_id = $1', [sent.shareDecisionId])).rows;
    expect(grants.map((g) => g.grantee_agency_id).sort()).toEqual([w.police, w.health].sort());
    expect(grants.every((g) => g.record_id === sent.recordId && g.person_id === w.child.id)).toBe(true);

    // The decision is one like any other: in the child's sharing history, on the statutory duty, made by the social worker.
    const decision = (await listDecisions(w.worker, w.child.id)).find((d) => d.id === sent.shareDecisionId)!;
    expect(decision).toMatchObject({ outcome: 'share', legalBasis: 'statutory_duty' });
    expect(decision.purpose).toContain('28.3');

    // Each agency is told through its safeguarding lead; the message names nobody.
    const notices = (await t.db().query<{ practitioner_id: string; message: string; entity_id: string }>("SELECT practitioner_id, message, entity_id FROM notification WHERE kind = 'share.received'")).rows;
    expect(notices.map((n) => n.practitioner_id).sort()).toEqual([w.policeLead.actor.practitionerId, w.healthLead.actor.practitionerId].sort());
    for (const n of notices) {
      expect(n.entity_id).toBe(sent.shareDecisionId);
      expect(n.message).not.toMatch(/Zoe|Hill/);
    }

    // The police read the record through the grant; the school cannot (it looks like no record at all).
    const read = await getRecord(w.policeLead, sent.recordId);
    expect(read.kind).toBe('strategy_discussion');
    expect(read.details).toContain('Zoe stays with her grandmother tonight');
    expect(read.details).toContain('Northshire Police (DS Amir Khan)');
    await expect(getRecord(w.schoolLead, sent.recordId)).rejects.toMatchObject({ status: 404 });
  });
});
