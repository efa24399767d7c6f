import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, workersFrom, type Config } from '../config/config.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { signingKey, useAuditKey } from '../audit/key.ts';
import { useSecretsKeyFrom } from '../shared/secret-box.ts';
import { sealHead } from '../audit/checkpoint.ts';
import { auditCheckpointCommand, auditVerifyCommand } from './audit-command.ts';
import { createAgency, createPartnership } from '../partnership/partnership.ts';
import { AGENCY_TYPES, isSensitiveAgency, NewAgency, NewPartnership } from '../partnership/schemas.ts';
import { systemClock } from '../shared/clock.ts';
import { Problem } from '../shared/errors.ts';
import { serve } from './serve.ts';
import { runDemo } from './demo-command.ts';
import { matchCommand } from './match-command.ts';
import { reindexStaleEntries } from '../matching/reindex.ts';
import { createFhirToken, listFhirTokens, revokeFhirToken } from '../fhir/tokens.ts';
import { HEALTH_SETTING_TYPES, HealthSettingType } from '../flags/schemas.ts';
import { backupCommand, restoreCommand } from './backup-command.ts';
import { Refusal } from '../backup/format.ts';
import { scimCommands } from './scim-command.ts';
import { annexACommand } from './annex-a-command.ts';
import { userCommands } from './user-commands.ts';
import { censusImportCommand } from './census-import-command.ts';
import { censusCommands } from './census-commands.ts';

/** Output goes through this so tests can capture it. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}
const consoleIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Words after the options (like restore's FILE); other commands refuse them. */
  allowPositionals?: boolean;
  run(args: Record<string, string | boolean | string[] | undefined>, config: Config, io: Io, extra: { positionals: string[]; env: NodeJS.ProcessEnv }): Promise<number>;
}

// The CLI is the operator's tool: it migrates, so it connects as the owner when one is named.
const asOwner = (config: Config): { databaseUrl: string | undefined; dataDir: string } => ({ databaseUrl: config.migrationDatabaseUrl ?? config.databaseUrl, dataDir: config.dataDir });

export async function withDatabase<T>(config: Config, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(asOwner(config));
  try {
    await migrate(db);
    const result = await fn(db);
    // What the command wrote is sealed now, not when the server next starts (src/audit/sealer.ts).
    if (config.auditKeys) await sealHead(db, config.auditKeys.current, systemClock.now());
    return result;
  } finally {
    await db.close();
  }
}

const ENV_HELP = `Environment: DATABASE_URL (PostgreSQL server; default: embedded PGlite in JIGSAW_DATA_DIR, default ./.jigsaw), JIGSAW_MIGRATION_DATABASE_URL (the tables' owner, for migrations), JIGSAW_AUDIT_KEY or JIGSAW_AUDIT_KEY_FILE (the audit key), JIGSAW_SECRETS_KEY (seals client secrets and two-factor keys), PORT (3000), HOST (127.0.0.1), JIGSAW_WORKERS (server processes; one per core on PostgreSQL).`;

const commands: Command[] = [
  // Before `match`: the first command whose words begin the arguments is the one run.
  {
    name: 'match reindex',
    summary: "Reindex people entries indexed by an older version of the matcher's search keys, and look for possible same-person entries from those never looked at (the server also does it when it starts).",
    usage: 'jigsaw match reindex',
    options: {},
    async run(_args, config, io) {
      return withDatabase(config, async (db) => {
        const r = await reindexStaleEntries(db, () => systemClock.now());
        if (!r.ran) {
          io.err('Another Jigsaw process is reindexing now; run this again when it has finished.');
          return 1;
        }
        io.out(r.reindexed ? `Reindexed ${r.reindexed} people entr${r.reindexed === 1 ? 'y' : 'ies'}.` : 'Every people entry is indexed with the current search keys and has been looked at for possible same-person entries.');
        return 0;
      });
    },
  },
  matchCommand,
  censusImportCommand(),
  backupCommand,
  restoreCommand,
  {
    name: 'serve',
    summary: 'Start the Jigsaw server (applies migrations first).',
    usage: 'jigsaw serve [--demo] [--port N] [--host H] [--workers N]\n  --workers: server processes behind the one port (JIGSAW_WORKERS); by default one per core on a PostgreSQL server, and always one with the embedded database',
    options: { demo: { type: 'boolean' }, port: { type: 'string' }, host: { type: 'string' }, workers: { type: 'string' } },
    async run(args, config, io) {
      const port = args.port ? Number(args.port) : config.port;
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        io.err('--port must be a whole number from 0 to 65535');
        return 2;
      }
      let workers: number | undefined;
      try {
        workers = workersFrom(typeof args.workers === 'string' ? args.workers : undefined, '--workers');
      } catch (err) {
        io.err((err as Error).message);
        return 2;
      }
      await serve({ ...config, port, host: typeof args.host === 'string' ? args.host : config.host }, { demo: args.demo === true, workers });
      return 0;
    },
  },
  {
    name: 'migrate',
    summary: 'Apply database migrations that have not been applied yet (safe to run again).',
    usage: 'jigsaw migrate',
    options: {},
    async run(_args, config, io) {
      const db = await openDatabase(asOwner(config));
      try {
        const r = await migrate(db);
        io.out(r.applied.length ? `Applied ${r.applied.length} migration(s): ${r.applied.join(', ')}` : `Up to date (${r.alreadyApplied} migration(s) already applied).`);
      } finally {
        await db.close();
      }
      return 0;
    },
  },
  {
    name: 'demo',
    summary: 'Load the demo partnership from the eight case examples into an empty database.',
    usage: 'jigsaw demo [--password P]',
    options: { password: { type: 'string' } },
    async run(args, config, io) {
      return withDatabase(config, (db) => runDemo({ db, clock: systemClock }, config, io, typeof args.password === 'string' ? args.password : undefined));
    },
  },
  {
    name: 'partnership add',
    summary: 'Add a safeguarding partnership (whose nation decides the bank holidays).',
    usage: 'jigsaw partnership add --name "Name" --nation england-and-wales|scotland|northern-ireland',
    options: { name: { type: 'string' }, nation: { type: 'string' } },
    async run(args, config, io) {
      const parsed = NewPartnership.safeParse({ name: args.name, nation: args.nation });
      if (!parsed.success) {
        for (const issue of parsed.error.issues) io.err(`--${String(issue.path[0] ?? '')}: ${issue.message}`);
        return 2;
      }
      return withDatabase(config, async (db) => {
        const p = await createPartnership({ db, clock: systemClock }, parsed.data);
        io.out(`Added partnership ${p.id}.`);
        return 0;
      });
    },
  },
  {
    name: 'agency add',
    summary: 'Add an agency to one or more partnerships.',
    usage: `jigsaw agency add --name "Name" --type TYPE --partnership PARTNERSHIP_ID [--partnership ID…] [--ods-code CODE] [--la-code NNN] [--sensitive]\n  TYPE: ${AGENCY_TYPES.join(', ')}\n  --la-code: children's social care only, the DfE's three-digit local authority code (e.g. 931)\n  --sensitive: never name this agency to another as holding a possible match (always so for sexual health, mental health and substance misuse)`,
    options: { name: { type: 'string' }, type: { type: 'string' }, partnership: { type: 'string', multiple: true }, 'ods-code': { type: 'string' }, 'la-code': { type: 'string' }, sensitive: { type: 'boolean' } },
    async run(args, config, io) {
      const parsed = NewAgency.safeParse({
        name: args.name, type: args.type, partnershipIds: args.partnership ?? [], ...(args['ods-code'] ? { odsCode: args['ods-code'] } : {}),
        ...(args['la-code'] ? { localAuthorityCode: args['la-code'] } : {}),
        ...(args.sensitive ? { sensitive: true } : {}),
      });
      if (!parsed.success) {
        for (const issue of parsed.error.issues) io.err(`--${cliName(String(issue.path[0] ?? ''))}: ${issue.message}`);
        return 2;
      }
      return withDatabase(config, async (db) => {
        const a = await createAgency({ db, clock: systemClock }, parsed.data);
        io.out(`Added agency ${a.id}.`);
        return 0;
      });
    },
  },
  {
    name: 'agency list',
    summary: 'List the partnerships and their agencies with their identifiers.',
    usage: 'jigsaw agency list',
    options: {},
    async run(_args, config, io) {
      return withDatabase(config, async (db) => {
        const { rows } = await db.query<{ partnership: string; partnership_id: string; nation: string; agency: string | null; agency_id: string | null; type: string | null; sensitive: boolean | null; ods_code: string | null; la: string | null }>(
          `SELECT p.name AS partnership, p.id AS partnership_id, p.nation, a.name AS agency, a.id AS agency_id, a.type, a.sensitive, a.ods_code, a.local_authority_code AS la
             FROM partnership p LEFT JOIN partnership_agency pa ON pa.partnership_id = p.id LEFT JOIN agency a ON a.id = pa.agency_id
            ORDER BY p.name, a.name`);
        let current = '';
        for (const r of rows) {
          if (r.partnership_id !== current) {
            current = r.partnership_id;
            io.out(`${r.partnership} (${r.nation}) ${r.partnership_id}`);
          }
          const codes = [r.ods_code && `ODS ${r.ods_code}`, r.la && `LA ${r.la}`].filter(Boolean).join(', ');
          if (r.agency_id) io.out(`  ${r.agency_id}  ${r.type}  ${r.agency}${codes ? `  [${codes}]` : ''}${isSensitiveAgency(r.type ?? '', r.sensitive ?? false) ? '  (never named in possible matches)' : ''}`);
        }
        return 0;
      });
    },
  },
  ...userCommands(),
  {
    name: 'fhir token create',
    summary: 'Create a system token for a health setting to use the FHIR interface (/fhir/r4) only; it is shown once.',
    usage: `jigsaw fhir token create --setting "Name" --type TYPE [--ods-code CODE] [--days N]\n  TYPE: ${HEALTH_SETTING_TYPES.join(', ')}`,
    options: { setting: { type: 'string' }, type: { type: 'string' }, 'ods-code': { type: 'string' }, days: { type: 'string' } },
    async run(args, config, io) {
      const type = HealthSettingType.safeParse(args.type);
      const setting = typeof args.setting === 'string' ? args.setting.trim() : '';
      const days = args.days === undefined ? undefined : Number(args.days);
      if (!setting || setting.length > 200) io.err('--setting is required: the name of the care setting (at most 200 characters)');
      if (!type.success) io.err(`--type must be one of: ${HEALTH_SETTING_TYPES.join(', ')}`);
      if (days !== undefined && (!Number.isInteger(days) || days < 1)) io.err('--days must be a whole number of days, 1 or more');
      if (!setting || setting.length > 200 || !type.success || (days !== undefined && (!Number.isInteger(days) || days < 1))) return 2;
      return withDatabase(config, async (db) => {
        const t = await createFhirToken({ db, clock: systemClock }, { settingName: setting, settingType: type.data, odsCode: typeof args['ods-code'] === 'string' ? args['ods-code'] : undefined, days });
        io.out(t.token);
        // On stderr, so that `TOKEN=$(jigsaw fhir token create …)` captures the token alone.
        io.err(`Token id ${t.id}${t.expiresAt ? `, expires ${t.expiresAt}` : ''}. Revoke it with: jigsaw fhir token revoke --id ${t.id}`);
        return 0;
      });
    },
  },
  {
    name: 'fhir token list',
    summary: 'List the FHIR interface tokens issued to health settings (never the tokens themselves).',
    usage: 'jigsaw fhir token list',
    options: {},
    async run(_args, config, io) {
      return withDatabase(config, async (db) => {
        const tokens = await listFhirTokens({ db, clock: systemClock });
        if (tokens.length === 0) io.out('No FHIR tokens have been issued.');
        for (const t of tokens) {
          const state = t.revokedAt ? `revoked ${t.revokedAt}` : t.expiresAt ? `expires ${t.expiresAt}` : 'no expiry';
          io.out(`${t.id}  ${t.settingName} (${t.settingType}${t.odsCode ? `, ${t.odsCode}` : ''})  created ${t.createdAt}  ${state}`);
        }
        return 0;
      });
    },
  },
  {
    name: 'fhir token revoke',
    summary: "Revoke a health setting's FHIR token at once (the id is printed when it is created and by `fhir token list`).",
    usage: 'jigsaw fhir token revoke --id TOKEN_ID',
    options: { id: { type: 'string' } },
    async run(args, config, io) {
      const id = typeof args.id === 'string' ? args.id.trim() : '';
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
        io.err('--id is required: the token id shown by `jigsaw fhir token list`');
        return 2;
      }
      return withDatabase(config, async (db) => {
        if (!(await revokeFhirToken({ db, clock: systemClock }, id))) {
          io.err('No unrevoked FHIR token has that id; `jigsaw fhir token list` shows them.');
          return 1;
        }
        io.out(`Revoked. The setting's system can no longer use this token.`);
        return 0;
      });
    },
  },
  ...scimCommands(),
  annexACommand(),
  ...censusCommands(),
  auditVerifyCommand,
  auditCheckpointCommand,
];

/** The option a schema's field is given as. */
export const cliName = (field: string): string => ({ agencyId: 'agency', roles: 'role', jobTitle: 'job-title', partnershipIds: 'partnership', odsCode: 'ods-code', localAuthorityCode: 'la-code' } as Record<string, string>)[field] ?? field;

function overview(): string {
  return [
    'Usage: jigsaw <command> [options]', '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(Math.max(...commands.map((d) => d.name.length)))} ${c.summary}`), '',
    'Run `jigsaw <command> --help` for a command\'s options.', ENV_HELP,
  ].join('\n');
}

export async function main(argv: string[], io: Io = consoleIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const command = commands.find((c) => {
    const words = c.name.split(' ');
    return words.every((w, i) => argv[i] === w);
  });
  if (!command) {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help' || argv[0] === '-h') {
      io.out(overview());
      return 0;
    }
    io.err(`Unknown command: ${argv.slice(0, 2).join(' ')}\n\n${overview()}`);
    return 2;
  }
  const rest = argv.slice(command.name.split(' ').length);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`${command.summary}\n\nUsage: ${command.usage}\n\n${ENV_HELP}`);
    return 0;
  }
  let values: Record<string, string | boolean | string[] | undefined>;
  let positionals: string[];
  try {
    const parsed = parseArgs({ args: rest, options: command.options, strict: true, allowPositionals: command.allowPositionals === true });
    values = parsed.values as typeof values;
    positionals = parsed.positionals;
  } catch (err) {
    io.err(`${(err as Error).message}\nUsage: ${command.usage}`);
    return 2;
  }
  try {
    const config = loadConfig(env);
    // Entries this command writes are sealed with the key, as the server's are; for this command only.
    const before = signingKey();
    useAuditKey(config.auditKeys?.current);
    useSecretsKeyFrom(env);
    try {
      return await command.run(values, config, io, { positionals, env });
    } finally {
      useAuditKey(before);
    }
  } catch (err) {
    if (err instanceof Refusal) {
      io.err(err.message);
      return 1;
    }
    if (err instanceof Problem) {
      io.err(`${err.title}: ${err.detail ?? ''}${err.errors.map((e) => `\n  ${e.pointer}: ${e.detail}`).join('')}`);
      return 1;
    }
    io.err(`jigsaw ${command.name} failed: ${(err as Error).message}`);
    return 1;
  }
}
