import { scimBaseUrl } from '../scim/plugin.ts';
import { SCIM_ROLES } from '../scim/roles.ts';
import { createScimTokenAsSystem, DEFAULT_SCIM_TOKEN_DAYS, revokeScimTokenAsSystem } from '../scim/tokens.ts';
import { systemClock } from '../shared/clock.ts';
import { Uuid } from '../shared/schemas.ts';
import { withDatabase, type Command } from './main.ts';

/**
 * The operator's SCIM commands, for a deployment without an administrator yet (or a script):
 * the token goes to standard output alone, what to do with it to standard error.
 */

/**
 * A function (hoisted), not constants: main.ts and this file import each other, and whichever is
 * loaded first, main's list of commands can call this while building itself.
 */
export function scimCommands(): Command[] {
  return [scimTokenCreateCommand(), scimTokenRevokeCommand()];
}

function scimTokenCreateCommand(): Command {
  return {
    name: 'scim token create',
    summary: "Create a SCIM token with which one agency's identity provider (Entra ID, Okta …) manages that agency's practitioners; it is shown once.",
    usage: `jigsaw scim token create --agency AGENCY_ID --name "Entra ID provisioning" [--days N (default ${DEFAULT_SCIM_TOKEN_DAYS})] [--role ROLE …]\n  --role: the roles of a practitioner the identity provider creates without naming any (default practitioner); one of ${SCIM_ROLES.join(', ')}`,
    options: { agency: { type: 'string' }, name: { type: 'string' }, days: { type: 'string' }, role: { type: 'string', multiple: true } },
    async run(args, config, io, { env }) {
      const agency = Uuid.safeParse(args.agency);
      const name = typeof args.name === 'string' ? args.name.trim() : '';
      const days = args.days === undefined ? undefined : Number(args.days);
      const roles = Array.isArray(args.role) ? args.role : undefined;
      let usage = false;
      if (!agency.success) { io.err('--agency is required: the agency id shown by `jigsaw agency list`'); usage = true; }
      if (!name) { io.err('--name is required: what the token is for, such as "Entra ID provisioning"'); usage = true; }
      if (days !== undefined && (!Number.isInteger(days) || days < 1)) { io.err('--days must be a whole number of days, 1 or more'); usage = true; }
      if (roles?.some((r) => !(SCIM_ROLES as readonly string[]).includes(r))) { io.err(`--role must be one of: ${SCIM_ROLES.join(', ')}`); usage = true; }
      if (usage || !agency.success) return 2;
      return withDatabase(config, async (db) => {
        const t = await createScimTokenAsSystem({ db, clock: systemClock }, { agencyId: agency.data, name, days, defaultRoles: roles as typeof SCIM_ROLES | undefined });
        io.out(t.token);
        io.err(`Tenant URL for the identity provider: ${scimBaseUrl((env.JIGSAW_PUBLIC_URL || 'http://localhost:3000').replace(/\/+$/, ''))}`);
        io.err(`Token id ${t.id}, expires ${t.expiresAt}. Revoke it with: jigsaw scim token revoke --id ${t.id}`);
        return 0;
      });
    },
  };
}

function scimTokenRevokeCommand(): Command {
  return {
    name: 'scim token revoke',
    summary: "Revoke a SCIM token at once (its id is printed when it is made, and on the administrator's page /admin/scim).",
    usage: 'jigsaw scim token revoke --id TOKEN_ID',
    options: { id: { type: 'string' } },
    async run(args, config, io) {
      const id = Uuid.safeParse(args.id);
      if (!id.success) {
        io.err('--id is required: the token id printed when it was made');
        return 2;
      }
      return withDatabase(config, async (db) => {
        if (!(await revokeScimTokenAsSystem({ db, clock: systemClock }, id.data))) {
          io.err('No unrevoked SCIM token has that id.');
          return 1;
        }
        io.out('Revoked. The identity provider can no longer use this token.');
        return 0;
      });
    },
  };
}
