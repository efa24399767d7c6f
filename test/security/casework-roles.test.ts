import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/access/policy.ts';
import { SESSION_COOKIE } from '../../src/http/app.ts';
import { recordOutcome, scheduleMeeting } from '../../src/meetings/meetings.ts';
import { MeetingOutcome, NewMeeting } from '../../src/meetings/schemas.ts';
import { raiseOverdueAlerts } from '../../src/process/alerts.ts';
import { addRecord } from '../../src/records/records.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { NewInformationRequest, sendInformationRequest } from '../../src/sharing/requests.ts';
import { childOnPlan } from '../../src/flags/testing.ts';
import { resetDb, testDb } from '../db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../fixtures.ts';
import { bearer, testApp } from '../api/helpers.ts';

/**
 * Issue 16, defect 11: administrators and auditors do no casework, so no list, queue or page shows
 * them anything of it — no child's id or name, no meeting title, no record's words — whatever
 * they ask for and whichever id they put in the address. Auditors keep the access history of their
 * agency's records and the authority's figures, which name no child.
 *
 * The partnership below holds casework of every kind these roles could stumble on: a child on a
 * plan with statutory steps due and overdue, an overdue-step alert, a core group meeting whose
 * title names the family (with an action given to the administrator, as a careless chair might),
 * a request for information, records in both agencies. The social worker and the teacher see it
 * (checked first, so the property cannot pass on an empty database).
 */

type Json = Record<string, unknown>;
const FAMILY = 'Tinworth';
const MEETING_TITLE = 'Tinworth family core group';
const RECORD_TEXT = 'Bruise on the upper arm, explained as a fall';
const REQUEST_TEXT = 'Is the family known to children’s social care?';

interface World {
  app: FastifyInstance;
  /** Strings that are casework: ids of children, episodes, meetings, requests and records; names; free text. */
  markers: string[];
  /** Ids to put into addresses, of every kind of casework. */
  ids: string[];
  nonCasework: { label: string; headers: Record<string, string>; cookie: string }[];
  casework: { worker: Record<string, string>; teacher: Record<string, string> };
}

async function sessionCookie(ctx: ActorContext): Promise<string> {
  // A web session as signing in makes one (only its hash is kept), without a password: the demo-like fixture has none.
  const token = `jss_${randomBytes(32).toString('base64url')}`;
  const now = ctx.clock.now();
  await ctx.db.query('INSERT INTO web_session (token_hash, practitioner_id, created_at, last_seen_at, expires_at) VALUES ($1,$2,$3,$3,$4)',
    [createHash('sha256').update(token).digest('hex'), ctx.actor.practitionerId, now.toISOString(), new Date(now.getTime() + 3_600_000).toISOString()]);
  return `${SESSION_COOKIE}=${token}`;
}

async function populate(): Promise<World> {
  const db = await testDb();
  await resetDb(db);
  const clock = fixedClock('2026-03-02T09:00:00Z');
  const s = services(db, clock);
  const p = await partnershipWith(s);
  const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
  const school = await agency(s, p, 'school', 'Riverside Primary School');
  const worker = await practitioner(s, csc, ['social_worker', 'practitioner'], 'Rachel Dunn');
  const teacher = await practitioner(s, school, ['practitioner', 'safeguarding_lead'], 'Amira Shah');
  const who: [string, string, Role[]][] = [['csc administrator', csc, ['administrator']], ['csc auditor', csc, ['auditor']],
    ['school administrator', school, ['administrator']], ['school auditor', school, ['auditor']], ['csc administrator and auditor', csc, ['administrator', 'auditor']],
    ['csc partnership administrator', csc, ['partnership_administrator']]];
  const others: { label: string; ctx: ActorContext }[] = [];
  for (const [label, a, roles] of who) others.push({ label, ctx: await practitioner(s, a, roles, `${label} person`) });

  const child = await person(worker, { names: [{ givenNames: 'Kayden', familyName: FAMILY }], dateOfBirth: '2019-04-01' });
  const pupil = await person(teacher, { names: [{ givenNames: 'Kayden', familyName: FAMILY }], dateOfBirth: '2019-04-01' });
  const records = [await addRecord(teacher, pupil.id, concern({ summary: RECORD_TEXT })), await addRecord(worker, child.id, concern({ summary: `${RECORD_TEXT} (told to us)` }))];
  const request = await sendInformationRequest(teacher, NewInformationRequest.parse({ personId: pupil.id, toAgencyId: csc, purposeCode: 'welfare_monitoring', purpose: REQUEST_TEXT }));
  const { episode } = await childOnPlan(worker, clock, child.id, { cscId: csc, invited: [school] });
  const meeting = await scheduleMeeting(worker, NewMeeting.parse({
    kind: 'core_group', title: MEETING_TITLE, episodeId: episode.id, scheduledAt: '2026-03-03T10:00:00Z', subjectPersonIds: [child.id], invitees: [{ agencyId: school }, { agencyId: csc }],
  }));
  clock.set('2026-03-03T12:00:00Z');
  const admin = others[0]!.ctx;
  await recordOutcome(worker, meeting.id, MeetingOutcome.parse({
    heldAt: '2026-03-03T10:00:00Z', attendance: [], minutes: `${FAMILY} family: the plan is working`, familyTold: 'The social worker tells the mother',
    actions: [{ ownerId: admin.actor.practitionerId, description: `Check the ${FAMILY} family's file`, dueOn: '2026-03-10' }, { ownerId: worker.actor.practitionerId, description: 'Visit', dueOn: '2026-03-10' }],
  }));
  // Six weeks on: statutory steps are overdue and the sweep has raised their alerts.
  clock.set('2026-04-14T09:00:00Z');
  await raiseOverdueAlerts(s);

  const app = await testApp(s);
  const nonCasework = await Promise.all(others.map(async (o) => ({ label: o.label, headers: await bearer(o.ctx), cookie: await sessionCookie(o.ctx) })));
  const ids = [child.id, pupil.id, episode.id, meeting.id, request.id, ...records.map((r) => r.id)];
  return {
    app, ids, nonCasework,
    markers: [...ids, FAMILY, MEETING_TITLE, RECORD_TEXT, REQUEST_TEXT, 'Kayden'],
    casework: { worker: await bearer(worker), teacher: await bearer(teacher) },
  };
}

/** Every GET in the OpenAPI document: `{id}` is filled in by the property. */
async function readOperations(app: FastifyInstance): Promise<{ path: string; query: string }[]> {
  const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json<Json>();
  return Object.entries(doc.paths as Json).filter(([, item]) => (item as Json).get).map(([path, item]) => {
    const params = (((item as Json).get as Json).parameters ?? []) as Json[];
    // The reports need a period: the one the casework happened in.
    const query = params.filter((q) => q.in === 'query' && q.required).map((q) => `${q.name as string}=${q.name === 'from' ? '2026-01-01' : '2026-04-13'}`).join('&');
    return { path, query };
  });
}

/** The casework strings a body holds (none is the only right answer for these roles). */
const leaked = (body: string, markers: readonly string[]): string[] => markers.filter((m) => body.includes(m));

/**
 * Issue 19: the auditor's trail must say whose records were looked at, so her answers under
 * /api/v1/audit may name the child and carry ids — never a record's words, a meeting's title or a
 * request's text. Administrators are refused the trail altogether.
 */
const WORDS = [MEETING_TITLE, RECORD_TEXT, REQUEST_TEXT];
const leakedTo = (label: string, path: string, body: string, markers: readonly string[]): string[] =>
  leaked(body, label.includes('auditor') && path.startsWith('/api/v1/audit/') ? WORDS : markers);

describe('administrators and auditors see no casework (issue 16)', () => {
  let w: World;
  let reads: { path: string; query: string }[];
  beforeAll(async () => {
    w = await populate();
    reads = await readOperations(w.app);
  });
  afterAll(async () => w?.app.close());

  it('the casework is there: the social worker lists the due steps, the alerts are raised and the meeting is listed by title', async () => {
    const get = async (url: string, headers: Record<string, string>) => (await w.app.inject({ url: `/api/v1${url}`, headers })).body;
    expect(leaked(await get('/due-steps', w.casework.worker), w.markers)).not.toEqual([]);
    expect(await get('/meetings', w.casework.worker)).toContain(MEETING_TITLE);
    expect(await get('/meetings', w.casework.teacher)).toContain(MEETING_TITLE);
    expect(await get('/information-requests/incoming', w.casework.worker)).toContain(REQUEST_TEXT);
    expect(reads.length).toBeGreaterThan(40);
  });

  it('every list in the OpenAPI document, asked by each administrator and auditor: not one casework item', async () => {
    const found: string[] = [];
    for (const who of w.nonCasework) {
      for (const op of reads.filter((o) => !o.path.includes('{'))) {
        const res = await w.app.inject({ url: `${op.path}${op.query ? `?${op.query}` : ''}`, headers: who.headers });
        expect(res.statusCode, `${who.label} GET ${op.path}`).toBeLessThan(500);
        const l = leakedTo(who.label, op.path, res.body, w.markers);
        if (l.length) found.push(`${who.label} GET ${op.path} → ${res.statusCode} shows ${l.join(', ')}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('property: any read, with any casework id in the address, by any administrator or auditor, shows nothing of it', async () => {
    const withIds = reads.filter((o) => o.path.includes('{'));
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(...withIds), fc.constantFrom(...w.nonCasework), fc.constantFrom(...w.ids), fc.boolean(),
      async (op, who, id, upper) => {
        const path = op.path.replace(/\{\w+\}/g, upper ? id.toUpperCase() : id);
        const res = await w.app.inject({ url: `${path}${op.query ? `?${op.query}` : ''}`, headers: who.headers });
        expect(res.statusCode, `${who.label} GET ${path}`).toBeLessThan(500);
        // The id asked for may be echoed in an error (it was typed by the caller); nothing else may show.
        const l = leakedTo(who.label, op.path, res.statusCode < 300 ? res.body : res.body.replaceAll(id, '').replaceAll(id.toUpperCase(), ''), w.markers)
          // An auditor reads a record's access history by the record's id: the history itself names no one served.
          .filter((m) => !(res.statusCode === 200 && /\/access-history$/.test(op.path) && m === id));
        expect(l, `${who.label} GET ${path} → ${res.statusCode}`).toEqual([]);
      }), { numRuns: 250, seed: 16 });
  });

  it('searching for the family by name (POST reads) finds nothing for them', async () => {
    for (const who of w.nonCasework) {
      for (const [url, payload] of [['/api/v1/people/search', { name: FAMILY }], ['/api/v1/people/candidates', { names: [{ givenNames: 'Kayden', familyName: FAMILY }], dateOfBirth: '2019-04-01' }]] as const) {
        const res = await w.app.inject({ method: 'POST', url, headers: { ...who.headers, 'content-type': 'application/json' }, payload });
        expect(res.statusCode, `${who.label} POST ${url}`).toBeLessThan(500);
        expect(leaked(res.body, w.markers), `${who.label} POST ${url}`).toEqual([]);
      }
    }
  });

  it('their pages show none of it either: tasks, the process page, meetings, episodes, people, records, requests', async () => {
    const pages = ['/tasks', '/process', '/referrals', '/requests', '/advice', '/shared-with-me', '/people/find', '/seen-notifications', '/admin', '/admin/practitioners',
      ...w.ids.flatMap((id) => [`/people/${id}`, `/episodes/${id}`, `/meetings/${id}`, `/records/${id}`, `/requests/${id}`, `/people/${id}/chronology`])];
    const found: string[] = [];
    for (const who of w.nonCasework) {
      for (const page of pages) {
        const res = await w.app.inject({ url: page, headers: { cookie: who.cookie, accept: 'text/html' } });
        expect(res.statusCode, `${who.label} ${page}`).toBeLessThan(500);
        const l = leaked(res.statusCode < 300 ? res.body : res.body.replace(/\/[0-9a-f-]{36}/g, ''), w.markers);
        if (l.length) found.push(`${who.label} ${page} → ${res.statusCode} shows ${l.join(', ')}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('auditors keep what they need: the authority’s figures and a record’s access history', async () => {
    const auditor = w.nonCasework.find((x) => x.label === 'csc auditor')!;
    const summary = await w.app.inject({ url: '/api/v1/oversight/due-summary', headers: auditor.headers });
    expect(summary.statusCode).toBe(200);
    expect(summary.json<{ authority: { overdue: number } }>().authority.overdue).toBeGreaterThan(0);
    const alerts = await w.app.inject({ url: '/api/v1/oversight/alerts', headers: auditor.headers });
    expect(alerts.statusCode).toBe(403);
    const cscRecord = w.ids.at(-1)!;
    const history = await w.app.inject({ url: `/api/v1/records/${cscRecord}/access-history`, headers: auditor.headers });
    expect(history.statusCode).toBe(200);
    expect(history.json<{ items: unknown[] }>().items.length).toBeGreaterThan(0);
  });
});
