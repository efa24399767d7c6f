import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiTokenDays, createOwnToken, listOwnTokens, MAX_API_TOKEN_DAYS, NewApiToken, revokeOwnToken, type CreatedApiToken } from '../../auth/api-tokens.ts';
import { requestPasswordReset, RESET_ANSWER } from '../../auth/password-reset.ts';
import { sourceAddress } from '../../http/rate-limits.ts';
import { peopleSettings } from '../../partnership/people-settings.ts';
import { fieldProblems } from '../../shared/errors.ts';
import { cleanText } from '../../shared/schemas.ts';
import { FormErrors, formOf, str } from '../forms.ts';
import type { Web } from '../web.ts';
import { hasSecondFactor } from '../../auth/two-factor/totp.ts';

const SIGNED_IN_WITH: Record<string, string> = {
  password: 'your password',
  password_totp: 'your password and a code from your authenticator app',
  password_recovery_code: 'your password and a recovery code',
  single_sign_on: 'your organisation’s account (single sign-on)',
};

/**
 * "Your account" (`/account`), a practitioner's own API tokens (`/account/tokens`: list, make — the token shown once — and
 * revoke), and "Forgotten your password?" (`/forgot-password`, public), issue 19.
 */
export function registerAccountPages(web: Web): void {
  const { app } = web;

  const tokensPage = async (request: FastifyRequest, reply: FastifyReply, values: Record<string, unknown>, errors?: FormErrors, created?: CreatedApiToken): Promise<FastifyReply> => {
    const tokens = await listOwnTokens(web.ctx(request));
    const data = { pageTitle: 'Your API tokens', tokens, values, created, defaultDays: apiTokenDays(), maxDays: MAX_API_TOKEN_DAYS };
    return errors?.any ? web.renderErrors(request, reply, 'account/tokens.njk', errors, data) : web.render(request, reply, 'account/tokens.njk', { ...data, errors: {}, errorList: [] });
  };

  // "Your account": who Jigsaw knows you as, how this session was opened, and where to change what you can.
  app.get('/account', async (request, reply) => {
    const me = await web.me(request);
    const method = request.webSession?.method;
    return web.render(request, reply, 'account/index.njk', {
      pageTitle: 'Your account', me, roles: web.roles(request).map((r) => r.replace(/_/g, ' ').replace(/^./, (x) => x.toUpperCase())),
      twoFactorOn: await hasSecondFactor(web.services.db, web.ctx(request).actor.practitionerId),
      signedInWith: method ? SIGNED_IN_WITH[method] : undefined,
    });
  });

  app.get('/account/tokens', async (request, reply) => tokensPage(request, reply, {}));

  app.post('/account/tokens', async (request, reply) => {
    const f = formOf(request.body);
    const values = { name: str(f, 'name'), days: str(f, 'days') };
    const errors = new FormErrors();
    const days = values.days === '' ? undefined : /^\d{1,4}$/.test(values.days) ? Number(values.days) : NaN;
    if (Number.isNaN(days)) errors.add('days', `Enter a whole number of days from 1 to ${MAX_API_TOKEN_DAYS}`);
    const parsed = NewApiToken.safeParse({ name: values.name, ...(days === undefined || Number.isNaN(days) ? {} : { days }) });
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), { '/name': 'name', '/days': 'days' }, 'name');
    if (!errors.any && parsed.success) {
      const created = await createOwnToken(web.ctx(request), parsed.data);
      // Not a redirect: the token is shown in this answer only.
      return tokensPage(request, reply, {}, undefined, created);
    }
    return tokensPage(request, reply, values, errors);
  });

  app.post<{ Params: { id: string } }>('/account/tokens/:id/revoke', async (request, reply) => {
    await revokeOwnToken(web.ctx(request), request.params.id);
    return reply.redirect('/account/tokens?done=token-revoked', 303);
  });

  const open = { config: { public: true } };

  app.get('/forgot-password', open, async (request, reply) =>
    web.render(request, reply, 'forgot-password.njk', { pageTitle: 'Reset your password', values: {}, errors: {}, errorList: [], emailConfigured: peopleSettings().mail.configured }));

  app.post('/forgot-password', open, async (request, reply) => {
    const email = str(formOf(request.body), 'email');
    const errors = new FormErrors();
    const trimmed = email.trim();
    if (!trimmed) errors.add('email', 'Enter your e-mail address');
    else if (trimmed.length > 320 || !/^[^\s@]+@[^\s@]+$/.test(trimmed) || cleanText(trimmed) !== trimmed) errors.add('email', 'Enter an e-mail address like name@example.org');
    if (errors.any) {
      return web.renderErrors(request, reply, 'forgot-password.njk', errors, { pageTitle: 'Reset your password', values: { email: cleanText(email) }, emailConfigured: peopleSettings().mail.configured });
    }
    const r = await requestPasswordReset({ ...web.services, requestId: request.id }, trimmed, sourceAddress(request));
    // The e-mail goes on its own: the answer takes as long, and says the same, for any address.
    void r.delivery.catch(() => undefined);
    return web.render(request, reply, 'forgot-password-sent.njk', { pageTitle: 'Check your e-mail', answer: RESET_ANSWER });
  });
}
