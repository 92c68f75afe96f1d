// The end-of-run summary on stderr: one line for people, one JSON object with --json.
import type { RunResult } from './index.js';
import type { RunInfo } from './types.js';

export interface SummaryData extends RunInfo {
  elapsedMs: number;
  /** Content bytes (decompressed) per second, in MiB. */
  mbPerSec: number;
  /** Peak resident set size of this process, KiB. */
  maxRssKiB: number;
  interrupted: boolean;
}

export function summaryData(r: RunResult): SummaryData {
  const secs = r.elapsedMs / 1000;
  return {
    bytes: r.bytes,
    lines: r.lines,
    hits: r.hits,
    unknown: r.unknown,
    skipped: r.skipped,
    oversized: r.oversized,
    errors: r.errors,
    elapsedMs: Math.round(r.elapsedMs),
    mbPerSec: secs > 0 ? Math.round((r.bytes / 1048576 / secs) * 10) / 10 : 0,
    maxRssKiB: process.resourceUsage().maxRSS,
    interrupted: r.interrupted,
  };
}

const n = (x: number): string => x.toLocaleString('en-US');

function size(bytes: number): string {
  if (bytes >= 1048576) return `${(bytes / 1048576).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}

/** `errscan: 2.0 MB, 21,845 lines, 437 hits (3 unknown codes), 0 skipped, 0 oversized, 0 errors in 0.21 s (9.5 MB/s)` */
export function summaryLine(d: SummaryData): string {
  const parts = [
    size(d.bytes),
    `${n(d.lines)} ${d.lines === 1 ? 'line' : 'lines'}`,
    `${n(d.hits)} ${d.hits === 1 ? 'hit' : 'hits'} (${n(d.unknown)} unknown ${d.unknown === 1 ? 'code' : 'codes'})`,
    `${n(d.skipped)} skipped`,
    `${n(d.oversized)} oversized`,
    `${n(d.errors)} ${d.errors === 1 ? 'error' : 'errors'}`,
  ];
  const tail = `in ${(d.elapsedMs / 1000).toFixed(2)} s (${d.mbPerSec.toFixed(1)} MB/s)${d.interrupted ? ', interrupted' : ''}`;
  return `errscan: ${parts.join(', ')} ${tail}`;
}

export function summaryJson(d: SummaryData): string {
  return JSON.stringify({ summary: d });
}
