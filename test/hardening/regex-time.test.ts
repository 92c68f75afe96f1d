// Per-line extraction time is bounded, because lines are (--max-line, 1 MiB by default): adversarial
// lines of nearly that length, aimed at every shipped pattern and at the catalog messages' wildcards,
// each finish well within a generous bound. They run in a child process with a watchdog, so a
// catastrophic case fails the test (naming the line) instead of hanging it. test/chaos runs every sample.
import { describe, expect, it } from 'vitest';
import { PER_LINE_MS, adversarial } from './regex.js';

describe('per-line regex time', () => {
  it(`every adversarial 1 MiB line (each shipped pattern, placeholder messages, many codes) takes < ${PER_LINE_MS} ms`, async () => {
    const times = await adversarial('fast');
    expect(times.length).toBeGreaterThanOrEqual(100);
    for (const t of times) expect(t.length).toBeGreaterThan(1024 * 1024 - 100);
    const slow = times.filter((t) => t.ms >= PER_LINE_MS).map((t) => `${t.name}: ${t.ms} ms`);
    expect(slow).toEqual([]);
  }, 300_000);
});
