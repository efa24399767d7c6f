import { createHash } from 'node:crypto';
import { auditSystem } from '../audit/audit.ts';
import { peopleSettings, type PeopleSettings } from '../partnership/people-settings.ts';
import type { Services } from '../shared/context.ts';
import { newId } from '../shared/ids.ts';
import { ukDateTime } from '../web/view.ts';
import { issueLinkInTx, type IssuedLink } from './set-password.ts';

/**
 * "Forgotten your password?" (issue 19). Whoever asks gets the same answer, whether or not the
 * address belongs to anyone; an active practitioner's own address gets an e-mail with a one-time
 * link (a set-password link with purpose 'reset', JIGSAW_RESET_PASSWORD_MINUTES long). The current
 * password keeps working until the link is used. Requests are throttled per account (at most
 * `resetsPerHour` e-mails an hour) and per source address, so nobody can flood an inbox or probe
 * the service; each is audited with identifiers only.
 */

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
const HOUR = 3_600_000;

/** What the page and the API say to anyone who asks, whatever happened. */
export const RESET_ANSWER = 'If that address belongs to a Jigsaw account, we have sent a link to it to choose a new password. The link works once, for a short time. If nothing arrives, check your spam folder or ask your administrator.';

export type ResetOutcome = 'sent' | 'unknown' | 'throttled' | 'not_configured' | 'failed';

export function resetText(name: string, link: IssuedLink): string {
  return [
    `Hello ${name},`,
    '',
    'Someone asked to reset the password of your Jigsaw account. If it was you, choose a new password with this link:',
    '',
    link.url,
    '',
    `The link works once, until ${ukDateTime(link.expiresAt)}. Do not pass it on.`,
    '',
    'If it was not you, ignore this e-mail: your password has not changed.',
  ].join('\n');
}

/**
 * Records the request and decides; answers what happened (for tests and the audit trail — the page
 * says the same thing whatever it is) and, when an e-mail is due, a promise of its sending, which
 * the page does not wait for so that the answer takes as long for any address.
 */
export async function requestPasswordReset(s: Services, email: string, source: string, settings: PeopleSettings = peopleSettings()): Promise<{ outcome: ResetOutcome; delivery: Promise<ResetOutcome> }> {
  const address = email.trim().toLowerCase();
  const now = s.clock.now();
  const done = (outcome: ResetOutcome) => ({ outcome, delivery: Promise.resolve(outcome) });
  const decided = await s.db.transaction(async (tx) => {
    const hourAgo = new Date(now.getTime() - HOUR).toISOString();
    const fromSource = (await tx.query<{ n: string }>('SELECT count(*) AS n FROM password_reset_request WHERE source_hash = $1 AND requested_at > $2', [sha256(source), hourAgo])).rows[0]!;
    await tx.query('INSERT INTO password_reset_request (id, email_hash, source_hash, requested_at) VALUES ($1,$2,$3,$4)', [newId(), sha256(address), sha256(source), now.toISOString()]);
    const who = (await tx.query<{ id: string; name: string; email: string }>('SELECT id, name, email FROM practitioner WHERE lower(email) = $1 AND active', [address])).rows[0];
    const deny = async (reason: ResetOutcome, id?: string) => {
      await auditSystem(s, tx, { action: 'auth.password-reset-request', outcome: reason === 'unknown' ? 'not_found' : reason === 'throttled' ? 'denied' : 'failure', entityType: id ? 'practitioner' : undefined, entityId: id, detail: { reason } });
      return { outcome: reason } as const;
    };
    if (Number(fromSource.n) >= settings.resetRequestsPerAddressPerHour) return deny('throttled', who?.id);
    if (!who) return deny('unknown');
    const recent = (await tx.query<{ n: string }>("SELECT count(*) AS n FROM set_password_link WHERE practitioner_id = $1 AND purpose = 'reset' AND created_at > $2", [who.id, hourAgo])).rows[0]!;
    if (Number(recent.n) >= settings.resetsPerHour) return deny('throttled', who.id);
    if (!settings.mail.configured) return deny('not_configured', who.id);
    const link = await issueLinkInTx(s, tx, who.id, null, settings.link, { purpose: 'reset', minutes: settings.resetMinutes, emailed: true });
    await auditSystem(s, tx, { action: 'auth.password-reset-request', outcome: 'success', entityType: 'practitioner', entityId: who.id, detail: { expiresAt: link.expiresAt } });
    return { outcome: 'sent' as const, who, link };
  });
  if (decided.outcome !== 'sent') return done(decided.outcome);
  const { who, link } = decided as { who: { id: string; name: string; email: string }; link: IssuedLink };
  const delivery = settings.mail.send({ to: who.email, subject: 'Reset your Jigsaw password', text: resetText(who.name, link) }).then(
    () => 'sent' as const,
    async () => {
      // Nobody has the link: withdraw it, and let the audit trail say the e-mail failed.
      await s.db.transaction(async (tx) => {
        await tx.query("UPDATE set_password_link SET superseded_at = $2 WHERE practitioner_id = $1 AND purpose = 'reset' AND used_at IS NULL AND superseded_at IS NULL", [who.id, s.clock.now().toISOString()]);
        await auditSystem(s, tx, { action: 'auth.password-reset-send', outcome: 'failure', entityType: 'practitioner', entityId: who.id });
      });
      return 'failed' as const;
    },
  );
  return { outcome: 'sent', delivery };
}
