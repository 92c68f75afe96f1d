// The WebAssembly byte scanner against a plain reference: the same candidate lines and newline counts for
// any literals (strong or weak, caseless or exact) and any text, however it is sliced.
import fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiteralScanner, SCAN_CAPACITY, WASM_VARIANTS, scannerFor, wasmModuleBytes } from '../../src/records/scanner.js';
import type { PrefilterLiteral, RequiredLiteral } from '../../src/records/types.js';

const fold = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const has = (line: string, r: RequiredLiteral): boolean => (r.caseless ? fold(line).includes(fold(r.lit)) : line.includes(r.lit));

/** Indices of the lines that hold a strong literal, or a weak one together with one of its required literals. */
function reference(lines: string[], spec: PrefilterLiteral[]): number[] {
  return lines.flatMap((l, i) => (spec.some((s) => has(l, s) && (s.requires === undefined || s.requires.some((r) => has(l, r)))) ? [i] : []));
}

/** Candidate lines and newline count as the text reader gets them: `next` from each line start. */
function scan(sc: LiteralScanner, text: string): { lines: number[]; newlines: number } {
  const buf = Buffer.from(text, 'latin1');
  sc.load(buf, 0, buf.length);
  const out: number[] = [];
  let pos = 0;
  let line = 0;
  for (;;) {
    const at = sc.next(pos);
    line += sc.newlines;
    if (at < 0) break;
    out.push(line);
    const le = buf.indexOf(10, at);
    if (le < 0) break;
    line++;
    pos = le + 1;
  }
  return { lines: out, newlines: line };
}

const letters = fc.constantFrom(...'abcdeflmnoqrstxyzABCDELMQRSTXYZ019 -_:.'.split(''));
const word = fc.string({ unit: letters, minLength: 1, maxLength: 7 });
/** Text may also hold characters no literal has: tabs, latin1 letters, bytes above 0x7f. */
const text = fc.string({ unit: fc.oneof(letters, fc.constantFrom('\t', '\u00e9', '\u00ff', '\u00c4')), minLength: 1, maxLength: 9 });

describe('LiteralScanner', () => {
  it.each([
    ['with relaxed SIMD where the runtime has it', true],
    ['with the portable module', false],
  ])('finds the same candidate lines as a plain search, for random literals and text (%s)', (_, relaxed) => {
    const literal = fc.record({
      lit: word,
      caseless: fc.boolean(),
      requires: fc.option(fc.array(fc.record({ lit: word, caseless: fc.boolean() }), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(literal, { minLength: 1, maxLength: 12 }),
        fc.array(fc.array(fc.oneof(text, fc.constantFrom('x', ' ', 'dls', 'DLS', 'license', '-20')), { maxLength: 12 }), { minLength: 1, maxLength: 40 }),
        (raw, parts) => {
          const spec: PrefilterLiteral[] = raw.map((l) => (l.requires ? { lit: l.lit, caseless: l.caseless, requires: l.requires } : { lit: l.lit, caseless: l.caseless }));
          // Lines built from the literals' own alphabet, so that many are candidates.
          const lines = parts.map((p) => p.join(''));
          const sc = LiteralScanner.create(spec, relaxed);
          expect(sc).toBeDefined();
          const got = scan(sc!, `${lines.join('\n')}\n`);
          expect(got.lines).toEqual(reference(lines, spec));
          expect(got.newlines).toBe(lines.length);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a plan shared by another scanner (as a reading thread gets it) finds the same lines as planning', () => {
    const literal = fc.record({ lit: word, caseless: fc.boolean() });
    fc.assert(
      fc.property(
        fc.array(literal, { minLength: 1, maxLength: 40 }),
        fc.array(fc.array(fc.oneof(text, word), { maxLength: 10 }), { minLength: 1, maxLength: 60 }),
        (spec, parts) => {
          const lines = parts.map((p) => p.join(''));
          const body = `${lines.join('\n')}\n`;
          const sample = Buffer.from(body, 'latin1');
          const planner = LiteralScanner.create(spec)!;
          expect(planner.sharedPlan()).toBeUndefined();
          planner.prepare(sample);
          const shared = structuredClone(planner.sharedPlan()!);
          const taker = LiteralScanner.create(spec)!;
          expect(taker.adoptPlan(shared, sample)).toBe(true);
          expect(taker.sharedPlan()).toEqual(planner.sharedPlan());
          expect(scan(taker, body)).toEqual(scan(planner, body));
          expect(scan(taker, body).lines).toEqual(reference(lines, spec));
          // Planned now: it does not take another.
          expect(taker.adoptPlan(shared, sample)).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses a shared plan made on another sample or for other literals', () => {
    const spec: PrefilterLiteral[] = [
      { lit: 'license', caseless: true, requires: [{ lit: '-20', caseless: false }] },
      { lit: 'ErrorCode', caseless: false },
    ];
    const sample = Buffer.from('2026-11-27 INFO license ok\nErrorCode: -2326\n', 'latin1');
    const planner = LiteralScanner.create(spec)!;
    planner.prepare(sample);
    const shared = planner.sharedPlan()!;
    expect(LiteralScanner.create(spec)!.adoptPlan(shared, Buffer.from('another head\n', 'latin1'))).toBe(false);
    expect(LiteralScanner.create(spec)!.adoptPlan(shared, sample.subarray(0, 20))).toBe(false);
    expect(LiteralScanner.create(spec)!.adoptPlan(shared, Buffer.alloc(0))).toBe(false);
    expect(LiteralScanner.create([{ ...spec[0]!, caseless: false }, spec[1]!])!.adoptPlan(shared, sample)).toBe(false);
    expect(LiteralScanner.create([spec[0]!, { lit: 'ErrorCodes', caseless: false }])!.adoptPlan(shared, sample)).toBe(false);
    expect(LiteralScanner.create([{ lit: 'license', caseless: true }, spec[1]!])!.adoptPlan(shared, sample)).toBe(false);
    expect(LiteralScanner.create(spec)!.adoptPlan(shared, sample)).toBe(true);
  });

  it('with very many literals (16 buckets) too', () => {
    const many = fc.array(fc.record({ lit: fc.string({ unit: letters, minLength: 2, maxLength: 9 }), caseless: fc.boolean() }), { minLength: 120, maxLength: 200 });
    fc.assert(
      fc.property(many, fc.array(fc.array(fc.oneof(text, word), { maxLength: 10 }), { minLength: 1, maxLength: 60 }), (spec, parts) => {
        const lines = parts.map((p) => p.join(''));
        const sc = LiteralScanner.create(spec)!;
        const got = scan(sc, `${lines.join('\n')}\n`);
        expect(got.lines).toEqual(reference(lines, spec));
        expect(got.newlines).toBe(lines.length);
      }),
      { numRuns: 60 },
    );
  });

  it('folds only ASCII letters, and a weak literal needs its partner on the same line', () => {
    const sc = LiteralScanner.create([
      { lit: 'DynamSoft', caseless: true },
      { lit: 'ErrorCode', caseless: false },
      { lit: 'license', caseless: true, requires: [{ lit: '-20', caseless: false }] },
    ])!;
    const lines = [
      'dynamsoft',
      'DYNAMSOFT!',
      'errorcode: -2326',
      'ErrorCode: -2326',
      '\tat com.example.license.Client.verify(Client.java:12)',
      'License check failed [-20108]',
      '-20108 here',
      'the license is elsewhere',
      'LICENSE -20',
      'dyn\u00e4msoft',
    ];
    expect(scan(sc, `${lines.join('\n')}\n`).lines).toEqual([0, 1, 3, 5, 8]);
  });

  it('finds a weak literal\'s partner anywhere on a long line, before or after it, and nowhere else', () => {
    const sc = LiteralScanner.create([{ lit: 'license', caseless: true, requires: [{ lit: 'Xq-20', caseless: true }] }])!;
    for (const len of [40, 200, 1000]) {
      for (let at = 0; at < len; at += 7) {
        for (const partner of [-1, 0, 13, len - 5]) {
          const line = [...'.'.repeat(len)];
          line.splice(at, 0, 'LiCeNsE');
          if (partner >= 0) line.splice(partner, 0, 'xQ-20');
          const lines = ['a'.repeat(at % 50), line.join(''), 'xq-20 on the next line', 'license alone'];
          const want = reference(lines, [{ lit: 'license', caseless: true, requires: [{ lit: 'Xq-20', caseless: true }] }]);
          expect(scan(sc, `${lines.join('\n')}\n`).lines, `len ${len} at ${at} partner ${partner}`).toEqual(want);
        }
      }
    }
  });

  it('tells apart literals that share a fingerprint window, and windows of every length', () => {
    // Each shares 'abcd' (or a piece of it) with another; some differ only in case or length.
    const spec: PrefilterLiteral[] = [
      { lit: 'abcd', caseless: true },
      { lit: 'ABCD', caseless: false },
      { lit: 'xabcd', caseless: false },
      { lit: 'abcdy', caseless: true },
      { lit: 'zAbC', caseless: false },
      { lit: 'Ab', caseless: false },
      { lit: 'q', caseless: true },
      { lit: 'b-c', caseless: true, requires: [{ lit: 'W9', caseless: false }] },
    ];
    const sc = LiteralScanner.create(spec)!;
    const lines = ['abcd', 'aBcD', 'ABCD', 'XABCD', 'xabcd', 'xaBcd', 'ABCDY', 'zabc', 'zAbC', 'aB', 'Ab', 'Q', 'b-c', 'b-C W9', 'B-c w9', 'abc', 'bcd', 'z', ''];
    const got = scan(sc, `${lines.join('\n')}\n`);
    expect(got.lines).toEqual(reference(lines, spec));
    // Pinned too, so the comparison is not vacuous: the near misses are lines 7, 9, 12, 14 and 15 on.
    expect(got.lines).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 10, 11, 13]);
  });

  it('reports a literal at the very start and end of the data, and counts lines without a final newline', () => {
    const sc = LiteralScanner.create([{ lit: 'qlm', caseless: true }])!;
    expect(scan(sc, 'qlm')).toEqual({ lines: [0], newlines: 0 });
    expect(scan(sc, 'a\nb\nQLM')).toEqual({ lines: [2], newlines: 2 });
    expect(scan(sc, 'a\nb\nc\n')).toEqual({ lines: [], newlines: 3 });
    expect(scan(sc, '')).toEqual({ lines: [], newlines: 0 });
  });

  it('counts every newline of a full load, with literals spread across it', () => {
    const sc = LiteralScanner.create([{ lit: 'ErrorString', caseless: true }])!;
    const line = 'x'.repeat(60);
    const n = Math.floor(SCAN_CAPACITY / 61);
    const lines = Array.from({ length: n }, (_, i) => (i % 997 === 5 ? `${line.slice(11)}errorSTRING` : line));
    const got = scan(sc, `${lines.join('\n')}\n`);
    expect(got.newlines).toBe(n);
    expect(got.lines).toEqual(lines.flatMap((l, i) => (l.endsWith('errorSTRING') ? [i] : [])));
  });

  it('scans a region of its own input area where it lies, and puts back the bytes after it', () => {
    const sc = LiteralScanner.create([{ lit: 'qlm', caseless: true }, { lit: 'dwt', caseless: false }])!;
    const area = sc.inputArea(4096)!;
    expect(area.length).toBe(4096);
    const text = 'head line\nno\nQLM error 209\nplain\ndwt -2326\ntail of a line that goes o';
    area.write(text, 'latin1');
    // The region: from the second line to the last newline; the partial line after it must survive.
    const start = text.indexOf('\n') + 1;
    const end = text.lastIndexOf('\n') + 1;
    const before = Buffer.from(area.subarray(0, 4096));
    sc.load(area, start, end);
    // Zeroed while loaded: a block read past the region sees no data.
    expect(area.subarray(end, end + 32).every((b) => b === 0)).toBe(true);
    const found: number[] = [];
    for (let pos = 0; ; ) {
      const at = sc.next(pos);
      if (at < 0) break;
      found.push(at);
      pos = area.indexOf(10, start + at) + 1 - start;
    }
    expect(found).toEqual([text.indexOf('QLM') - start, text.indexOf('dwt') - start]);
    sc.release();
    expect(area.equals(before)).toBe(true);
    // A copied load after it leaves the area alone, and a second release changes nothing.
    expect(scan(sc, 'x\ndwt\n')).toEqual({ lines: [1], newlines: 2 });
    sc.release();
    expect(area.subarray(0, text.length).toString('latin1')).not.toBe(text);
    expect(sc.inputArea(SCAN_CAPACITY + 1)).toBeUndefined();
  });

  it('refuses loads over its capacity, and literal sets it cannot take', () => {
    const sc = LiteralScanner.create([{ lit: 'abc', caseless: false }])!;
    expect(() => sc.load(Buffer.alloc(SCAN_CAPACITY + 1), 0, SCAN_CAPACITY + 1)).toThrow(RangeError);
    expect(LiteralScanner.create([])).toBeUndefined();
    expect(LiteralScanner.create([{ lit: 'Größe', caseless: true }])).toBeUndefined();
    expect(LiteralScanner.create([{ lit: 'a\nb', caseless: true }])).toBeUndefined();
  });

  it('is made from a plain-literal candidate regex, and not from one with metacharacters', () => {
    expect(scannerFor({ candidate: /ErrorCode|DWT\.x/g })).toBeDefined();
    expect(scannerFor({ candidate: /Error(Code)?/g })).toBeUndefined();
    expect(scannerFor({ candidate: /ErrorCode|Größe/g })).toBeUndefined();
    const sc = scannerFor({ candidate: /errorcode|dwt\.x/gi })!;
    expect(scan(sc, 'ERRORCODE\nDWT.X\nDWTyX\n').lines).toEqual([0, 1]);
  });
});

describe('the build\'s WebAssembly modules', () => {
  // The bundle compiles these instead of assembling them; tsc's modules (these tests) assemble their own.
  const file = new URL('../../dist/bin/scanner-wasm.json', import.meta.url);

  it('are exactly what the assembler makes, for every variant', () => {
    const built = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    expect(Object.keys(built).sort()).toEqual(WASM_VARIANTS.map((v) => v.key).sort());
    for (const v of WASM_VARIANTS) {
      expect(built[v.key], v.key).toBe(Buffer.from(wasmModuleBytes(v.sets, v.relaxed)).toString('base64'));
    }
  });
});
