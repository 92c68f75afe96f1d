import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Readable } from 'node:stream';
import { classifyInputs, listFiles } from '../../src/sources/inputs.js';
import { checkpointMatches, fingerprintOf, sha1 } from '../../src/sources/identity.js';
import { abortable, contentOf, isGzip } from '../../src/sources/stream.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'errscan-sources-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('inputs', () => {
  it('classifies stdin, files, directories, globs and missing paths', async () => {
    fs.mkdirSync(path.join(dir, 'd/e'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'f.log'), '');
    fs.writeFileSync(path.join(dir, 'd/b.log'), '');
    fs.writeFileSync(path.join(dir, 'd/e/a.log'), '');
    fs.writeFileSync(path.join(dir, 'd/.hidden'), '');
    const specs = await classifyInputs(['-', 'f.log', 'd', '*.log', 'nope.log', '-'], dir);
    expect(specs.map((s) => s.kind)).toEqual(['stdin', 'file', 'dir', 'glob', 'missing']);
    expect(await classifyInputs([], dir)).toEqual([{ kind: 'stdin' }]);
    expect((await listFiles(specs[2]!)).map((f) => f.label)).toEqual(['d/b.log', 'd/e/a.log']);
    expect(await listFiles(specs[3]!)).toEqual([{ path: path.join(dir, 'f.log'), label: 'f.log' }]);
    expect(await listFiles(specs[4]!)).toEqual([]);
  });
});

describe('identity', () => {
  const head = Buffer.from('x'.repeat(2000)).subarray(0, 1024);
  const file = { dev: 1, ino: 2, size: 2000, head };
  const cp = { source: 'f', dev: 1, ino: 2, offset: 500, lines: 3, fingerprint: fingerprintOf(head, 500) };

  it('a byte checkpoint fingerprints only what it covers, so a growing file still matches', () => {
    expect(cp.fingerprint).toBe(sha1(Buffer.from('x'.repeat(500))));
    expect(checkpointMatches(cp, file, 'bytes')).toBe(true);
    expect(checkpointMatches({ ...cp, ino: 3 }, file, 'bytes')).toBe(false);
    expect(checkpointMatches({ ...cp, offset: 2001 }, file, 'bytes')).toBe(false);
    expect(checkpointMatches({ ...cp, fingerprint: sha1(Buffer.from('y')) }, file, 'bytes')).toBe(false);
    expect(checkpointMatches({ ...cp, offset: -1 }, file, 'bytes')).toBe(false);
  });

  it('gzip and JSON array checkpoints fingerprint the first KiB of the file', () => {
    const whole = { ...cp, offset: 99999, fingerprint: fingerprintOf(head, 2000) };
    expect(checkpointMatches(whole, file, 'decompressed')).toBe(true);
    expect(checkpointMatches(whole, file, 'elements')).toBe(true);
    expect(checkpointMatches(whole, file, 'bytes')).toBe(false);
  });
});

describe('streams', () => {
  it('detects gzip by magic bytes and decompresses; passes anything else through chunk by chunk', async () => {
    expect(isGzip(zlib.gzipSync('x'))).toBe(true);
    expect(isGzip(Buffer.from([0x1f]))).toBe(false);
    const seen: boolean[] = [];
    const out: Buffer[] = [];
    const gz = zlib.gzipSync('hello\nworld\n');
    // The magic bytes split across chunks.
    for await (const c of contentOf(Readable.from([gz.subarray(0, 1), gz.subarray(1)]), (g) => seen.push(g))) out.push(c);
    expect(Buffer.concat(out).toString()).toBe('hello\nworld\n');
    const plain: string[] = [];
    for await (const c of contentOf(Readable.from([Buffer.from('ab'), Buffer.from('c')]), (g) => seen.push(g))) plain.push(String(c));
    expect(plain).toEqual(['ab', 'c']);
    expect(seen).toEqual([true, false]);
  });

  it('stops waiting on a quiet source when aborted', async () => {
    const quiet = new Readable({ read() {} });
    quiet.push('first');
    const ac = new AbortController();
    const got: string[] = [];
    const p = (async () => {
      for await (const c of abortable(quiet as AsyncIterable<Buffer>, ac.signal)) got.push(String(c));
    })();
    await new Promise((r) => setTimeout(r, 30));
    ac.abort();
    await p;
    expect(got).toEqual(['first']);
  });
});
