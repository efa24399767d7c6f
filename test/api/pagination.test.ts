import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { openEpisode, recordEpisodeAction } from '../../src/process/episodes.ts';
import { RecordAction } from '../../src/process/schemas.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, person, practitioner, services } from '../fixtures.ts';
import { bearer, testApp } from './helpers.ts';

type Answer = { status: number; body: { items: { id: string }[]; nextCursor: string | null; errors?: { pointer: string; detail: string }[] } };

describe('paginated lists over the API', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function setUp() {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', 'Riverside Primary');
    const otherSchool = await agency(s, p, 'school', 'Hillside Primary');
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const otherCsc = await agency(s, p, 'childrens_social_care', "Southshire Children's Social Care");
    const teacher = await practitioner(s, school, ['practitioner'], 'Amira Shah');
    const otherTeacher = await practitioner(s, otherSchool, ['practitioner'], 'Ben Cole');
    const worker = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const otherWorker = await practitioner(s, otherCsc, ['social_worker'], 'Sam Lee');
    app = await testApp(s);
    const as = async (ctx: ActorContext) => {
      const auth = await bearer(ctx);
      return {
        get: async (url: string): Promise<Answer> => {
          const res = await app!.inject({ method: 'GET', url: `/api/v1${url}`, headers: auth });
          return { status: res.statusCode, body: res.json() };
        },
        post: async (url: string, payload: object): Promise<Answer> => {
          const res = await app!.inject({ method: 'POST', url: `/api/v1${url}`, headers: { ...auth, 'content-type': 'application/json' }, payload });
          return { status: res.statusCode, body: res.json() };
        },
      };
    };
    return { clock, s, teacher, otherTeacher, worker, otherWorker, api: { teacher: await as(teacher), worker: await as(worker) } };
  }

  /** Follows nextCursor to the end, checking each page is within the limit. */
  async function walk(first: (cursor: string | undefined) => Promise<Answer>, limit: number): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const res = await first(cursor);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      ids.push(...res.body.items.map((i) => i.id));
      if (res.body.nextCursor === null) return ids;
      expect(res.body.items).toHaveLength(limit);
      cursor = res.body.nextCursor;
    }
    throw new Error('the cursor never reached the end');
  }

  it("a people search walked page by page gives each of the agency's matches once, in the order added, and nobody from another agency", async () => {
    const w = await setUp();
    let run = 0;
    await fc.assert(fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 9 }), fc.integer({ min: 1, max: 4 }),
      async (minutes, limit) => {
        // A family name of this run's own that also *sounds* different (the search finds sound-alike
        // names by their Double Metaphone codes, which keep four consonants): the run number in
        // base 9, one consonant of a distinct sound per digit.
        const family = [...run.toString(9).padStart(4, '0')].map((d) => `${'BDFKLMNRS'[Number(d)]!}a`).join('').replace(/^./, (c) => c.toUpperCase());
        run++;
        const ours: string[] = [];
        for (const m of minutes) {
          // Several added in the same instant: the cursor must still tell them apart.
          w.clock.set(new Date(Date.UTC(2026, 2, 2, 9, m)).toISOString());
          ours.push((await person(w.teacher, { names: [{ givenNames: 'Jo', familyName: family }] })).id);
          await person(w.otherTeacher, { names: [{ givenNames: 'Jo', familyName: family }] });
        }
        const ids = await walk((cursor) => w.api.teacher.post('/people/search', { name: `jo ${family}`, limit, ...(cursor ? { cursor } : {}) }), limit);
        const order = [...minutes.keys()].sort((a, b) => minutes[a]! - minutes[b]!);
        expect(new Set(ids).size).toBe(ids.length);
        expect([...ids].sort()).toEqual([...ours].sort());
        // In the order added: by the minute, ties in any order but never split across a repeat.
        expect(ids.map((id) => minutes[ours.indexOf(id)])).toEqual(order.map((i) => minutes[i]));
      },
    ), { numRuns: 12 });
  });

  it('the episodes list shows only the episodes of your own authority, filtered by status and child, page by page', async () => {
    const w = await setUp();
    const open = async (ctx: ActorContext, name: string) => {
      const child = await person(ctx, { names: [{ givenNames: name, familyName: 'Example' }] });
      const e = await openEpisode(ctx, { idempotencyKey: `ref-${name}`, childPersonId: child.id, receivedAt: '2026-03-02T08:00:00Z', channel: 'written', allocatedWorkerId: ctx.actor.practitionerId, team: 'Assessment' });
      return { child, e };
    };
    const mine = [];
    for (const name of ['Ann', 'Bea', 'Cal', 'Dee', 'Eve']) {
      mine.push(await open(w.worker, name));
      await open(w.otherWorker, name);
    }
    const closed = mine[1]!;
    const act = (key: string, action: Record<string, unknown>) => RecordAction.parse({ idempotencyKey: key, occurredAt: '2026-03-02T08:30:00Z', action });
    await recordEpisodeAction(w.worker, closed.e.id, act('decide', { type: 'referral_decided', outcome: 'no_further_action', reasons: 'Needs met by school' }));

    const all = await walk((cursor) => w.api.worker.get(`/episodes?limit=2${cursor ? `&cursor=${cursor}` : ''}`), 2);
    expect([...all].sort()).toEqual(mine.map((m) => m.e.id).sort());
    const openOnly = await walk((cursor) => w.api.worker.get(`/episodes?status=open&limit=3${cursor ? `&cursor=${cursor}` : ''}`), 3);
    expect(openOnly.includes(closed.e.id)).toBe(false);
    expect(openOnly).toHaveLength(4);
    const closedOnly = await w.api.worker.get('/episodes?status=closed');
    expect(closedOnly.body).toEqual({ items: [expect.objectContaining({ id: closed.e.id, open: false, stage: 'closed', childPersonId: closed.child.id })], nextCursor: null });
    expect((await w.api.worker.get(`/episodes?personId=${mine[3]!.child.id}`)).body.items.map((e) => e.id)).toEqual([mine[3]!.e.id]);
    // A school holds no episodes.
    expect((await w.api.teacher.get('/episodes')).status).toBe(403);
  });

  it('a bad cursor, a cursor from another list, limit=0 and limit=1000 are 422 problems naming the field', async () => {
    const w = await setUp();
    for (const name of ['Ann', 'Bea', 'Cal']) await person(w.teacher, { names: [{ givenNames: name, familyName: 'Example' }] });
    const first = await w.api.teacher.post('/people/search', { name: 'example', limit: 1 });
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const searchCursor = first.body.nextCursor!;

    const cursorProblem = [{ pointer: '/query/cursor', detail: 'This cursor was not given by this list; start again without one' }];
    expect(await w.api.teacher.get('/notifications?cursor=bm90IGEgY3Vyc29y')).toMatchObject({ status: 422, body: { errors: cursorProblem } });
    expect(await w.api.teacher.get(`/notifications?cursor=${searchCursor}`)).toMatchObject({ status: 422, body: { errors: cursorProblem } });
    expect(await w.api.teacher.get(`/referrals/outgoing?cursor=${searchCursor.slice(0, -4)}`)).toMatchObject({ status: 422, body: { errors: cursorProblem } });
    const tampered = Buffer.from(JSON.stringify({ l: 'people.search', k: ["2026-03-02T09:00:00.000000Z'; DROP TABLE person; --", 'x'] })).toString('base64url');
    expect(await w.api.teacher.post('/people/search', { name: 'example', cursor: tampered })).toMatchObject({
      status: 422, body: { errors: [{ pointer: '/cursor', detail: 'This cursor was not given by this list; start again without one' }] },
    });
    expect(await w.api.teacher.get('/notifications?limit=0')).toMatchObject({ status: 422, body: { errors: [{ pointer: '/query/limit', detail: 'Ask for at least 1 item' }] } });
    expect(await w.api.teacher.get('/information-requests/outgoing?limit=1000')).toMatchObject({ status: 422, body: { errors: [{ pointer: '/query/limit', detail: 'Ask for at most 200 items' }] } });
    expect(await w.api.teacher.get('/notifications?limit=lots')).toMatchObject({ status: 422, body: { errors: [{ pointer: '/query/limit', detail: 'Give a whole number from 1 to 200' }] } });
    expect(await w.api.teacher.post('/people/search', { name: 'example', limit: 1000 })).toMatchObject({ status: 422, body: { errors: [{ pointer: '/limit', detail: 'Ask for at most 200 items' }] } });
    // The first page is 50 unless asked otherwise, and the walk above still works.
    expect((await w.api.teacher.post('/people/search', { name: 'example' })).body).toEqual({ items: expect.any(Array), nextCursor: null });
    expect((await w.api.teacher.post('/people/search', { name: 'example', limit: 2, cursor: searchCursor })).body.items).toHaveLength(2);
  });

  it('the document describes limit and cursor, and the page shape, for every list that grows', async () => {
    await setUp();
    const doc = (await app!.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const ops = Object.values(doc.paths as Record<string, Record<string, { operationId: string; description: string; parameters: { name: string; description?: string; schema: Record<string, unknown> }[]; requestBody?: unknown; responses: Record<string, { content: Record<string, { schema: { properties?: Record<string, unknown> } }> }> }>>)
      .flatMap((p) => Object.values(p));
    const paginated = ops.filter((o) => o.description.includes('This list is paginated')).map((o) => o.operationId).sort();
    expect(paginated).toEqual([
      'listDueSteps', 'listEpisodes', 'listIncomingInformationRequests', 'listMyReferrals', 'listNotifications', 'listOutgoingInformationRequests',
      'listRecordAccessHistory', 'listReferralQueue', 'listSeenNotifications', 'searchPeople',
    ]);
    for (const o of ops.filter((op) => paginated.includes(op.operationId) && op.operationId !== 'searchPeople')) {
      expect(o.parameters.find((p) => p.name === 'limit')).toMatchObject({ in: 'query', required: false, description: expect.stringContaining('at most 200'), schema: { type: 'integer', default: 50, minimum: 1, maximum: 200 } });
      expect(o.parameters.find((p) => p.name === 'cursor')).toMatchObject({ in: 'query', required: false, description: expect.stringContaining('nextCursor') });
      const ok = Object.entries(o.responses).find(([status]) => status.startsWith('2'))![1];
      expect(Object.keys(ok.content['application/json']!.schema.properties!)).toEqual(['items', 'nextCursor']);
    }
    expect(doc.components.schemas.PersonSearchPage.properties).toMatchObject({ limit: { default: 50, maximum: 200 }, cursor: { type: 'string' } });
  });
});
