import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { workingDayCalendar } from '../calendar/working-days.ts';
import { ACTION_TYPES, isOverdue, next, reduce, samples, type Action, type ActionFacts, type AssessmentModel, type ProcessSettings } from './engine.ts';

const settings = (model: AssessmentModel = 'single_45'): ProcessSettings => ({ calendar: workingDayCalendar({}), nation: 'england-and-wales', model });
let seq = 0;
const act = (at: string, facts: ActionFacts): Action => ({ seq: ++seq, at, facts });
const due = (actions: Action[], key: string, model: AssessmentModel = 'single_45'): string | undefined => reduce(actions, settings(model)).steps.find((s) => s.key === key)?.due;

describe('the child protection process on a working-day clock', () => {
  it('a written referral on the Thursday before Easter 2026 is to be acknowledged and decided by Tuesday 7 April; the referrer chases on Thursday 9th', () => {
    const a = [act('2026-04-02T10:00:00Z', { type: 'referral_received', channel: 'written' })];
    expect(due(a, 'acknowledgement')).toBe('2026-04-07');
    expect(due(a, 'referral_decision')).toBe('2026-04-07');
    expect(due(a, 'referrer_chase')).toBe('2026-04-09');
    expect(due(a, 'written_confirmation')).toBeUndefined();
  });

  it('a phone referral must be confirmed in writing within 48 hours, to the minute', () => {
    const a = [act('2026-03-06T16:30:00Z', { type: 'referral_received', channel: 'phone' })];
    expect(due(a, 'written_confirmation')).toBe('2026-03-08T16:30:00.000Z');
    const step = reduce(a, settings()).steps.find((s) => s.key === 'written_confirmation')!;
    expect(isOverdue(step, new Date('2026-03-08T16:29:00Z'))).toBe(false);
    expect(isOverdue(step, new Date('2026-03-08T16:31:00Z'))).toBe(true);
    expect(due([...a, act('2026-03-07T09:00:00Z', { type: 'referral_confirmed_in_writing' })], 'written_confirmation')).toBeUndefined();
  });

  it('the single assessment is due 45 working days after the referral', () => {
    // Referral Monday 2 March 2026; 45 working days skipping Good Friday, Easter Monday and the early May bank holiday: Thursday 7 May.
    const a = [
      act('2026-03-02T09:00:00Z', { type: 'referral_received', channel: 'written' }),
      act('2026-03-02T15:00:00Z', { type: 'referral_decided', outcome: 'assessment' }),
      act('2026-03-03T09:00:00Z', { type: 'assessment_started', kind: 'single' }),
    ];
    expect(due(a, 'assessment')).toBe('2026-05-07');
  });

  it('under the older model the initial assessment is due in 7 working days and the core in 35 from its start', () => {
    const a = [
      act('2026-03-02T09:00:00Z', { type: 'referral_received', channel: 'written' }),
      act('2026-03-02T15:00:00Z', { type: 'referral_decided', outcome: 'assessment' }),
      act('2026-03-02T16:00:00Z', { type: 'assessment_started', kind: 'initial' }),
    ];
    expect(due(a, 'initial_assessment', 'initial_7_core_35')).toBe('2026-03-11');
    const core = [...a, act('2026-03-09T09:00:00Z', { type: 'assessment_completed', kind: 'initial', outcome: 'core_assessment' }), act('2026-03-10T09:00:00Z', { type: 'assessment_started', kind: 'core' })];
    // 35 working days from Tuesday 10 March 2026, skipping Good Friday and Easter Monday: Thursday 30 April.
    expect(due(core, 'core_assessment', 'initial_7_core_35')).toBe('2026-04-30');
  });

  it('the initial conference is due 15 working days after the LAST strategy discussion, across Christmas', () => {
    const base = [
      act('2026-12-01T09:00:00Z', { type: 'referral_received', channel: 'written' }),
      act('2026-12-01T12:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion' }),
      act('2026-12-02T12:00:00Z', { type: 'strategy_discussion_held', s47: true }),
    ];
    const again = [...base, act('2026-12-10T12:00:00Z', { type: 'strategy_discussion_held', s47: true }), act('2026-12-10T13:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk' })];
    expect(due(again, 'initial_conference')).toBe('2027-01-05');
    expect(due(again, 'strategy_record')).toBe('2026-12-11');
  });

  it('after the initial conference: first core group within 10 working days, first review within 3 months, then every 6 months', () => {
    const a = [
      act('2026-12-01T09:00:00Z', { type: 'referral_received', channel: 'written' }),
      act('2026-12-01T12:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion' }),
      act('2026-12-10T12:00:00Z', { type: 'strategy_discussion_held', s47: true }),
      act('2026-12-10T13:00:00Z', { type: 'strategy_record_circulated' }),
      act('2026-12-18T13:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk' }),
      act('2027-01-05T10:00:00Z', { type: 'conference_held', kind: 'initial', plan: true }),
    ];
    expect(due(a, 'first_core_group')).toBe('2027-01-19');
    expect(due(a, 'review_conference')).toBe('2027-04-05');
    const reviewed = [...a, act('2027-01-15T10:00:00Z', { type: 'core_group_met' }), act('2027-03-30T10:00:00Z', { type: 'conference_held', kind: 'review', plan: true })];
    expect(due(reviewed, 'first_core_group')).toBeUndefined();
    expect(due(reviewed, 'review_conference')).toBe('2027-09-30');
  });

  it('urgent protective action puts a strategy discussion due the same day', () => {
    const a = [
      act('2026-03-02T09:00:00Z', { type: 'referral_received', channel: 'phone' }),
      act('2026-03-02T11:00:00Z', { type: 'urgent_protective_action', kind: 'police_protection' }),
    ];
    expect(reduce(a, settings()).stage).toBe('strategy');
    expect(due(a, 'strategy_discussion')).toBe('2026-03-02');
  });

  it('an action not allowed now is refused with what is allowed instead', () => {
    const a = [act('2026-03-02T09:00:00Z', { type: 'referral_received', channel: 'written' })];
    expect(next(a, { type: 'conference_held', kind: 'review', plan: true }, 'single_45')).toEqual({
      action: 'conference_held', reason: 'Not allowed at the referral stage',
      allowed: ['referral_acknowledged', 'referral_decided', 'urgent_protective_action', 'strategy_discussion_held'],
    });
    expect(next([], { type: 'core_group_met' }, 'single_45')?.reason).toBe('An episode starts with a referral or a transfer in');
  });

  it('a review conference for a child with no plan is refused', () => {
    const a = [
      act('2026-03-02T09:00:00Z', { type: 'referral_received', channel: 'written' }),
      act('2026-03-02T12:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion' }),
      act('2026-03-03T12:00:00Z', { type: 'strategy_discussion_held', s47: true }),
      act('2026-03-10T12:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk' }),
    ];
    expect(next(a, { type: 'conference_held', kind: 'review', plan: true }, 'single_45')?.reason).toBe('A review conference is for a child with a child protection plan');
  });

  // Generated, not hand-listed: walk random valid paths; at every state, every sample of every
  // action type is accepted exactly when its type is listed as allowed and its guard passes.
  it('from every reachable state, every action outside the allowed list is refused and every allowed one is accepted', () => {
    const models: AssessmentModel[] = ['single_45', 'initial_7_core_35'];
    fc.assert(
      fc.property(fc.constantFrom(...models), fc.array(fc.nat(1000), { minLength: 1, maxLength: 25 }), (model, choices) => {
        const actions: Action[] = [];
        let day = new Date('2026-01-05T10:00:00Z').getTime();
        for (const choice of choices) {
          const state = reduce(actions, settings(model));
          for (const type of ACTION_TYPES) {
            for (const facts of samples(type, model)) {
              const refusal = next(actions, facts, model);
              if (!state.allowed.includes(type)) expect(refusal, `${type} at ${state.stage}`).toBeDefined();
              if (refusal) expect(refusal.allowed).toEqual(state.allowed);
            }
            if (state.allowed.includes(type)) expect(samples(type, model).some((f) => next(actions, f, model) === undefined)).toBe(true);
          }
          const options = state.allowed.flatMap((t) => samples(t, model)).filter((f) => next(actions, f, model) === undefined);
          if (options.length === 0) break;
          day += 86_400_000;
          actions.push({ seq: actions.length + 1, at: new Date(day).toISOString(), facts: options[choice % options.length]! });
        }
        // Whatever path was taken, the history still folds without error.
        reduce(actions, settings(model));
      }),
      { numRuns: 150 },
    );
  });
});
