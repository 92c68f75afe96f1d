// Byte ranges of one plain-text file, read independently (by the main thread or a worker) and tallied into
// what a store needs: hour-bucket counts, newest samples, code metadata. Used by `ingest` to read a big
// file on several threads (parallel.ts); the results are committed in file order by the main thread.
//
// A range starts at a line start and ends after a newline, so no line is split. Line numbers are counted
// from the range start (the committer adds the lines before it). A hit before the range's first timestamp
// takes the last timestamp of the ranges before it, which only the committer knows: such hits are kept
// aside ("untimed", per vendor:code) and timed there.
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { CatalogSet } from '../catalog/set.js';
import { enrich } from '../enrich/index.js';
import { SCAN_CAPACITY } from '../records/scanner.js';
import { TextReader } from '../records/text.js';
import type { Extractor, ReaderOptions, ReaderStart, RecordHit } from '../records/types.js';
import type { CodeInfo } from '../store/types.js';
import type { TimeParser } from '../time/parse.js';

export interface RangeTask {
  index: number;
  start: number;
  end: number;
  /** The file's last range: a final line without a newline is read too. */
  last: boolean;
}

/**
 * A range's tally, compact so that handing it to the main thread allocates little there: codes by slot,
 * counts as one typed array, times as UTC ms.
 */
export interface RangeResult {
  index: number;
  start: number;
  /** Where reading stopped: `task.end`, or earlier if stopped, the file shrank, or `dense` (then `partial`). */
  end: number;
  partial: boolean;
  /** Stopped because the tally grew past `maxRows` (a file with a distinct hour × code on nearly every line). */
  dense: boolean;
  lines: number;
  oversized: number;
  hits: number;
  unknown: number;
  /** The last timestamp in the range (UTC ms), if any. */
  lastTs: number | undefined;
  /** What enrichment says of each vendor:code its thread has met (this range or before), by slot. */
  codes: CodeInfo[];
  /** COUNT_FIELDS numbers per hour bucket × slot: bucket (unix s), slot, count, first and last time (ms). */
  counts: Float64Array;
  /** Per slot, the newest few hits by time (ties: the later line), oldest first: [slot, ms, line, text]. */
  samples: Array<[number, number, number, string]>;
  /** Hits before the range's first timestamp, per slot, with the last few lines: [line, text]. */
  untimed: Array<{ slot: number; count: number; samples: Array<[number, string]> }>;
}

export const COUNT_FIELDS = 5;
/** Bytes read between turns of the event loop (at least a chunk). */
const YIELD_BYTES = 4 * 1024 * 1024;

/**
 * Bytes a range reader reads at a time: the scanner's capacity, so that each chunk is read into its input
 * area and scanned where it lies in one load. Against 256 KiB chunks, a 64 MiB range took ~4% less CPU (the
 * costs of a chunk: the read call, the line cut at its end, the scanner's load).
 */
export const RANGE_CHUNK = SCAN_CAPACITY;

export interface RangeContext {
  extractor: Extractor;
  catalogs: CatalogSet;
  time: TimeParser;
  maxLine: number;
  chunkSize: number;
  samplesPerCode: number;
  /** A read buffer of chunkSize bytes to reuse (a worker's); else one per range. */
  buffer?: Buffer;
  /** Count rows a range may hold before it stops (`dense`), so its tally stays a few MB. */
  maxRows: number;
}

/**
 * Keeps a list newest first, at most `keep` long; a tie goes to the later arrival. This is StoreSink's
 * rule, so a file read over ranges leaves the same samples in the store as one read in one go.
 */
export function addSample<T extends { ms: number }>(list: T[], s: T, keep: number): void {
  if (list.length >= keep && list[list.length - 1]!.ms > s.ms) return;
  let i = 0;
  while (i < list.length && list[i]!.ms > s.ms) i++;
  list.splice(i, 0, s);
  if (list.length > keep) list.length = keep;
}

/** The hour bucket (unix seconds) of a UTC ms time, as StoreSink computes it from the ISO string. */
export function hourBucket(ms: number): number {
  return Math.floor(Math.trunc(ms) / 1000 / 3600) * 3600;
}

interface CodeTally {
  samples: Array<{ ms: number; line: number; text: string }>;
  untimed: { slot: number; count: number; samples: Array<[number, string]> } | undefined;
}

/**
 * Integer pairs to dense indices (0, 1, 2, ... in order of arrival): open addressing over typed arrays. The
 * Maps it replaces cost a hashed lookup per level and a small array per row (~0.5 us a hit line on genlog,
 * a sixth of a hit line's whole cost, and garbage that outlived the young generation).
 */
export class PairIndex {
  size = 0;
  /** First and second member of each pair, by index. */
  a: Int32Array;
  b: Int32Array;
  /** Per slot: index + 1, or 0 if free. */
  private slots: Int32Array;
  private shift: number;

  constructor(bits = 8) {
    this.slots = new Int32Array(1 << bits);
    this.shift = 32 - bits;
    this.a = new Int32Array(1 << (bits - 1));
    this.b = new Int32Array(1 << (bits - 1));
  }

  /** The index of (a, b), given the next one if new (`size` then grows by one). */
  index(a: number, b: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let h = this.home(a, b); ; h = (h + 1) & mask) {
      const x = slots[h]!;
      if (x === 0) break;
      // Both columns compared every time (no &&): a first range only adds pairs, and V8 dropped the optimised
      // code at the second comparison (no feedback for it yet) when the next range found them.
      const i = x - 1;
      if (((this.a[i]! ^ a) | (this.b[i]! ^ b)) === 0) return i;
    }
    const i = this.size++;
    if (i === this.a.length) this.grow(i);
    return this.place(i, a, b);
  }

  /** Forgets every pair (its room stays). */
  clear(): void {
    this.size = 0;
    this.slots.fill(0);
  }

  /**
   * Room for `n` more pairs: a loop that adds them then never grows the table in the middle (V8 had no
   * feedback for that path, dropped the loop's optimised code there, and compiled it again).
   */
  reserve(n: number): void {
    while (this.size + n > this.a.length) this.grow(this.size);
  }

  private home(a: number, b: number): number {
    return Math.imul(Math.imul(a, 0x9e3779b1) ^ b, 0x85ebca6b) >>> this.shift;
  }

  /** Stores pair `i` and gives it the first free slot from its home. */
  private place(i: number, a: number, b: number): number {
    this.a[i] = a;
    this.b[i] = b;
    const mask = this.slots.length - 1;
    let h = this.home(a, b);
    while (this.slots[h] !== 0) h = (h + 1) & mask;
    this.slots[h] = i + 1;
    return i;
  }

  /** Twice the room, for the first `kept` pairs; at most half the slots are ever used. */
  private grow(kept: number): void {
    const n = this.a.length * 2;
    const a = new Int32Array(n);
    const b = new Int32Array(n);
    a.set(this.a);
    b.set(this.b);
    this.a = a;
    this.b = b;
    this.slots = new Int32Array(n * 2);
    this.shift--;
    for (let i = 0; i < kept; i++) this.place(i, a[i]!, b[i]!);
  }
}

/**
 * A code's slot (by vendor, then code) and what enrichment says of it, kept by a thread for all the ranges
 * it reads with one catalog set: a code is looked up in the catalogs once, and the tally's hot path meets
 * a new code only a few dozen times a run (each time cost V8 its optimised code).
 */
class CodeSlots {
  /** Vendor names by number (a handful: found by identity first, they are the catalogs' own strings). */
  private readonly vendors: string[] = [];
  /** (vendor number, code) → slot, for codes that are int32 (all real ones); others go through `wide`. */
  private readonly pairs = new PairIndex();
  private readonly slotOf: number[] = [];
  private readonly wide = new Map<string, number>();
  readonly infos: CodeInfo[] = [];

  constructor(private readonly catalogs: CatalogSet) {}

  slot(vendor: string, code: number): number {
    const vs = this.vendors;
    let v = 0;
    while (v < vs.length && vs[v] !== vendor) v++;
    if (v === vs.length) vs.push(vendor);
    if ((code | 0) !== code) {
      const key = `${v}/${code}`;
      let slot = this.wide.get(key);
      if (slot === undefined) this.wide.set(key, (slot = this.add(vendor, code)));
      return slot;
    }
    const i = this.pairs.index(v, code);
    if (i < this.slotOf.length) return this.slotOf[i]!;
    const slot = this.add(vendor, code);
    this.slotOf[i] = slot;
    return slot;
  }

  private add(vendor: string, code: number): number {
    const e = enrich({ vendor, code, via: '' }, { ts: '', source: '', line: 0, text: '' }, this.catalogs);
    this.infos.push({ vendor: e.vendor, code: e.code, known: e.known, product: e.product, name: e.name, message: e.message, category: e.category, severity: e.severity });
    return this.infos.length - 1;
  }
}
const codeSlots = new WeakMap<CatalogSet, CodeSlots>();

function slotsFor(catalogs: CatalogSet): CodeSlots {
  let s = codeSlots.get(catalogs);
  if (s === undefined) codeSlots.set(catalogs, (s = new CodeSlots(catalogs)));
  return s;
}

/** Rows a range's result sorts by hour; past it (no real log), they stay in arrival order. */
const ROW_SPAN = 2 ** 20;

/** Timed hits a tally logs before it folds them into its count rows (16 bytes each). */
const LOG = 16 * 1024;

class HitLog {
  readonly hour = new Int32Array(LOG);
  readonly slot = new Int32Array(LOG);
  readonly ms = new Float64Array(LOG);
}

/**
 * The tables of the thread's last finished range, for its next. New ones per range piled up (their memory is
 * outside V8's heap, given back only when a full collection finds them): the hit logs alone took ~16 MB more
 * peak RSS at 2 GB. Tables grown past SPARE_PAIRS rows (a dense range) are left to the collector.
 */
let spare: { log: HitLog; rows: { keys: PairIndex; vals: Float64Array } | undefined } | undefined;
const SPARE_PAIRS = 1 << 16;

/** Count rows of the last range this thread tallied. */
let lastRows = 0;

/** One range's hits, tallied with numbers: counts by hour and code slot, samples by slot. */
class Tally {
  hits = 0;
  unknown = 0;
  private readonly slots: CodeSlots;
  /** This range's samples and untimed hits, by slot (undefined: not met here). */
  private readonly codes: Array<CodeTally | undefined>;
  /** Count rows: (hour since 1970, slot) → row; per row count, first and last ms in `vals`. */
  private readonly keys: PairIndex;
  private vals: Float64Array;
  /**
   * Timed hits not yet in the count rows: hour, slot and ms of each, folded in by fold(). Between two hit lines
   * the reader streams the file through the cache, and a row looked up there was nearly always a miss (~0.7 us
   * a hit, 5x the same work on hit lines alone); folded in a batch, the rows stay in cache.
   */
  private readonly log: HitLog;
  private logged = 0;

  constructor(private readonly ctx: RangeContext) {
    const t = spare;
    spare = undefined;
    this.slots = slotsFor(ctx.catalogs);
    // No holes (a new slot is always the next index): an array whose kind changes costs V8 its optimised code.
    this.codes = new Array<CodeTally | undefined>(this.slots.infos.length).fill(undefined);
    this.log = t?.log ?? new HitLog();
    if (t?.rows !== undefined) {
      t.rows.keys.clear();
      this.keys = t.rows.keys;
      this.vals = t.rows.vals;
    } else {
      // Room for as many rows as the thread's last range had: growing rehashes, and V8 compiled that loop too.
      const bits = Math.min(17, Math.max(10, Math.ceil(Math.log2(lastRows + 1)) + 1));
      this.keys = new PairIndex(bits);
      this.vals = new Float64Array(3 << (bits - 1));
    }
  }

  /** Whether the count rows are more than `max` (the log is folded in when it could make them so). */
  rowsOver(max: number): boolean {
    if (this.keys.size + this.logged > max) this.fold();
    return this.keys.size > max;
  }

  /** A method, not a per-instance arrow function: a range makes a new Tally, and V8 compiled each closure again. */
  add(r: RecordHit): void {
    const timed = Number.isFinite(r.ts);
    const ms = Math.trunc(r.ts);
    // Hours since 1970 fit an int32 for any time a parser accepts (years 0-9999).
    const hour = timed ? (hourBucket(ms) / 3600) | 0 : 0;
    const keep = this.ctx.samplesPerCode;
    const hits = r.hits;
    for (let x = 0; x < hits.length; x++) {
      const h = hits[x]!;
      this.hits++;
      const slot = this.slots.slot(h.vendor, h.code);
      const c = this.codes[slot] ?? (this.codes[slot] = { samples: [], untimed: undefined });
      if (!this.slots.infos[slot]!.known) this.unknown++;
      if (!timed) {
        const u = (c.untimed ??= { slot, count: 0, samples: [] });
        u.count++;
        u.samples.push([r.line, r.text]);
        if (u.samples.length > keep) u.samples.shift();
        continue;
      }
      if (this.logged === LOG) this.fold();
      const k = this.logged++;
      this.log.hour[k] = hour;
      this.log.slot[k] = slot;
      this.log.ms[k] = ms;
      const list = c.samples;
      if (list.length < keep || list[list.length - 1]!.ms <= ms) addSample(list, { ms, line: r.line, text: r.text }, keep);
    }
  }

  /** The logged hits into the count rows (count, first and last ms by hour and slot), in the order they came. */
  private fold(): void {
    const { hour: logHour, slot: logSlot, ms: logMs } = this.log;
    const keys = this.keys;
    const n = this.logged;
    this.logged = 0;
    keys.reserve(n);
    const vals = (this.vals = roomFor(this.vals, 3 * (keys.size + n)));
    for (let k = 0; k < n; k++) {
      const before = keys.size;
      const at = 3 * keys.index(logHour[k]!, logSlot[k]!);
      const ms = logMs[k]!;
      if (keys.size > before) {
        vals[at] = 0;
        vals[at + 1] = ms;
        vals[at + 2] = ms;
      }
      vals[at]! += 1;
      vals[at + 1] = Math.min(vals[at + 1]!, ms);
      vals[at + 2] = Math.max(vals[at + 2]!, ms);
    }
  }

  /** The range's tallies; the tally is done with after this (its tables go to the thread's next range). */
  result(): Pick<RangeResult, 'counts' | 'samples' | 'untimed' | 'codes' | 'hits' | 'unknown'> {
    this.fold();
    // Each loop is a function of its own: V8 compiled the whole method for its first loop, then met code it
    // had no feedback for after it, dropped it, and compiled it again on the next range (3 times, ~11 ms).
    const n = this.keys.size;
    lastRows = n;
    const counts = countRows(this.keys, this.vals, n);
    const samples: RangeResult['samples'] = [];
    const untimed: RangeResult['untimed'] = [];
    collectSamples(this.codes, samples, untimed);
    spare = { log: this.log, rows: this.keys.a.length <= SPARE_PAIRS ? { keys: this.keys, vals: this.vals } : undefined };
    // Every slot the thread knows (a few dozen): the committer maps them all, used here or not.
    return { counts, samples, untimed, codes: this.slots.infos.slice(), hits: this.hits, unknown: this.unknown };
  }
}

/** `a`, or a copy of it doubled as often as it takes to hold `need` numbers. */
export function roomFor(a: Float64Array, need: number): Float64Array {
  if (need <= a.length) return a;
  let len = Math.max(1, a.length);
  while (len < need) len *= 2;
  const grown = new Float64Array(len);
  grown.set(a);
  return grown;
}

/** countRows' sort keys, kept by the thread. */
let orderScratch = new Float64Array(0);

/**
 * A tally's count rows as COUNT_FIELDS numbers each, hour by hour (a native numeric sort of hour·2^20 + row):
 * the committer's lookups and its ISO strings cache the last hour, and missed it on nearly every row in
 * arrival order.
 */
function countRows(keys: PairIndex, vals: Float64Array, n: number): Float64Array {
  const counts = new Float64Array(n * COUNT_FIELDS);
  const { a: hours, b: slots } = keys;
  const span = n < ROW_SPAN ? ROW_SPAN : 0;
  if (orderScratch.length < n) orderScratch = new Float64Array(Math.max(n, 2 * orderScratch.length));
  const order = orderScratch;
  for (let row = 0; row < n; row++) order[row] = hours[row]! * span + row;
  if (span > 0) order.subarray(0, n).sort();
  for (let k = 0, i = 0; k < n; k++) {
    const key = order[k]!;
    const row = span > 0 ? key - Math.floor(key / span) * span : key;
    counts[i++] = hours[row]! * 3600;
    counts[i++] = slots[row]!;
    counts[i++] = vals[3 * row]!;
    counts[i++] = vals[3 * row + 1]!;
    counts[i++] = vals[3 * row + 2]!;
  }
  return counts;
}

/** A tally's samples ([slot, ms, line, text], newest last per slot) and untimed hits. */
function collectSamples(codes: ReadonlyArray<CodeTally | undefined>, samples: RangeResult['samples'], untimed: RangeResult['untimed']): void {
  for (let slot = 0; slot < codes.length; slot++) {
    const c = codes[slot];
    if (c === undefined) continue;
    for (let k = c.samples.length - 1; k >= 0; k--) {
      const s = c.samples[k]!;
      samples.push([slot, s.ms, s.line, s.text]);
    }
    if (c.untimed) untimed.push(c.untimed);
  }
}

/**
 * A range reader's options, as a class rather than an object literal: V8 widened the literal's field types
 * when the second range built it, and threw away the reading path's optimised code that relied on them
 * (one deoptimisation and ~6 ms of recompiling per thread). The reader calls `now` and `onHit` as methods.
 */
class RangeReaderOptions implements ReaderOptions {
  readonly extractor: Extractor;
  readonly maxLine: number;
  readonly time: TimeParser;
  readonly start: ReaderStart;

  constructor(
    ctx: RangeContext,
    private readonly tally: Tally,
    position: number,
  ) {
    this.extractor = ctx.extractor;
    this.maxLine = ctx.maxLine;
    this.time = ctx.time;
    this.start = { position, lines: 0 };
  }

  /** NaN marks a hit with no timestamp before it in this range: the committer times it. */
  now(): number {
    return NaN;
  }

  onHit(r: RecordHit): void {
    this.tally.add(r);
  }
}

/**
 * Reads one range of a plain-text file and tallies its hits. `stop()` is checked between chunks: a stopped
 * range ends early at a line boundary (`partial`), which is still a consistent point to commit.
 */
export async function readRange(fh: FileHandle, task: RangeTask, ctx: RangeContext, stop: () => boolean = () => false): Promise<RangeResult> {
  const tally = new Tally(ctx);
  const reader = new TextReader(new RangeReaderOptions(ctx, tally, task.start));
  // Plain blocking reads: a worker has nothing else to do meanwhile, and they cost a third of the promise
  // round trips through the thread pool. The event loop still gets a turn every few MB (Ctrl-C, messages).
  // Read straight into the scanner's memory when there is one: its regions are scanned where they lie.
  const buf = reader.inputArea(ctx.chunkSize) ?? (ctx.buffer?.length === ctx.chunkSize ? ctx.buffer : Buffer.allocUnsafe(ctx.chunkSize));
  let pos = task.start;
  let partial = false;
  let dense = false;
  const yieldEvery = Math.max(1, Math.floor(YIELD_BYTES / buf.length));
  for (let n = 1; pos < task.end; n++) {
    if (stop()) {
      partial = true;
      break;
    }
    const got = fs.readSync(fh.fd, buf, 0, Math.min(buf.length, task.end - pos), pos);
    if (got === 0) {
      partial = true;
      break;
    }
    pos += got;
    reader.write(buf.subarray(0, got));
    if (tally.rowsOver(ctx.maxRows)) {
      dense = pos < task.end;
      partial = dense;
      break;
    }
    if (n % yieldEvery === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (!partial && task.last) reader.end();
  const t = tally.result();
  return {
    index: task.index,
    start: task.start,
    end: reader.position,
    partial,
    dense,
    lines: reader.lines,
    oversized: reader.oversized,
    lastTs: reader.lastTs(),
    ...t,
  };
}
