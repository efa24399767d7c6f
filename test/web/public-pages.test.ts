import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type ServiceNotices } from '../../src/config/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { GOVUK_DIST } from '../../src/web/view.ts';
import { AUTH_SETTINGS } from '../api/helpers.ts';
import { useTestDb } from '../db.ts';
import { services } from '../fixtures.ts';

const NORTHSHIRE: ServiceNotices = {
  serviceOwner: 'Northshire Safeguarding Children Partnership',
  contactEmail: 'jigsaw-help@northshire.example',
  dpoContact: 'dpo@northshire.example',
  retention: 'Northshire keeps child protection records until the child’s 25th birthday.',
};

const HTML = { accept: 'text/html' };

describe('the public pages, the beta banner and a stylesheet without GOV.UK’s fonts', () => {
  const t = useTestDb();
  let app: FastifyInstance | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const start = async (notices?: ServiceNotices): Promise<FastifyInstance> =>
    (app = await buildApp({ services: services(t.db()), auth: AUTH_SETTINGS, ...(notices ? { notices } : {}) }));

  it('serves GOV.UK Frontend compiled with the system font: no GDS Transport, no font files, the images it names still there', async () => {
    const a = await start();
    const fonts = await readdir(join(GOVUK_DIST, 'govuk', 'assets', 'fonts'));
    expect(fonts.filter((f) => f.endsWith('.woff2')).length).toBeGreaterThan(0);
    for (const font of fonts) {
      for (const headers of [HTML, {}]) expect((await a.inject({ url: `/assets/fonts/${font}`, headers })).statusCode, font).toBe(404);
    }
    // The precompiled stylesheet names those fonts, so it is not served either.
    expect((await a.inject({ url: '/govuk/govuk-frontend.min.css' })).statusCode).toBe(404);

    const page = await a.inject({ url: '/', headers: HTML });
    expect(page.body).toContain('<link rel="stylesheet" href="/styles/jigsaw-govuk.css">');
    const css = await a.inject({ url: '/styles/jigsaw-govuk.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('public, max-age=3600');
    expect(css.body).not.toContain('GDS Transport');
    expect(css.body).not.toMatch(/@font-face|url\([^)]*\.woff/);
    expect(css.body).toContain('font-family:system-ui,-apple-system,"Segoe UI",Roboto');
    expect(css.body).toContain('.govuk-phase-banner');
    const urls = [...css.body.matchAll(/url\("?([^")]+)"?\)/g)].map((m) => m[1]!);
    for (const url of new Set(urls)) expect((await a.inject({ url })).statusCode, url).toBe(200);
    // GOV.UK Frontend's script is still served: the pages' own script imports it.
    expect((await a.inject({ url: '/govuk/govuk-frontend.min.js' })).statusCode).toBe(200);
  });

  it('every page’s footer links to the accessibility statement, privacy notice and cookies, each open without signing in and naming who runs the service', async () => {
    const a = await start(NORTHSHIRE);
    const home = (await a.inject({ url: '/', headers: HTML })).body;
    const footer = home.slice(home.indexOf('<footer'));
    for (const href of ['/accessibility', '/privacy', '/cookies', '/api/v1/openapi.json']) expect(footer).toContain(`href="${href}"`);
    expect(footer).toContain('run by Northshire Safeguarding Children Partnership');
    // The beta banner: feedback goes to the contact address.
    expect(home).toMatch(/<strong class="govuk-tag govuk-phase-banner__content__tag">\s*Beta\s*<\/strong>/);
    expect(home).toContain('This is a new service. Help us improve it: <a class="govuk-link" href="mailto:jigsaw-help@northshire.example?subject=Jigsaw%20feedback">tell us what you think</a>.');

    const page = async (url: string): Promise<string> => {
      const res = await a.inject({ url, headers: HTML });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body, url).toContain('govuk-phase-banner');
      return res.body;
    };
    const accessibility = await page('/accessibility');
    expect(accessibility).toContain('<h1 class="govuk-heading-xl">Accessibility statement for Jigsaw</h1>');
    expect(accessibility).toContain('run by Northshire Safeguarding Children Partnership');
    expect(accessibility).toContain('partially compliant with the <a class="govuk-link" href="https://www.w3.org/TR/WCAG22/">Web Content Accessibility Guidelines version 2.2</a> AA standard');
    expect(accessibility).toContain('href="mailto:jigsaw-help@northshire.example"');
    expect(accessibility).toContain('id="report"');
    expect(accessibility).toContain('Equality and Human Rights Commission (EHRC)');
    expect(accessibility).toContain('Equality Commission for Northern Ireland (ECNI)');
    expect(accessibility).toContain('not yet tested the service with screen readers');
    expect(accessibility).toContain(`signed out ${AUTH_SETTINGS.sessionMaxHours} hours after signing in`);

    const privacy = await page('/privacy');
    expect(privacy).toContain('This Jigsaw service is run by Northshire Safeguarding Children Partnership.');
    expect(privacy).toContain('Article 6(1)(e)');
    expect(privacy).toContain('Schedule 1, paragraph 18');
    expect(privacy).toContain('Northshire keeps child protection records until the child’s 25th birthday.');
    expect(privacy).toMatch(/Data protection officer:\s*<a class="govuk-link" href="mailto:dpo@northshire.example">dpo@northshire.example<\/a>/);
    expect(privacy).toContain('href="https://ico.org.uk/make-a-complaint/"');

    const cookies = await page('/cookies');
    const names = [...cookies.matchAll(/<th scope="row" class="govuk-table__header">([^<]+)<\/th>/g)].map((m) => m[1]);
    expect(names).toEqual(['jigsaw_session', 'jigsaw_csrf']);
    expect(cookies).toContain(`${AUTH_SETTINGS.sessionMaxHours} hours after you sign in`);
    expect(cookies).toContain(`after ${AUTH_SETTINGS.sessionIdleMinutes} minutes without use`);
    expect(cookies).toContain('does not use analytics cookies');
  });

  it('with nothing configured, the pages name a neutral owner and feedback leads to how to report a problem', async () => {
    const a = await start();
    const accessibility = (await a.inject({ url: '/accessibility', headers: HTML })).body;
    expect(accessibility).toContain('href="/accessibility#report">tell us what you think</a>');
    expect(accessibility).toContain('run by the local safeguarding children partnership');
    expect(accessibility).toContain('The local safeguarding children partnership is committed to making this service accessible');
    expect(accessibility).not.toContain('mailto:');
    const privacy = (await a.inject({ url: '/privacy', headers: HTML })).body;
    expect(privacy).toContain('each agency has its own data protection officer');
    expect(privacy).toContain('retention schedule');
  });

  it('an operator’s own privacy notice replaces the default body; one that cannot be read stops the service starting', async () => {
    dir = await mkdtemp(join(tmpdir(), 'jigsaw-notice-'));
    const file = join(dir, 'privacy.html');
    await writeFile(file, '<p class="govuk-body">Northshire’s own notice, approved by its DPO.</p>');
    const a = await start({ ...NORTHSHIRE, privacyNoticeFile: file });
    const privacy = (await a.inject({ url: '/privacy', headers: HTML })).body;
    expect(privacy).toContain('<p class="govuk-body">Northshire’s own notice, approved by its DPO.</p>');
    expect(privacy).not.toContain('Article 6(1)(e)');
    expect(privacy).toContain('href="https://ico.org.uk/make-a-complaint/"');
    await a.close();
    app = undefined;
    await expect(start({ ...NORTHSHIRE, privacyNoticeFile: join(dir, 'missing.html') })).rejects.toThrow(/JIGSAW_PRIVACY_NOTICE_FILE cannot be read \(ENOENT\)/);
  });

  it('reads the notices from the environment, with defaults, and refuses a contact that is not an e-mail address', () => {
    expect(loadConfig({}).notices).toEqual({ serviceOwner: 'the local safeguarding children partnership', contactEmail: undefined, dpoContact: undefined, retention: undefined, privacyNoticeFile: undefined });
    expect(loadConfig({
      JIGSAW_SERVICE_OWNER: ' Northshire Council ', JIGSAW_CONTACT_EMAIL: 'help@northshire.example', JIGSAW_DPO_CONTACT: 'Data Protection Officer, County Hall, Northshire',
      JIGSAW_RETENTION_STATEMENT: 'Until the 25th birthday.', JIGSAW_PRIVACY_NOTICE_FILE: '/etc/jigsaw/privacy.html',
    }).notices).toEqual({
      serviceOwner: 'Northshire Council', contactEmail: 'help@northshire.example', dpoContact: 'Data Protection Officer, County Hall, Northshire',
      retention: 'Until the 25th birthday.', privacyNoticeFile: '/etc/jigsaw/privacy.html',
    });
    expect(() => loadConfig({ JIGSAW_CONTACT_EMAIL: 'Northshire helpdesk' })).toThrow('JIGSAW_CONTACT_EMAIL must be an e-mail address');
  });
});
