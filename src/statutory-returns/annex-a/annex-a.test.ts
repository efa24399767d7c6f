import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { addRecord } from '../../records/records.ts';
import { acceptReferral } from '../../process/referral-acceptance.ts';
import { NewReferral } from '../../process/referral-schemas.ts';
import { makeReferral } from '../../process/referrals.ts';
import { fixedClock } from '../../shared/clock.ts';
import { NewShareDecision } from '../../sharing/schemas.ts';
import { makeDecision } from '../../sharing/sharing.ts';
import { useTestDb } from '../../../test/db.ts';
import { cinWorld } from '../../../test/cin-world.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../../../test/fixtures.ts';
import { referencePath } from '../../../test/reference.ts';
import { annexAFor, annexAForOperator } from './annex-a-service.ts';
import { annexAWorkbook } from './annex-a-workbook.ts';
import type { AnnexA } from './annex-a.ts';

/** A list's rows as header → value, dates as YYYY-MM-DD. */
const rowsOf = (a: AnnexA, sheet: string): Record<string, unknown>[] => {
  const l = a.lists.find((x) => x.sheet === sheet)!;
  return l.rows.map((r) => Object.fromEntries(l.headers.map((h, i) => {
    const v = r[i];
    return [h, typeof v === 'object' && v !== null ? v.date : v];
  })));
};

/**
 * Ava Reed (plan world: referral 2 November 2026, section 47 from 3 November, a plan from the initial
 * conference on 19 November) and Leo Hart (cin world: referral 13 November, assessment to a child in
 * need plan on 30 November), in the year to 31 March 2027.
 */
async function world(db: Parameters<typeof cinWorld>[0]) {
  const w = await cinWorld(db);
  await w.conference('2026-11-19T10:00:00Z', 'initial', [w.csc, w.school, w.hv, w.police], w.planDetails([w.dsl]));
  await w.assessed(w.cinPlan([w.dsl]));
  w.clock.set('2026-12-01T09:00:00Z');
  await addRecord(w.worker, w.ava.id, concern({ kind: 'home_visit', outcome: 'seen', occurredAt: '2026-11-26T15:00:00Z', summary: 'Ava seen at home with her mother', categories: ['physical_abuse'] }));
  await addRecord(w.worker, w.leo.id, concern({ kind: 'home_visit', outcome: 'seen', occurredAt: '2026-11-20T08:00:00Z', summary: 'Leo seen at breakfast' }));
  await db.query(`UPDATE person SET sex = 'male', ethnicity = 'WBRI', disabilities = '{NONE}', la_child_id = 'LEO001' WHERE id = $1`, [w.leo.id]);
  await db.query(`UPDATE person SET sex = 'female', ethnicity = 'APKN', la_child_id = 'AVA001' WHERE id = $1`, [w.ava.id]);
  await db.query(`UPDATE episode SET referral_source = '2A', primary_need = 'N1' WHERE id = $1`, [w.episode.id]);
  const dataOfficer = await practitioner(w.s, w.csc, ['data_officer'], 'Dana Data');
  return { ...w, dataOfficer };
}

describe("Ofsted's Annex A lists", () => {
  const t = useTestDb();
  const period = { from: '2026-04-01', to: '2027-03-31' };

  it('lists each child in the lists their case reached, with the dates the process recorded', async () => {
    const db = t.db();
    const w = await world(db);
    const a = await annexAFor(w.dataOfficer, period, 'json');
    const child = { Gender: 'b) Female', Ethnicity: 'k) APKN', 'Date of Birth': '2020-03-04', Age: 7 };
    const leo = { 'Child Unique ID': 'LEO001', Gender: 'a) Male', Ethnicity: 'a) WBRI', 'Date of Birth': '2019-07-01', Age: 7 };

    expect(rowsOf(a, 'List 1')).toEqual([
      { 'Child Unique ID': 'AVA001', ...child, 'Date of Contact': '2026-11-02', 'Contact Source': 'e) 2A: Schools' },
      { ...leo, 'Date of Contact': '2026-11-13', 'Contact Source': 'u) 10: Unknown' },
    ]);
    expect(rowsOf(a, 'List 3')).toEqual([
      expect.objectContaining({ 'Child Unique ID': 'AVA001', 'Date of Referral': '2026-11-02', 'Referral NFA?': 'No', 'Number of Referrals in Last 12 Months': 0, 'Allocated Worker': 'Rachel Dunn' }),
      expect.objectContaining({ 'Child Unique ID': 'LEO001', 'Date of Referral': '2026-11-13', 'Referral Source': 'u) 10: Unknown', 'Referral NFA?': 'No' }),
    ]);
    // Leo's assessment: seen at home on 20 November, authorised on 30 November, a child in need plan.
    expect(rowsOf(a, 'List 4')).toEqual([{
      ...leo, 'Does the Child have a Disability': 'b) No', 'Continuous Assessment Start Date': '2026-11-13', 'Child Seen During Continuous Assessment': 'Yes',
      'Continuous Assessment Date of Authorisation': '2026-11-30', "Was the child assessed as requiring LA children's social care support?": 'Yes',
      'Allocated Team': 'Not recorded', 'Allocated Worker': 'Rachel Dunn',
    }]);
    expect(rowsOf(a, 'List 5')).toEqual([expect.objectContaining({
      'Child Unique ID': 'AVA001', 'Does the Child have a Disability': 'c) Unknown', 'Strategy discussion initiating Section 47 Enquiry Start Date': '2026-11-03',
      'Was an Initial Child Protection Conference deemed unnecessary?': 'No', 'Date of Initial Child Protection Conference': '2026-11-19',
      'Did the Initial Child Protection Conference Result in a Child Protection Plan': 'Yes', 'Number of Section 47 Enquiries in the last 12 months': 0, 'Number of ICPCs in the last 12 months': 0,
    })]);
    expect(rowsOf(a, 'List 6')).toEqual([
      expect.objectContaining({ 'Child Unique ID': 'AVA001', 'CIN Start Date': '2026-11-02', 'Primary Need Code': 'N1 - Abuse, neglect and exploitation', 'Date Child Was Last Seen': '2026-11-26', 'CIN Closure Date': null, 'Case Status': 'b) Child Protection plan' }),
      expect.objectContaining({ 'Child Unique ID': 'LEO001', 'CIN Start Date': '2026-11-13', 'Primary Need Code': 'N0 - Not stated', 'Date Child Was Last Seen': '2026-11-20', 'Case Status': 'c) Child in need plan' }),
    ]);
    expect(rowsOf(a, 'List 7')).toEqual([{
      'Child Unique ID': 'AVA001', ...child, 'Does the Child have a Disability': 'c) Unknown', 'Child Protection Plan Start Date': '2026-11-19',
      'Initial Category of Abuse': 'Physical abuse', 'Latest Category of Abuse': 'Physical abuse', 'Date of the Last Statutory Visit': '2026-11-26',
      'Was the Child Seen Alone?': null, 'Date of latest review conference': null, 'Child Protection Plan End Date': null,
      'Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)': 'b) No', 'Number of Previous Child Protection Plans': 0,
      'Allocated Team': 'Not recorded', 'Allocated Worker': 'Rachel Dunn',
    }]);
    // A period before any of it: empty lists.
    const before = await annexAFor(w.dataOfficer, { from: '2025-04-01', to: '2026-03-31' }, 'json');
    expect(before.lists.every((l) => l.rows.length === 0)).toBe(true);

    // An earlier plan in history loaded from a census (actions, no plan document) counts as a previous plan.
    const old = randomUUID();
    await db.query(`INSERT INTO episode (id, agency_id, child_person_id, opened_at, stage, closed_at, imported_from) VALUES ($1,$2,$3,'2024-01-10T12:00:00Z','closed','2024-08-01T12:00:00Z','census 2024')`, [old, w.csc, w.ava.id]);
    const steps: [string, string, object, object][] = [
      ['referral_received', '2024-01-10', { type: 'referral_received', channel: 'written' }, {}],
      ['conference_held', '2024-02-01', { type: 'conference_held', kind: 'initial', plan: true }, { planDetails: { category: 'neglect' } }],
      ['plan_ended', '2024-08-01', { type: 'plan_ended', reason: 'review_decision', childInNeedPlan: false }, {}],
    ];
    for (const [i, [type, on, facts, details]] of steps.entries()) {
      await db.query(`INSERT INTO episode_action (episode_id, seq, type, occurred_at, recorded_at, recorded_by, idempotency_key, facts, details) VALUES ($1,$2,$3,$4,$4,$5,$6,$7,$8)`,
        [old, i + 1, type, `${on}T12:00:00Z`, w.worker.actor.practitionerId, `census:${i}`, JSON.stringify(facts), JSON.stringify(details)]);
    }
    expect(rowsOf(await annexAFor(w.dataOfficer, period, 'json'), 'List 7')).toEqual([expect.objectContaining({ 'Child Unique ID': 'AVA001', 'Number of Previous Child Protection Plans': 1 })]);
    expect(rowsOf(await annexAFor(w.dataOfficer, { from: '2024-01-01', to: '2024-12-31' }, 'json'), 'List 7')).toEqual([expect.objectContaining({
      'Child Protection Plan Start Date': '2024-02-01', 'Initial Category of Abuse': 'Neglect', 'Child Protection Plan End Date': '2024-08-01', 'Number of Previous Child Protection Plans': 0,
    })]);
  });

  it("a school's referral waiting in the queue is a contact from a school; accepted, it is the referral too, and still one contact", async () => {
    const s = services(t.db(), fixedClock('2026-12-04T16:30:00Z'));
    const p = await partnershipWith(s);
    const school = await agency(s, p, 'school', 'Riverside Primary');
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const lead = await practitioner(s, school, ['safeguarding_lead'], 'Karen Doyle');
    const duty = await practitioner(s, csc, ['social_worker'], 'Dev Patel');
    const dataOfficer = await practitioner(s, csc, ['data_officer'], 'Dana Data');
    const jack = await person(lead, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2019-07-04' });
    const bruise = await addRecord(lead, jack.id, concern({ occurredAt: '2026-12-04T13:30:00Z', summary: 'Bruise on his cheek' }));
    const decision = await makeDecision(lead, NewShareDecision.parse({
      personId: jack.id,
      answers: {
        purposeCode: 'child_protection_enquiry', purpose: 'Refer Jack', withinAgencyFunctions: true, legalObligation: 'none', identifiable: true, confidential: true,
        consent: { status: 'not_sought', reason: 'increase_risk_of_harm', explanation: 'Asking could put Jack at risk' },
        publicInterest: { harm: 'child_significant_harm', evidence: 'The bruise', necessityAndProportionality: 'They must know now', adultWithCapacityRiskingOnlyThemself: false },
      },
      outcome: 'share', reasons: 'Reasonable cause to suspect significant harm',
      share: { recipients: [{ agencyId: csc }], items: [{ recordId: bruise.id, parts: ['summary'] }] },
      subjectInformed: { informed: false, reason: 'It could increase the risk to Jack' },
    }));
    const referral = await makeReferral(lead, NewReferral.parse({
      childPersonId: jack.id, toAgencyId: csc, channel: 'online', urgent: false, madeAt: '2026-12-04T14:05:00Z', shareDecisionId: decision.id,
      concerns: 'Bruise on his cheek', domains: { developmentalNeeds: 'Not known', parentingCapacity: 'Not known', familyAndEnvironment: 'Not known' },
      childsWishesAndFeelings: 'Not known', familyAgreement: { status: 'not_told', reason: 'It could increase the risk to Jack' },
      familyToBeTold: { what: 'Agreed with the social worker', byWhom: 'The social worker', when: 'Later' },
    }));
    const waiting = await annexAFor(dataOfficer, period, 'json');
    // Not yet the authority's child: identified by the referral, described as the school sent him.
    expect(rowsOf(waiting, 'List 1')).toEqual([{
      'Child Unique ID': referral.id.replace(/-/g, '').slice(0, 20).toUpperCase(), Gender: 'c) Not stated/recorded', Ethnicity: 's) NOBT', 'Date of Birth': '2019-07-04', Age: 7,
      'Date of Contact': '2026-12-04', 'Contact Source': 'e) 2A: Schools',
    }]);
    expect(rowsOf(waiting, 'List 3')).toEqual([]);

    const accepted = await acceptReferral(duty, referral.id, { personId: 'new' });
    const later = await annexAFor(dataOfficer, period, 'json');
    expect(rowsOf(later, 'List 1')).toEqual([expect.objectContaining({ 'Date of Contact': '2026-12-04', 'Contact Source': 'e) 2A: Schools' })]);
    expect(rowsOf(later, 'List 1')[0]!['Child Unique ID']).not.toBe(rowsOf(waiting, 'List 1')[0]!['Child Unique ID']);
    expect(rowsOf(later, 'List 3')).toEqual([expect.objectContaining({ 'Date of Referral': '2026-12-04', 'Referral Source': 'e) 2A: Schools', 'Referral NFA?': null, 'Number of Referrals in Last 12 Months': 0 })]);
    // The operator's command line lists the same, and the trail names each child listed (no practitioner).
    const operator = await annexAForOperator(s, csc, period);
    expect(operator.lists.map((l) => l.rows.length)).toEqual(later.lists.map((l) => l.rows.length));
    const episodeChild = (await t.db().query<{ child_person_id: string }>('SELECT child_person_id FROM episode WHERE id = $1', [accepted.episodeId])).rows[0]!.child_person_id;
    const trail = (await t.db().query<{ action: string; person_id: string | null; actor_practitioner_id: string | null }>(
      `SELECT action, person_id, actor_practitioner_id FROM audit_event WHERE action LIKE 'returns.annex_a%' AND actor_practitioner_id IS NULL ORDER BY seq`)).rows;
    expect(trail).toEqual([
      { action: 'returns.annex_a', person_id: null, actor_practitioner_id: null },
      { action: 'returns.annex_a.listed', person_id: episodeChild, actor_practitioner_id: null },
    ]);
  });

  it("writes the template's sheets and headers, with dates as dates", async () => {
    const w = await world(t.db());
    const file = await annexAWorkbook(await annexAFor(w.dataOfficer, period));
    const template = new ExcelJS.Workbook();
    await template.xlsx.readFile(referencePath('annex-a/Annex_A_2024_Jan.xlsx'));
    const ours = new ExcelJS.Workbook();
    await ours.xlsx.load(file as unknown as ArrayBuffer);
    const headers = (ws: ExcelJS.Worksheet): unknown[] => (ws.getRow(1).values as unknown[]).slice(1);
    expect(ours.worksheets.map((s) => s.name)).toEqual(template.worksheets.map((s) => s.name));
    for (const ws of template.worksheets) expect(headers(ours.getWorksheet(ws.name)!), ws.name).toEqual(headers(ws));
    const list7 = ours.getWorksheet('List 7')!;
    expect(list7.getRow(1).font?.bold).toBe(true);
    const start = list7.getRow(2).getCell(7);
    expect(start.value).toEqual(new Date('2026-11-19T00:00:00Z'));
    expect(start.numFmt).toBe('dd/mm/yyyy');
    expect(ours.getWorksheet('List 8')!.getCell('A2').value).toBe('Not held by Jigsaw: Jigsaw does not record children looked after.');

    // LibreOffice opens it: every sheet as CSV (one conversion; its own profile so parallel runs do not collide),
    // cells as shown (the filter's ninth token), so the dates read as the workbook shows them.
    const dir = mkdtempSync(join(tmpdir(), 'jigsaw-annex-a-'));
    try {
      writeFileSync(join(dir, 'annex-a.xlsx'), file);
      await promisify(execFile)('libreoffice', [`-env:UserInstallation=file://${join(dir, 'profile')}`, '--headless', '--convert-to',
        'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1', '--outdir', join(dir, 'csv'), join(dir, 'annex-a.xlsx')], { timeout: 180_000 });
      const csvs = readdirSync(join(dir, 'csv')).sort();
      expect(csvs).toHaveLength(11);
      for (const ws of template.worksheets) {
        const rows: string[][] = parse(readFileSync(join(dir, 'csv', `annex-a-${ws.name}.csv`), 'utf8'), { relax_column_count: true });
        expect(rows[0], ws.name).toEqual(headers(ws));
      }
      const list7 = parse<Record<string, string>>(readFileSync(join(dir, 'csv', 'annex-a-List 7.csv'), 'utf8'), { columns: true });
      expect(list7).toEqual([expect.objectContaining({ 'Child Unique ID': 'AVA001', 'Date of Birth': '04/03/2020', 'Child Protection Plan Start Date': '19/11/2026', 'Initial Category of Abuse': 'Physical abuse' })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
