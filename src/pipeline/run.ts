// The moving parts of one pipeline run: a Run (shared state: sinks, counters, errors, checkpoints),
// a Source per input being read (its record reader, identity and checkpoints), a FileRun per open
// file (plain or gzip, once or followed), and a Feeder for streamed content (stdin, pipes, gzip)
// whose format is sniffed from its first bytes.
import type { FileHandle } from 'node:fs/promises';
import fsp from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { ErrscanError, isErrscanError, type ErrorCode } from '../errors.js';
import type { ErrorEvent, Hit } from '../types.js';
import { SNIFF_BYTES, createReader, detectFormat } from '../records/detect.js';
import type { Extractor, Format, FormatOption, ReaderStart, RecordHit, RecordReader } from '../records/types.js';
import { FINGERPRINT_BYTES, checkpointMatches, fingerprintOf } from '../sources/identity.js';
import type { InputFile } from '../sources/inputs.js';
import { gunzip } from '../sources/gunzip.js';
import { abortable, contentOf, isGzip, untilAborted } from '../sources/stream.js';
import type { TimeParser } from '../time/parse.js';
import { isoString } from '../time/iso.js';
import type { Checkpoint, CheckpointReader, RunInfo, Sink, SourceIdentity } from './types.js';

export type EnrichFn = (hit: Hit, ctx: { ts: string; source: string; line: number; text: string }) => ErrorEvent;

/** How a file with a valid committed checkpoint is read. */
export type ResumeMode = 'resume' | 'replay';

export interface RunSettings {
  format: FormatOption;
  maxLine: number;
  chunkSize: number;
  /** Overrides every input's label. */
  source?: string;
  mode: ResumeMode;
  extractor: Extractor;
  enrich: EnrichFn;
  time: TimeParser;
  now: () => number;
  sinks: Sink[];
  checkpoints?: CheckpointReader;
  onError: (e: ErrscanError) => void;
}

export function zeroInfo(): RunInfo {
  return { bytes: 0, lines: 0, hits: 0, unknown: 0, skipped: 0, oversized: 0, errors: 0 };
}

function inodeKey(dev: number, ino: number): string {
  return `${dev}:${ino}`;
}

export class Run {
  readonly info = zeroInfo();
  readonly errorCodes: ErrorCode[] = [];
  /** Aborted by the caller's signal, or by a sink failure (then `fatal` says why). */
  readonly ac = new AbortController();
  fatal: unknown;
  /** The last checkpoint of each file met in this run, by dev:ino: a rotated name or a second path to it resumes. */
  private readonly session = new Map<string, Checkpoint>();
  constructor(readonly s: RunSettings) {}

  get aborted(): boolean {
    return this.ac.signal.aborted;
  }

  fail(e: unknown): void {
    if (this.fatal === undefined) this.fatal = e;
    this.ac.abort();
  }

  emit(src: Source, r: RecordHit): void {
    const ts = isoString(Number.isFinite(r.ts) ? r.ts : this.s.now());
    const replay = r.end <= src.committed;
    for (const h of r.hits) {
      const e = this.s.enrich(h, { ts, source: src.label, line: r.line, text: r.text });
      this.info.hits++;
      if (!e.known) this.info.unknown++;
      for (const sink of this.s.sinks) {
        if (!replay) sink.event(e);
        else sink.replayed?.(e);
      }
    }
  }

  checkpoint(cp: Checkpoint): void {
    if (cp.dev !== undefined && cp.ino !== undefined) this.session.set(inodeKey(cp.dev, cp.ino), cp);
    for (const sink of this.s.sinks) sink.checkpoint(cp);
  }

  async lookup(id: SourceIdentity): Promise<Checkpoint | undefined> {
    if (id.dev !== undefined && id.ino !== undefined) {
      const mine = this.session.get(inodeKey(id.dev, id.ino));
      if (mine) return mine;
    }
    return this.s.checkpoints ? await this.s.checkpoints.lookup(id) : undefined;
  }

  /** Waits while a sink's output is saturated (a slow stdout), so memory stays bounded. */
  async ready(): Promise<void> {
    for (const sink of this.s.sinks) {
      const p = sink.ready?.();
      if (p) await untilAborted(p, this.ac.signal);
    }
  }

  inputError(e: unknown, label: string): void {
    const err = isErrscanError(e) ? (e.file === undefined ? withFile(e, label) : e) : ioError(e, label);
    this.info.errors++;
    this.errorCodes.push(err.code);
    this.s.onError(err);
  }

  /** Reads a byte stream (stdin, a pipe, a FIFO) to its end or until the run is aborted. */
  async scanStream(stream: Readable | AsyncIterable<Buffer>, label: string): Promise<void> {
    const src = new Source(this, label, {}, () => undefined);
    const feeder = new Feeder(this, src, undefined);
    try {
      for await (const chunk of abortable(contentOf(stream as AsyncIterable<Buffer>), this.ac.signal)) {
        await feeder.push(chunk);
        src.checkpoint();
        await this.ready();
      }
      if (!this.aborted) await feeder.end();
    } catch (e) {
      this.inputError(gzipError(e, src), label);
    } finally {
      src.checkpoint();
      src.retire();
    }
  }
}

function withFile(e: ErrscanError, file: string): ErrscanError {
  return new ErrscanError(e.code, e.message, {
    file,
    ...(e.where === undefined ? {} : { where: e.where }),
    ...(e.hint === undefined ? {} : { hint: e.hint }),
    cause: e,
  });
}

/** A one-line input error from a file system error, naming the file and what to do. */
export function ioError(e: unknown, file: string): ErrscanError {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT':
      return new ErrscanError('ERRSCAN_INPUT_NOT_FOUND', 'no such file or directory', { file, hint: 'check the path', cause: e });
    case 'EACCES':
    case 'EPERM':
      return new ErrscanError('ERRSCAN_INPUT_READ', 'permission denied', { file, hint: 'check its permissions, or run as a user who can read it', cause: e });
    case 'EISDIR':
      return new ErrscanError('ERRSCAN_INPUT_READ', 'is a directory', { file, hint: 'name the directory itself to read it recursively', cause: e });
    default:
      return new ErrscanError('ERRSCAN_INPUT_READ', `cannot read (${err?.message ?? String(e)})`, { file, hint: 'check the file and the disk', cause: e });
  }
}

/** zlib errors → a one-line "corrupt gzip" error that says how far it got. */
function gzipError(e: unknown, src: Source): unknown {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code === 'string' && err.code.startsWith('Z_')) {
    return new ErrscanError('ERRSCAN_INPUT_READ', `corrupt gzip data after ${src.bytes} decompressed bytes (${err.message})`, {
      hint: 'test it with gzip -t; what was read before the damage is kept',
      cause: e,
    });
  }
  return e;
}

/** One input being read: its record reader, identity, checkpoints and counters. */
export class Source {
  reader: RecordReader | undefined;
  /** Checkpoint position already committed: events up to it are replays, checkpoints up to it are not sent. */
  committed = -1;
  /** The stored offset when this run began reading the file (null: none), sent with every checkpoint. */
  base: number | null | undefined;
  bytes = 0;
  private startLines = 0;
  private lastCp = -1;

  constructor(
    readonly run: Run,
    readonly label: string,
    readonly id: { path?: string; dev?: number; ino?: number },
    private readonly fingerprint: (position: number) => string | undefined,
  ) {}

  private readonly onHit = (r: RecordHit): void => this.run.emit(this, r);

  makeReader(format: Format, start?: ReaderStart): RecordReader {
    const s = this.run.s;
    this.reader = createReader(format, {
      extractor: s.extractor,
      maxLine: s.maxLine,
      time: s.time,
      now: s.now,
      onHit: this.onHit,
      ...(start ? { start } : {}),
    });
    this.startLines = start?.lines ?? 0;
    this.lastCp = -1;
    return this.reader;
  }

  /** Sends a checkpoint when the reader has moved past what is already committed. */
  checkpoint(): void {
    const r = this.reader;
    if (!r) return;
    const pos = r.position;
    if (pos <= this.committed || pos === this.lastCp) return;
    this.lastCp = pos;
    const cp: Checkpoint = { source: this.label, offset: pos, lines: r.lines };
    if (this.base !== undefined) cp.base = this.base;
    if (this.id.path !== undefined) cp.path = this.id.path;
    if (this.id.dev !== undefined) cp.dev = this.id.dev;
    if (this.id.ino !== undefined) cp.ino = this.id.ino;
    const fp = this.fingerprint(pos);
    if (fp !== undefined) cp.fingerprint = fp;
    const t = r.lastTs();
    if (t !== undefined && Number.isFinite(t)) cp.lastTs = isoString(t);
    this.run.checkpoint(cp);
  }

  /** Adds this reader's counters to the run's and drops it. */
  retire(): void {
    const r = this.reader;
    const info = this.run.info;
    info.bytes += this.bytes;
    this.bytes = 0;
    if (!r) return;
    info.lines += r.lines - this.startLines;
    info.skipped += r.skipped;
    info.oversized += r.oversized;
    this.reader = undefined;
  }
}

function startFrom(cp: Checkpoint): ReaderStart {
  const start: ReaderStart = { position: cp.offset, lines: Number.isSafeInteger(cp.lines) ? cp.lines : 0 };
  const t = cp.lastTs === undefined ? NaN : Date.parse(cp.lastTs);
  if (Number.isFinite(t)) start.lastTs = t;
  return start;
}

/**
 * Streamed content (stdin, gzip): holds the first bytes until the format is known (`--format auto`),
 * then applies a committed checkpoint — skipping consumed bytes (lines) or elements (JSON array) on
 * resume, or marking events up to it as replays — and feeds the reader.
 */
export class Feeder {
  private held: Buffer[] = [];
  private heldLen = 0;
  private skip = 0;

  constructor(
    private readonly run: Run,
    private readonly src: Source,
    private readonly cp: Checkpoint | undefined,
  ) {}

  private setup(format: Format): void {
    const cp = this.cp;
    if (cp && this.run.s.mode === 'resume') {
      if (format !== 'json') this.skip = cp.offset;
      this.src.makeReader(format, startFrom(cp));
    } else {
      this.src.makeReader(format);
    }
    if (cp) this.src.committed = cp.offset;
  }

  async push(chunk: Buffer): Promise<void> {
    if (!this.src.reader) {
      this.held.push(chunk);
      this.heldLen += chunk.length;
      const sample = this.held.length === 1 ? chunk : Buffer.concat(this.held, this.heldLen);
      const forced = this.run.s.format;
      const format = forced !== 'auto' ? forced : detectFormat(sample, this.heldLen >= SNIFF_BYTES);
      if (format === undefined) {
        this.held = [sample];
        return;
      }
      this.held = [];
      this.heldLen = 0;
      this.setup(format);
      chunk = sample;
    }
    await this.feed(chunk);
  }

  private async feed(chunk: Buffer): Promise<void> {
    if (this.skip > 0) {
      if (chunk.length <= this.skip) {
        this.skip -= chunk.length;
        return;
      }
      chunk = chunk.subarray(this.skip);
      this.skip = 0;
    }
    this.src.bytes += chunk.length;
    await this.src.reader!.write(chunk);
  }

  async end(): Promise<void> {
    if (!this.src.reader) {
      const sample = Buffer.concat(this.held, this.heldLen);
      this.held = [];
      const forced = this.run.s.format;
      this.setup(forced !== 'auto' ? forced : (detectFormat(sample, true) ?? 'text'));
      if (sample.length > 0) await this.feed(sample);
    }
    await this.src.reader!.end();
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/** What a poll of a followed file found. */
export type PollResult = 'ok' | 'rotated';

/**
 * One open file (one inode). Plain files are read with positioned reads from the committed offset
 * and can be followed as they grow; gzip files are decompressed once (a resume skips the
 * decompressed bytes or elements already consumed).
 */
export class FileRun {
  readonly src: Source;
  private readPos = 0;
  private lastSize: number;
  private lastMtime = 0;
  private feeder: Feeder | undefined;
  private gzipDone = false;
  private closed = false;

  private constructor(
    private readonly run: Run,
    readonly file: InputFile,
    private readonly fh: FileHandle,
    readonly dev: number,
    readonly ino: number,
    size: number,
    private head: Buffer,
    readonly gzip: boolean,
    fixedFingerprint: string | undefined,
  ) {
    this.lastSize = size;
    const label = run.s.source ?? file.label;
    this.src = new Source(run, label, { path: file.path, dev, ino }, (pos) => fixedFingerprint ?? fingerprintOf(this.head, pos));
  }

  /**
   * Opens a file and positions it from its committed checkpoint. Returns undefined after reporting an
   * input error; a FIFO or device is read as a stream right away (and undefined returned).
   */
  static async open(run: Run, file: InputFile): Promise<FileRun | undefined> {
    let fh: FileHandle;
    try {
      fh = await fsp.open(file.path, 'r');
    } catch (e) {
      run.inputError(e, file.label);
      return undefined;
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) {
        await fh.close();
        const { createReadStream } = await import('node:fs');
        await run.scanStream(createReadStream(file.path), run.s.source ?? file.label);
        return undefined;
      }
      const sniff = await readAt(fh, 0, SNIFF_BYTES);
      const gzip = isGzip(sniff);
      const head = Buffer.from(sniff.subarray(0, FINGERPRINT_BYTES));
      const id: SourceIdentity = { source: run.s.source ?? file.label, path: file.path, dev: st.dev, ino: st.ino };
      const stored = await run.lookup(id);
      const forced = run.s.format;
      const format: Format | undefined = gzip ? undefined : forced !== 'auto' ? forced : (detectFormat(sniff, true) ?? 'text');
      const fixed = gzip || format === 'json' ? fingerprintOf(head, st.size) : undefined;
      const fr = new FileRun(run, file, fh, st.dev, st.ino, st.size, head, gzip, fixed);
      // A checkpoint of this run (the file met again under another name) carries the base it began from.
      fr.src.base = stored === undefined ? null : stored.base !== undefined ? stored.base : stored.offset;
      const unit = gzip ? 'decompressed' : format === 'json' ? 'elements' : 'bytes';
      const cp = stored && checkpointMatches(stored, { dev: st.dev, ino: st.ino, size: st.size, head }, unit) ? stored : undefined;
      if (gzip) {
        fr.feeder = new Feeder(run, fr.src, cp);
      } else if (cp && run.s.mode === 'resume') {
        fr.src.makeReader(format!, startFrom(cp));
        fr.src.committed = cp.offset;
        fr.readPos = format === 'json' ? 0 : cp.offset;
      } else {
        fr.src.makeReader(format!);
        if (cp) fr.src.committed = cp.offset;
      }
      return fr;
    } catch (e) {
      await fh.close().catch(() => undefined);
      run.inputError(e, file.label);
      return undefined;
    }
  }

  /** Reads what is there now: a plain file to its current end, a gzip file entirely (once). */
  async pump(): Promise<void> {
    if (this.closed) return;
    if (this.gzip) return this.pumpGzip();
    const run = this.run;
    const size = run.s.chunkSize;
    const reader = this.src.reader!;
    const readAhead = (pos: number) => {
      const buf = Buffer.allocUnsafe(size);
      return this.fh.read(buf, 0, size, pos).then((r) => buf.subarray(0, r.bytesRead));
    };
    // The next chunk is read while this one is processed.
    let next: Promise<Buffer> | undefined = readAhead(this.readPos);
    try {
      while (!run.aborted) {
        const data: Buffer = await next!;
        next = undefined;
        if (data.length === 0) break;
        next = readAhead(this.readPos + data.length);
        this.growHead(data);
        this.readPos += data.length;
        this.src.bytes += data.length;
        await reader.write(data);
        this.src.checkpoint();
        await run.ready();
      }
    } finally {
      // A read still in flight must end before the file can be closed; what it read is read again later.
      if (next) await next.catch(() => undefined);
    }
  }

  /** Keeps the first KiB of the file, which fingerprints cover, as it is read. */
  private growHead(data: Buffer): void {
    const have = this.head.length;
    if (have >= FINGERPRINT_BYTES || this.readPos > have) return;
    const from = have - this.readPos;
    const take = Math.min(data.length, FINGERPRINT_BYTES - this.readPos);
    if (take > from) this.head = Buffer.concat([this.head, data.subarray(from, take)]);
  }

  private async pumpGzip(): Promise<void> {
    if (this.gzipDone) return;
    const run = this.run;
    const raw = this.fh.createReadStream({ start: 0, highWaterMark: run.s.chunkSize, autoClose: false });
    try {
      for await (const chunk of abortable(gunzip(raw as AsyncIterable<Buffer>), run.ac.signal)) {
        await this.feeder!.push(chunk);
        this.src.checkpoint();
        await run.ready();
      }
      if (!run.aborted) {
        // All of it is here (gzip files do not grow): read the last line and close a JSON array now.
        this.gzipDone = true;
        await this.feeder!.end();
      }
    } catch (e) {
      throw gzipError(e, this.src);
    } finally {
      raw.destroy();
    }
  }

  /**
   * For --follow: notices rotation (the path now names another file: finish this one first) and
   * truncation (copytruncate: the file shrank below what was read, or its first bytes changed —
   * start again from 0), then reads what is new.
   */
  async poll(): Promise<PollResult> {
    if (this.closed) return 'ok';
    let st: { dev: number; ino: number; size: number; mtimeMs: number } | undefined;
    try {
      st = await fsp.stat(this.file.path);
    } catch {
      st = undefined; // renamed away and not (yet) recreated: keep reading the open file
    }
    if (st && (st.dev !== this.dev || st.ino !== this.ino)) return 'rotated';
    if (st && !this.gzip && (await this.truncated(st.size, st.mtimeMs))) await this.restart();
    if (st) {
      this.lastSize = st.size;
      this.lastMtime = st.mtimeMs;
    }
    await this.pump();
    return 'ok';
  }

  private async truncated(size: number, mtimeMs: number): Promise<boolean> {
    if (size < this.readPos) return true;
    // Cut and rewritten between two polls (even to the same size): the first bytes tell.
    if ((size === this.lastSize && mtimeMs === this.lastMtime) || this.readPos === 0) return false;
    const n = Math.min(this.readPos, this.head.length);
    const now = await readAt(this.fh, 0, n);
    return !now.equals(this.head.subarray(0, n));
  }

  private async restart(): Promise<void> {
    const format = this.src.reader!.format;
    this.src.retire();
    this.src.committed = -1;
    this.src.makeReader(format);
    this.readPos = 0;
    this.head = await readAt(this.fh, 0, FINGERPRINT_BYTES);
  }

  /** The end of this file: reads the rest, the last line even without a newline, and checkpoints. */
  async finish(): Promise<void> {
    if (this.closed) return;
    await this.pump();
    if (!this.run.aborted && !this.gzip) await this.src.reader!.end();
    await this.close();
  }

  /** Stops without reading further: checkpoints what is complete and closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.src.checkpoint();
    this.src.retire();
    await this.fh.close().catch(() => undefined);
  }
}
