import { z } from 'zod';
import type { RegisteredRoute } from './route.ts';
import { API_TAGS, type ApiTag } from './tags.ts';

const ProblemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details. `errors` names each field at fault by JSON Pointer.',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { pointer: { type: 'string' }, detail: { type: 'string' } }, required: ['pointer', 'detail'] } },
  },
  required: ['type', 'title', 'status'],
};

type JsonSchema = Record<string, unknown>;

/**
 * Converts one zod schema. Schemas given an id with .meta({ id }) become named components;
 * where a schema reads differently as a request (defaults optional) and as a response, the
 * request form is named "<id>Input".
 */
class SchemaCollector {
  readonly components: Record<string, JsonSchema> = { Problem: ProblemSchema };

  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const js = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
    const defs = js.$defs ?? {};
    delete js.$defs;
    delete js.$schema;
    const names: Record<string, string> = {};
    for (const [id, def] of Object.entries(defs)) {
      const existing = this.components[id];
      const name = !existing || JSON.stringify(existing) === JSON.stringify(def) ? id : `${id}${io === 'input' ? 'Input' : 'Output'}`;
      names[id] = name;
      this.components[name] ??= def;
    }
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (value && typeof value === 'object') {
        const out: JsonSchema = {};
        for (const [k, v] of Object.entries(value)) {
          out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/') ? `#/components/schemas/${names[v.slice(8)] ?? v.slice(8)}` : rewrite(v);
        }
        return out;
      }
      return value;
    };
    for (const name of Object.values(names)) this.components[name] = rewrite(this.components[name]) as JsonSchema;
    return rewrite(js) as JsonSchema;
  }
}

function parameters(c: SchemaCollector, schema: z.ZodType | undefined, where: 'path' | 'query'): unknown[] {
  if (!schema) return [];
  const js = c.convert(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => {
    // A parameter's description belongs on the parameter, where documentation tools show it.
    const { description, ...rest } = s;
    return { name, in: where, required: where === 'path' || (js.required ?? []).includes(name), ...(typeof description === 'string' ? { description } : {}), schema: rest };
  });
}

const PAGINATED = [
  'This list is paginated. Ask for up to `limit` items (50 unless you say, at most 200); the answer is `{ items, nextCursor }`.',
  'While `nextCursor` is not null, pass it back as `cursor` (with the same other fields) for the next page. A cursor is opaque: one that was altered',
  'or comes from another list is refused with a 422 naming `cursor`. Pages start after the last item you were given, so nothing is shown twice;',
  'items you may not see never count towards a page.',
].join(' ');

/** Whether a converted query or body schema has a `cursor` field (looking through a component reference). */
function hasCursor(c: SchemaCollector, schema: JsonSchema | undefined): boolean {
  const ref = typeof schema?.$ref === 'string' ? schema.$ref.replace('#/components/schemas/', '') : undefined;
  const resolved = ref ? c.components[ref] : schema;
  return Boolean(resolved && typeof resolved.properties === 'object' && resolved.properties && 'cursor' in resolved.properties);
}

const OPERATION_ID = /^[a-z][a-zA-Z0-9]*$/;

/** Every operation names itself once, in camelCase: a generated client's method names depend on it. */
function checkOperationIds(routes: readonly RegisteredRoute[]): void {
  const seen = new Set<string>();
  for (const r of routes) {
    if (!OPERATION_ID.test(r.operationId)) throw new Error(`operationId ${r.operationId} (${r.method} ${r.url}) is not camelCase`);
    if (seen.has(r.operationId)) throw new Error(`operationId ${r.operationId} (${r.method} ${r.url}) is used twice`);
    seen.add(r.operationId);
  }
}

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export function openApiDocument(routes: readonly RegisteredRoute[], sessionCookie = 'jigsaw_session'): Record<string, unknown> {
  checkOperationIds(routes);
  const paths: Record<string, Record<string, unknown>> = {};
  const c = new SchemaCollector();
  for (const r of routes) {
    const query = parameters(c, r.query, 'query');
    const body = r.body ? c.convert(r.body, 'input') : undefined;
    const paginated = query.some((p) => (p as { name: string }).name === 'cursor') || hasCursor(c, body);
    const op: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      description: paginated ? `${r.description}\n\n${PAGINATED}` : r.description,
      tags: [r.tag],
      parameters: [...parameters(c, r.params, 'path'), ...query,
        { name: 'Jigsaw-Purpose', in: 'header', required: false, schema: { type: 'string', maxLength: 500 }, description: 'Why you are accessing this; kept in the audit trail.' }],
      responses: {
        [String(r.status)]: { description: 'Success', content: { [r.produces ?? 'application/json']: { schema: r.produces ? { type: 'string' } : c.convert(r.response, 'output') } } },
        '4XX': { description: 'A problem with the request', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
    };
    if (body) op.requestBody = { required: true, content: { 'application/json': { schema: body } } };
    if (r.auth) op.security = [{ bearer: [] }, { session: [] }];
    else op.security = [];
    (paths[`/api/v1${r.url}`] ??= {})[r.method.toLowerCase()] = op;
  }
  const used = new Set(routes.map((r) => r.tag));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Jigsaw API',
      version: '1',
      description: 'Multi-agency safeguarding information sharing. Every read and write is audited; a record outside your reach is answered as not found.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'The Jigsaw server this document was served from.' }],
    tags: Object.entries(API_TAGS).filter(([name]) => used.has(name as ApiTag)).map(([name, description]) => ({ name, description })),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token from `jigsaw token create`.' },
        session: { type: 'apiKey', in: 'cookie', name: sessionCookie, description: 'The session cookie set by POST /api/v1/session (the pages use it).' },
      },
      schemas: c.components,
    },
    paths,
  };
}
