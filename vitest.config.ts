import { defineConfig } from 'vitest/config';

// Unit tests (pure logic, *.test.ts) and integration tests (real etcd, processes, Docker: *.int.test.ts).
// Integration files run one at a time: they start real processes and share one Docker engine and 2 cores.
export default defineConfig({
  test: {
    reporters: ['default', './testing/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['*/test/**/*.int.test.ts', 'examples/*/test/**/*.int.test.ts'],
          // one throwaway cluster PKI for the run (testing/pki.ts)
          globalSetup: ['./testing/global-setup.ts'],
          exclude: ['**/node_modules/**'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
