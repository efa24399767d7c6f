import { it } from 'vitest';

/** A browser step's limit: a hang detector, far above what a step takes on a busy machine. */
export const STEP_TIMEOUT_MS = 120_000;

/**
 * The steps of one journey, each its own test with its own time limit, run in order: a long
 * journey on a busy machine stays far from any limit, and a report names the step that failed.
 * After a failed step the rest are skipped, since they would only fail for the same reason.
 */
export function journeySteps(): (name: string, step: () => Promise<void>) => void {
  let failed = false;
  return (name, step) => {
    it(name, async (ctx) => {
      if (failed) ctx.skip();
      try {
        await step();
      } catch (err) {
        failed = true;
        throw err;
      }
    }, STEP_TIMEOUT_MS);
  };
}
