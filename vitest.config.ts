import { defineConfig } from 'vitest/config';

// Unit, property, corpus, handler, server and stack tests. The end-to-end suite has its own
// config (test/e2e/vitest.config.ts) because it starts real processes; benchmarks are not tests.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/bench/**', 'node_modules/**'],
    testTimeout: 60_000,
  },
});
