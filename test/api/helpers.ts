import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../../src/auth/auth.ts';
import { buildApp } from '../../src/http/app.ts';
import type { ActorContext, Services } from '../../src/shared/context.ts';

export const AUTH_SETTINGS = { sessionIdleMinutes: 30, sessionMaxHours: 12, signInMaxFailures: 5, signInWindowMinutes: 15 };

export const testApp = (services: Services): Promise<FastifyInstance> => buildApp({ services, auth: AUTH_SETTINGS });

/** A bearer header for a practitioner made with the fixtures. */
export async function bearer(ctx: ActorContext): Promise<Record<string, string>> {
  // The longest a token may live: scenarios move the clock on by months, past the 90-day default.
  const t = await createApiToken(ctx, ctx.actor.practitionerId, 'test', 366);
  return { authorization: `Bearer ${t.token}` };
}
