import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CASEWORK_ROLES, decideRecord, decideView, ROLES, type Actor, type AgencyView, type RecordFacts, type Role, type ShareGrant } from './policy.ts';

/**
 * The policy is checked against a model written out separately from it, in the words of the
 * rules: who may read a record, and who may change it. Identifiers come from small pools so
 * that the interesting coincidences (same agency, author, named, granted) happen often.
 */

const NOW = new Date('2026-03-02T09:00:00.000Z');
const at = (minutesFromNow: number): string => new Date(NOW.getTime() + minutesFromNow * 60_000).toISOString();

const AGENCIES = ['agency-a', 'agency-b', 'agency-c'] as const;
const PRACTITIONERS = ['p-1', 'p-2', 'p-3', 'p-4'] as const;
const RECORDS = ['r-1', 'r-2', 'r-3'] as const;

// Offsets cluster around "now" so that grants starting, ending or revoked exactly now are common.
const offset = fc.oneof(fc.constant(0), fc.integer({ min: -3, max: 3 }), fc.integer({ min: -100_000, max: 100_000 }));

const grantArb: fc.Arbitrary<ShareGrant> = fc.record({
  recordId: fc.constantFrom(...RECORDS),
  granteeAgencyId: fc.option(fc.constantFrom(...AGENCIES), { nil: undefined }),
  granteePractitionerId: fc.option(fc.constantFrom(...PRACTITIONERS), { nil: undefined }),
  validFrom: offset.map(at),
  validUntil: fc.option(offset.map(at), { nil: undefined }),
  revokedAt: fc.option(offset.map(at), { nil: undefined }),
});

const rolesArb = (pool: readonly Role[] = ROLES): fc.Arbitrary<Role[]> => fc.subarray([...pool]);

const actorArb = (roles: fc.Arbitrary<Role[]> = rolesArb()): fc.Arbitrary<Actor> =>
  fc.record({
    practitionerId: fc.constantFrom(...PRACTITIONERS),
    agencyId: fc.constantFrom(...AGENCIES),
    roles,
    grants: fc.array(grantArb, { maxLength: 4 }),
  });

const recordArb: fc.Arbitrary<RecordFacts> = fc.record({
  id: fc.constantFrom(...RECORDS),
  agencyId: fc.constantFrom(...AGENCIES),
  restricted: fc.boolean(),
  createdBy: fc.constantFrom(...PRACTITIONERS),
  namedPractitionerIds: fc.subarray([...PRACTITIONERS]),
});

// ---- The model: the rules as the brief states them, written independently of policy.ts. ----

const CASEWORK = new Set<Role>(['practitioner', 'safeguarding_lead', 'manager', 'social_worker', 'caldicott_guardian']);
const doesCasework = (a: Actor): boolean => a.roles.some((r) => CASEWORK.has(r));
const ms = (iso: string): number => new Date(iso).getTime();

function grantIsLive(a: Actor, g: ShareGrant, recordId: string): boolean {
  if (g.recordId !== recordId) return false;
  // A grant naming a practitioner is for that practitioner only; otherwise it is for the agency it names.
  const namesActor = g.granteePractitionerId !== undefined ? g.granteePractitionerId === a.practitionerId : g.granteeAgencyId === a.agencyId;
  const started = ms(g.validFrom) <= NOW.getTime();
  const notExpired = g.validUntil === undefined || NOW.getTime() < ms(g.validUntil);
  const notRevoked = g.revokedAt === undefined || NOW.getTime() < ms(g.revokedAt);
  return namesActor && started && notExpired && notRevoked;
}

function entitledInOwnAgency(a: Actor, r: RecordFacts): boolean {
  return (
    a.agencyId === r.agencyId &&
    doesCasework(a) &&
    (!r.restricted || r.createdBy === a.practitionerId || r.namedPractitionerIds.includes(a.practitionerId) || a.roles.includes('safeguarding_lead'))
  );
}

function modelMayRead(a: Actor, r: RecordFacts): boolean {
  if (entitledInOwnAgency(a, r)) return true;
  return a.agencyId !== r.agencyId && doesCasework(a) && a.grants.some((g) => grantIsLive(a, g, r.id));
}

function modelMayChange(a: Actor, r: RecordFacts): boolean {
  return entitledInOwnAgency(a, r) && (r.createdBy === a.practitionerId || a.roles.includes('safeguarding_lead') || a.roles.includes('manager'));
}

describe('record access policy, by property', () => {
  it('the model agrees with the policy on which roles do casework', () => {
    expect(new Set(CASEWORK_ROLES)).toEqual(CASEWORK);
  });

  it('an actor may read a record exactly when the rules say so', () => {
    fc.assert(
      fc.property(actorArb(), recordArb, (actor, record) => {
        const decision = decideRecord(actor, 'read', record, NOW);
        expect(decision.allowed).toBe(modelMayRead(actor, record));
        expect(decision.reason).not.toBe('');
      }),
      { numRuns: 5000 },
    );
  });

  it('an actor may read a record exactly when the rules say so, even when every grant is for the record in question', () => {
    // Biases generation towards the share-grant branch: grants always name the record.
    const arb = fc.tuple(actorArb(), recordArb).map(([actor, record]) => [{ ...actor, grants: actor.grants.map((g) => ({ ...g, recordId: record.id })) }, record] as const);
    fc.assert(
      fc.property(arb, ([actor, record]) => {
        expect(decideRecord(actor, 'read', record, NOW).allowed).toBe(modelMayRead(actor, record));
      }),
      { numRuns: 5000 },
    );
  });

  it('correcting or restricting is allowed exactly for the author, a manager or the safeguarding lead of the holding agency who may read it', () => {
    fc.assert(
      fc.property(actorArb(), recordArb, fc.constantFrom('correct' as const, 'restrict' as const), (actor, record, action) => {
        expect(decideRecord(actor, action, record, NOW).allowed).toBe(modelMayChange(actor, record));
      }),
      { numRuns: 3000 },
    );
  });

  it("another agency's record can never be corrected or restricted, even by a caseworker holding a live grant for it", () => {
    const arb = fc
      .tuple(actorArb(rolesArb(CASEWORK_ROLES).filter((r) => r.length > 0)), recordArb, fc.constantFrom('correct' as const, 'restrict' as const))
      .filter(([actor, record]) => actor.agencyId !== record.agencyId)
      .map(([actor, record, action]) => {
        const grant: ShareGrant = { recordId: record.id, granteePractitionerId: actor.practitionerId, validFrom: at(-60) };
        return [{ ...actor, grants: [...actor.grants, grant] }, record, action] as const;
      });
    fc.assert(
      fc.property(arb, ([actor, record, action]) => {
        // The grant really is live: the same actor may read the record.
        expect(decideRecord(actor, 'read', record, NOW).allowed).toBe(true);
        expect(decideRecord(actor, action, record, NOW).allowed).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('administrators and auditors without a casework role never read, correct or restrict record content, whatever they are granted', () => {
    const arb = fc.tuple(actorArb(rolesArb(['administrator', 'auditor', 'partnership_administrator', 'data_officer'])), recordArb).map(([actor, record]) => {
      const everything: ShareGrant[] = [
        { recordId: record.id, granteePractitionerId: actor.practitionerId, validFrom: at(-60) },
        { recordId: record.id, granteeAgencyId: actor.agencyId, validFrom: at(-60) },
      ];
      return [{ ...actor, grants: [...actor.grants, ...everything] }, { ...record, createdBy: actor.practitionerId }] as const;
    });
    fc.assert(
      fc.property(arb, fc.constantFrom('read' as const, 'correct' as const, 'restrict' as const), ([actor, record], action) => {
        expect(decideRecord(actor, action, record, NOW).allowed).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('adding roles or grants never takes read access away', () => {
    fc.assert(
      fc.property(actorArb(), recordArb, rolesArb(), fc.array(grantArb, { maxLength: 3 }), (actor, record, moreRoles, moreGrants) => {
        const richer: Actor = { ...actor, roles: [...new Set([...actor.roles, ...moreRoles])], grants: [...actor.grants, ...moreGrants] };
        if (decideRecord(actor, 'read', record, NOW).allowed) expect(decideRecord(richer, 'read', record, NOW).allowed).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('record access policy, by example', () => {
  const school = 'school';
  const health = 'health';
  const teacher: Actor = { practitionerId: 'teacher', agencyId: school, roles: ['practitioner'], grants: [] };
  const colleague: Actor = { practitionerId: 'colleague', agencyId: school, roles: ['practitioner'], grants: [] };
  const dsl: Actor = { practitionerId: 'dsl', agencyId: school, roles: ['safeguarding_lead'], grants: [] };
  const schoolAdmin: Actor = { practitionerId: 'admin', agencyId: school, roles: ['administrator', 'auditor'], grants: [] };
  const healthVisitor: Actor = { practitionerId: 'hv', agencyId: health, roles: ['practitioner'], grants: [] };
  const concern: RecordFacts = { id: 'rec', agencyId: school, restricted: false, createdBy: 'teacher', namedPractitionerIds: [] };
  const restricted: RecordFacts = { ...concern, restricted: true };
  const read = (a: Actor, r: RecordFacts, now = NOW): boolean => decideRecord(a, 'read', r, now).allowed;

  it('a colleague in the same school reads an unrestricted concern', () => {
    expect(read(colleague, concern)).toBe(true);
  });

  it('a colleague cannot read a restricted concern unless the author names them', () => {
    expect(read(colleague, restricted)).toBe(false);
    expect(read(colleague, { ...restricted, namedPractitionerIds: ['colleague'] })).toBe(true);
  });

  it('the author and the designated safeguarding lead still read a restricted concern', () => {
    expect(read(teacher, restricted)).toBe(true);
    expect(read(dsl, restricted)).toBe(true);
  });

  it("the school's administrator and auditor cannot read the concern, but the auditor may see who accessed it", () => {
    expect(read(schoolAdmin, concern)).toBe(false);
    expect(decideRecord(schoolAdmin, 'read-access-history', concern, NOW).allowed).toBe(true);
  });

  it('the health visitor cannot read the school concern without a share', () => {
    expect(read(healthVisitor, concern)).toBe(false);
  });

  it('a share to the health visiting service lets the health visitor read it only while the share is live', () => {
    const grant: ShareGrant = { recordId: 'rec', granteeAgencyId: health, validFrom: at(0), validUntil: at(60 * 24) };
    const shared = { ...healthVisitor, grants: [grant] };
    expect(read(shared, concern, new Date(NOW.getTime() - 1))).toBe(false);
    expect(read(shared, concern)).toBe(true);
    expect(read(shared, concern, new Date(at(60 * 24)))).toBe(false);
    expect(read({ ...healthVisitor, grants: [{ ...grant, revokedAt: at(-1) }] }, concern)).toBe(false);
  });

  it('a share naming one health visitor does not open the record to her colleagues', () => {
    const grant: ShareGrant = { recordId: 'rec', granteeAgencyId: health, granteePractitionerId: 'hv', validFrom: at(-1) };
    expect(read({ ...healthVisitor, grants: [grant] }, concern)).toBe(true);
    expect(read({ ...healthVisitor, practitionerId: 'hv-colleague', grants: [grant] }, concern)).toBe(false);
  });

  it('a share of one record does not open another record of the same child', () => {
    const grant: ShareGrant = { recordId: 'other-rec', granteeAgencyId: health, validFrom: at(-1) };
    expect(read({ ...healthVisitor, grants: [grant] }, concern)).toBe(false);
  });

  it('the health visitor can read a shared record but never correct or restrict it', () => {
    const shared = { ...healthVisitor, grants: [{ recordId: 'rec', granteeAgencyId: health, validFrom: at(-1) }] };
    expect(read(shared, concern)).toBe(true);
    expect(decideRecord(shared, 'correct', concern, NOW)).toMatchObject({ allowed: false, reason: 'record belongs to another agency' });
    expect(decideRecord(shared, 'restrict', concern, NOW).allowed).toBe(false);
  });

  it('only the author, a manager or the safeguarding lead corrects a record; a colleague who can read it cannot', () => {
    expect(decideRecord(teacher, 'correct', concern, NOW).allowed).toBe(true);
    expect(decideRecord(dsl, 'correct', concern, NOW).allowed).toBe(true);
    expect(decideRecord({ ...colleague, roles: ['manager'] }, 'correct', concern, NOW).allowed).toBe(true);
    expect(decideRecord(colleague, 'correct', concern, NOW).allowed).toBe(false);
  });
});

describe('lists of casework (issue 16): administrators and auditors see none', () => {
  const CASEWORK_VIEWS: AgencyView[] = ['people', 'due-steps', 'episodes', 'meetings', 'meeting-actions', 'overdue-alerts', 'referrals', 'information-requests',
    'notifications', 'advice-requests', 'urgent-shares', 'monitoring', 'closure-notices', 'seen-notifications', 'caseload'];
  const FIGURES: AgencyView[] = ['due-summary', 'timescales'];

  it('an actor with only non-casework roles is refused every casework list; the figures go to managers and auditors only', () => {
    fc.assert(fc.property(actorArb(rolesArb(['administrator', 'auditor', 'partnership_administrator', 'data_officer'])), fc.constantFrom(...CASEWORK_VIEWS, ...FIGURES), (actor, view) => {
      const expected = FIGURES.includes(view) && actor.roles.includes('auditor');
      expect(decideView(actor, view).allowed).toBe(expected);
    }), { numRuns: 300 });
  });

  it('a casework role sees the casework lists (overdue alerts: managers only), whatever else they hold', () => {
    fc.assert(fc.property(actorArb(), fc.constantFrom(...CASEWORK_VIEWS), (actor, view) => {
      const casework = actor.roles.some((r) => CASEWORK_ROLES.includes(r));
      expect(decideView(actor, view).allowed).toBe(view === 'overdue-alerts' ? actor.roles.includes('manager') : casework);
    }), { numRuns: 300 });
  });
});
