import { defineConfig } from 'vitest/config';

/**
 * The fault suite (e2e/faults): real gateway processes, PostgreSQL and Redis servers under load while they fail.
 * One file at a time: each scenario needs the machine's two cores to itself for its numbers to mean anything.
 */
export default defineConfig({
  test: {
    include: ['e2e/faults/**/*.faults.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // The soak runs up to SOAK_SECONDS (600 for the full run): give it its own time.
    slowTestThreshold: 60_000,
  },
});
