import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DEFAULT_RATE_LIMITS, type RateLimits } from '../config/config.ts';
import { HEALTH_ROUTES } from '../operations/health.ts';
import { tooManyRequests } from '../shared/errors.ts';

/**
 * Where a request comes from, for the limits: the connection's address (or, with
 * JIGSAW_TRUST_PROXY, the client address the trusted proxies report). IPv6 addresses count by their
 * /64, as one household or host is given a whole /64 and could otherwise step through it.
 */
export const sourceAddress = (request: FastifyRequest): string => normalizeIP(request.ip);

type Area = 'api' | 'fhir' | 'sign-in' | 'unlimited';

/** The assets hold no personal data and a page pulls several; health probes and the scraper call often. */
const UNLIMITED = /^\/(assets|govuk|static|styles)\//;

function areaOf(request: FastifyRequest): Area {
  if (request.url.startsWith('/fhir/')) return 'fhir';
  const route = request.routeOptions.url;
  // Forgotten-password requests too: each may send an e-mail (they are also throttled per account, src/auth/password-reset.ts).
  if (request.method === 'POST' && (route === '/api/v1/session' || route === '/sign-in' || route === '/forgot-password' || route === '/api/v1/password-reset')) return 'sign-in';
  if (route === '/metrics' || (route && HEALTH_ROUTES.includes(route)) || UNLIMITED.test(request.url) || request.url === '/favicon.ico') return 'unlimited';
  return 'api';
}

function perMinute(limits: RateLimits, area: Area): number {
  switch (area) {
    case 'api': return limits.apiPerMinute;
    case 'fhir': return limits.fhirPerMinute;
    case 'sign-in': return limits.signInPerMinute;
    case 'unlimited': return 0;
    default: {
      const never: never = area;
      return never;
    }
  }
}

/**
 * Requests a minute from one address, with @fastify/rate-limit (in this process's memory: with
 * several processes behind a balancer each allows the limit; `serve --workers N` gives each worker
 * its share, rateLimitsPerWorker). Three budgets per address: the API
 * and the pages together, the FHIR interface, and sign-in attempts, which get a small one of their
 * own because each costs a password check. Over a limit the answer is a 429 at once, with
 * Retry-After, in the caller's language: problem+json from the API, the "Too many attempts" page
 * for a browser (src/web/plugin.ts), an OperationOutcome from FHIR (src/fhir/plugin.ts). The
 * sign-in throttle (src/auth/throttle.ts) is a separate, finer defence kept in the database.
 *
 * Registered before anything else looks at the request (sessions, tokens), so a flood is turned
 * away before it costs a database query.
 */
/**
 * One worker's share of the deployment's per-address limits under `serve --workers N`. The cluster
 * hands connections (not requests) to the workers in turn, so a flood over many connections
 * spreads evenly over them: each allowing limit / N (rounded up; never 0, which would mean "no
 * limit") keeps the whole server's figure as configured rather than N times it. A client that keeps
 * one connection open meets one worker's share: stricter than configured, never looser. A limit
 * turned off (0) stays off.
 */
export function rateLimitsPerWorker(limits: RateLimits, workers: number): RateLimits {
  const share = (perMinute: number): number => (perMinute <= 0 || workers <= 1 ? perMinute : Math.ceil(perMinute / workers));
  return { apiPerMinute: share(limits.apiPerMinute), fhirPerMinute: share(limits.fhirPerMinute), signInPerMinute: share(limits.signInPerMinute) };
}

export async function registerRateLimits(app: FastifyInstance, limits: RateLimits = DEFAULT_RATE_LIMITS): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    // Keys are few (addresses × 3) and each small; past this the least recently seen are forgotten.
    cache: 20_000,
    timeWindow: 60_000,
    keyGenerator: (request) => `${areaOf(request)} ${sourceAddress(request)}`,
    allowList: (request) => perMinute(limits, areaOf(request)) <= 0,
    max: (request) => perMinute(limits, areaOf(request)),
    errorResponseBuilder: (request, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return tooManyRequests(
        areaOf(request) === 'sign-in'
          ? `Too many attempts to sign in from your network. Wait ${seconds} seconds and try again.`
          : `Too many requests from your network. Wait ${seconds} seconds and try again.`,
        seconds,
      );
    },
  });
  app.addHook('onRequest', app.rateLimit());
}
