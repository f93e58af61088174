import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // End-to-end suites each start their own server; two cores are what CI has.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
