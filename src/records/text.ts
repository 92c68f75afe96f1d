// The text fast path. A chunk of complete lines is decoded once as latin1 (one byte = one char, so
// string indices are byte offsets and decoding is a plain copy), the extractor's literal `candidate`
// regex runs over the whole chunk, and only lines containing a candidate match are decoded as UTF-8
// and passed to `extract`. Other lines cost one `indexOf(10)` each, to count them and to check their
// length. No object is made per line.
//
// Timestamps are parsed only for lines that hit. A hit line without a stamp takes the nearest earlier
// line's stamp, found by scanning back within the chunk (never before the point up to which the last
// stamp is already known), so stack traces get their exception's time; the last stamp is carried
// across chunks.
import { STAMP_WINDOW } from '../time/parse.js';
import { LineReader, contentEnd } from './lines.js';
import { SCAN_CAPACITY, scannerFor, type LiteralScanner } from './scanner.js';
import type { ReaderOptions } from './types.js';

const NL = 10;
const SLICE = 64 * 1024;

/**
 * Whether `re` can run on latin1-decoded bytes: ASCII-only source with no escapes that name non-ASCII
 * characters. Then a UTF-8 line that matches also matches as latin1 (multi-byte characters become
 * non-ASCII latin1 characters, which ASCII literals, `\w` and `\b` treat alike).
 */
export function latin1Safe(re: RegExp): boolean {
  return !/[^\x00-\x7f]|\\[uxpPc]/.test(re.source);
}

export class TextReader extends LineReader {
  readonly format = 'text' as const;
  private readonly cand: RegExp;
  private readonly latin1: boolean;
  /** The WebAssembly byte scanner, when the extractor's literals suit it (else the regex does the work). */
  private readonly scanner: LiteralScanner | undefined;
  private stamp: number | undefined;
  /** Absolute offset up to which `stamp` is the last timestamp seen. */
  private stampPos: number;

  constructor(o: ReaderOptions) {
    super(o);
    const c = o.extractor.candidate;
    // A private copy: lastIndex is state, and the caller's regex may be shared.
    this.cand = new RegExp(c.source, c.flags.replace(/[gy]/g, '') + 'g');
    this.latin1 = latin1Safe(c);
    this.scanner = scannerFor(o.extractor);
    this.stamp = o.start?.lastTs;
    this.stampPos = this.position;
  }

  lastTs(): number | undefined {
    return this.stamp;
  }

  protected onLine(buf: Buffer, start: number, end: number, lineNo: number, endAbs: number): void {
    const ce = contentEnd(buf, start, end);
    // Joined and final lines are rare (one per chunk at most): always track their stamp.
    const own = this.o.time.parseLine(buf.toString('latin1', start, Math.min(ce, start + STAMP_WINDOW)));
    const ts = own ?? this.stamp;
    this.stamp = ts;
    this.stampPos = endAbs;
    let text: string | undefined;
    if (this.latin1) {
      this.cand.lastIndex = 0;
      if (!this.cand.test(buf.toString('latin1', start, ce))) return;
    } else {
      text = buf.toString('utf8', start, ce);
      this.cand.lastIndex = 0;
      if (!this.cand.test(text)) return;
    }
    text ??= buf.toString('utf8', start, ce);
    const hits = this.o.extractor.extract(text);
    if (hits.length > 0) this.o.onHit({ hits, line: lineNo, text, ts: ts ?? this.o.now(), end: endAbs });
  }

  protected onRegion(buf: Buffer, start: number, end: number, base: number): void {
    if (this.scanner) this.scanRegion(this.scanner, buf, start, end, base);
    else if (this.latin1) this.fastRegion(buf, start, end, base);
    else this.perLineRegion(buf, start, end, base);
    // Bring the carried stamp up to the end of the chunk.
    const t = this.scanBack(buf, end, Math.max(start, this.stampPos - base));
    if (t !== undefined) this.stamp = t;
    this.stampPos = base + end;
  }

  private scanRegion(sc: LiteralScanner, buf: Buffer, start: number, end: number, base: number): void {
    const floor = start;
    while (start < end) {
      let cut = end;
      if (end - start > SCAN_CAPACITY) {
        cut = buf.lastIndexOf(NL, start + SCAN_CAPACITY - 1) + 1;
        if (cut <= start) {
          // One line longer than the scanner takes: the regex path reads it.
          cut = buf.indexOf(NL, start + SCAN_CAPACITY) + 1;
          this.fastSlice(buf, start, cut, base, floor);
          start = cut;
          continue;
        }
      }
      this.scanSlice(sc, buf, start, cut, base, floor);
      start = cut;
    }
  }

  /**
   * Lines between candidates are counted by the scanner's newline count, unless the stretch is longer than
   * maxLine: only then can it hold an oversized line, and countLines finds it.
   */
  private scanSlice(sc: LiteralScanner, buf: Buffer, start: number, end: number, base: number, floor: number): void {
    const max = this.maxLine;
    sc.load(buf, start, end);
    let pos = start;
    let lines = this.lines;
    try {
      for (;;) {
        const rel = sc.next(pos - start);
        if (rel < 0) {
          lines += end - pos > max ? this.countLines(buf, pos, end) : sc.newlines;
          break;
        }
        const at = start + rel;
        const ls = at > pos ? Math.max(pos, buf.lastIndexOf(NL, at - 1) + 1) : pos;
        lines += ls - pos > max ? this.countLines(buf, pos, ls) : sc.newlines;
        const le = buf.indexOf(NL, at);
        lines++;
        if (le - ls > max) this.oversized++;
        else this.hitLine(buf, ls, le, lines, base, floor, undefined);
        pos = le + 1;
      }
    } finally {
      sc.release();
    }
    this.lines = lines;
  }

  /** A read buffer the scanner takes without copying (see LiteralScanner.inputArea); undefined if none. */
  inputArea(size: number): Buffer | undefined {
    return this.scanner?.inputArea(size);
  }

  private fastRegion(buf: Buffer, start: number, end: number, base: number): void {
    // Strings over ~128 KiB go to V8's large-object space and cost ~8x more to make: decode in slices.
    const floor = start;
    while (end - start > SLICE) {
      let cut = buf.lastIndexOf(NL, start + SLICE - 1) + 1;
      if (cut <= start) cut = buf.indexOf(NL, start + SLICE) + 1;
      this.fastSlice(buf, start, cut, base, floor);
      start = cut;
    }
    if (end > start) this.fastSlice(buf, start, end, base, floor);
  }

  /** `floor`: the region start, the earliest line a stamp may be inherited from within this buffer. */
  private fastSlice(buf: Buffer, start: number, end: number, base: number, floor: number): void {
    const cand = this.cand;
    const s = buf.toString('latin1', start, end);
    cand.lastIndex = 0;
    let pos = start;
    let lines = this.lines;
    for (;;) {
      const m = cand.exec(s);
      if (m === null) break;
      const at = start + m.index;
      const ls = at > start ? buf.lastIndexOf(NL, at - 1) + 1 : start;
      lines += this.countLines(buf, pos, ls);
      const le = buf.indexOf(NL, at);
      lines++;
      if (le - ls > this.maxLine) this.oversized++;
      else this.hitLine(buf, ls, le, lines, base, floor, undefined);
      pos = le + 1;
      cand.lastIndex = pos - start;
    }
    this.lines = lines + this.countLines(buf, pos, end);
  }

  /** For a candidate regex that cannot run on latin1: decode and test each line. */
  private perLineRegion(buf: Buffer, start: number, end: number, base: number): void {
    let pos = start;
    while (pos < end) {
      const le = buf.indexOf(NL, pos);
      this.lines++;
      if (le - pos > this.maxLine) {
        this.oversized++;
      } else {
        const text = buf.toString('utf8', pos, contentEnd(buf, pos, le));
        this.cand.lastIndex = 0;
        if (this.cand.test(text)) this.hitLine(buf, pos, le, this.lines, base, start, text);
      }
      pos = le + 1;
    }
  }

  /** Counts the lines in [from, to) (`to` is a line start), and the oversized ones among them. */
  private countLines(buf: Buffer, from: number, to: number): number {
    let n = 0;
    const max = this.maxLine;
    while (from < to) {
      const nl = buf.indexOf(NL, from);
      if (nl - from > max) this.oversized++;
      n++;
      from = nl + 1;
    }
    return n;
  }

  private hitLine(buf: Buffer, ls: number, le: number, lineNo: number, base: number, regionStart: number, decoded: string | undefined): void {
    const ce = contentEnd(buf, ls, le);
    const text = decoded ?? buf.toString('utf8', ls, ce);
    const hits = this.o.extractor.extract(text);
    if (hits.length === 0) return;
    // An ASCII line is its own latin1 text: no second decoding for the stamp. (As many characters as bytes
    // and no U+FFFD means every byte was ASCII; an invalid byte decodes to U+FFFD, where latin1 may give \s.)
    const ascii = text.length === ce - ls && text.indexOf('\ufffd') < 0;
    let ts = this.o.time.parseLine(ascii ? text : buf.toString('latin1', ls, Math.min(ce, ls + STAMP_WINDOW)));
    if (ts === undefined) ts = this.scanBack(buf, ls, Math.max(regionStart, this.stampPos - base)) ?? this.stamp;
    this.stamp = ts;
    this.stampPos = base + le + 1;
    this.o.onHit({ hits, line: lineNo, text, ts: ts ?? this.o.now(), end: base + le + 1 });
  }

  /** The stamp of the nearest line before `p` (a line start) and at or after `floor` that has one. */
  private scanBack(buf: Buffer, p: number, floor: number): number | undefined {
    while (p > floor) {
      const nl = p - 1;
      const ps = nl > floor ? Math.max(floor, buf.lastIndexOf(NL, nl - 1) + 1) : floor;
      if (nl - ps <= this.maxLine) {
        const t = this.o.time.parseLine(buf.toString('latin1', ps, Math.min(contentEnd(buf, ps, nl), ps + STAMP_WINDOW)));
        if (t !== undefined) return t;
      }
      p = ps;
    }
    return undefined;
  }
}
