import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { addRecord } from '../../src/records/records.ts';
import { CSV_HEADER, SharingBoardReport } from '../../src/reports/board.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { NewShareDecision } from '../../src/sharing/schemas.ts';
import { makeDecision } from '../../src/sharing/sharing.ts';
import { useTestDb } from '../db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../fixtures.ts';
import { bearer, testApp } from './helpers.ts';

const NO_SUCH_PARTNERSHIP = {
  type: 'https://jigsaw.example/problems/not-found',
  title: 'Not found',
  status: 404,
  detail: 'No partnership with that identifier was found.',
};

describe('the sharing board report over HTTP', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function setUp() {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = services(t.db(), clock);
    const northshire = await partnershipWith(s, 'Northshire Safeguarding Partnership');
    const school = await agency(s, northshire, 'school', 'Ashdown, "the" Primary');
    const police = await agency(s, northshire, 'police', 'Northshire Police');
    const elsewhere = await agency(s, await partnershipWith(s, 'Southshire'), 'school', 'Southshire Academy');
    const teacher = await practitioner(s, school, ['practitioner']);
    const officer = await practitioner(s, police, ['practitioner']);
    const staff = {
      teacher, officer,
      headteacher: await practitioner(s, school, ['manager']),
      policeAuditor: await practitioner(s, police, ['auditor']),
      schoolLead: await practitioner(s, school, ['safeguarding_lead']),
      socialWorker: await practitioner(s, police, ['social_worker']),
      outsideManager: await practitioner(s, elsewhere, ['manager']),
    };
    // One decision each: the police share under a statutory duty; the school decides not to share.
    const kai = await person(officer);
    const record = await addRecord(officer, kai.id, concern({ occurredAt: '2026-03-01T10:00:00Z' }));
    await makeDecision(officer, NewShareDecision.parse({
      personId: kai.id, outcome: 'share', reasons: 'Section 47 enquiry',
      answers: { purposeCode: 'child_protection_enquiry', purpose: 'Enquiry', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 1989 s47' },
      share: { recipients: [{ agencyId: school }], items: [{ recordId: record.id }] }, subjectInformed: { informed: false, reason: 'It would prejudice the enquiry' },
    }));
    const sam = await person(teacher);
    await makeDecision(teacher, NewShareDecision.parse({
      personId: sam.id, outcome: 'do_not_share', reasons: 'Not our function',
      answers: { purposeCode: 'other', purpose: 'A request from a neighbour', withinAgencyFunctions: false, legalObligation: 'none' },
    }));
    app = await testApp(s);
    return { app, northshire, ...staff };
  }

  const get = async (a: FastifyInstance, ctx: ActorContext, url: string) => a.inject({ method: 'GET', url: `/api/v1${url}`, headers: await bearer(ctx) });
  const march = (partnershipId: string): string => `partnershipId=${partnershipId}&from=2026-03-01&to=2026-03-31`;

  it('gives a manager of a member agency the figures as JSON', async () => {
    const w = await setUp();
    const res = await get(w.app, w.headteacher, `/reports/sharing?${march(w.northshire)}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const report = SharingBoardReport.parse(res.json());
    expect(report).toMatchObject({ partnershipId: w.northshire, from: '2026-03-01', to: '2026-03-31' });
    expect(report.total.decisions).toEqual({
      total: 2,
      byOutcome: { share: 1, do_not_share: 1, seek_advice: 0 },
      byLegalBasis: { statutory_duty: 1, court_order: 0, anonymised: 0, not_confidential: 0, consent: 0, public_interest: 0, none: 1 },
    });
    expect(report.agencies.map((a) => [a.agencyName, a.figures.decisions.total])).toEqual([['Ashdown, "the" Primary', 1], ['Northshire Police', 1]]);
  });

  it('gives the same figures as CSV, with a header, a row per agency and the total', async () => {
    const w = await setUp();
    const res = await get(w.app, w.policeAuditor, `/reports/sharing.csv?${march(w.northshire)}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="sharing-report-2026-03-01-to-2026-03-31.csv"');
    expect(res.headers['cache-control']).toBe('no-store');
    const lines = res.body.split('\r\n');
    expect(lines[0]).toBe(CSV_HEADER.join(','));
    expect(lines[0]!.startsWith('Agency,Agency type,Decisions,Decided to share,Decided not to share,Sought advice first,Legal basis: Statutory duty,')).toBe(true);
    expect(lines.slice(1)).toEqual([
      '"Ashdown, ""the"" Primary",school,1,0,1,0,0,0,0,0,0,0,1,0,0,0,0,,,0,0,0,0,0,0,0,0,0,0,0,,0,0',
      'Northshire Police,police,1,1,0,0,1,0,0,0,0,0,0,0,0,0,0,,,0,0,0,0,0,0,0,0,0,0,0,,0,0',
      'All agencies,,2,1,1,0,1,0,0,0,0,0,1,0,0,0,0,,,0,0,0,0,0,0,0,0,0,0,0,,0,0',
      '',
    ]);
    expect(CSV_HEADER).toHaveLength(33);
  });

  it('is open to a safeguarding lead and an auditor of a member agency', async () => {
    const w = await setUp();
    for (const ctx of [w.schoolLead, w.policeAuditor]) expect((await get(w.app, ctx, `/reports/sharing?${march(w.northshire)}`)).statusCode).toBe(200);
  });

  it('answers a practitioner, a social worker and another partnership’s manager exactly as for a partnership that does not exist', async () => {
    const w = await setUp();
    for (const ctx of [w.teacher, w.socialWorker, w.outsideManager]) {
      for (const path of ['/reports/sharing', '/reports/sharing.csv']) {
        const res = await get(w.app, ctx, `${path}?${march(w.northshire)}`);
        expect(res.statusCode).toBe(404);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json()).toEqual(NO_SUCH_PARTNERSHIP);
      }
    }
    const unknown = await get(w.app, w.headteacher, `/reports/sharing?${march('00000000-0000-4000-8000-000000000000')}`);
    expect({ status: unknown.statusCode, body: unknown.json() }).toEqual({ status: 404, body: NO_SUCH_PARTNERSHIP });
  });

  it('refuses missing or impossible dates, a period that ends before it starts and unknown parameters, naming the field', async () => {
    const w = await setUp();
    const problems = async (query: string): Promise<unknown[]> => {
      const res = await get(w.app, w.headteacher, `/reports/sharing?${query}`);
      expect(res.statusCode).toBe(422);
      return res.json<{ errors: unknown[] }>().errors;
    };
    const p = `partnershipId=${w.northshire}`;
    expect(await problems(`${p}&to=2026-03-31`)).toEqual([{ pointer: '/query/from', detail: 'This field is required' }]);
    expect(await problems(`${p}&from=2026-03-01&to=2026-02-30`)).toEqual([{ pointer: '/query/to', detail: 'This date does not exist' }]);
    expect(await problems(`${p}&from=01/03/2026&to=2026-03-31`)).toContainEqual({ pointer: '/query/from', detail: 'Enter a date as YYYY-MM-DD' });
    expect(await problems(`${p}&from=2026-04-01&to=2026-03-31`)).toEqual([{ pointer: '/query/from', detail: 'The period must start on or before its last day (to)' }]);
    expect(await problems(`${march(w.northshire)}&agencyId=x`)).toEqual([{ pointer: '/query', detail: 'Unknown field(s): agencyId' }]);
    expect(await problems('partnershipId=northshire&from=2026-03-01&to=2026-03-31')).toEqual([{ pointer: '/query/partnershipId', detail: 'Not a valid identifier' }]);
    const csv = await get(w.app, w.headteacher, `/reports/sharing.csv?${p}&from=2026-03-01`);
    expect(csv.statusCode).toBe(422);
    expect(csv.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(csv.json().errors).toEqual([{ pointer: '/query/to', detail: 'This field is required' }]);
  });

  it('asks for credentials first', async () => {
    const w = await setUp();
    expect((await w.app.inject({ method: 'GET', url: `/api/v1/reports/sharing.csv?${march(w.northshire)}` })).statusCode).toBe(401);
  });

  it('is described in the OpenAPI document with its query parameters and named response schema', async () => {
    const w = await setUp();
    const doc = (await w.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const op = doc.paths['/api/v1/reports/sharing'].get;
    expect(op.parameters.map((x: { name: string; required: boolean }) => [x.name, x.required])).toEqual(expect.arrayContaining([['partnershipId', true], ['from', true], ['to', true]]));
    expect(op.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/SharingBoardReport');
    expect(doc.paths['/api/v1/reports/sharing.csv']).toBeDefined();
  });
});
