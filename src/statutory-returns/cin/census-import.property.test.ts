import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../../test/db.ts';
import { agency, partnershipWith, practitioner, services } from '../../../test/fixtures.ts';
import { workingDayCalendar } from '../../calendar/working-days.ts';
import type { Database } from '../../db/database.ts';
import { reduce, type AssessmentModel } from '../../process/engine.ts';
import { fixedClock } from '../../shared/clock.ts';
import type { Census, CensusChild, CinDetails } from './census.ts';
import { planChild } from './census-import-plan.ts';
import { importCensus } from './census-import.ts';

/**
 * Hostile censuses: dates that are not dates, in the future, out of order; codes not in the DfE's
 * lists; plans without starts; elements repeated or missing. Whatever the file says, the import
 * reports what it cannot load and never throws, and a child is loaded whole or not at all.
 */

const TODAY = '2026-12-06';
const day = fc.integer({ min: Date.UTC(2021, 0, 1), max: Date.UTC(2027, 5, 30) }).map((t) => new Date(t).toISOString().slice(0, 10));
const junk = fc.oneof(fc.constant(''), fc.constant('2023-02-30'), fc.constant('31/03/2024'), fc.string({ maxLength: 12 }));
const date = fc.oneof({ weight: 6, arbitrary: day }, { weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: junk });
const codeOr = (codes: string[]) => fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...codes) }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: junk });
const flag = codeOr(['true', 'false', '0', '1']);

const details: fc.Arbitrary<CinDetails> = fc.record({
  CINreferralDate: date, ReferralSource: codeOr(['1A', '2A', '5C', '10']), PrimaryNeedCode: codeOr(['N1', 'N4', 'N9']),
  CINclosureDate: date, ReasonForClosure: codeOr(['RC1', 'RC2', 'RC5', 'RC8']), DateOfInitialCPC: date, ReferralNFA: flag,
  Assessments: fc.array(fc.record({
    AssessmentActualStartDate: date, AssessmentInternalReviewDate: date, AssessmentAuthorisationDate: date,
    AssessmentFactors: fc.oneof(fc.constant(null), fc.array(codeOr(['1A', '2B', '3C', '21']).map((x) => x ?? 'XX'), { minLength: 1, maxLength: 4 })),
  }), { maxLength: 3 }),
  CINPlanDates: fc.array(fc.record({ CINPlanStartDate: date, CINPlanEndDate: date }), { maxLength: 2 }),
  Section47: fc.array(fc.record({ S47ActualStartDate: date, InitialCPCtarget: date, DateOfInitialCPC: date, ICPCnotRequired: flag }), { maxLength: 2 }),
  ChildProtectionPlans: fc.array(fc.record({
    CPPstartDate: date, CPPendDate: date, InitialCategoryOfAbuse: codeOr(['NEG', 'PHY', 'EMO', 'SAB', 'MUL']), LatestCategoryOfAbuse: codeOr(['NEG', 'MUL']),
    NumberOfPreviousCPP: fc.constantFrom(null, '0', '2'), Reviews: fc.array(date, { maxLength: 3 }),
  }), { maxLength: 2 }),
});

const child = (ids: fc.Arbitrary<string | null>): fc.Arbitrary<CensusChild> => fc.record({
  ChildIdentifiers: fc.record({
    LAchildID: ids, UPN: fc.constantFrom(null, 'A123456789123', 'junk', 'H801200001001'), FormerUPN: fc.constantFrom(null, 'X98765432123B'),
    UPNunknown: codeOr(['UN1', 'UN7']), PersonBirthDate: date, ExpectedPersonBirthDate: date, GenderCurrent: fc.constantFrom(null, '1', '7'),
    Sex: codeOr(['M', 'F', 'U']), PersonDeathDate: date,
  }),
  Ethnicity: codeOr(['WBRI', 'MWBA', 'REFU']),
  Disabilities: fc.oneof(fc.constant(null), fc.array(codeOr(['NONE', 'HAND', 'HEAR']).map((x) => x ?? 'ZZZZ'), { minLength: 1, maxLength: 3 })),
  CINdetails: fc.array(details, { maxLength: 3 }),
});

describe('planning a hostile census child', () => {
  const calendar = workingDayCalendar();
  it('never throws, and what it plans is in date order, within the episode, and replays through the process engine', () => {
    fc.assert(fc.property(child(fc.constantFrom('A1', null, 'bad id!')), fc.constantFrom<AssessmentModel>('single_45', 'initial_7_core_35'), (c, model) => {
      const plan = planChild(c, 0, 'hostile.xml', model, TODAY);
      for (const e of plan.episodes) {
        const ats = e.actions.map((a) => a.at);
        expect([...ats].sort()).toEqual(ats);
        expect(ats.every((at) => at.slice(0, 10) >= e.referralDate && at.slice(0, 10) <= TODAY && (!e.closureDate || at.slice(0, 10) <= e.closureDate))).toBe(true);
        reduce(e.actions.map((a, i) => ({ seq: i + 1, at: a.at, facts: a.facts })), { calendar, nation: 'england-and-wales', model });
      }
      expect(plan.problems.every((p) => p.child && p.element && p.why)).toBe(true);
    }), { numRuns: 400 });
  });
});

describe('importing hostile censuses', () => {
  const t = useTestDb();

  async function authority(db: Database) {
    const s = services(db, fixedClock(`${TODAY}T10:00:00Z`));
    const csc = await agency(s, await partnershipWith(s), 'childrens_social_care');
    const officer = await practitioner(s, csc, ['data_officer']);
    return { s, csc, officer };
  }
  const held = async (db: Database, agencyId: string) => (await db.query<{ la_child_id: string; episodes: number; actions: number }>(
    `SELECT p.la_child_id, (SELECT count(*)::int FROM episode e WHERE e.child_person_id = p.id) AS episodes,
            (SELECT count(*)::int FROM episode_action a JOIN episode e ON e.id = a.episode_id WHERE e.child_person_id = p.id) AS actions
       FROM person p WHERE p.agency_id = $1 ORDER BY p.la_child_id`, [agencyId])).rows;

  it('never throws, loads each child whole, and a second import adds nothing', async () => {
    await fc.assert(fc.asyncProperty(fc.array(child(fc.constantFrom('C1', 'C2', 'C3', null, 'not_valid_id')), { minLength: 1, maxLength: 4 }), async (children) => {
      const db = t.db();
      const { s, csc, officer } = await authority(db);
      const census: Census = { Header: { Collection: 'CIN', Year: '2026', ReferenceDate: '2026-03-31', SourceLevel: 'L', LEA: '931', SoftwareCode: null, Release: null, SerialNo: null, DateTime: null }, Children: children };
      const input = { agencyId: csc, practitionerId: officer.actor.practitionerId, census, source: 'hostile.xml' };
      const r = await importCensus(s, input);
      expect(r.problems.some((p) => p.element === 'Child')).toBe(false);
      const before = (await held(db, csc)).filter((x) => x.la_child_id !== null);
      const again = await importCensus(s, input);
      expect(again.episodes).toBe(0);
      expect((await held(db, csc)).filter((x) => x.la_child_id !== null)).toEqual(before);
    }), { numRuns: 15 });
  });

  it('a child that fails part-way leaves nothing of itself, and the others still load', async () => {
    const db = t.db();
    const { s, csc, officer } = await authority(db);
    // The second child's assessment factors cannot be stored (as if the database refused them).
    const failing: Database = {
      ...db, kind: db.kind, close: () => db.close(), query: db.query.bind(db),
      transaction: (fn) => db.transaction((tx) => fn({
        query: (sql: string, params?: unknown[]) => (sql.includes('assessment_census') && Array.isArray(params) && JSON.stringify(params).includes('"21"')
          ? Promise.reject(new Error('refused')) : tx.query(sql, params)),
      } as typeof tx)),
    };
    const episode = (factors: string[]) => ({
      CINreferralDate: '2025-05-01', ReferralSource: '2A', PrimaryNeedCode: 'N1', CINclosureDate: '2025-07-01', ReasonForClosure: 'RC8', DateOfInitialCPC: null, ReferralNFA: '0',
      Assessments: [{ AssessmentActualStartDate: '2025-05-02', AssessmentInternalReviewDate: null, AssessmentAuthorisationDate: '2025-06-20', AssessmentFactors: factors }],
      CINPlanDates: [], Section47: [], ChildProtectionPlans: [],
    });
    const kid = (id: string, factors: string[]): CensusChild => ({
      ChildIdentifiers: { LAchildID: id, UPN: null, FormerUPN: null, UPNunknown: 'UN1', PersonBirthDate: '2018-01-01', ExpectedPersonBirthDate: null, GenderCurrent: null, Sex: 'F', PersonDeathDate: null },
      Ethnicity: 'WBRI', Disabilities: ['NONE'], CINdetails: [episode(factors)],
    });
    const census: Census = { Header: { Collection: 'CIN', Year: '2025', ReferenceDate: '2025-03-31', SourceLevel: 'L', LEA: '931', SoftwareCode: null, Release: null, SerialNo: null, DateTime: null }, Children: [kid('OK1', ['2A']), kid('BAD', ['21']), kid('OK2', ['3A'])] };
    const r = await importCensus({ ...s, db: failing }, { agencyId: csc, practitionerId: officer.actor.practitionerId, census, source: 'x.xml' });
    expect(r).toMatchObject({ children: 2, episodes: 2, problems: [{ child: 'BAD', element: 'Child', why: 'could not be stored, so nothing of this child was loaded' }] });
    expect((await held(db, csc)).map((x) => x.la_child_id)).toEqual(['OK1', 'OK2']);
    expect(Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM episode')).rows[0]!.n)).toBe(2);
  });
});
