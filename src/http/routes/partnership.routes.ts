import { z } from 'zod';
import { addPractitioner, InvitedPractitioner, sendNewInvitation } from '../../partnership/invitations.ts';
import { listAgencies, listAgencyPractitioners, setAgencySensitivity } from '../../partnership/partnership.ts';
import { peopleSettings } from '../../partnership/people-settings.ts';
import { Agency, AgencySensitivity, NewPractitioner, Practitioner, SetPasswordLink } from '../../partnership/schemas.ts';
import { conflict } from '../../shared/errors.ts';
import { IdParams, type Api } from '../route.ts';

export function registerPartnershipRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/agencies', tag: 'Partnership', operationId: 'listAgencies',
    summary: 'List agencies',
    description: 'Agencies in the partnerships your agency belongs to: the recipients you can choose for a share, a referral or a request for information.',
    response: z.array(Agency),
    handler: ({ ctx }) => listAgencies(ctx),
  });
  api.route({
    method: 'PUT', url: '/agencies/{id}/sensitive', tag: 'Partnership', operationId: 'setAgencySensitivity', status: 200,
    summary: 'Mark an agency sensitive',
    description: "An administrator marks their own agency as sensitive (or not): a sensitive agency is never named to another agency as holding a possible same-person match — it is \"another service\". Sexual health, mental health and substance misuse services are sensitive whatever this says. Say why (`reason`). Another agency's, or without the administrator role: 404.",
    params: IdParams, body: AgencySensitivity, response: Agency,
    handler: ({ ctx, params, body }) => setAgencySensitivity(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/practitioners', tag: 'Partnership', operationId: 'listPractitioners',
    summary: 'List practitioners',
    description: 'Practitioners of your own agency, with their roles.',
    response: z.array(Practitioner),
    handler: ({ ctx }) => listAgencyPractitioners(ctx),
  });
  api.route({
    method: 'POST', url: '/practitioners', tag: 'Partnership', operationId: 'addPractitioner',
    summary: 'Add a practitioner',
    description: "An administrator adds a practitioner to their own agency and invites them. The e-mail address must not belong to another practitioner already (409); the agency must exist (422 naming `agencyId`). There is no password field (a body with one is refused, 422): administrators never set or learn another person's password. "
      + 'When Jigsaw sends e-mail (JIGSAW_SMTP_URL), the one-time set-password link is e-mailed to the practitioner and the answer carries `invitation: { sentTo, expiresAt }`, never the link; if the mail server refuses it, 503 (the practitioner is added: send a new invitation later). '
      + 'Without e-mail the answer carries `setPasswordLink`, shown only in this answer, to hand over in person or by a channel you trust.',
    body: NewPractitioner, response: InvitedPractitioner,
    handler: ({ ctx, body }) => addPractitioner(ctx, body),
  });
  api.route({
    method: 'POST', url: '/practitioners/{id}/set-password-link', tag: 'Partnership', operationId: 'issueSetPasswordLink',
    summary: "Issue a practitioner's set-password link",
    description: "Only when Jigsaw sends no e-mail: an administrator issues a new one-time link for a practitioner of their own agency to choose a password (a forgotten password, an expired link). It replaces any unused link; the current password keeps working until the link is used. The link is shown only in this answer. With e-mail configured this answers 409: use `POST /practitioners/{id}/invitation`, which e-mails it. Anyone else, and any practitioner of another agency, is answered 404 as for one that does not exist.",
    params: IdParams, response: SetPasswordLink,
    handler: async ({ ctx, params }) => {
      const settings = peopleSettings();
      if (settings.mail.configured) throw conflict('Jigsaw e-mails set-password links to practitioners: send a new invitation (POST /practitioners/{id}/invitation) instead.');
      const sent = await sendNewInvitation(ctx, params.id, settings);
      return sent.setPasswordLink!;
    },
  });
}
