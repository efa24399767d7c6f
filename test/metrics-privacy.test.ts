import { describe, expect, it, onTestFinished } from 'vitest';
import { hashPassword } from '../src/auth/passwords.ts';
import { loadDemo } from '../src/demo/demo.ts';
import { createFhirToken } from '../src/fhir/tokens.ts';
import { buildApp } from '../src/http/app.ts';
import { fixedClock } from '../src/shared/clock.ts';
import { useTestDb } from './db.ts';
import { services } from './fixtures.ts';
import { AUTH_SETTINGS } from './api/helpers.ts';

const PASSWORD = 'demo-password-for-tests';
const METRICS_TOKEN = 'scrape-me-0123456789abcdef';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('metrics after real use of the demo partnership', () => {
  const t = useTestDb();

  it('hold no name, NHS number, date of birth or identifier of any demo person', async () => {
    const s = services(t.db(), fixedClock('2026-03-02T09:00:00Z'));
    await loadDemo(s, { passwordHash: await hashPassword(PASSWORD) });
    const app = await buildApp({ services: s, auth: AUTH_SETTINGS, metricsToken: METRICS_TOKEN });
    onTestFinished(() => app.close());

    const signIn = async (email: string): Promise<Record<string, string>> => {
      const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password: PASSWORD } });
      expect(res.statusCode, email).toBe(201);
      const cookie = res.cookies.find((c) => c.name === 'jigsaw_session')!;
      return { cookie: `jigsaw_session=${cookie.value}` };
    };
    const one = async <T>(sql: string, params: unknown[] = []): Promise<T> => (await t.db().query<T>(sql, params)).rows[0]!;

    // Case example 8: the children's social care lead opens Lily's page and searches by name.
    const lead = await signIn('priya.raman@northshire-childrens-services.example');
    const lily = await one<{ id: string }>(
      `SELECT p.id FROM person p JOIN agency a ON a.id = p.agency_id JOIN person_name n ON n.person_id = p.id
        WHERE a.name = 'Northshire Children''s Social Care' AND n.given_names = 'Lily'`);
    const page = await app.inject({ method: 'GET', url: `/people/${lily.id}`, headers: lead });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Lily');
    const search = await app.inject({ method: 'POST', url: '/api/v1/people/search', headers: lead, payload: { name: 'Lily Fletcher' } });
    expect(search.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: `/api/v1/people/${lily.id}/records`, headers: lead })).statusCode).toBe(200);

    // A hospital practitioner looks a flagged child up by NHS number; the hospital's system does so through FHIR.
    const flagged = await one<{ nhs_number: string }>('SELECT p.nhs_number FROM flag f JOIN person p ON p.id = f.person_id WHERE p.nhs_number IS NOT NULL ORDER BY p.nhs_number LIMIT 1');
    const nurse = await one<{ email: string }>(
      `SELECT p.email FROM practitioner p JOIN agency a ON a.id = p.agency_id JOIN practitioner_role r ON r.practitioner_id = p.id
        WHERE a.name = 'Northshire General Hospital' AND r.role IN ('practitioner', 'safeguarding_lead') ORDER BY p.email LIMIT 1`);
    const lookup = await app.inject({
      method: 'POST', url: '/api/v1/flags/lookup', headers: await signIn(nurse.email),
      payload: { setting: { name: 'Northshire General emergency department', type: 'emergency_department' }, unscheduled: true, nhsNumber: flagged.nhs_number },
    });
    expect(lookup.statusCode).toBe(200);
    expect(lookup.json().flags.length).toBeGreaterThan(0);
    const fhir = await createFhirToken(s, { settingName: 'Northshire General ED', settingType: 'emergency_department' });
    const fhirSearch = await app.inject({
      method: 'GET', url: `/fhir/r4/Flag?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|${flagged.nhs_number}`,
      headers: { authorization: `Bearer ${fhir.token}`, 'x-request-id': 'ed-system-42' },
    });
    expect(fhirSearch.statusCode).toBe(200);
    // The FHIR lookup's audit entries name the request they came from.
    const fhirAudit = await t.db().query<{ detail: unknown }>("SELECT detail FROM audit_event WHERE action = 'flags.lookup' AND entity_type = 'health_setting'");
    expect(fhirAudit.rows.length).toBeGreaterThan(0);
    for (const r of fhirAudit.rows) expect(JSON.stringify(r.detail)).toContain('"requestId":"ed-system-42"');
    // Addresses that miss: an unknown person, and a query string with a name in it.
    await app.inject({ method: 'GET', url: `/api/v1/people/00000000-0000-4000-8000-000000000000`, headers: lead });
    await app.inject({ method: 'GET', url: '/people/find?name=Lily+Fletcher', headers: lead });

    const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.statusCode).toBe(200);
    const text = res.body;
    const people = await t.db().query<{ id: string; given_names: string; family_name: string; nhs_number: string | null; date_of_birth: string | null }>(
      'SELECT p.id, n.given_names, n.family_name, p.nhs_number, p.date_of_birth FROM person p JOIN person_name n ON n.person_id = p.id');
    expect(people.rows.length).toBeGreaterThan(50);
    const leaked = new Set<string>();
    for (const p of people.rows) {
      for (const value of [p.given_names, p.family_name, p.nhs_number, p.date_of_birth, p.id]) {
        // Whole words: a name is personal data wherever it stands, but "Ben" inside another word is not a name.
        if (value && new RegExp(`\\b${escape(value)}\\b`, 'i').test(text)) leaked.add(value);
      }
    }
    expect([...leaked]).toEqual([]);
    expect(text).not.toContain(flagged.nhs_number);
    // The requests above were counted, by pattern.
    expect(text).toContain('route="/people/:id",status="200"');
    expect(text).toContain('route="/api/v1/flags/lookup",status="200"');
    expect(text).toContain('route="/fhir/r4/Flag",status="200"');
    expect(text).toMatch(/jigsaw_seen_deliveries_waiting\{channel="(webhook|email)"\} \d+/);

  });
});
