import { describe, expect, it } from 'vitest';
import { agency, concern, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { useTestDb } from '../../test/db.ts';
import type { Actor } from '../access/policy.ts';
import { recordConsent, withdrawConsent } from '../consent/consent.ts';
import { NewConsent } from '../consent/schemas.ts';
import { addRecord } from '../records/records.ts';
import { fixedClock } from '../shared/clock.ts';
import type { ActorContext } from '../shared/context.ts';
import { Problem } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { answerRequest, NewInformationRequest, sendInformationRequest } from '../sharing/requests.ts';
import { giveAdvice } from '../sharing/advice.ts';
import { CompleteUrgentDecision, NewShareDecision } from '../sharing/schemas.ts';
import { completeUrgentDecision, makeDecision, revokeDecision } from '../sharing/sharing.ts';
import { csvField, toCsv } from '../shared/csv.ts';
import { boardReportCsv, CSV_HEADER, mayReadBoardReport, median, sharingBoardReport, SharingBoardReport, type BoardFigures } from './board.ts';

describe('the CSV writer', () => {
  it('leaves plain text and numbers as they are and writes null as an empty field', () => {
    expect([csvField('Northshire Police'), csvField(12), csvField(2.5), csvField(null)]).toEqual(['Northshire Police', '12', '2.5', '']);
  });

  it('quotes a field holding a comma, a quote or a line break, doubling the quotes', () => {
    expect(csvField('Health, Northshire')).toBe('"Health, Northshire"');
    expect(csvField('The "Hub"')).toBe('"The ""Hub"""');
    expect(csvField('Line one\nline two')).toBe('"Line one\nline two"');
    expect(csvField('a\r\nb')).toBe('"a\r\nb"');
  });

  it('stops a spreadsheet running text as a formula', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+44 team')).toBe("'+44 team");
    expect(csvField('@home')).toBe("'@home");
  });

  it('ends every row with CRLF', () => {
    expect(toCsv([['a', 1], ['b, c', null]])).toBe('a,1\r\n"b, c",\r\n');
  });
});

describe('the median', () => {
  it('is the middle value, the mean of the middle two for an even count, and null for none', () => {
    expect(median([25, 3, 14])).toBe(14);
    expect(median([3, 25])).toBe(14);
    expect(median([])).toBeNull();
  });
});

describe('who may read a board report', () => {
  const actor = (agencyId: string, roles: Actor['roles']): Actor => ({ practitionerId: 'p', agencyId, roles, grants: [] });

  it('is a manager, auditor or safeguarding lead of an agency in the partnership', () => {
    for (const role of ['manager', 'auditor', 'safeguarding_lead'] as const) expect(mayReadBoardReport(actor('a1', [role]), ['a1', 'a2'])).toBe(true);
  });

  it('is not a practitioner, social worker, Caldicott guardian or administrator, nor anyone from another partnership', () => {
    for (const role of ['practitioner', 'social_worker', 'caldicott_guardian', 'administrator'] as const) expect(mayReadBoardReport(actor('a1', [role]), ['a1'])).toBe(false);
    expect(mayReadBoardReport(actor('elsewhere', ['manager']), ['a1'])).toBe(false);
  });
});

const PI = { harm: 'child_significant_harm', necessityAndProportionality: 'Only what the enquiry needs, only to those who need it', adultWithCapacityRiskingOnlyThemself: false } as const;
const FULL = { purposeCode: 'child_protection_enquiry', purpose: 'Protecting the child', withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true } as const;
const NOT_TOLD = { informed: false, reason: 'Telling the family would put the child at greater risk' } as const;

const zeroFigures = (): BoardFigures => ({
  decisions: {
    total: 0,
    byOutcome: { share: 0, do_not_share: 0, seek_advice: 0 },
    byLegalBasis: { statutory_duty: 0, court_order: 0, anonymised: 0, not_confidential: 0, consent: 0, public_interest: 0, none: 0 },
  },
  consentRefusalsOverridden: 0,
  advice: { asked: 0, answered: 0, unanswered: 0, medianHoursToAnswer: null, longestHoursToAnswer: null },
  urgent: { total: 0, completedOnTime: 0, completedLate: 0, incompleteOverdue: 0, incompleteWithinTime: 0 },
  informationRequests: { sent: 0, answered: { total: 0, shared: 0, refused: 0, notKnown: 0 }, unanswered: 0, medianHoursToAnswer: null },
  revocations: { total: 0, consentWithdrawn: 0 },
});

describe('the sharing board report', () => {
  const t = useTestDb();

  /**
   * A month of information sharing in Northshire (March 2026), built through the services, with
   * decisions just outside the month and from another partnership that must not be counted.
   */
  async function aMonthInNorthshire() {
    const clock = fixedClock('2026-02-27T09:00:00Z');
    const s = services(t.db(), clock);
    const northshire = await partnershipWith(s, 'Northshire Safeguarding Partnership');
    const southshire = await partnershipWith(s, 'Southshire Safeguarding Partnership');
    const school = await agency(s, northshire, 'school', 'Ashdown Primary School');
    const health = await agency(s, northshire, 'health_visiting', 'Northshire Health Visiting');
    const police = await agency(s, northshire, 'police', 'Northshire Police');
    const elsewhere = await agency(s, southshire, 'school', 'Southshire Academy');
    const teacher = await practitioner(s, school, ['practitioner']);
    const headteacher = await practitioner(s, school, ['manager']);
    const healthVisitor = await practitioner(s, health, ['practitioner']);
    const namedNurse = await practitioner(s, health, ['safeguarding_lead']);
    const officer = await practitioner(s, police, ['practitioner']);
    const policeAuditor = await practitioner(s, police, ['auditor']);
    const outsider = await practitioner(s, elsewhere, ['practitioner']);
    const outsideManager = await practitioner(s, elsewhere, ['manager']);

    const noted = { occurredAt: '2026-02-26T10:00:00Z' };
    const sam = await person(teacher, { names: [{ givenNames: 'Sam', familyName: 'Lowry' }], dateOfBirth: '2009-06-01' });
    const samRecord = await addRecord(teacher, sam.id, concern(noted));
    const ella = await person(healthVisitor, { names: [{ givenNames: 'Ella', familyName: 'Marsh' }] });
    const ellaRecord = await addRecord(healthVisitor, ella.id, concern(noted));
    const kai = await person(officer, { names: [{ givenNames: 'Kai', familyName: 'Dunn' }] });
    const kaiRecord = await addRecord(officer, kai.id, concern(noted));
    const zoe = await person(outsider, { names: [{ givenNames: 'Zoe', familyName: 'Ford' }] });
    const people = [sam, ella, kai, zoe];

    const at = (iso: string): void => clock.set(iso);
    const decide = (ctx: ActorContext, input: Record<string, unknown>) => makeDecision(ctx, NewShareDecision.parse({ reasons: 'Reasons recorded in full', ...input }));
    const shareTo = (agencyId: string, recordId: string) => ({ recipients: [{ agencyId }], items: [{ recordId }] });
    const notShared = (ctx: ActorContext, personId: string, extra: Record<string, unknown> = {}) =>
      decide(ctx, { personId, outcome: 'do_not_share', answers: { ...FULL, withinAgencyFunctions: false }, ...extra });
    const askAdvice = (personId: string) => decide(healthVisitor, { personId, outcome: 'seek_advice', answers: { purposeCode: FULL.purposeCode, purpose: FULL.purpose }, advice: { adviserRole: 'safeguarding_lead', question: 'Should I share this?' } });
    const urgent = (personId: string, recordId: string, to: string) =>
      decide(healthVisitor, { personId, outcome: 'share', urgent: true, answers: { purposeCode: FULL.purposeCode, purpose: FULL.purpose, publicInterest: { harm: 'child_significant_harm' } }, share: shareTo(to, recordId) });
    const complete = (id: string) => completeUrgentDecision(healthVisitor, id, CompleteUrgentDecision.parse({
      answers: { ...FULL, consent: { status: 'not_sought', reason: 'increase_risk_of_harm', explanation: 'Asking would alert the person harming her' }, publicInterest: PI },
      subjectInformed: NOT_TOLD,
    }));
    const request = async (from: ActorContext, to: string, personId: string, requestedAt: string): Promise<string> => {
      at(requestedAt);
      return (await sendInformationRequest(from, NewInformationRequest.parse({ personId, toAgencyId: to, purposeCode: 'child_protection_enquiry', purpose: 'Child protection enquiry' }))).id;
    };

    // Before the month: a request and a decision (23:30 GMT on 28 February) that do not count.
    await request(teacher, police, sam.id, '2026-02-27T10:00:00Z');
    at('2026-02-28T23:30:00Z');
    await notShared(teacher, sam.id);
    // 00:30 GMT on Sunday 1 March: the first day of the month.
    at('2026-03-01T00:30:00Z');
    await decide(teacher, { personId: sam.id, outcome: 'do_not_share', answers: { ...FULL, consent: { status: 'refused', details: 'Sam said no' } } });

    // Monday 2 March. Sam (16) agrees to the school telling health visiting, then refuses police involvement.
    at('2026-03-02T08:30:00Z');
    const given = await recordConsent(teacher, sam.id, NewConsent.parse({
      purposeCode: FULL.purposeCode, purpose: FULL.purpose, recipientAgencyIds: [health], decision: 'given', form: 'explicit_verbal', givenBy: { capacity: 'self' }, obtainedAt: '2026-03-02T08:15:00Z',
    }));
    const refused = await recordConsent(teacher, sam.id, NewConsent.parse({
      purposeCode: FULL.purposeCode, purpose: FULL.purpose, recipientAgencyIds: [police], decision: 'refused', form: 'explicit_verbal', givenBy: { capacity: 'self' }, obtainedAt: '2026-03-02T08:20:00Z',
    }));
    at('2026-03-02T09:00:00Z');
    const withConsent = await decide(teacher, {
      personId: sam.id, outcome: 'share', answers: { ...FULL, consent: { status: 'given', consentId: given.id } }, share: shareTo(health, samRecord.id),
      subjectInformed: { informed: true, at: '2026-03-02T08:15:00Z', by: 'His teacher' },
    });
    const overridden = await decide(teacher, {
      personId: sam.id, outcome: 'share', answers: { ...FULL, consent: { status: 'refused', consentId: refused.id }, publicInterest: PI }, share: shareTo(police, samRecord.id), subjectInformed: NOT_TOLD,
    });
    const firstAdvice = await askAdvice(ella.id);
    const answeredByShare = await request(teacher, police, sam.id, '2026-03-02T09:00:00Z');
    at('2026-03-02T10:00:00Z');
    const onTime = await urgent(ella.id, ellaRecord.id, school);
    at('2026-03-02T11:00:00Z');
    await decide(officer, {
      personId: kai.id, outcome: 'share', answers: { purposeCode: FULL.purposeCode, purpose: FULL.purpose, withinAgencyFunctions: true, legalObligation: 'none', identifiable: false },
      share: shareTo(school, kaiRecord.id), subjectInformed: NOT_TOLD, informationRequestId: answeredByShare,
    });
    at('2026-03-02T12:00:00Z');
    await giveAdvice(namedNurse, firstAdvice.advice[0]!.id, 'Share it: the threshold is met');
    await decide(officer, {
      personId: kai.id, outcome: 'share', answers: { purposeCode: FULL.purposeCode, purpose: FULL.purpose, withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 1989 s47' },
      share: shareTo(school, kaiRecord.id), subjectInformed: NOT_TOLD,
    });

    // Tuesday 3 March.
    at('2026-03-03T09:00:00Z');
    const secondAdvice = await askAdvice(ella.id);
    const answeredByRefusal = await request(teacher, police, sam.id, '2026-03-03T09:00:00Z');
    at('2026-03-03T15:00:00Z');
    await notShared(officer, kai.id, { informationRequestId: answeredByRefusal });
    at('2026-03-03T16:00:00Z');
    await complete(onTime.id);

    // Wednesday 4 March.
    at('2026-03-04T09:00:00Z');
    const notKnown = await request(healthVisitor, police, ella.id, '2026-03-04T09:00:00Z');
    const late = await urgent(ella.id, ellaRecord.id, school);
    at('2026-03-04T10:00:00Z');
    await giveAdvice(namedNurse, secondAdvice.advice[0]!.id, 'Seek consent first');

    // Thursday 5 March.
    at('2026-03-05T09:00:00Z');
    await answerRequest(officer, notKnown, { outcome: 'not_known', reason: 'Searched our systems by name and date of birth: nothing held' });
    await askAdvice(ella.id);
    const inError = await decide(teacher, { personId: sam.id, outcome: 'share', answers: { ...FULL, confidential: false }, share: shareTo(police, samRecord.id), subjectInformed: NOT_TOLD });
    await decide(officer, {
      personId: kai.id, outcome: 'share', answers: { purposeCode: FULL.purposeCode, purpose: FULL.purpose, withinAgencyFunctions: true, legalObligation: 'court_order', legalObligationReference: 'Family court order' },
      share: shareTo(health, kaiRecord.id), subjectInformed: NOT_TOLD,
    });
    // Another partnership's agency: its decision and its request are not Northshire's.
    await notShared(outsider, zoe.id);
    await request(outsider, police, zoe.id, '2026-03-05T09:00:00Z');

    // Friday 6 March: the urgent share due on Thursday is completed a day late.
    at('2026-03-06T12:00:00Z');
    await complete(late.id);

    // Sam withdraws his consent; a share made in error is revoked.
    at('2026-03-10T10:00:00Z');
    await withdrawConsent(teacher, given.id, { reason: 'Sam no longer wants health visiting told' });
    at('2026-03-11T10:00:00Z');
    await revokeDecision(teacher, inError.id, 'Shared in error');
    at('2026-03-12T09:00:00Z');
    await request(teacher, police, sam.id, '2026-03-12T09:00:00Z');

    // Monday 30 March (BST): an urgent share due on Tuesday 31 March, never completed.
    at('2026-03-30T09:00:00Z');
    await urgent(ella.id, ellaRecord.id, school);
    // 23:30 BST on Tuesday 31 March: still March in London; due Wednesday 1 April.
    at('2026-03-31T22:30:00Z');
    await urgent(ella.id, ellaRecord.id, school);
    // 00:30 BST on 1 April: April in London, though still 31 March in UTC.
    at('2026-03-31T23:30:00Z');
    await notShared(teacher, sam.id);

    // The report is run on Wednesday 1 April.
    at('2026-04-01T10:00:00Z');
    return { s, clock, northshire, southshire, school, health, police, teacher, headteacher, healthVisitor, namedNurse, officer, policeAuditor, outsideManager, people, withConsent, overridden };
  }

  const MARCH = { from: '2026-03-01', to: '2026-03-31' };

  it('counts each agency’s decisions, overrides, advice, urgent shares, requests and revocations in the month, exactly', async () => {
    const w = await aMonthInNorthshire();
    const report = await sharingBoardReport(w.headteacher, { partnershipId: w.northshire, ...MARCH });
    expect(SharingBoardReport.parse(report)).toEqual(report);
    expect(report).toMatchObject({ partnershipId: w.northshire, partnershipName: 'Northshire Safeguarding Partnership', ...MARCH, asAt: '2026-04-01T10:00:00.000Z' });
    expect(report.agencies.map((a) => [a.agencyName, a.agencyType])).toEqual([
      ['Ashdown Primary School', 'school'], ['Northshire Health Visiting', 'health_visiting'], ['Northshire Police', 'police'],
    ]);
    const [school, health, police] = report.agencies.map((a) => a.figures);

    const z = zeroFigures();
    expect(school).toEqual({
      ...z,
      decisions: { total: 4, byOutcome: { share: 3, do_not_share: 1, seek_advice: 0 }, byLegalBasis: { ...z.decisions.byLegalBasis, consent: 1, public_interest: 1, not_confidential: 1, none: 1 } },
      consentRefusalsOverridden: 1,
      informationRequests: { sent: 3, answered: { total: 2, shared: 1, refused: 1, notKnown: 0 }, unanswered: 1, medianHoursToAnswer: 4 },
      revocations: { total: 2, consentWithdrawn: 1 },
    });
    expect(health).toEqual({
      ...z,
      decisions: { total: 7, byOutcome: { share: 4, do_not_share: 0, seek_advice: 3 }, byLegalBasis: { ...z.decisions.byLegalBasis, public_interest: 4, none: 3 } },
      advice: { asked: 3, answered: 2, unanswered: 1, medianHoursToAnswer: 14, longestHoursToAnswer: 25 },
      urgent: { total: 4, completedOnTime: 1, completedLate: 1, incompleteOverdue: 1, incompleteWithinTime: 1 },
      informationRequests: { sent: 1, answered: { total: 1, shared: 0, refused: 0, notKnown: 1 }, unanswered: 0, medianHoursToAnswer: 24 },
    });
    expect(police).toEqual({
      ...z,
      decisions: { total: 4, byOutcome: { share: 3, do_not_share: 1, seek_advice: 0 }, byLegalBasis: { ...z.decisions.byLegalBasis, statutory_duty: 1, court_order: 1, anonymised: 1, none: 1 } },
    });
    expect(report.total).toEqual({
      decisions: {
        total: 15,
        byOutcome: { share: 10, do_not_share: 2, seek_advice: 3 },
        byLegalBasis: { statutory_duty: 1, court_order: 1, anonymised: 1, not_confidential: 1, consent: 1, public_interest: 5, none: 5 },
      },
      consentRefusalsOverridden: 1,
      advice: { asked: 3, answered: 2, unanswered: 1, medianHoursToAnswer: 14, longestHoursToAnswer: 25 },
      urgent: { total: 4, completedOnTime: 1, completedLate: 1, incompleteOverdue: 1, incompleteWithinTime: 1 },
      informationRequests: { sent: 4, answered: { total: 3, shared: 1, refused: 1, notKnown: 1 }, unanswered: 1, medianHoursToAnswer: 6 },
      revocations: { total: 2, consentWithdrawn: 1 },
    });
  });

  it('holds no personal data: no person, practitioner or decision is named or identified', async () => {
    const w = await aMonthInNorthshire();
    const text = JSON.stringify(await sharingBoardReport(w.headteacher, { partnershipId: w.northshire, ...MARCH }));
    for (const p of w.people) expect(text).not.toContain(p.id);
    for (const name of ['Sam', 'Ella', 'Kai', 'Zoe', 'Lowry']) expect(text).not.toContain(name);
    for (const ctx of [w.teacher, w.healthVisitor, w.officer]) expect(text).not.toContain(ctx.actor.practitionerId);
    expect(text).not.toContain(w.withConsent.id);
  });

  it('shows an incomplete urgent share as overdue once the day it was due has passed', async () => {
    const w = await aMonthInNorthshire();
    w.clock.set('2026-04-02T09:00:00Z');
    const report = await sharingBoardReport(w.headteacher, { partnershipId: w.northshire, ...MARCH });
    expect(report.total.urgent).toEqual({ total: 4, completedOnTime: 1, completedLate: 1, incompleteOverdue: 2, incompleteWithinTime: 0 });
  });

  it('counts a single day by its London calendar day, and a quiet period as zeros with no turnaround', async () => {
    const w = await aMonthInNorthshire();
    const lastDay = await sharingBoardReport(w.headteacher, { partnershipId: w.northshire, from: '2026-03-31', to: '2026-03-31' });
    expect(lastDay.total.decisions.total).toBe(1);
    expect(lastDay.total.urgent).toMatchObject({ total: 1, incompleteWithinTime: 1 });
    const april = await sharingBoardReport(w.headteacher, { partnershipId: w.northshire, from: '2026-04-01', to: '2026-04-30' });
    expect(april.total).toEqual({ ...zeroFigures(), decisions: { ...zeroFigures().decisions, total: 1, byOutcome: { share: 0, do_not_share: 1, seek_advice: 0 }, byLegalBasis: { ...zeroFigures().decisions.byLegalBasis, none: 1 } } });
    const quiet = await sharingBoardReport(w.headteacher, { partnershipId: w.northshire, from: '2025-01-01', to: '2025-12-31' });
    expect(quiet.total).toEqual(zeroFigures());
    expect(quiet.agencies.map((a) => a.figures)).toEqual([zeroFigures(), zeroFigures(), zeroFigures()]);
  });

  it('is open to an auditor and a safeguarding lead of a member agency, and each read is audited against the partnership', async () => {
    const w = await aMonthInNorthshire();
    for (const ctx of [w.policeAuditor, w.namedNurse]) expect((await sharingBoardReport(ctx, { partnershipId: w.northshire, ...MARCH })).total.decisions.total).toBe(15);
    const { rows } = await t.db().query<{ actor_practitioner_id: string; entity_type: string; entity_id: string; outcome: string; detail: unknown }>(
      "SELECT actor_practitioner_id, entity_type, entity_id, outcome, detail FROM audit_event WHERE action = 'report.sharing' ORDER BY seq");
    expect(rows.map((r) => [r.actor_practitioner_id, r.entity_type, r.entity_id, r.outcome, r.detail])).toEqual([
      [w.policeAuditor.actor.practitionerId, 'partnership', w.northshire, 'success', { from: '2026-03-01', to: '2026-03-31', format: 'json' }],
      [w.namedNurse.actor.practitionerId, 'partnership', w.northshire, 'success', { from: '2026-03-01', to: '2026-03-31', format: 'json' }],
    ]);
  });

  it('refuses a practitioner, another partnership’s manager and an unknown partnership alike, and audits each refusal', async () => {
    const w = await aMonthInNorthshire();
    const attempt = async (ctx: ActorContext, partnershipId: string): Promise<unknown> => sharingBoardReport(ctx, { partnershipId, ...MARCH }).then(() => 'allowed', (e: unknown) => e);
    const unknown = newId();
    const answers = [await attempt(w.teacher, w.northshire), await attempt(w.outsideManager, w.northshire), await attempt(w.headteacher, unknown), await attempt(w.headteacher, w.southshire)];
    for (const a of answers) {
      expect(a).toBeInstanceOf(Problem);
      expect({ status: (a as Problem).status, detail: (a as Problem).detail }).toEqual({ status: 404, detail: 'No partnership with that identifier was found.' });
    }
    const { rows } = await t.db().query<{ actor_practitioner_id: string; entity_id: string; outcome: string }>(
      "SELECT actor_practitioner_id, entity_id, outcome FROM audit_event WHERE action = 'report.sharing' ORDER BY seq");
    expect(rows.map((r) => [r.actor_practitioner_id, r.entity_id, r.outcome])).toEqual([
      [w.teacher.actor.practitionerId, w.northshire, 'denied'],
      [w.outsideManager.actor.practitionerId, w.northshire, 'denied'],
      [w.headteacher.actor.practitionerId, unknown, 'not_found'],
      [w.headteacher.actor.practitionerId, w.southshire, 'denied'],
    ]);
  });

  it('writes the CSV as a header, one row per agency and the total', async () => {
    const w = await aMonthInNorthshire();
    const csv = boardReportCsv(await sharingBoardReport(w.headteacher, { partnershipId: w.northshire, ...MARCH }));
    const lines = csv.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe(CSV_HEADER.join(','));
    expect(lines.slice(1, -1)).toEqual([
      'Ashdown Primary School,school,4,3,1,0,0,0,0,1,1,1,1,1,0,0,0,,,0,0,0,0,0,3,2,1,1,0,1,4,2,1',
      'Northshire Health Visiting,health_visiting,7,4,0,3,0,0,0,0,0,4,3,0,3,2,1,14,25,4,1,1,1,1,1,1,0,0,1,0,24,0,0',
      'Northshire Police,police,4,3,1,0,1,1,1,0,0,0,1,0,0,0,0,,,0,0,0,0,0,0,0,0,0,0,0,,0,0',
      'All agencies,,15,10,2,3,1,1,1,1,1,5,5,1,3,2,1,14,25,4,1,1,1,1,4,3,1,1,1,1,6,2,1',
    ]);
  });
});
