import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { accessHistoryByNhsNumber, flagsByNhsNumber, type Looker } from '../flags/lookup.ts';
import { nhsNumberProblem, normaliseNhsNumber } from '../people/nhs-number.ts';
import type { Services } from '../shared/context.ts';
import { seenSettings } from '../notifications/seen.ts';
import { Problem } from '../shared/errors.ts';
import { auditEvent, capabilityStatement, careTeam, flagResource, NHS_NUMBER_SYSTEM, operationOutcome, searchBundle, throttledOutcome, type Resource } from './resources.ts';
import { resolveFhirToken, type FhirCaller } from './tokens.ts';

/**
 * The FHIR R4 interface under /fhir/r4, shaped like NHS England's CP-IS API so that a hospital's
 * system needs no new client. Every answer is application/fhir+json; every error an
 * OperationOutcome (400 for a bad search, 401 without a valid system token, 404 for an unknown
 * address), never a 5xx for anything a caller sends. The NHS number is part of the query string
 * by the interface's own design: request logs name the route only (app.ts), never the URL.
 */

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const IDENTIFIER_PARAM = 'patient:identifier';
const UNSCHEDULED_HEADER = 'isunscheduledaccessevent';

declare module 'fastify' {
  interface FastifyRequest {
    fhirCaller?: FhirCaller;
  }
}

class FhirProblem extends Error {
  constructor(readonly status: number, readonly outcome: Resource) {
    super('fhir problem');
  }
}

const bad = (spine: Parameters<typeof operationOutcome>[1], diagnostics: string, expression?: string, code: Parameters<typeof operationOutcome>[0] = 'value'): FhirProblem =>
  new FhirProblem(400, operationOutcome(code, spine, diagnostics, expression));

function send(reply: FastifyReply, status: number, body: Resource): FastifyReply {
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="jigsaw-fhir"');
  return reply.code(status).type(FHIR_JSON).send(body);
}

/** The one search this interface takes: patient:identifier=https://fhir.nhs.uk/Id/nhs-number|{NHS number}. */
function nhsNumberFrom(query: unknown): string {
  const q = (query && typeof query === 'object' ? query : {}) as Record<string, unknown>;
  const unknown = Object.keys(q).filter((k) => k !== IDENTIFIER_PARAM);
  if (unknown.length) {
    // Parameter names only, cut short: values may be personal data.
    throw bad('INVALID_PARAMETER', `Unknown search parameter(s): ${unknown.map((k) => k.slice(0, 40)).join(', ')}. Search with ${IDENTIFIER_PARAM}=${NHS_NUMBER_SYSTEM}|{NHS number} only.`, undefined, 'not-supported');
  }
  const raw = q[IDENTIFIER_PARAM];
  if (raw === undefined || raw === '') throw bad('MISSING_IDENTIFIER_VALUE', `The search needs ${IDENTIFIER_PARAM}=${NHS_NUMBER_SYSTEM}|{NHS number}.`, IDENTIFIER_PARAM, 'required');
  if (typeof raw !== 'string') throw bad('INVALID_PARAMETER', `Give ${IDENTIFIER_PARAM} once.`, IDENTIFIER_PARAM, 'invalid');
  const bar = raw.indexOf('|');
  if (bar < 0) throw bad('INVALID_IDENTIFIER_SYSTEM', `The identifier must be given as ${NHS_NUMBER_SYSTEM}|{NHS number}.`, IDENTIFIER_PARAM);
  const system = raw.slice(0, bar);
  const value = raw.slice(bar + 1);
  if (system !== NHS_NUMBER_SYSTEM) throw bad('INVALID_IDENTIFIER_SYSTEM', `The identifier system must be ${NHS_NUMBER_SYSTEM}.`, IDENTIFIER_PARAM);
  if (value === '') throw bad('MISSING_IDENTIFIER_VALUE', 'The NHS number is missing after the "|".', IDENTIFIER_PARAM, 'required');
  const problem = nhsNumberProblem(value);
  // The problem says what is wrong (length, check digit) without repeating the number.
  if (problem) throw bad('INVALID_IDENTIFIER_VALUE', `${problem} (Modulus 11).`, IDENTIFIER_PARAM);
  return normaliseNhsNumber(value);
}

function unscheduledFrom(request: FastifyRequest): boolean {
  const raw = request.headers[UNSCHEDULED_HEADER];
  if (raw === undefined) return true;
  const v = Array.isArray(raw) ? raw.join(',') : raw;
  if (/^true$/i.test(v.trim())) return true;
  if (/^false$/i.test(v.trim())) return false;
  throw bad('BAD_REQUEST', 'The IsUnscheduledAccessEvent header must be true or false.', 'IsUnscheduledAccessEvent', 'invalid');
}

export interface FhirOptions {
  /** Where callers reach this server; fullUrls and self links start with it (default: JIGSAW_PUBLIC_URL). */
  publicUrl?: string;
}

/** Registers the interface; app.ts mounts it at /fhir/r4. */
export function fhirRoutes(services: Services, options: FhirOptions = {}): (app: FastifyInstance) => Promise<void> {
  return (app) => {
    const base = `${options.publicUrl ?? seenSettings().publicUrl}/fhir/r4`;
    const selfUrl = (type: string, nhs: string): string => `${base}/${type}?${IDENTIFIER_PARAM}=${NHS_NUMBER_SYSTEM}|${nhs}`;

    app.setErrorHandler((error: FastifyError | FhirProblem, request, reply) => {
      if (error instanceof FhirProblem) return send(reply, error.status, error.outcome);
      // The per-address request limit (src/http/rate-limits.ts) has already set Retry-After.
      if (error instanceof Problem && error.status === 429) return send(reply, 429, throttledOutcome(error.detail ?? 'Too many requests. Try again later.'));
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) return send(reply, status, operationOutcome('structure', 'BAD_REQUEST', 'The request could not be read.'));
      // The kind of failure only: database messages can quote values.
      request.log.error({ err: { name: error.name, code: error.code } }, 'fhir request failed');
      return send(reply, 500, operationOutcome('exception', 'INTERNAL_SERVER_ERROR', 'The request was not completed; nothing was recorded.'));
    });
    app.setNotFoundHandler((_request, reply) => send(reply, 404, operationOutcome('not-found', 'RESOURCE_NOT_FOUND', 'This server answers GET metadata, CareTeam, Flag and AuditEvent searches only.')));

    app.addHook('onRequest', async (request) => {
      // The CapabilityStatement is public (it holds no personal data); everything else needs a system token.
      if (request.routeOptions.url?.endsWith('/metadata')) return;
      const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
      const caller = match?.[1] ? await resolveFhirToken(services, match[1]) : undefined;
      if (!caller) {
        throw new FhirProblem(401, operationOutcome('login', 'ACCESS_DENIED', match ? 'The bearer token is not valid for this interface (expired, revoked, or not a health-setting token).' : 'Send Authorization: Bearer {token} issued to your care setting.'));
      }
      request.fhirCaller = caller;
    });

    const looker = (request: FastifyRequest): Looker => {
      const c = request.fhirCaller!;
      return { kind: 'system', healthSettingId: c.healthSettingId, settingName: c.settingName, settingType: c.settingType, requestId: request.id };
    };

    app.get('/metadata', (_request, reply) => send(reply, 200, capabilityStatement(base, '2026-01-01')));

    app.get('/CareTeam', async (request, reply) => {
      const nhs = nhsNumberFrom(request.query);
      const unscheduled = unscheduledFrom(request);
      const flags = await flagsByNhsNumber(services, looker(request), nhs, { unscheduled, via: 'fhir', resource: 'CareTeam' });
      const now = services.clock.now();
      return send(reply, 200, searchBundle(selfUrl('CareTeam', nhs), base, flags.map((f) => careTeam(f, now))));
    });

    app.get('/Flag', async (request, reply) => {
      const nhs = nhsNumberFrom(request.query);
      const unscheduled = unscheduledFrom(request);
      const flags = await flagsByNhsNumber(services, looker(request), nhs, { unscheduled, via: 'fhir', resource: 'Flag' });
      const now = services.clock.now();
      return send(reply, 200, searchBundle(selfUrl('Flag', nhs), base, flags.map((f) => flagResource(f, now))));
    });

    app.get('/AuditEvent', async (request, reply) => {
      const nhs = nhsNumberFrom(request.query);
      const events = await accessHistoryByNhsNumber(services, looker(request), nhs);
      return send(reply, 200, searchBundle(selfUrl('AuditEvent', nhs), base, events.map(auditEvent)));
    });
    return Promise.resolve();
  };
}
