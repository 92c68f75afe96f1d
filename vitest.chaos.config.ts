import { defineConfig } from 'vitest/config';

// The long hardening trials (kill -9 during ingest and follow, a 1 GB line, the full adversarial regex
// sweep): `npm run test:chaos`. One file at a time, so the kill timings are not skewed by each other.
// $CHAOS_SEED replays a run (each file prints the seed it used).
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    env: { TZ: 'UTC', NO_COLOR: '1' },
  },
});
