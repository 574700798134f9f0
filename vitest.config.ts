import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/sequencer.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    pool: 'forks',
    // Test files are single-threaded JavaScript; vitest's default leaves one core idle on a 2-core machine (CI's).
    maxWorkers: 2,
    // The longest files first, so that they do not run alone at the end of a fresh clone's run (test/sequencer.ts).
    sequence: { sequencer: LongestFirstSequencer },
  },
});
