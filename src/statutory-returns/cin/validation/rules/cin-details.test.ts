import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CinDetails } from '../../census.ts';
import { validateCensus } from '../engine.ts';
import { assessment, census, child, cinDetails, cinPlan, flagged, linesOf, protectionPlan, ruleOf, section47 } from '../test-census.ts';
import { cinDetailsRules } from './cin-details.ts';
import { censusArb } from './fuzz-census.ts';

/** What the data team sees: the children a rule flags in a small census (2025–26 unless a test says otherwise). */
const rule = (code: string) => ruleOf(cinDetailsRules, code);
const one = (id: string, episodes: CinDetails[], more: Parameters<typeof child>[0] = {}) => child({ ...more, identifiers: { LAchildID: id, ...more.identifiers }, CINdetails: episodes });
const closed = (d: Partial<CinDetails> = {}): CinDetails => cinDetails({ CINclosureDate: '2025-09-01', ReasonForClosure: 'RC1', Assessments: [assessment()], ...d });

describe('CIN details rules', () => {
  it('a tidy census breaks none of them', () => {
    const c = census([child(), one('CLOSED', [closed()])]);
    expect(validateCensus(c, { rules: cinDetailsRules })).toEqual([]);
  });

  it('2990: activity on a case closed after assessment (RC8/RC9) is flagged, an assessment alone is not', () => {
    const c = census([
      one('PLAN', [closed({ ReasonForClosure: 'RC8', CINPlanDates: [cinPlan()] })]),
      one('CPC', [closed({ ReasonForClosure: 'RC9', DateOfInitialCPC: '2025-06-20' })]),
      one('FINE', [closed({ ReasonForClosure: 'RC8' })]),
    ]);
    expect(flagged(rule('2990'), c)).toEqual(['CPC', 'PLAN']);
  });

  it('2991Q: a section 47 enquiry on an episode with no assessment is queried', () => {
    const c = census([one('NOASS', [cinDetails({ Section47: [section47()] })]), one('ASS', [cinDetails({ Section47: [section47()], Assessments: [assessment()] })])]);
    expect(flagged(rule('2991Q'), c)).toEqual(['NOASS']);
  });

  it('8555Q: a referral after the date of death is queried, one on the day is not', () => {
    const c = census([
      one('AFTER', [cinDetails()], { identifiers: { PersonDeathDate: '2025-05-31' } }),
      one('SAME', [cinDetails()], { identifiers: { PersonDeathDate: '2025-06-01' } }),
    ]);
    expect(flagged(rule('8555Q'), c)).toEqual(['AFTER']);
  });

  it('8568: a missing or unknown "no further action" flag is flagged; TRUE in capitals is accepted', () => {
    const c = census([one('MISSING', [cinDetails({ ReferralNFA: null })]), one('YES', [cinDetails({ ReferralNFA: 'yes' })]), one('CAPS', [cinDetails({ ReferralNFA: 'TRUE' })])]);
    expect(flagged(rule('8568'), c)).toEqual(['MISSING', 'YES']);
  });

  describe('8569Q: an NFA referral from before the collection year (the validator counts the start day as working day 1)', () => {
    it('a referral on 30 March 2025, the day before the year starts (on 31 March), is queried; one on 31 March 2025 is not', () => {
      const c = census([
        one('BEFORE', [cinDetails({ CINreferralDate: '2025-03-30', ReferralNFA: '1' })]),
        one('FIRSTDAY', [cinDetails({ CINreferralDate: '2025-03-31', ReferralNFA: '1' })]),
        one('NOTNFA', [cinDetails({ CINreferralDate: '2024-06-01', ReferralNFA: 'false' })]),
        one('BLANK', [cinDetails({ CINreferralDate: '2024-06-01', ReferralNFA: null })]),
      ]);
      expect(flagged(rule('8569Q'), c)).toEqual(['BEFORE', 'BLANK']);
    });

    it('when the year starts on a day off (Easter Sunday 31 March 2024, then Easter Monday) the limit moves to the next working day', () => {
      const c = census([
        one('HOLIDAY', [cinDetails({ CINreferralDate: '2024-04-01', ReferralNFA: '1' })]),
        one('NEXTDAY', [cinDetails({ CINreferralDate: '2024-04-02', ReferralNFA: '1' })]),
      ], { ReferenceDate: '2025-03-31' });
      expect(flagged(rule('8569Q'), c)).toEqual(['HOLIDAY']);
    });
  });

  it('8585Q: an episode closed because the child died, with no date of death, is queried', () => {
    const c = census([
      one('NODATE', [closed({ ReasonForClosure: 'RC2' })]),
      one('DATED', [closed({ ReasonForClosure: 'RC2' })], { identifiers: { PersonDeathDate: '2025-09-01' } }),
    ]);
    expect(flagged(rule('8585Q'), c)).toEqual(['NODATE']);
  });

  it('8600: a referral after the reference date, or none at all, is flagged; one on the reference date is not', () => {
    const c = census([
      one('LATE', [cinDetails({ CINreferralDate: '2026-04-01' })]),
      one('NONE', [cinDetails({ CINreferralDate: null })]),
      one('JUNK', [cinDetails({ CINreferralDate: '2025-02-30' })]),
      one('LASTDAY', [cinDetails({ CINreferralDate: '2026-03-31' })]),
    ]);
    expect(flagged(rule('8600'), c)).toEqual(['JUNK', 'LATE', 'NONE']);
  });

  it('8606: a referral more than 280 days before birth is flagged; exactly 280 days is not', () => {
    const c = census([
      one('EARLY', [cinDetails({ CINreferralDate: '2025-06-01' })], { identifiers: { PersonBirthDate: '2026-03-09' } }),
      one('EXPECTED', [cinDetails({ CINreferralDate: '2025-06-01' })], { identifiers: { PersonBirthDate: null, ExpectedPersonBirthDate: '2026-03-20' } }),
      one('LIMIT', [cinDetails({ CINreferralDate: '2025-06-01' })], { identifiers: { PersonBirthDate: '2026-03-08' } }),
    ]);
    expect(flagged(rule('8606'), c)).toEqual(['EARLY', 'EXPECTED']);
  });

  it('8610: a referral that led to further action needs a primary need', () => {
    const c = census([one('NONEED', [cinDetails({ PrimaryNeedCode: null })]), one('NFA', [cinDetails({ PrimaryNeedCode: null, ReferralNFA: '1' })])]);
    expect(flagged(rule('8610'), c)).toEqual(['NONEED']);
  });

  it('8620: a closure date outside the collection year is flagged; its first and last days are inside', () => {
    const c = census([
      one('BEFORE', [closed({ CINreferralDate: '2025-01-01', CINclosureDate: '2025-03-30' })]),
      one('AFTER', [closed({ CINclosureDate: '2026-04-01' })]),
      // The validator's year opens on the previous 31 March (see engine.ts).
      one('FIRST', [closed({ CINreferralDate: '2025-01-01', CINclosureDate: '2025-03-31' })]),
      one('LAST', [closed({ CINclosureDate: '2026-03-31' })]),
    ]);
    expect(flagged(rule('8620'), c)).toEqual(['AFTER', 'BEFORE']);
  });

  it('8620: with no usable reference date, every closure date is flagged (as the validator does)', () => {
    expect(flagged(rule('8620'), census([one('CLOSED', [closed()]), child()], { ReferenceDate: 'yesterday' }))).toEqual(['CLOSED']);
  });

  it('8630: a closure before the referral is flagged', () => {
    const c = census([one('BACKWARDS', [closed({ CINclosureDate: '2025-05-31' })]), one('SAMEDAY', [closed({ CINclosureDate: '2025-06-01' })])]);
    expect(flagged(rule('8630'), c)).toEqual(['BACKWARDS']);
  });

  it('8640 and 8650: a reason for closure or primary need that is not a DfE code is flagged', () => {
    const c = census([one('BADREASON', [closed({ ReasonForClosure: 'RC10' })]), one('BADNEED', [cinDetails({ PrimaryNeedCode: 'N10' })]), one('OK', [closed({ ReasonForClosure: 'RC9' })])]);
    expect(flagged(rule('8640'), c)).toEqual(['BADREASON']);
    expect(flagged(rule('8650'), c)).toEqual(['BADNEED']);
  });

  it('8805 and 8810: a closure date needs a reason, and a reason needs a closure date', () => {
    const c = census([one('NOREASON', [closed({ ReasonForClosure: null })]), one('NODATE', [cinDetails({ ReasonForClosure: 'RC1' })])]);
    expect(flagged(rule('8805'), c)).toEqual(['NOREASON']);
    expect(flagged(rule('8810'), c)).toEqual(['NODATE']);
  });

  it('8815: two open episodes that are not NFA are flagged; an open NFA beside an open one is not', () => {
    const c = census([
      one('TWO', [cinDetails({ CINreferralDate: '2025-05-01' }), cinDetails()]),
      one('NFA', [cinDetails({ CINreferralDate: '2025-05-01', ReferralNFA: '1' }), cinDetails()]),
    ]);
    expect(flagged(rule('8815'), c)).toEqual(['TWO']);
    expect(linesOf(rule('8815'), c).map((l) => l.ROW_ID)).toEqual([0, 1]);
  });

  it('8816: an open episode that is not the latest referral is flagged, with the latest', () => {
    const c = census([
      one('OLDOPEN', [cinDetails({ CINreferralDate: '2025-05-01' }), closed({ CINreferralDate: '2025-06-01', CINclosureDate: '2025-06-02' })]),
      one('LATESTOPEN', [closed({ CINreferralDate: '2025-04-02', CINclosureDate: '2025-05-01' }), cinDetails()]),
    ]);
    expect(flagged(rule('8816'), c)).toEqual(['OLDOPEN']);
    expect(linesOf(rule('8816'), c).map((l) => l.ROW_ID)).toEqual([0, 1]);
  });

  it('8820: an episode referred while another is open is flagged; one referred on the day the other closed is not', () => {
    const c = census([
      one('OVERLAP', [closed({ CINreferralDate: '2025-05-01', CINclosureDate: '2025-07-01' }), cinDetails()]),
      one('BACKTOBACK', [closed({ CINreferralDate: '2025-05-01', CINclosureDate: '2025-06-01' }), cinDetails()]),
    ]);
    expect(flagged(rule('8820'), c)).toEqual(['OVERLAP']);
  });

  it('8825Q: closed after assessment (RC8/RC9) with no assessment is queried', () => {
    const c = census([one('NOASS', [closed({ ReasonForClosure: 'RC9', Assessments: [] })]), one('ASS', [closed({ ReasonForClosure: 'RC8' })])]);
    expect(flagged(rule('8825Q'), c)).toEqual(['NOASS']);
  });

  it('8831: an assessment, enquiry or conference on a referral with no further action is flagged', () => {
    const nfa = (d: Partial<CinDetails>) => cinDetails({ ReferralNFA: '1', PrimaryNeedCode: null, ...d });
    const c = census([
      one('ASSESSED', [nfa({ Assessments: [assessment()] })]),
      one('ENQUIRY', [nfa({ Section47: [section47({ DateOfInitialCPC: null })] })]),
      one('CPC', [nfa({ DateOfInitialCPC: '2025-06-20' })]),
      one('NOTHING', [nfa({})]),
    ]);
    expect(flagged(rule('8831'), c)).toEqual(['ASSESSED', 'CPC', 'ENQUIRY']);
  });

  it('8866: from April 2013 the referral source must be a DfE code; earlier referrals are not checked', () => {
    const c = census([
      one('BAD', [cinDetails({ ReferralSource: '2C' })]),
      one('MISSING', [cinDetails({ ReferralSource: null })]),
      one('OLD', [cinDetails({ CINreferralDate: '2013-03-31', ReferralSource: null })]),
      one('TEN', [cinDetails({ ReferralSource: '10' })]),
    ]);
    expect(flagged(rule('8866'), c)).toEqual(['BAD', 'MISSING']);
  });

  it('8867: a closed episode with an assessment not authorised is flagged; one with no assessment is not', () => {
    const c = census([one('OPENASS', [closed({ Assessments: [assessment({ AssessmentAuthorisationDate: null })] })]), one('NOASS', [closed({ Assessments: [] })])]);
    expect(flagged(rule('8867'), c)).toEqual(['OPENASS']);
  });

  it('8868: a closed episode whose enquiry has neither a conference nor "not required" (or both) is flagged', () => {
    const c = census([
      one('NEITHER', [closed({ Section47: [section47({ DateOfInitialCPC: null, ICPCnotRequired: 'false' })] })]),
      one('BOTH', [closed({ Section47: [section47({ ICPCnotRequired: 'true' })] })]),
      one('NOTREQ', [closed({ Section47: [section47({ DateOfInitialCPC: null, ICPCnotRequired: '1' })] })]),
      one('CPC', [closed({ Section47: [section47()] })]),
    ]);
    expect(flagged(rule('8868'), c)).toEqual(['BOTH', 'NEITHER']);
  });

  it('8890: an enquiry starting while another in the episode is ongoing is flagged; in another episode it is not', () => {
    const c = census([
      one('OVERLAP', [cinDetails({ Section47: [section47(), section47({ S47ActualStartDate: '2025-06-10' })] })]),
      one('AFTERCPC', [cinDetails({ Section47: [section47(), section47({ S47ActualStartDate: '2025-06-21' })] })]),
      one('OTHEREP', [closed({ CINreferralDate: '2025-05-01', CINclosureDate: '2025-06-01', Section47: [section47({ S47ActualStartDate: '2025-05-02', DateOfInitialCPC: null, ICPCnotRequired: '0' })] }),
        cinDetails({ Section47: [section47()] })]),
    ]);
    expect(flagged(rule('8890'), c)).toEqual(['OVERLAP']);
  });

  it('protection plans and the other parts never trip these rules by themselves', () => {
    expect(validateCensus(census([one('CPP', [cinDetails({ Assessments: [assessment()], Section47: [section47()], ChildProtectionPlans: [protectionPlan()] })])]), { rules: cinDetailsRules })).toEqual([]);
  });

  it('never throws on any census the reader can produce', () => {
    fc.assert(fc.property(censusArb, (c) => {
      validateCensus(c, { rules: cinDetailsRules });
    }), { numRuns: 300 });
  });
});
