import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { CASEWORK_ROLES, ROLES, type Role } from '../../src/access/policy.ts';
import { addPractitionerAsSystem } from '../../src/partnership/partnership.ts';
import type { AgencyType } from '../../src/partnership/schemas.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, person, practitioner, services } from '../fixtures.ts';
import { bearer, testApp } from '../api/helpers.ts';

/**
 * Issue 16, defect 5: a teacher who typed a name and a date of birth into "possible same person"
 * was told that the sexual health clinic and children's social care each held the child, with
 * their ids. Now another agency's possible match reaches only a role with a basis, a sensitive
 * service is never named, another agency's id for its entry is never given, and a cross-agency
 * "same person" waits for the other agency (or children's social care's recorded lawful basis).
 */

const KAYLEIGH = { names: [{ givenNames: 'Kayleigh', familyName: 'Brennan' }], dateOfBirth: '2009-03-14', sex: 'female' as const, addresses: [{ line1: '3 Wharf Street', postcode: 'NS2 4QT', town: 'Northshire' }] };
const SEARCH = { givenNames: 'Kayleigh', familyName: 'Brennan', dateOfBirth: '2009-03-14', sex: 'female', address: '3 Wharf Street', postcode: 'NS2 4QT', town: 'Northshire' };
const NOBODY = { ...SEARCH, givenNames: 'Zebedee', familyName: 'Quartermaine', dateOfBirth: '2011-01-01' };
const ASK = 'If you think another agency knows this child, ask your safeguarding lead.';

type Body = { candidates: { ref: string; heldBy: string; personId: string | null; agencyId: string | null; agencyName: string | null }[]; notice: string };

describe('who learns that an agency knows a child', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function setUp() {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const ids = {
      school: await agency(s, p, 'school', 'Riverside Primary'),
      clinic: await agency(s, p, 'sexual_health_clinic', 'Northshire Sexual Health Clinic'),
      csc: await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care"),
      hv: await agency(s, p, 'health_visiting', 'Northshire Health Visiting Service'),
      refuge: await agency(s, p, 'voluntary_sector', 'Northshire Refuge'),
    };
    const teacher = await practitioner(s, ids.school);
    const nurse = await practitioner(s, ids.clinic);
    const socialWorker = await practitioner(s, ids.csc, ['social_worker']);
    const hvLead = await practitioner(s, ids.hv, ['safeguarding_lead']);
    const refugeWorker = await practitioner(s, ids.refuge);
    const refugeAdmin = await practitioner(s, ids.refuge, ['administrator']);
    const entries = {
      clinic: await person(nurse, KAYLEIGH),
      csc: await person(socialWorker, KAYLEIGH),
      hv: await person(hvLead, KAYLEIGH),
      refuge: await person(refugeWorker, KAYLEIGH),
    };
    app = await testApp(s);
    // The refuge's administrator marks it sensitive: it is then never named either.
    const marked = await app.inject({ method: 'PUT', url: `/api/v1/agencies/${ids.refuge}/sensitive`, headers: await bearer(refugeAdmin), payload: { sensitive: true, reason: 'A refuge: who stays here is never disclosed' } });
    expect(marked.statusCode).toBe(200);
    expect(marked.json()).toMatchObject({ sensitive: true });
    return { s, p, ids, teacher, nurse, socialWorker, hvLead, entries };
  }

  const post = async (ctx: ActorContext, url: string, payload: unknown) => app!.inject({ method: 'POST', url: `/api/v1${url}`, headers: await bearer(ctx), payload: payload as Record<string, unknown> });
  const get = async (ctx: ActorContext, url: string) => app!.inject({ method: 'GET', url: `/api/v1${url}`, headers: await bearer(ctx) });

  it('a teacher who searches for a child the clinic and children\'s social care know learns nothing: the answer is the one for nobody', async () => {
    const x = await setUp();
    const found = await post(x.teacher, '/people/candidates', SEARCH);
    const none = await post(x.teacher, '/people/candidates', NOBODY);
    expect(found.statusCode).toBe(200);
    expect(found.json()).toEqual({ candidates: [], notice: ASK });
    expect(found.json()).toEqual(none.json());
    for (const leak of [...Object.values(x.entries).map((e) => e.id), x.ids.clinic, x.ids.csc, 'Sexual Health', 'Social Care', 'another service']) {
      expect(found.body).not.toContain(leak);
    }
    expect((await t.db().query("SELECT 1 FROM audit_event WHERE action = 'person.candidate-disclosure'")).rows).toHaveLength(0);
  });

  it('a social worker sees children\'s social care\'s partners by name, the clinic and the refuge only as "another service", and no one\'s id for the entry', async () => {
    const x = await setUp();
    const res = await post(x.socialWorker, '/people/candidates', SEARCH);
    expect(res.statusCode).toBe(200);
    const body = res.json<Body>();
    const shown = body.candidates.map((c) => [c.heldBy, c.agencyName, c.personId]);
    expect(shown).toEqual(expect.arrayContaining([
      ['your_agency', "Northshire Children's Social Care", x.entries.csc.id],
      ['another_agency', 'Northshire Health Visiting Service', null],
      ['another_service', null, null],
      ['another_service', null, null],
    ]));
    expect(shown).toHaveLength(4);
    for (const leak of [x.entries.clinic.id, x.entries.hv.id, x.entries.refuge.id, x.ids.clinic, x.ids.refuge, 'Sexual Health', 'Refuge']) expect(res.body).not.toContain(leak);
    // Each disclosure is audited by the holding agency: who was told, and whether it was named.
    const audited = (await t.db().query<{ detail: { holdingAgencyId: string; toAgencyId: string; named: boolean } }>(
      "SELECT detail FROM audit_event WHERE action = 'person.candidate-disclosure' ORDER BY seq")).rows.map((r) => [r.detail.holdingAgencyId, r.detail.toAgencyId, r.detail.named]);
    expect(audited).toEqual(expect.arrayContaining([[x.ids.hv, x.ids.csc, true], [x.ids.clinic, x.ids.csc, false], [x.ids.refuge, x.ids.csc, false]]));
    expect(audited).toHaveLength(3);
  });

  it('a cross-agency "same person" links nothing until the other agency accepts, unless children\'s social care records a lawful basis — never for a sensitive service', async () => {
    const x = await setUp();
    const offered = (await get(x.socialWorker, `/people/${x.entries.csc.id}/candidates`)).json<Body>().candidates;
    const hv = offered.find((c) => c.heldBy === 'another_agency')!;
    const services = offered.filter((c) => c.heldBy === 'another_service');
    const links = async (): Promise<number> => (await t.db().query<{ n: number }>('SELECT count(*)::int AS n FROM person_link WHERE unlinked_at IS NULL')).rows[0]!.n;
    const involved = async (): Promise<string[]> => (await get(x.socialWorker, `/people/${x.entries.csc.id}/agencies-involved`)).json<{ agencies: { name: string }[] }>().agencies.map((a) => a.name);

    // Asking the clinic: a request, no link, nothing visible.
    const asked = await post(x.socialWorker, `/people/${x.entries.csc.id}/candidates/${services[0]!.ref}/same-person`, { reason: 'Same name, date of birth and address' });
    expect(asked.statusCode).toBe(201);
    expect(asked.json()).toMatchObject({ outcome: 'requested', linkId: null });
    // A lawful basis does not reach a sensitive service.
    const forced = await post(x.socialWorker, `/people/${x.entries.csc.id}/candidates/${services[1]!.ref}/same-person`, { reason: 'Section 47 enquiry', lawfulBasis: 'statutory_duty' });
    expect(forced.statusCode).toBe(422);
    expect(forced.json<{ errors: { pointer: string }[] }>().errors.map((e) => e.pointer)).toEqual(['/lawfulBasis']);
    expect(await links()).toBe(0);
    expect(await involved()).toEqual(["Northshire Children's Social Care"]);
    // The clinic's safeguarding lead... is not the nurse: a practitioner sees no requests and cannot answer.
    expect((await get(x.nurse, '/person-link-requests')).json()).toEqual({ requests: [] });
    const requestId = asked.json<{ requestId: string }>().requestId;
    expect((await post(x.nurse, `/person-link-requests/${requestId}/accept`, { reason: 'x' })).statusCode).toBe(404);
    expect(await links()).toBe(0);

    // Children's social care on a recorded lawful basis links the health visiting service's entry at once.
    const lawful = await post(x.socialWorker, `/people/${x.entries.csc.id}/candidates/${hv.ref}/same-person`, { reason: 'Section 47 enquiry', lawfulBasis: 'statutory_duty' });
    expect(lawful.statusCode).toBe(201);
    expect(lawful.json()).toMatchObject({ outcome: 'linked', requestId: null });
    expect(await involved()).toEqual(expect.arrayContaining(['Northshire Health Visiting Service']));
    expect(await involved()).not.toContain('Northshire Sexual Health Clinic');
    const basis = await t.db().query<{ lawful_basis: string }>('SELECT lawful_basis FROM person_link');
    expect(basis.rows.map((r) => r.lawful_basis)).toEqual(['statutory_duty']);
  });

  it('a safeguarding lead outside children\'s social care cannot link on a lawful basis: it asks', async () => {
    const x = await setUp();
    const lead = await practitioner(x.s, x.ids.school, ['safeguarding_lead']);
    const jack = await person(lead, KAYLEIGH);
    const hv = (await get(lead, `/people/${jack.id}/candidates`)).json<Body>().candidates.find((c) => c.agencyName === 'Northshire Health Visiting Service')!;
    expect(hv.heldBy).toBe('another_agency');
    const res = await post(lead, `/people/${jack.id}/candidates/${hv.ref}/same-person`, { reason: 'x', lawfulBasis: 'statutory_duty' });
    expect(res.statusCode).toBe(422);
    // And another lead's offer is not theirs to use: references are per practitioner.
    const other = await practitioner(x.s, x.ids.school, ['safeguarding_lead']);
    expect((await post(other, `/people/${jack.id}/candidates/${hv.ref}/same-person`, { reason: 'x' })).statusCode).toBe(404);
    expect((await t.db().query('SELECT 1 FROM person_link')).rows).toHaveLength(0);
  });

  it('the person page for a teacher no longer names the health visiting service, and always says whom to ask', async () => {
    const x = await setUp();
    const password = 'violet-lantern-harbour-92';
    const amira = await addPractitionerAsSystem(x.s, { agencyId: x.ids.school, name: 'Amira Shah', email: 'amira.shah@riverside.example', roles: ['practitioner'], password });
    const signIn = await app!.inject({ method: 'POST', url: '/api/v1/session', payload: { email: amira.email, password } });
    expect(signIn.statusCode).toBe(201);
    const cookies = { jigsaw_session: signIn.cookies.find((c) => c.name === 'jigsaw_session')!.value };
    const jack = await person({ ...x.teacher, actor: { ...x.teacher.actor, practitionerId: amira.id } }, KAYLEIGH);
    const page = await app!.inject({ method: 'GET', url: `/people/${jack.id}`, cookies });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Possible same person');
    // Counted among her own school's entries only: the sentence is the one for a child nobody else knows.
    expect(page.body).toContain('No possible matches in your agency’s index were found when this entry was last checked');
    expect(page.body).toContain('ask your safeguarding lead');
    for (const leak of ['Health Visiting', 'Sexual Health', 'Social Care', 'Another service', x.entries.hv.id, x.entries.clinic.id]) expect(page.body).not.toContain(leak);
  });

  it('the candidates page for a social worker names the health visiting service, and the clinic and the refuge only as "another service"', async () => {
    const x = await setUp();
    const password = 'violet-lantern-harbour-92';
    const sw = await addPractitionerAsSystem(x.s, { agencyId: x.ids.csc, name: 'Sam Okoro', email: 'sam.okoro@csc.example', roles: ['social_worker'], password });
    const signIn = await app!.inject({ method: 'POST', url: '/api/v1/session', payload: { email: sw.email, password } });
    const cookies = { jigsaw_session: signIn.cookies.find((c) => c.name === 'jigsaw_session')!.value };
    // Issue 21: the person page counts the suggestions kept when the entries were written, naming no agency…
    const personPage = await app!.inject({ method: 'GET', url: `/people/${x.entries.csc.id}`, cookies });
    expect(personPage.statusCode).toBe(200);
    expect(personPage.body).toMatch(/\d+ entries may be this person: 0 in your agency, \d+ held by other agencies/);
    for (const leak of ['Health Visiting', 'Sexual Health', 'Refuge', x.entries.hv.id, x.entries.clinic.id, x.entries.refuge.id]) expect(personPage.body).not.toContain(leak);
    // …and the candidates page works them out now, as the policy allows them to be told.
    const page = await app!.inject({ method: 'GET', url: `/people/${x.entries.csc.id}/candidates`, cookies });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Northshire Health Visiting Service: ');
    expect(page.body.match(/Another service holds a possible match: /g)).toHaveLength(2);
    expect(page.body).toContain('Ask to link as the same person');
    for (const leak of ['Sexual Health', 'Refuge', x.entries.hv.id, x.entries.clinic.id, x.entries.refuge.id]) expect(page.body).not.toContain(leak);
  });
});

describe('answering a link request on the pages', () => {
  const t = useTestDb();

  it('the clinic\'s safeguarding lead sees children\'s social care\'s request in her tasks and accepts it; only then are the entries linked', async () => {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const clinic = await agency(s, p, 'sexual_health_clinic', 'Northshire Sexual Health Clinic');
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const password = 'violet-lantern-harbour-92';
    const lead = await addPractitionerAsSystem(s, { agencyId: clinic, name: 'Mary Achebe', email: 'mary@clinic.example', roles: ['safeguarding_lead'], password });
    const nurse = await practitioner(s, clinic);
    const socialWorker = await practitioner(s, csc, ['social_worker']);
    const atClinic = await person(nurse, KAYLEIGH);
    const atCsc = await person(socialWorker, KAYLEIGH);
    const app = await testApp(s);
    onTestFinished(() => app.close());
    const ref = (await app.inject({ method: 'GET', url: `/api/v1/people/${atCsc.id}/candidates`, headers: await bearer(socialWorker) })).json<Body>().candidates[0]!.ref;
    const asked = await app.inject({ method: 'POST', url: `/api/v1/people/${atCsc.id}/candidates/${ref}/same-person`, headers: await bearer(socialWorker), payload: { reason: 'Same name, date of birth and address' } });
    expect(asked.json()).toMatchObject({ outcome: 'requested' });

    const signIn = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: lead.email, password } });
    const session = signIn.cookies.find((c) => c.name === 'jigsaw_session')!.value;
    const tasks = await app.inject({ method: 'GET', url: '/tasks', cookies: { jigsaw_session: session } });
    expect(tasks.statusCode).toBe(200);
    expect(tasks.body).toContain('Same-person link requests to answer');
    expect(tasks.body).toContain("Northshire Children&#39;s Social Care asked");
    expect(tasks.body).not.toContain(atCsc.id);
    const action = /action="(\/person-link-requests\/[^"]+\/accept)"/.exec(tasks.body)![1]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(tasks.body)![1]!;
    const cookies = Object.fromEntries([...tasks.cookies.map((c) => [c.name, c.value]), ['jigsaw_session', session]]);
    expect((await t.db().query('SELECT 1 FROM person_link')).rows).toHaveLength(0);
    const accepted = await app.inject({ method: 'POST', url: action, cookies, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(token)}` });
    expect(accepted.statusCode).toBe(303);
    expect(accepted.headers.location).toBe('/tasks?done=link-request-answered');
    const linked = await t.db().query<{ person_id: string; other_person_id: string }>('SELECT person_id, other_person_id FROM person_link');
    expect(linked.rows).toEqual([{ person_id: atCsc.id, other_person_id: atClinic.id }]);
  });
});

describe('marking an agency sensitive', () => {
  const t = useTestDb();

  it('the refuge\'s administrator marks it on the agencies page; no one else can, and a clinic is sensitive without being marked', async () => {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const refuge = await agency(s, p, 'voluntary_sector', 'Northshire Refuge');
    const clinic = await agency(s, p, 'sexual_health_clinic', 'Northshire Sexual Health Clinic');
    const password = 'violet-lantern-harbour-92';
    const admin = await addPractitionerAsSystem(s, { agencyId: refuge, name: 'Jo Admin', email: 'jo@refuge.example', roles: ['administrator'], password });
    const worker = await practitioner(s, refuge);
    const app = await testApp(s);
    onTestFinished(() => app.close());
    // A practitioner, and an administrator of another agency, are answered as if there were no such agency.
    expect((await app.inject({ method: 'PUT', url: `/api/v1/agencies/${refuge}/sensitive`, headers: await bearer(worker), payload: { sensitive: true, reason: 'x' } })).statusCode).toBe(404);
    const clinicAdmin = await practitioner(s, clinic, ['administrator']);
    expect((await app.inject({ method: 'PUT', url: `/api/v1/agencies/${refuge}/sensitive`, headers: await bearer(clinicAdmin), payload: { sensitive: true, reason: 'x' } })).statusCode).toBe(404);

    const signIn = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: admin.email, password } });
    const session = signIn.cookies.find((c) => c.name === 'jigsaw_session')!.value;
    const page = await app.inject({ method: 'GET', url: '/admin/agencies', cookies: { jigsaw_session: session } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Never name it');
    expect(page.body.match(/No: “another service”/g)).toHaveLength(1); // the clinic, by its kind
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookies = Object.fromEntries([...page.cookies.map((c) => [c.name, c.value]), ['jigsaw_session', session]]);
    const marked = await app.inject({ method: 'POST', url: `/admin/agencies/${refuge}/sensitive`, cookies, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(token)}&sensitive=true` });
    expect(marked.statusCode).toBe(303);
    const agencies = (await app.inject({ method: 'GET', url: '/api/v1/agencies', headers: await bearer(worker) })).json<{ name: string; sensitive: boolean }[]>();
    expect(agencies.map((a) => [a.name, a.sensitive])).toEqual([['Northshire Refuge', true], ['Northshire Sexual Health Clinic', true]]);
    expect((await t.db().query("SELECT 1 FROM audit_event WHERE action = 'agency.sensitivity' AND outcome = 'success'")).rows).toHaveLength(1);
  });
});

/**
 * The property: whoever asks — every role in every kind of agency — no answer of the matching
 * endpoints carries another agency's id for its entry; a sensitive service is never named or
 * identified; and a role with no basis learns nothing of any other agency.
 */
describe('no matching answer carries another agency\'s entry id, for any role in any agency', () => {
  const t = useTestDb();
  const kinds: AgencyType[] = ['school', 'health_visiting', 'sexual_health_clinic', 'mental_health', 'substance_misuse', 'childrens_social_care', 'police'];
  const agencies = new Map<AgencyType, { id: string; name: string; entry: string }>();
  const callers = new Map<string, ActorContext>();

  it('holds for searches and for a person\'s candidates', async () => {
    const s = services(t.db());
    const p = await partnershipWith(s);
    for (const kind of kinds) {
      const id = await agency(s, p, kind, `Agency of kind ${kind}`);
      const worker = await practitioner(s, id);
      agencies.set(kind, { id, name: `Agency of kind ${kind}`, entry: (await person(worker, KAYLEIGH)).id });
    }
    const app = await testApp(s);
    onTestFinished(() => app.close());
    for (const kind of kinds) for (const role of ROLES) callers.set(`${kind}/${role}`, await practitioner(s, agencies.get(kind)!.id, [role]));
    const basisRoles: Role[] = ['safeguarding_lead', 'caldicott_guardian'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...kinds), fc.constantFrom(...ROLES), fc.boolean(), async (kind, role, bySearch) => {
        const caller = callers.get(`${kind}/${role}`)!;
        const own = agencies.get(kind)!;
        const headers = await bearer(caller);
        const res = bySearch
          ? await app.inject({ method: 'POST', url: '/api/v1/people/candidates', headers, payload: SEARCH })
          : await app.inject({ method: 'GET', url: `/api/v1/people/${own.entry}/candidates`, headers });
        expect(res.statusCode).toBeLessThan(500);
        const basis = basisRoles.includes(role) || (kind === 'childrens_social_care' && CASEWORK_ROLES.includes(role));
        for (const [otherKind, other] of agencies) {
          if (otherKind === kind) continue;
          expect(res.body).not.toContain(other.entry);
          const sensitive = ['sexual_health_clinic', 'mental_health', 'substance_misuse'].includes(otherKind);
          if (sensitive || !basis) {
            expect(res.body).not.toContain(other.id);
            expect(res.body).not.toContain(other.name);
          }
        }
        if (res.statusCode === 200) {
          const body = res.json<Body>();
          if (!basis) expect(body.candidates.every((c) => c.heldBy === 'your_agency')).toBe(true);
          else expect(body.candidates.filter((c) => c.heldBy !== 'your_agency')).toHaveLength(kinds.length - 1);
        } else {
          // Administrators, auditors and data officers do no casework: refused as not found.
          expect(CASEWORK_ROLES).not.toContain(role);
          expect(res.statusCode).toBe(404);
        }
      }),
      { numRuns: 40 },
    );
  });
});
