// `errscan ingest PATHS..`: batch-load log files into the database, exactly once.
// Files already read to their end are skipped before they are opened; the pipeline resumes the others
// from their committed checkpoints. A big plain-text file is read on several threads over byte ranges
// (src/pipeline/parallel.ts: committed in file order, so exactly-once holds); other files on one.
// (Worker threads over whole files were measured slower on the 2-core target: a second start-up for a
// few small files. Byte ranges only pay for files of tens of MB, so only those use them.)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ErrscanError, type ErrorCode } from '../../errors.js';
import { catalogsFromArgv } from '../../catalog/index.js';
import { catalogSnapshot, createStoreSink, storeCheckpoints } from '../../aggregate/index.js';
import { displayLocation, openStore, resolveDbLocation } from '../../store/index.js';
import type { Store } from '../../store/types.js';
import type { Checkpoint, RunInfo, Sink } from '../../pipeline/types.js';
import { DEFAULT_MAX_LINE, runPipeline, type RunResult } from '../../pipeline/index.js';
import { ParallelIngest } from '../../pipeline/parallel.js';
import { RANGE_CHUNK } from '../../pipeline/ranges.js';
import { SNIFF_BYTES, detectFormat } from '../../records/detect.js';
import { resolveTimeZone } from '../../time/zone.js';
import { parseSize } from './scan.js';
import { classifyInputs, listFiles, notFound } from '../../sources/inputs.js';
import { compileExtractor } from '../../extract/index.js';
import { checkExtractConfig } from '../../extract/config.js';
import { bigFile, parallelMinBytes, threadCount } from '../prestart.js';

interface IngestArgs {
  paths: string[];
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
  db?: string;
  catalog?: string[];
  format?: string;
  tz?: string;
  maxLine?: string | number;
  threads?: number;
}

/** What the pipeline needs besides the files. */
interface ReadOptions {
  format?: string;
  tz?: string;
  maxLine?: number;
}

type Kind = 'text' | 'gzip';

interface FileTask {
  path: string;
  size: number;
  dev: number;
  ino: number;
  kind: Kind;
  /** gzip: the trailer's uncompressed size (mod 2^32), to estimate progress and spot an unchanged file. */
  isize?: number;
}

const ZERO: RunInfo = { bytes: 0, lines: 0, hits: 0, unknown: 0, skipped: 0, oversized: 0, errors: 0 };

/** Distinct count keys per parallel batch: $ERRSCAN_BATCH_KEYS (tests commit often with small values), else 50 000. */
function batchKeys(): number {
  const n = Number(process.env.ERRSCAN_BATCH_KEYS);
  return Number.isInteger(n) && n > 0 ? n : 50_000;
}

/**
 * Files, directories (recursive, hidden files skipped) and globs → absolute paths of regular files, each
 * once, in the order the pipeline would read them. Anything missing fails up front, before any reading.
 */
export async function expandPaths(args: string[], cwd: string = process.cwd()): Promise<string[]> {
  if (args.includes('-')) {
    throw new ErrscanError('ERRSCAN_USAGE', 'ingest reads files, not standard input', { hint: 'pipe into `errscan scan` instead' });
  }
  const out: string[] = [];
  const seen = new Set<string>();
  for (const spec of await classifyInputs(args, cwd)) {
    if (spec.kind === 'missing' || spec.kind === 'stdin') throw notFound(spec);
    const files = await listFiles(spec);
    if (files.length === 0 && spec.kind === 'glob') throw notFound(spec);
    for (const f of files) {
      let st: fs.Stats;
      try {
        st = fs.statSync(f.path);
      } catch {
        continue;
      }
      const key = `${st.dev}:${st.ino}`;
      if (!st.isFile() || seen.has(key)) continue;
      seen.add(key);
      out.push(f.path);
    }
  }
  return out;
}

function head(file: string, n: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = fs.readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

function describeFile(file: string): FileTask {
  let st: fs.Stats;
  let first: Buffer;
  try {
    st = fs.statSync(file);
    first = head(file, 2);
  } catch (e) {
    throw new ErrscanError('ERRSCAN_INPUT_READ', `cannot read (${(e as Error).message})`, { file, hint: 'check its permissions' });
  }
  const t: FileTask = { path: file, size: st.size, dev: st.dev, ino: st.ino, kind: first[0] === 0x1f && first[1] === 0x8b ? 'gzip' : 'text' };
  if (t.kind === 'gzip' && st.size >= 18) {
    const fd = fs.openSync(file, 'r');
    try {
      const tail = Buffer.alloc(4);
      fs.readSync(fd, tail, 0, 4, st.size - 4);
      t.isize = tail.readUInt32LE(0);
    } finally {
      fs.closeSync(fd);
    }
  }
  return t;
}

const sha1 = (b: Buffer): string => crypto.createHash('sha1').update(b).digest('hex');

/**
 * True when the committed checkpoint already covers the whole file (same identity, same first bytes):
 * plain text read to its size, or gzip decompressed to its trailer's length. JSON arrays and anything
 * uncertain go to the pipeline, which resumes or skips them itself.
 */
export function isUnchanged(t: FileTask, cp: Checkpoint | undefined): boolean {
  if (!cp || cp.dev !== t.dev || cp.ino !== t.ino) return false;
  if (t.kind === 'text') {
    if (cp.offset !== t.size) return false;
    return cp.fingerprint === undefined || cp.fingerprint === sha1(head(t.path, Math.min(1024, t.size)));
  }
  if (t.isize === undefined || cp.offset % 2 ** 32 !== t.isize || cp.offset === 0) return false;
  return cp.fingerprint === undefined || cp.fingerprint === sha1(head(t.path, Math.min(1024, t.size)));
}

// ---------------------------------------------------------------------------------------------------
// Reading the files: the pipeline into a StoreSink, plus a watcher for progress.

interface Seen {
  /** Latest checkpoint offset per file path. */
  offsets: Map<string, number>;
  hits: number;
}

type Compiled = { catalogs: ReturnType<typeof catalogsFromArgv>; extractor: ReturnType<typeof compileExtractor> };

/** $ERRSCAN_RANGE_BYTES: fixed byte ranges, so tests get many ranges from a small file. */
function rangeBytes(): { rangeBytes?: number } {
  const n = Number(process.env.ERRSCAN_RANGE_BYTES);
  return Number.isSafeInteger(n) && n > 0 ? { rangeBytes: n } : {};
}

/** A plain-text file big enough for byte ranges (by its first bytes, unless --format says). */
function rangeable(t: FileTask, format: string | undefined): boolean {
  if (t.kind !== 'text' || t.size < parallelMinBytes()) return false;
  const f = format ?? 'auto';
  if (f !== 'auto') return f === 'text';
  try {
    return (detectFormat(head(t.path, SNIFF_BYTES), true) ?? 'text') === 'text';
  } catch {
    return false;
  }
}

/** The files in order: runs of small ones through the pipeline, big text files over byte ranges. */
async function readFiles(
  files: FileTask[],
  store: Store,
  read: ReadOptions,
  compiled: Compiled,
  seen: Seen,
  signal: AbortSignal,
  parallel: { ingest: ParallelIngest; paths: Set<string> } | undefined,
): Promise<RunResult> {
  let par = parallel;
  const total: RunResult = { ...ZERO, elapsedMs: 0, interrupted: false, errorCodes: [], timeZone: resolveTimeZone(read.tz) };
  const add = (r: RunInfo & { interrupted: boolean; errorCodes: ErrorCode[] }): void => {
    for (const k of ['bytes', 'lines', 'hits', 'unknown', 'skipped', 'oversized', 'errors'] as const) total[k] += r[k];
    total.errorCodes.push(...r.errorCodes);
    if (r.interrupted) total.interrupted = true;
  };
  for (let i = 0; i < files.length && !signal.aborted; ) {
    if (par?.paths.has(files[i]!.path)) {
      const r = await par.ingest.readFile(files[i]!.path);
      add(r);
      // Too dense for ranges (a distinct hour and code on nearly every line): the rest on one thread, and
      // the files after it too (the workers' memory is given back first).
      if (r.rest && !signal.aborted) {
        await par.ingest.close();
        par = undefined;
        add(await pipelineFiles([files[i]!], store, read, compiled, seen, signal));
      }
      i++;
      continue;
    }
    let j = i;
    while (j < files.length && !par?.paths.has(files[j]!.path)) j++;
    add(await pipelineFiles(files.slice(i, j), store, read, compiled, seen, signal));
    i = j;
  }
  // The reading threads stop while this thread records the run and closes the database (ingest() awaits it).
  if (par) void par.ingest.close();
  if (signal.aborted) total.interrupted = true;
  return total;
}

async function pipelineFiles(files: FileTask[], store: Store, read: ReadOptions, compiled: Compiled, seen: Seen, signal: AbortSignal): Promise<RunResult> {
  const sink = createStoreSink(store);
  const watcher: Sink = {
    event() {
      seen.hits++;
    },
    checkpoint(cp) {
      if (cp.path !== undefined) seen.offsets.set(cp.path, cp.offset);
    },
    flush: async () => {},
    close: async () => {},
  };
  return runPipeline(
    { inputs: files.map((f) => f.path), ...read },
    { extractor: compiled.extractor, catalogs: compiled.catalogs, sinks: [sink, watcher], checkpoints: storeCheckpoints(store), signal },
  );
}

// ---------------------------------------------------------------------------------------------------
// Progress on stderr: a redrawn line on a TTY, a plain line every few seconds otherwise.

function fmtMB(b: number): string {
  return (b / 1024 / 1024).toFixed(1);
}

function fmtDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

/** One progress line: bytes done/total, percent, MB/s, hits and ETA. */
export function progressLine(done: number, total: number, hits: number, elapsedMs: number): string {
  const secs = elapsedMs / 1000;
  const rate = secs > 0 ? done / secs : 0;
  const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
  const eta = rate > 0 ? (total - done) / rate : Number.NaN;
  return `ingest ${fmtMB(done)}/${fmtMB(total)} MB ${pct}% ${fmtMB(rate)} MB/s hits ${hits} ETA ${fmtDuration(eta)}`;
}

class Progress {
  private readonly start = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(
    private readonly seen: Seen,
    private readonly files: Map<string, FileTask>,
    private readonly total: number,
    private readonly mode: 'tty' | 'lines' | 'off',
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    if (mode === 'off') return;
    const env = Number(process.env.ERRSCAN_PROGRESS_MS);
    const every = Number.isFinite(env) && env > 0 ? env : mode === 'tty' ? 200 : 5000;
    this.timer = setInterval(() => this.draw(), every);
    this.timer.unref();
    if (mode === 'tty') this.draw();
  }

  private done(): { bytes: number; hits: number } {
    let bytes = 0;
    for (const [file, offset] of this.seen.offsets) {
      const t = this.files.get(file);
      if (!t) continue;
      // gzip offsets count decompressed bytes: scale them to the file's size.
      bytes += t.kind === 'gzip' ? (t.isize ? Math.min(t.size, (offset / t.isize) * t.size) : 0) : Math.min(offset, t.size);
    }
    return { bytes, hits: this.seen.hits };
  }

  private draw(): void {
    const { bytes, hits } = this.done();
    const line = progressLine(bytes, this.total, hits, Date.now() - this.start);
    if (this.mode === 'tty') {
      this.stream.write(`\r${line}\x1b[K`);
      this.drawn = true;
    } else {
      this.stream.write(`errscan: ${line}\n`);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.drawn) this.stream.write('\r\x1b[K');
  }
}

// ---------------------------------------------------------------------------------------------------

export interface IngestSummary extends RunInfo {
  db: string;
  /** Files named by the arguments. */
  files: number;
  /** Files read (new, grown, or forced). */
  ingested: number;
  /** Files skipped because the database already holds them to their end. */
  unchanged: number;
  elapsedMs: number;
  status: 'ok' | 'interrupted';
  /** Input errors met (missing, unreadable, corrupt gzip...), by code. */
  errorCodes: ErrorCode[];
}

function summaryText(s: IngestSummary): string {
  const secs = s.elapsedMs / 1000;
  const rate = secs > 0 ? s.bytes / 1024 / 1024 / secs : 0;
  return (
    `errscan: ingested ${s.ingested} of ${s.files} file${s.files === 1 ? '' : 's'} (${s.unchanged} unchanged) into ${s.db}: ` +
    `${s.bytes} bytes, ${s.lines} lines, ${s.hits} hits (${s.unknown} unknown), ${s.skipped} skipped, ${s.oversized} oversized, ` +
    `${s.errors} errors in ${secs.toFixed(1)} s (${rate.toFixed(1)} MB/s)${s.status === 'interrupted' ? ' (interrupted)' : ''}\n`
  );
}

export async function ingest(argv: IngestArgs): Promise<IngestSummary> {
  const started = Date.now();
  // Validate everything before touching the database.
  const maxLine = parseSize(argv.maxLine);
  const threads = threadCount(argv.threads);
  resolveTimeZone(argv.tz);
  // A big file named directly: start the reading threads now, so they load while this one sets up.
  const pool: Pool = { threads };
  if (threads > 1 && argv.paths.some((p) => bigFile(String(p)))) pool.ingest = new ParallelIngest(threads);
  try {
    return await ingestFiles(argv, maxLine, pool, started);
  } finally {
    await pool.ingest?.close();
  }
}

/** The reading threads of one ingest, started early when a big file is named directly, else on demand. */
interface Pool {
  threads: number;
  ingest?: ParallelIngest;
}

async function ingestFiles(argv: IngestArgs, maxLine: number | undefined, pool: Pool, started: number): Promise<IngestSummary> {
  const catalogs = catalogsFromArgv(argv);
  // Early reading threads compile the catalogs now, while this thread opens the database.
  pool.ingest?.prepare({ vendors: catalogs.vendors, tz: resolveTimeZone(argv.tz), maxLine: maxLine ?? DEFAULT_MAX_LINE, chunkSize: RANGE_CHUNK });
  // Compiled on first use (a run of big files only has the reading threads extract), checked now.
  checkExtractConfig(catalogs.vendors);
  const compiled: Compiled = {
    catalogs,
    get extractor() {
      return compileExtractor(catalogs);
    },
  };
  const paths = await expandPaths(argv.paths.map(String));
  if (paths.length === 0) {
    throw new ErrscanError('ERRSCAN_INPUT_NOT_FOUND', 'no files to ingest', { file: argv.paths.join(' '), hint: 'name files, directories or globs' });
  }
  const tasks = paths.map(describeFile);
  const db = resolveDbLocation(argv);
  const store: Store = await openStore(db);
  let runId: number | undefined;
  const ac = new AbortController();
  const onSignal = (): void => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let info: RunInfo = ZERO;
  let status: 'ok' | 'interrupted' | 'failed' = 'failed';
  const toRead: FileTask[] = [];
  const errorCodes: ErrorCode[] = [];
  try {
    const snap = catalogSnapshot(catalogs.vendors);
    await store.syncCatalog(snap.entries, snap.products);
    runId = await store.beginRun('ingest');
    for (const t of tasks) {
      const id = { source: t.path, path: t.path, dev: t.dev, ino: t.ino };
      if (argv.force) await store.forgetSource(id);
      else if (isUnchanged(t, await store.checkpoint(id))) continue;
      toRead.push(t);
    }
    const read: ReadOptions = {};
    if (argv.format !== undefined) read.format = argv.format;
    if (argv.tz !== undefined) read.tz = argv.tz;
    if (maxLine !== undefined) read.maxLine = maxLine;
    const mode = argv.quiet ? 'off' : process.stderr.isTTY ? 'tty' : 'lines';
    const seen: Seen = { offsets: new Map(), hits: 0 };
    const total = toRead.reduce((n, t) => n + t.size, 0);
    const progress = new Progress(seen, new Map(toRead.map((t) => [t.path, t])), total, toRead.length > 0 ? mode : 'off');
    const big = pool.threads > 1 ? toRead.filter((t) => rangeable(t, argv.format)) : [];
    let par: { ingest: ParallelIngest; paths: Set<string> } | undefined;
    if (big.length > 0) {
      const ingest = (pool.ingest ??= new ParallelIngest(pool.threads));
      ingest.configure({
        catalogs,
        tz: resolveTimeZone(argv.tz),
        maxLine: maxLine ?? DEFAULT_MAX_LINE,
        chunkSize: RANGE_CHUNK,
        store,
        host: store.host ?? '',
        maxKeys: batchKeys(),
        // Once a second: each commit re-counts every hour x code key read since the last (a log whose hours
        // are spread through the file: ~6,400 rows, ~45 ms of the thread the readers share the cores with).
        flushMs: 1000,
        signal: ac.signal,
        now: Date.now,
        onCommit: (file, offset, hits) => {
          seen.offsets.set(file, offset);
          seen.hits += hits;
        },
        ...rangeBytes(),
      });
      par = { ingest, paths: new Set(big.map((t) => t.path)) };
    }
    try {
      if (toRead.length > 0) {
        const r = await readFiles(toRead, store, read, compiled, seen, ac.signal, par);
        info = { bytes: r.bytes, lines: r.lines, hits: r.hits, unknown: r.unknown, skipped: r.skipped, oversized: r.oversized, errors: r.errors };
        errorCodes.push(...r.errorCodes);
        if (r.interrupted) ac.abort();
      }
    } finally {
      progress.stop();
    }
    status = ac.signal.aborted ? 'interrupted' : 'ok';
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    try {
      if (runId !== undefined) await store.finishRun(runId, info, status);
    } finally {
      await store.close();
    }
  }
  return {
    db: displayLocation(db),
    files: tasks.length,
    ingested: toRead.length,
    unchanged: tasks.length - toRead.length,
    ...info,
    elapsedMs: Date.now() - started,
    status: status === 'interrupted' ? 'interrupted' : 'ok',
    errorCodes,
  };
}

export const ingestCommand: CommandModule<object, IngestArgs> = {
  command: 'ingest <paths..>',
  describe: 'Load log files into the database, exactly once (skips what is already in, resumes what grew)',
  builder: (y: Argv<object>) =>
    y
      .positional('paths', { type: 'string', array: true, demandOption: true, describe: 'Files, directories (recursive) or globs; gzip is read by content' })
      .option('force', { type: 'boolean', describe: "Forget each file's counts and checkpoint first, then read it again from the start" })
      .option('json', { type: 'boolean', describe: 'Print the run summary as JSON on stdout' })
      .option('format', { type: 'string', choices: ['auto', 'text', 'ndjson', 'json'], describe: 'Input format (default: detected from the first bytes)' })
      .option('tz', { type: 'string', requiresArg: true, describe: 'IANA zone for timestamps without one (default: local)' })
      .option('max-line', { type: 'string', requiresArg: true, describe: 'Skip and count lines longer than this (default 1M; e.g. 64K)' })
      .option('threads', {
        type: 'number',
        requiresArg: true,
        describe: 'Threads reading a big (64 MB+) text file, over byte ranges (default: cores, at most 4; 1 = one thread)',
      })
      .example('$0 ingest /var/log/app/', 'every file under a directory, recursively')
      .example("$0 ingest 'logs/*.log.gz' --json", 'a glob, with a JSON summary')
      .example('$0 ingest app.log --force', 'forget app.log and read it again')
      .example('$0 ingest app.log --db /tmp/test.db --quiet', 'another database, no progress') as unknown as Argv<IngestArgs>,
  handler: async (argv) => {
    const s = await ingest(argv);
    if (argv.json) process.stdout.write(`${JSON.stringify(s)}\n`);
    else if (!argv.quiet) process.stderr.write(summaryText(s));
    let worst = 0;
    for (const c of s.errorCodes) worst = Math.max(worst, new ErrscanError(c, '').exitCode);
    process.exitCode = s.status === 'interrupted' ? 130 : worst;
  },
};
