// readRange reads into the scanner's own memory and scans each chunk where it lies (LiteralScanner.inputArea):
// the result must not depend on that, nor on where chunks cut lines, hits and CRLF endings.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fsp from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/catalog/index.js';
import { compileExtractor } from '../../src/extract/index.js';
import { readRange, type RangeContext } from '../../src/pipeline/ranges.js';
import { SCAN_CAPACITY } from '../../src/records/scanner.js';
import { TimeParser } from '../../src/time/parse.js';
import { fixtureLines } from '../extract/helpers.js';

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
});
