import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ROLES } from '../../src/access/policy.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, person, practitioner, services } from '../fixtures.ts';
import { bearer, testApp } from '../api/helpers.ts';

/**
 * Every operation in the OpenAPI document, sent hostile values in its path, query and body: NUL
 * and other control characters, half a surrogate pair, a body over the 1 MB limit, upper-case
 * ids, impossible dates, wrong types. Whatever is sent, the answer is never a 5xx, and every 4xx
 * is problem+json. Bounded: a few fixed sweeps per operation and FUZZ_RUNS random cases each
 * (3 unless set), from a fixed seed (FUZZ_SEED to change it; fast-check prints the seed and the
 * counterexample of a failure, so it can be replayed).
 */

const SEED = Number(process.env.FUZZ_SEED ?? 16);
const RUNS = Number(process.env.FUZZ_RUNS ?? 3);

type Json = Record<string, unknown>;

/** What the samples hold for free text, a date and a moment: the sweeps below replace exactly these. */
const TEXT = 'Something to say';
const DATE = '2026-02-20';
const DATE_TIME = '2026-03-01T10:00:00Z';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Fixed sweeps, each changing every value of one kind at once, so that each reaches the handler with all else valid. */
const SWEEPS: [string, (v: string) => string][] = [
  ['NUL in text', (v) => (v === TEXT ? 'Some\u0000thing' : v)],
  ['lone surrogate in text', (v) => (v === TEXT ? 'Some\uD800thing' : v)],
  ['bell in text', (v) => (v === TEXT ? 'Some\u0007thing' : v)],
  ['31 February', (v) => (v === DATE ? '2023-02-30' : v === DATE_TIME ? '2023-02-30T10:00:00Z' : v)],
  ['year 9999', (v) => (v === DATE ? '9999-12-31' : v === DATE_TIME ? '9999-12-31T23:59:59Z' : v)],
  ['year 1', (v) => (v === DATE ? '0001-01-01' : v === DATE_TIME ? '0001-01-01T00:00:00Z' : v)],
  ['upper-case ids', (v) => (UUID.test(v) ? v.toUpperCase() : v)],
  ['NUL everywhere', (v) => `${v}\u0000`],
];
interface Operation { method: string; path: string; op: Json }
interface Ids { person: string; other: string; agency: string; practitioner: string }

const HOSTILE_STRINGS = ['\u0000', 'Jack\u0000Smith', '\uD800', 'x\uDFFFy', '\u0007bell', '9999-12-31', '0001-01-01', '2023-02-30', '2023-02-30T10:00:00Z', '9999-12-31T23:59:59Z', '0001-01-01T00:00:00Z', ' ', ''];
const HOSTILE_OTHERS: unknown[] = [12345, -1, 1e308, true, null, [], {}, [null], { $ne: 1 }];
const hostile = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.constantFrom(...HOSTILE_OTHERS), fc.string({ unit: 'binary', maxLength: 20 }), fc.constant('x'.repeat(100_000)));

/** Percent-encodes for a path or query, lone surrogates as the invalid UTF-8 a raw client could send. */
function enc(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? '';
  return [...s].map((ch) => {
    try { return encodeURIComponent(ch); } catch { return '%ED%A0%80'; }
  }).join('');
}

function resolve(doc: Json, schema: unknown): Json {
  let s = (schema ?? {}) as Json;
  for (let i = 0; i < 10 && typeof s.$ref === 'string'; i++) {
    const name = s.$ref.split('/').pop()!;
    s = ((doc.components as Json).schemas as Json)[name] as Json;
  }
  return s;
}

/** A value the schema would probably take, with the ids of the fixtures (so handlers run deep). */
function sample(doc: Json, schemaIn: unknown, ids: Ids, name = '', depth = 0, every = false): unknown {
  const s = resolve(doc, schemaIn);
  if (depth > 8) return undefined;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const alternatives = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (alternatives?.length) return sample(doc, alternatives.find((a) => resolve(doc, a).type !== 'null') ?? alternatives[0], ids, name, depth + 1, every);
  if (Array.isArray(s.allOf)) return Object.assign({}, ...s.allOf.map((a) => sample(doc, a, ids, name, depth + 1, every) as Json));
  const type = Array.isArray(s.type) ? (s.type as string[]).find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const out: Json = {};
      const required = new Set((s.required ?? []) as string[]);
      for (const [k, v] of Object.entries((s.properties ?? {}) as Json)) if (every || required.has(k)) out[k] = sample(doc, v, ids, k, depth + 1, every);
      return out;
    }
    case 'array': return s.minItems || every ? [sample(doc, s.items, ids, name, depth + 1, every)] : [];
    case 'boolean': return false;
    case 'integer': case 'number': return typeof s.minimum === 'number' ? s.minimum : 1;
    case 'string': {
      if (s.format === 'uuid') return /agency/i.test(name) ? ids.agency : /practitioner|worker|owner/i.test(name) ? ids.practitioner : ids.person;
      if (s.format === 'date') return DATE;
      if (s.format === 'date-time') return DATE_TIME;
      if (s.format === 'email') return 'someone@example.org';
      if (s.format === 'uri') return 'https://example.org/hook';
      if (/nhsNumber/i.test(name)) return '9434765919';
      if (/postcode/i.test(name)) return 'NS1 2AB';
      if (/phone/i.test(name)) return '01234 567890';
      return TEXT;
    }
    default: return 'x';
  }
}

/** Every place in a sample value a hostile value can go, as property paths (the whole body is []). */
function slots(value: unknown, at: string[] = [], out: string[][] = []): string[][] {
  out.push(at);
  if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) slots(v, [...at, k], out);
  return out;
}

function put(value: unknown, at: string[], hostileValue: unknown): unknown {
  if (at.length === 0) return hostileValue;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as Json) }) as Json;
  copy[at[0]!] = put(copy[at[0]!], at.slice(1), hostileValue);
  return copy;
}

/** Every string in a value replaced (ids upper-cased when asked). */
function mapStrings(value: unknown, f: (s: string) => unknown): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)]));
  return value;
}

interface Case { params: Json; query: Json; body: unknown }

/** The parameters and body of an operation: required fields only, or every field (so optional text is reached too). */
function baseCase(doc: Json, o: Operation, ids: Ids, every = false): Case {
  const params: Json = {};
  const query: Json = {};
  for (const p of (o.op.parameters ?? []) as Json[]) {
    const v = sample(doc, p.schema, ids, p.name as string);
    if (p.in === 'path') params[p.name as string] = p.name === 'otherId' ? ids.other : v;
    else if (p.in === 'query' && p.required) query[p.name as string] = v;
  }
  const bodySchema = (((o.op.requestBody as Json | undefined)?.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema;
  return { params, query, body: bodySchema ? sample(doc, bodySchema, ids, '', 0, every) : undefined };
}

async function send(app: FastifyInstance, headers: Record<string, string>, o: Operation, c: Case): Promise<{ status: number; type: string; what: string }> {
  const url = `${o.path.replace(/\{(\w+)\}/g, (_m, n: string) => enc(c.params[n]))}`;
  const qs = Object.entries(c.query).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${enc(v)}`).join('&');
  const payload = c.body === undefined ? undefined : JSON.stringify(c.body);
  const res = await app.inject({ method: o.method.toUpperCase() as 'GET', url: qs ? `${url}?${qs}` : url, headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json' }, ...(payload === undefined ? {} : { payload }) });
  const what = `${o.method.toUpperCase()} ${o.path} params=${JSON.stringify(c.params).slice(0, 200)} query=${JSON.stringify(c.query).slice(0, 200)} body=${(payload ?? '').slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
  return { status: res.statusCode, type: String(res.headers['content-type'] ?? ''), what };
}

/** What went wrong, gathered over the whole run so that one run lists every failure. */
const failures: string[] = [];

/** Answers by status, printed with FUZZ_VERBOSE=1 to see how deep the cases reach. */
const seen = new Map<string, number>();

function check(r: { status: number; type: string; what: string }): void {
  if (process.env.FUZZ_VERBOSE) {
    const key = `${r.status} ${r.what.split(' ').slice(0, 2).join(' ')}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  if (r.status >= 500) failures.push(r.what);
  else if (r.status >= 400 && !/^application\/problem\+json/.test(r.type)) failures.push(`not problem+json: ${r.what}`);
}

describe('fuzzing every operation with hostile values', () => {
  const t = useTestDb();

  it('never answers 5xx, and every 4xx is problem+json', async () => {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care');
    // Every role, so handlers get past the role checks and run as deep as they can.
    const worker = await practitioner(s, csc, [...ROLES]);
    const jack = await person(worker);
    const jenny = await person(worker, { names: [{ use: 'usual', givenNames: 'Jenny', familyName: 'Smith' }] });
    const ids: Ids = { person: jack.id, other: jenny.id, agency: csc, practitioner: worker.actor.practitionerId };
    const app = await testApp(s);
    const headers = await bearer(worker);
    const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json<Json>();
    const operations: Operation[] = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
      Object.entries(item as Json).filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)).map(([method, op]) => ({ method, path, op: op as Json })));
    expect(operations.length).toBeGreaterThan(90);
    // Signing out would end nothing (a bearer token), but leave it to the end all the same.
    operations.sort((a, b) => Number(a.path === '/session') - Number(b.path === '/session'));

    for (const o of operations) {
      const base = baseCase(doc, o, ids);
      const full = baseCase(doc, o, ids, true);
      for (const [, f] of SWEEPS) {
        for (const b of base.body === undefined ? [base] : [base, full]) {
          const swept: Case = { params: mapStrings(b.params, f) as Json, query: mapStrings(b.query, f) as Json, body: mapStrings(b.body, f) };
          if (JSON.stringify(swept) !== JSON.stringify(b)) check(await send(app, headers, o, swept));
        }
      }
      // The full body as sampled, untouched: the baseline the hostile cases differ from.
      if (full.body !== undefined) check(await send(app, headers, o, full));
      if (base.body !== undefined) {
        // Over the 1 MB limit: refused before it is read (413), not a failure.
        const big = await send(app, headers, o, { ...base, body: put(base.body, [], { filler: 'x'.repeat(1_100_000) }) });
        if (big.status !== 413) failures.push(`not 413: ${big.what}`);
      }
      // Random: one hostile value in one place (a path or query parameter, or anywhere in the body).
      const places: { where: 'params' | 'query' | 'body'; at: string[] }[] = [
        ...Object.keys(base.params).map((k) => ({ where: 'params' as const, at: [k] })),
        ...((o.op.parameters ?? []) as Json[]).filter((q) => q.in === 'query').map((q) => ({ where: 'query' as const, at: [q.name as string] })),
        ...(full.body === undefined ? [] : slots(full.body).map((at) => ({ where: 'body' as const, at }))),
      ];
      if (places.length === 0) continue;
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...places), hostile, async (place, value) => {
          const c: Case = { params: { ...base.params }, query: { ...base.query }, body: base.body };
          if (place.where === 'body') c.body = put(full.body, place.at, value);
          else c[place.where][place.at[0]!] = value;
          check(await send(app, headers, o, c));
        }),
        { seed: SEED + operations.indexOf(o), numRuns: RUNS },
      );
    }
    if (process.env.FUZZ_VERBOSE) console.log([...seen].sort().map(([k, n]) => `${n}\t${k}`).join('\n'));
    expect(failures, `seed ${SEED}`).toEqual([]);
  }, 600_000);
});
