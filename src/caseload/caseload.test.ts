import { describe, expect, it } from 'vitest';
import { caseloadWorld } from '../../test/caseload-world.ts';
import { useTestDb } from '../../test/db.ts';
import { randomUUID } from 'node:crypto';
import { person } from '../../test/fixtures.ts';
import { scheduleMeeting } from '../meetings/meetings.ts';
import { recordEpisodeAction } from '../process/episodes.ts';
import { RecordAction } from '../process/schemas.ts';
import { listNotifications, markRead } from '../sharing/notifications.ts';
import { myCaseload } from './caseload.ts';
import type { Caseload } from './schemas.ts';

/** A row as a reader would say it: whose, why, and the first thing needing attention. */
const said = (c: Caseload) => c.children.map((e) => [e.child.unborn ? `baby of ${e.child.motherName}` : e.child.name, e.reasons.join(','), e.urgency]);

describe('My children: a caseload for each practitioner (issue 17)', () => {
  const t = useTestDb();

  it("the social worker's own children, what needs attention first: overdue, due today, newly shared, then the rest by name; never an adult, never a colleague's child", async () => {
    const w = await caseloadWorld(t.db());
    const mine = await myCaseload(w.worker);
    expect(mine.today).toBe('2026-12-09');
    expect(said(mine)).toEqual([
      ["Ava O'Neill", 'allocated', 'overdue'],
      ['baby of Natasha Reed', 'allocated', 'due_today'],
      ['Ben Carter', 'lead_worker', 'new_information'],
      ['Adam Zane', 'lead_worker', 'none'],
      ['Cara Jones', 'lead_worker', 'none'],
    ]);
    const [ava, baby, ben] = mine.children;
    expect(ava!.child).toMatchObject({ personId: w.ava.id, dateOfBirth: '2022-04-04', unborn: false });
    expect(ava!.attention.map((a) => [a.kind, a.what, a.date, a.href])).toContainEqual(['overdue', 'statutory_step', '2026-12-02', expect.stringMatching(/^\/episodes\/[0-9a-f-]+$/)]);
    expect(baby!.child).toMatchObject({ personId: w.baby.id, unborn: true, expectedDate: '2027-02-20', motherName: 'Natasha Reed' });
    expect(baby!.attention.every((a) => a.kind === 'due_today' && a.date === '2026-12-09')).toBe(true);
    // Ben is the authority's own entry for him, though the police shared about theirs.
    expect(ben!.child.personId).toBe(w.ben.id);
    expect(ben!.attention).toEqual([expect.objectContaining({ kind: 'new_information', what: 'shared_information', href: '/shared-with-me' })]);
    expect(mine.children.map((e) => e.child.personId)).not.toContain(w.natasha.id);
    expect(mine.children.map((e) => e.child.personId)).not.toContain(w.zoe.id);

    // Once she has opened what was shared, Ben is simply one of the rest, by name.
    const shared = (await listNotifications(w.worker)).find((n) => n.kind === 'share.received')!;
    await markRead(w.worker, shared.id);
    expect(said(await myCaseload(w.worker)).map((r) => r[0])).toEqual(["Ava O'Neill", 'baby of Natasha Reed', 'Adam Zane', 'Ben Carter', 'Cara Jones']);
  });

  it('the health visitor sees the child she monitors as her own entry, with the missed check; her lead sees it as the agency’s monitoring', async () => {
    const w = await caseloadWorld(t.db());
    const hv = await myCaseload(w.healthVisitor);
    expect(said(hv)).toEqual([['Lily Fletcher', 'monitoring', 'overdue']]);
    expect(hv.children[0]!.child.personId).toBe(w.hvLily.id);
    expect(hv.children[0]!.attention).toEqual([{ kind: 'overdue', what: 'monitoring_check', label: 'Monitoring check: See Lily at home and weigh her', date: '2026-12-04', href: `/monitoring/${w.lilyMonitoring.id}` }]);
    expect(said(await myCaseload(w.hvLead))).toEqual([['Lily Fletcher', 'agency_monitoring', 'overdue']]);
  });

  it("a safeguarding lead sees the agency's children with a recent concern or monitoring, the longest overdue first", async () => {
    const w = await caseloadWorld(t.db());
    const lead = await myCaseload(w.cscLead);
    // Zoe's referral steps were due on 2 December, Lily's check on 4 December.
    expect(said(lead)).toEqual([['Zoe Hill', 'agency_concern', 'overdue'], ['Lily Fletcher', 'agency_monitoring', 'overdue']]);
    expect(lead.children[1]!.child.personId).toBe(w.lily.id);
  });

  it('named on the plan or invited to a meeting: the key worker and the core group see the child; a health visitor only once her own entry is linked to the child', async () => {
    const w = await caseloadWorld(t.db());
    const zoeEpisode = (await t.db().query<{ id: string }>('SELECT id FROM episode WHERE child_person_id = $1', [w.zoe.id])).rows[0]!.id;
    const act = (key: string, at: string, action: Record<string, unknown>) =>
      recordEpisodeAction(w.colleague, zoeEpisode, RecordAction.parse({ idempotencyKey: key, occurredAt: at, action }));
    await act('ack', '2026-12-01T10:00:00Z', { type: 'referral_acknowledged' });
    await act('decide', '2026-12-01T14:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'A bruise' });
    await act('sd', '2026-12-02T12:00:00Z', { type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: w.csc }, { agencyId: w.police }], policeInvestigation: false, immediateSafety: 'None', familyToBeTold: 'Today' });
    // Circulating is the sending (issue 18): it happens when recorded, so the clock stands at the time sent.
    const later = w.clock.now().toISOString();
    w.clock.set('2026-12-02T17:00:00Z');
    await act('circ', '2026-12-02T17:00:00Z', { type: 'strategy_record_circulated' });
    w.clock.set(later);
    await act('s47', '2026-12-04T12:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'Risk continues' });
    await act('icpc', '2026-12-08T12:00:00Z', {
      type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: [w.csc, w.hv], parentsParticipation: 'Mother attended',
      planDetails: { category: 'physical_abuse', leadAgencyId: w.csc, keyWorkerId: w.colleague.actor.practitionerId, coreGroup: [w.colleague.actor.practitionerId, w.healthVisitor.actor.practitionerId], outlinePlan: 'Visits', contingencyPlan: 'Strategy discussion' },
    });
    await scheduleMeeting(w.colleague, { kind: 'core_group', title: 'First core group', scheduledAt: '2026-12-15T10:00:00Z', subjectPersonIds: [w.zoe.id], invitees: [{ agencyId: w.hv, practitionerId: w.healthVisitor.actor.practitionerId }] });

    expect(said(await myCaseload(w.colleague)).find((r) => r[0] === 'Zoe Hill')).toEqual(['Zoe Hill', 'allocated,key_worker,core_group', 'none']);
    expect(said(await myCaseload(w.cscLead)).find((r) => r[0] === 'Zoe Hill')).toEqual(['Zoe Hill', 'agency_concern,agency_plan', 'none']);
    // The health visitor is named on the plan and invited, but holds no entry for Zoe and none is shared with her: not on her list.
    expect(said(await myCaseload(w.healthVisitor)).map((r) => r[0])).toEqual(['Lily Fletcher']);
    // Once her own entry is linked as the same child, Zoe is on her list, as her own entry.
    const hvZoe = await person(w.healthVisitor, { names: [{ givenNames: 'Zoe', familyName: 'Hill' }], dateOfBirth: '2017-06-06' });
    await t.db().query('INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at, reason) VALUES ($1,$2,$3,$4,$5,$6)',
      [randomUUID(), w.zoe.id, hvZoe.id, w.cscLead.actor.practitionerId, '2026-12-09T09:00:00Z', 'Same child']);
    const hv = await myCaseload(w.healthVisitor);
    expect(said(hv)).toEqual([['Lily Fletcher', 'monitoring', 'overdue'], ['Zoe Hill', 'core_group,meeting', 'none']]);
    expect(hv.children[1]!.child.personId).toBe(hvZoe.id);
  });

  it("another agency's practitioner sees none of the holder's children, even as its safeguarding lead; administrators are refused the list; each read is audited", async () => {
    const w = await caseloadWorld(t.db());
    expect((await myCaseload(w.officer)).children).toEqual([]);
    await expect(myCaseload(w.admin)).rejects.toMatchObject({ status: 403 });
    // Setting the world up named children too (an arrangement names its child): count from here.
    const before = Number((await t.db().query<{ seq: string }>('SELECT max(seq) AS seq FROM audit_event')).rows[0]!.seq);
    await myCaseload(w.worker);
    const { rows } = await t.db().query<{ actor_practitioner_id: string; outcome: string }>("SELECT actor_practitioner_id, outcome FROM audit_event WHERE action = 'caseload.list' ORDER BY seq");
    expect(rows).toEqual([
      { actor_practitioner_id: w.officer.actor.practitionerId, outcome: 'success' },
      { actor_practitioner_id: w.admin.actor.practitionerId, outcome: 'denied' },
      { actor_practitioner_id: w.worker.actor.practitionerId, outcome: 'success' },
    ]);
    // Each child named is audited as read, as any list that names a child.
    const named = await t.db().query<{ person_id: string }>("SELECT person_id FROM audit_event WHERE action = 'person.summary' AND actor_practitioner_id = $1 AND seq > $2", [w.worker.actor.practitionerId, before]);
    expect(new Set(named.rows.map((r) => r.person_id))).toEqual(new Set([w.ava.id, w.baby.id, w.ben.id, w.cara.id, w.adam.id]));
  });
});
