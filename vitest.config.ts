import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous: several suites each start servers and spawn the AWS CLI; a loaded machine is slow, not wrong.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // End-to-end suites each start their own server; two cores are what CI has.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
