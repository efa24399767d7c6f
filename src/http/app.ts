import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { resolveApiToken, resolveWebSession, type AuthSettings, type ResolvedSession } from '../auth/auth.ts';
import type { RateLimits, ServiceNotices } from '../config/config.ts';
import type { SingleSignOnSettings } from '../single-sign-on/providers.ts';
import type { Services } from '../shared/context.ts';
import { Problem } from '../shared/errors.ts';
import { openApiDocument } from './openapi.ts';
import { cookieName, SESSION_COOKIE } from './cookies.ts';
import { registerRateLimits } from './rate-limits.ts';
import { Api } from './route.ts';
import { registerAuthRoutes } from './routes/auth.routes.ts';
import { registerPartnershipRoutes } from './routes/partnership.routes.ts';
import { registerAdministrationRoutes } from './routes/administration.routes.ts';
import { registerPractitionerRoutes } from './routes/practitioners.routes.ts';
import { registerTokenRoutes } from './routes/tokens.routes.ts';
import { registerPeopleRoutes } from './routes/people.routes.ts';
import { registerCensusItemRoutes } from './routes/census-items.routes.ts';
import { registerRecordRoutes } from './routes/records.routes.ts';
import { registerLeadAlertRoutes } from './routes/lead-alerts.routes.ts';
import { registerSharingRoutes } from './routes/sharing.routes.ts';
import { registerRequestRoutes } from './routes/requests.routes.ts';
import { registerChronologyRoutes } from './routes/chronology.routes.ts';
import { registerReportRoutes } from './routes/reports.routes.ts';
import { registerAnnexARoutes } from './routes/annex-a.routes.ts';
import { registerAuditRoutes } from './routes/audit.routes.ts';
import { registerProcessRoutes } from './routes/process.routes.ts';
import { registerReferralRoutes } from './routes/referrals.routes.ts';
import { registerOversightRoutes } from './routes/oversight.routes.ts';
import { registerReturnsRoutes } from './routes/returns.routes.ts';
import { registerMonitoringRoutes } from './routes/monitoring.routes.ts';
import { registerMeetingRoutes } from './routes/meetings.routes.ts';
import { registerMatchingRoutes } from './routes/matching.routes.ts';
import { PageNotFound, webPlugin } from '../web/plugin.ts';
import { registerFlagRoutes } from './routes/flags.routes.ts';
import { registerCaseloadRoutes } from './routes/caseload.routes.ts';
import { registerPlanRoutes } from './routes/plans.routes.ts';
import { registerTwoFactorRoutes } from './routes/two-factor.routes.ts';
import { checkSecondFactor } from '../auth/two-factor/enforce.ts';
import { registerIdentityProviderRoutes } from './routes/identity-providers.routes.ts';
import { fhirRoutes } from '../fhir/plugin.ts';
import { ScimError, scimNotFound } from '../scim/errors.ts';
import { scimRoutes, sendScimError } from '../scim/plugin.ts';
import { HEALTH_ROUTES, registerHealth } from '../operations/health.ts';
import { registerMetrics } from '../operations/metrics.ts';
import { REQUEST_ID_HEADER, requestIdFrom } from '../operations/request-id.ts';
import { ReadAudit } from '../audit/read-audit.ts';
import { RequestReads } from '../shared/request-reads.ts';

export { SESSION_COOKIE } from './cookies.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The web session behind this request, as resolved once in onRequest: the pages read who is signed in and when the session ends from it. */
    webSession?: ResolvedSession;
    /** In a GET or HEAD: what the request read, appended to the audit trail in one statement before the answer is sent. */
    readAudit?: ReadAudit;
    /** In a GET or HEAD: the facts its services have read, shared among them (src/shared/request-reads.ts). */
    reads?: RequestReads;
  }
}

export interface AppOptions {
  services: Services;
  auth: AuthSettings;
  secureCookies?: boolean;
  logLevel?: string;
  /** The operator's words for the accessibility statement, privacy notice and beta banner (defaults otherwise). */
  notices?: ServiceNotices;
  /** Where log lines (JSON, one per line) go; standard output when not given. */
  logStream?: { write(line: string): void };
  /** JIGSAW_METRICS_TOKEN: /metrics exists only when this is set, and only for a bearer of it. */
  metricsToken?: string | undefined;
  /** JIGSAW_WEBHOOK_HTTP_HOSTS: hosts a webhook may reach over plain http and at a private address; none when not given. */
  webhookHttpHosts?: readonly string[] | undefined;
  /** Requests a minute from one address (src/http/rate-limits.ts); the defaults in config.ts when not given. */
  rateLimits?: RateLimits | undefined;
  /** JIGSAW_TRUST_PROXY: which proxies' X-Forwarded-For to believe for the client's address; none when not given. */
  trustProxy?: boolean | number | string[] | undefined;
  /** Single sign-on: JIGSAW_PUBLIC_URL and the environment's provider (JIGSAW_OIDC_*); read from the environment when not given. */
  singleSignOn?: SingleSignOnSettings | undefined;
}

function sendProblem(reply: FastifyReply, p: Problem): void {
  const body: Record<string, unknown> = { type: p.type, title: p.title, status: p.status, detail: p.detail, ...p.extra };
  if (p.errors.length) body.errors = p.errors;
  if ((p.status === 429 || p.status === 503) && typeof p.extra.retryAfterSeconds === 'number') reply.header('retry-after', String(p.extra.retryAfterSeconds));
  void reply.code(p.status).type('application/problem+json').send(body);
}

/** Trust this many proxies in front (the nearest hops), as Express's trust proxy does for a number. */
const trustHops = (hops: number) => (_address: string, hop: number): boolean => hop < hops;

/** Builds the whole HTTP application; the server and the tests use this same function. */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logLevel && opts.logLevel !== 'silent'
      ? {
          level: opts.logLevel,
          ...(opts.logStream ? { stream: opts.logStream } : {}),
          // Log the route pattern, never the concrete URL or body: they may hold identifiers or personal data.
          serializers: {
            req: (req) => ({ method: req.method, route: req.routeOptions?.url ?? 'unmatched' }),
            res: (res) => ({ statusCode: res.statusCode }),
          },
        }
      : false,
    // The caller's X-Request-ID (or X-Correlation-ID) when it is a safe token, else a new UUID:
    // it is the reqId of every log line, echoed in the answer and kept in the audit entries.
    requestIdHeader: false,
    genReqId: (req) => requestIdFrom(req.headers),
    bodyLimit: 1_048_576,
    // The client's address is the connection's unless the operator names the proxies in front
    // (X-Forwarded-For is otherwise anyone's to forge, and would let a caller pick their own limits).
    trustProxy: typeof opts.trustProxy === 'number' ? trustHops(opts.trustProxy) : opts.trustProxy ?? false,
    // Unknown query keys are refused by the schemas; this keeps arrays predictable.
    routerOptions: { ignoreTrailingSlash: true },
    // Errors raised before routing (an address that is not valid UTF-8, such as a lone surrogate
    // percent-encoded) would otherwise answer in Fastify's own JSON, not problem+json.
    frameworkErrors: (error, request, reply) => {
      // SCIM clients get SCIM's error form (src/scim/plugin.ts) even this early.
      // An id far too long to be one names nobody: 404, as any other id that is not a user's.
      if (request.url.startsWith('/scim/')) {
        return void sendScimError(reply, error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? scimNotFound() : new ScimError(400, error.code === 'FST_ERR_BAD_URL' ? 'The address is not valid.' : 'The request could not be read.', 'invalidSyntax'));
      }
      sendProblem(reply, new Problem(400, 'https://jigsaw.example/problems/bad-request', 'The request could not be read', error.code === 'FST_ERR_BAD_URL' ? 'The address is not valid.' : 'The request could not be read.'));
    },
  });
  await app.register(cookie);
  // The API speaks JSON only; anything else is a 415, not a string for the schemas to puzzle over.
  app.removeContentTypeParser('text/plain');

  // Security headers, set by helmet on every answer (pages, API, FHIR, errors), each for a reason.
  await app.register(helmet, {
    // Pages load only our own assets (GOV.UK Frontend's script and styles are served from /govuk/…
    // and /assets/…); no framing (click-jacking of forms that share information); no <base> to
    // redirect relative links; forms post only to us. The API serves no active content at all.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'self'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'self'"] },
    },
    // The same "no framing" for browsers that predate frame-ancestors.
    xFrameOptions: { action: 'deny' },
    // Stop browsers guessing content types (a JSON body must never run as script): nosniff (helmet's default).
    xContentTypeOptions: true,
    // A record's address must not leak to another site through the Referer header.
    referrerPolicy: { policy: 'no-referrer' },
    // Only behind TLS (JIGSAW_SECURE_COOKIES=true): browsers then refuse plain HTTP to this host for a year.
    strictTransportSecurity: opts.secureCookies ? { maxAge: 31_536_000, includeSubDomains: true, preload: false } : false,
    // Helmet's other defaults are kept, as they cost the pages nothing: another site's window cannot
    // script ours (Cross-Origin-Opener-Policy: same-origin) nor embed our answers
    // (Cross-Origin-Resource-Policy: same-origin); the page gets its own process (Origin-Agent-Cluster);
    // no DNS prefetching of links (X-DNS-Prefetch-Control: off, it tells a resolver what was viewed);
    // downloads are not opened in the site's context (X-Download-Options); no Flash/PDF cross-domain
    // policies (X-Permitted-Cross-Domain-Policies: none); the old XSS auditor, itself a leak, off (X-XSS-Protection: 0).
  });

  // When each request arrived, for Server-Timing below (Fastify keeps its own only when it logs).
  const receivedAt = new WeakMap<object, number>();
  app.addHook('onRequest', (request, _reply, done) => {
    receivedAt.set(request, performance.now());
    // A GET or HEAD changes nothing: what it reads is audited in one append at the end (src/audit/read-audit.ts).
    // Its services also share the facts they read (a person, their grants, their same-person links):
    // nothing changes between them, and a write (a POST) never reads through it.
    if (request.method === 'GET' || request.method === 'HEAD') {
      request.readAudit = new ReadAudit();
      request.reads = new RequestReads();
    }
    done();
  });

  app.addHook('onSend', async (request, _reply, payload) => {
    // Before anything read leaves the server, its audit entries are in the trail; if they cannot be
    // written this throws, and the practitioner gets the error page instead of what was read.
    await request.readAudit?.flush(opts.services.db);
    return payload;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    // Everything Jigsaw serves is personal data or about it: never cache it anywhere (helmet does not set this).
    reply.header('cache-control', 'no-store');
    // The request's ID on every answer, so a caller can quote it and an operator find its log lines and audit entries.
    reply.header(REQUEST_ID_HEADER, request.id);
    // The server's own time for this answer (W3C Server-Timing), so a load generator in another
    // process can tell the server's share of a latency from the queue's and the network's. A
    // duration says nothing about a record.
    reply.header('server-timing', `app;dur=${(performance.now() - (receivedAt.get(request) ?? performance.now())).toFixed(1)}`);
    return payload;
  });

  // Health (no sign-in, quiet in the logs: probes call it every few seconds) and, when configured, metrics.
  registerHealth(app, opts.services.db);
  if (opts.metricsToken) registerMetrics(app, { token: opts.metricsToken, db: opts.services.db });

  // Per-address request limits, before sessions and tokens are looked up: a flood costs no query.
  await registerRateLimits(app, opts.rateLimits);

  const sessionCookie = cookieName(SESSION_COOKIE, opts.secureCookies);
  app.addHook('onRequest', async (request) => {
    // The FHIR interface resolves its own system tokens (src/fhir/plugin.ts); practitioners' tokens and sessions never apply there.
    if (request.url.startsWith('/fhir/')) return;
    // So does SCIM (src/scim/plugin.ts): an identity provider's token names an agency, never a practitioner.
    if (request.url.startsWith('/scim/')) return;
    // Health and metrics take no practitioner: a probe must not depend on the sessions table, nor a scraper's token be looked up as one.
    const route = request.routeOptions.url;
    if (route === '/metrics' || (route && HEALTH_ROUTES.includes(route))) return;
    // An API token opens the API only: the pages are for a person at a browser, signed in with the
    // session cookie, so a token copied from a program (or a CI log) cannot be used to browse them.
    const header = request.url.startsWith('/api/') ? request.headers.authorization : undefined;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const actor = match?.[1] ? await resolveApiToken(opts.services, match[1]) : undefined;
      if (actor) request.actor = actor;
      return;
    }
    const session = request.cookies[sessionCookie];
    if (session) {
      // One statement: the session, who it is (for the pages' header too), roles, and whether a second factor is owed.
      const resolved = await resolveWebSession(opts.services, opts.auth, session);
      if (!resolved) return;
      request.actor = resolved.actor;
      request.webSession = resolved;
      // Someone who must use a second factor and signed in with a password alone: the API refuses, the pages send them to set it up.
      checkSecondFactor(request, opts.auth.twoFactor, resolved.owesSecondFactor);
    }
  });

  app.setErrorHandler((error: FastifyError | Problem, request, reply) => {
    if (error instanceof Problem) return sendProblem(reply, error);
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const detail = error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error instanceof SyntaxError
        ? 'The body is not valid JSON.'
        : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'Send the body as application/json.'
        : error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'The body is too large.'
        : 'The request could not be read.';
      return sendProblem(reply, new Problem(status, 'https://jigsaw.example/problems/bad-request', 'The request could not be read', detail));
    }
    // Log the kind of failure only: messages from the database can quote values.
    request.log.error({ err: { name: error.name, code: error.code } }, 'request failed');
    return sendProblem(reply, new Problem(500, 'https://jigsaw.example/problems/internal', 'Something went wrong', 'The request was not completed; nothing was changed.'));
  });

  // A browser asking for an unknown page gets the pages' "Page not found"; the API and FHIR keep problem+json.
  const notFound = new PageNotFound();
  app.setNotFoundHandler((request, reply) => PageNotFound.wanted(request)
    ? notFound.send(request, reply)
    : sendProblem(reply, new Problem(404, 'https://jigsaw.example/problems/not-found', 'Not found', 'There is nothing at this address.')));

  // The practitioners' pages (GOV.UK Design System), encapsulated: their form parser, CSRF and HTML errors stay theirs.
  await app.register(webPlugin, { services: opts.services, auth: opts.auth, secureCookies: opts.secureCookies, sessionCookie, notices: opts.notices, notFound, webhookHttpHosts: opts.webhookHttpHosts, singleSignOn: opts.singleSignOn });

  const api = new Api(app, opts.services);
  await app.register(
    (scoped, _opts, done) => {
      const scopedApi = new Api(scoped, opts.services);
      registerAuthRoutes(scopedApi, opts, sessionCookie);
      registerPartnershipRoutes(scopedApi);
      registerAdministrationRoutes(scopedApi);
      registerPractitionerRoutes(scopedApi);
      registerTokenRoutes(scopedApi);
      registerPeopleRoutes(scopedApi);
      registerCensusItemRoutes(scopedApi);
      registerRecordRoutes(scopedApi);
      registerLeadAlertRoutes(scopedApi);
      registerSharingRoutes(scopedApi);
      registerRequestRoutes(scopedApi);
      registerChronologyRoutes(scopedApi);
      registerReportRoutes(scopedApi);
      registerAnnexARoutes(scopedApi);
      registerAuditRoutes(scopedApi);
      registerProcessRoutes(scopedApi);
      registerReferralRoutes(scopedApi);
      registerOversightRoutes(scopedApi);
      registerReturnsRoutes(scopedApi);
      registerMonitoringRoutes(scopedApi);
      registerMeetingRoutes(scopedApi);
      registerCaseloadRoutes(scopedApi);
      registerPlanRoutes(scopedApi);
      registerMatchingRoutes(scopedApi);
      registerFlagRoutes(scopedApi, { webhookHttpHosts: opts.webhookHttpHosts });
      registerTwoFactorRoutes(scopedApi);
      registerIdentityProviderRoutes(scopedApi);
      api.routes.push(...scopedApi.routes);
      const doc = openApiDocument(api.routes, sessionCookie);
      scoped.get('/openapi.json', () => Promise.resolve(doc));
      done();
    },
    { prefix: '/api/v1' },
  );
  await app.register(fhirRoutes(opts.services), { prefix: '/fhir/r4' });
  await app.register(scimRoutes(opts.services), { prefix: '/scim/v2' });
  return app;
}
