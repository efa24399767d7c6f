import { z } from 'zod';
import { ApiToken, createOwnToken, CreatedApiToken, listOwnTokens, NewApiToken, revokeOwnToken } from '../../auth/api-tokens.ts';
import { requestPasswordReset, RESET_ANSWER } from '../../auth/password-reset.ts';
import { sourceAddress } from '../rate-limits.ts';
import { forbidden } from '../../shared/errors.ts';
import { IdParams, type Api } from '../route.ts';

/** A practitioner's own API tokens, and the forgotten-password request (issue 19). */
export function registerTokenRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/tokens', tag: 'Sign-in', operationId: 'listTokens',
    summary: 'List your API tokens',
    description: 'Your own API tokens, newest first: names, when made, when they expire, when last used, whether revoked. Never the tokens themselves.',
    response: z.array(ApiToken),
    handler: ({ ctx }) => listOwnTokens(ctx),
  });
  api.route({
    method: 'POST', url: '/tokens', tag: 'Sign-in', operationId: 'createToken', status: 201,
    summary: 'Create an API token',
    description: 'Makes an API token for yourself, shown only in this answer (`token`). It expires after `days` (1 to 366), or JIGSAW_API_TOKEN_DAYS (90 by default). Only when signed in (the session cookie): a request made with an API token is refused (403), so that a token cannot renew itself for ever.',
    body: NewApiToken, response: CreatedApiToken,
    handler: ({ ctx, body, request }) => {
      if (request.headers.authorization) throw forbidden('Make API tokens when signed in, not with another token.');
      return createOwnToken(ctx, body);
    },
  });
  api.route({
    method: 'DELETE', url: '/tokens/{id}', tag: 'Sign-in', operationId: 'revokeToken',
    summary: 'Revoke one of your API tokens',
    description: 'Revokes one of your own API tokens; it stops working at once (a token may revoke itself). Anyone else\'s token is answered 404, as for one that does not exist.',
    params: IdParams, response: ApiToken,
    handler: ({ ctx, params }) => revokeOwnToken(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/password-reset', tag: 'Sign-in', auth: false, operationId: 'requestPasswordReset', status: 202,
    summary: 'Ask for a password reset link',
    description: 'Forgotten password. Always answers the same (202), whether or not the address belongs to anyone. For an active practitioner, when Jigsaw sends e-mail, a one-time link to choose a new password is e-mailed to them (JIGSAW_RESET_PASSWORD_MINUTES, 60 by default); their current password keeps working until it is used. At most 3 e-mails an hour go to one account, and requests from one network address are limited.',
    body: z.strictObject({ email: z.email('Enter an e-mail address like name@example.org').max(320) }).meta({ id: 'PasswordResetRequest' }),
    response: z.object({ detail: z.string() }),
    handler: async ({ ctx, body, request }) => {
      const r = await requestPasswordReset(ctx, body.email, sourceAddress(request));
      void r.delivery.catch(() => undefined);
      return { detail: RESET_ANSWER };
    },
  });
}
