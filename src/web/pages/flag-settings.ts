import type { FastifyReply, FastifyRequest } from 'fastify';
import { getFlagSettings, updateFlagSettings } from '../../flags/flags.ts';
import { FlagSettingsInput, type FlagSettings } from '../../flags/schemas.ts';
import { fieldProblems } from '../../shared/errors.ts';
import { FormErrors, formOf, opt, str, validationProblem } from '../forms.ts';
import { type Web } from '../web.ts';

/**
 * The authority's contacts shown with its flags and where its "child was seen" notifications go
 * (issue 19, item 4), on a page: the same services and rules as the API's /flag-settings (children's
 * social care; its managers and administrators change them). The signing secret is shown once, in
 * the answer that made it.
 */

const FIELDS = ['officeHoursPhone', 'outOfHoursPhone', 'notifyEmail', 'webhookUrl'] as const;

export function registerFlagSettingsPages(web: Web): void {
  const { app } = web;
  const hosts = (): readonly string[] => web.opts.webhookHttpHosts ?? [];
  const mayChange = (request: FastifyRequest): boolean => web.roles(request).some((r) => r === 'manager' || r === 'administrator');

  const page = async (request: FastifyRequest, reply: FastifyReply, opts: { values?: Record<string, string>; errors?: FormErrors; settings?: FlagSettings; done?: string } = {}): Promise<FastifyReply> => {
    const settings = opts.settings ?? await getFlagSettings(web.ctx(request));
    const values = opts.values ?? Object.fromEntries(FIELDS.map((k) => [k, settings[k] ?? '']));
    const data = { pageTitle: 'Flag contacts and notifications', settings, values, canChange: mayChange(request), secret: settings.webhookSecret, successBanner: settings.webhookSecret ? undefined : opts.done, done: opts.done, backLink: '/admin' };
    return opts.errors?.any ? web.renderErrors(request, reply, 'admin/flag-settings.njk', opts.errors, data) : web.render(request, reply, 'admin/flag-settings.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get('/admin/flag-settings', async (request, reply) => page(request, reply));

  app.post('/admin/flag-settings', async (request, reply) => {
    const f = formOf(request.body);
    const values = Object.fromEntries(FIELDS.map((k) => [k, str(f, k)]));
    // An empty field clears it, as null does through the API.
    const input = Object.fromEntries(FIELDS.map((k) => [k, opt(f, k) ?? null]));
    const errors = new FormErrors();
    const map = Object.fromEntries(FIELDS.map((k) => [`/${k}`, k]));
    const parsed = FlagSettingsInput.safeParse(input);
    if (!parsed.success) {
      errors.addProblems(fieldProblems(parsed.error), map, 'officeHoursPhone');
      return page(request, reply, { values, errors });
    }
    try {
      const settings = await updateFlagSettings(web.ctx(request), parsed.data, { webhookHttpHosts: hosts() });
      // Rendered, not redirected: a first webhook address makes a signing secret, shown in this answer only.
      return await page(request, reply, { settings, done: 'The flag contacts and notification settings have been saved.' });
    } catch (err) {
      const p = validationProblem(err);
      if (!p) throw err;
      errors.addProblems(p.errors, map, 'officeHoursPhone');
      return page(request, reply, { values, errors });
    }
  });

  app.get('/admin/flag-settings/signing-secret', async (request, reply) => {
    const settings = await getFlagSettings(web.ctx(request));
    return web.render(request, reply, 'admin/flag-secret-replace.njk', { pageTitle: 'Replace the signing secret', settings, canChange: mayChange(request), backLink: '/admin/flag-settings' });
  });

  app.post('/admin/flag-settings/signing-secret', async (request, reply) => {
    const settings = await updateFlagSettings(web.ctx(request), {}, { rotateSecret: true, webhookHttpHosts: hosts() });
    return page(request, reply, { settings, done: 'The signing secret has been replaced. The old one no longer signs notifications.' });
  });
}
