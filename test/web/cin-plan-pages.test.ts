import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { testApp } from '../api/helpers.ts';
import { cinWorld } from '../cin-world.ts';
import { useTestDb } from '../db.ts';

/** Issue 18: the child in need plan on the pages the child protection plan uses (read from the rendered HTML). */

const PASSWORD = 'cin-plan-pages-password-42';

describe('the child in need plan on the pages', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("the school's lead sees the child in need plan on her own child's page, reads it with its next review, and prints it; another agency gets 404", async () => {
    const w = await cinWorld(t.db());
    await w.assessed(w.cinPlan([w.dsl]));
    const planId = await w.cinPlanOf();
    app = await testApp(w.s);
    await t.db().query('UPDATE practitioner SET password_hash = $1 WHERE id = ANY($2::uuid[])', [await hashPassword(PASSWORD), [w.dsl.actor.practitionerId, w.visitor.actor.practitionerId]]);
    const browser = async (who: ActorContext) => {
      const email = (await t.db().query<{ email: string }>('SELECT email FROM practitioner WHERE id = $1', [who.actor.practitionerId])).rows[0]!.email;
      const signedIn = await app!.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password: PASSWORD } });
      const cookies = { jigsaw_session: signedIn.cookies.find((c) => c.name === 'jigsaw_session')!.value };
      return async (url: string, status = 200): Promise<string> => {
        const res = await app!.inject({ url, headers: { accept: 'text/html' }, cookies });
        expect(res.statusCode, url).toBe(status);
        return res.body;
      };
    };
    const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/\s+/g, ' ');
    const sarah = await browser(w.dsl);

    const child = text(await sarah(`/people/${w.leoAtSchool.id}`));
    expect(child).toContain('Child in need plan');
    expect(child).toContain('On a child in need plan since 30 November 2026');
    expect(child).toContain('Lead worker Rachel Dunn');
    expect(child).toContain('Next review By 30 May 2027');
    expect(await sarah(`/people/${w.leoAtSchool.id}`)).toContain(`href="/plans/${planId}"`);

    const page = text(await sarah(`/plans/${planId}`));
    expect(page).toContain('Leo Hart');
    expect(page).toContain('Child in need plan');
    expect(page).not.toContain('Child protection plan');
    expect(page).toContain('Version 1 of 1, from the assessment on 30 November 2026');
    expect(page).toContain('Next review By 30 May 2027');
    expect(page).toContain('Northshire Primary School Offer Leo breakfast club every day — by 18 December 2026');
    expect(page).toContain('The network around the child');
    expect(page).toContain('Sarah Khan, Northshire Primary School');
    expect(page).toContain('A review at once if Leo misses school two days running.');

    const print = await sarah(`/plans/${planId}/print`);
    expect(print).toContain('<title>Child in need plan</title>');
    expect(text(print)).toContain('Child in need plan: Leo Hart, born 1 July 2019');
    expect(print).not.toContain('Categories');

    // Health visiting holds an entry for Leo but nobody in the network: not found.
    const priya = await browser(w.visitor);
    await priya(`/plans/${planId}`, 404);
    await priya(`/plans/${planId}/print`, 404);
    expect(text(await priya(`/people/${w.leoWithHv.id}`))).not.toContain('Child in need plan');
  });
});
