import { z } from 'zod';
import { decideAgency } from '../access/policy.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import { issueLinkInTx, type IssuedLink } from '../auth/set-password.ts';
import { ukDateTime } from '../web/view.ts';
import type { ActorContext, Services } from '../shared/context.ts';
import { conflict, Problem } from '../shared/errors.ts';
import { managedPractitioner } from './managed.ts';
import { insertPractitioner } from './partnership.ts';
import { peopleSettings, type PeopleSettings } from './people-settings.ts';
import { Practitioner, SetPasswordLink, type NewPractitioner } from './schemas.ts';

/**
 * Joiners (issue 19). An administrator adds a practitioner, or sends a new invitation; with e-mail
 * configured (JIGSAW_SMTP_URL) the one-time set-password link goes to the practitioner's own
 * address and the administrator never sees it. Without e-mail the link is shown to the
 * administrator once, as before, to hand over by a channel they trust.
 */

export const Invitation = z
  .object({
    sentTo: z.string().meta({ description: 'The address the invitation was e-mailed to: the practitioner\'s own.' }),
    expiresAt: z.string().meta({ description: 'When the link in it stops working (JIGSAW_SET_PASSWORD_HOURS after it was sent).' }),
  })
  .meta({ id: 'Invitation', description: 'An invitation e-mailed to the practitioner with a one-time link to choose their password. The link itself is never shown to the administrator.' });
export type Invitation = z.infer<typeof Invitation>;

/** E-mailed (`invitation`), or — when Jigsaw has no e-mail configured — the link itself, shown once (`setPasswordLink`). */
export const InvitationOutcome = z
  .object({
    invitation: Invitation.optional(),
    setPasswordLink: SetPasswordLink.optional().meta({ description: 'Only when Jigsaw has no e-mail configured: the link to hand over, shown in this answer only.' }),
  })
  .meta({ id: 'InvitationOutcome' });
export type InvitationOutcome = z.infer<typeof InvitationOutcome>;

export const InvitedPractitioner = Practitioner.extend(InvitationOutcome.shape).meta({ id: 'AddedPractitioner' });
export type InvitedPractitioner = z.infer<typeof InvitedPractitioner>;

/** The invitation's words: the recipient's name and the service, the link, when it stops working. Nothing else. */
export function invitationText(name: string, link: IssuedLink): string {
  return [
    `Hello ${name},`,
    '',
    'You have been given an account on Jigsaw. To start using it, choose your password with this link:',
    '',
    link.url,
    '',
    `The link works once, until ${ukDateTime(link.expiresAt)}. Do not pass it on: whoever opens it can choose your password.`,
    '',
    'If you were not expecting this, you can ignore this e-mail.',
  ].join('\n');
}

/**
 * Sends a link issued (and committed) for a practitioner. If the mail server refuses it, the link is
 * withdrawn — nobody has it — and the caller is told to try again (503), naming no one.
 */
async function sendOrWithdraw(s: Services, who: { id: string; name: string; email: string }, link: IssuedLink, mail: PeopleSettings['mail'], text: (name: string, link: IssuedLink) => string, subject: string): Promise<void> {
  try {
    await mail.send({ to: who.email, subject, text: text(who.name, link) });
  } catch {
    await s.db.query('UPDATE set_password_link SET superseded_at = $2 WHERE practitioner_id = $1 AND used_at IS NULL AND superseded_at IS NULL', [who.id, s.clock.now().toISOString()]);
    throw new Problem(503, 'https://jigsaw.example/problems/email-not-sent', 'The e-mail could not be sent',
      'The e-mail could not be sent, so its link has been withdrawn. Try again later, or ask the operator to check Jigsaw\'s e-mail settings.', [], { retryAfterSeconds: 60 });
  }
}

export { sendOrWithdraw };

/** An administrator adds a practitioner to their own agency and invites them (409 when the address is taken). */
export async function addPractitioner(ctx: ActorContext, input: NewPractitioner, settings: PeopleSettings = peopleSettings()): Promise<InvitedPractitioner> {
  const emailed = settings.mail.configured;
  const { p, link } = await command(ctx, async (tx) => {
    if (!decideAgency(ctx.actor, 'manage-practitioners', input.agencyId).allowed) {
      throw refuse('agency', { action: 'practitioner.create', entityType: 'agency', entityId: input.agencyId });
    }
    const p = await insertPractitioner(ctx, tx, { agencyId: input.agencyId, name: input.name, email: input.email, jobTitle: input.jobTitle, roles: input.roles });
    const link = await issueLinkInTx(ctx, tx, p.id, ctx.actor.practitionerId, settings.link, { purpose: 'invitation', emailed });
    await audit(ctx, tx, { action: 'practitioner.create', outcome: 'success', entityType: 'practitioner', entityId: p.id, detail: { setPasswordLinkExpiresAt: link.expiresAt, emailed } });
    return { p, link };
  });
  if (!emailed) return { ...p, setPasswordLink: link };
  await sendOrWithdraw(ctx, p, link, settings.mail, invitationText, 'Your Jigsaw account');
  return { ...p, invitation: { sentTo: p.email, expiresAt: link.expiresAt } };
}

/**
 * A new invitation for a practitioner of the administrator's own agency (the first expired, was
 * lost, or the account was reactivated): it replaces any unused link. A current password keeps
 * working until the new link is used. A deactivated practitioner gets none (409): reactivate first.
 */
export async function sendNewInvitation(ctx: ActorContext, practitionerId: string, settings: PeopleSettings = peopleSettings()): Promise<InvitationOutcome> {
  const emailed = settings.mail.configured;
  const { who, link } = await command(ctx, async (tx) => {
    const who = await managedPractitioner(ctx, tx, practitionerId, 'practitioner.set-password-link', true);
    if (!who.active) throw conflict('This practitioner has been deactivated. Reactivate them first; that sends a new invitation.');
    const link = await issueLinkInTx(ctx, tx, practitionerId, ctx.actor.practitionerId, settings.link, { purpose: 'invitation', emailed });
    await audit(ctx, tx, { action: 'practitioner.set-password-link', outcome: 'success', entityType: 'practitioner', entityId: practitionerId, detail: { expiresAt: link.expiresAt, emailed } });
    return { who, link };
  });
  if (!emailed) return { setPasswordLink: link };
  await sendOrWithdraw(ctx, who, link, settings.mail, invitationText, 'Your Jigsaw account');
  return { invitation: { sentTo: who.email, expiresAt: link.expiresAt } };
}
