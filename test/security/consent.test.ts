import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { useTestDb } from '../db.ts';
import { castOf, created, entry, NEVER_USED_ID, ok, told } from '../scenarios/sharing/helpers.ts';

/**
 * The consent register belongs to the agency that recorded it. Found when Jigsaw was attacked:
 * a school that had received one share about a child could read the GP surgery's consents for
 * that child and withdraw them, ending every share that relied on them — including the one
 * behind the surgery's referral to children's social care. And a withdrawal dated in 2000
 * rewrote when the shares had ended.
 */
describe('the consent register is the holding agency’s alone', () => {
  const t = useTestDb();

  const NO_SUCH_CONSENT = { type: 'https://jigsaw.example/problems/not-found', title: 'Not found', status: 404, detail: 'No consent with that identifier was found.' };

  /** The GP surgery holds Lily's record and her mother's consent; it shares with the school and refers to children's social care on that consent. */
  async function surgeryAndSchool() {
    const w = await castOf(t.db(), '2026-03-02T09:00:00Z', {
      surgery: ['gp', 'Riverside Surgery'],
      school: ['school', 'Riverside Primary School'],
      csc: ['childrens_social_care', "Northshire Children's Social Care"],
    }, {
      gp: ['surgery', ['practitioner', 'safeguarding_lead'], 'Dr Anna Reid'],
      gpAdmin: ['surgery', ['administrator'], 'Sam Patel'],
      gpAuditor: ['surgery', ['auditor'], 'Jo Marsh'],
      teacher: ['school', ['practitioner', 'safeguarding_lead'], 'Karen Doyle'],
      duty: ['csc', ['social_worker', 'safeguarding_lead'], 'Dev Patel'],
    });
    const { gp } = w.who;
    const lily = await created(gp.post('/people', { kind: 'child', names: [{ givenNames: 'Lily', familyName: 'Carver' }], dateOfBirth: '2018-06-11' }));
    const mother = await created(gp.post('/people', { kind: 'adult', names: [{ givenNames: 'Dawn', familyName: 'Carver' }], dateOfBirth: '1990-02-03' }));
    await created(gp.post(`/people/${lily.id}/relationships`, { relatedPersonId: mother.id, type: 'parental_responsibility' }));
    const bruise = await created(gp.post(`/people/${lily.id}/records`, entry({ kind: 'concern', occurredAt: '2026-03-01T10:00:00Z', categories: ['physical_abuse'], summary: 'Bruising on both arms' })));
    const consent = await created(gp.post(`/people/${lily.id}/consents`, {
      purposeCode: 'child_in_need_assessment', purpose: 'Tell the school and children’s social care about the bruising', recipientAgencyIds: [w.agency.school, w.agency.csc],
      decision: 'given', form: 'explicit_verbal', givenBy: { capacity: 'parental_responsibility', personId: mother.id }, obtainedAt: '2026-03-02T08:30:00Z',
    }));
    const decisionTo = (agencyId: string) => ({
      outcome: 'share',
      answers: {
        purposeCode: 'child_in_need_assessment', purpose: 'Tell the school and children’s social care about the bruising', withinAgencyFunctions: true, legalObligation: 'none',
        identifiable: true, confidential: true, consent: { status: 'given', consentId: consent.id },
      },
      reasons: 'Her mother agreed',
      share: { recipients: [{ agencyId }], items: [{ recordId: bruise.id }], onwardSharing: 'not_permitted' },
      subjectInformed: told('2026-03-02T08:30:00Z', 'Dr Anna Reid'),
    });
    const toSchool = await created(gp.post('/share-decisions', { ...decisionTo(w.agency.school), personId: lily.id }));
    const referral = await created(gp.post('/referrals', {
      childPersonId: lily.id, toAgencyId: w.agency.csc, channel: 'phone', concerns: 'Bruising on both arms',
      domains: { developmentalNeeds: 'Meeting milestones', parentingCapacity: 'Mother struggling', familyAndEnvironment: 'Lives with mother' },
      childsWishesAndFeelings: 'Says she fell', familyAgreement: { status: 'agreed' },
      familyToBeTold: { what: 'A social worker will call', byWhom: 'Dr Anna Reid', when: 'Today' },
      shareDecision: decisionTo(w.agency.csc),
    }));
    w.clock.advanceMinutes(30);
    return { ...w, lily, bruise, consent, toSchool, referral };
  }

  const auditOf = async (db: Database, practitionerId: string, entityId: string): Promise<{ action: string; outcome: string }[]> =>
    (await db.query<{ action: string; outcome: string }>(
      'SELECT action, outcome FROM audit_event WHERE actor_practitioner_id = $1 AND entity_id = $2 ORDER BY seq', [practitionerId, entityId])).rows;

  it('a school with a live share about the child can neither see nor withdraw the surgery’s consent, and the referral’s share stands', async () => {
    const w = await surgeryAndSchool();
    const { teacher, duty, gp } = w.who;

    // The school still sees what the share told it: the record, shared on the basis of consent, not to be passed on.
    expect((await ok(teacher.get(`/records/${w.bruise.id}`))).share).toMatchObject({ legalBasis: 'consent', onwardSharing: 'not_permitted', sharedByAgencyId: w.agency.surgery });

    // The surgery's register is not the school's to read …
    expect(await ok(teacher.get(`/people/${w.lily.id}/consents`))).toEqual([]);
    const read = await teacher.get(`/consents/${w.consent.id}`);
    expect(read).toEqual(await teacher.get(`/consents/${NEVER_USED_ID}`));
    expect(read).toEqual({ status: 404, body: NO_SUCH_CONSENT });
    // … nor to withdraw: the answer is the one a consent that never existed gets.
    const withdrawal = { reason: 'The mother asked us to withdraw it' };
    const withdraw = await teacher.post(`/consents/${w.consent.id}/withdrawal`, withdrawal);
    expect(withdraw).toEqual(await teacher.post(`/consents/${NEVER_USED_ID}/withdrawal`, withdrawal));
    expect(withdraw).toEqual({ status: 404, body: NO_SUCH_CONSENT });

    // Nothing changed: the consent is given, no share relying on it has ended, and children's social care still sees the record.
    const register = await ok(gp.get(`/consents/${w.consent.id}`));
    expect(register).toMatchObject({ status: 'given', withdrawnAt: null });
    expect(register.reliedOnBy).toHaveLength(2);
    expect(register.reliedOnBy.every((d: { revokedAt: string | null }) => d.revokedAt === null)).toBe(true);
    expect((await ok(duty.get(`/records/${w.bruise.id}`))).share).toMatchObject({ legalBasis: 'consent', sharedByAgencyId: w.agency.surgery });
    expect((await ok(duty.get(`/referrals/${w.referral.id}`))).sharedRecordIds).toEqual([w.bruise.id]);

    // Each refusal is in the audit trail: refused for the surgery's consent, not found for the made-up one.
    expect(await auditOf(t.db(), teacher.id, w.consent.id)).toEqual([
      { action: 'consent.read', outcome: 'denied' },
      { action: 'consent.withdraw', outcome: 'denied' },
    ]);
    expect(await auditOf(t.db(), teacher.id, NEVER_USED_ID)).toEqual([
      { action: 'consent.read', outcome: 'not_found' },
      { action: 'consent.withdraw', outcome: 'not_found' },
    ]);
  });

  it('the surgery’s casework staff read and withdraw its consent; its administrator and auditor cannot', async () => {
    const w = await surgeryAndSchool();
    const { gp, gpAdmin, gpAuditor, teacher } = w.who;

    for (const officeRole of [gpAdmin, gpAuditor]) {
      expect(await officeRole.get(`/consents/${w.consent.id}`), officeRole.name).toEqual({ status: 404, body: NO_SUCH_CONSENT });
      expect(await officeRole.post(`/consents/${w.consent.id}/withdrawal`, { reason: 'Tidying up' }), officeRole.name).toEqual({ status: 404, body: NO_SUCH_CONSENT });
      expect((await officeRole.get(`/people/${w.lily.id}/consents`)).status, officeRole.name).toBe(404);
      expect(await auditOf(t.db(), officeRole.id, w.consent.id)).toEqual([
        { action: 'consent.read', outcome: 'denied' },
        { action: 'consent.withdraw', outcome: 'denied' },
      ]);
    }
    expect((await ok(gp.get(`/consents/${w.consent.id}`))).status).toBe('given');
    expect((await ok(gp.get(`/people/${w.lily.id}/consents`))).map((c: { id: string }) => c.id)).toEqual([w.consent.id]);

    const withdrawn = await ok(gp.post(`/consents/${w.consent.id}/withdrawal`, { reason: 'Dawn phoned to withdraw her consent' }));
    expect(withdrawn).toMatchObject({ status: 'withdrawn', withdrawnAt: '2026-03-02T09:30:00.000Z', withdrawalRecordedAt: '2026-03-02T09:30:00.000Z' });
    expect(withdrawn.reliedOnBy.map((d: { revokedAt: string }) => d.revokedAt)).toEqual(['2026-03-02T09:30:00.000Z', '2026-03-02T09:30:00.000Z']);
    expect((await teacher.get(`/records/${w.bruise.id}`)).status).toBe(404);
  });

  it('a withdrawal the person dates in the past is kept as they said it, but access ends when it is recorded; one dated in the future is refused', async () => {
    const w = await surgeryAndSchool();
    const { gp } = w.who;

    const future = await gp.post(`/consents/${w.consent.id}/withdrawal`, { reason: 'Dawn will withdraw next week', withdrawnAt: '2026-03-09T09:00:00Z' });
    expect(future.status).toBe(422);
    expect(future.body.errors).toEqual([{ pointer: '/withdrawnAt', detail: expect.any(String) }]);
    expect((await ok(gp.get(`/consents/${w.consent.id}`))).status).toBe('given');

    const withdrawn = await ok(gp.post(`/consents/${w.consent.id}/withdrawal`, { reason: 'Dawn says she withdrew it long ago', withdrawnAt: '2000-01-01T00:00:00Z' }));
    expect(withdrawn).toMatchObject({ status: 'withdrawn', withdrawnAt: '2000-01-01T00:00:00.000Z', withdrawalRecordedAt: '2026-03-02T09:30:00.000Z' });
    expect(withdrawn.reliedOnBy.map((d: { revokedAt: string }) => d.revokedAt)).toEqual(['2026-03-02T09:30:00.000Z', '2026-03-02T09:30:00.000Z']);

    // No grant's history is rewritten: each was live from when it was made until the withdrawal was recorded.
    const grants = (await t.db().query<{ valid_from: Date | string; revoked_at: Date | string | null }>(
      `SELECT g.valid_from, g.revoked_at FROM share_grant g JOIN share_decision d ON d.id = g.decision_id WHERE d.consent_id = $1`, [w.consent.id])).rows;
    expect(grants).toHaveLength(2);
    for (const g of grants) {
      expect(g.revoked_at).not.toBeNull();
      expect(new Date(g.revoked_at!).toISOString()).toBe('2026-03-02T09:30:00.000Z');
      expect(new Date(g.revoked_at!).getTime()).toBeGreaterThanOrEqual(new Date(g.valid_from).getTime());
    }
  });
});
