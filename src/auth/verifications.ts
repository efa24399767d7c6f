import pLimit, { type LimitFunction } from 'p-limit';
import { busy } from '../shared/errors.ts';
import { dummyPasswordHash, verifyPassword } from './passwords.ts';

/**
 * Checking a password with argon2 takes tens of milliseconds of CPU and 64 MiB on purpose. Run
 * without a bound, a flood of sign-in attempts (each from a new address, so no throttle applies)
 * would queue every real sign-in behind it: fifty attempts at once once made a real sign-in take
 * 21 seconds. So a few checks run at once, a few more wait their turn, and anything beyond is
 * answered at once with "busy, try again in a second" rather than left waiting.
 *
 * p-limit (a maintained, dependency-light package) keeps the queue; the counts below are read
 * from it.
 */
const limiters = new Map<number, LimitFunction>();
const limiterFor = (concurrency: number): LimitFunction => {
  let limiter = limiters.get(concurrency);
  if (!limiter) limiters.set(concurrency, (limiter = pLimit(concurrency)));
  return limiter;
};

/** How many checks may wait for a turn, for each that runs. */
const WAITING_PER_RUNNING = 4;

/**
 * Checks the password against the hash, or against a dummy hash when there is no account to check
 * (so an unknown address takes as long as a wrong password), within the bound. When the queue is
 * already full it refuses at once, before queueing (503, Retry-After: 1).
 */
export function verifyWithinBound(concurrency: number, hash: string | undefined, password: string): Promise<boolean> {
  const limiter = limiterFor(concurrency);
  if (limiter.pendingCount >= concurrency * WAITING_PER_RUNNING) {
    return Promise.reject(busy('Many sign-ins are being checked at this moment. Try again in a few seconds.', 1));
  }
  return limiter(async () => (hash ? verifyPassword(hash, password) : (await verifyPassword(await dummyPasswordHash(), password), false)));
}
