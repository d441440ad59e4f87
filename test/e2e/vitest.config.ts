import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The e2e suite: real backends, one file at a time (they compete for 2 cores and for ports), with
// timeouts long enough for a cold install in a beforeAll.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 30 * 60_000,
    teardownTimeout: 60_000,
  },
});
