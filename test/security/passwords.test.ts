import { describe, expect, it, onTestFinished } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { setPasswordWithLink } from '../../src/auth/set-password.ts';
import { addPractitionerAsSystem } from '../../src/partnership/partnership.ts';
import type { Problem } from '../../src/shared/errors.ts';
import { AUTH_SETTINGS, bearer } from '../api/helpers.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, practitioner, services } from '../fixtures.ts';

describe('new passwords must be hard to guess', () => {
  const t = useTestDb();

  /**
   * An administrator adds the practitioner (no password: issue 16), and the practitioner chooses
   * theirs through the one-time link. The answer mimics an API answer for the assertions below.
   */
  async function administrator() {
    const s = services(t.db());
    const school = await agency(s, await partnershipWith(s), 'school', 'Riverside Primary');
    const admin = await practitioner(s, school, ['administrator'], 'Pat Admin');
    const app = await buildApp({ services: s, auth: AUTH_SETTINGS });
    onTestFinished(() => app.close());
    const headers = { ...(await bearer(admin)), 'content-type': 'application/json' };
    let n = 0;
    const add = async (password: string, who: { name?: string; email?: string } = {}) => {
      const made = await app.inject({
        method: 'POST', url: '/api/v1/practitioners', headers,
        payload: { agencyId: school, name: who.name ?? 'Ann Teacher', email: who.email ?? `teacher${++n}@riverside.example`, roles: ['practitioner'] },
      });
      expect(made.statusCode).toBe(201);
      const token = new URL(made.json<{ setPasswordLink: { url: string } }>().setPasswordLink.url).pathname.split('/').pop()!;
      try {
        await setPasswordWithLink(s, token, password);
        return { statusCode: 201, body: '', json: () => ({}) as { errors: { pointer: string; detail: string }[] } };
      } catch (err) {
        const p = err as Problem;
        const body = JSON.stringify({ status: p.status, detail: p.detail, errors: p.errors });
        return { statusCode: p.status, body, json: () => JSON.parse(body) as { errors: { pointer: string; detail: string }[] } };
      }
    };
    return { s, school, add };
  }

  it.each(['password1234', 'aaaaaaaaaaaa', '123456789012', 'qwertyuiop12', 'abcdefghijkl', 'Password1234!'])('%s is twelve characters or more, yet refused with a 422 that names the password field and says why', async (password) => {
    const { add } = await administrator();
    const res = await add(password);
    expect(res.statusCode).toBe(422);
    const problem = res.json();
    expect(problem.errors).toEqual([{ pointer: '/password', detail: expect.stringMatching(/^Choose a password that is harder to guess: /) as string }]);
    // The answer never repeats the password back.
    expect(res.body).not.toContain(password);
  });

  it("a password holding the practitioner's own name or e-mail address is refused", async () => {
    const { add } = await administrator();
    const byEmail = await add('grace.okafor-lantern', { name: 'G. Okafor', email: 'grace.okafor@northshire.example' });
    expect(byEmail.statusCode).toBe(422);
    expect(byEmail.json().errors[0]!.detail).toMatch(/name or e-mail address/);
    const byName = await add('Okafor-tulip-harbour', { name: 'Grace Okafor', email: 'g.o@northshire.example' });
    expect(byName.statusCode).toBe(422);
  });

  it('a long random passphrase is accepted, and so are the passwords the demo and the test harnesses use', async () => {
    const { add } = await administrator();
    for (const password of ['ember-lantern-quietly-oak-79', 'correct horse battery staple', 'Tuesday-morning-register', 'demo-password-for-tests', 'screenshots-only-password']) {
      const res = await add(password);
      expect(res.statusCode, password).toBe(201);
    }
  });

  it('the system’s own accounts (the demo) apply the same rule: it goes through the same service', async () => {
    const { s, school } = await administrator();
    await expect(addPractitionerAsSystem(s, { agencyId: school, name: 'Sgt Example', email: 'sgt@westshire-police.example', roles: ['practitioner'], password: 'password1234' }))
      .rejects.toMatchObject({ status: 422, errors: [{ pointer: '/password' }] });
    await expect(addPractitionerAsSystem(s, { agencyId: school, name: 'Sgt Example', email: 'sgt@westshire-police.example', roles: ['practitioner'], password: 'ember-lantern-quietly-oak-79' }))
      .resolves.toMatchObject({ email: 'sgt@westshire-police.example' });
  });
});
