// What the record readers need from extraction, and what they report.
import type { Hit } from '../types.js';

/** The compiled extractor (src/extract), structurally: plain synchronous functions plus a literal prefilter. */
export interface Extractor {
  extract(line: string): Hit[];
  extractRecord(value: unknown): Hit[];
  /** Global regex of literals: a line or chunk with no match cannot hit. */
  candidate: RegExp;
  /**
   * Optional, finer than `candidate`: the literals the byte scanner (scanner.ts) looks for, some of them only
   * counting with a second literal on the same line. A line it does not report cannot hit.
   */
  prefilter?: readonly PrefilterLiteral[];
}

/** A printable-ASCII literal the byte scanner looks for. */
export interface RequiredLiteral {
  lit: string;
  /** ASCII letters match either case. */
  caseless: boolean;
}

export interface PrefilterLiteral extends RequiredLiteral {
  /** Weak: the line counts only if it also holds one of these. Absent: the literal alone is enough. */
  requires?: readonly RequiredLiteral[];
}

export type Format = 'text' | 'ndjson' | 'json';
export const FORMATS = ['auto', 'text', 'ndjson', 'json'] as const;
export type FormatOption = (typeof FORMATS)[number];

/** One record that hit: its 1-based line (or element position), its text, its time, and where it ends. */
export interface RecordHit {
  hits: Hit[];
  line: number;
  text: string;
  /** UTC ms: the record's own time, else the last one seen in the source, else the read time. */
  ts: number;
  /** The position just after the record, in the reader's checkpoint units. */
  end: number;
}

/** Where a resumed reader starts. */
export interface ReaderStart {
  /** Content bytes (text, JSON lines) or elements (JSON array) already consumed. */
  position: number;
  lines: number;
  lastTs?: number;
}

export interface ReaderOptions {
  extractor: Extractor;
  /** Lines (or array elements) longer than this many bytes (characters for JSON) are skipped and counted. */
  maxLine: number;
  time: import('../time/parse.js').TimeParser;
  /** Read time, for records without a timestamp of their own or before them. */
  now: () => number;
  onHit: (r: RecordHit) => void;
  start?: ReaderStart;
}

/** A record reader: fed content bytes in order; counts lines, skipped and oversized records. */
export interface RecordReader {
  readonly format: Format;
  write(chunk: Buffer): void | Promise<void>;
  /** End of input: a last line without a newline is read. */
  end(): void | Promise<void>;
  /** Checkpoint position: content bytes through the last complete record (elements for a JSON array). */
  readonly position: number;
  readonly lines: number;
  readonly skipped: number;
  readonly oversized: number;
  /** The last timestamp seen up to `position` (UTC ms). */
  lastTs(): number | undefined;
}
