import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compareKeys, cursorOf, encodeCursor, keysetPage, sortedPage, type PageRequest } from './pagination.ts';

type Row = { key: [number, string]; visible: boolean };
const Key = z.tuple([z.number().int(), z.string()]);

/** The rows after a keyset, in order, as an SQL keyset query would return them. */
const fetchFrom = (rows: readonly Row[]) => (after: readonly [number, string] | undefined, n: number): Promise<Row[]> =>
  Promise.resolve(rows.filter((r) => !after || compareKeys(r.key, after) > 0).slice(0, n));

const rowsArb = fc
  .uniqueArray(fc.record({ key: fc.tuple(fc.integer({ min: 0, max: 5 }), fc.string({ minLength: 1, maxLength: 3 })), visible: fc.boolean() }), { selector: (r) => JSON.stringify(r.key), maxLength: 40 })
  .map((rows) => [...rows].sort((a, b) => compareKeys(a.key, b.key)) as Row[]);

describe('keyset pages', () => {
  it('walking a list page by page gives every visible row exactly once, in order, each page full but the last, whatever the policy hides', async () => {
    await fc.assert(fc.asyncProperty(rowsArb, fc.integer({ min: 1, max: 7 }), async (rows, limit) => {
      const seen: Row[] = [];
      let req: PageRequest<[number, string]> = { limit };
      for (let pages = 0; ; pages++) {
        expect(pages).toBeLessThanOrEqual(rows.length + 1);
        const page = await keysetPage('test', req, fetchFrom(rows), (r) => r.key, (r) => r.visible);
        expect(page.rows.length).toBeLessThanOrEqual(limit);
        seen.push(...page.rows);
        if (!page.nextCursor) break;
        expect(page.rows).toHaveLength(limit);
        const after = cursorOf('test', Key).safeParse(page.nextCursor);
        expect(after.success).toBe(true);
        req = { limit, after: after.data };
      }
      expect(seen).toEqual(rows.filter((r) => r.visible));
    }));
  });

  it('a list sorted in Node pages the same way', () => {
    fc.assert(fc.property(rowsArb, fc.integer({ min: 1, max: 7 }), (rows, limit) => {
      const seen: Row[] = [];
      let req: PageRequest<[number, string]> = { limit };
      for (;;) {
        const page = sortedPage('test', rows, req, (r) => r.key);
        seen.push(...page.items);
        if (!page.nextCursor) break;
        req = { limit, after: cursorOf('test', Key).parse(page.nextCursor) };
      }
      expect(seen).toEqual(rows);
    }));
  });

  it('refuses a cursor that was altered, cut short, or given by another list', () => {
    const cursor = cursorOf('notifications', Key);
    const good = encodeCursor('notifications', [3, 'x']);
    expect(cursor.parse(good)).toEqual([3, 'x']);
    for (const bad of [good.slice(0, -3), `${good}!`, encodeCursor('due-steps', [3, 'x']), Buffer.from('{"l":"notifications","k":["3","x"]}').toString('base64url'), '', 'not a cursor']) {
      const r = cursor.safeParse(bad);
      expect(r.success, bad).toBe(false);
      expect(r.error?.issues[0]?.message).toBe('This cursor was not given by this list; start again without one');
    }
  });
});
