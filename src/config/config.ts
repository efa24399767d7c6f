import { resolve } from 'node:path';

/** Everything Jigsaw reads from its environment, with the defaults a fresh clone needs. */
export interface Config {
  port: number;
  host: string;
  /** postgres://… switches from embedded PGlite to a PostgreSQL server. */
  databaseUrl: string | undefined;
  /** Where the embedded database lives when DATABASE_URL is not set. */
  dataDir: string;
  /** Minutes of inactivity before a web session ends. */
  sessionIdleMinutes: number;
  /** Hours after sign-in when a web session ends whatever its activity. */
  sessionMaxHours: number;
  /** Failed sign-ins for one account within the window before it is throttled. */
  signInMaxFailures: number;
  signInWindowMinutes: number;
  logLevel: string;
  /** Set in production behind TLS so the session cookie is only sent over HTTPS. */
  secureCookies: boolean;
  /** Bearer token a Prometheus scraper sends for /metrics; unset, /metrics does not exist. */
  metricsToken: string | undefined;
  /** Seconds between SIGTERM and closing: /health/ready answers 503 meanwhile, so a balancer stops sending traffic first. */
  shutdownGraceSeconds: number;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative whole number`);
  return value;
}

function tokenFrom(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  // Long enough not to be guessed; no spaces, so it survives an Authorization header unchanged.
  if (raw.length < 16 || /\s/.test(raw)) throw new Error(`${name} must be at least 16 characters with no spaces (e.g. openssl rand -hex 32)`);
  return raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: intFrom(env, 'PORT', 3000),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: resolve(env.JIGSAW_DATA_DIR ?? './.jigsaw'),
    sessionIdleMinutes: intFrom(env, 'JIGSAW_SESSION_IDLE_MINUTES', 30),
    sessionMaxHours: intFrom(env, 'JIGSAW_SESSION_MAX_HOURS', 12),
    signInMaxFailures: intFrom(env, 'JIGSAW_SIGNIN_MAX_FAILURES', 5),
    signInWindowMinutes: intFrom(env, 'JIGSAW_SIGNIN_WINDOW_MINUTES', 15),
    logLevel: env.JIGSAW_LOG_LEVEL ?? 'info',
    secureCookies: env.JIGSAW_SECURE_COOKIES === 'true',
    metricsToken: tokenFrom(env, 'JIGSAW_METRICS_TOKEN'),
    shutdownGraceSeconds: intFrom(env, 'JIGSAW_SHUTDOWN_GRACE_SECONDS', 0),
  };
}
