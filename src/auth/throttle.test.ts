import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, partnershipWith } from '../../test/fixtures.ts';
import { addPractitionerAsSystem } from '../partnership/partnership.ts';
import { fixedClock } from '../shared/clock.ts';
import type { Services } from '../shared/context.ts';
import { Problem } from '../shared/errors.ts';
import { signIn, type AuthSettings } from './auth.ts';
import { hashPassword } from './passwords.ts';
import { verifyWithinBound } from './verifications.ts';

/**
 * Issue 16, defect 7: five wrong passwords used to lock any known address for 15 minutes (so anyone
 * could keep a victim out), guesses spread over many accounts were never slowed, and a flood of
 * attempts queued real sign-ins behind it. Now: growing delays per account and address, per
 * address and per account, no lock, and a bound on password checks.
 */

const settings: AuthSettings = { sessionIdleMinutes: 30, sessionMaxHours: 12, signInMaxFailures: 5, signInWindowMinutes: 15 };
const PASSWORD = 'correct horse battery staple';
const WRONG = 'incorrect horse battery staple';
const ATTACKER = '203.0.113.9';
const ANNS_DESK = '198.51.100.7';

let sharedHash: string;
beforeAll(async () => {
  sharedHash = await hashPassword(PASSWORD);
});

type Clock = ReturnType<typeof fixedClock>;

async function outcome(p: Promise<unknown>): Promise<{ status: number; retryAfterSeconds?: unknown }> {
  try {
    await p;
    return { status: 200 };
  } catch (e) {
    if (!(e instanceof Problem)) throw e;
    return { status: e.status, retryAfterSeconds: e.extra.retryAfterSeconds };
  }
}

describe('sign-in throttling without lock-outs', () => {
  const t = useTestDb();

  async function setup(): Promise<{ s: Services & { clock: Clock }; ann: string }> {
    const s = { db: t.db(), clock: fixedClock('2026-03-02T09:00:00Z') };
    const agencyId = await agency(s, await partnershipWith(s), 'school');
    const ann = await addPractitionerAsSystem(s, { agencyId, name: 'Ann Teacher', email: 'ann@school.example', roles: ['practitioner'], password: PASSWORD }, { passwordHash: sharedHash });
    return { s, ann: ann.id };
  }
  const later = (s: { clock: Clock }, seconds: number): void => s.clock.set(new Date(s.clock.now().getTime() + seconds * 1000).toISOString());

  it("someone else's wrong guesses from another address do not keep the owner out: the right password from their desk signs in", async () => {
    const { s, ann } = await setup();
    for (let i = 0; i < 5; i++) expect(await outcome(signIn(s, settings, 'ann@school.example', `guess-${i}`, ATTACKER))).toEqual({ status: 401 });
    // The guesser now waits between guesses …
    expect(await outcome(signIn(s, settings, 'ann@school.example', 'guess-5', ATTACKER))).toEqual({ status: 429, retryAfterSeconds: 2 });
    // … and Ann, at her own desk, is not held at all.
    await expect(signIn(s, settings, 'ann@school.example', PASSWORD, ANNS_DESK)).resolves.toMatchObject({ practitionerId: ann });
  });

  it('guesses at one account from many addresses slow every address that has failed, but never a clean one', async () => {
    const { s, ann } = await setup();
    const tight = { ...settings, signInAccountMaxFailures: 6 };
    // Eight addresses, one wrong guess each: under each address's own limit, over the account's.
    for (let i = 0; i < 8; i++) expect((await outcome(signIn(s, tight, 'ann@school.example', WRONG, `203.0.113.${i + 10}`))).status).toBe(401);
    const again = await outcome(signIn(s, tight, 'ann@school.example', WRONG, '203.0.113.10'));
    expect(again.status).toBe(429);
    expect(again.retryAfterSeconds).toBeGreaterThan(0);
    await expect(signIn(s, tight, 'ann@school.example', PASSWORD, ANNS_DESK)).resolves.toMatchObject({ practitionerId: ann });
  });

  it('80 guesses at 40 accounts from one address (password spraying) are slowed: 429 with a wait once the address has failed 20 times', async () => {
    const { s, ann } = await setup();
    const results: { status: number; retryAfterSeconds?: unknown }[] = [];
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 40; i++) results.push(await outcome(signIn(s, settings, `person${i}@school.example`, `Spring2026-${round}`, ATTACKER)));
    }
    expect(results.slice(0, 20).every((r) => r.status === 401)).toBe(true);
    expect(results.slice(20)).toEqual(Array.from({ length: 60 }, () => ({ status: 429, retryAfterSeconds: expect.any(Number) as unknown })));
    expect(results.slice(20).every((r) => (r.retryAfterSeconds as number) >= 1)).toBe(true);
    // Only the spraying address is slowed.
    await expect(signIn(s, settings, 'ann@school.example', PASSWORD, ANNS_DESK)).resolves.toMatchObject({ practitionerId: ann });
    const { rows } = await s.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE action = 'auth.sign-in' AND outcome = 'denied' AND detail->>'limit' = 'address'");
    expect(rows[0]!.n).toBe(60);
  });

  it('the wait doubles with every further failure, up to five minutes, and each is announced at once', async () => {
    const { s } = await setup();
    for (let i = 0; i < 5; i++) await outcome(signIn(s, settings, 'ann@school.example', WRONG, ATTACKER));
    const waits: unknown[] = [];
    for (let i = 0; i < 10; i++) {
      const refused = await outcome(signIn(s, settings, 'ann@school.example', WRONG, ATTACKER));
      expect(refused.status).toBe(429);
      waits.push(refused.retryAfterSeconds);
      later(s, refused.retryAfterSeconds as number);
      expect((await outcome(signIn(s, settings, 'ann@school.example', WRONG, ATTACKER))).status).toBe(401);
    }
    expect(waits).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
  });

  it('the count is forgotten after fifteen quiet minutes, and a success from an address clears its failures for that account', async () => {
    const { s, ann } = await setup();
    for (let i = 0; i < 5; i++) await outcome(signIn(s, settings, 'ann@school.example', WRONG, ANNS_DESK));
    s.clock.advanceMinutes(16);
    for (let i = 0; i < 4; i++) expect((await outcome(signIn(s, settings, 'ann@school.example', WRONG, ANNS_DESK))).status).toBe(401);
    await expect(signIn(s, settings, 'ann@school.example', PASSWORD, ANNS_DESK)).resolves.toMatchObject({ practitionerId: ann });
    for (let i = 0; i < 4; i++) expect((await outcome(signIn(s, settings, 'ann@school.example', WRONG, ANNS_DESK))).status).toBe(401);
    await expect(signIn(s, settings, 'ann@school.example', PASSWORD, ANNS_DESK)).resolves.toMatchObject({ practitionerId: ann });
  });

  it('the table holds hashes only: no e-mail address or network address in clear', async () => {
    const { s } = await setup();
    await outcome(signIn(s, settings, 'ann@school.example', WRONG, ATTACKER));
    const { rows } = await s.db.query<{ row: string }>('SELECT t::text AS row FROM sign_in_throttle t');
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r.row).not.toMatch(/school\.example|203\.0\.113/);
  });
});

describe('a flood of sign-in attempts', () => {
  it('is checked a few at a time; beyond a short queue it is told at once to retry (503, Retry-After 1), so real sign-ins are not stuck behind it', async () => {
    const hash = await hashPassword(PASSWORD);
    // One check at a time with four waiting: the sixth attempt and after are refused without queueing.
    const attempts = Array.from({ length: 10 }, () => verifyWithinBound(1, hash, WRONG).then(() => 'checked', (e: unknown) => e));
    const settled = await Promise.all(attempts);
    expect(settled.slice(0, 5)).toEqual(Array(5).fill('checked'));
    for (const refusal of settled.slice(5)) expect(refusal).toMatchObject({ status: 503, extra: { retryAfterSeconds: 1 } });
    // Once the flood has passed, the next check runs.
    await expect(verifyWithinBound(1, hash, PASSWORD)).resolves.toBe(true);
  });
});
