import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, testApp } from '../../test/api/helpers.ts';
import { useTestDb } from '../../test/db.ts';
import { agency, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { referencePath } from '../../test/reference.ts';
import { endLookedAfter, recordLookedAfter, updateFlagSettings } from '../flags/flags.ts';
import { childOnPlan } from '../flags/testing.ts';
import { fixedClock } from '../shared/clock.ts';
import { compareStructure, fhirSchemaErrors } from './conformance.ts';
import { createFhirToken, revokeFhirToken } from './tokens.ts';
import { loadDemo } from '../demo/demo.ts';

const NHS = '9990000018';
const search = (type: string, nhs = NHS): string => `/fhir/r4/${type}?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|${nhs}`;

/** NHS England's CP-IS examples, copied into test/reference/ (Apache-2.0). */
function example(name: string): unknown {
  return JSON.parse(readFileSync(referencePath(`nhs-cpis-fhir/${name}`), 'utf8')) as unknown;
}
const careTeamExample = example('cpis-careteam-bundle-01.json');
const emptyExample = example('cpis-empty-bundle-01.json');
const outcomeExample = example('cpis-opoutcome-01.json');

describe('the FHIR R4 interface (CP-IS shape)', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** A demo-like child: looked after last year (ended), now the subject of a child protection plan. */
  async function setUp() {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const worker = await practitioner(s, csc, ['social_worker'], 'Tom Haskins');
    const manager = await practitioner(s, csc, ['manager']);
    const child = await person(worker, { names: [{ givenNames: 'Natasha', familyName: 'Reid' }], dateOfBirth: '2011-12-02', nhsNumber: NHS });
    await updateFlagSettings(manager, { officeHoursPhone: '01632 960400', outOfHoursPhone: '07700 900400' });
    const ed = await createFhirToken(s, { settingName: 'Northshire General ED', settingType: 'emergency_department' });
    app = await testApp(s);
    const get = async (url: string, headers: Record<string, string> = { authorization: `Bearer ${ed.token}` }) => {
      const res = await app!.inject({ method: 'GET', url, headers });
      return { status: res.statusCode, type: String(res.headers['content-type']), body: res.json<Record<string, unknown>>(), headers: res.headers };
    };
    return { clock, s, csc, worker, manager, child, ed, get };
  }

  async function flaggedTwice(w: Awaited<ReturnType<typeof setUp>>): Promise<void> {
    const la = await recordLookedAfter(w.worker, { childPersonId: w.child.id, startedAt: '2025-06-01T10:00:00Z', legalStatus: 'section_20' });
    await endLookedAfter(w.worker, la.id, { endedAt: '2025-12-01T10:00:00Z', reason: 'Returned home' });
    await childOnPlan(w.worker, w.clock, w.child.id, { cscId: w.csc });
  }

  it('a token revoked elsewhere (another server process, or straight in the database) is refused on its very next request', async () => {
    const w = await setUp();
    expect((await w.get(search('Flag'))).status).toBe(200);
    await w.s.db.query('UPDATE fhir_system_token SET revoked_at = $2 WHERE id = $1', [w.ed.id, '2026-03-02T09:00:00Z']);
    const after = await w.get(search('Flag'));
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [expect.objectContaining({ code: 'login' })] });
  });

  it('publishes a CapabilityStatement without a token, valid FHIR R4', async () => {
    const w = await setUp();
    const res = await w.get('/fhir/r4/metadata', {});
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/fhir\+json/);
    expect(res.body).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
    expect(fhirSchemaErrors(res.body)).toEqual([]);
  });

  it('every resource emitted (CareTeam, Flag, AuditEvent bundles, empty bundles, OperationOutcomes) validates against the FHIR R4 JSON schema', async () => {
    const w = await setUp();
    await flaggedTwice(w);
    const answers = [
      await w.get(search('CareTeam')), await w.get(search('Flag')), await w.get(search('AuditEvent')),
      await w.get(search('CareTeam', '9434765919')), await w.get(search('CareTeam', '9912003890')), await w.get('/fhir/r4/CareTeam', {}),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 400, 401]);
    for (const a of answers) expect(fhirSchemaErrors(a.body), JSON.stringify(a.body)).toEqual([]);
    const entries = (b: Record<string, unknown>) => (b.entry as { resource: Record<string, unknown> }[]).map((e) => e.resource);
    expect(entries(answers[1]!.body)).toEqual([
      expect.objectContaining({ resourceType: 'Flag', status: 'inactive', period: { start: '2025-06-01T10:00:00.000Z', end: '2025-12-01T10:00:00.000Z' }, author: { display: "Northshire Children's Social Care" } }),
      expect.objectContaining({ resourceType: 'Flag', status: 'active' }),
    ]);
    expect(entries(answers[0]!.body).map((r) => (r.category as { coding: { code: string }[] }[])[0]!.coding[0]!.code)).toEqual(['764841000000100', '342191000000101']);
  });

  it("a CareTeam bundle for a demo-like child has the structure of NHS England's cpis-careteam-bundle-01.json, field by field", async () => {
    const w = await setUp();
    await flaggedTwice(w);
    const bundle = (await w.get(search('CareTeam'))).body;
    // status is NHS England's own England-CareTeam-Flag field (CPIS-CareTeam-Example.xml); the bundle example leaves it out.
    expect(compareStructure(bundle, careTeamExample)).toEqual({ missing: [], extra: ['entry[].resource.status'] });
  });

  it("the schema check has teeth: NHS England's own AuditEvent example (requestor \"false\") is refused", () => {
    const nhsAuditBundle = example('cpis-auditevent-bundle-01.json');
    expect(fhirSchemaErrors(nhsAuditBundle).length).toBeGreaterThan(0);
  });

  it('in the demo, Natasha (case example 7) has an active child protection flag with the authority\'s numbers', async () => {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = services(t.db(), clock);
    await loadDemo(s, { passwordHash: 'not-used' });
    const nhs = (await t.db().query<{ nhs_number: string }>("SELECT p.nhs_number FROM person p JOIN person_name n ON n.person_id = p.id JOIN flag f ON f.person_id = p.id WHERE n.given_names = 'Natasha'")).rows;
    expect(nhs).toEqual([{ nhs_number: '9997000013' }]);
    const ed = await createFhirToken(s, { settingName: 'Northshire General ED', settingType: 'emergency_department' });
    app = await testApp(s);
    const res = await app.inject({ method: 'GET', url: search('CareTeam', '9997000013'), headers: { authorization: `Bearer ${ed.token}` } });
    const bundle = res.json<{ entry: { resource: Record<string, unknown> }[] }>();
    expect(fhirSchemaErrors(bundle)).toEqual([]);
    expect(bundle.entry.map((e) => e.resource)).toEqual([expect.objectContaining({
      status: 'active', name: "Northshire Children's Social Care", subject: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9997000013' }, display: 'Natasha Reid' },
      telecom: [{ system: 'phone', value: '01632 960400', use: 'work' }, { system: 'phone', value: '07700 900400', use: 'mobile' }],
    })]);
  });

  it('an unknown NHS number is an empty searchset like cpis-empty-bundle-01.json; an error is an OperationOutcome like cpis-opoutcome-01.json', async () => {
    const w = await setUp();
    const empty = await w.get(search('CareTeam', '9434765919'));
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 0 });
    expect(compareStructure(empty.body, emptyExample)).toEqual({ missing: [], extra: [] });
    const denied = await w.get(search('CareTeam'), {});
    expect(compareStructure(denied.body, outcomeExample)).toEqual({ missing: [], extra: ['issue[].diagnostics'] });
  });

  it('bad input gets a clear OperationOutcome and never a 5xx: malformed identifiers, unknown parameters, missing or wrong tokens', async () => {
    const w = await setUp();
    const apiToken = await bearer(w.worker);
    const expired = await createFhirToken(w.s, { settingName: 'Old walk-in centre', settingType: 'walk_in_centre', days: 1 });
    const revoked = await createFhirToken(w.s, { settingName: 'Closed urgent care', settingType: 'urgent_care' });
    await revokeFhirToken(w.s, revoked.id);
    w.clock.advanceMinutes(2 * 24 * 60);
    const auth = { authorization: `Bearer ${w.ed.token}` };
    const cases: [string, string, Record<string, string>, number, string, RegExp][] = [
      ['no token', search('CareTeam'), {}, 401, 'login', /Bearer/],
      ['a made-up token', search('CareTeam'), { authorization: 'Bearer jsf_not-a-token' }, 401, 'login', /not valid/],
      ['a practitioner API token', search('CareTeam'), apiToken, 401, 'login', /not valid/],
      ['an expired token', search('CareTeam'), { authorization: `Bearer ${expired.token}` }, 401, 'login', /not valid/],
      ['a revoked token', search('Flag'), { authorization: `Bearer ${revoked.token}` }, 401, 'login', /not valid/],
      ['no search parameter', '/fhir/r4/CareTeam', auth, 400, 'required', /patient:identifier/],
      ['an unknown search parameter', `${search('CareTeam')}&_count=5`, auth, 400, 'not-supported', /Unknown search parameter\(s\): _count/],
      ['only an unknown parameter', '/fhir/r4/Flag?patient=9990000018', auth, 400, 'not-supported', /Unknown search parameter\(s\): patient\b/],
      ['the parameter twice', `${search('CareTeam')}&patient:identifier=x`, auth, 400, 'invalid', /once/],
      ['no system', '/fhir/r4/CareTeam?patient:identifier=9990000018', auth, 400, 'value', /https:\/\/fhir\.nhs\.uk\/Id\/nhs-number\|/],
      ['another system', '/fhir/r4/CareTeam?patient:identifier=http://example.org/mrn|9990000018', auth, 400, 'value', /system must be/],
      ['an empty NHS number', '/fhir/r4/AuditEvent?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|', auth, 400, 'required', /missing/],
      ['nine digits', search('CareTeam', '999000001'), auth, 400, 'value', /10 digits/],
      ['letters', search('CareTeam', '99900000AB'), auth, 400, 'value', /10 digits/],
      ["the NHS examples' own 9912003890 (fails Modulus 11)", search('CareTeam', '9912003890'), auth, 400, 'value', /check digit/],
      ['a bad IsUnscheduledAccessEvent header', search('CareTeam'), { ...auth, isunscheduledaccessevent: 'maybe' }, 400, 'invalid', /true or false/],
      ['an address that does not exist', '/fhir/r4/Patient?identifier=x', auth, 404, 'not-found', /CareTeam/],
      ['an unknown address without a token', '/fhir/r4/Patient', {}, 401, 'login', /Bearer/],
    ];
    for (const [what, url, headers, status, code, diagnostics] of cases) {
      const res = await w.get(url, headers);
      expect(res.status, what).toBe(status);
      expect(res.type, what).toMatch(/^application\/fhir\+json/);
      expect(res.body, what).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code }] });
      const issue = (res.body.issue as { diagnostics: string; details: { coding: { code: string }[] } }[])[0]!;
      expect(issue.diagnostics, what).toMatch(diagnostics);
      // Errors never repeat the number asked about.
      expect(issue.diagnostics, what).not.toMatch(/999000001|9912003890/);
      expect(fhirSchemaErrors(res.body), what).toEqual([]);
      if (status === 401) expect(res.headers['www-authenticate'], what).toMatch(/^Bearer/);
    }
    const post = await app!.inject({ method: 'POST', url: '/fhir/r4/CareTeam', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"x":' });
    expect(post.statusCode).toBeLessThan(500);
    expect(post.json()).toMatchObject({ resourceType: 'OperationOutcome' });
  });

  it("a health setting's token cannot reach /api/v1, and the practitioners' API never sees FHIR tokens", async () => {
    const w = await setUp();
    for (const url of ['/api/v1/me', `/api/v1/people/${w.child.id}`, `/api/v1/flags/people/${w.child.id}`]) {
      const res = await app!.inject({ method: 'GET', url, headers: { authorization: `Bearer ${w.ed.token}` } });
      expect(res.statusCode, url).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('IsUnscheduledAccessEvent decides whether the authority is told; both accesses are in the access history', async () => {
    const w = await setUp();
    await childOnPlan(w.worker, w.clock, w.child.id, { cscId: w.csc });
    await w.get(search('CareTeam'), { authorization: `Bearer ${w.ed.token}`, IsUnscheduledAccessEvent: 'false' });
    expect((await t.db().query('SELECT 1 FROM seen_notification')).rowCount).toBe(0);
    w.clock.advanceMinutes(5);
    await w.get(search('Flag'), { authorization: `Bearer ${w.ed.token}`, IsUnscheduledAccessEvent: 'TRUE' });
    expect((await t.db().query('SELECT 1 FROM seen_notification')).rowCount).toBe(1);
    const history = await w.get(search('AuditEvent'));
    const codes = (history.body.entry as { resource: { subtype: { code: string }[]; agent: { who: { display?: string } }[] } }[]).map((e) => [e.resource.subtype[0]!.code, e.resource.agent[1]!.who.display]);
    expect(codes).toEqual([['unscheduled', 'Northshire General ED (emergency department)'], ['scheduled', 'Northshire General ED (emergency department)']]);
    // Every lookup is in the audit trail, with no NHS number in it.
    const audit = await t.db().query<{ action: string; detail: unknown }>("SELECT action, detail FROM audit_event WHERE action LIKE 'flags.%' ORDER BY seq");
    expect(audit.rows.map((r) => r.action)).toEqual(['flags.lookup', 'flags.lookup', 'flags.access-history.read']);
    expect(JSON.stringify(audit.rows)).not.toContain(NHS);
  });
});
