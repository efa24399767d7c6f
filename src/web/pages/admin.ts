import type { FastifyReply, FastifyRequest } from 'fastify';
import { ROLES, type Role } from '../../access/policy.ts';
import { addPractitioner, sendNewInvitation, type InvitationOutcome } from '../../partnership/invitations.ts';
import { listAgencies, listAgencyPractitioners, setAgencySensitivity } from '../../partnership/partnership.ts';
import { peopleSettings } from '../../partnership/people-settings.ts';
import { AgencySensitivity, NewPractitioner, SENSITIVE_AGENCY_TYPES } from '../../partnership/schemas.ts';
import { getLeadAlertSettings, setLeadAlertSettings } from '../../records/lead-alerts.ts';
import { LeadAlertSettings } from '../../records/lead-alert-schemas.ts';
import { CATEGORIES, RECORD_KINDS } from '../../records/schemas.ts';
import { fieldProblems } from '../../shared/errors.ts';
import { FormErrors, formOf, list, opt, parseForm, str, validationProblem } from '../forms.ts';
import { safely, type Web } from '../web.ts';

const asWords = (c: string): string => c.replace(/_/g, ' ').replace(/^./, (x) => x.toUpperCase());
const LEAD_ALERT_CHOICES = { kinds: RECORD_KINDS.map((k) => ({ value: k, text: asWords(k) })), categories: CATEGORIES.map((c) => ({ value: c, text: asWords(c) })) };

/** What each role may do, as the access policy decides it (src/access/policy.ts). */
export const ROLE_TEXT: Record<string, string> = {
  practitioner: 'Records, reads and shares what the agency knows (casework).',
  safeguarding_lead: 'Casework, and reads restricted records; advises colleagues on sharing.',
  manager: 'Casework, corrects records, and acknowledges alerts for overdue steps.',
  social_worker: 'Casework in children’s social care: referrals and episodes.',
  caldicott_guardian: 'Casework, and advises on sharing health information.',
  administrator: 'Manages the agency’s practitioners; reads no records.',
  auditor: 'Reads the agency’s audit trail and who viewed each record; reads no records.',
  partnership_administrator: 'Sets up the partnerships the agency belongs to: their agencies and codes, and health settings’ FHIR tokens; reads no records.',
  data_officer: 'Prepares the statutory returns (the Children in Need census, Ofsted’s Annex A) and corrects the census’s codes and identifiers; no other casework.',
};

interface AdminLink { href: string; text: string; hint: string }

/**
 * The administration pages each role has, as links on /admin (the pages' services still decide on
 * every request). Some are built beside these: practitioners' details, two-factor, identity
 * providers, SCIM and the auditors' pages (issue 19).
 */
export function adminSections(roles: readonly Role[], agencyType: string): { heading: string; links: AdminLink[] }[] {
  const has = (r: Role): boolean => roles.includes(r);
  const sections: { heading: string; links: AdminLink[] }[] = [];
  if (has('partnership_administrator')) {
    sections.push({ heading: 'Your partnerships', links: [
      { href: '/admin/partnerships', text: 'Partnerships and their agencies', hint: 'Create or rename a partnership; add agencies with their ODS and local authority codes.' },
      { href: '/admin/fhir-tokens', text: 'FHIR tokens for health settings', hint: 'Make, list and revoke the tokens emergency departments and other settings look flags up with.' },
      { href: '/admin/identity-providers', text: 'Single sign-on', hint: 'The identity providers practitioners sign in with.' },
      { href: '/admin/two-factor', text: 'Two-factor authentication for everyone', hint: 'Whether everyone in a partnership must use a second factor, and how many have set one up.' },
    ] });
  }
  if (has('administrator')) {
    sections.push({ heading: 'Your agency', links: [
      { href: '/admin/practitioners', text: 'Practitioners', hint: 'Invite practitioners, change their roles, deactivate leavers.' },
      { href: '/admin/identity-providers', text: 'Single sign-on', hint: 'Your agency’s identity provider.' },
      { href: '/admin/scim', text: 'Automatic provisioning (SCIM)', hint: 'Let your identity provider add, change and deactivate practitioners.' },
      { href: '/admin/agencies', text: 'Agencies in your partnerships', hint: 'Your agency’s codes, whether it is named in possible matches, and what goes to your safeguarding lead.' },
    ] });
  } else if (has('partnership_administrator')) {
    sections[0]!.links.push({ href: '/admin/agencies', text: 'Agencies in your partnerships', hint: 'Every agency of your partnerships, with its codes.' });
  }
  if (agencyType === 'childrens_social_care' && (has('administrator') || has('manager'))) {
    sections.push({ heading: 'Flags for health settings', links: [
      { href: '/admin/flag-settings', text: 'Flag contacts and notifications', hint: 'The numbers health settings see with your flags, and where “child was seen” notifications go.' },
    ] });
  }
  if (agencyType === 'childrens_social_care' && has('manager')) {
    sections.push({ heading: 'Statutory returns', links: [
      { href: '/returns/cin', text: 'Children in Need census', hint: 'Download the census and its validation report; see each child’s census problems and where to put them right.' },
    ] });
  }
  if (has('auditor')) {
    sections.push({ heading: 'Audit', links: [
      { href: '/audit', text: 'Audit trail', hint: 'Who did what, who looked at a child, and the state of the chain.' },
      { href: '/reports/sharing', text: 'Sharing report', hint: 'Information sharing across the partnership’s agencies, for the board: counts only.' },
    ] });
  }
  // One link per address even when two roles offer it.
  const seen = new Set<string>();
  return sections.map((sec) => ({ ...sec, links: sec.links.filter((l) => !seen.has(l.href) && seen.add(l.href)) })).filter((sec) => sec.links.length > 0);
}

/** The administrator's pages: agencies, practitioners and roles. */
export function registerAdminPages(web: Web): void {
  const { app } = web;
  const roleItems = ROLES.map((r) => ({ value: r, text: r.replace(/_/g, ' ').replace(/^./, (x) => x.toUpperCase()), hint: { text: ROLE_TEXT[r] ?? '' } }));

  app.get('/admin', async (request, reply) => {
    const me = await web.me(request);
    return web.render(request, reply, 'admin/index.njk', { pageTitle: 'Administration', roles: roleItems, sections: adminSections(web.roles(request), me?.agencyType ?? '') });
  });

  app.get('/admin/agencies', async (request, reply) => {
    const ctx = web.ctx(request);
    const agencies = await listAgencies(ctx);
    const alwaysSensitive = Object.fromEntries(SENSITIVE_AGENCY_TYPES.map((t) => [t, true]));
    const canManage = web.roles(request).includes('administrator');
    const leadAlerts = canManage ? await safely(() => getLeadAlertSettings(ctx, ctx.actor.agencyId)) : undefined;
    return web.render(request, reply, 'admin/agencies.njk', {
      pageTitle: 'Agencies', agencies, backLink: '/admin', ownAgencyId: ctx.actor.agencyId, canManage, isPartnershipAdministrator: web.roles(request).includes('partnership_administrator'), alwaysSensitive, leadAlerts, leadAlertChoices: LEAD_ALERT_CHOICES,
    });
  });

  // Which records always go to the agency's designated safeguarding lead, whether or not the author asks.
  app.post<{ Params: { id: string } }>('/admin/agencies/:id/lead-alerts', async (request, reply) => {
    const f = formOf(request.body);
    await setLeadAlertSettings(web.ctx(request), request.params.id, parseForm(LeadAlertSettings, { kinds: list(f, 'kinds'), categories: list(f, 'categories') }));
    return reply.redirect('/admin/agencies?done=lead-alert-settings-updated', 303);
  });

  // An administrator marks their own agency as never named in possible matches (or names it again).
  app.post<{ Params: { id: string } }>('/admin/agencies/:id/sensitive', async (request, reply) => {
    const f = formOf(request.body);
    const sensitive = str(f, 'sensitive') === 'true';
    const input = parseForm(AgencySensitivity, { sensitive, reason: opt(f, 'reason') ?? (sensitive ? 'Marked sensitive by the administrator' : 'Named again by the administrator') });
    await setAgencySensitivity(web.ctx(request), request.params.id, input);
    return reply.redirect('/admin/agencies?done=agency-updated', 303);
  });

  /**
   * `issued`: what became of a new invitation — e-mailed (the page says to whom), or, when Jigsaw
   * sends no e-mail, the link itself, shown on this one answer and never again (it is in no address).
   */
  const practitionersPage = async (request: FastifyRequest, reply: FastifyReply, values: Record<string, unknown>, errors?: FormErrors, issued?: { outcome: InvitationOutcome; name: string }): Promise<FastifyReply> => {
    const practitioners = await safely(() => listAgencyPractitioners(web.ctx(request)));
    const data = {
      pageTitle: 'Practitioners', practitioners, roles: roleItems, canManage: web.roles(request).includes('administrator'), values, backLink: '/admin',
      issued: issued && { name: issued.name, link: issued.outcome.setPasswordLink, invitation: issued.outcome.invitation },
      emailConfigured: peopleSettings().mail.configured, linkHours: peopleSettings().link.hours,
    };
    return errors?.any ? web.renderErrors(request, reply, 'admin/practitioners.njk', errors, data) : web.render(request, reply, 'admin/practitioners.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get('/admin/practitioners', async (request, reply) => practitionersPage(request, reply, { roles: [] }));

  app.post('/admin/practitioners', async (request, reply) => {
    const ctx = web.ctx(request);
    const f = formOf(request.body);
    const values = { name: str(f, 'name'), email: str(f, 'email'), jobTitle: str(f, 'jobTitle'), roles: list(f, 'roles') };
    const errors = new FormErrors();
    const parsed = NewPractitioner.safeParse({ agencyId: ctx.actor.agencyId, name: values.name, email: values.email, jobTitle: opt(f, 'jobTitle'), roles: values.roles });
    const map = { '/name': 'name', '/email': 'email', '/jobTitle': 'jobTitle', '/roles': 'roles' };
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), map, 'name');
    if (!errors.any && parsed.success) {
      try {
        const added = await addPractitioner(ctx, parsed.data);
        // Not a redirect: a link must be shown in this answer only, never in an address or a later page.
        return practitionersPage(request, reply, { roles: [] }, undefined, { outcome: added, name: added.name });
      } catch (err) {
        const p = validationProblem(err);
        if (!p) throw err;
        errors.addProblems(p.errors, map, 'email');
      }
    }
    return practitionersPage(request, reply, values, errors);
  });

  // A new invitation for a practitioner of the agency (forgotten password, expired link): it replaces any unused one.
  app.post<{ Params: { id: string } }>('/admin/practitioners/:id/set-password-link', async (request, reply) => {
    const ctx = web.ctx(request);
    const outcome = await sendNewInvitation(ctx, request.params.id);
    const name = (await safely(() => listAgencyPractitioners(ctx)))?.find((p) => p.id === request.params.id)?.name ?? 'the practitioner';
    return practitionersPage(request, reply, { roles: [] }, undefined, { outcome, name });
  });
}
