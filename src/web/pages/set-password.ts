import { inspectLink, LINK_TROUBLE, setPasswordWithLink } from '../../auth/set-password.ts';
import { Problem } from '../../shared/errors.ts';
import { FormErrors, formOf } from '../forms.ts';
import type { Web } from '../web.ts';

type TokenParams = { token: string };

/**
 * The page a one-time set-password link opens (src/auth/set-password.ts): its owner chooses a
 * password, twice, under the same strength rule as everywhere. Public, as the person cannot sign in
 * yet; CSRF-protected like every form. A link that was used, replaced or has expired says so plainly.
 */
export function registerSetPasswordPages(web: Web): void {
  const { app } = web;
  const open = { config: { public: true } };

  app.get<{ Params: TokenParams }>('/set-password/:token', open, async (request, reply) => {
    const link = await inspectLink({ ...web.services, requestId: request.id }, request.params.token, true);
    if (link.state !== 'valid') return trouble(web, request, reply, link.state);
    return web.render(request, reply, 'set-password.njk', { pageTitle: 'Choose your password', email: link.email, errors: {}, errorList: [] });
  });

  app.post<{ Params: TokenParams }>('/set-password/:token', open, async (request, reply) => {
    const f = formOf(request.body);
    // Passwords are taken as typed (no trimming): spaces may be part of a passphrase.
    const password = typeof f.password === 'string' ? f.password : '';
    const confirm = typeof f.confirmPassword === 'string' ? f.confirmPassword : '';
    const link = await inspectLink({ ...web.services, requestId: request.id }, request.params.token, true);
    if (link.state !== 'valid') return trouble(web, request, reply, link.state);
    const errors = new FormErrors();
    if (!password) errors.add('password', 'Enter a password');
    else if (password.length > 200) errors.add('password', 'A password must have at most 200 characters');
    else if (confirm !== password) errors.add('confirmPassword', 'Enter the same password twice');
    if (!errors.any) {
      try {
        await setPasswordWithLink({ ...web.services, requestId: request.id }, request.params.token, password);
        return web.render(request, reply, 'set-password-done.njk', { pageTitle: 'Your password has been set' });
      } catch (err) {
        if (!(err instanceof Problem)) throw err;
        if (err.status === 404 || err.status === 410) return trouble(web, request, reply, err.status === 404 ? 'unknown' : stateFrom(err));
        if (err.status !== 422) throw err;
        errors.add('password', err.errors[0]?.detail ?? 'Choose a password that is harder to guess');
      }
    }
    // Neither password is ever sent back to the browser.
    return web.renderErrors(request, reply, 'set-password.njk', errors, { pageTitle: 'Choose your password', email: link.email });
  });
}

type Trouble = keyof typeof LINK_TROUBLE;

const stateFrom = (p: Problem): Trouble => (p.type.replace(/^.*set-password-link-/, '') as Trouble) in LINK_TROUBLE ? (p.type.replace(/^.*set-password-link-/, '') as Trouble) : 'unknown';

const TITLES: Record<Trouble, string> = { used: 'This link has already been used', expired: 'This link has expired', replaced: 'This link has been replaced', unknown: 'This link does not work' };

function trouble(web: Web, request: Parameters<Web['render']>[0], reply: Parameters<Web['render']>[1], state: Trouble): ReturnType<Web['render']> {
  return web.render(request, reply, 'error.njk', { title: TITLES[state], body: LINK_TROUBLE[state] }, state === 'unknown' ? 404 : 410);
}
