import type { FastifyReply, FastifyRequest } from 'fastify';
import { cookieName } from '../../http/cookies.ts';
import { beginSignIn, finishSignIn, providerSignOutUrl, SingleSignOnRefused, type SignInTrouble } from '../../single-sign-on/flow.ts';
import { enabledProviders, singleSignOnSettings, syncEnvironmentProvider, type SingleSignOnSettings } from '../../single-sign-on/providers.ts';
import type { Web } from '../web.ts';

/** The cookie tying a sign-in in flight to the browser that began it (SameSite=Lax: it must come back with the provider's redirect). */
export const SSO_COOKIE = 'jigsaw_sso';

const ASK = 'If you should be able to use Jigsaw, ask your agency’s Jigsaw administrator to add you, using the e-mail address your organisation gave you.';

/** What each refusal says: plainly, naming no one. */
const TROUBLE: Record<SignInTrouble, { title: string; body: string; status: number }> = {
  'not-registered': { title: 'You cannot sign in to Jigsaw with this account', body: `Your organisation’s account is not registered in Jigsaw. ${ASK}`, status: 403 },
  'email-not-verified': { title: 'You cannot sign in to Jigsaw with this account', body: `Your organisation has not confirmed the e-mail address of this account, so Jigsaw cannot tell who you are. ${ASK}`, status: 403 },
  deactivated: { title: 'You cannot sign in to Jigsaw with this account', body: 'Your Jigsaw account has been switched off. If you still need to use Jigsaw, ask your agency’s Jigsaw administrator.', status: 403 },
  'outside-provider': { title: 'You cannot sign in to Jigsaw with this account', body: 'This organisation’s sign-in cannot be used for your agency’s Jigsaw account. Go back to the sign-in page and choose your own agency’s sign-in, or ask your agency’s Jigsaw administrator.', status: 403 },
  'mfa-required': { title: 'You need to sign in with a second factor', body: 'Jigsaw needs you to prove who you are with more than a password (for example a code from an app, a smartcard or a security key). Sign out of your organisation’s account, then sign in again using a second factor. Ask your IT service desk if you have not set one up.', status: 403 },
  unknown: { title: 'This sign-in link does not work', body: 'Go back to the sign-in page and start again.', status: 400 },
  used: { title: 'This sign-in has already been used', body: 'Each sign-in works once. Go back to the sign-in page and start again.', status: 400 },
  expired: { title: 'This sign-in has expired', body: 'You have 10 minutes to finish signing in. Go back to the sign-in page and start again.', status: 400 },
  'other-browser': { title: 'Finish signing in in the same browser', body: 'The sign-in was started in a different browser or window, or your browser blocked Jigsaw’s cookie. Go back to the sign-in page and start again in this browser.', status: 400 },
  cancelled: { title: 'You did not finish signing in', body: 'Your organisation’s sign-in was cancelled or refused. Go back to the sign-in page to try again.', status: 400 },
  'provider-error': { title: 'Your organisation’s sign-in did not work', body: 'Jigsaw could not confirm the sign-in with your organisation. Go back to the sign-in page and try again. If it keeps happening, tell your agency’s Jigsaw administrator.', status: 400 },
  unavailable: { title: 'Single sign-on is not working at the moment', body: 'Jigsaw cannot reach your organisation’s sign-in service. Try again later, or sign in with your Jigsaw password if you have one.', status: 503 },
};

/** Single sign-on's state in one web app: its settings and the environment's provider, brought into the database once. */
export class SingleSignOnPages {
  private synced: Promise<void> | undefined;
  constructor(private readonly web: Web, readonly settings: SingleSignOnSettings) {}

  private ready(): Promise<void> {
    this.synced ??= syncEnvironmentProvider(this.web.services, this.settings).catch((err: unknown) => {
      this.synced = undefined;
      throw err;
    });
    return this.synced;
  }

  /** The "Sign in with …" links for the sign-in page. */
  async choices(): Promise<{ href: string; name: string }[]> {
    await this.ready();
    return (await enabledProviders(this.web.services.db)).map((p) => ({ href: `/sign-in/sso/${p.id}`, name: p.name }));
  }

  /** After signing out of a session opened through a provider: a link to sign out there too, when the provider offers one. */
  signOutUrl(providerId: string): Promise<string | undefined> {
    return providerSignOutUrl(this.web.services, this.settings, providerId);
  }

  register(): void {
    const { app, opts } = this.web;
    const open = { config: { public: true } };
    const cookie = cookieName(SSO_COOKIE, opts.secureCookies);

    // A link, not a form: the pages' CSP allows forms to post only to Jigsaw, and Chrome applies
    // that to the redirect after a form post too, so a form could never reach the provider.
    app.get<{ Params: { id: string } }>('/sign-in/sso/:id', open, async (request, reply) => {
      await this.ready();
      try {
        const begun = await beginSignIn({ ...this.web.services, requestId: request.id }, this.settings, request.params.id);
        void reply.setCookie(cookie, begun.browserSecret, { httpOnly: true, sameSite: 'lax', secure: opts.secureCookies ?? false, path: '/', maxAge: 600 });
        return reply.redirect(begun.url, 303);
      } catch (err) {
        if (err instanceof SingleSignOnRefused) return this.trouble(request, reply, err.trouble === 'unknown' ? undefined : err);
        throw err;
      }
    });

    app.get('/sign-in/sso/callback', open, async (request, reply) => {
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
      void reply.clearCookie(cookie, { path: '/', secure: opts.secureCookies ?? false });
      try {
        const s = await finishSignIn({ ...this.web.services, requestId: request.id }, this.settings, opts.auth, query, request.cookies[cookie]);
        void reply.setCookie(opts.sessionCookie, s.sessionToken, { httpOnly: true, sameSite: 'strict', secure: opts.secureCookies ?? false, path: '/', expires: new Date(s.expiresAt) });
        // Not a redirect: this answer ends a navigation that began at the provider (another site),
        // and browsers withhold SameSite=Strict cookies for the whole of such a redirect chain. The
        // page moves on by itself (no script needed), so the next request is Jigsaw's own.
        return this.web.render(request, reply, 'sso-continue.njk', { pageTitle: 'You are signed in' });
      } catch (err) {
        if (err instanceof SingleSignOnRefused) return this.trouble(request, reply, err);
        throw err;
      }
    });

    // Sends the browser on to the provider's own sign-out, after Jigsaw's session has ended (POST /sign-out).
    app.get<{ Params: { id: string } }>('/sign-in/sso/:id/sign-out', open, async (request, reply) => {
      const url = await this.signOutUrl(request.params.id);
      return url ? reply.redirect(url, 303) : reply.redirect('/sign-in?signedOut=1', 303);
    });
  }

  private trouble(request: FastifyRequest, reply: FastifyReply, err: SingleSignOnRefused | undefined): Promise<FastifyReply> {
    const t = TROUBLE[err?.trouble ?? 'unknown'];
    if (!err) return this.web.render(request, reply, 'sso-trouble.njk', { title: 'Page not found', body: 'There is no sign-in here. Go back to the sign-in page and choose how to sign in.', pageTitle: 'Page not found' }, 404);
    return this.web.render(request, reply, 'sso-trouble.njk', { ...t, pageTitle: t.title, providerName: err.providerName }, t.status);
  }
}

export function registerSingleSignOnPages(web: Web, settings: SingleSignOnSettings = singleSignOnSettings()): SingleSignOnPages {
  const pages = new SingleSignOnPages(web, settings);
  pages.register();
  return pages;
}
