import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.ts';
import { loadDemo } from '../../src/demo/demo.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { censusOfAgency, derivedChildId } from '../../src/statutory-returns/cin/census-from-episodes.ts';
import { readCensusXml } from '../../src/statutory-returns/cin/census-xml-read.ts';
import { checkCensusXml, writeCensusXml } from '../../src/statutory-returns/cin/census-xml-write.ts';
import { validateCensus } from '../../src/statutory-returns/cin/validation/engine.ts';
import { CENSUS_RULES } from '../../src/statutory-returns/cin/validation/rules/index.ts';
import { cinWorld } from '../cin-world.ts';
import { useTestDb } from '../db.ts';

/** Issue 20, items 2 and 3: the census from the episodes, its XML against the XSD, and the commands. */

function capture(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}
const between = (xml: string, tag: string): string[] => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]!);

describe('the census built from the episodes', () => {
  const t = useTestDb();

  it("Ava's protection plan and Leo's child in need plan carry the dates and codes a data team checks, valid against the XSD", async () => {
    const w = await cinWorld(t.db());
    const db = t.db();
    await db.query("UPDATE agency SET local_authority_code = '931' WHERE id = $1", [w.csc]);
    // Ava: the strategy discussion on 3 November 2026 started the s47 enquiry; the conference follows.
    await w.conference('2026-11-20T10:00:00Z', 'initial', [w.csc, w.school], w.planDetails([w.dsl]));
    await w.conference('2027-02-19T10:00:00Z', 'review', [w.csc, w.school], w.planDetails([w.dsl], { category: 'emotional_abuse' }));
    await w.act(w.manager, w.episode, '2027-03-05T10:00:00Z', { type: 'plan_ended', reason: 'review_decision' });
    // Leo's assessment ends in a child in need plan, its factors recorded at completion.
    await w.assessed();
    const completed = (await db.query<{ seq: number }>("SELECT seq FROM episode_action WHERE episode_id = $1 AND type = 'assessment_completed'", [w.leoEpisode.id])).rows[0]!.seq;
    await db.query('INSERT INTO assessment_census (episode_id, completed_seq, factors, internal_review_on, recorded_by, recorded_at) VALUES ($1,$2,$3,$4,$5,$6)',
      [w.leoEpisode.id, completed, ['4B', '16A'], '2026-11-27', w.worker.actor.practitionerId, '2026-11-30T10:00:00Z']);
    // The census items (census-items' pages record them; here straight into the columns).
    await db.query("UPDATE person SET ethnicity = 'WBRI', disabilities = '{NONE}', upn_unknown = 'UN1', la_child_id = 'AVA0001' WHERE id = $1", [w.ava.id]);
    await db.query("UPDATE person SET ethnicity = 'MWBC', disabilities = '{COMM,LD}', upn_unknown = 'UN1' WHERE id = $1", [w.leo.id]);
    await db.query("UPDATE episode SET referral_source = '2A', primary_need = 'N1', closure_reason = 'RC7' WHERE id = $1", [w.episode.id]);
    await db.query("UPDATE episode SET referral_source = '2A', primary_need = 'N5' WHERE id = $1", [w.leoEpisode.id]);

    // Ava's earlier plan, loaded from a previous census as history (cin import): it counts in NumberOfPreviousCPP.
    const earlier = '7e57ab1e-0000-4000-8000-000000000001';
    await db.query("INSERT INTO episode (id, agency_id, child_person_id, opened_at, stage, closed_at, imported_from) VALUES ($1,$2,$3,'2023-05-02T09:00:00Z','closed','2024-01-10T09:00:00Z','CIN_Census_2024.xml 2024-03-31')", [earlier, w.csc, w.ava.id]);
    for (const [seq, type, at, facts] of [
      [1, 'referral_received', '2023-05-02T09:00:00Z', { type: 'referral_received', channel: 'written' }],
      [2, 'conference_held', '2023-06-01T10:00:00Z', { type: 'conference_held', kind: 'initial', plan: true }],
      [3, 'plan_ended', '2024-01-10T09:00:00Z', { type: 'plan_ended', reason: 'review_decision', childInNeedPlan: false }],
    ] as const) {
      await db.query('INSERT INTO episode_action (episode_id, seq, type, occurred_at, recorded_at, recorded_by, idempotency_key, facts) VALUES ($1,$2,$3,$4,$4,$5,$6,$7)',
        [earlier, seq, type, at, w.worker.actor.practitionerId, `import-${seq}`, JSON.stringify(facts)]);
    }

    const built = await db.transaction((tx) => censusOfAgency(tx, w.csc, 2027, new Date('2027-04-10T09:00:00Z')));
    const xml = writeCensusXml(built.census, 2027);
    const schema = await checkCensusXml(xml, 2027);
    expect(schema.problems).toEqual([]);
    expect(schema.valid).toBe(true);
    expect(between(xml, 'LEA')).toEqual(['931']);
    expect(between(xml, 'ReferenceDate')).toEqual(['2027-03-31']);

    const census = readCensusXml(xml);
    const ava = census.Children.find((c) => c.ChildIdentifiers.LAchildID === 'AVA0001')!;
    expect(ava.ChildIdentifiers).toMatchObject({ PersonBirthDate: '2020-03-04', Sex: 'U', UPNunknown: 'UN1' });
    expect(ava.Ethnicity).toBe('WBRI');
    const [avaEpisode] = ava.CINdetails;
    expect(avaEpisode).toMatchObject({
      CINreferralDate: '2026-11-02', ReferralSource: '2A', PrimaryNeedCode: 'N1', ReferralNFA: '0',
      CINclosureDate: '2027-03-05', ReasonForClosure: 'RC7',
    });
    // The conference is recorded on the s47 that led to it, not twice (rule 2884).
    expect(avaEpisode!.DateOfInitialCPC).toBeNull();
    // The initial conference was due 15 working days after the strategy discussion of Tuesday 3 November.
    expect(avaEpisode!.Section47).toEqual([{ S47ActualStartDate: '2026-11-03', InitialCPCtarget: '2026-11-24', DateOfInitialCPC: '2026-11-20', ICPCnotRequired: '0' }]);
    expect(avaEpisode!.ChildProtectionPlans).toEqual([{
      CPPstartDate: '2026-11-20', CPPendDate: '2027-03-05', InitialCategoryOfAbuse: 'PHY', LatestCategoryOfAbuse: 'EMO', NumberOfPreviousCPP: '1', Reviews: ['2027-02-19'], ReviewsAsValidatorReads: ['2027-02-19'],
    }]);
    expect(avaEpisode!.Assessments).toEqual([]);

    const leo = census.Children.find((c) => c.ChildIdentifiers.LAchildID === derivedChildId(w.leo.id))!;
    expect(leo.Disabilities).toEqual(['COMM', 'LD']);
    expect(leo.CINdetails[0]).toMatchObject({ CINreferralDate: '2026-11-13', CINclosureDate: null, ReasonForClosure: null, PrimaryNeedCode: 'N5' });
    expect(leo.CINdetails[0]!.Assessments).toEqual([{
      AssessmentActualStartDate: '2026-11-13', AssessmentInternalReviewDate: '2026-11-27', AssessmentAuthorisationDate: '2026-11-30', AssessmentFactors: ['4B', '16A'],
    }]);
    expect(leo.CINdetails[0]!.CINPlanDates).toEqual([{ CINPlanStartDate: '2026-11-30', CINPlanEndDate: null }]);
    // Children of other agencies' indexes (the school's and the health visitor's entries) are not the authority's census.
    expect(census.Children).toHaveLength(2);
    expect(built.sources.children.map((c) => c.name).sort()).toEqual(['Ava Reed', 'Leo Hart']);

    // The next year: Ava's closed episode belongs to this one; Leo's plan goes on, his finished assessment does not.
    const next = await db.transaction((tx) => censusOfAgency(tx, w.csc, 2028, new Date('2028-04-10T09:00:00Z')));
    expect(next.census.Children.map((c) => c.ChildIdentifiers.LAchildID)).toEqual([derivedChildId(w.leo.id)]);
    expect(next.census.Children[0]!.CINdetails[0]).toMatchObject({ CINreferralDate: '2026-11-13', Assessments: [], CINPlanDates: [{ CINPlanStartDate: '2026-11-30', CINPlanEndDate: null }] });

    // A year before any of it: nobody.
    const before = await db.transaction((tx) => censusOfAgency(tx, w.csc, 2026, new Date('2026-04-10T09:00:00Z')));
    expect(before.census.Children).toEqual([]);
    // The imported episode is the 2023–24 census's, with its plan.
    const history = await db.transaction((tx) => censusOfAgency(tx, w.csc, 2024, new Date('2024-04-10T09:00:00Z')));
    expect(history.census.Children[0]!.CINdetails[0]!.ChildProtectionPlans).toMatchObject([{ CPPstartDate: '2023-06-01', CPPendDate: '2024-01-10', NumberOfPreviousCPP: '0' }]);
  }, 60_000);

  it("the demo authority's census, for last year and this, validates against the XSD with no errors under the DfE's rules", async () => {
    // The demo is told relative to the day it is loaded: on 6 December 2026, Maggie's unborn baby
    // (case example 8) was referred and assessed in 2025–26; Natasha (case example 7) and Helen in 2026–27.
    const s = { db: t.db(), clock: fixedClock('2026-12-06T09:00:00Z') };
    await loadDemo(s, { passwordHash: 'not-used-here' });
    const csc = (await t.db().query<{ id: string }>("SELECT id FROM agency WHERE type = 'childrens_social_care'")).rows[0]!.id;
    const queries: string[] = [];
    for (const year of [2026, 2027]) {
      const built = await t.db().transaction((tx) => censusOfAgency(tx, csc, year, s.clock.now()));
      expect(built.localAuthorityCode).toBe('931');
      expect(built.census.Children.length).toBeGreaterThan(0);
      const xml = writeCensusXml(built.census, year);
      expect((await checkCensusXml(xml, year)).problems).toEqual([]);
      const lines = validateCensus(readCensusXml(xml), { rules: CENSUS_RULES });
      expect(lines.filter((l) => l.rule_type === 'ERROR').map((l) => `${year} ${l.LAchildID} ${l.rule_code} ${l.columns_affected}=${l.value_flagged ?? ''}: ${l.rule_description}`)).toEqual([]);
      queries.push(...lines.map((l) => `${year} ${l.LAchildID ?? 'return'} ${l.rule_code}`));
    }
    // The queries that remain, each explained in docs/statutory-returns.md.
    expect([...new Set(queries)].sort()).toEqual(DEMO_QUERIES);
    const thisYear = readCensusXml(writeCensusXml((await t.db().transaction((tx) => censusOfAgency(tx, csc, 2027, s.clock.now()))).census, 2027));
    // Natasha (case example 7): referred by the sexual health clinic, on a plan for sexual abuse.
    const natasha = thisYear.Children.find((c) => c.ChildIdentifiers.LAchildID === 'NS0000701')!;
    expect(natasha.Ethnicity).toBe('WIRI');
    expect(natasha.CINdetails[0]).toMatchObject({ ReferralSource: '3D', PrimaryNeedCode: 'N1' });
    expect(natasha.CINdetails[0]!.ChildProtectionPlans[0]).toMatchObject({ InitialCategoryOfAbuse: 'SAB' });
    const lastYear = readCensusXml(writeCensusXml((await t.db().transaction((tx) => censusOfAgency(tx, csc, 2026, s.clock.now()))).census, 2026));
    // Maggie's baby before birth: probation's referral, an assessment, no further action.
    const baby = lastYear.Children.find((c) => c.ChildIdentifiers.LAchildID === 'NS0000802')!;
    expect(baby.ChildIdentifiers).toMatchObject({ PersonBirthDate: null, Sex: 'U', UPNunknown: 'UN1' });
    expect(baby.ChildIdentifiers.ExpectedPersonBirthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(baby.CINdetails[0]).toMatchObject({ ReferralSource: '7', PrimaryNeedCode: 'N1', ReasonForClosure: 'RC8', ReferralNFA: '0' });
    expect(baby.CINdetails[0]!.Assessments[0]!.AssessmentFactors).toEqual(['3B']);
  }, 240_000);
});

/**
 * Every query the demo's census raises, each explained in docs/statutory-returns.md: 2887Q and
 * 2888Q are about the return as a whole (a demo authority of two children in need uses few
 * disability codes); 2991Q is Natasha's section 47 enquiry with no assessment in the episode (case
 * example 7 went straight to a strategy discussion).
 */
const DEMO_QUERIES = ['2026 return 2887Q', '2026 return 2888Q', '2027 NS0000701 2991Q', '2027 return 2887Q', '2027 return 2888Q'];

describe('the census commands', () => {
  it('cin validate writes the report in the validator’s columns, and says when a file is not XML (exit 2, with the line)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jigsaw-cin-'));
    try {
      const io = capture();
      const file = join(dir, 'census.xml');
      writeFileSync(file, readFileSync(new URL('../reference/cin/fake_data/CIN_Census_2026.xml', import.meta.url)));
      expect(await main(['cin', 'validate', file, '--out', join(dir, 'report.csv')], io, { JIGSAW_DATA_DIR: dir })).toBe(0);
      const rows: string[][] = parse(readFileSync(join(dir, 'report.csv'), 'utf8'));
      expect(rows[0]).toEqual(['', 'ERROR_ID', 'LAchildID', 'rule_code', 'tables_affected', 'columns_affected', 'ROW_ID', 'value_flagged', 'rule_description']);
      expect(io.lines[0]).toMatch(/^2 children checked against the DfE's 2025–26 rules: \d+ errors? and \d+ quer(y|ies)/);
      // What the validator's report leaves out is said on the screen: here, the return's disability codes.
      expect(io.lines.slice(1)).toEqual([expect.stringMatching(/^About the return as a whole \(not in the report\): 2887Q query/), expect.stringMatching(/^About the return as a whole \(not in the report\): 2888Q query/)]);

      writeFileSync(join(dir, 'broken.xml'), '<Message>\n<Children>\n<Child></Children>\n</Message>\n');
      expect(await main(['cin', 'validate', join(dir, 'broken.xml'), '--out', join(dir, 'r2.csv')], io, { JIGSAW_DATA_DIR: dir })).toBe(2);
      expect(io.errors.at(-1)).toMatch(/broken\.xml \(line \d+\): This is not well-formed XML/);
      expect(await main(['cin', 'validate', join(dir, 'missing.xml'), '--out', join(dir, 'r3.csv')], io, { JIGSAW_DATA_DIR: dir })).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cin export refuses to write a census the XSD rejects, saying which element, unless --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jigsaw-cin-'));
    const env = { JIGSAW_DATA_DIR: dir };
    try {
      const io = capture();
      expect(await main(['cin', 'export', '--year', '2026', '--out', join(dir, 'c.xml')], io, env)).toBe(1);
      expect(io.errors.at(-1)).toContain('No children\'s social care agency has a local authority code');
      expect(await main(['partnership', 'add', '--name', 'Westshire Partnership', '--nation', 'england-and-wales'], io, env)).toBe(0);
      const partnershipId = /Added partnership (\S+)\./.exec(io.lines.at(-1)!)![1]!;
      expect(await main(['agency', 'add', '--name', "Westshire Children's Services", '--type', 'childrens_social_care', '--partnership', partnershipId, '--la-code', '931'], io, env)).toBe(0);
      // No child yet: the XSD wants at least one.
      expect(await main(['cin', 'export', '--year', '2026', '--out', join(dir, 'c.xml')], io, env)).toBe(1);
      expect(io.errors.join('\n')).toMatch(/Element 'Children': Missing child element\(s\)\. Expected is \( Child \)/);
      expect(io.errors.at(-1)).toContain('Nothing written');
      expect(await main(['cin', 'export', '--year', '2026', '--out', join(dir, 'c.xml'), '--force'], io, env)).toBe(0);
      expect(between(readFileSync(join(dir, 'c.xml'), 'utf8'), 'LEA')).toEqual(['931']);
      expect(await main(['cin', 'export', '--year', '26', '--out', join(dir, 'c.xml')], io, env)).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
