import { z } from 'zod';
import { SignIn } from '../../auth/schemas.ts';
import { signIn, signOut, type AuthSettings } from '../../auth/auth.ts';
import { findPractitioner } from '../../partnership/partnership.ts';
import { Practitioner } from '../../partnership/schemas.ts';
import { unauthenticated } from '../../shared/errors.ts';
import { sourceAddress } from '../rate-limits.ts';
import type { Api } from '../route.ts';


export function registerAuthRoutes(api: Api, opts: { auth: AuthSettings; secureCookies?: boolean }, cookieName: string): void {
  api.route({
    method: 'POST', url: '/session', tag: 'Sign-in', auth: false, operationId: 'signIn',
    summary: 'Sign in',
    description: 'Sign in with e-mail and password; sets an HttpOnly, SameSite=Strict session cookie that expires at `expiresAt` (or sooner when idle). '
      + 'Failed attempts are throttled, never locked: past a few failures for one account from one network, or many from one network, '
      + 'each further attempt waits a delay that doubles with every failure (a 429 with Retry-After, answered at once without checking the password). '
      + 'A 503 with Retry-After means many sign-ins are being checked at that moment. Integrations use an API token instead. '
      + 'A practitioner who has set up two-factor authentication also gives `code` (from the authenticator app) or `recoveryCode`; without one, a right password '
      + 'is answered 401 with type …/second-factor-required; a wrong code counts as a failed attempt. A session of someone who must use two-factor authentication '
      + '(administrators, auditors, partnership administrators, and everyone where the partnership says so) that was opened with a password alone is refused '
      + 'everything but signing out (403 …/two-factor-required) until it is set up on the page /account/two-factor.',
    body: SignIn,
    response: z.object({ practitionerId: z.uuid(), expiresAt: z.string() }),
    handler: async ({ ctx, body, request, reply }) => {
      const s = await signIn(ctx, opts.auth, body.email, body.password, sourceAddress(request), { code: body.code, recoveryCode: body.recoveryCode });
      void reply.setCookie(cookieName, s.sessionToken, { httpOnly: true, sameSite: 'strict', secure: opts.secureCookies ?? false, path: '/', expires: new Date(s.expiresAt) });
      return { practitionerId: s.practitionerId, expiresAt: s.expiresAt };
    },
  });
  api.route({
    method: 'DELETE', url: '/session', tag: 'Sign-in', auth: false, operationId: 'signOut',
    summary: 'Sign out',
    description: 'Ends the session named by the session cookie, if any, and clears the cookie. Answers the same whether or not a session was open.',
    response: z.object({ signedOut: z.boolean() }),
    handler: async ({ ctx, request, reply }) => {
      const token = request.cookies[cookieName];
      if (token) await signOut(ctx, token);
      // Secure as when it was set: browsers ignore a __Host- cookie's deletion otherwise.
      void reply.clearCookie(cookieName, { path: '/', secure: opts.secureCookies ?? false });
      return { signedOut: true };
    },
  });
  api.route({
    method: 'GET', url: '/me', tag: 'Sign-in', operationId: 'getMe',
    summary: 'Who am I',
    description: 'The signed-in practitioner (or the owner of the API token): who they are, in which agency, with which roles.',
    response: Practitioner,
    handler: async ({ ctx }) => {
      const me = await findPractitioner(ctx.db, ctx.actor.practitionerId);
      if (!me) throw unauthenticated();
      return me;
    },
  });
}
