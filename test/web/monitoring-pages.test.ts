import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chaseClosureNotices } from '../../src/process/closure-notices.ts';
import { openEpisode, recordEpisodeAction } from '../../src/process/episodes.ts';
import { raiseMissedCheckAlerts } from '../../src/process/missed-checks.ts';
import { RecordAction } from '../../src/process/schemas.ts';
import { addRecord } from '../../src/records/records.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { useTestDb } from '../db.ts';
import { useWebApp } from './no-js-browser.ts';
import { agency, concern, partnershipWith, person, services } from '../fixtures.ts';

/** Issue 17, item 4: monitoring after closure done on the pages, read from the rendered HTML. */

const PASSWORD = 'monitoring-pages-password';
const LILY = 'Lily Fletcher, born 20 February 2027';

describe('monitoring after closure on the pages', () => {
  const t = useTestDb();
  const web = useWebApp(PASSWORD);

  const signedUp = web.signedUp;

  const browser = web.browser;

  /** The section under a heading, up to the next one of the same level. */
  function section(html: string, heading: string): string {
    const start = html.indexOf(`>${heading}</h2>`);
    expect(start, `no "${heading}" section`).toBeGreaterThan(-1);
    const end = html.indexOf('<h2', start + 1);
    return html.slice(start, end === -1 ? undefined : end);
  }

  /** Case example 8: two no-access visits, the case closed with the health visitor named to monitor. */
  async function closedWithMonitoring() {
    const clock = fixedClock('2027-02-24T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Children's Social Care");
    const hv = await agency(s, p, 'health_visiting', 'Health visiting');
    const school = await agency(s, p, 'school', 'Riverside Primary');
    const socialWorker = await signedUp(s, csc, ['social_worker'], 'Rachel Dunn');
    const healthVisitor = await signedUp(s, hv, ['practitioner'], 'Hannah Visitor');
    const hvLead = await signedUp(s, hv, ['safeguarding_lead'], 'Nadia Nurse');
    const teacher = await signedUp(s, school, ['practitioner', 'safeguarding_lead'], 'Tom Teacher');
    const lily = await person(socialWorker, { names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2027-02-20' });
    const hvLily = await person(healthVisitor, { names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2027-02-20' });
    await t.db().query('INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at) VALUES ($1,$2,$3,$4,$5)', [randomUUID(), lily.id, hvLily.id, socialWorker.actor.practitionerId, clock.now().toISOString()]);
    const e = await openEpisode(socialWorker, { idempotencyKey: 'r', childPersonId: lily.id, receivedAt: '2027-02-24T09:00:00Z', channel: 'written' });
    clock.set('2027-02-25T12:00:00Z');
    await recordEpisodeAction(socialWorker, e.id, RecordAction.parse({ idempotencyKey: 'd', occurredAt: '2027-02-24T12:00:00Z', action: { type: 'referral_decided', outcome: 'assessment', reasons: 'Midwife worried' } }));
    for (const at of ['2027-03-12T11:00:00Z', '2027-04-09T11:00:00Z']) {
      clock.set(at);
      await addRecord(socialWorker, lily.id, concern({ kind: 'home_visit', outcome: 'no_access', occurredAt: at, summary: 'No reply' }));
    }
    clock.set('2027-04-26T10:00:00Z');
    await recordEpisodeAction(socialWorker, e.id, RecordAction.parse({
      idempotencyKey: 'close', occurredAt: '2027-04-26T09:30:00Z',
      action: { type: 'case_closed', reasons: 'No further referrals', monitoringAgencyId: hv, monitoringPractitionerId: healthVisitor.actor.practitionerId, arrangement: { checks: 'See Lily at home and weigh her', everyDays: 14, endsOn: '2027-07-31' } },
    }));
    await web.open(s);
    return { clock, s, socialWorker, healthVisitor, hvLead, teacher, lily, hvLily, episodeId: e.id };
  }

  it('the health visitor acknowledges the closure notice with a note, records a check, and a missed check names the child to her, her lead and the social worker and is cleared only with a check or a reason', async () => {
    const w = await closedWithMonitoring();
    let hv = await browser(w.healthVisitor);

    // My tasks lists the notice, naming the child and linking to its page; the notification leads there too.
    const tasks = await hv.get('/tasks');
    const closures = section(tasks, 'Case closures to acknowledge');
    expect(closures).toContain(LILY);
    const href = /href="(\/closure-notices\/[0-9a-f-]+)"/.exec(closures)![1]!;
    expect(section(tasks, 'Notifications')).toContain(`href="${href}"`);
    // The notification row names the child as her service holds her (its own linked entry), not "a child you cannot see".
    expect(section(tasks, 'Notifications')).toContain(LILY);
    expect(section(tasks, 'Notifications')).not.toContain('you cannot see');

    const notice = await hv.get(href);
    expect(notice).toContain(LILY);
    expect(notice).toContain('Hannah Visitor, Health visiting');
    expect(notice).toContain('2 home visits with no access');
    expect(notice).toContain('Every 14 days, from 26 April 2027 until 31 July 2027');
    expect(notice).toContain('10 May 2027');
    // Plain English dates only: no ISO date in any text on the page.
    expect(notice).not.toMatch(/>[^<]*\b20\d\d-\d\d-\d\d\b[^<]*</);
    const acked = await hv.post(`${href}/acknowledge`, { note: 'First visit booked for 10 May' });
    expect(acked.status).toBe(303);
    const after = await hv.get(acked.location!);
    expect(after).toContain('Acknowledged');
    expect(after).toContain('First visit booked for 10 May');
    expect(await hv.get('/tasks')).not.toContain('Case closures to acknowledge');

    // Another agency does not learn the notice exists.
    await (await browser(w.teacher)).get(href, 404);

    // The arrangement page: she records a check (seen, where, a note, the date).
    const arrangementHref = /href="(\/monitoring\/[0-9a-f-]+)"/.exec(after)![1]!;
    const arrangement = await hv.get(arrangementHref);
    expect(arrangement).toContain(LILY);
    expect(arrangement).toContain('Next check due');
    // A fortnight on (signed in again: sessions time out).
    w.clock.set('2027-05-10T15:00:00Z');
    hv = await browser(w.healthVisitor);
    await hv.get(arrangementHref);
    const blank = await hv.post(`${arrangementHref}/checks`, { note: '' , 'checked-day': '', 'checked-month': '', 'checked-year': '' });
    expect(blank.status).toBe(422);
    expect(blank.body).toContain('Say whether the child was seen');
    const checked = await hv.post(`${arrangementHref}/checks`, { outcome: 'done', 'checked-day': '10', 'checked-month': '5', 'checked-year': '2027', checkedTime: '14:00', place: 'At home', note: 'Lily seen, weight on the 25th centile' });
    expect(checked.status).toBe(303);
    const withCheck = await hv.get(checked.location!);
    expect(withCheck).toContain('10 May 2027 at 2pm');
    expect(withCheck).toContain('At home: Lily seen, weight on the 25th centile');
    expect(withCheck).toContain('24 May 2027');
    // The teacher's agency is no party: the arrangement is not found.
    await (await browser(w.teacher)).get(arrangementHref, 404);

    // The fortnight passes with no check: the sweep raises one missed check.
    w.clock.set('2027-05-26T09:00:00Z');
    await raiseMissedCheckAlerts(w.s, w.clock.now());
    hv = await browser(w.healthVisitor);
    for (const who of [w.healthVisitor, w.hvLead, w.socialWorker]) {
      const b = await browser(who);
      const missed = section(await b.get('/tasks'), 'Missed monitoring checks');
      expect(missed, who.email).toContain(LILY);
      expect(missed).toContain('due 24 May 2027');
      expect(missed).toContain(`href="${arrangementHref}#missed-checks"`);
      // The notification names nothing personal, and leads to the arrangement (which names the child).
      const note = section(await b.get('/tasks'), 'Notifications');
      expect(note).toContain('A monitoring check was due on 24 May 2027 and has not been recorded.');
      const link = /href="(\/monitoring-alerts\/[0-9a-f-]+)"/.exec(note)![1]!;
      expect(await b.location(link)).toBe(`${arrangementHref}#missed-checks`);
    }
    await hv.get(arrangementHref);
    const alertId = /action="\/monitoring\/[0-9a-f-]+\/missed-checks\/([0-9a-f-]+)\/clear"/.exec(await hv.get(arrangementHref))![1]!;
    // No click clears it: an empty reason is refused, naming the field; it stays open.
    const empty = await hv.post(`${arrangementHref}/missed-checks/${alertId}/clear`, { reason: '  ' });
    expect(empty.status).toBe(422);
    expect(empty.body).toContain('Give the reason the check was missed, or record the check instead');
    expect(empty.body).toContain(`href="#reason-${alertId}"`);
    expect(section(await hv.get('/tasks'), 'Missed monitoring checks')).toContain(LILY);
    // The social worker sees it but cannot clear it: only the monitoring agency does.
    const sw = await browser(w.socialWorker);
    expect(await sw.get(arrangementHref)).not.toContain(`/missed-checks/${alertId}/clear`);
    const cleared = await hv.post(`${arrangementHref}/missed-checks/${alertId}/clear`, { reason: 'Family away; visit booked for 27 May' });
    expect(cleared.status).toBe(303);
    expect(await hv.get(cleared.location!)).toContain('cleared with a reason by Hannah Visitor');
    expect(await hv.get('/tasks')).not.toContain('Missed monitoring checks');

    // The counts on the child's page and the episode page: as the authority can see them.
    const child = await sw.get(`/people/${w.lily.id}`);
    expect(section(child, 'Visits with no access and missed appointments')).toMatch(/Home visits with no access\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*2/);
    expect(section(child, 'Visits with no access and missed appointments')).toContain(`href="${arrangementHref}"`);
    const episode = await sw.get(`/episodes/${w.episodeId}`);
    expect(section(episode, 'Visits with no access and missed appointments')).toMatch(/Appointments the child was not brought to\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*0/);
    // The social worker who closed the case sees who has acknowledged: the health visitor has.
    expect(section(episode, 'Visits with no access and missed appointments')).toContain('Health visiting</a>: acknowledged by Hannah Visitor on 26 April 2027');
  });

  it('an unacknowledged closure notice is chased after one working day and escalated to the safeguarding lead after two, once each', async () => {
    const w = await closedWithMonitoring();
    // Closed on Monday 26 April 2027: Tuesday is one working day on, Wednesday two.
    w.clock.set('2027-04-27T09:00:00Z');
    expect(await chaseClosureNotices(w.s, w.clock.now())).toMatchObject({ reminded: [expect.any(String)], escalated: [] });
    expect(await chaseClosureNotices(w.s, w.clock.now())).toEqual({ reminded: [], escalated: [] });
    const hvTasks = await (await browser(w.healthVisitor)).get('/tasks');
    expect(section(hvTasks, 'Notifications')).toContain('Reminder: a case closure notice sent on 26 April 2027 has not been acknowledged yet.');
    w.clock.set('2027-04-28T09:00:00Z');
    const { escalated } = await chaseClosureNotices(w.s, w.clock.now());
    expect(escalated).toHaveLength(1);
    expect((await chaseClosureNotices(w.s, w.clock.now())).escalated).toEqual([]);
    const leadTasks = await (await browser(w.hvLead)).get('/tasks');
    expect(section(leadTasks, 'Notifications')).toContain('has not been acknowledged after 2 working days');
    const closures = section(leadTasks, 'Case closures to acknowledge');
    expect(closures).toContain(LILY);
    expect(closures).toContain('Escalated');
  });
});
