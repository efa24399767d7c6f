import type { FastifyReply, FastifyRequest } from 'fastify';
import { answerChallenge, challengeOpen } from '../../auth/two-factor/challenge.ts';
import { normaliseCode } from '../../auth/two-factor/totp.ts';
import { cookieName } from '../../http/cookies.ts';
import { sourceAddress } from '../../http/rate-limits.ts';
import { Problem } from '../../shared/errors.ts';
import { FormErrors, formOf, str } from '../forms.ts';
import type { Web } from '../web.ts';

/**
 * The second step of signing in on the pages: after a right password, a practitioner with a
 * second factor holds a challenge (a random token in a short-lived HttpOnly cookie, src/auth/
 * two-factor/challenge.ts) and gives a code from the app, or a recovery code, here.
 */

export const CHALLENGE_COOKIE = 'jigsaw_sign_in';

const challengeCookie = (web: Web): string => cookieName(CHALLENGE_COOKIE, web.opts.secureCookies);

/** After a right password: keep the challenge in a cookie and ask for the code. */
export function awaitCode(web: Web, reply: FastifyReply, step: { challenge: string; expiresAt: string }): FastifyReply {
  void reply.setCookie(challengeCookie(web), step.challenge, {
    httpOnly: true, sameSite: 'strict', secure: web.opts.secureCookies ?? false, path: '/', expires: new Date(step.expiresAt),
  });
  return reply.redirect('/sign-in/code', 303);
}

type Kind = 'code' | 'recovery';

const VIEW: Record<Kind, { template: string; pageTitle: string }> = {
  code: { template: 'two-factor/sign-in-code.njk', pageTitle: 'Enter your code' },
  recovery: { template: 'two-factor/sign-in-recovery.njk', pageTitle: 'Enter a recovery code' },
};

export function registerTwoFactorSignInPages(web: Web): void {
  const { app, opts } = web;
  const open = { config: { public: true } };

  const show = async (kind: Kind, request: FastifyRequest, reply: FastifyReply) => {
    if (request.actor) return reply.redirect('/tasks', 303);
    if (!(await challengeOpen(web.services, request.cookies[challengeCookie(web)]))) return reply.redirect('/sign-in', 303);
    return web.render(request, reply, VIEW[kind].template, { pageTitle: VIEW[kind].pageTitle, values: {}, errors: {}, errorList: [] });
  };

  const answer = async (kind: Kind, request: FastifyRequest, reply: FastifyReply) => {
    const token = request.cookies[challengeCookie(web)];
    if (!token) return reply.redirect('/sign-in', 303);
    const f = formOf(request.body);
    const given = str(f, kind === 'code' ? 'code' : 'recoveryCode');
    const errors = new FormErrors();
    let status = 422;
    // A code that cannot be right is not a try: only well-formed codes are checked and counted.
    if (kind === 'code' && !given) errors.add('code', 'Enter the 6-digit code from your authenticator app');
    else if (kind === 'code' && !/^\d{6}$/.test(normaliseCode(given))) errors.add('code', 'The code must be 6 digits, like 123456');
    else if (kind === 'recovery' && !given) errors.add('recoveryCode', 'Enter one of your recovery codes');
    else if (kind === 'recovery' && given.length > 40) errors.add('recoveryCode', 'A recovery code has 10 letters and numbers, like abcde-23456');
    else {
      try {
        const s = await answerChallenge({ ...opts.services, requestId: request.id }, opts.auth, token, kind === 'code' ? { code: given } : { recoveryCode: given }, sourceAddress(request));
        void reply.clearCookie(challengeCookie(web), { path: '/', secure: opts.secureCookies ?? false });
        void reply.setCookie(opts.sessionCookie, s.sessionToken, { httpOnly: true, sameSite: 'strict', secure: opts.secureCookies ?? false, path: '/', expires: new Date(s.expiresAt) });
        return reply.redirect('/tasks', 303);
      } catch (err) {
        if (!(err instanceof Problem) || ![401, 429].includes(err.status)) throw err;
        if (err.type.endsWith('/sign-in-expired')) {
          void reply.clearCookie(challengeCookie(web), { path: '/', secure: opts.secureCookies ?? false });
          return reply.redirect('/sign-in?expired=1', 303);
        }
        if (typeof err.extra.retryAfterSeconds === 'number') void reply.header('retry-after', String(err.extra.retryAfterSeconds));
        if (err.status === 429) status = 429;
        errors.add(kind === 'code' ? 'code' : 'recoveryCode', (err.detail ?? 'The code is not right').replace(/\.$/, ''));
      }
    }
    // The code is never sent back to the browser.
    return web.render(request, reply, VIEW[kind].template, { pageTitle: VIEW[kind].pageTitle, values: {}, ...errors.view() }, status);
  };

  app.get('/sign-in/code', open, (request, reply) => show('code', request, reply));
  app.post('/sign-in/code', open, (request, reply) => answer('code', request, reply));
  app.get('/sign-in/recovery-code', open, (request, reply) => show('recovery', request, reply));
  app.post('/sign-in/recovery-code', open, (request, reply) => answer('recovery', request, reply));
}
