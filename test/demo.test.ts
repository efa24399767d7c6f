import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { decideRecord, type Actor } from '../src/access/policy.ts';
import { verifyAuditChain } from '../src/audit/audit.ts';
import { loadActor } from '../src/auth/auth.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { runDemo } from '../src/cli/demo-command.ts';
import { loadConfig } from '../src/config/config.ts';
import type { Database } from '../src/db/database.ts';
import { DEMO_PARTNERSHIP_NAME, loadDemo, type DemoAccount } from '../src/demo/demo.ts';
import { buildApp } from '../src/http/app.ts';
import { getRecord, listPersonRecords } from '../src/records/records.ts';
import { fixedClock } from '../src/shared/clock.ts';
import type { ActorContext, Services } from '../src/shared/context.ts';
import { resetDb, testDb, useTestDb } from './db.ts';
import { services } from './fixtures.ts';

const AUTH = { sessionIdleMinutes: 30, sessionMaxHours: 12, signInMaxFailures: 5, signInWindowMinutes: 15 };
const PASSWORD = 'demo-password-for-tests';
const NOW = '2026-03-02T09:00:00Z';

/** Who each agency has in its own index, as "Given Family" (the unborn baby as probation knows it). */
const PEOPLE_BY_AGENCY: Record<string, string[]> = {
  // Case example 1: Kate and her children.
  "Meadowbank Children's Centre": ['Alfie Marlow', 'Kate Marlow', 'Rosie Marlow'],
  'Northshire Council Housing Office': ['Alfie Marlow', 'Kate Marlow', 'Rosie Marlow'],
  // Case example 2: Cathy, Ben and Jake.
  'Home-Start Northshire': ['Ben Ellison', 'Cathy Ellison', 'Jake Ellison'],
  'Brookfield Primary School and Nursery': ['Ben Ellison', 'Cathy Ellison'],
  'Castle Street Surgery': ['Ben Ellison', 'Cathy Ellison', 'Jake Ellison'],
  // Case example 3: Jenny, Jack, their baby sister and their mother.
  'Riverside Primary School': ['Donna Carver', 'Jack Carver', 'Jenny Carver'],
  // Case example 4: the estate family.
  'Eastfield Primary School': ['Connor Maddox', 'Lorraine Maddox', 'Steve Maddox'],
  'Northgate Academy': ['Brett Maddox', 'Jackie Maddox', 'Lorraine Maddox', 'Steve Maddox'],
  // The youth offending service also supervises Charlie from case example 5.
  'Northshire Youth Offending Service': ['Charlie Ashworth', 'Michelle Ashworth', 'Brett Maddox', 'Connor Maddox', 'Jackie Maddox', 'Lorraine Maddox', 'Steve Maddox'],
  // Case example 5: the three JAG families.
  'Northshire Council Social Inclusion Unit': [
    'Ben Ashworth', 'Charlie Ashworth', 'Michelle Ashworth', 'Ellie Fenwick', 'Jordan Fenwick', 'Lee Fenwick', 'Sam Fenwick', 'Tracey Fenwick',
    'Dawn Hewitt', 'Louise Hewitt', 'Paul Hewitt', 'Tony Hewitt',
  ],
  'Northshire Homes Housing Trust': ['Ben Ashworth', 'Charlie Ashworth', 'Michelle Ashworth', 'Ellie Fenwick', 'Jordan Fenwick', 'Lee Fenwick', 'Sam Fenwick', 'Tracey Fenwick'],
  'Connexions Northshire': ['Ben Ashworth', 'Charlie Ashworth', 'Michelle Ashworth', 'Louise Hewitt'],
  // Case example 6: Helen and her mother.
  'Northshire General Hospital': ['Helen Whitfield', 'Sandra Whitfield'],
  // Case example 7: Natasha.
  'Northshire Sexual Health Clinic': ['Natasha Reid'],
  // Case example 8 (with agencies that also appear in other case examples).
  'Northshire Probation Delivery Unit': ['Baby Fletcher', 'Maggie Fletcher', 'Dawn Hewitt', 'Louise Hewitt', 'Paul Hewitt', 'Tony Hewitt', 'Mark Tulley'],
  'Northshire Police': [
    'Ben Ashworth', 'Charlie Ashworth', 'Michelle Ashworth', 'Ellie Fenwick', 'Jordan Fenwick', 'Lee Fenwick', 'Sam Fenwick', 'Tracey Fenwick',
    'Maggie Fletcher', 'Dawn Hewitt', 'Louise Hewitt', 'Paul Hewitt', 'Tony Hewitt', 'Brett Maddox', 'Connor Maddox', 'Jackie Maddox',
    'Lorraine Maddox', 'Steve Maddox', 'Mark Tulley',
  ],
  "Northshire Children's Social Care": [
    // Baby Fletcher: the unborn child's episode (the census counts unborn children); Lily is the same child after birth.
    'Baby Fletcher', 'Lily Fletcher', 'Maggie Fletcher', 'Dawn Hewitt', 'Louise Hewitt', 'Paul Hewitt', 'Tony Hewitt', 'Natasha Reid', 'Mark Tulley',
    'Helen Whitfield', 'Sandra Whitfield',
  ],
  'Northshire Community Midwifery Team': ['Lily Fletcher', 'Maggie Fletcher', 'Kate Marlow', 'Rosie Marlow', 'Mark Tulley'],
  'Northshire Health Visiting Service': [
    'Donna Carver', 'Jack Carver', 'Jenny Carver', 'Mia Carver', 'Ben Ellison', 'Cathy Ellison', 'Jake Ellison', 'Lily Fletcher',
    'Maggie Fletcher', 'Alfie Marlow', 'Kate Marlow', 'Rosie Marlow', 'Mark Tulley',
  ],
};

const byName = (a: string, b: string): number => {
  const [ga, fa] = [a.split(' ')[0]!, a.split(' ').slice(1).join(' ')];
  const [gb, fb] = [b.split(' ')[0]!, b.split(' ').slice(1).join(' ')];
  return fa.localeCompare(fb) || ga.localeCompare(gb);
};

async function peopleByAgency(db: Database): Promise<Record<string, string[]>> {
  const { rows } = await db.query<{ agency: string; name: string }>(
    `SELECT a.name AS agency, n.given_names || ' ' || n.family_name AS name
       FROM person p JOIN agency a ON a.id = p.agency_id JOIN person_name n ON n.person_id = p.id AND n.position = 0`,
  );
  const out: Record<string, string[]> = {};
  for (const r of rows) (out[r.agency] ??= []).push(r.name);
  for (const names of Object.values(out)) names.sort(byName);
  return out;
}

/** Full years and months between a date of birth and a moment. */
function age(dateOfBirth: string, at: Date): { years: number; months: number } {
  const [y, m, d] = dateOfBirth.split('-').map(Number) as [number, number, number];
  let months = (at.getUTCFullYear() - y) * 12 + (at.getUTCMonth() + 1 - m);
  if (at.getUTCDate() < d) months -= 1;
  return { years: Math.floor(months / 12), months };
}

async function practitionerByEmail(s: Services, email: string): Promise<ActorContext> {
  const { rows } = await s.db.query<{ id: string }>('SELECT id FROM practitioner WHERE email = $1', [email]);
  const actor = await loadActor(s.db, rows[0]!.id);
  return { ...s, actor: actor! };
}

async function personIn(s: Services, agencyName: string, givenNames: string): Promise<{ id: string; date_of_birth: string | null; expected_date_of_delivery: string | null; kind: string; communication_needs: string | null }> {
  const { rows } = await s.db.query<{ id: string; date_of_birth: string | null; expected_date_of_delivery: string | null; kind: string; communication_needs: string | null }>(
    `SELECT p.id, p.date_of_birth, p.expected_date_of_delivery, p.kind, p.communication_needs
       FROM person p JOIN agency a ON a.id = p.agency_id JOIN person_name n ON n.person_id = p.id
      WHERE a.name = $1 AND n.given_names = $2`,
    [agencyName, givenNames],
  );
  expect(rows, `${givenNames} in ${agencyName}`).toHaveLength(1);
  return rows[0]!;
}

/** The children are the ages the case examples give on the day the demo was loaded, and nothing is recorded after it. */
async function expectAgesOn(db: Database, now: string): Promise<void> {
  const at = new Date(now);
  const s = services(db, fixedClock(now));
  const years = async (agency: string, given: string): Promise<number> => age((await personIn(s, agency, given)).date_of_birth!, at).years;
  expect(await years('Riverside Primary School', 'Jenny')).toBe(6);
  expect(await years('Riverside Primary School', 'Jack')).toBe(4);
  expect(age((await personIn(s, 'Northshire Health Visiting Service', 'Mia')).date_of_birth!, at).months).toBe(12);
  expect(await years('Home-Start Northshire', 'Ben')).toBe(3);
  expect(age((await personIn(s, 'Home-Start Northshire', 'Jake')).date_of_birth!, at).months).toBe(6);
  expect(await years('Northgate Academy', 'Jackie')).toBe(15);
  expect(await years('Northgate Academy', 'Brett')).toBe(14);
  expect(await years('Eastfield Primary School', 'Connor')).toBe(10);
  expect(await years('Connexions Northshire', 'Louise')).toBe(14);
  expect(await years('Connexions Northshire', 'Charlie')).toBe(17);
  expect(await years('Northshire Homes Housing Trust', 'Jordan')).toBe(14);
  expect(await years('Northshire Homes Housing Trust', 'Ellie')).toBe(11);
  expect(await years('Northshire Homes Housing Trust', 'Sam')).toBe(9);
  expect(await years('Northshire Police', 'Tony')).toBe(17);
  expect(await years('Northshire General Hospital', 'Helen')).toBe(7);
  expect(await years('Northshire Sexual Health Clinic', 'Natasha')).toBe(14);
  const unborn = await personIn(s, 'Northshire Probation Delivery Unit', 'Baby');
  expect(unborn).toMatchObject({ kind: 'unborn', date_of_birth: null });
  expect(unborn.expected_date_of_delivery).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  const { rows } = await db.query<{ late: number; total: number }>(
    `SELECT count(*) FILTER (WHERE occurred_at > $1::timestamptz OR recorded_at > $1::timestamptz)::int AS late, count(*)::int AS total FROM agency_record_version`,
    [now],
  );
  expect(rows[0]).toMatchObject({ late: 0 });
  expect(rows[0]!.total).toBeGreaterThan(150);
  expect((await verifyAuditChain(db)).ok).toBe(true);
}

describe('the demo partnership', () => {
  // Loaded once, on NOW, for every test here: a load is most of this file's time. These tests read
  // it; what they write (the audit entries of their reads, a session) changes nothing another asserts.
  let db: Database;
  let accounts: DemoAccount[];
  beforeAll(async () => {
    db = await testDb();
    await resetDb(db);
    // No timing here: how fast the demo loads is not something a test on a busy machine can judge.
    accounts = await loadDemo(services(db, fixedClock(NOW)), { passwordHash: await hashPassword(PASSWORD) });
  });

  it('loads the people of all eight case examples into the agencies that know them, each agency with its own entry', async () => {
    const expected = Object.fromEntries(Object.entries(PEOPLE_BY_AGENCY).map(([a, names]) => [a, [...names].sort(byName)]));
    expect(await peopleByAgency(db)).toEqual(expected);
    // Every agency has staff, including a safeguarding lead.
    const { rows } = await db.query<{ name: string; roles: string[] }>(
      `SELECT a.name, array_agg(DISTINCT r.role) AS roles FROM agency a
         JOIN practitioner p ON p.agency_id = a.id JOIN practitioner_role r ON r.practitioner_id = p.id GROUP BY a.name`,
    );
    expect(rows).toHaveLength(19);
    for (const r of rows) expect(r.roles, r.name).toContain('safeguarding_lead');
    const csc = rows.find((r) => r.name === "Northshire Children's Social Care")!;
    expect(csc.roles).toEqual(expect.arrayContaining(['administrator', 'auditor', 'manager', 'social_worker']));
    expect(rows.find((r) => r.name === 'Northshire General Hospital')!.roles).toContain('caldicott_guardian');
  });

  it(`children are the ages the case examples give on the day the demo is loaded (${NOW}), and nothing is recorded in the future`, () => expectAgesOn(db, NOW));

  it('the records carry what the case examples teach: not brought, no access, restricted, protected sources, sensitive data, the child\'s words', async () => {
    const s = services(db, fixedClock(NOW));

    // Ben was not brought to his hearing checks as a baby (case example 2).
    const hv = await practitionerByEmail(s, 'ruth.adeyemi@northshire-health-visiting.example');
    const bensHealthRecords = await listPersonRecords(hv, (await personIn(s, 'Northshire Health Visiting Service', 'Ben')).id);
    expect(bensHealthRecords.filter((r) => r.kind === 'appointment' && r.outcome === 'not_brought').length).toBeGreaterThanOrEqual(3);

    // Case example 8: the social worker's three visits with no access, then the health visitor's.
    const csc = await practitionerByEmail(s, 'priya.raman@northshire-childrens-services.example');
    const lilyInCsc = await listPersonRecords(csc, (await personIn(s, "Northshire Children's Social Care", 'Lily')).id);
    expect(lilyInCsc.filter((r) => r.kind === 'home_visit').map((r) => r.outcome)).toEqual(['seen', 'no_access', 'no_access', 'no_access']);
    const lilyInHv = await listPersonRecords(hv, (await personIn(s, 'Northshire Health Visiting Service', 'Lily')).id);
    expect(lilyInHv.filter((r) => r.outcome === 'no_access')).toHaveLength(3);

    // Mark's history is with probation, back-dated (migrated) and marked as offences.
    const probation = await practitionerByEmail(s, 'margaret.oduya@northshire-probation.example');
    const marksHistory = await listPersonRecords(probation, (await personIn(s, 'Northshire Probation Delivery Unit', 'Mark')).id);
    expect(marksHistory.length).toBeGreaterThanOrEqual(2);
    for (const r of marksHistory) expect(r).toMatchObject({ backdated: true, sensitiveCategories: ['offences_and_proceedings'] });

    // Natasha: everything restricted; the child protection nurse is named and reads it all, a colleague reads nothing.
    const natasha = (await personIn(s, 'Northshire Sexual Health Clinic', 'Natasha')).id;
    const cpNurse = await practitionerByEmail(s, 'bridget.nolan@northshire-sexual-health.example');
    const colleague = await practitionerByEmail(s, 'owen.jenkins@northshire-sexual-health.example');
    const seenByNurse = await listPersonRecords(cpNurse, natasha);
    expect(seenByNurse).toHaveLength(7);
    expect(seenByNurse.every((r) => r.restricted && r.sensitiveCategories.includes('sexual_life'))).toBe(true);
    expect(seenByNurse.map((r) => r.childsWords)).toContain('I walked into a door.');
    expect(await listPersonRecords(colleague, natasha)).toEqual([]);

    // Connor's own words; neighbours' names visible only inside the police to the safeguarding lead and the author.
    const eastfield = await practitionerByEmail(s, 'neil.parry@eastfield-primary.example');
    const connorsRecords = await listPersonRecords(eastfield, (await personIn(s, 'Eastfield Primary School', 'Connor')).id);
    expect(connorsRecords.find((r) => r.childsWords?.includes('naughty things'))).toMatchObject({ reportedOrWitnessed: 'reported', source: { type: 'child' } });
    const constable = await practitionerByEmail(s, 'sophie.turner@northshire-police.example');
    const firesAboutJackie = (await listPersonRecords(constable, (await personIn(s, 'Northshire Police', 'Jackie')).id)).find((r) => r.kind === 'incident')!;
    expect(firesAboutJackie.source).toEqual({ type: 'member_of_public', description: null, identityProtected: true });

    // Helen's communication needs; the mother's mental health in case example 3 is sensitive and confidential.
    expect((await personIn(s, 'Northshire General Hospital', 'Helen')).communication_needs).toMatch(/very little verbal communication/);
    const donnasHealth = await listPersonRecords(hv, (await personIn(s, 'Northshire Health Visiting Service', 'Donna')).id);
    expect(donnasHealth.some((r) => r.confidential && r.sensitiveCategories.includes('physical_or_mental_health') && /postnatal depression/.test(r.summary))).toBe(true);

    // Helen's bruising was corrected: two versions.
    const hospital = await practitionerByEmail(s, 'james.whitaker@northshire-hospital.example');
    const helensRecords = await listPersonRecords(hospital, (await personIn(s, 'Northshire General Hospital', 'Helen')).id);
    expect(helensRecords.find((r) => r.version === 2)).toMatchObject({ summary: expect.stringContaining('thighs'), correctionReason: expect.any(String) });
  });

  it('a demo account signs in through the HTTP API with the demo password and sees who they are in the story', async () => {
    const s = services(db, fixedClock(NOW));
    const teacher = accounts.find((a) => a.jobTitle.startsWith("Jack's class teacher"))!;
    expect(teacher).toMatchObject({ email: 'amira.shah@riverside-primary.example', agencyName: 'Riverside Primary School', roles: ['practitioner'] });
    expect(accounts.every((a) => /@[a-z-]+\.example$/.test(a.email))).toBe(true);
    expect(new Set(accounts.map((a) => a.email)).size).toBe(accounts.length);

    const app = await buildApp({ services: s, auth: AUTH });
    onTestFinished(() => app.close());
    const wrong = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: teacher.email, password: 'not-the-password' } });
    expect(wrong.statusCode).toBe(401);
    const signIn = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: teacher.email, password: PASSWORD } });
    expect(signIn.statusCode).toBe(201);
    const cookie = signIn.cookies.find((c) => c.name === 'jigsaw_session')!;
    expect(cookie.httpOnly).toBe(true);
    const me = await app.inject({ method: 'GET', url: '/api/v1/me', cookies: { jigsaw_session: cookie.value } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ name: 'Amira Shah', jobTitle: "Jack's class teacher (case example 3)", roles: ['practitioner'] });
    const search = await app.inject({ method: 'POST', url: '/api/v1/people/search', cookies: { jigsaw_session: cookie.value }, payload: { name: 'Jack' } });
    expect(search.statusCode).toBe(200);
    expect(search.json().items.map((p: { names: { givenNames: string; familyName: string }[] }) => `${p.names[0]!.givenNames} ${p.names[0]!.familyName}`)).toEqual(['Jack Carver']);
  });

  it("no agency can read another agency's demo records", async () => {
    const s = services(db, fixedClock(NOW));
    const records = (await db.query<{ id: string; agency_id: string; restricted: boolean; created_by: string; named: string[] | null }>(
      `SELECT r.id, r.agency_id, r.restricted, r.created_by,
              (SELECT array_agg(n.practitioner_id) FROM record_named_practitioner n WHERE n.record_id = r.id) AS named
         FROM agency_record r`,
    )).rows;
    const staff = (await db.query<{ id: string; agency_id: string; agency: string; roles: string[] }>(
      `SELECT p.id, p.agency_id, a.name AS agency, array_agg(r.role) AS roles
         FROM practitioner p JOIN agency a ON a.id = p.agency_id JOIN practitioner_role r ON r.practitioner_id = p.id GROUP BY p.id, a.name`,
    )).rows;

    // The policy, for every practitioner and every record: nobody reads across agencies.
    const now = new Date(NOW);
    for (const p of staff) {
      const actor: Actor = { practitionerId: p.id, agencyId: p.agency_id, roles: p.roles as Actor['roles'], grants: [] };
      for (const r of records) {
        const allowed = decideRecord(actor, 'read', { id: r.id, agencyId: r.agency_id, restricted: r.restricted, createdBy: r.created_by, namedPractitionerIds: r.named ?? [] }, now).allowed;
        if (r.agency_id !== p.agency_id) expect(allowed, `${p.agency} reading a record of another agency`).toBe(false);
      }
    }

    // Through the services, as each agency's safeguarding lead (the widest reach inside an agency):
    // one record of every other agency answers exactly like a record that does not exist.
    const missing = await getRecord({ ...s, actor: (await loadActor(db, staff[0]!.id))! }, '00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
    const agencies = [...new Set(records.map((r) => r.agency_id))];
    expect(agencies).toHaveLength(19);
    for (const agencyId of agencies) {
      const lead = staff.find((p) => p.agency_id === agencyId && p.roles.includes('safeguarding_lead'))!;
      const ctx: ActorContext = { ...s, actor: (await loadActor(db, lead.id))! };
      for (const other of agencies.filter((a) => a !== agencyId)) {
        const sample = records.find((r) => r.agency_id === other)!;
        const refused = await getRecord(ctx, sample.id).catch((e: unknown) => e);
        expect(refused, `${lead.agency} reading a record of another agency`).toEqual(missing);
      }
      // Their own people's chronologies hold only their own agency's records.
      const own = (await db.query<{ id: string }>('SELECT id FROM person WHERE agency_id = $1', [agencyId])).rows;
      let seen = 0;
      for (const person of own) {
        const list = await listPersonRecords(ctx, person.id);
        expect(list.every((r) => r.agencyId === agencyId)).toBe(true);
        seen += list.length;
      }
      expect(seen, `${lead.agency}'s safeguarding lead sees all of the agency's records`).toBe(records.filter((r) => r.agency_id === agencyId).length);
    }
  });
});

describe('the demo partnership loaded afresh', () => {
  const t = useTestDb();
  let passwordHash: string;
  beforeAll(async () => {
    // argon2 is deliberately slow: hash once for the whole file.
    passwordHash = await hashPassword(PASSWORD);
  });

  it.each(['2028-02-29T18:30:00Z', '2027-01-02T08:00:00Z'])(
    'children are the ages the case examples give on the day the demo is loaded (%s), and nothing is recorded in the future',
    async (now) => {
      await loadDemo(services(t.db(), fixedClock(now)), { passwordHash });
      await expectAgesOn(t.db(), now);
    },
  );

  it('loading twice with the demo command does not duplicate anything', async () => {
    const s = services(t.db(), fixedClock(NOW));
    const dataDir = await mkdtemp(join(tmpdir(), 'jigsaw-demo-'));
    onTestFinished(() => rm(dataDir, { recursive: true, force: true }));
    const config = { ...loadConfig({}), dataDir };
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    const counts = async (): Promise<Record<string, number>> => {
      const c: Record<string, number> = {};
      for (const table of ['partnership', 'agency', 'practitioner', 'person', 'relationship', 'lead_worker', 'agency_record', 'agency_record_version']) {
        c[table] = (await t.db().query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
      }
      return c;
    };

    expect(await runDemo(s, config, io, PASSWORD)).toBe(0);
    const first = await counts();
    expect(first).toMatchObject({ partnership: 1, agency: 19 });
    expect(out.join('\n')).toContain(`Demo partnership loaded: ${DEMO_PARTNERSHIP_NAME}`);
    expect(out.join('\n')).toMatch(/amira\.shah@riverside-primary\.example +Amira Shah, Jack's class teacher \(case example 3\) — Riverside Primary School \[practitioner\]/);

    out.length = 0;
    expect(await runDemo(s, config, io, 'a-different-password')).toBe(0);
    expect(await counts()).toEqual(first);
    expect(out[0]).toBe('The demo partnership is already loaded.');
    // The sign-in details from the first load are printed again: the password did not change.
    expect(out.join('\n')).toContain(PASSWORD);
  });

});
