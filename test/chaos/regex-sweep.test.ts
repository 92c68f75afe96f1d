// The full adversarial sweep: every sample of every shipped pattern and every catalog message, shaped
// into lines of nearly 1 MiB (repeated, glued, cut short, padded with spaces, long digit runs), each
// timed in a child process with a watchdog. test/hardening/regex-time.test.ts runs the quick subset.
import { describe, expect, it } from 'vitest';
import { PER_LINE_MS, adversarial } from '../hardening/regex.js';

describe('per-line regex time, full sweep', () => {
  it(`every adversarial line takes < ${PER_LINE_MS} ms`, async () => {
    const times = await adversarial('full');
    expect(times.length).toBeGreaterThan(1000);
    const slow = times.filter((t) => t.ms >= PER_LINE_MS).map((t) => `${t.name}: ${t.ms} ms`);
    const total = times.reduce((n, t) => n + t.ms, 0);
    const worst = [...times].sort((a, b) => b.ms - a.ms)[0]!;
    console.log(`[regex-sweep] ${times.length} lines of ~1 MiB in ${total} ms; slowest ${worst.name} ${worst.ms} ms`);
    expect(slow).toEqual([]);
  }, 600_000);
});
