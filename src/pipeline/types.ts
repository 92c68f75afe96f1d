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

/** A consistent point in one source: everything before `offset` (raw bytes) has been read and emitted. */
export interface Checkpoint extends SourceIdentity {
  offset: number;
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
  checkpoint(cp: Checkpoint): void;
  /** Commit what is pending (called every 500 ms while streaming, and at the end). */
  flush(): Promise<void>;
  close(info: RunInfo): Promise<void>;
}

/** What a stored checkpoint says about a source, for resume and skip decisions. */
export interface CheckpointReader {
  lookup(id: SourceIdentity): Checkpoint | undefined | Promise<Checkpoint | undefined>;
}
