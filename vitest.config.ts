import { defineConfig } from 'vitest/config';

// Two projects, so that a busy machine (CI beside other jobs, a developer's laptop) finishes the run:
// - "unit": everything but the browser; one forked worker per core; isolate:false keeps each
//   worker's migrated PGlite alive across test files (a fresh PGlite costs seconds and hundreds of MB).
// - "browser": the Chromium journeys, after the unit project has finished (groupOrder), one file at
//   a time: a journey drives a server and a browser that would otherwise compete with two workers'
//   PGlite for the same two cores.
// Timeouts are generous hang detectors, never speed checks: several tests start PGlite more than once.
const shared = { testTimeout: 180_000, hookTimeout: 180_000, setupFiles: ['test/setup.ts'] };

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    // One forked worker per core; the browser project keeps to one of them (singleFork). isolate:false
    // here, at the top: vitest 3 did not take it from the projects' own poolOptions, so every test
    // file started a fresh worker, PGlite and all 38 migrations (issue 21's CI time).
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1, isolate: false } },
    projects: [
      {
        extends: true,
        test: {
          ...shared,
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/e2e/**', '**/node_modules/**'],
          poolOptions: { forks: { isolate: false } },
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          ...shared,
          name: 'browser',
          include: ['test/e2e/**/*.test.ts'],
          poolOptions: { forks: { singleFork: true, isolate: false } },
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
