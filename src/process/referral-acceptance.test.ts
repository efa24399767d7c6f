import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { addRelationship, getPerson } from '../people/people.ts';
import { addRecord } from '../records/records.ts';
import { fixedClock } from '../shared/clock.ts';
import type { ActorContext } from '../shared/context.ts';
import { listNotifications } from '../sharing/notifications.ts';
import { allocateEpisode } from './allocation.ts';
import { openEpisode, recordEpisodeAction } from './episodes.ts';
import { previousProtectionHistory } from './previous-history.ts';
import { acceptReferral, referralCandidates } from './referral-acceptance.ts';
import { NewReferral } from './referral-schemas.ts';
import { makeReferral } from './referrals.ts';
import { RecordAction } from './schemas.ts';

const act = (key: string, occurredAt: string, action: Record<string, unknown>): RecordAction => RecordAction.parse({ idempotencyKey: key, occurredAt, action });

describe('accepting a referral onto the child the authority already holds (issue 17)', () => {
  const t = useTestDb();

  /** The health visitor refers Ruby, three weeks old; her mother Dawn is known to children's social care. */
  async function cast() {
    const clock = fixedClock('2026-04-10T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const health = await agency(s, p, 'health_visiting', 'Northshire Health Visiting');
    const police = await agency(s, p, 'police', 'Northshire Police');
    const hv = await practitioner(s, health, ['practitioner', 'safeguarding_lead'], 'Joanne Pike');
    const officer = await practitioner(s, police, ['practitioner', 'safeguarding_lead'], 'PC Lyons');
    const duty = await practitioner(s, csc, ['social_worker'], 'Dev Patel');
    const allocated = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const other = await practitioner(s, csc, ['social_worker'], 'Sam Hart');
    const manager = await practitioner(s, csc, ['manager'], 'Grace Okafor');
    const cscLead = await practitioner(s, csc, ['safeguarding_lead'], 'Head of Safeguarding');
    const address = { line1: '5 Ashdown Road', town: 'Northtown', postcode: 'NS1 6EJ' };
    const hvRuby = await person(hv, { names: [{ givenNames: 'Ruby', familyName: 'Carver' }], dateOfBirth: '2026-03-20', sex: 'female', addresses: [address] });
    const hvDawn = await person(hv, { kind: 'adult', names: [{ givenNames: 'Dawn', familyName: 'Carver' }], dateOfBirth: '1994-02-01', sex: 'female', addresses: [address] });
    await addRelationship(hv, hvRuby.id, { relatedPersonId: hvDawn.id, type: 'parent' });
    const visit = await addRecord(hv, hvRuby.id, concern({ occurredAt: '2026-04-09T10:00:00Z', summary: 'Bruise on the cheek of a non-mobile baby' }));
    return { clock, s, csc, health, police, hv, officer, duty, allocated, other, manager, cscLead, address, hvRuby, hvDawn, visit };
  }
  type Cast = Awaited<ReturnType<typeof cast>>;

  async function refer(c: Cast): Promise<string> {
    return (await makeReferral(c.hv, NewReferral.parse({
      childPersonId: c.hvRuby.id, toAgencyId: c.csc, channel: 'written', urgent: true,
      concerns: 'A bruise on the cheek of a three-week-old baby', childsWishesAndFeelings: 'Too young to say',
      domains: { developmentalNeeds: 'Feeding well', parentingCapacity: 'Mother anxious', familyAndEnvironment: 'Lives with her mother' },
      familyAgreement: { status: 'not_told', reason: 'Telling her could put Ruby at risk' },
      familyToBeTold: { what: 'That a social worker will visit', byWhom: 'The social worker', when: 'At the visit' },
      shareDecision: {
        answers: { purposeCode: 'child_protection_enquiry', purpose: 'A bruise on a non-mobile baby', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 2004 s11' },
        outcome: 'share', reasons: 'A bruise on a non-mobile baby is significant harm until shown otherwise',
        share: { recipients: [{ agencyId: c.csc }], items: [{ recordId: c.visit.id, parts: ['summary'] }], includeAddress: true },
        subjectInformed: { informed: false, reason: 'Telling her could put Ruby at risk' },
      },
    }))).id;
  }

  /** Children's social care's own Dawn, whose first child Ava had a plan for neglect. */
  async function dawnWithEarlierPlan(c: Cast): Promise<{ dawn: string; ava: string; avasEpisode: string }> {
    const dawn = await person(c.duty, { kind: 'adult', names: [{ givenNames: 'Dawn', familyName: 'Carver' }], dateOfBirth: '1994-02-01', sex: 'female', addresses: [c.address] });
    const ava = await person(c.duty, { names: [{ givenNames: 'Ava', familyName: 'Carver' }], dateOfBirth: '2016-05-01' });
    await addRelationship(c.duty, ava.id, { relatedPersonId: dawn.id, type: 'parent' });
    const ep = await openEpisode(c.duty, { idempotencyKey: 'ava', childPersonId: ava.id, receivedAt: '2018-01-05T09:00:00Z', channel: 'written' });
    await recordEpisodeAction(c.duty, ep.id, act('ava-d', '2018-01-05T10:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'Neglect' }));
    await recordEpisodeAction(c.duty, ep.id, act('ava-sd', '2018-01-05T11:00:00Z', { type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: c.csc }], policeInvestigation: false, immediateSafety: 'x', familyToBeTold: 'x' }));
    await recordEpisodeAction(c.duty, ep.id, act('ava-s47', '2018-01-12T11:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'x' }));
    await recordEpisodeAction(c.duty, ep.id, act('ava-c', '2018-01-25T10:00:00Z', {
      type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: [c.csc], parentsParticipation: 'x',
      planDetails: { category: 'neglect', leadAgencyId: c.csc, keyWorkerId: c.duty.actor.practitionerId, coreGroup: [c.duty.actor.practitionerId], outlinePlan: 'x', contingencyPlan: 'y' },
    }));
    return { dawn: dawn.id, ava: ava.id, avasEpisode: ep.id };
  }

  const historyNotices = async (who: ActorContext): Promise<{ entityId: string; message: string }[]> =>
    (await listNotifications(who, {})).filter((n) => n.kind === 'person.previous-history').map((n) => ({ entityId: n.entityId, message: n.message }));

  const cscChildren = async (c: Cast): Promise<number> => (await t.db().query("SELECT 1 FROM person WHERE agency_id = $1 AND kind <> 'adult'", [c.csc])).rowCount;

  it('offers the entry the authority already holds, explained; accepting onto it links it and makes no second entry; the allocated worker and the team manager are told of the mother’s earlier plan', async () => {
    const c = await cast();
    const { dawn, ava, avasEpisode } = await dawnWithEarlierPlan(c);
    const cscRuby = await person(c.duty, { names: [{ givenNames: 'Ruby', familyName: 'Carver' }], dateOfBirth: '2026-03-20', sex: 'female', addresses: [c.address] });
    await addRelationship(c.duty, cscRuby.id, { relatedPersonId: dawn, type: 'parent' });
    const id = await refer(c);

    const { candidates, placed } = await referralCandidates(c.duty, id);
    expect(placed).toBeNull();
    expect(candidates[0]).toMatchObject({ personId: cscRuby.id, heldBy: 'your_agency', linked: false, child: { name: 'Ruby Carver', dateOfBirth: '2026-03-20', unborn: false } });
    expect(candidates[0]!.confidence).not.toBe('unlikely');
    expect(candidates[0]!.explanation).toMatch(/date of birth/);
    // Only children: Dawn, who shares the surname and address, is not offered as the child.
    expect(candidates.map((x) => x.personId)).not.toContain(dawn);

    const before = await cscChildren(c);
    const accepted = await acceptReferral(c.duty, id, { personId: cscRuby.id, allocatedWorkerId: c.allocated.actor.practitionerId, team: 'Assessment' });
    expect(accepted).toMatchObject({ handling: 'accepted', receivedPersonId: cscRuby.id });
    expect(await cscChildren(c)).toBe(before);
    // The health visitor's entry and the authority's are now the same child; Rachel is Ruby's lead worker.
    expect((await t.db().query('SELECT 1 FROM person_link WHERE unlinked_at IS NULL AND person_id = $1 AND other_person_id = $2', [cscRuby.id, c.hvRuby.id])).rowCount).toBe(1);
    expect((await getPerson(c.duty, cscRuby.id)).leadWorkers).toEqual([expect.objectContaining({ practitionerName: 'Rachel Dunn', validTo: null })]);

    // The allocated worker and the team manager are told at once, with nothing personal in the message; the duty worker and the head of safeguarding are not.
    const told = { entityId: cscRuby.id, message: 'Someone around this person is linked to an earlier child protection plan in your agency: see their previous history.' };
    expect(await historyNotices(c.allocated)).toEqual([told]);
    expect(await historyNotices(c.manager)).toEqual([told]);
    expect(await historyNotices(c.duty)).toEqual([]);
    expect(await historyNotices(c.cscLead)).toEqual([]);
    expect(await previousProtectionHistory(c.allocated, cscRuby.id)).toEqual([
      expect.objectContaining({ adultPersonId: dawn, connection: 'parent', earlierChildPersonId: ava, episodeId: avasEpisode, planCategory: 'neglect' }),
    ]);

    // Reallocated to Sam: he is told too; the manager, who has not read hers yet, is not told twice.
    await allocateEpisode(c.duty, accepted.episodeId!, { allocatedWorkerId: c.other.actor.practitionerId });
    expect(await historyNotices(c.other)).toEqual([told]);
    expect(await historyNotices(c.manager)).toEqual([told]);
    // Nothing to choose from once placed.
    expect(await referralCandidates(c.duty, id)).toEqual({ candidates: [], placed: cscRuby.id });
  });

  it('"none of these": a new entry carries the referral’s address and its mother, found in the authority’s index, so her earlier plan is found', async () => {
    const c = await cast();
    const { dawn, ava } = await dawnWithEarlierPlan(c);
    const id = await refer(c);
    expect((await referralCandidates(c.duty, id)).candidates).toEqual([]);
    const accepted = await acceptReferral(c.duty, id, { personId: 'new', allocatedWorkerId: c.allocated.actor.practitionerId });
    const ruby = await getPerson(c.duty, accepted.receivedPersonId!);
    expect(ruby).toMatchObject({ kind: 'child', dateOfBirth: '2026-03-20', names: [expect.objectContaining({ givenNames: 'Ruby', familyName: 'Carver' })] });
    expect(ruby.addresses).toEqual([expect.objectContaining({ line1: '5 Ashdown Road', postcode: 'NS1 6EJ' })]);
    // The mother is the authority's own Dawn, not a second entry for her.
    expect(ruby.relationships).toEqual([expect.objectContaining({ relatedPersonId: dawn, type: 'parent' })]);
    expect((await t.db().query("SELECT 1 FROM person WHERE agency_id = $1 AND kind = 'adult'", [c.csc])).rowCount).toBe(1);
    expect(await previousProtectionHistory(c.allocated, ruby.id)).toEqual([expect.objectContaining({ adultPersonId: dawn, earlierChildPersonId: ava })]);
    expect(await historyNotices(c.allocated)).toEqual([expect.objectContaining({ entityId: ruby.id })]);
  });

  it('a new entry adds the mother the authority does not hold yet, with the relationship', async () => {
    const c = await cast();
    const id = await refer(c);
    const accepted = await acceptReferral(c.duty, id, { personId: 'new' });
    const ruby = await getPerson(c.duty, accepted.receivedPersonId!);
    const mother = await getPerson(c.duty, ruby.relationships[0]!.relatedPersonId);
    expect(mother).toMatchObject({ kind: 'adult', agencyId: c.csc, dateOfBirth: '1994-02-01', names: [expect.objectContaining({ givenNames: 'Dawn', familyName: 'Carver' })] });
    expect(mother.addresses).toEqual([expect.objectContaining({ postcode: 'NS1 6EJ' })]);
  });

  it('offers the authority’s pre-birth entry, matched by the mother and the expected date of delivery, and places the referral with it', async () => {
    const c = await cast();
    const { dawn } = await dawnWithEarlierPlan(c);
    // Known before birth only as "Baby of Dawn", with no address: the mother and the expected date are all there is.
    const unborn = await person(c.duty, { kind: 'unborn', names: [{ familyName: 'Baby of Dawn' }], dateOfBirth: undefined, expectedDateOfDelivery: '2026-03-28' });
    await addRelationship(c.duty, unborn.id, { relatedPersonId: dawn, type: 'parent' });
    const id = await refer(c);
    const { candidates } = await referralCandidates(c.duty, id);
    const offered = candidates.find((x) => x.personId === unborn.id);
    expect(offered).toMatchObject({ child: { unborn: true, expectedDate: '2026-03-28', motherName: 'Dawn Carver' } });
    expect(offered!.explanation).toMatch(/expected date of delivery/);
    expect(offered!.explanation).toMatch(/parent in common/);

    const accepted = await acceptReferral(c.duty, id, { personId: unborn.id, allocatedWorkerId: c.allocated.actor.practitionerId });
    expect(accepted.receivedPersonId).toBe(unborn.id);
    expect(await cscChildren(c)).toBe(2); // Ava and the pre-birth entry: no second entry for Ruby.
    // The mother's earlier plan reaches the allocated worker through the pre-birth entry.
    expect(await historyNotices(c.allocated)).toEqual([expect.objectContaining({ entityId: unborn.id })]);
  });

  it('the child’s own earlier plan counts too: an episode opened without a worker tells the team managers, and allocating it tells the worker', async () => {
    const c = await cast();
    const { ava, avasEpisode } = await dawnWithEarlierPlan(c);
    // Ava's plan ended in 2019, closing her case; in 2026 she is referred again.
    await recordEpisodeAction(c.duty, avasEpisode, act('ava-end', '2019-01-10T10:00:00Z', { type: 'plan_ended', reason: 'review_decision', childInNeedPlan: false }));
    const again = await openEpisode(c.duty, { idempotencyKey: 'ava-2026', childPersonId: ava, receivedAt: '2026-04-10T08:00:00Z', channel: 'phone' });
    const told = { entityId: ava, message: 'This child had an earlier child protection plan in your agency: see their previous history.' };
    expect(await historyNotices(c.manager)).toEqual([told]);
    expect(await historyNotices(c.allocated)).toEqual([]);
    expect(await previousProtectionHistory(c.manager, ava)).toEqual([
      expect.objectContaining({ adultPersonId: ava, connection: 'the child themself', earlierChildPersonId: ava, episodeId: avasEpisode, planCategory: 'neglect', planEndedAt: '2019-01-10T10:00:00.000Z' }),
    ]);
    await allocateEpisode(c.duty, again.id, { allocatedWorkerId: c.allocated.actor.practitionerId, team: 'Assessment' });
    expect(await historyNotices(c.allocated)).toEqual([told]);
    // Allocating to the same worker again tells no one anything new.
    await allocateEpisode(c.duty, again.id, { allocatedWorkerId: c.allocated.actor.practitionerId });
    expect(await historyNotices(c.allocated)).toEqual([told]);
    // Another agency cannot allocate the authority's episode.
    await expect(allocateEpisode(c.hv, again.id, { allocatedWorkerId: c.hv.actor.practitionerId })).rejects.toMatchObject({ status: 403 });
  });

  it("never offers another agency's entry, and refuses one quoted as if it did not exist; the referrer cannot look", async () => {
    const c = await cast();
    // The police hold Ruby too, exactly as the health visitor does.
    await person(c.officer, { names: [{ givenNames: 'Ruby', familyName: 'Carver' }], dateOfBirth: '2026-03-20', sex: 'female', addresses: [c.address] });
    const id = await refer(c);
    const { candidates } = await referralCandidates(c.duty, id);
    expect(candidates).toEqual([]);
    const refused = await acceptReferral(c.duty, id, { personId: c.hvRuby.id }).then(() => undefined, (e: { status: number; errors: { pointer: string; detail: string }[] }) => e);
    expect(refused).toMatchObject({ status: 422, errors: [{ pointer: '/personId', detail: "No child with that identifier in your agency's index" }] });
    expect(await cscChildren(c)).toBe(0);
    await expect(referralCandidates(c.hv, id)).rejects.toMatchObject({ status: 403 });
    await expect(referralCandidates(c.officer, id)).rejects.toMatchObject({ status: 404 });
  });
});
