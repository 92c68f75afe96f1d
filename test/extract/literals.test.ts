import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiteralMatcher, occurrences } from '../../src/extract/literals.js';

/** Every (literal, start) by brute force: each literal at each position, ASCII case ignored. */
function naive(lits: readonly string[], line: string): string[] {
  const lower = line.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const out: string[] = [];
  lits.forEach((l, id) => {
    for (let i = lower.indexOf(l); i >= 0; i = lower.indexOf(l, i + 1)) out.push(`${id}@${i}`);
  });
  return out.sort();
}

const found = (m: LiteralMatcher, line: string): string[] => occurrences(m, line).map(([id, at]) => `${id}@${at}`).sort();

describe('LiteralMatcher', () => {
  it('finds nested, overlapping and repeated literals in any ASCII case', () => {
    const lits = ['dwt', 'dwtobject', 'object', 'license', 'lic', 'censed', 'aa'];
    const m = new LiteralMatcher(lits);
    expect(found(m, 'DWTObject.ErrorCode licensed LICENSE aaa')).toEqual(naive(lits, 'DWTObject.ErrorCode licensed LICENSE aaa'));
    expect(occurrences(m, 'xDwTobJECT')).toEqual([
      [0, 1],
      [1, 1],
      [2, 4],
    ]);
    // A non-ASCII character breaks a literal (no literal holds one); ASCII case folding only.
    expect(found(m, 'dw\u00e9t li\u0130cense lic\u212aense')).toEqual(naive(lits, 'dw\u00e9t li\u0130cense lic\u212aense'));
    expect(found(new LiteralMatcher([]), 'anything')).toEqual([]);
  });

  it('agrees with a brute-force search on random literal sets and lines', () => {
    const alphabet = fc.constantFrom(...'abcAB-_ :.\u00e9'.split(''));
    const lit = fc.array(fc.constantFrom(...'abc-_ :.'.split('')), { minLength: 1, maxLength: 5 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(fc.uniqueArray(lit, { minLength: 1, maxLength: 12 }), fc.array(alphabet, { maxLength: 60 }), (lits, cs) => {
        const line = cs.join('');
        expect(found(new LiteralMatcher(lits), line)).toEqual(naive(lits, line));
      }),
      { numRuns: 3000 },
    );
  });
});
