import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../access/policy.ts';
import type { ActorContext, Services } from '../shared/context.ts';
import { badRequest, fieldProblems, invalid, unauthenticated } from '../shared/errors.ts';
import { cleanText, Uuid } from '../shared/schemas.ts';
import type { ApiTag } from './tags.ts';

/** The media types a route answers with besides JSON (CSV exports, printable pages, Excel workbooks). */
export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
type Produces = 'text/csv' | 'text/html' | 'text/css' | 'application/xml' | typeof XLSX;

/**
 * One declaration per endpoint: the same zod schemas validate the request, type the handler
 * and describe the endpoint in the OpenAPI document. Handlers only translate to a service call.
 */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  /** camelCase, unique across the API, a verb and what it acts on (searchPeople, getPerson): generated clients name their methods after it. */
  operationId: string;
  /** A short title, a line in a list of operations. */
  summary: string;
  /**
   * What an integrator needs to call it right: who may, what happens, and the rules between
   * fields that the schemas cannot show (each such rule is refused with a 422 naming the field).
   */
  description: string;
  tag: ApiTag;
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  /** The response's media type when it is not JSON (a CSV export, a printable page and its stylesheet). */
  produces?: Produces;
  status?: number;
  /** false for the few endpoints used before signing in. */
  auth?: boolean;
  handler: (input: { ctx: ActorContext; params: z.output<P>; query: z.output<Q>; body: z.output<B>; request: FastifyRequest; reply: FastifyReply }) => Promise<z.input<R>>;
}

export interface RegisteredRoute {
  method: string;
  url: string;
  operationId: string;
  summary: string;
  description: string;
  tag: ApiTag;
  params?: z.ZodType | undefined;
  query?: z.ZodType | undefined;
  body?: z.ZodType | undefined;
  response: z.ZodType;
  produces?: Produces | undefined;
  status: number;
  auth: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

const PURPOSE_HEADER = 'jigsaw-purpose';

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: 'body' | 'query' | 'params'): z.output<T> {
  if (!schema) return undefined as z.output<T>;
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (result.success) return result.data;
  if (where === 'params') throw invalid('The address is not valid.', fieldProblems(result.error, '/params'));
  if (where === 'body' && value === undefined) throw badRequest('This request needs a JSON body.', [{ pointer: '/body', detail: 'Missing request body' }]);
  return (() => {
    throw invalid('Some fields are not valid.', fieldProblems(result.error, where === 'body' ? '' : '/query'));
  })();
}

function refuseUnknownQuery(query: unknown): void {
  const keys = query && typeof query === 'object' ? Object.keys(query) : [];
  if (keys.length) throw invalid('This address takes no query parameters.', keys.map((k) => ({ pointer: `/query/${k}`, detail: 'Unknown parameter' })));
}

export class Api {
  readonly routes: RegisteredRoute[] = [];
  constructor(
    private readonly app: FastifyInstance,
    private readonly services: Services,
  ) {}

  route<P extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined, R extends z.ZodType = z.ZodType>(
    spec: RouteSpec<P, Q, B, R>,
  ): void {
    const auth = spec.auth ?? true;
    const status = spec.status ?? (spec.method === 'POST' ? 201 : 200);
    this.routes.push({
      method: spec.method, url: spec.url, operationId: spec.operationId, summary: spec.summary, description: spec.description, tag: spec.tag, params: spec.params, query: spec.query, body: spec.body, response: spec.response,
      produces: spec.produces, status, auth,
    });
    this.app.route({
      method: spec.method,
      url: spec.url.replace(/\{(\w+)\}/g, ':$1'),
      handler: async (request, reply) => {
        if (auth && !request.actor) throw unauthenticated();
        const params = parse(spec.params, request.params, 'params');
        if (!spec.query) refuseUnknownQuery(request.query);
        const query = parse(spec.query, request.query, 'query');
        const body = parse(spec.body, request.body, 'body');
        const purposeHeader = request.headers[PURPOSE_HEADER];
        const ctx: ActorContext = {
          ...this.services,
          actor: request.actor ?? { practitionerId: '', agencyId: '', roles: [], grants: [] },
          // Kept in the audit trail: control characters and lone surrogates would fail there (or hide text), so they are dropped.
          purpose: typeof purposeHeader === 'string' ? cleanText(purposeHeader).slice(0, 500) : undefined,
          requestId: request.id,
          readAudit: request.readAudit,
        };
        const result = await spec.handler({ ctx, params, query, body, request, reply });
        reply.code(status);
        return result;
      },
    });
  }
}

/** The one id in a path, made lower case by the shared Uuid. */
export const IdParams = z.strictObject({ id: Uuid });
