import type { FastifyInstance } from 'fastify';
import { afterEach, expect } from 'vitest';
import type { Actor, Role } from '../../src/access/policy.ts';
import { loadActor } from '../../src/auth/auth.ts';
import { buildApp, type AppOptions } from '../../src/http/app.ts';
import { addPractitionerAsSystem } from '../../src/partnership/partnership.ts';
import type { ActorContext, Services } from '../../src/shared/context.ts';
import { AUTH_SETTINGS } from '../api/helpers.ts';

/** A form as a browser sends it: fields, a field given several times as an array, or pairs in order. */
export type FormFields = Record<string, string | readonly string[]> | readonly (readonly [string, string])[];

export interface NoJsBrowser {
  /** GETs a page as HTML, expecting `status`; answers the body, or for a 303 where it leads. */
  get(url: string, status?: number): Promise<string>;
  /** POSTs a form with the CSRF token of the last page read. */
  post(url: string, form: FormFields): Promise<{ status: number; location?: string | undefined; body: string }>;
  /** Where a link redirects to (expects a 303). */
  location(url: string): Promise<string | undefined>;
}

/**
 * The pages as a browser without JavaScript meets them: an app built for the test (closed after
 * each), practitioners who sign in with a password, and for each a browser keeping its cookies and
 * the CSRF token of the page it last read.
 */
export function useWebApp(password: string) {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  let seq = 0;
  return {
    /** The app built by open(). */
    get app(): FastifyInstance {
      return app!;
    },
    /** Builds the app on these services (the pages need the same settings as production's defaults). */
    open: async (s: Services, extra: Partial<AppOptions> = {}): Promise<FastifyInstance> => {
      app = await buildApp({ services: s, auth: AUTH_SETTINGS, logLevel: 'silent', ...extra });
      return app;
    },
    /** A practitioner with the test's password, and the context they act in through the services. */
    signedUp: async (s: Services, agencyId: string, roles: Role[], name: string): Promise<ActorContext & { email: string }> => {
      const email = `web${++seq}-${Math.random().toString(36).slice(2, 8)}@example.org`;
      const p = await addPractitionerAsSystem(s, { agencyId, name, email, roles, password });
      return { ...s, actor: (await loadActor(s.db, p.id)) as Actor, email };
    },
    /** Signs in and answers that practitioner's browser. */
    browser: async (who: { email: string }): Promise<NoJsBrowser> => {
      const signedIn = await app!.inject({ method: 'POST', url: '/api/v1/session', payload: { email: who.email, password } });
      const cookies: Record<string, string> = { jigsaw_session: signedIn.cookies.find((c) => c.name === 'jigsaw_session')!.value };
      let token = '';
      const get = async (url: string, status = 200): Promise<string> => {
        const res = await app!.inject({ url, headers: { accept: 'text/html' }, cookies });
        for (const c of res.cookies) cookies[c.name] = c.value;
        expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(status);
        token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? token;
        return status === 303 ? res.headers.location! : res.body;
      };
      const post = async (url: string, form: FormFields) => {
        const params = new URLSearchParams({ _csrf: token });
        const pairs = Array.isArray(form) ? form : Object.entries(form).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x: string) => [k, x] as const));
        for (const [k, v] of pairs as readonly (readonly [string, string])[]) params.append(k, v);
        const res = await app!.inject({
          method: 'POST', url, cookies, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: params.toString(),
        });
        return { status: res.statusCode, location: res.headers.location, body: res.body };
      };
      const location = async (url: string): Promise<string | undefined> => {
        const res = await app!.inject({ url, headers: { accept: 'text/html' }, cookies });
        expect(res.statusCode).toBe(303);
        return res.headers.location;
      };
      return { get, post, location };
    },
  };
}
