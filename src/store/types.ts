// The one narrow interface every store implements (SQLite now, PostgreSQL for fleets later).
// Writes are pre-aggregated batches; reads serve reports and `db info`.
import type { CatalogEntry, Severity } from '../types.js';
import type { Checkpoint, RunInfo, SourceIdentity } from '../pipeline/types.js';

/** Count of hits for one hour bucket (UTC, unix seconds of the hour start) × vendor × code × source × host. */
export interface CountRow {
  bucket: number;
  vendor: string;
  code: number;
  source: string;
  host: string;
  count: number;
  /** UTC ISO timestamps of the first and last hit in the bucket. */
  firstSeen: string;
  lastSeen: string;
}

export interface SampleRow {
  vendor: string;
  code: number;
  ts: string;
  source: string;
  line: number;
  text: string;
  /** Host the line was read on; '' (the default) for a local store. */
  host?: string;
}

/** One transaction's worth of writes: counts, samples and the checkpoints that cover them. */
export interface Batch {
  counts: CountRow[];
  samples: SampleRow[];
  checkpoints: Checkpoint[];
  /**
   * What enrichment said about each vendor:code in this batch (known or not), so the catalog snapshot
   * also describes range-covered and unknown codes. A known entry never gets overwritten by an unknown one.
   */
  codes?: CodeInfo[];
}

export interface CountQuery {
  /** Inclusive lower and exclusive upper bound, unix seconds (bucket starts). */
  from: number;
  to: number;
  vendor?: string[];
  source?: string[];
  host?: string[];
}

/** What reports know of a code beyond its counts: the catalog snapshot at ingest time. */
export interface CodeInfo {
  vendor: string;
  code: number;
  known: boolean;
  product: string | null;
  name: string | null;
  message: string | null;
  category: string | null;
  severity: Severity | null;
}

export interface StoreInfo {
  location: string;
  sizeBytes: number | null;
  schemaVersion: number;
  rows: Record<string, number>;
  firstSeen: string | null;
  lastSeen: string | null;
  sources: Array<{ source: string; path: string | null; offset: number; lines: number; updatedAt: string }>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** The host label this store writes checkpoints, runs and samples under (`--host`); sinks label counts with it. */
  readonly host?: string;
  /** Record catalog metadata so the store (and its views) can describe codes without the catalog files. */
  syncCatalog(entries: CatalogEntry[], products: Record<string, string>): Promise<void>;
  /** Apply a batch atomically: all of it, or none of it. */
  writeBatch(batch: Batch): Promise<void>;
  /**
   * The committed checkpoint of a source, if any: looked up by file identity (dev+ino) when known, else by
   * path, else by label; undefined when the stored fingerprint differs (the file was replaced).
   */
  checkpoint(id: SourceIdentity): Promise<Checkpoint | undefined>;
  /**
   * Forget a source so it can be re-read from the start (`ingest --force`): its counts and samples (by label)
   * and its checkpoints (by label and identity), in one transaction. Returns the count rows removed.
   */
  forgetSource(id: SourceIdentity): Promise<number>;
  beginRun(command: string): Promise<number>;
  finishRun(id: number, info: RunInfo, status: 'ok' | 'failed' | 'interrupted'): Promise<void>;
  /** Hourly count rows in a range, for reports. */
  counts(q: CountQuery): Promise<CountRow[]>;
  /** First and last time each vendor:code was ever seen (optionally restricted by the filters). */
  firstLastSeen(q: Omit<CountQuery, 'from' | 'to'>): Promise<Array<{ vendor: string; code: number; firstSeen: string; lastSeen: string }>>;
  codeInfo(): Promise<CodeInfo[]>;
  samples(vendor: string, code: number, limit: number): Promise<SampleRow[]>;
  info(): Promise<StoreInfo>;
  /** Delete counts and samples older than `before` (unix seconds); returns rows removed. */
  prune(before: number): Promise<number>;
  vacuum(): Promise<void>;
  close(): Promise<void>;
}
