// gunzip (src/sources/gunzip.ts): the content of every member, whatever the chunking of its input, and
// zlib-style errors for what is wrong, raised only after everything before the damage was yielded.
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gunzip, type GunzipInfo } from '../../src/sources/gunzip.js';

async function* pieces(buf: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (const c of [...cuts, buf.length]) {
    const end = Math.min(buf.length, Math.max(at, c));
    if (end > at) yield buf.subarray(at, end);
    at = end;
  }
}

async function run(buf: Buffer, cuts: number[] = []): Promise<{ out: Buffer; error?: string; code?: string; members: number }> {
  const out: Buffer[] = [];
  const info: GunzipInfo = { members: 0 };
  try {
    for await (const c of gunzip(pieces(buf, cuts), { info })) out.push(c);
    return { out: Buffer.concat(out), error: undefined, code: undefined, members: info.members };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { out: Buffer.concat(out), error: err.message, code: err.code, members: info.members };
  }
}

const text = (n: number, seed: string): Buffer => {
  let s = '';
  for (let i = 0; i < n; i++) s += `${seed} line ${i} ${crypto.createHash('sha1').update(`${seed}${i}`).digest('hex')}\n`;
  return Buffer.from(s);
};
const a = text(4000, 'a');
const b = text(10, 'b');

/** A gzip member with every optional header field: FEXTRA, FNAME, FCOMMENT and FHCRC. */
function fullHeader(content: Buffer): Buffer {
  const plain = zlib.gzipSync(content);
  const extra = Buffer.from([4, 0, 0x41, 0x42, 1, 2]);
  const head = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 2 | 4 | 8 | 16, 0, 0, 0, 0, 0, 3]), extra, Buffer.from('name.log\0'), Buffer.from('a comment\0'), Buffer.from([0, 0])]);
  return Buffer.concat([head, plain.subarray(10)]);
}

describe('gunzip', () => {
  it('one member, several members, empty members and every header field', async () => {
    expect((await run(zlib.gzipSync(a))).out.equals(a)).toBe(true);
    const multi = await run(Buffer.concat([zlib.gzipSync(a), zlib.gzipSync(Buffer.alloc(0)), zlib.gzipSync(b)]));
    expect(multi).toMatchObject({ members: 3, error: undefined });
    expect(multi.out.equals(Buffer.concat([a, b]))).toBe(true);
    const full = await run(Buffer.concat([fullHeader(b), fullHeader(a)]));
    expect(full).toMatchObject({ members: 2, error: undefined });
    expect(full.out.equals(Buffer.concat([b, a]))).toBe(true);
  });

  it('the same content however the input is cut (every cut of a small file, random cuts of a big one)', async () => {
    const small = Buffer.concat([fullHeader(b), zlib.gzipSync(b)]);
    for (let i = 0; i <= small.length; i++) {
      const r = await run(small, [i]);
      expect(r.error, `cut at ${i}`).toBeUndefined();
      expect(r.out.equals(Buffer.concat([b, b])), `cut at ${i}`).toBe(true);
    }
    const big = Buffer.concat([zlib.gzipSync(a), zlib.gzipSync(b), Buffer.from('junk')]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: big.length }), { maxLength: 12 }), async (cuts) => {
        const r = await run(big, [...cuts].sort((x, y) => x - y));
        expect(r.out.equals(Buffer.concat([a, b]))).toBe(true);
        expect(r.error).toBe('4 bytes of trailing garbage after the last gzip member');
      }),
      { numRuns: 60, seed: 3 },
    );
  });

  it('trailing zeros are padding; anything else after the last member is reported after its content', async () => {
    expect(await run(Buffer.concat([zlib.gzipSync(b), Buffer.alloc(100)]))).toMatchObject({ members: 1, error: undefined });
    const r = await run(Buffer.concat([zlib.gzipSync(a), Buffer.from('\0\0junk')]));
    expect(r.out.equals(a)).toBe(true);
    expect(r).toMatchObject({ members: 1, code: 'Z_DATA_ERROR', error: '6 bytes of trailing garbage after the last gzip member' });
  });

  it('damage: not gzip, a cut-off member, a wrong CRC or size, unknown method or flags', async () => {
    const gz = zlib.gzipSync(a);
    expect(await run(Buffer.from('plain text'))).toMatchObject({ code: 'Z_DATA_ERROR', error: 'incorrect header check' });
    const cut = await run(gz.subarray(0, gz.length >> 1));
    expect(cut).toMatchObject({ code: 'Z_BUF_ERROR', error: 'unexpected end of file', members: 0 });
    expect(a.subarray(0, cut.out.length).equals(cut.out)).toBe(true);
    expect(cut.out.length).toBeGreaterThan(0);
    expect(await run(gz.subarray(0, gz.length - 3))).toMatchObject({ code: 'Z_BUF_ERROR', error: 'unexpected end of file' });
    const crc = Buffer.from(gz);
    crc[crc.length - 8]! ^= 1;
    const badCrc = await run(crc);
    expect(badCrc).toMatchObject({ code: 'Z_DATA_ERROR', error: 'incorrect data check' });
    expect(badCrc.out.equals(a)).toBe(true);
    const size = Buffer.from(gz);
    size[size.length - 4]! ^= 1;
    expect(await run(size)).toMatchObject({ code: 'Z_DATA_ERROR', error: 'incorrect length check' });
    const method = Buffer.from(gz);
    method[2] = 7;
    expect(await run(method)).toMatchObject({ code: 'Z_DATA_ERROR', error: 'unknown compression method' });
    const flags = Buffer.from(gz);
    flags[3] = 0x20;
    expect(await run(flags)).toMatchObject({ code: 'Z_DATA_ERROR', error: 'unknown header flags set' });
    const body = Buffer.from(gz);
    body[20]! ^= 0xff;
    expect((await run(body)).code).toMatch(/^Z_/);
  });

  it('a quiet pipe: everything inflated so far is passed on while waiting for more input', async () => {
    const part = Buffer.alloc(1024 * 1024 + 65536 + 100, 'line of log text\n');
    const gz = zlib.createGzip();
    const bufs: Buffer[] = [];
    gz.on('data', (c: Buffer) => bufs.push(c));
    gz.write(part);
    await new Promise<void>((r) => gz.flush(zlib.constants.Z_SYNC_FLUSH, () => r()));
    let release: () => void = () => undefined;
    const quiet = new Promise<void>((r) => (release = r));
    async function* src(): AsyncGenerator<Buffer> {
      yield Buffer.concat(bufs);
      await quiet;
    }
    let n = 0;
    let error: string | undefined;
    const done = (async () => {
      try {
        for await (const c of gunzip(src())) {
          n += c.length;
          await new Promise((r) => setTimeout(r, 5));
        }
      } catch (e) {
        error = (e as Error).message;
      }
    })();
    for (let i = 0; i < 200 && n < part.length; i++) await new Promise((r) => setTimeout(r, 10));
    expect(n).toBe(part.length);
    release();
    await done;
    expect(error).toBe('unexpected end of file');
  });

  it('a reader that stops early is not held up by a source waiting for input', async () => {
    const gz = zlib.gzipSync(Buffer.alloc(20_000_000, 'abcdefgh\n'), { level: 9 });
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((r) => (release = r));
    async function* src(): AsyncGenerator<Buffer> {
      yield gz.subarray(0, 3000);
      await stuck;
      yield gz.subarray(3000);
    }
    let n = 0;
    for await (const c of gunzip(src())) {
      n += c.length;
      if (n > 1e6) break;
    }
    expect(n).toBeGreaterThan(1e6);
    release();
  });
});
