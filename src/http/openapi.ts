import { z } from 'zod';
import type { RegisteredRoute } from './route.ts';

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
  const js = c.convert(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: s }));
}

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export function openApiDocument(routes: readonly RegisteredRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const c = new SchemaCollector();
  for (const r of routes) {
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      parameters: [...parameters(c, r.params, 'path'), ...parameters(c, r.query, 'query'),
        { name: 'Jigsaw-Purpose', in: 'header', required: false, schema: { type: 'string', maxLength: 500 }, description: 'Why you are accessing this; kept in the audit trail.' }],
      responses: {
        [String(r.status)]: { description: 'Success', content: { [r.produces ?? 'application/json']: { schema: r.produces ? { type: 'string' } : c.convert(r.response, 'output') } } },
        '4XX': { description: 'A problem with the request', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
    };
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: c.convert(r.body, 'input') } } };
    if (r.auth) op.security = [{ bearer: [] }, { session: [] }];
    else op.security = [];
    (paths[`/api/v1${r.url}`] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Jigsaw API',
      version: '1',
      description: 'Multi-agency safeguarding information sharing. Every read and write is audited; a record outside your reach is answered as not found.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token from `jigsaw token create`.' },
        session: { type: 'apiKey', in: 'cookie', name: 'jigsaw_session' },
      },
      schemas: c.components,
    },
    paths,
  };
}
