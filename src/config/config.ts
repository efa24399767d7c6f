import { resolve } from 'node:path';
import { auditKeyringFrom, type AuditKeyring } from '../audit/key.ts';
import { sealerSettings } from '../audit/sealer.ts';
import type { ThrottleSettings } from '../auth/throttle.ts';

/** Everything Jigsaw reads from its environment, with the defaults a fresh clone needs. */
/** The sign-in throttle's settings (ThrottleSettings, documented there) are read from the environment below. */
export interface Config extends ThrottleSettings {
  port: number;
  host: string;
  /** postgres://… switches from embedded PGlite to a PostgreSQL server. */
  databaseUrl: string | undefined;
  /** The audit tables' owner, for migrations (JIGSAW_MIGRATION_DATABASE_URL); DATABASE_URL when unset. */
  migrationDatabaseUrl?: string | undefined;
  /**
   * Connections to a PostgreSQL server per server process (JIGSAW_DB_POOL_SIZE, default 10): each
   * `serve` worker has its own pool, so the server sees workers × this many.
   */
  databasePoolSize?: number | undefined;
  /** The audit key(s), JIGSAW_AUDIT_KEY or JIGSAW_AUDIT_KEY_FILE: never stored in the database, never logged. */
  auditKeys?: AuditKeyring | undefined;
  /** How often the server seals the audit chain, and writes a checkpoint to its log (src/audit/sealer.ts). */
  auditSealing?: { sealSeconds: number; checkpointMinutes: number } | undefined;
  /** Where the embedded database lives when DATABASE_URL is not set. */
  dataDir: string;
  /** Minutes of inactivity before a web session ends. */
  sessionIdleMinutes: number;
  /** Hours after sign-in when a web session ends whatever its activity. */
  sessionMaxHours: number;
  /** Password checks (argon2, deliberately slow) run at once; a few more wait, the rest are told to retry. */
  signInConcurrency: number;
  /** Requests a minute from one address: the API and pages, FHIR, and sign-in attempts (0: no limit). */
  rateLimits: RateLimits;
  /**
   * Whose address a request comes from. Unset: the connection's (X-Forwarded-For is ignored, so it
   * cannot be forged). Behind a reverse proxy set JIGSAW_TRUST_PROXY, or every request appears to come
   * from the proxy and shares its limits.
   */
  trustProxy: boolean | number | string[];
  logLevel: string;
  /** Set in production behind TLS so the session cookie is only sent over HTTPS. */
  secureCookies: boolean;
  /** Who runs this Jigsaw and how to reach them: the accessibility statement, privacy notice and beta banner say so. */
  notices: ServiceNotices;
  /** Bearer token a Prometheus scraper sends for /metrics; unset, /metrics does not exist. */
  metricsToken: string | undefined;
  /**
   * JIGSAW_WORKERS: server processes behind the one port (`serve --workers N` overrides it). Unset:
   * one per core on a PostgreSQL server; the embedded database (PGlite) always runs one.
   */
  workers?: number | undefined;
  /**
   * JIGSAW_WORKER_SEMI_SPACE_MB: the V8 young generation's semi-space of each `serve` worker process
   * (--max-semi-space-size). A page allocates a few megabytes of short-lived objects (rows, view
   * models, HTML); with V8's default (16 MB) the workers collect garbage every few requests. With 64
   * the collector's share of a saturated worker's CPU fell from 7.6 % to 4.2 % in the partnership
   * benchmark, for up to ~150 MB more memory per worker (issue 21).
   */
  workerSemiSpaceMb: number;
  /**
   * JIGSAW_MATCH_SUGGESTIONS_BACKFILL (default true): in the background, look for possible
   * same-person entries from each entry never looked for (written before migration 043, or loaded
   * in bulk), as writing an entry does (src/matching/suggestions.ts). The partnership benchmark
   * turns it off: its loaded entries would otherwise be scored during the measurement.
   */
  matchSuggestionsBackfill: boolean;
  /** Seconds between SIGTERM and closing: /health/ready answers 503 meanwhile, so a balancer stops sending traffic first. */
  shutdownGraceSeconds: number;
  /** Hosts a "child was seen" webhook may reach over plain http and at a private address (the operator's own receivers); none by default. */
  webhookHttpHosts: string[];
  /**
   * JIGSAW_TWO_FACTOR: `required` (the server's default) makes administrators, auditors and partnership
   * administrators (and everyone, where their partnership says so) set up a second factor; `off` lifts
   * that (demos, tests of other features). Unset in an app built without it (the tests): off.
   */
  twoFactor?: TwoFactorSetting | undefined;
}

export type TwoFactorSetting = 'required' | 'off';

export function twoFactorSettingFrom(env: NodeJS.ProcessEnv = process.env): TwoFactorSetting {
  const raw = env.JIGSAW_TWO_FACTOR?.trim().toLowerCase();
  if (!raw || raw === 'required') return 'required';
  if (raw === 'off') return 'off';
  throw new Error('JIGSAW_TWO_FACTOR must be required or off');
}

/** The words the public pages (accessibility statement, privacy notice, cookies) need from the operator. */
export interface ServiceNotices {
  /** The organisation running this Jigsaw, named as the service's owner and the controller's contact. */
  serviceOwner: string;
  /** Where people report accessibility problems, ask about privacy and give feedback. */
  contactEmail?: string | undefined;
  /** How to reach the data protection officer: an e-mail address (shown as a link) or any words. */
  dpoContact?: string | undefined;
  /** How long records are kept, in the operator's words; a general statement otherwise. */
  retention?: string | undefined;
  /** An HTML fragment (no scripts or inline styles: the pages' CSP) that replaces the privacy notice's body. */
  privacyNoticeFile?: string | undefined;
}

/** Per-address request limits, each per minute; 0 turns one off. */
export interface RateLimits {
  apiPerMinute: number;
  fhirPerMinute: number;
  signInPerMinute: number;
}

/**
 * The defaults, chosen so that a person can never meet them and a script soon does: the API and the
 * pages together 3,000 requests a minute from one address (50 a second), FHIR the same, and 60
 * sign-in attempts a minute. The test suite and the browser tests stay well inside them.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = { apiPerMinute: 3000, fhirPerMinute: 3000, signInPerMinute: 60 };

/** The sign-in throttle's settings beyond the two every caller gives (auth.ts fills these in when absent). */
export const DEFAULT_SIGN_IN_THROTTLE = {
  signInDelaySeconds: 2,
  signInMaxDelaySeconds: 300,
  signInAccountMaxFailures: 20,
  signInAddressMaxFailures: 20,
  signInConcurrency: 4,
} as const;

/**
 * JIGSAW_TRUST_PROXY: unset or "false", trust no proxy; "true", trust every hop (only when nothing
 * but the proxy can reach the server); a number, trust that many hops; otherwise the proxies'
 * addresses or CIDR ranges, comma-separated (e.g. "10.0.0.0/8,127.0.0.1").
 */
export function trustProxyFrom(env: NodeJS.ProcessEnv = process.env): boolean | number | string[] {
  const raw = env.JIGSAW_TRUST_PROXY?.trim() ?? '';
  if (raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  const list = raw.split(',').map((a) => a.trim()).filter(Boolean);
  if (list.some((a) => !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(a))) {
    throw new Error('JIGSAW_TRUST_PROXY must be true, false, a number of hops, or proxy addresses / CIDR ranges separated by commas');
  }
  return list;
}

export const DEFAULT_SERVICE_OWNER = 'the local safeguarding children partnership';

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative whole number`);
  return value;
}

function positiveIntFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = intFrom(env, name, fallback);
  if (value < 1) throw new Error(`${name} must be a whole number of at least 1`);
  return value;
}

function emailFrom(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(raw)) throw new Error(`${name} must be an e-mail address`);
  return raw;
}

function tokenFrom(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  // Long enough not to be guessed; no spaces, so it survives an Authorization header unchanged.
  if (raw.length < 16 || /\s/.test(raw)) throw new Error(`${name} must be at least 16 characters with no spaces (e.g. openssl rand -hex 32)`);
  return raw;
}

/**
 * JIGSAW_WEBHOOK_HTTP_HOSTS: comma-separated host names or addresses. Every other webhook must be
 * https to a public address; these are receivers inside the operator's own network.
 */
export function webhookHttpHostsFrom(env: NodeJS.ProcessEnv = process.env): string[] {
  const hosts = (env.JIGSAW_WEBHOOK_HTTP_HOSTS ?? '').split(',').map((h) => h.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1')).filter(Boolean);
  const bad = hosts.find((h) => !/^[a-z0-9.:_-]+$/.test(h));
  if (bad !== undefined) throw new Error('JIGSAW_WEBHOOK_HTTP_HOSTS must be host names or addresses separated by commas (no scheme, port or path)');
  return hosts;
}

/** A number of server processes, 1 to 256; undefined when not given. */
export function workersFrom(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 256) throw new Error(`${name} must be a whole number of server processes from 1 to 256`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: intFrom(env, 'PORT', 3000),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    migrationDatabaseUrl: env.JIGSAW_MIGRATION_DATABASE_URL || undefined,
    databasePoolSize: positiveIntFrom(env, 'JIGSAW_DB_POOL_SIZE', 10),
    auditKeys: auditKeyringFrom(env),
    auditSealing: sealerSettings(env),
    dataDir: resolve(env.JIGSAW_DATA_DIR ?? './.jigsaw'),
    sessionIdleMinutes: intFrom(env, 'JIGSAW_SESSION_IDLE_MINUTES', 30),
    sessionMaxHours: intFrom(env, 'JIGSAW_SESSION_MAX_HOURS', 12),
    signInMaxFailures: intFrom(env, 'JIGSAW_SIGNIN_MAX_FAILURES', 5),
    signInWindowMinutes: intFrom(env, 'JIGSAW_SIGNIN_WINDOW_MINUTES', 15),
    signInDelaySeconds: intFrom(env, 'JIGSAW_SIGNIN_DELAY_SECONDS', DEFAULT_SIGN_IN_THROTTLE.signInDelaySeconds),
    signInMaxDelaySeconds: intFrom(env, 'JIGSAW_SIGNIN_MAX_DELAY_SECONDS', DEFAULT_SIGN_IN_THROTTLE.signInMaxDelaySeconds),
    signInAccountMaxFailures: intFrom(env, 'JIGSAW_SIGNIN_ACCOUNT_MAX_FAILURES', DEFAULT_SIGN_IN_THROTTLE.signInAccountMaxFailures),
    signInAddressMaxFailures: intFrom(env, 'JIGSAW_SIGNIN_ADDRESS_MAX_FAILURES', DEFAULT_SIGN_IN_THROTTLE.signInAddressMaxFailures),
    signInConcurrency: Math.max(1, intFrom(env, 'JIGSAW_SIGNIN_CONCURRENCY', DEFAULT_SIGN_IN_THROTTLE.signInConcurrency)),
    rateLimits: {
      apiPerMinute: intFrom(env, 'JIGSAW_RATE_LIMIT_PER_MINUTE', DEFAULT_RATE_LIMITS.apiPerMinute),
      fhirPerMinute: intFrom(env, 'JIGSAW_FHIR_RATE_LIMIT_PER_MINUTE', DEFAULT_RATE_LIMITS.fhirPerMinute),
      signInPerMinute: intFrom(env, 'JIGSAW_SIGNIN_RATE_LIMIT_PER_MINUTE', DEFAULT_RATE_LIMITS.signInPerMinute),
    },
    trustProxy: trustProxyFrom(env),
    logLevel: env.JIGSAW_LOG_LEVEL ?? 'info',
    secureCookies: env.JIGSAW_SECURE_COOKIES === 'true',
    notices: {
      serviceOwner: env.JIGSAW_SERVICE_OWNER?.trim() || DEFAULT_SERVICE_OWNER,
      contactEmail: emailFrom(env, 'JIGSAW_CONTACT_EMAIL'),
      dpoContact: env.JIGSAW_DPO_CONTACT?.trim() || undefined,
      retention: env.JIGSAW_RETENTION_STATEMENT?.trim() || undefined,
      privacyNoticeFile: env.JIGSAW_PRIVACY_NOTICE_FILE ? resolve(env.JIGSAW_PRIVACY_NOTICE_FILE) : undefined,
    },
    metricsToken: tokenFrom(env, 'JIGSAW_METRICS_TOKEN'),
    shutdownGraceSeconds: intFrom(env, 'JIGSAW_SHUTDOWN_GRACE_SECONDS', 0),
    workers: workersFrom(env.JIGSAW_WORKERS, 'JIGSAW_WORKERS'),
    workerSemiSpaceMb: positiveIntFrom(env, 'JIGSAW_WORKER_SEMI_SPACE_MB', 64),
    matchSuggestionsBackfill: env.JIGSAW_MATCH_SUGGESTIONS_BACKFILL !== 'false',
    webhookHttpHosts: webhookHttpHostsFrom(env),
    twoFactor: twoFactorSettingFrom(env),
  };
}
