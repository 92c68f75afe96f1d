// Line splitting on raw bytes, shared by text and JSON lines. Offsets are byte offsets, so checkpoints
// are exact; a line longer than maxLine is never buffered: its bytes are dropped as they arrive, and it
// is counted (as a line and as oversized) when its newline comes.
//
// split2 is not used here: it works on decoded strings (no byte offsets for checkpoints), drops long
// lines silently instead of counting them, and makes one string per line, which the text fast path
// (src/records/text.ts) avoids.
import type { Format, ReaderOptions, RecordReader } from './types.js';

const NL = 10;
const CR = 13;

/** End of a line's content: before a trailing CR. */
export function contentEnd(buf: Buffer, start: number, end: number): number {
  return end > start && buf[end - 1] === CR ? end - 1 : end;
}

export abstract class LineReader implements RecordReader {
  abstract readonly format: Format;
  lines: number;
  skipped = 0;
  oversized = 0;
  /** Absolute content offset just after the last complete line. */
  position: number;
  protected readonly maxLine: number;
  /** Absolute offset of the next byte to arrive. */
  private readPos: number;
  private pending: Buffer[] = [];
  private pendingLen = 0;
  /** Inside a line already known to be oversized: drop bytes until its newline. */
  private skipping = false;

  constructor(protected readonly o: ReaderOptions) {
    this.maxLine = o.maxLine;
    this.position = o.start?.position ?? 0;
    this.readPos = this.position;
    this.lines = o.start?.lines ?? 0;
  }

  abstract lastTs(): number | undefined;

  /** One complete line [start, end) (no newline), already counted as line `lineNo`, ending at absolute `endAbs`. */
  protected abstract onLine(buf: Buffer, start: number, end: number, lineNo: number, endAbs: number): void;

  /**
   * Complete lines in buf[start, end), where `end` is just past a newline and `start` is a line start;
   * `base` is the absolute offset of buf[0]. Must add the lines to `this.lines` and skip (and count)
   * lines longer than maxLine.
   */
  protected abstract onRegion(buf: Buffer, start: number, end: number, base: number): void;

  write(chunk: Buffer): void {
    const n = chunk.length;
    if (n === 0) return;
    const base = this.readPos;
    this.readPos += n;
    const first = chunk.indexOf(NL);
    if (first < 0) {
      this.hold(chunk, 0);
      return;
    }
    let from = 0;
    if (this.skipping) {
      this.skipping = false;
      this.lines++;
      this.oversized++;
      from = first + 1;
    } else if (this.pendingLen > 0) {
      const len = this.pendingLen + first;
      this.lines++;
      if (len > this.maxLine) this.oversized++;
      else this.onLine(Buffer.concat([...this.pending, chunk.subarray(0, first)], len), 0, len, this.lines, base + first + 1);
      this.pending = [];
      this.pendingLen = 0;
      from = first + 1;
    }
    this.position = base + from;
    const last = chunk.lastIndexOf(NL);
    if (last + 1 > from) {
      this.onRegion(chunk, from, last + 1, base);
      this.position = base + last + 1;
    }
    this.hold(chunk, last + 1);
  }

  end(): void {
    if (this.skipping) {
      this.skipping = false;
      this.lines++;
      this.oversized++;
    } else if (this.pendingLen > 0) {
      const line = Buffer.concat(this.pending, this.pendingLen);
      this.pending = [];
      this.pendingLen = 0;
      this.lines++;
      this.onLine(line, 0, line.length, this.lines, this.readPos);
    }
    this.position = this.readPos;
  }

  /** Keeps the unterminated tail of a chunk, or starts skipping once it is longer than maxLine. */
  private hold(chunk: Buffer, from: number): void {
    const tail = chunk.length - from;
    if (tail === 0 || this.skipping) return;
    if (this.pendingLen + tail > this.maxLine) {
      this.skipping = true;
      this.pending = [];
      this.pendingLen = 0;
      return;
    }
    // A copy: the caller may reuse its buffer, and a slice would pin all of it.
    this.pending.push(Buffer.from(chunk.subarray(from)));
    this.pendingLen += tail;
  }
}
