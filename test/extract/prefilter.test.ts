// The byte scanner's literals (src/extract/prefilter.ts): a line the scanner does not report cannot hit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/catalog/index.js';
import { compileExtractor } from '../../src/extract/index.js';
import { requiredLiterals } from '../../src/extract/prefilter.js';
import { scannerFor, type LiteralScanner } from '../../src/records/scanner.js';
import { fixtureLines } from './helpers.js';

const x = compileExtractor(loadCatalogs());

/** Which of these lines the scanner reports (all in one load, as the text reader does). */
function reported(sc: LiteralScanner, lines: string[]): Set<number> {
  const buf = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
  sc.load(buf, 0, buf.length);
  const out = new Set<number>();
  let pos = 0;
  let line = 0;
  for (;;) {
    const at = sc.next(pos);
    line += sc.newlines;
    if (at < 0) return out;
    out.add(line);
    pos = buf.indexOf(10, at) + 1;
    line++;
  }
}

const pool: string[] = [
  ...fixtureLines(),
  ...loadCatalogs().vendors.flatMap((v) => v.patterns.flatMap((p) => p.samples.map((s) => s.line.replace(/[\r\n]+/g, ' ')))),
  '\tat com.example.license.Client.verify(Client.java:785)',
  '10.1.2.3 - - [16/Nov/2026:20:26:10 +0000] "GET /api/license/verify HTTP/1.1" 209 7011 "-" "Mozilla/5.0"',
  'license check failed [-20108]',
  'app.js:12 -2326 Error',
];

describe('requiredLiterals', () => {
  it.each([
    [String.raw`(?<![\w.-])(?<code>-20[0-2]\d\d)(?![\w-]|[.,:]\d)`, '', ['-20']],
    [String.raw`\bexceptionCode\b["']?\s{0,3}[:=]\s{0,3}["']?(?<code>-20\d{3})`, 'i', ['exceptionCode', '-20']],
    [String.raw`\.js:\d{1,6}:?\d{0,6}\s{1,3}(?<code>-(?:1[0-2]\d\d|2\d{3}))`, '', ['.js:', '-']],
    [String.raw`\bcode\s?:\s?(?<code>\d{4}),\s?comment\s?:`, 'i', ['code', ':', ',', 'comment', ':']],
    [String.raw`ab?c+d{2}(?:ef)?(gh)x{0,2}y`, '', ['a', 'c', 'd', 'gh', 'y']],
    [String.raw`a\u0041b`, '', undefined],
    [String.raw`error|code`, '', undefined],
    [String.raw`(?:error|code)=(?<code>\d+)`, '', ['=']],
    [String.raw`[a\]b]lit`, '', ['lit']],
    [String.raw`lit`, 'iu', undefined],
    [String.raw`lit`, 'u', ['lit']],
  ])('%s /%s', (source, flags, want) => {
    const got = requiredLiterals(source, flags);
    expect(got?.map((r) => r.lit)).toEqual(want);
    if (got) for (const r of got) expect(r.caseless).toBe(flags.includes('i'));
  });
});

describe('prefilter', () => {
  const sc = scannerFor(x)!;

  it('keeps license as a weak literal that needs -20, and every message anchor strong', () => {
    expect(sc).toBeDefined();
    const license = x.prefilter.find((l) => l.lit === 'license');
    expect(license?.requires?.map((r) => r.lit)).toEqual(['-20']);
    for (const lit of ['dynamsoft', 'pallycon', 'qlm', 'token', 'expired', 'errorcode']) expect(x.prefilter.find((l) => l.lit === lit)?.requires).toBeUndefined();
  });

  it('reports every fixture and sample line that has a hit', () => {
    const got = reported(sc, pool);
    const missed = pool.filter((l, i) => x.extract(l).length > 0 && !got.has(i));
    expect(missed).toEqual([]);
  });

  it('a line it drops gives no hit, for lines spliced from hits, anchors and required literals', () => {
    const parts = [
      ...pool.flatMap((l) => l.split(/(?<=[\s:=,"'(\[])/)),
      ...x.prefilter.flatMap((l) => [l.lit, l.lit.toUpperCase(), ...(l.requires ?? []).map((r) => r.lit)]),
      ' ',
      '-20111',
      '7011',
    ];
    fc.assert(
      fc.property(fc.array(fc.array(fc.constantFrom(...parts), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 30 }), (chunks) => {
        const lines = chunks.map((c) => c.join(''));
        const got = reported(sc, lines);
        lines.forEach((l, i) => {
          if (!got.has(i)) expect(x.extract(l), l).toEqual([]);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('drops stack frames and access-log paths that only mention a licence (a sixth of a typical log)', () => {
    const got = reported(sc, [pool.at(-4)!, pool.at(-3)!, pool.at(-2)!]);
    expect([...got]).toEqual([2]);
  });
});
