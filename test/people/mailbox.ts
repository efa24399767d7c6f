import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { onTestFinished, vi } from 'vitest';

export interface Received {
  to: string[];
  text: string;
}

export interface Mailbox {
  received: Received[];
  url: string;
  /** Waits (polling, no fixed delay) until `count` messages have arrived. */
  waitFor(count: number): Promise<Received[]>;
  /** The one-time link in a message. */
  linkIn(m: Received): string;
}

/**
 * A real SMTP receiver on 127.0.0.1 for one test, and Jigsaw pointed at it (JIGSAW_SMTP_URL, read
 * when an e-mail is due); closed and unset again when the test finishes.
 */
export async function openMailbox(): Promise<Mailbox> {
  const received: Received[] = [];
  const smtp = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    onData(stream, session, done) {
      let text = '';
      stream.on('data', (d: Buffer) => { text += d.toString('utf8'); });
      // Undo quoted-printable line wrapping so the link can be read whole.
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), text: text.replace(/=\r\n/g, '').replace(/=3D/g, '=') });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const url = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
  vi.stubEnv('JIGSAW_SMTP_URL', url);
  vi.stubEnv('JIGSAW_PUBLIC_URL', 'https://jigsaw.northshire.example');
  onTestFinished(async () => {
    vi.unstubAllEnvs();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });
  return {
    received,
    url,
    waitFor: async (count) => {
      await vi.waitFor(() => {
        if (received.length < count) throw new Error(`${received.length} of ${count} e-mails so far`);
      }, { timeout: 15_000, interval: 50 });
      return received;
    },
    linkIn: (m) => {
      const found = /https?:\/\/[^\s]+\/set-password\/jsp_[A-Za-z0-9_-]{43}/.exec(m.text);
      if (!found) throw new Error('no set-password link in the e-mail');
      return found[0];
    },
  };
}
