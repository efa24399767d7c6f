import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../../test/db.ts';
import { agency, partnershipWith, practitioner, services } from '../../../test/fixtures.ts';
import { referencePath } from '../../../test/reference.ts';
import type { Database } from '../../db/database.ts';
import { openEpisode, recordEpisodeAction } from '../../process/episodes.ts';
import { episodePreviousHistory } from '../../process/previous-history.ts';
import { RecordAction } from '../../process/schemas.ts';
import { timescaleReport } from '../../process/timescales.ts';
import { searchPeople } from '../../people/people.ts';
import { fixedClock } from '../../shared/clock.ts';
import { readCensusXml } from './census-xml-read.ts';
import { CensusImportRefused, importCensus } from './census-import.ts';
import { census as censusOf, child, cinDetails } from './validation/test-census.ts';
import type { Census, CinDetails } from './census.ts';

/** A child known to the authority as LAchildID `id`, with one episode per CINdetails given. */
const childOf = (id: string, ...episodes: Partial<CinDetails>[]) => child({ identifiers: { LAchildID: id }, CINdetails: episodes.map((e) => cinDetails({ CINclosureDate: null, ...e })) });

const FILES = readdirSync(referencePath('cin/fake_data')).filter((f) => f.endsWith('.xml')).sort();
const fake = (file: string): Census => readCensusXml(readFileSync(referencePath(`cin/fake_data/${file}`), 'utf8'));

async function authority(db: Database) {
  const s = services(db, fixedClock('2026-12-06T10:00:00Z'));
  const p = await partnershipWith(s);
  const csc = await agency(s, p, 'childrens_social_care', 'Northshire Children’s Social Care');
  const officer = await practitioner(s, csc, ['data_officer']);
  const manager = await practitioner(s, csc, ['manager']);
  const load = (census: Census, source = 'census.xml') => importCensus(s, { agencyId: csc, practitionerId: officer.actor.practitionerId, census, source });
  const count = async (table: string): Promise<number> => Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n);
  return { s, csc, officer, manager, load, count };
}

describe('importing the fake census files', () => {
  const t = useTestDb();

  it.each(FILES)('%s: loads what it can, reports the rest, and a second import adds nothing', async (file) => {
    const a = await authority(t.db());
    const first = await a.load(fake(file), file);
    expect(first.children).toBeGreaterThan(0);
    const counts = [await a.count('person'), await a.count('episode'), await a.count('episode_action'), await a.count('assessment_census')];
    const again = await a.load(fake(file), file);
    expect(again).toMatchObject({ children: 0, episodes: 0, plans: 0, episodesAlreadyHeld: first.episodes });
    expect([await a.count('person'), await a.count('episode'), await a.count('episode_action'), await a.count('assessment_census')]).toEqual(counts);
  });

  it('CIN_Census_2026.xml: the first child with its characteristics and episode; the second reported, its empty factors among the reasons', async () => {
    const a = await authority(t.db());
    const r = await a.load(fake('CIN_Census_2026.xml'), 'CIN_Census_2026.xml');
    expect(r).toMatchObject({ children: 1, childrenCreated: 1, episodes: 1, plans: 0 });
    const child = (await t.db().query<Record<string, unknown>>("SELECT * FROM person WHERE la_child_id = 'DfEX0000001'")).rows[0]!;
    expect(child).toMatchObject({ kind: 'child', date_of_birth: '2015-03-27', sex: 'male', ethnicity: 'WBRI', disabilities: ['HAND', 'HEAR'], upn: null, upn_unknown: 'UN3' });
    expect((await t.db().query('SELECT given_names, family_name FROM person_name WHERE person_id = $1', [child.id])).rows).toEqual([{ given_names: '', family_name: 'Not known (census child DfEX0000001)' }]);
    const episode = (await t.db().query<Record<string, unknown>>('SELECT * FROM episode WHERE child_person_id = $1', [child.id])).rows[0]!;
    expect(episode).toMatchObject({
      opened_at: '2022-10-06T12:00:00.000Z', closed_at: '2023-02-27T12:00:00.000Z', stage: 'closed',
      referral_source: '1A', primary_need: 'N4', closure_reason: 'RC1', imported_from: 'CIN_Census_2026.xml (reference date 2024-03-31)',
    });
    const lines = r.problems.map((p) => `${p.child} | ${p.element} | ${p.why}`);
    expect(lines).toEqual(expect.arrayContaining([
      'DfEX0000001 | UPN | has the wrong check letter: not stored',
      'DfEX0000001 | Assessments 1 AssessmentActualStartDate | is in the future: not loaded',
      'DfEX0000001 | ChildProtectionPlans 1 CPPstartDate | is before the referral date: not loaded',
      'child 2 | LAchildID | is not 1 to 20 letters and digits: the child is not loaded',
      'child 2 | Assessments 1 FactorsIdentifiedAtAssessment | has no factor',
    ]));
    // Values never appear in what is reported: the UPN itself is not repeated.
    expect(lines.join('\n')).not.toContain('A123456789123');
  });
});

describe('history that counts from the first day', () => {
  const t = useTestDb();
  const planned = censusOf([childOf('LA123', {
    CINreferralDate: '2024-05-01', ReferralSource: '2A', PrimaryNeedCode: 'N1', CINclosureDate: '2025-02-10', ReasonForClosure: 'RC7',
    Assessments: [{ AssessmentActualStartDate: '2024-05-02', AssessmentAuthorisationDate: '2024-06-28', AssessmentInternalReviewDate: null, AssessmentFactors: ['2A', '3B'] }],
    Section47: [{ S47ActualStartDate: '2024-05-03', InitialCPCtarget: '2024-05-24', DateOfInitialCPC: '2024-05-20', ICPCnotRequired: 'false' }],
    ChildProtectionPlans: [{ CPPstartDate: '2024-05-20', CPPendDate: '2025-02-10', InitialCategoryOfAbuse: 'NEG', LatestCategoryOfAbuse: 'NEG', NumberOfPreviousCPP: '0', Reviews: ['2024-08-19', '2025-02-10'] }],
  })], { ReferenceDate: '2025-03-31' });

  it('loads the referral, assessment, s47, conference, plan with its category, reviews and its end as actions the engine replays', async () => {
    const a = await authority(t.db());
    const r = await a.load(planned, 'la123-2025.xml');
    expect(r).toMatchObject({ children: 1, episodes: 1, plans: 1, problems: [] });
    const { rows } = await t.db().query<{ type: string; occurred_at: string; details: Record<string, unknown> }>('SELECT type, occurred_at, details FROM episode_action ORDER BY seq');
    expect(rows.map((x) => `${x.occurred_at.slice(0, 10)} ${x.type}`)).toEqual([
      '2024-05-01 referral_received', '2024-05-01 referral_decided', '2024-05-02 assessment_started', '2024-05-03 strategy_discussion_held',
      '2024-05-20 s47_concluded', '2024-05-20 conference_held', '2024-06-28 assessment_completed', '2024-08-19 conference_held', '2025-02-10 conference_held', '2025-02-10 plan_ended',
    ]);
    expect(rows.every((x) => x.details.imported === 'la123-2025.xml')).toBe(true);
    expect(rows[5]!.details).toMatchObject({ kind: 'initial', plan: true, planDetails: { category: 'neglect' } });
    // What a practitioner would have written says where it came from.
    for (const text of ['reasons', 'summary', 'immediateSafety', 'parentsParticipation']) {
      expect(rows.filter((x) => text in x.details).every((x) => /census/.test(String(x.details[text])))).toBe(true);
    }
    expect(rows.find((x) => x.type === 's47_concluded')!.details).toMatchObject({ outcome: 'continuing_risk', summary: expect.stringMatching(/^Not in the census/) });
    expect((await t.db().query('SELECT factors FROM assessment_census')).rows).toEqual([{ factors: ['2A', '3B'] }]);
    expect((await t.db().query('SELECT stage, closed_at FROM episode')).rows).toEqual([{ stage: 'closed', closed_at: '2025-02-10T12:00:00.000Z' }]);
  });

  it("the child's new referral in Jigsaw: whoever holds it is told of the earlier plan, and its previous history shows it once it reaches conference", async () => {
    const a = await authority(t.db());
    await a.load(planned);
    const childId = (await t.db().query<{ id: string }>("SELECT id FROM person WHERE la_child_id = 'LA123'")).rows[0]!.id;
    const m = { ...a.manager, clock: fixedClock('2026-12-06T10:00:00Z') };
    // The census has no names: the child is found by the authority's own identifier, and named by it until a name is added.
    expect((await searchPeople(m, { name: 'la123' })).map((p) => [p.id, p.names[0]?.familyName])).toEqual([[childId, 'Not known (census child LA123)']]);
    const e = await openEpisode(m, { idempotencyKey: 'new', childPersonId: childId, receivedAt: '2026-12-01T09:00:00Z', channel: 'written', allocatedWorkerId: m.actor.practitionerId });
    const told = await t.db().query<{ message: string }>("SELECT message FROM notification WHERE practitioner_id = $1 AND kind = 'person.previous-history'", [m.actor.practitionerId]);
    expect(told.rows.map((x) => x.message)).toEqual(['This child had an earlier child protection plan in your agency: see their previous history.']);
    const act = (key: string, at: string, action: Record<string, unknown>) => recordEpisodeAction(m, e.id, RecordAction.parse({ idempotencyKey: key, occurredAt: at, action }));
    await act('d', '2026-12-01T10:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'Bruising seen at school' });
    await act('s', '2026-12-01T15:00:00Z', { type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: a.csc }], policeInvestigation: false, immediateSafety: 'Stays with grandmother', familyToBeTold: 'Today, by the social worker' });
    await act('c', '2026-12-03T10:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'Risk continues' });
    await act('i', '2026-12-04T10:00:00Z', { type: 'conference_held', kind: 'initial', plan: false, invitedAgencyIds: [a.csc], parentsParticipation: 'Both attended' });
    const history = await episodePreviousHistory(m, e.id);
    expect(history).toEqual([expect.objectContaining({
      connection: 'the child themself', earlierChildPersonId: childId, planCategory: 'neglect',
      planStartedAt: '2024-05-20T12:00:00.000Z', planEndedAt: '2025-02-10T12:00:00.000Z',
    })]);
  });

  it('the timescale report of the year counts the imported assessment and conference', async () => {
    const a = await authority(t.db());
    await a.load(planned);
    const report = await timescaleReport(a.manager, { from: '2024-04-01', to: '2025-03-31' });
    const row = (key: string) => report.steps.find((s) => s.key === key);
    // Referral on Wednesday 1 May 2024, assessment authorised on 28 June: within 45 working days.
    expect(row('assessment')).toMatchObject({ completed: 1, onTime: 1, late: 0 });
    // Strategy discussion (s47) on 3 May; conference on 20 May, 11 working days later (the bank holiday of 6 May does not count).
    expect(row('initial_conference')).toMatchObject({ completed: 1, onTime: 1 });
    expect(row('review_conference')).toMatchObject({ completed: 2 });
  });

  it('a later census repeating the episode, with another reference date, adds nothing; a new episode of the same child is added', async () => {
    const a = await authority(t.db());
    await a.load(planned, '2025.xml');
    const later = censusOf([childOf('LA123', { CINreferralDate: '2024-05-01' }, { CINreferralDate: '2025-06-02' })], { ReferenceDate: '2026-03-31' });
    const r = await a.load(later, '2026.xml');
    expect(r).toMatchObject({ children: 1, childrenCreated: 0, episodes: 1, episodesAlreadyHeld: 1 });
    expect(await a.count('person')).toBe(1);
    expect((await t.db().query('SELECT imported_from FROM episode ORDER BY opened_at')).rows.map((x) => (x as { imported_from: string }).imported_from))
      .toEqual(['2025.xml (reference date 2025-03-31)', '2026.xml (reference date 2026-03-31)']);
  });

  it('is refused to a practitioner who does not prepare the returns, and audited with counts only', async () => {
    const a = await authority(t.db());
    const worker = await practitioner(a.s, a.csc, ['social_worker']);
    await expect(importCensus(a.s, { agencyId: a.csc, practitionerId: worker.actor.practitionerId, census: planned, source: 'x.xml' })).rejects.toBeInstanceOf(CensusImportRefused);
    await a.load(planned);
    const audit = (await t.db().query<{ action: string; detail: Record<string, unknown> }>("SELECT action, detail FROM audit_event WHERE action LIKE 'census.%' ORDER BY seq")).rows;
    expect(audit.map((x) => x.action)).toEqual(['census.import-child', 'census.import']);
    expect(audit[1]!.detail).toMatchObject({ children: 1, episodes: 1, plans: 1, problems: 0 });
    expect(JSON.stringify(audit)).not.toContain('LA123');
  });
});
