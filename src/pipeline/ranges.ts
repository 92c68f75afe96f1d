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
import { TextReader } from '../records/text.js';
import type { Extractor, RecordHit } from '../records/types.js';
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
/** Chunks read between turns of the event loop. */
const YIELD_EVERY = 16;

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
 * A code's slot (by vendor, then code) and what enrichment says of it, kept by a thread for all the ranges
 * it reads with one catalog set: a code is looked up in the catalogs once, and the tally's hot path meets
 * a new code only a few dozen times a run (each time cost V8 its optimised code).
 */
class CodeSlots {
  private readonly byVendor = new Map<string, Map<number, number>>();
  readonly infos: CodeInfo[] = [];

  constructor(private readonly catalogs: CatalogSet) {}

  slot(vendor: string, code: number): number {
    const slot = this.byVendor.get(vendor)?.get(code);
    return slot === undefined ? this.add(vendor, code) : slot;
  }

  private add(vendor: string, code: number): number {
    let byCode = this.byVendor.get(vendor);
    if (byCode === undefined) this.byVendor.set(vendor, (byCode = new Map()));
    const slot = this.infos.length;
    const e = enrich({ vendor, code, via: '' }, { ts: '', source: '', line: 0, text: '' }, this.catalogs);
    this.infos.push({ vendor: e.vendor, code: e.code, known: e.known, product: e.product, name: e.name, message: e.message, category: e.category, severity: e.severity });
    byCode.set(code, slot);
    return slot;
  }
}

const codeSlots = new WeakMap<CatalogSet, CodeSlots>();

function slotsFor(catalogs: CatalogSet): CodeSlots {
  let s = codeSlots.get(catalogs);
  if (s === undefined) codeSlots.set(catalogs, (s = new CodeSlots(catalogs)));
  return s;
}

/** One range's hits, tallied with numbers: counts by hour then code slot, samples by slot. */
class Tally {
  hits = 0;
  unknown = 0;
  private readonly slots: CodeSlots;
  /** This range's samples and untimed hits, by slot (undefined: not met here). */
  private readonly codes: Array<CodeTally | undefined>;
  /** Hour (bucket / 3600: a small integer key, where the bucket itself is a boxed double) → slot → [count, first ms, last ms]. */
  private readonly counts = new Map<number, Map<number, [number, number, number]>>();
  rows = 0;
  /** The hour of `lastHour` (a small integer: see `add`). */
  private lastBucket = -1;
  private lastHour: Map<number, [number, number, number]> | undefined;

  constructor(private readonly ctx: RangeContext) {
    this.slots = slotsFor(ctx.catalogs);
    // No holes (a new slot is always the next index): an array whose kind changes costs V8 its optimised code.
    this.codes = new Array<CodeTally | undefined>(this.slots.infos.length).fill(undefined);
  }

  /**
   * A method, not a per-instance arrow function, and with integer hour keys: a range makes a new Tally, and
   * V8 compiled a new closure's copy again and again (and gave up its optimised code on a non-integer key).
   */
  add(r: RecordHit): void {
    const timed = Number.isFinite(r.ts);
    const ms = Math.trunc(r.ts);
    let hour: Map<number, [number, number, number]> | undefined;
    if (timed) {
      // Hours since 1970 fit an int32 for any time a parser accepts (years 0-9999).
      const h = (hourBucket(ms) / 3600) | 0;
      if (h !== this.lastBucket || this.lastHour === undefined) {
        hour = this.counts.get(h);
        if (hour === undefined) this.counts.set(h, (hour = new Map()));
        this.lastBucket = h;
        this.lastHour = hour;
      } else hour = this.lastHour;
    }
    const keep = this.ctx.samplesPerCode;
    for (const h of r.hits) {
      this.hits++;
      const slot = this.slots.slot(h.vendor, h.code);
      const c = this.codes[slot] ?? (this.codes[slot] = { samples: [], untimed: undefined });
      if (!this.slots.infos[slot]!.known) this.unknown++;
      if (hour === undefined) {
        const u = (c.untimed ??= { slot, count: 0, samples: [] });
        u.count++;
        u.samples.push([r.line, r.text]);
        if (u.samples.length > keep) u.samples.shift();
        continue;
      }
      const n = hour.get(slot);
      if (n === undefined) {
        hour.set(slot, [1, ms, ms]);
        this.rows++;
      } else {
        n[0]++;
        if (ms < n[1]) n[1] = ms;
        if (ms > n[2]) n[2] = ms;
      }
      const list = c.samples;
      if (list.length < keep || list[list.length - 1]!.ms <= ms) addSample(list, { ms, line: r.line, text: r.text }, keep);
    }
  }

  result(): Pick<RangeResult, 'counts' | 'samples' | 'untimed' | 'codes' | 'hits' | 'unknown'> {
    const counts = new Float64Array(this.rows * COUNT_FIELDS);
    let i = 0;
    // forEach, not for-of with destructuring: V8 compiles this once per thread, and that form cost it ~10 ms.
    this.counts.forEach((slots, h) => {
      slots.forEach((v, slot) => {
        counts[i++] = h * 3600;
        counts[i++] = slot;
        counts[i++] = v[0];
        counts[i++] = v[1];
        counts[i++] = v[2];
      });
    });
    const samples: RangeResult['samples'] = [];
    const untimed: RangeResult['untimed'] = [];
    this.codes.forEach((c, slot) => {
      if (c === undefined) return;
      for (let k = c.samples.length - 1; k >= 0; k--) {
        const s = c.samples[k]!;
        samples.push([slot, s.ms, s.line, s.text]);
      }
      if (c.untimed) untimed.push(c.untimed);
    });
    // Every slot the thread knows (a few dozen): the committer maps them all, used here or not.
    return { counts, samples, untimed, codes: this.slots.infos.slice(), hits: this.hits, unknown: this.unknown };
  }
}

/**
 * Reads one range of a plain-text file and tallies its hits. `stop()` is checked between chunks: a stopped
 * range ends early at a line boundary (`partial`), which is still a consistent point to commit.
 */
export async function readRange(fh: FileHandle, task: RangeTask, ctx: RangeContext, stop: () => boolean = () => false): Promise<RangeResult> {
  const tally = new Tally(ctx);
  const reader = new TextReader({
    extractor: ctx.extractor,
    maxLine: ctx.maxLine,
    time: ctx.time,
    // NaN marks a hit with no timestamp before it in this range: the committer times it.
    now: () => NaN,
    onHit: (r) => tally.add(r),
    start: { position: task.start, lines: 0 },
  });
  // Plain blocking reads: a worker has nothing else to do meanwhile, and they cost a third of the promise
  // round trips through the thread pool. The event loop still gets a turn every few MB (Ctrl-C, messages).
  // Read straight into the scanner's memory when there is one: its regions are scanned where they lie.
  const buf = reader.inputArea(ctx.chunkSize) ?? (ctx.buffer?.length === ctx.chunkSize ? ctx.buffer : Buffer.allocUnsafe(ctx.chunkSize));
  let pos = task.start;
  let partial = false;
  let dense = false;
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
    if (tally.rows > ctx.maxRows) {
      dense = pos < task.end;
      partial = dense;
      break;
    }
    if (n % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
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
