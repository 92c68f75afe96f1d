// gzip decompression that loses nothing a member holds. Node's Gunzip reads any bytes after a member as
// the next member; when they are not one (trailing garbage, which `gzip -d` decompresses past with a
// warning), it fails the write they came in and drops that write's output: up to the last 64 KiB of the
// valid member. Here every member's header is read here, its deflate data inflated raw (zlib says where
// that data ends), and its trailer's CRC-32 and size checked here, so whatever follows the last member
// is only reported, after all of it has been passed on.
import type zlibT from 'node:zlib';

/** Input bytes handed to the inflater at a time. */
const PIECE = 64 * 1024;
/** Output waiting for the reader, past which the inflater is paused. */
const HIGH = 1024 * 1024;
/** Pieces kept after they were given to zlib: more than can be in flight when a member ends. */
const MAX_RECENT = 8;

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

/** A zlib-style error (`code` Z_DATA_ERROR / Z_BUF_ERROR), as Gunzip's, so callers report it the same way. */
function zerr(message: string, code = 'Z_DATA_ERROR'): Error {
  return Object.assign(new Error(message), { code });
}

/** Pull-based bytes over an async iterable of chunks. */
class Input {
  private readonly it: AsyncIterator<Buffer>;
  private bufs: Buffer[] = [];
  length = 0;
  eof = false;

  constructor(src: AsyncIterable<Buffer>) {
    this.it = src[Symbol.asyncIterator]();
  }

  private pulling: Promise<void> | undefined;
  private failure: { e: unknown } | undefined;

  /** The next chunk buffered (one pull at a time: a caller may stop waiting for it and come back). */
  pull(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.e);
    this.pulling ??= this.it.next().then(
      (r) => {
        this.pulling = undefined;
        if (r.done) this.eof = true;
        else if (r.value.length > 0) {
          this.bufs.push(r.value);
          this.length += r.value.length;
        }
      },
      (e: unknown) => {
        this.pulling = undefined;
        this.failure = { e };
        throw e;
      },
    );
    return this.pulling;
  }

  /** At least n bytes buffered, unless the input ends first. */
  async fill(n: number): Promise<void> {
    while (this.length < n && !this.eof) await this.pull();
  }

  byte(i: number): number {
    for (const b of this.bufs) {
      if (i < b.length) return b[i]!;
      i -= b.length;
    }
    return -1;
  }

  /** The next n buffered bytes (n ≤ length). */
  take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const b = this.bufs[0]!;
      const k = Math.min(b.length, n - at);
      b.copy(out, at, 0, k);
      at += k;
      if (k === b.length) this.bufs.shift();
      else this.bufs[0] = b.subarray(k);
    }
    this.length -= n;
    return out;
  }

  /** Up to max of the buffered bytes, without copying; undefined when none are buffered. */
  some(max: number): Buffer | undefined {
    const b = this.bufs[0];
    if (b === undefined) return undefined;
    const piece = b.length > max ? b.subarray(0, max) : b;
    if (piece === b) this.bufs.shift();
    else this.bufs[0] = b.subarray(max);
    this.length -= piece.length;
    return piece;
  }

  unshift(b: Buffer): void {
    if (b.length === 0) return;
    this.bufs.unshift(b);
    this.length += b.length;
  }

  /** Ends the source; not waited for while a pull is pending (a quiet pipe would never answer). */
  async return(): Promise<void> {
    const done = Promise.resolve(this.it.return?.()).catch(() => undefined);
    if (this.pulling === undefined) await done;
  }
}

/** Skips a zero-terminated header field (file name, comment). */
async function skipString(inp: Input): Promise<void> {
  for (;;) {
    await inp.fill(1);
    if (inp.length === 0) throw zerr('unexpected end of file', 'Z_BUF_ERROR');
    for (let i = 0; i < inp.length; i++) {
      if (inp.byte(i) === 0) {
        inp.take(i + 1);
        return;
      }
    }
    inp.take(inp.length);
  }
}

/** Reads a member header; false at the end of the input or where no member starts. */
async function header(inp: Input): Promise<boolean> {
  await inp.fill(10);
  if (inp.length < 2 || inp.byte(0) !== 0x1f || inp.byte(1) !== 0x8b) return false;
  if (inp.length < 10) throw zerr('unexpected end of file', 'Z_BUF_ERROR');
  if (inp.byte(2) !== 8) throw zerr('unknown compression method');
  const flags = inp.byte(3);
  if (flags & 0xe0) throw zerr('unknown header flags set');
  inp.take(10);
  if (flags & FEXTRA) {
    await inp.fill(2);
    if (inp.length < 2) throw zerr('unexpected end of file', 'Z_BUF_ERROR');
    const xlen = inp.byte(0) | (inp.byte(1) << 8);
    await inp.fill(2 + xlen);
    if (inp.length < 2 + xlen) throw zerr('unexpected end of file', 'Z_BUF_ERROR');
    inp.take(2 + xlen);
  }
  if (flags & FNAME) await skipString(inp);
  if (flags & FCOMMENT) await skipString(inp);
  if (flags & FHCRC) {
    await inp.fill(2);
    if (inp.length < 2) throw zerr('unexpected end of file', 'Z_BUF_ERROR');
    inp.take(2);
  }
  return true;
}

let zlib: typeof zlibT | undefined;

/** node:zlib, loaded with the first gzip member: a run without one would pay its ~1-3 ms at start-up. */
async function loadZlib(): Promise<typeof zlibT> {
  return (zlib ??= (await import('node:zlib')).default);
}

/** One member's deflate data, inflated; the input is left just past it (at the trailer). */
async function* inflateMember(inp: Input, chunkSize: number): AsyncGenerator<Buffer> {
  const inf = (await loadZlib()).createInflateRaw({ chunkSize });
  const out: Buffer[] = [];
  let outBytes = 0;
  let failure: Error | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  inf.on('data', (c: Buffer) => {
    out.push(c);
    outBytes += c.length;
    if (outBytes >= HIGH) inf.pause();
    notify();
  });
  inf.on('error', (e: Error) => {
    failure = e;
    notify();
  });
  // zlib ends a raw inflater's output early when its deflate data ends before its input does.
  inf.on('end', () => {
    ended = true;
    notify();
  });
  try {
    // Pieces given to zlib, newest last: what it did not take when it ended is at their end.
    const recent: Buffer[] = [];
    let wrote = 0;
    let inflight = 0;
    let inputDone = false;
    for (;;) {
      while (out.length > 0) {
        const c = out.shift()!;
        outBytes -= c.length;
        yield c;
      }
      if (inf.isPaused()) inf.resume();
      if (failure !== undefined) throw failure;
      if (ended) break;
      // Two pieces in flight: zlib inflates one while this thread passes on the output of the other.
      if (!inputDone && inflight < 2) {
        if (inp.length === 0 && !inp.eof) {
          // A slow pipe: pass on what zlib makes meanwhile instead of holding it until more input comes.
          const more = inp.pull();
          more.catch(() => undefined);
          await Promise.race([more, new Promise<void>((r) => (wake = r))]);
          continue;
        }
        const piece = inp.some(PIECE);
        if (piece === undefined) {
          // The input ends: zlib fails a member cut short ("unexpected end of file").
          inputDone = true;
          inf.end();
          continue;
        }
        inflight++;
        wrote += piece.length;
        recent.push(piece);
        if (recent.length > MAX_RECENT) recent.shift();
        inf.write(piece, () => {
          inflight--;
          notify();
        });
        continue;
      }
      await new Promise<void>((r) => (wake = r));
    }
    let rest = wrote - inf.bytesWritten;
    for (let i = recent.length - 1; i >= 0 && rest > 0; i--) {
      const p = recent[i]!;
      inp.unshift(p.length <= rest ? p : p.subarray(p.length - rest));
      rest -= Math.min(rest, p.length);
    }
    if (rest > 0) throw new Error(`gunzip: ${rest} bytes past a member's end were not kept`);
  } finally {
    inf.removeAllListeners('data');
    inf.on('error', () => undefined);
    inf.destroy();
  }
}

export interface GunzipInfo {
  /** Members read. */
  members: number;
}

/**
 * The decompressed content of gzip data: every member in turn (concatenated .gz files are one stream, as
 * with gzip -d). Zero bytes after the last member are padding; anything else there is reported as a
 * Z_DATA_ERROR once everything before it has been yielded, as is a member whose CRC-32 or size is wrong.
 */
export async function* gunzip(src: AsyncIterable<Buffer>, o: { chunkSize?: number; info?: GunzipInfo } = {}): AsyncGenerator<Buffer> {
  const inp = new Input(src);
  const info = o.info ?? { members: 0 };
  try {
    for (;;) {
      if (!(await header(inp))) {
        if (inp.length === 0 && info.members > 0) return;
        if (info.members === 0) throw zerr('incorrect header check');
        // What follows the last member: zeros are padding, anything else is garbage.
        let garbage = 0;
        let total = 0;
        for (;;) {
          const piece = inp.some(PIECE);
          if (piece === undefined) {
            if (inp.eof) break;
            await inp.fill(1);
            continue;
          }
          total += piece.length;
          if (garbage === 0 && piece.some((b) => b !== 0)) garbage = 1;
        }
        if (garbage === 0) return;
        throw zerr(`${total} bytes of trailing garbage after the last gzip member`);
      }
      let crc = 0;
      let size = 0;
      const z = await loadZlib();
      for await (const c of inflateMember(inp, o.chunkSize ?? 64 * 1024)) {
        crc = z.crc32(c, crc);
        size += c.length;
        yield c;
      }
      await inp.fill(8);
      if (inp.length < 8) throw zerr('unexpected end of file', 'Z_BUF_ERROR');
      const t = inp.take(8);
      if (t.readUInt32LE(0) !== crc >>> 0) throw zerr('incorrect data check');
      if (t.readUInt32LE(4) !== size % 2 ** 32) throw zerr('incorrect length check');
      info.members++;
    }
  } finally {
    await inp.return().catch(() => undefined);
  }
}
