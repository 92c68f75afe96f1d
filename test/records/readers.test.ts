import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  JsonArrayReader,
  NdjsonReader,
  TextReader,
  createReader,
  detectFormat,
  type Format,
  type ReaderOptions,
  type RecordHit,
} from '../../src/records/index.js';
import { ErrscanError } from '../../src/errors.js';
import { NOW, collect, fakeExtractor } from './fake.js';

const iso = (ms: number) => new Date(ms).toISOString();
const simple = (hits: RecordHit[]) => hits.map((h) => ({ codes: h.hits.map((x) => x.code), line: h.line, text: h.text, ts: iso(h.ts), end: h.end }));

interface Outcome {
  hits: ReturnType<typeof simple>;
  lines: number;
  skipped: number;
  oversized: number;
  position: number;
  lastTs: string | undefined;
}

async function run(format: Format, chunks: Buffer[], extra: Partial<ReaderOptions> = {}): Promise<Outcome> {
  const { hits, opts } = collect(extra);
  const r = createReader(format, opts);
  for (const c of chunks) await r.write(c);
  await r.end();
  const t = r.lastTs();
  return { hits: simple(hits), lines: r.lines, skipped: r.skipped, oversized: r.oversized, position: r.position, lastTs: t === undefined ? undefined : iso(t) };
}

function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  out.push(buf.subarray(prev));
  return out;
}

describe('TextReader', () => {
  it('finds hits with line numbers, CRLF, a last line without newline, and counts every line', async () => {
    const input = Buffer.from(
      [
        '2026-11-22T10:00:00Z INFO start',
        '2026-11-22T10:00:01Z ERROR ErrorCode: -2326\r',
        '',
        'plain line',
        '2026-11-22T10:00:02Z ErrorCode=-1018 and ErrorCode: -2003',
      ].join('\n'),
    );
    const o = await run('text', [input]);
    expect(o.hits).toEqual([
      { codes: [-2326], line: 2, text: '2026-11-22T10:00:01Z ERROR ErrorCode: -2326', ts: '2026-11-22T10:00:01.000Z', end: 77 },
      { codes: [-1018, -2003], line: 5, text: '2026-11-22T10:00:02Z ErrorCode=-1018 and ErrorCode: -2003', ts: '2026-11-22T10:00:02.000Z', end: input.length },
    ]);
    expect(o.lines).toBe(5);
    expect(o.position).toBe(input.length);
    expect(o.oversized).toBe(0);
    expect(o.lastTs).toBe('2026-11-22T10:00:02.000Z');
  });

  it('survives NUL bytes and invalid UTF-8', async () => {
    const input = Buffer.concat([
      Buffer.from('a\x00b ErrorCode: -1\n'),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x20]),
      Buffer.from('ErrorCode: -2 \xe9t\xe9\n', 'latin1'),
      Buffer.from('caf\u00e9 ErrorCode: -3\n'),
    ]);
    const o = await run('text', [input]);
    expect(o.hits.map((h) => [h.line, h.codes[0], h.text])).toEqual([
      [1, -1, 'a\x00b ErrorCode: -1'],
      [2, -2, '\ufffd\ufffd\ufffd( ErrorCode: -2 \ufffdt\ufffd'],
      [3, -3, 'caf\u00e9 ErrorCode: -3'],
    ]);
    expect(o.lines).toBe(3);
  });

  it('skips and counts lines longer than maxLine, wherever they fall', async () => {
    const long = `ErrorCode: -9 ${'x'.repeat(100)}`;
    const input = Buffer.from(`${long}\nErrorCode: -1\n${long}\nok\n${long}`);
    for (const chunks of [[input], splitAt(input, [5]), splitAt(input, [50, 120, 130]), [...input].map((b) => Buffer.from([b]))]) {
      const o = await run('text', chunks, { maxLine: 64 });
      expect(o.hits.map((h) => [h.line, h.codes[0]])).toEqual([[2, -1]]);
      expect(o.lines).toBe(5);
      expect(o.oversized).toBe(3);
      expect(o.position).toBe(input.length);
    }
  });

  it('a line of exactly maxLine bytes is read; one more byte is oversized (CR counts)', async () => {
    const line = 'ErrorCode: -5'.padEnd(20, '.');
    const o1 = await run('text', [Buffer.from(`${line}\n`)], { maxLine: 20 });
    expect([o1.hits.length, o1.oversized]).toEqual([1, 0]);
    const o2 = await run('text', [Buffer.from(`${line}\r\n`)], { maxLine: 20 });
    expect([o2.hits.length, o2.oversized]).toEqual([0, 1]);
  });

  it('gives a stack-trace hit the time of the nearest earlier stamped line, else the read time', async () => {
    const input = Buffer.from(
      [
        'ErrorCode: -7 before any stamp',
        'Nov 22 09:00:00 host app: failed',
        '\tat x.y(Z.java:1)',
        '\tcaused by ErrorCode: -8',
        '2026-11-22T11:00:00Z later',
        'continuation ErrorCode: -9',
        '',
      ].join('\n'),
    );
    const o = await run('text', [input]);
    expect(o.hits.map((h) => [h.codes[0], h.ts])).toEqual([
      [-7, iso(NOW)],
      [-8, '2026-11-22T09:00:00.000Z'],
      [-9, '2026-11-22T11:00:00.000Z'],
    ]);
  });

  it('carries the last stamp across chunks and from a resume point', async () => {
    const o = await run('text', [Buffer.from('2026-11-22T08:00:00Z a\nb\n'), Buffer.from('c\nErrorCode: -1\n')]);
    expect(o.hits[0]!.ts).toBe('2026-11-22T08:00:00.000Z');
    const r = await run('text', [Buffer.from('ErrorCode: -2\n')], { start: { position: 1000, lines: 41, lastTs: Date.parse('2026-11-20T00:00:00Z') } });
    expect(r.hits).toEqual([{ codes: [-2], line: 42, text: 'ErrorCode: -2', ts: '2026-11-20T00:00:00.000Z', end: 1014 }]);
    expect([r.lines, r.position]).toEqual([42, 1014]);
  });

  it('only decodes and extracts lines the candidate regex matches', async () => {
    const x = fakeExtractor();
    const lines = Array.from({ length: 1000 }, (_, i) => (i % 100 === 7 ? `line ${i} ErrorCode: -${i}` : `line ${i} nothing`));
    const o = await run('text', [Buffer.from(lines.join('\n') + '\n')], { extractor: x });
    expect(o.hits.length).toBe(10);
    expect(o.hits.map((h) => h.line)).toEqual([8, 108, 208, 308, 408, 508, 608, 708, 808, 908]);
    expect(x.calls).toBe(10);
  });

  it('falls back to per-line decoding when the candidate has non-ASCII literals', async () => {
    const x = fakeExtractor(/Fehlercode|ErrorCode|Größe/g);
    const o = await run('text', [Buffer.from('Größe ErrorCode: -4\nnone\nErrorCode: -5\n')], { extractor: x });
    expect(o.hits.map((h) => [h.line, h.codes[0]])).toEqual([
      [1, -4],
      [3, -5],
    ]);
  });

  const mixed = Buffer.concat([
    Buffer.from('2026-11-22T10:00:00Z start\r\nErrorCode: -1 inherits\n'),
    Buffer.from(`${'y'.repeat(70)} ErrorCode: -2\n`),
    Buffer.from([0xff, 0x00, 0x0d, 0x0a]),
    Buffer.from('Nov 22 10:00:05 h ErrorCode: -3 caf\u00e9\r\n\tat stack\n\tErrorCode=-4\n\n'),
    Buffer.from('[22/Nov/2026:10:00:09 +0000] ErrorCode: -5'),
  ]);

  it('gives identical hits and counters wherever the input is split (every 1- and 2-cut split)', async () => {
    const want = await run('text', [mixed], { maxLine: 60 });
    expect(want.hits.map((h) => [h.line, h.codes[0], h.ts])).toEqual([
      [2, -1, '2026-11-22T10:00:00.000Z'],
      [5, -3, '2026-11-22T10:00:05.000Z'],
      [7, -4, '2026-11-22T10:00:05.000Z'],
      [9, -5, '2026-11-22T10:00:09.000Z'],
    ]);
    expect([want.lines, want.oversized]).toEqual([9, 1]);
    for (let i = 0; i <= mixed.length; i++) {
      expect(await run('text', splitAt(mixed, [i]), { maxLine: 60 })).toEqual(want);
    }
    for (let i = 0; i <= mixed.length; i += 3) {
      for (let j = i; j <= mixed.length; j += 5) expect(await run('text', splitAt(mixed, [i, j]), { maxLine: 60 })).toEqual(want);
    }
  });

  it('is chunk-boundary invariant under random splits (property)', async () => {
    const want = await run('text', [mixed], { maxLine: 60 });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 0, max: mixed.length }), { maxLength: 12 }), async (cuts) => {
        expect(await run('text', splitAt(mixed, cuts), { maxLine: 60 })).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });
});

describe('NdjsonReader', () => {
  const input = Buffer.from(
    [
      '{"time":"2026-11-22T10:00:00Z","msg":"ErrorCode: -1"}',
      'not json ErrorCode: -99',
      '',
      '{"ts":1795000000,"msg":"fine"}',
      '{"msg":"ErrorCode: -2 inherits"}\r',
      '"a string line ErrorCode: -3"',
      '42',
      '{"broken": ',
      '[{"msg":"ErrorCode: -4"}]',
      '{"msg":"esc \\u0045rrorCode: -5"}',
    ].join('\n'),
  );

  it('extracts from records and text lines, counts malformed ones as skipped and goes on', async () => {
    const o = await run('ndjson', [input]);
    expect(o.hits).toEqual([
      { codes: [-1], line: 1, text: '{"time":"2026-11-22T10:00:00Z","msg":"ErrorCode: -1"}', ts: '2026-11-22T10:00:00.000Z', end: 54 },
      // A line that does not start like JSON is a text line (a pipe detected as JSON lines may carry text too).
      { codes: [-99], line: 2, text: 'not json ErrorCode: -99', ts: '2026-11-22T10:00:00.000Z', end: 78 },
      { codes: [-2], line: 5, text: '{"msg":"ErrorCode: -2 inherits"}', ts: '2026-11-18T11:06:40.000Z', end: 144 },
      { codes: [-3], line: 6, text: 'a string line ErrorCode: -3', ts: '2026-11-18T11:06:40.000Z', end: 174 },
      { codes: [-4], line: 9, text: '[{"msg":"ErrorCode: -4"}]', ts: '2026-11-18T11:06:40.000Z', end: 215 },
      { codes: [-5], line: 10, text: '{"msg":"esc ErrorCode: -5"}', ts: '2026-11-18T11:06:40.000Z', end: input.length },
    ]);
    expect([o.lines, o.skipped, o.oversized]).toEqual([10, 1, 0]); // only `{"broken": ` (`42` is a text line)
  });

  it('is chunk-boundary invariant', async () => {
    const want = await run('ndjson', [input], { maxLine: 50 });
    expect(want.oversized).toBe(1);
    for (let i = 0; i <= input.length; i++) expect(await run('ndjson', splitAt(input, [i]), { maxLine: 50 })).toEqual(want);
  });

  it('is exported as a reader class', () => {
    expect(new NdjsonReader(collect().opts).format).toBe('ndjson');
    expect(new TextReader(collect().opts).format).toBe('text');
  });
});

describe('JsonArrayReader', () => {
  const arr = Buffer.from(
    JSON.stringify(
      [
        { time: '2026-11-22T10:00:00Z', msg: 'ErrorCode: -1' },
        { msg: 'nothing' },
        'ErrorCode: -2 as a string',
        7,
        { msg: 'big', pad: 'z'.repeat(200), more: 'ErrorCode: -3' },
        { nested: { deep: [{ msg: 'ErrorCode: -4' }] }, __proto__x: 1 },
      ],
      null,
      1,
    ),
  );

  it('streams elements with 1-based positions, skips non-records and oversized elements', async () => {
    const o = await run('json', [arr], { maxLine: 150 });
    expect(o.hits).toEqual([
      { codes: [-1], line: 1, text: '{"time":"2026-11-22T10:00:00Z","msg":"ErrorCode: -1"}', ts: '2026-11-22T10:00:00.000Z', end: 1 },
      { codes: [-2], line: 3, text: 'ErrorCode: -2 as a string', ts: '2026-11-22T10:00:00.000Z', end: 3 },
      { codes: [-4], line: 6, text: '{"nested":{"deep":[{"msg":"ErrorCode: -4"}]},"__proto__x":1}', ts: '2026-11-22T10:00:00.000Z', end: 6 },
    ]);
    expect([o.lines, o.position, o.skipped, o.oversized]).toEqual([6, 6, 1, 1]);
  });

  it('is chunk-boundary invariant', async () => {
    const want = await run('json', [arr], { maxLine: 150 });
    for (let i = 0; i <= arr.length; i += 7) expect(await run('json', splitAt(arr, [i, Math.min(arr.length, i + 3)]), { maxLine: 150 })).toEqual(want);
  });

  it('keeps a "__proto__" key as data', async () => {
    const o = await run('json', [Buffer.from('[{"__proto__":{"x":1},"m":"ErrorCode: -6"}]')]);
    expect(o.hits[0]!.text).toBe('{"__proto__":{"x":1},"m":"ErrorCode: -6"}');
  });

  it('resumes by skipping consumed elements, keeping their time', async () => {
    const o = await run('json', [arr], { maxLine: 150, start: { position: 2, lines: 2 } });
    expect(o.hits.map((h) => [h.line, h.codes[0], h.ts])).toEqual([
      [3, -2, '2026-11-22T10:00:00.000Z'],
      [6, -4, '2026-11-22T10:00:00.000Z'],
    ]);
  });

  it('reports a broken array with the element it broke at, after reading the ones before', async () => {
    const { hits, opts } = collect();
    const r = new JsonArrayReader(opts);
    await r.write(Buffer.from('[{"m":"ErrorCode: -1"}, {"m": x}]'));
    const err = await r.end().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ErrscanError);
    expect((err as ErrscanError).message).toMatch(/^not a valid JSON array at element 2: /);
    expect(hits.length).toBe(1);
  });

  it('reports a top-level object and a truncated array', async () => {
    const obj = new JsonArrayReader(collect().opts);
    await obj.write(Buffer.from('{"a":1}'));
    await expect(obj.end()).rejects.toThrow(/the top-level value is an object, not an array/);
    const cut = new JsonArrayReader(collect().opts);
    await cut.write(Buffer.from('[{"a":1},{"b"'));
    await expect(cut.end()).rejects.toThrow(/./);
  });
});

describe('detectFormat', () => {
  it.each([
    ['[{"a":1}]', 'json'],
    ['  \n[\n  {"a": 1}', 'json'],
    ['["line one", "line two"]', 'json'],
    ['[]', 'json'],
    ['[1, 2, 3]\n', 'json'],
    ['\ufeff[{"a":1}]', 'json'],
    ['[DWT] 22/Nov/2026:10:00:00 +0000 HTTPUpload failed\n', 'text'],
    ['[2026-11-22 10:00:00] INFO x\n', 'text'],
    ['{"a":1}\n{"b":2}\n', 'ndjson'],
    ['{"a":1}\nplain text\nmore text\n', 'text'],
    ['{\n  "a": 1\n}\n', 'text'],
    ['2026-11-22T10:00:00Z hello\n', 'text'],
    ['', 'text'],
  ])('%j → %s', (s, want) => {
    expect(detectFormat(Buffer.from(s), true)).toBe(want);
  });

  it('asks for more bytes only when it cannot tell yet', () => {
    expect(detectFormat(Buffer.from('   '), false)).toBeUndefined();
    expect(detectFormat(Buffer.from('{"a":'), false)).toBeUndefined();
    expect(detectFormat(Buffer.from('[2026'), false)).toBeUndefined();
    expect(detectFormat(Buffer.from('{"a":1}\n{"b"'), false)).toBe('ndjson');
    expect(detectFormat(Buffer.from('plain'), false)).toBe('text');
  });
});
