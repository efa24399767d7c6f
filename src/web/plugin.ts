import { join } from 'node:path';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound, Problem } from '../shared/errors.ts';
import { Uuid } from '../shared/schemas.ts';
import { registerAccountPages } from './pages/account.ts';
import { registerAdminPages } from './pages/admin.ts';
import { registerAuditPages } from './pages/audit.ts';
import { registerSharingReportPages } from './pages/sharing-report.ts';
import { registerAnnexAPages } from './pages/annex-a.ts';
import { registerCensusPages } from './pages/census.ts';
import { registerScimPages } from './pages/scim.ts';
import { registerFhirTokenPages } from './pages/fhir-tokens.ts';
import { registerFlagSettingsPages } from './pages/flag-settings.ts';
import { registerPartnershipPages } from './pages/partnerships.ts';
import { registerPractitionerPages } from './pages/practitioner.ts';
import { registerAuthPages } from './pages/auth.ts';
import { registerChronologyPages } from './pages/chronology.ts';
import { registerConsentPages } from './pages/consent.ts';
import { registerFlagPages } from './pages/flags.ts';
import { noticesView, registerLegalPages } from './pages/legal.ts';
import { registerMonitoringPages } from './pages/monitoring.ts';
import { registerPeoplePages } from './pages/people.ts';
import { registerCensusItemPages } from './pages/census-items.ts';
import { registerProcessPages } from './pages/process.ts';
import { registerAllocationPages } from './pages/allocation.ts';
import { registerRecordPages } from './pages/records.ts';
import { registerReferralPages } from './pages/referrals.ts';
import { registerRequestPages } from './pages/requests.ts';
import { registerSetPasswordPages } from './pages/set-password.ts';
import { registerSingleSignOnPages } from './pages/single-sign-on.ts';
import { registerIdentityProviderPages } from './pages/identity-providers.ts';
import { registerSharingPages } from './pages/sharing.ts';
import { registerTaskPages } from './pages/tasks.ts';
import { registerLeadAlertPages } from './pages/lead-alerts.ts';
import { registerCaseloadPages } from './pages/caseload.ts';
import { registerPlanPages } from './pages/plans.ts';
import { registerTwoFactorPages } from './pages/two-factor.ts';
import { pageAllowedWithoutSecondFactor, SET_UP_PAGE } from '../auth/two-factor/enforce.ts';
import { CsrfKey } from './server-keys.ts';
import { govukStylesheet } from './stylesheet.ts';
import { GOVUK_DIST, STATIC_DIR } from './view.ts';
import { cookieName, CSRF_COOKIE } from '../http/cookies.ts';
import { Web, type WebOptions } from './web.ts';

export type { WebOptions } from './web.ts';

const NOT_FOUND = { title: 'Page not found', body: 'There is nothing here, or it is not yours to see. If you typed the address, check it is correct.' };

/**
 * The GOV.UK "Page not found" for unknown addresses. Fastify allows one not-found handler for the
 * root prefix and app.ts keeps it (the API and FHIR answer problem+json); that handler asks this
 * for browsers asking for a page. It runs outside this plugin, so the page carries no CSRF token
 * and no form (layout.njk leaves out "Sign out").
 */
export class PageNotFound {
  private web: Web | undefined;

  attach(web: Web): void {
    this.web = web;
  }

  /** A browser asking for a page: not under /api/ or /fhir/, and accepting HTML. */
  static wanted(request: FastifyRequest): boolean {
    return !/^\/(api|fhir)(\/|$)/.test(request.url) && /\btext\/html\b/.test(request.headers.accept ?? '');
  }

  async send(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    if (!this.web) return reply.code(404).type('text/plain; charset=utf-8').send('Page not found');
    reply.generateCsrf = () => '';
    return this.web.render(request, reply, 'error.njk', NOT_FOUND, 404);
  }
}

/**
 * The practitioners' web pages (GOV.UK Design System), as one encapsulated Fastify plugin: its
 * form parser, CSRF protection and HTML error pages apply to these routes only, so the JSON API
 * under /api/v1 keeps its own behaviour. Pages are thin adapters over the same services.
 */
export async function webPlugin(app: FastifyInstance, opts: WebOptions & { notFound?: PageNotFound }): Promise<void> {
  // Assets from the installed packages, no CDN. They hold no personal data, so they may be cached.
  await app.register(async (assets) => {
    assets.addHook('onSend', async (_req, reply, payload) => {
      reply.header('cache-control', 'public, max-age=3600');
      return payload;
    });
    // Images only: the fonts beside them (GDS Transport) are licensed for GOV.UK services alone, and
    // our stylesheet sets text in the system font instead (styles/jigsaw-govuk.scss).
    await assets.register(fastifyStatic, { root: join(GOVUK_DIST, 'govuk', 'assets', 'images'), prefix: '/assets/images/', decorateReply: false, index: false });
    // GOV.UK Frontend's script; its precompiled CSS names the GDS Transport font files, so it is not served.
    await assets.register(fastifyStatic, {
      root: join(GOVUK_DIST, 'govuk'), prefix: '/govuk/', decorateReply: false, index: false,
      allowedPath: (path) => /^\/govuk-frontend\.min\.js(\.map)?$/.test(path),
    });
    assets.get('/styles/jigsaw-govuk.css', { config: { public: true } }, async (_req, reply) =>
      reply.type('text/css; charset=utf-8').send(await govukStylesheet()));
    await assets.register(fastifyStatic, { root: STATIC_DIR, prefix: '/static/', decorateReply: false, index: false });
    // Browsers ask for /favicon.ico on pages that name no icon (the chronology's print view).
    assets.get('/favicon.ico', { config: { public: true } }, async (_req, reply) => reply.redirect('/static/favicon.svg', 301));
  }, {});

  await app.register(async (pages) => {
    await pages.register(formbody, { bodyLimit: 1_048_576 });
    const csrfKey = new CsrfKey(opts.services.db);
    // Before anything renders or checks a token, the deployment's key is in place (server-keys.ts).
    pages.addHook('onRequest', async () => csrfKey.ready());
    await pages.register(csrf, {
      // The secret behind the forms' CSRF tokens; `__Host-` prefixed behind TLS (src/http/cookies.ts).
      cookieKey: cookieName(CSRF_COOKIE, opts.secureCookies),
      cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, secure: opts.secureCookies ?? false },
      getUserInfo: (req: FastifyRequest) => Web.userInfo(req, opts.sessionCookie),
      // The secret's cookie is tied to the session by an HMAC under the deployment's key, the same in
      // every server process and across restarts (server-keys.ts), so any process accepts any form.
      csrfOpts: { hmacKey: csrfKey.bytes },
    });
    const web = new Web(pages, opts, await noticesView(opts.notices));
    opts.notFound?.attach(web);

    // Every page needs a signed-in practitioner except those marked public; every form post needs its CSRF token.
    pages.addHook('preHandler', (request, reply, done) => {
      if (!request.routeOptions.config.public && !request.actor) {
        void reply.redirect('/sign-in', 303);
        return;
      }
      // A password-only session of someone who must use a second factor: nothing but setting it up (enforce.ts).
      if (request.secondFactorOwed && !pageAllowedWithoutSecondFactor(request)) {
        void reply.redirect(SET_UP_PAGE, 303);
        return;
      }
      // On a bad token csrfProtection sends the error itself (to the handler below) and does not call done.
      if (request.method === 'POST') pages.csrfProtection(request, reply, done);
      else done();
    });

    // The ids in the pages' addresses get the API's treatment in one place: not an id → page not found
    // (never a database error), an upper-case one → lower case before any service sees it.
    pages.addHook('preHandler', (request, _reply, done) => {
      const params = request.params as Record<string, string> | undefined;
      for (const name of ['id', 'otherId']) {
        const value = params?.[name];
        if (value === undefined) continue;
        const id = Uuid.safeParse(value);
        if (!id.success) {
          done(notFound('page'));
          return;
        }
        params![name] = id.data;
      }
      done();
    });

    pages.setErrorHandler(async (error: FastifyError | Problem, request, reply) => {
      if (error instanceof Problem) {
        if (error.status === 401) return reply.redirect('/sign-in', 303);
        if (error.status === 404) return web.render(request, reply, 'error.njk', NOT_FOUND, 404);
        if (error.status === 403) return web.render(request, reply, 'error.njk', { title: 'You cannot do that', body: error.detail ?? 'Your role does not allow this.' }, 403);
        if (error.status === 409) return web.render(request, reply, 'error.njk', { title: 'This has already changed', body: error.detail ?? 'Someone else has changed this. Go back and check.' }, 409);
        if (error.status === 429) return web.render(request, reply, 'error.njk', { title: 'Too many attempts', body: error.detail ?? 'Try again later.' }, 429);
        if (error.status === 422 || error.status === 400) return web.render(request, reply, 'error.njk', { title: 'There is a problem', body: error.detail ?? 'Go back and check what you entered.', problems: error.errors }, error.status);
      }
      const code = (error as FastifyError).code;
      if (code === 'FST_CSRF_INVALID_TOKEN' || code === 'FST_CSRF_MISSING_SECRET') {
        return web.render(request, reply, 'error.njk', { title: 'This form has expired', body: 'For your security, forms stop working when you sign in or out elsewhere. Go back, reload the page and try again.' }, 403);
      }
      const status = (error as FastifyError).statusCode ?? 500;
      if (status >= 400 && status < 500) {
        return web.render(request, reply, 'error.njk', { title: 'There is a problem', body: 'The request could not be read. Go back and try again.' }, status);
      }
      request.log.error({ err: { name: error.name, code } }, 'page failed');
      return errorPage(web, request, reply);
    });

    registerAuthPages(web, registerSingleSignOnPages(web, opts.singleSignOn));
    registerIdentityProviderPages(web, opts.singleSignOn);
    registerSetPasswordPages(web);
    registerTwoFactorPages(web);
    registerLegalPages(web);
    registerTaskPages(web);
    registerLeadAlertPages(web);
    registerCaseloadPages(web);
    registerPeoplePages(web);
    registerCensusItemPages(web);
    registerRecordPages(web);
    registerChronologyPages(web);
    registerSharingPages(web);
    registerConsentPages(web);
    registerFlagPages(web);
    registerRequestPages(web);
    registerReferralPages(web);
    registerProcessPages(web);
    registerPlanPages(web);
    registerMonitoringPages(web);
    registerAllocationPages(web);
    registerAdminPages(web);
    registerAuditPages(web);
    registerSharingReportPages(web);
    registerAnnexAPages(web);
    registerCensusPages(web);
    registerScimPages(web);
    registerPartnershipPages(web);
    registerFhirTokenPages(web);
    registerFlagSettingsPages(web);
    registerPractitionerPages(web);
    registerAccountPages(web);
  }, {});
}

async function errorPage(web: Web, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  try {
    return await web.render(request, reply, 'error.njk', { title: 'Sorry, there is a problem with the service', body: 'Nothing was changed. Try again later.' }, 500);
  } catch {
    return reply.code(500).type('text/plain; charset=utf-8').send('Sorry, there is a problem with the service. Nothing was changed.');
  }
}
