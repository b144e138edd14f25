import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each worker process runs many test files with one module cache, so the database the server
    // suites open (test/server/helpers.ts, openTestDatabase) is opened once per worker, not per file.
    pool: 'forks',
    isolate: false,
    // vitest's default (one less than the cores) is a single worker on a 2-core machine.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
