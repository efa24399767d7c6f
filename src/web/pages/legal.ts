import { readFile } from 'node:fs/promises';
import { DEFAULT_SERVICE_OWNER, type ServiceNotices } from '../../config/config.ts';
import { cookieName, CSRF_COOKIE } from '../../http/cookies.ts';
import type { Web } from '../web.ts';

/** What the layout and the public pages say about who runs the service and how to reach them. */
export interface NoticesView {
  owner: string;
  contactEmail: string | undefined;
  /** The DPO's contact as given, and whether it is an e-mail address (then shown as a mailto link). */
  dpoContact: string | undefined;
  dpoIsEmail: boolean;
  retention: string | undefined;
  /** The beta banner's "tell us what you think": an e-mail to the contact, or how to report a problem. */
  feedbackHref: string;
  /** The operator's own privacy notice body, if they gave one (trusted: it comes from their configuration). */
  privacyNoticeHtml: string | undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Resolves the operator's notices once, when the pages are registered: a privacy notice file that
 * cannot be read stops the service starting, rather than showing a notice nobody wrote.
 */
export async function noticesView(n: ServiceNotices | undefined): Promise<NoticesView> {
  const contactEmail = n?.contactEmail;
  let privacyNoticeHtml: string | undefined;
  if (n?.privacyNoticeFile) {
    try {
      privacyNoticeHtml = await readFile(n.privacyNoticeFile, 'utf8');
    } catch (err) {
      throw new Error(`JIGSAW_PRIVACY_NOTICE_FILE cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): ${n.privacyNoticeFile}`);
    }
  }
  return {
    owner: n?.serviceOwner ?? DEFAULT_SERVICE_OWNER,
    contactEmail,
    dpoContact: n?.dpoContact,
    dpoIsEmail: EMAIL.test(n?.dpoContact ?? ''),
    retention: n?.retention,
    feedbackHref: contactEmail ? `mailto:${contactEmail}?subject=${encodeURIComponent('Jigsaw feedback')}` : '/accessibility#report',
    privacyNoticeHtml,
  };
}

/**
 * The pages anyone may read without signing in: the accessibility statement the Public Sector
 * Bodies Accessibility Regulations 2018 require, the privacy notice (UK GDPR Articles 13 and 14)
 * and what cookies Jigsaw sets.
 */
export function registerLegalPages(web: Web): void {
  const { app, opts } = web;
  const open = { config: { public: true } };

  const session = { maxHours: opts.auth.sessionMaxHours, idleMinutes: opts.auth.sessionIdleMinutes, cookie: opts.sessionCookie };

  app.get('/accessibility', open, async (request, reply) => web.render(request, reply, 'legal/accessibility.njk', { pageTitle: 'Accessibility statement', session }));

  app.get('/privacy', open, async (request, reply) => web.render(request, reply, 'legal/privacy.njk', { pageTitle: 'Privacy notice' }));

  // The lifetimes are the ones this server is configured with, so the page cannot drift from the code.
  app.get('/cookies', open, async (request, reply) => web.render(request, reply, 'legal/cookies.njk', {
    pageTitle: 'Cookies',
    session,
    // The names as this server sets them (`__Host-` prefixed behind TLS).
    csrfCookie: cookieName(CSRF_COOKIE, opts.secureCookies),
  }));
}
