import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CASEWORK_ROLES, RETURNS_ROLES, type Role } from '../access/policy.ts';
import { mayLookUpFlags } from '../flags/lookup.ts';
import { BOARD_REPORT_ROLES } from '../reports/board.ts';
import { readsSeenQueue } from '../notifications/seen.ts';
import type { AuthSettings } from '../auth/auth.ts';
import type { ServiceNotices } from '../config/config.ts';
import type { SingleSignOnSettings } from '../single-sign-on/providers.ts';
import type { ActorContext, Services } from '../shared/context.ts';
import { Problem } from '../shared/errors.ts';
import { Drafts } from './drafts.ts';
import type { FormErrors } from './forms.ts';
import type { NoticesView } from './pages/legal.ts';
import type { WhoAmI } from './session-info.ts';
import { renderView } from './view.ts';

export interface WebOptions {
  services: Services;
  auth: AuthSettings;
  secureCookies?: boolean | undefined;
  /** The session cookie's name, which the JSON API also reads (app.ts; `__Host-` prefixed behind TLS, src/http/cookies.ts). */
  sessionCookie: string;
  /** The operator's words for the public pages and the beta banner (config.ts). */
  notices?: ServiceNotices | undefined;
  /** JIGSAW_WEBHOOK_HTTP_HOSTS, for the authority's webhook on the flag settings page (as the API checks it). */
  webhookHttpHosts?: readonly string[] | undefined;
  /** Single sign-on: JIGSAW_PUBLIC_URL and the environment's provider (JIGSAW_OIDC_*); read from the environment when not given. */
  singleSignOn?: SingleSignOnSettings | undefined;
}


declare module 'fastify' {
  interface FastifyContextConfig {
    /** A page anyone may see without signing in (sign-in, assets). */
    public?: boolean;
  }
}

/** One navigation item in the service header. */
interface NavItem {
  href: string;
  text: string;
  active?: boolean;
}

/** Banners shown after a redirect, chosen by a code in the query string (never personal data). */
const BANNERS: Record<string, string> = {
  'record-added': 'The record has been added.',
  'record-added-lead-told': 'The record has been added and your safeguarding lead has been told.',
  'lead-alert-dealt-with': 'The concern has been marked as dealt with.',
  'lead-alert-settings-updated': 'The records that always go to your safeguarding lead have been saved.',
  'person-added': 'The person has been added to your agency’s index.',
  'advice-requested': 'Your request for advice has been sent. You will be told when it is answered.',
  'advice-given': 'Your advice has been sent to your colleague.',
  'decision-recorded': 'The decision has been recorded.',
  'consent-recorded': 'The consent has been recorded.',
  'consent-withdrawn': 'The withdrawal has been recorded. Shares that relied on this consent have ended and their recipients have been told.',
  'request-sent': 'Your request for information has been sent.',
  'request-answered': 'Your answer has been sent to the agency that asked.',
  'referral-made': 'Your referral has been sent. You will be told when it is acknowledged and decided.',
  'referral-accepted': 'The child has been placed in your agency’s index and an episode opened.',
  'referral-acknowledged': 'The acknowledgement has been recorded and the referrer told.',
  'referral-decided': 'The decision has been recorded and fed back to the referrer.',
  'practitioner-added': 'The practitioner has been added.',
  'practitioner-changed': 'The change has been saved, with your reason.',
  'practitioner-deactivated': 'The account has been deactivated. They have been signed out everywhere and their API tokens no longer work.',
  'token-revoked': 'The API token has been revoked. It no longer works.',
  'alert-acknowledged': 'The alert has been acknowledged.',
  'notification-read': 'The notification has been marked as read.',
  'action-recorded': 'The action has been recorded.',
  'episode-allocated': 'The episode has been allocated. The social worker is told of any earlier child protection plans.',
  'match-recorded': 'Your decision about the possible same person has been recorded.',
  'agency-updated': 'The agency has been updated.',
  'agency-added': 'The agency has been added to the partnership.',
  'agency-joined': 'The agency is now in this partnership too.',
  'practitioner-moved': 'The practitioner has moved. Their sessions have ended; the new agency’s administrator gives them any administrative roles.',
  'partnership-created': 'The partnership has been created, with your agency in it. Add its other agencies below.',
  'partnership-renamed': 'The partnership has been renamed.',
  'fhir-token-revoked': 'The token has been revoked. The setting’s next request with it is refused.',
  'link-request-answered': 'Your answer to the link request has been recorded.',
  'match-requested': 'The other agency has been asked to agree that this is the same person. Nothing is linked until it does.',
  'chain-checked': 'The audit trail has been checked.',
};

/** What every page handler works with: the services, the signed-in actor, and the page renderer. */
export class Web {
  /** The practitioners' in-progress answers, in the database (drafts.ts). */
  readonly drafts: Drafts;

  constructor(
    readonly app: FastifyInstance,
    readonly opts: WebOptions,
    /** Who runs the service and how to reach them, for every page's banner and footer and the public pages. */
    readonly notices: NoticesView,
  ) {
    this.drafts = new Drafts(opts.services);
  }

  get services(): Services {
    return this.opts.services;
  }

  /** The practitioner's context for a service call. Pages only reach here when signed in. */
  ctx(request: FastifyRequest): ActorContext {
    if (!request.actor) throw new Problem(401, 'https://jigsaw.example/problems/unauthenticated', 'Not signed in');
    return { ...this.opts.services, actor: request.actor, purpose: undefined, requestId: request.id, readAudit: request.readAudit, reads: request.reads };
  }

  /**
   * Who is signed in (name, agency and its type) and when their session ends if unused: resolved
   * with the session itself on every signed-in request (src/http/app.ts), so no further statement.
   */
  private signedInNow(request: FastifyRequest): Promise<{ who: WhoAmI; endsAt: Date | undefined } | undefined> {
    const session = request.actor ? request.webSession : undefined;
    return Promise.resolve(session && { who: session.practitioner, endsAt: session.endsAt });
  }

  async me(request: FastifyRequest): Promise<WhoAmI | undefined> {
    return (await this.signedInNow(request))?.who;
  }

  roles(request: FastifyRequest): readonly Role[] {
    return request.actor?.roles ?? [];
  }

  /** Binds CSRF tokens to the session: a token from one session is refused in another. */
  static userInfo(request: FastifyRequest, cookie: string): string {
    const session = request.cookies[cookie];
    return session ? createHash('sha256').update(session).digest('hex') : 'signed-out';
  }

  async render(request: FastifyRequest, reply: FastifyReply, template: string, data: Record<string, unknown> = {}, status = 200): Promise<FastifyReply> {
    const csrfToken = reply.generateCsrf({ userInfo: Web.userInfo(request, this.opts.sessionCookie) });
    const signed = await this.signedInNow(request);
    const me = signed?.who;
    const sessionEnds = signed?.endsAt;
    const path = request.url.split('?')[0] ?? '/';
    const query = request.query as Record<string, string | undefined> | undefined;
    const bannerCode = typeof query?.done === 'string' ? query.done : undefined;
    // The page's reads go into the trail while it is rendered (read-audit.ts): it still leaves only once they are in.
    await request.readAudit?.begin(this.opts.services.db);
    const html = renderView(template, {
      ...data,
      csrfToken,
      me: me ? { ...me, roles: request.actor?.roles ?? [] } : undefined,
      nav: me ? this.nav(path, request.actor?.roles ?? [], me.agencyType) : [],
      sessionEndsAt: sessionEnds?.toISOString(),
      sessionWarnSeconds: 120,
      successBanner: data.successBanner ?? (bannerCode ? BANNERS[bannerCode] : undefined),
      notices: this.notices,
    });
    return reply.code(status).type('text/html; charset=utf-8').send(html);
  }

  /** Renders a form again with its error summary, keeping everything typed (422). */
  async renderErrors(request: FastifyRequest, reply: FastifyReply, template: string, errors: FormErrors, data: Record<string, unknown>): Promise<FastifyReply> {
    return this.render(request, reply, template, { ...data, ...errors.view() }, 422);
  }

  private nav(path: string, roles: readonly Role[], agencyType: string): NavItem[] {
    const items: NavItem[] = [{ href: '/tasks', text: 'My tasks' }];
    // Casework pages only for casework roles: the policy refuses their lists to anyone else.
    if (roles.some((r) => CASEWORK_ROLES.includes(r))) {
      items.push(
        { href: '/my-children', text: 'My children' },
        { href: '/people/find', text: 'Find a person' },
        { href: '/shared-with-me', text: 'Shared with you' },
        { href: '/requests', text: 'Requests' },
        { href: '/referrals', text: 'Referrals' },
      );
      if (agencyType === 'childrens_social_care') items.push({ href: '/process', text: 'Process' });
    }
    // The flag pages, for those their services serve (the services still decide on every request).
    if (mayLookUpFlags(agencyType, roles)) items.push({ href: '/flags/lookup', text: 'Flag lookup' });
    if (readsSeenQueue(agencyType, roles)) items.push({ href: '/seen-notifications', text: 'Children seen' });
    // The auditor's pages (the services refuse the trail to anyone but the agency's auditors and administrators).
    if (roles.includes('auditor')) items.push({ href: '/audit', text: 'Audit trail' });
    if (roles.some((r) => BOARD_REPORT_ROLES.includes(r))) items.push({ href: '/reports/sharing', text: 'Sharing report' });
    // The statutory returns: the authority's data team and managers (decideAgency 'prepare-returns').
    if (agencyType === 'childrens_social_care' && roles.some((r) => RETURNS_ROLES.includes(r))) {
      items.push({ href: '/returns/cin', text: 'Census' }, { href: '/returns/annex-a', text: 'Annex A' });
    }
    // Administration: the agency's and the partnership's administrators, auditors, and the authority's managers (its flag contacts).
    if (roles.some((r) => r === 'administrator' || r === 'auditor' || r === 'partnership_administrator') || (agencyType === 'childrens_social_care' && roles.includes('manager'))) {
      items.push({ href: '/admin', text: 'Administration' });
    }
    return items.map((i) => ({ ...i, active: path === i.href || path.startsWith(`${i.href}/`) }));
  }
}

/** A page's error summary and field messages, plus what was typed, for the template. */
export function formView(errors: FormErrors | undefined, values: Record<string, unknown>): Record<string, unknown> {
  return { values, ...(errors ? errors.view() : { errors: {}, errorList: [] }) };
}

/** A section that the practitioner's role or agency may not see: refused sections are left out. */
export async function safely<T>(load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (err) {
    if (err instanceof Problem && (err.status === 403 || err.status === 404)) return undefined;
    throw err;
  }
}

/** Where a notification leads: never to anything that names the person in the address. */
export function notificationHref(n: { kind: string; entityType: string; entityId: string }): string {
  if (n.kind === 'advice.requested') return '/advice';
  if (n.kind.startsWith('share.')) return n.kind === 'share.received' ? '/shared-with-me' : '/tasks';
  switch (n.entityType) {
    case 'share_decision': return `/share-decisions/${n.entityId}`;
    case 'information_request': return `/requests/${n.entityId}`;
    case 'referral': return `/referrals/${n.entityId}`;
    case 'meeting': return `/meetings/${n.entityId}`;
    case 'episode': return `/episodes/${n.entityId}`;
    case 'plan': return `/plans/${n.entityId}`;
    case 'closure_notice': return `/closure-notices/${n.entityId}`;
    case 'monitoring_arrangement': return `/monitoring/${n.entityId}`;
    case 'monitoring_alert': return `/monitoring-alerts/${n.entityId}`;
    // e.g. earlier child protection plans found around a child: their page shows them.
    case 'person': return `/people/${n.entityId}`;
    default: return '/tasks';
  }
}
