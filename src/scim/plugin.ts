import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { seenSettings } from '../notifications/seen.ts';
import type { Services } from '../shared/context.ts';
import { Problem } from '../shared/errors.ts';
import { ScimError } from './errors.ts';
import { parseUserFilter, type UserCondition } from './filter.ts';
import { listResponse, serviceProviderConfig, userResource, userResourceType, userSchema, USER_SCHEMA } from './resources.ts';
import { resolveScimToken, type ScimCaller } from './tokens.ts';
import { createUser, deleteUser, getUser, listUsers, patchUser, replaceUser } from './users.ts';

/**
 * SCIM 2.0 (RFC 7643/7644) under /scim/v2, for an agency's identity provider (Microsoft Entra ID,
 * Okta …) to create, change and deactivate that agency's practitioners. Its own plugin, like FHIR:
 * its own bearer tokens (src/scim/tokens.ts; never a practitioner's session or API token), its own
 * content type (application/scim+json, plain JSON accepted too), and every error in SCIM's form —
 * never a 5xx for anything a caller can send. Not in the /api/v1 OpenAPI document: SCIM clients
 * read /ServiceProviderConfig, /ResourceTypes and /Schemas instead.
 */

const SCIM_JSON = 'application/scim+json; charset=utf-8';
const MAX_PAGE = 200;

declare module 'fastify' {
  interface FastifyRequest {
    scimCaller?: ScimCaller;
  }
}

function send(reply: FastifyReply, status: number, body?: unknown): FastifyReply {
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="jigsaw-scim"');
  if (body === undefined) return reply.code(status).send();
  return reply.code(status).type(SCIM_JSON).send(body);
}

export const sendScimError = (reply: FastifyReply, e: ScimError): FastifyReply => send(reply, e.status, e.body());
const sendError = sendScimError;

/** startIndex and count as RFC 7644 §3.4.2.4 says: a startIndex below 1 is 1, a negative count is 0; anything unreadable is invalidValue. */
function pageOf(query: Record<string, unknown>): { startIndex: number; count: number } {
  const int = (name: string, fallback: number): number => {
    const raw = query[name];
    if (raw === undefined || raw === '') return fallback;
    if (typeof raw !== 'string' || !/^-?\d{1,9}$/.test(raw.trim())) throw new ScimError(400, `${name} must be a whole number.`, 'invalidValue');
    return Number(raw.trim());
  };
  return { startIndex: Math.max(1, int('startIndex', 1)), count: Math.min(MAX_PAGE, Math.max(0, int('count', 100))) };
}

export interface ScimOptions {
  /** Where identity providers reach this server (default: JIGSAW_PUBLIC_URL); locations start with it. */
  publicUrl?: string;
}

/** The base URL to give an identity provider (Entra ID's "Tenant URL"). */
export const scimBaseUrl = (publicUrl: string = seenSettings().publicUrl): string => `${publicUrl}/scim/v2`;

/** Registers the interface; app.ts mounts it at /scim/v2. */
export function scimRoutes(services: Services, options: ScimOptions = {}): (app: FastifyInstance) => Promise<void> {
  return (app) => {
    const base = scimBaseUrl(options.publicUrl);
    const s = (request: FastifyRequest): Services => ({ ...services, requestId: request.id });
    const caller = (request: FastifyRequest): ScimCaller => request.scimCaller!;

    // SCIM's own media type, read as JSON (application/json is already parsed by Fastify).
    app.addContentTypeParser(['application/scim+json'], { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string) as unknown);
      } catch {
        done(new ScimError(400, 'The body is not valid JSON.', 'invalidSyntax'), undefined);
      }
    });

    app.setErrorHandler((error: FastifyError | ScimError | Problem, request, reply) => {
      if (error instanceof ScimError) return sendError(reply, error);
      // The per-address request limit (src/http/rate-limits.ts) has already set Retry-After.
      if (error instanceof Problem) return sendError(reply, new ScimError(error.status, error.detail ?? error.title));
      // A unique index beat our own check (two requests at once): the same answer the check gives.
      if ((error as { code?: unknown }).code === '23505') return sendError(reply, new ScimError(409, 'Another user already has this userName or externalId.', 'uniqueness'));
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        const detail = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'The body is too large.'
          : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'Send the body as application/scim+json.'
          : 'The request could not be read.';
        return sendError(reply, new ScimError(status, detail, status === 400 ? 'invalidSyntax' : undefined));
      }
      // The kind of failure only: database messages can quote values.
      request.log.error({ err: { name: error.name, code: error.code } }, 'scim request failed');
      return sendError(reply, new ScimError(500, 'The request was not completed; nothing was changed.'));
    });
    app.setNotFoundHandler((_request, reply) => sendError(reply, new ScimError(404, 'This server answers /Users, /ServiceProviderConfig, /ResourceTypes and /Schemas only.')));

    app.addHook('onRequest', async (request) => {
      const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
      const found = match?.[1] ? await resolveScimToken(services, match[1]) : undefined;
      if (!found) throw new ScimError(401, match ? 'The bearer token is not valid (expired, revoked, or not a SCIM token).' : 'Send Authorization: Bearer {token} made for your agency on the page /admin/scim.');
      request.scimCaller = found;
    });

    // Discovery (RFC 7644 §4): fixed documents, behind the token like everything else here.
    app.get('/ServiceProviderConfig', (_request, reply) => send(reply, 200, serviceProviderConfig(base)));
    app.get('/ResourceTypes', (_request, reply) => send(reply, 200, listResponse([userResourceType(base)], 1, 1)));
    app.get('/ResourceTypes/User', (_request, reply) => send(reply, 200, userResourceType(base)));
    app.get('/Schemas', (_request, reply) => send(reply, 200, listResponse([userSchema(base)], 1, 1)));
    app.get<{ Params: { id: string } }>('/Schemas/:id', (request, reply) => request.params.id === USER_SCHEMA
      ? send(reply, 200, userSchema(base))
      : sendError(reply, new ScimError(404, 'Jigsaw keeps the core User schema only.')));

    app.get('/Users', async (request, reply) => {
      const query = (request.query ?? {}) as Record<string, unknown>;
      const filter = query.filter;
      if (filter !== undefined && typeof filter !== 'string') throw new ScimError(400, 'Give filter once.', 'invalidFilter');
      const conditions: UserCondition[] = filter ? parseUserFilter(filter) : [];
      const { startIndex, count } = pageOf(query);
      const page = await listUsers(s(request), caller(request), conditions, startIndex, count);
      return send(reply, 200, listResponse(page.users.map((u) => userResource(base, u)), page.total, page.startIndex));
    });

    app.get<{ Params: { id: string } }>('/Users/:id', async (request, reply) =>
      send(reply, 200, userResource(base, await getUser(s(request), caller(request), request.params.id))));

    app.post('/Users', async (request, reply) => {
      const saved = await createUser(s(request), caller(request), request.body);
      void reply.header('location', `${base}/Users/${saved.record.id}`);
      return send(reply, 201, userResource(base, saved.record));
    });

    app.put<{ Params: { id: string } }>('/Users/:id', async (request, reply) =>
      send(reply, 200, userResource(base, await replaceUser(s(request), caller(request), request.params.id, request.body))));

    app.patch<{ Params: { id: string } }>('/Users/:id', async (request, reply) =>
      send(reply, 200, userResource(base, await patchUser(s(request), caller(request), request.params.id, request.body))));

    app.delete<{ Params: { id: string } }>('/Users/:id', async (request, reply) => {
      await deleteUser(s(request), caller(request), request.params.id);
      return send(reply, 204);
    });
    return Promise.resolve();
  };
}
