// Byte streams (stdin, pipes, gzip): abortable iteration and gzip detection by magic bytes.
import { gunzip } from './gunzip.js';

/** gzip's magic bytes, 1f 8b: content decides, not the file name. */
export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

export const ABORTED: unique symbol = Symbol('aborted');

/**
 * `p`'s outcome, or ABORTED if `signal` aborts first. Nothing stays attached to the signal or to a
 * long-lived promise afterwards (racing against one would keep every settled value alive).
 */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T | typeof ABORTED> {
  if (!signal) return p;
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise<T | typeof ABORTED>((resolve, reject) => {
    const onAbort = (): void => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Iterates until the source ends or `signal` aborts — also while waiting for the next chunk (a quiet pipe). */
export async function* abortable<T>(src: AsyncIterable<T>, signal?: AbortSignal): AsyncGenerator<T> {
  const it = src[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (signal?.aborted) return;
      const r = await untilAborted(it.next(), signal);
      if (r === ABORTED || r.done) return;
      yield r.value;
    }
  } finally {
    // Do not wait: a source blocked on a quiet pipe would never answer.
    void it.return?.()?.catch?.(() => undefined);
  }
}

/**
 * The content of a byte stream: decompressed when it starts with gzip's magic bytes, else as is
 * (chunk by chunk, so a pipe's lines pass through at once). `onGzip` is told which it was.
 */
export async function* contentOf(src: AsyncIterable<Buffer>, onGzip?: (gzip: boolean) => void): AsyncGenerator<Buffer> {
  const it = src[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  while (head.length < 2) {
    const r = await it.next();
    if (r.done) {
      onGzip?.(false);
      if (head.length > 0) yield head;
      return;
    }
    head = head.length === 0 ? r.value : Buffer.concat([head, r.value]);
  }
  const rest = (async function* () {
    yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })();
  if (!isGzip(head)) {
    onGzip?.(false);
    yield* rest;
    return;
  }
  onGzip?.(true);
  yield* gunzip(rest);
}
