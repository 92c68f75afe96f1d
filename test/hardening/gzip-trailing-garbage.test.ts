// A valid gzip member followed by bytes that are not one (`gzip -t`: "decompression OK, trailing garbage
// ignored"). Node's Gunzip dropped up to the last 64 KiB of the member's content with the error; every
// line is read now, from a file, from stdin and into the store, and the garbage is reported once.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, errscan, summaryOf, tmpDir, totalsOfJson } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = tmpDir('gz-trailing');
});
afterAll(() => cleanup(dir));

function content(): Buffer {
  let s = '';
  for (let i = 0; i < 3000; i++) s += `2026-11-20T10:00:00Z INFO noise line number ${i}\n`;
  s += '2026-11-20T10:00:01Z ERROR [webtwain] AcquireImage failed: ErrorCode=-2326\n';
  return Buffer.from(s);
}
const second = Buffer.from('2026-11-20T10:00:02Z QLM server returned EServerErrorCode.License_Expired\n');

describe('gzip with trailing bytes', () => {
  it('a file with trailing garbage keeps every line of its member, and says so in one line', () => {
    const file = path.join(dir, 'tail.log.gz');
    fs.writeFileSync(file, Buffer.concat([zlib.gzipSync(content()), Buffer.from('junk\n')]));
    const r = errscan(['scan', '--no-db', '--json', file]);
    expect(totalsOfJson(r.stdout)).toEqual({ 'dwt:-2326': 1 });
    expect(summaryOf(r.stderr)).toMatchObject({ lines: 3001, hits: 1, errors: 1 });
    const errs = r.stderr.split('\n').filter((l) => l.startsWith('errscan: ') && !l.startsWith('{'));
    expect(errs).toEqual([
      `errscan: ${file}: corrupt gzip data after ${content().length} decompressed bytes (5 bytes of trailing garbage after the last gzip member) (test it with gzip -t; what was read before the damage is kept)`,
    ]);
    expect(r.status).toBe(1);
  });

  it('every member of a concatenated file, then a cut-off one; the same on stdin', () => {
    const gz = Buffer.concat([zlib.gzipSync(content()), zlib.gzipSync(second), Buffer.from([0x1f, 0x8b, 0x08, 0x00])]);
    const file = path.join(dir, 'members.log.gz');
    fs.writeFileSync(file, gz);
    for (const r of [errscan(['scan', '--no-db', '--json', file]), errscan(['scan', '--no-db', '--json'], { input: gz })]) {
      expect(totalsOfJson(r.stdout)).toEqual({ 'dwt:-2326': 1, 'qlm:209': 1 });
      expect(summaryOf(r.stderr)).toMatchObject({ lines: 3002, hits: 2, errors: 1 });
      expect(r.stderr).toMatch(/corrupt gzip data after \d+ decompressed bytes \(unexpected end of file\)/);
    }
  });

  it('zero padding after the last member is no error', () => {
    const file = path.join(dir, 'padded.log.gz');
    fs.writeFileSync(file, Buffer.concat([zlib.gzipSync(content()), Buffer.alloc(512)]));
    const r = errscan(['scan', '--no-db', '--json', file]);
    expect(totalsOfJson(r.stdout)).toEqual({ 'dwt:-2326': 1 });
    expect(summaryOf(r.stderr)).toMatchObject({ lines: 3001, hits: 1, errors: 0 });
    expect(r.status).toBe(0);
  });

  it('ingest stores every hit once, and a second run adds nothing', () => {
    const file = path.join(dir, 'ingest.log.gz');
    fs.writeFileSync(file, Buffer.concat([zlib.gzipSync(content()), zlib.gzipSync(second), Buffer.from('junk')]));
    const db = path.join(dir, 'ingest.db');
    for (let run = 0; run < 2; run++) {
      const r = errscan(['ingest', file, '--db', db, '--quiet']);
      expect(r.status).toBe(1);
      const d = new Database(db, { readonly: true });
      expect(d.prepare('SELECT vendor, code, sum(count) AS n FROM counts GROUP BY vendor, code ORDER BY vendor').all()).toEqual([
        { vendor: 'dwt', code: -2326, n: 1 },
        { vendor: 'qlm', code: 209, n: 1 },
      ]);
      d.close();
    }
  });
});
