import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ruleContext, validateCensus } from '../engine.ts';
import { censusTables } from '../tables.ts';
import { assessment, census, child, cinDetails, flagged, ruleOf } from '../test-census.ts';
import { assessmentsRules, dfeFactorChecks, workingDaysBefore } from './assessments.ts';
import { censusArb as arbitraryCensus } from './fuzz-census.ts';

const rule = (code: string) => ruleOf(assessmentsRules, code);
/** One child (CHILD1) with one episode referred on 1 June 2025 holding these assessments. */
const withAssessments = (...assessments: ReturnType<typeof assessment>[]) => census([child({ CINdetails: [cinDetails({ Assessments: assessments })] })]);
const open = (start: string | null) => assessment({ AssessmentActualStartDate: start, AssessmentAuthorisationDate: null, AssessmentFactors: null });

describe('working days as the validator counts them', () => {
  const ctx = ruleContext(censusTables(census([])));
  it('counts the reference date itself as the first of the 45 working days', () => {
    expect(workingDaysBefore(ctx, '2026-03-31', 45)).toBe('2026-01-28');
  });
  it('moves a reference date on a weekend on to the Monday first', () => {
    expect(workingDaysBefore(ctx, '2026-03-28', 45)).toBe('2026-01-27');
  });
  it('skips bank holidays (Good Friday and Easter Monday 2026)', () => {
    expect(workingDaysBefore(ctx, '2026-04-10', 5)).toBe('2026-04-02');
  });
});

describe('1103: an assessment cannot start before the referral', () => {
  it('flags an assessment that started the day before the referral', () => {
    expect(flagged(rule('1103'), withAssessments(assessment({ AssessmentActualStartDate: '2025-05-31' })))).toEqual(['CHILD1']);
  });
  it('accepts an assessment that started on the day of the referral', () => {
    expect(flagged(rule('1103'), withAssessments(assessment({ AssessmentActualStartDate: '2025-06-01' })))).toEqual([]);
  });
});

describe('8608: an assessment cannot end before it starts', () => {
  it('flags an assessment authorised the day before it started', () => {
    expect(flagged(rule('8608'), withAssessments(assessment({ AssessmentActualStartDate: '2025-07-02', AssessmentAuthorisationDate: '2025-07-01' })))).toEqual(['CHILD1']);
  });
  it('accepts an assessment started and authorised on the same day', () => {
    expect(flagged(rule('8608'), withAssessments(assessment({ AssessmentActualStartDate: '2025-07-01', AssessmentAuthorisationDate: '2025-07-01' })))).toEqual([]);
  });
});

describe('8670Q: an open assessment started more than 45 working days before the reference date is queried', () => {
  it('queries one started on 27 January 2026, 46 working days before 31 March counting both days', () => {
    expect(flagged(rule('8670Q'), withAssessments(open('2026-01-27')))).toEqual(['CHILD1']);
  });
  it('accepts one started on 28 January 2026, exactly 45 working days before', () => {
    expect(flagged(rule('8670Q'), withAssessments(open('2026-01-28')))).toEqual([]);
  });
  it('accepts a completed assessment however long ago it started', () => {
    expect(flagged(rule('8670Q'), withAssessments(assessment({ AssessmentActualStartDate: '2025-06-02' })))).toEqual([]);
  });
});

describe('8696: an assessment must be authorised within the census year', () => {
  it('flags one authorised on 1 April 2026, after the reference date', () => {
    expect(flagged(rule('8696'), withAssessments(assessment({ AssessmentAuthorisationDate: '2026-04-01' })))).toEqual(['CHILD1']);
  });
  it('flags one authorised on 30 March 2025, before the year began (on 31 March, as the validator counts it)', () => {
    expect(flagged(rule('8696'), withAssessments(assessment({ AssessmentActualStartDate: '2025-03-01', AssessmentAuthorisationDate: '2025-03-30' })))).toEqual(['CHILD1']);
  });
  it('accepts the first and the last day of the year', () => {
    expect(flagged(rule('8696'), withAssessments(assessment({ AssessmentAuthorisationDate: '2025-04-01' }), assessment({ AssessmentAuthorisationDate: '2026-03-31' })))).toEqual([]);
  });
});

describe('8736: an open assessment must have started within the census year', () => {
  it('flags an open assessment started on 30 March 2025, the day before the year began', () => {
    expect(flagged(rule('8736'), withAssessments(open('2025-03-30')))).toEqual(['CHILD1']);
  });
  it('flags an open assessment with no start date, as the validator does', () => {
    expect(flagged(rule('8736'), withAssessments(open(null)))).toEqual(['CHILD1']);
  });
  it('accepts an open assessment started on 1 April 2025', () => {
    expect(flagged(rule('8736'), withAssessments(open('2025-04-01')))).toEqual([]);
  });
});

describe('8863Q: an assessment starting while another is under way is queried', () => {
  it('queries an assessment that started before the one before it was authorised', () => {
    const c = withAssessments(assessment({ AssessmentActualStartDate: '2025-06-02', AssessmentAuthorisationDate: '2025-07-01' }), assessment({ AssessmentActualStartDate: '2025-06-20', AssessmentAuthorisationDate: '2025-07-10' }));
    expect(flagged(rule('8863Q'), c)).toEqual(['CHILD1']);
  });
  it('queries an assessment that started while an open one was under way', () => {
    expect(flagged(rule('8863Q'), withAssessments(open('2025-06-02'), assessment({ AssessmentActualStartDate: '2025-08-01', AssessmentAuthorisationDate: '2025-09-01' })))).toEqual(['CHILD1']);
  });
  it('accepts an assessment that started after the one before it was authorised', () => {
    const c = withAssessments(assessment({ AssessmentActualStartDate: '2025-06-02', AssessmentAuthorisationDate: '2025-07-01' }), assessment({ AssessmentActualStartDate: '2025-07-02', AssessmentAuthorisationDate: '2025-07-10' }));
    expect(flagged(rule('8863Q'), c)).toEqual([]);
  });
});

describe('8873Q: a lone assessment with "21 No factors identified" should close the case as RC8 or RC9', () => {
  const closed = (reason: string, ...assessments: ReturnType<typeof assessment>[]) =>
    census([child({ CINdetails: [cinDetails({ CINclosureDate: '2025-07-05', ReasonForClosure: reason, Assessments: assessments })] })]);
  it('queries a case closed as RC1 after its only assessment found no factors', () => {
    expect(flagged(rule('8873Q'), closed('RC1', assessment({ AssessmentFactors: ['21'] })))).toEqual(['CHILD1']);
  });
  it('accepts the same case closed as RC8', () => {
    expect(flagged(rule('8873Q'), closed('RC8', assessment({ AssessmentFactors: ['21'] })))).toEqual([]);
  });
  it('accepts a case with a second assessment', () => {
    expect(flagged(rule('8873Q'), closed('RC1', assessment({ AssessmentFactors: ['21'] }), assessment({ AssessmentActualStartDate: '2025-07-02', AssessmentAuthorisationDate: '2025-07-03' })))).toEqual([]);
  });
});

describe('8896: an episode cannot have two open assessments', () => {
  it('flags an episode with two assessments not yet authorised', () => {
    expect(flagged(rule('8896'), withAssessments(open('2025-06-02'), open('2025-06-03')))).toEqual(['CHILD1']);
  });
  it('accepts one open and one completed', () => {
    expect(flagged(rule('8896'), withAssessments(open('2025-08-02'), assessment()))).toEqual([]);
  });
});

describe('8897Q: a completed assessment should say which factors were found', () => {
  it('queries an assessment authorised in the year with no factors', () => {
    expect(flagged(rule('8897Q'), withAssessments(assessment({ AssessmentFactors: null })))).toEqual(['CHILD1']);
  });
  it('accepts one with a DfE factor code', () => {
    expect(flagged(rule('8897Q'), withAssessments(assessment({ AssessmentFactors: ['3A'] })))).toEqual([]);
  });
  it('accepts one authorised before the year began', () => {
    expect(flagged(rule('8897Q'), withAssessments(assessment({ AssessmentActualStartDate: '2025-03-01', AssessmentAuthorisationDate: '2025-03-20', AssessmentFactors: null })))).toEqual([]);
  });
  it('reports nothing at all once a completed assessment has a code that is not the DfE\'s, as the validator then fails', () => {
    const c = census([
      child({ CINdetails: [cinDetails({ Assessments: [assessment({ AssessmentFactors: null })] })] }),
      child({ identifiers: { LAchildID: 'CHILD2' }, CINdetails: [cinDetails({ Assessments: [assessment({ AssessmentFactors: ['RB'] })] })] }),
    ]);
    expect(flagged(rule('8897Q'), c)).toEqual([]);
  });
});

describe('the factor rules the validator never reports (8614, 8869, 8898, 8945Q, 8950Q)', () => {
  const cases: [string, ReturnType<typeof assessment>, ReturnType<typeof assessment>][] = [
    ['8614', assessment({ AssessmentAuthorisationDate: null, AssessmentFactors: ['3A'] }), assessment({ AssessmentFactors: ['3A'] })],
    ['8869', assessment({ AssessmentFactors: ['21', '3A'] }), assessment({ AssessmentFactors: ['21'] })],
    ['8898', assessment({ AssessmentFactors: ['3A', '3A'] }), assessment({ AssessmentFactors: ['3A', '3B'] })],
    ['8945Q', assessment({ AssessmentFactors: ['18A'] }), assessment({ AssessmentFactors: ['18B'] })],
    ['8950Q', assessment({ AssessmentFactors: ['19a'] }), assessment({ AssessmentFactors: ['19C'] })],
  ];
  it.each(cases)('%s as the DfE writes it flags the breach and not the good assessment', (code, breaking, good) => {
    expect(flagged(ruleOf(dfeFactorChecks, code), withAssessments(breaking))).toEqual(['CHILD1']);
    expect(flagged(ruleOf(dfeFactorChecks, code), withAssessments(good))).toEqual([]);
  });
  it.each(cases)('%s as registered reports nothing, agreeing with the open-source validator', (code, breaking) => {
    expect(flagged(rule(code), withAssessments(breaking))).toEqual([]);
  });
});

describe('hostile census files', () => {
  it('no assessment rule throws on any census the reader can produce', () => {
    fc.assert(fc.property(arbitraryCensus, (c) => {
      expect(() => validateCensus(c, { rules: [...assessmentsRules, ...dfeFactorChecks] })).not.toThrow();
    }), { numRuns: 300 });
  });
});
