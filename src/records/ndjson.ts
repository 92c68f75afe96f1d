// JSON lines: one JSON value per line. Objects and arrays go to `extractRecord`, a JSON string is
// treated as a log line. A line that does not start like JSON (`{`, `[`, `"`) is a plain text line, so a
// stream detected as JSON lines from its first line (a live pipe) loses nothing when text follows; a line
// that starts like JSON but does not parse, or a bare number or literal, is counted as skipped and the
// stream goes on. Every line is parsed (so malformed ones are counted exactly); `extractRecord` runs
// only when the raw line contains a candidate literal (or an escape that could hide one).
import { recordTimeValue } from '../time/parse.js';
import { LineReader, contentEnd } from './lines.js';
import { latin1Safe } from './text.js';
import type { Format, ReaderOptions } from './types.js';

const NL = 10;

export class NdjsonReader extends LineReader {
  readonly format: Format = 'ndjson';
  private readonly cand: RegExp;
  private readonly latin1: boolean;
  private stamp: number | undefined;

  constructor(o: ReaderOptions) {
    super(o);
    const c = o.extractor.candidate;
    this.cand = new RegExp(c.source, c.flags.replace(/[gy]/g, '') + 'g');
    this.latin1 = latin1Safe(c);
    this.stamp = o.start?.lastTs;
  }

  lastTs(): number | undefined {
    return this.stamp;
  }

  protected onLine(buf: Buffer, start: number, end: number, lineNo: number, endAbs: number): void {
    this.record(buf, start, end, lineNo, endAbs);
  }

  protected onRegion(buf: Buffer, start: number, end: number, base: number): void {
    let pos = start;
    while (pos < end) {
      const le = buf.indexOf(NL, pos);
      this.lines++;
      if (le - pos > this.maxLine) this.oversized++;
      else this.record(buf, pos, le, this.lines, base + le + 1);
      pos = le + 1;
    }
  }

  private record(buf: Buffer, start: number, end: number, lineNo: number, endAbs: number): void {
    const ce = contentEnd(buf, start, end);
    let i = start;
    while (i < ce && (buf[i] === 32 || buf[i] === 9)) i++;
    if (i === ce) return; // blank line: counted as a line, not a record
    const raw = buf.toString('utf8', start, ce);
    const c = buf[i];
    if (c !== 0x7b /* { */ && c !== 0x5b /* [ */ && c !== 0x22 /* " */) {
      this.textLine(buf, start, ce, raw, lineNo, endAbs);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      this.skipped++;
      return;
    }
    if (value === null || (typeof value !== 'object' && typeof value !== 'string')) {
      this.skipped++;
      return;
    }
    const timeRaw = recordTimeValue(value);
    if (timeRaw !== undefined) {
      const t = this.o.time.parseValue(timeRaw);
      if (t !== undefined) this.stamp = t;
    }
    if (!this.maybeHit(buf, start, ce, raw)) return;
    const hits = typeof value === 'string' ? this.o.extractor.extract(value) : this.o.extractor.extractRecord(value);
    if (hits.length === 0) return;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    this.o.onHit({ hits, line: lineNo, text, ts: this.stamp ?? this.o.now(), end: endAbs });
  }

  /** A plain log line among JSON lines: its own timestamp, else the last one seen. */
  private textLine(buf: Buffer, start: number, end: number, raw: string, lineNo: number, endAbs: number): void {
    const t = this.o.time.parseLine(raw);
    if (t !== undefined) this.stamp = t;
    if (!this.maybeHit(buf, start, end, raw)) return;
    const hits = this.o.extractor.extract(raw);
    if (hits.length === 0) return;
    this.o.onHit({ hits, line: lineNo, text: raw, ts: this.stamp ?? this.o.now(), end: endAbs });
  }

  /** The raw line has a candidate literal, or a backslash escape that could spell one. */
  private maybeHit(buf: Buffer, start: number, end: number, raw: string): boolean {
    if (raw.indexOf('\\') >= 0) return true;
    this.cand.lastIndex = 0;
    return this.cand.test(this.latin1 ? buf.toString('latin1', start, end) : raw);
  }
}
