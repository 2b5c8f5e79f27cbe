import { defineConfig } from '@playwright/test';

// Debian's Chromium, never a downloaded browser (no `npx playwright install`).
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  globalSetup: './global-setup.ts',
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // The second reporter names the specs skipped because ../shared is absent (test/support/shared-corpus.ts).
  reporter: [['list'], ['./shared-skip-reporter.ts']],
  outputDir: '../test-results',
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 860 },
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
});
