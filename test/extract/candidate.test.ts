// The literal prefilter: a line (or a chunk of lines) without a candidate match cannot hit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/catalog/index.js';
import { compileExtractor } from '../../src/extract/index.js';
import { fixtureLines } from './helpers.js';

const x = compileExtractor(loadCatalogs());

// Every fixture and sample line, plus noise, as one pool of lines.
const pool: string[] = [
  ...fixtureLines(),
  '2026-11-22T04:25:10.998Z DEBUG scanner: page 17 deskew angle -2326 mdeg, dpi=200',
  '10.1.2.3 - - [16/Nov/2026:20:26:10 +0000] "GET /api/license/verify HTTP/1.1" 209 7011 "-" "Mozilla/5.0"',
  '\tat com.example.license.Client.verify(Client.java:785)',
  '',
];

/** Lines that contain a candidate match, found by scanning the joined chunk the way the text reader does. */
function candidateLines(lines: string[]): Set<number> {
  const chunk = lines.join('\n');
  const starts: number[] = [];
  let p = 0;
  for (const l of lines) {
    starts.push(p);
    p += l.length + 1;
  }
  const re = new RegExp(x.candidate.source, x.candidate.flags);
  const out = new Set<number>();
  for (let m = re.exec(chunk); m !== null; m = re.exec(chunk)) {
    let i = starts.length - 1;
    while (starts[i]! > m.index) i--;
    out.add(i);
    // Skip to the next line: one match is enough for a line.
    re.lastIndex = starts[i + 1] ?? chunk.length;
  }
  return out;
}

describe('candidate', () => {
  it('is a global, case-insensitive regex of ASCII literals (latin1-safe), with no lookbehind or .*', () => {
    expect(x.candidate.flags).toBe('gi');
    expect(/[^\x20-\x7e]/.test(x.candidate.source)).toBe(false);
    expect(x.candidate.source).not.toMatch(/\(\?<[=!]|\.\*|\\[uxpPc]/);
    // 35 vendor literals plus the DWT message literals (extract.anchors) and QLM name prefixes: each one costs
    // the byte scanner (src/records/scanner.ts) throughput, so growth past this needs a measurement.
    expect(x.candidate.source.split('|').length).toBeLessThanOrEqual(64);
  });

  it('every line with a hit matches it, and extract() returns nothing without it', () => {
    const quick = new RegExp(x.candidate.source, 'i');
    for (const l of pool) {
      if (!quick.test(l)) expect(x.extract(l), l).toEqual([]);
      if (x.extract(l).length > 0) expect(quick.test(l), l).toBe(true);
    }
  });

  it('the lines with hits are the same whether the prefilter runs per line or over any multi-line chunk', () => {
    const perLine = (lines: string[]): number[] => lines.flatMap((l, i) => (x.extract(l).length > 0 ? [i] : []));
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 60 }), (lines) => {
        const cand = candidateLines(lines);
        const viaChunk = [...cand].filter((i) => x.extract(lines[i]!).length > 0).sort((a, b) => a - b);
        expect(viaChunk).toEqual(perLine(lines));
      }),
      { numRuns: 300 },
    );
  });

  it('a shared candidate regex is not disturbed by extract (extract keeps its own copy)', () => {
    const re = x.candidate;
    re.lastIndex = 7;
    x.extract('ErrorCode: -2326 ErrorString: x');
    expect(re.lastIndex).toBe(7);
    re.lastIndex = 0;
  });
});
