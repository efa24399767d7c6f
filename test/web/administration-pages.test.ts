import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/shared/clock.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, services } from '../fixtures.ts';
import { useWebApp } from './no-js-browser.ts';

/** Issue 19, item 4 as the pages show it, without JavaScript: partnerships, agencies and codes, FHIR tokens, the authority's flag settings. */

const PASSWORD = 'quartz lantern meadow 4417';

describe('administration pages', () => {
  const t = useTestDb();
  const web = useWebApp(PASSWORD);

  async function world() {
    const s = services(t.db(), fixedClock('2026-12-06T10:00:00Z'));
    const north = await partnershipWith(s, 'Northshire Safeguarding Partnership');
    const south = await partnershipWith(s, 'Southshire Safeguarding Partnership');
    const csc = await agency(s, north, 'childrens_social_care', 'Northshire Children’s Services');
    const school = await agency(s, north, 'school', 'Riverside Primary School');
    const southSchool = await agency(s, south, 'school', 'Hillside Academy');
    const pa = await web.signedUp(s, csc, ['partnership_administrator'], 'Priya Natarajan');
    const schoolAdmin = await web.signedUp(s, school, ['administrator'], 'Olu Adebayo');
    const cscAdmin = await web.signedUp(s, csc, ['administrator'], 'Dee Mensah');
    const cscWorker = await web.signedUp(s, csc, ['social_worker'], 'Sam Ward');
    await web.open(s);
    return { s, north, south, csc, school, southSchool, pa, schoolAdmin, cscAdmin, cscWorker };
  }

  it('a partnership administrator adds an agency with its codes, changes them, and is told exactly what is wrong with bad ones', async () => {
    const w = await world();
    const b = await web.browser(w.pa);
    const index = await b.get('/admin');
    expect(index).toContain('href="/admin/partnerships"');
    expect(index).toContain('href="/admin/fhir-tokens"');
    expect(index).toContain('>Administration<');

    const list = await b.get('/admin/partnerships');
    expect(list).toContain('Northshire Safeguarding Partnership');
    expect(list).toContain('Riverside Primary School');
    expect(list).not.toContain('Southshire');

    await b.get(`/admin/partnerships/${w.north}`);
    const bad = await b.post(`/admin/partnerships/${w.north}/agencies`, { agencyName: 'Northshire Police', agencyType: 'police', odsCode: 'Y-1', localAuthorityCode: '931' });
    expect(bad.status).toBe(422);
    expect(bad.body).toContain('There is a problem');
    expect(bad.body).toContain('href="#odsCode"');
    expect(bad.body).toContain('Enter an ODS code of 3 to 10 letters and digits');
    expect(bad.body).toContain('Only children&#39;s social care has a local authority code');
    expect(bad.body).toContain('value="Northshire Police"');

    const noType = await b.post(`/admin/partnerships/${w.north}/agencies`, { agencyName: 'Northshire Police', agencyType: '' });
    expect(noType.status).toBe(422);
    expect(noType.body).toContain('Choose what kind of agency it is');

    const added = await b.post(`/admin/partnerships/${w.north}/agencies`, { agencyName: 'Northshire Police', agencyType: 'police', odsCode: 'y12ab' });
    expect(added).toMatchObject({ status: 303, location: `/admin/partnerships/${w.north}?done=agency-added` });
    const after = await b.get(added.location!);
    expect(after).toContain('The agency has been added to the partnership.');
    const row = after.slice(after.indexOf('Northshire Police'), after.indexOf('</tr>', after.indexOf('Northshire Police')));
    expect(row).toContain('>Police<');
    expect(row).toContain('>Y12AB<');

    const edit = await b.get(`/admin/agencies/${w.csc}/edit`);
    expect(edit).toContain('Local authority code');
    const badLa = await b.post(`/admin/agencies/${w.csc}/edit`, { agencyName: 'Northshire Children’s Services', odsCode: '', localAuthorityCode: '93' });
    expect(badLa.status).toBe(422);
    expect(badLa.body).toContain('Enter the local authority code: three digits, like 931');
    const saved = await b.post(`/admin/agencies/${w.csc}/edit`, { agencyName: 'Northshire Children’s Services', odsCode: '', localAuthorityCode: '931' });
    expect(saved).toMatchObject({ status: 303, location: '/admin/partnerships?done=agency-updated' });
    expect(await b.get('/admin/partnerships')).toContain('>931<');

    // The school's page has no local authority code to set.
    expect(await b.get(`/admin/agencies/${w.school}/edit`)).not.toContain('Local authority code');
    // Another partnership's agency, and a page that is not an agency, are not found.
    await b.get(`/admin/agencies/${w.southSchool}/edit`, 404);
    await b.get(`/admin/partnerships/${w.south}`, 404);
    await b.get('/admin/partnerships/not-an-id', 404);
    expect((await b.post(`/admin/agencies/${w.southSchool}/edit`, { agencyName: 'Mine' })).status).toBe(404);
  });

  it('a partnership administrator moves a practitioner to another agency, with a reason: casework roles travel, administrative ones do not, and her session ends', async () => {
    const w = await world();
    const mover = await web.signedUp(w.s, w.school, ['practitioner', 'safeguarding_lead', 'administrator'], 'Ayo Bello');
    const moversTab = await web.browser(mover);
    await moversTab.get('/tasks');
    const b = await web.browser(w.pa);
    await b.get(`/admin/partnerships/${w.north}`);

    const empty = await b.post(`/admin/partnerships/${w.north}/moves`, { moveEmail: '', moveAgencyId: '', moveReason: '' });
    expect(empty.status).toBe(422);
    for (const m of ['Enter the practitioner’s e-mail address', 'Choose the agency they are moving to', 'Say why']) expect(empty.body).toContain(m);
    // Someone of another partnership's agency reads as no one.
    const stranger = await web.signedUp(w.s, w.southSchool, ['practitioner'], 'Kit Stone');
    const notHers = await b.post(`/admin/partnerships/${w.north}/moves`, { moveEmail: stranger.email, moveAgencyId: w.csc, moveReason: 'Joining the council' });
    expect(notHers.body).toContain('No practitioner of this partnership’s agencies has that e-mail address');
    // The school's only other administrator is Olu: Ayo may go.
    const moved = await b.post(`/admin/partnerships/${w.north}/moves`, { moveEmail: mover.email.toUpperCase(), moveAgencyId: w.csc.toUpperCase(), moveReason: 'Joined the council’s early help team' });
    expect(moved).toMatchObject({ status: 303, location: `/admin/partnerships/${w.north}?done=practitioner-moved` });
    expect(await b.get(moved.location!)).toContain('The practitioner has moved.');
    const now = (await t.db().query<{ agency_id: string; roles: string[] }>(
      'SELECT p.agency_id, array_agg(r.role ORDER BY r.role) AS roles FROM practitioner p JOIN practitioner_role r ON r.practitioner_id = p.id WHERE p.id = $1 GROUP BY p.agency_id', [mover.actor.practitionerId])).rows[0]!;
    expect(now).toEqual({ agency_id: w.csc, roles: ['practitioner', 'safeguarding_lead'] });
    // Her open session ended with the move.
    expect(await moversTab.location('/tasks')).toMatch(/^\/sign-in/);
    // The council's administrator sees why, on her page.
    const cscAdmin = await web.browser(w.cscAdmin);
    expect(await cscAdmin.get(`/admin/practitioners/${mover.actor.practitionerId}`)).toContain('Joined the council’s early help team');
  });

  it('creates and renames a partnership, and brings an agency of another of hers into it', async () => {
    const w = await world();
    const b = await web.browser(w.pa);
    await b.get('/admin/partnerships');
    const empty = await b.post('/admin/partnerships', { partnershipName: '', nation: '' });
    expect(empty.status).toBe(422);
    expect(empty.body).toContain('Enter a name');
    expect(empty.body).toContain('Choose whose bank holidays count');
    const made = await b.post('/admin/partnerships', { partnershipName: 'Three Boroughs Protocol', nation: 'england-and-wales' });
    expect(made.status).toBe(303);
    const page = await b.get(made.location!);
    expect(page).toContain('The partnership has been created');
    expect(page).toContain('Northshire Children’s Services');
    expect(page).toContain('Riverside Primary School (Northshire Safeguarding Partnership)');
    const id = /\/admin\/partnerships\/([0-9a-f-]{36})/.exec(made.location!)![1]!;
    expect(await b.post(`/admin/partnerships/${id}/members`, { agencyId: w.school })).toMatchObject({ status: 303, location: `/admin/partnerships/${id}?done=agency-joined` });
    const notMine = await b.post(`/admin/partnerships/${id}/members`, { agencyId: w.southSchool });
    expect(notMine.status).toBe(422);
    expect(notMine.body).toContain('No agency with that identifier in your partnerships');
    expect(await b.post(`/admin/partnerships/${id}/name`, { partnershipName: 'Tri-borough Protocol' })).toMatchObject({ status: 303 });
    expect(await b.get(`/admin/partnerships/${id}`)).toContain('<h1 class="govuk-heading-l">Tri-borough Protocol</h1>');
  });

  it('makes a FHIR token shown once, lists it without it, and revokes it after a confirmation', async () => {
    const w = await world();
    const b = await web.browser(w.pa);
    await b.get('/admin/fhir-tokens');
    const bad = await b.post('/admin/fhir-tokens', { settingName: '', settingType: '', odsCode: 'R', days: 'soon' });
    expect(bad.status).toBe(422);
    for (const m of ['Enter the name of the setting', 'Choose the kind of setting', 'Enter an ODS code of 3 to 10', 'Enter how many days the token works, as a number']) expect(bad.body).toContain(m);
    const made = await b.post('/admin/fhir-tokens', { settingName: 'Northshire General emergency department', settingType: 'emergency_department', odsCode: 'RX1', days: '365' });
    expect(made.status).toBe(200);
    const token = /<code id="fhir-token"[^>]*>(jsf_[A-Za-z0-9_-]+)<\/code>/.exec(made.body)?.[1];
    expect(token).toBeDefined();
    expect(made.body).toContain(`Authorization: Bearer ${token}`);
    expect(made.body).toContain('6 December 2027');
    const list = await b.get('/admin/fhir-tokens');
    expect(list).toContain('Northshire General emergency department');
    expect(list).toContain('by Northshire Children’s Services');
    expect(list).not.toContain(token!);
    const id = /\/admin\/fhir-tokens\/([0-9a-f-]{36})\/revoke/.exec(list)![1]!;
    const confirm = await b.get(`/admin/fhir-tokens/${id}/revoke`);
    expect(confirm).toContain('Revoke the token for Northshire General emergency department?');
    expect(await b.post(`/admin/fhir-tokens/${id}/revoke`, {})).toMatchObject({ status: 303, location: '/admin/fhir-tokens?done=fhir-token-revoked' });
    expect(await b.get('/admin/fhir-tokens?done=fhir-token-revoked')).toContain('Revoked 6 December 2026');
    const fhir = await web.app.inject({ url: '/fhir/r4/Flag?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919', headers: { authorization: `Bearer ${token}` } });
    expect(fhir.statusCode).toBe(401);
    expect((await b.post(`/admin/fhir-tokens/${id}/revoke`, {})).status).toBe(409);
  });

  it('refuses the partnership and FHIR token pages to an agency administrator, who sees her own agency’s codes read-only', async () => {
    const w = await world();
    const b = await web.browser(w.schoolAdmin);
    const index = await b.get('/admin');
    expect(index).not.toContain('href="/admin/partnerships"');
    expect(index).not.toContain('href="/admin/fhir-tokens"');
    expect(index).not.toContain('href="/admin/flag-settings"');
    expect(index).toContain('href="/admin/practitioners"');
    await b.get('/admin/partnerships', 403);
    await b.get('/admin/fhir-tokens', 403);
    await b.get(`/admin/partnerships/${w.north}`, 404);
    await b.get(`/admin/agencies/${w.school}/edit`, 403);
    expect((await b.post('/admin/fhir-tokens', { settingName: 'ED', settingType: 'emergency_department' })).status).toBe(403);
    expect((await b.post(`/admin/partnerships/${w.north}/agencies`, { agencyName: 'X', agencyType: 'gp' })).status).toBe(403);
    const agencies = await b.get('/admin/agencies');
    expect(agencies).toContain('Local authority code');
    expect(agencies).toContain('Your partnership’s administrators add agencies and set their codes.');
    // The school is not children's social care: no flag settings.
    await b.get('/admin/flag-settings', 403);
  });

  it('the authority’s administrator sets the flag contacts and webhook and sees the signing secret once; a social worker only reads them', async () => {
    const w = await world();
    const b = await web.browser(w.cscAdmin);
    expect(await b.get('/admin')).toContain('href="/admin/flag-settings"');
    await b.get('/admin/flag-settings');
    const bad = await b.post('/admin/flag-settings', { officeHoursPhone: 'call us', outOfHoursPhone: '', notifyEmail: 'nobody', webhookUrl: 'http://10.0.0.1/hook' });
    expect(bad.status).toBe(422);
    expect(bad.body).toContain('href="#officeHoursPhone"');
    expect(bad.body).toContain('Enter a telephone number');
    expect(bad.body).toContain('href="#notifyEmail"');
    const badHook = await b.post('/admin/flag-settings', { officeHoursPhone: '01632 960000', outOfHoursPhone: '', notifyEmail: '', webhookUrl: 'http://10.0.0.1/hook' });
    expect(badHook.status).toBe(422);
    expect(badHook.body).toContain('href="#webhookUrl"');
    const saved = await b.post('/admin/flag-settings', { officeHoursPhone: '01632 960000', outOfHoursPhone: '01632 960111', notifyEmail: 'duty@northshire.example', webhookUrl: 'https://cms.northshire.example/jigsaw' });
    expect(saved.status).toBe(200);
    const secret = /<code id="signing-secret"[^>]*>(jsw_[A-Za-z0-9_-]+)<\/code>/.exec(saved.body)?.[1];
    expect(secret).toBeDefined();
    const again = await b.get('/admin/flag-settings');
    expect(again).not.toContain(secret!);
    expect(again).toContain('value="01632 960111"');
    expect(again).toContain('href="/admin/flag-settings/signing-secret"');
    await b.get('/admin/flag-settings/signing-secret');
    const replaced = await b.post('/admin/flag-settings/signing-secret', {});
    const next = /<code id="signing-secret"[^>]*>(jsw_[A-Za-z0-9_-]+)<\/code>/.exec(replaced.body)?.[1];
    expect(next).toBeDefined();
    expect(next).not.toBe(secret);

    const worker = await web.browser(w.cscWorker);
    const read = await worker.get('/admin/flag-settings');
    expect(read).toContain('01632 960000');
    expect(read).not.toContain('action="/admin/flag-settings"');
    expect((await worker.post('/admin/flag-settings', { officeHoursPhone: '01632 960999' })).status).toBe(403);
  });

  it('hostile input to every form is answered as a form error or a refusal, never a failure', async () => {
    const w = await world();
    const b = await web.browser(w.pa);
    const admin = await web.browser(w.cscAdmin);
    await b.get('/admin/fhir-tokens');
    await admin.get('/admin/flag-settings');
    const hostile = fc.oneof(fc.string(), fc.constant('\u0000'), fc.constant('\ud800'), fc.constant('x'.repeat(5000)), fc.constant('<script>alert(1)</script>'), fc.constant('ＲＸ１'));
    await fc.assert(fc.asyncProperty(hostile, hostile, async (x, y) => {
      const answers = [
        await b.post(`/admin/partnerships/${w.north}/agencies`, { agencyName: x, agencyType: y, odsCode: x, localAuthorityCode: y }),
        await b.post(`/admin/agencies/${w.school}/edit`, { agencyName: x, odsCode: y }),
        await b.post('/admin/fhir-tokens', { settingName: x, settingType: 'walk_in_centre', odsCode: y, days: x }),
        await b.post(`/admin/partnerships/${w.north}/members`, { agencyId: x }),
        await admin.post('/admin/flag-settings', { officeHoursPhone: x, webhookUrl: y }),
      ];
      for (const a of answers) {
        expect(a.status).toBeLessThan(500);
        expect(a.body).not.toContain('<script>alert(1)</script>');
      }
    }), { numRuns: 8 });
  });
});
