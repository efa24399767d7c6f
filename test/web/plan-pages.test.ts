import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { bearer, testApp } from '../api/helpers.ts';
import { useTestDb } from '../db.ts';
import { planWorld } from '../plan-world.ts';

/** Issue 18: the plan as a document over the API and on the pages (read from the rendered HTML). */

const PASSWORD = 'plan-pages-password-42';

describe('the plan over the API and on the pages', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function world() {
    const w = await planWorld(t.db());
    await w.conference('2026-11-19T10:00:00Z', 'initial', [w.csc, w.school, w.hv, w.police], w.planDetails([w.dsl, w.visitor]));
    await w.conference('2027-02-19T10:00:00Z', 'review', [w.csc, w.school, w.hv], w.planDetails([w.dsl, w.visitor], { outlinePlan: 'Ava is safe at home; her mother attends the parenting course.' }));
    app = await testApp(w.s);
    return { ...w, planId: await w.planOf() };
  }

  it('GET /plans/{id} and /episodes/{id}/plans: the core group reads the plan and its versions; others 404; a bad version is a 422 naming the field', async () => {
    const w = await world();
    const get = async (who: ActorContext, url: string) => app!.inject({ url: `/api/v1${url}`, headers: await bearer(who) });
    const plan = await get(w.dsl, `/plans/${w.planId}`);
    expect(plan.statusCode).toBe(200);
    expect(plan.json()).toMatchObject({ id: w.planId, status: 'current', version: { version: 2 }, versions: [{ version: 1 }, { version: 2 }], child: { name: 'Ava Reed' } });
    expect((await get(w.dsl, `/plans/${w.planId}?version=1`)).json()).toMatchObject({ version: { version: 1, conferenceKind: 'initial' } });
    expect((await get(w.visitor, `/episodes/${w.episode.id}/plans`)).json()).toEqual([expect.objectContaining({ id: w.planId, version: 2, keyWorkerName: 'Rachel Dunn' })]);
    // The police, no longer invited, and a school of another partnership: as if there were no plan.
    expect((await get(w.officer, `/plans/${w.planId}`)).statusCode).toBe(404);
    expect((await get(w.stranger, `/plans/${w.planId}`)).statusCode).toBe(404);
    expect((await get(w.stranger, `/episodes/${w.episode.id}/plans`)).statusCode).toBe(404);
    const bad = await get(w.dsl, `/plans/${w.planId}?version=nought`);
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors).toEqual([expect.objectContaining({ pointer: '/query/version' })]);
  });

  it("the school's lead sees the plan on her own child's page, reads it and prints it; the print page has no navigation", async () => {
    const w = await world();
    await t.db().query('UPDATE practitioner SET password_hash = $1 WHERE id = ANY($2::uuid[])', [await hashPassword(PASSWORD), [w.dsl.actor.practitionerId, w.stranger.actor.practitionerId]]);
    const emailOf = async (who: ActorContext) => (await t.db().query<{ email: string }>('SELECT email FROM practitioner WHERE id = $1', [who.actor.practitionerId])).rows[0]!.email;
    const browser = async (who: ActorContext) => {
      const signedIn = await app!.inject({ method: 'POST', url: '/api/v1/session', payload: { email: await emailOf(who), password: PASSWORD } });
      const cookies = { jigsaw_session: signedIn.cookies.find((c) => c.name === 'jigsaw_session')!.value };
      return async (url: string, status = 200): Promise<string> => {
        const res = await app!.inject({ url, headers: { accept: 'text/html' }, cookies });
        expect(res.statusCode, url).toBe(status);
        return res.body;
      };
    };
    const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/\s+/g, ' ');
    const sarah = await browser(w.dsl);

    const child = text(await sarah(`/people/${w.avaAtSchool.id}`));
    expect(child).toContain('Child protection plan');
    expect(child).toContain('On a child protection plan since 19 November 2026');
    expect(child).toContain('Key worker Rachel Dunn');
    expect(child).toContain('Next review conference By 19 August 2027');
    expect(await sarah(`/people/${w.avaAtSchool.id}`)).toContain(`href="/plans/${w.planId}"`);

    const page = text(await sarah(`/plans/${w.planId}`));
    expect(page).toContain('Ava Reed');
    expect(page).toContain('Version 2 of 2, from the review conference on 19 February 2027');
    expect(page).toContain('parenting course');
    expect(page).toContain('Northshire Primary School Check Ava every morning and tell the social worker of any injury the same day — by 18 December 2026');
    expect(page).toContain('Sarah Khan, Northshire Primary School');
    expect(page).toContain('Priya Shah, Northshire Health Visiting');
    expect(page).toContain('A strategy discussion the same day if an injury is seen again.');
    const v1 = text(await sarah(`/plans/${w.planId}?version=1`));
    expect(v1).toContain('This is an earlier version');
    expect(v1).toContain('every health appointment');

    const print = await sarah(`/plans/${w.planId}/print`);
    expect(print).not.toContain('govuk-header');
    expect(print).not.toContain('<nav');
    expect(print).not.toContain('<script');
    expect(print).toContain('<title>Child protection plan</title>');
    expect(print).toContain('print.css');
    expect(text(print)).toContain('Child protection plan: Ava Reed, born 4 March 2020');
    expect(text(print)).toContain('Visit fortnightly and weigh Ava');

    // Someone outside the plan: not found, page and print alike.
    const other = await browser(w.stranger);
    await other(`/plans/${w.planId}`, 404);
    await other(`/plans/${w.planId}/print`, 404);
  });
  it('the conference form offers the partnership’s practitioners for the core group, and the episode page names another agency’s members with their agency', async () => {
    const w = await world();
    await t.db().query('UPDATE practitioner SET password_hash = $1 WHERE id = $2', [await hashPassword(PASSWORD), w.worker.actor.practitionerId]);
    const email = (await t.db().query<{ email: string }>('SELECT email FROM practitioner WHERE id = $1', [w.worker.actor.practitionerId])).rows[0]!.email;
    const signedIn = await app!.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password: PASSWORD } });
    const cookies = { jigsaw_session: signedIn.cookies.find((c) => c.name === 'jigsaw_session')!.value };
    const get = (url: string) => app!.inject({ url, headers: { accept: 'text/html' }, cookies });
    const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/\s+/g, ' ');
    const start = await get(`/episodes/${w.episode.id}/record/conference_held`);
    const form = start.statusCode === 303 ? await get(start.headers.location as string) : start;
    expect(form.statusCode).toBe(200);
    const coreGroup = text(form.body.slice(form.body.indexOf('Core group members')));
    expect(coreGroup).toContain('Sarah Khan');
    expect(coreGroup).toContain('Northshire Primary School');
    expect(coreGroup).toContain('Priya Shah');
    // Another partnership's practitioners are not in this partnership's directory.
    expect(coreGroup).not.toContain('Southshire');
    const episode = text((await get(`/episodes/${w.episode.id}`)).body);
    expect(episode).toContain('Sarah Khan, Northshire Primary School');
  });
});
