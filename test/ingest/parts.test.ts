// The pure parts of `errscan ingest`: path expansion, the unchanged-file check, progress.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandPaths, isUnchanged, progressLine } from '../../src/cli/commands/ingest.js';
import { tmpDir } from '../store/helpers.js';

let dir: string;
beforeAll(() => {
  dir = tmpDir('errscan-ingest-parts-');
  fs.mkdirSync(path.join(dir, 'a', 'deep'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'a', 'one.log'), 'one\n');
  fs.writeFileSync(path.join(dir, 'a', 'deep', 'two.log'), 'two\n');
  fs.writeFileSync(path.join(dir, 'three.txt'), 'three\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const sha1 = (s: string | Buffer) => crypto.createHash('sha1').update(s).digest('hex');

describe('expandPaths', () => {
  it('takes files, directories recursively and globs, each file once', async () => {
    const got = await expandPaths([path.join(dir, 'a'), path.join(dir, '**/*.log'), path.join(dir, 'three.txt'), path.join(dir, 'a', 'one.log')]);
    expect(got).toEqual([path.join(dir, 'a', 'deep', 'two.log'), path.join(dir, 'a', 'one.log'), path.join(dir, 'three.txt')]);
  });

  it('a missing path or an empty glob is ERRSCAN_INPUT_NOT_FOUND naming it; stdin is a usage error', async () => {
    await expect(expandPaths([path.join(dir, 'nope.log')])).rejects.toMatchObject({ code: 'ERRSCAN_INPUT_NOT_FOUND', file: path.join(dir, 'nope.log') });
    await expect(expandPaths([path.join(dir, '*.gz')])).rejects.toMatchObject({ code: 'ERRSCAN_INPUT_NOT_FOUND', message: 'the pattern matches no files' });
    await expect(expandPaths(['nope.log'], dir)).rejects.toMatchObject({ file: 'nope.log' });
    await expect(expandPaths(['-'])).rejects.toMatchObject({ code: 'ERRSCAN_USAGE' });
  });
});

describe('isUnchanged', () => {
  it('plain text: read to its size with the same identity and first bytes', () => {
    const f = path.join(dir, 'three.txt');
    const st = fs.statSync(f);
    const t = { path: f, size: st.size, dev: st.dev, ino: st.ino, kind: 'text' as const };
    const cp = { source: f, path: f, dev: st.dev, ino: st.ino, offset: st.size, lines: 1, fingerprint: sha1('three\n') };
    expect(isUnchanged(t, cp)).toBe(true);
    expect(isUnchanged(t, undefined)).toBe(false);
    expect(isUnchanged(t, { ...cp, offset: 3 })).toBe(false);
    expect(isUnchanged(t, { ...cp, ino: st.ino + 1 })).toBe(false);
    expect(isUnchanged(t, { ...cp, fingerprint: sha1('other') })).toBe(false);
  });

  it('gzip: decompressed to the length its trailer records', () => {
    const f = path.join(dir, 'packed');
    const raw = Buffer.from('hello gzip\n'.repeat(50));
    const gz = zlib.gzipSync(raw);
    fs.writeFileSync(f, gz);
    const st = fs.statSync(f);
    const t = { path: f, size: st.size, dev: st.dev, ino: st.ino, kind: 'gzip' as const, isize: raw.length };
    const cp = { source: f, path: f, dev: st.dev, ino: st.ino, offset: raw.length, lines: 50, fingerprint: sha1(gz.subarray(0, 1024)) };
    expect(isUnchanged(t, cp)).toBe(true);
    expect(isUnchanged(t, { ...cp, offset: raw.length - 11 })).toBe(false);
    expect(isUnchanged({ ...t, isize: undefined }, cp)).toBe(false);
  });
});

describe('progressLine', () => {
  it('shows bytes done/total, percent, rate, hits and ETA', () => {
    expect(progressLine(10 * 1024 * 1024, 40 * 1024 * 1024, 123, 2000)).toBe('ingest 10.0/40.0 MB 25% 5.0 MB/s hits 123 ETA 0:06');
    expect(progressLine(0, 40 * 1024 * 1024, 0, 0)).toBe('ingest 0.0/40.0 MB 0% 0.0 MB/s hits 0 ETA --:--');
  });
});
