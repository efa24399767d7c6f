import type { FastifyInstance } from 'fastify';
import { onTestFinished } from 'vitest';
import { createApiToken } from '../../src/auth/auth.ts';
import { buildApp } from '../../src/http/app.ts';
import type { ActorContext, Services } from '../../src/shared/context.ts';

/** The scenarios' HTTP application: the real app, on the scenario's own services and clock. */
export async function scenarioApp(services: Services): Promise<FastifyInstance> {
  const app = await buildApp({ services, auth: { sessionIdleMinutes: 30, sessionMaxHours: 12, signInMaxFailures: 5, signInWindowMinutes: 15 } });
  onTestFinished(() => app.close());
  return app;
}

export interface Answer {
  status: number;
  // The JSON body as a client sees it; tests read whichever fields the story is about.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** One practitioner using the API with their own bearer token. */
export interface Caller {
  get(url: string): Promise<Answer>;
  post(url: string, payload: unknown): Promise<Answer>;
  put(url: string, payload: unknown): Promise<Answer>;
}

export async function signedIn(app: FastifyInstance, ctx: ActorContext): Promise<Caller> {
  // A case example's clock moves on by months or years, past any real token's life (a practitioner
  // would make new ones): the story's token outlives it, as a test-only exception.
  const { token } = await createApiToken(ctx, ctx.actor.practitionerId, 'scenario', 3660);
  const headers = { authorization: `Bearer ${token}` };
  const send = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<Answer> => {
    const res = await app.inject({ method, url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  };
  return {
    get: (url) => send('GET', url),
    post: (url, payload) => send('POST', url, payload),
    put: (url, payload) => send('PUT', url, payload),
  };
}

/** What any caller is told about a record that does not exist, or is not theirs to see. */
export const NO_SUCH_RECORD = {
  type: 'https://jigsaw.example/problems/not-found',
  title: 'Not found',
  status: 404,
  detail: 'No record with that identifier was found.',
};

export const NO_SUCH_PERSON = { ...NO_SUCH_RECORD, detail: 'No person with that identifier was found.' };

/** An identifier nobody has used. */
export const NEVER_USED_ID = '00000000-0000-4000-8000-000000000000';
