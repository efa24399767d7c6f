import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { CSV_HEADER } from '../../src/chronology/render.ts';
import { Chronology } from '../../src/chronology/schemas.ts';
import { addRelationship } from '../../src/people/people.ts';
import { addRecord } from '../../src/records/records.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { NewShareDecision } from '../../src/sharing/schemas.ts';
import { makeDecision } from '../../src/sharing/sharing.ts';
import { useTestDb } from '../db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../fixtures.ts';
import { bearer, testApp } from './helpers.ts';

/** A small RFC 4180 reader, to check the export's quoting from the outside. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; }
    else field += ch;
  }
  if (field || row.length) throw new Error('CSV does not end with CRLF');
  return rows;
}

const SECRET = 'Fell asleep in class — kept by the school';

describe('the chronology over HTTP: JSON, CSV and a printable page, all decided by the same policy', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** Jack at school and at the health visitor's, linked; the school shares two of three records with her. */
  async function setUp() {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', 'Riverside Primary');
    const hvService = await agency(s, p, 'health_visiting', 'Health <visiting> & Co');
    const police = await agency(s, p, 'police', 'Northshire Police');
    const teacher = await practitioner(s, school, ['practitioner'], 'Ms Teacher');
    const lead = await practitioner(s, school, ['practitioner', 'safeguarding_lead'], 'Child protection lead');
    const hv = await practitioner(s, hvService, ['practitioner', 'safeguarding_lead'], 'Health visitor');
    const officer = await practitioner(s, police, ['practitioner'], 'Officer');
    const jackAtSchool = await person(teacher, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2022-04-22' });
    const jackAtHv = await person(hv, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2022-04-12' });
    const mother = await person(teacher, { kind: 'adult', names: [{ givenNames: 'Dawn', familyName: 'Carver' }] });
    await addRelationship(teacher, jackAtSchool.id, { relatedPersonId: mother.id, type: 'parent' });
    const tricky = await addRecord(teacher, jackAtSchool.id, concern({
      summary: '=Hungry, "starving", again', details: 'Line one, with a comma\nLine two with "quotes"\r\nand <script>alert(1)</script>', occurredAt: '2026-02-20T10:00:00Z',
    }));
    const opinion = await addRecord(teacher, jackAtSchool.id, concern({ summary: 'Zoë thinks he is withdrawn', factOrOpinion: 'opinion', reportedOrWitnessed: 'reported', occurredAt: '2026-02-25T11:00:00Z', categories: ['mental_health'] }));
    const secret = await addRecord(teacher, jackAtSchool.id, concern({ summary: SECRET, details: 'Secret details', occurredAt: '2026-02-27T13:00:00Z' }));
    const weight = await addRecord(hv, jackAtHv.id, concern({ kind: 'observation', summary: 'Weight below the 2nd centile', occurredAt: '2026-02-10T09:30:00Z', categories: ['development'] }));
    const motherRecord = await addRecord(teacher, mother.id, concern({ summary: 'Mother says she cannot cope', occurredAt: '2026-02-24T08:45:00Z' }));
    await makeDecision(lead, NewShareDecision.parse({
      personId: jackAtSchool.id, outcome: 'share', reasons: 'Section 47 enquiry',
      answers: { purposeCode: 'child_protection_enquiry', purpose: 'Enquiry', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 1989 s47' },
      share: { recipients: [{ agencyId: hvService }], items: [{ recordId: tricky.id, parts: ['summary', 'details'] }, { recordId: opinion.id, parts: ['summary'] }] },
      subjectInformed: { informed: false, reason: 'It would prejudice the enquiry' },
    }));
    app = await testApp(s);
    return { app, s, clock, school, hvService, teacher, lead, hv, officer, jackAtSchool, jackAtHv, mother, tricky, opinion, secret, weight, motherRecord };
  }

  const call = async (a: FastifyInstance, ctx: ActorContext, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    a.inject({ method, url: `/api/v1${url}`, headers: { ...(await bearer(ctx)), ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });

  it('the health visitor links her entry to the school\'s, then gets one chronology as JSON, CSV and a printable page with exactly the same entries', async () => {
    const w = await setUp();
    const link = await call(w.app, w.hv, 'POST', `/people/${w.jackAtHv.id}/links`, { otherPersonId: w.jackAtSchool.id, reason: 'Same child: confirmed with the school' });
    expect(link.statusCode).toBe(201);
    expect(link.json()).toMatchObject({ personId: w.jackAtHv.id, otherPersonId: w.jackAtSchool.id, unlinkedAt: null });

    const json = await call(w.app, w.hv, 'GET', `/people/${w.jackAtHv.id}/chronology`);
    expect(json.statusCode).toBe(200);
    const chron = Chronology.parse(json.json());
    const ids = chron.entries.map((e) => e.id);
    expect(ids).toEqual([w.weight.id, w.tricky.id, w.opinion.id]);
    expect(chron.entries.map((e) => [e.agencyName, e.authorName, e.factOrOpinion])).toEqual([
      ['Health <visiting> & Co', 'Health visitor', 'fact'], ['Riverside Primary', 'Ms Teacher', 'fact'], ['Riverside Primary', 'Ms Teacher', 'opinion'],
    ]);
    expect(chron.contradictions.map((c) => c.kind)).toEqual(['date_of_birth']);

    // CSV: a byte order mark for Excel, a header, then one row per entry — the same entries, in the same order.
    const csv = await call(w.app, w.hv, 'GET', `/people/${w.jackAtHv.id}/chronology.csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="chronology-2026-03-02.csv"');
    expect(csv.body.startsWith('\uFEFF')).toBe(true);
    const rows = parseCsv(csv.body.slice(1));
    expect(rows[0]).toEqual([...CSV_HEADER]);
    const col = (name: string): number => CSV_HEADER.indexOf(name);
    expect(rows.slice(1).map((r) => r[col('Record ID')])).toEqual(ids);
    const trickyRow = rows[2]!;
    // Commas, quotes and line breaks survive; a leading "=" cannot run as a spreadsheet formula.
    expect(trickyRow[col('Summary')]).toBe(`'=Hungry, "starving", again`);
    expect(trickyRow[col('Details')]).toBe('Line one, with a comma\nLine two with "quotes"\r\nand <script>alert(1)</script>');
    expect(trickyRow[col('Fact or opinion')]).toBe('fact');
    expect(trickyRow[col('Shared by')]).toMatch(/^Riverside Primary \(Child protection lead, 2026-03-02; statutory duty; onward sharing not permitted\)$/);
    expect(rows[3]![col('Summary')]).toBe('Zoë thinks he is withdrawn');
    expect(rows[3]![col('Details')]).toBe('');

    // The printable page: no scripts, no names in the title, the notice, the viewer's agency, every value escaped.
    const page = await call(w.app, w.hv, 'GET', `/people/${w.jackAtHv.id}/chronology/print`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = page.body;
    expect(html).toContain('<title>Multi-agency chronology</title>');
    expect(html).toContain('Contains personal data — handle securely');
    expect(html).toContain('Generated 2 March 2026 at 09:00 (UK time) for Health &lt;visiting&gt; &amp; Co');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('and &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('=Hungry, &quot;starving&quot;, again');
    expect([...html.matchAll(/<tr id="r-([0-9a-f-]+)">/g)].map((m) => m[1])).toEqual(ids);
    const css = await w.app.inject({ method: 'GET', url: '/api/v1/chronology/print.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toContain('@media print');
    expect(html).toContain('<link rel="stylesheet" href="/api/v1/chronology/print.css">');

    // What the school did not share appears in none of the three.
    for (const body of [json.body, csv.body, html]) {
      expect(body).not.toContain(SECRET);
      expect(body).not.toContain('Secret details');
      expect(body).not.toContain(w.secret.id);
      expect(body).not.toContain('Mother says she cannot cope');
    }
  });

  it('the school sees only its own records until the health visitor shares back; the police get "not found" in every format', async () => {
    const w = await setUp();
    await call(w.app, w.hv, 'POST', `/people/${w.jackAtHv.id}/links`, { otherPersonId: w.jackAtSchool.id, reason: 'Same child' });
    const school = Chronology.parse((await call(w.app, w.teacher, 'GET', `/people/${w.jackAtSchool.id}/chronology`)).json());
    expect(school.entries.map((e) => e.id)).toEqual([w.tricky.id, w.opinion.id, w.secret.id]);
    for (const url of [`/people/${w.jackAtSchool.id}/chronology`, `/people/${w.jackAtSchool.id}/chronology.csv`, `/people/${w.jackAtSchool.id}/chronology/print`,
      `/people/${w.jackAtHv.id}/chronology`, `/people/${w.jackAtSchool.id}/agencies-involved`]) {
      const res = await call(w.app, w.officer, 'GET', url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).not.toContain('Jack');
    }
  });

  it('household=true adds the household\'s records in every format; filters apply to every format alike', async () => {
    const w = await setUp();
    const get = async (query: string) => {
      const json = Chronology.parse((await call(w.app, w.teacher, 'GET', `/people/${w.jackAtSchool.id}/chronology?${query}`)).json());
      const csv = parseCsv((await call(w.app, w.teacher, 'GET', `/people/${w.jackAtSchool.id}/chronology.csv?${query}`)).body.slice(1));
      const html = (await call(w.app, w.teacher, 'GET', `/people/${w.jackAtSchool.id}/chronology/print?${query}`)).body;
      const ids = json.entries.map((e) => e.id);
      expect(csv.slice(1).map((r) => r[CSV_HEADER.indexOf('Record ID')])).toEqual(ids);
      expect([...html.matchAll(/<tr id="r-([0-9a-f-]+)">/g)].map((m) => m[1])).toEqual(ids);
      return json;
    };
    expect((await get('household=false')).entries.map((e) => e.id)).toEqual([w.tricky.id, w.opinion.id, w.secret.id]);
    const household = await get('household=true');
    expect(household.entries.map((e) => e.id)).toEqual([w.tricky.id, w.motherRecord.id, w.opinion.id, w.secret.id]);
    expect(household.entries[1]!.about).toMatchObject({ name: 'Dawn Carver', relation: 'parent' });
    expect((await get('household=true&category=mental_health')).entries.map((e) => e.id)).toEqual([w.opinion.id]);
    expect((await get(`household=true&from=2026-02-24&to=2026-02-25`)).entries.map((e) => e.id)).toEqual([w.motherRecord.id, w.opinion.id]);
    expect((await get(`agencyId=${w.hvService}`)).entries).toEqual([]);

    const bad = await call(w.app, w.teacher, 'GET', `/people/${w.jackAtSchool.id}/chronology?household=yes&from=2026-03-01&to=2026-02-01&colour=blue`);
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/query', '/query/household']);
  });

  it('a marked contradiction shows in JSON, CSV and print; unlinking over HTTP removes the school from agencies involved', async () => {
    const w = await setUp();
    const link = (await call(w.app, w.hv, 'POST', `/people/${w.jackAtHv.id}/links`, { otherPersonId: w.jackAtSchool.id, reason: 'Same child' })).json();
    const again = await call(w.app, w.hv, 'POST', `/people/${w.jackAtSchool.id}/links`, { otherPersonId: w.jackAtHv.id, reason: 'Same child' });
    expect(again.statusCode).toBe(409);

    const mark = await call(w.app, w.hv, 'POST', `/records/${w.weight.id}/contradictions`, { contradictsRecordId: w.tricky.id, note: 'Mother says he eats well, the school says he is hungry' });
    expect(mark.statusCode).toBe(201);
    const hidden = await call(w.app, w.hv, 'POST', `/records/${w.weight.id}/contradictions`, { contradictsRecordId: w.secret.id, note: 'Cannot see it' });
    expect(hidden.statusCode).toBe(404);

    const chron = Chronology.parse((await call(w.app, w.hv, 'GET', `/people/${w.jackAtHv.id}/chronology`)).json());
    expect(chron.contradictions.map((c) => c.kind)).toEqual(['date_of_birth', 'marked']);
    const csv = parseCsv((await call(w.app, w.hv, 'GET', `/people/${w.jackAtHv.id}/chronology.csv`)).body.slice(1));
    const marks = csv.slice(1).map((r) => r[CSV_HEADER.indexOf('Contradiction marks')]);
    expect(marks).toEqual([
      'Marked by Health <visiting> & Co (Health visitor) on 2026-03-02: Mother says he eats well, the school says he is hungry',
      'Marked by Health <visiting> & Co (Health visitor) on 2026-03-02: Mother says he eats well, the school says he is hungry',
      '',
    ]);
    const html = (await call(w.app, w.hv, 'GET', `/people/${w.jackAtHv.id}/chronology/print`)).body;
    expect(html).toContain('Contradictions for the chair (2)');
    expect(html).toContain('The entries give different dates of birth.<ul><li>2022-04-12 — Health &lt;visiting&gt; &amp; Co</li><li>2022-04-22 — Riverside Primary</li></ul>');

    const before = (await call(w.app, w.hv, 'GET', `/people/${w.jackAtHv.id}/agencies-involved`)).json();
    expect(before.agencies.map((a: { name: string }) => a.name)).toEqual(['Health <visiting> & Co', 'Riverside Primary']);
    const undo = await call(w.app, w.teacher, 'POST', `/person-links/${link.id}/unlink`, { reason: 'Different dates of birth: not the same child' });
    expect(undo.statusCode).toBe(200);
    expect(undo.json()).toMatchObject({ unlinkReason: 'Different dates of birth: not the same child', unlinkedBy: w.teacher.actor.practitionerId });
    const after = (await call(w.app, w.hv, 'GET', `/people/${w.jackAtHv.id}/agencies-involved`)).json();
    expect(after).toEqual({ personId: w.jackAtHv.id, agencies: [expect.objectContaining({ name: 'Health <visiting> & Co', yourAgency: true })], links: [] });
    expect((await call(w.app, w.teacher, 'POST', `/person-links/${link.id}/unlink`, { reason: 'again' })).statusCode).toBe(409);
  });

  it('the OpenAPI document describes the chronology endpoints and their media types', async () => {
    const w = await setUp();
    const doc = (await w.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(doc.paths['/api/v1/people/{id}/chronology.csv'].get.responses['200'].content)).toEqual(['text/csv']);
    expect(Object.keys(doc.paths['/api/v1/people/{id}/chronology/print'].get.responses['200'].content)).toEqual(['text/html']);
    expect(doc.paths['/api/v1/people/{id}/chronology'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['id', 'category', 'agencyId', 'from', 'to', 'household', 'Jigsaw-Purpose']);
    expect(doc.paths['/api/v1/person-links/{id}/unlink'].post).toBeDefined();
    expect(doc.paths['/api/v1/records/{id}/contradictions'].post).toBeDefined();
  });
});
