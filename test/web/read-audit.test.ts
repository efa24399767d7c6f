import { describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/audit/audit.ts';
import { ReadAudit } from '../../src/audit/read-audit.ts';
import { Browser, pageWorld, recordForm, SMALL_WORLD } from './page-world.ts';
import { usePageApp } from './page-app.ts';

/**
 * Issue 21: a GET's reads are audited in one append at the end of the request, before the answer
 * leaves the server (src/audit/read-audit.ts). What an auditor reads afterwards must be what it was
 * when each service appended its own entry; and a page whose reads cannot be audited is not shown.
 */
describe('the reads of a page, audited once before the page is sent', () => {
  const { t, clock, start } = usePageApp();

  const entriesOf = async (requestId: string): Promise<{ action: string; outcome: string; person_id: string | null }[]> =>
    (await t.db().query<{ action: string; outcome: string; person_id: string | null }>(
      "SELECT action, outcome, person_id FROM audit_event WHERE detail->>'requestId' = $1 ORDER BY seq", [requestId])).rows;

  it('the person page’s reads are all in the trail, with the request’s ID, the child and the practitioner, and the chain verifies', async () => {
    const w = await pageWorld(t.db(), clock, { ...SMALL_WORLD, agencies: 2, siblings: 1 });
    const app = await start();
    const b = new Browser(app);
    await b.signIn(w.worker);
    const res = await b.get(`/people/${w.childId}`);
    expect(res.status).toBe(200);
    const entries = await entriesOf(res.requestId);
    const actions = entries.map((e) => e.action);
    expect(actions).toContain('person.read');
    expect(actions).toContain('person.agencies-involved');
    expect(entries.every((e) => ReadAudit.isRead(e.action))).toBe(true);
    expect(entries.filter((e) => e.action === 'person.read' && e.person_id === w.childId).length).toBeGreaterThan(0);
    const who = (await t.db().query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_event WHERE detail->>'requestId' = $1 AND actor_practitioner_id = $2", [res.requestId, w.worker.actor.practitionerId])).rows[0]!.n;
    expect(who).toBe(entries.length);
    expect((await verifyAuditChain(t.db())).ok).toBe(true);
  });

  it('the episode page’s list of meetings is one list entry naming the episode and how many it listed, not a read of each meeting', async () => {
    const w = await pageWorld(t.db(), clock, { ...SMALL_WORLD, meetings: 3 });
    const app = await start();
    const b = new Browser(app);
    await b.signIn(w.worker);
    const res = await b.get(`/episodes/${w.episodeId}`);
    expect(res.status).toBe(200);
    const listed = (await t.db().query<{ action: string; entity_type: string; entity_id: string; count: string }>(
      "SELECT action, entity_type, entity_id, detail->>'count' AS count FROM audit_event WHERE detail->>'requestId' = $1 AND action LIKE 'meeting.%'", [res.requestId])).rows;
    expect(listed).toEqual([{ action: 'meeting.list', entity_type: 'episode', entity_id: w.episodeId, count: '3' }]);
    expect((await verifyAuditChain(t.db())).ok).toBe(true);
  });

  it('a page whose reads cannot go into the trail is not shown: the practitioner gets the error page, without the child’s name', async () => {
    const w = await pageWorld(t.db(), clock, { ...SMALL_WORLD });
    const app = await start();
    const b = new Browser(app);
    await b.signIn(w.worker);
    const childName = `Ava ${w.familyName}`;
    const shown = await b.get(`/people/${w.childId}`);
    expect(shown.body).toContain(childName);
    // The trail refuses (as a full disk or a revoked grant would): the one append fails.
    await t.db().exec('ALTER FUNCTION jigsaw_append_audit_many(jsonb) RENAME TO jigsaw_append_audit_many_away');
    try {
      const refused = await b.get(`/people/${w.childId}`);
      expect(refused.status).toBe(500);
      expect(refused.body).not.toContain(childName);
    } finally {
      await t.db().exec('ALTER FUNCTION jigsaw_append_audit_many_away(jsonb) RENAME TO jigsaw_append_audit_many');
    }
  });

  it('writing stays in its own transaction: a record written through the page is audited with the write', async () => {
    const w = await pageWorld(t.db(), clock, { ...SMALL_WORLD });
    const app = await start();
    const b = new Browser(app);
    await b.signIn(w.worker);
    const before = (await t.db().query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE action = 'record.create'")).rows[0]!.n;
    await b.get(`/people/${w.childId}/records/new`);
    const posted = await b.post(`/people/${w.childId}/records/new`, recordForm(clock, 'Written through the page'));
    expect(posted.status).toBe(303);
    expect((await t.db().query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE action = 'record.create'")).rows[0]!.n).toBe(before + 1);
  });
});
