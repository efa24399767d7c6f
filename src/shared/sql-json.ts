/**
 * An instant inside JSON built by a statement (json_build_object, json_agg) as the drivers give a
 * timestamp column (src/db/database.ts): ISO 8601 in UTC with milliseconds, cut not rounded. A
 * timestamp inside JSON otherwise arrives as PostgreSQL writes it ("2026-03-01T10:00:00.123456+00:00").
 */
export const jsonInstant = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
