import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['gateway/**/*.test.ts', 'operator/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // One real PostgreSQL server for the run; each test file makes its own database in it.
    globalSetup: ['gateway/test-support/global-setup.ts'],
  },
});
