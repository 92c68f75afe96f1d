import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeNumber } from '../../src/extract/index.js';

/** The reading codeNumber shortcuts: spaces, quotes and `+` dropped, then parseInt. */
const reference = (raw: string): number => Number.parseInt(raw.replace(/[\s"'+]/g, ''), 10);

describe('codeNumber', () => {
  it('reads the usual groups directly', () => {
    expect(codeNumber('209')).toBe(209);
    expect(codeNumber('-20111')).toBe(-20111);
    expect(codeNumber('"+ 209"')).toBe(209);
    expect(codeNumber('- 2326')).toBe(-2326);
    expect(codeNumber('-')).toBeNaN();
    expect(codeNumber('')).toBeNaN();
    expect(Object.is(codeNumber('-0'), -0)).toBe(true);
  });

  it('gives what parseInt of the cleaned text gives, for any text', () => {
    const chars = fc.constantFrom(...'0123456789-+ "\'x.e'.split(''));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 24 }), (cs) => {
        const raw = cs.join('');
        expect(Object.is(codeNumber(raw), reference(raw))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
    // Long digit runs past the fast path's 15 digits.
    for (const raw of ['1234567890123456', '-99999999999999999999', '123456789012345']) expect(codeNumber(raw)).toBe(reference(raw));
  });
});
