import { describe, expect, it } from 'vitest';
import { workingDayCalendar } from '../../calendar/working-days.ts';
import { reduce } from '../../process/engine.ts';
import { planChild, upnProblem, type EpisodePlan } from './census-import-plan.ts';
import { assessment, child, cinDetails, protectionPlan, section47 } from './validation/test-census.ts';

const TODAY = '2026-12-06';
const steps = (e: EpisodePlan | undefined): string[] => (e?.actions ?? []).map((a) => {
  const f = a.facts as Record<string, unknown>;
  const what = (f.outcome ?? f.kind ?? (f.s47 === true ? 's47' : undefined)) as string | undefined;
  return `${a.at.slice(0, 10)} ${String(f.type)}${what ? ` ${what}` : ''}${'plan' in f ? ` plan=${String(f.plan)}` : ''}${a.details.implied ? ' (implied)' : ''}`;
});

describe('what a census child becomes', () => {
  it('a referral decided no further action: the decision, and nothing after it', () => {
    const p = planChild(child({ CINdetails: [cinDetails({ CINreferralDate: '2025-06-01', ReferralNFA: 'true', CINclosureDate: '2025-06-01', ReasonForClosure: 'RC8' })] }), 0, 'f.xml', 'single_45', TODAY);
    expect(steps(p.episodes[0])).toEqual(['2025-06-01 referral_received', '2025-06-01 referral_decided no_further_action']);
    expect(p.problems).toEqual([]);
  });

  it('an enquiry the census says needed no conference ends before the next thing it records', () => {
    const p = planChild(child({ CINdetails: [cinDetails({
      CINreferralDate: '2025-06-01', CINclosureDate: '2025-09-01', ReasonForClosure: 'RC7',
      Section47: [section47({ S47ActualStartDate: '2025-06-03', DateOfInitialCPC: null, ICPCnotRequired: 'true' })],
      Assessments: [assessment({ AssessmentActualStartDate: '2025-06-20', AssessmentAuthorisationDate: '2025-07-30' })],
    })] }), 0, 'f.xml', 'single_45', TODAY);
    expect(steps(p.episodes[0])).toEqual([
      '2025-06-01 referral_received', '2025-06-01 referral_decided strategy_discussion', '2025-06-03 strategy_discussion_held s47',
      '2025-06-20 s47_concluded not_substantiated (implied)', '2025-06-20 assessment_started single', '2025-07-30 assessment_completed no_further_action',
    ]);
  });

  it('a plan still open whose enquiry was in an earlier census: the enquiry is implied, and said to be; only the next review is due', () => {
    const p = planChild(child({ CINdetails: [cinDetails({
      CINreferralDate: '2025-01-10', ChildProtectionPlans: [protectionPlan({ CPPstartDate: '2025-06-20', Reviews: ['2025-09-10'], InitialCategoryOfAbuse: 'EMO', LatestCategoryOfAbuse: 'MUL' })],
    })] }), 0, 'f.xml', 'initial_7_core_35', TODAY);
    expect(steps(p.episodes[0])).toEqual([
      '2025-01-10 referral_received', '2025-01-10 referral_acknowledged (implied)', '2025-01-10 referral_decided strategy_discussion',
      '2025-06-20 strategy_discussion_held s47 (implied)', '2025-06-20 strategy_record_circulated (implied)', '2025-06-20 s47_concluded continuing_risk (implied)',
      '2025-06-20 conference_held initial plan=true', '2025-06-20 core_group_met (implied)', '2025-09-10 conference_held review plan=true',
    ]);
    // Carried on in Jigsaw: what is due is the next review (six months after the last), not steps the census never recorded.
    const state = reduce(p.episodes[0]!.actions.map((a, i) => ({ seq: i + 1, at: a.at, facts: a.facts })), { calendar: workingDayCalendar(), nation: 'england-and-wales', model: 'initial_7_core_35' });
    expect(state.steps.map((x) => [x.key, x.due])).toEqual([['review_conference', '2026-03-10']]);
    expect(p.episodes[0]!.actions.filter((a) => a.facts.type === 'conference_held').map((a) => a.details.planDetails)).toEqual([{ category: 'emotional_abuse' }, { category: 'multiple' }]);
    expect(p.episodes[0]!.plans).toBe(1);
  });

  it('an unborn child, a UPN with its check letter, and codes not in the lists reported, not stored', () => {
    const p = planChild(child({
      identifiers: { PersonBirthDate: null, ExpectedPersonBirthDate: '2027-02-01', UPN: 'H801200001001', FormerUPN: 'A801200001001', Sex: 'X' },
      Ethnicity: 'ZZZZ', Disabilities: ['HAND', 'WINGS'], CINdetails: [cinDetails({ PrimaryNeedCode: 'N11', CINreferralDate: '2026-11-01' })],
    }), 0, 'f.xml', 'single_45', TODAY);
    expect(p.person).toMatchObject({ kind: 'unborn', expectedDateOfDelivery: '2027-02-01', dateOfBirth: null, upn: 'H801200001001', formerUpn: null, sex: 'unknown', ethnicity: null, disabilities: ['HAND'] });
    expect(p.episodes[0]).toMatchObject({ primaryNeed: null, referralSource: '2A' });
    expect(p.problems.map((x) => `${x.element}: ${x.why}`)).toEqual([
      "Sex: is not a code in the DfE's list: recorded as not known",
      "Disability: is not a code in the DfE's list: not stored",
      "Ethnicity: is not a code in the DfE's list: not stored",
      'FormerUPN: has the wrong check letter: not stored',
      "PrimaryNeedCode: is not a code in the DfE's list: not stored",
    ]);
  });

  it('an episode without a referral date, dates that are not dates, and a plan without a start are reported', () => {
    const p = planChild(child({ CINdetails: [
      cinDetails({ CINreferralDate: null }),
      cinDetails({ CINreferralDate: '2025-06-01', CINclosureDate: '01/09/2025', ChildProtectionPlans: [protectionPlan({ CPPstartDate: null })] }),
    ] }), 0, 'f.xml', 'single_45', TODAY);
    expect(p.episodes).toHaveLength(1);
    expect(p.problems.map((x) => `${x.element}: ${x.why}`)).toEqual([
      'CINdetails 1 CINreferralDate: is missing: the episode is not loaded',
      'CINdetails 2 CINclosureDate: is not a date (YYYY-MM-DD): not loaded',
      'CINdetails 2 ChildProtectionPlans 1 CPPstartDate: is missing: a plan without a start is not loaded',
    ]);
  });

  it('checks the UPN as the DfE does', () => {
    expect(upnProblem('H801200001001')).toBeUndefined();
    expect(upnProblem('A123456789123')).toBe('has the wrong check letter');
    expect(upnProblem('H80120000100')).toMatch(/is not a UPN/);
  });
});
