import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApiToken, loadActor } from '../../src/auth/auth.ts';
import { setLeadWorker } from '../../src/people/people.ts';
import { addRecord } from '../../src/records/records.ts';
import { addPractitionerAsSystem } from '../../src/partnership/partnership.ts';
import { openEpisode, recordEpisodeAction } from '../../src/process/episodes.ts';
import { acceptReferral } from '../../src/process/referral-acceptance.ts';
import { getReferral, makeReferral } from '../../src/process/referrals.ts';
import { NewReferral } from '../../src/process/referral-schemas.ts';
import { episodeSafetySummary } from '../../src/process/safe-closure.ts';
import { listClosureNotices } from '../../src/process/closure-notices.ts';
import { RecordAction } from '../../src/process/schemas.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { NewShareDecision } from '../../src/sharing/schemas.ts';
import { makeDecision } from '../../src/sharing/sharing.ts';
import { useTestDb } from '../db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../fixtures.ts';
import { scenarioApp, signedIn } from './helpers.ts';

/**
 * Case example 8, the failure issue 17 found still possible: the health visitor could not get in
 * twice and shared it, which prompted the referral; the social worker could not get in twice
 * either; and recording "assessment completed: no further action" closed the episode with no
 * monitor named and no other agency told. The safe-closure check guarded only the explicit close.
 */
describe('case example 8: an assessment ending in no further action is a closure like any other', () => {
  const t = useTestDb();

  async function story() {
    const clock = fixedClock('2027-02-24T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const hv = await agency(s, p, 'health_visiting', 'Health visiting');
    const midwifery = await agency(s, p, 'midwifery', 'Community midwifery');
    const socialWorker = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const healthVisitor = await practitioner(s, hv, ['practitioner'], 'Health visitor');
    const hvLead = await practitioner(s, hv, ['safeguarding_lead'], 'Named nurse');
    const midwiferyLead = await practitioner(s, midwifery, ['safeguarding_lead'], 'Named midwife');
    const baby = { names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2027-01-20' };
    const lily = await person(socialWorker, baby);
    const hvLily = await person(healthVisitor, baby);
    const midwifeLily = await person(midwiferyLead, baby);
    const link = (a: string, b: string, by: ActorContext) => t.db().query(
      'INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at, reason) VALUES ($1,$2,$3,$4,$5,$6)',
      [randomUUID(), a, b, by.actor.practitionerId, by.clock.now().toISOString(), 'Same name, date of birth and address']);
    await link(lily.id, hvLily.id, socialWorker);
    await link(lily.id, midwifeLily.id, socialWorker);

    // February: the health visitor cannot get in, twice, and shares both visits with children's social care.
    const hvVisits = [];
    for (const at of ['2027-02-10T10:30:00Z', '2027-02-17T10:30:00Z']) {
      clock.set(at);
      hvVisits.push(await addRecord(healthVisitor, hvLily.id, concern({ kind: 'home_visit', outcome: 'no_access', occurredAt: at, summary: 'Home visit: no access to Maggie and the baby' })));
    }
    clock.set('2027-02-23T09:00:00Z');
    await makeDecision(healthVisitor, NewShareDecision.parse({
      personId: hvLily.id, outcome: 'share', reasons: 'Two visits with no access to a newborn',
      answers: { purposeCode: 'child_protection_enquiry', purpose: 'Referral about Lily', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 2004 s11' },
      share: { recipients: [{ agencyId: csc }], items: hvVisits.map((v) => ({ recordId: v.id, parts: ['summary'] })) },
      subjectInformed: { informed: false, reason: 'Telling the family could put the baby at risk' },
    }));

    // 24 February: the referral opens an episode; an assessment starts; the social worker cannot get in twice either.
    clock.set('2027-02-24T09:00:00Z');
    const e = await openEpisode(socialWorker, { idempotencyKey: 'hv-referral', childPersonId: lily.id, receivedAt: '2027-02-24T09:00:00Z', channel: 'written' });
    const act = (key: string, at: string, action: Record<string, unknown>) => recordEpisodeAction(socialWorker, e.id, RecordAction.parse({ idempotencyKey: key, occurredAt: at, action }));
    clock.set('2027-02-25T09:00:00Z');
    await act('decide', '2027-02-24T15:00:00Z', { type: 'referral_decided', outcome: 'assessment', reasons: 'Two no-access visits to a newborn' });
    await act('start', '2027-02-25T09:00:00Z', { type: 'assessment_started', kind: 'single' });
    for (const at of ['2027-03-12T11:00:00Z', '2027-03-26T11:00:00Z']) {
      clock.set(at);
      await addRecord(socialWorker, lily.id, concern({ kind: 'home_visit', outcome: 'no_access', occurredAt: at, summary: 'Agreed visit: no reply' }));
    }
    clock.set('2027-04-09T10:00:00Z');
    return { clock, s, csc, hv, midwifery, socialWorker, healthVisitor, hvLead, midwiferyLead, lily, hvLily, midwifeLily, e, hvVisits };
  }

  const nfa = (key: string, extra: Record<string, unknown> = {}) => ({
    idempotencyKey: key, occurredAt: '2027-04-09T09:30:00Z',
    action: { type: 'assessment_completed', kind: 'single', outcome: 'no_further_action', summary: 'No further referrals from the health visitor', ...extra },
  });

  it('counts the health visitor’s shared no-access visits from before the episode: 4, not 2', async () => {
    const c = await story();
    const summary = await episodeSafetySummary(c.socialWorker, c.e.id);
    expect(summary.noAccessVisits.count).toBe(4);
    expect(summary.noAccessVisits.visits.map((v) => [v.agencyId, v.occurredAt])).toEqual([
      [c.hv, '2027-02-10T10:30:00.000Z'], [c.hv, '2027-02-17T10:30:00.000Z'], [c.csc, '2027-03-12T11:00:00.000Z'], [c.csc, '2027-03-26T11:00:00.000Z'],
    ]);
    expect(summary.closureNeedsMonitoring).toBe(true);

    // Once the health visitor sees the baby, her own missed visits are settled; the social worker's are not.
    c.clock.set('2027-04-09T10:30:00Z');
    const seen = await addRecord(c.healthVisitor, c.hvLily.id, concern({ kind: 'home_visit', outcome: 'seen', occurredAt: '2027-04-09T10:00:00Z', summary: 'Baby seen and weighed' }));
    await makeDecision(c.healthVisitor, NewShareDecision.parse({
      personId: c.hvLily.id, outcome: 'share', reasons: 'The baby has been seen',
      answers: { purposeCode: 'child_protection_enquiry', purpose: 'Assessment of Lily', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 2004 s11' },
      share: { recipients: [{ agencyId: c.csc }], items: [{ recordId: seen.id, parts: ['summary'] }] }, subjectInformed: { informed: false, reason: 'Enquiries under way' },
    }));
    expect((await episodeSafetySummary(c.socialWorker, c.e.id)).noAccessVisits.visits.map((v) => v.agencyId)).toEqual([c.csc, c.csc]);
  });

  it('recording “assessment completed: no further action” is refused without a monitor; with the health visitor named it closes, and every involved agency is told', async () => {
    const c = await story();
    const app = await scenarioApp(c.s);
    const asRachel = await signedIn(app, c.socialWorker);

    // No monitor: a 422 problem naming the field and the count from the whole chronology; the episode stays open.
    const refused = await app.inject({ method: 'POST', url: `/api/v1/episodes/${c.e.id}/actions`, headers: { authorization: `Bearer ${(await createApiToken(c.socialWorker, c.socialWorker.actor.practitionerId, 'scenario')).token}` }, payload: nfa('nfa-1') });
    expect(refused.statusCode).toBe(422);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json()).toMatchObject({
      status: 422,
      detail: 'Assessment completed: no further action ends the episode: it cannot be recorded without naming the agency that will monitor the child: 4 home visits with no access.',
      errors: [{ pointer: '/action/monitoringAgencyId', detail: 'Name the agency that will monitor the child, and what it will check: 4 home visits with no access (case example 8)' }],
    });
    expect((await asRachel.get(`/episodes/${c.e.id}`)).body.state).toMatchObject({ stage: 'assessment', open: true });
    expect((await asRachel.get('/closure-notices')).body).toEqual([]);

    // The health visitor is named, with what she checks and how often: the episode closes.
    const closed = await asRachel.post(`/episodes/${c.e.id}/actions`, nfa('nfa-2', {
      monitoringAgencyId: c.hv, monitoringPractitionerId: c.healthVisitor.actor.practitionerId,
      arrangement: { checks: 'See Lily and Maggie at home and weigh Lily', everyDays: 14, endsOn: '2027-07-09' },
    }));
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body.state).toMatchObject({ stage: 'closed', open: false });

    // The social worker sees a notice sent to each involved agency, naming the monitor, none yet acknowledged.
    const sent = (await asRachel.get('/closure-notices')).body as { agencyName: string; monitoringPractitionerName: string; noAccessVisits: number; acknowledgedAt: string | null }[];
    expect(sent.map((n) => [n.agencyName, n.monitoringPractitionerName, n.noAccessVisits, n.acknowledgedAt])).toEqual([
      ['Community midwifery', 'Health visitor', 4, null],
      ['Health visiting', 'Health visitor', 4, null],
    ]);
    // The health visitor is told she monitors, and both agencies' leads are asked to acknowledge.
    const told = async (ctx: ActorContext) => ((await (await signedIn(app, ctx)).get('/notifications')).body.items as { kind: string; message: string }[]).filter((n) => n.kind === 'episode.closure-notice').map((n) => n.message);
    const message = 'A case has been closed (assessment completed: no further action) after 4 home visits with no access. Health visiting will monitor the child every 14 days until 9 July 2027. Please acknowledge.';
    expect(await told(c.healthVisitor)).toEqual([message]);
    expect(await told(c.hvLead)).toEqual([message]);
    expect(await told(c.midwiferyLead)).toEqual([message]);
    const monitoring = (await (await signedIn(app, c.healthVisitor)).get('/monitoring-arrangements?responsible=me')).body as { childPersonId: string; responsiblePractitionerName: string; everyDays: number }[];
    expect(monitoring).toEqual([expect.objectContaining({ childPersonId: c.hvLily.id, responsiblePractitionerName: 'Health visitor', everyDays: 14 })]);
  });

  it('on the referral’s page, deciding “no further action” without a monitor shows the refusal in the error summary; naming the health visitor closes the case', async () => {
    const c = await story();
    // A second child's referral, from a neighbour, recorded by the duty social worker and accepted onto Lily's entry once her first episode is closed.
    const email = `rachel.${Date.now()}@csc.example`;
    const password = 'Tuesday-morning-register';
    const duty = await addPractitionerAsSystem(c.s, { agencyId: c.csc, name: 'Duty social worker', email, roles: ['social_worker'], password });
    const dutyCtx = { ...c.s, actor: (await loadActor(c.s.db, duty.id))! };
    await recordEpisodeAction(c.socialWorker, c.e.id, RecordAction.parse({ idempotencyKey: 'close-first', occurredAt: '2027-04-09T09:00:00Z', action: {
      type: 'case_closed', reasons: 'Transferred', monitoringAgencyId: c.hv, monitoringPractitionerId: c.healthVisitor.actor.practitionerId, arrangement: { checks: 'See Lily', everyDays: 14, endsOn: '2027-05-09' } } }));
    const referral = await makeReferral(dutyCtx, NewReferral.parse({
      referrerIsMemberOfPublic: true, channel: 'phone', concerns: 'The baby cries for hours and nobody answers the door',
      child: { kind: 'child', names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2027-01-20' },
    }));
    await acceptReferral(dutyCtx, referral.id, { personId: c.lily.id });

    const app = await scenarioApp(c.s);
    const session = (await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password } })).cookies.find((x) => x.name === 'jigsaw_session')!;
    const page = await app.inject({ url: `/referrals/${referral.id}`, headers: { accept: 'text/html' }, cookies: { jigsaw_session: session.value } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('If the decision closes the case: monitoring after closure');
    const csrf = page.cookies.find((x) => x.name === 'jigsaw_csrf')!.value;
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const decide = (form: Record<string, string>) => app.inject({
      method: 'POST', url: `/referrals/${referral.id}/decide`, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      cookies: { jigsaw_session: session.value, jigsaw_csrf: csrf }, payload: new URLSearchParams({ _csrf: token, ...form }).toString(),
    });

    const refused = await decide({ outcome: 'no_further_action', reasons: 'Neighbour dispute', monitoringAgencyId: '' });
    expect(refused.statusCode).toBe(422);
    const summary = /<div class="govuk-error-summary"[\s\S]*?<\/div>\s*<\/div>/.exec(refused.body)?.[0] ?? '';
    expect(summary).toContain('href="#monitoringAgencyId"');
    expect(summary).toContain('Name the agency that will monitor the child, and what it will check: 4 home visits with no access (case example 8)');
    expect((await getReferral(dutyCtx, referral.id)).decision).toBeNull();

    // The page names the agency; its practitioner is the agency's lead worker for the child, and until there is one the summary says so.
    const noLead = await decide({ outcome: 'no_further_action', reasons: 'Neighbour dispute', monitoringAgencyId: c.hv, checks: 'See Lily at home', everyDays: '14', 'endsOn-day': '9', 'endsOn-month': '7', 'endsOn-year': '2027' });
    expect(noLead.body).toContain('Name the practitioner who will make the checks: Health visiting has no lead worker recorded for this child');
    await setLeadWorker(c.hvLead, c.hvLily.id, { practitionerId: c.healthVisitor.actor.practitionerId, validFrom: '2027-02-01' });
    const closed = await decide({ outcome: 'no_further_action', reasons: 'Neighbour dispute', monitoringAgencyId: c.hv, checks: 'See Lily at home', everyDays: '14', 'endsOn-day': '9', 'endsOn-month': '7', 'endsOn-year': '2027' });
    expect(closed.statusCode, /<div class="govuk-error-summary"[\s\S]*?<\/ul>/.exec(closed.body)?.[0]).toBe(303);
    const notices = await listClosureNotices(dutyCtx, { status: 'all' });
    expect(notices.filter((n) => n.episodeId !== c.e.id).map((n) => [n.agencyName, n.monitoringAgencyName, n.noAccessVisits])).toEqual([['Community midwifery', 'Health visiting', 4], ['Health visiting', 'Health visiting', 4]]);
  });
});
