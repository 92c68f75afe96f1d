// `ingest` of a big plain-text file on several threads. The file is cut into byte ranges at line starts
// (large ones first, smaller towards the end so the threads finish together); worker threads
// (range-worker.ts) take ranges in order as they become free, and each range is tallied on its own
// (ranges.ts). The main thread only commits (its heap cannot be kept small: V8's young generation is
// sized at start-up, a worker's is not) the tallies strictly in file order, each batch with the
// checkpoint at the end of its last range, so exactly-once holds as with one thread: a crash or Ctrl-C
// loses only uncommitted ranges, which the next run reads again from the committed offset.
//
// What a range cannot know alone is settled at commit: line numbers (the lines before it are added) and the
// time of hits before its first timestamp (they take the last timestamp of the ranges before it).
import type { FileHandle } from 'node:fs/promises';
import fsp from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import type { CatalogSet } from '../catalog/set.js';
import type { ErrorCode } from '../errors.js';
import { ErrscanError } from '../errors.js';
import { compileExtractor } from '../extract/index.js';
import type { Extractor } from '../records/types.js';
import { FINGERPRINT_BYTES, checkpointMatches, fingerprintOf } from '../sources/identity.js';
import type { Batch, CodeInfo, CountRow, SampleRow, Store } from '../store/types.js';
import { TimeParser } from '../time/parse.js';
import { isoString } from '../time/iso.js';
import { adoptWorkers, spawnRangeWorker } from './pool.js';
import type { FromWorker, ToWorker, WorkerInit, WorkerInitMessage } from './range-worker.js';
import { COUNT_FIELDS, PairIndex, addSample, hourBucket, readRange, roomFor, type RangeContext, type RangeResult, type RangeTask } from './ranges.js';
import { ioError } from './run.js';
import type { Checkpoint, RunInfo } from './types.js';

const MiB = 1024 * 1024;
/** Range sizes: a share of what is left, between these bounds. */
const MIN_RANGE = 8 * MiB;
const MAX_RANGE = 64 * MiB;
/**
 * Count rows (hour × code) one range may tally. Logs have a few thousand per range; a file with a new
 * hour and code on nearly every line would hold them all in memory, twice (worker and commit): past this,
 * the rest of the file is read by the one-thread pipeline, which commits every few thousand keys.
 */
const MAX_ROWS = 30_000;
/** Ranges queued per worker. */
const DEPTH = 2;

export interface ParallelOptions {
  catalogs: CatalogSet;
  tz: string;
  maxLine: number;
  chunkSize: number;
  store: Store;
  /** Host label of count and sample rows (the store's). */
  host: string;
  /** Commit once this many distinct count keys are pending. */
  maxKeys: number;
  /** Commit at least this often (ms) while reading. */
  flushMs: number;
  signal: AbortSignal;
  now: () => number;
  /** After each commit: the file's committed offset and the hits committed with it. */
  onCommit?: (path: string, offset: number, hits: number) => void;
  samplesPerCode?: number;
  /** Fixed range size in bytes (tests: many small ranges); default a share of the file, 8-64 MiB. */
  rangeBytes?: number;
}

export interface FileOutcome extends RunInfo {
  interrupted: boolean;
  errorCodes: ErrorCode[];
  /** Too dense for ranges: what is committed is consistent; read the rest with the one-thread pipeline. */
  rest: boolean;
}

/** Cuts [start, size) into ranges that begin at line starts (all about `fixed` bytes long, if given). */
export async function planRanges(fh: FileHandle, start: number, size: number, threads: number, fixed?: number): Promise<RangeTask[]> {
  const cuts: number[] = [];
  let pos = start;
  for (;;) {
    const left = size - pos;
    const len = fixed ?? Math.min(MAX_RANGE, Math.max(MIN_RANGE, Math.floor(left / (2 * threads))));
    if (left - len < (fixed === undefined ? MIN_RANGE / 2 : 1)) break;
    pos += len;
    cuts.push(pos);
  }
  const bounds = [start];
  const win = Buffer.allocUnsafe(64 * 1024);
  for (const c of cuts) {
    // The first line start at or after the cut: just past the next newline from c - 1.
    let at = Math.max(c - 1, bounds[bounds.length - 1]!);
    let found = -1;
    while (found < 0 && at < size) {
      const { bytesRead } = await fh.read(win, 0, win.length, at);
      if (bytesRead === 0) break;
      const nl = win.subarray(0, bytesRead).indexOf(10);
      if (nl >= 0) found = at + nl + 1;
      else at += bytesRead;
    }
    if (found < 0 || found >= size) break;
    if (found > bounds[bounds.length - 1]!) bounds.push(found);
  }
  bounds.push(size);
  return bounds.slice(0, -1).map((b, i) => ({ index: i, start: b, end: bounds[i + 1]!, last: i === bounds.length - 2 }));
}

interface PoolWorker {
  worker: Worker;
  ready: boolean;
  dead: boolean;
  /** Ranges sent and not yet answered, in order (a worker reads them one after the other). */
  tasks: Array<{ job: Job; task: RangeTask }>;
}

interface Job {
  path: string;
  tasks: RangeTask[];
  /** Tasks to read again (their worker died). */
  retry: RangeTask[];
  next: number;
  /** Index of the next result to commit. */
  commit: number;
  results: Map<number, RangeResult>;
  inflight: number;
  /** No more ranges are handed out (a failure, Ctrl-C, or a short range). */
  stop: boolean;
  /** Nothing more is committed for this file. */
  halted: boolean;
  error: ErrscanError | undefined;
  wake: (() => void) | undefined;
}

/** Run-wide code ids are small integers; more than this many distinct codes is not an error log. */
const IDS = 2 ** 21;

/**
 * Count rows waiting for their commit, in columns (bucket, code id, count, first ms, last ms) found by
 * (hour, id) in a PairIndex. A batch lives for up to a flush interval: as a few arrays instead of an object
 * per row it costs the main thread's young generation nothing, which V8 would otherwise double.
 */
class PendingCounts {
  private cols: Float64Array = new Float64Array(5 * 1024);
  private readonly rows = new PairIndex(11);

  get size(): number {
    return this.rows.size;
  }

  add(bucket: number, id: number, n: number, first: number, last: number): void {
    // An int32 key: hours since 1970, for any time a parser accepts.
    const before = this.rows.size;
    const o = this.rows.index((bucket / 3600) | 0, id) * 5;
    const c = (this.cols = roomFor(this.cols, o + 5));
    if (this.rows.size > before) {
      c[o] = bucket;
      c[o + 1] = id;
      c[o + 2] = 0;
      c[o + 3] = first;
      c[o + 4] = last;
    }
    // One path for new rows and old: a first range only adds rows, and V8 dropped the optimised code when
    // the next one updated them (no feedback for that path yet), for a recompile.
    c[o + 2]! += n;
    c[o + 3] = Math.min(c[o + 3]!, first);
    c[o + 4] = Math.max(c[o + 4]!, last);
  }

  /**
   * A range's count rows (COUNT_FIELDS each, code by the range's slot; `ids` maps slots to run ids). Its own
   * small method: in the merge, this loop made V8 compile the whole merge (~34 ms on a background thread,
   * while the reading threads want both cores).
   */
  addRows(c: Float64Array, ids: Int32Array): void {
    this.reserve(c.length / COUNT_FIELDS);
    for (let i = 0; i < c.length; i += COUNT_FIELDS) this.add(c[i]!, ids[c[i + 1]!]!, c[i + 2]!, c[i + 3]!, c[i + 4]!);
  }

  /** Room for `n` more rows before a loop adds them: growing inside it dropped its optimised code for a recompile. */
  private reserve(n: number): void {
    this.rows.reserve(n);
    this.cols = roomFor(this.cols, 5 * (this.rows.size + n));
  }

  /** Each row: bucket, code id, count, first ms, last ms. */
  forEach(fn: (bucket: number, id: number, count: number, first: number, last: number) => void): void {
    const c = this.cols;
    for (let o = 0; o < this.size * 5; o += 5) fn(c[o]!, c[o + 1]!, c[o + 2]!, c[o + 3]!, c[o + 4]!);
  }
}

/** Which code slots a range's count rows and samples use (loops of their own, for the reason in addRows). */
function slotsUsed(r: RangeResult): Uint8Array {
  const used = new Uint8Array(r.codes.length);
  const c = r.counts;
  for (let i = 1; i < c.length; i += COUNT_FIELDS) used[c[i]!] = 1;
  for (let k = 0; k < r.samples.length; k++) used[r.samples[k]![0]] = 1;
  return used;
}

interface PendingSample {
  ms: number;
  line: number;
  text: string;
}

class PendingBatch {
  counts = new PendingCounts();
  /** By code id, newest first. */
  samples = new Map<number, PendingSample[]>();
  codes: CodeInfo[] = [];
  checkpoint: Checkpoint | undefined;
  hits = 0;

  sample(id: number, s: PendingSample, keep: number): void {
    let list = this.samples.get(id);
    if (!list) this.samples.set(id, (list = []));
    addSample(list, s, keep);
  }

  /** A range's samples ([slot, ms, line, text], lines counted from `lineBase`): a method, as addRows. */
  addSamples(samples: RangeResult['samples'], ids: Int32Array, lineBase: number, keep: number): void {
    for (let k = 0; k < samples.length; k++) {
      const [slot, ms, line, text] = samples[k]!;
      this.sample(ids[slot]!, { ms, line: line + lineBase, text }, keep);
    }
  }
}

/**
 * The worker pool and the per-file reading. Create it as early as possible with the number of threads
 * (the workers load their modules meanwhile), `configure` it once the catalogs and the store are ready,
 * `readFile` each big text file, and `close()` it at the end.
 */
export class ParallelIngest {
  private readonly workers: PoolWorker[] = [];
  /** Every vendor:code met in this run: its id and what the catalog says of it (sent to the store once). */
  private readonly ids = new Map<string, Map<number, number>>();
  private readonly infos: CodeInfo[] = [];
  private job: Job | undefined;
  private opts: ParallelOptions | undefined;
  /** What the workers were initialised with. */
  private sent: WorkerInit | undefined;
  private ctx: RangeContext | undefined;

  constructor(readonly threads: number) {
    const started = adoptWorkers(threads);
    for (let i = 0; i < threads; i++) this.spawn(started[i]);
  }

  private get o(): ParallelOptions {
    if (!this.opts) throw new ErrscanError('ERRSCAN_INTERNAL', 'ParallelIngest used before configure()');
    return this.opts;
  }

  /** Lets the workers compile the catalogs before the rest of the setup is known (optional; configure does it too). */
  prepare(p: Omit<WorkerInit, 'samplesPerCode' | 'maxRows'> & { samplesPerCode?: number }): void {
    const init: WorkerInit = { ...p, samplesPerCode: p.samplesPerCode ?? 5, maxRows: MAX_ROWS };
    this.sent = init;
    const { vendors, ...rest } = init;
    const msg: WorkerInitMessage = { ...rest, vendorsJson: JSON.stringify(vendors) };
    for (const pw of this.workers) if (!pw.dead) pw.worker.postMessage({ type: 'init', init: msg } satisfies ToWorker);
  }

  configure(o: ParallelOptions): void {
    this.opts = o;
    this.ctx = {
      // Compiled only if this thread reads a range itself (no worker could start, or all died).
      get extractor(): Extractor {
        return compileExtractor(o.catalogs);
      },
      catalogs: o.catalogs,
      time: new TimeParser(o.tz),
      maxLine: o.maxLine,
      chunkSize: o.chunkSize,
      samplesPerCode: o.samplesPerCode ?? 5,
      maxRows: MAX_ROWS,
    };
    const init: WorkerInit = {
      vendors: o.catalogs.vendors,
      tz: o.tz,
      maxLine: o.maxLine,
      chunkSize: o.chunkSize,
      samplesPerCode: this.ctx.samplesPerCode,
      maxRows: MAX_ROWS,
    };
    const s = this.sent;
    const same = s !== undefined && s.vendors === init.vendors && s.tz === init.tz && s.maxLine === init.maxLine && s.chunkSize === init.chunkSize && s.samplesPerCode === init.samplesPerCode;
    if (!same) this.prepare(init);
  }

  private closing: Promise<void> | undefined;

  /** Stops the workers. Every call gets the same promise: a run starts it once reading is over, and awaits it last. */
  close(): Promise<void> {
    this.closing ??= Promise.all(this.workers.splice(0).map((w) => w.worker.terminate().catch(() => undefined))).then(() => undefined);
    return this.closing;
  }

  /** A started worker joins the pool; one that cannot start leaves its ranges to the main thread. */
  private spawn(started?: Worker): void {
    let worker: Worker;
    try {
      worker = started ?? spawnRangeWorker();
    } catch {
      return; // no worker: the main thread reads every range
    }
    const pw: PoolWorker = { worker, ready: false, dead: false, tasks: [] };
    worker.on('message', (m: FromWorker) => this.onMessage(pw, m));
    worker.on('error', () => this.onDead(pw));
    worker.on('exit', () => this.onDead(pw));
    this.workers.push(pw);
  }

  private onMessage(pw: PoolWorker, m: FromWorker): void {
    if (m.type === 'ready') {
      pw.ready = true;
    } else {
      const job = pw.tasks.shift()?.job;
      if (job !== undefined && job === this.job) {
        job.inflight--;
        if (m.type === 'result') this.onResult(job, m.result);
        else {
          job.error ??= ioError(Object.assign(new Error(m.message), m.code === undefined ? {} : { code: m.code }), job.path);
          job.stop = true;
        }
        this.poke(job);
      }
    }
    this.feed();
  }

  private onDead(pw: PoolWorker): void {
    if (pw.dead) return;
    pw.dead = true;
    // Its ranges are read again by someone else (the main thread at least).
    for (const { job, task } of pw.tasks.splice(0)) {
      if (job !== this.job) continue;
      job.inflight--;
      job.retry.push(task);
      this.poke(job);
    }
    this.feed();
  }

  /** The run-wide id of a code; the first time, its info joins the batch. */
  private idOf(info: CodeInfo, batch: PendingBatch): number {
    let byCode = this.ids.get(info.vendor);
    if (byCode === undefined) this.ids.set(info.vendor, (byCode = new Map()));
    let id = byCode.get(info.code);
    if (id === undefined) {
      id = this.infos.length;
      if (id >= IDS) throw new ErrscanError('ERRSCAN_INTERNAL', `more than ${IDS} distinct error codes in one ingest`);
      this.infos.push(info);
      byCode.set(info.code, id);
      batch.codes.push(info);
    }
    return id;
  }

  private claim(job: Job): RangeTask | undefined {
    if (job.stop || this.o.signal.aborted) return undefined;
    if (job.retry.length > 0) return job.retry.shift();
    // Results wait in memory until the ranges before them are committed: do not run too far ahead.
    if (job.next >= job.tasks.length || job.next - job.commit >= (DEPTH + 1) * this.threads + 2) return undefined;
    return job.tasks[job.next++];
  }

  /**
   * Keeps each worker DEPTH ranges ahead: the next one is already queued there when it posts a result, so it
   * does not wait for this thread (which may be in the middle of a commit) to hand one out.
   */
  private feed(): void {
    const job = this.job;
    if (!job) return;
    for (let depth = 1; depth <= DEPTH; depth++) {
      for (const pw of this.workers) {
        if (!pw.ready || pw.dead || pw.tasks.length >= depth) continue;
        const task = this.claim(job);
        if (!task) return;
        pw.tasks.push({ job, task });
        job.inflight++;
        pw.worker.postMessage({ type: 'range', path: job.path, task } satisfies ToWorker);
      }
    }
  }

  private poke(job: Job): void {
    const w = job.wake;
    job.wake = undefined;
    w?.();
  }

  private onResult(job: Job, r: RangeResult): void {
    job.results.set(r.index, r);
    this.commitReady?.(job);
  }

  private commitReady: ((job: Job) => void) | undefined;

  /** Reads one plain-text file (from its committed checkpoint, if it still matches) and commits its counts. */
  async readFile(path: string, label: string = path): Promise<FileOutcome> {
    const o = this.o;
    const out: FileOutcome = { bytes: 0, lines: 0, hits: 0, unknown: 0, skipped: 0, oversized: 0, errors: 0, interrupted: false, errorCodes: [], rest: false };
    const fail = (e: unknown): FileOutcome => {
      const err = e instanceof ErrscanError ? e : ioError(e, label);
      out.errors++;
      out.errorCodes.push(err.code);
      process.stderr.write(`${err.oneLine()}\n`);
      return out;
    };
    let fh: FileHandle;
    try {
      fh = await fsp.open(path, 'r');
    } catch (e) {
      return fail(e);
    }
    try {
      const st = await fh.stat();
      const head = Buffer.alloc(Math.min(FINGERPRINT_BYTES, st.size));
      await fh.read(head, 0, head.length, 0);
      const stored = await o.store.checkpoint({ source: label, path, dev: st.dev, ino: st.ino });
      const cp = stored && checkpointMatches(stored, { dev: st.dev, ino: st.ino, size: st.size, head }, 'bytes') ? stored : undefined;
      const start = cp?.offset ?? 0;
      if (start >= st.size) return out;
      const tasks = await planRanges(fh, start, st.size, this.threads, o.rangeBytes);
      const job: Job = {
        path,
        tasks,
        retry: [],
        next: 0,
        commit: 0,
        results: new Map(),
        inflight: 0,
        stop: false,
        halted: false,
        error: undefined,
        wake: undefined,
      };
      let lines = cp?.lines ?? 0;
      const cpTs = cp?.lastTs === undefined ? NaN : Date.parse(cp.lastTs);
      let stamp: number | undefined = Number.isFinite(cpTs) ? cpTs : undefined;
      const ctx = this.ctx!;
      const keep = ctx.samplesPerCode;
      let pending = new PendingBatch();
      let lastFlush = Date.now();
      let chain: Promise<void> = Promise.resolve();
      let writeError: unknown;

      const merge = (r: RangeResult): void => {
        // r.codes holds every code the thread has met so far: only those this range counted join the run.
        // No loop over rows here (see PendingCounts.addRows): this runs once a range.
        const id = (slot: number): number => this.idOf(r.codes[slot]!, pending);
        if (r.untimed.length > 0) {
          const t = Math.trunc(stamp ?? o.now());
          for (const u of r.untimed) {
            pending.counts.add(hourBucket(t), id(u.slot), u.count, t, t);
            for (const [line, text] of u.samples) pending.sample(id(u.slot), { ms: t, line: line + lines, text }, keep);
          }
        }
        const c = r.counts;
        const used = slotsUsed(r);
        const ids = new Int32Array(r.codes.length);
        for (let slot = 0; slot < used.length; slot++) if (used[slot] === 1) ids[slot] = id(slot);
        pending.counts.addRows(c, ids);
        pending.addSamples(r.samples, ids, lines, keep);
        lines += r.lines;
        if (r.lastTs !== undefined) stamp = r.lastTs;
        out.bytes += r.end - r.start;
        out.lines += r.lines;
        out.hits += r.hits;
        out.unknown += r.unknown;
        out.oversized += r.oversized;
        pending.hits += r.hits;
        const cp: Checkpoint = { source: label, path, dev: st.dev, ino: st.ino, fingerprint: fingerprintOf(head, r.end), offset: r.end, lines, base: stored?.offset ?? null };
        if (stamp !== undefined) cp.lastTs = isoString(stamp);
        pending.checkpoint = cp;
      };
      const flush = (): void => {
        const p = pending;
        if (p.checkpoint === undefined) return;
        pending = new PendingBatch();
        lastFlush = Date.now();
        const counts: CountRow[] = [];
        p.counts.forEach((bucket, id, count, first, last) => {
          const info = this.infos[id]!;
          counts.push({ bucket, vendor: info.vendor, code: info.code, source: label, host: o.host, count, firstSeen: isoString(first), lastSeen: isoString(last) });
        });
        // Oldest first, so ties on time keep arrival order in the store's ids.
        const samples: SampleRow[] = [];
        for (const [id, list] of p.samples) {
          const info = this.infos[id]!;
          for (let i = list.length - 1; i >= 0; i--) {
            const s = list[i]!;
            samples.push({ vendor: info.vendor, code: info.code, ts: isoString(s.ms), source: label, host: o.host, line: s.line, text: s.text });
          }
        }
        const batch: Batch = { counts, samples, checkpoints: [p.checkpoint], codes: p.codes };
        const offset = p.checkpoint.offset;
        chain = chain.then(async () => {
          if (writeError !== undefined) return;
          try {
            await o.store.writeBatch(batch);
            o.onCommit?.(path, offset, p.hits);
          } catch (e) {
            // Nothing after a failed batch may commit: its checkpoint would skip the lost counts.
            writeError = e;
            job.stop = true;
            job.halted = true;
          }
        });
      };
      this.commitReady = (j: Job): void => {
        if (j !== job) return;
        while (!job.halted && job.results.has(job.commit)) {
          const r = job.results.get(job.commit)!;
          job.results.delete(job.commit);
          job.commit++;
          if (r.dense) {
            // Too dense for ranges: not even this one is committed (merging it would cost the memory it
            // stopped to save); the one-thread pipeline reads on from the last checkpoint.
            job.halted = true;
            job.stop = true;
            out.rest = true;
            break;
          }
          merge(r);
          if (r.partial) {
            // Ctrl-C, or the file shrank: what is before this point is consistent; nothing after it counts.
            job.halted = true;
            job.stop = true;
          }
        }
        const done = job.halted || job.commit === job.tasks.length;
        if (done || pending.counts.size >= o.maxKeys || Date.now() - lastFlush >= o.flushMs) flush();
      };

      this.job = job;
      try {
        this.feed();
        for (;;) {
          // The workers read; this thread only commits, unless no worker could start (or all died).
          const task = this.workers.some((w) => !w.dead) ? undefined : this.claim(job);
          if (task) {
            job.inflight++;
            let r: RangeResult | undefined;
            try {
              r = await readRange(fh, task, ctx, () => o.signal.aborted || job.stop);
            } catch (e) {
              job.error ??= ioError(e, label);
              job.stop = true;
            }
            job.inflight--;
            if (r) this.onResult(job, r);
            this.feed();
            continue;
          }
          // After Ctrl-C or a failure, ranges still in workers are not waited for: they would not be committed.
          const left = job.retry.length > 0 || job.next < job.tasks.length;
          if (job.stop || o.signal.aborted || (job.inflight === 0 && !left)) break;
          if (job.inflight === 0 && this.workers.every((w) => w.dead)) continue;
          await new Promise<void>((resolve) => (job.wake = resolve));
        }
        this.commitReady(job);
        flush();
        await chain;
      } finally {
        this.job = undefined;
        this.commitReady = undefined;
        for (const pw of this.workers) if (!pw.dead) pw.worker.postMessage({ type: 'close', path } satisfies ToWorker);
      }
      if (writeError !== undefined) throw writeError;
      out.interrupted = o.signal.aborted;
      if (job.error) fail(job.error);
      else if (!out.interrupted && job.commit < job.tasks.length && !job.halted) {
        throw new ErrscanError('ERRSCAN_INTERNAL', `parallel read stopped at range ${job.commit} of ${job.tasks.length}`, { file: label });
      }
      return out;
    } finally {
      await fh.close().catch(() => undefined);
    }
  }
}
