// readRange reads into the scanner's own memory and scans each chunk where it lies (LiteralScanner.inputArea):
// the result must not depend on that, nor on where chunks cut lines, hits and CRLF endings.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fsp from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { catalogSet, loadCatalogs, type CatalogSet } from '../../src/catalog/index.js';
import { compileExtractor } from '../../src/extract/index.js';
import { PairIndex, readRange, type RangeContext } from '../../src/pipeline/ranges.js';
import { SCAN_CAPACITY } from '../../src/records/scanner.js';
import { TimeParser } from '../../src/time/parse.js';
import { fixtureLines } from '../extract/helpers.js';
import type { VendorCatalog } from '../../src/types.js';

/** A catalog of one's own: `ACME-ERR <code>` lines, with one code known. */
function acmeCatalogs(known: number): CatalogSet {
  const acme: VendorCatalog = {
    vendor: 'acme',
    product: 'Acme',
    files: ['/tmp/acme.json'],
    patterns: [{ id: 'p', regex: 'ACME-ERR (?<code>\\d{1,12})', anchors: ['ACME-ERR'], samples: [] }],
    entries: [{ vendor: 'acme', code: known, name: null, message: 'The widget is broken', alternates: [], category: 'x', severity: 'error' }],
  };
  return catalogSet([acme]);
}

describe('readRange', () => {
  it('gives the same tally scanning in place (any chunk size) as copying each chunk first', async () => {
    const catalogs = loadCatalogs();
    const extractor = compileExtractor(catalogs);
    // Fixture lines (hits and look-alikes), stamped, some with CRLF, between runs of plain lines of odd lengths.
    const fixtures = fixtureLines();
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const stamp = `2026-11-${String(10 + (i % 9)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00.000Z`;
      lines.push(i % 3 === 0 ? `${stamp} ${fixtures[i % fixtures.length]}` : `${stamp} plain ${'x'.repeat(i % 97)}`);
      if (i % 11 === 0) lines[lines.length - 1] += '\r';
    }
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'errscan-ranges-')), 'mixed.log');
    fs.writeFileSync(file, `${lines.join('\n')}\nlast line without newline: DLS error -20111`);
    const size = fs.statSync(file).size;
    const fh = await fsp.open(file, 'r');
    const run = (chunkSize: number) => {
      const ctx: RangeContext = { extractor, catalogs, time: new TimeParser('UTC'), maxLine: 1 << 20, chunkSize, samplesPerCode: 5, maxRows: 1e9 };
      return readRange(fh, { index: 0, start: 0, end: size, last: true }, ctx);
    };
    try {
      // Over SCAN_CAPACITY the scanner cannot take the read buffer: every chunk is copied into it.
      const copied = await run(SCAN_CAPACITY + 4096);
      // Each line on its own, through extract: the hits a reader must find, wherever chunks cut.
      const all = [...lines, 'last line without newline: DLS error -20111'];
      expect(copied.hits).toBe(all.reduce((n, l) => n + extractor.extract(l.replace(/\r$/, '')).length, 0));
      expect(copied.lines).toBe(lines.length + 1);
      for (const chunk of [257, 4096, 65_536, 1 << 20]) {
        const inPlace = await run(chunk);
        expect({ chunk, ...inPlace }).toEqual({ chunk, ...copied });
      }
    } finally {
      await fh.close();
    }
  });

  it('tallies codes past int32 apart from their int32 look-alikes, by hour', async () => {
    // A catalog of one's own may capture long numbers: 4294967338 is 42 modulo 2^32, and must stay apart.
    const catalogs = acmeCatalogs(42);
    const lines = [
      '2026-11-10T01:00:00Z ACME-ERR 42',
      '2026-11-10T01:30:00Z ACME-ERR 4294967338',
      '2026-11-10T01:40:00Z ACME-ERR 4294967338',
      '2026-11-10T02:00:00Z ACME-ERR 42',
      'ACME-ERR 4294967338 without a stamp of its own',
    ];
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'errscan-ranges-')), 'wide.log');
    fs.writeFileSync(file, `ACME-ERR 42 before any stamp\n${lines.join('\n')}\n`);
    const fh = await fsp.open(file, 'r');
    try {
      const ctx: RangeContext = { extractor: compileExtractor(catalogs), catalogs, time: new TimeParser('UTC'), maxLine: 1 << 20, chunkSize: 4096, samplesPerCode: 5, maxRows: 1e9 };
      const r = await readRange(fh, { index: 0, start: 0, end: fs.statSync(file).size, last: true }, ctx);
      const code = (slot: number): number => r.codes[slot]!.code;
      const rows: Array<[string, number, number]> = [];
      for (let i = 0; i < r.counts.length; i += 5) rows.push([new Date(r.counts[i]! * 1000).toISOString(), code(r.counts[i + 1]!), r.counts[i + 2]!]);
      expect(rows).toEqual([
        ['2026-11-10T01:00:00.000Z', 42, 1],
        ['2026-11-10T01:00:00.000Z', 4294967338, 2],
        ['2026-11-10T02:00:00.000Z', 42, 1],
        ['2026-11-10T02:00:00.000Z', 4294967338, 1],
      ]);
      expect(r.untimed.map((u) => [code(u.slot), u.count])).toEqual([[42, 1]]);
      expect({ hits: r.hits, unknown: r.unknown }).toEqual({ hits: 6, unknown: 3 });
    } finally {
      await fh.close();
    }
  });
});

describe('readRange tallies', () => {
  const catalogs = acmeCatalogs(7);
  const ctx = (maxRows: number): RangeContext => ({ extractor: compileExtractor(catalogs), catalogs, time: new TimeParser('UTC'), maxLine: 1 << 20, chunkSize: 4096, samplesPerCode: 5, maxRows });

  it('counts every hit into its hour and code, with first and last times, across many batches of hits', async () => {
    // More timed hits than a tally logs before it folds them in: its rows take several folds.
    const base = Date.UTC(2026, 10, 10);
    const want = new Map<string, [number, number, number]>();
    const lines: string[] = [];
    for (let i = 0; i < 40_000; i++) {
      const ms = base + ((i * 7919) % 18_000) * 1000;
      const code = 5 + (i % 3);
      lines.push(`${new Date(ms).toISOString()} ACME-ERR ${code}`);
      const key = `${Math.floor(ms / 3_600_000) * 3600}/${code}`;
      const w = want.get(key);
      want.set(key, w ? [w[0] + 1, Math.min(w[1], ms), Math.max(w[2], ms)] : [1, ms, ms]);
    }
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'errscan-ranges-')), 'many.log');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const fh = await fsp.open(file, 'r');
    try {
      const r = await readRange(fh, { index: 0, start: 0, end: fs.statSync(file).size, last: true }, ctx(1e9));
      const got = new Map<string, [number, number, number]>();
      for (let i = 0; i < r.counts.length; i += 5) got.set(`${r.counts[i]}/${r.codes[r.counts[i + 1]!]!.code}`, [r.counts[i + 2]!, r.counts[i + 3]!, r.counts[i + 4]!]);
      expect(got).toEqual(want);
      expect({ hits: r.hits, unknown: r.unknown, dense: r.dense }).toEqual({ hits: 40_000, unknown: 2 * 13_333 + 1, dense: false });
      // Rows come hour by hour.
      const hours = [];
      for (let i = 0; i < r.counts.length; i += 5) hours.push(r.counts[i]!);
      expect(hours).toEqual([...hours].sort((a, b) => a - b));
    } finally {
      await fh.close();
    }
  });

  it('stops at the first chunk whose rows pass maxRows, however many hits are still to be folded in', async () => {
    // A new hour on every line: a row per line, of 36 bytes; a chunk is 4096.
    const lines = Array.from({ length: 1000 }, (_, i) => `${new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString()} ACME-ERR 7`);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'errscan-ranges-')), 'dense.log');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const fh = await fsp.open(file, 'r');
    try {
      const r = await readRange(fh, { index: 0, start: 0, end: fs.statSync(file).size, last: true }, ctx(150));
      expect({ dense: r.dense, partial: r.partial }).toEqual({ dense: true, partial: true });
      // It stops at the end of the first chunk that takes it past 150 rows: within a chunk's lines of 150.
      expect(r.counts.length / 5).toBe(r.lines);
      expect(r.lines).toBeGreaterThan(150);
      expect(r.lines).toBeLessThanOrEqual(150 + Math.ceil(4096 / 36));
    } finally {
      await fh.close();
    }
  });
});

describe('PairIndex', () => {
  it('numbers int32 pairs densely in order of arrival, through growth and collisions', () => {
    const idx = new PairIndex(2);
    const ref = new Map<string, number>();
    let seed = 7;
    const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) | 0) >>> 8) % n;
    for (let k = 0; k < 20_000; k++) {
      // Few distinct values per member, both signs and the extremes: many repeats and hash collisions.
      const pick = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 3600, -20120, rnd(5000)];
      const a = pick[rnd(pick.length)]!;
      const b = rnd(3) === 0 ? pick[rnd(pick.length)]! : rnd(300) - 150;
      const key = `${a},${b}`;
      const want = ref.get(key) ?? ref.size;
      ref.set(key, want);
      expect(idx.index(a, b)).toBe(want);
    }
    expect(idx.size).toBe(ref.size);
    for (const [key, i] of ref) expect(`${idx.a[i]},${idx.b[i]}`).toBe(key);
  });

  it('keeps every pair when room is reserved ahead, and then adds them without growing', () => {
    const idx = new PairIndex(2);
    for (let k = 0; k < 5; k++) idx.index(k, -k);
    idx.reserve(1000);
    const room = idx.a.length;
    expect(room).toBeGreaterThanOrEqual(1005);
    for (let k = 0; k < 5; k++) expect(idx.index(k, -k)).toBe(k);
    for (let k = 5; k < 1005; k++) expect(idx.index(k, -k)).toBe(k);
    expect(idx.a.length).toBe(room);
    expect(idx.size).toBe(1005);
    for (let k = 0; k < 1005; k++) expect(idx.index(k, -k)).toBe(k);
    // Cleared, it numbers from 0 again, in its room.
    idx.clear();
    expect(idx.size).toBe(0);
    expect(idx.index(7, 7)).toBe(0);
    expect(idx.index(0, 0)).toBe(1);
    expect(idx.index(7, 7)).toBe(0);
    expect(idx.a.length).toBe(room);
  });
});

