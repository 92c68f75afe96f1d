// Contracts between the streaming pipeline and what consumes it (printers, the store).
import type { ErrorEvent } from '../types.js';

/** Identity of an input, so a re-read or a restarted follow resumes instead of recounting. */
export interface SourceIdentity {
  /** The label events carry (`--source`, the file path, or `stdin`). */
  source: string;
  /** Absolute path for files; undefined for stdin. */
  path?: string;
  dev?: number;
  ino?: number;
  /** sha1 hex of the first bytes (up to 1 KiB) of the raw file, so a replaced file is not mistaken for the old one. */
  fingerprint?: string;
}

/**
 * A consistent point in one source: everything before `offset` has been read and emitted.
 *
 * What `offset` counts depends on the content (detected again from the bytes on resume):
 * - plain text or JSON lines: raw bytes of the file (the end of the last complete line);
 * - gzip (by magic bytes): decompressed bytes; a resume decompresses from the start and skips them;
 * - a top-level JSON array: elements consumed; a resume parses from the start and skips them.
 *
 * `fingerprint` in a checkpoint is the sha1 of the first min(1 KiB, offset) raw bytes for plain
 * text/JSON lines (bytes already read never change, so a small file that grows keeps its identity),
 * and of the first min(1 KiB, size) raw bytes for gzip and JSON arrays.
 */
export interface Checkpoint extends SourceIdentity {
  offset: number;
  /**
   * The offset stored for this source when this run began reading it (null: none was stored). A store
   * commits the checkpoint only while the stored offset is still that one, or the one this run stored
   * last: otherwise another run reads the same source, and counting on would count its lines twice.
   * Absent: no such check (stdin, which no two runs can share).
   */
  base?: number | null;
  /** Lines (or JSON array elements) consumed before `offset`. */
  lines: number;
  /** Last timestamp seen, so lines without one after a restart still get the right time. */
  lastTs?: string;
}

/** Counters every run keeps (csv-parse style `info`). */
export interface RunInfo {
  bytes: number;
  lines: number;
  hits: number;
  unknown: number;
  skipped: number;
  oversized: number;
  errors: number;
}

/**
 * Where events go. The pipeline calls `event` for each hit in input order, and `checkpoint` at
 * record boundaries; a sink that stores must commit a checkpoint in the same transaction as the
 * counts of every event emitted before it.
 */
export interface Sink {
  event(e: ErrorEvent): void;
  /**
   * Optional: an event from before the source's committed checkpoint, re-read because `scan` prints a
   * whole file. Printers show it; a store must not count it again (so a store leaves this out).
   */
  replayed?(e: ErrorEvent): void;
  checkpoint(cp: Checkpoint): void;
  /**
   * Optional backpressure: a promise while the sink's output is saturated (a slow stdout); the pipeline
   * awaits it before reading more, so memory stays bounded.
   */
  ready?(): Promise<void> | undefined;
  /** Commit what is pending (called every 500 ms while streaming, and at the end). */
  flush(): Promise<void>;
  close(info: RunInfo): Promise<void>;
}

/**
 * What a stored checkpoint says about a source, for resume and skip decisions. The pipeline calls
 * `lookup` with `fingerprint` unset (a growing file's first KiB is not yet stable) and verifies the
 * returned checkpoint itself (dev/ino and the fingerprint rule above); stdin is never looked up.
 */
export interface CheckpointReader {
  lookup(id: SourceIdentity): Checkpoint | undefined | Promise<Checkpoint | undefined>;
}
