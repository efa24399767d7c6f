import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Role } from '../../src/access/policy.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { buildApp } from '../../src/http/app.ts';
import { addPractitionerAsSystem } from '../../src/partnership/partnership.ts';
import type { Services } from '../../src/shared/context.ts';

/**
 * The end-to-end harness: the real application on 127.0.0.1 and a random port, Debian's Chromium
 * driven by playwright-core, and axe-core run on every page a journey visits.
 */

export const CHROMIUM = process.env.JIGSAW_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));
let axeSource: string | undefined;

/** Fails (never skips) when the browser is missing: CI installs it (.ci/run). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the end-to-end tests need it. Install it with "apt-get install chromium" (.ci/run does), or set JIGSAW_CHROMIUM.`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export const PASSWORD = 'correct horse battery staple';
let passwordHash: Promise<string> | undefined;

/** A practitioner who can sign in with PASSWORD. */
export async function staff(s: Services, agencyId: string, name: string, roles: Role[]): Promise<{ id: string; email: string; name: string }> {
  const email = `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@e2e.example`;
  const p = await addPractitionerAsSystem(s, { agencyId, name, email, roles }, { passwordHash: await (passwordHash ??= hashPassword(PASSWORD)) });
  return { id: p.id, email, name };
}

export interface Running {
  app: FastifyInstance;
  url: string;
}

/** `twoFactor: 'required'` turns on the two-factor requirement, as `jigsaw serve` has it; journeys about other things leave it off. */
export async function startApp(services: Services, opts: { twoFactor?: 'required' | 'off' } = {}): Promise<Running> {
  const app = await buildApp({ services, auth: { sessionIdleMinutes: 30, sessionMaxHours: 12, signInMaxFailures: 5, signInWindowMinutes: 15, twoFactor: opts.twoFactor } });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: address };
}

/** Tags axe checks against: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[];
}

/** A browser tab that checks every page it lands on with axe-core, and remembers which pages it saw. */
export class Journey {
  readonly visited: string[] = [];
  readonly consoleErrors: string[] = [];

  constructor(
    readonly page: Page,
    readonly base: string,
  ) {
    page.on('console', (m) => {
      // A form sent back with its errors is a 422, which Chromium logs; anything else (a CSP refusal, a script error) counts.
      if (m.type() === 'error' && !/status of 422/.test(m.text())) this.consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => this.consoleErrors.push(`${page.url()}: ${e.message}`));
  }

  /** Runs axe on the page as it is now; any violation fails the journey, naming the page and the rule. */
  async axe(): Promise<void> {
    const url = new URL(this.page.url());
    this.visited.push(url.pathname);
    // page.addScriptTag would add an inline <script>, which the pages' strict CSP (rightly) refuses;
    // evaluating axe through the DevTools protocol is not subject to CSP, and the CSP stays on.
    if (!(await this.page.evaluate(() => 'axe' in window))) await this.page.evaluate((axeSource ??= readFileSync(AXE, 'utf8')));
    const result = await this.page.evaluate(async (tags) => {
      const w = window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<AxeResult> } };
      const r = await w.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return { violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })) };
    }, AXE_TAGS);
    const described = result.violations.map((v) => `${v.id} (${v.impact ?? 'n/a'}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
    // A plain error (not vitest's expect) so that the screenshots script can use the harness too.
    if (described.length) throw new Error(`axe-core violations on ${url.pathname}:\n${described.join('\n')}`);
  }

  async goto(path: string): Promise<void> {
    await this.page.goto(new URL(path, this.base).toString(), { waitUntil: 'load' });
    await this.axe();
  }

  /** Does something that loads a new page (a link, a form), then checks the page that arrives. */
  async navigate(action: () => Promise<void>): Promise<void> {
    const t0 = Date.now();
    await Promise.all([this.page.waitForNavigation({ waitUntil: 'load' }), action()]);
    const t1 = Date.now();
    await this.axe();
    if (process.env.JIGSAW_E2E_TIMING) console.log(`${new URL(this.page.url()).pathname} load ${t1 - t0}ms axe ${Date.now() - t1}ms`);
  }

  async click(name: string | RegExp, role: 'button' | 'link' = 'button'): Promise<void> {
    await this.navigate(() => this.page.getByRole(role, { name, exact: typeof name === 'string' }).first().click());
  }

  /** Signs in with the demo password, or with `password` (someone who chose their own). */
  async signIn(email: string, password = PASSWORD): Promise<void> {
    await this.goto('/sign-in');
    await this.page.getByLabel('E-mail address').fill(email);
    await this.page.getByLabel('Password', { exact: true }).fill(password);
    await this.click('Sign in');
  }

  async signOut(): Promise<void> {
    await this.click('Sign out');
  }

  async heading(): Promise<string> {
    return (await this.page.locator('h1').first().innerText()).trim();
  }
}
