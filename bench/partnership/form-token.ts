/**
 * A signed-in user's form token: GET any page with the session cookie; the answer sets the CSRF
 * secret's cookie and carries the token in the sign-out form (layout.njk), bound to the session, so
 * one GET serves all of that user's posts, as a browser's would.
 */
export async function formToken(baseUrl: string, cookie: string, path: string): Promise<{ cookie: string; token: string }> {
  const res = await fetch(`${baseUrl}${path}`, { headers: { cookie }, redirect: 'manual' });
  const html = await res.text();
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const secret = res.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('jigsaw_csrf='));
  if (!token || !secret) throw new Error(`no form token on ${path} (status ${res.status})`);
  return { cookie: `${cookie}; ${secret}`, token };
}
