import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { recordOutcome, scheduleMeeting } from '../../src/meetings/meetings.ts';
import { MeetingOutcome } from '../../src/meetings/schemas.ts';
import { Caseload } from '../../src/caseload/schemas.ts';
import type { ChildSummary } from '../../src/people/child-summary.ts';
import { caseloadWorld, type CaseloadWorld } from '../caseload-world.ts';
import { useTestDb } from '../db.ts';
import { bearer, testApp } from './helpers.ts';
import type { ActorContext } from '../../src/shared/context.ts';

/** Issue 17 over HTTP: the caseload, and the lists that now say which child each row is about. */
describe('My children and the lists naming the child, over the API', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const get = async (who: ActorContext, url: string) => app!.inject({ url: `/api/v1${url}`, headers: await bearer(who) });
  const label = (c: ChildSummary | null): string | null => (c === null ? null : c.unborn ? `unborn baby of ${c.motherName}` : `${c.name}, ${c.dateOfBirth}`);

  it('GET /my-children: the caller’s own children with why and what needs attention, in the documented shape; 403 for an administrator', async () => {
    const w = await caseloadWorld(t.db());
    app = await testApp(w.s);
    const res = await get(w.worker, '/my-children');
    expect(res.statusCode, res.body).toBe(200);
    const body = Caseload.parse(res.json());
    expect(body.children.map((e) => [label(e.child), e.reasons, e.urgency])).toEqual([
      ["Ava O'Neill, 2022-04-04", ['allocated'], 'overdue'],
      ['unborn baby of Natasha Reed', ['allocated'], 'due_today'],
      ['Ben Carter, 2019-07-15', ['lead_worker'], 'new_information'],
      ['Adam Zane, 2018-11-02', ['lead_worker'], 'none'],
      ['Cara Jones, 2020-01-30', ['lead_worker'], 'none'],
    ]);
    expect((await get(w.officer, '/my-children')).json()).toMatchObject({ children: [] });
    const refused = await get(w.admin, '/my-children');
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['content-type']).toContain('application/problem+json');
  });

  /** A core group about Ava on the 9th gives the social worker and the police officer an action each. */
  async function meetingWithActions(w: CaseloadWorld) {
    const m = await scheduleMeeting(w.worker, { kind: 'core_group', title: 'Core group', scheduledAt: '2026-12-09T11:00:00Z', subjectPersonIds: [w.ava.id], invitees: [{ agencyId: w.police }] });
    w.clock.set('2026-12-09T12:00:00Z');
    await recordOutcome(w.worker, m.id, MeetingOutcome.parse({
      heldAt: '2026-12-09T11:00:00Z', attendance: [{ agencyId: w.police, attended: true }], decisions: ['Keep going'],
      actions: [
        { ownerId: w.worker.actor.practitionerId, description: 'Visit the home', dueOn: '2026-12-16' },
        { ownerId: w.officer.actor.practitionerId, description: 'Check for call-outs weekly', dueOn: '2026-12-16' },
      ],
      minutes: 'Discussed.', familyTold: 'The social worker tells the mother today',
    }));
  }

  it('overdue alerts, meeting actions and notifications carry `child`, and null for a reader who may not read the child', async () => {
    const w = await caseloadWorld(t.db());
    await meetingWithActions(w);
    app = await testApp(w.s);

    const alerts = (await get(w.manager, '/oversight/alerts')).json<{ childPersonId: string; child: ChildSummary | null }[]>();
    expect(alerts.length).toBeGreaterThan(0);
    expect(new Set(alerts.map((a) => label(a.child)))).toEqual(new Set(["Ava O'Neill, 2022-04-04", 'Zoe Hill, 2017-06-06']));
    for (const a of alerts) expect(a.child!.personId).toBe(a.childPersonId);

    const mine = (await get(w.worker, '/my-actions')).json<{ description: string; child: ChildSummary | null }[]>();
    expect(mine.map((a) => [a.description, label(a.child)])).toEqual([['Visit the home', "Ava O'Neill, 2022-04-04"]]);
    // The officer owns an action about Ava: he may not read the authority's entry for her, but the meeting that gave
    // him the action names her to him (issue 18), marked as named by invitation (not an entry he may open).
    const theirs = (await get(w.officer, '/my-actions')).json<{ description: string; child: ChildSummary | null }[]>();
    expect(theirs.map((a) => [a.description, label(a.child), a.child?.asInvited])).toEqual([['Check for call-outs weekly', "Ava O'Neill, 2022-04-04", true]]);

    const notes = (await get(w.worker, '/notifications')).json<{ items: { kind: string; child: ChildSummary | null }[] }>().items;
    // What the police shared is about their own entry for Ben, which the share lets her read.
    expect(notes.find((n) => n.kind === 'share.received')?.child).toMatchObject({ personId: w.policeBen.id, name: 'Ben Carter', dateOfBirth: '2019-07-15' });
    expect(label(notes.find((n) => n.kind === 'meeting.action')?.child ?? null)).toBe("Ava O'Neill, 2022-04-04");
    const officerNotes = (await get(w.officer, '/notifications')).json<{ items: { kind: string; child: ChildSummary | null }[] }>().items;
    expect(officerNotes.length).toBeGreaterThan(0);
    // Only what a meeting told him names Ava, by invitation; nothing else does.
    for (const n of officerNotes) if (!n.kind.startsWith('meeting.')) expect(n.child, n.kind).toBeNull(); else expect(n.child?.asInvited, n.kind).toBe(true);
  });
});
