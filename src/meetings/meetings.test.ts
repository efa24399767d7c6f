import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { addRecord, getRecord } from '../records/records.ts';
import { fixedClock } from '../shared/clock.ts';
import { NewShareDecision } from '../sharing/schemas.ts';
import { makeDecision } from '../sharing/sharing.ts';
import { addContribution, closeAction, getMeeting, myActions, recordOutcome, scheduleMeeting } from './meetings.ts';
import { MeetingOutcome } from './schemas.ts';

describe('a joint action group (case example 5)', () => {
  const t = useTestDb();

  it('the local authority convenes, the police bring what they share under s115, actions land with their owners and come back at the next meeting', async () => {
    const clock = fixedClock('2026-03-02T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const la = await agency(s, p, 'childrens_social_care', 'Local authority social inclusion unit');
    const police = await agency(s, p, 'police', 'Police');
    const housing = await agency(s, p, 'housing', 'Housing trust');
    const school = await agency(s, p, 'school', 'School');
    const chair = await practitioner(s, la, ['practitioner', 'safeguarding_lead'], 'JAG chair');
    const officer = await practitioner(s, police, ['practitioner', 'safeguarding_lead'], 'Police representative');
    const housingOfficer = await practitioner(s, housing, ['practitioner', 'safeguarding_lead'], 'Housing officer');
    const teacher = await practitioner(s, school, ['practitioner', 'safeguarding_lead'], 'Teacher');
    const tony = await person(chair, { names: [{ givenNames: 'Tony', familyName: 'Example' }], dateOfBirth: '2009-01-10' });

    // The chair puts family 1 on the agenda and invites police and housing.
    const m1 = await scheduleMeeting(chair, { kind: 'standing_panel', title: 'North JAG, March', series: 'North JAG', scheduledAt: '2026-03-10T10:00:00Z', subjectPersonIds: [tony.id], invitees: [{ agencyId: police }, { agencyId: housing }] });
    // The police representative sees the agenda; the school, not invited, sees nothing.
    expect((await getMeeting(officer, m1.id)).subjects).toEqual([{ personId: tony.id, names: 'Tony Example', dateOfBirth: '2009-01-10', ownPersonId: null }]);
    await expect(getMeeting(teacher, m1.id)).rejects.toMatchObject({ status: 404 });

    // The police share their record of Tony with the local authority under the Crime and Disorder Act, for the meeting.
    const policeTony = await person(officer, { names: [{ givenNames: 'Tony', familyName: 'Example' }], dateOfBirth: '2009-01-10' });
    const incident = await addRecord(officer, policeTony.id, concern({ kind: 'incident', categories: ['offending', 'substance_misuse'], summary: 'Aggressive when approached by officers', source: { type: 'practitioner' } }));
    const share = await makeDecision(officer, NewShareDecision.parse({
      personId: policeTony.id, outcome: 'share', reasons: 'JAG information exchange agreed under s115',
      answers: { purposeCode: 'crime_prevention', purpose: 'Targeted support for family 1', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Crime and Disorder Act 1998 s115' },
      share: { recipients: [{ agencyId: la }], items: [{ recordId: incident.id, parts: ['summary'] }] },
      subjectInformed: { informed: true, at: '2026-03-02T08:00:00Z', by: 'Police representative' },
    }));
    await addContribution(officer, m1.id, share.id);
    expect((await getRecord(chair, incident.id)).share?.legalBasis).toBe('statutory_duty');
    await expect(addContribution(housingOfficer, m1.id, share.id)).rejects.toMatchObject({ status: 422 });

    clock.set('2026-03-10T12:00:00Z');
    const held = await recordOutcome(chair, m1.id, MeetingOutcome.parse({
      heldAt: '2026-03-10T10:00:00Z', attendance: [{ agencyId: police, attended: true }, { agencyId: housing, attended: false, apologies: 'Sickness' }],
      decisions: ['Assessment of each child and the impact of parental drug use'],
      actions: [{ ownerId: housingOfficer.actor.practitionerId, description: 'Remind the family of the tenancy terms', dueOn: '2026-03-20' }],
      minutes: 'Discussed family 1.', familyTold: 'The chair writes to the parents this week',
    }));
    expect(held).toMatchObject({ status: 'held', contributions: [{ agencyId: police, shareDecisionId: share.id }] });
    // Each part of the meeting read with the others (one statement): its times as the driver gives a column's, in order.
    expect((await getMeeting(chair, m1.id)).contributions).toEqual([{ agencyId: police, shareDecisionId: share.id, addedAt: '2026-03-02T09:00:00.000Z' }]);
    expect((await getMeeting(chair, m1.id)).invitees.map((i) => [i.agencyName, i.attended, i.apologies])).toEqual([['Housing trust', false, 'Sickness'], ['Police', true, null]]);
    // The police see their own contribution and no one else's actions or the decisions; the housing officer only her action.
    expect(await getMeeting(officer, m1.id)).toMatchObject({ view: 'invited', decisions: [], actions: [], minutes: null, contributions: [{ agencyId: police }] });
    expect((await getMeeting(housingOfficer, m1.id)).actions.map((a) => a.description)).toEqual(['Remind the family of the tenancy terms']);
    expect((await getMeeting(housingOfficer, m1.id)).contributions).toEqual([]);
    // The action lands in the housing officer's list and is overdue after its date.
    clock.set('2026-03-23T09:00:00Z');
    expect(await myActions(housingOfficer)).toEqual([expect.objectContaining({ description: 'Remind the family of the tenancy terms', status: 'open', overdue: true })]);

    // Next month's meeting in the series shows the open action for review, and records the review.
    const m2 = await scheduleMeeting(chair, { kind: 'standing_panel', title: 'North JAG, April', series: 'North JAG', scheduledAt: '2026-04-14T10:00:00Z', subjectPersonIds: [tony.id], invitees: [{ agencyId: police }, { agencyId: housing }] });
    const toReview = (await getMeeting(chair, m2.id)).actionsToReview;
    expect(toReview.map((a) => a.description)).toEqual(['Remind the family of the tenancy terms']);
    // Each with the earlier meeting it came from; the new meeting has nothing of its own yet.
    expect(toReview).toEqual([expect.objectContaining({ meetingId: m1.id, ownerId: housingOfficer.actor.practitionerId, dueOn: '2026-03-20', status: 'open', overdue: true, reviewedAtMeetingId: null })]);
    expect(await getMeeting(chair, m2.id)).toMatchObject({ actions: [], decisions: [], contributions: [] });
    clock.set('2026-04-14T12:00:00Z');
    await recordOutcome(chair, m2.id, MeetingOutcome.parse({ heldAt: '2026-04-14T10:00:00Z', attendance: [], reviewedActions: [{ actionId: toReview[0]!.id, status: 'done', note: 'Letter sent 18 March' }], minutes: 'Reviewed.', familyTold: 'No change' }));
    expect((await myActions(housingOfficer))[0]).toMatchObject({ status: 'done' });
    await expect(closeAction(officer, toReview[0]!.id, 'done')).rejects.toMatchObject({ status: 404 });
  });
});
