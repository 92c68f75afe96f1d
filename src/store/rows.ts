// Row shapes and keys shared by every store implementation.
import type { Checkpoint, SourceIdentity } from '../pipeline/types.js';
import { ErrscanError } from '../errors.js';

/** How many sample lines are kept per vendor:code. */
export const DEFAULT_SAMPLES_PER_CODE = 5;

/** The key a source's checkpoint is stored under: its file identity when known, so a renamed (rotated) file is still recognised. */
export function sourceKey(id: SourceIdentity): string {
  if (id.dev !== undefined && id.ino !== undefined) return `file:${id.dev}:${id.ino}`;
  if (id.path !== undefined) return `path:${id.path}`;
  return `label:${id.source}`;
}

/** A `sources` row as both stores return it. */
export interface SourceRow {
  source: string;
  path: string | null;
  dev: number | null;
  ino: number | null;
  fingerprint: string | null;
  offset: number;
  lines: number;
  last_ts: string | null;
  updated_at: string;
}

export function toCheckpoint(r: SourceRow): Checkpoint {
  const cp: Checkpoint = { source: r.source, offset: r.offset, lines: r.lines };
  if (r.path !== null) cp.path = r.path;
  if (r.dev !== null) cp.dev = r.dev;
  if (r.ino !== null) cp.ino = r.ino;
  if (r.fingerprint !== null) cp.fingerprint = r.fingerprint;
  if (r.last_ts !== null) cp.lastTs = r.last_ts;
  return cp;
}


/**
 * Checkpoints commit only where the stored offset is still the one this process expects: the one it stored
 * last for the source, else the one stored when its run began reading it (`base`). Both stores keep these.
 */
export class SourceClaims {
  private readonly committed = new Map<string, number>();

  /** The offset the stored row must have for `cp` to commit; undefined: no check; null: no row may exist. */
  expected(cp: Checkpoint): number | null | undefined {
    const mine = this.committed.get(sourceKey(cp));
    return mine !== undefined ? mine : cp.base;
  }

  /** After a commit: these checkpoints are what is stored now. */
  committedAll(cps: readonly Checkpoint[]): void {
    for (const cp of cps) if (cp.base !== undefined || this.committed.has(sourceKey(cp))) this.committed.set(sourceKey(cp), cp.offset);
  }

  /** Rows deleted (`ingest --force`): nothing of them is this process's any more. */
  forget(keys: Iterable<string>): void {
    for (const k of keys) this.committed.delete(k);
  }
}

/** The error when another run has moved a source's checkpoint: this batch is not committed. */
export function sourceConflict(cp: Checkpoint, expected: number | null, stored: number | undefined): ErrscanError {
  const now = stored === undefined ? 'gone' : `at ${stored}`;
  const was = expected === null ? 'none' : String(expected);
  return new ErrscanError('ERRSCAN_SOURCE_CONFLICT', `another errscan run is reading this file: its checkpoint is ${now} (this run expected ${was}); nothing more of it is counted by this run`, {
    file: cp.path ?? cp.source,
    hint: 'read a file with one errscan at a time; the next run goes on from what is stored',
  });
}
