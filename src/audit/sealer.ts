import type { FastifyBaseLogger } from 'fastify';
import type { Services } from '../shared/context.ts';
import { chainHeads, checkpointJson, makeCheckpoint, storeSeal, type Checkpoint } from './checkpoint.ts';
import type { AuditKey } from './key.ts';

function numberFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > max) throw new Error(`${name} must be a number from 0 to ${max}`);
  return value;
}

/** JIGSAW_AUDIT_SEAL_SECONDS (default 10; 0 seals only at start and stop) and JIGSAW_AUDIT_CHECKPOINT_MINUTES (default 0: none logged). */
export function sealerSettings(env: NodeJS.ProcessEnv = process.env): { sealSeconds: number; checkpointMinutes: number } {
  return {
    sealSeconds: numberFrom(env, 'JIGSAW_AUDIT_SEAL_SECONDS', 10, 86_400),
    checkpointMinutes: numberFrom(env, 'JIGSAW_AUDIT_CHECKPOINT_MINUTES', 0, 24 * 24 * 60),
  };
}

/**
 * Seals every chain's head every few seconds when any has moved (one small INSERT), at start and at
 * stop. Each entry already carries its own MAC; the seal adds their order and number, so entries
 * deleted or reordered up to the newest seal are found even after the hashes are recomputed. What
 * happens to the entries after the newest seal (at most sealSeconds of them) is not.
 *
 * At start it also seals entries written before a key was configured: trust on first use.
 * Every checkpointMinutes it writes the seal as a JSON log line, so logs shipped elsewhere hold
 * checkpoints that `jigsaw audit verify --checkpoint LOGFILE` reads.
 */
export function startAuditSealer(s: Services, key: AuditKey, log: FastifyBaseLogger, opts: { sealSeconds: number; checkpointMinutes: number }): () => Promise<void> {
  let lastSealed = -1;
  let lastLogged = s.clock.now().getTime();
  let running: Promise<void> | undefined;
  const logCheckpoint = (c: Checkpoint): void => {
    log.info({ checkpoint: JSON.parse(checkpointJson(c)) as unknown }, `Audit checkpoint: entry #${c.seq}`);
    lastLogged = s.clock.now().getTime();
  };
  // `last`: the seal at stop, logged as a checkpoint whenever checkpoints are on, so the shipped log
  // ends with the head this process left (not only when an interval happened to pass).
  const seal = (force = false, last = false): Promise<void> => (running ??= (async () => {
    // Every chain's head in one seal; the numbers rise across chains, so the newest moves when any chain does.
    const heads = await chainHeads(s.db);
    const newest = Math.max(0, ...heads.map((h) => h.seq));
    const due = opts.checkpointMinutes > 0 && (last || s.clock.now().getTime() - lastLogged >= opts.checkpointMinutes * 60_000);
    if (heads.length && (newest !== lastSealed || force || due)) {
      const c = makeCheckpoint(key, heads, s.clock.now());
      await storeSeal(s.db, c);
      lastSealed = c.seq;
      if (due) logCheckpoint(c);
    }
  })()
    // The error's kind only: a database message can quote values.
    .catch((err: unknown) => log.error({ err: { name: err instanceof Error ? err.name : 'error' } }, 'Sealing the audit trail failed; it will be tried again.'))
    .finally(() => { running = undefined; }));
  void seal(true);
  const timer = opts.sealSeconds > 0 ? setInterval(() => void seal(), opts.sealSeconds * 1000) : undefined;
  timer?.unref();
  return async () => {
    if (timer) clearInterval(timer);
    await running;
    await seal(false, true);
  };
}
