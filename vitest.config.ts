import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Most of a test's time is spent waiting (sockets, databases, hashing threads): twice as many
    // files run at once as there are cores.
    maxWorkers: availableParallelism() * 2,
    projects: [
      {
        test: {
          name: 'unit',
          globalSetup: ['test/global-setup.ts'],
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          exclude: ['test/system/**'],
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'system',
          include: ['test/system/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
