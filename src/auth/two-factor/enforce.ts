import type { FastifyRequest } from 'fastify';
import type { TwoFactorSetting } from '../../config/config.ts';
import { twoFactorRequired } from './requirement.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The session was opened with a password alone by someone who must use a second factor. */
    secondFactorOwed?: boolean;
  }
  interface FastifyContextConfig {
    /** A page a session that still owes a second factor may use (setting it up, signing out, the keep-alive). */
    withoutSecondFactor?: boolean;
  }
}

/** What the API lets a session that owes a second factor do: sign in again (with a code), sign out, and read the API's description. */
const API_ALLOWED = (request: FastifyRequest): boolean =>
  request.routeOptions.url === '/api/v1/session' || (request.method === 'GET' && request.routeOptions.url === '/api/v1/openapi.json');

/**
 * Called for every request with a web session (src/http/app.ts), when JIGSAW_TWO_FACTOR is
 * `required`: marks a session that owes a second factor (the pages send it to set one up,
 * src/web/plugin.ts) and refuses it the API (403 two-factor-required). Whether it owes one was
 * resolved with the session itself (resolveWebSession, src/auth/auth.ts), in the same statement.
 */
export function checkSecondFactor(request: FastifyRequest, setting: TwoFactorSetting | undefined, owesSecondFactor: boolean): void {
  if (setting !== 'required' || !request.actor || !owesSecondFactor) return;
  request.secondFactorOwed = true;
  if (request.url.startsWith('/api/') && !API_ALLOWED(request)) throw twoFactorRequired();
}

/** The pages' side: where a session that owes a second factor may go; everything else leads to setting it up. */
export function pageAllowedWithoutSecondFactor(request: FastifyRequest): boolean {
  const config = request.routeOptions.config;
  return Boolean(config.public || config.withoutSecondFactor);
}

export const SET_UP_PAGE = '/account/two-factor';
