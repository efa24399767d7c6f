import { createApiToken } from '../auth/auth.ts';
import { setPasswordSettings, type IssuedLink } from '../auth/set-password.ts';
import { apiTokenDays, MAX_API_TOKEN_DAYS } from '../auth/token-days.ts';
import { codeAt } from '../auth/two-factor/totp.ts';
import { resetTwoFactorAsSystem } from '../auth/two-factor/two-factor.ts';
import { addPractitionerAsSystem, findPractitionerByEmail, issueSetPasswordLinkAsSystem } from '../partnership/partnership.ts';
import { NewPractitioner } from '../partnership/schemas.ts';
import { systemClock } from '../shared/clock.ts';
import { cliName, withDatabase, type Command, type Io } from './main.ts';

/**
 * The operator's commands for practitioners' logins: adding one (with a one-time link), a new link,
 * resetting a lost second factor, an API token, and a code for an authenticator key.
 */

/**
 * A function (hoisted), not constants: main.ts and this file import each other, and whichever is
 * loaded first, main's list of commands can call this while building itself.
 */
export function userCommands(): Command[] {
  return [
    {
      name: 'user add',
      summary: 'Add a practitioner account to an agency; prints a one-time link for them to choose their password.',
      usage: 'jigsaw user add --agency AGENCY_ID --name "Name" --email EMAIL --role ROLE [--role ROLE…] [--job-title T]',
      options: {
        agency: { type: 'string' }, name: { type: 'string' }, email: { type: 'string' }, role: { type: 'string', multiple: true },
        'job-title': { type: 'string' },
      },
      async run(args, config, io, { env }) {
        // No password option: nobody but the account's owner sets its password, the first administrator
        // included — the operator hands over the link, which works once (issue 16).
        const parsed = NewPractitioner.safeParse({
          agencyId: args.agency, name: args.name, email: args.email, roles: args.role ?? [], ...(args['job-title'] ? { jobTitle: args['job-title'] } : {}),
        });
        if (!parsed.success) {
          for (const issue of parsed.error.issues) io.err(`--${cliName(String(issue.path[0] ?? ''))}: ${issue.message}`);
          return 2;
        }
        const settings = setPasswordSettings(env);
        return withDatabase(config, async (db) => {
          const s = { db, clock: systemClock };
          const p = await addPractitionerAsSystem(s, parsed.data);
          io.out(`Added practitioner ${p.id} (${p.roles.join(', ')}).`);
          printLink(io, await issueSetPasswordLinkAsSystem(s, p.id, settings));
          return 0;
        });
      },
    },
    {
      name: 'user link',
      summary: "Issue a new one-time link for a practitioner to choose their password (replacing any unused one); it is shown once.",
      usage: 'jigsaw user link --email EMAIL',
      options: { email: { type: 'string' } },
      async run(args, config, io, { env }) {
        if (typeof args.email !== 'string') {
          io.err('--email is required');
          return 2;
        }
        const settings = setPasswordSettings(env);
        return withDatabase(config, async (db) => {
          const p = await findPractitionerByEmail(db, args.email as string);
          if (!p || !p.active) {
            io.err('No active practitioner has that e-mail address.');
            return 1;
          }
          printLink(io, await issueSetPasswordLinkAsSystem({ db, clock: systemClock }, p.id, settings));
          return 0;
        });
      },
    },
    {
      name: 'user reset-two-factor',
      summary: "Reset a practitioner's two-factor authentication (a lost phone, when no administrator can): removes their key and recovery codes and signs them out everywhere.",
      usage: 'jigsaw user reset-two-factor --email EMAIL',
      options: { email: { type: 'string' } },
      async run(args, config, io) {
        if (typeof args.email !== 'string') {
          io.err('--email is required');
          return 2;
        }
        return withDatabase(config, async (db) => {
          const p = await findPractitionerByEmail(db, args.email as string);
          if (!p) {
            io.err('No practitioner has that e-mail address.');
            return 1;
          }
          const done = await resetTwoFactorAsSystem({ db, clock: systemClock }, p.email);
          io.out(done.hadSecondFactor
            ? `Two-factor authentication reset; ${done.sessionsEnded} session(s) ended. They set it up again when they next sign in.`
            : `They had not set up two-factor authentication; ${done.sessionsEnded} session(s) ended.`);
          return 0;
        });
      },
    },
    {
      // For trying the demo without an authenticator app: whoever has a key can make its codes anyway,
      // so this reveals nothing the key does not. It reads no database.
      name: 'two-factor code',
      summary: 'Print the current 6-digit code for an authenticator key (the key shown when setting up two-factor authentication), for trying Jigsaw without an authenticator app.',
      usage: 'jigsaw two-factor code --key KEY',
      options: { key: { type: 'string' } },
      run(args, _config, io) {
        const key = typeof args.key === 'string' ? args.key.replace(/\s/g, '').toUpperCase() : '';
        if (!/^[A-Z2-7]{16,128}=*$/.test(key)) {
          io.err('--key is required: the key shown under "or enter this key" when setting up two-factor authentication');
          return Promise.resolve(2);
        }
        io.out(codeAt(key, new Date()));
        return Promise.resolve(0);
      },
    },
    {
      name: 'token create',
      summary: 'Create an API token for a practitioner; it is shown once.',
      usage: `jigsaw token create --email EMAIL [--name LABEL] [--days N]\n  N: 1 to ${MAX_API_TOKEN_DAYS}; JIGSAW_API_TOKEN_DAYS (90 by default) when not given`,
      options: { email: { type: 'string' }, name: { type: 'string' }, days: { type: 'string' } },
      async run(args, config, io) {
        if (typeof args.email !== 'string') {
          io.err('--email is required');
          return 2;
        }
        const days = args.days === undefined ? undefined : Number(args.days);
        if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > MAX_API_TOKEN_DAYS)) {
          io.err(`--days must be a whole number of days from 1 to ${MAX_API_TOKEN_DAYS} (JIGSAW_API_TOKEN_DAYS, ${apiTokenDays()} here, when not given)`);
          return 2;
        }
        return withDatabase(config, async (db) => {
          const p = await findPractitionerByEmail(db, args.email as string);
          if (!p) {
            io.err('No practitioner has that e-mail address.');
            return 1;
          }
          const t = await createApiToken({ db, clock: systemClock }, p.id, typeof args.name === 'string' ? args.name : 'cli', days);
          io.out(t.token);
          // On stderr, so that `TOKEN=$(jigsaw token create …)` captures the token alone.
          io.err(`Token id ${t.id}, expires ${t.expiresAt}.`);
          return 0;
        });
      },
    },
  ];
}

/** The link goes to standard output once, with what to do with it; Jigsaw keeps only its hash. */
function printLink(io: Io, link: IssuedLink): void {
  io.out(`Give them this one-time link to choose their password (it works once, until ${link.expiresAt}; it is not shown again):`);
  io.out(link.url);
}
