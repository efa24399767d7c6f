import { z } from 'zod';

/**
 * Pagination of lists that grow: `limit` items a page and an opaque `cursor` naming where the
 * next page starts. The cursor is a keyset (the values the list is sorted by, then the row's
 * id), never an offset: a page starts strictly after the last item the caller was given, so
 * items added or removed meanwhile neither repeat nor push others out of sight.
 */

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

/** One value a list is sorted by; the last value of a keyset is always the row's id. */
export type KeyValue = string | number;
export type Keyset = readonly KeyValue[];

export interface PageRequest<K extends Keyset = Keyset> {
  limit: number;
  /** The keyset of the last item of the previous page; absent for the first page. */
  after?: K | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const Limit = z.coerce
  .number({ error: 'Give a whole number from 1 to 200' })
  .int('Give a whole number from 1 to 200')
  .min(1, 'Ask for at least 1 item')
  .max(MAX_LIMIT, `Ask for at most ${MAX_LIMIT} items`)
  .default(DEFAULT_LIMIT)
  .meta({ description: `How many items a page holds: ${DEFAULT_LIMIT} unless you say, at most ${MAX_LIMIT}.` });

/** A moment as a cursor holds it: UTC with microseconds, exactly as the database compares it. */
export const KeyTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/).refine((v) => existingDate(v.slice(0, 10)) && !Number.isNaN(Date.parse(v)));
/** A calendar date in a cursor. */
export const KeyDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine(existingDate);
export const KeyId = z.uuid();

/** A forged cursor could name 30 February, which the database refuses (a 500) rather than compares. */
function existingDate(ymd: string): boolean {
  const d = new Date(`${ymd}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === ymd;
}

/** The SQL expression giving a timestamp column as a cursor holds it (see KeyTime). */
export const sqlKeyTime = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

interface CursorBody {
  l: string;
  k: unknown;
}

export function encodeCursor(list: string, key: Keyset): string {
  return Buffer.from(JSON.stringify({ l: list, k: key } satisfies CursorBody)).toString('base64url');
}

const NOT_OURS = 'This cursor was not given by this list; start again without one';

/**
 * The `cursor` field of one list: base64url JSON naming the list and its keyset. A cursor that
 * was tampered with, cut short or taken from another list fails validation (a 422 naming the
 * field), so no malformed value ever reaches a query.
 */
export function cursorOf<K extends z.ZodType<Keyset>>(list: string, key: K): z.ZodType<z.output<K>, string> {
  return z
    .string()
    .max(1000, NOT_OURS)
    .transform((value, ctx): z.output<K> => {
      let body: CursorBody | undefined;
      try {
        if (!/^[A-Za-z0-9_-]+$/.test(value)) throw new Error('not base64url');
        body = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as CursorBody;
      } catch {
        body = undefined;
      }
      const parsed = body && typeof body === 'object' && body.l === list ? key.safeParse(body.k) : undefined;
      if (!parsed?.success) {
        ctx.addIssue({ code: 'custom', message: NOT_OURS });
        return z.NEVER;
      }
      return parsed.data;
    })
    .meta({ description: 'Where the page starts: the `nextCursor` of the previous page, as given. Leave it out for the first page.' });
}

/** The query string of a paginated GET list. */
export function pageQuery<K extends z.ZodType<Keyset>>(list: string, key: K): { limit: typeof Limit; cursor: z.ZodOptional<z.ZodType<z.output<K>, string>> } {
  return { limit: Limit, cursor: cursorOf(list, key).optional() };
}

/** The response of a paginated list: one page of items and where the next one starts. */
export function page<T extends z.ZodType>(item: T): z.ZodObject<{ items: z.ZodArray<T>; nextCursor: z.ZodNullable<z.ZodString> }> {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().meta({ description: 'Pass this as `cursor` to get the next page; null on the last page.' }),
  });
}

/** Turns the request's decoded fields into a PageRequest. */
export const pageRequest = <K extends Keyset>(q: { limit: number; cursor?: K | undefined }): PageRequest<K> => ({ limit: q.limit, after: q.cursor });

/**
 * One page of a list read in keyset order from SQL, keeping only what `visible` allows.
 * `fetch(after, n)` returns up to n rows strictly after the keyset `after`. Rows the access
 * policy hides do not shorten the page: more are fetched until the page is full or the list
 * ends, and the cursor moves on past them.
 */
export async function keysetPage<R, K extends Keyset>(
  list: string,
  req: PageRequest<K>,
  fetch: (after: K | undefined, n: number) => Promise<R[]>,
  keyOf: (row: R) => K,
  visible: (row: R) => boolean = () => true,
): Promise<{ rows: R[]; nextCursor: string | null }> {
  const shown: R[] = [];
  let after = req.after;
  for (;;) {
    const batch = await fetch(after, req.limit + 1);
    for (const row of batch) {
      if (visible(row)) shown.push(row);
      if (shown.length > req.limit) {
        const rows = shown.slice(0, req.limit);
        return { rows, nextCursor: encodeCursor(list, keyOf(rows[rows.length - 1]!)) };
      }
    }
    const last = batch[batch.length - 1];
    if (batch.length <= req.limit || !last) return { rows: shown, nextCursor: null };
    after = keyOf(last);
  }
}

/** Orders keysets value by value: numbers as numbers, strings by code point (as ISO dates and ids sort). */
export function compareKeys(a: Keyset, b: Keyset): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * One page of a list whose order is computed in Node (a referral queue sorted by the next step
 * due): the same keyset cursor, applied to the sorted list. The list must be sorted by keyOf
 * under compareKeys.
 */
export function sortedPage<T, K extends Keyset>(list: string, sorted: readonly T[], req: PageRequest<K>, keyOf: (item: T) => K): Page<T> {
  const rest = req.after ? sorted.filter((t) => compareKeys(keyOf(t), req.after!) > 0) : sorted;
  const items = rest.slice(0, req.limit);
  return { items, nextCursor: rest.length > req.limit ? encodeCursor(list, keyOf(items[items.length - 1]!)) : null };
}
