import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { workingDayCalendar } from '../calendar/working-days.ts';
import { fixedClock } from '../shared/clock.ts';
import type { ActorContext } from '../shared/context.ts';
import type { Action, ActionFacts, ProcessSettings } from './engine.ts';
import { openEpisode, recordEpisodeAction } from './episodes.ts';
import { RecordAction } from './schemas.ts';
import { replayEpisode, TIMESCALE_CSV_HEADER, timescaleCsv, timescaleReport, type TimescaleReport } from './timescales.ts';

const act = (key: string, occurredAt: string, action: Record<string, unknown>): RecordAction => RecordAction.parse({ idempotencyKey: key, occurredAt, action });
const settings: ProcessSettings = { calendar: workingDayCalendar(), nation: 'england-and-wales', model: 'single_45' };

describe('replaying an episode through the engine', () => {
  const actions = (list: [string, ActionFacts][]): Action[] => list.map(([at, facts], i) => ({ seq: i + 1, at, facts }));

  it('judges each step against the due date it had when it was done: a conference put back by a new strategy discussion is on time', () => {
    const r = replayEpisode(actions([
      ['2026-12-01T09:00:00Z', { type: 'referral_received', channel: 'written' }],
      ['2026-12-01T10:00:00Z', { type: 'referral_acknowledged' }],
      ['2026-12-01T14:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion' }],
      ['2026-12-10T12:00:00Z', { type: 'strategy_discussion_held', s47: true }],
      ['2026-12-14T12:00:00Z', { type: 'strategy_record_circulated' }],
      ['2026-12-18T12:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk' }],
      // The conference was due on 5 January; a new strategy discussion on the 6th puts it back to the 27th.
      ['2027-01-06T12:00:00Z', { type: 'strategy_discussion_held', s47: true }],
      ['2027-01-20T10:00:00Z', { type: 'conference_held', kind: 'initial', plan: true }],
    ]), settings);
    expect(r.completed.map((c) => [c.key, c.due, c.late, c.workingDaysLate])).toEqual([
      ['acknowledgement', '2026-12-02', false, 0],
      ['referral_decision', '2026-12-02', false, 0],
      ['strategy_discussion', '2026-12-01', true, 7],
      ['strategy_record', '2026-12-11', true, 1],
      ['initial_conference', '2027-01-27', false, 0],
    ]);
    expect(r.openAt).toBe(true);
    expect(r.waitingAt.map((s) => s.key)).toEqual(['strategy_record', 'first_core_group', 'review_conference']);
  });

  it('sees what was waiting at a moment in the past, and leaves out the referrer\'s prompts', () => {
    const list = actions([
      ['2026-12-01T09:00:00Z', { type: 'referral_received', channel: 'phone' }],
      ['2026-12-02T09:00:00Z', { type: 'referral_confirmed_in_writing' }],
      ['2026-12-04T09:00:00Z', { type: 'referral_acknowledged' }],
    ]);
    const r = replayEpisode(list, settings, new Date('2026-12-03T12:00:00Z'));
    expect(r.waitingAt.map((s) => [s.key, s.due])).toEqual([['acknowledgement', '2026-12-02'], ['referral_decision', '2026-12-02']]);
    // Acknowledged on Friday the 4th, due on Wednesday the 2nd: two working days late.
    expect(r.completed).toEqual([expect.objectContaining({ key: 'acknowledgement', due: '2026-12-02', late: true, workingDaysLate: 2 })]);
  });
});

describe("the authority's timescale report", () => {
  const t = useTestDb();

  /**
   * Referrals on Thursday 24 December 2026: acknowledgement and decision are due on Tuesday the
   * 29th (Christmas Day, the weekend and the Boxing Day holiday on the 28th do not count).
   */
  async function christmas() {
    const clock = fixedClock('2027-01-10T12:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const worker = await practitioner(s, csc, ['social_worker']);
    const manager = await practitioner(s, csc, ['manager']);
    const auditor = await practitioner(s, csc, ['auditor']);
    const open = async (key: string, receivedAt: string): Promise<string> => {
      const child = await person(worker, { names: [{ givenNames: key, familyName: 'Smith' }] });
      return (await openEpisode(worker, { idempotencyKey: key, childPersonId: child.id, receivedAt, channel: 'written' })).id;
    };
    const decide = (key: string, at: string, outcome = 'assessment') => act(key, at, { type: 'referral_decided', outcome, reasons: 'Reasons' });
    const ack = (key: string, at: string) => act(key, at, { type: 'referral_acknowledged' });
    // A: acknowledged on time; decided on Monday 4 January, three working days late (New Year's Day does not count).
    const a = await open('a', '2026-12-24T09:00:00Z');
    await recordEpisodeAction(worker, a, ack('a1', '2026-12-29T10:00:00Z'));
    await recordEpisodeAction(manager, a, decide('a2', '2027-01-04T10:00:00Z'));
    // B: acknowledged and decided on the 30th, one working day late.
    const b = await open('b', '2026-12-24T09:00:00Z');
    await recordEpisodeAction(worker, b, ack('b1', '2026-12-30T10:00:00Z'));
    await recordEpisodeAction(manager, b, decide('b2', '2026-12-30T11:00:00Z'));
    // C: received on the 29th and nothing done: overdue from the 31st.
    await open('c', '2026-12-29T09:00:00Z');
    // D: no further action on the 29th, on time; the episode closes.
    const d = await open('d', '2026-12-24T09:00:00Z');
    await recordEpisodeAction(manager, d, decide('d1', '2026-12-29T15:00:00Z', 'no_further_action'));
    return { worker, manager, auditor, csc };
  }

  const row = (r: TimescaleReport, key: string) => r.steps.find((s) => s.key === key);

  it('counts a late and an on-time step with the right number of working days late across a bank holiday', async () => {
    const c = await christmas();
    const december = await timescaleReport(c.manager, { from: '2026-12-01', to: '2026-12-31' });
    expect(december).toMatchObject({ agencyId: c.csc, from: '2026-12-01', to: '2026-12-31', overdueAsAt: '2026-12-31T23:59:59.999Z', nation: 'england-and-wales', assessmentModel: 'single_45' });
    expect(row(december, 'acknowledgement')).toMatchObject({ completed: 2, onTime: 1, late: 1, medianWorkingDaysLate: 1, maxWorkingDaysLate: 1, overdueAtEnd: 1 });
    expect(row(december, 'referral_decision')).toMatchObject({ completed: 2, onTime: 1, late: 1, medianWorkingDaysLate: 1, maxWorkingDaysLate: 1, overdueAtEnd: 2 });
    expect(december.total).toEqual({ completed: 4, onTime: 2, late: 2, medianWorkingDaysLate: 1, maxWorkingDaysLate: 1, overdueAtEnd: 3 });

    // Over December and January (not yet over: overdue is counted as at now), A's decision on 4 January counts, 3 working days late.
    const winter = await timescaleReport(c.auditor, { from: '2026-12-01', to: '2027-01-31' });
    expect(winter.overdueAsAt).toBe('2027-01-10T12:00:00.000Z');
    expect(row(winter, 'referral_decision')).toMatchObject({ completed: 3, onTime: 1, late: 2, medianWorkingDaysLate: 2, maxWorkingDaysLate: 3, overdueAtEnd: 1 });
    expect(row(winter, 'acknowledgement')).toMatchObject({ completed: 2, onTime: 1, late: 1, overdueAtEnd: 1 });
    // The single assessment model: no initial or core assessment rows.
    expect(winter.steps.map((s) => s.key)).toEqual([
      'acknowledgement', 'referral_decision', 'assessment', 'strategy_discussion', 'strategy_record',
      'initial_conference', 'transfer_in_conference', 'first_core_group', 'review_conference', 'cin_plan_review',
    ]);
  });

  it('is for managers and auditors of the authority only, and every read is audited with identifiers only', async () => {
    const c = await christmas();
    await expect(timescaleReport(c.worker, { from: '2026-12-01', to: '2026-12-31' })).rejects.toMatchObject({ status: 403 });
    await timescaleReport(c.manager, { from: '2026-12-01', to: '2026-12-31' });
    const entries = (await t.db().query<{ actor_practitioner_id: string; outcome: string; entity_id: string; person_id: string | null; detail: Record<string, unknown> }>(
      "SELECT actor_practitioner_id, outcome, entity_id, person_id, detail FROM audit_event WHERE action = 'oversight.timescales' ORDER BY seq")).rows;
    const id = (ctx: ActorContext): string => ctx.actor.practitionerId;
    expect(entries).toEqual([
      { actor_practitioner_id: id(c.worker), outcome: 'denied', entity_id: c.csc, person_id: null, detail: {} },
      { actor_practitioner_id: id(c.manager), outcome: 'success', entity_id: c.csc, person_id: null, detail: { from: '2026-12-01', to: '2026-12-31', format: 'json', episodes: 4 } },
    ]);
  });

  it('writes CSV with a header, a row per step and the total, quoting commas', async () => {
    const c = await christmas();
    const csv = timescaleCsv(await timescaleReport(c.manager, { from: '2026-12-01', to: '2026-12-31' }));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(TIMESCALE_CSV_HEADER.join(','));
    expect(lines).toContain('Referral acknowledged (1 working day),11.5,2,1,1,1,1,1');
    expect(lines).toContain('Strategy discussion held (after urgent action or decision),"23.1, 26",0,0,0,,,0');
    expect(lines).toContain('"Review conference (3 months, then at most 6 months)",68.1,0,0,0,,,0');
    expect(lines.at(-2)).toBe('All statutory steps,,4,2,2,1,1,3');
    expect(lines.at(-1)).toBe('');
  });
});
