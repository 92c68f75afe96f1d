// Bad input never crashes errscan or grows its memory without bound; the good records around the bad
// ones are still counted, and bad records are counted as skipped. (The 1 GB line is in test/chaos.)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, dbTotals, errscan, expectNoStack, genlog, oracle, rng, runAsync, summaryOf, tmpDir, totalsOfJson, type Generated, type Totals } from './helpers.js';

let dir: string;
let g: Generated;
/** Peak RSS allowed for any of these runs (a plain run of a small file takes ~80 MB). */
const RSS_KIB = 300 * 1024;

beforeAll(() => {
  dir = tmpDir('bad-input');
  g = genlog(path.join(dir, 'g.log'), { mb: 1, seed: 41 });
});

afterAll(() => cleanup(dir));

type Scanned = { status: number | null; stderr: string; hits: Totals; s: ReturnType<typeof summaryOf> };

function scanFile(file: string, extra: string[] = []): Scanned {
  return checked(errscan(['scan', '--no-db', '--json', ...extra, file]));
}

async function scanAsync(file: string, extra: string[] = []): Promise<Scanned> {
  return checked(await runAsync(['scan', '--no-db', '--json', ...extra, file], { timeoutMs: 60_000 }));
}

function checked(r: { status: number | null; stdout: string; stderr: string }): Scanned {
  expectNoStack(r.stderr);
  const s = summaryOf(r.stderr);
  expect(s.maxRssKiB).toBeLessThan(RSS_KIB);
  return { status: r.status, stderr: r.stderr, hits: totalsOfJson(r.stdout), s };
}

/** Good lines with known hits (dwt, dls, pallycon, qlm). */
const GOOD = [
  ['2026-11-20T10:00:00Z ERROR [webtwain] AcquireImage failed: ErrorCode=-2326 ErrorString="see catalog"', 'dwt:-2326'],
  ['2026-11-20T10:05:00Z WARN  LicenseClient - Dynamsoft License Server returned error -20111', 'dls:-20111'],
  ['2026-11-20T10:10:00Z ERROR drm-proxy: PallyCon license error 7011 for cid=content-7', 'pallycon:7011'],
  ['2026-11-20T10:15:00Z ERROR QlmLicense: ActivateLicense failed: License_Expired (209)', 'qlm:209'],
] as const;

describe('random bytes, NUL and invalid UTF-8 between good lines', () => {
  it('counts every good line, keeps line numbers, and prints nothing raw from the garbage', () => {
    const r = rng(4242);
    const parts: Buffer[] = [];
    const expected: Totals = {};
    const garbage = (): Buffer => {
      switch (Math.floor(r() * 6)) {
        case 0:
          return Buffer.from(Array.from({ length: Math.floor(r() * 4096) }, () => Math.floor(r() * 256)));
        case 1:
          return Buffer.alloc(1 + Math.floor(r() * 2000), 0);
        case 2:
          // Invalid UTF-8: stray continuation bytes, overlong forms, surrogates, truncated sequences, 0xff.
          return Buffer.from([0x80, 0xbf, 0xc0, 0xaf, 0xe0, 0x80, 0xaf, 0xed, 0xa0, 0x80, 0xf8, 0x88, 0x80, 0x80, 0x80, 0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]);
        case 3:
          return Buffer.from('\r\r\r\x00\x1b[2J\x07\x08\x7f');
        case 4:
          return Buffer.from('\ufeff{"half": "json', 'utf8');
        default:
          return Buffer.from(' \t\v\f');
      }
    };
    for (let i = 0; i < 400; i++) {
      const [line, key] = GOOD[i % GOOD.length]!;
      // A good line may carry garbage after its hit (NUL, invalid UTF-8): still good.
      parts.push(Buffer.from(line), i % 3 === 0 ? Buffer.from([0x20, 0x00, 0xff, 0xc3, 0x28]) : Buffer.alloc(0), Buffer.from('\n'));
      expected[key] = (expected[key] ?? 0) + 1;
      parts.push(garbage(), Buffer.from('\n'));
    }
    const buf = Buffer.concat(parts);
    const file = path.join(dir, 'garbage.log');
    fs.writeFileSync(file, buf);
    const out = scanFile(file);
    expect(out.status).toBe(0);
    expect(out.hits).toEqual(expected);
    expect(out.s).toMatchObject({ lines: buf.filter((b) => b === 10).length, bytes: buf.length, skipped: 0, errors: 0, oversized: 0 });
    // Text output: no control character from the input reaches the terminal.
    const text = errscan(['scan', '--no-db', '--quiet', file]);
    expect(text.status).toBe(0);
    expect(text.stdout.split('\n').filter(Boolean)).toHaveLength(400);
    expect(text.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\x80-\x9f]/);
    // The same bytes through the database: the same counts.
    const db = path.join(dir, 'garbage.db');
    const ing = errscan(['ingest', file, '--db', db, '--quiet']);
    expect(ing.status, ing.stderr).toBe(0);
    expect(dbTotals(db)).toEqual(expected);
  });

  it('a file that starts with binary, and one made only of random bytes', () => {
    const r = rng(7);
    const noise = Buffer.from(Array.from({ length: 200_000 }, () => Math.floor(r() * 256)));
    const f1 = path.join(dir, 'binary-first.log');
    fs.writeFileSync(f1, Buffer.concat([noise.subarray(0, 5000), Buffer.from(`\n${GOOD[0][0]}\n`)]));
    const a = scanFile(f1);
    expect(a.status).toBe(0);
    expect(a.hits).toEqual({ 'dwt:-2326': 1 });
    const f2 = path.join(dir, 'noise.bin');
    fs.writeFileSync(f2, noise);
    const b = scanFile(f2);
    expect(b.status).toBe(0);
    expect(b.s).toMatchObject({ bytes: noise.length, errors: 0 });
    expect(b.s.lines).toBe(noise.filter((x) => x === 10).length + (noise[noise.length - 1] === 10 ? 0 : 1));
  });
});

describe('over-long lines', () => {
  it('a 24 MB line between good lines is skipped and counted as oversized, without holding it in memory', () => {
    const file = path.join(dir, 'long.log');
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, `${GOOD[0][0]}\n`);
    const block = Buffer.alloc(1024 * 1024, 'ErrorCode=-2326 DWT ');
    for (let i = 0; i < 24; i++) fs.writeSync(fd, block);
    fs.writeSync(fd, `\n${GOOD[1][0]}\n${GOOD[2][0]}`);
    fs.closeSync(fd);
    const out = scanFile(file);
    expect(out.status).toBe(0);
    expect(out.hits).toEqual({ 'dwt:-2326': 1, 'dls:-20111': 1, 'pallycon:7011': 1 });
    expect(out.s).toMatchObject({ lines: 4, oversized: 1, skipped: 0, errors: 0 });
    expect(out.s.maxRssKiB).toBeLessThan(150 * 1024);
    // A smaller --max-line applies to stdin too.
    const r = errscan(['scan', '--no-db', '--json', '--max-line', '64K', '-'], { input: `${'x'.repeat(70_000)} ErrorCode=-2326 DWT\n${GOOD[3][0]}\n` });
    expect(totalsOfJson(r.stdout)).toEqual({ 'qlm:209': 1 });
    expect(summaryOf(r.stderr)).toMatchObject({ lines: 2, oversized: 1 });
  });
});

describe('gzip', () => {
  const raw = (): Buffer => fs.readFileSync(g.file);

  function gzFile(name: string, buf: Buffer): string {
    const f = path.join(dir, name);
    fs.writeFileSync(f, buf);
    return f;
  }

  /** Hits in the complete lines of what a gzip stream yields before it breaks. */
  function decodable(buf: Buffer): Totals {
    const partial = zlib.gunzipSync(buf, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    return oracle(partial.subarray(0, partial.lastIndexOf(10) + 1)).totals;
  }

  it('intact, two members, zero padding: every hit', async () => {
    const gz = zlib.gzipSync(raw());
    const [ok, two, padded] = await Promise.all([
      scanAsync(gzFile('ok.gz', gz)),
      scanAsync(gzFile('two.gz', Buffer.concat([gz, gz]))),
      scanAsync(gzFile('padded.gz', Buffer.concat([gz, Buffer.alloc(4096)]))),
    ]);
    expect(ok.hits).toEqual(g.counts);
    expect(two.hits).toEqual(Object.fromEntries(Object.entries(g.counts).map(([k, v]) => [k, 2 * v])));
    expect(padded.hits).toEqual(g.counts);
  });

  for (const frac of [0.1, 0.5, 0.97]) {
    it(`truncated at ${frac * 100}%: one line naming the file, exit 1, every hit before the cut kept (also in the database)`, () => {
      const gz = zlib.gzipSync(raw());
      const cut = gz.subarray(0, Math.floor(gz.length * frac));
      const file = gzFile(`cut-${frac}.gz`, cut);
      const out = scanFile(file);
      expect(out.status).toBe(1);
      const errs = out.stderr.split('\n').filter((l) => l.startsWith('errscan: '));
      expect(errs).toHaveLength(1);
      expect(errs[0]).toMatch(new RegExp(`^errscan: ${file}: corrupt gzip data after \\d+ decompressed bytes`));
      expect(out.s.errors).toBe(1);
      expect(out.hits).toEqual(decodable(cut));
      const db = path.join(dir, `cut-${frac}.db`);
      const ing = errscan(['ingest', file, '--db', db, '--quiet']);
      expect(ing.status).toBe(1);
      expect(dbTotals(db)).toEqual(out.hits);
      // Reading it again adds nothing twice.
      errscan(['ingest', file, '--db', db, '--quiet']);
      expect(dbTotals(db)).toEqual(out.hits);
    });
  }

  it('damaged in the middle, or with a wrong checksum: one line, exit 1, no crash, memory bounded', async () => {
    const gz = zlib.gzipSync(raw());
    const flipped = Buffer.from(gz);
    const mid = flipped.length >> 1;
    for (let i = 0; i < 64; i++) flipped[mid + i] = flipped[mid + i]! ^ 0xa5;
    const crc = Buffer.from(gz);
    crc.writeUInt32LE((crc.readUInt32LE(crc.length - 8) ^ 1) >>> 0, crc.length - 8);
    const cases = [['flipped.gz', flipped], ['crc.gz', crc], ['header-only.gz', gz.subarray(0, 10)], ['magic-only.gz', gz.subarray(0, 2)]] as const;
    const outs = await Promise.all(cases.map(([name, buf]) => scanAsync(gzFile(name, buf))));
    for (const [i, [name]] of cases.entries()) {
      const out = outs[i]!;
      expect(out.status, name).toBe(1);
      expect(out.stderr.split('\n').filter((l) => l.startsWith('errscan: ')), name).toHaveLength(1);
      expect(out.s.errors, name).toBe(1);
    }
  });
});

describe('JSON', () => {
  const rec = (i: number): string =>
    JSON.stringify({ time: `2026-11-20T11:${String(i % 60).padStart(2, '0')}:00Z`, level: 'error', msg: 'license request failed', pallycon: { errorCode: String([7011, 7009, 1003][i % 3]), message: 'x' } });
  const BAD = ['{"time": "2026-11-20T11:00:00Z", "pallycon": {"errorCode": "7011"', '{"a":}', 'nul', '{"a":1}}', '[1,2', '\u0000\u00ff', '{"errorCode":"7011","drm":"PallyCon"', "{'single': 'quotes'}", '{"a":1} trailing', '{"n": 01}'];

  it('malformed JSON lines among good ones: good ones counted, bad ones skipped (auto-detected and forced)', () => {
    const lines: string[] = [];
    const expected: Totals = {};
    let bad = 0;
    for (let i = 0; i < 300; i++) {
      lines.push(rec(i));
      const k = `pallycon:${[7011, 7009, 1003][i % 3]}`;
      expected[k] = (expected[k] ?? 0) + 1;
      // One bad line in 30 keeps auto-detection on JSON lines (it needs 90% of the first 100 to parse).
      if (i % 30 === 29) lines.push(BAD[bad++ % BAD.length]!);
    }
    const file = path.join(dir, 'mixed.jsonl');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const out = scanFile(file);
    expect(out.status).toBe(0);
    expect(out.hits).toEqual(expected);
    // `nul` and the NUL/ÿ line do not start like JSON: they are text lines (searched, no hits), not skipped records.
    expect(out.s).toMatchObject({ lines: 310, skipped: 8, errors: 0 });
    // Half garbage, forced as JSON lines: still every good record.
    const half: string[] = [];
    for (let i = 0; i < 60; i++) half.push(rec(i), BAD[i % BAD.length]!);
    const f2 = path.join(dir, 'half.jsonl');
    fs.writeFileSync(f2, `${half.join('\n')}\n`);
    const forced = scanFile(f2, ['--format', 'ndjson']);
    expect(forced.hits).toEqual({ 'pallycon:7011': 20, 'pallycon:7009': 20, 'pallycon:1003': 20 });
    expect(forced.s).toMatchObject({ lines: 120, skipped: 48 }); // 12 of the 60 bad lines are text lines (see above)
  });

  it('a truncated JSON array: the complete elements counted, one line naming the file and the element', () => {
    const file = path.join(dir, 'cut.json');
    const els = Array.from({ length: 50 }, (_, i) => rec(i));
    fs.writeFileSync(file, `[${els.join(',\n')},\n{"time": "2026-11-20T11:00:00Z", "pallycon": {"errorCode": "70`);
    const out = scanFile(file);
    expect(out.status).toBe(1);
    const errs = out.stderr.split('\n').filter((l) => l.startsWith('errscan: '));
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(new RegExp(`^errscan: ${file}: .*element 51`));
    expect(out.hits).toEqual({ 'pallycon:7011': 17, 'pallycon:7009': 17, 'pallycon:1003': 16 });
    expect(out.s).toMatchObject({ lines: 50, errors: 1 });
  });

  it('nested 100 000 deep, as a JSON line and inside and as a JSON array: no crash, the neighbours counted', async () => {
    const N = 100_000;
    const deepObj = `${'{"a":'.repeat(N)}1${'}'.repeat(N)}`;
    const deepArr = `${'['.repeat(N)}${']'.repeat(N)}`;
    const deepHit = `${'{"a":'.repeat(N)}{"errorCode":"7011","drm":"PallyCon"}${'}'.repeat(N)}`;
    // [file, content, flags, exit status, hits, summary]
    const cases: Array<[string, string, string[], number, Totals, Record<string, number>]> = [
      ['deep.jsonl', [rec(0), deepObj, deepArr, deepHit, rec(1)].join('\n') + '\n', ['--max-line', '2M'], 0, { 'pallycon:7011': 2, 'pallycon:7009': 1 }, { lines: 5, skipped: 0, errors: 0 }],
      ['deep.json', `[${rec(0)},${deepArr},${deepObj},${rec(1)}]`, [], 0, { 'pallycon:7011': 1, 'pallycon:7009': 1 }, { lines: 4, skipped: 0, errors: 0 }],
      ['deep-top.json', deepArr, [], 0, {}, { lines: 1, skipped: 0, errors: 0 }],
      ['deep-unclosed.json', `[${rec(0)},${'['.repeat(N)}`, [], 1, { 'pallycon:7011': 1 }, { lines: 1, errors: 1 }],
    ];
    const outs = await Promise.all(
      cases.map(([name, body, extra]) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, body);
        return scanAsync(file, extra);
      }),
    );
    for (const [i, [name, , , status, hits, summary]] of cases.entries()) {
      const out = outs[i]!;
      expect(out.status, `${name}: ${out.stderr}`).toBe(status);
      expect(out.hits, name).toEqual(hits);
      expect(out.s, name).toMatchObject(summary);
    }
  });
});

describe('empty input', () => {
  it('empty files, blank lines, an empty array, an empty gzip, an empty stdin: exit 0, nothing counted, nothing stored', async () => {
    const cases: Array<[string, Buffer, number]> = [
      ['empty.log', Buffer.alloc(0), 0],
      ['blank.log', Buffer.from('\n\n\n'), 3],
      ['spaces.log', Buffer.from('   \t  '), 1],
      ['bom.log', Buffer.from([0xef, 0xbb, 0xbf]), 1],
      ['empty.json', Buffer.from('[]'), 0],
      ['empty-ws.json', Buffer.from(' [ \n ] \n'), 0],
      ['empty.gz', zlib.gzipSync(Buffer.alloc(0)), 0],
    ];
    const db = path.join(dir, 'empty.db');
    const files = cases.map(([name, body]) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, body);
      return file;
    });
    const outs = await Promise.all(files.map((f) => scanAsync(f)));
    for (const [i, [name, , lines]] of cases.entries()) {
      const out = outs[i]!;
      expect(out.status, name).toBe(0);
      expect(out.hits, name).toEqual({});
      expect(out.s, name).toMatchObject({ hits: 0, errors: 0, skipped: 0, lines });
    }
    const ing = errscan(['ingest', ...files, '--db', db, '--json']);
    expect(ing.status, ing.stderr).toBe(0);
    expect(JSON.parse(ing.stdout)).toMatchObject({ files: cases.length, ingested: cases.length, hits: 0, errors: 0, skipped: 0 });
    expect(dbTotals(db)).toEqual({});
    const stdin = errscan(['--db', db, '--json'], { input: '' });
    expect(stdin.status).toBe(0);
    expect(stdin.stdout).toBe('');
    expect(summaryOf(stdin.stderr)).toMatchObject({ bytes: 0, lines: 0, hits: 0 });
    expect(dbTotals(db)).toEqual({});
  });
});
