import cookie from '@fastify/cookie';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { resolveApiToken, resolveSession, type AuthSettings } from '../auth/auth.ts';
import type { ServiceNotices } from '../config/config.ts';
import type { Services } from '../shared/context.ts';
import { Problem } from '../shared/errors.ts';
import { openApiDocument } from './openapi.ts';
import { Api } from './route.ts';
import { registerAuthRoutes } from './routes/auth.routes.ts';
import { registerPartnershipRoutes } from './routes/partnership.routes.ts';
import { registerPeopleRoutes } from './routes/people.routes.ts';
import { registerRecordRoutes } from './routes/records.routes.ts';
import { registerSharingRoutes } from './routes/sharing.routes.ts';
import { registerRequestRoutes } from './routes/requests.routes.ts';
import { registerChronologyRoutes } from './routes/chronology.routes.ts';
import { registerReportRoutes } from './routes/reports.routes.ts';
import { registerProcessRoutes } from './routes/process.routes.ts';
import { registerReferralRoutes } from './routes/referrals.routes.ts';
import { registerOversightRoutes } from './routes/oversight.routes.ts';
import { registerMonitoringRoutes } from './routes/monitoring.routes.ts';
import { registerMeetingRoutes } from './routes/meetings.routes.ts';
import { registerMatchingRoutes } from './routes/matching.routes.ts';
import { PageNotFound, webPlugin } from '../web/plugin.ts';
import { registerFlagRoutes } from './routes/flags.routes.ts';
import { fhirRoutes } from '../fhir/plugin.ts';

export const SESSION_COOKIE = 'jigsaw_session';

export interface AppOptions {
  services: Services;
  auth: AuthSettings;
  secureCookies?: boolean;
  logLevel?: string;
  /** The operator's words for the accessibility statement, privacy notice and beta banner (defaults otherwise). */
  notices?: ServiceNotices;
}

function sendProblem(reply: FastifyReply, p: Problem): void {
  const body: Record<string, unknown> = { type: p.type, title: p.title, status: p.status, detail: p.detail, ...p.extra };
  if (p.errors.length) body.errors = p.errors;
  if (p.status === 429 && typeof p.extra.retryAfterSeconds === 'number') reply.header('retry-after', String(p.extra.retryAfterSeconds));
  void reply.code(p.status).type('application/problem+json').send(body);
}

/** Builds the whole HTTP application; the server and the tests use this same function. */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logLevel && opts.logLevel !== 'silent'
      ? {
          level: opts.logLevel,
          // Log the route pattern, never the concrete URL or body: they may hold identifiers or personal data.
          serializers: {
            req: (req) => ({ method: req.method, route: req.routeOptions?.url ?? 'unmatched' }),
            res: (res) => ({ statusCode: res.statusCode }),
          },
        }
      : false,
    bodyLimit: 1_048_576,
    // Unknown query keys are refused by the schemas; this keeps arrays predictable.
    routerOptions: { ignoreTrailingSlash: true },
  });
  await app.register(cookie);
  // The API speaks JSON only; anything else is a 415, not a string for the schemas to puzzle over.
  app.removeContentTypeParser('text/plain');

  app.addHook('onSend', async (_req, reply, payload) => {
    // Everything Jigsaw serves is personal data or about it: never cache it anywhere.
    reply.header('cache-control', 'no-store');
    // Stop browsers guessing content types (a JSON body must never run as script).
    reply.header('x-content-type-options', 'nosniff');
    // No framing: stops click-jacking of forms that share information.
    reply.header('x-frame-options', 'DENY');
    // Pages load only our own assets; the API serves no active content at all.
    reply.header('content-security-policy', "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    // A record's address must not leak to another site through the Referer header.
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });

  app.addHook('onRequest', async (request) => {
    // The FHIR interface resolves its own system tokens (src/fhir/plugin.ts); practitioners' tokens and sessions never apply there.
    if (request.url.startsWith('/fhir/')) return;
    const header = request.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const actor = match?.[1] ? await resolveApiToken(opts.services, match[1]) : undefined;
      if (actor) request.actor = actor;
      return;
    }
    const session = request.cookies[SESSION_COOKIE];
    if (session) {
      const actor = await resolveSession(opts.services, opts.auth, session);
      if (actor) request.actor = actor;
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
  await app.register(webPlugin, { services: opts.services, auth: opts.auth, secureCookies: opts.secureCookies, sessionCookie: SESSION_COOKIE, notices: opts.notices, notFound });

  app.get('/health', async (_req, reply) => {
    try {
      await opts.services.db.query('SELECT 1');
      return { status: 'ok', database: opts.services.db.kind };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  const api = new Api(app, opts.services);
  await app.register(
    (scoped, _opts, done) => {
      const scopedApi = new Api(scoped, opts.services);
      registerAuthRoutes(scopedApi, opts, SESSION_COOKIE);
      registerPartnershipRoutes(scopedApi);
      registerPeopleRoutes(scopedApi);
      registerRecordRoutes(scopedApi);
      registerSharingRoutes(scopedApi);
      registerRequestRoutes(scopedApi);
      registerChronologyRoutes(scopedApi);
      registerReportRoutes(scopedApi);
      registerProcessRoutes(scopedApi);
      registerReferralRoutes(scopedApi);
      registerOversightRoutes(scopedApi);
      registerMonitoringRoutes(scopedApi);
      registerMeetingRoutes(scopedApi);
      registerMatchingRoutes(scopedApi);
      registerFlagRoutes(scopedApi);
      api.routes.push(...scopedApi.routes);
      const doc = openApiDocument(api.routes);
      scoped.get('/openapi.json', () => Promise.resolve(doc));
      done();
    },
    { prefix: '/api/v1' },
  );
  await app.register(fhirRoutes(opts.services), { prefix: '/fhir/r4' });
  return app;
}
