import type { Database, Queryable } from '../../src/db/database.ts';
import { now } from './stats.ts';

/** Time spent in one kind of statement over a profiled run. */
export interface StatementTiming {
  statement: string;
  calls: number;
  totalMs: number;
}

/** A short, stable label for a statement: its first words, whitespace collapsed. */
export function statementLabel(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  const m = /^(SELECT pg_advisory_xact_lock|SELECT seq, hash FROM audit_event|INSERT INTO \w+|UPDATE \w+|DELETE FROM \w+|SELECT \* FROM \w+|SELECT r\.id, r\.person_id)/.exec(flat);
  if (m) {
    const label = m[1]!;
    if (label.startsWith('SELECT r.id')) return flat.includes('r.person_id = $1') ? 'SELECT record join (by person)' : 'SELECT record join (by id)';
    return label;
  }
  return flat.length > 60 ? `${flat.slice(0, 57)}…` : flat;
}

/**
 * Wraps a database so every statement (also inside transactions) is timed. What a transaction
 * costs beyond its statements (BEGIN, COMMIT with its WAL flush, the JavaScript around the
 * statements) is the caller's total minus the sum of these.
 */
export function profiled(db: Database): { db: Database; timings: () => StatementTiming[]; reset: () => void } {
  const totals = new Map<string, StatementTiming>();
  const wrap = (q: Queryable): Queryable => ({
    query: async <T>(sql: string, params?: readonly unknown[]) => {
      const t0 = now();
      try {
        return await q.query<T>(sql, params);
      } finally {
        const label = statementLabel(sql);
        const entry = totals.get(label) ?? { statement: label, calls: 0, totalMs: 0 };
        entry.calls += 1;
        entry.totalMs += now() - t0;
        totals.set(label, entry);
      }
    },
    exec: (sql: string) => q.exec(sql),
  });
  const base = wrap(db);
  return {
    db: {
      kind: db.kind,
      query: <T>(sql: string, params?: readonly unknown[]) => base.query<T>(sql, params),
      exec: (sql: string) => base.exec(sql),
      transaction: <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction((tx) => fn(wrap(tx))),
      close: () => db.close(),
    },
    timings: () => [...totals.values()].sort((a, b) => b.totalMs - a.totalMs),
    reset: () => totals.clear(),
  };
}

/** One statement's share of an operation under the profiler. */
export interface ProfileLine {
  statement: string;
  callsPerOp: number;
  msPerOp: number;
}

/** Where the time of one operation goes: per statement, and outside the statements. */
export interface PathProfile {
  /** Mean wall time of one operation under the profiler. */
  msPerOp: number;
  statements: ProfileLine[];
  /** Time outside the timed statements: BEGIN/COMMIT (and its WAL flush), JavaScript, policy, hashing. */
  outsideStatementsMsPerOp: number;
}

/** Runs an operation `ops` times under the statement profiler and reports per operation. */
export async function profilePath(db: Database, ops: number, run: (db: Database) => Promise<unknown>, digits = 3): Promise<PathProfile> {
  const p = profiled(db);
  const t0 = now();
  for (let i = 0; i < ops; i++) await run(p.db);
  const total = now() - t0;
  const statements: StatementTiming[] = p.timings();
  const inStatements = statements.reduce((sum, s) => sum + s.totalMs, 0);
  const r = (x: number): number => Number(x.toFixed(digits));
  return {
    msPerOp: r(total / ops),
    statements: statements.map((s) => ({ statement: s.statement, callsPerOp: Number((s.calls / ops).toFixed(2)), msPerOp: r(s.totalMs / ops) })),
    outsideStatementsMsPerOp: r((total - inStatements) / ops),
  };
}
