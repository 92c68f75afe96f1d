// File identity for resume: dev/ino plus a sha1 fingerprint of the first bytes (see Checkpoint in
// src/pipeline/types.ts for which bytes a checkpoint's fingerprint covers).
import crypto from 'node:crypto';
import type { Checkpoint } from '../pipeline/types.js';

export const FINGERPRINT_BYTES = 1024;

export function sha1(buf: Buffer): string {
  return crypto.createHash('sha1').update(buf).digest('hex');
}

/** sha1 of the first min(1 KiB, n) bytes of `head` (which must hold at least that many). */
export function fingerprintOf(head: Buffer, n: number): string {
  return sha1(head.subarray(0, Math.min(FINGERPRINT_BYTES, n)));
}

/** How a checkpoint's offset and fingerprint relate to the file: see Checkpoint. */
export type OffsetUnit = 'bytes' | 'decompressed' | 'elements';

/**
 * Whether a stored checkpoint still describes this file: same dev/ino (when both are known), the
 * offset still inside the file (for raw byte offsets), and the same fingerprint over the bytes it covers.
 * `head` holds the file's first bytes (at least min(1 KiB, size)).
 */
export function checkpointMatches(
  cp: Checkpoint,
  file: { dev: number; ino: number; size: number; head: Buffer },
  unit: OffsetUnit,
): boolean {
  if (cp.dev !== undefined && cp.ino !== undefined && (cp.dev !== file.dev || cp.ino !== file.ino)) return false;
  if (!Number.isSafeInteger(cp.offset) || cp.offset < 0) return false;
  if (unit === 'bytes' && cp.offset > file.size) return false;
  if (cp.fingerprint === undefined) return true;
  const n = unit === 'bytes' ? cp.offset : file.size;
  if (file.head.length < Math.min(FINGERPRINT_BYTES, n)) return false;
  return fingerprintOf(file.head, n) === cp.fingerprint;
}
