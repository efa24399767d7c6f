import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDb } from '../../../test/db.ts';
import { agency, partnershipWith } from '../../../test/fixtures.ts';
import type { Role } from '../../access/policy.ts';
import { addPractitionerAsSystem } from '../../partnership/partnership.ts';
import { fixedClock } from '../../shared/clock.ts';
import type { ActorContext, Services } from '../../shared/context.ts';
import { Problem } from '../../shared/errors.ts';
import { loadActor, resolveSession, signIn, type AuthSettings } from '../auth.ts';
import { hashPassword } from '../passwords.ts';
import { answerChallenge, beginSignIn, CHALLENGE_MAX_WRONG } from './challenge.ts';
import { codeAt, newTotpKey, stepOf } from './totp.ts';
import { confirmSetUp, regenerateRecoveryCodes, resetTwoFactor, resetTwoFactorAsSystem, startSetUp, turnOff } from './two-factor.ts';

const settings: AuthSettings = { sessionIdleMinutes: 30, sessionMaxHours: 12, signInMaxFailures: 5, signInWindowMinutes: 15 };
const PASSWORD = 'correct horse battery staple';
const guard = { settings, address: 'local' };
let hash: string;
beforeAll(async () => {
  hash = await hashPassword(PASSWORD);
});

const refusal = (p: Promise<unknown>): Promise<Problem> => p.then(
  () => { throw new Error('expected a refusal'); },
  (e: unknown) => { if (e instanceof Problem) return e; throw e; },
);

describe('TOTP codes (RFC 6238: SHA-1, 6 digits, 30 s, one step either side)', () => {
  const now = new Date('2026-03-02T09:00:10Z');
  const key = newTotpKey();

  it('accepts the code of now and of the steps either side, and refuses codes further off', () => {
    const step = Math.floor(now.getTime() / 30_000);
    expect(stepOf(key, codeAt(key, now), now)).toBe(step);
    expect(stepOf(key, codeAt(key, new Date(now.getTime() - 30_000)), now)).toBe(step - 1);
    expect(stepOf(key, codeAt(key, new Date(now.getTime() + 30_000)), now)).toBe(step + 1);
    expect(stepOf(key, codeAt(key, new Date(now.getTime() - 90_000)), now)).toBeUndefined();
    expect(stepOf(key, codeAt(key, new Date(now.getTime() + 90_000)), now)).toBeUndefined();
  });

  it('ignores spaces and hyphens but refuses anything that is not six digits', () => {
    const code = codeAt(key, now);
    expect(stepOf(key, `${code.slice(0, 3)} ${code.slice(3)}`, now)).toBeDefined();
    for (const bad of ['', '12345', '1234567', 'abcdef', `${code}\u0000`]) expect(stepOf(key, bad, now)).toBeUndefined();
  });
});

describe('two-factor authentication for a local account', () => {
  const t = useTestDb();
  const setup = () => {
    const clock = fixedClock('2026-03-02T09:00:10Z');
    return { db: t.db(), clock } as Services & { clock: typeof clock };
  };
  let seq = 0;
  async function account(s: Services, roles: Role[] = ['practitioner']): Promise<ActorContext & { email: string }> {
    const agencyId = await agency(s, await partnershipWith(s), 'school');
    const email = `p${++seq}@school.example`;
    const p = await addPractitionerAsSystem(s, { agencyId, name: 'Ann Teacher', email, roles, password: PASSWORD }, { passwordHash: hash });
    return { ...s, actor: (await loadActor(s.db, p.id))!, email };
  }
  /** Sets up TOTP for the account: its key and first recovery codes. */
  async function enrolled(ctx: ActorContext & { email: string }) {
    const { key } = await startSetUp(ctx);
    const codes = await confirmSetUp(ctx, codeAt(key, ctx.clock.now()));
    return { key, codes };
  }
  const method = async (s: Services, practitionerId: string) =>
    (await s.db.query<{ method: string }>('SELECT method FROM web_session WHERE practitioner_id = $1 ORDER BY created_at DESC LIMIT 1', [practitionerId])).rows[0]?.method;

  it('setting up needs a right code; then a password alone is not enough, and a code opens a two-factor session', async () => {
    const s = setup();
    const ann = await account(s);
    const { key } = await startSetUp(ann);
    expect((await refusal(confirmSetUp(ann, '000000'))).status).toBe(422);
    // Until confirmed, the password alone still signs in.
    const before = await signIn(s, settings, ann.email, PASSWORD);
    const codes = await confirmSetUp(ann, codeAt(key, s.clock.now()));
    // That password-only session ends once the second factor is on.
    expect(await resolveSession(s, settings, before.sessionToken)).toBeUndefined();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);

    const without = await refusal(signIn(s, settings, ann.email, PASSWORD));
    expect(without.status).toBe(401);
    expect(without.type).toMatch(/second-factor-required$/);
    s.clock.advanceMinutes(1);
    const signed = await signIn(s, settings, ann.email, PASSWORD, 'local', { code: codeAt(key, s.clock.now()) });
    expect(await resolveSession(s, settings, signed.sessionToken)).toMatchObject({ practitionerId: ann.actor.practitionerId });
    expect(await method(s, ann.actor.practitionerId)).toBe('password_totp');
  });

  it('a code is refused the second time, and so is a code of an earlier step once a later one was used', async () => {
    const s = setup();
    const ann = await account(s);
    const { key } = await enrolled(ann);
    s.clock.advanceMinutes(1);
    const code = codeAt(key, s.clock.now());
    await signIn(s, settings, ann.email, PASSWORD, 'local', { code });
    expect((await refusal(signIn(s, settings, ann.email, PASSWORD, 'local', { code }))).status).toBe(401);
    // The code of the step before is inside the window, but older than the one used.
    const earlier = codeAt(key, new Date(s.clock.now().getTime() - 30_000));
    expect((await refusal(signIn(s, settings, ann.email, PASSWORD, 'local', { code: earlier }))).status).toBe(401);
  });

  it('each recovery code works once, and a new set voids the old one', async () => {
    const s = setup();
    const ann = await account(s);
    const { key, codes } = await enrolled(ann);
    await signIn(s, settings, ann.email, PASSWORD, 'local', { recoveryCode: codes[0]!.toUpperCase() });
    expect(await method(s, ann.actor.practitionerId)).toBe('password_recovery_code');
    expect((await refusal(signIn(s, settings, ann.email, PASSWORD, 'local', { recoveryCode: codes[0]! }))).status).toBe(401);
    await signIn(s, settings, ann.email, PASSWORD, 'local', { recoveryCode: codes[1]! });

    s.clock.advanceMinutes(1);
    const fresh = await regenerateRecoveryCodes(ann, codeAt(key, s.clock.now()), guard);
    expect(fresh.some((c) => codes.includes(c))).toBe(false);
    expect((await refusal(signIn(s, settings, ann.email, PASSWORD, 'local', { recoveryCode: codes[2]! }))).status).toBe(401);
    await signIn(s, settings, ann.email, PASSWORD, 'local', { recoveryCode: fresh[0]! });
  });

  it('the two-step sign-in of the pages: a challenge dies after a few wrong codes, and the password must be given again', async () => {
    const s = setup();
    const ann = await account(s);
    const { key } = await enrolled(ann);
    const first = await beginSignIn(s, settings, ann.email, PASSWORD);
    if (!('challenge' in first)) throw new Error('expected a challenge');
    for (let i = 1; i < CHALLENGE_MAX_WRONG; i++) {
      expect((await refusal(answerChallenge(s, settings, first.challenge, { code: '000000' }))).type).toMatch(/unauthenticated$/);
    }
    expect((await refusal(answerChallenge(s, settings, first.challenge, { code: '000000' }))).type).toMatch(/sign-in-expired$/);
    s.clock.advanceMinutes(1);
    expect((await refusal(answerChallenge(s, settings, first.challenge, { code: codeAt(key, s.clock.now()) }))).type).toMatch(/sign-in-expired$/);

    const again = await beginSignIn(s, settings, ann.email, PASSWORD);
    if (!('challenge' in again)) throw new Error('expected a challenge');
    // The wrong codes counted as failed sign-ins: from this network the next try waits a little (throttle.ts).
    expect((await refusal(answerChallenge(s, settings, again.challenge, { code: codeAt(key, s.clock.now()) }))).status).toBe(429);
    s.clock.advanceMinutes(1);
    const signed = await answerChallenge(s, settings, again.challenge, { code: codeAt(key, s.clock.now()) });
    expect(signed.practitionerId).toBe(ann.actor.practitionerId);
    // Used: the same challenge opens nothing more.
    expect((await refusal(answerChallenge(s, settings, again.challenge, { code: codeAt(key, s.clock.now()) }))).type).toMatch(/sign-in-expired$/);
  });

  it('a challenge expires after five minutes', async () => {
    const s = setup();
    const ann = await account(s);
    const { key } = await enrolled(ann);
    const first = await beginSignIn(s, settings, ann.email, PASSWORD);
    if (!('challenge' in first)) throw new Error('expected a challenge');
    s.clock.advanceMinutes(6);
    expect((await refusal(answerChallenge(s, settings, first.challenge, { code: codeAt(key, s.clock.now()) }))).type).toMatch(/sign-in-expired$/);
  });

  it('someone who must use it cannot turn it off; someone who need not, can, with a code', async () => {
    const s = setup();
    const admin = await account(s, ['administrator']);
    const a = await enrolled(admin);
    s.clock.advanceMinutes(1);
    expect((await refusal(turnOff(admin, codeAt(a.key, s.clock.now()), 'required', guard))).status).toBe(403);
    const ann = await account(s);
    const b = await enrolled(ann);
    s.clock.advanceMinutes(1);
    expect((await refusal(turnOff(ann, '000000', 'required', guard))).status).toBe(422);
    await turnOff(ann, codeAt(b.key, s.clock.now()), 'required', guard);
    await signIn(s, settings, ann.email, PASSWORD);
  });

  it('wrong codes on the account page count as failed sign-ins: past a few, the next waits', async () => {
    const s = setup();
    const ann = await account(s);
    const { key } = await enrolled(ann);
    for (let i = 0; i < settings.signInMaxFailures; i++) expect((await refusal(turnOff(ann, '000000', 'off', guard))).status).toBe(422);
    s.clock.advanceMinutes(1);
    // Even the right code waits now (from this address); the delay passes and it works.
    expect((await refusal(regenerateRecoveryCodes(ann, '000000', guard))).status).toBe(422);
    expect((await refusal(regenerateRecoveryCodes(ann, codeAt(key, s.clock.now()), guard))).status).toBe(429);
    s.clock.advanceMinutes(1);
    expect(await regenerateRecoveryCodes(ann, codeAt(key, s.clock.now()), guard)).toHaveLength(10);
  });

  it('the operator resets it from the command line by e-mail address', async () => {
    const s = setup();
    const ann = await account(s);
    const { key } = await enrolled(ann);
    s.clock.advanceMinutes(1);
    const open = await signIn(s, settings, ann.email, PASSWORD, 'local', { code: codeAt(key, s.clock.now()) });
    expect(await resetTwoFactorAsSystem(s, ` ${ann.email.toUpperCase()} `)).toEqual({ hadSecondFactor: true, sessionsEnded: 1 });
    expect(await resolveSession(s, settings, open.sessionToken)).toBeUndefined();
    expect((await refusal(resetTwoFactorAsSystem(s, 'nobody@school.example'))).status).toBe(404);
  });

  it("an administrator of the practitioner's agency resets it, which ends their sessions; another agency's administrator is told not found", async () => {
    const s = setup();
    const ann = await account(s);
    const { key } = await enrolled(ann);
    s.clock.advanceMinutes(1);
    const open = await signIn(s, settings, ann.email, PASSWORD, 'local', { code: codeAt(key, s.clock.now()) });

    const elsewhere = await account(s, ['administrator']);
    expect((await refusal(resetTwoFactor(elsewhere, ann.actor.practitionerId, 'lost phone'))).status).toBe(404);
    const p = await addPractitionerAsSystem(s, { agencyId: ann.actor.agencyId, name: 'Ada Admin', email: 'ada@school.example', roles: ['administrator'], password: PASSWORD }, { passwordHash: hash });
    const admin = { ...s, actor: (await loadActor(s.db, p.id))! };
    expect(await resetTwoFactor(admin, ann.actor.practitionerId, 'lost phone')).toEqual({ hadSecondFactor: true, sessionsEnded: 1 });
    expect(await resolveSession(s, settings, open.sessionToken)).toBeUndefined();
    // Now the password alone signs in again (and the requirement, where it applies, sends them to set it up).
    await signIn(s, settings, ann.email, PASSWORD);
    const audit = await s.db.query<{ action: string; detail: Record<string, unknown> }>("SELECT action, detail FROM audit_event WHERE action = 'two-factor.reset'");
    expect(JSON.stringify(audit.rows)).not.toContain('lost phone');
    const kept = await s.db.query<{ id: string; reason: string; reset_by: string }>('SELECT id, reason, reset_by FROM two_factor_reset');
    const done = await s.db.query<{ detail: string | Record<string, unknown> }>("SELECT detail FROM audit_event WHERE action = 'two-factor.reset' AND outcome = 'success'");
    const detail = done.rows.map((r) => (typeof r.detail === 'string' ? JSON.parse(r.detail) as Record<string, unknown> : r.detail));
    expect(kept.rows).toEqual([{ id: detail[0]!.resetId, reason: 'lost phone', reset_by: p.id }]);
  });
});
