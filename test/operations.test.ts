import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { verifyAuditChain } from '../src/audit/audit.ts';
import { openPGlite, openPostgres } from '../src/db/database.ts';
import { buildApp } from '../src/http/app.ts';
import type { ActorContext, Services } from '../src/shared/context.ts';
import { onPostgresServer, useTestDb } from './db.ts';
import { agency, partnershipWith, person, practitioner, services } from './fixtures.ts';
import { AUTH_SETTINGS, bearer } from './api/helpers.ts';

const METRICS_TOKEN = 'scrape-me-0123456789abcdef';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('operations: health, metrics, request IDs and security headers', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const build = async (s: Services, extra: { metricsToken?: string; secureCookies?: boolean } = {}): Promise<FastifyInstance> =>
    (app = await buildApp({ services: s, auth: AUTH_SETTINGS, ...extra }));

  async function teacherWithChild(): Promise<{ s: Services; teacher: ActorContext; childId: string }> {
    const s = services(t.db());
    const school = await agency(s, await partnershipWith(s), 'school');
    const teacher = await practitioner(s, school);
    const child = await person(teacher, { names: [{ givenNames: 'Jack', familyName: 'Smith' }] });
    return { s, teacher, childId: child.id };
  }

  describe('health', () => {
    it('live and ready answer 200 while the database answers; /health is the same as ready', async () => {
      const a = await build(services(t.db()));
      expect((await a.inject({ method: 'GET', url: '/health/live' })).json()).toEqual({ status: 'ok' });
      for (const url of ['/health/ready', '/health']) {
        const res = await a.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(200);
        expect(res.json()).toEqual({ status: 'ok', database: t.db().kind });
      }
    });

    it('ready (and /health) turn 503 once the server is shutting down, while live stays 200', async () => {
      const a = await build(services(t.db()));
      a.markShuttingDown();
      for (const url of ['/health/ready', '/health']) {
        const res = await a.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(503);
        expect(res.json()).toEqual({ status: 'shutting-down' });
      }
      expect((await a.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    });

    it('ready is 503 when a PostgreSQL server cannot be reached, without saying where it was looked for', async () => {
      const unreachable = openPostgres('postgres://jigsaw:secret@127.0.0.1:1/jigsaw');
      onTestFinished(() => unreachable.close());
      const a = await build({ db: unreachable, clock: services(t.db()).clock });
      const res = await a.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'unavailable', database: 'postgres' });
      expect(res.body).not.toMatch(/127\.0\.0\.1|secret|ECONNREFUSED/);
      expect((await a.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    });

    // Embedded only: already run in the PGlite pass.
    it.skipIf(onPostgresServer())('ready is 503 when the embedded database has been closed', async () => {
      const closed = await openPGlite(undefined);
      await closed.close();
      const a = await build({ db: closed, clock: services(t.db()).clock });
      expect((await a.inject({ method: 'GET', url: '/health' })).statusCode).toBe(503);
    });
  });

  describe('metrics', () => {
    it('without JIGSAW_METRICS_TOKEN there is no /metrics: a 404 problem like any unknown address, even with a bearer', async () => {
      const a = await build(services(t.db()));
      for (const headers of [{}, { authorization: `Bearer ${METRICS_TOKEN}` }]) {
        const res = await a.inject({ method: 'GET', url: '/metrics', headers });
        expect(res.statusCode).toBe(404);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json()).toEqual((await a.inject({ method: 'GET', url: '/no-such-address' })).json());
      }
    });

    it('with the token configured, a missing or wrong bearer gets the same 404 as an unknown address', async () => {
      const a = await build(services(t.db()), { metricsToken: METRICS_TOKEN });
      const unknown = await a.inject({ method: 'GET', url: '/no-such-address' });
      for (const authorization of [undefined, 'Bearer wrong', `Bearer ${METRICS_TOKEN}x`, `Basic ${METRICS_TOKEN}`, METRICS_TOKEN]) {
        const res = await a.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
        expect(res.statusCode, authorization).toBe(404);
        expect(res.headers['content-type']).toBe(unknown.headers['content-type']);
        expect(res.json()).toEqual(unknown.json());
      }
    });

    it('with the bearer: Prometheus text counting the requests by route pattern, method and status, never the concrete address', async () => {
      const w = await teacherWithChild();
      const a = await build(w.s, { metricsToken: METRICS_TOKEN });
      const auth = await bearer(w.teacher);
      expect((await a.inject({ method: 'GET', url: `/api/v1/people/${w.childId}`, headers: auth })).statusCode).toBe(200);
      expect((await a.inject({ method: 'GET', url: `/api/v1/people/${w.childId}`, headers: auth })).statusCode).toBe(200);
      expect((await a.inject({ method: 'GET', url: `/api/v1/people/${w.childId}` })).statusCode).toBe(401);
      await a.inject({ method: 'GET', url: '/nothing/here?name=Jack+Smith' });

      const res = await a.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = res.body;
      expect(text).toContain('jigsaw_http_requests_total{method="GET",route="/api/v1/people/:id",status="200"} 2');
      expect(text).toContain('jigsaw_http_requests_total{method="GET",route="/api/v1/people/:id",status="401"} 1');
      expect(text).toContain('jigsaw_http_requests_total{method="GET",route="unmatched",status="404"} 1');
      expect(text).toContain('jigsaw_http_request_duration_seconds_count{method="GET",route="/api/v1/people/:id"} 3');
      expect(text).toContain(`jigsaw_database_info{kind="${t.db().kind}"} 1`);
      expect(text).toContain('jigsaw_database_up 1');
      expect(text).toContain('jigsaw_seen_deliveries_waiting{channel="webhook"} 0');
      expect(text).toContain('jigsaw_seen_deliveries_failing{channel="email"} 0');
      // The audit head: every entry so far (the setup's and the two reads).
      const { rows } = await t.db().query<{ n: number }>('SELECT count(*)::int AS n FROM audit_event');
      expect(text).toContain(`jigsaw_audit_entries ${rows[0]!.n}`);
      expect(text).toMatch(/^process_cpu_user_seconds_total /m);
      if (t.db().kind === 'postgres') expect(text).toMatch(/^jigsaw_database_pool_connections \d+$/m);
      expect(text).not.toContain(w.childId);
      expect(text).not.toMatch(/Jack|Smith|nothing\/here/);
    });
  });

  describe('request IDs', () => {
    const auditOfRead = async (personId: string): Promise<Record<string, unknown>[]> =>
      (await t.db().query<{ detail: Record<string, unknown> }>("SELECT detail FROM audit_event WHERE action = 'person.read' AND person_id = $1 ORDER BY seq", [personId]))
        .rows.map((r) => (typeof r.detail === 'string' ? JSON.parse(r.detail) as Record<string, unknown> : r.detail));

    it("a caller's X-Request-ID is echoed and kept in the audit entry of what the request did; the chain still verifies", async () => {
      const w = await teacherWithChild();
      const a = await build(w.s);
      const res = await a.inject({ method: 'GET', url: `/api/v1/people/${w.childId}`, headers: { ...(await bearer(w.teacher)), 'X-Request-ID': 'abc-123' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-request-id']).toBe('abc-123');
      // The server's own time for the answer, for load generators in another process (issue 21): a duration, never a record.
      expect(String(res.headers['server-timing'])).toMatch(/^app;dur=\d+\.\d$/);
      expect(await auditOfRead(w.childId)).toEqual([{ requestId: 'abc-123' }]);
      expect((await verifyAuditChain(t.db())).ok).toBe(true);
    });

    it('without one, a new UUID is made, echoed and kept in the audit entry; X-Correlation-ID is taken when X-Request-ID is absent', async () => {
      const w = await teacherWithChild();
      const a = await build(w.s);
      const auth = await bearer(w.teacher);
      const res = await a.inject({ method: 'GET', url: `/api/v1/people/${w.childId}`, headers: auth });
      const id = String(res.headers['x-request-id']);
      expect(id).toMatch(UUID);
      const correlated = await a.inject({ method: 'GET', url: `/api/v1/people/${w.childId}`, headers: { ...auth, 'x-correlation-id': 'ticket:4711' } });
      expect(correlated.headers['x-request-id']).toBe('ticket:4711');
      expect(await auditOfRead(w.childId)).toEqual([{ requestId: id }, { requestId: 'ticket:4711' }]);
    });

    it('an unsafe value (a name, an e-mail address, a control character, too long) is replaced, never echoed', async () => {
      const w = await teacherWithChild();
      const a = await build(w.s);
      const auth = await bearer(w.teacher);
      for (const unsafe of ['Jack Smith', 'jack.smith@example.org', 'abc\tinjected', 'x'.repeat(129), '']) {
        const res = await a.inject({ method: 'GET', url: `/api/v1/people/${w.childId}`, headers: { ...auth, 'x-request-id': unsafe } });
        expect(res.statusCode).toBe(200);
        expect(res.headers['x-request-id'], unsafe).toMatch(UUID);
      }
      const details = JSON.stringify(await auditOfRead(w.childId));
      expect(details).not.toMatch(/Jack|smith|injected|xxxx/);
    });

    it('every answer carries one: pages, the FHIR interface, problems and unknown addresses', async () => {
      const a = await build(services(t.db()));
      const responses = await Promise.all([
        a.inject({ method: 'GET', url: '/sign-in', headers: { 'x-request-id': 'page-1' } }),
        a.inject({ method: 'GET', url: '/fhir/r4/metadata', headers: { 'X-Request-Id': 'fhir-1' } }),
        a.inject({ method: 'GET', url: '/fhir/r4/Flag', headers: { 'X-Request-Id': 'fhir-2' } }),
        a.inject({ method: 'POST', url: '/api/v1/people/search', headers: { 'x-request-id': 'bad-1', 'content-type': 'application/json' }, payload: '{not json' }),
        a.inject({ method: 'GET', url: '/no-such-address', headers: { 'x-request-id': 'none-1' } }),
      ]);
      expect(responses.map((r) => [r.statusCode, r.headers['x-request-id']])).toEqual([[200, 'page-1'], [200, 'fhir-1'], [401, 'fhir-2'], [400, 'bad-1'], [404, 'none-1']]);
    });
  });

  describe('security headers (helmet)', () => {
    const POLICY = "default-src 'self';frame-ancestors 'none';base-uri 'none';form-action 'self'";

    it("pages, the API, FHIR and errors all carry today's policy, and are never cached", async () => {
      const a = await build(services(t.db()));
      for (const url of ['/sign-in', '/api/v1/openapi.json', '/fhir/r4/metadata', '/api/v1/me', '/no-such-address', '/health']) {
        const h = (await a.inject({ method: 'GET', url })).headers;
        expect(h['content-security-policy'], url).toBe(POLICY);
        expect(h['x-frame-options'], url).toBe('DENY');
        expect(h['x-content-type-options'], url).toBe('nosniff');
        expect(h['referrer-policy'], url).toBe('no-referrer');
        expect(h['cache-control'], url).toBe('no-store');
        expect(h['cross-origin-opener-policy'], url).toBe('same-origin');
        expect(h['strict-transport-security'], url).toBeUndefined();
      }
    });

    it('HSTS for a year, subdomains included, only when cookies are secure (served behind TLS)', async () => {
      const a = await build(services(t.db()), { secureCookies: true });
      expect((await a.inject({ method: 'GET', url: '/sign-in' })).headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    });
  });
});
