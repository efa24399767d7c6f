import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { barePage, type Viewer } from '../bench/partnership/bare.ts';
import { loadPartnership } from '../bench/partnership/load.ts';
import type { PartnershipManifest } from '../bench/partnership/manifest.ts';
import { CSRF_FIELD, episodeTemplates, formBody, mixRequests, templatesFor, type RequestTemplate } from '../bench/partnership/mix.ts';
import { generateWorld } from '../bench/partnership/world.ts';
import type { Database } from '../src/db/database.ts';
import { buildApp } from '../src/http/app.ts';
import { systemClock } from '../src/shared/clock.ts';
import { AUTH_SETTINGS } from './api/helpers.ts';
import { resetDb, useTestDb } from './db.ts';

/**
 * The partnership benchmark's data (bench/partnership): a small partnership loads, the same seed
 * gives the same partnership, every reference in it holds, and the pages of the mix answer its
 * users about the people the manifest names — and list what the bare baselines fetch.
 */

const OPTIONS = { people: 300, seed: 7, agencies: 16, users: 8 };

/** Every single-column foreign key of the schema, as rows that point at nothing (the loader turns the checks off). */
async function danglingReferences(db: Database): Promise<string[]> {
  const { rows } = await db.query<{ child: string; col: string; parent: string; pcol: string }>(
    `SELECT c.conrelid::regclass::text AS child, a.attname AS col, c.confrelid::regclass::text AS parent, pa.attname AS pcol
       FROM pg_constraint c
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
       JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1]
      WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND c.connamespace = current_schema()::regnamespace`);
  const bad: string[] = [];
  for (const r of rows) {
    const n = (await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${r.child} x WHERE x.${r.col} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${r.parent} y WHERE y.${r.pcol} = x.${r.col})`)).rows[0]!.n;
    if (n > 0) bad.push(`${r.child}.${r.col} → ${r.parent}: ${n}`);
  }
  return bad;
}

const entriesShown = (html: string): number => Number(/id="entries">(\d+) entr/.exec(html)?.[1] ?? -1);

describe('the partnership benchmark data', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('is the same partnership for the same seed, with every reference holding', async () => {
    const a = generateWorld(OPTIONS);
    const b = generateWorld(OPTIONS);
    expect(b.entries.map((e) => e.id)).toEqual(a.entries.map((e) => e.id));
    expect(generateWorld({ ...OPTIONS, seed: 8 }).entries[0]!.id).not.toBe(a.entries[0]!.id);

    const first = await loadPartnership(t.db(), OPTIONS);
    const ids = async (sql: string): Promise<string[]> => (await t.db().query<{ id: string }>(sql)).rows.map((r) => r.id);
    const people = await ids('SELECT id FROM person ORDER BY id');
    const records = await ids('SELECT id FROM agency_record ORDER BY id');
    expect(people).toEqual(a.entries.map((e) => e.id).sort());
    expect(records.length).toBe(first.counts.records);
    expect(await danglingReferences(t.db())).toEqual([]);

    await resetDb(t.db());
    const second = await loadPartnership(t.db(), OPTIONS);
    expect(second.counts).toEqual(first.counts);
    expect(await ids('SELECT id FROM agency_record ORDER BY id')).toEqual(records);
    expect(await ids('SELECT id FROM episode_action a JOIN episode e ON e.id = a.episode_id ORDER BY e.id')).toHaveLength(first.counts.episodeActions!);
    expect(second.users.map((u) => [u.practitionerId, u.people.map((p) => p.id)])).toEqual(first.users.map((u) => [u.practitionerId, u.people.map((p) => p.id)]));
  });

  it("answers each page of the mix for the manifest's users, naming the person, and lists what the bare baseline fetches", async () => {
    const db = t.db();
    const m: PartnershipManifest = await loadPartnership(db, OPTIONS);
    expect(m.users.length).toBe(OPTIONS.users);
    app = await buildApp({ services: { db, clock: systemClock }, auth: AUTH_SETTINGS, logLevel: 'silent' });
    const html = { accept: 'text/html' };

    const send = async (r: RequestTemplate): Promise<{ status: number; body: string }> => {
      const cookies: Record<string, string> = { jigsaw_session: m.users[r.userIndex]!.sessionToken };
      let payload: string | undefined;
      if (r.method === 'POST') {
        // As the driver does: GET the form page for the CSRF secret (a cookie) and token (a hidden field).
        const form = await app!.inject({ url: r.csrfPage!, headers: html, cookies });
        expect(form.statusCode, r.csrfPage).toBe(200);
        for (const c of form.cookies) cookies[c.name] = c.value;
        const token = new RegExp(`name="${CSRF_FIELD}" value="([^"]+)"`).exec(form.body)?.[1];
        expect(token).toBeTruthy();
        payload = formBody(r.formFields!, token!);
      }
      const res = await app!.inject({
        method: r.method, url: r.path, cookies, payload,
        headers: r.method === 'POST' ? { ...html, 'content-type': 'application/x-www-form-urlencoded' } : html,
      });
      return { status: res.statusCode, body: res.body };
    };

    const checked = { person: 0, chronology: 0, search: 0, record: 0 };
    for (let i = 0; i < m.users.length; i++) {
      const u = m.users[i]!;
      const viewer: Viewer = { practitionerId: u.practitionerId, agencyId: u.agencyId, isLead: u.roles.includes('safeguarding_lead') };
      const mine = templatesFor(m, i);
      const [person, chronology, search, record] = [mine.person[0], mine.chronology[0], mine.search[0], mine.record[0]];
      if (person) {
        const res = await send(person);
        expect(res.status, `${u.agencyType} person page`).toBe(200);
        expect(res.body).toContain(person.expectName);
        expect((await barePage(db, 'person', { label: 'person', viewer, personId: person.path.split('/')[2]! })).entry).toBe(1);
        checked.person++;
      }
      if (chronology) {
        const res = await send(chronology);
        expect(res.status, `${u.agencyType} chronology`).toBe(200);
        expect(res.body).toContain(chronology.expectName);
        const bare = await barePage(db, 'chronology', { label: 'chronology', viewer, personId: chronology.path.split('/')[2]! });
        expect(entriesShown(res.body), 'the chronology lists the rows the bare baseline fetches').toBe(bare.entries);
        expect(res.body).toContain('Shared by ');
        checked.chronology++;
      }
      if (search) {
        const res = await send(search);
        expect(res.status, `${u.agencyType} search`).toBe(200);
        expect(res.body).toContain(`/people/${u.searches[0]!.expectedId}`);
        expect((await barePage(db, 'search', { label: 'search', viewer, name: search.expectName! })).results).toBeGreaterThan(0);
        checked.search++;
      }
      if (record) {
        const res = await send(record);
        expect(res.status, `${u.agencyType} record: ${res.body.slice(0, 2000)}`).toBe(303);
        checked.record++;
      }
    }
    expect(checked.person).toBe(m.users.length);
    expect(checked.chronology).toBeGreaterThan(0);
    expect(checked.search).toBeGreaterThan(0);
    expect(checked.record).toBeGreaterThan(0);

    const episodes = episodeTemplates(m);
    expect(episodes.length).toBeGreaterThan(0);
    for (const e of episodes.slice(0, 3)) {
      const res = await send(e);
      expect(res.status, 'episode page').toBe(200);
      expect(res.body).toContain(e.expectName);
      const bare = await barePage(db, 'episode', { label: 'episode', viewer: { practitionerId: '', agencyId: '', isLead: false }, episodeId: e.path.split('/')[2]! });
      expect(bare.meetings).toBeGreaterThan(0);
      expect(res.body.match(/href="\/meetings\/[0-9a-f-]+"/g) ?? [], 'the episode page lists the meetings the bare baseline fetches').toHaveLength(bare.meetings!);
    }

    // The mix's sequence holds all four kinds in about their weights.
    const seq = mixRequests(m, 1);
    const seen: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const r = seq.next().value as RequestTemplate;
      seen[r.label] = (seen[r.label] ?? 0) + 1;
    }
    expect(seen.person).toBeGreaterThan(100);
    expect(seen.chronology).toBeGreaterThan(50);
    expect(seen.search).toBeGreaterThan(20);
    expect(seen.record).toBeGreaterThan(30);
  });
});
