import { describe, expect, it } from 'vitest';
import { recordOutcome, scheduleMeeting } from '../../src/meetings/meetings.ts';
import { openEpisode, recordEpisodeAction } from '../../src/process/episodes.ts';
import { RecordAction } from '../../src/process/schemas.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { useTestDb } from '../db.ts';
import { useWebApp } from './no-js-browser.ts';
import { agency, partnershipWith, person, services } from '../fixtures.ts';

/** Issue 18, items 3 and 4: what was decided reads back on the episode page; circulating the strategy record sends it. */

const PASSWORD = 'episode-readback-password';

describe('the episode page reads back what was decided', () => {
  const t = useTestDb();
  const web = useWebApp(PASSWORD);

  const signedUp = web.signedUp;

  const browser = web.browser;

  /** The section under an h2, up to the next h2. */
  function section(html: string, heading: string): string {
    const start = html.indexOf(`>${heading}</h2>`);
    expect(start, `no "${heading}" section`).toBeGreaterThan(-1);
    const end = html.indexOf('<h2', start + 1);
    return html.slice(start, end === -1 ? undefined : end);
  }

  /** The summary list under an h3 of the read-back, as "key: value" lines. */
  function step(html: string, title: string): string[] {
    const start = html.indexOf(`>${title}</h3>`);
    expect(start, `no "${title}" step`).toBeGreaterThan(-1);
    const list = html.slice(start, html.indexOf('</dl>', start));
    return [...list.matchAll(/<dt class="govuk-summary-list__key">\s*([\s\S]*?)\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*([\s\S]*?)\s*<\/dd>/g)]
      .map((m) => `${m[1]!.trim()}: ${m[2]!.replace(/<br \/>|<br>/g, ' | ').replace(/&#39;|&rsquo;/g, '’').replace(/\s+/g, ' ').trim()}`);
  }

  it('a strategy discussion pre-filled from its meeting, the record sent to the police and health, the s47 outcome and the conference decision, all read back with UK dates', async () => {
    const clock = fixedClock('2026-12-01T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', 'Northshire Children’s Social Care');
    const police = await agency(s, p, 'police', 'Northshire Police');
    const health = await agency(s, p, 'health_visiting', 'Northshire Health Visiting');
    const worker = await signedUp(s, csc, ['social_worker'], 'Rachel Dunn');
    const colleague = await signedUp(s, csc, ['social_worker'], 'Sam Patel');
    const policeLead = await signedUp(s, police, ['safeguarding_lead', 'practitioner'], 'DS Amir Khan');
    await signedUp(s, health, ['safeguarding_lead', 'practitioner'], 'Nadia Nurse');
    const zoe = await person(worker, { names: [{ givenNames: 'Zoe', familyName: 'Hill' }], dateOfBirth: '2019-04-02' });
    const e = await openEpisode(worker, { idempotencyKey: 'ref', childPersonId: zoe.id, receivedAt: '2026-12-01T09:00:00Z', channel: 'written', allocatedWorkerId: worker.actor.practitionerId });
    const act = (key: string, occurredAt: string, action: Record<string, unknown>) => recordEpisodeAction(worker, e.id, RecordAction.parse({ idempotencyKey: key, occurredAt, action }));
    clock.set('2026-12-01T15:00:00Z');
    await act('decide', '2026-12-01T14:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'A bruise on her arm' });
    // The strategy discussion is arranged and its outcome recorded at the meeting, once.
    const meeting = await scheduleMeeting(worker, {
      kind: 'strategy_discussion', title: 'Strategy discussion', episodeId: e.id, scheduledAt: '2026-12-02T10:00:00Z', subjectPersonIds: [zoe.id], invitees: [{ agencyId: police }, { agencyId: health }],
    });
    clock.set('2026-12-02T11:30:00Z');
    await recordOutcome(worker, meeting.id, {
      heldAt: '2026-12-02T10:00:00Z', attendance: [{ agencyId: police, attended: true }, { agencyId: health, attended: true }],
      decisions: ['Zoe stays with her grandmother tonight'], actions: [], reviewedActions: [], minutes: 'Discussed the bruise', familyTold: 'The social worker tells her mother today at 4pm',
    });
    await web.open(s);
    let sw = await browser(worker);

    // The step's form starts from the meeting: when, which meeting, who took part, the decisions and what the family is told.
    const formUrl = await sw.get(`/episodes/${e.id}/record/strategy_discussion_held`, 303);
    const form = await sw.get(formUrl);
    expect(form).toContain('Zoe stays with her grandmother tonight</textarea>');
    expect(form).toContain('The social worker tells her mother today at 4pm</textarea>');
    for (const id of [csc, police, health]) expect(form).toMatch(new RegExp(`name="participants" type="checkbox" value="${id}" checked`));
    expect(form).toMatch(new RegExp(`name="meetingId" type="radio" value="${meeting.id}" checked`));
    // The social worker adds only what the meeting did not record.
    let res = await sw.post(formUrl, [
      ['occurred-day', '2'], ['occurred-month', '12'], ['occurred-year', '2026'], ['occurredTime', '10:00'], ['meetingId', meeting.id],
      ['participants', csc], ['participants', police], ['participants-' + police, 'DS Amir Khan'], ['participants', health],
      ['s47', 'yes'], ['policeInvestigation', 'yes'], ['immediateSafety', 'Zoe stays with her grandmother tonight'], ['familyToBeTold', 'The social worker tells her mother today at 4pm'],
    ]);
    expect(res.status, res.body.slice(0, 500)).toBe(303);
    await sw.get(res.location!);
    res = await sw.post(res.location!, []);
    expect(res.location).toBe(`/episodes/${e.id}?done=action-recorded`);
    // The meeting is held: no longer "Scheduled".
    expect(await sw.get(`/meetings/${meeting.id}`)).not.toContain('>Scheduled<');

    // Circulating sends the record: no date is asked, it is sent when confirmed.
    clock.set('2026-12-02T16:30:00Z');
    sw = await browser(worker); // signed in again after the afternoon away
    const circUrl = await sw.get(`/episodes/${e.id}/record/strategy_record_circulated`, 303);
    const circForm = await sw.get(circUrl);
    expect(circForm).not.toContain('When did it happen?');
    expect(circForm).toContain('on the statutory duty (28.3)');
    res = await sw.post(circUrl, []);
    await sw.get(res.location!);
    res = await sw.post(res.location!, []);
    expect(res.location).toBe(`/episodes/${e.id}?done=action-recorded`);

    clock.set('2026-12-04T12:00:00Z');
    await act('s47', '2026-12-04T11:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'The bruise is consistent with a grip; her mother’s partner is not co-operating' });
    clock.set('2026-12-08T14:00:00Z');
    await act('icpc', '2026-12-08T12:00:00Z', {
      type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: [csc, police, health], attendedAgencyIds: [csc, police], parentsParticipation: 'Her mother attended',
      planDetails: { category: 'physical_abuse', leadAgencyId: csc, keyWorkerId: worker.actor.practitionerId, coreGroup: [worker.actor.practitionerId, colleague.actor.practitionerId], outlinePlan: 'Weekly visits', contingencyPlan: 'A strategy discussion if he returns' },
    });

    sw = await browser(worker);
    const page = section(await sw.get(`/episodes/${e.id}`), 'What has happened');
    expect(step(page, 'Strategy discussion')).toEqual([
      'When: 2 December 2026 at 10am',
      'Who took part: Northshire Children’s Social Care | Northshire Police: DS Amir Khan | Northshire Health Visiting',
      'Section 47 enquiries: Yes, section 47 enquiries are to be started',
      'Police investigation: Yes, the police will investigate a possible crime',
      'Decisions on the child’s immediate safety: Zoe stays with her grandmother tonight',
      'What the family will be told, by whom and when: The social worker tells her mother today at 4pm',
    ]);
    expect(step(page, 'Strategy discussion record circulated')).toEqual([
      'When: 2 December 2026 at 4:30pm', 'Sent: 2 December 2026 at 4:30pm', 'Sent to: Northshire Police | Northshire Health Visiting', 'Lawful basis: Statutory duty (Working Together 28.3)',
    ]);
    expect(step(page, 'Section 47 enquiries concluded')).toEqual([
      'When: 4 December 2026 at 11am',
      'Outcome: The child is at continuing risk of significant harm: an initial child protection conference is needed',
      'Reasons and summary of the enquiries: The bruise is consistent with a grip; her mother’s partner is not co-operating',
    ]);
    expect(step(page, 'Child protection conference')).toEqual(expect.arrayContaining([
      'When: 8 December 2026 at midday',
      'Conference: Initial child protection conference',
      'Decision: The child is to be (or remain) the subject of a child protection plan',
      'Category of abuse: Physical abuse',
      'Lead agency: Northshire Children’s Social Care',
      'Key worker: Rachel Dunn',
      'Core group: Rachel Dunn | Sam Patel',
    ]));
    expect(step(page, 'Decision on the referral')).toContain('Reasons: A bruise on her arm');

    // The police read the record through their usual pages: Zoe is among the children shared with them.
    const pl = await browser(policeLead);
    expect(await pl.get('/shared-with-me')).toContain('Zoe');
  });
});
