// A top-level JSON array of records, streamed with stream-json's parser: only the current element is
// ever in memory. The parser runs with every value streamed in chunks (no packing), and a small
// assembler below builds each element while counting its size, so an element larger than maxLine
// (characters) is dropped as it streams and counted as oversized, instead of being built.
//
// Position (the checkpoint unit) is the number of elements consumed; a resumed reader parses from the
// start and skips that many elements without extracting from them.
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ErrscanError } from '../errors.js';
import { recordTimeValue } from '../time/parse.js';
import type { Format, ReaderOptions, RecordReader } from './types.js';

interface Token {
  name: string;
  value?: string;
}

type Container = unknown[] | Record<string, unknown>;

const OVERSIZED = Symbol('oversized');

/** Builds one array element at a time from a streamed token sequence, within a size budget. */
class ElementAssembler {
  /** Container depth, counting the top-level array as 1. */
  depth = 0;
  closed = false;
  private stack: Container[] = [];
  private keys: string[] = [];
  private acc = '';
  private size = 0;
  private discard = false;

  constructor(
    private readonly max: number,
    private readonly onElement: (v: unknown) => void,
  ) {}

  token(t: Token): void {
    switch (t.name) {
      case 'startArray':
      case 'startObject':
        if (this.depth === 0) {
          if (t.name !== 'startArray') throw new Error('the top-level value is an object, not an array');
          this.depth = 1;
          return;
        }
        this.depth++;
        this.grow(1);
        if (!this.discard) this.stack.push(t.name === 'startArray' ? [] : {});
        return;
      case 'endArray':
      case 'endObject':
        this.depth--;
        if (this.depth === 0) {
          this.closed = true;
          return;
        }
        if (this.discard) {
          if (this.depth === 1) this.done(OVERSIZED);
          return;
        }
        this.add(this.stack.pop());
        return;
      case 'startKey':
      case 'startString':
      case 'startNumber':
        this.acc = '';
        return;
      case 'stringChunk':
      case 'numberChunk':
        this.grow(t.value!.length);
        if (!this.discard) this.acc += t.value!;
        return;
      case 'endKey':
        if (!this.discard) this.keys[this.stack.length - 1] = this.acc;
        this.acc = '';
        return;
      case 'endString':
        this.grow(2);
        this.add(this.acc);
        this.acc = '';
        return;
      case 'endNumber':
        this.add(Number(this.acc));
        this.acc = '';
        return;
      case 'trueValue':
        this.grow(4);
        this.add(true);
        return;
      case 'falseValue':
        this.grow(5);
        this.add(false);
        return;
      case 'nullValue':
        this.grow(4);
        this.add(null);
        return;
      default:
        return;
    }
  }

  private grow(n: number): void {
    this.size += n;
    if (!this.discard && this.size > this.max) {
      this.discard = true;
      this.stack = [];
      this.keys = [];
      this.acc = '';
    }
  }

  private add(v: unknown): void {
    if (this.depth === 1) {
      this.done(this.discard ? OVERSIZED : v);
      return;
    }
    if (this.discard) return;
    const parent = this.stack[this.stack.length - 1]!;
    if (Array.isArray(parent)) parent.push(v);
    else {
      const k = this.keys[this.stack.length - 1]!;
      // JSON.parse makes "__proto__" an own property; so must we.
      if (k === '__proto__') Object.defineProperty(parent, k, { value: v, enumerable: true, writable: true, configurable: true });
      else parent[k] = v;
    }
  }

  private done(v: unknown): void {
    this.size = 0;
    this.discard = false;
    this.stack = [];
    this.keys = [];
    this.onElement(v);
  }
}

export class JsonArrayReader implements RecordReader {
  readonly format: Format = 'json';
  position: number;
  skipped = 0;
  oversized = 0;
  private stamp: number | undefined;
  private readonly skip: number;
  private readonly asm: ElementAssembler;
  /** The parser, loaded on first use: stream-json is most of a command's start-up that never reads JSON. */
  private p: Duplex | undefined;
  private opening: Promise<Duplex> | undefined;
  private failure: Error | undefined;
  private ended: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: ReaderOptions) {
    this.skip = o.start?.position ?? 0;
    this.position = 0;
    this.stamp = o.start?.lastTs;
    this.asm = new ElementAssembler(o.maxLine, (v) => this.element(v));
  }

  private parser(): Promise<Duplex> {
    this.opening ??= import('stream-json/parser.js').then(({ default: parser }) => {
      const p: Duplex = parser.asStream({ packValues: false, streamValues: true });
      p.on('data', (t: Token) => {
        if (this.failure) return;
        try {
          this.asm.token(t);
        } catch (e) {
          this.fail(e);
        }
      });
      p.on('error', (e: Error) => this.fail(e));
      this.ended = finished(p).catch(() => undefined);
      this.p = p;
      return p;
    });
    return this.opening;
  }

  get lines(): number {
    return this.position;
  }

  lastTs(): number | undefined {
    return this.stamp;
  }

  private fail(e: unknown): void {
    if (this.failure) return;
    const msg = (e as Error)?.message ?? String(e);
    this.failure = new ErrscanError('ERRSCAN_INPUT_READ', `not a valid JSON array at element ${this.position + 1}: ${msg}`, {
      hint: 'fix the file, or scan it as lines with --format text',
      cause: e,
    });
    this.p?.destroy();
  }

  private element(v: unknown): void {
    const n = ++this.position;
    if (v === OVERSIZED) {
      if (n > this.skip) this.oversized++;
      return;
    }
    const timeRaw = recordTimeValue(v);
    if (timeRaw !== undefined) {
      const t = this.o.time.parseValue(timeRaw);
      if (t !== undefined) this.stamp = t;
    }
    if (n <= this.skip) return;
    if (v === null || (typeof v !== 'object' && typeof v !== 'string')) {
      this.skipped++;
      return;
    }
    const hits = typeof v === 'string' ? this.o.extractor.extract(v) : this.o.extractor.extractRecord(v);
    if (hits.length === 0) return;
    this.o.onHit({ hits, line: n, text: typeof v === 'string' ? v : JSON.stringify(v), ts: this.stamp ?? this.o.now(), end: n });
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    // A copy: the parser may hold on to it past this call, and the caller may reuse its buffer.
    const copy = Buffer.from(chunk);
    const p = this.p ?? (await this.parser());
    if (!p.write(copy)) {
      await Promise.race([once(p, 'drain'), this.ended]);
    }
    if (this.failure) throw this.failure;
  }

  async end(): Promise<void> {
    if (this.failure) throw this.failure;
    (this.p ?? (await this.parser())).end();
    await this.ended;
    if (this.failure) throw this.failure;
    if (!this.asm.closed && this.asm.depth > 0) {
      throw new ErrscanError('ERRSCAN_INPUT_READ', `the JSON array ends early, after element ${this.position}`, {
        hint: 'the file may be truncated or still being written',
      });
    }
  }
}
