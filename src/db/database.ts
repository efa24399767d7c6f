import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import pg from 'pg';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Anything that runs SQL: the database itself or one open transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: T[]; rowCount: number }>;
  /** Runs a script of several statements (no parameters), e.g. a migration file. */
  exec(sql: string): Promise<void>;
}

/** One PostgreSQL database, embedded (PGlite) or a server (pg). */
export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn in one transaction: everything it writes is committed together or not at all. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** A server's connection pool now (for the metrics); absent for the embedded database, which has none. */
  poolStats?(): { total: number; idle: number; waiting: number };
}

// Dates stay as 'YYYY-MM-DD' strings (a date of birth has no time zone), timestamps become
// ISO-8601 UTC strings, and bigints become numbers: the same values whichever database runs.
const DATE_OID = 1082;
const TIMESTAMPTZ_OID = 1184;
const TIMESTAMP_OID = 1114;
const INT8_OID = 20;
const NUMERIC_OID = 1700;
// Array types are not in pg-types' TypeId list of built-in scalars, though the parser registry takes any OID.
const TEXT_ARRAY_OID = 1009 as Parameters<typeof pg.types.getTypeParser>[0];
const UUID_ARRAY_OID = 2951 as Parameters<typeof pg.types.getTypeParser>[0];

/**
 * text[] and uuid[] as the server sends them. Jigsaw's arrays are codes and identifiers, which
 * PostgreSQL never quotes: those are split directly (a chronology reads thousands); anything
 * quoted, nested or dimensioned goes to pg's full parser.
 */
export function simpleArrayParser(full: (v: string) => unknown): (v: string) => unknown {
  return (v) => {
    if (v.charCodeAt(0) !== 123 /* { */ || v.charCodeAt(1) === 123 || v.includes('"')) return full(v);
    if (v.length === 2) return [];
    return v.slice(1, -1).split(',').map((e) => (e === 'NULL' ? null : e));
  };
}
const UTC_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/;
/**
 * Both drivers run their sessions in UTC, so timestamps arrive as "2026-03-01 10:00:00.123456+00";
 * rewriting that text is much cheaper than a Date round trip on a 10,000-row chronology, and gives
 * the same string (milliseconds, as a JavaScript Date keeps). Anything else goes through Date.
 */
const toIso = (v: string): string => {
  const m = UTC_TIMESTAMP.exec(v);
  if (m) return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
  return new Date(v.includes('T') || /[+-]\d\d(:\d\d)?$/.test(v) ? v : `${v}Z`).toISOString();
};

/**
 * PGlite is one process's database: two processes opening the same directory would corrupt it.
 * A lock file holding the owner's pid keeps a second one (say, the CLI while the server runs)
 * out with a clear message; a lock left by a killed process is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'jigsaw.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(file, 'utf8'));
      if (owner && processIsAlive(owner)) {
        throw new Error(`The embedded database in ${dataDir} is in use by another Jigsaw process (pid ${owner}). Stop it first, or use a PostgreSQL server (DATABASE_URL).`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not lock ${dataDir}`);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The embedded database, which can also copy its whole data directory (for `jigsaw backup`). */
export interface PGliteDatabase extends Database {
  readonly kind: 'pglite';
  /** A gzipped tarball of the data directory, taken between statements (PGlite runs one at a time). */
  dumpDataDir(): Promise<Blob>;
}

/**
 * Opens (or creates) the embedded database. With `loadDataDir` (a tarball from dumpDataDir) the
 * data directory is filled from it first; PGlite refuses if it already holds a database.
 */
export async function openPGlite(dataDir: string | undefined, opts: { loadDataDir?: Blob } = {}): Promise<PGliteDatabase> {
  const unlock = dataDir ? lockDataDir(dataDir) : () => undefined;
  const db = await PGlite.create(dataDir ?? 'memory://', {
    ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
    // The people search's trigram index (migration 037) needs pg_trgm, which a server ships in contrib.
    extensions: { pg_trgm },
    parsers: {
      [DATE_OID]: (v: string) => v,
      [TIMESTAMPTZ_OID]: toIso,
      [TIMESTAMP_OID]: toIso,
      [INT8_OID]: (v: string) => Number(v),
      [NUMERIC_OID]: (v: string) => Number(v),
    },
  }).catch((err: unknown) => {
    // A database that failed to start (say, from a damaged backup) must not stay locked by this process.
    unlock();
    throw err;
  });
  const wrap = (q: { query: PGlite['query']; exec: PGlite['exec'] }): Queryable => ({
    async query<T>(sql: string, params?: readonly unknown[]) {
      const res = await q.query<T>(sql, params as unknown[] | undefined);
      return { rows: res.rows, rowCount: res.rows.length || (res.affectedRows ?? 0) };
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
  });
  const base = wrap(db);
  return {
    kind: 'pglite',
    dumpDataDir: () => db.dumpDataDir('gzip'),
    query: (sql, params) => base.query(sql, params),
    exec: (sql) => base.exec(sql),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction((tx) => fn(wrap(tx))),
    close: async () => {
      await db.close();
      unlock();
    },
  };
}

let pgTypesSet = false;
function setPgTypes(): void {
  if (pgTypesSet) return;
  pgTypesSet = true;
  pg.types.setTypeParser(DATE_OID, (v) => v);
  pg.types.setTypeParser(TIMESTAMPTZ_OID, toIso);
  pg.types.setTypeParser(TIMESTAMP_OID, toIso);
  pg.types.setTypeParser(INT8_OID, (v) => Number(v));
  pg.types.setTypeParser(NUMERIC_OID, (v) => Number(v));
  pg.types.setTypeParser(TEXT_ARRAY_OID, simpleArrayParser(pg.types.getTypeParser(TEXT_ARRAY_OID, 'text') as (v: string) => unknown));
  pg.types.setTypeParser(UUID_ARRAY_OID, simpleArrayParser(pg.types.getTypeParser(UUID_ARRAY_OID, 'text') as (v: string) => unknown));
}

/**
 * Names for Jigsaw's parameterised statements, so that each server connection parses and plans a
 * statement once and then only binds and runs it: a page's dozens of statements cost about a third
 * less server time (issue 21). The same text always gets the same name (pg keeps, per connection,
 * which names it has prepared). Statements built with a varying number of placeholders would each
 * take a name: past `cap` distinct texts the rest run unnamed, as before, so a connection's
 * prepared statements stay bounded.
 */
export class PreparedNames {
  private readonly names = new Map<string, string>();
  constructor(private readonly cap = 2000) {}

  nameFor(sql: string): string | undefined {
    const known = this.names.get(sql);
    if (known !== undefined || this.names.size >= this.cap) return known;
    const name = `jigsaw_${this.names.size + 1}`;
    this.names.set(sql, name);
    return name;
  }
}
const preparedNames = new PreparedNames();

/**
 * Whether a statement only reads, so that running it before BEGIN is the same as running it inside
 * the transaction. At READ COMMITTED (every Jigsaw transaction but the two that ask for REPEATABLE
 * READ with SET TRANSACTION, which is not a read and so begins first) each statement takes its own
 * snapshot either way; what differs is only what a statement leaves behind: rows written, row locks
 * (FOR UPDATE/SHARE), advisory locks, sequences, settings, notifications, and anything Jigsaw's
 * own functions do. A statement that might do any of that — or that this cannot tell — begins the
 * transaction first. The answers are kept per statement text.
 */
export function readsOnly(sql: string): boolean {
  let known = readsOnlyCache.get(sql);
  if (known === undefined) {
    known = /^\s*(SELECT|WITH)\b/i.test(sql) && !LEAVES_SOMETHING.test(sql);
    if (readsOnlyCache.size < 5000) readsOnlyCache.set(sql, known);
  }
  return known;
}
const LEAVES_SOMETHING = /\b(INSERT|UPDATE|DELETE|MERGE|FOR\s+(NO\s+KEY\s+)?UPDATE|FOR\s+(KEY\s+)?SHARE|INTO|jigsaw_\w+|nextval|setval|pg_advisory\w*|pg_try_advisory\w*|set_config|pg_notify|txid_current|pg_current_xact_id|lo_\w+)\b/i;
const readsOnlyCache = new Map<string, boolean>();

export function openPostgres(connectionString: string, options: { max?: number; role?: string | undefined; prepare?: boolean; genericPlans?: boolean } = {}): Database {
  // JIGSAW_DB_PREPARED_STATEMENTS=false behind a pooler in transaction mode that cannot keep named
  // prepared statements (PgBouncer before 1.21, or without max_prepared_statements).
  const prepare = options.prepare ?? process.env.JIGSAW_DB_PREPARED_STATEMENTS !== 'false';
  setPgTypes();
  // Sessions in UTC whatever the server's default, so timestamps read back the same everywhere; and,
  // given a role, every pooled connection takes it as it starts (no extra round trip; src/db/roles.ts).
  const role = options.role && /^[a-z_][a-z0-9_]*$/.test(options.role) ? ` -c role=${options.role}` : '';
  // JIT compilation off: Jigsaw's statements are short, and PostgreSQL's JIT fires on a misestimated
  // cost (the chronology's recursive walk of same-person links is estimated at hundreds of rows
  // where there are a few) and spends ~100 ms compiling a query that runs in one (issue 21).
  // Idle connections are kept five minutes, not pg's ten seconds: a burst (flag lookups keep several
  // statements in flight) would otherwise reopen connections — 5 to 40 ms each, and a cold
  // connection's first statements plan afresh — just as the next burst arrives (issue 21). Idle
  // connections do not keep a process alive (allowExitOnIdle): a command-line run still ends at once.
  // Generic plans for prepared statements (JIGSAW_DB_GENERIC_PLANS, on by default): PostgreSQL plans
  // a prepared statement afresh on every run until a generic plan looks as cheap as the custom ones,
  // which for Jigsaw's `= ANY($1::uuid[])` lists (estimated at ten ids where there is one) it never
  // does — a three-table join spent ten times longer being planned than run (0.7 ms against 0.07),
  // a quarter of the database's CPU under load (issue 21). A filter that may or may not be given is
  // written into the statement only when it is (src/db/filters.ts), so each plan suits its statement.
  const genericPlans = (options.genericPlans ?? process.env.JIGSAW_DB_GENERIC_PLANS !== 'false') && prepare ? ' -c plan_cache_mode=force_generic_plan' : '';
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10, idleTimeoutMillis: 300_000, allowExitOnIdle: true, options: `-c TimeZone=UTC -c jit=off${genericPlans}${role}` });
  // An idle client losing its connection must not crash the server; the next query reconnects.
  pool.on('error', () => undefined);
  const run = async <T>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[], inTransaction = false) => {
    const name = prepare && params ? preparedNames.nameFor(sql) : undefined;
    let res: pg.QueryResult;
    try {
      res = name ? await client.query({ name, text: sql, values: params as unknown[] }) : await client.query(sql, params as unknown[] | undefined);
    } catch (err) {
      // A migration run by a newer version changed a table this connection's prepared statement
      // reads (a rolling upgrade, until this process is replaced): outside a transaction the
      // statement is simply run unprepared; inside one the command fails as any other would.
      if (!name || inTransaction || (err as { code?: string }).code !== '0A000') throw err;
      res = await client.query(sql, params as unknown[]);
    }
    return { rows: res.rows as T[], rowCount: res.rowCount ?? 0 };
  };
  return {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    exec: async (sql) => {
      await pool.query(sql);
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      // BEGIN is sent before the first statement that needs it (see readsOnly): a command that only
      // reads runs its statements on one connection without BEGIN and COMMIT, two round trips fewer.
      let begun = false;
      const begin = async (): Promise<void> => {
        if (begun) return;
        begun = true;
        await client.query('BEGIN');
      };
      try {
        const result = await fn({
          query: async (sql, params) => {
            if (!begun && !readsOnly(sql)) await begin();
            return run(client, sql, params, begun);
          },
          exec: async (sql) => {
            await begin();
            await client.query(sql);
          },
        });
        if (begun) await client.query('COMMIT');
        return result;
      } catch (err) {
        if (begun) await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

/** DATABASE_URL chooses a server; otherwise the embedded database in the data directory. */
export async function openDatabase(opts: { databaseUrl?: string | undefined; dataDir?: string | undefined }): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl);
  return openPGlite(opts.dataDir);
}
