import type { FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/access/policy.ts';
import { createApiToken } from '../src/auth/auth.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import type { TwoFactorSetting } from '../src/config/config.ts';
import type { Database, Queryable } from '../src/db/database.ts';
import { buildApp } from '../src/http/app.ts';
import { addPractitionerAsSystem } from '../src/partnership/partnership.ts';
import { fixedClock } from '../src/shared/clock.ts';
import { AUTH_SETTINGS } from './api/helpers.ts';
import { useTestDb } from './db.ts';
import { agency, partnershipWith } from './fixtures.ts';

/**
 * What every signed-in request costs the database before the page itself does anything: one
 * statement resolves the session, the practitioner, their agency and roles, and whether a second
 * factor is owed; the session's last-seen time is written at most once a minute. Counted on the
 * real database (the wrapper only counts what passes through it), never timed.
 */

const PASSWORD = 'Tuesday-morning-register';
let hash: string;
beforeAll(async () => {
  hash = await hashPassword(PASSWORD);
});

/** The same database, counting the statements sent through it (inside transactions too). */
function counting(db: Database): { db: Database; statements: string[] } {
  const statements: string[] = [];
  const wrap = (q: Queryable): Queryable => ({
    query: (sql, params) => {
      statements.push(sql.replace(/\s+/g, ' ').trim());
      return q.query(sql, params);
    },
    exec: (sql) => {
      statements.push(sql.replace(/\s+/g, ' ').trim());
      return q.exec(sql);
    },
  });
  const base = wrap(db);
  return {
    statements,
    db: {
      ...db,
      query: (sql, params) => base.query(sql, params),
      exec: (sql) => base.exec(sql),
      transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
      close: () => db.close(),
    },
  };
}

describe('per-request overhead of a signed-in practitioner', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function setup(roles: Role[], twoFactor?: TwoFactorSetting) {
    const clock = fixedClock('2026-03-02T09:00:10Z');
    const counted = counting(t.db());
    const s = { db: counted.db, clock };
    const partnershipId = await partnershipWith(s);
    const schoolId = await agency(s, partnershipId, 'school', 'Riverside Primary');
    app = await buildApp({ services: s, auth: { ...AUTH_SETTINGS, ...(twoFactor ? { twoFactor } : {}) }, logLevel: 'silent' });
    const p = await addPractitionerAsSystem(s, { agencyId: schoolId, name: 'Priya Shah', email: 'priya@school.example', roles, password: PASSWORD }, { passwordHash: hash });
    const signIn = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'priya@school.example', password: PASSWORD } });
    expect(signIn.statusCode).toBe(201);
    const cookies = Object.fromEntries(signIn.cookies.map((c) => [c.name, c.value]));
    /** Statements sent while answering one request. */
    const count = async (url: string, headers: Record<string, string> = { accept: 'text/html' }) => {
      counted.statements.length = 0;
      const res = await app!.inject({ url, headers, cookies });
      return { res, statements: [...counted.statements] };
    };
    // The first page a process answers also reads the deployment's CSRF key (once per process,
    // src/web/server-keys.ts); what is counted here is what every later request costs.
    await app.inject({ url: '/accessibility', headers: { accept: 'text/html' }, cookies });
    return { s, clock, p, count };
  }

  it('a page that reads nothing itself costs one statement, and still names who is signed in and when the session ends', async () => {
    const { count } = await setup(['practitioner']);
    const { res, statements } = await count('/accessibility');
    expect(res.statusCode).toBe(200);
    expect(statements).toHaveLength(1);
    expect(res.body).toContain('Signed in as <strong>Priya Shah</strong>, Riverside Primary');
    // Signed in at 09:00:10 with a 30-minute idle limit: 09:30 in London (GMT in March).
    expect(res.body).toMatch(/you will be signed out at [^<]*9:30/);
  });

  it('the session is touched at most once a minute: a second statement only when a minute has passed', async () => {
    const { clock, count } = await setup(['practitioner']);
    expect((await count('/accessibility')).statements).toHaveLength(1);
    clock.advanceMinutes(2);
    const touched = await count('/accessibility');
    expect(touched.statements).toHaveLength(2);
    expect(touched.statements[1]).toMatch(/^UPDATE web_session SET last_seen_at/);
    // The idle limit now runs from the touch: 09:02:10 + 30 minutes.
    expect(touched.res.body).toMatch(/you will be signed out at [^<]*9:32/);
    expect((await count('/accessibility')).statements).toHaveLength(1);
  });

  it('with two-factor required, whether a second factor is owed comes with the session: still one statement', async () => {
    const { count } = await setup(['practitioner'], 'required');
    expect((await count('/accessibility')).statements).toHaveLength(1);
    expect((await count('/api/v1/me', {})).res.statusCode).toBe(200);
  });

  it('an administrator who owes a second factor is sent to set it up, and that is decided by the same one statement', async () => {
    const { count } = await setup(['administrator'], 'required');
    const { res, statements } = await count('/tasks');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/account/two-factor');
    expect(statements).toHaveLength(1);
    expect((await count('/api/v1/me', {})).res.statusCode).toBe(403);
  });

  it('an API token is resolved with its practitioner and roles in one statement', async () => {
    const { s, p, count } = await setup(['practitioner']);
    const issued = await createApiToken(s, p.id, 'integration');
    const first = await count('/api/v1/openapi.json', { authorization: `Bearer ${issued.token}` });
    expect(first.res.statusCode).toBe(200);
    // The first use writes when it was last used; later uses within the minute read only.
    expect(first.statements).toHaveLength(2);
    expect((await count('/api/v1/openapi.json', { authorization: `Bearer ${issued.token}` })).statements).toHaveLength(1);
  });
});
