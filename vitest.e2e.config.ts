import { defineConfig } from 'vitest/config';

/** End-to-end suites against a real control plane (e2e/cluster); slow, run after the unit tests. */
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 900_000,
    fileParallelism: false,
  },
});
