import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { newId } from '../shared/ids.ts';
import { auditArguments, verifyAuditChain } from './audit.ts';
import { ReadAudit } from './read-audit.ts';

/**
 * Pages answered at the same moment append their reads together (group commit, issue 21). What an
 * auditor reads afterwards must be as if each request had appended alone: every entry once, each
 * request's entries together and in order, the chain intact; and one request whose entries the
 * trail refuses fails alone, never the pages answered beside it.
 */
describe('the reads of pages answered together, appended together', () => {
  const t = useTestDb();

  /** A page's reads: `n` entries, all carrying the request's ID, numbered in the order read. */
  function pageReads(requestId: string, n: number): ReadAudit {
    const reads = new ReadAudit();
    const actor = { practitionerId: newId(), agencyId: newId(), roles: [], grants: [] };
    for (let i = 0; i < n; i++) {
      reads.keep(auditArguments({ actor, requestId, at: new Date('2026-12-07T10:00:00Z') }, { action: 'person.read', outcome: 'success', entityType: 'person', entityId: newId(), detail: { order: i } }));
    }
    return reads;
  }

  const entriesOf = async (requestId: string): Promise<{ seq: number; order: number }[]> =>
    (await t.db().query<{ seq: number; order: number }>(
      "SELECT seq, (detail->>'order')::int AS order FROM audit_event WHERE detail->>'requestId' = $1 ORDER BY seq", [requestId])).rows;

  it('eight pages at once: every entry once, each page’s together and in its order, and the chain verifies', async () => {
    const pages = Array.from({ length: 8 }, (_, i) => ({ requestId: newId(), n: 1 + (i % 4) * 3 }));
    await Promise.all(pages.map((p) => pageReads(p.requestId, p.n).flush(t.db())));
    for (const p of pages) {
      const entries = await entriesOf(p.requestId);
      expect(entries.map((e) => e.order)).toEqual(Array.from({ length: p.n }, (_, i) => i));
      // Together: no other page's entry between the first and the last of this one's.
      const chain = (await t.db().query<{ n: number }>(
        'SELECT count(*)::int AS n FROM audit_event WHERE seq BETWEEN $1 AND $2 AND chain = (SELECT chain FROM audit_event WHERE seq = $1)', [entries[0]!.seq, entries.at(-1)!.seq])).rows[0]!.n;
      expect(chain).toBe(p.n);
    }
    expect((await verifyAuditChain(t.db())).ok).toBe(true);
  });

  it('a page whose entries the trail refuses fails alone: the pages answered with it are appended and answered', async () => {
    const good = Array.from({ length: 5 }, () => newId());
    const bad = newId();
    const refused = pageReads(bad, 2);
    // An entry the database cannot take (its entity is not an identifier), as a full disk or a bug would refuse it.
    refused.keep(auditArguments({ requestId: bad, at: new Date() }, { action: 'person.read', outcome: 'success', entityType: 'person', entityId: 'not-an-identifier' }));
    const answers = await Promise.allSettled([
      ...good.slice(0, 3).map((id) => pageReads(id, 3).flush(t.db())),
      refused.flush(t.db()),
      ...good.slice(3).map((id) => pageReads(id, 3).flush(t.db())),
    ]);
    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    for (const id of good) expect(await entriesOf(id)).toHaveLength(3);
    expect(await entriesOf(bad)).toHaveLength(0);
    expect((await verifyAuditChain(t.db())).ok).toBe(true);
  });

  it('begun while the page is rendered: what was read before and after are all in the trail, in order, before flush answers', async () => {
    const requestId = newId();
    const reads = pageReads(requestId, 3);
    await reads.begin(t.db());
    const actor = { practitionerId: newId(), agencyId: newId(), roles: [], grants: [] };
    for (const order of [3, 4]) reads.keep(auditArguments({ actor, requestId, at: new Date() }, { action: 'person.read', outcome: 'success', detail: { order } }));
    await reads.flush(t.db());
    expect((await entriesOf(requestId)).map((e) => e.order)).toEqual([0, 1, 2, 3, 4]);
  });

  it('begun early and refused: flush throws, so the page is not sent', async () => {
    const requestId = newId();
    const reads = pageReads(requestId, 1);
    reads.keep(auditArguments({ requestId, at: new Date() }, { action: 'person.read', outcome: 'success', entityType: 'person', entityId: 'not-an-identifier' }));
    await reads.begin(t.db());
    await expect(reads.flush(t.db())).rejects.toThrow();
    expect(await entriesOf(requestId)).toHaveLength(0);
  });

  it('a page that read nothing appends nothing', async () => {
    const before = (await t.db().query<{ n: number }>('SELECT count(*)::int AS n FROM audit_event')).rows[0]!.n;
    await new ReadAudit().flush(t.db());
    expect((await t.db().query<{ n: number }>('SELECT count(*)::int AS n FROM audit_event')).rows[0]!.n).toBe(before);
  });
});
