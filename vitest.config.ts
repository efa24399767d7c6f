import { defineConfig } from 'vitest/config';

// One forked worker per core; isolate:false keeps each worker's migrated PGlite alive
// across test files (a fresh PGlite costs seconds and hundreds of MB).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1, isolate: false } },
    fileParallelism: true,
    // Generous: several tests start PGlite more than once (seconds each on a quiet machine, far more
    // when the two cores are shared); a timeout here is a hang detector, never a speed check.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global-setup.ts'],
  },
});
