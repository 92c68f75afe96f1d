// The streaming pipeline: inputs → bytes → records → extract → enrich → sinks (printers, the store).
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ErrscanError, type ErrorCode } from '../errors.js';
import type { CatalogSet } from '../catalog/set.js';
import { enrich as enrichHit } from '../enrich/index.js';
import type { Extractor, FormatOption } from '../records/types.js';
import { classifyInputs, listFiles, notFound, type InputFile, type InputSpec } from '../sources/inputs.js';
import { untilAborted } from '../sources/stream.js';
import { TimeParser } from '../time/parse.js';
import { resolveTimeZone } from '../time/zone.js';
import { FileRun, Run, type EnrichFn } from './run.js';
import type { CheckpointReader, RunInfo, Sink } from './types.js';

export type { Checkpoint, CheckpointReader, RunInfo, Sink, SourceIdentity } from './types.js';
export type { EnrichFn } from './run.js';

export const DEFAULT_MAX_LINE = 1024 * 1024;
export const DEFAULT_CHUNK = 256 * 1024;
export const DEFAULT_POLL_MS = 250;
export const FLUSH_MS = 500;

export interface PipelineOptions {
  /** Files, directories (read recursively), globs, and `-` for stdin. None means stdin. */
  inputs: string[];
  /** Default `auto`: decided per input from its first bytes (after gzip). */
  format?: FormatOption | string;
  /** Keep reading files as they grow, like `tail -F` (rotation, truncation, new files matching a glob or directory). */
  follow?: boolean;
  /** Lines (JSON array elements: characters) longer than this are skipped and counted; default 1 MiB. */
  maxLine?: number;
  /** IANA zone for timestamps without one; default the local zone. */
  tz?: string;
  /** Label every event and checkpoint with this instead of the file path (or `stdin`). */
  source?: string;
  /**
   * `scan` semantics for a file with a committed checkpoint: read it all again, sending events from
   * before the checkpoint to sinks' `replayed` (printers) and only newer ones to `event` (the store).
   * Default false: resume at the checkpoint (`ingest`, `--follow`).
   */
  replay?: boolean;
  /** Read size for files; default 256 KiB. */
  chunkSize?: number;
  /** How often followed files are checked; default 250 ms (fs.watch events wake it sooner). */
  pollMs?: number;
  cwd?: string;
  /** Standard input; default process.stdin. */
  stdin?: NodeJS.ReadableStream;
  /** Where input errors go (each is also counted in `errors`); default: one line on stderr. */
  onError?: (e: ErrscanError) => void;
}

export interface PipelineDeps {
  extractor: Extractor;
  catalogs: CatalogSet;
  sinks: Sink[];
  /** Committed checkpoints: files resume (or replay) from them. */
  checkpoints?: CheckpointReader;
  /** Stops reading: what was read is flushed and checkpointed, the sinks are closed, the run returns. */
  signal?: AbortSignal;
  /** The clock, for records without a timestamp and RFC 3164 year inference. */
  now?: () => Date;
  /** Default: src/enrich with `catalogs`. */
  enrich?: EnrichFn;
}

export interface RunResult extends RunInfo {
  elapsedMs: number;
  /** Stopped by the signal (or a sink failure) before the inputs ended. */
  interrupted: boolean;
  /** The code of each input error, in order (the CLI picks its exit status from these). */
  errorCodes: ErrorCode[];
  /** The zone applied to timestamps without one. */
  timeZone: string;
}

function validate(opts: PipelineOptions): { format: FormatOption; maxLine: number; chunkSize: number; pollMs: number } {
  const format = (opts.format ?? 'auto') as FormatOption;
  if (!['auto', 'text', 'ndjson', 'json'].includes(format)) {
    throw new ErrscanError('ERRSCAN_USAGE', `unknown format "${String(opts.format)}"`, { hint: 'use auto, text, ndjson or json' });
  }
  const maxLine = opts.maxLine ?? DEFAULT_MAX_LINE;
  if (!Number.isSafeInteger(maxLine) || maxLine < 1) {
    throw new ErrscanError('ERRSCAN_USAGE', `--max-line must be a positive whole number of bytes, got ${String(opts.maxLine)}`);
  }
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new ErrscanError('ERRSCAN_USAGE', 'chunkSize must be a positive integer');
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  return { format, maxLine, chunkSize, pollMs };
}

/**
 * Runs the pipeline: reads every input, finds and enriches hits, and hands each event and checkpoint
 * to every sink in input order; calls `flush()` on the sinks every 500 ms and at the end, then
 * `close(info)`. Resolves with the counters when the inputs end (or, with `follow`, when `signal`
 * aborts). Input errors (missing file, unreadable, corrupt gzip, broken JSON array) are reported
 * through `onError`, counted, and the other inputs go on; a sink failure stops the run and is thrown
 * after the sinks are closed.
 *
 * Checkpoints: for each file the pipeline sends `{source, path, dev, ino, fingerprint, offset, lines,
 * lastTs}` after each chunk it reads and at its end (offsets: see Checkpoint). Given `checkpoints`, a
 * file whose identity matches its committed checkpoint resumes from it (a fully read file adds
 * nothing; a grown one continues); a replaced or rewritten file starts from 0. Standard input is never
 * resumed.
 *
 * Example (what `ingest` does):
 *   await runPipeline({ inputs: ['/var/log/app'] }, { extractor, catalogs, sinks: [storeSink], checkpoints, signal });
 */
export async function runPipeline(opts: PipelineOptions, deps: PipelineDeps): Promise<RunResult> {
  const started = performance.now();
  const v = validate(opts);
  const timeZone = resolveTimeZone(opts.tz);
  const specs = await classifyInputs(opts.inputs, opts.cwd ?? process.cwd());
  const now = deps.now ? () => deps.now!().getTime() : () => Date.now();
  const catalogs = deps.catalogs;
  const enrich: EnrichFn = deps.enrich ?? ((hit, ctx) => enrichHit(hit, ctx, catalogs));
  const run = new Run({
    format: v.format,
    maxLine: v.maxLine,
    chunkSize: v.chunkSize,
    ...(opts.source !== undefined ? { source: opts.source } : {}),
    mode: opts.replay ? 'replay' : 'resume',
    extractor: deps.extractor,
    enrich,
    time: new TimeParser(timeZone, now),
    now,
    sinks: deps.sinks,
    ...(deps.checkpoints ? { checkpoints: deps.checkpoints } : {}),
    onError: opts.onError ?? ((e) => process.stderr.write(`${e.oneLine()}\n`)),
  });
  const onAbort = (): void => run.ac.abort();
  if (deps.signal?.aborted) run.ac.abort();
  deps.signal?.addEventListener('abort', onAbort, { once: true });

  let flushing: Promise<void> | undefined;
  const flushAll = (): Promise<void> => {
    flushing ??= Promise.all(deps.sinks.map((s) => s.flush()))
      .then(() => undefined)
      .catch((e: unknown) => run.fail(e))
      .finally(() => (flushing = undefined));
    return flushing;
  };
  const timer = setInterval(() => void flushAll(), FLUSH_MS);
  timer.unref();

  const stdin = (opts.stdin ?? process.stdin) as NodeJS.ReadableStream & { destroy?: () => void };
  const label = (l: string): string => opts.source ?? l;
  let usedStdin = false;
  try {
    if (opts.follow) {
      const tasks: Promise<void>[] = [new Follower(run, specs.filter((s) => s.kind !== 'stdin'), v.pollMs).follow()];
      if (specs.some((s) => s.kind === 'stdin')) {
        usedStdin = true;
        tasks.push(run.scanStream(stdin as AsyncIterable<Buffer> & NodeJS.ReadableStream, label('stdin')));
      }
      await Promise.all(tasks);
    } else {
      const seen = new Set<string>();
      for (const spec of specs) {
        if (run.aborted) break;
        if (spec.kind === 'stdin') {
          usedStdin = true;
          await run.scanStream(stdin as AsyncIterable<Buffer> & NodeJS.ReadableStream, label('stdin'));
          continue;
        }
        if (spec.kind === 'missing') {
          run.inputError(notFound(spec), spec.label);
          continue;
        }
        let files: InputFile[];
        try {
          files = await listFiles(spec);
        } catch (e) {
          run.inputError(e, spec.kind === 'glob' ? spec.pattern : spec.label);
          continue;
        }
        if (files.length === 0 && spec.kind === 'glob') run.inputError(notFound(spec), spec.pattern);
        for (const f of files) {
          if (run.aborted) break;
          // The same file named twice (or through a link) is read once.
          const key = realKey(f.path);
          if (key !== undefined && seen.has(key)) continue;
          if (key !== undefined) seen.add(key);
          await scanFile(run, f);
        }
      }
    }
  } finally {
    clearInterval(timer);
    deps.signal?.removeEventListener('abort', onAbort);
    if (usedStdin && opts.stdin === undefined) process.stdin.destroy();
  }
  if (flushing) await flushing;
  let closeError: unknown;
  for (const s of deps.sinks) {
    try {
      await s.flush();
    } catch (e) {
      closeError ??= e;
    }
  }
  const info: RunInfo = { ...run.info };
  for (const s of deps.sinks) {
    try {
      await s.close(info);
    } catch (e) {
      closeError ??= e;
    }
  }
  if (run.fatal !== undefined) throw run.fatal;
  if (closeError !== undefined) throw closeError;
  return {
    ...info,
    elapsedMs: performance.now() - started,
    interrupted: run.aborted,
    errorCodes: run.errorCodes,
    timeZone,
  };
}

function realKey(p: string): string | undefined {
  try {
    const st = fs.statSync(p);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

async function scanFile(run: Run, f: InputFile): Promise<void> {
  const fr = await FileRun.open(run, f);
  if (!fr) return;
  try {
    await fr.finish();
  } catch (e) {
    run.inputError(e, fr.src.label);
    await fr.close();
  }
}


/**
 * `--follow`: polls every tracked file (and fs.watch events wake it early), reads what is new, handles
 * rotation and truncation, and picks up new files matching a directory or glob. Stops when the run is
 * aborted, checkpointing what is complete.
 */
class Follower {
  /** Open files by path. */
  private readonly tracked = new Map<string, FileRun>();
  private readonly watchers = new Map<string, fs.FSWatcher>();
  private wake: (() => void) | undefined;
  private dirty = true;

  constructor(
    private readonly run: Run,
    private readonly specs: InputSpec[],
    private readonly pollMs: number,
  ) {}

  async follow(): Promise<void> {
    const run = this.run;
    for (const spec of this.specs) if (spec.kind === 'missing') run.inputError(new ErrscanError('ERRSCAN_INPUT_NOT_FOUND', 'not there yet; waiting for it to appear', { file: spec.label, hint: 'check the path' }), spec.label);
    let tick = 0;
    try {
      while (!run.aborted) {
        // New files are looked for every 4th poll, or sooner when a watched directory changed.
        if (this.dirty || tick % 4 === 0) {
          this.dirty = false;
          await this.discover();
        }
        let rotated = false;
        for (const [p, fr] of [...this.tracked]) {
          if (run.aborted) break;
          try {
            if ((await fr.poll()) === 'rotated') {
              // Finish the old file (its last lines, even without a newline), then read the new one.
              this.tracked.delete(p);
              await fr.finish();
              rotated = true;
            }
          } catch (e) {
            run.inputError(e, fr.src.label);
            this.tracked.delete(p);
            await fr.close();
          }
        }
        if (rotated) {
          this.dirty = true;
          continue;
        }
        tick++;
        const ac = new AbortController();
        await untilAborted(Promise.race([delay(this.pollMs, undefined, { signal: ac.signal }).catch(() => undefined), new Promise<void>((r) => (this.wake = r))]), run.ac.signal);
        ac.abort(); // drop the timer if woken early
        this.wake = undefined;
        // A busy file wakes the loop on every write: poll at most every 20 ms.
        await delay(20);
      }
    } finally {
      for (const w of this.watchers.values()) w.close();
      for (const fr of this.tracked.values()) await fr.close();
      this.tracked.clear();
    }
  }

  private async discover(): Promise<void> {
    const run = this.run;
    const open = new Set([...this.tracked.values()].map((fr) => `${fr.dev}:${fr.ino}`));
    for (const spec of this.specs) {
      let files: InputFile[];
      if (spec.kind === 'missing') files = [{ path: spec.path, label: spec.label }];
      else {
        try {
          files = await listFiles(spec);
        } catch {
          files = [];
        }
      }
      if (spec.kind === 'dir') this.watch(spec.path);
      else if (spec.kind === 'glob') this.watch(globBase(spec.pattern, spec.cwd));
      else if (spec.kind !== 'stdin') this.watch(path.dirname(spec.path));
      for (const f of files) {
        if (run.aborted) return;
        if (this.tracked.has(f.path)) continue;
        let st: fs.Stats;
        try {
          st = fs.statSync(f.path);
        } catch {
          continue;
        }
        // Already open under another name (a rotation not yet noticed): read it there.
        if (open.has(`${st.dev}:${st.ino}`)) continue;
        const fr = await FileRun.open(run, f);
        if (!fr) continue;
        open.add(`${fr.dev}:${fr.ino}`);
        this.tracked.set(f.path, fr);
      }
    }
  }

  private watch(dir: string): void {
    if (this.watchers.has(dir)) return;
    try {
      const w = fs.watch(dir, { persistent: false }, (event) => {
        if (event === 'rename') this.dirty = true;
        this.wake?.();
      });
      w.on('error', () => undefined);
      this.watchers.set(dir, w);
    } catch {
      // Polling alone still works (e.g. on file systems without inotify).
    }
  }
}

/** The directory part of a glob before its first wildcard, to watch for new matches. */
function globBase(pattern: string, cwd: string): string {
  const parts = pattern.split(/[\\/]/);
  const fixed: string[] = [];
  for (const p of parts) {
    if (/[*?[\]{}()!]/.test(p)) break;
    fixed.push(p);
  }
  const base = fixed.join('/');
  return path.resolve(cwd, base === '' ? '.' : fixed.length === parts.length ? path.dirname(base) : base);
}
