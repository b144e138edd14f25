import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each worker process runs many test files with one module cache, so the database the server
    // suites open (test/server/helpers.ts, openTestDatabase) is opened once per worker, not per file.
    pool: 'forks',
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
