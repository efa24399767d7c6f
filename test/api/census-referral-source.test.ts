import { describe, expect, it } from 'vitest';
import { getEpisodeCensus } from '../../src/statutory-returns/cin/census-items.ts';
import { acceptReferral } from '../../src/process/referral-acceptance.ts';
import { NewReferral } from '../../src/process/referral-schemas.ts';
import { decideReferral, makeReferral } from '../../src/process/referrals.ts';
import { addRecord } from '../../src/records/records.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { useTestDb } from '../db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../fixtures.ts';

/** Issue 20: the episode's referral source, set when a referral opens it, and the primary need decided on the referral's page. */
describe('the referral source and primary need of an episode opened from a referral', () => {
  const t = useTestDb();

  async function setUp() {
    const clock = fixedClock('2026-04-10T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const health = await agency(s, p, 'health_visiting', 'Northshire Health Visiting');
    const hv = await practitioner(s, health, ['practitioner', 'safeguarding_lead'], 'Joanne Pike');
    const duty = await practitioner(s, csc, ['social_worker', 'manager'], 'Dev Patel');
    return { clock, csc, hv, duty };
  }

  it("a health visitor's referral counts as from health visiting (3B); the primary need decided with it is the episode's", async () => {
    const { csc, hv, duty } = await setUp();
    const ruby = await person(hv, { names: [{ givenNames: 'Ruby', familyName: 'Carver' }], dateOfBirth: '2026-03-20', sex: 'female' });
    const visit = await addRecord(hv, ruby.id, concern({ occurredAt: '2026-04-09T10:00:00Z', summary: 'Bruise on the cheek of a non-mobile baby' }));
    const referral = await makeReferral(hv, NewReferral.parse({
      childPersonId: ruby.id, toAgencyId: csc, channel: 'written', concerns: 'A bruise on a three-week-old baby', childsWishesAndFeelings: 'Too young to say',
      domains: { developmentalNeeds: 'Feeding well', parentingCapacity: 'Mother anxious', familyAndEnvironment: 'Lives with her mother' },
      familyAgreement: { status: 'not_told', reason: 'Telling her could put Ruby at risk' },
      familyToBeTold: { what: 'That a social worker will visit', byWhom: 'The social worker', when: 'At the visit' },
      shareDecision: {
        answers: { purposeCode: 'child_protection_enquiry', purpose: 'A bruise on a non-mobile baby', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 2004 s11' },
        outcome: 'share', reasons: 'Significant harm until shown otherwise',
        share: { recipients: [{ agencyId: csc }], items: [{ recordId: visit.id, parts: ['summary'] }], includeAddress: true },
        subjectInformed: { informed: false, reason: 'Telling her could put Ruby at risk' },
      },
    }));
    const accepted = await acceptReferral(duty, referral.id, { personId: 'new' });
    await decideReferral(duty, referral.id, { outcome: 'assessment', reasons: 'A bruise on a non-mobile baby', primaryNeed: 'N1' });
    expect(await getEpisodeCensus(duty, accepted.episodeId!)).toMatchObject({ referralSource: '3B', primaryNeed: 'N1', closureReason: null });
  });

  it("a member of the public's referral takes the source the duty worker chooses", async () => {
    const { duty } = await setUp();
    const recorded = await makeReferral(duty, NewReferral.parse({
      referrerIsMemberOfPublic: true, channel: 'phone',
      referrer: { name: 'Pat Neighbour', contact: '07700 900123', relationshipToChild: 'Lives next door', consentToDisclose: false },
      child: { kind: 'child', names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2019-04-22', addresses: [{ line1: '5 Ashdown Road' }] },
      concerns: 'The children are left alone in the evenings',
    }));
    const accepted = await acceptReferral(duty, recorded.id, { personId: 'new', referralSource: '9' });
    // A decision that closes the case records why, for the census.
    await decideReferral(duty, recorded.id, { outcome: 'no_further_action', reasons: 'Grandmother looks after them in the evenings', closureReason: 'RC8' });
    expect(await getEpisodeCensus(duty, accepted.episodeId!)).toMatchObject({ referralSource: '9', closureReason: 'RC8' });
  });
});
