import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** An account at the test's identity provider: the claims its ID token carries. */
export interface TestAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
  /** How the person "authenticated" this time (the ID token's amr); none when not given. */
  amr?: string[];
  acr?: string;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  provider: Provider;
  close(): Promise<void>;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A sign-in page of the provider's own: one field (the account's sub), accessible enough for axe. */
function loginPage(uid: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head><body><main>
<h1>Test identity provider</h1>
<form method="post" action="/interaction/${escapeHtml(uid)}">
<label for="account">Account</label> <input id="account" name="account" autocomplete="off">
<button type="submit">Continue</button>
</form></main></body></html>`;
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return new URLSearchParams(body);
}

/**
 * A real OpenID Connect provider (the `oidc-provider` package) on 127.0.0.1, with one confidential
 * client whose redirect URI is `redirectUri`. Its login is a form with one field, the account's
 * sub; the account's claims (and amr/acr) come from `accounts`. Consent is given at once.
 */
export async function startTestProvider(options: { redirectUri: string; postLogoutRedirectUri?: string; accounts: readonly TestAccount[] }): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const byId = new Map(options.accounts.map((a) => [a.sub, a]));
  const clientId = 'jigsaw-test';
  const clientSecret = 'test-client-secret-for-jigsaw-0123456789';
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId, client_secret: clientSecret, redirect_uris: [options.redirectUri], response_types: ['code'], grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_post', ...(options.postLogoutRedirectUri ? { post_logout_redirect_uris: [options.postLogoutRedirectUri] } : {}),
    }],
    claims: { openid: ['sub', 'acr', 'amr', 'auth_time'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
    acrValues: ['AAL1', 'AAL3'],
    cookies: { keys: ['test-provider-cookie-key'] },
    ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, id) => {
      const account = byId.get(id);
      if (!account) return undefined;
      // amr and acr describe this sign-in, not the account: they go in the interaction's result.
      const claims: Record<string, unknown> = { ...account };
      delete claims.amr;
      delete claims.acr;
      return { accountId: id, claims: () => claims };
    },
  });
  provider.on('server_error', () => undefined);
  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const m = /^\/interaction\/([\w-]+)$/.exec(req.url ?? '');
    if (!m) {
      callback(req, res);
      return;
    }
    void (async () => {
      try {
        if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(m[1]!));
          return;
        }
        const details = await provider.interactionDetails(req, res);
        const accountId = (await formBody(req)).get('account') ?? '';
        const account = byId.get(accountId);
        if (!account) {
          await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'no such account' }, { mergeWithLastSubmission: false });
          return;
        }
        const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
        grant.addOIDCScope(String(details.params.scope));
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, {
          login: { accountId, ...(account.amr ? { amr: account.amr } : {}), ...(account.acr ? { acr: account.acr } : {}) },
          consent: { grantId },
        }, { mergeWithLastSubmission: false });
      } catch {
        if (!res.headersSent) res.writeHead(500).end('interaction failed');
      }
    })();
  });
  return {
    issuer, clientId, clientSecret, provider,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * What a browser does at the provider, without a browser: follows its redirects (keeping its
 * cookies) from the authorization URL, signs in as `account` on its login form, and answers the
 * address it finally sends the browser back to (the relying party's redirect URI with code and state).
 */
export async function signInAtProvider(authorizationUrl: string, account: string): Promise<string> {
  const jar = new Map<string, string>();
  const cookieHeader = (): string => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (res: Response): void => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  };
  let url = authorizationUrl;
  let method = 'GET';
  let body: string | undefined;
  const origin = new URL(authorizationUrl).origin;
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, { method, redirect: 'manual', headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, body });
    keep(res);
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location')!, url).href;
      if (!next.startsWith(origin)) return next;
      url = next;
      method = 'GET';
      body = undefined;
      continue;
    }
    const html = await res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (res.status !== 200 || !action) throw new Error(`the provider answered ${res.status} at ${new URL(url).pathname}`);
    url = new URL(action.replace(/&#(\d+);/g, (_m, d: string) => String.fromCharCode(Number(d))), url).href;
    method = 'POST';
    body = new URLSearchParams({ account }).toString();
  }
  throw new Error('too many redirects at the provider');
}
