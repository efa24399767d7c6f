import { setPasswordSettings, type SetPasswordSettings } from '../auth/set-password.ts';
import { mailer, mailSettings, type Mailer, type MailTransport } from '../notifications/mailer.ts';

/**
 * Settings for joiners and forgotten passwords, read from the environment when used (so an
 * operator's change takes effect at the next start, and a test may pass its own).
 */
export interface PeopleSettings {
  link: SetPasswordSettings;
  /** How long a forgotten-password link works (JIGSAW_RESET_PASSWORD_MINUTES, 60 by default, 5 to 1440). */
  resetMinutes: number;
  /** At most this many forgotten-password e-mails an hour to one account (3). */
  resetsPerHour: number;
  /** At most this many forgotten-password requests an hour from one source address (20). */
  resetRequestsPerAddressPerHour: number;
  mail: Mailer;
}

export const DEFAULT_RESET_PASSWORD_MINUTES = 60;

export function peopleSettings(env: NodeJS.ProcessEnv = process.env, transport?: MailTransport): PeopleSettings {
  const raw = env.JIGSAW_RESET_PASSWORD_MINUTES;
  const resetMinutes = raw === undefined || raw === '' ? DEFAULT_RESET_PASSWORD_MINUTES : Number(raw);
  if (!Number.isInteger(resetMinutes) || resetMinutes < 5 || resetMinutes > 1440) throw new Error('JIGSAW_RESET_PASSWORD_MINUTES must be a whole number of minutes from 5 to 1440');
  return { link: setPasswordSettings(env), resetMinutes, resetsPerHour: 3, resetRequestsPerAddressPerHour: 20, mail: mailer(mailSettings(env), transport) };
}
