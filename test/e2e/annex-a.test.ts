import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgency, createPartnership } from '../../src/partnership/partnership.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import type { Services } from '../../src/shared/context.ts';
import { useTestDb } from '../db.ts';
import { Journey, launchChromium, staff, startApp, type Running } from './harness.ts';

/** Issue 20, Annex A in Chromium: the data officer chooses the period, is told of a wrong date, and downloads the workbook. axe-core checks every page. */
describe("the data officer's Annex A, in Chromium", () => {
  const t = useTestDb();
  let browser: Browser;
  let running: Running | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await running?.app.close();
  });

  it('chooses the period, corrects a date that does not exist, and downloads the workbook', async () => {
    const s: Services = { db: t.db(), clock: fixedClock(new Date().toISOString()) };
    const p0 = (await createPartnership(s, { name: 'Northshire Safeguarding Children Partnership', nation: 'england-and-wales' })).id;
    const csc = (await createAgency(s, { name: "Northshire Children's Social Care", type: 'childrens_social_care', partnershipIds: [p0] })).id;
    const dana = await staff(s, csc, 'Dana Data', ['data_officer']);
    running = await startApp(s);
    const context = await browser.newContext({ baseURL: running.url, acceptDownloads: true });
    const j = new Journey(await context.newPage(), running.url);
    const p = j.page;
    try {
      await j.signIn(dana.email);
      await j.click('Annex A', 'link');
      expect(await j.heading()).toBe('Ofsted’s Annex A lists');
      const fill = async (legend: string, day: string, month: string, year: string) => {
        const g = p.getByRole('group', { name: legend });
        await g.getByLabel('Day').fill(day);
        await g.getByLabel('Month').fill(month);
        await g.getByLabel('Year').fill(year);
      };
      await fill('From', '31', '4', '2025');
      await fill('To', '31', '3', '2026');
      await j.click('Download the workbook');
      expect(await p.locator('.govuk-error-summary').innerText()).toContain('The first day must be a real date');

      await fill('From', '1', '4', '2025');
      const [download] = await Promise.all([p.waitForEvent('download'), p.getByRole('button', { name: 'Download the workbook' }).click()]);
      expect(download.suggestedFilename()).toBe('annex-a-2025-04-01-to-2026-03-31.xlsx');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(readFileSync((await download.path())) as unknown as ArrayBuffer);
      expect(wb.worksheets).toHaveLength(11);
    } finally {
      await context.close();
    }
  }, 300_000);
});
