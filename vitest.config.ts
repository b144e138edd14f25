import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/** Files that replace a module with `vi.mock`: they need a module cache of their own. */
const isolated = ['test/engine/analysis-once.test.ts'];

export default defineConfig({
  test: {
    // vitest's default (one less than the cores) is a single worker on a 2-core machine.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Fails a test whose SCIM answers do not match the server's own /Schemas (test/setup.ts).
    setupFiles: ['test/setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: isolated,
          // Each worker process runs many test files with one module cache, so the database the
          // server suites open (test/server/helpers.ts, openTestDatabase) is opened once per worker.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'isolated', include: isolated, isolate: true } },
    ],
  },
});
