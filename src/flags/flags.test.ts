import { createServer } from 'node:http';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { bearer, testApp } from '../../test/api/helpers.ts';
import { useTestDb } from '../../test/db.ts';
import { agency, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { addRelationship } from '../people/people.ts';
import { samples, next, type ActionFacts, type ActionType } from '../process/engine.ts';
import { openEpisode, recordEpisodeAction } from '../process/episodes.ts';
import { RecordAction } from '../process/schemas.ts';
import { deliverSeenNotifications, getSeenNotification, listSeenNotifications, seenSettings } from '../notifications/seen.ts';
import { fixedClock } from '../shared/clock.ts';
import type { ActorContext } from '../shared/context.ts';
import { createFhirToken } from '../fhir/tokens.ts';
import { verifyAuditChain } from '../audit/audit.ts';
import { endLookedAfter, recordBirth, recordLookedAfter, updateFlagSettings } from './flags.ts';
import { flagsByNhsNumber, nameAgreement } from './lookup.ts';
import { childOnPlan, endPlan } from './testing.ts';
import { FlagLookup } from './schemas.ts';

const activeFlags = async (ctx: ActorContext, personId: string): Promise<{ kind: string }[]> =>
  (await ctx.db.query<{ kind: string }>('SELECT kind FROM flag WHERE person_id = $1 AND period_start <= $2 AND (period_end IS NULL OR period_end > $2)', [personId, ctx.clock.now().toISOString()])).rows;

describe('flags derived from the process', () => {
  const t = useTestDb();

  async function authority(now = '2026-03-02T09:00:00Z') {
    const clock = fixedClock(now);
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const hospital = await agency(s, p, 'hospital', 'Northshire General Hospital');
    const school = await agency(s, p, 'school', 'Riverside Primary');
    const worker = await practitioner(s, csc, ['social_worker'], 'Rachel Dunn');
    const manager = await practitioner(s, csc, ['manager'], 'Grace Okafor');
    const admin = await practitioner(s, csc, ['administrator']);
    const doctor = await practitioner(s, hospital, ['practitioner'], 'Dr Sam Okoye');
    const teacher = await practitioner(s, school, ['practitioner']);
    return { clock, s, p, csc, hospital, worker, manager, admin, doctor, teacher };
  }

  /** The whole action body the API needs for each kind of fact the engine samples. */
  function inputFor(f: ActionFacts, c: { csc: string; worker: ActorContext }): Record<string, unknown> | undefined {
    const plan = { category: 'neglect', leadAgencyId: c.csc, keyWorkerId: c.worker.actor.practitionerId, coreGroup: [c.worker.actor.practitionerId], outlinePlan: 'Visits', contingencyPlan: 'Strategy discussion' };
    switch (f.type) {
      case 'referral_decided': return { ...f, reasons: 'Reasons' };
      case 'assessment_started': return { ...f };
      case 'assessment_completed': return { ...f, summary: 'Summary' };
      case 'urgent_protective_action': return { ...f, otherChildrenConsidered: 'No other children' };
      case 'strategy_discussion_held': return { ...f, participants: [{ agencyId: c.csc }], policeInvestigation: false, immediateSafety: 'Safe', familyToBeTold: 'Today' };
      case 's47_concluded': return { ...f, summary: 'Summary' };
      case 'conference_held': return { ...f, invitedAgencyIds: [c.csc], parentsParticipation: 'Attended', ...(f.plan ? { planDetails: plan } : {}) };
      case 'core_group_met': return { type: f.type, attendees: [c.worker.actor.practitionerId] };
      case 'cin_plan_reviewed': return { type: f.type, summary: 'Reviewed' };
      case 'plan_ended': return { ...f };
      case 'case_closed': return { type: f.type, reasons: 'No further concerns' };
      case 'referral_acknowledged':
      case 'strategy_record_circulated':
        return { type: f.type };
      // Opening actions, and the referrer's own written confirmation, are not recorded here.
      case 'referral_received':
      case 'referral_confirmed_in_writing':
      case 'transferred_in':
        return undefined;
      default: {
        const never: never = f;
        return never;
      }
    }
  }

  it('for random sequences of process actions, a child has an active child protection flag exactly when the engine says the child is on a plan', async () => {
    const types: ActionType[] = ['referral_acknowledged', 'referral_decided', 'assessment_started', 'assessment_completed', 'urgent_protective_action', 'strategy_discussion_held',
      'strategy_record_circulated', 's47_concluded', 'conference_held', 'core_group_met', 'cin_plan_reviewed', 'plan_ended', 'case_closed'];
    const c = await authority();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(1000), { minLength: 3, maxLength: 14 }), async (choices) => {
        run += 1;
        const child = await person(c.worker, { names: [{ givenNames: 'Child', familyName: `Number ${run}` }] });
        let at = c.clock.now().getTime();
        const episode = await openEpisode(c.worker, { idempotencyKey: `p${run}`, childPersonId: child.id, receivedAt: new Date(at).toISOString(), channel: 'written' });
        const history: { seq: number; at: string; facts: ActionFacts }[] = [{ seq: 1, at: new Date(at).toISOString(), facts: { type: 'referral_received', channel: 'written' } }];
        for (const [i, choice] of choices.entries()) {
          const options = types.flatMap((type) => samples(type, 'single_45')).filter((f) => next(history, f, 'single_45') === undefined && inputFor(f, c));
          if (options.length === 0) break;
          const facts = options[choice % options.length]!;
          at += 3_600_000;
          c.clock.set(new Date(at + 60_000).toISOString());
          const view = await recordEpisodeAction(c.worker, episode.id, RecordAction.parse({ idempotencyKey: `p${run}-${i}`, occurredAt: new Date(at).toISOString(), action: inputFor(facts, c) }));
          history.push({ seq: history.length + 1, at: new Date(at).toISOString(), facts });
          const flags = await activeFlags(c.worker, child.id);
          expect(flags.length > 0, `after ${facts.type}`).toBe(view.state.onPlan);
          expect(flags.every((f) => f.kind === 'child_protection_plan')).toBe(true);
        }
        c.clock.set(new Date(at + 86_400_000).toISOString());
      }),
      { numRuns: 12 },
    );
  });

  it('lookups arriving together are answered in one query, yet each gets exactly its own child\'s flags, and each is audited', async () => {
    const c = await authority();
    // Three children on plans, two without flags, a mother whose unborn child is on a plan, and a number nobody holds.
    const onPlan = ['9990000018', '9000000009', '9000000017'];
    for (const [i, nhs] of onPlan.entries()) {
      const child = await person(c.worker, { names: [{ givenNames: 'Child', familyName: `Planned ${i}` }], nhsNumber: nhs });
      await childOnPlan(c.worker, c.clock, child.id, { cscId: c.csc });
    }
    for (const nhs of ['9000000025', '9000000033']) await person(c.worker, { names: [{ givenNames: 'Child', familyName: 'Unflagged' }], nhsNumber: nhs });
    const mother = await person(c.worker, { kind: 'adult', sex: 'female', names: [{ givenNames: 'Maggie', familyName: 'Fletcher' }], dateOfBirth: '2002-01-10', nhsNumber: '9434765919' });
    const baby = await person(c.worker, { kind: 'unborn', names: [{ givenNames: 'Baby', familyName: 'Fletcher' }], dateOfBirth: undefined, expectedDateOfDelivery: '2026-05-01' });
    await addRelationship(c.worker, baby.id, { relatedPersonId: mother.id, type: 'parent' });
    await childOnPlan(c.worker, c.clock, baby.id, { cscId: c.csc, kind: 'pre_birth' });
    const numbers = [...onPlan, '9000000025', '9000000033', '9434765919', '9000000041'];
    const ed = { kind: 'system' as const, healthSettingId: (await createFhirToken(c.s, { settingName: 'Northshire General ED', settingType: 'emergency_department' })).healthSettingId, settingName: 'Northshire General ED', settingType: 'emergency_department' };
    const opts = { unscheduled: false, via: 'fhir' as const, resource: 'CareTeam' };
    const shown = (rows: Awaited<ReturnType<typeof flagsByNhsNumber>>): string[] => rows.map((r) => `${r.subject_nhs_number} ${r.kind} ${r.person_id}`).sort();
    const alone = new Map<string, string[]>();
    for (const n of numbers) alone.set(n, shown(await flagsByNhsNumber(c.s, ed, n, opts)));
    expect(numbers.map((n) => alone.get(n)!.length)).toEqual([1, 1, 1, 0, 0, 1, 0]);

    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...numbers), { minLength: 1, maxLength: 40 }), async (asked) => {
        const before = (await t.db().query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE action = 'flags.lookup'")).rows[0]!.n;
        const answers = await Promise.all(asked.map((n) => flagsByNhsNumber(c.s, ed, n, opts)));
        expect(answers.map(shown)).toEqual(asked.map((n) => alone.get(n)));
        // One entry per lookup and child found (a lookup that finds nobody is audited once too).
        const after = (await t.db().query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE action = 'flags.lookup'")).rows[0]!.n;
        expect(after - before).toBe(asked.length);
      }),
      { numRuns: 15 },
    );
    expect((await verifyAuditChain(t.db())).ok).toBe(true);
  });

  it('attendances of one child arriving together are each counted in the notifications, as if recorded one after another', async () => {
    const c = await authority();
    const child = await person(c.worker, { names: [{ givenNames: 'Child', familyName: 'Attending' }], nhsNumber: '9990000018' });
    await childOnPlan(c.worker, c.clock, child.id, { cscId: c.csc });
    const ed = { kind: 'system' as const, healthSettingId: (await createFhirToken(c.s, { settingName: 'Northshire General ED', settingType: 'emergency_department' })).healthSettingId, settingName: 'Northshire General ED', settingType: 'emergency_department' };
    // All at the same instant (the clock is fixed): each notification counts the attendances
    // recorded before its batch and those in it. On a server several batches are written at once.
    const attendances = 24;
    await Promise.all(Array.from({ length: attendances }, () => flagsByNhsNumber(c.s, ed, '9990000018', { unscheduled: true, via: 'fhir', resource: 'CareTeam' })));
    const counts = (await t.db().query<{ n: number }>('SELECT attendances_12_months::int AS n FROM seen_notification WHERE person_id = $1', [child.id])).rows.map((r) => r.n);
    expect(counts).toHaveLength(attendances);
    expect(Math.max(...counts)).toBe(attendances);
    // Batches one after another: a count of n shared by the batch that took it from the one before (m) to n, so by n - m notifications.
    const distinct = [...new Set(counts)].sort((a, b) => a - b);
    distinct.forEach((n, i) => expect(counts.filter((x) => x === n).length, `notifications saying ${n} attendances`).toBe(n - (distinct[i - 1] ?? 0)));
  });

  it("an unborn child's plan is flagged on the mother's NHS number until birth, then moves to the child", async () => {
    const c = await authority();
    const mother = await person(c.worker, { kind: 'adult', sex: 'female', names: [{ givenNames: 'Maggie', familyName: 'Fletcher' }], dateOfBirth: '2002-01-10', nhsNumber: '9434765919' });
    const baby = await person(c.worker, { kind: 'unborn', names: [{ givenNames: 'Baby', familyName: 'Fletcher' }], dateOfBirth: undefined, expectedDateOfDelivery: '2026-05-01' });
    await addRelationship(c.worker, baby.id, { relatedPersonId: mother.id, type: 'parent' });
    const { planStartedAt } = await childOnPlan(c.worker, c.clock, baby.id, { cscId: c.csc, kind: 'pre_birth' });
    const ed = { kind: 'system' as const, healthSettingId: (await createFhirToken(c.s, { settingName: 'Northshire maternity unit', settingType: 'maternity' })).healthSettingId, settingName: 'Northshire maternity unit', settingType: 'maternity' };
    const seenAtMaternity = await flagsByNhsNumber(c.s, ed, '9434765919', { unscheduled: false, via: 'fhir', resource: 'CareTeam' });
    expect(seenAtMaternity.map((f) => [f.kind, f.period_start, f.period_end, f.subject_nhs_number])).toEqual([['unborn_child_protection_plan', planStartedAt, null, '9434765919']]);

    // Lily is born; the authority makes her entry and records the birth.
    c.clock.set('2026-04-28T08:00:00Z');
    const lily = await person(c.worker, { names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2026-04-27', nhsNumber: '9990000018' });
    await recordBirth(c.worker, { unbornPersonId: baby.id, childPersonId: lily.id, bornAt: '2026-04-27T03:40:00Z' });
    expect(await activeFlags(c.worker, baby.id)).toEqual([]);
    expect(await activeFlags(c.worker, lily.id)).toEqual([{ kind: 'child_protection_plan' }]);
    const lilysFlags = await flagsByNhsNumber(c.s, ed, '9990000018', { unscheduled: false, via: 'fhir', resource: 'CareTeam' });
    expect(lilysFlags.map((f) => [f.kind, f.period_start, f.period_end])).toEqual([['child_protection_plan', '2026-04-27T03:40:00.000Z', null]]);
    const mothers = await flagsByNhsNumber(c.s, ed, '9434765919', { unscheduled: false, via: 'fhir', resource: 'CareTeam' });
    expect(mothers.map((f) => [f.kind, f.period_end])).toEqual([['unborn_child_protection_plan', '2026-04-27T03:40:00.000Z']]);
    await expect(recordBirth(c.worker, { unbornPersonId: baby.id, childPersonId: lily.id, bornAt: '2026-04-27T03:40:00Z' })).rejects.toMatchObject({ status: 409 });
  });

  it('looked-after status is recorded by the authority; the flag starts and ends with it; periods do not overlap; nobody else records it', async () => {
    const c = await authority();
    const child = await person(c.worker, { nhsNumber: '9990000018' });
    const la = await recordLookedAfter(c.worker, { childPersonId: child.id, startedAt: '2026-03-01T12:00:00Z', legalStatus: 'interim_care_order' });
    expect(await activeFlags(c.worker, child.id)).toEqual([{ kind: 'looked_after' }]);
    await expect(recordLookedAfter(c.worker, { childPersonId: child.id, startedAt: '2026-03-02T08:00:00Z', legalStatus: 'care_order' })).rejects.toMatchObject({ status: 409 });
    await expect(recordLookedAfter(c.doctor, { childPersonId: child.id, startedAt: '2026-03-02T08:00:00Z', legalStatus: 'care_order' })).rejects.toMatchObject({ status: 403 });
    const ended = await endLookedAfter(c.worker, la.id, { endedAt: '2026-03-02T08:30:00Z', reason: 'Placed with grandmother under a special guardianship order' });
    expect(ended.endedAt).toBe('2026-03-02T08:30:00.000Z');
    expect(await activeFlags(c.worker, child.id)).toEqual([]);
    const flag = (await t.db().query<{ period_end: string }>('SELECT period_end FROM flag WHERE person_id = $1', [child.id])).rows;
    expect(flag).toEqual([{ period_end: '2026-03-02T08:30:00.000Z' }]);
  });

  it('a hospital practitioner looks up by NHS number, or by name, date of birth and postcode and gets candidates; a teacher cannot look up at all', async () => {
    const c = await authority();
    await updateFlagSettings(c.admin, { officeHoursPhone: '01632 960400', outOfHoursPhone: '07700 900400' });
    const child = await person(c.worker, {
      names: [{ givenNames: 'Jacob', familyName: 'Carver' }], dateOfBirth: '2019-04-22', nhsNumber: '9990000018',
      addresses: [{ line1: '4 Mill Lane', postcode: 'ns3 4ab' }],
    });
    await childOnPlan(c.worker, c.clock, child.id, { cscId: c.csc });
    const app = await testApp(c.s);
    onTestFinished(() => app.close());
    const as = async (ctx: ActorContext) => {
      const headers = { ...(await bearer(ctx)), 'content-type': 'application/json' };
      return (payload: object) => app.inject({ method: 'POST', url: '/api/v1/flags/lookup', headers, payload });
    };
    const doctor = await as(c.doctor);
    const setting = { name: 'Northshire General emergency department', type: 'emergency_department' };
    const byNumber = await doctor({ setting, unscheduled: false, nhsNumber: '999 000 0018' });
    expect(byNumber.statusCode).toBe(200);
    expect(byNumber.json()).toMatchObject({
      searchedBy: 'nhs_number',
      flags: [{ kind: 'child_protection_plan', status: 'active', planType: { code: '342191000000101' }, authority: { name: "Northshire Children's Social Care", officeHoursPhone: '01632 960400', outOfHoursPhone: '07700 900400' } }],
    });
    // Nothing of the child's records: no names, address or date of birth when the NHS number is known.
    expect(byNumber.body).not.toMatch(/Carver|Mill Lane|2019-04-22/);

    const byDetails = await doctor({ setting, unscheduled: true, demographics: { givenNames: 'Jakob', familyName: 'Carver', dateOfBirth: '2019-04-22', postcode: 'NS3 4AB' } });
    expect(byDetails.json()).toMatchObject({ searchedBy: 'demographics', candidates: [{ nameAgreement: 'similar', dateOfBirth: '2019-04-22', flags: [{ status: 'active' }] }] });
    expect(byDetails.json<{ note: string }>().note).toMatch(/candidates, not a confirmed identity/);
    // One letter of the surname different, with the date of birth and postcode agreeing: still a candidate, never certain.
    const surnameSlip = await doctor({ setting, unscheduled: true, demographics: { givenNames: 'Jacob', familyName: 'Carter', dateOfBirth: '2019-04-22', postcode: 'NS3 4AB' } });
    expect(surnameSlip.json()).toMatchObject({ searchedBy: 'demographics', flags: [], candidates: [{ nameAgreement: 'similar', dateOfBirth: '2019-04-22' }] });
    const wrongPostcode = await doctor({ setting, unscheduled: true, demographics: { givenNames: 'Jacob', familyName: 'Carver', dateOfBirth: '2019-04-22', postcode: 'NS9 9ZZ' } });
    expect(wrongPostcode.json()).toMatchObject({ candidates: [] });
    // Candidates are kept in the access history but do not tell the authority of an attendance.
    expect((await t.db().query('SELECT 1 FROM seen_notification')).rowCount).toBe(0);
    const history = (await t.db().query<{ search: string; unscheduled: boolean }>('SELECT search, unscheduled FROM flag_access WHERE person_id = $1 ORDER BY accessed_at, search DESC', [child.id])).rows;
    expect(history).toEqual([{ search: 'nhs_number', unscheduled: false }, { search: 'demographics', unscheduled: true }, { search: 'demographics', unscheduled: true }]);

    const bad = await doctor({ setting, unscheduled: true, nhsNumber: '9990000019' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ errors: [{ pointer: '/nhsNumber' }] });
    const both = FlagLookup.safeParse({ setting, unscheduled: true });
    expect(both.success).toBe(false);
    const teacher = await as(c.teacher);
    expect((await teacher({ setting, unscheduled: true, nhsNumber: '9990000018' })).statusCode).toBe(403);
    expect((await t.db().query("SELECT 1 FROM audit_event WHERE action = 'flags.lookup' AND outcome = 'denied'")).rowCount).toBe(1);
  });

  it('names agree exactly, nearly (a typing slip, a shortened given name), or not at all', () => {
    expect(nameAgreement({ givenNames: 'Natasha', familyName: 'Reid' }, { givenNames: 'Natasha', familyName: 'REID' })).toBe('exact');
    // One letter of the surname (Reed for Reid): a candidate to confirm, never an exact agreement.
    expect(nameAgreement({ givenNames: 'Natasha', familyName: 'Reed' }, { givenNames: 'Natasha', familyName: 'Reid' })).toBe('similar');
    expect(nameAgreement({ givenNames: 'Natasha', familyName: 'Reeves' }, { givenNames: 'Natasha', familyName: 'Reid' })).toBe(undefined);
    expect(nameAgreement({ givenNames: 'Sophie', familyName: 'Reed' }, { givenNames: 'Natasha', familyName: 'Reid' })).toBe(undefined);
    expect(nameAgreement({ givenNames: 'Nat', familyName: 'Reid' }, { givenNames: 'Natasha', familyName: 'Reid' })).toBe('similar');
    expect(nameAgreement({ givenNames: 'Jonathon', familyName: 'Ashworth' }, { givenNames: 'Jonathan', familyName: 'Ashworth' })).toBe('similar');
    expect(nameAgreement({ givenNames: 'Ben', familyName: 'Ellison' }, { givenNames: 'Jake', familyName: 'Ellison' })).toBe(undefined);
  });

  it('the e-mail holds no personal details, only a link; an unacknowledged notification alerts the managers once, after the configured hours', async () => {
    const c = await authority();
    const mails: string[] = [];
    const smtp = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
      onData(stream, _session, done) {
        let text = '';
        stream.on('data', (d: Buffer) => { text += d.toString('utf8'); });
        // Undo quoted-printable line wrapping so the link can be read whole.
        stream.on('end', () => { mails.push(text.replace(/=\r\n/g, '').replace(/=3D/g, '=')); done(); });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => smtp.close(() => resolve())));
    const port = (smtp.server.address() as AddressInfo).port;
    await updateFlagSettings(c.manager, { notifyEmail: 'duty.team@northshire-childrens-services.example' });
    const child = await person(c.worker, { names: [{ givenNames: 'Natasha', familyName: 'Reid' }], nhsNumber: '9990000018' });
    const { episode } = await childOnPlan(c.worker, c.clock, child.id, { cscId: c.csc });
    const walkIn = await createFhirToken(c.s, { settingName: 'Harbour Street walk-in centre', settingType: 'walk_in_centre' });
    await flagsByNhsNumber(c.s, { kind: 'system', healthSettingId: walkIn.healthSettingId, settingName: 'Harbour Street walk-in centre', settingType: 'walk_in_centre' }, '9990000018', { unscheduled: true, via: 'fhir', resource: 'CareTeam' });
    const settings = { ...seenSettings({ JIGSAW_SMTP_URL: `smtp://127.0.0.1:${port}`, JIGSAW_PUBLIC_URL: 'https://jigsaw.northshire.example/', JIGSAW_SEEN_ESCALATE_HOURS: '2' }) };
    expect(await deliverSeenNotifications(c.s, { settings })).toMatchObject({ attempted: 1, delivered: 1, escalated: 0 });
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatch(/https:\/\/jigsaw\.northshire\.example\/api\/v1\/seen-notifications\/[0-9a-f-]{36}/);
    expect(mails[0]).not.toMatch(/Natasha|Reid|9990000018|walk-in|Harbour/i);

    c.clock.advanceMinutes(119);
    expect(await deliverSeenNotifications(c.s, { settings })).toMatchObject({ escalated: 0 });
    c.clock.advanceMinutes(2);
    expect(await deliverSeenNotifications(c.s, { settings })).toMatchObject({ escalated: 1 });
    expect(await deliverSeenNotifications(c.s, { settings })).toMatchObject({ escalated: 0 });
    const alerts = (await t.db().query<{ practitioner_id: string; message: string }>("SELECT practitioner_id, message FROM notification WHERE kind = 'seen-notification.unacknowledged'")).rows;
    expect(alerts).toEqual([{ practitioner_id: c.manager.actor.practitionerId, message: expect.stringMatching(/nobody has acknowledged it after 2 hours/) }]);
    await endPlan(c.worker, c.clock, episode.id);
  });

  it('a notification is never lost while nothing listens at the webhook address: it waits, retried with back-off, and arrives once the receiver is up', async () => {
    const c = await authority();
    // A port on 127.0.0.1 that nothing listens on: a server is opened and closed again to find one.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    // The receiver is the operator's own, on 127.0.0.1: listed in JIGSAW_WEBHOOK_HTTP_HOSTS, as it must be.
    await updateFlagSettings(c.manager, { webhookUrl: `http://127.0.0.1:${port}/child-was-seen` }, { webhookHttpHosts: ['127.0.0.1'] });
    const child = await person(c.worker, { names: [{ givenNames: 'Natasha', familyName: 'Reid' }], nhsNumber: '9990000018' });
    await childOnPlan(c.worker, c.clock, child.id, { cscId: c.csc });
    const ed = await createFhirToken(c.s, { settingName: 'Northshire General ED', settingType: 'emergency_department' });
    await flagsByNhsNumber(c.s, { kind: 'system', healthSettingId: ed.healthSettingId, settingName: ed.healthSettingId, settingType: 'emergency_department' }, '9990000018', { unscheduled: true, via: 'fhir', resource: 'CareTeam' });
    const settings = seenSettings({ JIGSAW_WEBHOOK_HTTP_HOSTS: '127.0.0.1' });
    for (let i = 0; i < 4; i++) {
      expect(await deliverSeenNotifications(c.s, { settings })).toMatchObject({ attempted: 1, delivered: 0 });
      c.clock.advanceMinutes(2 ** i);
    }
    const [waiting] = await listSeenNotifications(c.worker, { status: 'open' });
    const before = await getSeenNotification(c.worker, waiting!.id);
    expect(before.deliveries).toEqual([expect.objectContaining({ channel: 'webhook', attempts: 4, deliveredAt: null, lastError: expect.any(String) as string })]);
    // The reason kept is a plain one: not what was sent, and nothing about the network (a refused port reads like any other failure).
    expect(before.deliveries[0]!.lastError).toBe('not_accepted');

    const bodies: string[] = [];
    const up = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => { body += d.toString('utf8'); });
      req.on('end', () => { bodies.push(body); res.writeHead(204).end(); });
    });
    await new Promise<void>((resolve) => up.listen(port, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => up.close(() => resolve())));
    c.clock.advanceMinutes(60);
    expect(await deliverSeenNotifications(c.s, { settings })).toMatchObject({ attempted: 1, delivered: 1 });
    expect(bodies).toHaveLength(1);
    expect(JSON.parse(bodies[0]!)).toMatchObject({ type: 'child-was-seen', notificationId: waiting!.id });
    c.clock.advanceMinutes(60);
    expect(await deliverSeenNotifications(c.s, { settings })).toMatchObject({ attempted: 0 });
  });

  it('only the authority\'s managers and administrators change its numbers and endpoints; the signing secret is shown once', async () => {
    const c = await authority();
    await expect(updateFlagSettings(c.worker, { officeHoursPhone: '01632 960000' })).rejects.toMatchObject({ status: 403 });
    await expect(updateFlagSettings(c.doctor, { officeHoursPhone: '01632 960000' })).rejects.toMatchObject({ status: 403 });
    const first = await updateFlagSettings(c.manager, { webhookUrl: 'https://hooks.northshire.example/seen' });
    expect(first.webhookSecret).toMatch(/^jsw_/);
    const again = await updateFlagSettings(c.admin, { officeHoursPhone: '01632 960000' });
    expect(again).toMatchObject({ webhookSecret: null, webhookSecretSet: true, webhookUrl: 'https://hooks.northshire.example/seen', officeHoursPhone: '01632 960000' });
    const app = await testApp(c.s);
    onTestFinished(() => app.close());
    const res = await app.inject({ method: 'PUT', url: '/api/v1/flag-settings', headers: { ...(await bearer(c.manager)), 'content-type': 'application/json' }, payload: { officeHoursPhone: 'call us', webhookUrl: 'ftp://x', extra: 1 } });
    expect(res.statusCode).toBe(422);
    expect(res.json<{ errors: { pointer: string }[] }>().errors.map((e) => e.pointer).sort()).toEqual(['/', '/officeHoursPhone', '/webhookUrl']);
  });
});
