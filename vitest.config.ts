import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    pool: 'forks',
    // Test files are single-threaded JavaScript; vitest's default leaves one core idle on a 2-core machine (CI's).
    maxWorkers: 2,
  },
});
