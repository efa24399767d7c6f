import type { Services, Tx } from '../shared/context.ts';
import { endAllSessions } from './auth.ts';

export interface EndedAccess {
  sessionsEnded: number;
  tokensRevoked: number;
}

/**
 * A leaver's way in closes at once, in the caller's transaction (an administrator's deactivation,
 * the identity provider's SCIM request, the operator's command): the account is marked inactive —
 * which every session and token lookup checks on every request — and, so that nothing lingers if
 * the account is ever made active again, their open web sessions are ended, their API tokens
 * revoked, any unused set-password link withdrawn and their in-progress drafts (answers typed
 * about people, src/web/drafts.ts) deleted. The caller decides who may, and audits it.
 */
export async function endAccessInTx(s: Services, tx: Tx, practitionerId: string): Promise<EndedAccess> {
  const now = s.clock.now().toISOString();
  await tx.query('UPDATE practitioner SET active = false WHERE id = $1', [practitionerId]);
  const sessionsEnded = await endAllSessions(s, tx, practitionerId);
  const tokens = await tx.query('UPDATE api_token SET revoked_at = $2 WHERE practitioner_id = $1 AND revoked_at IS NULL', [practitionerId, now]);
  await tx.query('UPDATE set_password_link SET superseded_at = $2 WHERE practitioner_id = $1 AND used_at IS NULL AND superseded_at IS NULL', [practitionerId, now]);
  await tx.query('DELETE FROM web_draft WHERE practitioner_id = $1', [practitionerId]);
  return { sessionsEnded, tokensRevoked: tokens.rowCount ?? 0 };
}
