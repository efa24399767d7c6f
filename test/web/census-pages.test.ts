import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { testApp } from '../api/helpers.ts';
import { cinWorld } from '../cin-world.ts';
import { useTestDb } from '../db.ts';
import { practitioner } from '../fixtures.ts';
import { getEpisodeCensus } from '../../src/statutory-returns/cin/census-items.ts';
import { NewReferral } from '../../src/process/referral-schemas.ts';
import { makeReferral } from '../../src/process/referrals.ts';

/** Issue 20: the census details pages, read from the rendered HTML; the data team's links land on each field by its id. */

const PASSWORD = 'census-pages-password-42';

describe('the census details pages', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function setUp(assess = false, now?: string) {
    const w = await cinWorld(t.db());
    if (now) w.clock.set(now);
    // Before signing in: the assessment moves the clock on past a session's idle time.
    const assessed = assess ? await w.assessed() : undefined;
    const data = await practitioner(w.s, w.csc, ['data_officer'], 'Amir Noor');
    app = await testApp(w.s);
    await t.db().query('UPDATE practitioner SET password_hash = $1', [await hashPassword(PASSWORD)]);
    const browser = async (who: ActorContext) => {
      const email = (await t.db().query<{ email: string }>('SELECT email FROM practitioner WHERE id = $1', [who.actor.practitionerId])).rows[0]!.email;
      const signedIn = await app!.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password: PASSWORD } });
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
      return { get, post };
    };
    return { w, assessed, amir: await browser(data), rachel: await browser(w.worker), sarah: await browser(w.dsl) };
  }
  const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/\s+/g, ' ');

  it("the data officer sees the child's name and the census items, with each field where the data team's links land; a wrong UPN is named on the form", async () => {
    const { w, amir } = await setUp();
    const url = `/people/${w.leo.id}/census`;
    const page = await amir.get(url);
    expect(text(page)).toContain('Leo Hart, born 1 July 2019');
    for (const id of ['ethnicity', 'disabilities', 'upn', 'former-upn', 'upn-unknown', 'la-child-id', 'date-of-death']) expect(page).toContain(`id="${id}"`);
    expect(text(page)).toContain('White British (WBRI)');

    const wrong = await amir.post(url, [['ethnicity', 'WBRI'], ['upn', 'A213282605052']]);
    expect(wrong.status).toBe(422);
    expect(wrong.body).toContain('href="#upn"');
    expect(text(wrong.body)).toContain('the check letter (the first character) does not match');

    const saved = await amir.post(url, [['ethnicity', 'WBRI'], ['disabilities', 'NONE'], ['upn', 'z213282605052'], ['la-child-id', 'LEO42']]);
    expect(saved.status, saved.body.slice(0, 300)).toBe(303);
    const after = await amir.get(saved.location!);
    expect(text(after)).toContain('The census details have been saved');
    expect(after).toMatch(/<option value="WBRI" selected>/);
    expect(after).toContain('value="Z213282605052"');

    // The casework stays out of the data officer's reach, and the page does not send her there.
    await amir.get(`/people/${w.leo.id}`, 404);
    expect(page).toContain('href="/returns/cin"');
    expect(page).not.toContain(`href="/people/${w.leo.id}"`);
  });

  it("the social worker finds the census details on the child's page and the episode's, with a field for each assessment's factors; the school finds nothing", async () => {
    const { w, assessed, rachel, sarah, amir } = await setUp(true);
    const seq = assessed!.actions.at(-1)!.seq;
    const child = text(await rachel.get(`/people/${w.leo.id}`));
    expect(child).toContain('Census details');
    expect(child).toContain('Ethnicity Not recorded');
    expect(await rachel.get(`/people/${w.leo.id}`)).toContain(`href="/people/${w.leo.id}/census"`);
    expect(await rachel.get(`/episodes/${w.leoEpisode.id}`)).toContain(`href="/episodes/${w.leoEpisode.id}/census"`);

    const episode = await amir.get(`/episodes/${w.leoEpisode.id}/census`);
    expect(text(episode)).toContain('Leo Hart, born 1 July 2019');
    for (const id of ['referral-source', 'primary-need', 'closure-reason', `assessment-${seq}-factors`]) expect(episode).toContain(`id="${id}"`);
    const saved = await amir.post(`/episodes/${w.leoEpisode.id}/census`, [['referral-source', '2A'], ['primary-need', 'N1'], [`assessment-${seq}-factors`, '2B'], [`assessment-${seq}-review-day`, '31'], [`assessment-${seq}-review-month`, '11'], [`assessment-${seq}-review-year`, '2026']]);
    expect(saved.status).toBe(422);
    expect(saved.body).toContain(`href="#assessment-${seq}-review-day"`);
    const fixed = await amir.post(`/episodes/${w.leoEpisode.id}/census`, [['referral-source', '2A'], ['primary-need', 'N1'], [`assessment-${seq}-factors`, '2B'], [`assessment-${seq}-factors`, '3A']]);
    expect(fixed.status, fixed.body.slice(0, 300)).toBe(303);
    const after = await amir.get(fixed.location!);
    expect(after).toMatch(/<option value="N1" selected>/);
    expect(after).toMatch(new RegExp(`name="assessment-${seq}-factors" type="checkbox" value="3A" checked`));

    await sarah.get(`/people/${w.leoAtSchool.id}/census`, 404);
    await sarah.get(`/episodes/${w.leoEpisode.id}/census`, 404);
    expect(text(await sarah.get(`/people/${w.leoAtSchool.id}`))).not.toContain('Census details');
  });

  it('the assessment form asks for the factors, the internal review date and, when it closes the case, the reason for closure; recording it keeps them', async () => {
    const { w, rachel } = await setUp(false, '2026-11-30T12:00:00Z');
    const formUrl = await rachel.get(`/episodes/${w.leoEpisode.id}/record/assessment_completed`, 303);
    const form = text(await rachel.get(formUrl));
    expect(form).toContain('Factors identified at the assessment (optional)');
    expect(form).toContain('If the case closes: the reason for closure (optional)');
    const answers: [string, string][] = [
      ['occurred-day', '30'], ['occurred-month', '11'], ['occurred-year', '2026'], ['occurredTime', '10:00'],
      ['kind', 'single'], ['outcome', 'no_further_action'], ['summary', 'Leo’s father has help with the mornings now'],
      ['factors', '2B'], ['factors', '3A'], ['internalReviewOn-day', '30'], ['internalReviewOn-month', '11'], ['internalReviewOn-year', '2026'],
      ['closureReason', 'RC8'], ['monitoringAgencyId', 'none'],
    ];
    const res = await rachel.post(formUrl, answers);
    expect(res.status, text(res.body).slice(0, 500)).toBe(303);
    const check = text(await rachel.get(res.location!));
    expect(check).toContain('Date of the internal review (optional) 30 November 2026');
    const recorded = await rachel.post(res.location!, []);
    expect(recorded.location).toBe(`/episodes/${w.leoEpisode.id}?done=action-recorded`);
    const census = await getEpisodeCensus(w.worker, w.leoEpisode.id);
    expect(census).toMatchObject({ closureReason: 'RC8', assessments: [{ factors: ['2B', '3A'], internalReviewOn: '2026-11-30' }] });
  });

  it("accepting a member of the public's referral asks where it came from, and the episode keeps the answer", async () => {
    const { w, rachel } = await setUp();
    const recorded = await makeReferral(w.worker, NewReferral.parse({
      referrerIsMemberOfPublic: true, channel: 'phone',
      referrer: { name: 'Pat Neighbour', contact: '07700 900123', relationshipToChild: 'Lives next door', consentToDisclose: false },
      child: { kind: 'child', names: [{ givenNames: 'Mia', familyName: 'Stone' }], dateOfBirth: '2019-04-22', addresses: [{ line1: '5 Ashdown Road' }] },
      concerns: 'The children are left alone in the evenings',
    }));
    const page = await rachel.get(`/referrals/${recorded.id}`);
    expect(page).toContain('id="referralSource"');
    const missing = await rachel.post(`/referrals/${recorded.id}/accept`, [['personId', 'new'], ['askedReferralSource', 'yes']]);
    expect(missing.status).toBe(422);
    expect(missing.body).toContain('href="#referralSource"');
    const accepted = await rachel.post(`/referrals/${recorded.id}/accept`, [['personId', 'new'], ['askedReferralSource', 'yes'], ['referralSource', '9']]);
    expect(accepted.status).toBe(303);
    const episodeId = (await t.db().query<{ episode_id: string }>('SELECT episode_id FROM referral WHERE id = $1', [recorded.id])).rows[0]!.episode_id;
    expect((await getEpisodeCensus(w.worker, episodeId)).referralSource).toBe('9');
  });
});
