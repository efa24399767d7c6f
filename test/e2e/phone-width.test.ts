import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.ts';
import { loadDemo } from '../../src/demo/demo.ts';
import { systemClock } from '../../src/shared/clock.ts';
import type { Services } from '../../src/shared/context.ts';
import { useTestDb } from '../db.ts';
import { Journey, launchChromium, startApp, type Running } from './harness.ts';

/**
 * Pages that fit a phone (issue 18, item 7): in the demo partnership, people of different agencies
 * and roles follow every link they are offered, at a 390 px wide screen (an iPhone 12 to 15), and
 * no page is wider than the screen (nothing to scroll sideways) nor fails axe-core. Each kind of
 * page (its address with identifiers taken out) is visited once per person, so the walk stays short.
 */
const WIDTH = 390;
const PASSWORD = 'phone-width-walk-password';
/** Who walks: casework, management, administration, audit, a school, a school's lead, health. */
const WALKERS = ['Rachel Dunn', 'Grace Okafor', 'Olu Adebayo', 'Janet Frost', 'Amira Shah', 'Karen Doyle', 'Sarah Whitlock'];
const PAGES_EACH = 70;
/** The pages issue 18 found too wide: the walk must reach each of them. */
const MUST_REACH = ['/people/:id?', '/people/:id/chronology/print?', '/records/:id/access-history?', '/referrals?', '/process?', '/seen-notifications?', '/admin/practitioners?'];

/** Addresses not to follow: signing out, the API, machine formats, downloads. */
const SKIP = /^\/(api|fhir|health|metrics|static|assets|styles|govuk)\b|sign-out|\.(csv|json|pdf)(\?|$)|\/export\b|format=/;

const kindOf = (u: URL): string =>
  `${u.pathname.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, ':id').replace(/\/\d+(?=\/|$)/g, '/:n')}?${[...u.searchParams.keys()].sort().join('&')}`;

describe('every page fits a phone, in Chromium', () => {
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

  it('no page reachable in the demo partnership scrolls sideways at 390 px, and each passes axe', async () => {
    const s: Services = { db: t.db(), clock: systemClock };
    const accounts = await loadDemo(s, { passwordHash: await hashPassword(PASSWORD) });
    running = await startApp(s);
    const problems: string[] = [];
    const seenKinds = new Set<string>();
    let pages = 0;
    for (const name of WALKERS) {
      const account = accounts.find((a) => a.name === name);
      expect(account, name).toBeDefined();
      const context = await browser.newContext({ baseURL: running.url, viewport: { width: WIDTH, height: 844 } });
      const j = new Journey(await context.newPage(), running.url);
      await j.signIn(account!.email, PASSWORD);
      const queue = [new URL(j.page.url()).toString()];
      const kinds = new Set<string>();
      let visited = 0;
      while (queue.length && visited < PAGES_EACH) {
        const url = new URL(queue.shift()!);
        const kind = kindOf(url);
        if (kinds.has(kind)) continue;
        kinds.add(kind);
        visited++;
        const res = await j.page.goto(url.toString(), { waitUntil: 'load' });
        if (!res || res.status() >= 500) problems.push(`${name}: ${url.pathname} answered ${res?.status()}`);
        try {
          await j.axe();
        } catch (err) {
          problems.push(`${name}: ${(err as Error).message}`);
        }
        const width = await j.page.evaluate(() => document.documentElement.scrollWidth);
        if (width > WIDTH) {
          // Name the widest elements, so the fix is easy to find.
          const culprits = await j.page.evaluate((w) => [...document.querySelectorAll('main *')]
            .filter((el) => el.getBoundingClientRect().right > w + 1 && !(el.parentElement && el.parentElement.getBoundingClientRect().right > w + 1))
            .slice(0, 3).map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${[...el.classList].join('.')}`), WIDTH);
          problems.push(`${name}: ${kind} is ${width} px wide (${culprits.join(', ')})`);
        }
        seenKinds.add(kind);
        pages++;
        const links = await j.page.evaluate(() => [...document.querySelectorAll('a[href]')].map((a) => (a as HTMLAnchorElement).href));
        for (const href of links) {
          const next = new URL(href);
          next.hash = '';
          if (next.origin !== url.origin || SKIP.test(next.pathname + next.search) || kinds.has(kindOf(next))) continue;
          queue.push(next.toString());
        }
      }
      await context.close();
    }
    if (process.env.JIGSAW_E2E_TIMING) console.log([...seenKinds].sort().join('\n'));
    expect(pages).toBeGreaterThan(100);
    expect(MUST_REACH.filter((k) => !seenKinds.has(k))).toEqual([]);
    expect(problems).toEqual([]);
  }, 900_000);
});
