import { describe, expect, it } from 'vitest';
import { useTestDb } from '../db.ts';
import { services } from '../fixtures.ts';
import { testApp } from './helpers.ts';

describe('the OpenAPI document', () => {
  const t = useTestDb();

  it('is served at /api/v1/openapi.json as OpenAPI 3.1 and describes every endpoint with its request schema', async () => {
    const app = await testApp(services(t.db()));
    const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/people', '/api/v1/people/{id}/records', '/api/v1/records/{id}/corrections', '/api/v1/session']));
    const ref = doc.paths['/api/v1/people'].post.requestBody.content['application/json'].schema.$ref;
    expect(ref).toBe('#/components/schemas/NewPerson');
    const newPerson = doc.components.schemas.NewPerson;
    // The same zod schema that validates requests: unknown fields refused, kind enumerated.
    expect(newPerson.additionalProperties).toBe(false);
    expect(newPerson.properties.kind.enum).toEqual(['child', 'adult', 'unborn']);
    expect(doc.paths['/api/v1/people/{id}'].get.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
  });

  it('health answers 200 while the database is reachable', async () => {
    const app = await testApp(services(t.db()));
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('ok');
  });
});

describe('the root page', () => {
  const t = useTestDb();

  it('says Jigsaw is running and where the API is described, instead of answering 404', async () => {
    const app = await testApp(services(t.db()));
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('href="/api/v1/openapi.json"');
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
