import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['gateway/**/*.test.ts', 'operator/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
