import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { testApp } from '../api/helpers.ts';
import { getPlan } from '../../src/plans/plans.ts';
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

  it('the assessment form offers the plan: what must change, the lead worker and the network from the partnership’s directory; recording it makes the plan', async () => {
    const w = await cinWorld(t.db());
    app = await testApp(w.s);
    await t.db().query('UPDATE practitioner SET password_hash = $1 WHERE id = $2', [await hashPassword(PASSWORD), w.worker.actor.practitionerId]);
    const email = (await t.db().query<{ email: string }>('SELECT email FROM practitioner WHERE id = $1', [w.worker.actor.practitionerId])).rows[0]!.email;
    w.clock.set('2026-11-30T12:00:00Z');
    const signedIn = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password: PASSWORD } });
    const cookies: Record<string, string> = { jigsaw_session: signedIn.cookies.find((c) => c.name === 'jigsaw_session')!.value };
    let token = '';
    const get = async (url: string, status = 200): Promise<string> => {
      const res = await app!.inject({ url, headers: { accept: 'text/html' }, cookies });
      for (const c of res.cookies) cookies[c.name] = c.value;
      expect(res.statusCode, url).toBe(status);
      token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? token;
      return status === 303 ? res.headers.location! : res.body;
    };
    const post = async (url: string, form: [string, string][]) => {
      const res = await app!.inject({ method: 'POST', url, cookies, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: new URLSearchParams([['_csrf', token], ...form]).toString() });
      return { status: res.statusCode, location: res.headers.location, body: res.body };
    };
    const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/\s+/g, ' ');

    const formUrl = await get(`/episodes/${w.leoEpisode.id}/record/assessment_completed`, 303);
    const form = text(await get(formUrl));
    const network = form.slice(form.indexOf('The network around the child'));
    expect(network).toContain('Sarah Khan');
    expect(network).toContain('Northshire Primary School');
    expect(network).not.toContain('Southshire');

    const answers: [string, string][] = [
      ['occurred-day', '30'], ['occurred-month', '11'], ['occurred-year', '2026'], ['occurredTime', '10:00'],
      ['kind', 'single'], ['outcome', 'child_in_need_plan'], ['summary', 'Leo needs support with mornings at home'],
      ['cinOutlinePlan', 'Leo arrives at school on time and fed.'], ['cinLeadWorkerId', w.worker.actor.practitionerId],
    ];
    // What must change written, but nobody named in the network: the form says so.
    const missing = await post(formUrl, answers);
    expect(missing.status).toBe(422);
    expect(text(missing.body)).toContain('Name the practitioners in the network around the child');

    let res = await post(formUrl, [...answers, ['cinMembers', w.worker.actor.practitionerId], ['cinMembers', w.dsl.actor.practitionerId]]);
    expect(res.status, res.body.slice(0, 500)).toBe(303);
    expect(text(await get(res.location!))).toContain('The network around the child');
    res = await post(res.location!, []);
    expect(res.location).toBe(`/episodes/${w.leoEpisode.id}?done=action-recorded`);
    const plan = await getPlan(w.dsl, await w.cinPlanOf());
    expect(plan).toMatchObject({ kind: 'child_in_need', version: { outlinePlan: 'Leo arrives at school on time and fed.', keyWorker: { name: 'Rachel Dunn' } } });
    expect(plan.version.coreGroup.map((m) => m.name)).toEqual(['Rachel Dunn', 'Sarah Khan']);
  });
});
