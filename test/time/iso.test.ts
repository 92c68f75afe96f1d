import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoString } from '../../src/time/iso.js';

describe('isoString', () => {
  it('writes what Date#toISOString writes, for any time', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.double({ noNaN: true, min: -1e15, max: 8.64e15 }), fc.integer()), (ms) => {
        expect(isoString(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 50_000 },
    );
    for (const ms of [0, 1, 999, 59_999, 3_599_999, 3_600_000, 1_795_000_000_123, 253_402_300_799_999, 253_402_300_800_000, -1, 1.5, 8.64e15]) {
      expect(isoString(ms)).toBe(new Date(ms).toISOString());
    }
    expect(() => isoString(Number.NaN)).toThrow(RangeError);
  });

  it('the same within one hour and across hours, in any order (its cache is per hour)', () => {
    const base = Date.UTC(2026, 10, 20, 10);
    for (const ms of [base + 5, base + 3_599_999, base - 1, base + 5, base + 3_600_000, base]) expect(isoString(ms)).toBe(new Date(ms).toISOString());
  });
});
