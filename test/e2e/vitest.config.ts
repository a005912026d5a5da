import { defineConfig } from 'vitest/config';

// The end-to-end suite (`npm run test:e2e`): real etcd, kube-apiserver and moto processes.
// They are heavy on a 2-core machine, so one file at a time in one fork, with long bounds.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
    // A flaky real process must show up as a failure, not be retried away.
    retry: 0,
  },
});
