import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AGENCY_TYPES, isSensitiveAgency } from '../partnership/schemas.ts';
import { CASEWORK_ROLES, decideLawfulLink, decideLinkRequest, decideMatchDisclosure, ROLES, type Actor, type MatchFacts } from './policy.ts';

/**
 * Who learns that another agency knows a child, checked against the rule in words: your own
 * agency's entries to your caseworkers; another agency's only to a safeguarding lead, a Caldicott
 * guardian or children's social care's caseworkers, and a sensitive service never by name.
 */

const actorArb = fc.record({
  practitionerId: fc.constant('p-1'),
  agencyId: fc.constantFrom('a', 'b'),
  roles: fc.subarray([...ROLES]),
  grants: fc.constant([]),
}) as fc.Arbitrary<Actor>;

const factsArb: fc.Arbitrary<MatchFacts> = fc.record({
  actorAgencyType: fc.constantFrom(...AGENCY_TYPES),
  candidateAgencyId: fc.constantFrom('a', 'b'),
  candidateAgencySensitive: fc.boolean(),
});

const casework = (a: Actor): boolean => a.roles.some((r) => CASEWORK_ROLES.includes(r));

describe('matching disclosure policy', () => {
  it('says exactly what the rule says, for every role in every kind of agency', () => {
    fc.assert(fc.property(actorArb, factsArb, (actor, facts) => {
      const basis = casework(actor) && (actor.roles.includes('safeguarding_lead') || actor.roles.includes('caldicott_guardian') || facts.actorAgencyType === 'childrens_social_care');
      const expected = !casework(actor) ? 'none'
        : facts.candidateAgencyId === actor.agencyId ? 'own'
          : !basis ? 'none'
            : facts.candidateAgencySensitive ? 'anonymous' : 'named';
      expect(decideMatchDisclosure(actor, facts).disclosure).toBe(expected);
    }), { numRuns: 2000 });
  });

  it('never names a sensitive service to another agency, and never lets anyone link one without its agreement', () => {
    fc.assert(fc.property(actorArb, factsArb, (actor, facts) => {
      fc.pre(facts.candidateAgencySensitive && facts.candidateAgencyId !== actor.agencyId);
      expect(['none', 'anonymous']).toContain(decideMatchDisclosure(actor, facts).disclosure);
      expect(decideLawfulLink(actor, facts).allowed).toBe(false);
    }));
  });

  it('a lawful-basis link is for children\'s social care caseworkers only', () => {
    fc.assert(fc.property(actorArb, factsArb, (actor, facts) => {
      if (decideLawfulLink(actor, facts).allowed) {
        expect(facts.actorAgencyType).toBe('childrens_social_care');
        expect(casework(actor)).toBe(true);
      }
    }));
  });

  it('a link request is answered only by the agency asked, and only by a role with a basis', () => {
    fc.assert(fc.property(actorArb, fc.constantFrom(...AGENCY_TYPES), fc.constantFrom('a', 'b'), (actor, type, asked) => {
      const allowed = decideLinkRequest(actor, type, asked).allowed;
      if (allowed) {
        expect(asked).toBe(actor.agencyId);
        expect(decideMatchDisclosure(actor, { actorAgencyType: type, candidateAgencyId: 'elsewhere', candidateAgencySensitive: false }).disclosure).toBe('named');
      }
    }));
  });

  it('sexual health, mental health and substance misuse services are sensitive whatever their flag says', () => {
    for (const type of ['sexual_health_clinic', 'mental_health', 'substance_misuse']) expect(isSensitiveAgency(type, false)).toBe(true);
    expect(isSensitiveAgency('school', false)).toBe(false);
    expect(isSensitiveAgency('voluntary_sector', true)).toBe(true);
  });
});
