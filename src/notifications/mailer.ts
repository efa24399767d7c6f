import nodemailer, { type Transporter } from 'nodemailer';

/**
 * Jigsaw's one way of sending e-mail: plain-text messages through the operator's SMTP server
 * (JIGSAW_SMTP_URL, from JIGSAW_SMTP_FROM). Used for "child was seen" notifications, invitations and
 * forgotten-password links. Without JIGSAW_SMTP_URL nothing is sent and callers say so.
 */

export interface MailSettings {
  /** smtp://… or smtps://…; unset means e-mail is not configured. */
  smtpUrl: string | undefined;
  /** The sender, e.g. "Jigsaw <jigsaw@council.example>". */
  smtpFrom: string;
}

export function mailSettings(env: NodeJS.ProcessEnv = process.env): MailSettings {
  return { smtpUrl: env.JIGSAW_SMTP_URL || undefined, smtpFrom: env.JIGSAW_SMTP_FROM || 'Jigsaw <jigsaw@localhost>' };
}

/** What a test hands in instead of the SMTP transport. */
export type MailTransport = Pick<Transporter, 'sendMail'>;

export interface Mail {
  to: string;
  subject: string;
  /** Plain text only: no HTML, no tracking, nothing but what the recipient needs. */
  text: string;
}

export interface Mailer {
  /** Whether mail can be sent at all (an SMTP URL is set, or a test gave a transport). */
  readonly configured: boolean;
  /** Sends one message; throws when the server refuses it. */
  send(mail: Mail): Promise<void>;
}

const transports = new Map<string, Transporter>();

/** A mailer on the given settings, or on a transport a test passes in. Transports are reused per URL. */
export function mailer(settings: MailSettings = mailSettings(), transport?: MailTransport): Mailer {
  const resolve = (): MailTransport | undefined => {
    if (transport) return transport;
    if (!settings.smtpUrl) return undefined;
    let t = transports.get(settings.smtpUrl);
    if (!t) transports.set(settings.smtpUrl, (t = nodemailer.createTransport(settings.smtpUrl)));
    return t;
  };
  return {
    configured: Boolean(transport ?? settings.smtpUrl),
    async send(mail) {
      const t = resolve();
      if (!t) throw new Error('E-mail is not configured (JIGSAW_SMTP_URL)');
      await t.sendMail({ from: settings.smtpFrom, to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
}
