import type { Queryable } from '../../src/db/database.ts';

/**
 * Large batched INSERTs without COPY: one array per column, sent as parameters and turned back
 * into rows by unnest. Array columns (text[], uuid[]) and jsonb travel as text and are rebuilt in
 * SQL, since unnest cannot carry an array of arrays.
 */

export type ColumnType = 'uuid' | 'text' | 'int' | 'bool' | 'date' | 'timestamptz' | 'jsonb' | 'text[]' | 'uuid[]';
export type Value = string | number | boolean | null;
export type Cell = Value | readonly string[];

const BATCH = 5_000;

const paramType = (t: ColumnType): string => (t === 'jsonb' || t === 'text[]' || t === 'uuid[]' ? 'text' : t);
const rebuilt = (t: ColumnType, c: string): string =>
  t === 'jsonb' ? `${c}::jsonb` : t === 'text[]' ? `CASE WHEN ${c} = '' THEN '{}'::text[] ELSE string_to_array(${c}, ',') END`
    : t === 'uuid[]' ? `CASE WHEN ${c} = '' THEN '{}'::uuid[] ELSE string_to_array(${c}, ',')::uuid[] END` : c;

/** Inserts rows (arrays in column order) into a table, BATCH at a time. Array values are joined with commas (they never contain one here). */
export async function insertRows(db: Queryable, table: string, columns: Record<string, ColumnType>, rows: readonly (readonly Cell[])[]): Promise<void> {
  const names = Object.keys(columns);
  const types = Object.values(columns);
  const aliases = names.map((_, i) => `c${i}`);
  const sql = `INSERT INTO ${table} (${names.join(', ')})
    SELECT ${types.map((t, i) => rebuilt(t, aliases[i]!)).join(', ')}
      FROM unnest(${types.map((t, i) => `$${i + 1}::${paramType(t)}[]`).join(', ')}) AS t(${aliases.join(', ')})`;
  for (let start = 0; start < rows.length; start += BATCH) {
    const batch = rows.slice(start, start + BATCH);
    const params = names.map((_, ci) => batch.map((r) => {
      const v = r[ci];
      return Array.isArray(v) ? v.join(',') : (v as Value);
    }));
    await db.query(sql, params);
  }
}

/**
 * A pseudo-random number in [0, 1) from a text key, in SQL: the first 32 bits of its MD5. Used by
 * the set-based inserts so that the same seed gives the same rows on any PostgreSQL (hashtext is
 * not promised to be stable across versions).
 */
export const sqlUniform = (key: string): string => `((('x' || substr(md5(${key}), 1, 8))::bit(32)::bigint) / 4294967296.0)`;
