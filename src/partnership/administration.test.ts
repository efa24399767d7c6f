import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decidePartnership, decideSetup, ROLES, type Actor, type Role } from '../access/policy.ts';
import { createFhirTokenAs, listFhirTokensAs, revokeFhirTokenAs } from '../fhir/token-administration.ts';
import { resolveFhirToken } from '../fhir/tokens.ts';
import { fixedClock } from '../shared/clock.ts';
import { useTestDb } from '../../test/db.ts';
import { agency, partnershipWith, practitioner, services } from '../../test/fixtures.ts';
import { addAgencyAs, createPartnershipAs, listOwnPartnerships, updateAgency } from './administration.ts';

describe('who sets up a partnership (policy)', () => {
  const AGENCIES = ['a1', 'a2', 'a3'];
  const actor = fc.record({
    practitionerId: fc.constant('p'), agencyId: fc.constantFrom(...AGENCIES), roles: fc.subarray([...ROLES] as Role[]), grants: fc.constant([]),
  }) as fc.Arbitrary<Actor>;

  it('only a partnership administrator of a member agency reads or changes a partnership; FHIR tokens and new partnerships need the role alone', () => {
    fc.assert(fc.property(actor, fc.subarray(AGENCIES), fc.constantFrom<'read' | 'manage'>('read', 'manage'), (a, members, action) => {
      const allowed = decidePartnership(a, action, { agencyIds: members }).allowed;
      expect(allowed).toBe(members.includes(a.agencyId) && a.roles.includes('partnership_administrator'));
      expect(decideSetup(a, 'manage-fhir-tokens').allowed).toBe(a.roles.includes('partnership_administrator'));
      expect(decideSetup(a, 'create-partnership').allowed).toBe(a.roles.includes('partnership_administrator'));
    }));
  });
});

describe('partnership administration (services)', () => {
  const t = useTestDb();

  async function world() {
    const s = services(t.db(), fixedClock('2026-12-06T10:00:00Z'));
    const north = await partnershipWith(s, 'Northshire');
    const csc = await agency(s, north, 'childrens_social_care', 'Northshire Children’s Services');
    const pa = await practitioner(s, csc, ['partnership_administrator']);
    const admin = await practitioner(s, csc, ['administrator', 'manager']);
    return { s, north, csc, pa, admin };
  }

  const auditOf = async (w: { s: { db: { query: <T>(sql: string, params?: unknown[]) => Promise<{ rows: T[] }> } } }, action: string) =>
    (await w.s.db.query<{ actor_practitioner_id: string | null; outcome: string; detail: Record<string, unknown> }>(
      'SELECT actor_practitioner_id, outcome, detail FROM audit_event WHERE action = $1 ORDER BY seq', [action])).rows;

  it('audits each change as the partnership administrator, with identifiers only', async () => {
    const w = await world();
    const p = await createPartnershipAs(w.pa, { name: 'Tri-borough', nation: 'england-and-wales' });
    const a = await addAgencyAs(w.pa, { name: 'Tri-borough Police', type: 'police', partnershipIds: [p.id], odsCode: 'Y12AB' });
    await updateAgency(w.pa, w.csc, { localAuthorityCode: '931' });
    for (const action of ['partnership.create', 'agency.create', 'agency.update']) {
      const entry = (await auditOf(w, action)).at(-1);
      expect(entry, action).toMatchObject({ actor_practitioner_id: w.pa.actor.practitionerId, outcome: 'success' });
      expect(JSON.stringify(entry!.detail)).not.toMatch(/Tri-borough|\b931\b|Y12AB/); // \b: an identifier may hold the digits
    }
    expect((await listOwnPartnerships(w.pa)).map((x) => x.name).sort()).toEqual(['Northshire', 'Tri-borough']);
    expect(a.odsCode).toBe('Y12AB');
  });

  it('an agency administrator is refused, and the refusal is audited', async () => {
    const w = await world();
    await expect(listOwnPartnerships(w.admin)).rejects.toMatchObject({ status: 403 });
    await expect(createFhirTokenAs(w.admin, { settingName: 'ED', settingType: 'emergency_department' })).rejects.toMatchObject({ status: 403 });
    await expect(updateAgency(w.admin, w.csc, { name: 'Renamed' })).rejects.toMatchObject({ status: 404 });
    expect(await auditOf(w, 'fhir.token-create')).toEqual([expect.objectContaining({ actor_practitioner_id: w.admin.actor.practitionerId, outcome: 'denied' })]);
  });

  it('a FHIR token records who made and revoked it, expires after 365 days by default, and stops at once when revoked', async () => {
    const w = await world();
    const made = await createFhirTokenAs(w.pa, { settingName: 'Northshire General emergency department', settingType: 'emergency_department' });
    expect(made.expiresAt).toBe('2027-12-06T10:00:00.000Z');
    expect(await resolveFhirToken(w.s, made.token)).toBeDefined();
    const row = (await w.s.db.query<{ created_by: string; revoked_by: string | null }>('SELECT created_by, revoked_by FROM fhir_system_token WHERE id = $1', [made.id])).rows[0];
    expect(row).toEqual({ created_by: w.pa.actor.practitionerId, revoked_by: null });
    await revokeFhirTokenAs(w.pa, made.id);
    expect(await resolveFhirToken(w.s, made.token)).toBeUndefined();
    expect((await w.s.db.query<{ revoked_by: string }>('SELECT revoked_by FROM fhir_system_token WHERE id = $1', [made.id])).rows[0]!.revoked_by).toBe(w.pa.actor.practitionerId);
    await expect(revokeFhirTokenAs(w.pa, made.id)).rejects.toMatchObject({ status: 409 });
    expect((await listFhirTokensAs(w.pa))[0]).toMatchObject({ id: made.id, revokedAt: '2026-12-06T10:00:00.000Z', createdByAgency: 'Northshire Children’s Services' });
  });
});
