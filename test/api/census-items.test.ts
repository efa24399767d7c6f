import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { openEpisode, recordEpisodeAction } from '../../src/process/episodes.ts';
import { RecordAction } from '../../src/process/schemas.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, person, practitioner, services } from '../fixtures.ts';
import { bearer, testApp } from './helpers.ts';

describe('the census items on the child and the episode (issue 20)', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function setUp() {
    const clock = fixedClock('2026-11-02T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const school = await agency(s, p, 'school', 'Northshire Primary School');
    const otherCsc = await agency(s, await partnershipWith(s, 'Southshire Partnership'), 'childrens_social_care', "Southshire Children's Social Care");
    const worker = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const data = await practitioner(s, csc, ['data_officer'], 'Amir Noor');
    const dsl = await practitioner(s, school, ['safeguarding_lead'], 'Sarah Khan');
    const stranger = await practitioner(s, otherCsc, ['social_worker'], 'Southshire worker');
    const ava = await person(worker, { names: [{ givenNames: 'Ava', familyName: 'Reed' }], dateOfBirth: '2020-03-04' });
    const jack = await person(worker, { names: [{ givenNames: 'Jack', familyName: 'Reed' }], dateOfBirth: '2018-01-09' });
    const episode = await openEpisode(worker, { idempotencyKey: 'ava-ref', childPersonId: ava.id, receivedAt: '2026-11-02T09:00:00Z', channel: 'written', referralSource: '9' });
    let n = 0;
    const act = (occurredAt: string, action: Record<string, unknown>) => {
      clock.set(occurredAt);
      return recordEpisodeAction(worker, episode.id, RecordAction.parse({ idempotencyKey: `k${++n}`, occurredAt, action }));
    };
    app = await testApp(s);
    const as = async (ctx: ActorContext) => {
      const auth = await bearer(ctx);
      const call = async (method: 'GET' | 'PUT', url: string, payload?: object) => {
        const res = await app!.inject({ method, url: `/api/v1${url}`, headers: payload ? { ...auth, 'content-type': 'application/json' } : auth, ...(payload ? { payload } : {}) });
        return { status: res.statusCode, body: res.json<Record<string, unknown> & { errors?: { pointer: string; detail: string }[] }>() };
      };
      return { get: (url: string) => call('GET', url), put: (url: string, body: object) => call('PUT', url, body) };
    };
    return { db: t.db(), ava, jack, episode, act, worker: await as(worker), data: await as(data), dsl: await as(dsl), stranger: await as(stranger) };
  }

  it('a social worker records ethnicity and disabilities; a wrong UPN, a UPN with a reason it is unknown, and a taken LAchildID are refused naming the field', async () => {
    const w = await setUp();
    const empty = await w.worker.get(`/people/${w.ava.id}/census`);
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ name: 'Ava Reed', dateOfBirth: '2020-03-04', ethnicity: null, disabilities: null, upn: null });

    const saved = await w.worker.put(`/people/${w.ava.id}/census`, { ethnicity: 'WBRI', disabilities: ['NONE'], upn: 'z213282605052', laChildId: 'AVA001' });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ ethnicity: 'WBRI', disabilities: ['NONE'], upn: 'Z213282605052', laChildId: 'AVA001', upnUnknown: null });

    const badUpn = await w.worker.put(`/people/${w.ava.id}/census`, { upn: 'A213282605052' });
    expect(badUpn.status).toBe(422);
    expect(badUpn.body.errors).toEqual([{ pointer: '/upn', detail: expect.stringMatching(/check letter/) }]);

    const both = await w.worker.put(`/people/${w.ava.id}/census`, { upnUnknown: 'UN2', disabilities: ['NONE', 'MOB'] });
    expect(both.status).toBe(422);
    expect(both.body.errors?.map((e) => e.pointer).sort()).toEqual(['/disabilities', '/upnUnknown']);

    const taken = await w.worker.put(`/people/${w.jack.id}/census`, { laChildId: 'AVA001' });
    expect(taken.status).toBe(422);
    expect(taken.body.errors).toEqual([{ pointer: '/laChildId', detail: expect.stringMatching(/Another child/) }]);

    const died = await w.worker.put(`/people/${w.jack.id}/census`, { dateOfDeath: '2017-01-01' });
    expect(died.body.errors).toEqual([{ pointer: '/dateOfDeath', detail: 'A date of death cannot be before the date of birth' }]);

    // Nothing refused was written; what was saved stays.
    expect((await w.worker.get(`/people/${w.ava.id}/census`)).body).toMatchObject({ upn: 'Z213282605052', upnUnknown: null, disabilities: ['NONE'] });
    expect((await w.worker.get(`/people/${w.jack.id}/census`)).body).toMatchObject({ laChildId: null, dateOfDeath: null });
  });

  it('the data officer corrects the census items but cannot read the casework; the school and another authority find nothing', async () => {
    const w = await setUp();
    const read = await w.data.get(`/people/${w.ava.id}/census`);
    expect(read.status).toBe(200);
    expect(read.body.name).toBe('Ava Reed');
    expect((await w.data.put(`/people/${w.ava.id}/census`, { ethnicity: 'MWBC', upnUnknown: 'UN3' })).status).toBe(200);
    expect((await w.data.put(`/episodes/${w.episode.id}/census`, { primaryNeed: 'N2' })).body).toMatchObject({ primaryNeed: 'N2', referralSource: '9' });

    expect((await w.data.get(`/people/${w.ava.id}`)).status).toBe(404);
    expect((await w.data.get(`/people/${w.ava.id}/records`)).status).toBe(404);
    expect([403, 404]).toContain((await w.data.get(`/episodes/${w.episode.id}`)).status);

    for (const outsider of [w.dsl, w.stranger]) {
      expect((await outsider.get(`/people/${w.ava.id}/census`)).status).toBe(404);
      expect((await outsider.put(`/people/${w.ava.id}/census`, { ethnicity: 'WBRI' })).status).toBe(404);
      expect((await outsider.get(`/episodes/${w.episode.id}/census`)).status).toBe(404);
    }
    // Every read and write is audited by id, with no values.
    const trail = (await w.db.query<{ action: string; detail: unknown }>("SELECT action, detail FROM audit_event WHERE action LIKE 'census.%' ORDER BY seq")).rows;
    expect(trail.map((r) => r.action)).toEqual(expect.arrayContaining(['census.child.read', 'census.child.update', 'census.episode.update']));
    expect(JSON.stringify(trail)).not.toMatch(/MWBC|UN3|N2/);
  });

  it('asked at the moment of work: the primary need at the decision, the factors at the assessment, the reason for closure when it closes', async () => {
    const w = await setUp();
    await w.act('2026-11-02T10:00:00Z', { type: 'referral_acknowledged' });
    await w.act('2026-11-02T11:00:00Z', { type: 'referral_decided', outcome: 'assessment', reasons: 'Often late and hungry', primaryNeed: 'N1' });
    await w.act('2026-11-03T10:00:00Z', { type: 'assessment_started', kind: 'single' });
    // A reason for closure on an action that leaves the case open is refused, naming it.
    await expect(w.act('2026-11-20T10:00:00Z', { type: 'assessment_completed', kind: 'single', outcome: 'child_in_need_plan', summary: 'Needs help', closureReason: 'RC8' }))
      .rejects.toMatchObject({ status: 422, errors: [{ pointer: '/action/closureReason' }] });
    const done = await w.act('2026-11-20T10:00:00Z', {
      type: 'assessment_completed', kind: 'single', outcome: 'no_further_action', summary: 'Father has help now', factors: ['2B', '3A'], internalReviewOn: '2026-11-20', closureReason: 'RC8',
    });
    const seq = done.actions.at(-1)!.seq;
    const census = await w.worker.get(`/episodes/${w.episode.id}/census`);
    expect(census.body).toMatchObject({
      name: 'Ava Reed', referralSource: '9', primaryNeed: 'N1', closureReason: 'RC8',
      assessments: [{ seq, factors: ['2B', '3A'], internalReviewOn: '2026-11-20', kind: 'single' }],
    });
    // Corrected afterwards by the data team; an assessment the episode does not have is named.
    const fixed = await w.data.put(`/episodes/${w.episode.id}/census`, { assessments: [{ seq, factors: ['2B'] }] });
    expect(fixed.body).toMatchObject({ assessments: [{ seq, factors: ['2B'], internalReviewOn: '2026-11-20' }] });
    const wrong = await w.data.put(`/episodes/${w.episode.id}/census`, { assessments: [{ seq: seq - 1, factors: ['2B'] }] });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors).toEqual([{ pointer: '/assessments/0/seq', detail: expect.any(String) }]);
  });

  it('a reason for closure is refused on an open episode', async () => {
    const w = await setUp();
    const res = await w.worker.put(`/episodes/${w.episode.id}/census`, { closureReason: 'RC1' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ pointer: '/closureReason', detail: expect.any(String) }]);
  });
});
