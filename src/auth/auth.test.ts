import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, partnershipWith, services } from '../../test/fixtures.ts';
import type { Role } from '../access/policy.ts';
import { addPractitionerAsSystem } from '../partnership/partnership.ts';
import { fixedClock } from '../shared/clock.ts';
import type { Services } from '../shared/context.ts';
import { Problem } from '../shared/errors.ts';
import { createApiToken, resolveApiToken, resolveSession, signIn, signOut, type AuthSettings } from './auth.ts';
import { hashPassword } from './passwords.ts';

const settings: AuthSettings = { sessionIdleMinutes: 30, sessionMaxHours: 12, signInMaxFailures: 5, signInWindowMinutes: 15 };
const PASSWORD = 'correct horse battery staple';
const WRONG = 'incorrect horse battery staple';

// argon2 is deliberately slow: one account in each test hashes its own password, the rest share this hash.
let sharedHash: string;
beforeAll(async () => {
  sharedHash = await hashPassword(PASSWORD);
});

async function account(s: Services, email: string, options: { roles?: Role[]; hashNow?: boolean } = {}): Promise<string> {
  const agencyId = await agency(s, await partnershipWith(s), 'school');
  const p = await addPractitionerAsSystem(
    s,
    { agencyId, name: 'Ann Teacher', email, roles: options.roles ?? ['practitioner'], password: PASSWORD },
    options.hashNow ? {} : { passwordHash: sharedHash },
  );
  return p.id;
}

const refusal = (p: Promise<unknown>): Promise<Problem> =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => {
      if (e instanceof Problem) return e;
      throw e;
    },
  );

describe('signing in', () => {
  const t = useTestDb();
  const setup = (): Services & { clock: ReturnType<typeof fixedClock> } => ({ db: t.db(), clock: fixedClock('2026-03-02T09:00:00Z') });

  it('the right password starts a session that resolves to the practitioner, and only a hash of its token is stored', async () => {
    const s = setup();
    const id = await account(s, 'ann@school.example', { roles: ['practitioner', 'safeguarding_lead'], hashNow: true });
    const signed = await signIn(s, settings, 'ann@school.example', PASSWORD);
    expect(signed).toMatchObject({ practitionerId: id, expiresAt: '2026-03-02T21:00:00.000Z' });
    expect(signed.sessionToken).toMatch(/^jss_[A-Za-z0-9_-]{40,}$/);
    const actor = await resolveSession(s, settings, signed.sessionToken);
    expect(actor).toMatchObject({ practitionerId: id, grants: [] });
    expect([...actor!.roles].sort()).toEqual(['practitioner', 'safeguarding_lead']);
    const stored = await s.db.query<{ row: string }>('SELECT w::text AS row FROM web_session w');
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]!.row).not.toContain(signed.sessionToken);
  });

  it('the e-mail address matches whatever its case and surrounding spaces', async () => {
    const s = setup();
    const id = await account(s, 'Ann.Teacher@School.example');
    await expect(signIn(s, settings, '  ann.teacher@SCHOOL.EXAMPLE ', PASSWORD)).resolves.toMatchObject({ practitionerId: id });
  });

  it('a wrong password and an unknown e-mail address get the same 401, so the answer does not reveal who has an account', async () => {
    const s = setup();
    await account(s, 'ann@school.example');
    const wrong = await refusal(signIn(s, settings, 'ann@school.example', WRONG));
    const unknown = await refusal(signIn(s, settings, 'nobody@school.example', PASSWORD));
    expect(wrong).toMatchObject({ status: 401, type: 'https://jigsaw.example/problems/unauthenticated' });
    expect({ ...unknown }).toEqual({ ...wrong });
    expect(unknown.message).toBe(wrong.message);
  });

  it('an account with no password (API tokens only) cannot sign in with any password', async () => {
    const s = setup();
    const agencyId = await agency(s, await partnershipWith(s), 'school');
    await addPractitionerAsSystem(s, { agencyId, name: 'Robot', email: 'robot@school.example', roles: ['practitioner'] });
    await expect(signIn(s, settings, 'robot@school.example', '')).rejects.toMatchObject({ status: 401 });
    await expect(signIn(s, settings, 'robot@school.example', PASSWORD)).rejects.toMatchObject({ status: 401 });
  });

  it('a deactivated practitioner can no longer sign in, and their open session stops working', async () => {
    const s = setup();
    const id = await account(s, 'ann@school.example');
    const { sessionToken } = await signIn(s, settings, 'ann@school.example', PASSWORD);
    await s.db.query('UPDATE practitioner SET active = false WHERE id = $1', [id]);
    await expect(signIn(s, settings, 'ann@school.example', PASSWORD)).rejects.toMatchObject({ status: 401 });
    expect(await resolveSession(s, settings, sessionToken)).toBeUndefined();
  });

  it('after five failures from one address, the next attempt from there waits (never a lock) and the right password works once the wait is over', async () => {
    const s = setup();
    await account(s, 'ann@school.example');
    for (let i = 0; i < 4; i++) {
      await expect(signIn(s, settings, 'ann@school.example', WRONG)).rejects.toMatchObject({ status: 401 });
      s.clock.advanceMinutes(1);
    }
    await expect(signIn(s, settings, 'ann@school.example', WRONG)).rejects.toMatchObject({ status: 401 });
    // Answered at once, without checking the password: even the right one waits its turn.
    await expect(signIn(s, settings, 'ann@school.example', PASSWORD)).rejects.toMatchObject({ status: 429, extra: { retryAfterSeconds: 2 } });
    s.clock.set(new Date(s.clock.now().getTime() + 1000).toISOString());
    await expect(signIn(s, settings, 'ann@school.example', PASSWORD)).rejects.toMatchObject({ status: 429, extra: { retryAfterSeconds: 1 } });
    s.clock.set(new Date(s.clock.now().getTime() + 1000).toISOString());
    await expect(signIn(s, settings, 'ann@school.example', PASSWORD)).resolves.toMatchObject({ expiresAt: expect.any(String) as unknown });
  });

  it('the throttle is per e-mail address, whatever its case: another account is unaffected', async () => {
    const s = setup();
    await account(s, 'ann@school.example');
    const bob = await addPractitionerAsSystem(s, { agencyId: (await s.db.query<{ id: string }>('SELECT id FROM agency')).rows[0]!.id, name: 'Bob', email: 'bob@school.example', roles: ['practitioner'] }, { passwordHash: sharedHash });
    for (let i = 0; i < 5; i++) await expect(signIn(s, settings, i % 2 ? 'ANN@school.example' : 'ann@school.example', WRONG)).rejects.toMatchObject({ status: 401 });
    await expect(signIn(s, settings, 'Ann@School.Example', PASSWORD)).rejects.toMatchObject({ status: 429 });
    await expect(signIn(s, settings, 'bob@school.example', PASSWORD)).resolves.toMatchObject({ practitionerId: bob.id });
  });

  it('an unknown e-mail address is throttled in the same way after five failures', async () => {
    const s = setup();
    for (let i = 0; i < 5; i++) await expect(signIn(s, settings, 'nobody@school.example', WRONG)).rejects.toMatchObject({ status: 401 });
    await expect(signIn(s, settings, 'nobody@school.example', WRONG)).rejects.toMatchObject({ status: 429, extra: { retryAfterSeconds: 2 } });
  });

  it('failures spread over more than the window are forgotten', async () => {
    const s = setup();
    const id = await account(s, 'ann@school.example');
    for (let i = 0; i < 4; i++) await expect(signIn(s, settings, 'ann@school.example', WRONG)).rejects.toMatchObject({ status: 401 });
    s.clock.advanceMinutes(16);
    for (let i = 0; i < 4; i++) await expect(signIn(s, settings, 'ann@school.example', WRONG)).rejects.toMatchObject({ status: 401 });
    await expect(signIn(s, settings, 'ann@school.example', PASSWORD)).resolves.toMatchObject({ practitionerId: id });
  });

  it('a successful sign-in clears earlier failures', async () => {
    const s = setup();
    await account(s, 'ann@school.example');
    for (let i = 0; i < 4; i++) await expect(signIn(s, settings, 'ann@school.example', WRONG)).rejects.toMatchObject({ status: 401 });
    await signIn(s, settings, 'ann@school.example', PASSWORD);
    for (let i = 0; i < 4; i++) await expect(signIn(s, settings, 'ann@school.example', WRONG)).rejects.toMatchObject({ status: 401 });
    await expect(signIn(s, settings, 'ann@school.example', PASSWORD)).resolves.toBeDefined();
  });

  it('many wrong guesses sent at once cannot get round the throttle', async () => {
    const s = setup();
    await account(s, 'ann@school.example');
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => signIn(s, settings, 'ann@school.example', WRONG)));
    const statuses = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Problem).status : 200));
    // No more than the allowed number of guesses is ever checked; the rest are turned away.
    expect(statuses.filter((x) => x === 401).length).toBeLessThanOrEqual(settings.signInMaxFailures);
    expect(statuses.filter((x) => x !== 401).every((x) => x === 429)).toBe(true);
    await expect(signIn(s, settings, 'ann@school.example', PASSWORD)).rejects.toMatchObject({ status: 429 });
  });

  it('every attempt is audited by identifier only: successes, failures and throttled refusals', async () => {
    const s = setup();
    const id = await account(s, 'ann@school.example');
    await signIn(s, settings, 'ann@school.example', PASSWORD);
    await signIn(s, settings, 'ann@school.example', WRONG).catch(() => undefined);
    await signIn(s, settings, 'nobody@school.example', WRONG).catch(() => undefined);
    for (let i = 0; i < 5; i++) await signIn(s, settings, 'ann@school.example', WRONG).catch(() => undefined);
    await signIn(s, settings, 'ann@school.example', PASSWORD).catch(() => undefined);
    const { rows } = await s.db.query<{ outcome: string; entity_id: string | null; actor_practitioner_id: string | null; detail: unknown }>(
      "SELECT outcome, entity_id, actor_practitioner_id, detail FROM audit_event WHERE action = 'auth.sign-in' ORDER BY seq",
    );
    expect(rows.map((r) => r.outcome)).toEqual(['success', 'failure', 'failure', 'failure', 'failure', 'failure', 'failure', 'denied', 'denied']);
    expect(rows[0]).toMatchObject({ entity_id: id, actor_practitioner_id: id });
    expect(rows[1]).toMatchObject({ entity_id: id, actor_practitioner_id: null, detail: { failures: 1 } });
    expect(rows[2]).toMatchObject({ entity_id: null, detail: { failures: 1 } });
    expect(rows[6]).toMatchObject({ entity_id: id, detail: { failures: 5 } });
    expect(rows[7]).toMatchObject({ detail: { reason: 'throttled' } });
    const text = await s.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event e WHERE e::text ILIKE '%school.example%' OR e::text ILIKE '%horse%'");
    expect(text.rows[0]!.n).toBe(0);
  });
});

describe('sessions', () => {
  const t = useTestDb();

  it('a session survives steady use but ends after thirty idle minutes', async () => {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = { db: t.db(), clock };
    const id = await account(s, 'ann@school.example');
    const { sessionToken } = await signIn(s, settings, 'ann@school.example', PASSWORD);
    for (let i = 0; i < 4; i++) {
      clock.advanceMinutes(29);
      expect(await resolveSession(s, settings, sessionToken)).toMatchObject({ practitionerId: id });
    }
    clock.advanceMinutes(30);
    expect(await resolveSession(s, settings, sessionToken)).toBeUndefined();
  });

  it('a session ends twelve hours after sign-in however busy it is', async () => {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = { db: t.db(), clock };
    await account(s, 'ann@school.example');
    const { sessionToken } = await signIn(s, settings, 'ann@school.example', PASSWORD);
    for (let minutes = 25; minutes < 12 * 60; minutes += 25) {
      clock.set(new Date(Date.parse('2026-03-02T09:00:00Z') + minutes * 60_000).toISOString());
      expect(await resolveSession(s, settings, sessionToken), `after ${minutes} minutes`).toBeDefined();
    }
    clock.set('2026-03-02T20:59:59Z');
    expect(await resolveSession(s, settings, sessionToken)).toBeDefined();
    clock.set('2026-03-02T21:00:00Z');
    expect(await resolveSession(s, settings, sessionToken)).toBeUndefined();
  });

  it('signing out ends the session and is audited once, however often it is repeated', async () => {
    const s = services(t.db());
    const id = await account(s, 'ann@school.example');
    const { sessionToken } = await signIn(s, settings, 'ann@school.example', PASSWORD);
    await signOut(s, sessionToken);
    await signOut(s, sessionToken);
    await signOut(s, 'jss_not-a-session');
    expect(await resolveSession(s, settings, sessionToken)).toBeUndefined();
    const { rows } = await s.db.query<{ entity_id: string }>("SELECT entity_id FROM audit_event WHERE action = 'auth.sign-out'");
    expect(rows).toEqual([{ entity_id: id }]);
  });

  it('a made-up session token resolves to nobody', async () => {
    const s = services(t.db());
    expect(await resolveSession(s, settings, 'jss_made-up')).toBeUndefined();
  });
});

describe('API tokens', () => {
  const t = useTestDb();

  it('a token works until it expires, is stored only as a hash, and its creation is audited', async () => {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = { db: t.db(), clock };
    const id = await account(s, 'ann@school.example');
    const issued = await createApiToken(s, id, 'case system', 2);
    expect(issued).toMatchObject({ expiresAt: '2026-03-04T09:00:00.000Z' });
    expect(issued.token).toMatch(/^jst_/);
    expect(await resolveApiToken(s, issued.token)).toMatchObject({ practitionerId: id });
    clock.set('2026-03-04T08:59:59Z');
    expect(await resolveApiToken(s, issued.token)).toBeDefined();
    clock.set('2026-03-04T09:00:00Z');
    expect(await resolveApiToken(s, issued.token)).toBeUndefined();
    const stored = await s.db.query<{ row: string }>('SELECT a::text AS row FROM api_token a');
    expect(stored.rows[0]!.row).not.toContain(issued.token);
    const audited = await s.db.query("SELECT entity_id, detail FROM audit_event WHERE action = 'auth.token-create'");
    expect(audited.rows).toEqual([{ entity_id: id, detail: { tokenId: issued.id } }]);
  });

  it('a token made without a number of days expires after the default 90 (issue 19); a revoked or unknown one does not work', async () => {
    const s = services(t.db());
    const id = await account(s, 'ann@school.example');
    const issued = await createApiToken(s, id, 'cli');
    expect(issued.expiresAt).toBe('2026-05-31T09:00:00.000Z');
    expect(await resolveApiToken(s, issued.token)).toMatchObject({ practitionerId: id });
    expect(await resolveApiToken(s, `${issued.token}x`)).toBeUndefined();
    await s.db.query('UPDATE api_token SET revoked_at = $2 WHERE id = $1', [issued.id, '2026-03-02T08:00:00Z']);
    expect(await resolveApiToken(s, issued.token)).toBeUndefined();
  });
});
