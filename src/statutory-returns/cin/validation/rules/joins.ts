import type { Finding, Location } from '../engine.ts';
import type { TableName } from '../tables.ts';

/**
 * What several parts' rules share: joining the census's tables as the validator's pandas merges join
 * them (an absent id matches another absent id), pointing at cells, and the validator's ERROR_ID.
 */

/** A join key of several cells: the same texts, or both absent, match. */
export const key = (...parts: unknown[]): string => JSON.stringify(parts.map((p) => p ?? null));

/** A table's rows with their row numbers, grouped by a key. */
export function index<T>(rows: readonly T[], keyOf: (row: T) => string): Map<string, [number, T][]> {
  const map = new Map<string, [number, T][]>();
  rows.forEach((row, i) => {
    const k = keyOf(row);
    const list = map.get(k);
    if (list) list.push([i, row]);
    else map.set(k, [[i, row]]);
  });
  return map;
}

/** These columns of one row of a table. */
export const cells = (table: TableName, row: number, ...columns: string[]): Location[] => columns.map((column) => ({ table, column, row }));
/** One breach made of these cells. */
export const finding = (...locations: Location[][]): Finding => ({ locations: locations.flat() });

/**
 * The validator's ERROR_ID for rules that tie cells together: a Python tuple of the values that
 * identify the breach, each as text, as its report prints one ('nan' for a missing value; a
 * one-element tuple keeps Python's trailing comma).
 */
export const errorId = (...parts: (string | number | null)[]): string =>
  `(${parts.map((p) => `'${p === null ? 'nan' : String(p)}'`).join(', ')}${parts.length === 1 ? ',' : ''})`;
