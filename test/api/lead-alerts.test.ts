import { describe, expect, it } from 'vitest';
import { useTestDb } from '../db.ts';
import { castOf, created, entry, NEVER_USED_ID, ok } from '../scenarios/sharing/helpers.ts';

/**
 * Issue 17, items 7 and 8 through the API: a record brought to the safeguarding lead, the agency's
 * setting, and a referral from concerns. Bad input is a 422 naming each field; out of reach is 404.
 */
describe('concerns brought to the lead, and referrals from them, through the API', () => {
  const t = useTestDb();
  const VALIDATION = { type: 'https://jigsaw.example/problems/validation', title: 'Your request has errors', status: 422 };

  async function school() {
    const w = await castOf<'school' | 'other' | 'csc', 'teacher' | 'lead' | 'admin' | 'otherLead'>(t.db(), '2026-12-04T14:05:00Z', {
      school: ['school', 'Riverside Primary School'], other: ['school', 'Hillside Academy'], csc: ['childrens_social_care', "Northshire Children's Social Care"],
    }, {
      teacher: ['school', ['practitioner'], 'Amira Shah'],
      lead: ['school', ['safeguarding_lead'], 'Karen Doyle'],
      admin: ['school', ['administrator'], 'Olu Adebayo'],
      otherLead: ['other', ['safeguarding_lead'], 'Sam Ward'],
    });
    const jack = await created(w.who.teacher.post('/people', { kind: 'child', names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2019-07-04' }));
    return { ...w, jack };
  }

  it('tellLead puts the record on the lead’s list; bad input to each endpoint is a 422 naming the field', async () => {
    const w = await school();
    const { teacher, lead, admin, otherLead } = w.who;
    const rec = await created(teacher.post(`/people/${w.jack.id}/records`, entry({ kind: 'concern', occurredAt: '2026-12-04T13:00:00Z', categories: ['neglect'], summary: 'No breakfast again', tellLead: true })));
    expect(rec.leadAlerted).toBe(true);

    const badRecord = await teacher.post(`/people/${w.jack.id}/records`, entry({ kind: 'concern', occurredAt: '2026-12-04T13:00:00Z', categories: ['neglect'], summary: 'x', tellLead: 'please' }));
    expect(badRecord).toEqual({ status: 422, body: { ...VALIDATION, detail: expect.any(String), errors: [{ pointer: '/tellLead', detail: 'Must be true or false' }] } });

    const list = await ok(lead.get('/lead-alerts'));
    expect(list).toEqual([expect.objectContaining({ recordId: rec.id, personId: w.jack.id, reason: 'asked', raisedByName: 'Amira Shah', record: expect.objectContaining({ summary: 'No breakfast again', authorName: 'Amira Shah' }) })]);
    expect((await teacher.get('/lead-alerts')).status).toBe(403);
    expect(await ok(otherLead.get('/lead-alerts'))).toEqual([]);
    expect(await lead.get('/lead-alerts?status=whatever')).toMatchObject({ status: 422, body: { errors: [{ pointer: '/query/status', detail: 'Must be open, dealt_with or all' }] } });

    const id = list[0].id as string;
    expect(await lead.post(`/lead-alerts/${id}/dealt-with`, { note: '   ' })).toEqual({
      status: 422, body: { ...VALIDATION, detail: expect.any(String), errors: [{ pointer: '/note', detail: 'Say what you did about it, or why nothing more is needed' }] },
    });
    expect((await otherLead.post(`/lead-alerts/${id}/dealt-with`, { note: 'Mine?' })).status).toBe(404);
    expect((await lead.post(`/lead-alerts/${NEVER_USED_ID}/dealt-with`, { note: 'Nothing' })).status).toBe(404);
    expect(await ok(lead.post(`/lead-alerts/${id}/dealt-with`, { note: 'Spoke to mother; breakfast club offered' }))).toMatchObject({ dealtWith: { byName: 'Karen Doyle', note: 'Spoke to mother; breakfast club offered' } });

    // The administrator's setting: unknown kinds and categories are named one by one.
    expect(await admin.put(`/agencies/${w.agency.school}/lead-alert-settings`, { kinds: ['gossip'], categories: ['neglect', 'weather'] })).toMatchObject({
      status: 422, body: { errors: [{ pointer: '/kinds/0' }, { pointer: '/categories/1' }] },
    });
    expect((await teacher.put(`/agencies/${w.agency.school}/lead-alert-settings`, { kinds: ['concern'] })).status).toBe(403);
    expect((await admin.put(`/agencies/${w.agency.other}/lead-alert-settings`, { kinds: ['concern'] })).status).toBe(404);
    expect(await ok(admin.put(`/agencies/${w.agency.school}/lead-alert-settings`, { kinds: ['concern'] }))).toMatchObject({ kinds: ['concern'], categories: [] });
    const auto = await created(teacher.post(`/people/${w.jack.id}/records`, entry({ kind: 'concern', occurredAt: '2026-12-04T13:30:00Z', categories: ['neglect'], summary: 'Hungry' })));
    expect(auto.leadAlerted).toBe(true);
    expect(await ok(lead.get('/lead-alerts'))).toEqual([expect.objectContaining({ recordId: auto.id, reason: 'agency_setting' })]);
  });

  it('a referral names the records it starts from; one from another child’s record or a malformed id is a 422 naming each field', async () => {
    const w = await school();
    const { lead } = w.who;
    const lily = await created(lead.post('/people', { kind: 'child', names: [{ givenNames: 'Lily', familyName: 'Carver' }], dateOfBirth: '2021-01-10' }));
    const lilys = await created(lead.post(`/people/${lily.id}/records`, entry({ kind: 'concern', occurredAt: '2026-12-04T13:00:00Z', categories: ['neglect'], summary: 'Lily upset' })));
    const referral = {
      childPersonId: w.jack.id, toAgencyId: w.agency.csc, channel: 'online', urgent: true, fromRecordIds: [lilys.id, 'not-an-id'],
      concerns: 'Bruise', domains: { developmentalNeeds: 'n', parentingCapacity: 'n', familyAndEnvironment: 'n' }, childsWishesAndFeelings: 'n',
      familyAgreement: { status: 'not_told', reason: 'Risk' }, familyToBeTold: { what: 'w', byWhom: 'b', when: 'w' }, shareDecisionId: NEVER_USED_ID,
    };
    const bad = await lead.post('/referrals', referral);
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual(expect.arrayContaining([
      { pointer: '/fromRecordIds/1', detail: 'Not a valid identifier' },
    ]));
    const phoned = await lead.post('/referrals', { ...referral, channel: 'phone', madeAt: '2026-12-04T14:00:00Z', fromRecordIds: [lilys.id] });
    expect(phoned.status).toBe(422);
    expect(phoned.body.errors).toEqual(expect.arrayContaining([
      { pointer: '/fromRecordIds/0', detail: "No record about this child in your agency's index with that identifier" },
    ]));
  });
});
