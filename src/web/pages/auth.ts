import { signOut } from '../../auth/auth.ts';
import { beginSignIn } from '../../auth/two-factor/challenge.ts';
import { awaitCode } from './two-factor-sign-in.ts';
import { sessionProvider } from '../../single-sign-on/sessions.ts';
import { SignIn } from '../../auth/schemas.ts';
import { fieldProblems, Problem } from '../../shared/errors.ts';
import { cleanText } from '../../shared/schemas.ts';
import { FormErrors, formOf, str } from '../forms.ts';
import { sourceAddress } from '../../http/rate-limits.ts';
import type { Web } from '../web.ts';
import type { SingleSignOnPages } from './single-sign-on.ts';

/** Sign in, sign out, the start page and the session keep-alive. */
export function registerAuthPages(web: Web, sso: SingleSignOnPages): void {
  const { app, opts } = web;

  // The start page: your tasks when signed in; otherwise what Jigsaw is, how to sign in, and where the API is described.
  app.get('/', { config: { public: true } }, async (request, reply) =>
    request.actor ? reply.redirect('/tasks', 303) : web.render(request, reply, 'start.njk', { pageTitle: 'Jigsaw' }));

  app.get('/sign-in', { config: { public: true } }, async (request, reply) => {
    if (request.actor) return reply.redirect('/tasks', 303);
    const q = request.query as { timeout?: string; signedOut?: string; expired?: string; provider?: string };
    // Signed out of a session opened through a provider: offer to sign out there too, when it can be done.
    const provider = q.signedOut !== undefined && q.provider && /^[0-9a-f-]{36}$/.test(q.provider) ? (await sso.choices()).find((c) => c.href === `/sign-in/sso/${q.provider}`) : undefined;
    const providerSignOut = provider && (await sso.signOutUrl(q.provider!)) ? { href: `${provider.href}/sign-out`, name: provider.name } : undefined;
    return web.render(request, reply, 'sign-in.njk', {
      values: {}, errors: {}, errorList: [], providers: await sso.choices(), providerSignOut,
      notice: q.timeout !== undefined ? 'You have been signed out because you did not do anything for a while. Sign in again to carry on.'
        : q.signedOut !== undefined ? 'You have signed out.'
        : q.expired !== undefined ? 'Your sign-in timed out, or a wrong code was entered too many times. Sign in again with your e-mail address and password.' : undefined,
    });
  });

  app.post('/sign-in', { config: { public: true } }, async (request, reply) => {
    const f = formOf(request.body);
    const email = str(f, 'email');
    const password = typeof f.password === 'string' ? f.password : '';
    const errors = new FormErrors();
    let status = 422;
    // The API's schema: an address with control characters is refused here, not by the database.
    const parsed = SignIn.safeParse({ email, password });
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), { '/email': 'email', '/password': 'password' }, 'email');
    else {
      try {
        // The request's ID goes into the sign-in's audit entry, as it does for every other request.
        const step = await beginSignIn({ ...opts.services, requestId: request.id }, opts.auth, parsed.data.email, parsed.data.password, sourceAddress(request));
        // A practitioner with a second factor is asked for a code next (pages/two-factor.ts).
        if ('challenge' in step) return awaitCode(web, reply, step);
        const s = step.signedIn;
        void reply.setCookie(opts.sessionCookie, s.sessionToken, { httpOnly: true, sameSite: 'strict', secure: opts.secureCookies ?? false, path: '/', expires: new Date(s.expiresAt) });
        return reply.redirect('/tasks', 303);
      } catch (err) {
        if (!(err instanceof Problem) || ![401, 429, 503].includes(err.status)) throw err;
        // A 429 or 503 says how long to wait (its detail, which names no one); the header tells programs the same.
        if (typeof err.extra.retryAfterSeconds === 'number') void reply.header('retry-after', String(err.extra.retryAfterSeconds));
        if (err.status !== 401) status = err.status;
        errors.add('email', err.status === 401 ? 'The e-mail address or password is not right' : (err.detail ?? 'Try again later.').replace(/\.$/, ''));
      }
    }
    // The password is never sent back to the browser.
    return web.render(request, reply, 'sign-in.njk', { values: { email: cleanText(email) }, providers: await sso.choices(), ...errors.view() }, status);
  });

  app.post('/sign-out', { config: { withoutSecondFactor: true } }, async (request, reply) => {
    const token = request.cookies[opts.sessionCookie];
    const providerId = token ? await sessionProvider(opts.services.db, token) : undefined;
    if (token) await signOut({ ...opts.services, requestId: request.id }, token);
    void reply.clearCookie(opts.sessionCookie, { path: '/', secure: opts.secureCookies ?? false });
    return reply.redirect(providerId ? `/sign-in?signedOut=1&provider=${providerId}` : '/sign-in?signedOut=1', 303);
  });

  // Used by the timeout warning's "Stay signed in": resolving the session (app.ts) has touched it.
  app.get('/session/keep-alive', { config: { withoutSecondFactor: true } }, async (request, reply) => {
    return reply.type('application/json').send({ endsAt: request.webSession?.endsAt.toISOString() ?? null });
  });
}
