import type { LoadRequest } from '../load/spec.ts';
import { formToken } from './form-token.ts';
import type { PartnershipManifest } from './manifest.ts';
import { formBody, MIX_WEIGHTS, type RequestTemplate } from './mix.ts';

/** Every template as the load generator's request, with the user's cookies and form token. */
export async function asRequests(baseUrl: string, m: PartnershipManifest, templates: readonly RequestTemplate[]): Promise<LoadRequest[]> {
  const tokens = new Map<number, Promise<{ cookie: string; token: string }>>();
  const session = (i: number): string => `${m.sessionCookie}=${m.users[i]!.sessionToken}`;
  const out: LoadRequest[] = [];
  for (const t of templates) {
    const weight = t.label === 'episode' ? 1 : Math.round(MIX_WEIGHTS[t.label] * 100);
    if (t.method === 'GET') {
      out.push({ label: t.label, weight, method: 'GET', path: t.path, headers: { cookie: session(t.userIndex), accept: 'text/html' } });
      continue;
    }
    if (!tokens.has(t.userIndex)) tokens.set(t.userIndex, formToken(baseUrl, session(t.userIndex), '/people/find'));
    const { cookie, token } = await tokens.get(t.userIndex)!;
    out.push({ label: t.label, weight, method: 'POST', path: t.path, headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: formBody(t.formFields ?? {}, token) });
  }
  return out;
}
