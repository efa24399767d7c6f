import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { addPractitionerAsSystem } from '../../src/partnership/partnership.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { useSecretsKeyFrom } from '../../src/shared/secret-box.ts';
import type { Services } from '../../src/shared/context.ts';
import { deploymentKey } from '../../src/web/server-keys.ts';
import { AUTH_SETTINGS } from '../api/helpers.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, person, practitioner, services } from '../fixtures.ts';

/**
 * Issue 21, item 3: several server processes behind one port, and restarts. Each "process" here is
 * an app built over the same database, as `jigsaw serve --workers N` builds one per worker; nothing
 * a journey needs may live in one of them only.
 */

const PASSWORD = 'Quiet-harbour-lantern-1987';
type Form = Record<string, string>;

/** A browser without JavaScript that may send each request to a different process. */
function browser() {
  const cookies: Record<string, string> = {};
  let token = '';
  const keep = (res: LightMyRequestResponse): void => {
    for (const c of res.cookies) cookies[c.name] = c.value;
    token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? token;
  };
  return {
    /** The CSRF token of the last page read, whichever process rendered it. */
    get token(): string {
      return token;
    },
    async get(app: FastifyInstance, url: string, status = 200): Promise<string> {
      const res = await app.inject({ url, headers: { accept: 'text/html' }, cookies });
      keep(res);
      expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(status);
      return status === 303 ? res.headers.location as string : res.body;
    },
    async post(app: FastifyInstance, url: string, form: Form, csrf = token): Promise<{ status: number; location?: string; body: string }> {
      const res = await app.inject({
        method: 'POST', url, cookies, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        payload: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
      });
      keep(res);
      return { status: res.statusCode, location: res.headers.location, body: res.body };
    },
  };
}
type Browser = ReturnType<typeof browser>;

describe('drafts and forms shared by every server process', () => {
  const t = useTestDb();
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
    useSecretsKeyFrom({});
  });

  /** One server process over the database. */
  const serve = async (s: Services): Promise<FastifyInstance> => {
    const app = await buildApp({ services: s, auth: AUTH_SETTINGS, logLevel: 'silent' });
    apps.push(app);
    return app;
  };

  async function world() {
    const clock = fixedClock('2026-04-10T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', 'Northshire Primary');
    await agency(s, p, 'health_visiting', 'Northshire Health Visiting');
    const account = async (name: string) => {
      const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${Math.random().toString(36).slice(2, 8)}@example.org`;
      await addPractitionerAsSystem(s, { agencyId: school, name, email, roles: ['practitioner', 'safeguarding_lead'], password: PASSWORD });
      return { email };
    };
    const teacher = await account('Amira Shah');
    const colleague = await account('Tom Reid');
    const jack = await person(await practitioner(s, school), { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2018-06-01' });
    return { s, clock, teacher, colleague, jack };
  }

  /** Signs in through the sign-in page of that process, with the CSRF token it rendered. */
  async function signIn(app: FastifyInstance, who: { email: string }): Promise<Browser> {
    const b = browser();
    await b.get(app, '/sign-in');
    const res = await b.post(app, '/sign-in', { email: who.email, password: PASSWORD });
    expect(res.location).toBe('/tasks');
    return b;
  }

  /** Starts a sharing decision about the person and answers its first question. */
  async function startSharing(app: FastifyInstance, b: Browser, personId: string): Promise<string> {
    const first = await b.get(app, `/people/${personId}/share`, 303);
    const draft = /^\/share\/([0-9a-f-]{36})\/purpose$/.exec(first)![1]!;
    await b.get(app, first);
    const res = await b.post(app, first, { purposeCode: 'welfare_monitoring', purpose: 'So the health visitor knows Jack comes to school cold', withinAgencyFunctions: 'yes' });
    expect(res.location).toBe(`/share/${draft}/legal`);
    return draft;
  }

  /** The rest of the journey, a decision not to share, on the process given: where the decision is. */
  async function finishSharing(app: FastifyInstance, b: Browser, draft: string): Promise<string> {
    const answers: [string, Form, string][] = [
      ['legal', { legalObligation: 'none' }, 'identifiable'],
      ['identifiable', { identifiable: 'yes' }, 'confidential'],
      ['confidential', { confidential: 'no' }, 'outcome'],
      ['outcome', { outcome: 'do_not_share' }, 'reasons'],
      ['reasons', { reasons: 'The worry is below the threshold for sharing without the family knowing' }, 'check'],
    ];
    for (const [step, form, next] of answers) {
      await b.get(app, `/share/${draft}/${step}`);
      expect((await b.post(app, `/share/${draft}/${step}`, form)).location).toBe(`/share/${draft}/${next}`);
    }
    await b.get(app, `/share/${draft}/check`);
    const recorded = await b.post(app, `/share/${draft}/check`, {});
    expect(recorded.location).toMatch(/^\/share-decisions\/[0-9a-f-]{36}\?done=decision-recorded$/);
    return recorded.location!;
  }

  const personForm: Form = { kind: 'child', givenNames: 'Ruby', familyName: 'Carver', 'dob-day': '20', 'dob-month': '3', 'dob-year': '2026', sex: 'female' };

  it('a sharing decision and a form survive a restart: the answers are there and they are recorded', async () => {
    const w = await world();
    const before = await serve(w.s);
    const b = await signIn(before, w.teacher);
    const draft = await startSharing(before, b, w.jack.id);
    await b.get(before, '/people/new');
    const form = await b.post(before, '/people/new', personForm);
    const personDraft = /^\/people\/new\/([0-9a-f-]{36})$/.exec(form.location!)![1]!;
    await before.close();

    const after = await serve(w.s);
    expect(await b.get(after, `/share/${draft}/purpose`)).toContain('So the health visitor knows Jack comes to school cold');
    const decision = await finishSharing(after, b, draft);
    expect(await b.get(after, decision)).toContain('The decision has been recorded.');
    // The draft's address now leads to what it recorded, however it is reached again.
    expect(await b.get(after, `/share/${draft}/check`, 303)).toBe(decision);

    const check = await b.get(after, `/people/new/${personDraft}`);
    expect(check).toContain('Ruby');
    const added = await b.post(after, `/people/new/${personDraft}`, {});
    expect(added.location).toMatch(/^\/people\/[0-9a-f-]{36}\?done=person-added$/);
    expect(await b.get(after, added.location!)).toContain('Ruby');
  });

  it('two processes: a session and a form of one are honoured by the other; a draft begun on one is recorded once when submitted on both', async () => {
    const w = await world();
    const [a, b] = [await serve(w.s), await serve(w.s)];
    const amira = await signIn(a, w.teacher);
    // Process B opens a form page with the session process A made.
    expect(await amira.get(b, '/people/new')).toContain('Add a person');
    // A form rendered by A, posted to B: the CSRF token holds across processes.
    await amira.get(a, '/people/new');
    const started = await amira.post(b, '/people/new', personForm);
    expect(started.status).toBe(303);
    const check = started.location!;

    // Begun on B (above), read back on A, then confirmed on both at once (a double click across workers).
    expect(await amira.get(a, check)).toContain('Ruby');
    const both = await Promise.all([amira.post(a, check, {}), amira.post(b, check, {})]);
    expect(both.map((r) => r.status)).toEqual([303, 303]);
    expect(both[1].location).toBe(both[0].location);
    const { rows } = await t.db().query<{ n: number }>("SELECT count(*)::int AS n FROM person_name WHERE given_names = 'Ruby'");
    expect(rows[0]!.n).toBe(1);

    // A sharing decision begun on A is finished and recorded on B.
    const draft = await startSharing(a, amira, w.jack.id);
    const decision = await finishSharing(b, amira, draft);
    expect(await amira.get(a, decision)).toContain('The decision has been recorded.');
  });

  it('nobody else finds a practitioner\'s draft, and a draft is gone once it has expired', async () => {
    const w = await world();
    const app = await serve(w.s);
    const amira = await signIn(app, w.teacher);
    const draft = await startSharing(app, amira, w.jack.id);
    const tom = await signIn(app, w.colleague);
    const notFound = await tom.get(app, `/share/${draft}/purpose`, 404);
    expect(notFound).toContain('Page not found');
    expect(notFound).not.toContain('comes to school cold');
    expect((await tom.post(app, `/share/${draft}/purpose`, { purpose: 'Taken over' })).status).toBe(404);

    w.clock.advanceMinutes(12 * 60 + 1);
    const later = await signIn(app, w.teacher);
    await later.get(app, `/share/${draft}/purpose`, 404);
    // The answers themselves are deleted once anyone starts another draft.
    await startSharing(app, later, w.jack.id);
    expect((await t.db().query('SELECT 1 FROM web_draft WHERE id = $1', [draft])).rowCount).toBe(0);
  });

  it('with JIGSAW_SECRETS_KEY set, the answers are sealed in the database and read back on the page', async () => {
    useSecretsKeyFrom({ JIGSAW_SECRETS_KEY: 'k'.repeat(40) });
    const w = await world();
    const app = await serve(w.s);
    const amira = await signIn(app, w.teacher);
    const draft = await startSharing(app, amira, w.jack.id);
    const { rows } = await t.db().query<{ answers: unknown; answers_sealed: string }>('SELECT answers, answers_sealed FROM web_draft WHERE id = $1', [draft]);
    expect(rows[0]!.answers).toBeNull();
    expect(rows[0]!.answers_sealed).toMatch(/^v1:/);
    expect(rows[0]!.answers_sealed).not.toMatch(/cold|Jack/);
    expect(await amira.get(app, `/share/${draft}/purpose`)).toContain('So the health visitor knows Jack comes to school cold');
  });

  it('processes starting together agree on one CSRF key, made once', async () => {
    const db = t.db();
    const keys = await Promise.all(Array.from({ length: 5 }, () => deploymentKey(db, 'csrf')));
    expect(new Set(keys.map((k) => k.toString('hex'))).size).toBe(1);
    expect(keys[0]!.length).toBe(32);
    expect((await db.query('SELECT 1 FROM server_key')).rowCount).toBe(1);
  });
});
