import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateCensus } from '../engine.ts';
import { census, child, cinDetails, flagged, ruleOf, section47 } from '../test-census.ts';
import { censusArb as arbitraryCensus } from './fuzz-census.ts';
import { section47Rules } from './section-47.ts';

const rule = (code: string) => ruleOf(section47Rules, code);
/** One child (CHILD1) with one episode referred on 1 June 2025 holding these enquiries (and its own conference date, if given). */
const withEnquiries = (enquiries: ReturnType<typeof section47>[], episodeConference: string | null = null) =>
  census([child({ CINdetails: [cinDetails({ DateOfInitialCPC: episodeConference, Section47: enquiries })] })]);
/** An enquiry with no conference yet; whether one is needed as the census writes it ("0" needed, "1" not). */
const awaiting = (start: string, notRequired = '0') => section47({ S47ActualStartDate: start, InitialCPCtarget: null, DateOfInitialCPC: null, ICPCnotRequired: notRequired });

describe('1104: the initial conference cannot be before the referral', () => {
  it('flags a conference the day before the referral', () => {
    expect(flagged(rule('1104'), withEnquiries([section47({ S47ActualStartDate: '2025-05-30', DateOfInitialCPC: '2025-05-31' })]))).toEqual(['CHILD1']);
  });
  it('accepts a conference on the day of the referral', () => {
    expect(flagged(rule('1104'), withEnquiries([section47({ S47ActualStartDate: '2025-06-01', DateOfInitialCPC: '2025-06-01' })]))).toEqual([]);
  });
});

describe('2884: the initial conference is recorded at one level only', () => {
  it('flags a conference date given on both the enquiry and the episode', () => {
    expect(flagged(rule('2884'), withEnquiries([section47()], '2025-06-20'))).toEqual(['CHILD1']);
  });
  it('flags it when the same date is on another of the child\'s episodes, as the validator does', () => {
    const c = census([child({ CINdetails: [cinDetails({ Section47: [section47()] }), cinDetails({ CINreferralDate: '2025-06-10', DateOfInitialCPC: '2025-06-20' })] })]);
    expect(flagged(rule('2884'), c)).toEqual(['CHILD1']);
  });
  it('accepts a conference recorded on the enquiry only', () => {
    expect(flagged(rule('2884'), withEnquiries([section47()]))).toEqual([]);
  });
});

describe('2889: an enquiry cannot start before the referral', () => {
  it('flags an enquiry started the day before the referral', () => {
    expect(flagged(rule('2889'), withEnquiries([section47({ S47ActualStartDate: '2025-05-31' })]))).toEqual(['CHILD1']);
  });
  it('accepts one started on the day of the referral', () => {
    expect(flagged(rule('2889'), withEnquiries([section47({ S47ActualStartDate: '2025-06-01' })]))).toEqual([]);
  });
});

describe('8615: an enquiry with a conference must have started on or before it', () => {
  it('flags an enquiry that started the day after its conference', () => {
    expect(flagged(rule('8615'), withEnquiries([section47({ S47ActualStartDate: '2025-06-21', DateOfInitialCPC: '2025-06-20' })]))).toEqual(['CHILD1']);
  });
  it('flags a conference whose enquiry has no start date', () => {
    expect(flagged(rule('8615'), withEnquiries([section47({ S47ActualStartDate: null })]))).toEqual(['CHILD1']);
  });
  it('accepts a conference on the day the enquiry started', () => {
    expect(flagged(rule('8615'), withEnquiries([section47({ S47ActualStartDate: '2025-06-20', DateOfInitialCPC: '2025-06-20' })]))).toEqual([]);
  });
});

describe('8675Q: an enquiry started more than 15 working days before the reference date with no conference is queried', () => {
  it('queries one started on 10 March 2026, 16 working days before 31 March counting both days', () => {
    expect(flagged(rule('8675Q'), withEnquiries([awaiting('2026-03-10')]))).toEqual(['CHILD1']);
  });
  it('accepts one started on 11 March 2026, exactly 15 working days before', () => {
    expect(flagged(rule('8675Q'), withEnquiries([awaiting('2026-03-11')]))).toEqual([]);
  });
  it('accepts one where no conference is needed', () => {
    expect(flagged(rule('8675Q'), withEnquiries([awaiting('2025-06-03', '1')]))).toEqual([]);
  });
});

describe('8715: the initial conference must be within the census year', () => {
  it('flags a conference on 30 March 2025, the day before the year began', () => {
    expect(flagged(rule('8715'), withEnquiries([section47({ S47ActualStartDate: '2025-03-20', DateOfInitialCPC: '2025-03-30' })]))).toEqual(['CHILD1']);
  });
  it('accepts conferences on the first and last days of the year', () => {
    expect(flagged(rule('8715'), withEnquiries([section47({ DateOfInitialCPC: '2025-04-01' }), section47({ DateOfInitialCPC: '2026-03-31' })]))).toEqual([]);
  });
});

describe('8740: an enquiry still awaiting its conference must have started within the census year', () => {
  it('flags one started on 30 March 2025, the day before the year began', () => {
    expect(flagged(rule('8740'), withEnquiries([awaiting('2025-03-30')]))).toEqual(['CHILD1']);
  });
  it('accepts one started on 1 April 2025', () => {
    expect(flagged(rule('8740'), withEnquiries([awaiting('2025-04-01')]))).toEqual([]);
  });
  it('accepts one whose ICPCnotRequired says "false", which the validator does not read as 0', () => {
    expect(flagged(rule('8740'), withEnquiries([awaiting('2025-03-31', 'false')]))).toEqual([]);
  });
});

describe('8839: an episode cannot have two enquiries awaiting a conference', () => {
  it('flags an episode with two enquiries awaiting a conference', () => {
    expect(flagged(rule('8839'), withEnquiries([awaiting('2025-06-03'), awaiting('2025-07-03')]))).toEqual(['CHILD1']);
  });
  it('accepts one awaiting and one that needs no conference', () => {
    expect(flagged(rule('8839'), withEnquiries([awaiting('2025-06-03'), awaiting('2025-07-03', '1')]))).toEqual([]);
  });
});

describe('8870Q: the conference target date should not be a weekend', () => {
  it('queries a target on Saturday 28 June 2025 written day-month-year', () => {
    expect(flagged(rule('8870Q'), withEnquiries([section47({ InitialCPCtarget: '28-06-2025' })]))).toEqual(['CHILD1']);
  });
  it('accepts a target on Friday 27 June 2025', () => {
    expect(flagged(rule('8870Q'), withEnquiries([section47({ InitialCPCtarget: '27-06-2025' })]))).toEqual([]);
  });
  it('does not read a target written as the XSD writes dates, as the validator does not', () => {
    expect(flagged(rule('8870Q'), withEnquiries([section47({ InitialCPCtarget: '2025-06-28' })]))).toEqual([]);
  });
});

describe('8875: the initial conference cannot be on a weekend', () => {
  it('flags a conference on Saturday 21 June 2025', () => {
    expect(flagged(rule('8875'), withEnquiries([section47({ DateOfInitialCPC: '2025-06-21' })]))).toEqual(['CHILD1']);
  });
  it('accepts one on Friday 20 June 2025', () => {
    expect(flagged(rule('8875'), withEnquiries([section47({ DateOfInitialCPC: '2025-06-20' })]))).toEqual([]);
  });
});

describe('hostile census files', () => {
  it('no section 47 rule throws on any census the reader can produce', () => {
    fc.assert(fc.property(arbitraryCensus, (c) => {
      expect(() => validateCensus(c, { rules: section47Rules })).not.toThrow();
    }), { numRuns: 300 });
  });
});
