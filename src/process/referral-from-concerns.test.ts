import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { addRecord } from '../records/records.ts';
import { fixedClock } from '../shared/clock.ts';
import { NewShareDecision } from '../sharing/schemas.ts';
import { makeDecision } from '../sharing/sharing.ts';
import { getEpisode } from './episodes.ts';
import { NewReferral } from './referral-schemas.ts';
import { getReferral, makeReferral } from './referrals.ts';
import { acceptReferral } from './referral-acceptance.ts';

/** Issue 17, item 8: a referral starts from the concerns, and an immediate-risk referral's clock is the phone call's. */
describe('a referral from concerns, and an immediate-risk referral made by phone', () => {
  const t = useTestDb();

  async function cast() {
    // Friday 4 December 2026, 16:30 in London: the form is typed after the call at 14:05.
    const s = services(t.db(), fixedClock('2026-12-04T16:30:00Z'));
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', 'Riverside Primary');
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const teacher = await practitioner(s, school, ['practitioner'], 'Amira Shah');
    const lead = await practitioner(s, school, ['safeguarding_lead'], 'Karen Doyle');
    const duty = await practitioner(s, csc, ['social_worker'], 'Dev Patel');
    const jack = await person(teacher, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2019-07-04' });
    const lily = await person(teacher, { names: [{ givenNames: 'Lily', familyName: 'Carver' }], dateOfBirth: '2021-01-10' });
    const bruise = await addRecord(teacher, jack.id, concern({ occurredAt: '2026-12-04T13:30:00Z', summary: 'Bruise on Jack’s cheek; he says his mum’s boyfriend hit him', tellLead: true }));
    const hungry = await addRecord(teacher, jack.id, concern({ occurredAt: '2026-12-03T10:00:00Z', summary: 'Hungry again' }));
    const aboutLily = await addRecord(teacher, lily.id, concern({ occurredAt: '2026-12-03T10:00:00Z', summary: 'Lily upset' }));
    const decision = await makeDecision(lead, NewShareDecision.parse({
      personId: jack.id,
      answers: {
        purposeCode: 'child_protection_enquiry', purpose: 'Refer Jack to children’s social care', withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true,
        consent: { status: 'not_sought', reason: 'increase_risk_of_harm', explanation: 'Asking could put Jack at risk' },
        publicInterest: { harm: 'child_significant_harm', evidence: 'The bruise and what Jack said', necessityAndProportionality: 'Children’s social care must know now', adultWithCapacityRiskingOnlyThemself: false },
      },
      outcome: 'share', reasons: 'Reasonable cause to suspect significant harm',
      share: { recipients: [{ agencyId: csc }], items: [{ recordId: bruise.id, parts: ['summary', 'details'] }] },
      subjectInformed: { informed: false, reason: 'Telling his mother could increase the risk to Jack' },
    }));
    return { s, school, csc, teacher, lead, duty, jack, lily, bruise, hungry, aboutLily, decision };
  }
  type Cast = Awaited<ReturnType<typeof cast>>;

  const raw = (c: Cast, over: Record<string, unknown> = {}): Record<string, unknown> => ({
    childPersonId: c.jack.id, toAgencyId: c.csc, channel: 'phone', urgent: true, madeAt: '2026-12-04T14:05:00Z', shareDecisionId: c.decision.id,
    fromRecordIds: [c.bruise.id, c.hungry.id],
    concerns: 'Bruise on Jack’s cheek; he says his mum’s boyfriend hit him',
    domains: { developmentalNeeds: 'Not known', parentingCapacity: 'Not known', familyAndEnvironment: 'Mother’s new partner' },
    childsWishesAndFeelings: 'He does not want to go home',
    familyAgreement: { status: 'not_told', reason: 'It could increase the risk to Jack' },
    familyToBeTold: { what: 'Agreed with the social worker', byWhom: 'The social worker', when: 'After the strategy discussion' },
    ...over,
  });
  const body = (c: Cast, over: Record<string, unknown> = {}) => NewReferral.parse(raw(c, over));

  it('records the records it started from; the referrer sees them all, the receiving authority only those shared with it', async () => {
    const c = await cast();
    const made = await makeReferral(c.lead, body(c));
    expect(made.fromRecordIds).toEqual([c.bruise.id, c.hungry.id]);
    expect((await getReferral(c.lead, made.id)).fromRecordIds).toEqual([c.bruise.id, c.hungry.id]);
    // The hungry record was not in the share decision: its id is not told to children's social care.
    expect((await getReferral(c.duty, made.id)).fromRecordIds).toEqual([c.bruise.id]);
  });

  it('its clock is the phone call’s: made at 14:05, the written confirmation is due 48 hours after the call, and the episode’s clock starts at the call', async () => {
    const c = await cast();
    const made = await makeReferral(c.lead, body(c));
    expect(made).toMatchObject({ channel: 'phone', urgent: true, madeAt: '2026-12-04T14:05:00.000Z', recordedAt: '2026-12-04T16:30:00.000Z' });
    expect(made.steps.find((s) => s.key === 'written_confirmation')?.due).toBe('2026-12-06T14:05:00.000Z');
    const accepted = await acceptReferral(c.duty, made.id, { personId: 'new' });
    const episode = await getEpisode(c.duty, accepted.episodeId!);
    expect(JSON.stringify(episode)).toContain('2026-12-04T14:05:00');
  });

  it('refuses, naming each field, records of another child or not in reach', async () => {
    const c = await cast();

    const wrong = await makeReferral(c.lead, body(c, { fromRecordIds: [c.bruise.id, c.aboutLily.id, '00000000-0000-4000-8000-000000000000'] })).catch((e: unknown) => e);
    expect(wrong).toMatchObject({
      status: 422,
      errors: expect.arrayContaining([
        { pointer: '/fromRecordIds/1', detail: "No record about this child in your agency's index with that identifier" },
        { pointer: '/fromRecordIds/2', detail: "No record about this child in your agency's index with that identifier" },
      ]),
    });
  });
});
