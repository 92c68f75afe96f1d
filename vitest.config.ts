import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/chaos/**'],
    // A PostgreSQL server for the store tests ($ERRSCAN_TEST_PG, else a throwaway cluster), and Chromium for
    // the HTML report's browser test (installed when missing and possible).
    globalSetup: ['test/store-pg/global-setup.ts', 'test/report/browser-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { TZ: 'UTC', NO_COLOR: '1' },
  },
});
