// Row shapes and keys shared by every store implementation.
import type { Checkpoint, SourceIdentity } from '../pipeline/types.js';

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

