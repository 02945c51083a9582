import { defineConfig } from 'vitest/config';
import { workletSource } from './build/workletSource.js';

// Three projects, as STYLE.md describes: `unit` (pure modules), `integration` (real server on port 0, real SDK,
// real sockets) and `e2e` (real Chromium driving the demo). `npm test` runs unit + integration.
export default defineConfig({
  plugins: [workletSource()],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/support/consoleGuard.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
          setupFiles: ['test/support/consoleGuard.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
