import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    // The second reporter lists, at the end, each suite skipped because ../shared is absent (test/support/shared-corpus.ts).
    reporters: ['default', './test/support/shared-skip-reporter.ts'],
  },
});
